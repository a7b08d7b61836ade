r"""The convex fused sparse group lasso family (Zhou, Liu, Narayan & Ye, KDD 2012):
tasks are time points; sparse features, shared across time, piecewise constant in time.

:math:`\alpha_1\|W\|_1 + \alpha_f\sum_j\sum_t |W_{t+1,j} - W_{t,j}|
+ \alpha_g\sum_j \|W_{:,j}\|_2`, the tasks in the order of ``task_order`` (default:
``tasks_``, the sorted labels); a regressor (squared loss) and a classifier (logistic
loss).  There is no ``*CV``: the model has three strengths (search them with
``GridSearchCV``).
"""

from ..penalties.temporal import FusedSparseGroupLasso
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._families import _NON_NEGATIVE, _OrderedTasks, _set_common_parameters, with_solvers


class FusedSparseGroupLassoFamily(_OrderedTasks):
    """:math:`\\alpha_1\\|W\\|_1 + \\alpha_f\\sum_j\\sum_t |W_{t+1,j} - W_{t,j}|
    + \\alpha_g\\sum_j \\|W_{:,j}\\|_2`."""

    _family = "fused_sparse_group"
    _family_constraints = {"alpha_lasso": _NON_NEGATIVE, "alpha_fused": _NON_NEGATIVE,
                           "alpha_group": _NON_NEGATIVE, "task_order": [None, "array-like"]}

    def __init__(self, alpha_lasso=0.02, alpha_fused=0.1, alpha_group=0.05, task_order=None,
                 *, fit_intercept=True, task_weights="uniform", solver="auto", tol=1e-6,
                 max_iter=10000, warm_start=False, task_column=None, unseen_tasks="raise",
                 verbose=0):
        self.alpha_lasso = alpha_lasso
        self.alpha_fused = alpha_fused
        self.alpha_group = alpha_group
        self.task_order = task_order
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _penalty(self, n_tasks):
        if self.alpha_fused > 0 and self.alpha_lasso == 0 and self.alpha_group == 0:
            raise ValueError(
                "alpha_fused alone (alpha_lasso = alpha_group = 0) is a seminorm without a "
                "duality gap: give alpha_lasso or alpha_group > 0, or fit "
                "PenalizedRegressor(FusedLasso(alpha), l2=...) with l2 > 0.")
        return FusedSparseGroupLasso(self.alpha_lasso, self.alpha_fused, self.alpha_group,
                                     self._task_positions())

    def _reference_params(self):
        return {"alpha_lasso": self.alpha_lasso, "alpha_fused": self.alpha_fused,
                "alpha_group": self.alpha_group, "order": self._task_positions()}

    def _after_fit(self, xp):
        self.support_ = xp.linalg.vector_norm(self.coef_, axis=0) > 0


