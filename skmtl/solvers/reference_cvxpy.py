"""Reference solver for the regularized multi-task objectives, built on cvxpy.

This module is the independent ground truth of the package: the objective is
written from its definition, in *sample form* (one loss term per row, no Gram
matrices, no centering), and handed to the interior-point solver Clarabel at
tight tolerances. It is slow and meant for small problems, tests and
benchmarks.

Data are in routed form: a design ``X`` of shape ``(n, d)``, targets ``y`` of
shape ``(n,)``, and ``task_index`` of shape ``(n,)`` giving the task
``t in [0, T)`` of every row. With sample weights ``s`` (default ones) and
per-task scales ``tau`` (default ones) the objective is

.. math::

    F(W, b) = \\sum_t \\frac{\\tau_t}{S_t} \\sum_{i \\in t}
              s_i \\, \\ell(y_i, x_i^\\top w_t + b_t) + \\Omega(W),
    \\qquad S_t = \\sum_{i \\in t} s_i,

with, by ``loss``,

.. math::

    \\ell(y, z) = \\tfrac12 (y - z)^2 \\quad (\\texttt{'squared'}), \\qquad
    \\ell(y, z) = \\log(1 + e^{-y z}),\\ y \\in \\{-1, +1\\}
    \\quad (\\texttt{'logistic'}),

where ``W`` has shape ``(T, d)`` with rows ``w_t`` and ``b`` holds the
unpenalized per-task intercepts (fixed to zero without an intercept). A task
whose total weight ``tau_t * S_t`` is zero contributes no loss term (and gets
``b_t = 0``).

Logistic loss and one-class tasks: when the rows of a task with positive loss
weight all carry the same label, the infimum 0 of its loss is reached only as
``b_t -> +inf`` (all labels ``+1``) or ``b_t -> -inf`` (all ``-1``), whatever
``w_t``. With an intercept, the reference solver therefore drops the rows of
such a task from the data term (they contribute 0), keeps ``w_t`` as a variable
set by ``Omega`` alone, and returns ``b_t = +inf`` or ``-inf``;
:func:`objective_value` accepts these infinite intercepts and gives the task a
zero loss. Without an intercept the loss is finite and no special case
applies. Other non-attained minima (e.g. linearly separable tasks with a zero
penalty) are not handled.

The penalties ``Omega`` are the same for both losses, by family:

``'shared_parameter'`` (``alpha_shared``, ``alpha_task``)
    ``W = 1 w0' + V`` and
    ``Omega = alpha_shared/2 ||w0||^2 + alpha_task/2 ||V||_F^2``,
    minimized over ``w0``.
``'mean'`` (``alpha``, ``l2``)
    ``alpha/2 sum_t ||w_t - mean_s w_s||^2 + l2/2 ||W||_F^2``.
``'graph'`` (``alpha``, ``l2``, ``task_graph``)
    ``alpha/2 sum_{s<t} A_st ||w_s - w_t||^2 + l2/2 ||W||_F^2`` with a
    symmetric non-negative ``A`` (``None``: complete graph with unit weights).
``'trace'`` (``alpha``, ``l2``)
    ``alpha ||W||_* + l2/2 ||W||_F^2`` (nuclear norm).
``'joint_feature'`` (``alpha``, ``l2``)
    ``alpha sum_j ||W[:, j]||_2 + l2/2 ||W||_F^2``.
``'lasso'`` (``alpha``, ``l2``)
    ``alpha sum_tj |W_tj| + l2/2 ||W||_F^2``.
``'temporal'`` (``alpha``, ``alpha_smooth``, ``l2``, ``order``)
    ``alpha sum_j ||W[:, j]||_2 + alpha_smooth/2 sum_k ||w_(k+1) - w_(k)||^2
    + l2/2 ||W||_F^2``, the rows ``w_(k)`` in the permutation ``order`` (None: their own).
``'fused_sparse_group'`` (``alpha_lasso``, ``alpha_fused``, ``alpha_group``, ``order``)
    ``alpha_lasso sum_tj |W_tj| + alpha_fused sum_j sum_k |W_(k+1)j - W_(k)j|
    + alpha_group sum_j ||W[:, j]||_2``, the rows in ``order``.
``'dirty'`` (``alpha_shared``, ``alpha_task``)
    ``W = P + Q`` and ``alpha_shared sum_j ||P[:, j]||_2 + alpha_task sum_tj |Q_tj|``,
    minimized over the split.
``'robust'`` (``alpha_lowrank``, ``alpha_outlier``)
    ``W = L + S`` and ``alpha_lowrank ||L||_* + alpha_outlier sum_t ||S[t, :]||_2``,
    minimized over the split.
``'robust_feature'`` (``alpha_shared``, ``alpha_outlier``)
    ``W = P + Q`` and
    ``alpha_shared sum_j ||P[:, j]||_2 + alpha_outlier sum_t ||Q[t, :]||_2``,
    minimized over the split.
``'sparse_low_rank'`` (``alpha_sparse``, ``alpha_lowrank``)
    ``W = P + Q`` and ``alpha_sparse sum_tj |P_tj| + alpha_lowrank ||Q||_*``,
    minimized over the split.
``'clustered'`` (``alpha``, ``l2``, ``n_clusters``)
    ``alpha eta (1 + eta) tr(W' (eta I + M)^-1 W)``, ``eta = l2 / alpha``, minimized
    over the T x T matrices ``M`` with ``0 <= M <= I`` and ``tr M = k``,
    ``k = min(n_clusters, T)``; both alphas must be positive. Written with
    ``cp.matrix_frac``, jointly convex in ``(W, M)``.
``'shared_subspace'`` (``alpha``, ``l2``, ``n_components``)
    ``alpha eta (1 + eta) tr(W (eta I + M)^-1 W')``, ``eta = l2 / alpha``, minimized
    over the d x d matrices ``M`` with ``0 <= M <= I`` and ``tr M = k``,
    ``k = min(n_components, d)`` (convex ASO: the clustered penalty of ``W'``).
``'relationship'`` (``alpha``, ``l2``)
    ``l2/2 ||W||_F^2 + alpha/2 tr(W' Sigma^-1 W)``, minimized over the T x T
    matrices ``Sigma >= 0`` with ``tr Sigma = 1``. The minimum is
    ``alpha/2 ||W||_*^2``, at ``Sigma = (W W')^(1/2) / tr((W W')^(1/2))``
    (Zhang & Yeung 2010; by Cauchy-Schwarz), which is how it is written here:
    the direct ``cp.matrix_frac`` form loses digits in the interior-point solver
    when W has rank below T, where the minimizing Sigma is singular.

Each family is one entry of
:data:`~skmtl.solvers.reference_penalties.FORMULATIONS`, which writes its penalty
as a NumPy value and a cvxpy expression; this module builds the data term and
solves.  The split (``'dirty'``, ``'robust'``, ``'robust_feature'``,
``'sparse_low_rank'``) and the ``M`` of ``'clustered'`` and ``'shared_subspace'`` are
variables of
the cvxpy problem; :func:`solve_reference` returns them (and Sigma), and
:func:`penalty_value` minimizes over them with cvxpy when they are not given.
"""

