r"""Working-set block coordinate descent for penalties that separate over feature columns.

Minimizes

.. math::  P(V) = f(W(V)) + \tfrac{l_2}2\|V\|_F^2
           + \sum_b \big(\lambda_{1,b}\|V_{:,b}\|_1 + \lambda_{2,b}\|V_{:,b}\|_2\big),
           \qquad W_{:,f} = \sum_{b:\,\phi(b) = f} V_{:,b},

for a squared loss f held as per-task statistics or as rows.  Block b is a column
of V (one value per task) acting on feature column :math:`\phi(b)` of W.  The
lasso (:math:`\lambda_2 = 0`), the L2,1 norm (:math:`\lambda_1 = 0`), their sum
(the sparse group lasso) and the dirty model (two blocks per feature) are all of
this form: a penalty says which by :meth:`coordinate_blocks` (a
:class:`CoordinateBlocks`), and the solver knows nothing else about it.

**Block updates** are exact: the data term's Hessian restricted to a column of W
is diagonal over the tasks, so each update minimizes the block penalty plus a
separable quadratic (:func:`~skmtl.solvers._coordinate_kernels.block_minimize`).
Every block gets its own curvature, so the scaling of the columns does not slow
the method, unlike a gradient step along the worst-scaled column.

**Working sets** (Johnson & Guestrin 2015; Massias, Gramfort & Salmon 2018): the
blocks whose dual constraint :math:`\gamma_b(Z_b) \le 1` is most violated, with
:math:`Z = -\nabla_V f` and :math:`\gamma_b` the gauge of the block's dual ball,
join the non-zero blocks; epochs run on that set until its own duality gap is
below a fraction of the full problem's, then the set grows (at least twice the
support) until the **duality gap of the full problem** is below ``tol`` times the
objective at zero, the certificate of every norm solver of the package
(:mod:`skmtl.solvers.certificates`).

**Gap-safe screening** (Ndiaye, Fercoq, Gramfort & Salmon 2017): the dual function
:math:`D(\theta) = \langle\theta, y\rangle_\omega - \tfrac12\|\theta\|_\omega^2 - h^*(Z(\theta))`
is 1-strongly concave in the weighted norm of the rows, so a gap G at the dual
point :math:`\theta = \kappa r` puts the dual optimum within :math:`\sqrt{2G}` of
it, and :math:`|Z_{tf}(\theta) - Z_{tf}(\theta^\star)| \le \sqrt{2G h_{tf}}`
(:math:`h_{tf} = \tau_t (G_t)_{ff}`, Cauchy–Schwarz per task).  The dual ball of a
block contains the Euclidean ball of radius :math:`\lambda_{1,b} + \lambda_{2,b}`,
so a block with

.. math::  \gamma_b(\kappa Z_b)
           + \frac{\sqrt{2G\max_t h_{t\phi(b)}}}{\lambda_{1,b} + \lambda_{2,b}} < 1

is zero at the optimum and is discarded for good.

**Column-coupled blocks** (:class:`~skmtl.penalties.blocks.ChainBlocks`: the temporal
group lasso and the fused sparse group lasso) are the feature columns of W, their tasks
coupled along a chain by the penalty; their updates are in
:mod:`skmtl.solvers._chain_kernels`.  The duality gap is the penalty's own
(:func:`~skmtl.solvers.certificates.best_dual_value`: its conjugate, or its dual norm),
at the dual point :math:`\kappa r` of the best :math:`\kappa` found there.  The working
sets and screening take :math:`\gamma_b` from the penalty's ``column_gauges``: a
positively homogeneous quantity below 1 at the dual optimum only where the column is
zero at the optimum, and at most :math:`\|Z_b\|/(\lambda_{1} + \lambda_{g})`, so
that the rule above holds with :math:`\lambda_{2,b} = \lambda_g`: for the temporal
group lasso :math:`\|Z_b\|/\lambda_g` (at the optimum a non-zero column has
:math:`Z_b = Mw + \lambda_g w/\|w\|`, M the positive semidefinite quadratic part,
so :math:`\|Z_b\| \ge \lambda_g`), for the fused sparse group lasso the column's dual
norm (whose unit ball contains the Euclidean ball of radius
:math:`\lambda_1 + \lambda_g`, as :math:`\|v\|_1 \ge \|v\|_2`).  The Newton steps on
the support run for the temporal group lasso (smooth there) with the chain's quadratic
in the Hessian, not for the fused sparse group lasso.

**Anderson extrapolation** (Bertrand & Massias 2021) of the last epochs' iterates
on the working set is kept only when it lowers the objective.

**Newton steps on the support** (:mod:`skmtl.solvers._support_newton`) take over
where the epochs are slow once the pattern of non-zeros has settled (strongly
correlated columns), and polish the solution when ``tol`` asks for about the
rounding error.
"""

