r"""The mean-regularized family (Evgeniou & Pontil 2004): every task pulled towards the mean.

:math:`\alpha/2 \sum_t \|w_t - \bar w\|^2 + l_2/2 \|W\|_F^2`; a regressor (squared
loss), a classifier (logistic loss) and their cross-validated variants.
"""

from ..penalties import QuadraticPenalty, mean_coupling
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._cv import CrossValidatedFamily, _set_search_parameters, cv_constraints
from ._families import _NON_NEGATIVE, _set_common_parameters, with_solvers


class MeanRegularizedFamily:
    """:math:`\\alpha/2 \\sum_t \\|w_t - \\bar w\\|^2 + l_2/2 \\|W\\|_F^2`."""

    _family = "mean"
    _family_constraints = {"alpha": _NON_NEGATIVE, "l2": _NON_NEGATIVE}

    def __init__(self, alpha=1.0, l2=0.0, *, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=1000, warm_start=False, task_column=None,
                 unseen_tasks="raise", verbose=0):
        self.alpha = alpha
        self.l2 = l2
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _penalty(self, n_tasks):
        a, b = mean_coupling(self.alpha, self.l2, n_tasks)
        return QuadraticPenalty(rank_one=(a, b))

    def _reference_params(self):
        return {"alpha": self.alpha, "l2": self.l2}

    def _after_fit(self, xp):
        self.mean_coef_ = xp.mean(self.coef_, axis=0)


class MeanRegularizedRegressor(MeanRegularizedFamily, MultiTaskLinearRegressor):
    r"""Multi-task ridge pulling every task towards the mean task (Evgeniou & Pontil 2004).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \frac{\alpha}{2}\sum_t \|w_t - \bar w\|^2 + \frac{l_2}{2}\|W\|_F^2,
        \qquad \bar w = \frac1T\sum_t w_t.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`, strength of the pull towards the mean.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`, ridge on all coefficients.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'closed_form', 'cg', 'cvxpy'}, default='auto'
        ``'closed_form'`` solves the optimality conditions directly (Schur complement
        over the tasks, or one eigendecomposition of a shared Gram matrix), then
        polishes the solution by conjugate gradient to a residual of min(tol, 1e-10);
        ``'cg'`` is conjugate gradient preconditioned by the per-task blocks, stopped
        at tol; ``'auto'`` takes the closed form when the per-task statistics fit,
        else ``'cg'``.
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default=1000
        Largest number of iterations of the iterative solvers.
    warm_start : bool, default=False
        Start the iterative solvers from the previous ``coef_``.
    task_column : str or int, default=None
        Column of ``X`` holding the task labels (a name for DataFrames, an integer
        position for any input).  That column is not a feature; ``fit``, ``predict``
        and ``score`` read the labels from it.
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    mean_coef_ : array of shape (n_features,)
        :math:`\bar w`.
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t` (zeros when ``fit_intercept=False``).
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels (``0..T-1`` for the columns of a shared-design ``y``).
    n_iter_ : int
        Iterations of the solver: FISTA or ADMM steps, coordinate-descent epochs
        (passes over a working set), conjugate-gradient steps,
        or for a direct solve the conjugate-gradient steps that polish it (at
        least 1).
    certificate_ : float
        Optimality certificate of the returned solution, measured whatever the
        solver: the KKT residual of the optimality conditions in the norm of the per-task block
        preconditioner P, :math:`\sqrt{r^\top P r / c^\top P c}` with r the gradient at W and c the
        gradient at 0 (intercepts minimized out).
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import MeanRegularizedRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> MeanRegularizedRegressor(alpha=0.1).fit(X, y, tasks=tasks).mean_coef_.shape
    (20,)
    """

    _parameter_constraints = {**with_solvers("auto", "closed_form", "cg", "cvxpy"),
                              **MeanRegularizedFamily._family_constraints}


