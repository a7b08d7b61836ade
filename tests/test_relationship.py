"""Multi-task relationship learning: the squared trace norm, its prox and conjugate, the
reduction of the minimum over Sigma, and the two estimators against independent references.

The estimators minimize
``f(W, b) + l2/2 ||W||_F^2 + min_{Sigma >= 0, tr Sigma = 1} alpha/2 tr(W' Sigma^-1 W)``.
The minimum over Sigma is checked against ``cp.matrix_frac``, the prox and the
conjugate against cvxpy solves of their definitions, and the fits against the
optimum of the cvxpy reference solver (sample form), evaluated with its own
``objective_value``.
"""

import warnings

import numpy as np
import pytest
from _data import sorted_index
from _families import relationship_rows
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.utils._param_validation import InvalidParameterError

from skmtl.linear_model._relationship import (
    TaskRelationshipClassifier,
    TaskRelationshipRegressor,
)
from skmtl.penalties.relationship import SquaredTraceNorm

cp = pytest.importorskip("cvxpy")

#: Clarabel at tight tolerances, for the small standalone problems below.
CLARABEL = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12,
            "tol_ktratio": 1e-10, "max_iter": 500}
SHAPES = [(3, 5), (4, 2), (1, 4), (5, 5)]


def solve(problem, settings=CLARABEL):
    problem.solve(solver=cp.CLARABEL, **settings)
    assert problem.status == "optimal", problem.status
    return problem.value