import math
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from .reference_penalties import FORMULATIONS, check_coef, relationship_covariance

__all__ = [
    "FAMILIES",
    "LOSSES",
    "DEFAULT_CLARABEL_SETTINGS",
    "penalty_value",
    "objective_value",
    "solve_reference",
    "relationship_covariance",
]

#: The families, each one entry of
#: :data:`~skmtl.solvers.reference_penalties.FORMULATIONS`.
FAMILIES = tuple(FORMULATIONS)
LOSSES = ("squared", "logistic")

#: Clarabel settings of the first, tight solve. ``solver_options`` override them.
DEFAULT_CLARABEL_SETTINGS = {
    "tol_gap_abs": 1e-11,
    "tol_gap_rel": 1e-11,
    "tol_feas": 1e-9,
    "tol_ktratio": 1e-8,
    "max_iter": 500,
}

# Logistic loss: exponential-cone solves occasionally stall just short of the tight
# tolerances; a retry at the same tolerances with shorter steps (better centred
# iterates) is made before the fallback solve.
_LOGISTIC_RETRY = {"max_step_fraction": 0.9}

# Tolerances of the fallback solve, used only when the first solve does not report
# full optimality (Clarabel's own defaults; a looser tolerance asked for is kept).
_FALLBACK_TOLERANCES = {
    "tol_gap_abs": 1e-8,
    "tol_gap_rel": 1e-8,
    "tol_feas": 1e-8,
    "tol_ktratio": 1e-6,
}

