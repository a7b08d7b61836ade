"""Convex ASO (SharedSubspaceRegressor/Classifier) beyond the registry's common checks.

Its penalty against cvxpy's minimum over M and against the clustered penalty, the
freedom of M outside W's rows, the fitted subspace (planted, and as the top
eigenvectors of M), and the identities with the clustered and ridge models.
"""

import numpy as np
import pytest
from _data import routed_data
from scipy.linalg import subspace_angles

from skmtl import (
    ClusteredClassifier,
    ClusteredRegressor,
    MeanRegularizedRegressor,
    SharedSubspaceClassifier,
    SharedSubspaceRegressor,
)
from skmtl.penalties.clustered import ClusteredPenalty
from skmtl.penalties.spectral import SpectralTaskMatrix
from skmtl.penalties.subspace import SharedSubspacePenalty

TIGHT = {"tol": 1e-11}


def aso_value(W, M, alpha, l2):
    """alpha·eta(1 + eta)·tr(W (eta I + M)^-1 W'), dense, from the definition."""
    eta = l2 / alpha
    shifted = eta * np.eye(M.shape[0]) + M
    return alpha * eta * (1 + eta) * np.trace(W @ np.linalg.solve(shifted, W.T))


def clustered_value(W, alpha, l2, k):
    return ClusteredPenalty(alpha, l2, k).quadratic_at(W, np).value(W, np)


@pytest.mark.parametrize("shape, k", [((3, 7), 2), ((6, 4), 3), ((5, 5), 1), ((2, 6), 4)])
def test_penalty_is_the_cvxpy_minimum_over_M(shape, k):
    """Ω(W) is the minimum over 0 ⪯ M ⪯ I, tr M = k of the cvxpy reference; the
    minimizing M it reports is feasible and attains it."""
    pytest.importorskip("cvxpy")
    from skmtl.solvers.reference_penalties import FORMULATIONS

    W = np.random.default_rng(sum(shape) + k).standard_normal(shape)
    alpha, l2 = 0.7, 0.2
    penalty = SharedSubspacePenalty(alpha, l2, k)
    value = penalty.value(W, np)
    reference = FORMULATIONS["shared_subspace"].value(
        W, {"alpha": alpha, "l2": l2, "n_components": k})
    assert value == pytest.approx(reference, rel=1e-7)
    M = penalty.similarity(W, np).dense(np)
    eigenvalues = np.linalg.eigvalsh(M)
    assert eigenvalues.min() >= -1e-12 and eigenvalues.max() <= 1 + 1e-12
    assert np.trace(M) == pytest.approx(min(k, shape[1]))
    assert aso_value(W, M, alpha, l2) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("shape, k", [((3, 7), 2), ((6, 4), 3), ((4, 4), 4), ((5, 9), 1),
                                      ((2, 6), 4), ((6, 3), 5)])
def test_penalty_equals_the_clustered_penalty(shape, k):
    """Both are the same function of W's singular values; for k <= min(d, T) that is
    the capped-simplex minimum, and for larger k both are the ridge l2·||W||²."""
    W = np.random.default_rng(k).standard_normal(shape) * np.logspace(0, 1, shape[1])
    for alpha, l2 in ((0.5, 0.05), (2.0, 3.0)):
        assert SharedSubspacePenalty(alpha, l2, k).value(W, np) == pytest.approx(
            clustered_value(W, alpha, l2, k), rel=1e-12)


@pytest.mark.parametrize("shape, k", [((2, 6), 2), ((3, 7), 3), ((5, 3), 3)])
def test_rank_at_most_k_is_the_ridge(shape, k):
    """With rank(W) <= k, M is 1 on W's rows and the penalty is its smallest value
    l2·||W||²; with a smaller k it is larger."""
    W = np.random.default_rng(0).standard_normal(shape)
    alpha, l2 = 0.5, 0.05
    assert SharedSubspacePenalty(alpha, l2, k).value(W, np) == pytest.approx(
        l2 * np.sum(W**2), rel=1e-12)
    assert SharedSubspacePenalty(alpha, l2, k - 1).value(W, np) > l2 * np.sum(W**2) * 1.01


def test_eigenvectors_outside_the_rows_of_W_do_not_matter():
    """W of rank 2 < k = 3 in d = 6: M puts weight 1 on W's rows and spreads the rest of
    the trace over their orthogonal complement.  Any feasible split of that rest over
    any basis of the complement gives the same value: W maps the complement to zero."""
    rng = np.random.default_rng(1)
    W = rng.standard_normal((2, 6))
    alpha, l2, k = 0.5, 0.05, 3
    penalty = SharedSubspacePenalty(alpha, l2, k)
    value = penalty.value(W, np)
    right = np.linalg.svd(W)[2].T
    rows = right[:, :2]
    # any orthonormal basis of the complement: W's last right singular vectors, rotated
    complement = right[:, 2:] @ np.linalg.qr(rng.standard_normal((4, 4)))[0]
    for spread in ([0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0], [0.6, 0.3, 0.1, 0.0]):
        M = rows @ rows.T + (complement * spread) @ complement.T
        assert np.trace(M) == pytest.approx(k)
        assert aso_value(W, M, alpha, l2) == pytest.approx(value, rel=1e-12)
    # a different choice inside W's rows does change it
    M = 0.5 * rows @ rows.T + (complement * 0.5) @ complement.T
    assert aso_value(W, M, alpha, l2) > value * (1 + 1e-3)


