r"""Penalties on the coefficient matrix W (T, d), one small object each.

A penalty is the one extension point of the linear models: an object with
``value(W, xp)`` and ``prox(W, step, xp)`` fits with
:class:`~skmtl.PenalizedRegressor` and :class:`~skmtl.PenalizedClassifier`
(see the contributor guide).  The norms below also give their dual norm (an
exact duality gap at ``l2 = 0``), ``alpha_max`` (the top of a regularization
path) and, where they separate over the feature columns, the blocks of
coordinate descent.

Quadratic couplings (shared parameter, mean and graph regularization) are all
:math:`\tfrac12 \operatorname{tr}(W^\top Q W)` for a T×T positive semidefinite
matrix Q; :func:`mean_coupling`, :func:`shared_parameter_coupling` and
:func:`graph_coupling` build it.  The non-smooth norms expose the operations an
accelerated proximal gradient method and its duality gap need: ``value``,
``prox`` and the dual norm with the distance to its ball.
"""

import numpy as np

from .blocks import CoordinateBlocks

__all__ = [
    "FusedLasso", "FusedSparseGroupLasso", "JointFeatureNorm", "L1Norm", "TemporalGroupLasso",
    "TraceNorm",
]


def mean_coupling(alpha, l2, n_tasks):
    r"""Q of :math:`\tfrac\alpha2 \sum_t \|w_t - \bar w\|^2 + \tfrac{l_2}2 \|W\|_F^2`.

    Returns ``(a, b)`` with :math:`Q = a I - b \mathbf 1 \mathbf 1^\top`:
    :math:`a = \alpha + l_2`, :math:`b = \alpha / T`.
    """
    return alpha + l2, alpha / n_tasks


def shared_parameter_coupling(alpha_shared, alpha_task, n_tasks):
    r"""Q of the shared-parameter penalty after minimizing over :math:`w_0`.

    :math:`\min_{w_0} \tfrac{\alpha_0}2\|w_0\|^2 + \tfrac{\alpha_v}2\|W - \mathbf 1 w_0^\top\|_F^2`
    is reached at :math:`w_0 = \alpha_v \sum_t w_t / (\alpha_0 + T\alpha_v)` and equals
    :math:`\tfrac12 \operatorname{tr}(W^\top Q W)` with
    :math:`Q = \alpha_v I - \frac{\alpha_v^2}{\alpha_0 + T\alpha_v} \mathbf 1 \mathbf 1^\top`.
    That is the mean-regularized penalty with
    :math:`\alpha = T\alpha_v^2/(\alpha_0 + T\alpha_v)` and
    :math:`l_2 = \alpha_0\alpha_v/(\alpha_0 + T\alpha_v)`.

    Returns ``(a, b)`` with :math:`Q = a I - b \mathbf 1 \mathbf 1^\top`.
    """
    denominator = alpha_shared + n_tasks * alpha_task
    if denominator == 0:
        return 0.0, 0.0
    return alpha_task, alpha_task**2 / denominator


def shared_component(coef, alpha_shared, alpha_task, xp):
    r"""The minimizing :math:`w_0 = \alpha_v \sum_t w_t / (\alpha_0 + T\alpha_v)`."""
    n_tasks = coef.shape[0]
    denominator = alpha_shared + n_tasks * alpha_task
    if denominator == 0:
        return xp.zeros(coef.shape[1], dtype=coef.dtype, device=coef.device)
    return alpha_task * xp.sum(coef, axis=0) / denominator


def check_task_graph(task_graph, n_tasks, task_labels=()):
    """``task_graph`` as a float array, checked: (T, T), finite, non-negative, symmetric."""
    graph = np.asarray(task_graph, dtype=np.float64)
    if graph.shape != (n_tasks, n_tasks):
        raise ValueError(
            f"task_graph must be of shape ({n_tasks}, {n_tasks}) for the {n_tasks} tasks "
            f"{list(task_labels)[:20]}, got {graph.shape}."
        )
    if not np.all(np.isfinite(graph)) or np.any(graph < 0):
        raise ValueError("task_graph must be finite and non-negative.")
    if not np.allclose(graph, graph.T):
        raise ValueError("task_graph must be symmetric.")
    return graph


def graph_laplacian(task_graph):
    """Laplacian D - A of a symmetric non-negative adjacency matrix (NumPy)."""
    adjacency = np.asarray(task_graph, dtype=np.float64)
    adjacency = adjacency - np.diag(np.diag(adjacency))
    return np.diag(adjacency.sum(axis=1)) - adjacency


def graph_coupling(alpha, l2, task_graph):
    r"""Q of :math:`\tfrac\alpha2 \sum_{s<t} A_{st}\|w_s - w_t\|^2 + \tfrac{l_2}2\|W\|_F^2`.

    Since :math:`\sum_{s<t} A_{st}\|w_s - w_t\|^2 = \operatorname{tr}(W^\top L W)` with
    the Laplacian :math:`L = D - A`, :math:`Q = \alpha L + l_2 I` (NumPy, T×T).
    """
    laplacian = graph_laplacian(task_graph)
    return alpha * laplacian + l2 * np.eye(laplacian.shape[0])


