"""Cross-validation and classifiers on dask input, on a real ``LocalCluster`` of worker
processes started here (one for the module).

Every fit on dask input must equal the in-memory fit of the same rows: the ``*CV``
estimators with the same folds (``HashedKFold``, ``LeaveTasksOut``), the same
``alpha_`` and the same coefficients; the classifiers to 1e-7 at a tight tol.  The
chunks are unequal, task 9 lives in the first chunk only, rows carry sample weights.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import r2_score

import skmtl
from skmtl.model_selection import HashedKFold, LeaveTasksOut, make_task_scorer
from skmtl.statistics import TaskStatistics

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")
pd = pytest.importorskip("pandas")

ROW_CHUNKS = (37, 150, 8, 205, 100)  # unequal; 500 rows
N_FEATURES = 4
REGRESSOR_CVS = [name for name in skmtl.__all__ if name.endswith("RegressorCV")]
TIGHT_CV = {"tol": 1e-12, "max_iter": 100000}


@pytest.fixture(scope="module")
def client():
    """Two worker processes: every chunk is pickled to a worker and back."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as connected:
            yield connected


def rows(seed=0):
    """Shuffled rows of 6 tasks; task 9 only in the first chunk; sample weights."""
    rng = np.random.default_rng(seed)
    n = sum(ROW_CHUNKS)
    tasks = rng.integers(1, 6, n)
    tasks[:20] = 9
    X = rng.standard_normal((n, N_FEATURES)) * np.geomspace(0.3, 3, N_FEATURES) + 1.0
    y = X @ rng.standard_normal(N_FEATURES) + tasks + rng.standard_normal(n)
    return X, y, tasks, rng.uniform(0.2, 3.0, n)


def chunked(*arrays):
    return [da.from_array(a, chunks=(ROW_CHUNKS,) + (-1,) * (a.ndim - 1)) for a in arrays]


def assert_same_search(actual, expected, atol):
    np.testing.assert_allclose(actual.alpha_, expected.alpha_, rtol=1e-12)
    np.testing.assert_allclose(actual.cv_results_["mean_test_score"],
                               expected.cv_results_["mean_test_score"], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(actual.tasks_, expected.tasks_)
    np.testing.assert_allclose(actual.coef_, expected.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(actual.intercept_, expected.intercept_, rtol=0, atol=atol)


# ------------------------------------------------------------- fold statistics
def _statistics_fields(statistics):
    return (statistics.count, statistics.weight, statistics.x_mean, statistics.y_mean,
            statistics.gram, statistics.linear, statistics.target_square)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_rows=st.integers(2, 60), n_tasks=st.integers(1, 5),
       shift=st.floats(-100.0, 100.0), weighted=st.booleans())
def test_fold_statistics_by_subtraction_equal_those_of_the_fold_rows(seed, n_rows, n_tasks,
                                                                     shift, weighted):
    """Total minus held-out fold == the statistics of the training rows themselves; a
    task whose rows are all held out disappears."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, 3)) + shift
    y = rng.standard_normal(n_rows) - shift
    tasks = rng.integers(0, n_tasks, n_rows)
    weights = rng.uniform(0.1, 3.0, n_rows) if weighted else None
    held = rng.random(n_rows) < 0.3
    held[0], held[-1] = True, False

    def part(mask):
        return None if weights is None else weights[mask]

    total = TaskStatistics.from_rows(X, y, tasks, weights)
    fold = TaskStatistics.from_rows(X[held], y[held], tasks[held], part(held))
    expected = TaskStatistics.from_rows(X[~held], y[~held], tasks[~held], part(~held))
    actual = total.subtract(fold)
    np.testing.assert_array_equal(actual.labels, expected.labels)
    scale = 1.0 + shift**2
    for got, want in zip(_statistics_fields(actual), _statistics_fields(expected), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * scale * n_rows)


def test_restrict_keeps_the_given_tasks():
    X, y, tasks, weights = rows(1)
    total = TaskStatistics.from_rows(X, y, tasks, weights)
    kept = np.isin(tasks, [2, 9])
    expected = TaskStatistics.from_rows(X[kept], y[kept], tasks[kept], weights[kept])
    for got, want in zip(_statistics_fields(total.restrict([2, 9])),
                         _statistics_fields(expected), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


def test_hashed_folds_and_leave_tasks_out_folds():
    """The hash folds do not depend on the chunking; LeaveTasksOut's task folds are
    scikit-learn's GroupKFold / LeaveOneGroupOut test sets."""
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

    from skmtl.model_selection._splitters import hashed_folds

    whole = hashed_folds(0, 1000, 7, seed=3)
    pieces = [hashed_folds(0, 400, 7, 3), hashed_folds(400, 1000, 7, 3)]
    assert np.array_equal(np.concatenate(pieces), whole)
    assert np.bincount(whole, minlength=7).min() > 100
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 12, 300)
    for n_splits, reference in ((None, LeaveOneGroupOut()), (4, GroupKFold(4))):
        ours = LeaveTasksOut(n_splits).split(np.zeros((300, 1)), tasks=groups)
        theirs = reference.split(np.zeros((300, 1)), groups=groups)
        for (train, test), (train_ref, test_ref) in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(test, test_ref)
            np.testing.assert_array_equal(train, train_ref)


