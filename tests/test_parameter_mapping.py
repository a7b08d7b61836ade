"""The conversions of the user guide's comparison page (MALSAR and RMTL parameters).

Each case writes the other package's objective, as the page states it, in cvxpy and
solves it with Clarabel; the skmtl estimator built with the converted parameters
must reach that optimum when its solution is put into the same objective.  A wrong
factor in a conversion moves the solution far from it.
"""

import numpy as np
import pytest

from skmtl import (
    ClusteredRegressor,
    FusedSparseGroupLassoClassifier,
    FusedSparseGroupLassoRegressor,
    GraphRegularizedRegressor,
    IndependentLassoRegressor,
    JointFeatureClassifier,
    JointFeatureRegressor,
    RobustFeatureClassifier,
    RobustFeatureRegressor,
    SharedSubspaceClassifier,
    SharedSubspaceRegressor,
    SparseLowRankClassifier,
    SparseLowRankRegressor,
    TemporalGroupLassoClassifier,
    TemporalGroupLassoRegressor,
    TraceNormRegressor,
)

cp = pytest.importorskip("cvxpy")

SIZES = (12, 20, 15)
N_FEATURES = 4
TIGHT = {"tol": 1e-10, "max_iter": 100000}


def problem(classification=False, seed=0):
    rng = np.random.default_rng(seed)
    tasks = np.repeat(np.arange(len(SIZES)), SIZES)
    X = rng.standard_normal((tasks.size, N_FEATURES))
    W = rng.standard_normal((len(SIZES), N_FEATURES))
    y = np.einsum("ij,ij->i", X, W[tasks]) + 0.5 * rng.standard_normal(tasks.size)
    if classification:
        y = np.where(y > 0, 1.0, -1.0)
    return X, y, tasks


def squared_sum(X, y, tasks, W, per_task_mean):
    """Σ_t ‖X_t w_t − y_t‖², or Σ_t (1/n_t)‖X_t w_t − y_t‖² (a per-task mean)."""
    terms = []
    for t in range(len(SIZES)):
        rows = tasks == t
        term = cp.sum_squares(X[rows] @ W[t] - y[rows])
        terms.append(term / rows.sum() if per_task_mean else term)
    return sum(terms)


def minimum(objective, constraints=()):
    problem = cp.Problem(cp.Minimize(objective), list(constraints))
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-9)
    return problem.value


def assert_reaches_the_optimum(build, *solution):
    """``build(*parts) -> (objective, constraints)`` over cvxpy variables or constants."""
    optimum = minimum(*build(*(cp.Variable(part.shape) for part in solution)))
    at_solution = minimum(*build(*solution))
    assert at_solution == pytest.approx(optimum, rel=1e-7)


def l21(W):
    return sum(cp.norm(W[:, j], 2) for j in range(N_FEATURES))


def task_groups(W):
    """Σ_t ‖w_t‖₂, MALSAR's ‖Qᵀ‖_{2,1} for its Q of features × tasks."""
    return sum(cp.norm(W[t, :], 2) for t in range(len(SIZES)))


def logistic_sum(X, y, tasks, W, c):
    """Σ_t (1/n_t) Σ_i log(1 + exp(−y_i(x_i'w_t + c_t)))."""
    loss = 0
    for t in range(len(SIZES)):
        rows = tasks == t
        loss += cp.sum(cp.logistic(-cp.multiply(y[rows], X[rows] @ W[t] + c[t]))) / rows.sum()
    return loss


MALSAR_RHO1, MALSAR_RHO2, MALSAR_RHO_L2 = 3.0, 2.0, 1.5
RMTFL_RHO2 = 3.5


@pytest.mark.parametrize("name", ["Least_Lasso", "Least_L21", "Least_Trace", "Least_CMTL",
                                  "Least_rMTFL", "Least_CASO"])
