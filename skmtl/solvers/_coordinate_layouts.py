r"""The data of a squared loss as block coordinate descent keeps it up to date.

Each layout holds the current W implicitly (statistics: :math:`H_t = G_t w_t`; rows:
the residuals; on a sparse X, the residuals as an uncentred part and a per-task
offset) and offers the same operations: run an epoch of block updates
(:mod:`skmtl.solvers._coordinate_kernels`), apply a change of W, the gradient in W,
the data term's value, :math:`\langle r, y\rangle_\omega` (for the dual), products
with the Hessian, and the per-feature curvatures.
"""

import numpy as np

from .._sparse import CentredSparse, SparseTaskRows
from ..penalties.blocks import ChainBlocks
from ..penalties.temporal import check_order
from ._chain_kernels import gram_chain_epoch, row_chain_epoch, shared_chain_epoch
from ._coordinate_kernels import (
    gram_epoch,
    row_epoch,
    shared_row_epoch,
    sparse_row_epoch,
    sparse_shared_row_epoch,
)


def chain_arguments(blocks, n_tasks):
    """What a chain epoch takes after the layout's data: the blocks' features, the rows
    in the chain's order, and the weights l1, fused, group, smooth."""
    return (blocks.feature, check_order(blocks.order, n_tasks), blocks.l1, blocks.fused,
            blocks.group, blocks.smooth)


class _GramLayout:
    """Statistics :math:`G_t, c_t, q_t`; keeps :math:`H_t = G_t w_t`."""

    def __init__(self, loss):
        self.gram = np.ascontiguousarray(loss.gram, dtype=np.float64)
        self.linear = np.ascontiguousarray(loss.linear, dtype=np.float64)
        self.target_square = np.asarray(loss.target_square, dtype=np.float64)
        self.tau = np.ascontiguousarray(loss.task_scale, dtype=np.float64)
        diagonal = np.diagonal(self.gram, axis1=1, axis2=2)
        self.curvature = self.tau[:, None] * diagonal  # (T, d), also for one shared G

    def start(self, W):
        self.W = np.ascontiguousarray(W, dtype=np.float64).copy()
        self.HW = np.ascontiguousarray(np.einsum("tij,tj->ti", self.gram, self.W)
                                       if self.gram.shape[0] > 1 else self.W @ self.gram[0])

    def apply(self, change, columns):
        """Add ``change`` (T, d), non-zero on ``columns`` only, to W."""
        self.W += change
        part = change[:, columns]
        if self.gram.shape[0] == 1:
            self.HW += part @ self.gram[0][columns]
        else:
            self.HW += np.einsum("tk,tkd->td", part, self.gram[:, columns])

    def snapshot(self):
        return self.W.copy(), self.HW.copy()

    def restore(self, state):
        self.W[...], self.HW[...] = state

    def hessian_blocks(self, columns):
        """Per-task blocks of the data term's Hessian on ``columns``, (T, k, k)."""
        return self.gram[:, columns][:, :, columns] * self.tau[:, None, None]

    def hessian_on(self, columns):
        """The product with the data term's Hessian restricted to ``columns``:
        a function of a change of W on them, (T, k) to (T, k)."""
        if self.gram.shape[0] == 1:
            block = self.gram[0][np.ix_(columns, columns)]
            return lambda part: self.tau[:, None] * (part @ block)
        scaled = self.hessian_blocks(columns)
        return lambda part: np.einsum("tij,tj->ti", scaled, part)

    def diagonal(self, columns):
        """The Hessian's diagonal on ``columns``, (T, len(columns))."""
        return self.curvature[:, columns]

    def epoch(self, order, partner, V, blocks, l2):
        if isinstance(blocks, ChainBlocks):
            gram_chain_epoch(order, V, self.W, self.HW, self.gram, self.linear, self.tau,
                             *chain_arguments(blocks, V.shape[0]), l2)
            return
        gram_epoch(order, partner, V, self.W, self.HW, self.gram, self.linear, self.tau,
                   blocks.feature, blocks.l1, blocks.group, l2)

    def gradient(self, features=None):
        if features is None:
            return self.tau[:, None] * (self.HW - self.linear)
        return self.tau[:, None] * (self.HW[:, features] - self.linear[:, features])

    def data_value(self):
        per_task = np.sum(self.W * (0.5 * self.HW - self.linear), axis=1)
        return float(np.sum(self.tau * (per_task + 0.5 * self.target_square)))

    def target_inner(self):
        return float(np.sum(self.tau * (self.target_square - np.sum(self.linear * self.W, 1))))

    def value_at_zero(self):
        return float(0.5 * np.sum(self.tau * self.target_square))

    def largest_curvature(self):
        return np.max(self.curvature, axis=0)