_CVXPY_MISSING = "solver='cvxpy' needs the optional dependency cvxpy: pip install 'skmtl[cvxpy]'"


# --------------------------------------------------------------------------- #
# Validation helpers
# --------------------------------------------------------------------------- #
def _formulation(family, params):
    """The family's formulation and its validated parameters."""
    if family not in FORMULATIONS:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}.")
    formulation = FORMULATIONS[family]
    return formulation, formulation.check({} if params is None else dict(params))


def _check_loss(loss):
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}.")


def _check_labels(y, loss):
    """Logistic loss: every label must be -1 or +1."""
    if loss != "logistic":
        return
    bad = np.unique(y[(y != 1) & (y != -1)])
    if bad.size:
        shown = ", ".join(repr(float(v)) for v in bad[:5]) + (", ..." if bad.size > 5 else "")
        raise ValueError(f"loss='logistic' needs labels y in {{-1, +1}}; got the values {shown}.")


def _one_class_tasks(y, ti, n_tasks, c):
    """Sign (+1, -1 or 0) of the tasks whose rows with ``c > 0`` hold a single label."""
    active = c > 0
    n_rows = np.bincount(ti[active], minlength=n_tasks)
    n_pos = np.bincount(ti[active & (y > 0)], minlength=n_tasks)
    sign = np.zeros(n_tasks, dtype=np.int64)
    sign[(n_rows > 0) & (n_pos == n_rows)] = 1
    sign[(n_rows > 0) & (n_pos == 0)] = -1
    return sign


def _check_routed(X, y, task_index, n_tasks, sample_weight, task_scale):
    """Validate routed data; return float64 arrays and the per-row loss weights."""
    if sp.issparse(X):
        X = X.toarray()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}.")
    n = X.shape[0]
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), got {y.shape}.")
    n_tasks = int(n_tasks)
    if n_tasks < 1:
        raise ValueError("n_tasks must be at least 1.")
    ti = np.asarray(task_index)
    if ti.shape != (n,):
        raise ValueError(f"task_index must have shape ({n},), got {ti.shape}.")
    if ti.size and not np.all(ti == np.round(ti)):
        raise ValueError("task_index must hold integers.")
    ti = ti.astype(np.intp)
    if ti.size and (ti.min() < 0 or ti.max() >= n_tasks):
        raise ValueError(f"task_index must lie in [0, {n_tasks}).")
    if sample_weight is None:
        s = np.ones(n)
    else:
        s = np.asarray(sample_weight, dtype=np.float64)
        if s.shape != (n,):
            raise ValueError(f"sample_weight must have shape ({n},), got {s.shape}.")
        if not np.all(np.isfinite(s)) or np.any(s < 0):
            raise ValueError("sample_weight must be finite and non-negative.")
    if task_scale is None:
        tau = np.ones(n_tasks)
    else:
        tau = np.asarray(task_scale, dtype=np.float64)
        if tau.shape != (n_tasks,):
            raise ValueError(f"task_scale must have shape ({n_tasks},), got {tau.shape}.")
        if not np.all(np.isfinite(tau)) or np.any(tau < 0):
            raise ValueError("task_scale must be finite and non-negative.")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X and y must be finite.")
    return X, y, ti, n_tasks, s, tau


