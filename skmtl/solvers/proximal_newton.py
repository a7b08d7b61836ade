r"""Proximal Newton method for the logistic loss with a norm penalty.

Minimizes :math:`f(\Theta) + \tfrac{l_2}2\|W\|_F^2 + \alpha R(W)` over
:math:`\Theta = [W \mid b]` (Lee, Sun & Saunders 2014).  At :math:`\Theta_k`
the logistic loss f is replaced by its second-order model, whose Hessian is
block diagonal over the tasks (:math:`B_t = \sum_{i \in t} h_i \tilde x_i \tilde x_i^\top`,
:math:`\tilde x_i = (x_i, 1)`).  Minimizing the unpenalized intercept out of
each block in closed form leaves a squared loss in per-task sufficient
statistics,

.. math::

    G_t = B^{ww}_t - \frac{B^{wb}_t B^{bw}_t}{B^{bb}_t},\qquad
    c_t = r^w_t - B^{wb}_t \frac{r^b_t}{B^{bb}_t},\qquad r = B\Theta_k - \nabla f(\Theta_k),

which :func:`~skmtl.solvers.norm_penalized.solve_norm_penalized` (FISTA and
ADMM of the squared-loss estimators) minimizes with the norm, warm-started
and to a tolerance that tightens with the outer certificate.  A backtracking
line search on the true objective along the step gives global convergence;
near the optimum unit steps are taken and convergence is superlinear, so a
handful of outer steps each cost one pass over the rows.

On a sparse X too wide for the blocks the model is kept as weighted rows instead
(:mod:`skmtl.solvers.row_model`); the outer loop is the same.
"""

import math

from .._array_api import batched_matvec, psd_inverse
from ..losses import GramSquaredLoss
from .certificates import relative_duality_gap
from .newton import _STALL, backtrack
from .norm_penalized import FISTA_BUDGET, solve_norm_penalized
from .row_model import has_sparse_rows, row_model

#: The subproblem's relative gap: this factor times the outer certificate (at most
#: 0.1), and at least this floor times tol.  On rows (:mod:`skmtl.solvers.row_model`):
#: its gap at the start times the lesser of this factor and the square root of the
#: outer certificate (a forcing sequence, for superlinear convergence), at least the floor.
_INNER_FACTOR = 0.1
_INNER_FLOOR = 0.01


def _reduced_statistics(blocks, linear, n_features, fit_intercept, xp):
    """Statistics of the model with the intercepts minimized out; also what recovers them."""
    if not fit_intercept:
        return blocks, linear, None
    gram = blocks[:, :n_features, :n_features]
    cross = blocks[:, :n_features, n_features]
    curvature = blocks[:, n_features, n_features]
    safe = xp.where(curvature > 0, curvature, xp.ones_like(curvature))
    gram = gram - cross[:, :, None] * cross[:, None, :] / safe[:, None, None]
    reduced = linear[:, :n_features] - cross * (linear[:, n_features] / safe)[:, None]
    return gram, reduced, (cross, curvature, safe, linear[:, n_features])


def _block_model(loss, n_features, fit_intercept, xp):
    """The second-order model at theta from the per-task Hessian blocks: a
    :class:`~skmtl.losses.GramSquaredLoss` in W, and what completes its solution with
    the intercepts minimized out."""

    def model_at(theta, gradient):
        blocks = loss.hessian_blocks(loss.curvature(theta))
        linear = batched_matvec(blocks, theta, xp) - gradient
        gram, reduced, recover = _reduced_statistics(
            blocks, linear, n_features, fit_intercept, xp
        )
        target_square = xp.sum(reduced * batched_matvec(psd_inverse(gram, xp), reduced, xp),
                               axis=1)
        model = GramSquaredLoss(gram, reduced, target_square, xp.ones_like(target_square), xp)

        def complete(coef, theta):
            if not fit_intercept:
                return coef
            cross, curvature, safe, linear_b = recover
            solved = (linear_b - xp.sum(cross * coef, axis=1)) / safe
            intercept = xp.where(curvature > 0, solved, theta[:, n_features])
            return xp.concat([coef, intercept[:, None]], axis=1)

        return model, complete

    return model_at


