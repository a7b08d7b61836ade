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
:math:`V_{tk} \propto \cos(\pi k (t + \tfrac12)/T)` with eigenvalues
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

from .._array_api import to_numpy
from . import Described, Norm
from .fused import _columns_prox, total_variation_prox

#: Newton steps allowed for the secular equation; it converges monotonically.
_SECULAR_STEPS = 200
#: A dual point is shrunk by this factor below the boundary of the conjugate's domain.
_INSIDE = 1.0 - 1e-12


def check_order(order, n_tasks):
    """``order`` as a permutation of ``range(n_tasks)`` (NumPy int64); None: the identity."""
    if order is None:
        return np.arange(n_tasks, dtype=np.int64)
    order = np.asarray(order, dtype=np.int64)
    if order.shape != (n_tasks,) or not np.array_equal(np.sort(order), np.arange(n_tasks)):
        raise ValueError(f"order must be a permutation of range({n_tasks}), got {order!r}.")
    return order


def chain_basis(n_tasks):
    r"""Eigenvalues :math:`2 - 2\cos(\pi k/T)` and orthonormal eigenvectors (columns) of
    the Laplacian of the chain of T nodes (NumPy); the first eigenvalue is exactly 0."""
    k = np.arange(n_tasks)
    values = 2.0 - 2.0 * np.cos(np.pi * k / max(n_tasks, 1))
    vectors = np.cos(np.pi * np.outer(np.arange(n_tasks) + 0.5, k) / max(n_tasks, 1))
    vectors *= math.sqrt(2.0 / max(n_tasks, 1))
    if n_tasks:
        vectors[:, 0] = 1.0 / math.sqrt(n_tasks)
    return values, vectors


def group_minimize(b, a, g, xp):
    r"""Minimize :math:`\sum_k (a_k u_k^2/2 - b_{kj} u_k) + g\|u\|_2` for every column j.

    ``b`` is (K, d), ``a`` (K,) non-negative.  A column is zero when
    :math:`\|b_j\| \le g`; otherwise :math:`u_k = b_k r/(a_k r + g)` with
    :math:`r = \|u\|` the root of the convex decreasing
    :math:`\sum_k b_k^2/(a_k r + g)^2 = 1`, reached by Newton's method from
    :math:`(\|b_j\| - g)/\max_k a_k`, left of the root.  With :math:`g = 0`,
    :math:`u = b/a`.  The caller ensures a root exists (where :math:`a_k = 0`,
    :math:`\sum b_k^2 < g^2` over those k).
    """
    a = a[:, None]
    if g == 0:
        return b / a
    norms = xp.linalg.vector_norm(b, axis=0)
    active = norms > g
    largest = max(float(xp.max(a)), 1e-300)
    radius = xp.where(active, (norms - g) / largest, xp.zeros_like(norms))
    for _ in range(_SECULAR_STEPS):
        denominator = a * radius + g
        ratio = b * b / (denominator * denominator)
        value = xp.sum(ratio, axis=0) - 1.0
        slope = -2.0 * xp.sum(ratio * a / denominator, axis=0)
        moving = active & (value > 0) & (slope < 0)
        step = xp.where(moving, value / xp.where(moving, slope, -xp.ones_like(slope)),
                        xp.zeros_like(slope))
        radius = radius - step
        if not bool(xp.any(-step > 1e-15 * radius)):
            break
    return xp.where(active, b * radius / (a * radius + g), xp.zeros_like(b))