# ------------------------------------------------------ regressor CV from statistics
@pytest.mark.parametrize(("name", "fit_intercept"), [
    *((name, True) for name in REGRESSOR_CVS), ("MeanRegularizedRegressorCV", False),
    ("JointFeatureRegressorCV", False)])
def test_regressor_cv_on_dask_arrays_equals_the_in_memory_search(client, name, fit_intercept):
    X, y, tasks, weights = rows()
    search = getattr(skmtl, name)(alphas=4, cv=HashedKFold(3, seed=1),
                                  fit_intercept=fit_intercept, **TIGHT_CV)
    expected = type(search)(**search.get_params()).fit(X, y, tasks=tasks,
                                                       sample_weight=weights)
    X_d, y_d, tasks_d, weights_d = chunked(X, y, tasks, weights)
    fitted = search.fit(X_d, y_d, tasks=tasks_d, sample_weight=weights_d)
    assert_same_search(fitted, expected, atol=1e-8)


def test_regressor_cv_on_a_dask_dataframe_with_an_int_cv(client):
    """cv=3 on dask input means HashedKFold(3); the task column and names are kept."""
    X, y, tasks, _ = rows(2)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(N_FEATURES)])
    frame.insert(1, "school", np.array([f"s{t}" for t in tasks]))
    search = skmtl.TraceNormRegressorCV(alphas=5, cv=3, task_column="school",
                                        scoring="neg_mean_squared_error", **TIGHT_CV)
    expected = type(search)(**search.get_params()).set_params(cv=HashedKFold(3)).fit(frame, y)
    parts = dd.from_pandas(frame.assign(y=y), npartitions=4)
    fitted = search.fit(parts.drop(columns=["y"]), parts["y"])
    assert_same_search(fitted, expected, atol=1e-8)
    np.testing.assert_array_equal(fitted.feature_names_in_, expected.feature_names_in_)


@pytest.mark.parametrize("name", ["MeanRegularizedRegressorCV", "SharedParameterRegressorCV",
                                  "TraceNormRegressorCV"])
def test_leave_tasks_out_scores_the_population_model(client, name):
    X, y, tasks, weights = rows(3)
    search = getattr(skmtl, name)(alphas=4, cv=LeaveTasksOut(3), **TIGHT_CV)
    expected = type(search)(**search.get_params()).set_params(
        scoring=make_task_scorer(r2_score, response_method="predict_population")).fit(
        X, y, tasks=tasks, sample_weight=weights)
    fitted = search.fit(*chunked(X, y), tasks=chunked(tasks)[0],
                        sample_weight=chunked(weights)[0])
    assert_same_search(fitted, expected, atol=1e-8)


