"""Dask input on a real ``LocalCluster`` of worker processes, started by the tests.

The statistics are computed on the workers, chunk by chunk; the coefficients
must equal those of the in-memory fit on the same rows (to 1e-10, or 1e-8 for
coordinate descent: see ``_same_fit``), for every squared-loss regressor, with
unequal chunks, tasks spread over chunks, sample weights and intercepts.
"""

import numpy as np
import pytest
from _same_fit import same_fit_atol

import skmtl
from skmtl.kernel import MultiTaskKernelRidge

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")
pd = pytest.importorskip("pandas")

REGRESSORS = [name for name in skmtl.__all__ if name.endswith("Regressor")]
TIGHT = {"tol": 1e-12, "max_iter": 200000}
ROW_CHUNKS = (37, 150, 8, 205, 100)  # unequal; 500 rows
N_FEATURES = 4


@pytest.fixture(scope="module")
def client():
    """Two worker processes (not threads): every chunk is pickled to a worker and back."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as connected:
            yield connected


def rows(seed=0):
    """Shuffled rows of 6 tasks; task 9 lives only in the first chunk, so the other
    chunks hold no row of it, and the fourth chunk (rows 195-399) has no task 0."""
    rng = np.random.default_rng(seed)
    n = sum(ROW_CHUNKS)
    tasks = rng.integers(1, 6, n)
    tasks[:20] = 9
    tasks[rng.choice(np.r_[:195, 400:n], 40, replace=False)] = 0
    X = rng.standard_normal((n, N_FEATURES)) * np.geomspace(0.3, 3, N_FEATURES) + 2.0
    y = X @ rng.standard_normal(N_FEATURES) + tasks + rng.standard_normal(n)
    return X, y, tasks, rng.uniform(0.2, 3.0, n)


def assert_same_fit(actual, expected):
    atol = same_fit_atol(type(expected).__name__)
    np.testing.assert_array_equal(actual.tasks_, expected.tasks_)
    np.testing.assert_allclose(actual.coef_, expected.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(actual.intercept_, expected.intercept_, rtol=0, atol=atol)


@pytest.mark.parametrize("name", REGRESSORS)
def test_dask_arrays_fit_like_numpy(client, name):
    X, y, tasks, weights = rows()
    model = getattr(skmtl, name)(**TIGHT)
    expected = type(model)(**model.get_params()).fit(X, y, tasks=tasks, sample_weight=weights)
    fitted = type(model)(**model.get_params()).fit(
        da.from_array(X, chunks=(ROW_CHUNKS, 2)), da.from_array(y, chunks=120),
        tasks=da.from_array(tasks, chunks=250), sample_weight=da.from_array(weights, chunks=77))
    assert_same_fit(fitted, expected)
    assert isinstance(fitted.coef_, np.ndarray)  # a plain in-memory estimator


def test_tasks_of_one_chunk_and_chunks_missing_tasks(client):
    """Task 9 is in the first chunk only; chunk 4 holds no row of task 0; one chunk of
    8 rows holds few tasks.  Tasks are discovered chunk by chunk."""
    X, y, tasks, weights = rows(1)
    chunk_tasks = [set(part) for part in np.split(tasks, np.cumsum(ROW_CHUNKS)[:-1])]
    assert {9} <= chunk_tasks[0] and all(9 not in part for part in chunk_tasks[1:])
    assert 0 not in chunk_tasks[3]
    expected = skmtl.GraphRegularizedRegressor(**TIGHT).fit(X, y, tasks=tasks)
    fitted = skmtl.GraphRegularizedRegressor(**TIGHT).fit(
        da.from_array(X, chunks=(ROW_CHUNKS, -1)), da.from_array(y, chunks=(ROW_CHUNKS,)),
        tasks=da.from_array(tasks, chunks=(ROW_CHUNKS,)))
    assert_same_fit(fitted, expected)


def test_empty_and_weightless_chunks(client):
    """A chunk without rows (as a selection leaves) and a chunk whose rows all weigh 0
    add nothing; the fit equals the in-memory fit of the rows with weight."""
    X, y, tasks, weights = rows(5)
    weights[37:187] = 0.0  # the whole second chunk
    chunks = (37, 0, 150, 8, 205, 100)
    fitted = skmtl.TraceNormRegressor(**TIGHT).fit(
        da.from_array(X, chunks=(chunks, -1)), da.from_array(y, chunks=(chunks,)),
        tasks=da.from_array(tasks, chunks=(chunks,)),
        sample_weight=da.from_array(weights, chunks=(chunks,)))
    kept = weights > 0
    expected = skmtl.TraceNormRegressor(**TIGHT).fit(X[kept], y[kept], tasks=tasks[kept],
                                                     sample_weight=weights[kept])
    assert_same_fit(fitted, expected)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_dask_dataframe_with_a_task_column(client, fit_intercept):
    X, y, tasks, weights = rows(2)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(N_FEATURES)])
    frame.insert(2, "school", np.array([f"s{t}" for t in tasks]))
    model = skmtl.MeanRegularizedRegressor(task_column="school", fit_intercept=fit_intercept,
                                           task_weights="size", **TIGHT)
    expected = type(model)(**model.get_params()).fit(frame, y, sample_weight=weights)
    parts = dd.from_pandas(frame.assign(y=y, w=weights), npartitions=4)
    fitted = model.fit(parts.drop(columns=["y", "w"]), parts["y"], sample_weight=parts["w"])
    assert_same_fit(fitted, expected)
    np.testing.assert_array_equal(fitted.feature_names_in_, expected.feature_names_in_)
    lazy = fitted.predict(parts.drop(columns=["y", "w"]))
    np.testing.assert_allclose(lazy.compute().to_numpy(), expected.predict(frame), atol=1e-9)


def test_lazy_predictions_and_the_shared_design(client):
    X, y, tasks, _ = rows(3)
    chunked = da.from_array(X, chunks=(ROW_CHUNKS, -1))
    fitted = skmtl.TraceNormRegressor(**TIGHT).fit(chunked, y, tasks=tasks)
    lazy = fitted.predict(chunked, tasks=da.from_array(tasks, chunks=100))
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), fitted.predict(X, tasks=tasks), atol=1e-12)

    Y = np.c_[y, 2.0 * y - X[:, 0]]
    expected = skmtl.JointFeatureRegressor(**TIGHT).fit(X, Y)
    fitted = skmtl.JointFeatureRegressor(**TIGHT).fit(chunked, da.from_array(Y, chunks=90))
    assert_same_fit(fitted, expected)
    np.testing.assert_allclose(fitted.predict(chunked).compute(), expected.predict(X),
                               atol=1e-9)


def test_dask_input_errors(client):
    X, y, tasks, _ = rows(4)
    chunked = da.from_array(X, chunks=100)
    with pytest.raises(ValueError, match="500 rows but y has 499"):
        skmtl.MeanRegularizedRegressor().fit(chunked, y[:-1], tasks=tasks)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        unknown = chunked[chunked[:, 0] > 0]
        skmtl.MeanRegularizedRegressor().fit(unknown, y, tasks=tasks)
    with pytest.raises(ValueError, match="NaN"):
        bad = X.copy()
        bad[300, 1] = np.nan
        skmtl.MeanRegularizedRegressor().fit(da.from_array(bad, chunks=100), y, tasks=tasks)
    frame = dd.from_pandas(pd.DataFrame(X).assign(task=tasks), npartitions=3)
    with pytest.raises(ValueError, match="same 3 partitions"):
        skmtl.MeanRegularizedRegressor(task_column="task").fit(frame, da.from_array(y))


@pytest.mark.parametrize("estimator", [MultiTaskKernelRidge()],
                         ids=lambda estimator: type(estimator).__name__)
def test_estimators_without_statistics_refuse_dask_input(estimator):
    """Rather than load the whole collection into memory (the kernel models)."""
    X, y, tasks, _ = rows(6)
    with pytest.raises(TypeError, match=f"{type(estimator).__name__} does not fit on dask"):
        estimator.fit(da.from_array(X, chunks=100), (y > 3).astype(int), tasks=tasks)


# ------------------------------------------------------------------- sparse chunks
def sparse_rows(seed=0):
    """``rows`` with about 60 % of X zero (the non-zeros keep their offset of 2)."""
    X, y, tasks, weights = rows(seed)
    X[np.random.default_rng(seed + 100).random(X.shape) < 0.6] = 0.0
    return X, y, tasks, weights


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sparse_chunks_fit_and_predict_like_the_dense_rows(client, fit_intercept):
    """Chunks of CSR rows (from a sparse array; or sparse blocks of a dense dask array
    chunked in columns too) fit as the in-memory dense rows; lazy predictions and the
    score equal the in-memory ones."""
    import scipy.sparse as sp

    X, y, tasks, weights = sparse_rows()
    model = skmtl.JointFeatureRegressor(alpha=0.05, fit_intercept=fit_intercept, **TIGHT)
    expected = type(model)(**model.get_params()).fit(X, y, tasks=tasks, sample_weight=weights)
    if fit_intercept:
        X_d = da.from_array(sp.csr_array(X), chunks=(ROW_CHUNKS, -1), asarray=False)
    else:
        X_d = da.from_array(X, chunks=(ROW_CHUNKS, 2)).map_blocks(sp.csr_matrix)
    assert sp.issparse(X_d._meta)
    tasks_d = da.from_array(tasks, chunks=(ROW_CHUNKS,))
    fitted = model.fit(X_d, da.from_array(y, chunks=(ROW_CHUNKS,)), tasks=tasks_d,
                       sample_weight=da.from_array(weights, chunks=(ROW_CHUNKS,)))
    np.testing.assert_array_equal(fitted.tasks_, expected.tasks_)
    np.testing.assert_allclose(fitted.coef_, expected.coef_, rtol=0, atol=1e-7)
    np.testing.assert_allclose(fitted.intercept_, expected.intercept_, rtol=0, atol=1e-7)
    lazy = fitted.predict(X_d, tasks=tasks_d)
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), expected.predict(X, tasks=tasks), atol=1e-9)
    np.testing.assert_allclose(fitted.score(X_d, y, tasks=tasks, sample_weight=weights),
                               expected.score(X, y, tasks=tasks, sample_weight=weights),
                               rtol=1e-9)


def test_wide_sparse_chunks_are_never_densified(no_densification):
    """20,000 features: predictions on the chunks stay sparse; a fit from per-task
    statistics or Hessian blocks (3 of 20,000² numbers each) is refused, naming the
    in-memory sparse route."""
    import dask
    import scipy.sparse as sp

    n_samples, n_features = 300, 20_000
    rng = np.random.default_rng(0)
    X = sp.random_array((n_samples, n_features), density=1e-3, random_state=0, format="csr")
    tasks = rng.integers(0, 3, n_samples)
    y = X @ rng.standard_normal(n_features) + rng.standard_normal(n_samples)
    model = skmtl.IndependentLassoRegressor(alpha=0.05).fit(X, y, tasks=tasks)
    assert np.count_nonzero(model.coef_) > 0
    X_d = da.from_array(X, chunks=((100, 120, 80), -1), asarray=False)
    tasks_d = da.from_array(tasks, chunks=((100, 120, 80),))
    with dask.config.set(scheduler="sync"):  # the patched methods live in this process
        np.testing.assert_allclose(model.predict(X_d, tasks=tasks_d).compute(),
                                   model.predict(X, tasks=tasks), rtol=1e-12, atol=1e-12)
        with pytest.raises(ValueError, match=r"size rule.*X\.compute\(\)"):
            skmtl.MeanRegularizedRegressor().fit(X_d, y, tasks=tasks_d)
        with pytest.raises(ValueError, match="Hessian blocks.*size rule"):
            skmtl.MeanRegularizedClassifier().fit(X_d, y > 0, tasks=tasks_d)
