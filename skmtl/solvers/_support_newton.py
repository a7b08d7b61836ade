r"""Truncated Newton steps on the support, for block coordinate descent.

Once the non-zero pattern of V stops changing, the objective restricted to it is
smooth: each L1 term is linear (the signs are fixed, the zero entries of an L1 block
stay zero) and each group norm is smooth away from zero, with Hessian
:math:`\frac{\lambda_2}{\|v\|}(I - \hat v\hat v^\top)` along its block.  Coordinate
descent crawls there when features are strongly correlated (the dummy columns of
School's categorical variables are exactly collinear within every task); a Newton
step converges in a few steps whatever the correlations.  Its system is solved by
conjugate gradient, preconditioned by the Hessian's exact inverse where its per-task
blocks are small enough to factor (see :func:`_preconditioner`), else by its
diagonal; conjugate gradient stops at a direction of (near) zero curvature, where the
model is flat.  Entries of L1 blocks that would change sign stop at zero, and a
backtracking line search on the true objective keeps only descent steps; coordinate
descent and the duality gap of the full problem still decide when the solve ends.

A penalty that adds :math:`\tfrac{s}2\sum_k (v_{k+1} - v_k)^2` along a chain of the
tasks in every column (the temporal group lasso, ``chain``) adds :math:`sL` (L the
chain's Laplacian) to the Hessian along each column: it is smooth, but couples the
tasks beyond the rank-one terms of the group norms, so the factored blocks (with the
diagonal of :math:`sL`) precondition conjugate gradient instead of solving exactly.
"""

import numpy as np

#: Conjugate-gradient steps per Newton step, and the residual the Newton system is
#: solved to (in the final polish, down to rounding).
CG_STEPS = 50
CG_REDUCTION = 1e-4
#: Refinement steps of an exact solve.
REFINEMENTS = 5
POLISH_REDUCTION = 1e-13
#: Curvature, relative to the preconditioner's, below which a direction counts as flat.
FLAT = 1e-10
#: Levenberg–Marquardt damping, relative to the Hessian's diagonal: collinear columns
#: leave directions of almost no curvature, where the Newton step would be huge and
#: its solve inaccurate; the damped system is solved instead.
DAMPING = 1e-8
#: Armijo constant and halvings of the line search.
SUFFICIENT_DECREASE = 1e-4
HALVINGS = 12
#: Largest T·k³ (k blocks on the support) for which the per-task blocks are factored.
BLOCK_PRECONDITIONER_WORK = 5e7


def free_pattern(V, blocks, working):
    """Entries of ``V[:, working]`` a Newton step may move: all of a non-zero group-only
    block, the non-zero entries of a block with an L1 weight."""
    values = V[:, working]
    nonzero_block = np.any(values != 0, axis=0)
    return ((values != 0) | (blocks.l1[working] == 0)[None, :]) & nonzero_block[None, :]


def block_preconditioned(pattern):
    """Whether the per-task blocks of a support with free entries ``pattern`` are factored."""
    return pattern.shape[0] * int(np.count_nonzero(np.any(pattern, axis=0))) ** 3 <= (
        BLOCK_PRECONDITIONER_WORK)


def chain_laplacian(values, positions, smooth):
    """:math:`sLv` for every column v of ``values`` (T, k), the tasks in the chain's order
    ``positions``."""
    ordered = values[positions]
    product = np.zeros_like(ordered)
    differences = smooth * np.diff(ordered, axis=0)
    product[:-1] -= differences
    product[1:] += differences
    result = np.empty_like(product)
    result[positions] = product
    return result


def newton_step(layout, V, blocks, l2, working, objective, reduction=CG_REDUCTION,
                chain=None):
    """One Newton step on the free entries of ``V[:, working]``; returns whether it was
    accepted (V and the layout then hold the new point, else they are unchanged).
    ``reduction`` is the relative residual of the Newton system's solution; ``chain``
    is None or ``(positions, s)``, the smoothing along a chain of the tasks."""
    free_all = free_pattern(V, blocks, working)
    nonzero = np.any(free_all, axis=0)
    active = working[nonzero]
    if active.size == 0:
        return False
    free = free_all[:, nonzero]
    values = V[:, active]
    l1, group, feature = blocks.l1[active], blocks.group[active], blocks.feature[active]
    norms = np.linalg.norm(values, axis=0)
    unit = values / norms
    bend = group / norms
    columns, position = np.unique(feature, return_inverse=True)
    duplicated = columns.size < feature.size
    n_tasks = V.shape[0]
    data_hessian = layout.hessian_on(columns)

    def lifted(direction):
        """The change of W (on ``columns``) that a change of the active blocks makes."""
        if not duplicated:
            return direction
        part = np.zeros((n_tasks, columns.size))
        np.add.at(part, (slice(None), position), direction)
        return part

    positions, smooth = chain if chain is not None else (None, 0.0)
    chained = np.zeros((n_tasks, 1))  # the diagonal of sL: s times a task's neighbours
    if smooth > 0 and n_tasks > 1:
        chained[positions] = smooth
        chained[positions[1:-1]] += smooth
    diagonal = layout.diagonal(columns)[:, position] + l2 + chained + bend * (1.0 - unit**2)
    damping = DAMPING * np.where(free, diagonal, 0.0)

    def coupling(direction):
        return chain_laplacian(direction, positions, smooth) if smooth > 0 else 0.0

    def hessian(direction):
        data = data_hessian(lifted(direction))
        data = data[:, position] if duplicated else data
        along = bend * (direction - unit * np.sum(unit * direction, axis=0))
        return (data + (l2 + damping) * direction + along + coupling(direction)) * free

    gradient = layout.gradient(columns)
    gradient = (gradient[:, position] if duplicated else gradient) + l2 * values
    gradient = (gradient + l1 * np.sign(values) + bend * values + coupling(values)) * free
    inverse, exact = _preconditioner(layout, columns, position, l2 + damping + chained, bend,
                                     unit, free, diagonal)
    exact = exact and smooth == 0
    solver = _refined_solve if exact else _conjugate_gradient
    direction = solver(hessian, -gradient, inverse, reduction)
    slope = float(np.sum(gradient * direction))
    if not slope < 0:
        return False
    current = objective()
    saved = layout.snapshot()
    step = 1.0
    for _ in range(HALVINGS):
        trial = values + step * direction
        trial[(l1[None, :] > 0) & (np.sign(trial) != np.sign(values))] = 0.0
        change = np.zeros((n_tasks, int(blocks.feature.max()) + 1))
        np.add.at(change, (slice(None), feature), trial - values)
        V[:, active] = trial
        layout.apply(change, columns)
        if objective() <= current + SUFFICIENT_DECREASE * step * slope:
            return True
        V[:, active] = values
        layout.restore(saved)
        step *= 0.5
    return False


