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


MALSAR_RHO1, MALSAR_RHO2, MALSAR_RHO_L2 = 3.0, 2.0, 1.5


@pytest.mark.parametrize("name", ["Least_Lasso", "Least_L21", "Least_Trace", "Least_CMTL"])
def test_malsar_least_squares(name):
    """Σ_t ‖X_t w_t − y_t‖² + penalty: κ = 2N, ``task_weights='size'``, no intercept."""
    X, y, tasks = problem()
    n, n_tasks = len(y), len(SIZES)
    rho1, rho2, rho_l2 = MALSAR_RHO1, MALSAR_RHO2, MALSAR_RHO_L2
    eta, k = rho2 / rho1, 2
    models = {
        "Least_Lasso": IndependentLassoRegressor(alpha=rho1 / (2 * n), l2=rho_l2 / n),
        "Least_L21": JointFeatureRegressor(alpha=rho1 / (2 * n), l2=rho_l2 / n),
        "Least_Trace": TraceNormRegressor(alpha=rho1 / (2 * n)),
        "Least_CMTL": ClusteredRegressor(alpha=rho1 / (2 * n), l2=rho2 / (2 * n),
                                         n_clusters=k),
    }

    def build(W):
        loss = squared_sum(X, y, tasks, W, per_task_mean=False)
        if name == "Least_Lasso":
            return loss + rho1 * cp.sum(cp.abs(W)) + rho_l2 * cp.sum_squares(W), []
        if name == "Least_L21":
            return loss + rho1 * l21(W) + rho_l2 * cp.sum_squares(W), []
        if name == "Least_Trace":
            return loss + rho1 * cp.normNuc(W), []
        M = cp.Variable((n_tasks, n_tasks), symmetric=True)
        penalty = rho1 * eta * (1 + eta) * cp.matrix_frac(W, eta * np.eye(n_tasks) + M)
        return loss + penalty, [M >> 0, np.eye(n_tasks) - M >> 0, cp.trace(M) == k]

    model = models[name].set_params(task_weights="size", fit_intercept=False, **TIGHT)
    assert_reaches_the_optimum(build, model.fit(X, y, tasks=tasks).coef_)


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
