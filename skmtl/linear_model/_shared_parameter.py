r"""The shared-parameter family (Evgeniou & Pontil 2004): :math:`w_t = w_0 + v_t`.

Ridge on the shared part :math:`w_0` and on the task-specific parts :math:`v_t`,
minimized jointly; a regressor (squared loss), a classifier (logistic loss) and
their cross-validated variants, whose path varies ``alpha_task``.
"""

from ..penalties import QuadraticPenalty, shared_component, shared_parameter_coupling
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._cv import CrossValidatedFamily, _set_search_parameters, cv_constraints
from ._families import _NON_NEGATIVE, _set_common_parameters, with_solvers


class SharedParameterFamily:
    """:math:`w_t = w_0 + v_t`, ridge on :math:`w_0` and on the :math:`v_t`."""

    _family = "shared_parameter"
    _family_constraints = {"alpha_shared": _NON_NEGATIVE, "alpha_task": _NON_NEGATIVE}

    def __init__(self, alpha_shared=0.1, alpha_task=0.1, *, fit_intercept=True,
                 task_weights="uniform", solver="auto", tol=1e-6, max_iter=1000,
                 warm_start=False, task_column=None, unseen_tasks="raise", verbose=0):
        self.alpha_shared = alpha_shared
        self.alpha_task = alpha_task
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _penalty(self, n_tasks):
        a, b = shared_parameter_coupling(self.alpha_shared, self.alpha_task, n_tasks)
        return QuadraticPenalty(rank_one=(a, b))

    def _reference_params(self):
        return {"alpha_shared": self.alpha_shared, "alpha_task": self.alpha_task}

    def _after_fit(self, xp):
        self.shared_coef_ = shared_component(self.coef_, self.alpha_shared, self.alpha_task, xp)

    def _population_coef(self):
        """The shared component :math:`w_0`."""
        return self.shared_coef_


class SharedParameterRegressor(SharedParameterFamily, MultiTaskLinearRegressor):
    r"""Multi-task ridge with a shared component (Evgeniou & Pontil 2004).

    Each task's coefficients are a shared part plus a task-specific part,
    :math:`w_t = w_0 + v_t`, and the objective is

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \frac{\alpha_{shared}}{2}\|w_0\|^2
            + \frac{\alpha_{task}}{2}\|V\|_F^2,

    minimized jointly over :math:`w_0` and :math:`V`.  A large ``alpha_shared``
    gives independent ridge regressions, a large ``alpha_task`` one pooled model.
    Minimizing over :math:`w_0` first gives the mean-regularized penalty with
    :math:`\alpha = T\alpha_{task}^2/(\alpha_{shared} + T\alpha_{task})` and
    :math:`l_2 = \alpha_{shared}\alpha_{task}/(\alpha_{shared} + T\alpha_{task})`.

    Parameters
    ----------
    alpha_shared : float, default=0.1
        :math:`\alpha_{shared} \ge 0`, the ridge weight of the shared part.
    alpha_task : float, default=0.1
        :math:`\alpha_{task} \ge 0`, the ridge weight of the task-specific parts.
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
    shared_coef_ : array of shape (n_features,)
        :math:`w_0 = \alpha_{task}\sum_t w_t / (\alpha_{shared} + T\alpha_{task})`.
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
    >>> from skmtl import SharedParameterRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> model = SharedParameterRegressor(alpha_shared=0.01, alpha_task=0.1).fit(X, y, tasks=tasks)
    >>> model.coef_.shape
    (3, 20)
    """

    _parameter_constraints = {**with_solvers("auto", "closed_form", "cg", "cvxpy"),
                              **SharedParameterFamily._family_constraints}


class SharedParameterClassifier(SharedParameterFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression with a shared component (Evgeniou & Pontil 2004).

    :math:`w_t = w_0 + v_t` and

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \frac{\alpha_{shared}}{2}\|w_0\|^2
            + \frac{\alpha_{task}}{2}\|V\|_F^2,

    minimized jointly over :math:`w_0` and :math:`V`.

    Parameters
    ----------
    alpha_shared : float, default=0.1
        :math:`\alpha_{shared} \ge 0`, the ridge weight of the shared part.
    alpha_task : float, default=0.1
        :math:`\alpha_{task} \ge 0`, the ridge weight of the task-specific parts.
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
    shared_coef_ : array of shape (n_features,)
        :math:`w_0 = \alpha_{task}\sum_t w_t / (\alpha_{shared} + T\alpha_{task})`.
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
    >>> from skmtl import SharedParameterClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = SharedParameterClassifier(alpha_shared=0.1, alpha_task=0.1).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**with_solvers("auto", "newton", "fista", "cvxpy"),
                              **SharedParameterFamily._family_constraints}


