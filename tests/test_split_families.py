"""The robust feature (rMTFL) and sparse + low-rank models.

Their fits against the cvxpy optimum, warm starts, task conventions and array API
come from the registry (``test_families_common.py``).  Here: the prox and dual norm
of their split penalties against cvxpy, the ends of the range of the two strengths,
where each model is an existing estimator, planted outlier tasks, the cvxpy
solver's parts, and the path functions, which have no single strength to vary.
"""

import numpy as np
import pytest
from _data import routed_data
from _families import components
from sklearn.base import is_classifier
from sklearn.utils._param_validation import InvalidParameterError

from skmtl import (
    IndependentLassoClassifier,
    IndependentLassoRegressor,
    JointFeatureClassifier,
    JointFeatureRegressor,
    PenalizedClassifier,
    PenalizedRegressor,
    RobustFeatureClassifier,
    RobustFeatureRegressor,
    SparseLowRankClassifier,
    SparseLowRankRegressor,
    TraceNormClassifier,
    TraceNormRegressor,
)
from skmtl.model_selection import alpha_max, regularization_path
from skmtl.penalties import JointFeatureNorm, TraceNorm
from skmtl.penalties.sparse import L1Norm, SplitNorm, TaskGroupNorm

TIGHT = {"tol": 1e-11, "max_iter": 100_000}
SIZES, N_FEATURES = (30, 24, 36), 4
N_TASKS = len(SIZES)


def rows(seed, classify=False):
    return routed_data(seed, SIZES, N_FEATURES, offset=0.5, noise=0.5, task_offset=0.5,
                       binary="logistic" if classify else None)


# ----------------------------------------------------------------- penalties
@pytest.mark.parametrize("name", ["robust_feature", "sparse_low_rank"])
def test_split_penalty_prox_and_dual_norm_match_cvxpy(name):
    """prox_{sR}(V) = argmin 1/2||X - V||^2 + s R(X) on the stacked parts, and the dual
    norm is max <X, Z> over R(X) <= 1."""
    cp = pytest.importorskip("cvxpy")
    d, a, b = 3, 0.5, 0.3
    if name == "robust_feature":
        penalty = SplitNorm(JointFeatureNorm(a), TaskGroupNorm(b))

        def norm(V):
            return (a * cp.sum(cp.norm(V[:, :d], 2, axis=0))
                    + b * cp.sum(cp.norm(V[:, d:], 2, axis=1)))
    else:
        penalty = SplitNorm(L1Norm(b), TraceNorm(a))

        def norm(V):
            return b * cp.sum(cp.abs(V[:, :d])) + a * cp.normNuc(V[:, d:])

    rng = np.random.default_rng(3)
    V, Z = rng.standard_normal((4, 2 * d)), rng.standard_normal((4, 2 * d))
    variable = cp.Variable(V.shape)
    cp.Problem(cp.Minimize(0.5 * cp.sum_squares(variable - V) + 0.8 * norm(variable))).solve(
        solver="CLARABEL")
    np.testing.assert_allclose(penalty.prox(V, 0.8, np), variable.value, atol=1e-6)
    np.testing.assert_allclose(penalty.value(V, np), norm(V).value, rtol=1e-12)
    support = cp.Problem(cp.Maximize(cp.sum(cp.multiply(Z, variable))), [norm(variable) <= 1])
    support.solve(solver="CLARABEL")
    np.testing.assert_allclose(float(penalty.dual_norm(Z, np)), support.value, rtol=1e-6)


# -------------------------------------------------------- the ends of the range
def _same_fit(model, reference, X, y, tasks, weights):
    model.set_params(**TIGHT).fit(X, y, tasks=tasks, sample_weight=weights)
    reference.set_params(**TIGHT).fit(X, y, tasks=tasks, sample_weight=weights)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=1e-6)
    return model


@pytest.mark.parametrize("classify", [False, True], ids=["regressor", "classifier"])
def test_expensive_outlier_part_is_joint_feature(classify):
    """alpha_outlier >= sqrt(d) alpha_shared: the row-group dual ball contains the
    L2,1 one, the model is the L2,1 model and Q = 0."""
    X, y, tasks, weights = rows(1, classify)
    alpha = 0.02 if classify else 0.05
    cls, joint = ((RobustFeatureClassifier, JointFeatureClassifier) if classify
                  else (RobustFeatureRegressor, JointFeatureRegressor))
    model = _same_fit(cls(alpha_shared=alpha, alpha_outlier=np.sqrt(N_FEATURES) * alpha),
                      joint(alpha=alpha), X, y, tasks, weights)
    assert np.all(model.outlier_coef_ == 0) and model.outlier_tasks_.size == 0


