r"""Compiled block updates of coordinate descent for penalties that couple the tasks of a
feature column along a chain (numba).

Block b is the feature column :math:`v = V_{:,b}` taken in the chain's order
(``positions[k]`` is the row of the k-th task), penalized by

.. math::  c(v) = \tfrac{l_2}2\|v\|^2 + \tfrac{s}2\sum_k (v_{k+1} - v_k)^2
           + \lambda_1\|v\|_1 + \lambda_f\sum_k |v_{k+1} - v_k| + \lambda_g\|v\|_2,

the temporal group lasso (:math:`\lambda_1 = \lambda_f = 0`) and the fused sparse group
lasso (:math:`s = 0`).  The data term along the column is the separable quadratic
:math:`\sum_t h_t\delta_t^2/2 + g_t\delta_t` of the uncoupled blocks
(:mod:`skmtl.solvers._coordinate_kernels`), so a block update minimizes

.. math::  \tfrac12 v^\top A v - c^\top v + \lambda_1\|v\|_1 + \lambda_f\,TV(v)
           + \lambda_g\|v\|_2,\qquad A = \operatorname{diag}(a) + sL,

with :math:`a_t = h_t + l_2`, :math:`c_t = h_t v_t - g_t` (v the current column) and L
the Laplacian of the chain, a tridiagonal matrix.

* Without the l1 and fused terms the minimization is exact
  (:func:`chain_group_minimize`): a secular equation in the column's norm whose every
  evaluation is a tridiagonal solve.
* Otherwise the update is majorized: proximal-gradient steps on the block's own model,
  with the step :math:`1/(\max_t a_t + 4s)` (Gershgorin's bound on A's largest
  eigenvalue) and the exact prox of the column penalty (total variation, soft, then
  group soft thresholding: :func:`~skmtl.penalties.temporal.column_prox`), from the
  current column, each step lowering the objective.  A step costs O(T) where the
  change of the data term costs O(T d) or O(n), so the steps continue while they keep
  moving (:data:`CHAIN_STEPS`, :data:`CHAIN_REDUCTION`).
"""

import numpy as np
from numba import njit

from ..penalties.temporal import column_prox
from ._coordinate_kernels import (
    gram_apply,
    gram_column,
    row_apply,
    row_column,
    shared_apply,
    shared_column,
)

#: Newton steps of the secular equation of the exact update (monotone, quadratic).
_SECULAR_STEPS = 60
#: Largest number of proximal-gradient steps of a majorized update.
CHAIN_STEPS = 20
#: A majorized update stops once a step moves less than this fraction of its first.
CHAIN_REDUCTION = 1e-2


@njit(cache=True)
def _chain_solve(a, smooth, scale, shift, rhs, out, work):
    r"""``out`` = :math:`(\mathrm{scale}\,A + \mathrm{shift}\,I)^{-1}` ``rhs`` by the
    Thomas algorithm, :math:`A = \operatorname{diag}(a) + sL` (positive definite here:
    weakly diagonally dominant with a positive shift or a positive a)."""
    n = a.shape[0]
    off = -scale * smooth
    for k in range(n):
        degree = (k > 0) + (k < n - 1)
        diagonal = scale * (a[k] + smooth * degree) + shift
        if k == 0:
            pivot = diagonal
            out[k] = rhs[k] / pivot
        else:
            pivot = diagonal - off * work[k - 1]
            out[k] = (rhs[k] - off * out[k - 1]) / pivot
        work[k] = off / pivot
    for k in range(n - 2, -1, -1):
        out[k] -= work[k] * out[k + 1]


@njit(cache=True)
def _chain_product(a, smooth, x, out):
    """``out`` = A x."""
    n = a.shape[0]
    for k in range(n):
        value = a[k] * x[k]
        if k > 0:
            value += smooth * (x[k] - x[k - 1])
        if k < n - 1:
            value += smooth * (x[k] - x[k + 1])
        out[k] = value


@njit(cache=True)
def chain_group_minimize(rhs, a, smooth, group, out, first, second, third):
    r"""Minimize :math:`\tfrac12 v^\top A v - c^\top v + \lambda_g\|v\|_2` exactly.

    Zero when :math:`\|c\| \le \lambda_g`.  Otherwise :math:`v = r x(r)` with
    :math:`x(r) = (rA + \lambda_g I)^{-1}c` and :math:`r = \|v\|` the root of
    :math:`F(r) = \|x(r)\|^2 - 1`, convex and decreasing (in A's eigenbasis it is
    :math:`\sum_k \hat c_k^2/(\mu_k r + \lambda_g)^2 - 1`), with
    :math:`F'(r) = -2\,x^\top(rA + \lambda_g I)^{-1}Ax`: Newton's method from
    :math:`(\|c\| - \lambda_g)/(\max_t a_t + 4s)`, left of the root, converges
    monotonically.  With :math:`\lambda_g = 0`, :math:`v = A^{-1}c`; an entry without
    curvature (:math:`a_t = 0`, so :math:`c_t = 0`, and s = 0) stays 0.  ``first``,
    ``second`` and ``third`` are scratch of the column's length.
    """
    n = rhs.shape[0]
    norm = np.sqrt(np.sum(rhs * rhs))
    if norm <= group or norm == 0.0:
        out[:] = 0.0
        return
    if group == 0.0 and (smooth == 0.0 or np.max(a) == 0.0):
        for k in range(n):
            out[k] = rhs[k] / a[k] if a[k] > 0.0 else 0.0
        return
    if group == 0.0:
        _chain_solve(a, smooth, 1.0, 0.0, rhs, out, first)
        return
    bound = np.max(a) + (4.0 * smooth if n > 1 else 0.0)
    radius = (norm - group) / bound
    for _ in range(_SECULAR_STEPS):
        _chain_solve(a, smooth, radius, group, rhs, out, first)
        value = np.sum(out * out) - 1.0
        if value <= 0.0:
            break
        _chain_solve(a, smooth, radius, group, out, second, first)
        _chain_product(a, smooth, out, third)
        slope = -2.0 * np.sum(second * third)
        if slope >= 0.0:
            break
        step = value / slope
        radius -= step
        if -step <= 1e-15 * radius:
            break
    _chain_solve(a, smooth, radius, group, rhs, out, first)
    for k in range(n):
        out[k] *= radius


