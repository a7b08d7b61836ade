r"""The squared-loss data term, from per-task sufficient statistics or from the rows.

The data term of every estimator is

.. math::

    f(W) = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i \, \frac{(y_i - x_i^\top w_t - b_t)^2}{2}

with unpenalized intercepts :math:`b_t`.  Minimizing over :math:`b_t` in closed
form centres each task's rows on their weighted means
(:math:`b_t = \bar y_t - \bar x_t^\top w_t`), so the solvers see

.. math::

    f(W) = \sum_t \tau_t \left( \tfrac12 w_t^\top G_t w_t - c_t^\top w_t + \tfrac12 q_t \right),
    \quad G_t = \tfrac{1}{S_t} \tilde X_t^\top D_t \tilde X_t,\;
    c_t = \tfrac{1}{S_t} \tilde X_t^\top D_t \tilde y_t,\;
    q_t = \tfrac{1}{S_t} \tilde y_t^\top D_t \tilde y_t,

where the tilde marks centred data and :math:`D_t` holds the sample weights.
:class:`GramSquaredLoss` stores :math:`(G_t, c_t, q_t)` (one pass over the data,
then every evaluation costs O(T d²) whatever the number of rows);
:class:`SampleSquaredLoss` keeps the centred rows, for tasks with fewer rows
than features.  Both expose the same methods.
"""

import numpy as np
from sklearn.utils._array_api import _is_numpy_namespace

from .._array_api import batched_matvec, device_of, largest_eigenvalue
from .._padding import pad, slab_index
from .._sparse import CentredSparse, SparseTaskRows, affordable_products, is_sparse
from ..statistics import weighted_statistics
from .dual import SquaredDual


class GramSquaredLoss(SquaredDual):
    """Squared loss held as per-task sufficient statistics.

    Parameters
    ----------
    gram : array of shape (T, d, d) or (1, d, d)
        :math:`G_t`; one matrix shared by every task in the shared design.
    linear : array of shape (T, d)
        :math:`c_t`.
    target_square : array of shape (T,)
        :math:`q_t`.
    task_scale : array of shape (T,)
        :math:`\\tau_t`.
    xp : namespace
    """

    def __init__(self, gram, linear, target_square, task_scale, xp):
        self.gram = gram
        self.linear = linear
        self.target_square = target_square
        self.task_scale = task_scale
        self.xp = xp
        self._lipschitz = None

    @property
    def n_tasks(self):
        return self.linear.shape[0]

    def hessian_matvec(self, coef):
        """Rows :math:`\\tau_t G_t w_t`."""
        return self.task_scale[:, None] * batched_matvec(self.gram, coef, self.xp)

    def gradient(self, coef):
        return self.hessian_matvec(coef) - self.task_scale[:, None] * self.linear

    def value(self, coef):
        xp = self.xp
        quadratic = xp.sum(coef * batched_matvec(self.gram, coef, xp), axis=1)
        per_task = 0.5 * quadratic - xp.sum(self.linear * coef, axis=1) + 0.5 * self.target_square
        return xp.sum(self.task_scale * per_task)

    def residual_target_inner(self, coef):
        """:math:`\\sum_t \\tau_t (q_t - c_t^\\top w_t)`, the residuals' inner product with y."""
        xp = self.xp
        return xp.sum(self.task_scale * (self.target_square - xp.sum(self.linear * coef, axis=1)))

    def hessian_diagonal(self):
        """Diagonals of :math:`\\tau_t G_t`, shape (T, d)."""
        xp = self.xp
        diagonal = xp.linalg.diagonal(self.gram)
        return self.task_scale[:, None] * diagonal

    def lipschitz(self):
        """Largest Hessian eigenvalue of the data term, max over t of tau_t lambda_max(G_t)."""
        if self._lipschitz is None:
            xp = self.xp
            top = largest_eigenvalue(self.gram, xp)
            self._lipschitz = float(xp.max(self.task_scale * top))
        return self._lipschitz


