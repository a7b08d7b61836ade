r"""One entry for every squared-loss fit: the solver is chosen from the penalty, and the
fit reports its certificate.

:func:`solve_squared` minimizes :math:`f(W) + \tfrac{l_2}2\|W\|_F^2 + R(W)` for the
squared loss f (intercepts solved out, statistics or rows) and a penalty object R:

- a quadratic coupling (:class:`~skmtl.penalties.QuadraticPenalty`): the closed
  form or preconditioned conjugate gradient, certified by the KKT residual;
- a penalty minimized over a task matrix (``quadratic_at``, the clustered one):
  alternating minimization, certified by the KKT residual at that matrix;
- a split norm (``halves``, the dirty and robust models): the norm solvers on the
  two stacked parts, certified by the duality gap;
- any other penalty with a prox: coordinate descent, FISTA or ADMM
  (:func:`~skmtl.solvers.norm_penalized.solve_norm_penalized`), certified by the
  duality gap (:mod:`skmtl.solvers.certificates`).
"""

from typing import NamedTuple

from .._array_api import (
    add_to_diagonal,
    batched_matvec,
    block_inverse,
    clean_eigh,
    positive_reciprocal,
)
from ..losses import GramSquaredLoss, StackedLoss
from ..penalties import QuadraticPenalty
from .alternating import INNER_MAX_ITER, alternate, rounding_level
from .certificates import relative_duality_gap
from .closed_form import dense_coupling_solver, rank_one_coupling_solver
from .conjugate_gradient import conjugate_gradient, relative_residual
from .norm_penalized import solve_norm_penalized

KKT = "KKT residual"
GAP = "relative duality gap"


class SquaredFit(NamedTuple):
    """What :func:`solve_squared` returns."""

    coef: object
    n_iter: int
    certificate: float
    certificate_name: str
    #: The two parts of a split penalty, else None.
    parts: tuple = None
    #: ADMM's final state, for a warm start (None when ADMM did not run).
    admm_state: object = None
    #: The start in the solver's variables (the stacked parts of a split penalty).
    start: object = None


def solve_squared(loss, penalty, l2, start, *, solver, tol, max_iter, xp, warm=False,
                  admm_state=None, previous_start=None, first_part=None):
    """Minimize the squared loss plus ``penalty`` and ``l2/2·||W||²`` from ``start``.

    Parameters
    ----------
    loss : GramSquaredLoss, SampleSquaredLoss or SharedSampleSquaredLoss
    penalty : penalty object
    l2 : float
        Ridge weight beside a non-quadratic penalty (a quadratic one holds its own).
    start : array of shape (T, d)
    solver : str
        The estimator's ``solver``; ``'auto'`` picks per penalty (module description).
    tol, max_iter : float, int
    xp : namespace
    warm : bool
        ``start`` is a previous solution (see ``solve_norm_penalized``).
    admm_state : AdmmState, default=None
        What the previous fit's ADMM ended with.
    previous_start : array, default=None
        ``SquaredFit.start`` of the fit before, when that was warm too (a
        regularization path): the solver is also offered the linear extrapolation
        ``2 start - previous_start``, a first-order prediction of the solution along
        a geometric grid.
    first_part : array of shape (T, d), default=None
        For a split penalty, the first part of ``start`` (zeros when None).

    Returns
    -------
    SquaredFit
    """
    if isinstance(penalty, QuadraticPenalty):
        return _solve_quadratic(loss, penalty, start, solver, tol, max_iter, xp)
    if hasattr(penalty, "quadratic_at"):
        return _solve_alternating(loss, penalty, start, tol, max_iter, xp)
    if hasattr(penalty, "halves"):
        stacked_loss = StackedLoss(loss, start.shape[1], xp)
        first = xp.zeros_like(start) if first_part is None else first_part
        stacked = stacked_loss.stack(first, start)
        fit = _solve_norm(stacked_loss, penalty, 0.0, stacked, solver, tol, max_iter, xp, warm,
                          admm_state, previous_start)
        return fit._replace(coef=stacked_loss.collapse(fit.coef),
                            parts=penalty.halves(fit.coef))
    return _solve_norm(loss, penalty, l2, start, solver, tol, max_iter, xp, warm, admm_state,
                       previous_start)


def _solve_norm(loss, penalty, l2, start, solver, tol, max_iter, xp, warm, admm_state,
                previous_start):
    guess = None
    if previous_start is not None and tuple(previous_start.shape) == tuple(start.shape):
        guess = 2.0 * start - xp.asarray(previous_start, dtype=start.dtype,
                                         device=start.device)
    coef, n_iter, _, state = solve_norm_penalized(
        loss, penalty, l2, start, tol, max_iter, xp, solver, warm=warm, admm_state=admm_state,
        guess=guess)
    gap = relative_duality_gap(loss, penalty, l2, coef, xp)
    return SquaredFit(coef, n_iter, gap, GAP, admm_state=state, start=start)


# ------------------------------------------------------------------ quadratic couplings
def block_preconditioner(loss, penalty, xp, coef):
    """Inverse of the block diagonal of the Hessian: per task (tau_t G_t + Q_tt I)^+.

    On rows kept in sample space, the inverse of the Hessian's diagonal.
    """
    diagonal = penalty.diagonal(coef.shape[0], xp, coef.dtype, coef.device)
    if isinstance(loss, GramSquaredLoss):
        blocks = add_to_diagonal(loss.gram * loss.task_scale[:, None, None], diagonal, xp)
        definite = float(xp.min(diagonal)) > 0
        inverses = block_inverse(blocks, definite, xp)
        return lambda values: batched_matvec(inverses, values, xp)
    inverse = positive_reciprocal(loss.hessian_diagonal() + diagonal[:, None], xp)
    return lambda values: values * inverse


