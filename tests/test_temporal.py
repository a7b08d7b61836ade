"""The ordered-task families: their proxes and conjugates against cvxpy, identities with
the families they reduce to, ``task_order``, and recovery of a planted structure.

The fits against the cvxpy optimum (weights, intercepts, a one-row task) are in the
registry (``_families.py``); here are the pieces and the structure.
"""

import numpy as np
import pytest
from _data import routed_data

from skmtl import (
    FusedSparseGroupLassoClassifier,
    FusedSparseGroupLassoRegressor,
    GraphRegularizedRegressor,
    IndependentLassoRegressor,
    JointFeatureRegressor,
    TemporalGroupLassoRegressor,
)
from skmtl.model_selection import alpha_max
from skmtl.penalties import FusedSparseGroupLasso, TemporalGroupLasso
from skmtl.solvers.reference_cvxpy import DEFAULT_CLARABEL_SETTINGS

cp = pytest.importorskip("cvxpy")

TIGHT = {"tol": 1e-12, "max_iter": 100_000}
ORDER = [3, 0, 4, 1, 2]


def _solve(objective, variable):
    problem = cp.Problem(cp.Minimize(objective))
    problem.solve(solver=cp.CLARABEL, **DEFAULT_CLARABEL_SETTINGS)
    return problem, np.asarray(variable.value)


def assert_minimizes(objective, variable, ours):
    """``ours`` reaches cvxpy's minimum of the 1-strongly convex ``objective`` (to 1e-9),
    hence lies within about 1e-4 of its minimizer."""
    problem, expected = _solve(objective, variable)
    variable.value = ours
    assert objective.value <= problem.value + 1e-9 * max(1.0, abs(problem.value))
    np.testing.assert_allclose(ours, expected, atol=1e-4)


def _differences(order):
    """(T - 1, T) matrix of the neighbours' differences along ``order``."""
    D = np.zeros((len(order) - 1, len(order)))
    for k in range(len(order) - 1):
        D[k, order[k + 1]], D[k, order[k]] = 1.0, -1.0
    return D


def _matrix(seed=0, shape=(5, 6)):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) * rng.uniform(0.2, 2.0, shape[1])


# ------------------------------------------------------------------ proxes
@pytest.mark.parametrize("order", [None, ORDER])
@pytest.mark.parametrize("alpha, smooth, step", [(0.4, 0.7, 1.3), (0.0, 0.5, 1.0),
                                                 (1.5, 2.0, 0.4)])
def test_temporal_prox_is_its_definition(alpha, smooth, step, order):
    W = _matrix()
    penalty = TemporalGroupLasso(alpha, smooth, order)
    U = cp.Variable(W.shape)
    D = _differences(order or list(range(W.shape[0])))
    objective = (0.5 * cp.sum_squares(U - W) + step * alpha * cp.sum(cp.norm(U, 2, axis=0))
                 + step * 0.5 * smooth * cp.sum_squares(D @ U))
    assert_minimizes(objective, U, penalty.prox(W, step, np))


@pytest.mark.parametrize("order", [None, ORDER])
@pytest.mark.parametrize("weights", [(0.3, 0.5, 0.8), (0.0, 0.4, 1.2), (0.5, 0.0, 0.0),
                                     (0.2, 2.0, 0.3)])
def test_fused_sparse_group_prox_is_the_composition(weights, order):
    """TV prox, then soft, then group soft thresholding is the prox of the sum."""
    lasso, fused, group = weights
    W = _matrix(1)
    penalty = FusedSparseGroupLasso(lasso, fused, group, order)
    U = cp.Variable(W.shape)
    D = _differences(order or list(range(W.shape[0])))
    objective = (0.5 * cp.sum_squares(U - W) + lasso * cp.sum(cp.abs(U))
                 + fused * cp.sum(cp.abs(D @ U)) + group * cp.sum(cp.norm(U, 2, axis=0)))
    assert_minimizes(objective, U, penalty.prox(W, 1.0, np))


