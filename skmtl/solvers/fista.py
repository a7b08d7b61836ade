r"""Accelerated proximal gradient (FISTA with adaptive restart) and its duality gap.

Minimizes :math:`P(W) = f(W) + \tfrac{l_2}2\|W\|_F^2 + \alpha R(W)` where f is the
squared-loss data term and R a norm with a cheap prox (trace norm, L2,1).

The certificate is the Fenchel duality gap.  With r the weighted residuals at W
and :math:`Z = -\nabla f(W)` (the residuals' correlation with the features),
every scaled residual :math:`\kappa r` gives the dual value

.. math::  D(\kappa) = \kappa\langle r, y\rangle_\omega - \tfrac{\kappa^2}2\|r\|_\omega^2
           - h^*(\kappa Z),\qquad
           h^*(Z) = \begin{cases}
             \operatorname{dist}^2(Z, \{R^\circ \le \alpha\}) / (2 l_2) & l_2 > 0\\
             0 \text{ if } R^\circ(Z) \le \alpha \text{ else } \infty & l_2 = 0
           \end{cases}

(:math:`R^\circ` the dual norm).  The gap :math:`P(W) - \max_\kappa D(\kappa)` over
:math:`\kappa \in \{1, \min(1, \alpha/R^\circ(Z))\}` bounds the suboptimality
and vanishes at the optimum.  Every quantity comes from the loss object, so
the gap costs one gradient whether the loss holds statistics or rows.
"""

import math


def duality_gap(loss, penalty, l2, coef, xp):
    """Duality gap of ``coef`` (a float ≥ 0 up to rounding)."""
    data = loss.value(coef)
    primal = float(data + 0.5 * l2 * xp.sum(coef * coef) + penalty.value(coef, xp))
    correlation = -loss.gradient(coef)
    inner = float(loss.residual_target_inner(coef))
    residual_square = 2.0 * float(data)
    dual_norm = float(penalty.dual_norm(correlation, xp))
    feasible = 1.0 if dual_norm <= penalty.alpha else penalty.alpha / dual_norm

    def dual_value(kappa):
        value = kappa * inner - 0.5 * kappa**2 * residual_square
        if l2 > 0:
            distance = float(penalty.dual_ball_distance_squared(kappa * correlation, xp))
            value -= distance / (2.0 * l2)
        return value

    candidates = [feasible, 1.0] if l2 > 0 else [feasible]
    return primal - max(dual_value(kappa) for kappa in candidates)


def gap_scale(loss, coef, xp):
    """The objective at W = 0, which the duality gap is measured against."""
    return max(float(loss.value(xp.zeros_like(coef))), 1e-300)


def relative_duality_gap(loss, penalty, l2, coef, xp, scale=None):
    """The duality gap divided by :func:`gap_scale` (the certificate of FISTA and ADMM)."""
    scale = gap_scale(loss, coef, xp) if scale is None else scale
    return max(duality_gap(loss, penalty, l2, coef, xp) / scale, 0.0)


def fista(loss, penalty, l2, coef, tol, max_iter, xp, check_every=10):
    """Run FISTA with gradient-based adaptive restart (O'Donoghue & Candès 2015).

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
    lipschitz = max(loss.lipschitz() + l2, 1e-300)
    step = 1.0 / lipschitz
    scale = gap_scale(loss, coef, xp)
    current, extrapolated, momentum = coef, coef, 1.0
    relative_gap = math.inf
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        gradient = loss.gradient(extrapolated) + l2 * extrapolated
        following = penalty.prox(extrapolated - step * gradient, step, xp)
        if float(xp.sum((extrapolated - following) * (following - current))) > 0:
            momentum, extrapolated = 1.0, following
        else:
            next_momentum = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * momentum**2))
            extrapolated = following + ((momentum - 1.0) / next_momentum) * (following - current)
            momentum = next_momentum
        current = following
        if n_iter % check_every == 0 or n_iter == max_iter:
            relative_gap = relative_duality_gap(loss, penalty, l2, current, xp, scale)
            if relative_gap <= tol:
                break
    return current, n_iter, relative_gap
