r"""Penalties over ordered tasks (time points): the temporal group lasso and the convex
fused sparse group lasso.

The tasks are taken in an ``order`` (positions of the rows of W; the rows' own order
when None), and both penalties separate over the feature columns, each a signal over
that order:

.. math::

   R_{TGL}(W) &= \alpha \sum_j \|W_{:,j}\|_2
                + \frac{\alpha_s}{2}\sum_t \|w_{t+1} - w_t\|_2^2,\\
   R_{FSGL}(W) &= \alpha_1 \|W\|_1 + \alpha_f \sum_j\sum_t |W_{t+1,j} - W_{t,j}|
                 + \alpha_g \sum_j \|W_{:,j}\|_2.

**Temporal group lasso.**  Its quadratic part is :math:`\tfrac{\alpha_s}2 v^\top L v`
per column v, L the Laplacian of the chain, whose eigenvectors are the cosine basis
:math:`V_{tk} \propto \cos(\pi k (t + \tfrac12)/T)` (the orthonormal DCT-II, O(T log T)
per column) with eigenvalues
:math:`\lambda_k = 2 - 2\cos(\pi k / T)`.  In that basis, the prox and the conjugate
of :math:`R_{TGL} + \tfrac{l_2}2\|\cdot\|_F^2` both minimize
:math:`\sum_k (a_k u_k^2/2 - b_k u_k) + g\|u\|_2` per column, solved by the secular
equation of :func:`group_minimize`; the conjugate is exact at every :math:`l_2`,
:math:`+\infty` where the kernel of the quadratic (the constant signal at
:math:`l_2 = 0`) carries more than :math:`\alpha` of :math:`Z` (:meth:`conjugate_scale`
then gives the dual point that is feasible).

**Fused sparse group lasso.**  A norm when :math:`\alpha_1 + \alpha_g > 0`.  Its prox is
the composition prox of the total variation (Condat 2013), soft thresholding, group
soft thresholding (Friedman et al. 2007: each later prox keeps the subdifferential of
the earlier terms, which are positively homogeneous); by Moreau's decomposition the
distance of Z to its dual ball is :math:`\|\operatorname{prox}_R(Z)\|_F`, and the dual
norm is the least s with :math:`\operatorname{prox}_{sR}(Z) = 0`, bisected per column.
With these the duality gap is exact at ``l2 = 0``.
"""

import math

import numba
import numpy as np
from scipy.fft import dct, idct

from .._array_api import to_numpy
from ..solvers._coordinate_kernels import block_minimize
from . import Described, Norm
from .blocks import ChainBlocks
from .fused import _columns_prox, total_variation_prox

#: Relative precision of the per-column gauges of the fused sparse group lasso.
GAUGE_PRECISION = 1e-4
#: A dual point is shrunk this many rounding units of its dtype inside the boundary of
#: the conjugate's domain (its product with Z is rounded in that dtype).
_INSIDE_UNITS = 100.0


def check_order(order, n_tasks):
    """``order`` as a permutation of ``range(n_tasks)`` (NumPy int64); None: the identity."""
    if order is None:
        return np.arange(n_tasks, dtype=np.int64)
    order = np.asarray(order, dtype=np.int64)
    if order.shape != (n_tasks,) or not np.array_equal(np.sort(order), np.arange(n_tasks)):
        raise ValueError(f"order must be a permutation of range({n_tasks}), got {order!r}.")
    return order


def chain_eigenvalues(n_tasks):
    r"""Eigenvalues :math:`2 - 2\cos(\pi k/T)` of the Laplacian of the chain of T nodes;
    the first is exactly 0.  Its orthonormal eigenvectors are the columns of the
    inverse orthonormal DCT-II, so :math:`V^\top x` is ``dct(x, norm='ortho')``."""
    return 2.0 - 2.0 * np.cos(np.pi * np.arange(n_tasks) / max(n_tasks, 1))