def kkt_residual(loss, penalty, coef, precondition, xp):
    """Relative KKT residual of ``coef`` for a quadratic penalty (the certificate)."""
    zeros = xp.zeros_like(coef)
    return relative_residual(
        -loss.gradient(zeros), -(loss.gradient(coef) + penalty.gradient(coef, xp)),
        precondition, xp,
    )


def _solve_quadratic(loss, penalty, coef, solver, tol, max_iter, xp):
    """Closed form polished by conjugate gradient, or conjugate gradient alone.

    Both stop on the KKT residual: the direct solve loses digits in proportion to
    the conditioning of the G_t, and the block-preconditioned conjugate gradient
    that follows recovers them, usually in a few steps.
    """
    is_gram = isinstance(loss, GramSquaredLoss)
    n_tasks, n_features = coef.shape
    if solver == "auto":
        direct = is_gram and (
            penalty.rank_one is not None
            or loss.gram.shape[0] == 1
            or n_tasks * n_features <= 2000
        )
        solver = "closed_form" if direct else "cg"
    if solver not in ("closed_form", "cg"):
        raise ValueError(f"solver={solver!r} does not apply to a quadratic penalty.")
    if solver == "closed_form" and not is_gram:
        raise ValueError(
            "solver='closed_form' needs per-task statistics, which were not formed "
            "for tasks this much smaller than the number of features; use solver='cg'."
        )
    precondition = block_preconditioner(loss, penalty, xp, coef)

    def matvec(values):
        return loss.hessian_matvec(values) + penalty.gradient(values, xp)

    rhs = -loss.gradient(xp.zeros_like(coef))
    if solver == "closed_form":
        if penalty.rank_one is not None:
            solve = rank_one_coupling_solver(loss, *penalty.rank_one, xp)
        else:
            solve = dense_coupling_solver(loss, penalty.coupling, xp)
        coef = solve(rhs)
        # Polishing a direct solve costs a few O(T d^2) steps: go to 1e-10 whatever tol,
        # since on badly scaled features a residual of tol can leave the objective
        # further than tol from its optimum.
        tol = min(tol, 1e-10)
    coef, n_iter, _ = conjugate_gradient(matvec, rhs, precondition, coef, tol, max_iter, xp)
    return SquaredFit(coef, n_iter, kkt_residual(loss, penalty, coef, precondition, xp), KKT)


# ------------------------------------------------------- penalty minimized over a matrix
class _ShiftedBlocks:
    r"""The block preconditioner :math:`(\tau_t G_t + q_t I)^+` for any shifts q, from one
    eigendecomposition of the :math:`\tau_t G_t`: the alternating solver needs it for a
    new Q at every M step, where inverting T blocks of d×d each time dominated."""

    def __init__(self, loss, xp):
        values, self.vectors = clean_eigh(loss.gram, xp)
        self.values = loss.task_scale[:, None] * values
        self.xp = xp

    def __call__(self, penalty, coef):
        xp = self.xp
        shifts = penalty.diagonal(coef.shape[0], xp, coef.dtype, coef.device)
        inverse = positive_reciprocal(self.values + shifts[:, None], xp)
        transposed = xp.matrix_transpose(self.vectors)
        return lambda values: batched_matvec(
            self.vectors, inverse * batched_matvec(transposed, values, xp), xp)


def _measure(loss, penalty, coef, xp, preconditioner=None):
    """Certificate of W, g(W), and the W-step problem (Q, preconditioner) of M = M(W)."""
    quadratic = penalty.quadratic_at(coef, xp)
    precondition = (block_preconditioner(loss, quadratic, xp, coef) if preconditioner is None
                    else preconditioner(quadratic, coef))
    certificate = kkt_residual(loss, quadratic, coef, precondition, xp)
    value = float(loss.value(coef) + quadratic.value(coef, xp))
    return certificate, value, (quadratic, precondition)


def _solve_alternating(loss, penalty, coef, tol, max_iter, xp):
    """Alternating minimization, W steps by preconditioned conjugate gradient."""
    rhs = -loss.gradient(xp.zeros_like(coef))
    preconditioner = _ShiftedBlocks(loss, xp) if isinstance(loss, GramSquaredLoss) else None

    def measure(values):
        return _measure(loss, penalty, values, xp, preconditioner)

    def step(values, fixed, inner_tol):
        quadratic, precondition = fixed

        def matvec(direction):
            return loss.hessian_matvec(direction) + quadratic.gradient(direction, xp)

        return conjugate_gradient(
            matvec, rhs, precondition, values, inner_tol, INNER_MAX_ITER, xp)[0]

    coef, n_iter, _ = alternate(measure, step, coef, tol, max_iter, rounding_level(coef, xp))
    return SquaredFit(coef, n_iter, measure(coef)[0], KKT)


# ------------------------------------------------------------------------ certificates
def certify(loss, penalty, l2, coef, xp, first_part=None):
    """The certificate of a given ``coef`` (a cvxpy solution) and its name, as
    :func:`solve_squared` reports them; ``first_part`` is a split penalty's first part."""
    if isinstance(penalty, QuadraticPenalty):
        precondition = block_preconditioner(loss, penalty, xp, coef)
        return kkt_residual(loss, penalty, coef, precondition, xp), KKT
    if hasattr(penalty, "quadratic_at"):
        return _measure(loss, penalty, coef, xp)[0], KKT
    if hasattr(penalty, "halves"):
        stacked_loss = StackedLoss(loss, coef.shape[1], xp)
        stacked = stacked_loss.stack(first_part, coef)
        return relative_duality_gap(stacked_loss, penalty, 0.0, stacked, xp), GAP
    return relative_duality_gap(loss, penalty, l2, coef, xp), GAP
