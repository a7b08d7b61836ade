r"""What the penalty families share.

A family is one mixin shared by its regressor and its classifier, in a module of
its own (``_trace.py``, ``_dirty.py``, ...).  It holds its parameters
(``__init__``), builds its penalty (``_penalty(n_tasks)``), names itself to the
cvxpy reference (``_family``, ``_reference_params()``) and sets its fitted extras
(``_after_fit``).  The regressor or classifier base class supplies the loss and
the solvers.

Here: the parameters and constraints every family has, the base of the
norm-penalized families (trace norm, L2,1, lasso) and the base of the split
families (dirty, robust low-rank), which split the coefficients,
:math:`W = W_1 + W_2`, with one norm on each part, minimized jointly: the solvers
work on the stacked components :math:`[W_1 \mid W_2]`
(:class:`~skmtl.penalties.sparse.SplitNorm`,
:class:`~skmtl.losses.StackedLoss`) and stop on the duality gap of
that problem.
"""

from numbers import Integral, Real

import numpy as np
from array_api_compat import array_namespace
from sklearn.utils._array_api import _is_numpy_namespace
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._array_api import to_numpy
from .._task_model import TASK_CONSTRAINTS
from ..penalties.sparse import SplitNorm
from ..penalties.spectral import SpectralTaskMatrix

COMMON_CONSTRAINTS = {
    **TASK_CONSTRAINTS,
    "tol": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "warm_start": ["boolean"],
    "unseen_tasks": [StrOptions({"raise", "population"})],
    "verbose": ["verbose"],
}
_NON_NEGATIVE = [Interval(Real, 0, None, closed="left")]
_POSITIVE = [Interval(Real, 0, None, closed="neither")]


def with_solvers(*solvers):
    """The common parameter constraints with ``solver`` one of ``solvers``."""
    return {**COMMON_CONSTRAINTS, "solver": [StrOptions(set(solvers))]}


def numerical_rank(matrix, xp):
    """Number of singular values of ``matrix`` above 1e-10 times the largest."""
    singular = xp.linalg.svdvals(matrix)
    largest = float(xp.max(singular)) if singular.shape[0] else 0.0
    return int(xp.count_nonzero(singular > 1e-10 * largest)) if largest > 0 else 0


def nonzero_row_labels(model, part, xp):
    """The labels (``tasks_`` order) of the tasks whose row of ``part`` is non-zero;
    numeric labels follow the data's namespace, like ``tasks_``."""
    rows = to_numpy(xp.linalg.vector_norm(part, axis=1) > 0, xp)
    labels = model._task_labels[rows]
    if labels.dtype.kind in "iuf" and not _is_numpy_namespace(xp):
        labels = xp.asarray(labels, device=part.device)
    return labels


def _set_common_parameters(self, *, fit_intercept, task_weights, solver, tol, max_iter,
                           warm_start, task_column, unseen_tasks, verbose):
    """Store the parameters every family shares (called by each explicit ``__init__``)."""
    self.fit_intercept = fit_intercept
    self.task_weights = task_weights
    self.solver = solver
    self.tol = tol
    self.max_iter = max_iter
    self.warm_start = warm_start
    self.task_column = task_column
    self.unseen_tasks = unseen_tasks
    self.verbose = verbose


class _NormFamily:
    """Parameters shared by the norm-penalized families: alpha·R(W) + l2/2·||W||²."""

    _family_constraints = {"alpha": _NON_NEGATIVE, "l2": _NON_NEGATIVE}

    def __init__(self, alpha=0.1, l2=0.0, *, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=10000, warm_start=False, task_column=None,
                 unseen_tasks="raise", verbose=0):
        self.alpha = alpha
        self.l2 = l2
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _ridge(self):
        return self.l2

    def _reference_params(self):
        return {"alpha": self.alpha, "l2": self.l2}


class _OrderedTasks:
    """Families whose penalty follows an order of the tasks, ``task_order`` (labels);
    without it, the order of ``tasks_`` (sorted labels)."""

    def _task_positions(self):
        """The positions in ``tasks_`` of the labels of ``task_order``, or None."""
        if self.task_order is None:
            return None
        labels = self._task_labels.tolist()
        position = {label: k for k, label in enumerate(labels)}
        given = np.asarray(self.task_order, dtype=object)
        order = given.tolist() if given.ndim == 1 else None
        if (order is None or len(order) != len(labels) or len(set(order)) != len(order)
                or not all(label in position for label in order)):
            raise ValueError(
                f"task_order must list every fitted task label once; the tasks are "
                f"{labels[:20]}, got task_order={self.task_order!r}.")
        return [position[label] for label in order]


class _SplitFamily:
    """:math:`W = W_1 + W_2` with one norm on each part (the dirty and robust models).

    A family names its two parameters (``_parameters``), its two norms
    (``_norms``) and the fitted attributes of the parts (``_component_names``).
    The solve leaves the parts in ``_split``; ``_after_fit`` publishes them.
    """

    def _penalty(self, n_tasks):
        return SplitNorm(*self._norms())

    def _reference_params(self):
        return {name: getattr(self, name) for name in self._parameters}

    def _start_of_first(self, coef, xp):
        """The previous fit's first part with ``warm_start`` (same shape), else zeros."""
        previous = getattr(self, self._component_names[0], None)
        if self.warm_start and previous is not None and tuple(previous.shape) == tuple(
            coef.shape
        ):
            return xp.asarray(previous, dtype=coef.dtype, device=coef.device)
        return xp.zeros_like(coef)

    def _keep_reference_solution(self, result):
        self._split = result["components"]

    def _first_part(self, like, xp):
        """The stored first part, in the namespace, dtype and device of ``like``."""
        return xp.asarray(self._split[0], dtype=like.dtype, device=like.device)

    def _after_fit(self, xp):
        first = self._first_part(self.coef_, xp)
        second = xp.asarray(self._split[1], dtype=first.dtype, device=first.device)
        del self._split
        setattr(self, self._component_names[0], first)
        setattr(self, self._component_names[1], second)
        self._describe_parts(first, second, xp)

    def _describe_parts(self, first, second, xp):
        """More fitted attributes from the two parts (hook)."""


class _SplitParts:
    """A split penalty's solve starts from the previous first part and keeps the two
    parts (:mod:`skmtl.solvers.squared`, :mod:`skmtl.solvers.logistic`)."""

    def _warm_first_part(self, start, xp):
        return self._start_of_first(start, xp)

    def _solved_first_part(self, coef, xp):
        return self._first_part(coef, xp)

    def _keep_parts(self, parts):
        self._split = parts


class _SpectralMatrixFit:
    """Keeps the minimizing matrix M of a spectral penalty (clustered, shared subspace) as
    its eigenvectors and eigenvalues, O(T·d) numbers, and builds M on request."""

    def _keep_matrix(self, xp):
        similarity = self._penalty(self.coef_.shape[0]).similarity(self.coef_, xp)
        self._similarity_vectors_ = similarity.vectors
        self._similarity_values_ = similarity.values
        self._similarity_rest_ = float(similarity.rest)
        return similarity

    def _matrix(self):
        check_is_fitted(self)
        similarity = SpectralTaskMatrix(
            self._similarity_vectors_, self._similarity_values_, self._similarity_rest_)
        return similarity.dense(array_namespace(self._similarity_vectors_))