def group_minimize(b, a, g):
    r"""Minimize :math:`\sum_k (a_k u_k^2/2 - b_{kj} u_k) + g\|u\|_2` for every column j.

    ``b`` is (K, d), ``a`` (K,) non-negative.  A column is zero when
    :math:`\|b_j\| \le g`; otherwise :math:`u_k = b_k r/(a_k r + g)` with
    :math:`r = \|u\|` the root of the secular equation
    :math:`\sum_k b_k^2/(a_k r + g)^2 = 1`, solved per column by the block update of
    coordinate descent (:func:`~skmtl.solvers._coordinate_kernels.block_minimize`).
    With :math:`g = 0`, :math:`u = b/a`.  The caller ensures a root exists (where
    :math:`a_k = 0`, :math:`\sum b_k^2 < g^2` over those k).  NumPy.
    """
    if g == 0:
        return b / a[:, None]
    columns = np.empty((b.shape[1], b.shape[0]))
    _group_minimize_columns(np.asfortranarray(b, dtype=np.float64),
                            np.ascontiguousarray(a, dtype=np.float64), float(g), columns)
    return columns.T


@numba.njit(cache=True)
def _group_minimize_columns(b, a, g, out):
    """:func:`block_minimize` of every column of b (Fortran-ordered) into the rows of
    ``out``."""
    for j in range(b.shape[1]):
        block_minimize(b[:, j], a, 0.0, g, out[j])


class _Ordered(Described):
    """Rows taken in ``order`` and put back."""

    def _host_ordered(self, coef, xp):
        """W on the host (NumPy, float64), its rows in order, and the order."""
        values = np.ascontiguousarray(to_numpy(coef, xp), dtype=np.float64)
        order = check_order(self.order, values.shape[0])
        return np.ascontiguousarray(values[order]), order

    @staticmethod
    def _back(values, order, like, xp):
        """Rows in order put back in the rows' order, in the namespace of ``like``."""
        result = np.empty_like(values)
        result[order] = values
        return xp.asarray(result, dtype=like.dtype, device=like.device)

    def reference_params(self):
        return {"order": None if self.order is None else [int(k) for k in self.order]}