@pytest.mark.parametrize("classify", [False, True], ids=["regressor", "classifier"])
def test_expensive_shared_part_is_a_group_lasso_on_the_tasks(classify):
    """alpha_shared >= sqrt(T) alpha_outlier: the model is alpha_outlier sum_t ||w_t||
    (the generic estimator with the row-group norm), and P = 0."""
    X, y, tasks, weights = rows(2, classify)
    alpha = 0.02 if classify else 0.1
    cls, generic = ((RobustFeatureClassifier, PenalizedClassifier) if classify
                    else (RobustFeatureRegressor, PenalizedRegressor))
    model = _same_fit(cls(alpha_shared=np.sqrt(N_TASKS) * alpha, alpha_outlier=alpha),
                      generic(TaskGroupNorm(alpha), l2=0.0), X, y, tasks, weights)
    assert np.all(model.joint_coef_ == 0)


@pytest.mark.parametrize("classify", [False, True], ids=["regressor", "classifier"])
def test_cheap_low_rank_part_is_the_trace_norm_model(classify):
    """alpha_lowrank <= alpha_sparse: the spectral-norm ball lies inside the max-entry
    ball, the model is the trace-norm model and P = 0."""
    X, y, tasks, weights = rows(3, classify)
    alpha = 0.02 if classify else 0.1
    cls, trace = ((SparseLowRankClassifier, TraceNormClassifier) if classify
                  else (SparseLowRankRegressor, TraceNormRegressor))
    model = _same_fit(cls(alpha_sparse=alpha, alpha_lowrank=alpha), trace(alpha=alpha),
                      X, y, tasks, weights)
    assert np.all(model.sparse_coef_ == 0)
    assert model.rank_ == np.linalg.matrix_rank(model.coef_, tol=1e-8)


@pytest.mark.parametrize("classify", [False, True], ids=["regressor", "classifier"])
def test_expensive_low_rank_part_is_the_lasso(classify):
    """alpha_lowrank >= sqrt(T d) alpha_sparse: the max-entry ball lies inside the
    spectral-norm ball, the model is the per-task lasso and Q = 0."""
    X, y, tasks, weights = rows(4, classify)
    alpha = 0.01 if classify else 0.05
    cls, lasso = ((SparseLowRankClassifier, IndependentLassoClassifier) if classify
                  else (SparseLowRankRegressor, IndependentLassoRegressor))
    model = _same_fit(cls(alpha_sparse=alpha, alpha_lowrank=np.sqrt(N_TASKS * N_FEATURES) * alpha),
                      lasso(alpha=alpha), X, y, tasks, weights)
    assert np.all(model.lowrank_coef_ == 0) and model.rank_ == 0


# ------------------------------------------------------------------- recovery
def _outlier_problem(seed, classify):
    """Eight tasks sharing features 0-2 (other features zero), tasks 2 and 5 outliers
    with coefficients on every feature, labelled 10..17."""
    rng = np.random.default_rng(seed)
    n_tasks, d, n = 8, 10, 80
    W = np.zeros((n_tasks, d))
    W[:, :3] = rng.uniform(0.5, 1.5, 3) * rng.choice([-1, 1], 3) + 0.2 * rng.standard_normal(
        (n_tasks, 3))
    W[[2, 5]] = 1.5 * rng.choice([-1, 1], (2, d))
    tasks = np.repeat(np.arange(n_tasks), n)
    X = rng.standard_normal((tasks.size, d))
    margin = np.einsum("ij,ij->i", X, W[tasks])
    if classify:
        y = (rng.uniform(size=tasks.size) < 1 / (1 + np.exp(-3 * margin))).astype(int)
    else:
        y = margin + 0.1 * rng.standard_normal(tasks.size)
    return X, y, tasks + 10


