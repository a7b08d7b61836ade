"""The convex clustered multi-task models (Zhou, Chen & Ye 2011).

The M step is checked against cvxpy, the fitted objective against the cvxpy
reference (family ``'clustered'``), ``n_clusters >= T`` against independent
ridge regressions, and the clusters against data with known clusters.
"""

import warnings

import numpy as np
import pytest
from _data import signs
from _families import BY_NAME, clustered_rows
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import adjusted_rand_score
from sklearn.utils._param_validation import InvalidParameterError

from skmtl import ClusteredClassifier, ClusteredRegressor
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.penalties.clustered import capped_simplex_weights, task_similarity

RTOL = 1e-6
TOL = 1e-9
N_TASKS = 5
PARAMS = BY_NAME["clustered"].params


def routed_problem(seed):
    """The rows of the registry's clustered family: five tasks, two pairs alike."""
    return clustered_rows(seed, False)[:3]


# ------------------------------------------------------------------ the M step
def cvxpy_capped_simplex(singular, eta, k):
    import cvxpy as cp

    m = cp.Variable(singular.size)
    objective = cp.sum(cp.multiply(singular**2, cp.inv_pos(eta + m)))
    problem = cp.Problem(cp.Minimize(objective), [cp.sum(m) == k, m >= 0, m <= 1])
    problem.solve(solver="CLARABEL")
    return problem.value


@pytest.mark.parametrize("case", ["generic", "zeros", "ties", "few_positive", "all_zero"])
@pytest.mark.parametrize("k", [1, 3])
def test_capped_simplex_weights_against_cvxpy(case, k):
    pytest.importorskip("cvxpy")
    rng = np.random.default_rng(k)
    singular = np.abs(rng.standard_normal(7))
    if case == "zeros":
        singular[[1, 4]] = 0.0
    elif case == "ties":
        singular[[2, 3, 5]] = singular[0]
    elif case == "few_positive":
        singular[1:] = 0.0
    elif case == "all_zero":
        singular[:] = 0.0
    eta = 0.2
    m, _ = capped_simplex_weights(singular, eta, k, np)
    assert m.sum() == pytest.approx(k, abs=1e-12)
    assert m.min() >= 0.0 and m.max() <= 1.0
    value = np.sum(singular**2 / (eta + m))
    expected = cvxpy_capped_simplex(singular, eta, k)
    assert value == pytest.approx(expected, rel=1e-7, abs=1e-10)


@pytest.mark.parametrize("rank", [None, 1])
@pytest.mark.parametrize("n_clusters", [1, 2, 4, 9])
def test_m_step_minimizes_the_penalty(rank, n_clusters):
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(n_clusters)
    n_tasks, d, eta = 6, 4, 0.3
    W = rng.standard_normal((n_tasks, d))
    if rank is not None:
        W = rng.standard_normal((n_tasks, rank)) @ rng.standard_normal((rank, d))
    M = task_similarity(W, eta, n_clusters, np).dense(np)
    k = min(n_clusters, n_tasks)
    eigenvalues = np.linalg.eigvalsh(M)
    assert np.allclose(M, M.T)
    assert np.trace(M) == pytest.approx(k, abs=1e-10)
    assert eigenvalues.min() >= -1e-12 and eigenvalues.max() <= 1 + 1e-12
    value = np.trace(W.T @ np.linalg.solve(eta * np.eye(n_tasks) + M, W))

    matrix = cp.Variable((n_tasks, n_tasks), symmetric=True)
    constraints = [matrix >> 0, np.eye(n_tasks) - matrix >> 0, cp.trace(matrix) == k]
    problem = cp.Problem(
        cp.Minimize(cp.matrix_frac(W, eta * np.eye(n_tasks) + matrix)), constraints)
    problem.solve(solver="CLARABEL")
    assert value == pytest.approx(problem.value, rel=1e-7)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_capped_simplex_zeros_left_implicit(k):
    """Zeros not given (the null space of WW' when T > d) get the weight of given zeros."""
    singular = np.abs(np.random.default_rng(k).standard_normal(3))
    full, _ = capped_simplex_weights(np.concatenate([singular, np.zeros(5)]), 0.2, k, np)
    given, rest = capped_simplex_weights(singular, 0.2, k, np, n_tasks=8)
    np.testing.assert_allclose(np.concatenate([given, np.full(5, rest)]), full, atol=1e-14)


@pytest.mark.parametrize("n_tasks", [3, 7])
def test_spectral_task_matrix_equals_its_dense_form(n_tasks):
    """Products, diagonal, eigenvalues and functions of M from its factors, against the
    dense matrix; T = 7 > d = 3 leaves a null space that only ``rest`` describes."""
    rng = np.random.default_rng(n_tasks)
    W = rng.standard_normal((n_tasks, 3))
    M = task_similarity(W, 0.3, 2, np)
    dense = M.dense(np)
    other = rng.standard_normal((n_tasks, 4))
    np.testing.assert_allclose(M.matmul(other, np), dense @ other, atol=1e-12)
    np.testing.assert_allclose(M.diagonal(np), np.diag(dense), atol=1e-12)
    eigenvalues = np.linalg.eigvalsh(dense)
    np.testing.assert_allclose(M.eigenvalue_range(), (eigenvalues[0], eigenvalues[-1]),
                               atol=1e-12)
    inverse = M.map(lambda value: 1.0 / (0.3 + value)).dense(np)
    np.testing.assert_allclose(inverse, np.linalg.inv(0.3 * np.eye(n_tasks) + dense),
                               atol=1e-12)