def _centred(coef, xp):
    """W minus its mean row."""
    return coef - xp.mean(coef, axis=0, keepdims=True)


class QuadraticPenalty:
    r""":math:`\tfrac12 \operatorname{tr}(W^\top Q W)` for a PSD coupling Q (T×T).

    Built from exactly one of: a dense Q (``coupling``, NumPy or any namespace);
    ``rank_one=(a, b)`` for :math:`Q = aI - b\mathbf 1\mathbf 1^\top`; or
    ``spectral``, Q as its eigenvectors and eigenvalues
    (:class:`~skmtl.penalties.spectral.SpectralTaskMatrix`).  The last two never
    need a dense T×T matrix, so that many tasks stay cheap.
    """

    def __init__(self, coupling=None, rank_one=None, spectral=None):
        if sum(given is not None for given in (coupling, rank_one, spectral)) != 1:
            raise ValueError("Give exactly one of coupling, rank_one and spectral.")
        self.coupling = coupling
        self.rank_one = rank_one
        self.spectral = spectral

    def on(self, xp, dtype, device):
        """The same penalty with its arrays moved to namespace ``xp``."""
        if self.coupling is not None:
            return QuadraticPenalty(xp.asarray(self.coupling, dtype=dtype, device=device))
        if self.spectral is not None:
            return QuadraticPenalty(spectral=self.spectral.on(xp, dtype, device))
        return self

    def gradient(self, coef, xp):
        """:math:`QW`."""
        if self.rank_one is not None:
            identity, centred = self._rank_one_parts(coef.shape[0])
            return identity * coef + centred * _centred(coef, xp)
        if self.spectral is not None:
            return self.spectral.matmul(coef, xp)
        return self.coupling @ coef

    def value(self, coef, xp):
        if self.rank_one is not None:
            # Not W'QW: its two terms are about a·‖W‖² each and cancel when the tasks
            # are pulled together, losing the value (and line searches) to rounding.
            identity, centred = self._rank_one_parts(coef.shape[0])
            return 0.5 * (identity * xp.sum(coef**2) + centred * xp.sum(_centred(coef, xp)**2))
        return 0.5 * xp.sum(coef * self.gradient(coef, xp))

    def _rank_one_parts(self, n_tasks):
        r""":math:`aI - b\mathbf 1\mathbf 1^\top = (a - bT) I + bT C`, C the centring projector."""
        a, b = self.rank_one
        return a - b * n_tasks, b * n_tasks

    def diagonal(self, n_tasks, xp, dtype, device):
        """The diagonal of Q, shape (T,)."""
        if self.rank_one is not None:
            a, b = self.rank_one
            return xp.full((n_tasks,), a - b, dtype=dtype, device=device)
        if self.spectral is not None:
            return self.spectral.diagonal(xp)
        return xp.linalg.diagonal(self.coupling)

    def eigenvalue_range(self, n_tasks, xp):
        """Smallest and largest eigenvalue of Q (floats)."""
        if self.rank_one is not None:
            a, b = self.rank_one
            values = (a - b * n_tasks, a) if n_tasks > 1 else (a - b,)
            return min(values), max(values)
        if self.spectral is not None:
            return self.spectral.eigenvalue_range()
        eigenvalues = xp.linalg.eigvalsh(self.coupling)
        return float(xp.min(eigenvalues)), float(xp.max(eigenvalues))


class Described:
    """A penalty that shows its parameters: ``L1Norm(alpha=0.1)``, in an estimator's repr."""

    def __repr__(self):
        arguments = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({arguments})"


class Norm(Described):
    r"""What every norm penalty :math:`\alpha R(W)` shares: with ``dual_norm`` the
    (unweighted) dual norm :math:`R^\circ`, the smallest alpha at which W = 0 is optimal.

    A penalty that names its entry of the cvxpy reference (``reference``, a key of
    :data:`~skmtl.solvers.reference_penalties.FORMULATIONS`) and its parameters
    there (``reference_params``) can be fitted with ``solver='cvxpy'``.
    """

    reference = None

    def reference_params(self):
        return {"alpha": self.alpha}

    def alpha_max(self, gradient, xp):
        r""":math:`R^\circ(\nabla L(0))`: W = 0 is optimal iff
        :math:`-\nabla L(0) \in \alpha\,\partial R(0) = \{R^\circ \le \alpha\}`."""
        return float(self.dual_norm(gradient, xp)) if gradient.size else 0.0