def test_malsar_least_squares(name):
    """Σ_t ‖X_t w_t − y_t‖² + penalty: κ = 2N, ``task_weights='size'``, no intercept."""
    X, y, tasks = problem()
    n = len(y)
    rho1, rho2, rho_l2 = MALSAR_RHO1, MALSAR_RHO2, MALSAR_RHO_L2
    k = 2
    models = {
        "Least_Lasso": IndependentLassoRegressor(alpha=rho1 / (2 * n), l2=rho_l2 / n),
        "Least_L21": JointFeatureRegressor(alpha=rho1 / (2 * n), l2=rho_l2 / n),
        "Least_Trace": TraceNormRegressor(alpha=rho1 / (2 * n)),
        "Least_CMTL": ClusteredRegressor(alpha=rho1 / (2 * n), l2=rho2 / (2 * n),
                                         n_clusters=k),
        # ρ2 = 3.5 uses both parts here (ρ2 = 2 leaves P = 0)
        "Least_rMTFL": RobustFeatureRegressor(alpha_shared=rho1 / (2 * n),
                                              alpha_outlier=RMTFL_RHO2 / (2 * n)),
        "Least_CASO": SharedSubspaceRegressor(alpha=rho1 / (2 * n), l2=rho2 / (2 * n),
                                              n_components=k),
    }

    def build(W):
        loss = squared_sum(X, y, tasks, W, per_task_mean=False)
        if name == "Least_Lasso":
            return loss + rho1 * cp.sum(cp.abs(W)) + rho_l2 * cp.sum_squares(W), []
        if name == "Least_L21":
            return loss + rho1 * l21(W) + rho_l2 * cp.sum_squares(W), []
        if name == "Least_Trace":
            return loss + rho1 * cp.normNuc(W), []
        if name == "Least_rMTFL":  # W = P + Q, minimized over the split
            P = cp.Variable(W.shape)
            return loss + rho1 * l21(P) + RMTFL_RHO2 * task_groups(W - P), []
        penalty, constraints = malsar_structure_penalty(name, W, rho1, rho2, k)
        return loss + penalty, constraints

    model = models[name].set_params(task_weights="size", fit_intercept=False, **TIGHT)
    assert_reaches_the_optimum(build, model.fit(X, y, tasks=tasks).coef_)
    if name == "Least_rMTFL":
        assert model.outlier_tasks_.size and np.any(model.joint_coef_)


def test_malsar_logistic_rmtfl():
    """Logistic_rMTFL: κ = 1, ``task_weights='uniform'``, intercepts."""
    X, y, tasks = problem(classification=True)
    rho1, rho2 = 0.05, 0.05

    def build(W, c):
        P = cp.Variable(W.shape)
        return logistic_sum(X, y, tasks, W, c) + rho1 * l21(P) + rho2 * task_groups(W - P), []

    model = RobustFeatureClassifier(alpha_shared=rho1, alpha_outlier=rho2, **TIGHT).fit(
        X, y, tasks=tasks)
    assert model.outlier_tasks_.size and np.any(model.joint_coef_)  # both parts used
    assert_reaches_the_optimum(build, model.coef_, model.intercept_)


def _bounded_trace_solve(loss_of, shape, n_intercepts, rho1, rho2):
    """MALSAR's SparseTrace: min loss(P + Q) + ρ1‖P‖₁ s.t. ‖Q‖_* ≤ ρ2; returns the
    solution W and the multiplier λ of the bound (its dual value)."""
    P, Q = cp.Variable(shape), cp.Variable(shape)
    c = cp.Variable(n_intercepts) if n_intercepts else None
    bound = cp.normNuc(Q) <= rho2
    problem = cp.Problem(cp.Minimize(loss_of(P + Q, c) + rho1 * cp.sum(cp.abs(P))), [bound])
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-9)
    assert np.sum(np.linalg.svd(Q.value, compute_uv=False)) == pytest.approx(rho2, rel=1e-6)
    return P.value + Q.value, float(bound.dual_value)


def _bounded_trace_objective(loss_of, rho1, rho2):
    def build(W, *c):
        P = cp.Variable(W.shape)
        return loss_of(W, *c) + rho1 * cp.sum(cp.abs(P)), [cp.normNuc(W - P) <= rho2]
    return build


def test_malsar_least_sparse_trace():
    """Least_SparseTrace bounds the trace norm: κ = 2N for the loss and ρ1, and
    ``alpha_lowrank`` = λ/(2N) with λ the bound's multiplier, the spectral norm of the
    loss gradient at the solution; the fit then meets the bound and reaches the optimum."""
    X, y, tasks = problem()
    n, rho1, rho2 = len(y), 3.0, 1.0

    def loss_of(W, c=None):
        return squared_sum(X, y, tasks, W, per_task_mean=False)

    W, multiplier = _bounded_trace_solve(loss_of, (len(SIZES), N_FEATURES), 0, rho1, rho2)
    gradient = np.stack([2 * X[tasks == t].T @ (X[tasks == t] @ W[t] - y[tasks == t])
                         for t in range(len(SIZES))])
    assert multiplier == pytest.approx(np.linalg.norm(gradient, 2), rel=1e-5)
    model = SparseLowRankRegressor(alpha_sparse=rho1 / (2 * n), alpha_lowrank=multiplier / (2 * n),
                                   task_weights="size", fit_intercept=False, **TIGHT)
    model.fit(X, y, tasks=tasks)
    assert np.sum(np.linalg.svd(model.lowrank_coef_, compute_uv=False)) == pytest.approx(
        rho2, rel=1e-5)
    assert np.any(model.sparse_coef_)
    assert_reaches_the_optimum(_bounded_trace_objective(loss_of, rho1, rho2), model.coef_)


