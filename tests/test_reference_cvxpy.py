"""Independent checks of the cvxpy reference solver against closed forms and sklearn."""

import sys

import numpy as np
import pytest

pytest.importorskip("cvxpy")
pytest.importorskip("clarabel")

from scipy.optimize import minimize  # noqa: E402
from scipy.special import expit  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import Lasso, MultiTaskLasso  # noqa: E402

from skmtl.solvers import reference_cvxpy  # noqa: E402
from skmtl.solvers.reference_cvxpy import (  # noqa: E402
    objective_value,
    penalty_value,
    solve_reference,
)

#: The families checked here against closed forms and SciPy (the others: below).
CORE_FAMILIES = ("shared_parameter", "mean", "graph", "trace", "joint_feature")

NORM_FAMILIES = ("trace", "joint_feature")
TWO_PARAM_FAMILIES = ("mean", "graph", "trace", "joint_feature")


def make_problem(seed=0, sizes=(1, 4, 9, 14), d=4, weights=True, scale=False):
    """Routed data with unequal task sizes (including a 1-row task)."""
    rng = np.random.default_rng(seed)
    T = len(sizes)
    task_index = np.repeat(np.arange(T), sizes)
    rng.shuffle(task_index)
    n = task_index.size
    X = rng.standard_normal((n, d))
    W_true = rng.standard_normal(d) + 0.5 * rng.standard_normal((T, d))
    y = np.einsum("ij,ij->i", X, W_true[task_index]) + rng.normal(1.0, 0.5, T)[task_index]
    y += 0.3 * rng.standard_normal(n)
    s = rng.uniform(0.2, 2.0, n) if weights else None
    tau = rng.uniform(0.5, 2.0, T) if scale else None
    return X, y, task_index, T, s, tau


def family_params(family, alpha=0.3, l2=0.05):
    if family == "shared_parameter":
        return {"alpha_shared": alpha, "alpha_task": l2 + 0.1}
    params = {"alpha": alpha, "l2": l2}
    if family == "graph":
        params["task_graph"] = None
    return params


def weighted_ridge(X, y, s, tau_t, l2, fit_intercept):
    """Closed-form minimizer of tau/S sum_i s_i (y_i - x_i w - b)^2 / 2 + l2/2 ||w||^2."""
    c = tau_t * s / s.sum()
    if fit_intercept:
        x_bar = c @ X / c.sum()
        y_bar = c @ y / c.sum()
        Xc, yc = X - x_bar, y - y_bar
    else:
        Xc, yc = X, y
    A = Xc.T @ (c[:, None] * Xc) + l2 * np.eye(X.shape[1])
    w = np.linalg.solve(A, Xc.T @ (c * yc))
    b = (y_bar - x_bar @ w) if fit_intercept else 0.0
    return w, b


def independent_ridge(X, y, task_index, T, s, tau, l2, fit_intercept):
    s = np.ones(len(y)) if s is None else s
    tau = np.ones(T) if tau is None else tau
    W = np.zeros((T, X.shape[1]))
    b = np.zeros(T)
    for t in range(T):
        rows = task_index == t
        W[t], b[t] = weighted_ridge(X[rows], y[rows], s[rows], tau[t], l2, fit_intercept)
    return W, b


# --------------------------------------------------------------------------- #
# NumPy evaluators
# --------------------------------------------------------------------------- #
def test_objective_value_matches_vectorized_formula():
    X, y, ti, T, s, tau = make_problem(1, scale=True)
    rng = np.random.default_rng(1)
    W = rng.standard_normal((T, X.shape[1]))
    b = rng.standard_normal(T)
    r = y - np.einsum("ij,ij->i", X, W[ti]) - b[ti]
    S = np.bincount(ti, weights=s, minlength=T)
    loss = 0.5 * np.sum(tau[ti] * s * r**2 / S[ti])
    for family in CORE_FAMILIES:
        params = family_params(family)
        got = objective_value(family, X, y, ti, T, W, b, params, sample_weight=s, task_scale=tau)
        expected = loss + penalty_value(family, W, params)
        assert got == pytest.approx(expected, rel=1e-13)
    # Defaults: unit weights, unit scales, zero intercept.
    r0 = y - np.einsum("ij,ij->i", X, W[ti])
    n_t = np.bincount(ti, minlength=T)
    got = objective_value("mean", X, y, ti, T, W, None, {"alpha": 0.0, "l2": 0.0})
    assert got == pytest.approx(0.5 * np.sum(r0**2 / n_t[ti]), rel=1e-13)