class _RowLayout:
    """Centred rows sorted by task, with row weights :math:`\\omega_i`; keeps the residuals."""

    def __init__(self, loss):
        self.X = np.asfortranarray(loss.X, dtype=np.float64)
        self.y = np.ascontiguousarray(loss.y, dtype=np.float64)
        self.weight = np.ascontiguousarray(loss.row_weight, dtype=np.float64)
        self.bounds = loss.bounds
        # the tasks' rows are contiguous: task t owns starts[t]:starts[t + 1]
        self.starts = np.array([start for start, _ in loss.bounds]
                               + [loss.bounds[-1][1] if loss.bounds else 0], dtype=np.int64)
        self.curvature = np.stack([
            self.weight[start:stop] @ self.X[start:stop] ** 2 for start, stop in self.bounds
        ]) if self.bounds else np.zeros((0, self.X.shape[1]))

    def start(self, W):
        self.residual = self.y.copy()
        for t, (start, stop) in enumerate(self.bounds):
            nonzero = np.flatnonzero(W[t])
            if nonzero.size:
                self.residual[start:stop] -= self.X[start:stop, nonzero] @ W[t, nonzero]

    def apply(self, change, columns):
        for t, (start, stop) in enumerate(self.bounds):
            self.residual[start:stop] -= self.X[start:stop, columns] @ change[t, columns]

    def snapshot(self):
        return self.residual.copy()

    def restore(self, state):
        self.residual[...] = state

    def hessian_blocks(self, columns):
        part_x = self.X[:, columns]
        weighted = self.weight[:, None] * part_x
        return np.stack([weighted[start:stop].T @ part_x[start:stop]
                         for start, stop in self.bounds])

    def hessian_on(self, columns):
        part_x = np.asfortranarray(self.X[:, columns])
        weighted = self.weight[:, None] * part_x

        def product(part):
            return np.stack([weighted[start:stop].T @ (part_x[start:stop] @ part[t])
                             for t, (start, stop) in enumerate(self.bounds)])

        return product

    def diagonal(self, columns):
        return self.curvature[:, columns]

    def epoch(self, order, partner, V, blocks, l2):
        if isinstance(blocks, ChainBlocks):
            row_chain_epoch(order, V, self.X, self.starts, self.weight, self.residual,
                            self.curvature, *chain_arguments(blocks, V.shape[0]), l2)
            return
        row_epoch(order, partner, V, self.X, self.starts, self.weight, self.residual,
                  self.curvature, blocks.feature, blocks.l1, blocks.group, l2)

    def gradient(self, features=None):
        weighted = self.weight * self.residual
        columns = self.X if features is None else self.X[:, features]
        return -np.stack([weighted[start:stop] @ columns[start:stop]
                          for start, stop in self.bounds])

    def data_value(self):
        return float(0.5 * np.sum(self.weight * self.residual**2))

    def target_inner(self):
        return float(np.sum(self.weight * self.residual * self.y))

    def value_at_zero(self):
        return float(0.5 * np.sum(self.weight * self.y**2))

    def largest_curvature(self):
        return np.max(self.curvature, axis=0)


class _SharedTargets:
    """What the shared-design layouts compute alike from ``residual`` (n, T), ``Y``, the
    row weights, the task scales ``tau`` and the columns' curvature."""

    def data_value(self):
        return float(0.5 * np.sum(self.tau * (self.weight @ self.residual**2)))

    def target_inner(self):
        return float(np.sum(self.tau * (self.weight @ (self.residual * self.Y))))

    def value_at_zero(self):
        return float(0.5 * np.sum(self.tau * (self.weight @ self.Y**2)))

    def largest_curvature(self):
        return np.max(self.tau) * self.column_curvature


