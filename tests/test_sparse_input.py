"""SciPy sparse X: every linear estimator fits as on the dense X, and a wide X stays sparse.

The dense fit on the same data is the reference (its own correctness is checked against
cvxpy elsewhere); the sparse fit forms its statistics and products without ever
centring or densifying X, so the two agree to rounding.
"""

import inspect

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from threadpoolctl import threadpool_limits

import skmtl
from skmtl.statistics import TaskStatistics

LINEAR = [name for name in skmtl.__all__ if name.endswith(("Regressor", "Classifier",
                                                           "RegressorCV", "ClassifierCV"))]
PLAIN = [name for name in LINEAR if not name.endswith("CV")]
CROSS_VALIDATED = [name for name in LINEAR if name.endswith("CV")]
N_TASKS = 3
#: The classifiers whose norm penalty takes FISTA when the Hessian blocks are not formed
#: (the lasso and L2,1 ones keep proximal Newton, its model on the rows).
FIRST_ORDER_CLASSIFIERS = ("TraceNormClassifier", "DirtyClassifier")


def _data(n_samples, n_features, density, classify, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random_array((n_samples, n_features), density=density, random_state=seed,
                        format="csr") * 2.0
    # a column of ones-ish values keeps every row non-empty, and one dense-ish column
    X = (X + sp.csr_array((rng.uniform(0.5, 1.5, n_samples),
                           (np.arange(n_samples), rng.integers(0, n_features, n_samples))),
                          shape=X.shape)).tocsr()
    tasks = rng.integers(0, N_TASKS, n_samples)
    truth = rng.standard_normal((N_TASKS, n_features)) * (rng.random(n_features) < 0.3)
    signal = np.array([X[[i]] @ truth[t] for i, t in enumerate(tasks)]).ravel()
    shared = np.stack([X @ truth[t] for t in range(2)], axis=1)
    noise = rng.standard_normal(n_samples)
    if classify:
        y = (signal + 2.0 * noise > 0).astype(int)
        Y = (shared + 2.0 * rng.standard_normal((n_samples, 2)) > 0).astype(int)
    else:
        y, Y = signal + noise, shared + rng.standard_normal((n_samples, 2))
    weight = rng.uniform(0.5, 2.0, n_samples)
    return X, y, Y, tasks, weight


def _estimator(name, fit_intercept, tol=1e-12, **extra):
    cls = getattr(skmtl, name)
    parameters = inspect.signature(cls).parameters
    options = {"fit_intercept": fit_intercept, **extra}
    if "tol" in parameters:
        options["tol"] = tol
    if "max_iter" in parameters:
        options["max_iter"] = 20000
    if "l2" in parameters and name.endswith("Classifier"):
        options["l2"] = 0.1  # a unique minimum on few rows
    if name.endswith("CV"):
        options.update(alphas=3, cv=3)
    return cls(**options)


def _fit_both(name, fit_intercept, convention, X, y, Y, tasks, weight, tol=1e-12):
    """Predictions (decisions for classifiers) of the dense and the sparse fit."""
    kind = "decision_function" if "Classifier" in name else "predict"
    extra, fit_args, predict_args = {}, {"sample_weight": weight}, {}
    if convention == "routed":
        fit_args["tasks"] = predict_args["tasks"] = tasks
        inputs, target = (X.toarray(), X), y
    elif convention == "column":
        extra["task_column"] = 2
        column = sp.csr_array(tasks[:, None].astype(float))
        with_column = sp.hstack([X[:, :2], column, X[:, 2:]]).tocsr()
        inputs, target = (with_column.toarray(), with_column), y
    else:
        inputs, target = (X.toarray(), X), Y
    outputs = []
    for data in inputs:
        fit = _estimator(name, fit_intercept, tol, **extra).fit(data, target, **fit_args)
        outputs.append(getattr(fit, kind)(data, **predict_args))
    return outputs


def _assert_same(dense, sparse, relative=1e-6):
    scale = max(float(np.max(np.abs(dense))), 1e-12)
    np.testing.assert_allclose(sparse, dense, rtol=0, atol=relative * scale)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", PLAIN)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sparse_fit_equals_dense_fit(name, fit_intercept):
    """Per-task statistics from sparse products (d small): all three task conventions."""
    X, y, Y, tasks, weight = _data(150, 12, 0.3, "Classifier" in name)
    for convention in ("routed", "column", "shared"):
        _assert_same(*_fit_both(name, fit_intercept, convention, X, y, Y, tasks, weight))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", PLAIN)
def test_wide_sparse_fit_equals_dense_fit(name, monkeypatch):
    """Rows kept sparse and centred implicitly, as when T d² is too large for the
    statistics (here: the size rule set to forbid any dense product larger than X's
    non-zeros), and the logistic loss without its Hessian blocks."""
    monkeypatch.setattr("skmtl._sparse.DENSE_PRODUCT_ELEMENTS", 0)
    X, y, Y, tasks, weight = _data(100, 40, 0.1, "Classifier" in name, seed=1)
    # Two solvers (proximal Newton on the dense blocks, FISTA on the sparse rows) that stop
    # at a relative gap g agree to about sqrt(g / curvature): 2e-6 of the largest decision
    # measured at g = 1e-14, about the floor of the gap in float64.
    first_order = name in FIRST_ORDER_CLASSIFIERS
    for convention in ("routed", "shared"):  # intercepts: the implicit centring
        _assert_same(*_fit_both(name, True, convention, X, y, Y, tasks, weight,
                                1e-14 if first_order else 1e-12),
                     relative=1e-5 if first_order else 1e-6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", CROSS_VALIDATED)
def test_sparse_cross_validation_equals_dense(name):
    X, y, Y, tasks, weight = _data(90, 8, 0.4, "Classifier" in name)
    _assert_same(*_fit_both(name, True, "routed", X, y, Y, tasks, weight))


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
@pytest.mark.parametrize("kind", [sp.csr_matrix, sp.csr_array])
def test_formats_and_matrix_or_array(fmt, kind):
    X, y, _, tasks, _ = _data(80, 10, 0.3, False)
    reference = skmtl.JointFeatureRegressor(alpha=0.05, tol=1e-10).fit(X.toarray(), y,
                                                                      tasks=tasks)
    given = kind(X).asformat(fmt)
    model = skmtl.JointFeatureRegressor(alpha=0.05, tol=1e-10).fit(given, y, tasks=tasks)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-9)
    assert model.score(given, y, tasks=tasks) == pytest.approx(
        reference.score(X.toarray(), y, tasks=tasks))


def test_predict_proba_and_score_accept_sparse():
    X, y, _, tasks, _ = _data(120, 10, 0.3, True)
    dense = skmtl.MeanRegularizedClassifier(tol=1e-10).fit(X.toarray(), y, tasks=tasks)
    model = skmtl.MeanRegularizedClassifier(tol=1e-10).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(model.predict_proba(X.tocsc(), tasks=tasks),
                               dense.predict_proba(X.toarray(), tasks=tasks), atol=1e-8)
    assert model.score(X.tocoo(), y, tasks=tasks) == dense.score(X.toarray(), y, tasks=tasks)


def test_partial_fit_and_statistics_of_sparse_batches():
    X, y, _, tasks, weight = _data(120, 10, 0.3, False)
    whole = TaskStatistics.from_rows(X.toarray(), y, tasks, weight)
    parts = TaskStatistics.from_rows(X[:50], y[:50], tasks[:50], weight[:50]).merge(
        TaskStatistics.from_rows(X[50:], y[50:], tasks[50:], weight[50:]))
    np.testing.assert_allclose(parts.gram, whole.gram, atol=1e-10)
    np.testing.assert_allclose(parts.linear, whole.linear, atol=1e-10)
    model = skmtl.MeanRegularizedRegressor(tol=1e-12)
    for rows in (slice(0, 60), slice(60, 120)):
        model.partial_fit(X[rows], y[rows], tasks=tasks[rows], sample_weight=weight[rows])
    reference = skmtl.MeanRegularizedRegressor(tol=1e-12).fit(X.toarray(), y, tasks=tasks,
                                                              sample_weight=weight)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-9)


