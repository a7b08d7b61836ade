r"""Per-task sufficient statistics of the squared loss, computed in pieces and merged.

For the rows :math:`i \in t` of task t, with sample weights :math:`s_i`, the
squared-loss families need only

.. math::

    S_t = \sum_{i \in t} s_i, \quad
    \bar x_t = \frac{1}{S_t}\sum_{i \in t} s_i x_i, \quad
    \bar y_t = \frac{1}{S_t}\sum_{i \in t} s_i y_i,

    G_t = \sum_{i \in t} s_i (x_i - \bar x_t)(x_i - \bar x_t)^\top, \quad
    c_t = \sum_{i \in t} s_i (x_i - \bar x_t)(y_i - \bar y_t), \quad
    q_t = \sum_{i \in t} s_i (y_i - \bar y_t)^2,

O(T·d²) numbers whatever the number of rows.  Statistics of two disjoint sets of
rows merge exactly (Chan, Golub & LeVeque 1979): with :math:`S = S_a + S_b` and
:math:`\delta = \bar x_b - \bar x_a`,
:math:`G = G_a + G_b + \tfrac{S_a S_b}{S}\delta\delta^\top` (and alike for c and q),
which stays accurate where accumulating raw sums :math:`\sum s_i x_i x_i^\top`
would cancel.  So rows can be read in batches (``partial_fit``) or in the chunks
of a dask array, and the fit runs from the merged statistics
(``fit_statistics``).
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_array

from ._array_api import check_magnitude
from ._sparse import SPARSE_FORMATS, CentredSparse, as_csr, is_sparse
from ._tasks import group_tasks, task_runs

__all__ = ["TaskStatistics"]


@dataclass(frozen=True)
class TaskStatistics:
    r"""Weighted per-task statistics of the squared loss (NumPy, float64).

    Build them with :meth:`from_rows` and combine disjoint pieces with
    :meth:`merge`; the squared-loss regressors fit from them with
    ``fit_statistics``.

    Parameters
    ----------
    labels : ndarray of shape (T,)
        Sorted task labels.
    count : ndarray of shape (T,)
        Rows of each task.
    weight : ndarray of shape (T,)
        :math:`S_t`, the sum of the sample weights.
    x_mean : ndarray of shape (T, d)
        :math:`\bar x_t` (0 where :math:`S_t = 0`).
    y_mean : ndarray of shape (T,)
        :math:`\bar y_t`.
    gram : ndarray of shape (T, d, d)
        :math:`G_t`, centred and not divided by :math:`S_t`.
    linear : ndarray of shape (T, d)
        :math:`c_t`.
    target_square : ndarray of shape (T,)
        :math:`q_t`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.statistics import TaskStatistics
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((6, 2)), rng.standard_normal(6)
    >>> tasks = np.array([0, 0, 1, 1, 1, 0])
    >>> whole = TaskStatistics.from_rows(X, y, tasks)
    >>> parts = TaskStatistics.from_rows(X[:4], y[:4], tasks[:4]).merge(
    ...     TaskStatistics.from_rows(X[4:], y[4:], tasks[4:]))
    >>> whole.count.tolist(), bool(np.allclose(parts.gram, whole.gram))
    ([3, 3], True)
    """

    labels: np.ndarray
    count: np.ndarray
    weight: np.ndarray
    x_mean: np.ndarray
    y_mean: np.ndarray
    gram: np.ndarray
    linear: np.ndarray
    target_square: np.ndarray

    @property
    def n_tasks(self):
        return self.labels.shape[0]

    @property
    def n_features(self):
        return self.x_mean.shape[1]

    @classmethod
    def from_rows(cls, X, y, tasks=None, sample_weight=None):
        """Statistics of labelled rows, or of the shared design.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A SciPy sparse X (CSR, CSC or COO) is not densified: its statistics come
            from sparse products, centred implicitly (:func:`weighted_statistics`).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets; a 2-D ``y`` without ``tasks`` is the shared design (column t
            is task t, labelled t, on the same rows; NaN: a response not observed).
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row (None: one task, or the shared design).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights (1 by default).

        Returns
        -------
        statistics : TaskStatistics
        """
        # Gathering a task's rows is 1000 times slower from a column-major X, or from one
        # whose buffer is not aligned (as arrays unpickled on a dask worker can be).
        X = check_array(X, dtype=np.float64, ensure_min_samples=0,
                        accept_sparse=SPARSE_FORMATS)
        X = as_csr(X) if is_sparse(X) else np.require(X, requirements=["C", "A"])
        # NaN in a shared-design y: a response not observed
        finite = "allow-nan" if tasks is None and np.ndim(y) == 2 else True
        y = np.require(check_array(y, dtype=np.float64, ensure_2d=False, ensure_min_samples=0,
                                   ensure_all_finite=finite), requirements=["A"])
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}.")
        weights = _piece_weights(sample_weight, X.shape[0])
        # Magnitudes are checked after the products, not before: a scan of X costs a
        # fifth of them.
        with np.errstate(over="ignore", invalid="ignore"):
            if tasks is None:
                statistics = cls._shared_design(X, y if y.ndim == 2 else y[:, None], weights)
            else:
                statistics = cls._labelled_rows(X, y, tasks, weights)
        if not statistics._finite():
            check_magnitude("X", X.data if is_sparse(X) else X, np)
            check_magnitude("y", y, np)
            raise ValueError("The statistics of these rows are not finite.")
        return statistics

    @classmethod
    def _labelled_rows(cls, X, y, tasks, weights):
        """Statistics of rows with task labels: each task's rows gathered, or viewed in
        place when they are contiguous."""
        if y.ndim != 1:
            raise ValueError(
                f"With task labels y must be 1-D (one target per row), got shape {y.shape}.")
        runs = None if is_sparse(X) else task_runs(tasks, X.shape[0])
        if runs is None:
            labels, counts, order = group_tasks(tasks, X.shape[0])
            pieces = _gathered_tasks(X, y, weights, counts, order)
        else:  # each task's rows are contiguous: views of them, no gather
            labels, counts, starts = runs
            pieces = ((X[start:start + count], y[start:start + count, None],
                       weights[start:start + count])
                      for start, count in zip(starts.tolist(), counts.tolist(), strict=True))
        n_tasks, n_features = labels.shape[0], X.shape[1]
        weight, y_mean, target_square = np.zeros(n_tasks), np.zeros(n_tasks), np.zeros(n_tasks)
        x_mean, linear = np.zeros((n_tasks, n_features)), np.zeros((n_tasks, n_features))
        gram = np.zeros((n_tasks, n_features, n_features))
        for t, (task_X, task_y, task_weights) in enumerate(pieces):
            weight[t], x_mean[t], task_y_mean, gram[t], task_linear, task_square = (
                weighted_statistics(task_X, task_y, task_weights, True, np))
            y_mean[t], linear[t], target_square[t] = task_y_mean[0], task_linear[:, 0], (
                task_square[0])
        return cls(labels, counts, weight, x_mean, y_mean, gram, linear, target_square)

    @classmethod
    def _shared_design(cls, X, Y, weights):
        """Every column of Y a task on the same rows: one Gram matrix, copied per task.

        A NaN in Y is a response not observed: a task with some gets the statistics
        of its observed rows instead.
        """
        n_tasks = Y.shape[1]
        observed = ~np.isnan(Y)
        if not observed.all():
            return cls._observed_shared_design(X, Y, weights, observed)
        weight, x_mean, y_mean, gram, linear, target_square = weighted_statistics(
            X, Y, weights, True, np)
        return cls(np.arange(n_tasks), np.full(n_tasks, X.shape[0]), np.full(n_tasks, weight),
                   np.tile(x_mean, (n_tasks, 1)), y_mean,
                   np.tile(gram, (n_tasks, 1, 1)), linear.T, target_square)

    @classmethod
    def _observed_shared_design(cls, X, Y, weights, observed):
        """The complete columns share one Gram matrix of all rows; each column with a
        NaN gets the statistics of its observed rows."""
        n_tasks, n_features = Y.shape[1], X.shape[1]
        weight, y_mean, target_square = np.zeros(n_tasks), np.zeros(n_tasks), np.zeros(n_tasks)
        x_mean, linear = np.zeros((n_tasks, n_features)), np.zeros((n_tasks, n_features))
        gram = np.zeros((n_tasks, n_features, n_features))
        complete = observed.all(axis=0)
        pieces = [(np.flatnonzero(complete), slice(None))] if complete.any() else []
        pieces += [([t], observed[:, t]) for t in np.flatnonzero(~complete)]
        for columns, rows in pieces:
            piece = weighted_statistics(X[rows], Y[rows][:, columns], weights[rows], True, np)
            weight[columns], x_mean[columns], gram[columns] = piece[0], piece[1], piece[3]
            y_mean[columns], linear[columns], target_square[columns] = (
                piece[2], piece[4].T, piece[5])
        return cls(np.arange(n_tasks), observed.sum(axis=0), weight, x_mean, y_mean, gram,
                   linear, target_square)

    def _finite(self):
        return all(np.isfinite(field).all() for field in (
            self.x_mean, self.y_mean, self.gram, self.linear, self.target_square))

    def merge(self, other):
        """The statistics of the rows of both (disjoint) pieces.

        Tasks are the union of both pieces' tasks; a task in one piece only keeps
        its statistics.

        Parameters
        ----------
        other : TaskStatistics

        Returns
        -------
        statistics : TaskStatistics
        """
        if other.n_features != self.n_features:
            raise ValueError(
                f"Statistics of {self.n_features} and {other.n_features} features cannot be "
                "merged."
            )
        kinds = {self.labels.dtype.kind, other.labels.dtype.kind}
        mixed = bool(kinds & set("biuf")) and bool(kinds & set("USO"))
        try:
            if mixed:  # NumPy would turn the numbers into strings
                raise TypeError
            labels = np.union1d(self.labels, other.labels)
        except TypeError as error:
            raise TypeError(
                f"Task labels of types {self.labels.dtype} and {other.labels.dtype} cannot be "
                "merged: use labels of one type."
            ) from error
        merged = [_spread(part, labels) for part in (self, other)]
        (count_a, S_a, x_a, y_a, G_a, c_a, q_a), (count_b, S_b, x_b, y_b, G_b, c_b, q_b) = merged
        S = S_a + S_b
        share = np.divide(S_b, S, out=np.zeros_like(S), where=S > 0)
        pooled = S_a * share  # S_a S_b / S
        dx, dy = x_b - x_a, y_b - y_a
        return TaskStatistics(
            labels,
            count_a + count_b,
            S,
            x_a + share[:, None] * dx,
            y_a + share * dy,
            G_a + G_b + pooled[:, None, None] * dx[:, :, None] * dx[:, None, :],
            c_a + c_b + (pooled * dy)[:, None] * dx,
            q_a + q_b + pooled * dy**2,
        )

    def subtract(self, part):
        r"""The statistics of the rows of ``self`` that are not in ``part`` (the inverse of
        :meth:`merge`).

        ``part`` holds statistics of a subset of the rows of ``self`` (a held-out
        fold): with :math:`S_a = S - S_b`,
        :math:`\bar x_a = (S\bar x - S_b \bar x_b) / S_a` and
        :math:`\delta = \bar x_b - \bar x_a`,
        :math:`G_a = G - G_b - \tfrac{S_a S_b}{S}\delta\delta^\top` (and alike for c
        and q).  Tasks left without rows are dropped.

        Parameters
        ----------
        part : TaskStatistics

        Returns
        -------
        statistics : TaskStatistics
        """
        if part.n_features != self.n_features or not np.all(np.isin(part.labels, self.labels)):
            raise ValueError("Only statistics of a subset of the rows can be subtracted.")
        count_b, S_b, x_b, y_b, G_b, c_b, q_b = _spread(part, self.labels)
        count = self.count - count_b
        S = self.weight
        S_a = np.maximum(S - S_b, 0.0)
        left = S_a > 0
        safe = np.where(left, S_a, 1.0)
        x_a = np.where(left[:, None], (S[:, None] * self.x_mean - S_b[:, None] * x_b)
                       / safe[:, None], 0.0)
        y_a = np.where(left, (S * self.y_mean - S_b * y_b) / safe, 0.0)
        pooled = np.divide(S_a * S_b, S, out=np.zeros_like(S), where=S > 0)
        dx, dy = x_b - x_a, y_b - y_a
        kept = count > 0
        return TaskStatistics(
            self.labels[kept],
            count[kept],
            S_a[kept],
            x_a[kept],
            y_a[kept],
            (self.gram - G_b - pooled[:, None, None] * dx[:, :, None] * dx[:, None, :])[kept],
            (self.linear - c_b - (pooled * dy)[:, None] * dx)[kept],
            np.maximum(self.target_square - q_b - pooled * dy**2, 0.0)[kept],
        )

    def restrict(self, labels):
        """The statistics of the tasks ``labels`` only (labels of ``self``).

        Parameters
        ----------
        labels : array-like

        Returns
        -------
        statistics : TaskStatistics
        """
        kept = np.isin(self.labels, np.asarray(labels))
        return TaskStatistics(*(np.asarray(value)[kept] for value in (
            self.labels, self.count, self.weight, self.x_mean, self.y_mean, self.gram,
            self.linear, self.target_square)))

    def uncentred(self):
        r""":math:`(\sum s_i x_i x_i^\top, \sum s_i x_i y_i, \sum s_i y_i^2)` per task:
        the statistics of a fit without intercepts."""
        S = self.weight
        gram = self.gram + S[:, None, None] * self.x_mean[:, :, None] * self.x_mean[:, None, :]
        linear = self.linear + (S * self.y_mean)[:, None] * self.x_mean
        return gram, linear, self.target_square + S * self.y_mean**2


def _gathered_tasks(X, y, weights, counts, order):
    """Each task's (rows, targets (m, 1), weights), in the order of ``counts``, gathered
    by ``order`` into one reused buffer (a fresh n x d copy would cost more in page
    faults than the products); a sparse X's rows are taken from the CSR matrix."""
    stops = np.cumsum(counts)
    if is_sparse(X):
        for start, stop in zip((stops - counts).tolist(), stops.tolist(), strict=True):
            rows = order[start:stop]
            yield X[rows], y[rows, None], weights[rows]
        return
    rows_buffer = np.empty((max(counts.max(initial=0), 1), X.shape[1]))
    target_buffer = np.empty((rows_buffer.shape[0], 1))
    for start, stop in zip((stops - counts).tolist(), stops.tolist(), strict=True):
        rows = order[start:stop]
        # The indices are valid; mode="clip" spares the buffered copy "raise" makes.
        task_X = np.take(X, rows, axis=0, out=rows_buffer[:stop - start], mode="clip")
        task_y = np.take(y, rows, out=target_buffer[:stop - start, 0], mode="clip")[:, None]
        yield task_X, task_y, weights[rows]


