r"""Alternating minimization with momentum, for a penalty minimized over a matrix.

The clustered penalty (:mod:`skmtl.penalties.clustered`) is a minimum over a task
matrix M: with M fixed it is a quadratic and the W step is a quadratic family's
problem; with W fixed, M has a closed form.  :func:`alternate` runs the two with
Nesterov momentum, restarted whenever a step does not lower the objective.
"""

import math

#: Largest number of steps (conjugate gradient or Newton) of one W step.
INNER_MAX_ITER = 1000
#: Consecutive plain steps that lower neither the objective nor the certificate
#: after which the alternation stops.
_STALLS = 5


def alternate(measure, step, start, tol, max_iter, rounding):
    """Alternate W steps with M steps until the certificate reaches ``tol``, with momentum.

    The W step with M = M(x) minimizes a majorizer of the objective g that
    touches it at x (M(x) is feasible for every W), so plain alternation
    decreases g monotonically but slowly when the penalty dominates.  Each
    iteration takes the W step from the extrapolated point
    :math:`x_k + \\beta_k(x_k - x_{k-1})` (Nesterov's weights, the M step taken
    there); when that does not decrease g the momentum restarts and the plain
    step from :math:`x_k` is taken instead.

    Parameters
    ----------
    measure : callable
        ``measure(x) -> (certificate, value, fixed)``: the certificate of x, g(x),
        and the W-step problem for M = M(x) (the M step).
    step : callable
        ``step(x, fixed, inner_tol) -> x``: the W step from x, solved to a relative
        residual of ``inner_tol``.
    start : array
    tol : float
    max_iter : int
        Largest number of W steps.
    rounding : float
        Relative rounding level of g: the solve ends when :data:`_STALLS` plain
        steps in a row lower neither g by more than it nor the certificate.

    Returns
    -------
    x, n_iter (W steps taken, at least 1), certificate
    """
    current = previous = start
    certificate, value, fixed = measure(current)
    momentum, n_iter, stalls = 1.0, 0, 0
    while certificate > tol and n_iter < max_iter:
        # Early W steps need not be exact; the last ones are solved below tol.
        inner_tol = max(0.1 * tol, min(0.01 * certificate, 0.1))
        following = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * momentum**2))
        weight = (momentum - 1.0) / following
        n_iter += 1
        accepted = False
        if weight > 0:
            extrapolated = current + weight * (current - previous)
            candidate = step(extrapolated, measure(extrapolated)[2], inner_tol)
            measured = measure(candidate)
            accepted = measured[1] < value
            if not accepted:
                if n_iter == max_iter:
                    break
                n_iter += 1
        if not accepted:
            candidate = step(current, fixed, inner_tol)
            measured = measure(candidate)
            stalled = measured[0] >= certificate and (
                measured[1] >= value - rounding * abs(value))
            stalls = stalls + 1 if stalled else 0
            if stalls == _STALLS:
                break  # plain steps no longer help: the floor the data type allows
        momentum = following if accepted or weight == 0 else 1.0
        previous, current = current, candidate
        certificate, value, fixed = measured
    return current, max(n_iter, 1), certificate


def rounding_level(values, xp):
    """Relative rounding level of an objective computed in the dtype of ``values``."""
    return 10.0 * float(xp.finfo(values.dtype).eps)