def test_dask_cv_errors(client):
    X, y, tasks, _ = rows(4)
    X_d, y_d, tasks_d = chunked(X, y, tasks)
    with pytest.raises(ValueError, match="HashedKFold or a LeaveTasksOut"):
        skmtl.MeanRegularizedRegressorCV(cv=None).fit(X_d, y_d, tasks=tasks_d)
    with pytest.raises(ValueError, match="scoring must be one of"):
        skmtl.MeanRegularizedRegressorCV(scoring="explained_variance").fit(X_d, y_d,
                                                                            tasks=tasks_d)


# --------------------------------------------------------------- classifiers
CLASSIFIERS = [name for name in skmtl.__all__ if name.endswith("Classifier")]
#: Alternating minimization converges linearly: 1e-8 keeps its fits within 1e-7.
TIGHT = {"tol": 1e-10, "max_iter": 10000}
TIGHT_ALTERNATING = {"tol": 1e-8, "max_iter": 10000}


def classes(seed=0):
    """Rows as ``rows``, with labels; task 3 holds one class only."""
    X, y, tasks, weights = rows(seed)
    labels = (y - y.mean() + np.random.default_rng(seed).logistic(size=y.size) > 0)
    labels[tasks == 3] = True
    return X, labels.astype(int), tasks, weights


def assert_same_classifier(actual, expected, atol=1e-7):
    np.testing.assert_array_equal(actual.classes_, expected.classes_)
    np.testing.assert_array_equal(actual.tasks_, expected.tasks_)
    np.testing.assert_allclose(actual.coef_, expected.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(actual.intercept_, expected.intercept_, rtol=0, atol=atol)


#: Alternating minimization over W and a task or feature matrix: its Newton steps vary
#: with the rounding of the passes.
ALTERNATING = ("ClusteredClassifier", "SharedSubspaceClassifier")


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classifiers_on_dask_arrays_equal_the_in_memory_fit(client, name):
    """Every classifier family; the passes stay near the solver's steps (one per Newton
    or proximal Newton step, the duality gap in the next trial's pass; alternating
    steps make a few Newton steps each).  Proximal Newton on passes sets a step's inner
    tolerance from the previous point's certificate, so it may take one more step."""
    X, y, tasks, weights = classes()
    alternating = name in ALTERNATING
    params = TIGHT_ALTERNATING if alternating else TIGHT
    model = getattr(skmtl, name)(**params)
    expected = type(model)(**model.get_params()).fit(X, y, tasks=tasks, sample_weight=weights)
    fitted = model.fit(*chunked(X, y), tasks=chunked(tasks)[0],
                       sample_weight=chunked(weights)[0])
    assert_same_classifier(fitted, expected)
    assert np.isinf(fitted.intercept_[list(fitted.tasks_).index(3)])
    assert alternating or abs(fitted.n_iter_ - expected.n_iter_) <= 1
    per_step = 3 if alternating else 1
    assert fitted.n_iter_ <= fitted.n_passes_ <= per_step * fitted.n_iter_ + 3
    assert not hasattr(expected, "n_passes_")


@pytest.mark.parametrize("name", ["MeanRegularizedClassifier", "DirtyClassifier"])
def test_classifiers_on_a_dask_dataframe_without_intercepts(client, name):
    """String tasks in a task column, string classes, no intercepts, partitions."""
    X, y, tasks, weights = classes(1)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(N_FEATURES)])
    frame.insert(0, "school", np.array([f"s{t}" for t in tasks]))
    labels = np.where(y > 0, "pass", "fail")
    model = getattr(skmtl, name)(task_column="school", fit_intercept=False, **TIGHT)
    expected = type(model)(**model.get_params()).fit(frame, labels, sample_weight=weights)
    parts = dd.from_pandas(frame.assign(label=labels, w=weights), npartitions=3)
    fitted = model.fit(parts.drop(columns=["label", "w"]), parts["label"],
                       sample_weight=parts["w"])
    assert_same_classifier(fitted, expected)
    np.testing.assert_array_equal(fitted.feature_names_in_, expected.feature_names_in_)
    np.testing.assert_array_equal(fitted.predict(frame), expected.predict(frame))