def test_penalty_values_from_definitions():
    rng = np.random.default_rng(2)
    T, d = 4, 3
    W = rng.standard_normal((T, d))
    fro2 = np.sum(W**2)
    # Complete graph: sum_{s<t} ||w_s - w_t||^2 = T * sum_t ||w_t - w_bar||^2.
    dev2 = np.sum((W - W.mean(axis=0)) ** 2)
    assert penalty_value("mean", W, {"alpha": 2.0, "l2": 0.5}) == pytest.approx(dev2 + 0.25 * fro2)
    assert penalty_value("graph", W, {"alpha": 2.0, "l2": 0.0, "task_graph": None}) == (
        pytest.approx(T * dev2)
    )
    A = np.zeros((T, T))
    A[0, 1] = A[1, 0] = 3.0
    np.fill_diagonal(A, 7.0)  # the diagonal plays no role
    assert penalty_value("graph", W, {"alpha": 1.0, "l2": 0.0, "task_graph": A}) == (
        pytest.approx(1.5 * np.sum((W[0] - W[1]) ** 2))
    )
    sv = np.linalg.svd(W, compute_uv=False)
    assert penalty_value("trace", W, {"alpha": 0.7, "l2": 0.2}) == pytest.approx(
        0.7 * sv.sum() + 0.1 * fro2
    )
    assert penalty_value("joint_feature", W, {"alpha": 0.7}) == pytest.approx(
        0.7 * np.sum(np.linalg.norm(W, axis=0))
    )
    # Shared parameter: the default w0 minimizes the penalty over w0.
    params = {"alpha_shared": 0.8, "alpha_task": 0.3}
    best = penalty_value("shared_parameter", W, params)
    for _ in range(20):
        w0 = rng.standard_normal(d)
        assert penalty_value("shared_parameter", W, params, shared_coef=w0) >= best
    w0 = 0.3 * W.sum(axis=0) / (0.8 + T * 0.3)
    assert best == pytest.approx(0.4 * w0 @ w0 + 0.15 * np.sum((W - w0) ** 2))
    zero = {"alpha_shared": 0.0, "alpha_task": 0.0}
    assert penalty_value("shared_parameter", W, zero) == 0.0


@pytest.mark.parametrize(
    "family, params, match",
    [
        ("elastic", {"alpha": 1.0}, "family"),
        ("mean", {"l2": 1.0}, "alpha"),
        ("trace", {"alpha": -1.0}, "non-negative"),
        ("shared_parameter", {"alpha_shared": 1.0}, "alpha_task"),
        ("graph", {"alpha": 1.0, "task_graph": np.array([[0, 1], [2, 0]])}, "symmetric"),
        ("graph", {"alpha": 1.0, "task_graph": -np.ones((2, 2))}, "non-negative"),
        ("graph", {"alpha": 1.0, "task_graph": np.ones((3, 3))}, "shape"),
    ],
)
def test_invalid_parameters(family, params, match):
    with pytest.raises(ValueError, match=match):
        penalty_value(family, np.ones((2, 2)), params)


def test_invalid_routed_data():
    X, y, ti, T, _, _ = make_problem(3)
    W, b = np.zeros((T, X.shape[1])), np.zeros(T)
    params = {"alpha": 1.0}
    with pytest.raises(ValueError, match="task_index"):
        objective_value("mean", X, y, ti + 1, T, W, b, params)
    with pytest.raises(ValueError, match="sample_weight"):
        objective_value("mean", X, y, ti, T, W, b, params, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="task_scale"):
        objective_value("mean", X, y, ti, T, W, b, params, task_scale=np.ones(T + 1))
    with pytest.raises(ValueError, match="coef"):
        objective_value("mean", X, y, ti, T, W[:, :-1], b, params)


def test_missing_cvxpy_raises_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "cvxpy", None)
    X, y, ti, T, _, _ = make_problem(4)
    with pytest.raises(ImportError, match=r"pip install 'skmtl\[cvxpy\]'"):
        solve_reference("mean", X, y, ti, T, {"alpha": 1.0})