def _preconditioner(layout, columns, position, ridge, bend, unit, free, diagonal):
    r"""Solve with the Hessian on the free entries, exactly when its per-task blocks are
    small enough to factor, else divide by its diagonal; and whether the solve is exact.

    The Hessian is :math:`P - U B U^\top`: P block diagonal over the tasks (the data
    term's :math:`\tau_t G_t` plus ``ridge`` (:math:`l_2` and the damping) and :math:`b_j`
    on the diagonal, with
    :math:`b_j = \lambda_{2,j}/\|v_j\|`), and for each group block j the rank-one
    coupling of its tasks :math:`b_j \hat v_j \hat v_j^\top`.  The Woodbury identity
    :math:`(P - UBU^\top)^{-1} = P^{-1} + P^{-1}U(B^{-1} - U^\top P^{-1}U)^{-1}U^\top P^{-1}`
    needs the T inverses of P's blocks and one system of the size of the support.
    """
    k = free.shape[1]
    if block_preconditioned(free):
        blocks = layout.hessian_blocks(columns)[:, position][:, :, position]
        blocks = blocks * (free[:, :, None] & free[:, None, :])
        index = np.arange(k)
        blocks[:, index, index] += np.where(free, ridge + bend, 1.0)
        try:
            inverses = np.linalg.inv(blocks)
        except np.linalg.LinAlgError:
            inverses = None
        if inverses is not None and np.all(np.isfinite(inverses)):
            return _woodbury(inverses, bend, unit * free, free), True
    diagonal = np.where(free & (diagonal > 0), diagonal, 1.0)
    return (lambda residual: residual / diagonal), False


def _woodbury(inverses, bend, unit, free):
    """The solve of :func:`_preconditioner` from the inverses of P's blocks."""
    coupled = np.flatnonzero(bend > 0)
    if coupled.size == 0:
        return lambda residual: np.einsum("tij,tj->ti", inverses, residual) * free
    # P^{-1}U, task by task: the columns ``coupled`` of each inverse scaled by the units
    spread = inverses[:, :, coupled] * unit[:, None, coupled]
    small = -np.einsum("tj,tjk->jk", unit[:, coupled], spread[:, coupled, :])
    small[np.diag_indices_from(small)] += 1.0 / bend[coupled]
    try:
        small_inverse = np.linalg.inv(small)
    except np.linalg.LinAlgError:
        small_inverse = np.linalg.pinv(small)

    def solve(residual):
        first = np.einsum("tij,tj->ti", inverses, residual)
        weights = small_inverse @ np.sum(unit[:, coupled] * first[:, coupled], axis=0)
        return (first + np.einsum("tjk,k->tj", spread, weights)) * free

    return solve


def _refined_solve(matvec, rhs, inverse, reduction):
    """``inverse(rhs)`` improved by iterative refinement, keeping the iterate of least
    residual: the inverse is exact up to the rounding that near-collinear columns
    amplify."""
    target = reduction * np.linalg.norm(rhs)
    best, best_norm = np.zeros_like(rhs), np.linalg.norm(rhs)
    solution = inverse(rhs)
    for _ in range(REFINEMENTS):
        residual = rhs - matvec(solution)
        norm = np.linalg.norm(residual)
        if not norm < best_norm:
            break
        best, best_norm = solution, norm
        if norm <= target:
            break
        solution = solution + inverse(residual)
    return best


def _conjugate_gradient(matvec, rhs, precondition, reduction):
    """Preconditioned conjugate gradient for ``matvec(x) = rhs`` from zero, to a residual
    of ``reduction`` times the right-hand side's, stopped at a direction of (near) zero
    curvature."""
    solution = np.zeros_like(rhs)
    residual = rhs.copy()
    target = reduction * np.linalg.norm(rhs)
    preconditioned = precondition(residual)
    direction = preconditioned.copy()
    inner = float(np.sum(residual * preconditioned))
    for _ in range(CG_STEPS):
        if inner <= 0:
            break
        product = matvec(direction)
        curvature = float(np.sum(direction * product))
        if curvature <= FLAT * inner:
            break
        length = inner / curvature
        solution += length * direction
        residual -= length * product
        if np.linalg.norm(residual) <= target:
            break
        preconditioned = precondition(residual)
        following = float(np.sum(residual * preconditioned))
        direction = preconditioned + (following / inner) * direction
        inner = following
    return solution