def test_classifier_of_one_task_on_dask(client):
    X, y, _, _ = classes(2)
    expected = skmtl.JointFeatureClassifier(**TIGHT).fit(X, y)
    fitted = skmtl.JointFeatureClassifier(**TIGHT).fit(*chunked(X, y))
    assert_same_classifier(fitted, expected)
    np.testing.assert_array_equal(fitted.predict(X), expected.predict(X))
    with pytest.raises(ValueError, match="solver='cvxpy'"):
        skmtl.JointFeatureClassifier(solver="cvxpy").fit(*chunked(X, y))


# ------------------------------------------------------------- classifier CV
def test_classifier_cv_on_dask_arrays_equals_the_in_memory_search(client):
    X, y, tasks, weights = classes(3)
    search = skmtl.MeanRegularizedClassifierCV(alphas=3, cv=HashedKFold(3, seed=2), **TIGHT)
    expected = type(search)(**search.get_params()).fit(X, y, tasks=tasks,
                                                       sample_weight=weights)
    fitted = search.fit(*chunked(X, y), tasks=chunked(tasks)[0],
                        sample_weight=chunked(weights)[0])
    assert_same_search(fitted, expected, atol=1e-7)
    assert fitted.n_passes_ > 3 * 3


def test_classifier_cv_on_a_dask_dataframe(client):
    """An int cv means HashedKFold; a norm family without intercepts; a task column."""
    X, y, tasks, _ = classes(4)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(N_FEATURES)])
    frame.insert(2, "task", tasks)
    search = skmtl.TraceNormClassifierCV(alphas=3, cv=2, task_column="task",
                                         fit_intercept=False, **TIGHT)
    expected = type(search)(**search.get_params()).set_params(cv=HashedKFold(2)).fit(frame, y)
    parts = dd.from_pandas(frame.assign(y=y), npartitions=3)
    fitted = search.fit(parts.drop(columns=["y"]), parts["y"])
    assert_same_search(fitted, expected, atol=1e-7)
    with pytest.raises(ValueError, match="HashedKFold folds"):
        search.set_params(cv=LeaveTasksOut()).fit(parts.drop(columns=["y"]), parts["y"])


def dask_and_in_memory_losses(with_blocks=True, sparse=False):
    """The logistic loss of ``classes(5)`` on dask chunks and in memory, and a point."""
    from skmtl._dask_logistic import DaskClassification
    from skmtl.losses import logistic_loss

    X, y, tasks, weights = classes(5)
    X = with_zeros(X, 5) if sparse else X
    X_d = sparse_chunks(X) if sparse else chunked(X)[0]
    data = DaskClassification(X_d, *chunked(y, tasks, weights), None)
    setup = skmtl.MeanRegularizedClassifier()._dask_setup(data, data.totals)
    loss = data.loss(setup, True, solver="auto" if with_blocks else "fista")
    signs = np.where(y == setup.positive_class, 1.0, -1.0)
    in_memory, single_class, start, _ = logistic_loss(
        X, signs, weights, np.searchsorted(setup.labels, tasks), setup.labels.size,
        setup.task_scale, True, np)
    np.testing.assert_array_equal(single_class, setup.single_class)
    np.testing.assert_allclose(start, setup.start, rtol=1e-12)
    theta = start + np.random.default_rng(0).standard_normal(start.shape) * 0.3
    return loss, in_memory, theta


@pytest.mark.parametrize(("with_blocks", "sparse"), [(True, False), (False, False),
                                                      (True, True)])
