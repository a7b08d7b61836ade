"""The five penalty families, each one mixin shared by its regressor and its classifier.

A family holds its parameters (``__init__``), builds its penalty
(``_penalty(n_tasks)``), names itself to the cvxpy reference (``_family``,
``_reference_params()``) and sets its fitted extras (``_after_fit``).  The
regressor or classifier base class supplies the loss and the solvers.
"""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from .._task_model import TASK_CONSTRAINTS
from ..penalties import (
    JointFeatureNorm,
    QuadraticPenalty,
    TraceNorm,
    check_task_graph,
    graph_coupling,
    mean_coupling,
    shared_component,
    shared_parameter_coupling,
)

COMMON_CONSTRAINTS = {
    **TASK_CONSTRAINTS,
    "tol": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "warm_start": ["boolean"],
    "verbose": ["verbose"],
}
_NON_NEGATIVE = [Interval(Real, 0, None, closed="left")]


def with_solvers(*solvers):
    """The common parameter constraints with ``solver`` one of ``solvers``."""
    return {**COMMON_CONSTRAINTS, "solver": [StrOptions(set(solvers))]}


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


class SharedParameterFamily:
    """:math:`w_t = w_0 + v_t`, ridge on :math:`w_0` and on the :math:`v_t`."""

    _family = "shared_parameter"
    _family_constraints = {"alpha_shared": _NON_NEGATIVE, "alpha_task": _NON_NEGATIVE}

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

        The population model, for rows of tasks not seen in ``fit`` (the mean is
        over the finite intercepts).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : array of shape (n_samples,)
        """
        return self._population_output(self._predict_with(X, self.shared_coef_))


class MeanRegularizedFamily:
    """:math:`\\alpha/2 \\sum_t \\|w_t - \\bar w\\|^2 + l_2/2 \\|W\\|_F^2`."""

    _family = "mean"
    _family_constraints = {"alpha": _NON_NEGATIVE, "l2": _NON_NEGATIVE}

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

        The mean is over the finite intercepts.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : array of shape (n_samples,)
        """
        return self._population_output(self._predict_with(X, self.mean_coef_))


class GraphRegularizedFamily:
    """:math:`\\alpha/2 \\sum_{s<t} A_{st}\\|w_s - w_t\\|^2 + l_2/2 \\|W\\|_F^2`."""

    _family = "graph"
    _family_constraints = {
        "alpha": _NON_NEGATIVE, "l2": _NON_NEGATIVE, "task_graph": [None, "array-like"],
    }

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
        return check_task_graph(self.task_graph, n_tasks, self._task_labels.tolist())

    def _penalty(self, n_tasks):
        graph = self._checked_graph(n_tasks)
        if graph is None:
            a, b = mean_coupling(self.alpha * n_tasks, self.l2, n_tasks)
            return QuadraticPenalty(rank_one=(a, b))
        return QuadraticPenalty(graph_coupling(self.alpha, self.l2, graph))

    def _reference_params(self):
        graph = self._checked_graph(len(self._task_labels))
        return {"alpha": self.alpha, "l2": self.l2, "task_graph": graph}


class _NormFamily:
    """Parameters shared by the norm-penalized families: alpha·R(W) + l2/2·||W||²."""

    _family_constraints = {"alpha": _NON_NEGATIVE, "l2": _NON_NEGATIVE}

    def __init__(self, alpha=0.1, l2=0.0, *, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=10000, warm_start=False, task_column=None,
                 verbose=0):
        self.alpha = alpha
        self.l2 = l2
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column, verbose=verbose)

    def _ridge(self):
        return self.l2

    def _reference_params(self):
        return {"alpha": self.alpha, "l2": self.l2}


class TraceNormFamily(_NormFamily):
    """:math:`\\alpha\\|W\\|_* + l_2/2 \\|W\\|_F^2`."""

    _family = "trace"

    def _penalty(self, n_tasks):
        return TraceNorm(self.alpha)

    def _after_fit(self, xp):
        singular = xp.linalg.svdvals(self.coef_)
        largest = float(xp.max(singular)) if singular.shape[0] else 0.0
        self.rank_ = int(xp.count_nonzero(singular > 1e-10 * largest)) if largest > 0 else 0


class JointFeatureFamily(_NormFamily):
    """:math:`\\alpha\\sum_j \\|W_{:,j}\\|_2 + l_2/2 \\|W\\|_F^2`."""

    _family = "joint_feature"

    def _penalty(self, n_tasks):
        return JointFeatureNorm(self.alpha)

    def _after_fit(self, xp):
        self.support_ = xp.linalg.vector_norm(self.coef_, axis=0) > 0