# ------------------------------------------------------- conjugates, dual norms
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_temporal_conjugate_is_its_definition(l2):
    """h*(Z) = sup <Z, W> - R(W) - l2/2 ||W||², at Z inside the domain (l2 = 0: the
    constant signal of each column carries less than alpha)."""
    penalty = TemporalGroupLasso(0.8, 0.6)
    boundary = _matrix(2) * penalty.conjugate_scale(_matrix(2), l2, np)
    Z = 0.9 * boundary
    W = cp.Variable(Z.shape)
    D = _differences(list(range(Z.shape[0])))
    objective = (-cp.sum(cp.multiply(Z, W)) + 0.8 * cp.sum(cp.norm(W, 2, axis=0))
                 + 0.3 * cp.sum_squares(D @ W) + 0.5 * l2 * cp.sum_squares(W))
    problem, _ = _solve(objective, W)
    assert penalty.conjugate(Z, l2, np) == pytest.approx(-problem.value, rel=1e-6, abs=1e-9)
    if l2 == 0:
        outside = 1.01 * boundary
        assert penalty.conjugate_scale(outside, 0.0, np) < 1
        assert penalty.conjugate(outside, 0.0, np) == np.inf


def test_fused_sparse_group_dual_norm_is_the_support_function():
    """The dual norm is max <Z, W> over R(W) <= 1, and prox_{sR}(Z) = 0 from it on."""
    penalty = FusedSparseGroupLasso(0.3, 0.5, 0.4, ORDER)
    Z = _matrix(3)
    W = cp.Variable(Z.shape)
    D = _differences(ORDER)
    constraint = (0.3 * cp.sum(cp.abs(W)) + 0.5 * cp.sum(cp.abs(D @ W))
                  + 0.4 * cp.sum(cp.norm(W, 2, axis=0))) <= 1
    problem = cp.Problem(cp.Maximize(cp.sum(cp.multiply(Z, W))), [constraint])
    problem.solve(solver=cp.CLARABEL, **DEFAULT_CLARABEL_SETTINGS)
    gauge = penalty.dual_norm(Z, np)
    assert gauge == pytest.approx(problem.value, rel=1e-7)
    assert np.all(penalty.prox(Z / gauge, 1.0, np) == 0)
    assert penalty.dual_ball_distance_squared(Z / gauge, np) == 0


# ------------------------------------------------------------------- identities
def _data(seed=0, classify=False):
    return routed_data(seed, (20, 1, 14, 30, 9), 4, density=0.6, task_offset=0.5, noise=0.5,
                       binary="logistic" if classify else None)


def test_temporal_without_smoothing_is_the_joint_feature_model():
    X, y, tasks, weights = _data()
    for l2 in (0.0, 0.05):
        temporal = TemporalGroupLassoRegressor(alpha=0.1, alpha_smooth=0.0, l2=l2, **TIGHT)
        joint = JointFeatureRegressor(alpha=0.1, l2=l2, **TIGHT)
        fits = [model.fit(X, y, tasks=tasks, sample_weight=weights) for model in (temporal, joint)]
        np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, atol=1e-6)
        np.testing.assert_array_equal(fits[0].support_, fits[1].support_)


@pytest.mark.parametrize("solver", ["auto", "fista", "cd"])
def test_temporal_without_group_norm_is_the_chain_graph_model(solver):
    """alpha = 0: the graph-regularized model on the chain of ``task_order`` (closed
    form with 'auto', the prox of the penalty with 'fista', a tridiagonal solve per
    column with 'cd')."""
    X, y, tasks, weights = _data()
    temporal = TemporalGroupLassoRegressor(alpha=0.0, alpha_smooth=0.4, l2=0.02,
                                           task_order=ORDER, solver=solver, **TIGHT)
    chain = np.zeros((5, 5))
    for first, second in zip(ORDER[:-1], ORDER[1:], strict=True):
        chain[first, second] = chain[second, first] = 1.0
    graph = GraphRegularizedRegressor(alpha=0.4, l2=0.02, task_graph=chain, tol=1e-12)
    fits = [model.fit(X, y, tasks=tasks, sample_weight=weights) for model in (temporal, graph)]
    np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, atol=1e-6)


def test_fused_sparse_group_with_lasso_alone_is_the_independent_lasso():
    X, y, tasks, weights = _data()
    fused = FusedSparseGroupLassoRegressor(alpha_lasso=0.05, alpha_fused=0.0, alpha_group=0.0,
                                           **TIGHT).fit(X, y, tasks=tasks, sample_weight=weights)
    lasso = IndependentLassoRegressor(alpha=0.05, **TIGHT).fit(X, y, tasks=tasks,
                                                               sample_weight=weights)
    np.testing.assert_allclose(fused.coef_, lasso.coef_, atol=1e-6)


# ------------------------------------------------------------------ task_order
@pytest.mark.parametrize("model", [TemporalGroupLassoRegressor(),
                                   FusedSparseGroupLassoRegressor()])
