"""The fused lasso over the tasks, added as a penalty object only.

Its total-variation prox is checked against cvxpy solves of the prox's definition,
and the generic estimators with it against the optimum of the cvxpy reference
(the ``'fused'`` formulation), evaluated with the reference's own objective.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skmtl import PenalizedClassifier, PenalizedRegressor
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.penalties.fused import FusedLasso, total_variation_prox
from skmtl.solvers.reference_cvxpy import objective_value, solve_reference

cp = pytest.importorskip("cvxpy")

CLARABEL = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}


def prox_objective(x, signal, weight, weight_lasso=0.0):
    return (0.5 * np.sum((x - signal) ** 2) + weight * np.sum(np.abs(np.diff(x, axis=0)))
            + weight_lasso * np.sum(np.abs(x)))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 25), weight=st.floats(0.0, 5.0),
       steps=st.booleans())
def test_total_variation_prox_solves_its_problem(seed, n, weight, steps):
    """Against cvxpy: the same minimum (1e-10) and the same point (1e-6); piecewise
    constant signals exercise the segments' merges."""
    rng = np.random.default_rng(seed)
    signal = rng.standard_normal(n) * rng.uniform(0.1, 5.0)
    if steps:
        signal += np.repeat(3.0 * rng.standard_normal(4), n)[:n]
    out = np.empty(n)
    total_variation_prox(signal, weight, out)
    x = cp.Variable(n)
    penalty = weight * cp.norm1(cp.diff(x)) if n > 1 else 0
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(x - signal) + penalty))
    problem.solve(solver=cp.CLARABEL, **CLARABEL)
    assert prox_objective(out, signal, weight) <= problem.value + 1e-10 * (1 + problem.value)
    np.testing.assert_allclose(out, x.value, atol=1e-6 * (1 + np.abs(signal).max()))


def test_penalty_prox_adds_the_lasso_and_works_per_column():
    rng = np.random.default_rng(3)
    values = rng.standard_normal((7, 4)) * 2.0
    penalty = FusedLasso(0.4, alpha_lasso=0.3)
    step = 0.8
    result = penalty.prox(values, step, np)
    x = cp.Variable(values.shape)
    objective = (0.5 * cp.sum_squares(x - values)
                 + step * 0.4 * cp.sum(cp.abs(x[1:, :] - x[:-1, :]))
                 + step * 0.3 * cp.sum(cp.abs(x)))
    problem = cp.Problem(cp.Minimize(objective))
    problem.solve(solver=cp.CLARABEL, **CLARABEL)
    np.testing.assert_allclose(result, x.value, atol=1e-6)
    assert penalty.value(result, np) == pytest.approx(
        0.4 * np.abs(np.diff(result, axis=0)).sum() + 0.3 * np.abs(result).sum())


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_regressor_reaches_the_cvxpy_optimum(weighted, fit_intercept):
    X, y, tasks, _ = make_multitask_regression(n_tasks=5, n_features=6, random_state=1)
    task_index = np.searchsorted(np.unique(tasks), tasks)
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y)) if weighted else None
    params = {"alpha": 0.3, "alpha_lasso": 0.05, "l2": 0.02}
    model = PenalizedRegressor(FusedLasso(params["alpha"], params["alpha_lasso"]),
                               l2=params["l2"], fit_intercept=fit_intercept, tol=1e-10,
                               max_iter=100_000).fit(X, y, tasks=tasks, sample_weight=sw)
    assert model.certificate_ <= 1e-10
    reference = solve_reference("fused", X, y, task_index, 5, params, sample_weight=sw,
                                fit_intercept=fit_intercept)
    fitted = objective_value("fused", X, y, task_index, 5, model.coef_, model.intercept_,
                             params, sample_weight=sw)
    assert fitted <= reference["objective"] * (1 + 1e-6)
    np.testing.assert_allclose(model.coef_, reference["coef"], atol=1e-4)


def test_classifier_reaches_the_cvxpy_optimum():
    X, y, tasks, _ = make_multitask_classification(n_tasks=4, n_features=5, random_state=0)
    task_index = np.searchsorted(np.unique(tasks), tasks)
    params = {"alpha": 0.05, "alpha_lasso": 0.01, "l2": 0.02}
    model = PenalizedClassifier(FusedLasso(params["alpha"], params["alpha_lasso"]),
                                l2=params["l2"], tol=1e-10, max_iter=100_000).fit(
        X, y, tasks=tasks)
    signs = np.where(y == model.classes_[1], 1.0, -1.0)
    reference = solve_reference("fused", X, signs, task_index, 4, params, loss="logistic")
    fitted = objective_value("fused", X, signs, task_index, 4, model.coef_, model.intercept_,
                             params, loss="logistic")
    assert fitted <= reference["objective"] * (1 + 1e-6)


def test_neighbouring_tasks_fuse():
    """A strong fusion weight makes the coefficients of neighbouring tasks equal."""
    X, y, tasks, _ = make_multitask_regression(n_tasks=4, n_features=3, random_state=0)
    model = PenalizedRegressor(FusedLasso(50.0), l2=1e-3, tol=1e-10).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(np.diff(model.coef_, axis=0), 0.0, atol=1e-8)


def test_without_l2_the_certificate_is_an_error():
    X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    with pytest.raises(ValueError, match="FusedLasso has no dual_norm.*needs l2 > 0"):
        PenalizedRegressor(FusedLasso(0.1)).fit(X, y, tasks=tasks)
