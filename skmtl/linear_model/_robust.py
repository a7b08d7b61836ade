r"""The robust low-rank family (Chen, Zhou & Ye 2011): a shared low-rank structure plus
outlier tasks.

:math:`W = L + S` with :math:`\alpha_{lowrank}\|L\|_* + \alpha_{outlier}\sum_t \|S_{t,:}\|_2`,
minimized jointly over the two parts; a regressor (squared loss).  There is no
``*CV``: the model has two strengths, and a path varies only one of them (search
both with ``GridSearchCV``).
"""

from ..penalties import TraceNorm
from ..penalties.sparse import TaskGroupNorm
from ._base import MultiTaskLinearRegressor
from ._families import (
    _POSITIVE,
    _set_common_parameters,
    _SplitFamily,
    _SplitParts,
    nonzero_row_labels,
    numerical_rank,
    with_solvers,
)


class RobustLowRankFamily(_SplitFamily):
    """:math:`W = L + S`, :math:`\\alpha_l\\|L\\|_* + \\alpha_o\\sum_t \\|S_{t,:}\\|_2`."""

    _family = "robust"
    _parameters = ("alpha_lowrank", "alpha_outlier")
    _component_names = ("lowrank_coef_", "outlier_coef_")
    _family_constraints = {"alpha_lowrank": _POSITIVE, "alpha_outlier": _POSITIVE}

    def __init__(self, alpha_lowrank=0.1, alpha_outlier=0.08, *, fit_intercept=True,
                 task_weights="uniform", solver="auto", tol=1e-6, max_iter=10000,
                 warm_start=False, task_column=None, unseen_tasks="raise", verbose=0):
        self.alpha_lowrank = alpha_lowrank
        self.alpha_outlier = alpha_outlier
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _norms(self):
        return TraceNorm(self.alpha_lowrank), TaskGroupNorm(self.alpha_outlier)

    def _describe_parts(self, first, second, xp):
        self.rank_ = numerical_rank(first, xp)
        self.outlier_tasks_ = nonzero_row_labels(self, second, xp)


class RobustLowRankRegressor(RobustLowRankFamily, _SplitParts, MultiTaskLinearRegressor):
    r"""Robust multi-task regression: a shared low-rank structure plus outlier tasks.

    The coefficients are a low-rank part L plus a part S whose non-zero rows are
    the tasks that do not follow the shared structure (Chen, Zhou & Ye 2011):

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top (l_t + s_t) - b_t)^2}{2}
            + \alpha_{lowrank}\|L\|_* + \alpha_{outlier}\sum_t \|S_{t,:}\|_2,

    minimized jointly over L and S; ``coef_`` is :math:`W = L + S`.  Both parts
    are used only when
    :math:`\alpha_{outlier} < \alpha_{lowrank} < \sqrt T \alpha_{outlier}`.
    The dual norms satisfy
    :math:`\max_t \|Z_{t,:}\|_2 \le \|Z\|_2 \le \sqrt T \max_t \|Z_{t,:}\|_2`, so
    with :math:`\alpha_{outlier} \ge \alpha_{lowrank}` the model is the trace-norm
    model, with :math:`\alpha_{lowrank} \ge \sqrt T \alpha_{outlier}` a
    group lasso on each task's coefficients.

    Parameters
    ----------
    alpha_lowrank : float, default=0.1
        :math:`\alpha_{lowrank} > 0`, the weight of the trace norm on L.
    alpha_outlier : float, default=0.08
        :math:`\alpha_{outlier} > 0`, the weight of the row-group norm on S.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'admm', 'fista', 'cvxpy'}, default='auto'
        Both work on the stacked parts (the loss of their sum). ``'admm'``
        alternates exact per-task solves on the sufficient statistics with the
        prox of the two norms; ``'fista'`` is accelerated proximal gradient with
        adaptive restart. Both stop on the duality gap. ``'auto'`` runs ADMM with
        Anderson acceleration when per-task statistics are formed, FISTA otherwise.
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
    lowrank_coef_ : array of shape (n_tasks, n_features)
        L.
    outlier_coef_ : array of shape (n_tasks, n_features)
        S; its non-zero rows are the outlier tasks.
    outlier_tasks_ : ndarray of shape (n_outliers,)
        Labels of the tasks whose row of S is non-zero.
    rank_ : int
        Number of singular values of L above 1e-10 times the largest.
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
    >>> from skmtl import RobustLowRankRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=5, structure='lowrank', rank=1,
    ...                                            noise=0.1, random_state=0)
    >>> model = RobustLowRankRegressor(alpha_lowrank=0.2, alpha_outlier=0.16)
    >>> model.fit(X, y, tasks=tasks).rank_
    1
    >>> model.outlier_tasks_.tolist()
    []
    """

    _parameter_constraints = {**with_solvers("auto", "admm", "fista", "cvxpy"),
                              **RobustLowRankFamily._family_constraints}