class TemporalGroupLasso(_Ordered):
    r"""Temporal group lasso: :math:`\alpha\sum_j \|W_{:,j}\|_2
    + \tfrac{\alpha_s}2\sum_t \|w_{t+1} - w_t\|^2` over the tasks in ``order``.

    Parameters
    ----------
    alpha_group : float
        :math:`\alpha \ge 0`, the weight of the feature columns' norms.
    alpha_smooth : float
        :math:`\alpha_s \ge 0`, the weight of the squared differences of neighbours.
    order : array-like of int, default=None
        The rows of W in temporal order (a permutation); None: the rows' order.

    Notes
    -----
    ``alpha_group`` is not called ``alpha``: with ``alpha_group = 0`` the penalty does
    not vanish.  The smoothing is part of the penalty, so its prox and conjugate are
    exact (module description) and the duality gap is exact at ``l2 = 0``.  The prox
    and the conjugate run on NumPy (a DCT per column); other namespaces go through
    the host.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties import TemporalGroupLasso
    >>> W = np.array([[1.0, 0.1], [3.0, 0.0]])
    >>> TemporalGroupLasso(0.5, 1.0).prox(W, 1.0, np).round(3)
    array([[1.341, 0.   ],
           [1.964, 0.   ]])
    """

    reference = "temporal"

    def __init__(self, alpha_group, alpha_smooth, order=None):
        self.alpha_group = alpha_group
        self.alpha_smooth = alpha_smooth
        self.order = order

    def reference_params(self):
        return {"alpha": self.alpha_group, "alpha_smooth": self.alpha_smooth,
                **super().reference_params()}

    def value(self, coef, xp):
        differences = coef[1:, :] - coef[:-1, :]
        if self.order is not None:
            ordered, _ = self._host_ordered(coef, xp)
            differences = xp.asarray(np.diff(ordered, axis=0), dtype=coef.dtype,
                                     device=coef.device)
        return (self.alpha_group * xp.sum(xp.linalg.vector_norm(coef, axis=0))
                + 0.5 * self.alpha_smooth * xp.sum(differences * differences))

    def prox(self, coef, step, xp):
        ordered, order = self._host_ordered(coef, xp)
        curvature = 1.0 + step * self.alpha_smooth * chain_eigenvalues(ordered.shape[0])
        rotated = group_minimize(dct(ordered, norm="ortho", axis=0), curvature,
                                 step * self.alpha_group)
        return self._back(idct(rotated, norm="ortho", axis=0), order, coef, xp)

    def _rotated(self, z, l2, xp):
        """:math:`V^\top Z` in order, the eigenvalues of the quadratic, and the kernel's
        share of each column of Z (the norm of its part where the eigenvalue is 0)."""
        ordered, _ = self._host_ordered(z, xp)
        rotated = dct(ordered, norm="ortho", axis=0)
        curvature = self.alpha_smooth * chain_eigenvalues(ordered.shape[0]) + l2
        kernel = np.linalg.norm(rotated[curvature == 0], axis=0)
        return rotated, curvature, kernel

    def conjugate_scale(self, z, l2, xp):
        r"""The largest :math:`\kappa \le 1` with :math:`h^*(\kappa Z) < \infty`."""
        inside = 1.0 - _INSIDE_UNITS * float(xp.finfo(z.dtype).eps)
        largest = float(np.max(self._rotated(z, l2, xp)[2], initial=0.0))
        if largest <= self.alpha_group * inside:
            return 1.0
        return inside * self.alpha_group / largest

    def conjugate(self, z, l2, xp):
        r""":math:`h^*(Z)` of :math:`h = R + \tfrac{l_2}2\|\cdot\|_F^2`:
        :math:`\tfrac12\sum_k a_k u_k^2` per column at the maximizer u (the rotated
        :math:`W^\star`, :math:`a_k = \alpha_s\lambda_k + l_2`); :math:`+\infty` outside
        the domain."""
        rotated, curvature, kernel = self._rotated(z, l2, xp)
        largest = float(np.max(kernel, initial=0.0))
        if largest > 0 and largest >= self.alpha_group:
            return math.inf
        free = curvature > 0
        if self.alpha_group == 0:  # the kernel's share is 0 here
            return float(0.5 * np.sum(rotated[free] ** 2 / curvature[free, None]))
        best = group_minimize(rotated, curvature, self.alpha_group)
        return float(0.5 * np.sum(curvature[:, None] * best * best))

    def coordinate_blocks(self, n_columns):
        """One block per feature column, coupled along the chain
        (:mod:`skmtl.solvers.coordinate_descent`)."""
        return ChainBlocks(np.arange(n_columns, dtype=np.int64), self.order, 0.0, 0.0,
                           float(self.alpha_group), float(self.alpha_smooth), self)

    def column_gauges(self, z):
        r""":math:`\|Z_{:,j}\|_2/\alpha` per column (NumPy): at the optimum, a column with
        :math:`\|Z^\star_{:,j}\| < \alpha` is zero, since
        :math:`Z^\star_{:,j} = Mw + \alpha w/\|w\|` with M the positive semidefinite
        quadratic part would have norm at least :math:`\alpha` for a column :math:`w \ne 0`;
        infinite for a non-zero column of Z when :math:`\alpha = 0`."""
        norms = np.linalg.norm(z, axis=0)
        if self.alpha_group > 0:
            return norms / self.alpha_group
        return np.where(norms > 0, np.inf, 0.0)

    def alpha_max(self, gradient, xp):
        r""":math:`\max_j \|G_{:,j}\|_2`: the smallest :math:`\alpha` at which W = 0 is
        optimal (the quadratic terms have no gradient there)."""
        if not gradient.size:
            return 0.0
        return float(xp.max(xp.linalg.vector_norm(gradient, axis=0)))


@numba.njit(cache=True)
def column_prox(signal, lasso, fused, group, out):
    """The prox of one column: total variation, soft, then group soft thresholding."""
    total_variation_prox(signal, fused, out)
    norm = 0.0
    for t in range(out.shape[0]):
        value = abs(out[t]) - lasso
        out[t] = math.copysign(value, out[t]) if value > 0.0 else 0.0
        norm += out[t] * out[t]
    norm = math.sqrt(norm)
    scale = 1.0 - group / norm if norm > group else 0.0
    for t in range(out.shape[0]):
        out[t] *= scale


