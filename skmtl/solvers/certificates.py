r"""Duality gaps: the certificate of every norm-penalized solver.

For :math:`P(W) = f(W) + \tfrac{l_2}2\|W\|_F^2 + \alpha R(W)` and the squared loss the
certificate is the Fenchel duality gap.  With r the
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
:mod:`skmtl.penalties.relationship`, the temporal group lasso of
:mod:`skmtl.penalties.temporal`) takes :math:`\kappa = 1`, and the largest
:math:`\kappa \le 1` at which :math:`h^*(\kappa Z)` is finite where that is not 1.  A penalty with
neither gets :math:`h^*` through its prox and value when :math:`l_2 > 0`
(:func:`moreau_conjugate`), also at :math:`\kappa = 1`: the extension point of a new
penalty is ``value`` and ``prox``, the dual norm only makes the gap exact at
:math:`l_2 = 0` and cheaper.  Every quantity
comes from the loss object (its ``dual``, :mod:`skmtl.losses.dual`), so the gap
costs one gradient whether the loss holds statistics or rows, and one function
serves every loss.

For the logistic loss (:mod:`skmtl.losses.logistic`) the dual variables are
:math:`a_i \in [0, 1]`, one per row, built from the slopes of the loss at W and
made to satisfy the intercepts' constraints :math:`\sum_{i \in t}\omega_i a_i y_i = 0`;
the dual value is

.. math::  D(\kappa) = -\sum_i \omega_i\,[\kappa a_i\log(\kappa a_i)
           + (1 - \kappa a_i)\log(1 - \kappa a_i)] - h^*(\kappa Z),\qquad
           Z_t = \sum_{i \in t} \omega_i a_i y_i x_i,

with the same :math:`h^*` and the same choice of :math:`\kappa`.
"""


def moreau_conjugate(penalty, z, l2, xp):
    r""":math:`h^*(Z)` of :math:`h = R + \tfrac{l_2}2\|\cdot\|_F^2` from R's prox and value.

    The supremum of :math:`\langle Z, W\rangle - R(W) - \tfrac{l_2}2\|W\|^2` is reached at
    :math:`W^\star = \operatorname{prox}_{R/l_2}(Z/l_2)` (complete the square), so

    .. math::  h^*(Z) = \langle Z, W^\star\rangle - R(W^\star) - \tfrac{l_2}2\|W^\star\|^2.
    """
    best = penalty.prox(z / l2, 1.0 / l2, xp)
    return float(xp.sum(z * best) - penalty.value(best, xp) - 0.5 * l2 * xp.sum(best * best))


def best_dual_value(loss_part, correlation, penalty, l2, xp):
    """Max over kappa in {feasible, 1} of ``loss_part(kappa) - h*(kappa Z)``, and the
    kappa that reaches it.

    A penalty with ``conjugate(Z, l2, xp)`` gives h* itself, and kappa = 1, the dual
    optimum at the solution; where h* is infinite off a domain (the temporal group lasso
    at ``l2 = 0``), ``conjugate_scale(Z, l2, xp)`` gives the largest kappa inside it as a
    second candidate.  One without a dual norm gets h* from :func:`moreau_conjugate`
    (``l2 > 0``).
    """
    if hasattr(penalty, "conjugate"):
        scales = {1.0}
        if hasattr(penalty, "conjugate_scale"):  # h* is infinite off a domain
            scales.add(float(penalty.conjugate_scale(correlation, l2, xp)))
        return max((loss_part(kappa) - float(penalty.conjugate(kappa * correlation, l2, xp)),
                    kappa) for kappa in sorted(scales))
    if not hasattr(penalty, "dual_norm"):
        if not l2 > 0:
            raise ValueError(
                f"{type(penalty).__name__} has no dual_norm, so its duality gap needs "
                "l2 > 0 (the conjugate through its prox and value)."
            )
        return loss_part(1.0) - moreau_conjugate(penalty, correlation, l2, xp), 1.0
    dual_norm = float(penalty.dual_norm(correlation, xp))
    feasible = 1.0 if dual_norm <= penalty.alpha else penalty.alpha / dual_norm

    def dual_value(kappa):
        value = loss_part(kappa)
        if l2 > 0:
            distance = float(penalty.dual_ball_distance_squared(kappa * correlation, xp))
            value -= distance / (2.0 * l2)
        return value

    candidates = [feasible, 1.0] if l2 > 0 else [feasible]
    return max((dual_value(kappa), kappa) for kappa in candidates)


def duality_gap(loss, penalty, l2, coef, xp):
    r"""Duality gap of ``coef`` (a float >= 0 up to rounding) for any loss.

    ``coef`` is the loss's variable: W for the squared loss, :math:`[W \mid b]` for
    the logistic loss, the stacked parts for a split; the loss's
    :class:`~skmtl.losses.dual.Dual` says which columns the penalty sees.
    """
    dual = loss.dual(coef)
    primal = dual.value + float(0.5 * l2 * xp.sum(dual.coef * dual.coef)
                                + penalty.value(dual.coef, xp))
    return primal - best_dual_value(dual.loss_part, dual.correlation, penalty, l2, xp)[0]


def gap_scale(loss, coef, xp):
    """The objective at W = 0, which the duality gap is measured against."""
    return max(float(loss.value(xp.zeros_like(coef))), 1e-300)


def relative_duality_gap(loss, penalty, l2, coef, xp, scale=None):
    """The duality gap divided by :func:`gap_scale` (the certificate of FISTA and ADMM)."""
    scale = gap_scale(loss, coef, xp) if scale is None else scale
    return max(duality_gap(loss, penalty, l2, coef, xp) / scale, 0.0)