class SampleSquaredLoss(SquaredDual):
    """Squared loss held as the centred rows, sorted by task.

    Used when tasks have fewer rows than features, where the statistics
    :math:`G_t` would cost more than the rows.

    Parameters
    ----------
    X : array of shape (n, d)
        Centred rows sorted by task.
    y : array of shape (n,)
        Centred targets in the same order.
    row_weight : array of shape (n,)
        :math:`\\omega_i = \\tau_t s_i / S_t`.
    bounds : list of (start, stop)
        Row range of each task.
    xp : namespace
    """

    def __init__(self, X, y, row_weight, bounds, xp):
        self.X = X
        self.y = y
        self.row_weight = row_weight
        self.bounds = bounds
        self.xp = xp
        self._lipschitz = None

    @property
    def n_tasks(self):
        return len(self.bounds)

    def _residuals(self, coef):
        xp = self.xp
        parts = [
            self.y[start:stop] - self.X[start:stop, ...] @ coef[t, ...]
            for t, (start, stop) in enumerate(self.bounds)
        ]
        return xp.concat(parts)

    def _rows_times(self, values):
        """Rows :math:`X_t^\\top (\\omega \\cdot v)_t` for a per-row vector v."""
        xp = self.xp
        weighted = self.row_weight * values
        return xp.stack(
            [weighted[start:stop] @ self.X[start:stop, ...] for start, stop in self.bounds]
        )

    def hessian_matvec(self, coef):
        return self.gradient(coef) + self._rows_times(self.y)

    def gradient(self, coef):
        return -self._rows_times(self._residuals(coef))

    def value(self, coef):
        xp = self.xp
        residuals = self._residuals(coef)
        return 0.5 * xp.sum(self.row_weight * residuals**2)

    def residual_target_inner(self, coef):
        xp = self.xp
        return xp.sum(self.row_weight * self._residuals(coef) * self.y)

    def hessian_diagonal(self):
        xp = self.xp
        return xp.stack([column_squares(self.X[start:stop, ...], self.row_weight[start:stop], xp)
                         for start, stop in self.bounds])

    def lipschitz(self):
        if self._lipschitz is None:
            xp = self.xp
            self._lipschitz = max([top_singular_squared(self.X[start:stop, ...],
                                                        self.row_weight[start:stop], xp)
                                   for start, stop in self.bounds], default=0.0)
        return self._lipschitz


class SharedSampleSquaredLoss(SquaredDual):
    r"""Squared loss of a shared design held as its centred rows, one column of Y per task.

    Used when the design has more features than rows and its d×d Gram matrix would
    be larger than the data.  Row i weighs :math:`\omega_{it} = \tau_t s_i / S`.

    Parameters
    ----------
    X : array of shape (n, d)
        Centred rows.
    Y : array of shape (n, T)
        Centred targets.
    row_weight : array of shape (n,)
        :math:`s_i / S`.
    task_scale : array of shape (T,)
        :math:`\tau_t`.
    xp : namespace
    """

    def __init__(self, X, Y, row_weight, task_scale, xp):
        self.X = X
        self.Y = Y
        self.row_weight = row_weight
        self.task_scale = task_scale
        self.xp = xp
        self._lipschitz = None
        self._last = (None, None)

    @property
    def n_tasks(self):
        return self.Y.shape[1]

    def _weighted_correlation(self, rows):
        r"""Rows :math:`\tau_t X^\top (\omega \cdot R_{:,t})` of a per-row, per-task R (n, T)."""
        xp = self.xp
        products = xp.matrix_transpose(self.row_weight[:, None] * rows) @ self.X
        return self.task_scale[:, None] * products

    def _residuals(self, coef):
        """Y - X W' (the last result is kept: a duality gap asks three times)."""
        if self._last[0] is coef:
            return self._last[1]
        residuals = self.Y - self._fitted(coef)
        self._last = (coef, residuals)
        return residuals

    def _fitted(self, coef):
        """X W', from W's non-zero columns only on NumPy (a sparse W costs its support)."""
        xp = self.xp
        if _is_numpy_namespace(xp):
            support = np.flatnonzero(np.any(coef != 0, axis=0))
            return self.X[:, support] @ coef[:, support].T
        return self.X @ xp.matrix_transpose(coef)

    def hessian_matvec(self, coef):
        return self._weighted_correlation(self._fitted(coef))

    def gradient(self, coef):
        return -self._weighted_correlation(self._residuals(coef))

    def value(self, coef):
        xp = self.xp
        return 0.5 * xp.sum(self.task_scale * (self.row_weight @ self._residuals(coef) ** 2))

    def residual_target_inner(self, coef):
        xp = self.xp
        return xp.sum(self.task_scale * (self.row_weight @ (self._residuals(coef) * self.Y)))

    def hessian_diagonal(self):
        squares = column_squares(self.X, self.row_weight, self.xp)
        return self.task_scale[:, None] * squares[None, :]

    def lipschitz(self):
        if self._lipschitz is None:
            largest = top_singular_squared(self.X, self.row_weight, self.xp)
            self._lipschitz = float(self.xp.max(self.task_scale)) * largest
        return self._lipschitz