class _SharedParameterCV(CrossValidatedFamily):
    """The constructor of the shared-parameter ``*CV`` estimators."""

    def __init__(self, alphas=30, alpha_shared=0.1, *, eps=1e-3, cv=5, scoring=None, n_jobs=None,
                 refit=True, fit_intercept=True, task_weights="uniform", solver="auto",
                 tol=1e-6, max_iter=1000, task_column=None, unseen_tasks="raise", verbose=0):
        self.alphas = alphas
        self.alpha_shared = alpha_shared
        _set_search_parameters(self, eps=eps, cv=cv, scoring=scoring, n_jobs=n_jobs,
                               refit=refit, fit_intercept=fit_intercept,
                               task_weights=task_weights, solver=solver, tol=tol,
                               max_iter=max_iter, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)


class SharedParameterRegressorCV(_SharedParameterCV, SharedParameterRegressor):
    r"""SharedParameterRegressor with ``alpha_task`` chosen by cross-validation.

    The objective is that of :class:`~skmtl.SharedParameterRegressor`,

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \frac{\alpha_{shared}}{2}\|w_0\|^2
            + \frac{\alpha_{task}}{2}\|V\|_F^2,

    where ``alpha_task`` runs over ``alphas`` (see
    :func:`~skmtl.model_selection.regularization_path`) and the other parameters
    are fixed.

    Parameters
    ----------
    alphas : int or array-like, default=30
        Number of values of a geometric grid from the top of the path down to
        ``eps`` times it (:func:`~skmtl.model_selection.alpha_grid`), or the values.
    alpha_shared : float, default=0.1
        Ridge weight of the shared part (fixed).
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
        As for :class:`~skmtl.SharedParameterRegressor`.

    Attributes
    ----------
    alpha_ : float
        The chosen value of ``alpha_task``.
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
        Those of ``SharedParameterRegressor`` refitted with ``alpha_`` (with ``refit=True``).

    Examples
    --------
    >>> from skmtl import SharedParameterRegressorCV
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_features=5, random_state=0)
    >>> model = SharedParameterRegressorCV(alphas=4, cv=3).fit(X, y, tasks=tasks)
    >>> model.cv_results_["mean_test_score"].shape
    (4,)
    """

    _base = SharedParameterRegressor
    _leave_one_out = True
    _parameter_constraints = cv_constraints(SharedParameterRegressor)


class SharedParameterClassifierCV(_SharedParameterCV, SharedParameterClassifier):
    r"""SharedParameterClassifier with ``alpha_task`` chosen by cross-validation.

    The objective is that of :class:`~skmtl.SharedParameterClassifier`,

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \frac{\alpha_{shared}}{2}\|w_0\|^2
            + \frac{\alpha_{task}}{2}\|V\|_F^2,

    where ``alpha_task`` runs over ``alphas`` (see
    :func:`~skmtl.model_selection.regularization_path`) and the other parameters
    are fixed.

    Parameters
    ----------
    alphas : int or array-like, default=30
        Number of values of a geometric grid from the top of the path down to
        ``eps`` times it (:func:`~skmtl.model_selection.alpha_grid`), or the values.
    alpha_shared : float, default=0.1
        Ridge weight of the shared part (fixed).
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
        As for :class:`~skmtl.SharedParameterClassifier`.

    Attributes
    ----------
    alpha_ : float
        The chosen value of ``alpha_task``.
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
        Those of ``SharedParameterClassifier`` refitted with ``alpha_`` (with ``refit=True``).

    Examples
    --------
    >>> from skmtl import SharedParameterClassifierCV
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_features=5, random_state=0)
    >>> model = SharedParameterClassifierCV(alphas=4, cv=3).fit(X, y, tasks=tasks)
    >>> model.cv_results_["mean_test_score"].shape
    (4,)
    """

    _base = SharedParameterClassifier
    _parameter_constraints = cv_constraints(SharedParameterClassifier)
