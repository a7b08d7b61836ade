r"""ADMM with exact per-task solves for the norm penalties on sufficient statistics.

Splits :math:`\min_W f(W) + \tfrac{l_2}2\|W\|_F^2 + \alpha R(W)` as :math:`W = Z`:

.. math::

    W^{k+1} &= \arg\min_W f(W) + \tfrac{l_2}2\|W\|^2 + \tfrac\rho2\|W - Z^k + U^k\|^2\\
    Z^{k+1} &= \operatorname{prox}_{\alpha R/\rho}(W^{k+1} + U^k),\qquad
    U^{k+1} = U^k + W^{k+1} - Z^{k+1}.

The W-step is, per task, :math:`(\tau_t G_t + (l_2+\rho) I) w_t = \tau_t c_t + \rho(z_t - u_t)`.
One eigendecomposition of every :math:`G_t`, computed once, makes each
W-step two batched matrix-vector products for any :math:`\rho`, so the
penalty :math:`\rho` adapts by residual balancing (Boyd et al. 2011, §3.4.1)
at no cost; for the trace norm on a plain loss it is instead kept at
:data:`RHO_SIZE` :math:`\alpha/\|Z\|_F`, which took far fewer iterations.  The
iteration on :math:`(Z, U)` is accelerated by safeguarded Anderson mixing
(:mod:`skmtl.solvers.anderson`), restarted whenever :math:`\rho` changes.
Because the W-step is exact, the iteration count does not grow
with the conditioning of the :math:`G_t` the way a gradient method's does
(unscaled features, as in the School data).  The iterate :math:`Z` is
returned and the stopping rule is the same duality gap as FISTA's.
"""

import math
from dataclasses import dataclass

from .._array_api import batched_matvec, clean_eigh
from ..penalties import TraceNorm
from .anderson import AndersonMixing
from .certificates import gap_scale, relative_duality_gap

#: Residual balancing: rho changes by STEP when one residual exceeds the other BALANCE
#: times (5 and 3 took the fewest iterations on the School data over alphas 1e-3..10).
BALANCE = 5.0
STEP = 3.0
#: Residual balancing stops after this many reversals of the direction in which rho
#: moves: ADMM converges for any fixed rho, while balancing can cycle (up, down,
#: up...) and never settle — seen with the L1 norm on unscaled School features, where
#: the gap swung between 4e-3 and 0.5 for 40,000 iterations. Counting reversals, not
#: changes, keeps the adaptation where rho has far to go in one direction.
REVERSALS = 30
#: The trace norm's penalty parameter: rho = RHO_SIZE * alpha / ||W||_F. The fixed
#: penalty parameter that took the fewest iterations was 8 to 28 times alpha / ||W*||_F
#: on the School data (raw and standardized, alphas 1e-3..10), where residual balancing
#: settled up to ten times higher; 20 also served columns scaled over four decades,
#: where 10 was too small.
RHO_SIZE = 20.0
#: Where the starting rho of the trace norm is searched.
RHO_RANGE = (1e-12, 1e12)
#: Memory of the (safeguarded) Anderson acceleration, see :func:`accelerated`.
MEMORY = 5


@dataclass(frozen=True)
class AdmmState:
    """What a warm start reuses: the penalty parameter a solve ended with, and the
    eigendecompositions of the per-task Gram matrices it was computed for."""

    rho: float
    gram: object
    eigenvalues: object
    vectors: object

    def decomposition(self, gram, xp):
        """The stored eigendecomposition if ``gram`` is the same statistics, else None."""
        stored = self.gram
        comparable = type(gram) is type(stored) and tuple(gram.shape) == tuple(stored.shape)
        comparable = comparable and getattr(gram, "device", 0) == getattr(stored, "device", 0)
        same = comparable and bool(xp.all(gram == stored))
        return (self.eigenvalues, self.vectors) if same else None


