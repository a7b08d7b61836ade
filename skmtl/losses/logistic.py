r"""The logistic data term, evaluated on the rows.

With labels :math:`y_i \in \{-1, +1\}`, the data term of every classifier is

.. math::

    f(W, b) = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
              \log\left(1 + e^{-y_i (x_i^\top w_t + b_t)}\right)

(:math:`s_i` sample weights, :math:`S_t` their sum over task t, :math:`\tau_t`
the task weights).  Unlike the squared loss, the intercepts cannot be
minimized out in closed form, so the solvers work on
:math:`\Theta = [W \mid b]` of shape (T, d + 1): the design carries a last
column of ones and the penalties act on the first d columns only
(without intercepts, :math:`\Theta = W`).

A task whose rows hold a single class contributes nothing: the infimum of its
loss, 0, is reached only as its intercept goes to :math:`\pm\infty`, whatever
:math:`w_t`.  Its rows get weight 0 here and the estimator sets that intercept
to :math:`\pm\infty` after the solve.
"""

import math

import numpy as np

from .._array_api import (
    batched_matvec,
    block_inverse,
    largest_eigenvalue,
    positive_reciprocal,
    to_numpy,
)
from .._padding import slab_index
from .._sparse import CentredSparse, SparseTaskRows, affordable_products, is_sparse
from .dual import Dual
from .squared import task_bounds


def sigmoid(values, xp):
    """:math:`1 / (1 + e^{-v})` without overflow (one exponential of :math:`-|v|`)."""
    decay = xp.exp(-xp.abs(values))
    return xp.where(values >= 0, 1.0, decay) / (1.0 + decay)


class SharedRows:
    """Every task on the same rows (shared design): per-row arrays of shape (T, n)."""

    def __init__(self, X, xp):
        self.X, self.xp = X, xp

    def margins(self, theta):
        return theta @ self.xp.matrix_transpose(self.X)

    def rows_times(self, values):
        return values @ self.X

    def blocks(self, curvature):
        xp, X = self.xp, self.X
        return xp.stack([
            xp.matrix_transpose(X * curvature[t, :][:, None]) @ X
            for t in range(curvature.shape[0])
        ])

    def per_row(self, values):
        return values[:, None]

    def every_row(self, mask):
        return mask.all(axis=1)


#: Bytes of slab rows a temporary holds at a time: a fresh array of all the rows costs
#: its page faults again, a block of this size is reused.
_BLOCK_BYTES = 2**25