def test_sparse_dataframe_with_task_column():
    pd = pytest.importorskip("pandas")
    X, y, _, tasks, _ = _data(80, 6, 0.4, False)
    frame = pd.DataFrame.sparse.from_spmatrix(X, columns=[f"x{j}" for j in range(6)])
    frame["task"] = tasks
    model = skmtl.MeanRegularizedRegressor(task_column="task", tol=1e-12).fit(frame, y)
    reference = skmtl.MeanRegularizedRegressor(tol=1e-12).fit(X.toarray(), y, tasks=tasks)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-9)


def test_array_api_dispatch_refuses_sparse():
    pytest.importorskip("array_api_strict")
    X, y, _, tasks, _ = _data(40, 5, 0.4, False)
    with config_context(array_api_dispatch=True):
        with pytest.raises(TypeError, match="array_api_dispatch"):
            skmtl.MeanRegularizedRegressor().fit(X, y, tasks=tasks)


@pytest.mark.parametrize("name,params", [
    ("IndependentLassoRegressor", {"alpha": 0.05}),
    ("JointFeatureRegressor", {"alpha": 0.05}),
    ("MeanRegularizedRegressor", {}),
    ("TraceNormRegressor", {"alpha": 0.05}),
])
def test_wide_fit_never_densifies(name, params, no_densification):
    n_samples, n_features = 400, 100_000
    rng = np.random.default_rng(0)
    X = sp.random_array((n_samples, n_features), density=2e-4, random_state=0, format="csr")
    tasks = rng.integers(0, 4, n_samples)
    coef = np.zeros(n_features)
    coef[:50] = 1.0
    X = sp.hstack([sp.random_array((n_samples, 50), density=0.3, random_state=1), X[:, 50:]],
                  format="csr")
    y = X @ coef + 0.1 * rng.standard_normal(n_samples)
    with pytest.raises(AssertionError, match="densified"):
        X.toarray()
    # the products are sparse: BLAS threads would only compete for the cores
    with threadpool_limits(1, user_api="blas"):
        model = getattr(skmtl, name)(**params).fit(X, y, tasks=tasks)
    assert model.coef_.shape == (4, n_features)
    assert model.certificate_ <= model.tol
    residual = y - model.predict(X, tasks=tasks)
    assert np.mean(residual**2) < np.var(y)


@pytest.mark.parametrize("name", ["MultiTaskKernelRidge", "MultiTaskSVR", "MultiTaskSVC"])
@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_kernel_models_accept_sparse(name, kernel):
    from skmtl import kernel as kernels

    X, y, _, tasks, _ = _data(60, 8, 0.4, name == "MultiTaskSVC")
    cls = getattr(kernels, name)
    method = "decision_function" if name == "MultiTaskSVC" else "predict"
    dense = getattr(cls(kernel=kernel).fit(X.toarray(), y, tasks=tasks), method)(
        X.toarray(), tasks=tasks)
    sparse = getattr(cls(kernel=kernel).fit(X, y, tasks=tasks), method)(X, tasks=tasks)
    np.testing.assert_allclose(sparse, dense, atol=1e-10)