class _SharedRowLayout(_SharedTargets):
    """A shared design X (n, d) with targets Y (n, T); keeps the residual matrix."""

    def __init__(self, loss):
        self.X = np.asfortranarray(loss.X, dtype=np.float64)
        self.Y = np.asfortranarray(loss.Y, dtype=np.float64)
        self.weight = np.ascontiguousarray(loss.row_weight, dtype=np.float64)
        self.tau = np.ascontiguousarray(loss.task_scale, dtype=np.float64)
        self.weighted_X = np.asfortranarray(self.weight[:, None] * self.X)
        self.column_curvature = np.einsum("ij,ij->j", self.weighted_X, self.X)

    def start(self, W):
        support = np.flatnonzero(np.any(W != 0, axis=0))
        self.residual = np.asfortranarray(self.Y - self.X[:, support] @ W[:, support].T)

    def apply(self, change, columns):
        self.residual -= self.X[:, columns] @ change[:, columns].T

    def snapshot(self):
        return self.residual.copy()

    def restore(self, state):
        self.residual[...] = state

    def hessian_blocks(self, columns):
        part_x = self.X[:, columns]
        return ((self.weight[:, None] * part_x).T @ part_x)[None] * self.tau[:, None, None]

    def hessian_on(self, columns):
        part_x = self.X[:, columns]

        def product(part):
            fitted = part_x @ part.T
            return self.tau[:, None] * ((self.weight[:, None] * fitted).T @ part_x)

        return product

    def diagonal(self, columns):
        return self.tau[:, None] * self.column_curvature[columns][None, :]

    def epoch(self, order, partner, V, blocks, l2):
        if isinstance(blocks, ChainBlocks):
            shared_chain_epoch(order, V, self.X, self.weighted_X, self.tau, self.residual,
                               self.column_curvature, *chain_arguments(blocks, V.shape[0]),
                               l2)
            return
        shared_row_epoch(order, partner, V, self.X, self.weighted_X, self.tau, self.residual,
                         self.column_curvature, blocks.feature, blocks.l1, blocks.group, l2)

    def gradient(self, features=None):
        columns = self.X if features is None else self.X[:, features]
        return -self.tau[:, None] * ((self.weight[:, None] * self.residual).T @ columns)


def _csc_arrays(X):
    """Data, row indices and column pointers of a sparse X in CSC, for the kernels."""
    columns = X.tocsc()
    columns.sort_indices()
    return (np.ascontiguousarray(columns.data, dtype=np.float64),
            columns.indices.astype(np.int64), columns.indptr.astype(np.int64))


class _SparseRowLayout:
    """Rows of a sparse X sorted by task (a :class:`~skmtl._sparse.SparseTaskRows`), each
    task centred implicitly; keeps :math:`\rho = y - X_t w_t` and :math:`c_t = \bar x_t^\top
    w_t`, whose sum per row is the residual (see
    :func:`~skmtl.solvers._coordinate_kernels.sparse_row_epoch`)."""

    def __init__(self, loss):
        self.rows = loss.X
        self.data, self.indices, self.indptr = _csc_arrays(self.rows.X)
        self.row_task = self.rows.row_task.astype(np.int64)
        self.means = np.ascontiguousarray(self.rows.means, dtype=np.float64)
        self.y = np.ascontiguousarray(loss.y, dtype=np.float64)
        self.weight = np.ascontiguousarray(loss.row_weight, dtype=np.float64)
        self.bounds = loss.bounds
        self.blocks = [self.rows[start:stop] for start, stop in self.bounds]
        self.task_weight = np.array([self.weight[start:stop].sum()
                                     for start, stop in self.bounds])
        self.curvature = np.stack([
            block.weighted_squares(self.weight[start:stop])
            for block, (start, stop) in zip(self.blocks, self.bounds, strict=True)
        ]) if self.bounds else np.zeros((0, self.rows.shape[1]))

    def _per_task_sum(self, values):
        return np.bincount(self.row_task, weights=values, minlength=len(self.bounds))

    def start(self, W):
        self.rho = self.y.copy()
        for t, (start, stop) in enumerate(self.bounds):
            nonzero = np.flatnonzero(W[t])
            if nonzero.size:
                self.rho[start:stop] -= self.blocks[t].columns[:, nonzero] @ W[t, nonzero]
        self.offset = np.sum(self.means * W, axis=1)
        self.weighted_sum = self._per_task_sum(self.weight * self.rho)

    @property
    def residual(self):
        return self.rho + self.offset[self.row_task]

    def apply(self, change, columns):
        for t, (start, stop) in enumerate(self.bounds):
            self.rho[start:stop] -= self.blocks[t].columns[:, columns] @ change[t, columns]
        self.offset += np.sum(self.means[:, columns] * change[:, columns], axis=1)
        self.weighted_sum = self._per_task_sum(self.weight * self.rho)

    def snapshot(self):
        return self.rho.copy(), self.offset.copy(), self.weighted_sum.copy()

    def restore(self, state):
        self.rho[...], self.offset[...], self.weighted_sum[...] = state

    def hessian_blocks(self, columns):
        return np.stack([block[:, columns].weighted_gram(self.weight[start:stop])
                         for block, (start, stop) in zip(self.blocks, self.bounds, strict=True)])

    def hessian_on(self, columns):
        parts = [block[:, columns] for block in self.blocks]

        def product(part):
            return np.stack([(self.weight[start:stop] * (rows @ part[t])) @ rows
                             for t, (rows, (start, stop)) in enumerate(
                                 zip(parts, self.bounds, strict=True))])

        return product

    def diagonal(self, columns):
        return self.curvature[:, columns]

    def epoch(self, order, partner, V, blocks, l2):
        sparse_row_epoch(order, partner, V, self.data, self.indices, self.indptr,
                         self.row_task, self.means, self.weight, self.rho, self.offset,
                         self.weighted_sum, self.task_weight, self.curvature, blocks.feature,
                         blocks.l1, blocks.group, l2)

    def gradient(self, features=None):
        weighted = self.weight * self.residual
        return -np.stack([
            weighted[start:stop] @ (block if features is None else block[:, features])
            for block, (start, stop) in zip(self.blocks, self.bounds, strict=True)])

    def data_value(self):
        return float(0.5 * np.sum(self.weight * self.residual**2))

    def target_inner(self):
        return float(np.sum(self.weight * self.residual * self.y))

    def value_at_zero(self):
        return float(0.5 * np.sum(self.weight * self.y**2))

    def largest_curvature(self):
        return np.max(self.curvature, axis=0)