from dataclasses import dataclass, field

import numpy as np

from ..penalties.blocks import ChainBlocks, CoordinateBlocks
from ..penalties.temporal import check_order
from ._coordinate_kernels import column_gauges
from ._coordinate_layouts import feature_count, layout_of
from ._support_newton import (
    CG_REDUCTION,
    POLISH_REDUCTION,
    block_preconditioned,
    free_pattern,
    newton_step,
)
from .certificates import best_dual_value

#: Smallest working set, in blocks.
FIRST_WORKING_SET = 10
#: The working set's own gap must fall below this fraction of the full problem's.
INNER_FRACTION = 0.3
#: Epochs between two checks of the working set's gap, and between extrapolations.
EPOCHS_PER_CHECK = 5
#: A tolerance at most this asks for about the rounding error: the solve then ends with a
#: Newton step on the support (see ``_SupportNewton.final``).
POLISH_BELOW = 1e-10
#: The epochs are slow, and a Newton step on the support is tried, when a check finds
#: the working set's gap above this fraction of the previous check's.
SLOW = 0.1


def has_coordinate_blocks(penalty):
    """Whether ``penalty`` separates over feature columns (block coordinate descent applies)."""
    return getattr(penalty, "coordinate_blocks", None) is not None and (
        penalty.coordinate_blocks(1) is not None)


def collapse(V, blocks, n_features):
    r""":math:`W_{:,f} = \sum_{b \to f} V_{:,b}`.

    Every feature has a block (else it would never be updated), so as many blocks as
    features means one block per feature: a plain scatter, without ``np.add.at``.
    """
    if blocks.feature.shape[0] == n_features:
        W = np.empty((V.shape[0], n_features))
        W[:, blocks.feature] = V
        return W
    W = np.zeros((V.shape[0], n_features))
    np.add.at(W, (slice(None), blocks.feature), V)
    return W


# ------------------------------------------------------------ certificates
def _penalty_value(V, blocks, l2):
    if isinstance(blocks, ChainBlocks):
        return float(0.5 * l2 * np.sum(V * V) + blocks.penalty.value(V, np))
    # zero blocks add nothing: with 10⁵ features the support is a small part of V
    columns = np.flatnonzero(np.any(V, axis=0))
    part = V[:, columns]
    return float(0.5 * l2 * np.sum(part * part)
                 + np.sum(blocks.l1[columns] * np.sum(np.abs(part), axis=0))
                 + np.sum(blocks.group[columns] * np.linalg.norm(part, axis=0)))


def _ball_distance_squared(Z, blocks):
    r""":math:`\sum_b \operatorname{dist}^2(Z_b, \lambda_{1,b}B_\infty + \lambda_{2,b}B_2)
    = \sum_b \max(\|\operatorname{soft}(Z_b, \lambda_{1,b})\| - \lambda_{2,b}, 0)^2`."""
    soft = np.maximum(np.abs(Z) - blocks.l1, 0.0)
    return float(np.sum(np.maximum(np.linalg.norm(soft, axis=0) - blocks.group, 0.0) ** 2))


@dataclass
class _Gap:
    gap: float
    kappa: float
    gauges: np.ndarray = field(repr=False)