def _flat(split, dual, xp):
    """The iterate (split Z, scaled dual U) as one flat array."""
    return xp.concat([xp.reshape(split, (-1,)), xp.reshape(dual, (-1,))])


def _balancing_direction(primal_residual, dual_residual):
    """+1 (raise rho), -1 (lower it) or 0, by residual balancing."""
    if primal_residual > BALANCE * dual_residual:
        return 1
    if dual_residual > BALANCE * primal_residual:
        return -1
    return 0


def admm(loss, penalty, l2, coef, tol, max_iter, xp, check_every=10, state=None, memory=None):
    """Solve the norm-penalized problem on a :class:`~skmtl.losses.GramSquaredLoss`.

    Parameters
    ----------
    loss : GramSquaredLoss, or StackedLoss over one
        A stacked loss (the split models) brings its own W step, ``proximal_step``,
        built on the one of the loss it stacks.
    penalty : TraceNorm, JointFeatureNorm or any norm with a prox
    l2 : float
    coef : array of shape (T, d)
        Starting point.
    tol : float
        Stop when the duality gap is at most ``tol`` times the objective at W = 0.
    max_iter : int
    xp : namespace
    check_every : int
        Iterations between two gap evaluations (and penalty updates).
    state : AdmmState, default=None
        A previous solve's end (a warm start along a path): its penalty parameter,
        and its eigendecompositions when the statistics are the same.  None: the
        penalty parameter starts at the geometric mean of the largest and the mean
        curvature.  The trace norm on a plain loss ignores both: its penalty
        parameter is :data:`RHO_SIZE` alpha / ||W||_F, from ``coef`` or
        (``coef`` = 0) from a ridge solution (:func:`_trace_norm_rho`), and follows
        the size of the iterate Z where it moves by more than :data:`STEP`.
    memory : int, default=None
        Positive: Anderson acceleration
        (:class:`~skmtl.solvers.anderson.AndersonMixing`) of the iteration on the
        split and scaled dual variables, with this memory, restarted whenever the
        penalty parameter changes.  0: plain ADMM.  None: :data:`MEMORY` for the
        trace norm and for a stacked loss (where it was measured), else 0.

    Returns
    -------
    coef, n_iter, relative_gap, state
    """
    scale = loss.task_scale
    decomposition = None if state is None else state.decomposition(loss.gram, xp)
    eigenvalues, vectors = decomposition or clean_eigh(loss.gram, xp)
    curvature = scale[:, None] * eigenvalues  # (T, d)
    transposed = xp.matrix_transpose(vectors)
    rhs_data = scale[:, None] * loss.linear
    stacked_step = getattr(loss, "proximal_step", None)
    # The trace norm on a plain loss sets rho from the size of W (see _trace_norm_rho).
    by_size = stacked_step is None and isinstance(penalty, TraceNorm) and penalty.alpha > 0
    if memory is None:
        memory = MEMORY if accelerated(loss, penalty) else 0
    top = float(xp.max(curvature))
    rho = math.sqrt(top * float(xp.mean(curvature[curvature > 0]))) if top > 0 else 1.0
    ceiling = rho  # the curvature's scale bounds the trace norm's rho
    if by_size:
        rotated_data = batched_matvec(transposed, rhs_data, xp)
        rho = _trace_norm_rho(penalty.alpha, coef, curvature, rotated_data, l2, ceiling, xp)
    elif state is not None:
        rho = state.rho
    rho = max(rho, l2, 1e-12)

    def solve(target, weight):
        """Per task, the minimizer of f + l2/2·||W||² + weight/2·||W - target||²."""
        rotated = batched_matvec(transposed, rhs_data + weight * target, xp)
        return batched_matvec(vectors, rotated / (curvature + (l2 + weight)), xp)

    scale_of_gap = gap_scale(loss, coef, xp)
    split = coef
    dual = -(loss.gradient(split) + l2 * split) / rho
    relative_gap = math.inf
    n_iter = last_direction = reversals = 0
    mixing = AndersonMixing(memory, xp) if memory > 0 else None
    shape, size = tuple(split.shape), math.prod(split.shape)
    point = (split, dual)  # the iterate; with mixing, an extrapolation of (split, dual)
    for n_iter in range(1, max_iter + 1):
        previous, previous_dual = point
        target = previous - previous_dual
        primal = solve(target, rho) if stacked_step is None else stacked_step(solve, target, rho)
        split = penalty.prox(primal + previous_dual, 1.0 / rho, xp)
        dual = previous_dual + primal - split
        point = (split, dual)
        if mixing is not None:
            mixed = mixing(_flat(previous, previous_dual, xp), _flat(split, dual, xp))
            point = (xp.reshape(mixed[:size], shape), xp.reshape(mixed[size:], shape))
        if n_iter % check_every == 0 or n_iter == max_iter:
            relative_gap = relative_duality_gap(loss, penalty, l2, split, xp, scale_of_gap)
            if relative_gap <= tol:
                break
            if reversals == REVERSALS:
                continue
            if by_size:
                size_of_split = float(xp.linalg.vector_norm(split))
                wanted = (min(RHO_SIZE * float(penalty.alpha) / size_of_split, ceiling)
                          if size_of_split > 0 else rho)
                factor = max(wanted, l2, 1e-12) / rho
                direction = int(factor > STEP) - int(factor < 1.0 / STEP)
            else:
                primal_residual = float(xp.linalg.vector_norm(primal - split))
                dual_residual = rho * float(xp.linalg.vector_norm(split - previous))
                direction = _balancing_direction(primal_residual, dual_residual)
                factor = STEP**direction
            if direction:
                reversals += direction == -last_direction
                rho, dual, last_direction = factor * rho, dual / factor, direction
                point = (split, dual)
                if mixing is not None:
                    mixing.reset()
    return split, n_iter, relative_gap, AdmmState(rho, loss.gram, eigenvalues, vectors)


