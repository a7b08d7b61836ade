r"""The five regularized multi-task regressors (squared loss).

Each minimizes

.. math::

    F(W, b) = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i \,
              \frac{(y_i - x_i^\top w_t - b_t)^2}{2} + \Omega(W)

(:math:`s_i` sample weights, :math:`S_t` their sum over task t, :math:`\tau_t`
from ``task_weights``, :math:`b_t` unpenalized intercepts) with its own
:math:`\Omega`.
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..penalties import (
    JointFeatureNorm,
    QuadraticPenalty,
    TraceNorm,
    graph_coupling,
    mean_coupling,
    shared_component,
    shared_parameter_coupling,
)
from ._base import MultiTaskLinearRegressor

_COMMON_PARAMETERS = """
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {{'uniform', 'size'}} or array-like of shape (n_tasks,), default='uniform'
        :math:`\\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\\tau_t = S_t/\\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\\tau_t` in
        ``tasks_`` order.
    solver : {solvers}, default='auto'
        {solver_doc}
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default={max_iter}
        Largest number of iterations of the iterative solvers.
    warm_start : bool, default=False
        Start the iterative solvers from the previous ``coef_``.
    task_column : str or int, default=None
        Column of ``X`` holding the task labels (a name for DataFrames, an integer
        position for any input).  That column is not a feature; ``fit``, ``predict``
        and ``score`` read the labels from it.
    verbose : int, default=0
        Print a summary of the solve.
