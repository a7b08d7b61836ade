"""Exact identities between the families and against independent references.

References are scikit-learn estimators (``Ridge``, ``Lasso``, ``MultiTaskLasso``)
or closed forms computed here with NumPy/SciPy straight from the objective

    F(W, b) = sum_t tau_t / S_t sum_{i in t} s_i (y_i - x_i.w_t - b_t)^2 / 2 + Omega(W).
"""

import numpy as np
import pytest
from scipy.optimize import brentq
from sklearn.linear_model import Lasso, MultiTaskLasso, Ridge

from skmtl import (
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)

ATOL = 1e-6
RTOL = 1e-6
TIGHT = {"tol": 1e-12, "max_iter": 100_000}
# The norm families stop on a relative duality gap; the coefficients' error is about the
# square root of the gap, so 1e-14 is needed for 1e-6 agreement.
TIGHTER = {"tol": 1e-14, "max_iter": 100_000}
QUADRATIC_SOLVERS = ["closed_form", "cg"]
SIZES = (12, 25, 31, 17)


# --------------------------------------------------------------------- data
def routed_data(seed=0, sizes=SIZES, d=5, weights=True):
    """Rows of unequal tasks, interleaved, with distinct intercepts and sample weights."""
    rng = np.random.default_rng(seed)
    T = len(sizes)
    task_index = rng.permutation(np.repeat(np.arange(T), sizes))
    n = task_index.size
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, d) + rng.normal(0, 1, d)
    W = rng.standard_normal(d) + 0.7 * rng.standard_normal((T, d))
    b = rng.normal(0.0, 2.0, T)
    y = np.einsum("ij,ij->i", X, W[task_index]) + b[task_index] + 0.5 * rng.standard_normal(n)
    s = rng.uniform(0.2, 3.0, n) if weights else None
    return X, y, task_index, s