def test_the_dask_loss_sums_to_the_in_memory_loss(client, with_blocks, sparse):
    """Value, gradient, Hessian blocks and the dual of the chunks' losses, summed, are
    those of the rows in memory; without blocks in every pass (solver='fista', for many
    features) the blocks take a pass of their own.  Sparse chunks hold the in-memory
    sparse loss of their rows."""
    loss, in_memory, theta = dask_and_in_memory_losses(with_blocks, sparse)
    value, gradient = loss.value_and_gradient(theta)
    expected_value, expected_gradient = in_memory.value_and_gradient(theta)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-10, atol=1e-13)
    passes = loss.n_passes
    blocks = loss.hessian_blocks(loss.curvature(theta))
    assert loss.n_passes == passes + (not with_blocks)
    np.testing.assert_allclose(blocks, in_memory.hessian_blocks(in_memory.curvature(theta)),
                               rtol=1e-10, atol=1e-13)
    dual, expected_dual = loss.dual(theta), in_memory.dual(theta)
    np.testing.assert_allclose(dual.correlation, expected_dual.correlation, rtol=1e-10,
                               atol=1e-13)
    for kappa in (0.7, 1.0):
        np.testing.assert_allclose(dual.loss_part(kappa), expected_dual.loss_part(kappa),
                                   rtol=1e-12)
    if with_blocks:
        np.testing.assert_allclose(loss.lipschitz(), in_memory.lipschitz(), rtol=1e-10)
        return
    # the gradient route: the largest trace of the blocks bounds the Lipschitz constant;
    # the Hessian's diagonal and its products take a pass each
    traces = np.trace(in_memory.hessian_blocks(in_memory.row_weight), axis1=1, axis2=2)
    np.testing.assert_allclose(loss.lipschitz(), 0.25 * traces.max(), rtol=1e-10)
    assert loss.lipschitz() >= in_memory.lipschitz()
    curvature = in_memory.curvature(theta)
    np.testing.assert_allclose(loss.hessian_diagonal(loss.curvature(theta)),
                               np.diagonal(in_memory.hessian_blocks(curvature), axis1=1,
                                           axis2=2), rtol=1e-10, atol=1e-13)
    direction = np.random.default_rng(1).standard_normal(theta.shape)
    np.testing.assert_allclose(loss.hessian_matvec(loss.curvature(theta), direction),
                               in_memory.hessian_matvec(curvature, direction), rtol=1e-10,
                               atol=1e-13)


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_a_duality_gap_shares_the_pass_of_the_next_point(client, l2):
    """``measure_ahead``: one pass gives the loss at the next point and the dual entropies
    the certificate of the current point asks for (one scaling at l2 = 0, two with l2);
    the gap then needs no pass and is the in-memory one."""
    from skmtl.penalties import JointFeatureNorm
    from skmtl.solvers.certificates import duality_gap

    loss, in_memory, theta = dask_and_in_memory_losses()
    penalty = JointFeatureNorm(0.02)
    following = theta + np.random.default_rng(2).standard_normal(theta.shape) * 0.1
    loss.value(theta)
    passes = loss.n_passes
    loss.measure_ahead(following, lambda: duality_gap(loss, penalty, l2, theta, np))
    gap = duality_gap(loss, penalty, l2, theta, np)
    value, gradient = loss.value_and_gradient(following)
    assert loss.n_passes == passes + 1
    np.testing.assert_allclose(gap, duality_gap(in_memory, penalty, l2, theta, np),
                               rtol=1e-10)
    assert gap > 1e-3  # a point away from the optimum: the scaled dual point matters
    expected_value, expected_gradient = in_memory.value_and_gradient(following)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-10, atol=1e-13)


