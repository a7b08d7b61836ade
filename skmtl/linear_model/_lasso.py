r"""The independent-lasso family: a lasso (elastic net) per task, the sparse baseline.

:math:`\alpha\|W\|_1 + l_2/2 \|W\|_F^2` does not couple the tasks; a regressor
(squared loss), a classifier (logistic loss) and their cross-validated variants.
"""

from ..penalties.sparse import L1Norm
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._cv import _NormCV, cv_constraints
from ._families import _NormFamily, with_solvers


class IndependentLassoFamily(_NormFamily):
    """:math:`\\alpha\\|W\\|_1 + l_2/2 \\|W\\|_F^2`."""

    _family = "lasso"

    def _penalty(self, n_tasks):
        return L1Norm(self.alpha)

    def _after_fit(self, xp):
        self.support_ = self.coef_ != 0


class IndependentLassoRegressor(IndependentLassoFamily, MultiTaskLinearRegressor):
    r"""Per-task lasso / elastic net: the sparse single-task baseline.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \alpha\|W\|_1 + \frac{l_2}{2}\|W\|_F^2,

    :math:`\|W\|_1 = \sum_{t,j} |W_{tj}|`.  The penalty does not couple the
    tasks: :math:`w_t` is the fit of task t alone with :math:`\alpha/\tau_t` and
    :math:`l_2/\tau_t`, scikit-learn's
    ``ElasticNet(alpha=(alpha + l2)/tau_t, l1_ratio=alpha/(alpha + l2))`` on its
    rows and sample weights (``Lasso(alpha=alpha/tau_t)`` when ``l2=0``): the
    baseline that the coupled families are measured against.

    Parameters
    ----------
    alpha : float, default=0.1
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'cd', 'admm', 'fista', 'cvxpy'}, default='auto'
        ``'cd'`` is working-set block coordinate descent (one exact update per
        feature column, so the scaling of the features does not slow it; gap-safe
        screening; Anderson extrapolation), compiled with numba, NumPy input only.
        ``'admm'`` alternates exact per-task solves on the sufficient statistics with
        the prox of the norm; ``'fista'`` is accelerated proximal gradient with
        adaptive restart. All stop on the duality gap. ``'auto'`` is ``'cd'`` on NumPy
        and, on other array namespaces, FISTA continued by ADMM after 200 iterations
        when per-task statistics are formed. ``alpha=0`` is solved in closed form.
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default=10000
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
    support_ : array of shape (n_tasks, n_features)
        Boolean mask of the non-zero entries of ``coef_``.
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
        solver: the duality gap divided by the objective at W = 0 (intercepts minimized out).
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import IndependentLassoRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=4, structure='sparse',
    ...                                            n_informative=3, noise=0.1, random_state=0)
    >>> model = IndependentLassoRegressor(alpha=0.05).fit(X, y, tasks=tasks)
    >>> model.support_.sum(axis=1).tolist()
    [3, 3, 3, 3]
    """

    _parameter_constraints = {**with_solvers("auto", "cd", "admm", "fista", "cvxpy"),
                              **IndependentLassoFamily._family_constraints}


class IndependentLassoClassifier(IndependentLassoFamily, MultiTaskLinearClassifier):
    r"""Per-task L1 (elastic-net) logistic regression: the sparse single-task baseline.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \alpha\|W\|_1 + \frac{l_2}{2}\|W\|_F^2.

    With one task and ``l2=0`` it is scikit-learn's ``LogisticRegression`` with
    an L1 penalty and :math:`C = 1/(S\alpha)` (S the sum of the sample weights).

    Parameters
    ----------
    alpha : float, default=0.1
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'proximal_newton', 'fista', 'cvxpy'}, default='auto'
        ``'proximal_newton'`` minimizes, at each step, the norm plus the second-order
        model of the loss (a squared loss on per-task statistics, solved by the
        regressors' FISTA/ADMM), then backtracks along the step; ``'fista'`` is
        accelerated proximal gradient with backtracking and adaptive restart.
        Both stop on the duality gap. ``'auto'`` is ``'proximal_newton'``. With
        ``alpha=0`` the objective is smooth and ``'auto'`` uses Newton's method.
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default=10000
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
    support_ : array of shape (n_tasks, n_features)
        Boolean mask of the non-zero entries of ``coef_``.
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
        solver: the duality gap divided by the objective at W = 0 with the best intercepts for it.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import IndependentLassoClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = IndependentLassoClassifier(alpha=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**with_solvers("auto", "proximal_newton", "fista", "cvxpy"),
                              **IndependentLassoFamily._family_constraints}


class IndependentLassoRegressorCV(_NormCV, IndependentLassoRegressor):
    r"""IndependentLassoRegressor with ``alpha`` chosen by cross-validation.

    The objective is that of :class:`~skmtl.IndependentLassoRegressor`,

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \alpha\|W\|_1 + \frac{l_2}{2}\|W\|_F^2,

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
        As for :class:`~skmtl.IndependentLassoRegressor`.

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
        Those of ``IndependentLassoRegressor`` refitted with ``alpha_`` (with ``refit=True``).

    Examples
    --------
    >>> from skmtl import IndependentLassoRegressorCV
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_features=5, random_state=0)
    >>> model = IndependentLassoRegressorCV(alphas=4, cv=3).fit(X, y, tasks=tasks)
    >>> model.cv_results_["mean_test_score"].shape
    (4,)
    """

    _base = IndependentLassoRegressor
    _parameter_constraints = cv_constraints(IndependentLassoRegressor)


class IndependentLassoClassifierCV(_NormCV, IndependentLassoClassifier):
    r"""IndependentLassoClassifier with ``alpha`` chosen by cross-validation.

    The objective is that of :class:`~skmtl.IndependentLassoClassifier`,

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \alpha\|W\|_1 + \frac{l_2}{2}\|W\|_F^2.

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
        As for :class:`~skmtl.IndependentLassoClassifier`.

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
        Those of ``IndependentLassoClassifier`` refitted with ``alpha_`` (with ``refit=True``).

    Examples
    --------
    >>> from skmtl import IndependentLassoClassifierCV
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_features=5, random_state=0)
    >>> model = IndependentLassoClassifierCV(alphas=4, cv=3).fit(X, y, tasks=tasks)
    >>> model.cv_results_["mean_test_score"].shape
    (4,)
    """

    _base = IndependentLassoClassifier
    _parameter_constraints = cv_constraints(IndependentLassoClassifier)