def test_malsar_logistic_sparse_trace():
    """Logistic_SparseTrace: κ = 1, ``alpha_sparse`` = ρ1, ``alpha_lowrank`` = λ."""
    X, y, tasks = problem(classification=True)
    rho1, rho2 = 0.02, 1.0

    def loss_of(W, c):
        return logistic_sum(X, y, tasks, W, c)

    _, multiplier = _bounded_trace_solve(loss_of, (len(SIZES), N_FEATURES), len(SIZES),
                                         rho1, rho2)
    model = SparseLowRankClassifier(alpha_sparse=rho1, alpha_lowrank=multiplier, **TIGHT)
    model.fit(X, y, tasks=tasks)
    assert np.sum(np.linalg.svd(model.lowrank_coef_, compute_uv=False)) == pytest.approx(
        rho2, rel=1e-5)
    assert np.any(model.sparse_coef_)
    assert_reaches_the_optimum(_bounded_trace_objective(loss_of, rho1, rho2), model.coef_,
                               model.intercept_)


def malsar_structure_penalty(name, W, rho1, rho2, k):
    """ρ1 η(1+η) tr(W_m' (ηI + M)⁻¹ W_m), η = ρ2/ρ1, for MALSAR's W_m = W' (features ×
    tasks): CMTL's M is T × T (``matrix_frac`` of W_m'), CASO's d × d (of W_m)."""
    eta = rho2 / rho1
    coupled = W if name.endswith("CMTL") else W.T
    size = coupled.shape[0]
    M = cp.Variable((size, size), symmetric=True)
    penalty = rho1 * eta * (1 + eta) * cp.matrix_frac(coupled, eta * np.eye(size) + M)
    return penalty, [M >> 0, np.eye(size) - M >> 0, cp.trace(M) == k]


def test_malsar_logistic_caso():
    """Σ_t (1/n_t) Σ_i log(1 + exp(−y_i(x_i'w_t + c_t))) + the CASO penalty: κ = 1, with
    intercepts: ``SharedSubspaceClassifier(alpha=rho1, l2=rho2, n_components=k)``."""
    X, y, tasks = problem(classification=True)
    rho1, rho2, k = 0.3, 0.2, 2

    def build(W, c):
        penalty, constraints = malsar_structure_penalty("Logistic_CASO", W, rho1, rho2, k)
        return logistic_sum(X, y, tasks, W, c) + penalty, constraints

    model = SharedSubspaceClassifier(alpha=rho1, l2=rho2, n_components=k, **TIGHT).fit(
        X, y, tasks=tasks)
    assert_reaches_the_optimum(build, model.coef_, model.intercept_)


RMTL_LAM1, RMTL_LAM2 = 0.3, 0.2


def test_rmtl_regression_l21():
    """Σ_t (1/n_t)‖y_t − X_t w_t‖² + λ1‖W‖_{2,1} + λ2‖W‖_F²: κ = 2."""
    X, y, tasks = problem()

    def build(W):
        return (squared_sum(X, y, tasks, W, per_task_mean=True) + RMTL_LAM1 * l21(W)
                + RMTL_LAM2 * cp.sum_squares(W)), []

    model = JointFeatureRegressor(alpha=RMTL_LAM1 / 2, l2=RMTL_LAM2, fit_intercept=False,
                                  **TIGHT)
    assert_reaches_the_optimum(build, model.fit(X, y, tasks=tasks).coef_)


def test_rmtl_regression_graph():
    """λ1‖W G‖_F² with G the incidence matrix of the path 0 − 1 − 2 (W features × tasks
    in RMTL): ``GraphRegularizedRegressor(alpha=λ1, l2=λ2, task_graph=A)``."""
    X, y, tasks = problem()
    incidence = np.array([[1.0, 0.0], [-1.0, 1.0], [0.0, -1.0]])  # tasks × edges
    adjacency = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])

    def build(W):
        return (squared_sum(X, y, tasks, W, per_task_mean=True)
                + RMTL_LAM1 * cp.sum_squares(W.T @ incidence)
                + RMTL_LAM2 * cp.sum_squares(W)), []

    model = GraphRegularizedRegressor(alpha=RMTL_LAM1, l2=RMTL_LAM2, task_graph=adjacency,
                                      fit_intercept=False, **TIGHT)
    assert_reaches_the_optimum(build, model.fit(X, y, tasks=tasks).coef_)