# --------------------------------------------------------------------------- #
# Reference solver
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("family", TWO_PARAM_FAMILIES)
def test_zero_alpha_is_independent_ridge(family, fit_intercept):
    X, y, ti, T, s, tau = make_problem(5, scale=True)
    l2 = 0.2
    params = family_params(family, alpha=0.0, l2=l2)
    res = solve_reference(
        family, X, y, ti, T, params, sample_weight=s, task_scale=tau, fit_intercept=fit_intercept
    )
    W, b = independent_ridge(X, y, ti, T, s, tau, l2, fit_intercept)
    assert res["status"] == "optimal"
    np.testing.assert_allclose(res["coef"], W, atol=1e-7)
    np.testing.assert_allclose(res["intercept"], b, atol=1e-7)
    expected = objective_value(family, X, y, ti, T, W, b, params, sample_weight=s, task_scale=tau)
    assert res["objective"] == pytest.approx(expected, rel=1e-10)
    assert res["shared_coef"] is None
    if not fit_intercept:
        assert np.all(res["intercept"] == 0)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_single_feature_trace_equals_joint_feature(fit_intercept):
    # With one feature, ||W||_* and sum_j ||W[:, j]||_2 are both the 2-norm of
    # the single column, so the two problems coincide.
    X, y, ti, T, s, _ = make_problem(6, d=1)
    results = [
        solve_reference(
            family,
            X,
            y,
            ti,
            T,
            {"alpha": 0.4, "l2": 0.0},
            sample_weight=s,
            fit_intercept=fit_intercept,
        )
        for family in NORM_FAMILIES
    ]
    # At the non-smooth optimum of a norm penalty the interior-point solution is
    # accurate to ~1e-11 in objective but only ~1e-6 in coefficients.
    np.testing.assert_allclose(results[0]["coef"], results[1]["coef"], atol=1e-5)
    np.testing.assert_allclose(results[0]["intercept"], results[1]["intercept"], atol=1e-5)
    assert results[0]["objective"] == pytest.approx(results[1]["objective"], rel=1e-10)
    # The column must be shrunk but not zeroed at this alpha.
    assert 0 < np.linalg.norm(results[0]["coef"])


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_single_task_trace_is_group_norm_and_joint_feature_is_lasso(fit_intercept):
    # One task: ||w||_* = ||w||_2 (all features as one group), while the
    # joint-feature penalty becomes alpha * ||w||_1, i.e. the Lasso.
    X, y, _, _, _, _ = make_problem(7, sizes=(40,), d=5, weights=False)
    ti = np.zeros(len(y), dtype=int)
    alpha = 0.1
    res = solve_reference(
        "joint_feature", X, y, ti, 1, {"alpha": alpha, "l2": 0.0}, fit_intercept=fit_intercept
    )
    lasso = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14, max_iter=100_000)
    lasso.fit(X, y)
    np.testing.assert_allclose(res["coef"][0], lasso.coef_, atol=1e-6)
    np.testing.assert_allclose(res["intercept"][0], lasso.intercept_, atol=1e-6)

    res_tr = solve_reference(
        "trace", X, y, ti, 1, {"alpha": alpha, "l2": 0.0}, fit_intercept=fit_intercept
    )
    w = res_tr["coef"][0]
    # Optimality of the group norm: X_c' r / n = alpha * w / ||w|| when w != 0.
    Xc = X - X.mean(axis=0) if fit_intercept else X
    yc = y - y.mean() if fit_intercept else y
    grad = Xc.T @ (yc - Xc @ w) / len(y)
    np.testing.assert_allclose(grad, alpha * w / np.linalg.norm(w), atol=1e-7)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_joint_feature_shared_design_equals_multitask_lasso(fit_intercept):
    rng = np.random.default_rng(8)
    n, d, T = 30, 6, 3
    X = rng.standard_normal((n, d))
    B = np.zeros((d, T))
    B[:3] = rng.standard_normal((3, T))
    Y = X @ B + 0.5 + 0.3 * rng.standard_normal((n, T))
    alpha = 0.15
    mtl = MultiTaskLasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14, max_iter=200_000)
    mtl.fit(X, Y)
    # Routed form: every task sees all rows; y holds the columns of Y.
    X_r = np.tile(X, (T, 1))
    y_r = Y.T.ravel()
    ti = np.repeat(np.arange(T), n)
    res = solve_reference(
        "joint_feature", X_r, y_r, ti, T, {"alpha": alpha, "l2": 0.0}, fit_intercept=fit_intercept
    )
    np.testing.assert_allclose(res["coef"], mtl.coef_, atol=1e-5)
    np.testing.assert_allclose(res["intercept"], np.broadcast_to(mtl.intercept_, T), atol=1e-5)
    assert np.any(np.all(mtl.coef_ == 0, axis=0))  # the test exercises sparsity


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("family", CORE_FAMILIES)
def test_solution_beats_random_perturbations(family, fit_intercept):
    X, y, ti, T, s, tau = make_problem(9, scale=True)
    params = family_params(family, alpha=0.3, l2=0.0 if family in NORM_FAMILIES else 0.05)
    res = solve_reference(
        family, X, y, ti, T, params, sample_weight=s, task_scale=tau, fit_intercept=fit_intercept
    )
    assert res["status"] == "optimal"
    W, b = res["coef"], res["intercept"]
    f0 = objective_value(family, X, y, ti, T, W, b, params, sample_weight=s, task_scale=tau)
    assert f0 == res["objective"]
    rng = np.random.default_rng(10)
    for eps in (1e-2, 1e-4):
        for _ in range(10):
            dW = eps * rng.standard_normal(W.shape)
            db = eps * rng.standard_normal(T) if fit_intercept else np.zeros(T)
            f = objective_value(
                family, X, y, ti, T, W + dW, b + db, params, sample_weight=s, task_scale=tau
            )
            assert f >= f0 - 1e-12 * abs(f0)
    if family == "shared_parameter":
        w0 = res["shared_coef"]
        assert w0.shape == (X.shape[1],)
        f_w0 = objective_value(
            family, X, y, ti, T, W, b, params, sample_weight=s, task_scale=tau, shared_coef=w0
        )
        assert f_w0 == pytest.approx(f0, rel=1e-14)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_huge_alpha_shared_is_independent_ridge(fit_intercept):
    X, y, ti, T, s, _ = make_problem(11)
    alpha_task = 0.3
    params = {"alpha_shared": 1e8, "alpha_task": alpha_task}
    res = solve_reference(
        "shared_parameter", X, y, ti, T, params, sample_weight=s, fit_intercept=fit_intercept
    )
    W, b = independent_ridge(X, y, ti, T, s, None, alpha_task, fit_intercept)
    np.testing.assert_allclose(res["coef"], W, atol=1e-6)
    np.testing.assert_allclose(res["intercept"], b, atol=1e-6)
    np.testing.assert_allclose(res["shared_coef"], 0.0, atol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_complete_graph_equals_mean(fit_intercept):
    X, y, ti, T, s, tau = make_problem(12, scale=True)
    alpha, a, l2 = 0.2, 1.7, 0.01
    A = a * (np.ones((T, T)) - np.eye(T))
    kw = {"sample_weight": s, "task_scale": tau, "fit_intercept": fit_intercept}
    graph = solve_reference("graph", X, y, ti, T, {"alpha": alpha, "l2": l2, "task_graph": A}, **kw)
    mean = solve_reference("mean", X, y, ti, T, {"alpha": alpha * T * a, "l2": l2}, **kw)
    np.testing.assert_allclose(graph["coef"], mean["coef"], atol=1e-7)
    np.testing.assert_allclose(graph["intercept"], mean["intercept"], atol=1e-7)
    assert graph["objective"] == pytest.approx(mean["objective"], rel=1e-10)
    # The default graph (None) is the complete graph with unit weights.
    default = solve_reference(
        "graph", X, y, ti, T, {"alpha": alpha * a, "l2": l2, "task_graph": None}, **kw
    )
    np.testing.assert_allclose(default["coef"], graph["coef"], atol=1e-7)


def test_integer_weights_equal_row_repetition():
    X, y, ti, T, _, tau = make_problem(13, weights=False, scale=True)
    rng = np.random.default_rng(13)
    s = rng.integers(1, 4, len(y)).astype(float)
    rep = np.repeat(np.arange(len(y)), s.astype(int))
    params = {"alpha": 0.2, "l2": 0.01}
    weighted = solve_reference("trace", X, y, ti, T, params, sample_weight=s, task_scale=tau)
    repeated = solve_reference("trace", X[rep], y[rep], ti[rep], T, params, task_scale=tau)
    np.testing.assert_allclose(weighted["coef"], repeated["coef"], atol=1e-5)
    np.testing.assert_allclose(weighted["intercept"], repeated["intercept"], atol=1e-5)
    assert weighted["objective"] == pytest.approx(repeated["objective"], rel=1e-10)


@pytest.mark.parametrize("family", NORM_FAMILIES)
@pytest.mark.parametrize("factor", [1e-3, 1e3])
def test_target_scaling_homogeneity(family, factor):
    # Scaling y and b by c, W by c and the norm weight alpha by c scales F by c^2.
    X, y, ti, T, s, _ = make_problem(14)
    base = solve_reference(family, X, y, ti, T, {"alpha": 0.3, "l2": 0.05}, sample_weight=s)
    scaled = solve_reference(
        family, X, factor * y, ti, T, {"alpha": 0.3 * factor, "l2": 0.05}, sample_weight=s
    )
    np.testing.assert_allclose(scaled["coef"], factor * base["coef"], atol=1e-5 * factor)
    assert scaled["objective"] == pytest.approx(factor**2 * base["objective"], rel=1e-10)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_unregularized_is_least_squares(fit_intercept):
    # alpha = l2 = 0: non-unique minimizer for underdetermined tasks, but the
    # optimal value is the per-task weighted least-squares residual.
    X, y, ti, T, s, tau = make_problem(15, sizes=(1, 3, 12), d=5, scale=True)
    res = solve_reference(
        "mean",
        X,
        y,
        ti,
        T,
        {"alpha": 0.0, "l2": 0.0},
        sample_weight=s,
        task_scale=tau,
        fit_intercept=fit_intercept,
    )
    best = 0.0
    for t in range(T):
        rows = ti == t
        Z = np.c_[X[rows], np.ones(rows.sum())] if fit_intercept else X[rows]
        sw = np.sqrt(s[rows])
        coef, *_ = np.linalg.lstsq(sw[:, None] * Z, sw * y[rows], rcond=None)
        r = y[rows] - Z @ coef
        best += tau[t] / s[rows].sum() * 0.5 * np.sum(s[rows] * r**2)
    assert res["objective"] == pytest.approx(best, abs=1e-9)


def test_zero_weight_task_and_solver_options():
    X, y, ti, T, s, _ = make_problem(16)
    tau = np.ones(T)
    tau[2] = 0.0  # task 2 carries no loss: its w is set by the penalty alone
    params = {"alpha": 0.5, "l2": 0.1}
    res = solve_reference(
        "mean",
        X,
        y,
        ti,
        T,
        params,
        sample_weight=s,
        task_scale=tau,
        solver_options={"max_iter": 300, "tol_gap_rel": 1e-10},
    )
    assert res["status"] == "optimal"
    assert res["intercept"][2] == 0.0
    others = np.delete(res["coef"], 2, axis=0)
    # Stationarity in w_2: alpha (w_2 - w_bar) (1 - 1/T) ... equals w_2 = alpha*mean(others)/(...)
    w2 = 0.5 * others.sum(axis=0) / (0.5 * (T - 1) + 0.1 * T)
    np.testing.assert_allclose(res["coef"][2], w2, atol=1e-7)


def test_iteration_limit_warns_and_returns_best_point():
    # A tiny iteration budget cannot reach the tolerances: the best point found
    # is still returned (every (W, b) is feasible) with a ConvergenceWarning.
    X, y, ti, T, s, _ = make_problem(17)
    params = {"alpha": 0.3, "l2": 0.0}
    with pytest.warns(ConvergenceWarning, match="user_limit"):
        res = solve_reference(
            "trace", X, y, ti, T, params, sample_weight=s, solver_options={"max_iter": 2}
        )
    assert res["status"] == "user_limit"
    full = solve_reference("trace", X, y, ti, T, params, sample_weight=s)
    assert full["status"] == "optimal"
    assert np.isfinite(res["objective"]) and res["objective"] > full["objective"]


def test_failed_solve_raises_runtime_error(monkeypatch):
    monkeypatch.setattr(reference_cvxpy, "_solve_once", lambda cp, problem, settings: "infeasible")
    X, y, ti, T, s, _ = make_problem(18)
    with pytest.raises(RuntimeError, match="infeasible"):
        solve_reference("mean", X, y, ti, T, {"alpha": 1.0}, sample_weight=s)


# --------------------------------------------------------------------------- #
# Logistic loss
# --------------------------------------------------------------------------- #
def make_logistic_problem(seed=20, sizes=(15, 20, 25), d=4):
    """Labels in {-1, +1} from a noisy linear model (overlapping classes)."""
    rng = np.random.default_rng(seed)
    T = len(sizes)
    task_index = np.repeat(np.arange(T), sizes)
    rng.shuffle(task_index)
    n = task_index.size
    X = rng.standard_normal((n, d))
    W_true = rng.standard_normal(d) + 0.5 * rng.standard_normal((T, d))
    z = np.einsum("ij,ij->i", X, W_true[task_index]) + rng.normal(0.3, 0.5, T)[task_index]
    y = np.where(z + rng.standard_normal(n) > 0, 1.0, -1.0)
    s = rng.uniform(0.2, 2.0, n)
    tau = rng.uniform(0.5, 2.0, T)
    return X, y, task_index, T, s, tau


def logistic_data_term(W, b, X, y, ti, c):
    """sum_i c_i log(1 + exp(-y_i (x_i w_t + b_t))) and its gradients in W and b."""
    margin = y * (np.einsum("ij,ij->i", X, W[ti]) + b[ti])
    value = float(np.sum(c * np.logaddexp(0.0, -margin)))
    dz = -c * y * expit(-margin)
    gW = np.zeros_like(W)
    np.add.at(gW, ti, dz[:, None] * X)
    gb = np.bincount(ti, weights=dz, minlength=W.shape[0])
    return value, gW, gb


def logistic_row_weights(ti, T, s, tau):
    S = np.bincount(ti, weights=s, minlength=T)
    return tau[ti] * s / S[ti]


def random_task_graph(T, seed):
    rng = np.random.default_rng(seed)
    A = np.triu(rng.uniform(0.0, 2.0, (T, T)), k=1)
    A[0, T - 1] = 0.0  # not the complete graph
    return A + A.T


def logistic_scipy_solve(family, params, X, y, ti, T, s, tau, fit_intercept, seed=0):
    """Minimize the logistic objective with L-BFGS-B on a smooth parametrization.

    Quadratic families are smooth in (W, b). The norm families use exact smooth
    variational forms: ``||W||_* = min_{W = P Q'} (||P||_F^2 + ||Q||_F^2) / 2`` and
    ``||W[:, j]||_2 = min_{W[:, j] = a_j v_j} (a_j^2 + ||v_j||^2) / 2``; both are
    strongly convex around a zero singular value / column strictly inside the
    subdifferential, so L-BFGS converges fast to the nonsmooth optimum.
    Returns ``(W, b, F)`` with ``F`` the objective written here from scratch.
    """
    n, d = X.shape
    c = logistic_row_weights(ti, T, s, tau)
    k = min(T, d)

    if family == "shared_parameter":
        a_s, a_t = params["alpha_shared"], params["alpha_task"]
        sizes = [d, T * d]

        def unpack(theta):
            w0, V = theta[:d], theta[d:].reshape(T, d)
            return w0[None, :] + V, (w0, V)

        def penalty(W, parts):
            w0, V = parts
            return 0.5 * a_s * w0 @ w0 + 0.5 * a_t * np.sum(V * V)

        def grad(W, gW, parts):
            w0, V = parts
            return np.concatenate([gW.sum(axis=0) + a_s * w0, (gW + a_t * V).ravel()])

    elif family in ("mean", "graph"):
        alpha, l2 = params["alpha"], params["l2"]
        if family == "mean":
            Lap = np.eye(T) - np.ones((T, T)) / T  # sum_t ||w_t - w_bar||^2 = tr(W' L W)
        else:
            A = params["task_graph"]
            Lap = np.diag(A.sum(axis=1)) - A  # sum_{s<t} A_st ||w_s - w_t||^2 = tr(W' L W)
        sizes = [T * d]

        def unpack(theta):
            return theta.reshape(T, d), None

        def penalty(W, parts):
            return 0.5 * alpha * np.sum(W * (Lap @ W)) + 0.5 * l2 * np.sum(W * W)

        def grad(W, gW, parts):
            return (gW + alpha * Lap @ W + l2 * W).ravel()

    elif family == "trace":
        alpha, l2 = params["alpha"], params["l2"]
        sizes = [T * k, d * k]

        def unpack(theta):
            P, Q = theta[: T * k].reshape(T, k), theta[T * k :].reshape(d, k)
            return P @ Q.T, (P, Q)

        def penalty(W, parts):
            P, Q = parts
            return 0.5 * alpha * (np.sum(P * P) + np.sum(Q * Q)) + 0.5 * l2 * np.sum(W * W)

        def grad(W, gW, parts):
            P, Q = parts
            G = gW + l2 * W
            return np.concatenate([(G @ Q + alpha * P).ravel(), (G.T @ P + alpha * Q).ravel()])

    else:  # joint_feature
        alpha, l2 = params["alpha"], params["l2"]
        sizes = [d, T * d]

        def unpack(theta):
            a, V = theta[:d], theta[d:].reshape(T, d)
            return V * a[None, :], (a, V)

        def penalty(W, parts):
            a, V = parts
            return 0.5 * alpha * (a @ a + np.sum(V * V)) + 0.5 * l2 * np.sum(W * W)

        def grad(W, gW, parts):
            a, V = parts
            G = gW + l2 * W
            return np.concatenate([np.sum(G * V, axis=0) + alpha * a, (G * a + alpha * V).ravel()])

    n_w = sum(sizes)

    def fun(theta):
        W, parts = unpack(theta[:n_w])
        b = theta[n_w:] if fit_intercept else np.zeros(T)
        value, gW, gb = logistic_data_term(W, b, X, y, ti, c)
        g = grad(W, gW, parts)
        if fit_intercept:
            g = np.concatenate([g, gb])
        return value + penalty(W, parts), g

    rng = np.random.default_rng(seed)
    theta0 = 0.1 * rng.standard_normal(n_w + (T if fit_intercept else 0))
    opt = minimize(
        fun,
        theta0,
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 20_000, "maxcor": 30},
    )
    W, _ = unpack(opt.x[:n_w])
    b = opt.x[n_w:] if fit_intercept else np.zeros(T)
    return W, b, float(opt.fun)