def _row_loss_weights(ti, n_tasks, s, tau):
    """Per-row weights ``c_i = tau_t s_i / S_t`` (zero for tasks with ``S_t = 0``)."""
    S = np.bincount(ti, weights=s, minlength=n_tasks)
    factor = np.zeros(n_tasks)
    pos = S > 0
    factor[pos] = tau[pos] / S[pos]
    return factor[ti] * s


# --------------------------------------------------------------------------- #
# NumPy evaluation of the objective, from its definition
# --------------------------------------------------------------------------- #
def penalty_value(family, coef, params, shared_coef=None, components=None):
    """Evaluate the penalty ``Omega(W)`` of a family with NumPy.

    Parameters
    ----------
    family : str
        Regularization family, one of :data:`FAMILIES`.
    coef : array-like of shape (n_tasks, n_features)
        Coefficient matrix ``W`` with one row ``w_t`` per task.
    params : dict
        Family parameters: ``alpha_shared`` and ``alpha_task`` for
        ``'shared_parameter'``; ``alpha`` and ``l2`` (default 0) otherwise;
        ``'graph'`` also reads ``task_graph`` (default ``None``, the complete
        graph with unit weights). Other keys are ignored.
    shared_coef : array-like of shape (n_features,), default=None
        Shared component ``w0`` for ``'shared_parameter'`` (ignored by the
        other families). ``None`` uses the minimizing
        ``w0 = alpha_task * sum_t w_t / (alpha_shared + T * alpha_task)``
        (zero when both alphas are zero).
    components : tuple of two arrays of shape (n_tasks, n_features), default=None
        The split ``(P, Q)`` (``'dirty'``, ``'robust_feature'``, ``'sparse_low_rank'``) or
        ``(L, S)`` (``'robust'``) of ``coef``, which must sum to it; ``None`` minimizes
        over the split with cvxpy.
        Ignored by the other families.

    Returns
    -------
    value : float
        ``alpha_shared/2 ||w0||^2 + alpha_task/2 ||W - 1 w0'||_F^2``,
        ``alpha/2 sum_t ||w_t - mean(w)||^2``,
        ``alpha/2 sum_{s<t} A_st ||w_s - w_t||^2``, ``alpha ||W||_*`` or
        ``alpha sum_j ||W[:, j]||_2`` respectively, plus ``l2/2 ||W||_F^2``
        for all families but ``'shared_parameter'``; for the families of the
        module docstring that follow, their penalty (minimized with cvxpy over
        the split or the task matrix when these are not given).
    """
    formulation, p = _formulation(family, params)
    return formulation.value(check_coef(coef), p, shared_coef=shared_coef,
                             components=components)