def test_fit_keeps_M_factored(monkeypatch):
    """d = 400 features, T = 3 tasks: M (400 x 400) is held as 3 eigenvectors and one
    more eigenvalue, never formed densely during the fit."""
    def refuse(self, xp):
        raise AssertionError("a dense d x d matrix was formed")

    X, y, tasks, _ = routed_data(3, (20, 25, 30), 400)
    monkeypatch.setattr(SpectralTaskMatrix, "dense", refuse)
    model = SharedSubspaceRegressor(alpha=0.5, l2=0.05, n_components=2).fit(X, y, tasks=tasks)
    assert model._similarity_vectors_.shape == (400, 3)
    assert model.feature_subspace_.shape == (400, 2)


def planted(seed, classify, n_tasks=12, d=8, k=2, rows=80, scale=2.0):
    """Tasks whose coefficients lie in a planted k-dimensional subspace of the features."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((d, k)))[0]
    W = scale * rng.standard_normal((n_tasks, k)) @ basis.T
    tasks = np.repeat(np.arange(n_tasks), rows)
    X = rng.standard_normal((tasks.size, d))
    margin = np.einsum("ij,ij->i", X, W[tasks])
    if classify:
        y = (rng.uniform(size=tasks.size) < 1 / (1 + np.exp(-margin))).astype(int)
    else:
        y = margin + 0.3 * rng.standard_normal(tasks.size)
    return X, y, tasks, basis


@pytest.mark.parametrize("estimator, data", [
    (SharedSubspaceRegressor(alpha=0.5, l2=0.005, n_components=2), {}),
    (SharedSubspaceClassifier(alpha=0.1, l2=0.001, n_components=2),
     {"n_tasks": 20, "rows": 200, "scale": 3.0}),
], ids=["regressor", "classifier"])
def test_recovers_a_planted_subspace(estimator, data):
    """Principal angles to the planted subspace below 0.1 rad."""
    X, y, tasks, basis = planted(0, "Classifier" in type(estimator).__name__, **data)
    model = estimator.fit(X, y, tasks=tasks)
    assert np.max(subspace_angles(model.feature_subspace_, basis)) < 0.1


@pytest.mark.parametrize("n_components", [1, 2, 3, 5])
def test_subspace_is_the_top_eigenvectors_of_M(n_components):
    """feature_subspace_ is orthonormal, spans eigenvectors of feature_similarity_ for
    its k largest eigenvalues, and, within W's rank, W's top right singular vectors;
    with k > T = 3 it is completed orthogonally to W's rows."""
    X, y, tasks, _ = routed_data(4, (20, 25, 30), 6)
    model = SharedSubspaceRegressor(alpha=0.3, l2=0.03, n_components=n_components,
                                    **TIGHT).fit(X, y, tasks=tasks)
    S, M = model.feature_subspace_, model.feature_similarity_
    assert S.shape == (6, n_components)
    np.testing.assert_allclose(S.T @ S, np.eye(n_components), atol=1e-12)
    top = np.sort(np.linalg.eigvalsh(M))[::-1][:n_components]
    np.testing.assert_allclose(M @ S, S @ (S.T @ M @ S), atol=1e-10)
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(S.T @ M @ S))[::-1], top,
                               atol=1e-10)
    rank = min(n_components, 3)
    rows = np.linalg.svd(model.coef_)[2][:rank].T
    assert np.max(subspace_angles(S[:, :rank], rows)) < 1e-6
    if n_components > 3:
        np.testing.assert_allclose(model.coef_ @ S[:, 3:], 0.0, atol=1e-12)


@pytest.mark.parametrize("pair", [(SharedSubspaceRegressor, ClusteredRegressor),
                                  (SharedSubspaceClassifier, ClusteredClassifier)],
                         ids=["regressor", "classifier"])
def test_fit_equals_the_clustered_fit(pair):
    """The two objectives are the same function of W, so the fits agree."""
    subspace, clustered = pair
    X, y, tasks, weights = routed_data(5, (15, 30, 22, 18), 5)
    if subspace is SharedSubspaceClassifier:
        y = (y > np.median(y)).astype(int)
    params = {"alpha": 0.4, "l2": 0.04, **TIGHT}
    aso = subspace(n_components=2, **params).fit(X, y, tasks=tasks, sample_weight=weights)
    other = clustered(n_clusters=2, random_state=0, **params).fit(
        X, y, tasks=tasks, sample_weight=weights)
    np.testing.assert_allclose(aso.coef_, other.coef_, atol=1e-7)
    np.testing.assert_allclose(aso.intercept_, other.intercept_, atol=1e-7)


def test_as_many_components_as_features_is_ridge():
    """k = d: M = I and the penalty is l2·||W||², independent ridge regressions."""
    X, y, tasks, weights = routed_data(6, (15, 30, 22), 4)
    model = SharedSubspaceRegressor(alpha=0.4, l2=0.05, n_components=7, **TIGHT).fit(
        X, y, tasks=tasks, sample_weight=weights)
    ridge = MeanRegularizedRegressor(alpha=0.0, l2=0.1, tol=1e-12).fit(
        X, y, tasks=tasks, sample_weight=weights)
    np.testing.assert_allclose(model.coef_, ridge.coef_, atol=1e-9)
    np.testing.assert_allclose(model.feature_similarity_, np.eye(4), atol=1e-12)