class TraceNorm(Norm):
    r"""Nuclear norm :math:`\alpha\|W\|_*`; prox by singular value thresholding.

    Parameters
    ----------
    alpha : float
        :math:`\alpha \ge 0`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties import TraceNorm
    >>> W = np.diag([3.0, 1.0])
    >>> TraceNorm(0.5).prox(W, 1.0, np)
    array([[2.5, 0. ],
           [0. , 0.5]])
    """

    reference = "trace"

    def __init__(self, alpha):
        self.alpha = alpha

    def value(self, coef, xp):
        return self.alpha * xp.sum(xp.linalg.svdvals(coef))

    def prox(self, coef, step, xp):
        u, s, vt = xp.linalg.svd(coef, full_matrices=False)
        shrunk = xp.clip(s - step * self.alpha, min=0.0)
        return (u * shrunk) @ vt

    def dual_norm(self, z, xp):
        """Spectral norm, the dual of the nuclear norm."""
        return xp.max(xp.linalg.svdvals(z))

    def dual_ball_distance_squared(self, z, xp):
        r"""Squared distance of z to :math:`\{\|Z\|_2 \le \alpha\}`."""
        s = xp.linalg.svdvals(z)
        return xp.sum(xp.clip(s - self.alpha, min=0.0) ** 2)


class GroupNorm(Norm):
    r""":math:`\alpha\sum_g \|W_g\|_2` over the groups of one axis; prox by group
    soft thresholding.

    ``axis = 0`` makes the columns the groups (one per feature, across tasks),
    ``axis = 1`` the rows (one per task, across features).
    """

    axis = 0

    def __init__(self, alpha):
        self.alpha = alpha

    def _norms(self, coef, xp):
        return xp.linalg.vector_norm(coef, axis=self.axis)

    def value(self, coef, xp):
        return self.alpha * xp.sum(self._norms(coef, xp))

    def prox(self, coef, step, xp):
        norms = self._norms(coef, xp)
        threshold = step * self.alpha
        safe = xp.where(norms > threshold, norms, xp.ones_like(norms))
        scale = xp.where(norms > threshold, 1.0 - threshold / safe, xp.zeros_like(norms))
        return coef * xp.expand_dims(scale, axis=self.axis)

    def dual_norm(self, z, xp):
        """Largest group norm, the dual of the group norm."""
        return xp.max(self._norms(z, xp))

    def dual_ball_distance_squared(self, z, xp):
        return xp.sum(xp.clip(self._norms(z, xp) - self.alpha, min=0.0) ** 2)


class JointFeatureNorm(GroupNorm):
    r"""L2,1 norm :math:`\alpha\sum_j \|W_{:,j}\|_2` (one group per feature, across tasks).

    Parameters
    ----------
    alpha : float
        :math:`\alpha \ge 0`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties import JointFeatureNorm
    >>> W = np.array([[3.0, 0.1], [4.0, 0.1]])
    >>> JointFeatureNorm(1.0).prox(W, 1.0, np)
    array([[2.4, 0. ],
           [3.2, 0. ]])
    """

    reference = "joint_feature"

    axis = 0

    def coordinate_blocks(self, n_columns):
        """One group block per column (:mod:`skmtl.solvers.coordinate_descent`)."""
        return CoordinateBlocks.uniform(n_columns, group=self.alpha)


class OnFeatures:
    r"""A penalty on the feature columns of :math:`\Theta = [W \mid b]`; intercepts are free.

    Parameters
    ----------
    penalty : QuadraticPenalty, TraceNorm or JointFeatureNorm
    n_features : int
        d, the number of leading columns of :math:`\Theta` that hold W.
    """

    def __init__(self, penalty, n_features):
        self.penalty = penalty
        self.n_features = n_features

    def features(self, theta):
        return theta[:, :self.n_features]

    def _with_features(self, coef, theta, xp):
        if theta.shape[1] == self.n_features:
            return coef
        return xp.concat([coef, xp.zeros_like(theta[:, self.n_features:])], axis=1)

    def value(self, theta, xp):
        return self.penalty.value(self.features(theta), xp)

    def gradient(self, theta, xp):
        """Gradient of a quadratic penalty, zero on the intercepts."""
        return self._with_features(self.penalty.gradient(self.features(theta), xp), theta, xp)

    def prox(self, theta, step, xp):
        """Prox of a norm on W; the intercepts pass unchanged."""
        shrunk = self.penalty.prox(self.features(theta), step, xp)
        if theta.shape[1] == self.n_features:
            return shrunk
        return xp.concat([shrunk, theta[:, self.n_features:]], axis=1)

    def diagonal(self, n_tasks, width, xp, dtype, device):
        """Diagonal of a quadratic penalty's Hessian, laid out like theta: (T, p)."""
        diagonal = self.penalty.diagonal(n_tasks, xp, dtype, device)
        mask = xp.asarray(
            [1.0] * self.n_features + [0.0] * (width - self.n_features), dtype=dtype, device=device
        )
        return diagonal[:, None] * mask[None, :]


from .fused import FusedLasso  # noqa: E402  (they build on the classes above)
from .sparse import L1Norm  # noqa: E402
from .temporal import FusedSparseGroupLasso, TemporalGroupLasso  # noqa: E402