def test_chunks_larger_than_the_workers_memory_are_computed_again_each_pass(client,
                                                                              monkeypatch):
    """Chunks that would not fit on the workers are not kept between passes: every pass
    computes them from their source, with the same fits."""
    import dask

    from skmtl import _dask

    monkeypatch.setattr(_dask, "KEPT_SHARE", 0.0)
    X, y, tasks, weights = classes(6)
    computed = []

    def counted(block):
        computed.append(block.shape[0])
        return block

    lazy_X = chunked(X)[0].map_blocks(counted, dtype=X.dtype)
    model = skmtl.JointFeatureClassifier(**TIGHT)
    expected = type(model)(**TIGHT).fit(X, y, tasks=tasks, sample_weight=weights)
    with dask.config.set(scheduler="synchronous"):
        fitted = model.fit(lazy_X, chunked(y)[0], tasks=chunked(tasks)[0],
                           sample_weight=chunked(weights)[0])
    assert_same_classifier(fitted, expected)
    assert len(computed) >= len(ROW_CHUNKS) * fitted.n_passes_
    search = skmtl.MeanRegularizedClassifierCV(alphas=2, cv=HashedKFold(2, seed=1), **TIGHT)
    expected = type(search)(**search.get_params()).fit(X, y, tasks=tasks)
    assert_same_search(search.fit(*chunked(X, y), tasks=chunked(tasks)[0]), expected,
                       atol=1e-7)


# ------------------------------------------------------------------- sparse chunks
def with_zeros(X, seed):
    """X with about 60 % of its entries set to 0 (in place)."""
    X[np.random.default_rng(seed + 100).random(X.shape) < 0.6] = 0.0
    return X


def sparse_chunks(X):
    """X as a dask array of CSR chunks (the unequal ``ROW_CHUNKS``)."""
    import scipy.sparse as sp

    return da.from_array(sp.csr_matrix(X), chunks=(ROW_CHUNKS, -1), asarray=False)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_classifier_on_sparse_chunks_equals_the_dense_fit(client, fit_intercept):
    """Proximal Newton on the chunks' sparse losses; lazy decisions, labels and
    probabilities, and the score, equal the in-memory ones."""
    X, y, tasks, weights = classes(6)
    X = with_zeros(X, 6)
    model = skmtl.JointFeatureClassifier(alpha=0.02, fit_intercept=fit_intercept, **TIGHT)
    expected = type(model)(**model.get_params()).fit(X, y, tasks=tasks, sample_weight=weights)
    X_d, (tasks_d,) = sparse_chunks(X), chunked(tasks)
    fitted = model.fit(X_d, *chunked(y), tasks=tasks_d, sample_weight=chunked(weights)[0])
    assert_same_classifier(fitted, expected)
    for method in ("decision_function", "predict", "predict_proba"):
        lazy = getattr(fitted, method)(X_d, tasks=tasks_d)
        assert isinstance(lazy, da.Array)
        np.testing.assert_allclose(lazy.compute(), getattr(expected, method)(X, tasks=tasks),
                                   rtol=0, atol=1e-9)
    assert fitted.score(X_d, y, tasks=tasks) == expected.score(X, y, tasks=tasks)


@pytest.mark.parametrize(("name", "fit_intercept"), [("MeanRegularizedRegressorCV", True),
                                                     ("JointFeatureRegressorCV", False),
                                                     ("MeanRegularizedClassifierCV", True)])
def test_cv_on_sparse_chunks_equals_the_dense_search(client, name, fit_intercept):
    """Fold statistics, fold fits and held-out accuracies from sparse chunks."""
    classifier = name.endswith("ClassifierCV")
    X, y, tasks, weights = classes(7) if classifier else rows(7)
    X = with_zeros(X, 7)
    search = getattr(skmtl, name)(alphas=3, cv=HashedKFold(3, seed=1),
                                  fit_intercept=fit_intercept,
                                  **(TIGHT if classifier else TIGHT_CV))
    expected = type(search)(**search.get_params()).fit(X, y, tasks=tasks,
                                                       sample_weight=weights)
    fitted = search.fit(sparse_chunks(X), *chunked(y), tasks=chunked(tasks)[0],
                        sample_weight=chunked(weights)[0])
    assert_same_search(fitted, expected, atol=1e-7)