def column_squares(rows, weights, xp):
    r""":math:`\sum_i \omega_i x_{ij}^2` for every column of centred rows (dense, or a
    :class:`~skmtl._sparse.CentredSparse` that centres implicitly)."""
    if isinstance(rows, CentredSparse):
        return rows.weighted_squares(weights)
    return weights @ rows**2


def top_singular_squared(rows, weights, xp):
    r""":math:`\|\operatorname{diag}(\sqrt\omega) X\|_2^2` of centred rows (dense: SVD)."""
    if isinstance(rows, CentredSparse):
        return rows.top_singular_squared(weights)
    scaled = xp.sqrt(weights)[:, None] * rows
    if scaled.shape[0] == 0 or scaled.shape[1] == 0:
        return 0.0
    return float(xp.linalg.svd(scaled, full_matrices=False)[1][0]) ** 2


def task_bounds(task_index, n_tasks):
    """Stable order that sorts rows by task, and each task's row range in it."""
    order = np.argsort(task_index, kind="stable")
    counts = np.bincount(task_index, minlength=n_tasks)
    stops = np.cumsum(counts)
    starts = stops - counts
    return order, list(zip(starts.tolist(), stops.tolist(), strict=True))


def _statistics(X, Y, weights, fit_intercept, xp):
    """:func:`~skmtl.statistics.weighted_statistics` per unit weight, the form
    :class:`GramSquaredLoss` holds (one group, or a batch of groups).

    Returns gram (..., d, d), linear (..., d, k), target_square (..., k), x_mean (..., d),
    y_mean (..., k).
    """
    _, x_mean, y_mean, gram, linear, target_square = weighted_statistics(
        X, Y, weights, fit_intercept, xp, per_weight=True)
    return gram, linear, target_square, x_mean, y_mean


#: Largest padded copy of the rows (elements) for which the statistics of all tasks
#: are formed at once; beyond it the per-task loop costs little next to the work.
_SLAB_ELEMENTS = 2**24


def _centred_rows(X, y, weights, fit_intercept, xp):
    """Weighted means and the centred rows (sample-space representation); a sparse X
    becomes a :class:`~skmtl._sparse.CentredSparse` (centred implicitly)."""
    total = xp.sum(weights)
    if is_sparse(X):
        x_mean = (np.asarray(X.T @ weights) / total if fit_intercept
                  else np.zeros(X.shape[1], dtype=X.dtype))
        y_mean = (weights @ y) / total if fit_intercept else xp.zeros_like(total)
        return CentredSparse(X, x_mean), y - y_mean, x_mean, y_mean, total
    if not fit_intercept:
        zeros_x = xp.zeros(X.shape[1], dtype=X.dtype, device=device_of(X))
        return X, y, zeros_x, xp.zeros((), dtype=X.dtype, device=device_of(X)), total
    x_mean = (weights @ X) / total
    y_mean = (weights @ y) / total
    return X - x_mean, y - y_mean, x_mean, y_mean, total