def _tasks_per_block(longest, width):
    """Slabs per block of :data:`_BLOCK_BYTES` (at least one)."""
    return max(1, _BLOCK_BYTES // max(1, 8 * longest * width))


class PaddedRows:
    """Task t's rows in slab t of a (T, m, p) array, zero rows padding smaller tasks.

    Every operation is one batched product; per-row arrays have shape (T, m).
    """

    def __init__(self, X, xp):
        self.X, self.xp = X, xp

    def margins(self, theta):
        return (self.X @ theta[:, :, None])[..., 0]

    def rows_times(self, values):
        return (values[:, None, :] @ self.X)[:, 0, :]

    def blocks(self, curvature):
        xp = self.xp
        n_tasks = self.X.shape[0]
        step = _tasks_per_block(*self.X.shape[1:])
        parts = []
        for first in range(0, n_tasks, step):
            last = min(first + step, n_tasks)
            rows = self.X[first:last, ...]
            weights = curvature[first:last, :, None]
            parts.append(xp.matrix_transpose(rows * weights) @ rows)
        return xp.concat(parts, axis=0)

    def per_row(self, values):
        return values[:, None]

    def every_row(self, mask):
        return mask.all(axis=1)


class SortedRows:
    """Rows sorted by task, one range per task (tasks of very unequal sizes): shape (n,)."""

    def __init__(self, X, bounds, row_task, xp):
        self.X, self.bounds, self.row_task, self.xp = X, bounds, row_task, xp

    def margins(self, theta):
        return self.xp.concat([
            self.X[start:stop, ...] @ theta[t, ...]
            for t, (start, stop) in enumerate(self.bounds)
        ])

    def rows_times(self, values):
        return self.xp.stack(
            [values[start:stop] @ self.X[start:stop, ...] for start, stop in self.bounds]
        )

    def blocks(self, curvature):
        xp, blocks = self.xp, []
        for start, stop in self.bounds:
            rows = self.X[start:stop, ...]
            blocks.append(xp.matrix_transpose(rows * curvature[start:stop, None]) @ rows)
        return xp.stack(blocks)

    def per_row(self, values):
        return self.xp.take(values, self.row_task)

    def every_row(self, mask):
        return np.array([bool(mask[start:stop].all()) for start, stop in self.bounds])


class SparseSharedRows:
    """A sparse shared design as a :class:`~skmtl._sparse.CentredSparse` (centred, with the
    intercept column): per-row arrays of shape (T, n).  ``dense_blocks`` says whether the
    per-task Hessian blocks may be formed (:func:`~skmtl._sparse.affordable_products`)."""

    def __init__(self, X, dense_blocks):
        self.X, self.dense_blocks = X, dense_blocks

    def margins(self, theta):
        return (self.X @ theta.T).T

    def rows_times(self, values):
        return values @ self.X

    def blocks(self, curvature):
        return np.stack([self.X.weighted_gram(row) for row in curvature])

    def diagonals(self, curvature):
        return np.stack([self.X.weighted_squares(row) for row in curvature])

    def top_eigenvalues(self, weights):
        return np.array([self.X.top_singular_squared(row) for row in weights])

    def per_row(self, values):
        return values[:, None]

    def every_row(self, mask):
        return mask.all(axis=1)


class SparseSortedRows(SortedRows):
    """Rows of a sparse X sorted by task (a :class:`~skmtl._sparse.SparseTaskRows`, each
    task centred, with the intercept column), as :class:`SparseSharedRows` otherwise."""

    def __init__(self, X, bounds, row_task, dense_blocks):
        super().__init__(X, bounds, row_task, np)
        self.dense_blocks = dense_blocks

    def _each(self, method, values):
        return np.stack([getattr(self.X[start:stop], method)(values[start:stop])
                         for start, stop in self.bounds])

    def blocks(self, curvature):
        return self._each("weighted_gram", curvature)

    def diagonals(self, curvature):
        return self._each("weighted_squares", curvature)

    def top_eigenvalues(self, weights):
        return np.array([self.X[start:stop].top_singular_squared(weights[start:stop])
                         for start, stop in self.bounds])


class LogisticLoss:
    """Logistic loss on rows laid out by task.

    Parameters
    ----------
    rows : SharedRows, PaddedRows or SortedRows
        The design (with a last column of ones when intercepts are fitted) and
        the products with it.
    labels : array
        :math:`\\pm 1`, laid out like the rows' per-row arrays.
    row_weight : array of the shape of ``labels``
        :math:`\\omega_i = \\tau_t s_i / S_t` (0 for the rows of one-class tasks and
        for padding).
    n_tasks : int
    xp : namespace
    fit_intercept : bool
        Whether the last column of theta holds the intercepts (then the rows' last
        column is ones).
    has_empty_tasks : bool
        Whether some task's rows all have weight 0 (one-class tasks).
    """

    def __init__(self, rows, labels, row_weight, n_tasks, xp, fit_intercept,
                 has_empty_tasks=False):
        self.rows = rows
        self.labels = labels
        self.row_weight = row_weight
        self.n_tasks = n_tasks
        self.xp = xp
        self.fit_intercept = fit_intercept
        self.has_empty_tasks = has_empty_tasks
        self._lipschitz = None
        self._last = (None, None)

    @property
    def width(self):
        """p, the number of columns of theta."""
        return self.rows.X.shape[-1]

    @property
    def n_features(self):
        """d, the columns of theta that hold W."""
        return self.width - int(self.fit_intercept)

    @property
    def n_rows(self):
        """The number of per-row entries (padding included)."""
        return math.prod(self.labels.shape)

    @property
    def dtype(self):
        return self.rows.X.dtype

    @property
    def device(self):
        return self.rows.X.device

    # ------------------------------------------------------- row operations
    def margins(self, theta):
        """:math:`x_i^\\top \\theta_{t(i)}`, the shape of ``labels``.

        The solvers ask for the margins of the same point several times (value,
        certificate, curvature): the last result is kept.
        """
        if self._last[0] is theta:
            return self._last[1]
        margins = self.rows.margins(theta)
        self._last = (theta, margins)
        return margins

    def rows_times(self, values):
        """Rows :math:`\\sum_{i \\in t} v_i x_i` for per-row values, shape (T, p)."""
        return self.rows.rows_times(values)

    def per_row(self, values):
        """Spread one value per task to the rows (broadcastable to ``labels``)."""
        return self.rows.per_row(values)

    # ------------------------------------------------------------- the loss
    def value(self, theta):
        return self.value_and_gradient(theta, gradient=False)[0]

    def value_and_gradient(self, theta, gradient=True):
        """The loss and its gradient, from one exponential per row.

        With :math:`s = y m` and :math:`e = e^{-|s|}`:
        :math:`\\log(1 + e^{-s}) = \\max(-s, 0) + \\log(1 + e)` and
        :math:`\\sigma(-s) = e / (1 + e)` for :math:`s \\ge 0`, :math:`1 / (1 + e)` else.
        """
        xp = self.xp
        signed = self.labels * self.margins(theta)
        decay = xp.exp(-xp.abs(signed))
        value = xp.sum(self.row_weight * (xp.clip(-signed, min=0.0) + xp.log1p(decay)))
        if not gradient:
            return value, None
        slope = xp.where(signed >= 0, decay, 1.0) / (1.0 + decay)
        return value, -self.rows_times(self.row_weight * self.labels * slope)

    def curvature(self, theta):
        """Per-row second derivative :math:`\\omega_i \\sigma_i (1 - \\sigma_i)`."""
        probability = sigmoid(self.margins(theta), self.xp)
        return self.row_weight * probability * (1.0 - probability)

    def hessian_matvec(self, curvature, direction):
        """Hessian of the loss, at the point of ``curvature``, times ``direction``."""
        return self.rows_times(curvature * self.margins(direction))

    def hessian_blocks(self, curvature):
        """Per-task Hessian blocks :math:`\\sum_{i \\in t} h_i x_i x_i^\\top`, (T, p, p)."""
        return self.rows.blocks(curvature)

    @property
    def dense_blocks(self):
        """Whether the per-task Hessian blocks (T, p, p) are formed (always for dense rows;
        for a sparse X under :func:`~skmtl._sparse.affordable_products`)."""
        return getattr(self.rows, "dense_blocks", True)

    def hessian_diagonal(self, curvature):
        """Diagonals of the per-task Hessian blocks, (T, p) (sparse rows)."""
        return self.rows.diagonals(curvature)

    def lipschitz(self):
        """Upper bound of the Hessian: :math:`\\max_t \\lambda_{max}(X_t^\\top \\Omega_t X_t)/4`."""
        if self._lipschitz is None:
            xp = self.xp
            if not self.dense_blocks:
                top = self.rows.top_eigenvalues(self.row_weight)
                self._lipschitz = 0.25 * float(np.max(top)) if top.shape[0] else 0.0
                return self._lipschitz
            top = largest_eigenvalue(self.hessian_blocks(self.row_weight), xp)
            self._lipschitz = 0.25 * float(xp.max(top)) if top.shape[0] else 0.0
        return self._lipschitz

    def separated_tasks(self, theta):
        """Per task (NumPy bool): every weighted row is on its class's side of the decision."""
        xp = self.xp
        correct = to_numpy(self.labels * self.margins(theta), xp) > 0
        correct |= to_numpy(self.row_weight, xp) == 0
        return self.rows.every_row(correct)

    # ------------------------------------------------------------- the dual
    def dual(self, theta):
        r"""The dual point of ``theta`` (:class:`~skmtl.losses.dual.Dual`): the variables
        :math:`a_i` of :meth:`dual_variables`, :math:`Z_t = \sum_{i \in t} \omega_i a_i y_i
        x_i` on W's columns, and the entropy :meth:`dual_value` of :math:`\kappa a`."""
        slopes = self.slopes(theta)
        positive, negative = self.class_correlations(slopes)
        keep = balance(positive, negative, self.fit_intercept, self.xp)
        variables = slopes * self.per_class(keep)
        correlation = keep[0][:, None] * positive + keep[1][:, None] * negative

        def loss_part(kappa):
            return float(self.dual_value(kappa * variables))

        return Dual(float(self.value(theta)), theta[:, :self.n_features],
                    correlation[:, :self.n_features], loss_part)

    def slopes(self, theta):
        r""":math:`\sigma(-y_i m_i)`, the loss's slope at the margins, in [0, 1]."""
        return sigmoid(-(self.labels * self.margins(theta)), self.xp)

    def class_correlations(self, slopes):
        r""":math:`\sum_{i \in t} \omega_i a_i y_i x_i` over the rows of each class (+1, then
        -1), shape (T, p) each: with intercepts their last columns are :math:`\pm` the
        classes' dual masses."""
        xp = self.xp
        signed = self.row_weight * slopes * self.labels
        zero = xp.zeros_like(signed)
        positive = self.labels > 0
        return (self.rows_times(xp.where(positive, signed, zero)),
                self.rows_times(xp.where(positive, zero, signed)))

    def per_class(self, keep):
        """Spread per-task factors of each class, ``keep = (positive, negative)``, to the
        rows."""
        return self.xp.where(self.labels > 0, self.per_row(keep[0]), self.per_row(keep[1]))

    def dual_variables(self, theta):
        r"""Dual variables :math:`a_i \in [0, 1]` built from ``theta``.

        :math:`a_i = \sigma(-y_i m_i)`, the loss's slope at the margins.  With
        intercepts the dual needs :math:`\sum_{i \in t} \omega_i a_i y_i = 0` for
        every task; the side with the larger total is scaled down to restore it
        (:func:`balance`).
        """
        slopes = self.slopes(theta)
        keep = balance(*self.class_correlations(slopes), self.fit_intercept, self.xp)
        return slopes * self.per_class(keep)

    def dual_value(self, dual):
        r""":math:`-\sum_i \omega_i [a_i \log a_i + (1 - a_i)\log(1 - a_i)]` (0 log 0 = 0)."""
        xp = self.xp

        def x_log_x(values):
            positive = values > 0
            return xp.where(positive, values * xp.log(xp.where(positive, values, 1.0)), 0.0)

        return -xp.sum(self.row_weight * (x_log_x(dual) + x_log_x(1.0 - dual)))


def balance(positive, negative, fit_intercept, xp):
    r"""Per-task factors (positive class, negative class) that scale the side of the dual
    masses with the larger total down to the other's, from :meth:`LogisticLoss.class_correlations`
    (whose last columns are :math:`P_t` and :math:`-N_t`); ones without intercepts."""
    if not fit_intercept:
        ones = xp.ones_like(positive[:, 0])
        return ones, ones
    plus, minus = positive[:, -1], -negative[:, -1]
    keep_plus = xp.where(plus > minus, minus / xp.where(plus > 0, plus, 1.0), 1.0)
    keep_minus = xp.where(minus > plus, plus / xp.where(minus > 0, minus, 1.0), 1.0)
    return keep_plus, keep_minus


class PenalizedLogistic:
    """Logistic loss plus a quadratic penalty on W: the smooth objective of a classifier.

    Parameters
    ----------
    loss : LogisticLoss
    quadratic : OnFeatures
        A :class:`~skmtl.penalties.QuadraticPenalty` on the feature columns.
    """

    def __init__(self, loss, quadratic):
        self.loss = loss
        self.quadratic = quadratic
        self._last_system = (None, None)

    def value(self, theta):
        return self.loss.value(theta) + self.quadratic.value(theta, self.loss.xp)

    def value_and_gradient(self, theta):
        value, gradient = self.loss.value_and_gradient(theta)
        xp = self.loss.xp
        return (value + self.quadratic.value(theta, xp),
                gradient + self.quadratic.gradient(theta, xp))

    def gradient(self, theta):
        return self.value_and_gradient(theta)[1]

    def newton_system(self, theta):
        """The Hessian at theta as an operator, and its block preconditioner.

        The per-task blocks :math:`B_t + Q_{tt} I` (intercept excluded from the
        identity) are formed for the preconditioner; when tasks hold more rows
        than coefficients, products with the Hessian use them too (O(T p²) instead
        of two passes over the rows).
        """
        if self._last_system[0] is theta:
            return self._last_system[1]
        loss = self.loss
        xp, dtype, device = loss.xp, loss.dtype, loss.device
        curvature = loss.curvature(theta)
        if not loss.dense_blocks:
            return self._first_order_system(theta, curvature)
        blocks = loss.hessian_blocks(curvature)
        n_tasks, width = blocks.shape[0], loss.width
        diagonal = self.quadratic.diagonal(n_tasks, width, xp, dtype, device)
        eye = xp.eye(width, dtype=dtype, device=device)
        # Q_tt > 0 on W and a positive curvature total on the intercept of every task
        # make each block definite; otherwise (one-class tasks, no ridge) a pseudo-inverse.
        definite = float(xp.min(diagonal[:, :self.quadratic.n_features])) > 0 and (
            not loss.has_empty_tasks)
        full = blocks + diagonal[:, :, None] * eye
        inverses = block_inverse(full, definite, xp)

        def precondition(values):
            return batched_matvec(inverses, values, xp)

        if n_tasks * width <= loss.n_rows:
            def loss_hessian(values):
                return batched_matvec(blocks, values, xp)
        else:
            def loss_hessian(values):
                return self.loss.hessian_matvec(curvature, values)

        def hessian(values):
            return loss_hessian(values) + self.quadratic.gradient(values, xp)

        self._last_system = (theta, (hessian, precondition))
        return hessian, precondition

    def _first_order_system(self, theta, curvature):
        """The Hessian as products with the rows, preconditioned by the inverse of its
        diagonal: the system when the blocks are not formed (a wide sparse X)."""
        loss, xp = self.loss, self.loss.xp
        diagonal = self.quadratic.diagonal(loss.n_tasks, loss.width, xp, loss.dtype,
                                           loss.device)
        inverse = positive_reciprocal(loss.hessian_diagonal(curvature) + diagonal, xp)

        def hessian(values):
            return loss.hessian_matvec(curvature, values) + self.quadratic.gradient(values, xp)

        self._last_system = (theta, (hessian, lambda values: values * inverse))
        return self._last_system[1]

    def lipschitz(self):
        largest = self.quadratic.penalty.eigenvalue_range(self.loss.n_tasks, self.loss.xp)[1]
        return self.loss.lipschitz() + largest


def logistic_loss(X, labels, sample_weight, task_index, n_tasks, task_scale, fit_intercept,
                  xp, totals=None):
    """Logistic loss of labelled rows (``task_index``) or of a shared design (None).

    Parameters
    ----------
    X : array of shape (n, d)
    labels : array of shape (n,) or (n, T)
        :math:`\\pm 1`, one column per task in the shared design.
    sample_weight : array of shape (n,)
    task_index : ndarray of shape (n,) or None
        Task of each row (NumPy), or None for the shared design.
    n_tasks : int
    task_scale : array of shape (T,)
        :math:`\\tau_t`.
    fit_intercept : bool
    xp : namespace
    totals : tuple of ndarray, default=None
        ``(positive, negative, x_offset)``: the weighted masses of the two classes
        per task and the tasks' weighted means, when the rows are one piece of a
        larger set (a dask chunk, labelled rows) whose loss is the sum of its
        pieces'; by default those of these rows.

    Returns
    -------
    loss : LogisticLoss
    single_class : ndarray of shape (T,)
        +1 or -1 for a task whose rows hold one class only, 0 otherwise (NumPy).
        Without intercepts such a task keeps its rows: its loss has a minimum.
    start : array of shape (T, p)
        W = 0 with the best intercepts for it, :math:`b_t = \\log(P_t / N_t)` (the
        weighted masses of the two classes); 0 for one-class tasks.
    x_offset : array of shape (T, d) or (1, d)
        With intercepts, each task's rows are centred on their weighted mean (the
        mean of all rows in the shared design), which leaves the objective
        unchanged but decouples the intercepts from W in the Hessian; the
        intercepts of the original rows are :math:`b_t - \\bar x_t^\\top w_t`.
        Zeros without intercepts.
    """
    weights = to_numpy(sample_weight, xp)
    positive_rows = to_numpy(labels, xp) > 0
    if is_sparse(X):
        return _sparse_logistic_loss(X, labels, weights, positive_rows, task_index, n_tasks,
                                     task_scale, fit_intercept, totals)
    if task_index is None:
        positive = weights @ positive_rows
        negative = weights @ ~positive_rows
        x_offset = (sample_weight @ X)[None, :] / xp.sum(sample_weight)
        if not fit_intercept:
            x_offset = xp.zeros_like(x_offset)
        X = _with_intercept_column(X - x_offset, fit_intercept, xp)
        rows = SharedRows(X, xp)
        labels = xp.matrix_transpose(labels)
        sample_weight = sample_weight[None, :]
    else:
        order, bounds = task_bounds(task_index, n_tasks)
        task_index = task_index[order]
        if totals is None:  # summed in task order, as the sorted rows are
            positive = np.bincount(task_index, weights[order] * positive_rows[order], n_tasks)
            negative = np.bincount(task_index, weights[order] * ~positive_rows[order], n_tasks)
            x_offset = None
        else:
            positive, negative, x_offset = totals
        index = slab_index(bounds, X.shape[0])
        if index is not None:
            rows, labels, sample_weight, x_offset = _slab_rows(
                X, labels, sample_weight, order, index, x_offset, fit_intercept, xp)
            return _assemble(rows, labels, sample_weight, positive, negative, n_tasks,
                             task_scale, fit_intercept, x_offset, rows.X.shape[-1], X.dtype,
                             X.device, xp)
        order = xp.asarray(order, device=X.device)
        X = xp.take(X, order, axis=0)
        labels = xp.take(labels, order, axis=0)
        sample_weight = xp.take(sample_weight, order, axis=0)
        row_task = xp.asarray(task_index, device=X.device)
        if x_offset is None:
            x_offset = xp.stack([
                (sample_weight[start:stop] @ X[start:stop, ...])
                / xp.sum(sample_weight[start:stop])
                for start, stop in bounds
            ])
        if not fit_intercept:
            x_offset = xp.zeros_like(x_offset)
        X = _with_intercept_column(X - xp.take(x_offset, row_task, axis=0), fit_intercept, xp)
        rows = SortedRows(X, bounds, row_task, xp)
    return _assemble(rows, labels, sample_weight, positive, negative, n_tasks, task_scale,
                     fit_intercept, x_offset, X.shape[1], X.dtype, X.device, xp)


def _sparse_logistic_loss(X, labels, weights, positive_rows, task_index, n_tasks, task_scale,
                          fit_intercept, totals=None):
    """:func:`logistic_loss` of a sparse X: the rows stay sparse and are centred implicitly,
    the intercept column is a column of the operator; sorted rows, never padded slabs."""
    if task_index is None:
        positive, negative = weights @ positive_rows, weights @ ~positive_rows
        mean = (np.asarray(X.T @ weights) / np.sum(weights) if fit_intercept
                else np.zeros(X.shape[1], dtype=X.dtype))
        rows = CentredSparse(X, mean, ones=fit_intercept)
        width = rows.shape[1]
        shared = SparseSharedRows(rows, affordable_products(n_tasks, width, X))
        return _assemble(shared, labels.T, weights[None, :], positive, negative, n_tasks,
                         task_scale, fit_intercept, mean[None, :], width, X.dtype, "cpu", np)
    order, bounds = task_bounds(task_index, n_tasks)
    task_index = task_index[order]
    X, labels, weights = X[order], labels[order], weights[order]
    if totals is not None:
        positive, negative, means = totals
    else:
        positive = np.bincount(task_index, weights * positive_rows[order], n_tasks)
        negative = np.bincount(task_index, weights * ~positive_rows[order], n_tasks)
        means = (np.stack([np.asarray(X[start:stop].T @ weights[start:stop])
                           / np.sum(weights[start:stop]) for start, stop in bounds])
                 if fit_intercept else None)
    if not fit_intercept:
        means = np.zeros((n_tasks, X.shape[1]), dtype=X.dtype)
    rows = SparseTaskRows(X, means, bounds, ones=fit_intercept)
    width = rows.shape[1]
    sorted_rows = SparseSortedRows(rows, bounds, task_index,
                                   affordable_products(n_tasks, width, X))
    return _assemble(sorted_rows, labels, weights, positive, negative, n_tasks, task_scale,
                     fit_intercept, means, width, X.dtype, "cpu", np)


def _assemble(rows, labels, sample_weight, positive, negative, n_tasks, task_scale,
              fit_intercept, x_offset, width, dtype, device, xp):
    """The loss, one-class tasks, start and offsets of :func:`logistic_loss` from its rows."""
    single_class, start = class_start(positive, negative, fit_intercept, width, dtype, device,
                                      xp)
    per_task = to_numpy(task_scale, xp) * (single_class == 0) / (positive + negative)
    per_task = xp.asarray(per_task, dtype=dtype, device=device)
    loss = LogisticLoss(rows, labels, sample_weight * rows.per_row(per_task), n_tasks, xp,
                        fit_intercept, has_empty_tasks=bool(np.any(single_class != 0)))
    return loss, single_class, start, x_offset


def class_start(positive, negative, fit_intercept, width, dtype, device, xp):
    """The one-class tasks (+1, -1, else 0) and the start, W = 0 with the best intercepts
    :math:`\\log(P_t / N_t)`, of shape (T, width)."""
    single_class = np.where(negative == 0, 1.0, np.where(positive == 0, -1.0, 0.0))
    if not fit_intercept:
        single_class = np.zeros_like(single_class)
    n_tasks = single_class.shape[0]
    start = xp.zeros((n_tasks, width), dtype=dtype, device=device)
    if fit_intercept:
        two_class = single_class == 0
        intercept = np.zeros(n_tasks)
        intercept[two_class] = np.log(positive[two_class] / negative[two_class])
        intercept = xp.asarray(intercept, dtype=dtype, device=device)
        start = xp.concat([start[:, :-1], intercept[:, None]], axis=1)
    return single_class, start


def _with_intercept_column(X, fit_intercept, xp):
    if not fit_intercept:
        return X
    return xp.concat([X, xp.ones((X.shape[0], 1), dtype=X.dtype, device=X.device)], axis=1)


def _slab_rows(X, labels, sample_weight, order, index, x_offset, fit_intercept, xp):
    """Padded slabs (:class:`PaddedRows`) straight from the unsorted rows, gathered a
    block of tasks at a time into their place and centred there on each task's mean
    (the means of these rows when ``x_offset`` is None); padding rows and their labels
    and weights are zero.

    Returns rows, labels (T, m), sample_weight (T, m) and x_offset (T, d).
    """
    n_rows, n_features = X.shape
    n_tasks, longest = index.shape
    filled = index < n_rows
    source = np.where(filled, order[np.minimum(index, n_rows - 1)], 0)
    keep = xp.asarray(filled, dtype=X.dtype, device=X.device)
    flat = xp.asarray(source.reshape(-1), device=X.device)
    sample_weight = xp.reshape(xp.take(sample_weight, flat), index.shape) * keep
    labels = xp.reshape(xp.take(labels, flat), index.shape) * xp.astype(keep, labels.dtype)
    if not fit_intercept:
        x_offset = xp.zeros((n_tasks, n_features), dtype=X.dtype, device=X.device)
    width = n_features + int(fit_intercept)
    slabs = xp.empty((n_tasks, longest, width), dtype=X.dtype, device=X.device)
    step = _tasks_per_block(longest, n_features)
    means = []
    for first in range(0, n_tasks, step):
        last = min(first + step, n_tasks)
        rows = xp.asarray(source[first:last].reshape(-1), device=X.device)
        block = xp.reshape(xp.take(X, rows, axis=0), (last - first, longest, n_features))
        kept = keep[first:last, :, None]
        if fit_intercept:
            if x_offset is None:  # each task's mean over its own rows, in their order
                sizes = np.sum(filled[first:last], axis=1).tolist()
                means.extend(sample_weight[t, :size] @ block[t - first, :size, ...]
                             / xp.sum(sample_weight[t, :size])
                             for t, size in enumerate(sizes, start=first))
            offset = (xp.stack(means[first:last]) if x_offset is None
                      else x_offset[first:last, :])
            block = block - offset[:, None, :]
            slabs[first:last, :, n_features:] = kept
        slabs[first:last, :, :n_features] = block * kept
    if means:
        x_offset = xp.stack(means)
    return PaddedRows(slabs, xp), labels, sample_weight, x_offset
