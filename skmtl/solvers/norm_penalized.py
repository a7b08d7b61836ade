"""The squared-loss problem with a norm penalty: FISTA, ADMM, or FISTA then ADMM.

:math:`\\min_W f(W) + \\tfrac{l_2}2\\|W\\|_F^2 + \\alpha R(W)` for a squared loss
f held as statistics or rows.  On statistics, ``'auto'`` runs FISTA for
:data:`FISTA_BUDGET` iterations and continues with ADMM if it has not
converged, except for the trace norm and the split models' stacked losses
(:func:`~skmtl.solvers.admm.accelerated`), which go to ADMM at once: with its
exact per-task solves and Anderson acceleration it needs about 100 iterations
on the School data, where FISTA's first 200 did not converge (raw or
standardized).  A proximal Newton subproblem, which starts from the previous
Newton iterate, asks for the FISTA start (``head_start``) in every case: there
FISTA often converges in tens of iterations, without the eigendecompositions
ADMM needs for every new model.  A warm start
(along a regularization path) goes straight to ADMM, with the penalty
parameter and the eigendecompositions of a previous ADMM solve when given:
FISTA's iteration count depends on the conditioning, not on how close the
start is, while ADMM with its adapted penalty and a dual started from the
gradient needs few iterations from a nearby solution.
"""

from sklearn.utils._array_api import _is_numpy_namespace

from .._sparse import CentredSparse, SparseTaskRows
from ..penalties.blocks import ChainBlocks
from .admm import accelerated, admm
from .coordinate_descent import coordinate_descent, has_coordinate_blocks
from .fista import fista

#: Iterations FISTA gets before ``'auto'`` switches to ADMM.
FISTA_BUDGET = 200


def solve_norm_penalized(loss, penalty, l2, coef, tol, max_iter, xp, solver="auto",
                         warm=False, admm_state=None, polish=True, head_start=None,
                         guess=None):
    """Minimize the squared loss plus ``l2/2·||W||² + penalty``.

    Returns coef, n_iter, the relative duality gap, and the
    :class:`~skmtl.solvers.admm.AdmmState` ADMM ended with (None if it did not run).

    Parameters
    ----------
    loss : GramSquaredLoss, SampleSquaredLoss or a StackedLoss over one
    penalty : TraceNorm, JointFeatureNorm or any norm with a prox
    l2 : float
    coef : array of shape (T, d)
        Starting point.
    tol : float
        Relative duality gap to reach.
    max_iter : int
    xp : namespace
    solver : {'auto', 'cd', 'fista', 'admm'}
        ``'cd'`` is working-set block coordinate descent
        (:mod:`skmtl.solvers.coordinate_descent`), for a penalty that separates over
        feature columns on NumPy; ``'auto'`` takes it there.
    warm : bool, default=False
        ``coef`` is a previous solution: with ``'auto'``, skip FISTA and start ADMM.
    admm_state : AdmmState, default=None
        What a previous ADMM solve ended with, for a warm start.
    polish : bool, default=True
        Let coordinate descent end with a Newton step on the support (an inexact
        subproblem, as proximal Newton's, does not need it).
    head_start : int, default=None
        With ``'auto'`` on statistics and a cold start, FISTA iterations to run
        before ADMM (0: ADMM at once).  None: 0 where
        :func:`~skmtl.solvers.admm.accelerated`, else :data:`FISTA_BUDGET`.
    guess : array of shape (T, d), default=None
        A second starting point, a regularization path's prediction of the solution:
        coordinate descent starts from whichever of ``coef`` and ``guess`` has the
        lower objective (FISTA and ADMM, whose warm start is also their state, ignore
        it).
    """
    if solver == "cd" or (solver == "auto" and _is_numpy_namespace(xp)
                          and has_coordinate_blocks(penalty)
                          and not _chain_on_sparse_rows(loss, penalty)):
        return _coordinate_descent(loss, penalty, l2, coef, tol, max_iter, xp, polish, guess)
    # Per-task statistics, held by a GramSquaredLoss or by the loss a StackedLoss wraps.
    is_gram = getattr(loss, "gram", None) is not None
    if solver == "admm" and not is_gram:
        raise ValueError(
            "solver='admm' needs per-task statistics, which were not formed for tasks "
            "this much smaller than the number of features; use solver='fista'."
        )
    if head_start is None:
        head_start = 0 if accelerated(loss, penalty) else FISTA_BUDGET
    if solver == "admm" or (solver == "auto" and is_gram and (warm or head_start <= 0)):
        return admm(loss, penalty, l2, coef, tol, max_iter, xp, state=admm_state)
    budget = max_iter if solver == "fista" or not is_gram else min(head_start, max_iter)
    coef, n_iter, gap = fista(loss, penalty, l2, coef, tol, budget, xp)
    if gap <= tol or n_iter >= max_iter:
        return coef, n_iter, gap, None
    coef, more, gap, state = admm(loss, penalty, l2, coef, tol, max_iter - n_iter, xp)
    return coef, n_iter + more, gap, state


def _coordinate_descent(loss, penalty, l2, coef, tol, max_iter, xp, polish, guess=None):
    """Block coordinate descent on the penalty's blocks; a StackedLoss's parts are blocks
    of their own (its wrapped loss is the data term)."""
    if not _is_numpy_namespace(xp):
        raise ValueError(
            "solver='cd' runs on NumPy arrays only; use solver='fista' (or 'auto') with "
            "other array namespaces."
        )
    if not has_coordinate_blocks(penalty):
        raise ValueError(
            f"solver='cd' needs a penalty that separates over feature columns; "
            f"{type(penalty).__name__} does not. Use solver='fista' or 'admm'."
        )
    if _chain_on_sparse_rows(loss, penalty):
        raise ValueError(
            f"solver='cd' for {type(penalty).__name__} (blocks coupled across tasks) has no "
            "kernel for the rows of a sparse X; use solver='fista' (or 'auto').")
    blocks = penalty.coordinate_blocks(coef.shape[1])
    data_term = loss
    if hasattr(loss, "column_features"):  # a StackedLoss: its parts share W's features
        blocks = blocks._replace(feature=loss.column_features())
        data_term = loss.loss
    result = coordinate_descent(data_term, blocks, l2, coef, tol, max_iter, polish=polish,
                                guess=guess)
    return xp.asarray(result.V, dtype=coef.dtype), result.n_iter, result.relative_gap, None


def _chain_on_sparse_rows(loss, penalty):
    """Blocks coupled across tasks (the temporal models) on the rows of a sparse X, which
    the chain kernels do not read."""
    rows = getattr(getattr(loss, "loss", loss), "X", None)
    return isinstance(penalty.coordinate_blocks(1), ChainBlocks) and isinstance(
        rows, (CentredSparse, SparseTaskRows))