def objective_value(
    family,
    X,
    y,
    task_index,
    n_tasks,
    coef,
    intercept,
    params,
    *,
    sample_weight=None,
    task_scale=None,
    shared_coef=None,
    loss="squared",
    components=None,
):
    """Evaluate the multi-task objective ``F(W, b)`` with NumPy.

    .. math::

        F(W, b) = \\sum_t \\frac{\\tau_t}{S_t} \\sum_{i \\in t}
                  s_i \\, \\ell(y_i, x_i^\\top w_t + b_t) + \\Omega(W),
        \\qquad S_t = \\sum_{i \\in t} s_i,

    with ``l(y, z) = (y - z)^2 / 2`` (``loss='squared'``) or
    ``l(y, z) = log(1 + exp(-y z))`` (``loss='logistic'``, labels in
    ``{-1, +1}``, evaluated stably as ``logaddexp(0, -y z)``).

    A task with ``S_t = 0`` contributes no loss term. With the logistic loss
    an infinite intercept is accepted: ``b_t = +inf`` (``-inf``) gives zero
    loss to the rows labelled ``+1`` (``-1``) and an infinite one to the
    others, so that a one-class task solved by :func:`solve_reference`
    contributes 0. Rows with zero sample weight are ignored.

    Parameters
    ----------
    family : str
        Regularization family, one of :data:`FAMILIES`, see :func:`penalty_value`.
    X : array-like of shape (n_samples, n_features)
        Design matrix, one row per sample (scipy sparse is densified).
    y : array-like of shape (n_samples,)
        Targets (``loss='squared'``) or labels in ``{-1, +1}``
        (``loss='logistic'``).
    task_index : array-like of int of shape (n_samples,)
        Task of each row, in ``[0, n_tasks)``.
    n_tasks : int
        Number of tasks ``T``.
    coef : array-like of shape (n_tasks, n_features)
        Coefficients ``W``.
    intercept : array-like of shape (n_tasks,) or None
        Intercepts ``b``; ``None`` means zeros. With ``loss='logistic'`` they
        may be ``+inf`` or ``-inf`` (one-class tasks).
    params : dict
        Family parameters, see :func:`penalty_value`.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights ``s``; ``None`` means ones.
    task_scale : array-like of shape (n_tasks,), default=None
        Non-negative task scales ``tau``; ``None`` means ones.
    shared_coef : array-like of shape (n_features,), default=None
        Shared component ``w0`` for ``'shared_parameter'``; ``None`` uses
        the minimizing one, see :func:`penalty_value`.
    loss : {'squared', 'logistic'}, default='squared'
        Data-fit loss ``l``.
    components : tuple of two arrays of shape (n_tasks, n_features), default=None
        The split of ``coef`` for the split families, see :func:`penalty_value`.

    Returns
    -------
    value : float
        ``F(W, b)`` (``inf`` when an infinite intercept meets a row of the
        other class).
    """
    _check_loss(loss)
    X, y, ti, T, s, tau = _check_routed(X, y, task_index, n_tasks, sample_weight, task_scale)
    _check_labels(y, loss)
    W = check_coef(coef)
    if W.shape != (T, X.shape[1]):
        raise ValueError(f"coef must have shape ({T}, {X.shape[1]}), got {W.shape}.")
    b = np.zeros(T) if intercept is None else np.asarray(intercept, dtype=np.float64)
    if b.shape != (T,):
        raise ValueError(f"intercept must have shape ({T},), got {b.shape}.")

    data = 0.0
    for t in range(T):
        rows = np.flatnonzero(ti == t)
        S_t = float(np.sum(s[rows]))
        if S_t <= 0 or tau[t] == 0:
            continue
        if loss == "squared":
            resid = y[rows] - X[rows] @ W[t] - b[t]
            data += tau[t] / S_t * 0.5 * float(np.sum(s[rows] * resid * resid))
        else:
            # Zero-weight rows are skipped: with b_t = +-inf they would give 0 * inf.
            rows = rows[s[rows] > 0]
            margin = y[rows] * (X[rows] @ W[t] + b[t])
            data += tau[t] / S_t * float(np.sum(s[rows] * np.logaddexp(0.0, -margin)))
    return data + penalty_value(family, W, params, shared_coef=shared_coef,
                                components=components)