def _piece_weights(sample_weight, n_samples):
    """Validated weights of a piece of rows: a piece may be empty or weigh nothing (a
    chunk without rows of weight), unlike a whole training set."""
    if sample_weight is None:
        return np.ones(n_samples)
    weights = check_array(sample_weight, dtype=np.float64, ensure_2d=False,
                          ensure_min_samples=0, input_name="sample_weight")
    if weights.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {weights.shape}, expected ({n_samples},).")
    if np.any(weights < 0):
        raise ValueError("Negative values in data passed to sample_weight.")
    return np.require(weights, requirements=["A"])


#: Rows per block when the statistics are accumulated: about 8 MB of float64 per block.
_BLOCK_ELEMENTS = 2**20


def weighted_statistics(X, Y, weights, fit_intercept, xp, per_weight=False):
    r"""S, x̄, ȳ, G, c and q of one group of rows, or of a batch of groups at once.

    The one place where per-task statistics are formed: :class:`TaskStatistics`,
    the squared losses of :mod:`skmtl.losses.squared` and hence every regressor
    call it.  X is (..., n, d), Y (..., n, k), ``weights`` (..., n); leading axes
    are groups (padded slabs of tasks, whose padding rows weigh zero).  Rows are
    taken in blocks of about 8 MB: each block is centred and scaled by
    :math:`\sqrt{s_i}` into a temporary that stays in cache (instead of an n×d
    copy of X), then :math:`G \mathrel{+}= Z^\top Z` (BLAS ``syrk`` in NumPy) and
    :math:`c \mathrel{+}= Z^\top (\sqrt{s}\,(Y - \bar y))`.  Without
    ``fit_intercept`` the means are zero (uncentred statistics).  A group of zero
    weight gets zeros throughout.  With ``per_weight`` the rows are scaled by
    :math:`\sqrt{s_i/S}` instead, which gives G, c and q divided by the total weight
    S (the form of the losses) in the same rounding as the products themselves.

    A SciPy sparse X (one group) is never centred: with the raw products
    :math:`X^\top D X` (sparse, then dense d×d) and :math:`X^\top D Y`,
    :math:`G = X^\top D X - S\bar x\bar x^\top` and
    :math:`c = X^\top D (Y - \bar y) - \bar x\,\mathbf 1^\top D (Y - \bar y)`.  The
    callers form it only under the size rule of
    :func:`skmtl._sparse.affordable_products`.

    Returns
    -------
    total (...), x_mean (..., d), y_mean (..., k), gram (..., d, d), linear (..., d, k),
    target_square (..., k).
    """
    if is_sparse(X):
        return _sparse_statistics(X, Y, weights, fit_intercept, per_weight)
    n_samples, n_features = X.shape[-2], X.shape[-1]
    total = xp.sum(weights, axis=-1)
    safe = xp.where(total > 0, total, xp.ones_like(total))
    scale = weights / safe[..., None] if per_weight else weights
    if fit_intercept:
        x_mean = (weights[..., None, :] @ X)[..., 0, :] / safe[..., None]
        y_mean = (weights[..., None, :] @ Y)[..., 0, :] / safe[..., None]
    else:
        x_mean = xp.zeros((*X.shape[:-2], n_features), dtype=X.dtype, device=X.device)
        y_mean = xp.zeros((*Y.shape[:-2], Y.shape[-1]), dtype=X.dtype, device=X.device)
    block = max(256, _BLOCK_ELEMENTS // max(n_features, 1))
    unit = not per_weight and bool(xp.all(weights == 1))
    gram = linear = target_square = 0.0
    for start in range(0, max(n_samples, 1), block):
        stop = min(start + block, n_samples)
        # scaled in place: one temporary per block, not two (none with unit weights)
        scaled_x = X[..., start:stop, :] - x_mean[..., None, :]
        scaled_y = Y[..., start:stop, :] - y_mean[..., None, :]
        if not unit:
            root = xp.sqrt(scale[..., start:stop])[..., None]
            scaled_x *= root
            scaled_y *= root
        transposed = xp.matrix_transpose(scaled_x)
        gram = gram + transposed @ scaled_x
        linear = linear + transposed @ scaled_y
        target_square = target_square + xp.sum(scaled_y**2, axis=-2)
    return total, x_mean, y_mean, gram, linear, target_square


def _sparse_statistics(X, Y, weights, fit_intercept, per_weight):
    """:func:`weighted_statistics` of one group of rows of a sparse X (implicit centring)."""
    total = float(np.sum(weights))
    safe = total if total > 0 else 1.0
    scale = weights / safe if per_weight else weights
    n_features = X.shape[1]
    if fit_intercept:
        x_mean = np.asarray(X.T @ weights) / safe
        y_mean = (weights @ Y) / safe
    else:
        x_mean, y_mean = np.zeros(n_features), np.zeros(Y.shape[1])
    rows = CentredSparse(X, x_mean)
    gram = rows.weighted_gram(scale)
    centred_y = Y - y_mean
    linear = np.asarray((scale[:, None] * centred_y).T @ rows).T
    target_square = scale @ centred_y**2
    return total, x_mean, y_mean, gram, linear, target_square


def _spread(statistics, labels):
    """The fields of ``statistics`` on the rows of ``labels`` (zeros for absent tasks)."""
    position = np.searchsorted(labels, statistics.labels)
    n_tasks, d = labels.shape[0], statistics.n_features
    fields = [np.zeros(n_tasks, dtype=np.int64), np.zeros(n_tasks), np.zeros((n_tasks, d)),
              np.zeros(n_tasks), np.zeros((n_tasks, d, d)), np.zeros((n_tasks, d)),
              np.zeros(n_tasks)]
    values = (statistics.count, statistics.weight, statistics.x_mean, statistics.y_mean,
              statistics.gram, statistics.linear, statistics.target_square)
    for field, value in zip(fields, values, strict=True):
        field[position] = value
    return fields
