"""The convex clustered multi-task models (Zhou, Chen & Ye 2011).

The M step is checked against cvxpy, the fitted objective against the cvxpy
reference (family ``'clustered'``), ``n_clusters >= T`` against independent
ridge regressions, and the clusters against data with known clusters.
"""

import os
import warnings

import numpy as np
import pytest
import sklearn
from _namespaces import array_namespaces
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import adjusted_rand_score
from sklearn.utils._param_validation import InvalidParameterError

from skmtl import ClusteredClassifier, ClusteredRegressor
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.penalties.clustered import capped_simplex_weights, task_similarity

RTOL = 1e-6
TOL = 1e-9
SIZES = (15, 40, 22, 31, 18)
PARAMS = {"alpha": 0.5, "l2": 0.05, "n_clusters": 2}


def routed_problem(seed, sizes=SIZES, d=3):
    """Rows of tasks of unequal sizes, in shuffled order; two pairs of similar tasks."""
    rng = np.random.default_rng(seed)
    n_tasks = len(sizes)
    tasks = rng.permutation(np.repeat(np.arange(n_tasks), sizes))
    X = rng.standard_normal((tasks.size, d)) + rng.normal(0, 1, d)
    W = rng.standard_normal((n_tasks, d))
    W[2] = W[0] + 0.1 * rng.standard_normal(d)
    W[3] = W[1] + 0.1 * rng.standard_normal(d)
    y = np.einsum("ij,ij->i", X, W[tasks]) + tasks + 0.3 * rng.standard_normal(tasks.size)
    return X, y, tasks


def signs(y):
    return np.where(y > np.median(y), 1.0, -1.0)


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
def reference_gap(model, X, y, tasks, loss, sample_weight=None, task_weights="uniform"):
    """Relative excess of the fitted objective over the reference optimum."""
    from skmtl.solvers.reference_cvxpy import objective_value, solve_reference

    n_tasks = len(SIZES)
    if isinstance(task_weights, str):
        weights = np.ones(tasks.size) if sample_weight is None else sample_weight
        totals = np.bincount(tasks, weights=weights, minlength=n_tasks)
        scale = np.ones(n_tasks) if task_weights == "uniform" else totals / totals.sum()
    else:
        scale = np.asarray(task_weights)
    reference = solve_reference(
        "clustered", X, y, tasks, n_tasks, PARAMS, sample_weight=sample_weight,
        task_scale=scale, fit_intercept=model.fit_intercept, loss=loss)
    value = objective_value(
        "clustered", X, y, tasks, n_tasks, model.coef_, model.intercept_, PARAMS,
        sample_weight=sample_weight, task_scale=scale, loss=loss)
    return (value - reference["objective"]) / abs(reference["objective"])


CASES = [
    pytest.param({}, id="uniform"),
    pytest.param({"sample_weight": True}, id="sample_weight"),
    pytest.param({"task_weights": "size", "sample_weight": True}, id="size"),
    pytest.param({"task_weights": [0.5, 2.0, 1.0, 0.7, 1.5]}, id="task_weights"),
    pytest.param({"fit_intercept": False}, id="no_intercept"),
]


def fit_case(cls, case, X, y, tasks, seed):
    sample_weight = (np.random.default_rng(seed + 100).uniform(0.2, 3.0, tasks.size)
                     if case.get("sample_weight") else None)
    task_weights = case.get("task_weights", "uniform")
    model = cls(**PARAMS, task_weights=task_weights, fit_intercept=case.get("fit_intercept", True),
                tol=TOL)
    model.fit(X, y, tasks=tasks, sample_weight=sample_weight)
    return model, sample_weight, task_weights


@pytest.mark.parametrize("case", CASES)
def test_regressor_reaches_reference_optimum(case):
    pytest.importorskip("cvxpy")
    X, y, tasks = routed_problem(0)
    model, sample_weight, task_weights = fit_case(ClusteredRegressor, case, X, y, tasks, 0)
    assert model.certificate_ <= TOL
    gap = reference_gap(model, X, y, tasks, "squared", sample_weight, task_weights)
    assert abs(gap) <= RTOL


