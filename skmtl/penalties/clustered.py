r"""The convex clustered multi-task penalty (Zhou, Chen & Ye 2011) and its M step.

The penalty on W (T, d) is a partial minimum over a task matrix M (T×T):

.. math::

    \Omega(W) = \min_{M \in \mathcal M_k}
                c\,\operatorname{tr}\!\big(W^\top (\eta I + M)^{-1} W\big),
    \qquad c = \alpha\eta(1 + \eta),\quad \eta = l_2/\alpha,

    \mathcal M_k = \{M : \operatorname{tr} M = k,\ 0 \preceq M \preceq I\}.

With :math:`WW^\top = U\operatorname{diag}(\sigma^2)U^\top` the minimizing M is
:math:`U\operatorname{diag}(m)U^\top` where m minimizes
:math:`\sum_i \sigma_i^2/(\eta + m_i)` over the capped simplex
:math:`\{\sum_i m_i = k,\ 0 \le m_i \le 1\}` (:func:`capped_simplex_weights`).
With M fixed the penalty is the quadratic :math:`\tfrac12\operatorname{tr}(W^\top Q W)`,
:math:`Q = 2c(\eta I + M)^{-1}` (:func:`clustered_coupling`), whose gradient QW is,
by Danskin's theorem, the gradient of :math:`\Omega` at W when M is the minimizer.
"""

from . import QuadraticPenalty
from .spectral import SpectralTaskMatrix


def capped_simplex_weights(singular, eta, k, xp, n_tasks=None):
    r"""Minimize :math:`\sum_i \sigma_i^2/(\eta + m_i)` over the capped simplex.

    The capped simplex is :math:`\{m : \sum_i m_i = k,\ 0 \le m_i \le 1\}`, over
    ``n_tasks`` values of which the last ``n_tasks - len(singular)`` are zero and
    not given (the null space of :math:`WW^\top` when T > d).

    The optimality conditions give :math:`m_i = \operatorname{clip}(\sigma_i\theta - \eta, 0, 1)`
    for one :math:`\theta = 1/\sqrt\nu \ge 0` (ν the multiplier of the sum).  The sum is
    continuous, non-decreasing and piecewise linear in θ with knots
    :math:`\eta/\sigma_i` and :math:`(1 + \eta)/\sigma_i`: it is evaluated at every
    knot and θ interpolated exactly between the two knots that bracket k (ties
    included).  When at most k of the :math:`\sigma_i` are positive, those get
    :math:`m_i = 1` and the rest of the trace is spread evenly over the others,
    which do not change the objective.

    Parameters
    ----------
    singular : array of shape (p,)
        :math:`\sigma_i \ge 0`.
    eta : float
        :math:`\eta > 0`.
    k : int
        The trace, :math:`1 \le k \le T`.
    xp : namespace
    n_tasks : int, default=None
        T, at least p (None: p).

    Returns
    -------
    m : array of shape (p,)
    rest : float
        The common weight of the ``n_tasks - p`` zero values not given.
    """
    size = singular.shape[0]
    n_tasks = size if n_tasks is None else n_tasks
    positive = singular > 0
    count = int(xp.count_nonzero(positive))
    if count <= k:
        rest = (k - count) / (n_tasks - count) if n_tasks > count else 0.0
        return xp.where(positive, xp.ones_like(singular), xp.full_like(singular, rest)), rest
    safe = xp.where(positive, singular, xp.ones_like(singular))
    # Knots of zero singular values are put at 0, where the sum is 0 anyway.
    lower = xp.where(positive, eta / safe, xp.zeros_like(singular))
    upper = xp.where(positive, (1.0 + eta) / safe, xp.zeros_like(singular))
    knots = xp.sort(xp.concat([lower, upper]))

    def weights(theta):
        return xp.clip(singular * theta - eta, min=0.0, max=1.0)

    totals = xp.sum(weights(knots[:, None]), axis=1)
    above = int(xp.count_nonzero(totals < k))  # the first knot whose total reaches k
    low, high = float(knots[above - 1]), float(knots[above])
    total_low, total_high = float(totals[above - 1]), float(totals[above])
    theta = low + (k - total_low) * (high - low) / (total_high - total_low)
    return weights(theta), 0.0


def task_similarity(coef, eta, n_clusters, xp):
    r"""The M step: the minimizing :math:`M \in \mathcal M_k`, :math:`k = \min(n_{clusters}, T)`.

    From the thin SVD :math:`W = U\operatorname{diag}(\sigma)V^\top`: M shares U with
    :math:`WW^\top`, and all directions orthogonal to U (the null space when T > d)
    get one weight.  Squared singular values below T·eps times the largest are
    rounding noise and count as zero (at W = 0, :math:`M = (k/T) I`).

    Parameters
    ----------
    coef : array of shape (T, d)
    eta : float
        :math:`\eta = l_2/\alpha > 0`.
    n_clusters : int
    xp : namespace

    Returns
    -------
    similarity : SpectralTaskMatrix
        M, symmetric with eigenvalues in [0, 1] summing to k.
    """
    n_tasks = coef.shape[0]
    k = min(n_clusters, n_tasks)
    vectors, singular, _ = xp.linalg.svd(coef, full_matrices=False)
    noise = n_tasks * float(xp.finfo(singular.dtype).eps) * float(xp.max(singular)) ** 2
    singular = xp.where(singular**2 > noise, singular, xp.zeros_like(singular))
    weights, rest = capped_simplex_weights(singular, eta, k, xp, n_tasks)
    return SpectralTaskMatrix(vectors, weights, rest)


def clustered_coupling(similarity, alpha, l2):
    r"""Q of the penalty with M fixed: :math:`Q = 2\alpha\eta(1 + \eta)(\eta I + M)^{-1}`.

    So that :math:`\tfrac12\operatorname{tr}(W^\top Q W)
    = \alpha\eta(1 + \eta)\operatorname{tr}(W^\top(\eta I + M)^{-1}W)`.
    The eigenvalues of :math:`\eta I + M` lie in :math:`[\eta, 1 + \eta]`.
    """
    eta = l2 / alpha
    scale = 2.0 * alpha * eta * (1.0 + eta)
    return similarity.map(lambda value: scale / (eta + value))


class ClusteredPenalty:
    r"""The clustered penalty :math:`\Omega` as the quadratic it is for M = M(W).

    Parameters
    ----------
    alpha, l2 : float
        :math:`\alpha > 0`, :math:`l_2 > 0`.
    n_clusters : int
        k is :math:`\min(n_{clusters}, T)`.
    """

    def __init__(self, alpha, l2, n_clusters):
        self.alpha = alpha
        self.l2 = l2
        self.n_clusters = n_clusters

    @property
    def eta(self):
        return self.l2 / self.alpha

    def similarity(self, coef, xp):
        """M(W), the minimizing task matrix."""
        return task_similarity(coef, self.eta, self.n_clusters, xp)

    def quadratic_at(self, coef, xp):
        """The QuadraticPenalty of M = M(W): its value and gradient at W are Ω(W) and ∇Ω(W)."""
        coupling = clustered_coupling(self.similarity(coef, xp), self.alpha, self.l2)
        return QuadraticPenalty(spectral=coupling)