@pytest.mark.parametrize("order", [["a", "b"], ["a", "b", "b"], ["a", "b", "z"]])
def test_task_order_must_permute_the_fitted_labels(model, order):
    X, y, tasks, _ = _data()
    labels = np.array(["a", "b", "c", "d", "e"])[np.minimum(tasks, 2)]
    with pytest.raises(ValueError, match="task_order must list every fitted task label once"):
        model.set_params(task_order=order).fit(X, y, tasks=labels)


def test_task_order_reorders_the_chain():
    """Labels fitted in another order with the matching task_order: the same fit."""
    X, y, tasks, weights = _data()
    relabel = np.array([40, 10, 30, 20, 0])  # time point t is label relabel[t]
    base = TemporalGroupLassoRegressor(alpha=0.1, alpha_smooth=0.5, **TIGHT)
    reference = base.fit(X, y, tasks=tasks, sample_weight=weights).coef_
    moved = TemporalGroupLassoRegressor(alpha=0.1, alpha_smooth=0.5, task_order=relabel,
                                        **TIGHT).fit(X, y, tasks=relabel[tasks],
                                                     sample_weight=weights)
    position = np.searchsorted(moved.tasks_, relabel)
    np.testing.assert_allclose(moved.coef_[position], reference, atol=1e-6)
    unordered = TemporalGroupLassoRegressor(alpha=0.1, alpha_smooth=0.5, **TIGHT).fit(
        X, y, tasks=relabel[tasks], sample_weight=weights)
    assert not np.allclose(unordered.coef_[position], reference, atol=1e-3)


def test_fused_alone_is_refused():
    X, y, tasks, _ = _data()
    with pytest.raises(ValueError, match="alpha_fused alone"):
        FusedSparseGroupLassoRegressor(alpha_lasso=0.0, alpha_group=0.0).fit(X, y, tasks=tasks)


def test_temporal_alpha_max_zeroes_the_fit():
    X, y, tasks, weights = _data()
    top = alpha_max(TemporalGroupLassoRegressor(alpha_smooth=0.5), X, y, tasks=tasks,
                    sample_weight=weights)
    above = TemporalGroupLassoRegressor(alpha=1.001 * top, alpha_smooth=0.5).fit(
        X, y, tasks=tasks, sample_weight=weights)
    below = TemporalGroupLassoRegressor(alpha=0.99 * top, alpha_smooth=0.5).fit(
        X, y, tasks=tasks, sample_weight=weights)
    assert np.all(above.coef_ == 0) and np.any(below.coef_ != 0)


# --------------------------------------------------------------------- recovery
def progression(seed=0, n_times=8, n_per_time=60, n_features=12, support=(1, 4, 7)):
    """Time points with a common support and coefficients that drift smoothly."""
    rng = np.random.default_rng(seed)
    time = np.linspace(0.0, 1.0, n_times)
    W = np.zeros((n_times, n_features))
    for k, j in enumerate(support):
        W[:, j] = (1.0 + k) * (1.0 + 0.8 * np.sin(np.pi * time + k))
    tasks = np.repeat(np.arange(n_times), n_per_time)
    X = rng.standard_normal((tasks.size, n_features))
    y = np.einsum("ij,ij->i", X, W[tasks]) + 0.5 * rng.standard_normal(tasks.size)
    return X, y, tasks, W


@pytest.mark.parametrize("model", [
    TemporalGroupLassoRegressor(alpha=0.5, alpha_smooth=1.0),
    FusedSparseGroupLassoRegressor(alpha_lasso=0.01, alpha_fused=0.02, alpha_group=0.5),
], ids=["temporal", "fused_sparse_group"])
def test_recovers_a_support_constant_in_time(model):
    X, y, tasks, W = progression()
    model.fit(X, y, tasks=tasks)
    np.testing.assert_array_equal(model.support_, np.any(W != 0, axis=0))
    assert np.all(model.coef_[:, model.support_] != 0)  # at every time point
    error = np.linalg.norm(model.coef_ - W) / np.linalg.norm(W)
    assert error < 0.25  # the norms' shrinkage
    for j in np.flatnonzero(model.support_):  # each path follows the drift in time
        assert np.corrcoef(model.coef_[:, j], W[:, j])[0, 1] > 0.8


def test_fused_sparse_group_classifier_selects_the_support():
    X, y, tasks, W = progression(1, n_per_time=120)
    labels = (y > 0).astype(int)
    model = FusedSparseGroupLassoClassifier(alpha_lasso=0.002, alpha_fused=0.005,
                                            alpha_group=0.1).fit(X, labels, tasks=tasks)
    np.testing.assert_array_equal(model.support_, np.any(W != 0, axis=0))