@pytest.mark.parametrize("case", CASES)
def test_classifier_reaches_reference_optimum(case):
    pytest.importorskip("cvxpy")
    X, y, tasks = routed_problem(1)
    y = signs(y)
    model, sample_weight, task_weights = fit_case(ClusteredClassifier, case, X, y, tasks, 1)
    assert model.certificate_ <= TOL
    gap = reference_gap(model, X, y, tasks, "logistic", sample_weight, task_weights)
    assert abs(gap) <= RTOL


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
    reference = solve_reference("clustered", X, y, tasks, len(SIZES), params, loss=loss)
    value = objective_value("clustered", X, y, tasks, len(SIZES), model.coef_,
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
    reference = solve_reference("clustered", X, y, tasks, len(SIZES), PARAMS, loss="logistic")
    value = objective_value("clustered", X, y, tasks, len(SIZES), model.coef_,
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
    np.testing.assert_allclose(model.task_similarity_, np.eye(len(SIZES)), atol=1e-12)
    assert list(model.cluster_labels_) == list(range(len(SIZES)))
    for t in range(len(SIZES)):
        rows = tasks == t
        ridge = Ridge(alpha=2 * weights[rows].sum() * l2)
        ridge.fit(X[rows], y[rows], sample_weight=weights[rows])
        np.testing.assert_allclose(model.coef_[t], ridge.coef_, rtol=1e-7, atol=1e-9)
        assert model.intercept_[t] == pytest.approx(ridge.intercept_, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("cls", [ClusteredRegressor, ClusteredClassifier])
def test_warm_start(cls):
    X, y, tasks = routed_problem(5)
    if cls is ClusteredClassifier:
        y = signs(y)
    cold = cls(**PARAMS, tol=1e-10).fit(X, y, tasks=tasks)
    model = cls(**PARAMS, tol=1e-10, warm_start=True).fit(X, y, tasks=tasks)
    model.set_params(alpha=0.6).fit(X, y, tasks=tasks)
    first = model.n_iter_
    target = cls(**{**PARAMS, "alpha": 0.6}, tol=1e-10).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(model.coef_, target.coef_, rtol=1e-6, atol=1e-8)
    assert first < target.n_iter_
    model.fit(X, y, tasks=tasks)  # from its own solution: one step at most
    assert model.n_iter_ == 1
    np.testing.assert_allclose(cold.coef_, cls(**PARAMS, tol=1e-10).fit(
        X, y, tasks=tasks).coef_)


@pytest.mark.parametrize("cls", [ClusteredRegressor, ClusteredClassifier])
def test_convergence_warning_when_max_iter_ends_the_solve(cls):
    X, y, tasks = routed_problem(6)
    if cls is ClusteredClassifier:
        y = signs(y)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = cls(**PARAMS, max_iter=1).fit(X, y, tasks=tasks)
    assert model.n_iter_ == 1
    assert model.certificate_ > model.tol
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = cls(**PARAMS).fit(X, y, tasks=tasks)
    assert model.certificate_ <= model.tol


@pytest.mark.parametrize("cls", [ClusteredRegressor, ClusteredClassifier])
def test_three_task_conventions_agree(cls):
    rng = np.random.default_rng(7)
    n, d, n_tasks = 40, 3, 4
    X = rng.standard_normal((n, d))
    Y = X @ rng.standard_normal((d, n_tasks)) + 0.5 * rng.standard_normal((n, n_tasks))
    if cls is ClusteredClassifier:
        Y = np.where(Y > 0, 1, 0)
    params = {**PARAMS, "tol": 1e-10, "random_state": 0}
    shared = cls(**params).fit(X, Y)
    tasks = np.repeat(np.arange(n_tasks), n)
    X_rows, y_rows = np.tile(X, (n_tasks, 1)), Y.T.reshape(-1)
    routed = cls(**params).fit(X_rows, y_rows, tasks=tasks)
    column = cls(**params, task_column=0).fit(np.column_stack([tasks, X_rows]), y_rows)
    for model in (routed, column):
        np.testing.assert_allclose(model.coef_, shared.coef_, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(model.intercept_, shared.intercept_, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(model.task_similarity_, shared.task_similarity_, atol=1e-7)
        assert list(model.cluster_labels_) == list(shared.cluster_labels_)


def test_classifier_recovers_known_clusters():
    X, y, tasks, _, clusters = make_multitask_classification(
        n_tasks=8, n_features=5, n_samples=150, structure="clustered", n_clusters=2,
        class_sep=3.0, return_clusters=True, random_state=0)
    model = ClusteredClassifier(alpha=0.05, l2=0.005, n_clusters=2, random_state=0)
    model.fit(X, y, tasks=tasks)
    assert adjusted_rand_score(clusters, np.asarray(model.cluster_labels_)) >= 0.9


# ---------------------------------------------------------------- array API
@pytest.mark.skipif(os.environ.get("SCIPY_ARRAY_API") != "1",
                    reason="array API dispatch needs SCIPY_ARRAY_API=1")
@pytest.mark.parametrize("namespace", array_namespaces())
@pytest.mark.parametrize("design", ["routed", "shared"])
@pytest.mark.parametrize("cls", [ClusteredRegressor, ClusteredClassifier])
def test_array_api_matches_numpy(cls, design, namespace):
    X, y, tasks = routed_problem(8)
    weights = np.random.default_rng(8).uniform(0.5, 2.0, tasks.size)
    if design == "shared":
        # three distinct tasks on the first 40 rows
        y = np.column_stack([y[:40], y[40:80], y[80:120]])
        X, tasks, weights = X[:40], None, None
    if cls is ClusteredClassifier:
        y = np.where(y > np.median(y), 1.0, 0.0)
    params = {**PARAMS, "tol": 1e-12, "random_state": 0}
    reference = cls(**params).fit(X, y, tasks=tasks, sample_weight=weights)

    def convert(array):
        return None if array is None else namespace.asarray(array)

    with sklearn.config_context(array_api_dispatch=True):
        model = cls(**params).fit(convert(X), convert(y), tasks=tasks,
                                  sample_weight=convert(weights))
        method = "decision_function" if cls is ClusteredClassifier else "predict"
        prediction = getattr(model, method)(convert(X), tasks=tasks)
    array_type = type(namespace.asarray(X))
    for name in ("coef_", "intercept_", "task_similarity_", "cluster_labels_"):
        value = getattr(model, name)
        assert type(value) is array_type, name
        np.testing.assert_allclose(np.asarray(value), getattr(reference, name), rtol=1e-8,
                                   atol=1e-8, err_msg=name)
    expected = getattr(reference, method)(X, tasks=tasks)
    np.testing.assert_allclose(np.asarray(prediction), expected, rtol=1e-8, atol=1e-8)
