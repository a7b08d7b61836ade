"""Damped Newton method for smooth objectives (logistic loss plus a quadratic penalty).

Each step solves the Newton system :math:`H \\Delta = -g` inexactly by the
preconditioned conjugate gradient of :mod:`.conjugate_gradient` (to a relative
residual of :math:`\\min(0.1, \\sqrt{c})`, c the current certificate, which gives
superlinear convergence), preconditioned by the inverse of the per-task
Hessian blocks, then backtracks along :math:`\\Delta` until the Armijo condition
holds.  The objective supplies the Hessian as an operator (from per-task
blocks, or two passes over the rows when tasks are smaller than their blocks).
"""

from .conjugate_gradient import conjugate_gradient

#: Armijo constant of the line search, and the smallest step tried.
_ARMIJO = 1e-4
_SMALLEST_STEP = 2.0**-30
#: Rounding units of the objective below which its decrease is not trusted: a unit
#: step is then judged by the certificate, and the method ends once that stops falling
#: (the floor the data type allows).
_STALL = 10.0


def backtrack(evaluate, value, decrease, rounding, improves):
    """Backtracking line search from the unit step, halving until Armijo's condition holds.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(length) -> (objective, payload)`` at that step length.
    value : float
        The objective at the current point.
    decrease : float
        The predicted decrease per unit step (negative), e.g. the gradient's slope.
    rounding : float
        The objective's rounding level: a unit step whose change is below it cannot
        be judged by the objective and is taken when ``improves(payload)``.
    improves : callable

    Returns
    -------
    (objective, payload) of the accepted step, or None when the step vanished.
    """
    length = 1.0
    while length >= _SMALLEST_STEP:
        trial_value, payload = evaluate(length)
        if trial_value <= value + _ARMIJO * length * min(decrease, 0.0):
            return trial_value, payload
        if (length == 1.0 and -decrease <= rounding and trial_value <= value + rounding
                and improves(payload)):
            return trial_value, payload
        length *= 0.5
    return None


def newton(objective, start, certificate, tol, max_iter, xp, inner_max_iter=100):
    """Minimize a smooth convex objective by Newton-CG with a backtracking line search.

    Parameters
    ----------
    objective : object
        ``value_and_gradient(x)`` and ``newton_system(x)``, which returns the
        Hessian at x as a callable and a callable approximating its inverse.
    start : array
    certificate : callable
        ``certificate(gradient)``: the KKT residual that stops the method at ``tol``.
    tol : float
    max_iter : int
        Largest number of Newton steps.
    xp : namespace
    inner_max_iter : int
        Largest number of conjugate-gradient steps per Newton step.

    Returns
    -------
    x, n_iter, certificate
    """
    current = start
    value, gradient = objective.value_and_gradient(current)
    value = float(value)
    measured = certificate(gradient)
    n_iter = 0
    while measured > tol and n_iter < max_iter:
        n_iter += 1
        hessian, precondition = objective.newton_system(current)
        forcing = min(0.1, measured**0.5)
        step, _, _ = conjugate_gradient(
            hessian, -gradient, precondition, xp.zeros_like(gradient), forcing, inner_max_iter, xp
        )
        slope = float(xp.sum(gradient * step))
        if not slope < 0:
            step = -precondition(gradient)
            slope = float(xp.sum(gradient * step))
            if not slope < 0:
                break
        rounding = _STALL * float(xp.finfo(start.dtype).eps) * abs(value)

        def evaluate(length, step=step, current=current):
            candidate = current + length * step
            candidate_value, candidate_gradient = objective.value_and_gradient(candidate)
            return float(candidate_value), (candidate, candidate_gradient)

        accepted = backtrack(evaluate, value, slope, rounding,
                             lambda trial, measured=measured: certificate(trial[1]) < measured)
        if accepted is None:
            return current, n_iter, measured
        previous = measured
        value, (current, gradient) = accepted
        measured = certificate(gradient)
        if measured >= previous and -slope <= rounding:
            break
    return current, max(n_iter, 1), measured