# --------------------------------------------------------------------------- #
# cvxpy reference solve
# --------------------------------------------------------------------------- #
def _build_problem(cp, family, p, X, y, ti, T, c, fit_intercept, y_scale, obj_scale, loss):
    """cvxpy problem in the variables of the rescaled targets ``y / y_scale``.

    Squared loss: one residual ``sqrt(c_i) (x_i . w_{t_i} + b_{t_i} - y_i / y_scale)``
    per row. Logistic loss (``y_scale = 1``): one margin
    ``y_i (x_i . w_{t_i} + b_{t_i})`` per row, in ``c_i logistic(-margin_i)``.
    Only rows with ``c_i > 0`` enter.
    """
    n, d = X.shape
    active = c > 0
    rows = np.flatnonzero(active)
    # Row factor of the linear map (W, b) -> residual (squared) or margin (logistic).
    row_factor = np.sqrt(c[rows]) if loss == "squared" else y[rows]
    m = rows.size

    # Block design: row i of the data hits columns t_i*d .. t_i*d + d - 1 of vec(W)
    # (row-major), so that ``Z @ w`` is the vector of predictions x_i . w_{t_i}
    # times the row factor.
    col = (ti[rows, None] * d + np.arange(d)[None, :]).ravel()
    row = np.repeat(np.arange(m), d)
    vals = (row_factor[:, None] * X[rows]).ravel()
    Z = sp.csr_matrix((vals, (row, col)), shape=(m, T * d))

    formulation = FORMULATIONS[family]
    w_flat, variables = formulation.variables(cp, T, d, p)
    W = cp.reshape(w_flat, (T, d), order="C")

    linear = Z @ w_flat
    b = None
    if fit_intercept:
        # Intercepts only for tasks that carry loss; the others are fixed to zero.
        loss_tasks = np.unique(ti[rows])
        if loss_tasks.size:
            b = cp.Variable(loss_tasks.size, name="b")
            pos = np.searchsorted(loss_tasks, ti[rows])
            E = sp.csr_matrix((row_factor, (np.arange(m), pos)), shape=(m, loss_tasks.size))
            linear = linear + E @ b
            variables["b_tasks"] = loss_tasks
    terms = []
    if m:
        if loss == "squared":
            target = np.sqrt(c[rows]) * (y[rows] / y_scale)
            terms.append(0.5 * cp.sum_squares(linear - target))
        else:
            # log(1 + exp(-margin)) per row (exponential cone).
            terms.append(cp.sum(cp.multiply(c[rows], cp.logistic(-linear))))

    penalty_terms, constraints, extras = formulation.terms(cp, W, w_flat, p, y_scale, variables)
    terms.extend(penalty_terms)
    variables.update(extras)

    objective = cp.sum(terms) if terms else cp.Constant(0.0)
    problem = cp.Problem(cp.Minimize(objective / obj_scale), constraints)
    return problem, W, b, variables


def import_cvxpy():
    """The cvxpy module, or an ImportError that says how to install it."""
    try:
        import cvxpy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_CVXPY_MISSING) from exc
    return cvxpy


def _solve_once(cp, problem, settings):
    """Run Clarabel; return the cvxpy status (``None`` if the solver raised)."""
    opts = dict(settings)
    opts.setdefault("accept_unknown", True)
    try:
        with warnings.catch_warnings():
            # The status is inspected by the caller; cvxpy's generic notice is noise.
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            problem.solve(solver=cp.CLARABEL, verbose=False, **opts)
    except cp.error.SolverError:
        return None
    return problem.status