class MeanRegularizedClassifier(MeanRegularizedFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression pulling every task towards the mean task.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \frac{\alpha}{2}\sum_t \|w_t - \bar w\|^2 + \frac{l_2}{2}\|W\|_F^2,
        \qquad \bar w = \frac1T\sum_t w_t.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`, strength of the pull towards the mean.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`, ridge on all coefficients.  With ``l2=0`` nothing bounds
        the mean model: on data that a common direction separates, the minimum
        does not exist (a ``ConvergenceWarning`` says so).
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'newton', 'fista', 'cvxpy'}, default='auto'
        ``'newton'`` is Newton's method: each step solves the Newton system by
        conjugate gradient preconditioned by the per-task Hessian blocks, then
        backtracks until the Armijo condition holds; ``'fista'`` is accelerated
        gradient with backtracking and adaptive restart; ``'auto'`` is ``'newton'``.
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default=1000
        Largest number of iterations of the iterative solvers.
    warm_start : bool, default=False
        Start the iterative solvers from the previous ``coef_``.
    task_column : str or int, default=None
        Column of ``X`` holding the task labels (a name for DataFrames, an integer
        position for any input).  That column is not a feature; ``fit``, ``predict``
        and ``score`` read the labels from it.
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    mean_coef_ : array of shape (n_features,)
        :math:`\bar w`.
    classes_ : ndarray of shape (2,)
        The two class labels, shared by all tasks; ``classes_[1]`` is the positive class.
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t` (zeros when ``fit_intercept=False``).  A task whose training rows
        hold a single class has :math:`b_t = +\infty` or :math:`-\infty`: its loss
        reaches its infimum 0 only in that limit, so it predicts that class with
        probability exactly 1, and its :math:`w_t` is set by the penalty alone.
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels (``0..T-1`` for the columns of a shared-design ``y``).
    n_passes_ : int
        Passes over the chunks of a fit on dask input: one that totals the tasks
        and classes, then one per point where the solver evaluates the loss (its
        gradient and Hessian blocks come with it) and one per duality gap.  Only
        set by fits on dask input.
    n_iter_ : int
        Iterations of the solver (Newton steps, or accelerated gradient steps).
    certificate_ : float
        Optimality certificate of the returned solution, measured whatever the
        solver: the KKT residual :math:`\sqrt{g^\top P g / g_0^\top P g_0}`, g the gradient in (W,
        b), :math:`g_0` the gradient at W = 0 with the best intercepts for it, P the inverse of the
        per-task Hessian blocks there.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import MeanRegularizedClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = MeanRegularizedClassifier(alpha=0.1, l2=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**with_solvers("auto", "newton", "fista", "cvxpy"),
                              **MeanRegularizedFamily._family_constraints}


class _MeanCV(CrossValidatedFamily):
    """The constructor of the mean-regularized ``*CV`` estimators."""

    def __init__(self, alphas=30, l2=0.0, *, eps=1e-3, cv=5, scoring=None, n_jobs=None,
                 refit=True, fit_intercept=True, task_weights="uniform", solver="auto",
                 tol=1e-6, max_iter=1000, task_column=None, unseen_tasks="raise", verbose=0):
        self.alphas = alphas
        self.l2 = l2
        _set_search_parameters(self, eps=eps, cv=cv, scoring=scoring, n_jobs=n_jobs,
                               refit=refit, fit_intercept=fit_intercept,
                               task_weights=task_weights, solver=solver, tol=tol,
                               max_iter=max_iter, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)


class MeanRegularizedRegressorCV(_MeanCV, MeanRegularizedRegressor):
    r"""MeanRegularizedRegressor with ``alpha`` chosen by cross-validation.

    The objective is that of :class:`~skmtl.MeanRegularizedRegressor`,

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \frac{\alpha}{2}\sum_t \|w_t - \bar w\|^2 + \frac{l_2}{2}\|W\|_F^2,
        \qquad \bar w = \frac1T\sum_t w_t.

    where ``alpha`` runs over ``alphas`` (see
    :func:`~skmtl.model_selection.regularization_path`) and the other parameters
    are fixed.

    Parameters
    ----------
    alphas : int or array-like, default=30
        Number of values of a geometric grid from the top of the path down to
        ``eps`` times it (:func:`~skmtl.model_selection.alpha_grid`), or the values.
    l2 : float, default=0.0
        Ridge on all coefficients (fixed).
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of a generated grid.
    cv : int, cross-validation generator, iterable or None, default=5
        An int: that many :class:`~skmtl.model_selection.WithinTaskKFold` folds
        (every task's rows split; for classifiers, each class within each task).  A splitter
        gets the task labels as ``tasks=`` when its ``split`` takes them, else
        as ``groups=``. ``None``: exact leave-one-out over the rows (scored by the negative mean
        squared error when ``scoring`` is None).
    scoring : str, callable or None, default=None
        None: the estimator's ``score`` (R² of all held-out rows).  A name known to
        :func:`~skmtl.model_selection.make_task_scorer` (``"r2"``,
        ``"mean_task_roc_auc"``, ...) or a scorer.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib).
    refit : bool, default=True
        Refit the best alpha on all rows.

    Other Parameters
    ----------------
    fit_intercept, task_weights, solver, tol, max_iter, task_column, unseen_tasks, verbose :
        As for :class:`~skmtl.MeanRegularizedRegressor`.

    Attributes
    ----------
    alpha_ : float
        The chosen value of ``alpha``.
    alphas_ : array of shape (n_alphas,)
        The grid, decreasing (in the namespace of ``coef_``; NumPy in ``cv_results_``).
    best_score_ : float
        Mean held-out score of ``alpha_``.
    best_index_ : int
        Position of ``alpha_`` in ``alphas_``.
    cv_results_ : dict of ndarrays
        ``alphas``, ``split<k>_test_score``, ``mean_test_score``,
        ``std_test_score`` and ``rank_test_score``, one entry per alpha (as in
        ``GridSearchCV``); the first best alpha in grid order wins ties.
    coef_, intercept_, tasks_, n_iter_, certificate_, ... :
        Those of ``MeanRegularizedRegressor`` refitted with ``alpha_`` (with ``refit=True``).

    Examples
    --------
    >>> from skmtl import MeanRegularizedRegressorCV
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_features=5, random_state=0)
    >>> model = MeanRegularizedRegressorCV(alphas=4, cv=3).fit(X, y, tasks=tasks)
    >>> model.cv_results_["mean_test_score"].shape
    (4,)
    """

    _base = MeanRegularizedRegressor
    _leave_one_out = True
    _parameter_constraints = cv_constraints(MeanRegularizedRegressor)


class MeanRegularizedClassifierCV(_MeanCV, MeanRegularizedClassifier):
    r"""MeanRegularizedClassifier with ``alpha`` chosen by cross-validation.

    The objective is that of :class:`~skmtl.MeanRegularizedClassifier`,

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \frac{\alpha}{2}\sum_t \|w_t - \bar w\|^2 + \frac{l_2}{2}\|W\|_F^2,
        \qquad \bar w = \frac1T\sum_t w_t.

    where ``alpha`` runs over ``alphas`` (see
    :func:`~skmtl.model_selection.regularization_path`) and the other parameters
    are fixed.

    Parameters
    ----------
    alphas : int or array-like, default=30
        Number of values of a geometric grid from the top of the path down to
        ``eps`` times it (:func:`~skmtl.model_selection.alpha_grid`), or the values.
    l2 : float, default=0.0
        Ridge on all coefficients (fixed).
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of a generated grid.
    cv : int, cross-validation generator, iterable or None, default=5
        An int: that many :class:`~skmtl.model_selection.WithinTaskKFold` folds
        (every task's rows split; for classifiers, each class within each task).  A splitter
        gets the task labels as ``tasks=`` when its ``split`` takes them, else
        as ``groups=``. ``None`` is refused (leave-one-out is exact only for the quadratic
        regressors).
    scoring : str, callable or None, default=None
        None: the estimator's ``score`` (accuracy).  A name known to
        :func:`~skmtl.model_selection.make_task_scorer` (``"r2"``,
        ``"mean_task_roc_auc"``, ...) or a scorer.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib).
    refit : bool, default=True
        Refit the best alpha on all rows.

    Other Parameters
    ----------------
    fit_intercept, task_weights, solver, tol, max_iter, task_column, unseen_tasks, verbose :
        As for :class:`~skmtl.MeanRegularizedClassifier`.

    Attributes
    ----------
    alpha_ : float
        The chosen value of ``alpha``.
    alphas_ : array of shape (n_alphas,)
        The grid, decreasing (in the namespace of ``coef_``; NumPy in ``cv_results_``).
    best_score_ : float
        Mean held-out score of ``alpha_``.
    best_index_ : int
        Position of ``alpha_`` in ``alphas_``.
    cv_results_ : dict of ndarrays
        ``alphas``, ``split<k>_test_score``, ``mean_test_score``,
        ``std_test_score`` and ``rank_test_score``, one entry per alpha (as in
        ``GridSearchCV``); the first best alpha in grid order wins ties.
    coef_, intercept_, tasks_, n_iter_, certificate_, ... :
        Those of ``MeanRegularizedClassifier`` refitted with ``alpha_`` (with ``refit=True``).

    Examples
    --------
    >>> from skmtl import MeanRegularizedClassifierCV
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_features=5, random_state=0)
    >>> model = MeanRegularizedClassifierCV(alphas=4, cv=3).fit(X, y, tasks=tasks)
    >>> model.cv_results_["mean_test_score"].shape
    (4,)
    """

    _base = MeanRegularizedClassifier
    _parameter_constraints = cv_constraints(MeanRegularizedClassifier)
