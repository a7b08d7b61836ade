r"""The temporal group lasso family (Zhou, Yuan, Liu & Ye, KDD 2011): tasks are time
points, features are selected jointly and the coefficients vary smoothly in time.

:math:`\alpha\sum_j \|W_{:,j}\|_2 + \alpha_s/2 \sum_t \|w_{t+1} - w_t\|^2
+ l_2/2 \|W\|_F^2`, the tasks in the order of ``task_order`` (default: ``tasks_``,
the sorted labels); a regressor (squared loss) and a classifier (logistic loss).
"""

import numpy as np

from ..penalties import QuadraticPenalty, graph_coupling
from ..penalties.temporal import TemporalGroupLasso, check_order
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._families import _NON_NEGATIVE, _OrderedTasks, _set_common_parameters, with_solvers


def chain_graph(order):
    """Adjacency (T, T) of the chain that visits the tasks in ``order``."""
    graph = np.zeros((len(order), len(order)))
    graph[order[:-1], order[1:]] = 1.0
    return graph + graph.T


class TemporalGroupLassoFamily(_OrderedTasks):
    """:math:`\\alpha\\sum_j \\|W_{:,j}\\|_2 + \\alpha_s/2 \\sum_t \\|w_{t+1} - w_t\\|^2
    + l_2/2 \\|W\\|_F^2`."""

    _family = "temporal"
    _family_constraints = {"alpha": _NON_NEGATIVE, "alpha_smooth": _NON_NEGATIVE,
                           "l2": _NON_NEGATIVE, "task_order": [None, "array-like"]}

    def __init__(self, alpha=0.1, alpha_smooth=0.1, l2=0.0, task_order=None, *,
                 fit_intercept=True, task_weights="uniform", solver="auto", tol=1e-6,
                 max_iter=10000, warm_start=False, task_column=None, unseen_tasks="raise",
                 verbose=0):
        self.alpha = alpha
        self.alpha_smooth = alpha_smooth
        self.l2 = l2
        self.task_order = task_order
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _ridge(self):
        return self.l2

    def _penalty(self, n_tasks):
        order = self._task_positions()
        if self.alpha == 0 and self.solver == "auto":
            # the graph-regularized model on the chain, solved in closed form
            return QuadraticPenalty(graph_coupling(self.alpha_smooth, self.l2,
                                                   chain_graph(check_order(order, n_tasks))))
        return TemporalGroupLasso(self.alpha, self.alpha_smooth, order)

    def _reference_params(self):
        return {"alpha": self.alpha, "alpha_smooth": self.alpha_smooth, "l2": self.l2,
                "order": self._task_positions()}

    def _after_fit(self, xp):
        self.support_ = xp.linalg.vector_norm(self.coef_, axis=0) > 0


class TemporalGroupLassoRegressor(TemporalGroupLassoFamily, MultiTaskLinearRegressor):
    r"""Multi-task regression over time points: joint feature selection, smooth in time.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \alpha\sum_j \|W_{:,j}\|_2
            + \frac{\alpha_s}{2}\sum_{k=1}^{T-1} \|w_{(k+1)} - w_{(k)}\|^2
            + \frac{l_2}{2}\|W\|_F^2,

    where :math:`w_{(k)}` is the k-th task of ``task_order`` (without it, of ``tasks_``:
    the sorted labels, so that labels 0, 1, 2, ... or sortable dates are in time
    order).  The temporal group lasso of Zhou, Yuan, Liu & Ye (KDD 2011), used for
    disease progression: a feature is used at every time point or at none, and its
    coefficient changes smoothly.  With ``alpha_smooth=0`` it is
    :class:`~skmtl.JointFeatureRegressor`; with ``alpha=0``,
    :class:`~skmtl.GraphRegularizedRegressor` on the chain graph.

    Parameters
    ----------
    alpha : float, default=0.1
        :math:`\alpha \ge 0`, the weight of the features' norms.
    alpha_smooth : float, default=0.1
        :math:`\alpha_s \ge 0`, the weight of the squared changes between neighbours.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
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
        feature column is minimized exactly, the chain's quadratic included, by a
        secular equation solved with tridiagonal systems; ``'admm'`` alternates exact
        per-task solves on the sufficient statistics with the prox of the penalty
        (exact: the secular equation of each feature column in the cosine basis of the
        chain); ``'fista'`` is accelerated proximal gradient with adaptive restart.
        All stop on the duality gap, exact at ``l2=0``. ``'auto'`` is ``'cd'`` on
        NumPy input; on other array libraries, FISTA continued by ADMM after 200
        iterations when per-task statistics are formed, else FISTA; with ``alpha=0``
        the model is quadratic and ``'auto'`` solves it in closed form. ``'cvxpy'``
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
        out); with ``alpha=0``, the relative KKT residual.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import TemporalGroupLassoRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=4, structure='sparse',
    ...                                            n_informative=3, random_state=0)
    >>> model = TemporalGroupLassoRegressor(alpha=0.5, alpha_smooth=1.0).fit(X, y, tasks=tasks)
    >>> int(model.support_.sum())
    3
    """

    _parameter_constraints = {**with_solvers("auto", "cd", "admm", "fista", "cvxpy"),
                              **TemporalGroupLassoFamily._family_constraints}


class TemporalGroupLassoClassifier(TemporalGroupLassoFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression over time points: joint feature selection, smooth
    in time.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \alpha\sum_j \|W_{:,j}\|_2
            + \frac{\alpha_s}{2}\sum_{k=1}^{T-1} \|w_{(k+1)} - w_{(k)}\|^2
            + \frac{l_2}{2}\|W\|_F^2,

    where :math:`w_{(k)}` is the k-th task of ``task_order`` (without it, of
    ``tasks_``, the sorted labels).

    Parameters
    ----------
    alpha : float, default=0.1
        :math:`\alpha \ge 0`, the weight of the features' norms.
    alpha_smooth : float, default=0.1
        :math:`\alpha_s \ge 0`, the weight of the squared changes between neighbours.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
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
        for it; with ``alpha=0``, the relative KKT residual.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import TemporalGroupLassoClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = TemporalGroupLassoClassifier(alpha=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**with_solvers("auto", "proximal_newton", "fista", "cvxpy"),
                              **TemporalGroupLassoFamily._family_constraints}