class _SparseSharedRowLayout(_SharedTargets):
    """A sparse shared design (a :class:`~skmtl._sparse.CentredSparse`) with targets Y
    (n, T); keeps :math:`\rho = Y - X W^\top` and :math:`c_t = \bar x^\top w_t` (see
    :func:`~skmtl.solvers._coordinate_kernels.sparse_shared_row_epoch`)."""

    def __init__(self, loss):
        self.rows = loss.X
        self.data, self.indices, self.indptr = _csc_arrays(self.rows.X)
        self.mean = np.ascontiguousarray(self.rows.mean, dtype=np.float64)
        self.Y = np.ascontiguousarray(loss.Y, dtype=np.float64)
        self.weight = np.ascontiguousarray(loss.row_weight, dtype=np.float64)
        self.tau = np.ascontiguousarray(loss.task_scale, dtype=np.float64)
        self.total_weight = float(self.weight.sum())
        self.column_curvature = self.rows.weighted_squares(self.weight)

    def start(self, W):
        support = np.flatnonzero(np.any(W != 0, axis=0))
        self.rho = np.ascontiguousarray(
            self.Y - self.rows.columns[:, support] @ W[:, support].T)
        self.offset = W @ self.mean
        self.weighted_sum = self.weight @ self.rho

    @property
    def residual(self):
        return self.rho + self.offset[None, :]

    def apply(self, change, columns):
        self.rho -= self.rows.columns[:, columns] @ change[:, columns].T
        self.offset += change[:, columns] @ self.mean[columns]
        self.weighted_sum = self.weight @ self.rho

    def snapshot(self):
        return self.rho.copy(), self.offset.copy(), self.weighted_sum.copy()

    def restore(self, state):
        self.rho[...], self.offset[...], self.weighted_sum[...] = state

    def hessian_blocks(self, columns):
        gram = self.rows[:, columns].weighted_gram(self.weight)
        return gram[None] * self.tau[:, None, None]

    def hessian_on(self, columns):
        part_x = self.rows[:, columns]

        def product(part):
            fitted = part_x @ part.T
            return self.tau[:, None] * ((self.weight[:, None] * fitted).T @ part_x)

        return product

    def diagonal(self, columns):
        return self.tau[:, None] * self.column_curvature[columns][None, :]

    def epoch(self, order, partner, V, blocks, l2):
        sparse_shared_row_epoch(order, partner, V, self.data, self.indices, self.indptr,
                                self.mean, self.weight, self.tau, self.rho, self.offset,
                                self.weighted_sum, self.total_weight, self.column_curvature,
                                blocks.feature, blocks.l1, blocks.group, l2)

    def gradient(self, features=None):
        columns = self.rows if features is None else self.rows[:, features]
        return -self.tau[:, None] * ((self.weight[:, None] * self.residual).T @ columns)


def feature_count(loss):
    """d, the number of feature columns of a squared loss."""
    gram = getattr(loss, "gram", None)
    return gram.shape[-1] if gram is not None else loss.X.shape[1]


def layout_of(loss):
    """The layout that holds ``loss``'s data: statistics, task-sorted rows or a shared design."""
    if getattr(loss, "gram", None) is not None:
        return _GramLayout(loss)
    if isinstance(loss.X, SparseTaskRows):
        return _SparseRowLayout(loss)
    if isinstance(loss.X, CentredSparse):
        return _SparseSharedRowLayout(loss)
    if getattr(loss, "Y", None) is not None:
        return _SharedRowLayout(loss)
    return _RowLayout(loss)