def logistic_params(family, T):
    if family == "shared_parameter":
        return {"alpha_shared": 0.2, "alpha_task": 0.15}
    if family == "mean":
        return {"alpha": 0.5, "l2": 0.05}
    if family == "graph":
        return {"alpha": 0.3, "l2": 0.05, "task_graph": random_task_graph(T, 21)}
    # Norm families: large enough for a rank drop / a zero column.
    return {"alpha": 0.12, "l2": 0.02}


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("family", CORE_FAMILIES)
def test_logistic_matches_scipy_minimize(family, fit_intercept):
    X, y, ti, T, s, tau = make_logistic_problem()
    params = logistic_params(family, T)
    res = solve_reference(
        family,
        X,
        y,
        ti,
        T,
        params,
        sample_weight=s,
        task_scale=tau,
        fit_intercept=fit_intercept,
        loss="logistic",
    )
    assert res["status"] == "optimal"
    W, b, F = logistic_scipy_solve(family, params, X, y, ti, T, s, tau, fit_intercept)
    # The reference objective, recomputed here from its definition.
    c = logistic_row_weights(ti, T, s, tau)
    data, _, _ = logistic_data_term(res["coef"], res["intercept"], X, y, ti, c)
    assert res["objective"] == pytest.approx(data + penalty_value(family, res["coef"], params))
    assert res["objective"] == pytest.approx(F, rel=1e-7)
    assert res["objective"] <= F * (1 + 1e-9)
    # Coefficients: tight for the smooth families, to the interior-point accuracy
    # at the nonsmooth optimum of the norm families.
    atol = 1e-5 if family in NORM_FAMILIES else 1e-6
    np.testing.assert_allclose(res["coef"], W, atol=atol)
    np.testing.assert_allclose(res["intercept"], b, atol=atol)
    if not fit_intercept:
        assert np.all(res["intercept"] == 0)