#: A shared design keeps its rows instead of the d×d Gram matrix when it has more
#: features than rows and more than this many features (a Gram matrix of 32 MB).
SHARED_ROWS_FEATURES = 2000
#: For a penalty that separates over features, the rows are kept when d exceeds this
#: many times T: forming the Gram matrix (n d² flops) then costs more than the
#: passes over the rows of coordinate descent (n d T each, a handful per fit).
#: Measured on two cores with d/10 features in the support: at d = 25 T the Gram
#: matrix is faster (21 against 26 ms), at d = 100 T they tie or the rows win (0.19
#: against 0.30 s at n=3000, d=2000, T=20); paths reuse the Gram matrix at every alpha.
SEPARABLE_ROWS_PER_TASK = 100


def shared_design_loss(X, Y, sample_weight, task_scale, fit_intercept, xp, *,
                       representation="auto", separable=False):
    """Squared loss of the shared design: one Gram matrix serves every task.

    ``representation`` is ``'gram'``, ``'samples'`` (:class:`SharedSampleSquaredLoss`)
    or ``'auto'``: the rows when the design is wider than it is long and has more
    than :data:`SHARED_ROWS_FEATURES` features, or, for a penalty solved by
    coordinate descent (``separable``), when it has more than
    :data:`SEPARABLE_ROWS_PER_TASK` times T features; the Gram matrix otherwise.

    Returns the loss and the offsets ``(x_offset (1, d), y_offset (T,))`` that
    give the intercepts :math:`b_t = \bar y_t - \bar x^\top w_t`.
    """
    n_samples, n_features = X.shape
    if representation == "auto":
        wide = n_features > max(n_samples, SHARED_ROWS_FEATURES) or (
            separable and n_features > SEPARABLE_ROWS_PER_TASK * Y.shape[1])
        if is_sparse(X):
            wide = wide or not affordable_products(1, n_features, X)
        representation = "samples" if wide else "gram"
    if representation == "samples":
        Xc, Yc, x_mean, y_mean, total = _centred_rows(X, Y, sample_weight, fit_intercept, xp)
        if not fit_intercept:
            y_mean = xp.zeros(Y.shape[1], dtype=X.dtype, device=device_of(X))
        loss = SharedSampleSquaredLoss(Xc, Yc, sample_weight / total, task_scale, xp)
        return loss, x_mean[None, :], y_mean
    if representation != "gram":
        raise ValueError(f"Unknown representation {representation!r}.")
    gram, linear, target_square, x_mean, y_mean = _statistics(
        X, Y, sample_weight, fit_intercept, xp
    )
    loss = GramSquaredLoss(gram[None, ...], xp.matrix_transpose(linear), target_square,
                           task_scale, xp)
    return loss, x_mean[None, :], y_mean