@njit(cache=True)
def chain_prox_steps(rhs, a, smooth, l1, fused, group, current, out, signal, slope):
    r"""Proximal-gradient steps on :math:`\tfrac12 v^\top Av - c^\top v` plus the column
    penalty, from ``current`` (module description); the result in ``out``."""
    n = rhs.shape[0]
    lipschitz = np.max(a) + (4.0 * smooth if n > 1 else 0.0)
    if lipschitz == 0.0:  # no data, no ridge: c = 0 and the penalty alone is minimized
        out[:] = 0.0
        return
    step = 1.0 / lipschitz
    out[:] = current
    first = -1.0
    for _ in range(CHAIN_STEPS):
        _chain_product(a, smooth, out, slope)
        for k in range(n):
            signal[k] = out[k] - step * (slope[k] - rhs[k])
        moved = 0.0
        size = 0.0
        column_prox(signal, step * l1, step * fused, step * group, slope)
        for k in range(n):
            moved = max(moved, abs(slope[k] - out[k]))
            size = max(size, abs(slope[k]))
            out[k] = slope[k]
        if first < 0.0:
            first = moved
        if moved <= CHAIN_REDUCTION * first or moved <= 1e-15 * size:
            break


@njit(cache=True)
def chain_work(n_tasks):
    """Scratch of :func:`chain_update`: seven rows of the column's length."""
    return np.empty((7, n_tasks))


@njit(cache=True)
def chain_update(b, V, h, gradient, positions, l1, fused, group, smooth, l2, work, change):
    r"""Update column b of V on the model :math:`\sum_t h_t\delta_t^2/2 + g_t\delta_t` of
    the data term (module description); the change of the column, in the rows' order,
    goes to ``change``.  Returns whether anything moved."""
    n_tasks = V.shape[0]
    a, rhs, current, new = work[0], work[1], work[2], work[3]
    for k in range(n_tasks):
        t = positions[k]
        a[k] = h[t] + l2
        rhs[k] = h[t] * V[t, b] - gradient[t]
        current[k] = V[t, b]
    if l1 == 0.0 and fused == 0.0:
        chain_group_minimize(rhs, a, smooth, group, new, work[4], work[5], work[6])
    else:
        chain_prox_steps(rhs, a, smooth, l1, fused, group, current, new, work[4], work[5])
    moved = False
    for k in range(n_tasks):
        t = positions[k]
        change[t] = new[k] - V[t, b]
        if change[t] != 0.0:
            moved = True
            V[t, b] = new[k]
    return moved


# ------------------------------------------------------------------ epochs
# One per layout of the squared loss (:mod:`skmtl.solvers._coordinate_layouts`), each
# reading the data term along a feature and applying a change as the uncoupled epochs do.
@njit(cache=True)
def gram_chain_epoch(order, V, W, HW, gram, linear, tau, feature, positions, l1, fused,
                     group, smooth, l2):
    """One epoch over the blocks ``order`` on statistics (see ``gram_epoch``)."""
    n_tasks = W.shape[0]
    h, gradient, change, work = (np.empty(n_tasks), np.empty(n_tasks), np.empty(n_tasks),
                                 chain_work(n_tasks))
    for b in order:
        f = feature[b]
        gram_column(f, HW, gram, linear, tau, h, gradient)
        if chain_update(b, V, h, gradient, positions, l1, fused, group, smooth, l2, work,
                        change):
            gram_apply(f, change, W, HW, gram)


@njit(cache=True)
def row_chain_epoch(order, V, X, starts, weight, residual, curvature_table, feature,
                    positions, l1, fused, group, smooth, l2):
    """One epoch over ``order`` on rows sorted by task (see ``row_epoch``)."""
    n_tasks = V.shape[0]
    h, gradient, change, work = (np.empty(n_tasks), np.empty(n_tasks), np.empty(n_tasks),
                                 chain_work(n_tasks))
    weighted_residual = weight * residual
    for b in order:
        f = feature[b]
        row_column(f, X, starts, weighted_residual, curvature_table, h, gradient)
        if chain_update(b, V, h, gradient, positions, l1, fused, group, smooth, l2, work,
                        change):
            row_apply(f, change, X, starts, weight, residual, weighted_residual)


@njit(cache=True)
def shared_chain_epoch(order, V, X, weighted_X, tau, residual, column_curvature, feature,
                       positions, l1, fused, group, smooth, l2):
    """One epoch over ``order`` on a shared design (see ``shared_row_epoch``)."""
    n_tasks = V.shape[0]
    h, gradient, change, work = (np.empty(n_tasks), np.empty(n_tasks), np.empty(n_tasks),
                                 chain_work(n_tasks))
    for b in order:
        f = feature[b]
        shared_column(f, weighted_X, tau, residual, column_curvature, h, gradient)
        if chain_update(b, V, h, gradient, positions, l1, fused, group, smooth, l2, work,
                        change):
            shared_apply(f, change, X, residual)