class FusedSparseGroupLassoRegressor(FusedSparseGroupLassoFamily, MultiTaskLinearRegressor):
    r"""Multi-task regression over time points: sparse, jointly selected features,
    piecewise constant in time.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \alpha_1\|W\|_1
            + \alpha_f\sum_j\sum_{k=1}^{T-1} |W_{(k+1)j} - W_{(k)j}|
            + \alpha_g\sum_j \|W_{:,j}\|_2,

    where row :math:`(k)` is the k-th task of ``task_order`` (without it, of ``tasks_``:
    the sorted labels, so that labels 0, 1, 2, ... or sortable dates are in time
    order).  The convex fused sparse group lasso of Zhou, Liu, Narayan & Ye (KDD 2012),
    used for disease progression: few features, shared across time points, with
    coefficients piecewise constant in time.  With ``alpha_fused=alpha_group=0`` it is
    :class:`~skmtl.IndependentLassoRegressor`.  ``alpha_fused > 0`` needs
    ``alpha_lasso`` or ``alpha_group`` positive (the fused term alone is a seminorm
    without a duality gap: use :class:`~skmtl.PenalizedRegressor` with
    :class:`~skmtl.penalties.FusedLasso` and ``l2 > 0``).

    Parameters
    ----------
    alpha_lasso : float, default=0.02
        :math:`\alpha_1 \ge 0`, the weight of the entries (sparsity per time point).
    alpha_fused : float, default=0.1
        :math:`\alpha_f \ge 0`, the weight of the changes between neighbours.
    alpha_group : float, default=0.05
        :math:`\alpha_g \ge 0`, the weight of the features' norms (joint selection).
    task_order : array-like of shape (n_tasks,), default=None
        The task labels in time order, each once; None: the order of ``tasks_``.
        Labels that are not those fitted raise a ``ValueError``.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'cd', 'admm', 'fista', 'cvxpy'}, default='auto'
        ``'cd'`` is working-set block coordinate descent (NumPy input only): each
        feature column takes proximal-gradient steps with its own curvature and the
        exact prox of the column; ``'admm'`` alternates exact per-task solves on the
        sufficient statistics with the prox of the penalty (exact: the prox of the
        total variation of each feature column, then soft and group soft
        thresholding); ``'fista'`` is accelerated proximal gradient with adaptive
        restart. All stop on the duality gap of the norm. ``'auto'`` is ``'cd'`` on
        NumPy input; on other array libraries, FISTA continued by ADMM after 200
        iterations when per-task statistics are formed, else FISTA. ``'cvxpy'``
        solves the same objective with cvxpy and Clarabel, the exact reference (slow;
        needs the ``cvxpy`` extra).
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
    support_ : array of shape (n_features,)
        Boolean mask of the features with a non-zero column in ``coef_``.
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
        solver: the duality gap divided by the objective at W = 0 (intercepts minimized
        out).
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import FusedSparseGroupLassoRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=4, structure='sparse',
    ...                                            n_informative=3, random_state=0)
    >>> model = FusedSparseGroupLassoRegressor(alpha_lasso=0.01, alpha_fused=0.1,
    ...                                        alpha_group=0.5).fit(X, y, tasks=tasks)
    >>> int(model.support_.sum())
    3
    """

    _parameter_constraints = {**with_solvers("auto", "cd", "admm", "fista", "cvxpy"),
                              **FusedSparseGroupLassoFamily._family_constraints}


class FusedSparseGroupLassoClassifier(FusedSparseGroupLassoFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression over time points: sparse, jointly selected
    features, piecewise constant in time.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \alpha_1\|W\|_1
            + \alpha_f\sum_j\sum_{k=1}^{T-1} |W_{(k+1)j} - W_{(k)j}|
            + \alpha_g\sum_j \|W_{:,j}\|_2,

    where row :math:`(k)` is the k-th task of ``task_order`` (without it, of
    ``tasks_``, the sorted labels).  ``alpha_fused > 0`` needs ``alpha_lasso`` or
    ``alpha_group`` positive.

    Parameters
    ----------
    alpha_lasso : float, default=0.02
        :math:`\alpha_1 \ge 0`, the weight of the entries (sparsity per time point).
    alpha_fused : float, default=0.1
        :math:`\alpha_f \ge 0`, the weight of the changes between neighbours.
    alpha_group : float, default=0.05
        :math:`\alpha_g \ge 0`, the weight of the features' norms (joint selection).
    task_order : array-like of shape (n_tasks,), default=None
        The task labels in time order, each once; None: the order of ``tasks_``.
        Labels that are not those fitted raise a ``ValueError``.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'proximal_newton', 'fista', 'cvxpy'}, default='auto'
        ``'proximal_newton'`` minimizes, at each step, the penalty plus the second-order
        model of the loss (a squared loss on per-task statistics, solved by the
        regressors' coordinate descent on NumPy input, else FISTA/ADMM), then
        backtracks along the step; ``'fista'`` is
        accelerated proximal gradient with backtracking and adaptive restart.
        Both stop on the duality gap. ``'auto'`` is ``'proximal_newton'``.
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
    support_ : array of shape (n_features,)
        Boolean mask of the features with a non-zero column in ``coef_``.
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
    n_iter_ : int
        Iterations of the solver (Newton steps, or accelerated gradient steps).
    certificate_ : float
        Optimality certificate of the returned solution, measured whatever the
        solver: the duality gap divided by the objective at W = 0 with the best intercepts
        for it.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import FusedSparseGroupLassoClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = FusedSparseGroupLassoClassifier(alpha_lasso=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**with_solvers("auto", "proximal_newton", "fista", "cvxpy"),
                              **FusedSparseGroupLassoFamily._family_constraints}