def _duality_gap(layout, V, blocks, l2, subset=None):
    r"""Duality gap of the problem on the blocks ``subset`` (all when None).

    The dual point is :math:`\kappa r` with :math:`\kappa` the better of 1 and
    :math:`\min(1, 1/\max_b\gamma_b(Z_b))`, as in :mod:`skmtl.solvers.certificates`.
    """
    chain = isinstance(blocks, ChainBlocks)
    if subset is None:
        chosen = blocks
        gradient = layout.gradient()[:, blocks.feature]
        values = V
    else:
        chosen = (blocks.subset(subset) if chain
                  else CoordinateBlocks(*(part[subset] for part in blocks)))
        gradient = layout.gradient(chosen.feature)
        values = V[:, subset]
    Z = -gradient
    data = layout.data_value()
    primal = data + _penalty_value(values, chosen, l2)
    inner = layout.target_inner()
    if chain:
        best, kappa = best_dual_value(lambda kappa: kappa * inner - kappa**2 * data, Z,
                                      blocks.penalty, l2, np)
        return _Gap(primal - best, kappa, blocks.penalty.column_gauges(Z))
    gauges = column_gauges(np.ascontiguousarray(Z), chosen.l1, chosen.group)
    largest = float(np.max(gauges)) if gauges.size else 0.0
    feasible = 1.0 if largest <= 1.0 else 1.0 / largest
    best, best_kappa = -np.inf, feasible
    for kappa in ((feasible, 1.0) if l2 > 0 else (feasible,)):
        dual = kappa * inner - kappa**2 * data
        if l2 > 0:
            dual -= _ball_distance_squared(kappa * Z, chosen) / (2.0 * l2)
        if dual > best:
            best, best_kappa = dual, kappa
    return _Gap(primal - best, best_kappa, gauges)


def _anderson(iterates):
    """Extrapolation of the last iterates (rows), or None when the system is singular."""
    differences = np.diff(iterates, axis=0)
    system = differences @ differences.T
    try:
        weights = np.linalg.solve(system, np.ones(system.shape[0]))
    except np.linalg.LinAlgError:
        return None
    total = weights.sum()
    if not np.isfinite(total) or total == 0:
        return None
    return (weights / total) @ iterates[1:]


# ------------------------------------------------------------------ solver
@dataclass
class CoordinateDescentResult:
    """What :func:`coordinate_descent` returns."""

    V: np.ndarray
    n_iter: int
    relative_gap: float
    discarded: np.ndarray
    working_set: np.ndarray