# ------------------------------------------------------- many features: no blocks
def test_the_block_switch_rule():
    """Blocks up to WIDEST_BLOCKS columns and BLOCK_BYTES of T p^2 float64 numbers."""
    from skmtl._dask_logistic import BLOCK_BYTES, WIDEST_BLOCKS, blocks_pay

    assert blocks_pay(10, WIDEST_BLOCKS) and not blocks_pay(1, WIDEST_BLOCKS + 1)
    tasks = BLOCK_BYTES // (8 * 100**2)
    assert blocks_pay(tasks, 100) and not blocks_pay(tasks + 1, 100)


@pytest.mark.parametrize("name", ["MeanRegularizedClassifier", "JointFeatureClassifier"])
def test_classifiers_past_the_block_switch_equal_the_in_memory_fit(client, name, monkeypatch):
    """With the switch point below the width, solver='auto' never asks for a Hessian
    block (L-BFGS for the smooth families, FISTA for the norms) and still gives the
    in-memory fit (Newton on the blocks)."""
    from skmtl import _dask_logistic

    X, y, tasks, weights = classes(6)
    model = getattr(skmtl, name)(**TIGHT)
    expected = type(model)(**model.get_params()).fit(X, y, tasks=tasks, sample_weight=weights)
    monkeypatch.setattr(_dask_logistic, "WIDEST_BLOCKS", N_FEATURES)  # p = d + 1

    def no_blocks(*args):
        raise AssertionError("a Hessian block was asked for past the switch point")

    monkeypatch.setattr(_dask_logistic.DaskLogisticLoss, "hessian_blocks", no_blocks)
    # two chunks: FISTA takes some hundred passes
    X_d, y_d, tasks_d, weights_d = (da.from_array(a, chunks=250)
                                    for a in (X, y, tasks, weights))
    fitted = model.fit(X_d, y_d, tasks=tasks_d, sample_weight=weights_d)
    assert_same_classifier(fitted, expected)
    assert fitted.certificate_ <= model.tol


# ------------------------------------------------------ shared design (2-D y) CV
def shared_rows(seed=0):
    """A shared design of 3 tasks on the rows of ``rows``, a fifth of y missing (NaN)."""
    X, _, _, weights = rows(seed)
    rng = np.random.default_rng(seed + 100)
    Y = X @ rng.standard_normal((N_FEATURES, 3)) + rng.standard_normal((X.shape[0], 3))
    Y[rng.random(Y.shape) < 0.2] = np.nan
    return X, Y, weights


@pytest.mark.parametrize(("name", "scoring", "weighted", "fit_intercept"), [
    ("MeanRegularizedRegressorCV", None, True, True),
    ("TraceNormRegressorCV", None, False, False),
    ("JointFeatureRegressorCV", "neg_mean_squared_error", True, True)])
def test_regressor_cv_on_a_dask_shared_design_equals_the_in_memory_search(
        client, name, scoring, weighted, fit_intercept):
    """A 2-D y with NaN: the hashed folds hold whole rows, the scores are those of
    ``score`` (the mean of every task's R²) or the mean of every task's MSE."""
    X, Y, weights = shared_rows(7)
    weights = weights if weighted else None
    if scoring is not None:
        Y = np.where(np.isnan(Y), 0.0, Y)  # scikit-learn's MSE takes no NaN
    search = getattr(skmtl, name)(alphas=4, cv=HashedKFold(3, seed=1), scoring=scoring,
                                  fit_intercept=fit_intercept, **TIGHT_CV)
    expected = type(search)(**search.get_params()).fit(X, Y, sample_weight=weights)
    X_d, Y_d = chunked(X, Y)
    fitted = search.fit(X_d, Y_d, sample_weight=None if weights is None
                        else chunked(weights)[0])
    assert_same_search(fitted, expected, atol=1e-8)
    assert fitted._shared_design_ndim == 2
    np.testing.assert_allclose(fitted.predict(X), expected.predict(X), rtol=0, atol=1e-7)


def shared_labels(seed=0):
    """Binary labels of ``shared_rows`` (float, NaN where missing)."""
    X, Y, weights = shared_rows(seed)
    noise = np.random.default_rng(seed).logistic(size=Y.shape)
    return X, np.where(np.isnan(Y), np.nan, (Y + noise > 0).astype(float)), weights


