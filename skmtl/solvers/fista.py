r"""Accelerated proximal gradient (FISTA with adaptive restart) and duality gaps.

Minimizes :math:`P(W) = f(W) + \tfrac{l_2}2\|W\|_F^2 + \alpha R(W)` where f is a
data term (squared or logistic) and R a norm with a cheap prox (trace norm,
L2,1), or any smooth objective (prox = identity).

For the squared loss the certificate is the Fenchel duality gap.  With r the
weighted residuals at W and :math:`Z = -\nabla f(W)` (the residuals' correlation with the features),
every scaled residual :math:`\kappa r` gives the dual value

.. math::  D(\kappa) = \kappa\langle r, y\rangle_\omega - \tfrac{\kappa^2}2\|r\|_\omega^2
           - h^*(\kappa Z),\qquad
           h^*(Z) = \begin{cases}
             \operatorname{dist}^2(Z, \{R^\circ \le \alpha\}) / (2 l_2) & l_2 > 0\\
             0 \text{ if } R^\circ(Z) \le \alpha \text{ else } \infty & l_2 = 0
           \end{cases}

(:math:`R^\circ` the dual norm).  The gap :math:`P(W) - \max_\kappa D(\kappa)` over
:math:`\kappa \in \{1, \min(1, \alpha/R^\circ(Z))\}` bounds the suboptimality
and vanishes at the optimum.  A penalty that is not a norm but provides its
conjugate :math:`h^*` (the squared trace norm of
:mod:`skmtl.penalties.relationship`) takes :math:`\kappa = 1`.  Every quantity
comes from the loss object, so the gap costs one gradient whether the loss
holds statistics or rows.

For the logistic loss (:mod:`skmtl.logistic_loss`) the dual variables are
:math:`a_i \in [0, 1]`, one per row, built from the slopes of the loss at W and
made to satisfy the intercepts' constraints :math:`\sum_{i \in t}\omega_i a_i y_i = 0`;
the dual value is

.. math::  D(\kappa) = -\sum_i \omega_i\,[\kappa a_i\log(\kappa a_i)
           + (1 - \kappa a_i)\log(1 - \kappa a_i)] - h^*(\kappa Z),\qquad
           Z_t = \sum_{i \in t} \omega_i a_i y_i x_i,

with the same :math:`h^*` and the same choice of :math:`\kappa`.
"""

import math

#: Factor applied to the working Lipschitz estimate before each backtracking step.
_STEP_GROWTH = 0.8


def _best_dual_value(loss_part, correlation, penalty, l2, xp):
    """Max over kappa in {feasible, 1} of ``loss_part(kappa) - h*(kappa Z)``.

    A penalty with ``conjugate(Z, l2, xp)`` (finite everywhere) gives h* itself, and
    kappa = 1, the dual optimum at the solution.
    """
    if hasattr(penalty, "conjugate"):
        return loss_part(1.0) - float(penalty.conjugate(correlation, l2, xp))
    dual_norm = float(penalty.dual_norm(correlation, xp))
    feasible = 1.0 if dual_norm <= penalty.alpha else penalty.alpha / dual_norm

    def dual_value(kappa):
        value = loss_part(kappa)
        if l2 > 0:
            distance = float(penalty.dual_ball_distance_squared(kappa * correlation, xp))
            value -= distance / (2.0 * l2)
        return value

    candidates = [feasible, 1.0] if l2 > 0 else [feasible]
    return max(dual_value(kappa) for kappa in candidates)


def duality_gap(loss, penalty, l2, coef, xp):
    """Duality gap of ``coef`` for the squared loss (a float >= 0 up to rounding)."""
    data = loss.value(coef)
    primal = float(data + 0.5 * l2 * xp.sum(coef * coef) + penalty.value(coef, xp))
    inner = float(loss.residual_target_inner(coef))
    residual_square = 2.0 * float(data)

    def loss_part(kappa):
        return kappa * inner - 0.5 * kappa**2 * residual_square

    return primal - _best_dual_value(loss_part, -loss.gradient(coef), penalty, l2, xp)


def logistic_duality_gap(loss, penalty, l2, theta, n_features, fit_intercept, xp):
    """Duality gap of ``theta = [W | b]`` for the logistic loss and a norm penalty."""
    coef = theta[:, :n_features]
    primal = float(
        loss.value(theta) + 0.5 * l2 * xp.sum(coef * coef) + penalty.value(coef, xp)
    )
    dual = loss.dual_point(theta, fit_intercept)
    correlation = loss.dual_correlation(dual)[:, :n_features]

    def loss_part(kappa):
        return float(loss.dual_value(kappa * dual))

    return primal - _best_dual_value(loss_part, correlation, penalty, l2, xp)


def gap_scale(loss, coef, xp):
    """The objective at W = 0, which the duality gap is measured against."""
    return max(float(loss.value(xp.zeros_like(coef))), 1e-300)


def relative_duality_gap(loss, penalty, l2, coef, xp, scale=None):
    """The duality gap divided by :func:`gap_scale` (the certificate of FISTA and ADMM)."""
    scale = gap_scale(loss, coef, xp) if scale is None else scale
    return max(duality_gap(loss, penalty, l2, coef, xp) / scale, 0.0)


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
