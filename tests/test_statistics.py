"""Per-task statistics: exact merges, ``fit_statistics`` and ``partial_fit``.

The merged statistics are checked against the statistics of all rows at once,
and fits from them against the ordinary in-memory ``fit`` (which forms its own
statistics from the rows) on every squared-loss regressor.
"""

import numpy as np
import pytest
from _same_fit import same_fit_atol
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

import skmtl
from skmtl.statistics import TaskStatistics

REGRESSORS = [name for name in skmtl.__all__ if name.endswith("Regressor")]
TIGHT = {"tol": 1e-12, "max_iter": 200000}
FIELDS = ("count", "weight", "x_mean", "y_mean", "gram", "linear", "target_square")


def routed_rows(seed=0, n=400, d=4, n_tasks=6):
    """Rows of tasks of unequal sizes in shuffled order, features far from centred."""
    rng = np.random.default_rng(seed)
    tasks = rng.choice(n_tasks, n, p=np.arange(1, n_tasks + 1) / (n_tasks * (n_tasks + 1) / 2))
    X = rng.standard_normal((n, d)) * np.geomspace(0.1, 10, d) + 5.0
    y = X @ rng.standard_normal(d) + tasks + rng.standard_normal(n)
    return X, y, tasks, rng.uniform(0.2, 3.0, n)


def assert_same_statistics(actual, expected, rtol=1e-12):
    np.testing.assert_array_equal(actual.labels, expected.labels)
    for field in FIELDS:
        np.testing.assert_allclose(getattr(actual, field), getattr(expected, field),
                                   rtol=rtol, atol=1e-9, err_msg=field)