@pytest.mark.parametrize("classify", [False, True], ids=["regressor", "classifier"])
def test_robust_feature_model_flags_the_planted_outlier_tasks(classify):
    X, y, tasks = _outlier_problem(7, classify)
    model = (RobustFeatureClassifier(alpha_shared=0.04, alpha_outlier=0.06) if classify
             else RobustFeatureRegressor(alpha_shared=0.1, alpha_outlier=0.15))
    model.fit(X, y, tasks=tasks)
    np.testing.assert_array_equal(model.outlier_tasks_, [12, 15])
    if not classify:  # the noisier logistic fit also spreads P over the outliers' features
        np.testing.assert_array_equal(
            np.flatnonzero(np.linalg.norm(model.joint_coef_, axis=0)), [0, 1, 2])
    np.testing.assert_allclose(model.coef_, model.joint_coef_ + model.outlier_coef_,
                               atol=1e-12)


# ------------------------------------------------------------------ behaviour
@pytest.mark.parametrize("cls, names", [
    (RobustFeatureRegressor, ("alpha_shared", "alpha_outlier")),
    (RobustFeatureClassifier, ("alpha_shared", "alpha_outlier")),
    (SparseLowRankRegressor, ("alpha_sparse", "alpha_lowrank")),
    (SparseLowRankClassifier, ("alpha_sparse", "alpha_lowrank")),
])
@pytest.mark.parametrize("value", [0.0, -1.0])
def test_non_positive_weights_raise(cls, names, value):
    X, y, tasks, _ = rows(6, is_classifier(cls()))
    for name in names:
        with pytest.raises(InvalidParameterError, match=name):
            cls(**{name: value}).fit(X, y, tasks=tasks)


@pytest.mark.parametrize("cls", [RobustFeatureRegressor, SparseLowRankClassifier])
def test_coordinate_descent_does_not_apply(cls):
    """Neither model separates over the feature columns (row groups, trace norm)."""
    X, y, tasks, _ = rows(7, is_classifier(cls()))
    with pytest.raises(InvalidParameterError, match="solver"):
        cls(solver="cd").fit(X, y, tasks=tasks)


@pytest.mark.parametrize("cls", [RobustFeatureRegressor, SparseLowRankRegressor,
                                 RobustFeatureClassifier, SparseLowRankClassifier])
def test_cvxpy_solver_fits_the_parts(cls):
    pytest.importorskip("cvxpy")
    X, y, tasks, weights = rows(8, is_classifier(cls()))
    exact = cls(solver="cvxpy").fit(X, y, tasks=tasks, sample_weight=weights)
    ours = cls(**TIGHT).fit(X, y, tasks=tasks, sample_weight=weights)
    first, second = components(exact)
    np.testing.assert_allclose(first + second, exact.coef_, atol=1e-10)
    np.testing.assert_allclose(exact.coef_, ours.coef_, atol=1e-4)
    assert exact.n_iter_ == 1
    assert exact.certificate_ < 1e-6


@pytest.mark.parametrize("cls", [RobustFeatureRegressor, SparseLowRankClassifier])
def test_a_path_needs_a_single_strength(cls):
    X, y, tasks, _ = rows(9, is_classifier(cls()))
    with pytest.raises(ValueError, match="no single strength.*GridSearchCV"):
        regularization_path(cls(), X, y, tasks=tasks, alphas=3)


@pytest.mark.parametrize("estimator, name", [
    (RobustFeatureRegressor(alpha_shared=1e3), "alpha_outlier"),
    (RobustFeatureClassifier(alpha_shared=1e3), "alpha_outlier"),
    (SparseLowRankRegressor(alpha_sparse=1e3), "alpha_lowrank"),
    (SparseLowRankClassifier(alpha_sparse=1e3), "alpha_lowrank"),
], ids=lambda value: type(value).__name__ if not isinstance(value, str) else value)
def test_alpha_max_of_the_second_strength(estimator, name):
    """With the first strength above its own top, ``alpha_max`` is the second's: the
    dual norm of the gradient at W = 0 (largest row norm, spectral norm)."""
    X, y, tasks, _ = rows(10, is_classifier(estimator))
    top = alpha_max(estimator, X, y, tasks=tasks)
    above = estimator.set_params(**{name: top * 1.001}, **TIGHT).fit(X, y, tasks=tasks)
    assert np.all(above.coef_ == 0)
    below = estimator.set_params(**{name: top * 0.99}).fit(X, y, tasks=tasks)
    assert np.any(below.coef_ != 0)
    small = alpha_max(estimator.set_params(**{estimator._parameters[0]: 1e-4}), X, y,
                      tasks=tasks)
    assert small is None