def test_classifier_on_a_dask_shared_design_equals_the_in_memory_fit(client):
    X, Y, weights = shared_labels(8)
    model = skmtl.JointFeatureClassifier(**TIGHT)
    expected = type(model)(**model.get_params()).fit(X, Y, sample_weight=weights)
    fitted = model.fit(*chunked(X, Y), sample_weight=chunked(weights)[0])
    assert_same_classifier(fitted, expected)
    np.testing.assert_array_equal(fitted.predict(X), expected.predict(X))


@pytest.mark.parametrize(("name", "weighted", "fit_intercept"), [
    ("MeanRegularizedClassifierCV", True, True), ("TraceNormClassifierCV", False, False)])
def test_classifier_cv_on_a_dask_shared_design_equals_the_in_memory_search(
        client, name, weighted, fit_intercept):
    """The held-out rows are scored as ``score`` on a 2-D y: a row is right when every
    observed label of it is."""
    X, Y, weights = shared_labels(9)
    weights = weights if weighted else None
    search = getattr(skmtl, name)(alphas=3, cv=HashedKFold(3, seed=4),
                                  fit_intercept=fit_intercept, **TIGHT)
    expected = type(search)(**search.get_params()).fit(X, Y, sample_weight=weights)
    fitted = search.fit(*chunked(X, Y), sample_weight=None if weights is None
                        else chunked(weights)[0])
    assert_same_search(fitted, expected, atol=1e-7)
    np.testing.assert_array_equal(fitted.predict(X), expected.predict(X))


# ------------------------------------------- NumPy rows: CV from fold statistics
@pytest.mark.parametrize(("cv", "shared", "weighted"), [
    (3, False, True), (HashedKFold(4, seed=2), False, False), (HashedKFold(3), True, True)])
def test_numpy_regressor_cv_from_fold_statistics_equals_the_fits_on_rows(
        monkeypatch, cv, shared, weighted):
    """Past the size rule NumPy rows are cross-validated from the statistics of each
    fold (one pass); the search is the one that fits every fold on its rows."""
    from skmtl.model_selection import _statistics_cv

    if shared:
        X, y, weights = shared_rows(10)
        tasks = None
    else:
        X, y, tasks, weights = rows(10)
    weights = weights if weighted else None
    search = skmtl.MeanRegularizedRegressorCV(alphas=5, cv=cv, **TIGHT_CV)
    monkeypatch.setattr(_statistics_cv, "FOLD_STATISTICS_WORK", np.inf)
    expected = clone(search).fit(X, y, tasks=tasks, sample_weight=weights)
    assert not hasattr(expected, "statistics_")  # fitted on rows
    monkeypatch.setattr(_statistics_cv, "FOLD_STATISTICS_WORK", 0)
    fitted = search.fit(X, y, tasks=tasks, sample_weight=weights)
    assert hasattr(fitted, "statistics_")  # the refit from the total statistics
    assert_same_search(fitted, expected, atol=1e-8)
    np.testing.assert_allclose(fitted.predict(X, tasks=tasks),
                               expected.predict(X, tasks=tasks), rtol=0, atol=1e-7)


def test_numpy_regressor_cv_keeps_the_rows_where_statistics_do_not_apply(monkeypatch):
    """Held-out tasks (LeaveTasksOut), a custom scorer: the fits on rows."""
    from skmtl.model_selection import _statistics_cv

    monkeypatch.setattr(_statistics_cv, "FOLD_STATISTICS_WORK", 0)
    X, y, tasks, _ = rows(11)
    for search in (skmtl.MeanRegularizedRegressorCV(
            alphas=3, cv=LeaveTasksOut(3), unseen_tasks="population"),
            skmtl.MeanRegularizedRegressorCV(alphas=3, scoring="explained_variance")):
        assert not hasattr(search.fit(X, y, tasks=tasks), "statistics_")