def test_rmtl_classification_l21():
    """Σ_t (1/n_t) Σ_i log(1 + exp(−y_i(x_i'w_t + c_t))) + λ1‖W‖_{2,1} + λ2‖W‖_F²: κ = 1,
    with intercepts."""
    X, y, tasks = problem(classification=True)

    def build(W, c):
        loss = 0
        for t in range(len(SIZES)):
            rows = tasks == t
            margins = cp.multiply(y[rows], X[rows] @ W[t] + c[t])
            loss += cp.sum(cp.logistic(-margins)) / rows.sum()
        return loss + RMTL_LAM1 * l21(W) + RMTL_LAM2 * cp.sum_squares(W), []

    model = JointFeatureClassifier(alpha=RMTL_LAM1, l2=2 * RMTL_LAM2, **TIGHT).fit(
        X, y, tasks=tasks)
    assert_reaches_the_optimum(build, model.coef_, model.intercept_)


MALSAR_RHO3 = 2.5


def time_differences(W):
    """The rows w_(t+1) - w_t of consecutive tasks (MALSAR's W R, transposed)."""
    return W[1:, :] - W[:-1, :]


def malsar_temporal_penalty(name, W):
    """rho1 ||W||_F^2 + rho2 ||W R||_F^2 + rho3 ||W||_{2,1} (TGL);
    rho1 ||W||_1 + rho2 ||R W'||_1 + rho3 ||W||_{2,1} (CFGLasso)."""
    rho1, rho2, rho3 = MALSAR_RHO1, MALSAR_RHO2, MALSAR_RHO3
    if name.endswith("TGL"):
        return (rho1 * cp.sum_squares(W) + rho2 * cp.sum_squares(time_differences(W))
                + rho3 * l21(W))
    return rho1 * cp.sum(cp.abs(W)) + rho2 * cp.sum(cp.abs(time_differences(W))) + rho3 * l21(W)


@pytest.mark.parametrize("name", ["Least_TGL", "Least_CFGLasso"])
def test_malsar_least_squares_over_time(name):
    """κ = 2N, ``task_weights='size'``, no intercept; tasks 0, 1, 2 in time order."""
    X, y, tasks = problem()
    n = len(y)
    rho1, rho2, rho3 = MALSAR_RHO1, MALSAR_RHO2, MALSAR_RHO3
    model = (TemporalGroupLassoRegressor(alpha=rho3 / (2 * n), alpha_smooth=rho2 / n,
                                         l2=rho1 / n)
             if name == "Least_TGL" else
             FusedSparseGroupLassoRegressor(alpha_lasso=rho1 / (2 * n),
                                            alpha_fused=rho2 / (2 * n),
                                            alpha_group=rho3 / (2 * n)))

    def build(W):
        loss = squared_sum(X, y, tasks, W, per_task_mean=False)
        return loss + malsar_temporal_penalty(name, W), []

    model.set_params(task_weights="size", fit_intercept=False, **TIGHT)
    assert_reaches_the_optimum(build, model.fit(X, y, tasks=tasks).coef_)


@pytest.mark.parametrize("name", ["Logistic_TGL", "Logistic_CFGLasso"])
def test_malsar_logistic_over_time(name):
    """Σ_t (1/n_t) Σ_i log(1 + exp(−y_i(x_i'w_t + c_t))) + penalty: κ = 1, intercepts."""
    X, y, tasks = problem(classification=True)
    rho1, rho2, rho3 = MALSAR_RHO1 / 50, MALSAR_RHO2 / 50, MALSAR_RHO3 / 50
    model = (TemporalGroupLassoClassifier(alpha=rho3, alpha_smooth=2 * rho2, l2=2 * rho1)
             if name == "Logistic_TGL" else
             FusedSparseGroupLassoClassifier(alpha_lasso=rho1, alpha_fused=rho2,
                                             alpha_group=rho3))

    def build(W, c):
        loss = 0
        for t in range(len(SIZES)):
            rows = tasks == t
            margins = cp.multiply(y[rows], X[rows] @ W[t] + c[t])
            loss += cp.sum(cp.logistic(-margins)) / rows.sum()
        return loss + malsar_temporal_penalty(name, W) / 50, []

    model.set_params(**TIGHT).fit(X, y, tasks=tasks)
    assert_reaches_the_optimum(build, model.coef_, model.intercept_)