def proximal_newton(loss, penalty, l2, start, n_features, fit_intercept, certificate, tol,
                    max_iter, xp, inner_solver="auto", inner_max_iter=10000):
    """Minimize the logistic loss plus ``l2/2·||W||² + penalty(W)`` by proximal Newton.

    Parameters
    ----------
    loss : LogisticLoss
    penalty : TraceNorm or JointFeatureNorm
    l2 : float
    start : array of shape (T, p)
        :math:`[W \\mid b]` (p = d + 1 with intercepts, else d).
    n_features : int
    fit_intercept : bool
    certificate : callable
        ``certificate(theta)``, compared with ``tol`` after every step.
    tol : float
    max_iter : int
        Largest number of outer (Newton) steps.
    xp : namespace
    inner_solver : {'auto', 'fista', 'admm'}
        Solver of the squared-loss subproblems.
    inner_max_iter : int

    Returns
    -------
    theta, n_iter, certificate
    """
    theta = start

    def nonsmooth(coef):
        return float(0.5 * l2 * xp.sum(coef * coef) + penalty.value(coef, xp))

    value, gradient = loss.value_and_gradient(theta)
    objective = float(value) + nonsmooth(theta[:, :n_features])
    # a loss of passes over data measures the current point in the pass of the next trial
    ahead = getattr(loss, "measure_ahead", None)
    measured = None if ahead is not None else certificate(theta)
    previous, last_decrease, last_rounding = math.inf, -math.inf, 0.0

    def finished(measured):
        stalled = measured >= previous and -last_decrease <= last_rounding
        return measured <= tol or stalled

    n_iter = 0
    on_rows = has_sparse_rows(loss)
    model_at = (row_model(loss, n_features, fit_intercept) if on_rows
                else _block_model(loss, n_features, fit_intercept, xp))
    while n_iter < max_iter and (measured is None or not finished(measured)):
        model, complete = model_at(theta, gradient)
        coef = theta[:, :n_features]
        outer = previous if measured is None else measured
        # Also a tenth of the model's own gap at the start: the two certificates have
        # different scales, and a subproblem deemed solved where it starts stalls the method.
        start_gap = relative_duality_gap(model, penalty, l2, coef, xp)
        if on_rows:
            # the model's scale holds the constant sum of h z^2, unrelated to the
            # certificate's: its gap is reduced by a forcing factor instead
            reduction = min(_INNER_FACTOR, math.sqrt(outer))
            inner_tol = max(reduction * start_gap, _INNER_FLOOR * tol)
        else:
            inner_tol = max(min(0.1, _INNER_FACTOR * outer, _INNER_FACTOR * start_gap),
                            _INNER_FLOOR * tol)
        coef, _, _, _ = solve_norm_penalized(
            model, penalty, l2, coef, inner_tol, inner_max_iter, xp, inner_solver, polish=False,
            head_start=FISTA_BUDGET,
        )
        candidate = complete(coef, theta)
        if measured is None:
            ahead(candidate, lambda theta=theta: certificate(theta))
            measured = certificate(theta)
            if finished(measured):
                break
        n_iter += 1
        direction = candidate - theta
        decrease = (float(xp.sum(gradient * direction)) + nonsmooth(coef)
                    - nonsmooth(theta[:, :n_features]))
        rounding = _STALL * float(xp.finfo(start.dtype).eps) * abs(objective)

        def evaluate(length, theta=theta, direction=direction, candidate=candidate):
            trial = candidate if length == 1.0 else theta + length * direction
            trial_value, trial_gradient = loss.value_and_gradient(trial)
            return float(trial_value) + nonsmooth(trial[:, :n_features]), (trial, trial_gradient)

        accepted = backtrack(evaluate, objective, decrease, rounding,
                             lambda trial, measured=measured: certificate(trial[0]) < measured)
        if accepted is None:
            return theta, n_iter, measured
        previous, last_decrease, last_rounding = measured, decrease, rounding
        objective, (theta, gradient) = accepted
        measured = None if ahead is not None else certificate(theta)
    if measured is None:
        measured = certificate(theta)
    return theta, max(n_iter, 1), measured