@pytest.mark.parametrize("family", NORM_FAMILIES)
def test_logistic_norm_families_satisfy_subgradient_conditions(family):
    # 0 in grad L(W, b) + l2 W + alpha dNorm(W), and grad_b L = 0.
    X, y, ti, T, s, tau = make_logistic_problem(22)
    alpha, l2 = 0.12, 0.02
    res = solve_reference(
        family,
        X,
        y,
        ti,
        T,
        {"alpha": alpha, "l2": l2},
        sample_weight=s,
        task_scale=tau,
        loss="logistic",
    )
    W, b = res["coef"], res["intercept"]
    c = logistic_row_weights(ti, T, s, tau)
    _, gW, gb = logistic_data_term(W, b, X, y, ti, c)
    np.testing.assert_allclose(gb, 0.0, atol=1e-7)
    G = -(gW + l2 * W) / alpha  # must be a subgradient of the norm at W
    tol = 1e-5
    if family == "joint_feature":
        norms = np.linalg.norm(W, axis=0)
        active = norms > 1e-4
        assert 0 < active.sum() < W.shape[1]  # the test exercises a zero column
        np.testing.assert_allclose(G[:, active], W[:, active] / norms[active], atol=tol)
        assert np.all(np.linalg.norm(G[:, ~active], axis=0) <= 1 + tol)
    else:
        U, sv, Vt = np.linalg.svd(W, full_matrices=False)
        r = int(np.sum(sv > 1e-4 * sv[0]))
        assert 0 < r < min(W.shape)  # the test exercises a rank drop
        U, Vt = U[:, :r], Vt[:r]
        # G = U V' + M with U'M = 0, M V = 0 and ||M||_2 <= 1.
        np.testing.assert_allclose(U.T @ G, Vt, atol=tol)
        np.testing.assert_allclose(G @ Vt.T, U, atol=tol)
        M = G - U @ Vt
        assert np.linalg.norm(M, 2) <= 1 + tol