def coordinate_descent(loss, blocks, l2, start, tol, max_iter, screening=True,
                       anderson=True, polish=True, guess=None):
    r"""Minimize :math:`f(W(V)) + \tfrac{l_2}2\|V\|^2 + \sum_b` (block penalty) over V (T, B).

    Parameters
    ----------
    loss : GramSquaredLoss, SampleSquaredLoss or SharedSampleSquaredLoss (NumPy)
    blocks : CoordinateBlocks
    l2 : float
    start : ndarray of shape (T, B)
        Starting point; its non-zero blocks seed the first working set.
    tol : float
        Stop when the duality gap of the full problem is at most ``tol`` times the
        objective at zero.
    max_iter : int
        Largest number of epochs (passes over a working set).
    screening, anderson : bool
        Gap-safe screening and Anderson extrapolation.
    polish : bool
        End with a Newton step on the support when ``tol <= POLISH_BELOW`` and the step
        is cheap (see ``_SupportNewton.final``).
    guess : ndarray of shape (T, B), default=None
        Another starting point (a regularization path's prediction of this solution):
        the solve starts from whichever of ``start`` and ``guess`` has the lower
        objective.

    Returns
    -------
    CoordinateDescentResult
        ``n_iter`` counts epochs; ``discarded`` marks the blocks that screening
        proved zero at the optimum.
    """
    layout = layout_of(loss)
    n_features = feature_count(loss)
    V = _better_start(layout, start, guess, blocks, l2, n_features)
    n_blocks = V.shape[1]
    scale = max(layout.value_at_zero(), 1e-300)
    radius_factor = np.sqrt(layout.largest_curvature()[blocks.feature]) / np.maximum(
        blocks.l1 + blocks.group, 1e-300)
    discarded = np.zeros(n_blocks, dtype=bool)
    working = np.flatnonzero(np.any(V != 0, axis=0))
    n_iter = 0
    relative = np.inf
    newton = _SupportNewton.of(blocks, V.shape[0])
    while True:
        # the incremental updates of the layout drift by rounding: the certificate is
        # computed on a fresh one
        layout.start(collapse(V, blocks, n_features))
        full = _duality_gap(layout, V, blocks, l2)
        if full.gap <= tol * scale and polish and tol <= POLISH_BELOW:
            full = newton.final(layout, V, blocks, l2, full)
        relative = max(full.gap / scale, 0.0)
        if relative <= tol or n_iter >= max_iter or n_blocks == 0:
            break
        support = np.any(V != 0, axis=0)
        if screening:
            radius = np.sqrt(2.0 * max(full.gap, 0.0))
            safe = full.kappa * full.gauges + radius * radius_factor < 1.0
            discarded |= safe & ~support
        scores = np.where(support, np.inf, full.gauges)
        scores[discarded] = -np.inf
        candidates = int(np.count_nonzero(~discarded))
        working_size = min(candidates, max(FIRST_WORKING_SET, 2 * int(support.sum())))
        working = np.sort(np.argsort(-scores, kind="stable")[:working_size])
        n_iter = _solve_working_set(layout, V, blocks, l2, working, INNER_FRACTION * full.gap,
                                    n_iter, max_iter, anderson, n_features, newton)
    return CoordinateDescentResult(V, n_iter, relative, discarded, working)


def _better_start(layout, start, guess, blocks, l2, n_features):
    """A float64 copy of ``start``, or of ``guess`` when that has the lower objective."""
    V = np.array(start, dtype=np.float64, copy=True)
    if guess is None:
        return V
    candidate = np.array(guess, dtype=np.float64, copy=True)
    values = []
    for point in (V, candidate):
        layout.start(collapse(point, blocks, n_features))
        values.append(_objective(layout, point, blocks, l2))
    return candidate if values[1] < values[0] else V


def _solve_working_set(layout, V, blocks, l2, working, target, n_iter, max_iter, anderson,
                       n_features, newton):
    """Epochs on the blocks ``working`` until their gap is at most ``target``."""
    order = np.ascontiguousarray(working, dtype=np.int64)
    partner = _partners(blocks, working)
    previous = np.inf
    while n_iter < max_iter:
        history = [V[:, working].ravel()]
        for _ in range(min(EPOCHS_PER_CHECK, max_iter - n_iter)):
            layout.epoch(order, partner, V, blocks, l2)
            n_iter += 1
            history.append(V[:, working].ravel())
        gap = _duality_gap(layout, V, blocks, l2, working).gap
        if gap <= target:
            break
        if anderson and len(history) > 2:
            _try_extrapolation(layout, V, blocks, l2, working, np.array(history), n_features)
        if newton.step(layout, V, blocks, l2, slow=gap > SLOW * previous):
            gap = _duality_gap(layout, V, blocks, l2, working).gap
            if gap <= target:
                break
        previous = gap
    return n_iter


def _partners(blocks, working):
    """For each block, the other block of its feature in ``working`` that an epoch updates
    with it (-1: none; -2: skipped, updated with its partner)."""
    partner = np.full(blocks.feature.shape[0], -1, dtype=np.int64)
    features = blocks.feature[working]
    order = np.argsort(features, kind="stable")
    for i in np.flatnonzero(features[order][1:] == features[order][:-1]):
        first, second = working[order[i]], working[order[i + 1]]
        partner[first], partner[second] = second, -2
    return partner