class _Ordered(Described):
    """Rows taken in ``order`` and put back."""

    def _ordered(self, coef, xp):
        order = check_order(self.order, coef.shape[0])
        return xp.take(coef, xp.asarray(order, device=coef.device), axis=0), order

    def _restored(self, values, order, xp):
        inverse = np.argsort(order)
        return xp.take(values, xp.asarray(inverse, device=values.device), axis=0)

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
    exact (module description) and the duality gap is exact at ``l2 = 0``.

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

    def _basis(self, n_tasks, like, xp):
        values, vectors = chain_basis(n_tasks)
        return (xp.asarray(values, dtype=like.dtype, device=like.device),
                xp.asarray(vectors, dtype=like.dtype, device=like.device))

    def value(self, coef, xp):
        ordered, _ = self._ordered(coef, xp)
        differences = ordered[1:, :] - ordered[:-1, :]
        return (self.alpha_group * xp.sum(xp.linalg.vector_norm(coef, axis=0))
                + 0.5 * self.alpha_smooth * xp.sum(differences * differences))

    def prox(self, coef, step, xp):
        ordered, order = self._ordered(coef, xp)
        values, vectors = self._basis(coef.shape[0], coef, xp)
        rotated = xp.matrix_transpose(vectors) @ ordered
        curvature = 1.0 + step * self.alpha_smooth * values
        solution = vectors @ group_minimize(rotated, curvature, step * self.alpha_group, xp)
        return self._restored(solution, order, xp)

    def _rotated(self, z, l2, xp):
        """:math:`V^\\top Z` in order, the eigenvalues of the quadratic, and the kernel's
        share of each column of Z (the norm of its part where the eigenvalue is 0)."""
        ordered, _ = self._ordered(z, xp)
        values, vectors = self._basis(z.shape[0], z, xp)
        rotated = xp.matrix_transpose(vectors) @ ordered
        curvature = self.alpha_smooth * values + l2
        kernel = xp.where((curvature == 0)[:, None], rotated, xp.zeros_like(rotated))
        return rotated, curvature, xp.linalg.vector_norm(kernel, axis=0)

    def conjugate_scale(self, z, l2, xp):
        r"""The largest :math:`\kappa \le 1` with :math:`h^*(\kappa Z) < \infty`."""
        if z.size == 0:
            return 1.0
        largest = float(xp.max(self._rotated(z, l2, xp)[2]))
        if largest <= self.alpha_group * _INSIDE:
            return 1.0
        return _INSIDE * self.alpha_group / largest

    def conjugate(self, z, l2, xp):
        r""":math:`h^*(Z)` of :math:`h = R + \tfrac{l_2}2\|\cdot\|_F^2`:
        :math:`\tfrac12\sum_k a_k u_k^2` per column at the maximizer u (the rotated
        :math:`W^\star`, :math:`a_k = \alpha_s\lambda_k + l_2`); :math:`+\infty` outside
        the domain."""
        if z.size == 0:
            return 0.0
        rotated, curvature, kernel = self._rotated(z, l2, xp)
        if float(xp.max(kernel)) >= self.alpha_group and float(xp.max(kernel)) > 0:
            return math.inf
        if self.alpha_group == 0:  # the kernel's share is 0 here
            free = curvature > 0
            safe = xp.where(free, curvature, xp.ones_like(curvature))
            rotated = xp.where(free[:, None], rotated, xp.zeros_like(rotated))
            return float(0.5 * xp.sum(rotated * rotated / safe[:, None]))
        best = group_minimize(rotated, curvature, self.alpha_group, xp)
        return float(0.5 * xp.sum(curvature[:, None] * best * best))

    def alpha_max(self, gradient, xp):
        r""":math:`\max_j \|G_{:,j}\|_2`: the smallest :math:`\alpha` at which W = 0 is
        optimal (the quadratic terms have no gradient there)."""
        if not gradient.size:
            return 0.0
        return float(xp.max(xp.linalg.vector_norm(gradient, axis=0)))


@numba.njit(cache=True)
def _column_prox(signal, lasso, fused, group, out):
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
def _columns_gauge(values, lasso, fused, group):
    """The largest least s with prox_{sR}(column) = 0, bisected per column (upper end)."""
    n_tasks, n_columns = values.shape
    column = np.empty(n_tasks)
    out = np.empty(n_tasks)
    largest = 0.0
    for j in range(n_columns):
        column[:] = values[:, j]
        norm = math.sqrt(np.sum(column * column))
        if norm == 0.0:
            continue
        high = np.inf
        if lasso > 0.0:
            high = np.max(np.abs(column)) / lasso
        if group > 0.0:
            high = min(high, norm / group)
        if high <= largest:
            continue
        low = largest
        for _ in range(200):
            middle = 0.5 * (low + high)
            _column_prox(column, middle * lasso, middle * fused, middle * group, out)
            if np.any(out != 0.0):
                low = middle
            else:
                high = middle
            if high - low <= 1e-15 * high:
                break
        largest = high
    return largest


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
        ordered, _ = self._ordered(coef, xp)
        differences = ordered[1:, :] - ordered[:-1, :]
        return (self.alpha_lasso * xp.sum(xp.abs(coef))
                + self.alpha_fused * xp.sum(xp.abs(differences))
                + self.alpha_group * xp.sum(xp.linalg.vector_norm(coef, axis=0)))

    def _host_ordered(self, coef, xp):
        values = np.ascontiguousarray(to_numpy(coef, xp), dtype=np.float64)
        order = check_order(self.order, values.shape[0])
        return np.ascontiguousarray(values[order]), order

    def prox(self, coef, step, xp):
        values, order = self._host_ordered(coef, xp)
        fused = np.empty_like(values)
        _columns_prox(values, float(step * self.alpha_fused), fused)
        shrunk = np.sign(fused) * np.maximum(np.abs(fused) - step * self.alpha_lasso, 0.0)
        norms = np.linalg.norm(shrunk, axis=0)
        threshold = step * self.alpha_group
        scale = np.where(norms > threshold, 1.0 - threshold / np.where(norms > 0, norms, 1.0),
                         0.0)
        result = np.empty_like(values)
        result[order] = shrunk * scale
        return xp.asarray(result, dtype=coef.dtype, device=coef.device)

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

    def dual_ball_distance_squared(self, z, xp):
        r""":math:`\|\operatorname{prox}_R(Z)\|_F^2` (Moreau's decomposition)."""
        nearest = self.prox(z, 1.0, xp)
        return xp.sum(nearest * nearest)