def batches(n, n_batches, seed):
    """Random contiguous, non-empty batches of row positions over a random permutation."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    cuts = np.sort(rng.choice(np.arange(1, n), n_batches - 1, replace=False))
    return np.split(order, cuts)


# ------------------------------------------------------------------ statistics
@settings(max_examples=30, deadline=None, derandomize=True)
@given(n_batches=st.integers(1, 8), seed=st.integers(0, 10**6))
def test_merged_statistics_equal_those_of_all_rows(n_batches, seed):
    X, y, tasks, weights = routed_rows(seed % 7)
    whole = TaskStatistics.from_rows(X, y, tasks, weights)
    parts = [TaskStatistics.from_rows(X[rows], y[rows], tasks[rows], weights[rows])
             for rows in batches(len(y), n_batches, seed)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    assert_same_statistics(merged, whole, rtol=1e-10)


def test_statistics_against_their_definition():
    X, y, tasks, weights = routed_rows(1)
    statistics = TaskStatistics.from_rows(X, y, tasks, weights)
    for t, label in enumerate(statistics.labels):
        rows = tasks == label
        s, Xt, yt = weights[rows], X[rows], y[rows]
        x_mean, y_mean = np.average(Xt, axis=0, weights=s), np.average(yt, weights=s)
        assert statistics.count[t] == rows.sum()
        np.testing.assert_allclose(statistics.weight[t], s.sum())
        np.testing.assert_allclose(statistics.gram[t], (Xt - x_mean).T * s @ (Xt - x_mean))
        np.testing.assert_allclose(statistics.linear[t], (Xt - x_mean).T @ (s * (yt - y_mean)))
        np.testing.assert_allclose(statistics.target_square[t], s @ (yt - y_mean) ** 2)
        gram, linear, square = (value[t] for value in statistics.uncentred())
        np.testing.assert_allclose(gram, Xt.T * s @ Xt)
        np.testing.assert_allclose(linear, Xt.T @ (s * yt))
        np.testing.assert_allclose(square, s @ yt**2)


def test_merge_keeps_tasks_of_one_piece_and_zero_weight_rows():
    """A task only in one piece keeps its statistics; rows of weight 0 count as rows only."""
    X, y, tasks, weights = routed_rows(2)
    first, second = tasks < 3, tasks >= 2
    second &= ~first
    weights[np.flatnonzero(tasks == 1)[:5]] = 0.0
    a = TaskStatistics.from_rows(X[first], y[first], tasks[first], weights[first])
    b = TaskStatistics.from_rows(X[second], y[second], tasks[second], weights[second])
    assert set(a.labels) & set(b.labels) == set()
    assert_same_statistics(a.merge(b), TaskStatistics.from_rows(X, y, tasks, weights))


def test_merge_refuses_mixed_pieces():
    X, y, tasks, _ = routed_rows(3)
    numbers = TaskStatistics.from_rows(X, y, tasks)
    with pytest.raises(ValueError, match="4 and 3 features"):
        numbers.merge(TaskStatistics.from_rows(X[:, :3], y, tasks))
    with pytest.raises(TypeError, match="one type"):
        numbers.merge(TaskStatistics.from_rows(X, y, tasks.astype(str).astype(object)))


# ------------------------------------------------------------ fits from them
@pytest.mark.parametrize("task_weights", ["uniform", "size"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("name", REGRESSORS)
def test_partial_fit_over_batches_equals_fit(name, fit_intercept, task_weights):
    X, y, tasks, weights = routed_rows(4)
    params = {"fit_intercept": fit_intercept, "task_weights": task_weights, **TIGHT}
    full = getattr(skmtl, name)(**params).fit(X, y, tasks=tasks, sample_weight=weights)
    streamed = getattr(skmtl, name)(**params)
    for rows in batches(len(y), 5, seed=len(name)):
        streamed.partial_fit(X[rows], y[rows], tasks=tasks[rows], sample_weight=weights[rows])
    np.testing.assert_array_equal(streamed.tasks_, full.tasks_)
    atol = same_fit_atol(name)
    np.testing.assert_allclose(streamed.coef_, full.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(streamed.intercept_, full.intercept_, rtol=0, atol=atol)
    np.testing.assert_allclose(streamed.predict(X, tasks=tasks), full.predict(X, tasks=tasks),
                               rtol=0, atol=1e-9)


def test_fit_statistics_equals_fit_and_partial_fit_continues():
    X, y, tasks, weights = routed_rows(5)
    model = skmtl.TraceNormRegressor(alpha=0.05, **TIGHT)
    full = clone(model).fit(X, y, tasks=tasks, sample_weight=weights)
    half = len(y) // 2
    resumed = clone(model).fit_statistics(
        TaskStatistics.from_rows(X[:half], y[:half], tasks[:half], weights[:half]))
    assert resumed.n_features_in_ == X.shape[1] and not hasattr(resumed, "feature_names_in_")
    resumed.partial_fit(X[half:], y[half:], tasks=tasks[half:], sample_weight=weights[half:])
    np.testing.assert_allclose(resumed.coef_, full.coef_, rtol=0, atol=1e-10)
    refit = resumed.fit(X[:half], y[:half], tasks=tasks[:half])
    assert not hasattr(refit, "statistics_")  # fit starts afresh


def test_partial_fit_on_the_shared_design_and_a_task_column():
    import pandas as pd

    rng = np.random.default_rng(6)
    X = rng.standard_normal((120, 3))
    Y = X @ rng.standard_normal((3, 4)) + rng.standard_normal((120, 4))
    full = skmtl.JointFeatureRegressor(**TIGHT).fit(X, Y)
    streamed = skmtl.JointFeatureRegressor(**TIGHT)
    for rows in np.array_split(np.arange(120), 3):
        streamed.partial_fit(X[rows], Y[rows])
    np.testing.assert_allclose(streamed.coef_, full.coef_,
                               atol=same_fit_atol("JointFeatureRegressor"))
    assert streamed.predict(X).shape == (120, 4)
    with pytest.raises(ValueError, match="one task convention"):
        streamed.partial_fit(X, Y[:, 0], tasks=np.zeros(120))

    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(task=rng.integers(0, 3, 120))
    y = Y[:, 0]
    full = skmtl.MeanRegularizedRegressor(task_column="task").fit(frame, y)
    streamed = skmtl.MeanRegularizedRegressor(task_column="task")
    for rows in np.array_split(np.arange(120), 4):
        streamed.partial_fit(frame.iloc[rows], y[rows])
    np.testing.assert_allclose(streamed.coef_, full.coef_, atol=1e-10)
    np.testing.assert_array_equal(streamed.feature_names_in_, ["a", "b", "c"])
    with pytest.raises(ValueError, match="missing:\n- c"):
        streamed.partial_fit(frame.drop(columns="c"), y)


def test_fit_statistics_errors():
    X, y, tasks, weights = routed_rows(7)
    statistics = TaskStatistics.from_rows(X, y, tasks, weights)
    with pytest.raises(TypeError, match="TaskStatistics"):
        skmtl.MeanRegularizedRegressor().fit_statistics((X, y))
    with pytest.raises(ValueError, match="cvxpy"):
        skmtl.MeanRegularizedRegressor(solver="cvxpy").fit_statistics(statistics)
    zero = TaskStatistics.from_rows(X, y, tasks, np.where(tasks == 2, 0.0, weights))
    with pytest.raises(ValueError, match=r"task\(s\) \[2\] sum to zero"):
        skmtl.MeanRegularizedRegressor().fit_statistics(zero)
    with pytest.raises(ValueError, match="would overflow"):  # as fit says
        skmtl.MeanRegularizedRegressor().partial_fit(X * 1e200, y, tasks=tasks)
    assert not hasattr(skmtl.MeanRegularizedRegressorCV(), "partial_fit")
    assert not hasattr(skmtl.MeanRegularizedClassifier(), "partial_fit")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_tasks=st.integers(1, 6), weighted=st.booleans(),
       strings=st.booleans())
def test_rows_grouped_by_task_give_the_statistics_of_shuffled_rows(seed, n_tasks, weighted,
                                                                   strings):
    """Rows whose tasks come in contiguous runs (sorted, or grouped in any order) take
    the path without a gather; a task split over two runs takes the gather."""
    from skmtl._tasks import task_runs

    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 30, n_tasks)
    tasks = np.repeat(rng.permutation(n_tasks), counts)
    if strings:
        tasks = np.array([f"t{t}" for t in tasks])
    X = rng.standard_normal((tasks.size, 3)) + 5.0
    y = rng.standard_normal(tasks.size)
    weights = rng.uniform(0.1, 2.0, tasks.size) if weighted else None
    shuffle = rng.permutation(tasks.size)
    grouped = TaskStatistics.from_rows(X, y, tasks, weights)
    reference = TaskStatistics.from_rows(
        X[shuffle], y[shuffle], tasks[shuffle], None if weights is None else weights[shuffle])
    assert task_runs(tasks, tasks.size) is not None
    np.testing.assert_array_equal(grouped.labels, reference.labels)
    for field in ("count", "weight", "x_mean", "y_mean", "gram", "linear", "target_square"):
        np.testing.assert_allclose(getattr(grouped, field), getattr(reference, field),
                                   rtol=1e-10, atol=1e-9)
    if n_tasks > 1:
        split = np.r_[tasks[-1:], tasks]
        assert task_runs(split, split.size) is None