def accelerated(loss, penalty):
    """Whether ADMM is accelerated by default, and preferred to a FISTA start: the trace
    norm, and the stacked losses of the split models."""
    return isinstance(penalty, TraceNorm) or hasattr(loss, "proximal_step")


def _trace_norm_rho(alpha, coef, curvature, rotated_data, l2, fallback, xp):
    r"""Starting penalty parameter for the trace norm: :data:`RHO_SIZE` alpha / ||W||_F.

    With ``coef`` = 0, the size of W is that of the ridge solution
    :math:`W_\rho = (\tau_t G_t + (l_2 + \rho) I)^{-1}\tau_t c_t` at the penalty
    parameter itself: the root, bisected on a log scale to a factor 1.5, of
    :math:`\rho\|W_\rho\|_F = c\,\alpha` with :math:`c` = :data:`RHO_SIZE`, whose left
    side increases with :math:`\rho` (``rotated_data`` holds :math:`V_t^\top\tau_t c_t`,
    so each evaluation is elementwise).  From a nonzero ``coef``, its own size.  At most
    ``fallback`` (the geometric mean of the largest and the mean curvature), and ``fallback`` where
    there is no root in :data:`RHO_RANGE` (alpha so large that W is small, which the
    updates of :func:`admm` then measure).
    """
    wanted = RHO_SIZE * float(alpha)
    size = float(xp.linalg.vector_norm(coef))
    if size > 0:
        return min(wanted / size, fallback)
    squares = rotated_data**2

    def excess(rho):
        return rho * math.sqrt(float(xp.sum(squares / (curvature + (l2 + rho)) ** 2))) - wanted

    if excess(RHO_RANGE[1]) < 0 or excess(RHO_RANGE[0]) > 0:
        return fallback
    low, high = RHO_RANGE
    while high > 1.5 * low:  # bisection on log rho
        middle = math.sqrt(low * high)
        low, high = (middle, high) if excess(middle) < 0 else (low, middle)
    return min(math.sqrt(low * high), fallback)
