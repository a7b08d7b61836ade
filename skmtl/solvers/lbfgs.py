r"""L-BFGS for smooth objectives whose Hessian products cost as much as a gradient.

A classifier on dask input with many features takes no Hessian blocks (see
:mod:`skmtl._dask_logistic`): each Newton-CG product would be a pass over the
chunks.  Limited-memory BFGS needs one value and gradient per trial point, one
pass each.  The direction is the two-loop recursion of Nocedal (1980) over the
last :data:`MEMORY` pairs :math:`(s_k, y_k)` of steps and gradient changes, with
the initial scaling :math:`s^\top y / y^\top y`; the step is the backtracking
line search of Newton's method (:func:`~skmtl.solvers.newton.backtrack`).  Near
the optimum the changes of the objective fall below its rounding while the
gradient is still exact, and L-BFGS (unlike Newton) needs many steps there: the
line search then takes the change along the step from the slopes at its two ends,
:math:`\tfrac t2 (g_0^\top d + g_t^\top d)` (exact for a quadratic).  The
method stops on the same KKT residual as Newton's method.
"""

from collections import deque

from .newton import _STALL, backtrack

#: Correction pairs kept.
MEMORY = 20
#: Consecutive steps at the rounding floor that do not lower the certificate after
#: which the method stops.
_STALLS = 5


def _direction(gradient, pairs, xp):
    """:math:`-H g`, H the L-BFGS inverse Hessian of ``pairs`` (two-loop recursion)."""
    if not pairs:
        return -gradient / max(float(xp.max(xp.abs(gradient))), 1.0)
    q, coefficients = gradient, []
    for step, change, inverse_curvature in reversed(pairs):
        coefficient = inverse_curvature * float(xp.sum(step * q))
        q = q - coefficient * change
        coefficients.append(coefficient)
    step, change, inverse_curvature = pairs[-1]
    r = q * (float(xp.sum(step * change)) / float(xp.sum(change * change)))
    for (step, change, inverse_curvature), coefficient in zip(pairs, reversed(coefficients),
                                                              strict=True):
        r = r + step * (coefficient - inverse_curvature * float(xp.sum(change * r)))
    return -r


def limited_memory_bfgs(objective, start, certificate, tol, max_iter, xp):
    """Minimize a smooth convex objective by L-BFGS, stopping on ``certificate``.

    Parameters
    ----------
    objective : object
        ``value_and_gradient(x)``.
    start : array
    certificate : callable
        ``certificate(gradient)``: the KKT residual that stops the method at ``tol``.
    tol : float
    max_iter : int
        Largest number of L-BFGS steps.
    xp : namespace

    Returns
    -------
    x, n_iter, certificate
    """
    current = start
    value, gradient = objective.value_and_gradient(current)
    value = float(value)
    measured = certificate(gradient)
    pairs = deque(maxlen=MEMORY)
    n_iter = stalls = 0
    while measured > tol and n_iter < max_iter:
        n_iter += 1
        direction = _direction(gradient, pairs, xp)
        slope = float(xp.sum(gradient * direction))
        if not slope < 0:  # rounding spoilt the pairs: restart from the gradient
            pairs.clear()
            direction = _direction(gradient, pairs, xp)
            slope = float(xp.sum(gradient * direction))
            if not slope < 0:
                break
        rounding = _STALL * float(xp.finfo(start.dtype).eps) * abs(value)

        floor = -slope <= rounding

        def evaluate(length, direction=direction, current=current, floor=floor,
                     value=value, slope=slope):
            candidate = current + length * direction
            candidate_value, candidate_gradient = objective.value_and_gradient(candidate)
            if floor:
                end_slope = float(xp.sum(candidate_gradient * direction))
                candidate_value = value + 0.5 * length * (slope + end_slope)
            return float(candidate_value), (candidate, candidate_gradient)

        accepted = backtrack(evaluate, value, slope, rounding,
                             lambda trial, measured=measured: certificate(trial[1]) < measured)
        if accepted is None:
            return current, n_iter, measured
        previous = measured
        value, (following, following_gradient) = accepted
        step, change = following - current, following_gradient - gradient
        curvature = float(xp.sum(step * change))
        if curvature > 0:
            pairs.append((step, change, 1.0 / curvature))
        current, gradient = following, following_gradient
        measured = certificate(gradient)
        stalls = stalls + 1 if measured >= previous and floor else 0
        if stalls >= _STALLS:
            break
    return current, max(n_iter, 1), measured