"""

_QUADRATIC_SOLVERS = (
    "``'closed_form'`` solves the optimality conditions directly (Schur complement\n"
    "        over the tasks, or one eigendecomposition of a shared Gram matrix), then\n"
    "        polishes the solution by conjugate gradient to a residual of min(tol, 1e-10);\n"
    "        ``'cg'`` is conjugate gradient preconditioned by the per-task blocks, stopped\n"
    "        at tol; ``'auto'`` takes the closed form when the per-task statistics fit,\n"
    "        else ``'cg'``."
)
_NORM_SOLVERS = (
    "``'admm'`` alternates exact per-task solves on the sufficient statistics with\n"
    "        the prox of the norm; ``'fista'`` is accelerated proximal gradient with\n"
    "        adaptive restart. Both stop on the duality gap. ``'auto'`` runs FISTA and,\n"
    "        when per-task statistics are formed and it has not converged within 200\n"
    "        iterations (badly scaled features), continues with ADMM, whose iteration\n"
    "        count does not grow with their conditioning. ``alpha=0`` is solved in\n"
    "        closed form."
)

_ATTRIBUTES = """
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t` (zeros when ``fit_intercept=False``).
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels (``0..T-1`` for the columns of a shared-design ``y``).
    n_iter_ : int
        Iterations of the solver (for a direct solve, the conjugate-gradient steps
        that polish it; at least 1).
    certificate_ : float
        Optimality certificate of the returned solution, measured whatever the
        solver: {certificate}
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` is a DataFrame with string column names.
"""
_KKT = ("the KKT residual of the optimality conditions in the norm of the per-task "
        "block preconditioner P, :math:`\\sqrt{r^\\top P r / c^\\top P c}` with r the "
        "gradient at W and c the gradient at 0 (intercepts minimized out).")
_GAP = ("the duality gap divided by the objective at W = 0 (intercepts minimized out).")


def _document(cls, solvers, solver_doc, max_iter, certificate):
    cls.__doc__ = cls.__doc__.format(
        common=_COMMON_PARAMETERS.format(
            solvers=solvers, solver_doc=solver_doc, max_iter=max_iter
        ).lstrip(),
        attributes=_ATTRIBUTES.format(certificate=certificate).lstrip(),
    )
    return cls


_QUADRATIC_CONSTRAINTS = {
    **MultiTaskLinearRegressor._parameter_constraints,
    "solver": [StrOptions({"auto", "closed_form", "cg", "cvxpy"})],
}
_NORM_CONSTRAINTS = {
    **MultiTaskLinearRegressor._parameter_constraints,
    "solver": [StrOptions({"auto", "admm", "fista", "cvxpy"})],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "l2": [Interval(Real, 0, None, closed="left")],
}


def _set_common_parameters(self, *, fit_intercept, task_weights, solver, tol, max_iter,
                           warm_start, task_column, verbose):
    """Store the parameters every family shares (called by each explicit ``__init__``)."""
    self.fit_intercept = fit_intercept
    self.task_weights = task_weights
    self.solver = solver
    self.tol = tol
    self.max_iter = max_iter
    self.warm_start = warm_start
    self.task_column = task_column
    self.verbose = verbose


class SharedParameterRegressor(MultiTaskLinearRegressor):
    r"""Multi-task ridge with a shared component (Evgeniou & Pontil 2004).

    Each task's coefficients are a shared part plus a task-specific part,
    :math:`w_t = w_0 + v_t`, and the objective is

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \frac{{\alpha_{{shared}}}}{{2}}\|w_0\|^2
            + \frac{{\alpha_{{task}}}}{{2}}\|V\|_F^2,

    minimized jointly over :math:`w_0` and :math:`V`.  A large ``alpha_shared``
    gives independent ridge regressions, a large ``alpha_task`` one pooled model.
    Minimizing over :math:`w_0` first gives the mean-regularized penalty with
    :math:`\alpha = T\alpha_{{task}}^2/(\alpha_{{shared}} + T\alpha_{{task}})` and
    :math:`l_2 = \alpha_{{shared}}\alpha_{{task}}/(\alpha_{{shared}} + T\alpha_{{task}})`.

    Parameters
    ----------
    alpha_shared : float, default=0.1
        :math:`\alpha_{{shared}} \ge 0`, the ridge weight of the shared part.
    alpha_task : float, default=0.1
        :math:`\alpha_{{task}} \ge 0`, the ridge weight of the task-specific parts.
    {common}
    Attributes
    ----------
    shared_coef_ : array of shape (n_features,)
        :math:`w_0 = \alpha_{{task}}\sum_t w_t / (\alpha_{{shared}} + T\alpha_{{task}})`.
    {attributes}
    Examples
    --------
    >>> from skmtl import SharedParameterRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> model = SharedParameterRegressor(alpha_shared=0.01, alpha_task=0.1).fit(X, y, tasks=tasks)
    >>> model.coef_.shape
    (3, 20)
    """

    _parameter_constraints = {
        **_QUADRATIC_CONSTRAINTS,
        "alpha_shared": [Interval(Real, 0, None, closed="left")],
        "alpha_task": [Interval(Real, 0, None, closed="left")],
    }
    _family = "shared_parameter"

    def __init__(self, alpha_shared=0.1, alpha_task=0.1, *, fit_intercept=True,
                 task_weights="uniform", solver="auto", tol=1e-6, max_iter=1000,
                 warm_start=False, task_column=None, verbose=0):
        self.alpha_shared = alpha_shared
        self.alpha_task = alpha_task
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column, verbose=verbose)

    def _penalty(self, n_tasks):
        a, b = shared_parameter_coupling(self.alpha_shared, self.alpha_task, n_tasks)
        return QuadraticPenalty(rank_one=(a, b))

    def _reference_params(self):
        return {"alpha_shared": self.alpha_shared, "alpha_task": self.alpha_task}

    def _after_fit(self, xp):
        self.shared_coef_ = shared_component(self.coef_, self.alpha_shared, self.alpha_task, xp)

    def predict_population(self, X):
        """Predict every row with the shared model :math:`w_0` and the mean intercept.

        The population model, for rows of tasks not seen in ``fit``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : array of shape (n_samples,)
        """
        return self._predict_with(X, self.shared_coef_)


class MeanRegularizedRegressor(MultiTaskLinearRegressor):
    r"""Multi-task ridge pulling every task towards the mean task (Evgeniou & Pontil 2004).

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \frac{{\alpha}}{{2}}\sum_t \|w_t - \bar w\|^2 + \frac{{l_2}}{{2}}\|W\|_F^2,
        \qquad \bar w = \frac1T\sum_t w_t.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`, strength of the pull towards the mean.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`, ridge on all coefficients.
    {common}
    Attributes
    ----------
    mean_coef_ : array of shape (n_features,)
        :math:`\bar w`.
    {attributes}
    Examples
    --------
    >>> from skmtl import MeanRegularizedRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> MeanRegularizedRegressor(alpha=0.1).fit(X, y, tasks=tasks).mean_coef_.shape
    (20,)
    """

    _parameter_constraints = {
        **_QUADRATIC_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
    }
    _family = "mean"

    def __init__(self, alpha=1.0, l2=0.0, *, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=1000, warm_start=False, task_column=None,
                 verbose=0):
        self.alpha = alpha
        self.l2 = l2
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column, verbose=verbose)

    def _penalty(self, n_tasks):
        a, b = mean_coupling(self.alpha, self.l2, n_tasks)
        return QuadraticPenalty(rank_one=(a, b))

    def _reference_params(self):
        return {"alpha": self.alpha, "l2": self.l2}

    def _after_fit(self, xp):
        self.mean_coef_ = xp.mean(self.coef_, axis=0)

    def predict_population(self, X):
        """Predict every row with the mean model :math:`\\bar w` and the mean intercept.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : array of shape (n_samples,)
        """
        return self._predict_with(X, self.mean_coef_)


class GraphRegularizedRegressor(MultiTaskLinearRegressor):
    r"""Multi-task ridge pulling related tasks together along a task graph.

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \frac{{\alpha}}{{2}}\sum_{{s<t}} A_{{st}}\|w_s - w_t\|^2
            + \frac{{l_2}}{{2}}\|W\|_F^2.

    With the complete graph (the default) this is the mean-regularized model with
    :math:`\alpha_{{mean}} = T\alpha`.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
    task_graph : array-like of shape (n_tasks, n_tasks), default=None
        Symmetric non-negative adjacency :math:`A` in ``tasks_`` order (the diagonal
        is ignored). ``None`` is the complete graph with unit weights.
    {common}
    Attributes
    ----------
    {attributes}
    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import GraphRegularizedRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> chain = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    >>> GraphRegularizedRegressor(alpha=0.1, task_graph=chain).fit(X, y, tasks=tasks).coef_.shape
    (3, 20)
    """

    _parameter_constraints = {
        **_QUADRATIC_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
        "task_graph": [None, "array-like"],
    }
    _family = "graph"

    def __init__(self, alpha=1.0, l2=0.0, task_graph=None, *, fit_intercept=True,
                 task_weights="uniform", solver="auto", tol=1e-6, max_iter=1000,
                 warm_start=False, task_column=None, verbose=0):
        self.alpha = alpha
        self.l2 = l2
        self.task_graph = task_graph
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column, verbose=verbose)

    def _checked_graph(self, n_tasks):
        if self.task_graph is None:
            return None
        graph = np.asarray(self.task_graph, dtype=np.float64)
        if graph.shape != (n_tasks, n_tasks):
            raise ValueError(
                f"task_graph must be of shape ({n_tasks}, {n_tasks}) for the {n_tasks} tasks "
                f"{self._task_labels.tolist()[:20]}, got {graph.shape}."
            )
        if not np.all(np.isfinite(graph)) or np.any(graph < 0):
            raise ValueError("task_graph must be finite and non-negative.")
        if not np.allclose(graph, graph.T):
            raise ValueError("task_graph must be symmetric.")
        return graph

    def _penalty(self, n_tasks):
        graph = self._checked_graph(n_tasks)
        if graph is None:
            a, b = mean_coupling(self.alpha * n_tasks, self.l2, n_tasks)
            return QuadraticPenalty(rank_one=(a, b))
        return QuadraticPenalty(graph_coupling(self.alpha, self.l2, graph))

    def _reference_params(self):
        graph = self._checked_graph(len(self._task_labels))
        return {"alpha": self.alpha, "l2": self.l2, "task_graph": graph}


class _NormPenalizedRegressor(MultiTaskLinearRegressor):
    """Parameters shared by the norm-penalized families: alpha·R(W) + l2/2·||W||²."""

    _parameter_constraints = _NORM_CONSTRAINTS

    def __init__(self, alpha=0.1, l2=0.0, *, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=10000, warm_start=False, task_column=None,
                 verbose=0):
        self.alpha = alpha
        self.l2 = l2
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column, verbose=verbose)

    def _reference_params(self):
        return {"alpha": self.alpha, "l2": self.l2}


class TraceNormRegressor(_NormPenalizedRegressor):
    r"""Multi-task regression with a low-rank coefficient matrix (trace-norm penalty).

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \alpha\|W\|_* + \frac{{l_2}}{{2}}\|W\|_F^2,

    :math:`\|W\|_*` the nuclear norm (sum of singular values): the tasks share a
    low-dimensional subspace of the features (Ji & Ye 2009).

    Parameters
    ----------
    alpha : float, default=0.1
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
    {common}
    Attributes
    ----------
    rank_ : int
        Number of singular values of ``coef_`` above 1e-10 times the largest.
    {attributes}
    Examples
    --------
    >>> from skmtl import TraceNormRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=5, structure='lowrank', rank=2,
    ...                                            random_state=0)
    >>> TraceNormRegressor(alpha=0.05).fit(X, y, tasks=tasks).rank_ <= 5
    True
    """

    _family = "trace"

    def _penalty(self, n_tasks):
        return TraceNorm(self.alpha)

    def _after_fit(self, xp):
        singular = xp.linalg.svdvals(self.coef_)
        largest = float(xp.max(singular)) if singular.shape[0] else 0.0
        self.rank_ = int(xp.count_nonzero(singular > 1e-10 * largest)) if largest > 0 else 0


class JointFeatureRegressor(_NormPenalizedRegressor):
    r"""Multi-task regression selecting features jointly (L2,1 penalty).

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \alpha\sum_j \|W_{{:,j}}\|_2 + \frac{{l_2}}{{2}}\|W\|_F^2:

    a feature is used by all tasks or by none (Obozinski, Taskar & Jordan 2010;
    Argyriou, Evgeniou & Pontil 2008).  On a shared design with ``l2=0`` it is
    scikit-learn's ``MultiTaskLasso`` with the same ``alpha``.

    Parameters
    ----------
    alpha : float, default=0.1
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
    {common}
    Attributes
    ----------
    support_ : ndarray of shape (n_features,)
        Boolean mask of the features with a non-zero column in ``coef_``.
    {attributes}
    Examples
    --------
    >>> from skmtl import JointFeatureRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=4, structure='sparse',
    ...                                            n_informative=3, random_state=0)
    >>> model = JointFeatureRegressor(alpha=0.5).fit(X, y, tasks=tasks)
    >>> int(model.support_.sum())
    3
    """

    _family = "joint_feature"

    def _penalty(self, n_tasks):
        return JointFeatureNorm(self.alpha)

    def _after_fit(self, xp):
        self.support_ = xp.linalg.vector_norm(self.coef_, axis=0) > 0


for _cls in (SharedParameterRegressor, MeanRegularizedRegressor, GraphRegularizedRegressor):
    _document(_cls, "{'auto', 'closed_form', 'cg', 'cvxpy'}", _QUADRATIC_SOLVERS, 1000, _KKT)
for _cls in (TraceNormRegressor, JointFeatureRegressor):
    _document(_cls, "{'auto', 'admm', 'fista', 'cvxpy'}", _NORM_SOLVERS, 10000, _GAP)