def random_matrix(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


# ------------------------------------------------------------------ the penalty
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("alpha, step", [(0.3, 1.0), (2.0, 0.7), (0.05, 3.0)])
def test_prox_matches_cvxpy(shape, alpha, step):
    V = random_matrix(shape, sum(shape))
    result = SquaredTraceNorm(alpha).prox(V, step, np)
    W = cp.Variable(shape)
    solve(cp.Problem(cp.Minimize(
        0.5 * cp.sum_squares(W - V) + 0.5 * step * alpha * cp.square(cp.normNuc(W))
    )))
    np.testing.assert_allclose(result, W.value, atol=1e-8, rtol=0)


def test_prox_of_a_large_step_keeps_one_direction():
    # s_i = max(v_i - t alpha S, 0): a large step leaves only the top singular value.
    V = random_matrix((4, 6), 1)
    result = SquaredTraceNorm(1.0).prox(V, 100.0, np)
    u, s, vt = np.linalg.svd(V, full_matrices=False)
    np.testing.assert_allclose(result, s[0] / 101.0 * np.outer(u[:, 0], vt[0]), atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("alpha, l2", [(0.5, 0.0), (0.5, 0.2), (2.0, 1.5), (0.1, 3.0)])
def test_conjugate_matches_numerical_supremum(shape, alpha, l2):
    Z = random_matrix(shape, 7 + sum(shape))
    W = cp.Variable(shape)
    objective = (cp.sum(cp.multiply(Z, W)) - 0.5 * alpha * cp.square(cp.normNuc(W))
                 - 0.5 * l2 * cp.sum_squares(W))
    expected = solve(cp.Problem(cp.Maximize(objective)))
    value = float(SquaredTraceNorm(alpha).conjugate(Z, l2, np))
    np.testing.assert_allclose(value, expected, rtol=1e-8)
    if l2 == 0:
        np.testing.assert_allclose(value, np.linalg.norm(Z, 2) ** 2 / (2 * alpha), rtol=1e-12)


def test_value_is_half_alpha_squared_nuclear_norm():
    W = random_matrix((3, 4), 2)
    expected = 0.5 * 0.7 * np.linalg.svd(W, compute_uv=False).sum() ** 2
    np.testing.assert_allclose(SquaredTraceNorm(0.7).value(W, np), expected, rtol=1e-14)


@pytest.mark.parametrize("shape", [(3, 5), (4, 6), (2, 3)])
def test_minimum_over_sigma_is_the_squared_nuclear_norm(shape):
    """min over Sigma >= 0, tr Sigma = 1 of tr(W' Sigma^-1 W) with cvxpy's matrix_frac."""
    W = random_matrix(shape, 3 + sum(shape))
    sigma = cp.Variable((shape[0], shape[0]), PSD=True)
    # Tighter settings stall short of "optimal" on this conic form; these reach 1e-10.
    settings = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
    value = solve(cp.Problem(cp.Minimize(cp.matrix_frac(W, sigma)), [cp.trace(sigma) == 1]),
                  settings)
    nuclear = np.linalg.svd(W, compute_uv=False).sum()
    np.testing.assert_allclose(value, nuclear**2, rtol=1e-9)
    # The minimizer (unique for W of full row rank) is the reported task covariance.
    model = TaskRelationshipRegressor()
    model.coef_ = W
    model._after_fit(np)
    np.testing.assert_allclose(model.task_covariance_, sigma.value, atol=1e-5)


# --------------------------------------------------------------- test problems
N_TASKS = 4


def routed_problem(seed, classification=False):
    """The rows of the registry's relationship family: four tasks with string labels."""
    return relationship_rows(seed, classification)


# ----------------------------------------------------------- against the reference
# The fits of the registry's cases against cvxpy: test_families_common.py.
@pytest.mark.parametrize("cls, loss", [(TaskRelationshipRegressor, "squared"),
                                       (TaskRelationshipClassifier, "logistic")])
def test_duality_gap_bounds_the_suboptimality(cls, loss):
    """The certificate of an early stop is at least its distance to the optimum."""
    from skmtl.solvers.reference_cvxpy import objective_value, solve_reference

    X, y, tasks, weights = routed_problem(2, classification=loss == "logistic")
    index = sorted_index(tasks)
    params = dict(alpha=0.8, l2=0.05)
    reference = solve_reference("relationship", X, y, index, N_TASKS, params,
                                sample_weight=weights, fit_intercept=False, loss=loss)
    zero = objective_value("relationship", X, y, index, N_TASKS, np.zeros((4, 4)),
                           None, params, sample_weight=weights, loss=loss)
    for max_iter in (1, 3, 10):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = cls(**params, solver="fista", max_iter=max_iter, fit_intercept=False)
            model.fit(X, y, tasks=tasks, sample_weight=weights)
        value = objective_value("relationship", X, y, index, N_TASKS, model.coef_, None,
                                params, sample_weight=weights, loss=loss)
        assert value - reference["objective"] <= model.certificate_ * zero * (1 + 1e-6) + 1e-9


def test_cvxpy_solver_matches_reference():
    X, y, tasks, weights = routed_problem(3)
    model = TaskRelationshipRegressor(alpha=0.5, solver="cvxpy").fit(
        X, y, tasks=tasks, sample_weight=weights)
    fitted = TaskRelationshipRegressor(alpha=0.5, tol=1e-10).fit(
        X, y, tasks=tasks, sample_weight=weights)
    np.testing.assert_allclose(model.coef_, fitted.coef_, atol=1e-5)
    assert model.certificate_ <= 1e-7


# ------------------------------------------------------------------ behaviour
def test_learned_correlation_has_the_generating_sign_pattern():
    """Two groups of tasks, positively correlated within and negatively across."""
    rng = np.random.default_rng(4)
    covariance = np.array([[1.0, 0.7, -0.5, -0.5], [0.7, 1.0, -0.5, -0.5],
                           [-0.5, -0.5, 1.0, 0.7], [-0.5, -0.5, 0.7, 1.0]])
    n_features, n_rows = 20, 150
    W = np.linalg.cholesky(covariance) @ rng.standard_normal((4, n_features))
    index = np.repeat(np.arange(4), n_rows)
    X = rng.standard_normal((index.size, n_features))
    y = np.einsum("ij,ij->i", X, W[index]) + 0.5 * rng.standard_normal(index.size)
    model = TaskRelationshipRegressor(alpha=0.05, l2=0.0).fit(X, y, tasks=index)
    np.testing.assert_array_equal(np.sign(model.task_correlation_), np.sign(covariance))
    np.testing.assert_allclose(np.diag(model.task_correlation_), 1.0)
    np.testing.assert_allclose(np.trace(model.task_covariance_), 1.0)
    assert np.all(np.linalg.eigvalsh(model.task_covariance_) >= -1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_alpha_zero_is_independent_ridge(fit_intercept):
    X, y, tasks, weights = routed_problem(5)
    l2 = 0.3
    model = TaskRelationshipRegressor(alpha=0.0, l2=l2, fit_intercept=fit_intercept)
    model.fit(X, y, tasks=tasks, sample_weight=weights)
    for t, label in enumerate(model.tasks_):
        rows = tasks == label
        # (1/S_t) sum s_i r_i^2 / 2 + l2/2 ||w||^2, times 2 S_t: Ridge with alpha = l2 S_t.
        ridge = Ridge(alpha=l2 * weights[rows].sum(), fit_intercept=fit_intercept)
        ridge.fit(X[rows], y[rows], sample_weight=weights[rows])
        np.testing.assert_allclose(model.coef_[t], ridge.coef_, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(model.intercept_[t], ridge.intercept_, rtol=1e-8, atol=1e-10)


def test_zero_coefficients_give_uniform_covariance():
    X, y, tasks, _ = routed_problem(6)
    model = TaskRelationshipRegressor(alpha=1.0)
    model.coef_ = np.zeros((4, 4))
    model._after_fit(np)
    np.testing.assert_array_equal(model.task_covariance_, np.eye(4) / 4)
    np.testing.assert_array_equal(model.task_correlation_, np.eye(4))


@pytest.mark.parametrize("params", [dict(alpha=-1.0), dict(l2=-0.1), dict(solver="newton")])
def test_invalid_parameters(params):
    X, y, tasks, _ = routed_problem(9)
    with pytest.raises(InvalidParameterError):
        TaskRelationshipRegressor(**params).fit(X, y, tasks=tasks)