@pytest.mark.parametrize("family", NORM_FAMILIES)
def test_logistic_huge_alpha_gives_log_odds_intercepts(family):
    X, y, ti, T, s, tau = make_logistic_problem(23)
    res = solve_reference(
        family,
        X,
        y,
        ti,
        T,
        {"alpha": 1e4, "l2": 0.0},
        sample_weight=s,
        task_scale=tau,
        loss="logistic",
    )
    assert res["status"] == "optimal"
    np.testing.assert_allclose(res["coef"], 0.0, atol=1e-7)
    p = np.bincount(ti, weights=s * (y > 0), minlength=T) / np.bincount(ti, weights=s)
    np.testing.assert_allclose(res["intercept"], np.log(p / (1 - p)), atol=1e-6)
    # At W = 0 the optimal loss of task t is tau_t times the binary entropy of p_t.
    entropy = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    assert res["objective"] == pytest.approx(np.sum(tau * entropy), rel=1e-8)


@pytest.mark.parametrize("label", [1.0, -1.0])
def test_logistic_one_class_task(label):
    X, y, ti, T, s, tau = make_logistic_problem(24)
    y = y.copy()
    one = 1
    y[ti == one] = label
    # A zero-weight row of the other class does not count.
    zero_row = np.flatnonzero(ti == one)[0]
    y[zero_row], s = -label, s.copy()
    s[zero_row] = 0.0
    params = {"alpha": 0.0, "l2": 0.1}  # 'mean' with alpha = 0: independent tasks
    kw = {"sample_weight": s, "task_scale": tau, "loss": "logistic"}
    res = solve_reference("mean", X, y, ti, T, params, **kw)
    assert res["status"] == "optimal"
    assert res["intercept"][one] == label * np.inf
    assert np.all(np.isfinite(res["coef"]))
    np.testing.assert_allclose(res["coef"][one], 0.0, atol=1e-8)  # set by l2 alone
    assert np.all(np.isfinite(np.delete(res["intercept"], one)))

    keep = ti != one
    sub = solve_reference(
        "mean",
        X[keep],
        y[keep],
        ti[keep],
        T,
        params,
        sample_weight=s[keep],
        task_scale=tau,
        loss="logistic",
    )
    others = np.arange(T) != one
    np.testing.assert_allclose(res["coef"][others], sub["coef"][others], atol=1e-7)
    np.testing.assert_allclose(res["intercept"][others], sub["intercept"][others], atol=1e-7)
    # The one-class task contributes 0: same objective, which is the limit b -> +-inf.
    assert res["objective"] == pytest.approx(sub["objective"], rel=1e-12)
    b = res["intercept"].copy()
    b[one] = 40.0 * label
    f = objective_value("mean", X, y, ti, T, res["coef"], b, params, **kw)
    assert f == pytest.approx(res["objective"], rel=1e-12)
    # An infinite intercept of the wrong sign is an infinite loss.
    b[one] = -label * np.inf
    assert objective_value("mean", X, y, ti, T, res["coef"], b, params, **kw) == np.inf

    # A coupling penalty: w of the one-class task stays finite and is pulled
    # towards the others; the intercept is still infinite.
    coupled = solve_reference("trace", X, y, ti, T, {"alpha": 0.05, "l2": 0.01}, **kw)
    assert coupled["intercept"][one] == label * np.inf
    assert np.all(np.isfinite(coupled["coef"])) and np.isfinite(coupled["objective"])

    # Without intercept the loss is finite: no special case.
    no_b = solve_reference("mean", X, y, ti, T, params, fit_intercept=False, **kw)
    assert np.all(no_b["intercept"] == 0)
    assert np.linalg.norm(no_b["coef"][one]) > 0