# --------------------------------------------------------- against the reference
# The fits of the registry's cases against cvxpy: test_families_common.py.
@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_default_tolerance_bounds_the_suboptimality(loss):
    """Badly scaled features and a strong penalty (small eta), default tol and max_iter."""
    pytest.importorskip("cvxpy")
    from skmtl.solvers.reference_cvxpy import objective_value, solve_reference

    X, y, tasks = routed_problem(9)
    X = X * np.array([1.0, 10.0, 0.1])
    cls = ClusteredRegressor
    if loss == "logistic":
        y, cls = signs(y), ClusteredClassifier
    params = {"alpha": 5.0, "l2": 0.01, "n_clusters": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = cls(**params).fit(X, y, tasks=tasks)
    reference = solve_reference("clustered", X, y, tasks, N_TASKS, params, loss=loss)
    value = objective_value("clustered", X, y, tasks, N_TASKS, model.coef_,
                            model.intercept_, params, loss=loss)
    assert abs(value - reference["objective"]) <= RTOL * reference["objective"]


def test_one_class_task_gets_an_infinite_intercept():
    pytest.importorskip("cvxpy")
    from skmtl.solvers.reference_cvxpy import objective_value, solve_reference

    X, y, tasks = routed_problem(10)
    y = signs(y)
    y[tasks == 2] = 1.0
    model = ClusteredClassifier(**PARAMS, tol=TOL).fit(X, y, tasks=tasks)
    assert model.intercept_[2] == np.inf
    reference = solve_reference("clustered", X, y, tasks, N_TASKS, PARAMS, loss="logistic")
    value = objective_value("clustered", X, y, tasks, N_TASKS, model.coef_,
                            model.intercept_, PARAMS, loss="logistic")
    assert value == pytest.approx(reference["objective"], rel=RTOL)


@pytest.mark.parametrize("cls", [ClusteredRegressor, ClusteredClassifier])
def test_cvxpy_solver_gives_the_reference_similarity(cls):
    pytest.importorskip("cvxpy")
    X, y, tasks = routed_problem(2)
    if cls is ClusteredClassifier:
        y = signs(y)
    exact = cls(**PARAMS, solver="cvxpy").fit(X, y, tasks=tasks)
    alternating = cls(**PARAMS, tol=TOL).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(exact.coef_, alternating.coef_, atol=1e-5)
    np.testing.assert_allclose(exact.task_similarity_, alternating.task_similarity_, atol=1e-4)
    assert exact.certificate_ < 1e-5


# ---------------------------------------------------------------- behaviour
def test_recovers_known_clusters():
    for seed in range(3):
        X, y, tasks, _, clusters = make_multitask_regression(
            n_tasks=12, n_features=10, n_samples=50, structure="clustered", n_clusters=3,
            noise=1.0, return_clusters=True, random_state=seed)
        model = ClusteredRegressor(alpha=0.1, l2=0.01, n_clusters=3, random_state=0)
        model.fit(X, y, tasks=tasks)
        assert adjusted_rand_score(clusters, np.asarray(model.cluster_labels_)) >= 0.9
        assert np.trace(model.task_similarity_) == pytest.approx(3.0)


@pytest.mark.parametrize("cls", [ClusteredRegressor, ClusteredClassifier])
@pytest.mark.parametrize(
    "params, name",
    [({"alpha": 0.0}, "alpha"), ({"l2": 0.0}, "l2"), ({"n_clusters": 0}, "n_clusters"),
     ({"alpha": -1.0}, "alpha"), ({"n_clusters": 1.5}, "n_clusters")],
)
def test_degenerate_parameters_raise(cls, params, name):
    X, y, tasks = routed_problem(3)
    if cls is ClusteredClassifier:
        y = signs(y)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        cls(**params).fit(X, y, tasks=tasks)


@pytest.mark.parametrize("n_clusters", [5, 50])
def test_as_many_clusters_as_tasks_is_independent_ridge(n_clusters):
    """k = T: M = I and the penalty is l2 ||W||^2, Ridge(alpha = 2 S_t l2) per task."""
    X, y, tasks = routed_problem(4)
    weights = np.random.default_rng(4).uniform(0.2, 3.0, tasks.size)
    l2 = 0.05
    model = ClusteredRegressor(alpha=0.7, l2=l2, n_clusters=n_clusters, tol=1e-10)
    model.fit(X, y, tasks=tasks, sample_weight=weights)
    np.testing.assert_allclose(model.task_similarity_, np.eye(N_TASKS), atol=1e-12)
    assert list(model.cluster_labels_) == list(range(N_TASKS))
    for t in range(N_TASKS):
        rows = tasks == t
        ridge = Ridge(alpha=2 * weights[rows].sum() * l2)
        ridge.fit(X[rows], y[rows], sample_weight=weights[rows])
        np.testing.assert_allclose(model.coef_[t], ridge.coef_, rtol=1e-7, atol=1e-9)
        assert model.intercept_[t] == pytest.approx(ridge.intercept_, rel=1e-7, abs=1e-9)


def test_classifier_recovers_known_clusters():
    X, y, tasks, _, clusters = make_multitask_classification(
        n_tasks=8, n_features=5, n_samples=150, structure="clustered", n_clusters=2,
        class_sep=3.0, return_clusters=True, random_state=0)
    model = ClusteredClassifier(alpha=0.05, l2=0.005, n_clusters=2, random_state=0)
    model.fit(X, y, tasks=tasks)
    assert adjusted_rand_score(clusters, np.asarray(model.cluster_labels_)) >= 0.9