def solve_reference(
    family,
    X,
    y,
    task_index,
    n_tasks,
    params,
    *,
    sample_weight=None,
    task_scale=None,
    fit_intercept=True,
    solver_options=None,
    loss="squared",
):
    """Solve the multi-task problem with cvxpy and Clarabel (reference solver).

    Minimizes

    .. math::

        F(W, b) = \\sum_t \\frac{\\tau_t}{S_t} \\sum_{i \\in t}
                  s_i \\, \\ell(y_i, x_i^\\top w_t + b_t) + \\Omega(W)

    over ``W`` (and ``b`` when ``fit_intercept``), with
    ``l(y, z) = (y - z)^2 / 2`` (``loss='squared'``) or
    ``l(y, z) = log(1 + exp(-y z))`` (``loss='logistic'``, written with
    ``cp.logistic``, an exponential-cone term), in sample form: one weighted
    loss term per row with positive weight, no Gram matrices and no
    centering. See the module docstring for ``Omega``.

    With the logistic loss and ``fit_intercept``, a task whose rows with
    positive weight hold a single label gets ``b_t = +inf`` (all ``+1``) or
    ``-inf`` (all ``-1``): its rows are left out of the data term, where they
    would contribute 0 in the limit, and its ``w_t`` is set by ``Omega`` alone
    (see the module docstring).

    For conditioning, with the squared loss the targets are divided by their
    weighted root mean square ``kappa`` (the coefficients and intercepts are
    multiplied back, the norm penalties ``'trace'`` and ``'joint_feature'``
    use ``alpha / kappa``, which is an exact reformulation); the labels of
    the logistic loss are not rescaled. With both losses the objective is
    divided by the sum of ``tau_t`` over the tasks that enter the data term;
    the returned coefficients and objective are in the original units.

    Clarabel first runs with :data:`DEFAULT_CLARABEL_SETTINGS` updated with
    ``solver_options``. If it does not report full optimality (status
    ``'optimal_inaccurate'``, an iteration limit, or a solver failure) the
    problem is solved again with Clarabel's standard tolerances (``1e-8``);
    with the logistic loss, whose exponential-cone solves occasionally stall
    just short of the tight tolerances, a retry at the same tolerances with
    ``max_step_fraction=0.9`` comes before (unless ``solver_options`` sets
    ``max_step_fraction``). Of all the solutions found the one with the lowest
    :func:`objective_value` is returned. Since the problem is unconstrained in
    ``(W, b)``, every returned point is feasible and only its objective
    matters: the status is reported as ``'optimal'`` when the returned point
    is at least as good as a solve that Clarabel certified optimal. Otherwise
    an ``'optimal_inaccurate'`` or ``'user_limit'`` result is still returned,
    with a :class:`~sklearn.exceptions.ConvergenceWarning`.

    Parameters
    ----------
    family : str
        Regularization family, one of :data:`FAMILIES`.
    X : array-like of shape (n_samples, n_features)
        Design matrix (scipy sparse is densified).
    y : array-like of shape (n_samples,)
        Targets (``loss='squared'``) or labels in ``{-1, +1}``
        (``loss='logistic'``).
    task_index : array-like of int of shape (n_samples,)
        Task of each row, in ``[0, n_tasks)``.
    n_tasks : int
        Number of tasks ``T``.
    params : dict
        Family parameters, see :func:`penalty_value`.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights; ``None`` means ones.
    task_scale : array-like of shape (n_tasks,), default=None
        Non-negative task scales; ``None`` means ones.
    fit_intercept : bool, default=True
        Whether to fit the unpenalized per-task intercepts ``b``. Tasks
        without loss weight get ``b_t = 0``; with the logistic loss, one-class
        tasks get ``b_t = +-inf``.
    solver_options : dict, default=None
        Clarabel settings (e.g. ``tol_gap_rel``, ``max_iter``) that override
        :data:`DEFAULT_CLARABEL_SETTINGS` in the first solve.
    loss : {'squared', 'logistic'}, default='squared'
        Data-fit loss ``l``.

    Returns
    -------
    result : dict
        ``coef`` : ndarray of shape (n_tasks, n_features);
        ``intercept`` : ndarray of shape (n_tasks,) (zeros without intercept;
        ``+inf`` or ``-inf`` for one-class tasks with the logistic loss);
        ``objective`` : float, :func:`objective_value` at the solution;
        ``shared_coef`` : ndarray of shape (n_features,) for
        ``'shared_parameter'`` (the minimizing ``w0`` for the returned
        ``coef``, so that the penalty with or without it agrees), else ``None``;
        ``components`` : the split ``(P, Q)`` or ``(L, S)`` for the split families
        (``'dirty'``, ``'robust'``, ``'robust_feature'``, ``'sparse_low_rank'``), else
        ``None``;
        ``task_matrix`` : ndarray, the minimizing ``M`` (``'clustered'``, shape
        (n_tasks, n_tasks); ``'shared_subspace'``, shape (n_features, n_features)) or
        ``Sigma`` (``'relationship'``), else ``None``;
        ``status`` : str, the cvxpy status of the returned solve.

    Raises
    ------
    ValueError
        If ``loss`` is not ``'squared'`` or ``'logistic'``, if the logistic
        labels are not all in ``{-1, +1}``, or for invalid data or parameters.
    ImportError
        If cvxpy is not installed.
    RuntimeError
        If no solve returns a usable solution; the message names the status.
    """
    cp = import_cvxpy()
    _check_loss(loss)
    formulation, p = _formulation(family, params)
    X, y, ti, T, s, tau = _check_routed(X, y, task_index, n_tasks, sample_weight, task_scale)
    _check_labels(y, loss)
    n, d = X.shape
    c = _row_loss_weights(ti, T, s, tau)

    one_class = np.zeros(T, dtype=np.int64)
    if loss == "logistic":
        if fit_intercept:
            # One-class tasks: b_t = +-inf, their rows leave the data term.
            one_class = _one_class_tasks(y, ti, T, c)
            c = np.where(one_class[ti] != 0, 0.0, c)
        y_scale = 1.0
    else:
        c_sum = float(np.sum(c))
        y_scale = math.sqrt(float(np.sum(c * y * y)) / c_sum) if c_sum > 0 else 0.0
        if not (y_scale > 0 and np.isfinite(y_scale)):
            y_scale = 1.0
    obj_scale = float(np.sum(tau[np.bincount(ti[c > 0], minlength=T) > 0]))
    if not obj_scale > 0:
        obj_scale = 1.0

    problem, W_expr, b_var, variables = _build_problem(
        cp, family, p, X, y, ti, T, c, fit_intercept, y_scale, obj_scale, loss
    )

    def extract():
        W_val = W_expr.value
        coef = np.zeros((T, d)) if W_val is None else np.asarray(W_val, dtype=np.float64)
        coef = coef.reshape(T, d) * y_scale
        intercept = np.zeros(T)
        if b_var is not None and b_var.value is not None:
            intercept[variables["b_tasks"]] = np.asarray(b_var.value).ravel() * y_scale
        intercept[one_class > 0] = np.inf
        intercept[one_class < 0] = -np.inf
        found = formulation.extract(coef, p, variables, y_scale)
        shared, components = found["shared_coef"], found["components"]
        obj = objective_value(
            family,
            X,
            y,
            ti,
            T,
            coef,
            intercept,
            params,
            sample_weight=s,
            task_scale=tau,
            shared_coef=shared,
            loss=loss,
            components=components,
        )
        return {"coef": coef, "intercept": intercept, "objective": obj, **found}

    usable = ("optimal", "optimal_inaccurate", "user_limit")
    candidates = []
    statuses = []
    first = dict(DEFAULT_CLARABEL_SETTINGS)
    if solver_options:
        first.update(solver_options)
    fallback = dict(first)
    for key, value in _FALLBACK_TOLERANCES.items():
        fallback[key] = max(float(first.get(key, value)), value)
    attempts = [first]
    if loss == "logistic" and not set(_LOGISTIC_RETRY) & set(first):
        attempts.append({**first, **_LOGISTIC_RETRY})
    if fallback != first:
        attempts.append(fallback)
    for settings in attempts:
        status = _solve_once(cp, problem, settings)
        statuses.append(status)
        if status in usable and W_expr.value is not None:
            res = extract()
            if np.isfinite(res["objective"]):
                res["status"] = status
                candidates.append(res)
                if status == "optimal":
                    break

    if not candidates:
        raise RuntimeError(
            f"cvxpy/Clarabel failed to solve the {family!r} problem "
            f"(statuses of the attempts: {statuses})."
        )
    best = min(candidates, key=lambda r: r["objective"])
    certified = [r["objective"] for r in candidates if r["status"] == "optimal"]
    if certified and best["objective"] <= min(certified):
        # Every (W, b) is feasible, so a point at least as good as a certified
        # optimum is itself optimal to the solver's tolerance.
        best["status"] = "optimal"
    if not certified:
        warnings.warn(
            f"cvxpy/Clarabel did not reach full optimality for the {family!r} problem "
            f"(statuses: {statuses}); returning the best inaccurate solution.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return best