def test_logistic_objective_value_matches_formula():
    X, y, ti, T, s, tau = make_logistic_problem(25)
    rng = np.random.default_rng(25)
    W = rng.standard_normal((T, X.shape[1]))
    b = rng.standard_normal(T)
    margin = y * (np.einsum("ij,ij->i", X, W[ti]) + b[ti])
    S = np.bincount(ti, weights=s, minlength=T)
    data = np.sum(tau[ti] * s / S[ti] * np.log1p(np.exp(-margin)))
    for family in CORE_FAMILIES:
        params = family_params(family)
        got = objective_value(
            family, X, y, ti, T, W, b, params, sample_weight=s, task_scale=tau, loss="logistic"
        )
        assert got == pytest.approx(data + penalty_value(family, W, params), rel=1e-12)


def test_logistic_invalid_labels_and_loss():
    X, y, ti, T, s, _ = make_logistic_problem(26)
    W, b = np.zeros((T, X.shape[1])), np.zeros(T)
    params = {"alpha": 0.1}
    y01 = (y > 0).astype(float)
    with pytest.raises(ValueError, match=r"\{-1, \+1\}.*0\.0"):
        solve_reference("mean", X, y01, ti, T, params, loss="logistic")
    y_bad = y.copy()
    y_bad[3] = 2.5
    with pytest.raises(ValueError, match="2.5"):
        objective_value("mean", X, y_bad, ti, T, W, b, params, loss="logistic")
    for loss in ("hinge", None):
        with pytest.raises(ValueError, match="loss must be one of"):
            solve_reference("mean", X, y, ti, T, params, loss=loss)
        with pytest.raises(ValueError, match="loss must be one of"):
            objective_value("mean", X, y, ti, T, W, b, params, loss=loss)
    # The squared loss accepts any real targets.
    objective_value("mean", X, y01, ti, T, W, b, params, loss="squared")


# --------------------------------------------------------------------------- #
# The split and learned-matrix families
# --------------------------------------------------------------------------- #
STRUCTURED_PARAMS = {
    "lasso": {"alpha": 0.1, "l2": 0.02},
    "dirty": {"alpha_shared": 0.1, "alpha_task": 0.06},
    "robust": {"alpha_lowrank": 0.1, "alpha_outlier": 0.15},
    "clustered": {"alpha": 0.4, "l2": 0.1, "n_clusters": 2},
    "relationship": {"alpha": 0.4, "l2": 0.05},
}