@numba.njit(cache=True)
def _zero_excess(column, lasso, fused, group, scale, out):
    r"""Positive exactly where :math:`\operatorname{prox}_{sR}` of the column is not 0
    (s = ``scale``): :math:`\|\operatorname{soft}(x, s\alpha_1)\| - s\alpha_g` with
    :math:`x = \operatorname{prox}_{s\alpha_f TV}(z)`, or :math:`\max_t |x_t| - s\alpha_1`
    without the group term."""
    total_variation_prox(column, scale * fused, out)
    if group > 0.0:
        total = 0.0
        for t in range(out.shape[0]):
            value = abs(out[t]) - scale * lasso
            if value > 0.0:
                total += value * value
        return math.sqrt(total) - scale * group
    return np.max(np.abs(out)) - scale * lasso


@numba.njit(cache=True)
def _column_gauge(column, lasso, fused, group, low, out, precision):
    """The least s with prox_{sR}(column) = 0: the zero of :func:`_zero_excess` (a sign
    change, since prox_{sR}(z) = 0 exactly for s at least the gauge), bracketed between
    ``low`` and the bound of the l1 and group terms and narrowed by the Illinois variant
    of regula falsi to the relative ``precision``.  Returns the upper end of the
    bracket, never below the gauge (``low`` itself when the gauge is not above it)."""
    norm = math.sqrt(np.sum(column * column))
    if norm == 0.0:
        return 0.0
    high = np.inf
    if lasso > 0.0:
        high = np.max(np.abs(column)) / lasso
    if group > 0.0:
        high = min(high, norm / group)
    if high <= low:
        return low
    below = _zero_excess(column, lasso, fused, group, low, out)
    if below <= 0.0:
        return low
    above = _zero_excess(column, lasso, fused, group, high, out)
    kept = 0
    for _ in range(200):
        if high - low <= precision * high:
            break
        middle = high - above * (high - low) / (above - below)
        if not low < middle < high:
            middle = 0.5 * (low + high)
        value = _zero_excess(column, lasso, fused, group, middle, out)
        if value > 0.0:
            low, below = middle, value
            if kept == 1:  # the upper end kept twice: halve its value
                above *= 0.5
            kept = 1
        else:
            high, above = middle, value
            if kept == -1:
                below *= 0.5
            kept = -1
    return high


@numba.njit(cache=True)
def _columns_gauge(values, lasso, fused, group):
    """The largest gauge of a column; a column whose bound is below the largest so far
    is not bisected."""
    column = np.empty(values.shape[0])
    out = np.empty(values.shape[0])
    largest = 0.0
    for j in range(values.shape[1]):
        column[:] = values[:, j]
        largest = max(largest, _column_gauge(column, lasso, fused, group, largest, out,
                                            1e-15))
    return largest


@numba.njit(cache=True)
def _column_gauges(values, lasso, fused, group, precision):
    """The gauge of every column, to the relative ``precision`` (from above)."""
    column = np.empty(values.shape[0])
    out = np.empty(values.shape[0])
    gauges = np.empty(values.shape[1])
    for j in range(values.shape[1]):
        column[:] = values[:, j]
        gauges[j] = _column_gauge(column, lasso, fused, group, 0.0, out, precision)
    return gauges