def shared_data(seed=0, n=40, d=6, T=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + rng.normal(0, 1, d)
    W = np.zeros((T, d))
    W[:, :3] = rng.standard_normal((T, 3))
    Y = X @ W.T + rng.normal(0, 2, T) + 0.5 * rng.standard_normal((n, T))
    return X, Y


# --------------------------------------------------------- NumPy references
def _row_weights(task_index, T, s, task_weights):
    """omega_i = tau_t s_i / S_t for the routed data term."""
    s = np.ones(task_index.size) if s is None else np.asarray(s, dtype=float)
    totals = np.bincount(task_index, weights=s, minlength=T)
    if isinstance(task_weights, str):
        tau = np.ones(T) if task_weights == "uniform" else totals / totals.sum()
    else:
        tau = np.asarray(task_weights, dtype=float)
    return tau[task_index] * s / totals[task_index]


def _solve_quadratic(Z, y, omega, P):
    """argmin_z 1/2 sum omega_i (y_i - Z_i z)^2 + 1/2 z'Pz (minimum norm)."""
    H = Z.T @ (omega[:, None] * Z) + P
    g = Z.T @ (omega * y)
    return np.linalg.lstsq(H, g, rcond=None)[0]


def coupled_reference(X, y, task_index, T, Q, s=None, task_weights="uniform"):
    """Minimizer of the routed objective with Omega = 1/2 tr(W'QW), intercepts free.

    Unknowns z = (vec W row by row, b); the design Z puts x_i in the block of its task.
    """
    n, d = X.shape
    Z = np.zeros((n, T * d + T))
    for t in range(T):
        rows = task_index == t
        Z[rows, t * d:(t + 1) * d] = X[rows]
        Z[rows, T * d + t] = 1.0
    P = np.zeros((T * d + T, T * d + T))
    P[: T * d, : T * d] = np.kron(Q, np.eye(d))
    z = _solve_quadratic(Z, y, _row_weights(task_index, T, s, task_weights), P)
    return z[: T * d].reshape(T, d), z[T * d:]


def shared_parameter_reference(X, y, task_index, T, alpha_shared, alpha_task, s=None,
                               task_weights="uniform"):
    """Minimizer over (w0, V, b) of the shared-parameter objective, w_t = w0 + v_t."""
    n, d = X.shape
    m = d + T * d + T
    Z = np.zeros((n, m))
    Z[:, :d] = X
    for t in range(T):
        rows = task_index == t
        Z[rows, d + t * d:d + (t + 1) * d] = X[rows]
        Z[rows, d + T * d + t] = 1.0
    P = np.zeros((m, m))
    P[:d, :d] = alpha_shared * np.eye(d)
    P[d:d + T * d, d:d + T * d] = alpha_task * np.eye(T * d)
    z = _solve_quadratic(Z, y, _row_weights(task_index, T, s, task_weights), P)
    w0 = z[:d]
    V = z[d:d + T * d].reshape(T, d)
    return w0 + V, z[d + T * d:], w0


def mean_Q(alpha, l2, T):
    return alpha * (np.eye(T) - np.ones((T, T)) / T) + l2 * np.eye(T)


def graph_Q(alpha, l2, A):
    A = np.asarray(A, dtype=float) - np.diag(np.diag(A))
    return alpha * (np.diag(A.sum(axis=1)) - A) + l2 * np.eye(A.shape[0])


def per_task_ridge(X, y, task_index, T, l2, s=None, task_weights="uniform"):
    """Independent sklearn ridges: tau/S_t sum s (..)^2/2 + l2/2|w|^2 = Ridge(alpha=l2 S_t/tau)."""
    s = np.ones(task_index.size) if s is None else s
    totals = np.bincount(task_index, weights=s, minlength=T)
    tau = np.ones(T) if task_weights == "uniform" else totals / totals.sum()
    coef, intercept = [], []
    for t in range(T):
        rows = task_index == t
        ridge = Ridge(alpha=l2 * totals[t] / tau[t], solver="cholesky")
        ridge.fit(X[rows], y[rows], sample_weight=s[rows])
        coef.append(ridge.coef_)
        intercept.append(ridge.intercept_)
    return np.array(coef), np.array(intercept)


def stack_shared(X, Y):
    """The shared design as routed rows (task t = column t of Y)."""
    n, T = Y.shape
    return np.tile(X, (T, 1)), Y.T.reshape(-1), np.repeat(np.arange(T), n)


def assert_fit_equal(model, coef, intercept):
    np.testing.assert_allclose(model.coef_, coef, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(model.intercept_, intercept, rtol=RTOL, atol=ATOL)


# ----------------------------------------- quadratic families vs NumPy solve
@pytest.mark.parametrize("solver", QUADRATIC_SOLVERS)
@pytest.mark.parametrize("task_weights", ["uniform", "size", [0.5, 2.0, 1.0, 0.3]])
def test_mean_regularized_matches_normal_equations(solver, task_weights):
    X, y, t, s = routed_data(1)
    T = len(SIZES)
    model = MeanRegularizedRegressor(alpha=0.7, l2=0.05, solver=solver,
                                     task_weights=task_weights, **TIGHT)
    model.fit(X, y, tasks=t, sample_weight=s)
    coef, intercept = coupled_reference(X, y, t, T, mean_Q(0.7, 0.05, T), s, task_weights)
    assert_fit_equal(model, coef, intercept)
    np.testing.assert_allclose(model.mean_coef_, coef.mean(axis=0), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("solver", QUADRATIC_SOLVERS)
def test_shared_parameter_matches_joint_minimization(solver):
    X, y, t, s = routed_data(2)
    T = len(SIZES)
    model = SharedParameterRegressor(alpha_shared=0.3, alpha_task=0.8, solver=solver, **TIGHT)
    model.fit(X, y, tasks=t, sample_weight=s)
    coef, intercept, w0 = shared_parameter_reference(X, y, t, T, 0.3, 0.8, s)
    assert_fit_equal(model, coef, intercept)
    np.testing.assert_allclose(model.shared_coef_, w0, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("solver", QUADRATIC_SOLVERS)
def test_graph_matches_laplacian_normal_equations(solver):
    X, y, t, s = routed_data(3)
    A = np.array([[5.0, 1.0, 0.0, 0.5],
                  [1.0, 0.0, 2.0, 0.0],
                  [0.0, 2.0, 0.0, 0.3],
                  [0.5, 0.0, 0.3, 9.0]])  # the diagonal must be ignored
    model = GraphRegularizedRegressor(alpha=0.4, l2=0.02, task_graph=A, solver=solver, **TIGHT)
    model.fit(X, y, tasks=t, sample_weight=s)
    coef, intercept = coupled_reference(X, y, t, 4, graph_Q(0.4, 0.02, A), s)
    assert_fit_equal(model, coef, intercept)


# -------------------------------------------------- complete graph == mean
@pytest.mark.parametrize("design", ["routed", "shared"])
@pytest.mark.parametrize("solver", QUADRATIC_SOLVERS)
def test_complete_graph_is_mean_regularization(design, solver):
    a, l2 = 0.35, 0.01
    if design == "routed":
        X, y, t, s = routed_data(4)
        T = len(SIZES)
        fit_kw = {"tasks": t, "sample_weight": s}
    else:
        X, y = shared_data(4)
        T = y.shape[1]
        fit_kw = {}
    default = GraphRegularizedRegressor(alpha=a, l2=l2, solver=solver, **TIGHT).fit(X, y, **fit_kw)
    ones = GraphRegularizedRegressor(alpha=a, l2=l2, task_graph=np.ones((T, T)), solver=solver,
                                     **TIGHT).fit(X, y, **fit_kw)
    mean = MeanRegularizedRegressor(alpha=a * T, l2=l2, solver=solver, **TIGHT).fit(X, y, **fit_kw)
    for model in (ones, mean):
        assert_fit_equal(default, model.coef_, model.intercept_)
    if design == "routed":
        coef, intercept = coupled_reference(X, y, t, T, mean_Q(a * T, l2, T), s)
    else:
        Xs, ys, ts = stack_shared(X, y)
        coef, intercept = coupled_reference(Xs, ys, ts, T, mean_Q(a * T, l2, T))
    assert_fit_equal(default, coef, intercept)


@pytest.mark.parametrize("design", ["routed", "shared"])
def test_weighted_complete_graph_is_mean_with_scaled_alpha(design):
    a, w, l2 = 0.2, 2.5, 0.03
    if design == "routed":
        X, y, t, s = routed_data(5)
        T = len(SIZES)
        fit_kw = {"tasks": t, "sample_weight": s}
    else:
        X, y = shared_data(5)
        T = y.shape[1]
        fit_kw = {}
    graph = np.full((T, T), w)
    model = GraphRegularizedRegressor(alpha=a, l2=l2, task_graph=graph, **TIGHT).fit(X, y, **fit_kw)
    mean = MeanRegularizedRegressor(alpha=a * T * w, l2=l2, **TIGHT).fit(X, y, **fit_kw)
    assert_fit_equal(model, mean.coef_, mean.intercept_)


# ------------------------------------------ shared parameter == mean (l2)
@pytest.mark.parametrize("design", ["routed", "shared"])
@pytest.mark.parametrize("alpha_shared, alpha_task", [(0.3, 0.8), (2.0, 0.05), (0.0, 0.4)])
def test_shared_parameter_is_mean_regularization(design, alpha_shared, alpha_task):
    if design == "routed":
        X, y, t, s = routed_data(6)
        T = len(SIZES)
        fit_kw = {"tasks": t, "sample_weight": s}
    else:
        X, y = shared_data(6)
        T = y.shape[1]
        fit_kw = {}
    denominator = alpha_shared + T * alpha_task
    alpha = T * alpha_task**2 / denominator
    l2 = alpha_shared * alpha_task / denominator
    shared = SharedParameterRegressor(alpha_shared=alpha_shared, alpha_task=alpha_task, **TIGHT)
    mean = MeanRegularizedRegressor(alpha=alpha, l2=l2, **TIGHT)
    shared.fit(X, y, **fit_kw)
    mean.fit(X, y, **fit_kw)
    assert_fit_equal(shared, mean.coef_, mean.intercept_)
    # w0 = alpha_task sum_t w_t / (alpha_shared + T alpha_task)
    np.testing.assert_allclose(shared.shared_coef_, alpha_task * mean.coef_.sum(0) / denominator,
                               rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("task_weights", ["uniform", "size"])
def test_shared_parameter_large_alpha_shared_is_independent_ridge(task_weights):
    X, y, t, s = routed_data(7)
    T = len(SIZES)
    alpha_task = 0.15
    model = SharedParameterRegressor(alpha_shared=1e10, alpha_task=alpha_task,
                                     task_weights=task_weights, **TIGHT)
    model.fit(X, y, tasks=t, sample_weight=s)
    coef, intercept = per_task_ridge(X, y, t, T, alpha_task, s, task_weights)
    assert_fit_equal(model, coef, intercept)
    np.testing.assert_allclose(model.shared_coef_, 0.0, atol=1e-8)


# --------------------------------------------- alpha = 0 is per-task ridge
ALPHA_FAMILIES = {
    "mean": MeanRegularizedRegressor,
    "graph": GraphRegularizedRegressor,
    "trace": TraceNormRegressor,
    "joint_feature": JointFeatureRegressor,
}


@pytest.mark.parametrize("family", list(ALPHA_FAMILIES))
@pytest.mark.parametrize("task_weights", ["uniform", "size"])
@pytest.mark.parametrize("weighted", [False, True])
def test_alpha_zero_is_per_task_ridge(family, task_weights, weighted):
    X, y, t, s = routed_data(8, weights=weighted)
    T = len(SIZES)
    l2 = 0.08
    model = ALPHA_FAMILIES[family](alpha=0.0, l2=l2, task_weights=task_weights, **TIGHT)
    model.fit(X, y, tasks=t, sample_weight=s)
    coef, intercept = per_task_ridge(X, y, t, T, l2, s, task_weights)
    assert_fit_equal(model, coef, intercept)


@pytest.mark.parametrize("family", list(ALPHA_FAMILIES))
def test_alpha_zero_shared_design_is_ridge(family):
    """Shared design: every column is its own ridge, sklearn's multi-output Ridge(l2 n)."""
    X, Y = shared_data(9)
    n = X.shape[0]
    model = ALPHA_FAMILIES[family](alpha=0.0, l2=0.2, **TIGHT).fit(X, Y)
    ridge = Ridge(alpha=0.2 * n, solver="cholesky").fit(X, Y)
    assert_fit_equal(model, ridge.coef_, ridge.intercept_)


# ------------------------------------------------ L2,1 == MultiTaskLasso
@pytest.mark.parametrize("alpha", [0.05, 0.3])
def test_joint_feature_shared_design_is_multitask_lasso(alpha):
    X, Y = shared_data(10)
    model = JointFeatureRegressor(alpha=alpha, l2=0.0, **TIGHTER).fit(X, Y)
    ref = MultiTaskLasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, Y)
    assert_fit_equal(model, ref.coef_, ref.intercept_)
    np.testing.assert_array_equal(model.support_, np.linalg.norm(ref.coef_, axis=0) > 0)


def test_joint_feature_shared_design_size_weights_is_multitask_lasso():
    """'size' on a shared design: tau_t = 1/T, i.e. MultiTaskLasso(alpha * T)."""
    X, Y = shared_data(11)
    T = Y.shape[1]
    alpha = 0.1
    model = JointFeatureRegressor(alpha=alpha, task_weights="size", **TIGHTER).fit(X, Y)
    ref = MultiTaskLasso(alpha=alpha * T, tol=1e-12, max_iter=100_000).fit(X, Y)
    assert_fit_equal(model, ref.coef_, ref.intercept_)
    # Some feature is dropped by the joint penalty here: the identity covers a sparse fit.
    assert not np.all(model.support_)


def test_joint_feature_routed_copies_of_shared_design_is_multitask_lasso():
    """The shared design given as routed rows is the same problem."""
    X, Y = shared_data(12)
    Xs, ys, ts = stack_shared(X, Y)
    model = JointFeatureRegressor(alpha=0.2, **TIGHTER).fit(Xs, ys, tasks=ts)
    ref = MultiTaskLasso(alpha=0.2, tol=1e-12, max_iter=100_000).fit(X, Y)
    assert_fit_equal(model, ref.coef_, ref.intercept_)


# ------------------------------------------------------------ one task
@pytest.mark.parametrize("alpha", [0.01, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_joint_feature_one_task_is_lasso(alpha, weighted):
    X, y, _, s = routed_data(13, sizes=(60,), d=6, weights=weighted)
    model = JointFeatureRegressor(alpha=alpha, **TIGHTER).fit(X, y, sample_weight=s)
    ref = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y, sample_weight=s)
    assert_fit_equal(model, ref.coef_[None, :], [ref.intercept_])
    # predict of a one-task 1-D fit returns a 1-D array
    assert model.predict(X).shape == (X.shape[0],)


def test_joint_feature_one_routed_task_is_lasso():
    X, y, _, _ = routed_data(14, sizes=(50,), d=5, weights=False)
    labels = np.full(X.shape[0], "only")
    model = JointFeatureRegressor(alpha=0.1, **TIGHTER).fit(X, y, tasks=labels)
    ref = Lasso(alpha=0.1, tol=1e-12, max_iter=100_000).fit(X, y)
    assert_fit_equal(model, ref.coef_[None, :], [ref.intercept_])


def _one_task_statistics(X, y, s):
    s = np.ones(X.shape[0]) if s is None else s
    omega = s / s.sum()
    Xc = X - omega @ X
    yc = y - omega @ y
    return Xc.T @ (omega[:, None] * Xc), Xc.T @ (omega * yc), omega @ X, omega @ y


def group_lasso_reference(X, y, alpha, l2=0.0, s=None):
    """argmin 1/S sum s (y - xw - b)^2/2 + alpha|w|_2 + l2/2|w|^2 by a scalar root search.

    At a nonzero solution (G + (l2 + mu) I) w = c with mu = alpha / |w|; mu |w(mu)| grows
    from 0 to |c|, so a solution is nonzero iff |c| > alpha.
    """
    G, c, x_mean, y_mean = _one_task_statistics(X, y, s)
    d = G.shape[0]
    if np.linalg.norm(c) <= alpha:
        w = np.zeros(d)
    else:
        def w_of(mu):
            return np.linalg.solve(G + (l2 + mu) * np.eye(d), c)

        def excess(mu):
            return mu * np.linalg.norm(w_of(mu)) - alpha

        upper = 1.0
        while excess(upper) < 0:
            upper *= 2.0
        mu = brentq(excess, 1e-300, upper, xtol=1e-15, rtol=1e-15, maxiter=500)
        w = w_of(mu)
    return w, y_mean - x_mean @ w


@pytest.mark.parametrize("alpha, l2", [(0.05, 0.0), (0.4, 0.0), (0.3, 0.1)])
@pytest.mark.parametrize("weighted", [False, True])
def test_trace_norm_one_task_is_group_lasso(alpha, l2, weighted):
    X, y, _, s = routed_data(15, sizes=(50,), d=5, weights=weighted)
    G, c, _, _ = _one_task_statistics(X, y, s)
    assert np.linalg.norm(c) > alpha  # nonzero solution
    model = TraceNormRegressor(alpha=alpha, l2=l2, **TIGHTER).fit(X, y, sample_weight=s)
    w, b = group_lasso_reference(X, y, alpha, l2, s)
    assert_fit_equal(model, w[None, :], [b])
    # Optimality: the correlation of the residuals with the centred features has
    # norm alpha and the direction of w (l2 = 0) -- computed from the returned fit.
    if l2 == 0.0:
        w_fit = np.asarray(model.coef_)[0]
        correlation = c - G @ w_fit
        np.testing.assert_allclose(np.linalg.norm(correlation), alpha, rtol=1e-5)
        np.testing.assert_allclose(correlation, alpha * w_fit / np.linalg.norm(w_fit),
                                   atol=1e-5)
    assert model.rank_ == 1


def test_trace_norm_one_task_zero_solution_iff_correlation_below_alpha():
    X, y, _, _ = routed_data(16, sizes=(40,), d=4, weights=False)
    _, c, _, y_mean = _one_task_statistics(X, y, None)
    threshold = np.linalg.norm(c)
    above = TraceNormRegressor(alpha=1.001 * threshold, **TIGHTER).fit(X, y)
    np.testing.assert_array_equal(above.coef_, 0.0)
    np.testing.assert_allclose(above.intercept_, [y_mean], rtol=1e-12)
    assert above.rank_ == 0
    below = TraceNormRegressor(alpha=0.99 * threshold, **TIGHTER).fit(X, y)
    assert np.linalg.norm(below.coef_) > 0
    w, b = group_lasso_reference(X, y, 0.99 * threshold)
    assert_fit_equal(below, w[None, :], [b])


def test_trace_norm_and_joint_feature_one_task_with_one_feature_agree():
    """One task, one feature: both norms are alpha|w|, i.e. a 1-D lasso."""
    X, y, _, s = routed_data(17, sizes=(30,), d=1)
    ref = Lasso(alpha=0.1, tol=1e-12, max_iter=100_000).fit(X, y, sample_weight=s)
    for cls in (TraceNormRegressor, JointFeatureRegressor):
        model = cls(alpha=0.1, **TIGHTER).fit(X, y, sample_weight=s)
        assert_fit_equal(model, ref.coef_[None, :], [ref.intercept_])


# ------------------------------------------------ fit_intercept=False
@pytest.mark.parametrize("family", ["mean", "joint_feature"])
def test_no_intercept_alpha_zero_is_ridge_without_intercept(family):
    X, y, t, s = routed_data(18)
    T = len(SIZES)
    model = ALPHA_FAMILIES[family](alpha=0.0, l2=0.1, fit_intercept=False, **TIGHT)
    model.fit(X, y, tasks=t, sample_weight=s)
    totals = np.bincount(t, weights=s)
    for k in range(T):
        rows = t == k
        ridge = Ridge(alpha=0.1 * totals[k], fit_intercept=False, solver="cholesky")
        ridge.fit(X[rows], y[rows], sample_weight=s[rows])
        np.testing.assert_allclose(model.coef_[k], ridge.coef_, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(model.intercept_, 0.0)


# ------------------------------ orthonormal design: the solution is one prox
def orthonormal_shared_design(seed=0, n=30, d=5, T=4):
    """X with centred Gram X~'X~/n = I exactly, so F = 1/2|W|^2 - <C, W> + const + Omega."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, d))
    Q, _ = np.linalg.qr(Z - Z.mean(axis=0))
    X = np.sqrt(n) * Q + rng.normal(0, 1, d)
    Y = rng.standard_normal((n, T)) @ rng.standard_normal((T, T)) + X @ rng.standard_normal((d, T))
    Xc = X - X.mean(axis=0)
    C = ((Y - Y.mean(axis=0)).T @ Xc) / n  # (T, d)
    return X, Y, C


def singular_value_threshold(C, threshold):
    u, sv, vt = np.linalg.svd(C, full_matrices=False)
    return (u * np.maximum(sv - threshold, 0.0)) @ vt


def column_group_threshold(C, threshold):
    norms = np.linalg.norm(C, axis=0)
    return C * np.maximum(1.0 - threshold / np.maximum(norms, 1e-300), 0.0)


@pytest.mark.parametrize("task_weights", ["uniform", "size"])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_trace_norm_orthonormal_design_is_singular_value_thresholding(task_weights, l2):
    X, Y, C = orthonormal_shared_design(20)
    T = Y.shape[1]
    sv = np.linalg.svd(C, compute_uv=False)
    alpha = 0.5 * (sv[1] + sv[2]) / (T if task_weights == "size" else 1)
    model = TraceNormRegressor(alpha=alpha, l2=l2, task_weights=task_weights, **TIGHTER)
    model.fit(X, Y)
    # uniform: 1/2|W|^2 - <C,W> + alpha|W|_* + l2/2|W|^2; 'size' multiplies the data term by 1/T
    k = T if task_weights == "size" else 1
    W = singular_value_threshold(C, k * alpha) / (1.0 + k * l2)
    b = Y.mean(axis=0) - W @ X.mean(axis=0)
    assert_fit_equal(model, W, b)
    assert model.rank_ == 2


@pytest.mark.parametrize("task_weights", ["uniform", "size"])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_joint_feature_orthonormal_design_is_group_soft_thresholding(task_weights, l2):
    X, Y, C = orthonormal_shared_design(21)
    T = Y.shape[1]
    norms = np.sort(np.linalg.norm(C, axis=0))
    k = T if task_weights == "size" else 1
    alpha = 0.5 * (norms[1] + norms[2]) / k
    model = JointFeatureRegressor(alpha=alpha, l2=l2, task_weights=task_weights, **TIGHTER)
    model.fit(X, Y)
    W = column_group_threshold(C, k * alpha) / (1.0 + k * l2)
    b = Y.mean(axis=0) - W @ X.mean(axis=0)
    assert_fit_equal(model, W, b)
    np.testing.assert_array_equal(model.support_, np.linalg.norm(C, axis=0) > k * alpha)
    assert model.support_.sum() == X.shape[1] - 2