@dataclass
class _SupportNewton:
    """Newton steps on the support (:mod:`skmtl.solvers._support_newton`) when the epochs
    are slow: tried once the pattern of free entries has held over one check and the
    gap fell less than tenfold, and not again at a pattern where a step was rejected
    (a flat or non-smooth model, left to the epochs)."""

    #: False for chain blocks with an l1 or fused term, not smooth on the support.
    enabled: bool = True
    #: For chain blocks, the group blocks the steps see and the chain ``(positions, s)``.
    model: CoordinateBlocks = None
    chain: tuple = None
    pattern: np.ndarray = None
    rejected: np.ndarray = None

    @classmethod
    def of(cls, blocks, n_tasks):
        """The steps for ``blocks``: chain blocks are smooth on the support only without
        l1 and fused terms (the temporal group lasso), a group norm plus the chain's
        quadratic."""
        if not isinstance(blocks, ChainBlocks):
            return cls()
        if blocks.l1 > 0 or blocks.fused > 0:
            return cls(enabled=False)
        n_blocks = blocks.feature.shape[0]
        return cls(model=CoordinateBlocks(blocks.feature, np.zeros(n_blocks),
                                          np.full(n_blocks, blocks.group)),
                   chain=(check_order(blocks.order, n_tasks), blocks.smooth))

    def _newton(self, layout, V, blocks, l2, every, reduction):
        return newton_step(layout, V, self.model or blocks, l2, every,
                           lambda: _objective(layout, V, blocks, l2), reduction, self.chain)

    def step(self, layout, V, blocks, l2, slow):
        """Whether a Newton step was taken."""
        if not self.enabled:
            return False
        every = np.arange(V.shape[1])
        pattern = free_pattern(V, self.model or blocks, every)
        stable = self.pattern is not None and np.array_equal(pattern, self.pattern)
        self.pattern = pattern
        if not (stable and slow) or (
                self.rejected is not None and np.array_equal(pattern, self.rejected)):
            return False
        if self._newton(layout, V, blocks, l2, every, CG_REDUCTION):
            return True
        self.rejected = pattern
        return False

    def final(self, layout, V, blocks, l2, gap):
        """A last Newton step on a converged support, when its per-task blocks are small
        enough to factor: it takes the iterate from the tolerance to about the rounding
        error, as the direct solves of the quadratic families are polished.  Kept only if
        the duality gap does not grow; returns the gap of the point kept (``gap``, that
        of the current point, when V is unchanged)."""
        if not self.enabled:
            return gap
        every = np.arange(V.shape[1])
        pattern = free_pattern(V, self.model or blocks, every)
        if not block_preconditioned(pattern) or (
                self.rejected is not None and np.array_equal(pattern, self.rejected)):
            return gap
        kept, saved = V.copy(), layout.snapshot()
        if not self._newton(layout, V, blocks, l2, every, POLISH_REDUCTION):
            self.rejected = pattern
            return gap
        polished = _duality_gap(layout, V, blocks, l2)
        if polished.gap > gap.gap:
            V[...] = kept
            layout.restore(saved)
            return gap
        return polished


def _objective(layout, V, blocks, l2):
    return layout.data_value() + _penalty_value(V, blocks, l2)


def _try_extrapolation(layout, V, blocks, l2, working, iterates, n_features):
    """Replace V on ``working`` by its Anderson extrapolation if that lowers the objective."""
    extrapolated = _anderson(iterates)
    if extrapolated is None:
        return
    # zeros of the last epoch stay exact zeros (a mix of iterates would leave round-off)
    extrapolated[iterates[-1] == 0] = 0.0
    current = _objective(layout, V, blocks, l2)
    kept, saved = V[:, working].copy(), layout.snapshot()
    step = np.zeros_like(V)
    step[:, working] = extrapolated.reshape(kept.shape) - kept
    change = collapse(step, blocks, n_features)
    V += step
    layout.apply(change, np.flatnonzero(np.any(change != 0, axis=0)))
    if _objective(layout, V, blocks, l2) >= current:
        V[:, working] = kept
        layout.restore(saved)