class FusedSparseGroupLasso(_Ordered, Norm):
    r"""Convex fused sparse group lasso: :math:`\alpha_1\|W\|_1
    + \alpha_f\sum_j\sum_t |W_{t+1,j} - W_{t,j}| + \alpha_g\sum_j \|W_{:,j}\|_2` over the
    tasks in ``order``.

    Parameters
    ----------
    alpha_lasso : float
        :math:`\alpha_1 \ge 0`.
    alpha_fused : float
        :math:`\alpha_f \ge 0`.
    alpha_group : float
        :math:`\alpha_g \ge 0`.
    order : array-like of int, default=None
        The rows of W in temporal order (a permutation); None: the rows' order.

    Notes
    -----
    The penalty is the norm R itself: ``alpha`` is 1 (0 when every weight is 0), the
    dual norm is the gauge of R's dual ball, and the gap is exact at ``l2 = 0``.  With
    :math:`\alpha_1 = \alpha_g = 0` it is a seminorm (the fused lasso alone), whose dual
    norm is infinite off the column sums 0: use
    :class:`~skmtl.penalties.FusedLasso` with ``l2 > 0`` there.  The prox and the dual
    norm run on NumPy (sequential scans per column); other namespaces go through the
    host.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties import FusedSparseGroupLasso
    >>> W = np.array([[1.0], [1.2], [3.0]])
    >>> FusedSparseGroupLasso(0.1, 0.1, 0.0).prox(W, 1.0, np).ravel().round(3)
    array([1. , 1.1, 2.8])
    """

    reference = "fused_sparse_group"

    def __init__(self, alpha_lasso, alpha_fused, alpha_group, order=None):
        self.alpha_lasso = alpha_lasso
        self.alpha_fused = alpha_fused
        self.alpha_group = alpha_group
        self.order = order

    @property
    def alpha(self):
        """The radius of the dual ball: 1 (the weights are inside R), or 0 without any."""
        return 1.0 if max(self.alpha_lasso, self.alpha_fused, self.alpha_group) > 0 else 0.0

    def reference_params(self):
        return {"alpha_lasso": self.alpha_lasso, "alpha_fused": self.alpha_fused,
                "alpha_group": self.alpha_group, **_Ordered.reference_params(self)}

    def value(self, coef, xp):
        ordered, _ = self._host_ordered(coef, xp)
        differences = xp.asarray(np.diff(ordered, axis=0), dtype=coef.dtype, device=coef.device)
        return (self.alpha_lasso * xp.sum(xp.abs(coef))
                + self.alpha_fused * xp.sum(xp.abs(differences))
                + self.alpha_group * xp.sum(xp.linalg.vector_norm(coef, axis=0)))

    def prox(self, coef, step, xp):
        values, order = self._host_ordered(coef, xp)
        fused = np.empty_like(values)
        _columns_prox(values, float(step * self.alpha_fused), fused)
        shrunk = np.sign(fused) * np.maximum(np.abs(fused) - step * self.alpha_lasso, 0.0)
        norms = np.linalg.norm(shrunk, axis=0)
        threshold = step * self.alpha_group
        scale = np.where(norms > threshold, 1.0 - threshold / np.where(norms > 0, norms, 1.0),
                         0.0)
        return self._back(shrunk * scale, order, coef, xp)

    def dual_norm(self, z, xp):
        """The gauge of the dual ball: the least s with prox_{sR}(Z) = 0 (inf when none)."""
        values, _ = self._host_ordered(z, xp)
        if self.alpha_lasso == 0 and self.alpha_group == 0:
            if self.alpha_fused == 0 or np.any(np.sum(values, axis=0) != 0):
                return math.inf if np.any(values != 0) else 0.0
            partial = np.cumsum(values, axis=0)[:-1]
            return float(np.max(np.abs(partial), initial=0.0)) / self.alpha_fused
        return float(_columns_gauge(values, float(self.alpha_lasso), float(self.alpha_fused),
                                    float(self.alpha_group)))

    def coordinate_blocks(self, n_columns):
        """One block per feature column, coupled along the chain
        (:mod:`skmtl.solvers.coordinate_descent`); None for the fused term alone, a
        seminorm without a dual norm."""
        if self.alpha_lasso == 0 and self.alpha_group == 0:
            return None
        return ChainBlocks(np.arange(n_columns, dtype=np.int64), self.order,
                           float(self.alpha_lasso), float(self.alpha_fused),
                           float(self.alpha_group), 0.0, self)

    def column_gauges(self, z):
        """The dual norm of every column of Z (NumPy): the least s with
        prox_{sR}(Z[:, j]) = 0, to the relative :data:`GAUGE_PRECISION` from above (the
        working sets rank by it and screening needs upper bounds; the duality gap uses
        :meth:`dual_norm`, to the rounding)."""
        values, _ = self._host_ordered(z, np)
        return _column_gauges(values, float(self.alpha_lasso), float(self.alpha_fused),
                              float(self.alpha_group), GAUGE_PRECISION)

    def dual_ball_distance_squared(self, z, xp):
        r""":math:`\|\operatorname{prox}_R(Z)\|_F^2` (Moreau's decomposition)."""
        nearest = self.prox(z, 1.0, xp)
        return xp.sum(nearest * nearest)