def routed_loss(X, y, sample_weight, task_index, n_tasks, task_scale, fit_intercept, xp, *,
                representation="auto"):
    """Squared loss for rows labelled by task (routed or task-column conventions).

    ``representation`` is ``'gram'`` (per-task statistics), ``'samples'``
    (centred rows) or ``'auto'``: statistics unless the tasks are on average
    smaller than the number of features and the T·d² statistics would be large.
    Outside NumPy the statistics of tasks of similar sizes are formed at once,
    in batched products over padded slabs (:mod:`skmtl._padding`).

    Returns the loss and the offsets ``(x_offset (T, d), y_offset (T,))``.
    """
    n_samples, n_features = X.shape
    if is_sparse(X):
        return _sparse_routed_loss(X, y, sample_weight, task_index, n_tasks, task_scale,
                                   fit_intercept, representation)
    if representation == "auto":
        small = n_tasks * n_features**2 <= 4_000_000
        representation = "gram" if small or n_tasks * n_features <= n_samples else "samples"
    order, bounds = task_bounds(task_index, n_tasks)
    order_xp = xp.asarray(order, device=device_of(X))
    X = xp.take(X, order_xp, axis=0)
    y = xp.take(y, order_xp, axis=0)
    weight = xp.take(sample_weight, order_xp, axis=0)
    # On NumPy a loop of BLAS products over each task's contiguous rows is faster
    # (School: 13.0 against 16.7 ms a fit); on a GPU one batched product wins.
    batched = representation == "gram" and not _is_numpy_namespace(xp)
    index = slab_index(bounds, n_samples) if batched else None
    if index is not None and index.size * n_features <= _SLAB_ELEMENTS:
        gram, linear, target_square, x_offset, y_offset = _statistics(
            pad(X, index, xp), pad(y, index, xp)[..., None], pad(weight, index, xp),
            fit_intercept, xp)
        loss = GramSquaredLoss(gram, linear[..., 0], target_square[..., 0], task_scale, xp)
        return loss, x_offset, y_offset[..., 0]
    centred_x, centred_y, x_offsets, y_offsets, grams, linears, squares, row_weights = (
        [], [], [], [], [], [], [], [])
    for t, (start, stop) in enumerate(bounds):
        rows = (X[start:stop, ...], y[start:stop], weight[start:stop], fit_intercept, xp)
        if representation == "gram":
            gram, linear, target_square, x_mean, y_mean = _statistics(
                rows[0], rows[1][:, None], *rows[2:])
            grams.append(gram)
            linears.append(linear[:, 0])
            squares.append(target_square[0])
            y_mean = y_mean[0]
        else:
            Xc, yc, x_mean, y_mean, total = _centred_rows(*rows)
            centred_x.append(Xc)
            centred_y.append(yc)
            row_weights.append(task_scale[t] * weight[start:stop] / total)
        x_offsets.append(x_mean)
        y_offsets.append(y_mean)
    x_offset = xp.stack(x_offsets)
    y_offset = xp.stack(y_offsets)
    if representation == "gram":
        loss = GramSquaredLoss(
            xp.stack(grams), xp.stack(linears), xp.stack(squares), task_scale, xp
        )
    elif representation == "samples":
        loss = SampleSquaredLoss(
            xp.concat(centred_x), xp.concat(centred_y), xp.concat(row_weights), bounds, xp
        )
    else:
        raise ValueError(f"Unknown representation {representation!r}.")
    return loss, x_offset, y_offset


def _sparse_routed_loss(X, y, sample_weight, task_index, n_tasks, task_scale, fit_intercept,
                        representation):
    """:func:`routed_loss` of a sparse X: per-task statistics from sparse products under
    the size rule of :func:`~skmtl._sparse.affordable_products`, else the rows sorted by
    task and centred implicitly (:class:`~skmtl._sparse.SparseTaskRows`)."""
    if representation == "auto":
        representation = ("gram" if affordable_products(n_tasks, X.shape[1], X)
                          else "samples")
    if representation not in ("gram", "samples"):
        raise ValueError(f"Unknown representation {representation!r}.")
    order, bounds = task_bounds(task_index, n_tasks)
    X, y, weight = X[order], y[order], sample_weight[order]
    parts = [_centred_rows(X[start:stop], y[start:stop], weight[start:stop], fit_intercept,
                           np) for start, stop in bounds]
    x_offset = np.stack([part[2] for part in parts])
    y_offset = np.stack([part[3] for part in parts])
    if representation == "gram":
        statistics = [weighted_statistics(X[start:stop], y[start:stop, None],
                                          weight[start:stop], fit_intercept, np,
                                          per_weight=True) for start, stop in bounds]
        loss = GramSquaredLoss(np.stack([part[3] for part in statistics]),
                               np.stack([part[4][:, 0] for part in statistics]),
                               np.stack([part[5][0] for part in statistics]), task_scale, np)
        return loss, x_offset, y_offset
    row_weight = np.concatenate([task_scale[t] * weight[start:stop] / part[4]
                                 for t, ((start, stop), part) in enumerate(
                                     zip(bounds, parts, strict=True))])
    rows = SparseTaskRows(X, x_offset, bounds)
    centred_y = np.concatenate([part[1] for part in parts])
    return SampleSquaredLoss(rows, centred_y, row_weight, bounds, np), x_offset, y_offset
