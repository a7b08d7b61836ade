r"""Accelerated proximal gradient (FISTA with adaptive restart).

Minimizes :math:`P(W) = f(W) + \tfrac{l_2}2\|W\|_F^2 + \alpha R(W)` where f is a
data term (squared or logistic) and R a penalty with a cheap prox (trace norm,
L2,1), or any smooth objective (prox = identity).  It stops on the duality gap of
:mod:`skmtl.solvers.certificates`.
"""

import math

from .certificates import gap_scale, relative_duality_gap

#: Factor applied to the working Lipschitz estimate before each backtracking step.
_STEP_GROWTH = 0.8


def accelerated_proximal_gradient(smooth, prox, start, lipschitz, certificate, tol, max_iter,
                                  xp, backtracking=False, check_every=10):
    """FISTA with gradient-based adaptive restart (O'Donoghue & Candès 2015).

    Parameters
    ----------
    smooth : object
        The smooth part: ``gradient(x)``, and with backtracking ``value(x)`` and
        ``value_and_gradient(x)``.
    prox : callable
        ``prox(x, step)``, the proximal operator of ``step`` times the non-smooth part.
    start : array
    lipschitz : float
        A Lipschitz constant of the gradient (the step is its inverse).  With
        ``backtracking`` it is only the largest step's bound: each iteration
        tries a longer step than the last accepted one and halves it until the
        sufficient-decrease condition of Beck & Teboulle (2009) holds.
    certificate : callable
        ``certificate(x)``, compared with ``tol`` every ``check_every`` iterations.
    tol : float
    max_iter : int
    xp : namespace
    backtracking : bool
    check_every : int

    Returns
    -------
    x, n_iter, certificate
    """
    bound = max(lipschitz, 1e-300)
    estimate = bound
    unit = xp.ones((), dtype=start.dtype, device=start.device)
    zero = xp.zeros_like(unit)
    current, extrapolated, momentum = start, start, unit
    measured = math.inf
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if backtracking:
            value, gradient = smooth.value_and_gradient(extrapolated)
            value = float(value)
            estimate = _STEP_GROWTH * estimate
            while True:
                following = prox(extrapolated - gradient / estimate, 1.0 / estimate)
                change = following - extrapolated
                model = value + float(
                    xp.sum(gradient * change) + 0.5 * estimate * xp.sum(change * change)
                )
                if estimate >= bound or float(smooth.value(following)) <= model:
                    break
                estimate = min(2.0 * estimate, bound)
        else:
            gradient = smooth.gradient(extrapolated)
            following = prox(extrapolated - gradient / bound, 1.0 / bound)
        # The restart test and the momentum stay on the device: no synchronization.
        restart = xp.sum((extrapolated - following) * (following - current)) > 0
        next_momentum = 0.5 * (1.0 + xp.sqrt(1.0 + 4.0 * momentum**2))
        weight = xp.where(restart, zero, (momentum - 1.0) / next_momentum)
        extrapolated = following + weight * (following - current)
        momentum = xp.where(restart, unit, next_momentum)
        current = following
        if n_iter % check_every == 0 or n_iter == max_iter:
            measured = certificate(current)
            if measured <= tol:
                break
    return current, n_iter, measured


class _SquaredSmoothPart:
    def __init__(self, loss, l2):
        self.loss, self.l2 = loss, l2

    def gradient(self, coef):
        return self.loss.gradient(coef) + self.l2 * coef


def fista(loss, penalty, l2, coef, tol, max_iter, xp, check_every=10):
    """Run FISTA on the squared loss with a fixed step, stopping on the duality gap.

    Parameters
    ----------
    loss : GramSquaredLoss or SampleSquaredLoss
    penalty : TraceNorm or JointFeatureNorm
    l2 : float
        Weight of the smooth ridge term.
    coef : array of shape (T, d)
        Starting point.
    tol : float
        Stop when the duality gap is at most ``tol`` times the objective at W = 0.
    max_iter : int
    xp : namespace
    check_every : int
        Iterations between two gap evaluations.

    Returns
    -------
    coef, n_iter, relative_gap
    """
    scale = gap_scale(loss, coef, xp)

    def prox(values, step):
        return penalty.prox(values, step, xp)

    def certificate(values):
        return relative_duality_gap(loss, penalty, l2, values, xp, scale)

    return accelerated_proximal_gradient(
        _SquaredSmoothPart(loss, l2), prox, coef, loss.lipschitz() + l2, certificate, tol,
        max_iter, xp, check_every=check_every,
    )