def test_structured_penalties_match_closed_forms():
    rng = np.random.default_rng(40)
    W = rng.standard_normal((5, 3))
    nuclear = np.sum(np.linalg.svd(W, compute_uv=False))
    params = STRUCTURED_PARAMS
    assert penalty_value("lasso", W, params["lasso"]) == pytest.approx(
        0.1 * np.abs(W).sum() + 0.01 * np.sum(W * W), rel=1e-14)
    assert penalty_value("relationship", W, params["relationship"]) == pytest.approx(
        0.025 * np.sum(W * W) + 0.2 * nuclear**2, rel=1e-9)
    # With as many clusters as tasks, M = I: alpha eta (1 + eta) / (eta + 1) = l2.
    every_task = {**params["clustered"], "n_clusters": 7}
    assert penalty_value("clustered", W, every_task) == pytest.approx(0.1 * np.sum(W * W),
                                                                     rel=1e-7)
    # Fewer clusters can only lower the minimum over M (a larger feasible set is not
    # it, but M = I is feasible only for k = T and (eta I + M)^-1 >= (eta + 1)^-1 I).
    assert penalty_value("clustered", W, params["clustered"]) >= 0.1 * np.sum(W * W) - 1e-9
    # An infimal convolution is below each of its norms alone.
    dirty = penalty_value("dirty", W, params["dirty"])
    assert dirty <= 0.1 * np.sum(np.linalg.norm(W, axis=0)) + 1e-9
    assert dirty <= 0.06 * np.abs(W).sum() + 1e-9
    robust = penalty_value("robust", W, params["robust"])
    assert robust <= 0.1 * nuclear + 1e-9
    assert robust <= 0.15 * np.sum(np.linalg.norm(W, axis=1)) + 1e-9
    split = (0.5 * W, 0.5 * W)
    assert penalty_value("dirty", W, params["dirty"], components=split) == pytest.approx(
        0.05 * np.sum(np.linalg.norm(W, axis=0)) + 0.03 * np.abs(W).sum(), rel=1e-14)
    with pytest.raises(ValueError, match="sum to coef"):
        penalty_value("dirty", W, params["dirty"], components=(W, W))


@pytest.mark.parametrize("n_tasks, n_features", [(3, 5), (4, 4)])
def test_relationship_minimum_over_sigma_is_squared_nuclear_norm(n_tasks, n_features):
    """min over tr Sigma = 1 of tr(W' Sigma^-1 W) = ||W||_*^2, checked with matrix_frac
    (full row rank W, where the minimizing Sigma is definite), and the minimizer."""
    cp = pytest.importorskip("cvxpy")
    W = np.random.default_rng(n_tasks).standard_normal((n_tasks, n_features))
    sigma = cp.Variable((n_tasks, n_tasks), symmetric=True)
    problem = cp.Problem(cp.Minimize(cp.matrix_frac(W, sigma)), [sigma >> 0, cp.trace(sigma) == 1])
    problem.solve(solver=cp.CLARABEL)
    nuclear = np.sum(np.linalg.svd(W, compute_uv=False))
    assert problem.value == pytest.approx(nuclear**2, rel=1e-6)
    np.testing.assert_allclose(reference_cvxpy.relationship_covariance(W), sigma.value,
                               atol=1e-5)


@pytest.mark.parametrize("params, match", [
    ({"alpha": 0.0, "l2": 0.1, "n_clusters": 2}, "alpha > 0 and l2 > 0"),
    ({"alpha": 0.1, "l2": 0.0, "n_clusters": 2}, "alpha > 0 and l2 > 0"),
    ({"alpha": 0.1, "l2": 0.1, "n_clusters": 0}, "n_clusters"),
    ({"alpha": 0.1, "l2": 0.1, "n_clusters": 1.5}, "n_clusters"),
])
def test_clustered_parameters_are_checked(params, match):
    with pytest.raises(ValueError, match=match):
        penalty_value("clustered", np.ones((3, 2)), params)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("family", sorted(STRUCTURED_PARAMS))
def test_structured_solution_beats_perturbations(family, loss):
    if loss == "squared":
        X, y, ti, T, s, tau = make_problem(9, scale=True)
    else:
        X, y, ti, T, s, tau = make_logistic_problem(27)
    params = STRUCTURED_PARAMS[family]
    res = solve_reference(family, X, y, ti, T, params, sample_weight=s, task_scale=tau,
                          loss=loss)
    assert res["status"] == "optimal"
    W, b = res["coef"], res["intercept"]
    if family in ("dirty", "robust"):
        first, second = res["components"]
        np.testing.assert_allclose(first + second, W, atol=1e-12)
    if family in ("clustered", "relationship"):
        matrix = res["task_matrix"]
        trace = min(params.get("n_clusters", 1), T)
        assert np.trace(matrix) == pytest.approx(trace, rel=1e-7)
        assert np.linalg.eigvalsh(matrix).min() >= -1e-7
    f0 = objective_value(family, X, y, ti, T, W, b, params, sample_weight=s, task_scale=tau,
                         loss=loss, components=res["components"])
    assert f0 == pytest.approx(res["objective"], rel=1e-12)
    # Without the split or the matrix, the penalty is minimized over them again.
    assert objective_value(family, X, y, ti, T, W, b, params, sample_weight=s, task_scale=tau,
                           loss=loss) == pytest.approx(f0, rel=1e-6)
    rng = np.random.default_rng(11)
    for _ in range(4):
        dW = 1e-2 * rng.standard_normal(W.shape)
        f = objective_value(family, X, y, ti, T, W + dW, b, params, sample_weight=s,
                            task_scale=tau, loss=loss)
        assert f >= f0 * (1 - 1e-7)
