r"""Direct solves of the quadratic families (squared loss, quadratic coupling).

The minimizer of :math:`\sum_t \tau_t(\tfrac12 w_t^\top G_t w_t - c_t^\top w_t) +
\tfrac12\operatorname{tr}(W^\top Q W)` solves

.. math::  \tau_t G_t w_t + \sum_s Q_{ts} w_s = \tau_t c_t \quad (t = 1..T).

For :math:`Q = aI - b\mathbf 1\mathbf 1^\top` (mean and shared-parameter
regularization, and the complete graph) a Schur complement reduces it to T
independent d×d systems and one d×d system for :math:`u = \sum_s w_s`:

.. math::  A_t = \tau_t G_t + aI,\quad
           (I - b\textstyle\sum_t A_t^{-1})\,u = \sum_t A_t^{-1}\tau_t c_t,\quad
           w_t = A_t^{-1}(\tau_t c_t + b\,u).

Singular systems (no ridge, rank-deficient tasks) get their minimum-norm
solution through eigenvalue pseudo-inverses.  When every task shares one Gram
matrix (the shared design) a single eigendecomposition of it diagonalizes all
the :math:`A_t`.  The estimators then polish the direct solution by conjugate
gradient (:mod:`skmtl.solvers.conjugate_gradient`), which recovers the digits a
factorization loses on badly conditioned :math:`G_t`.
"""

from .._array_api import batched_matvec, clean_eigh, positive_reciprocal, psd_inverse


def rank_one_coupling_solver(loss, a, b, xp):
    """Direct solver of the optimality conditions for :math:`Q = aI - b11'`.

    With :math:`G_t = V_t \\Lambda_t V_t^\top`, every :math:`A_t^{-1}` is
    :math:`V_t (\tau_t\\Lambda_t + a)^{-1} V_t^\top` and the Schur complement is
    formed as
    :math:`\\sum_t V_t\\,\frac{\tau_t\\Lambda_t + (a - bT)}{T(\tau_t\\Lambda_t + a)}\\,V_t^\top`,
    free of the cancellation in :math:`I - b\\sum_t A_t^{-1}` (for the mean and
    shared-parameter penalties :math:`a - bT \\ge 0`).

    Parameters
    ----------
    loss : GramSquaredLoss
    a, b : float
        :math:`a \\ge bT \\ge 0`.
    xp : namespace

    Returns
    -------
    solve : callable
        Maps a right-hand side R (T, d) to the W with
        :math:`\tau_t G_t w_t + (QW)_t = r_t`; ``solve(-loss.gradient(0))`` is the minimizer.
    """
    scale = loss.task_scale
    n_tasks = scale.shape[0]
    eigenvalues, vectors = clean_eigh(loss.gram, xp)  # (T or 1, d), (T or 1, d, d)
    curvature = scale[:, None] * eigenvalues + a  # (T, d)
    inverse = positive_reciprocal(curvature, xp)
    transposed = xp.matrix_transpose(vectors)

    def apply_inverses(values):
        return batched_matvec(vectors, inverse * batched_matvec(transposed, values, xp), xp)

    if b == 0:
        return apply_inverses
    schur_diag = (scale[:, None] * eigenvalues + (a - b * n_tasks)) * inverse / n_tasks
    if vectors.shape[0] == 1:
        schur = (vectors[0, ...] * xp.sum(schur_diag, axis=0)) @ transposed[0, ...]
    else:
        schur = xp.sum((vectors * schur_diag[:, None, :]) @ transposed, axis=0)
    schur = 0.5 * (schur + xp.matrix_transpose(schur))
    schur_inverse = psd_inverse(schur, xp)

    def solve(rhs):
        total = schur_inverse @ xp.sum(apply_inverses(rhs), axis=0)
        return apply_inverses(rhs + b * total)

    return solve


def dense_coupling_solver(loss, coupling, xp):
    """Direct solver of the optimality conditions for any PSD coupling Q (T×T).

    In the shared design one eigendecomposition :math:`G = V\\Lambda V^\\top`
    turns the problem into d independent T×T systems
    :math:`(\\operatorname{diag}(\\tau)\\lambda_j + Q) z_j = (V^\\top c)_j`.
    With one Gram matrix per task the (T·d)×(T·d) system is formed and solved
    directly; use the conjugate-gradient solver when that is too large.
    Returns a callable like :func:`rank_one_coupling_solver`.
    """
    n_tasks, d = loss.linear.shape
    scale = loss.task_scale
    dtype, device = loss.linear.dtype, loss.linear.device
    if loss.gram.shape[0] == 1:
        eigenvalues, vectors = clean_eigh(loss.gram[0, ...], xp)
        systems = coupling[None, ...] + (
            eigenvalues[:, None, None] * xp.eye(n_tasks, dtype=dtype, device=device)
        ) * scale[None, None, :]
        inverses = psd_inverse(systems, xp)  # (d, T, T)

        def solve_shared(rhs):
            rotated = xp.matrix_transpose(rhs @ vectors)  # (d, T)
            solution = batched_matvec(inverses, rotated, xp)
            return xp.matrix_transpose(solution) @ xp.matrix_transpose(vectors)

        return solve_shared
    blocks = loss.gram * scale[:, None, None]
    eye_d = xp.eye(d, dtype=dtype, device=device)
    rows = []
    for t in range(n_tasks):
        row = [coupling[t, s] * eye_d for s in range(n_tasks)]
        row[t] = row[t] + blocks[t, ...]
        rows.append(xp.concat(row, axis=1))
    system = xp.concat(rows, axis=0)
    system = 0.5 * (system + xp.matrix_transpose(system))
    inverse = psd_inverse(system, xp)

    def solve(rhs):
        return xp.reshape(inverse @ xp.reshape(rhs, (n_tasks * d,)), (n_tasks, d))

    return solve
