import numpy as np
import pytest
from scipy.special import expit
from sklearn.utils import Bunch

from skmtl.datasets import (
    load_landmine,
    load_school,
    make_multitask_classification,
    make_multitask_regression,
)

# --------------------------------------------------------------------- School


@pytest.fixture(scope="module")
def school():
    return load_school()


def test_school_bunch_shapes_and_dtypes(school):
    assert isinstance(school, Bunch)
    assert school.data.shape == (15362, 27)
    assert school.data.dtype == np.float64
    assert school.target.shape == (15362,)
    assert school.target.dtype == np.float64
    assert school.tasks.shape == (15362,)
    assert school.tasks.dtype == np.int64
    assert school.frame is None
    assert len(school.feature_names) == 27
    assert len(set(school.feature_names)) == 27
    assert all(isinstance(f, str) for f in school.feature_names)
    assert len(school.task_names) == 139
    assert "ILEA" in school.DESCR and "MALSAR" in school.DESCR


def test_school_tasks_and_target(school):
    assert np.array_equal(np.unique(school.tasks), np.arange(139))
    sizes = np.bincount(school.tasks)
    assert sizes.min() == 22
    assert sizes.max() == 251
    assert sizes.sum() == 15362
    assert school.target.min() == 1 and school.target.max() == 70


def test_school_bias_column_dropped(school):
    X = school.data
    # No column equals 1 on every row (the dropped bias column did).
    assert not np.any(np.all(X == 1.0, axis=0))
    # Every column varies across the whole dataset, even the school-level ones.
    assert np.all(np.ptp(X, axis=0) > 0)


def test_school_inferred_layout(school):
    X = school.data
    names = school.feature_names
    # One-hot groups: exactly one active column per row.
    for prefix in ("exam_year_", "gender_", "ethnic_", "school_gender_", "school_denomination_"):
        cols = [i for i, n in enumerate(names) if n.startswith(prefix)]
        assert cols, prefix
        np.testing.assert_array_equal(X[:, cols].sum(axis=1), 1.0)
    # School-level columns are constant within each school.
    for name in ("school_gender_0", "school_denomination_0"):
        col = X[:, names.index(name)]
        for t in np.unique(school.tasks):
            assert np.ptp(col[school.tasks == t]) == 0
    # Unscaled percentage columns.
    assert X[:, names.index("pct_free_meals")].max() == 91
    assert X[:, names.index("pct_vr_band1")].max() == 43


def test_school_return_X_y(school):
    X, y, tasks = load_school(return_X_y=True)
    np.testing.assert_array_equal(X, school.data)
    np.testing.assert_array_equal(y, school.target)
    np.testing.assert_array_equal(tasks, school.tasks)


def test_school_as_frame(school):
    pd = pytest.importorskip("pandas")
    b = load_school(as_frame=True)
    assert isinstance(b.data, pd.DataFrame)
    assert list(b.data.columns) == school.feature_names + ["school"]
    np.testing.assert_array_equal(b.data[school.feature_names].to_numpy(), school.data)
    np.testing.assert_array_equal(b.data["school"].to_numpy(), school.tasks)
    assert b.data["school"].dtype.kind == "i"
    assert isinstance(b.target, pd.Series) and b.target.name == "exam_score"
    np.testing.assert_array_equal(b.target.to_numpy(), school.target)
    assert isinstance(b.frame, pd.DataFrame)
    assert list(b.frame.columns) == school.feature_names + ["school", "exam_score"]
    np.testing.assert_array_equal(b.frame["exam_score"].to_numpy(), school.target)

    data, target = load_school(as_frame=True, return_X_y=True)
    pd.testing.assert_frame_equal(data, b.data)
    pd.testing.assert_series_equal(target, b.target)


def test_school_duplicates_kept(school):
    rows = np.column_stack([school.data, school.target, school.tasks])
    assert len(rows) - len(np.unique(rows, axis=0)) == 1837


# ------------------------------------------------------------------ Generator


def _per_row_prediction(X, tasks, coef, intercept):
    return np.einsum("ij,ij->i", X, coef[tasks]) + intercept[tasks]


@pytest.mark.parametrize("structure", ["mean", "lowrank", "sparse", "clustered", "independent"])
def test_generator_shapes_dtypes(structure):
    X, y, tasks, coef = make_multitask_regression(
        n_tasks=5, n_features=8, n_samples=12, structure=structure, random_state=0
    )
    assert X.shape == (60, 8) and X.dtype == np.float64
    assert y.shape == (60,) and y.dtype == np.float64
    assert tasks.shape == (60,) and tasks.dtype == np.int64
    assert coef.shape == (5, 8)
    np.testing.assert_array_equal(np.bincount(tasks), [12] * 5)


@pytest.mark.parametrize("structure", ["mean", "lowrank", "sparse", "clustered", "independent"])
def test_generator_noiseless_is_exact(structure):
    intercept = np.array([0.5, -1.0, 2.0, 0.0])
    X, y, tasks, coef = make_multitask_regression(
        n_tasks=4,
        n_features=6,
        n_samples=[3, 7, 1, 5],
        structure=structure,
        noise=0.0,
        intercept=intercept,
        random_state=1,
    )
    np.testing.assert_allclose(
        y, _per_row_prediction(X, tasks, coef, intercept), rtol=0, atol=1e-12
    )
    for t in range(4):
        m = tasks == t
        np.testing.assert_allclose(y[m], X[m] @ coef[t] + intercept[t], rtol=0, atol=1e-12)


def test_generator_scalar_intercept_and_noise_level():
    X, y, tasks, coef = make_multitask_regression(
        n_tasks=3, n_features=4, n_samples=4000, noise=0.5, intercept=3.0, random_state=2
    )
    resid = y - _per_row_prediction(X, tasks, coef, np.full(3, 3.0))
    assert abs(resid.mean()) < 0.03
    assert abs(resid.std() - 0.5) < 0.03


def test_generator_rows_shuffled_or_grouped():
    _, _, tasks, _ = make_multitask_regression(n_tasks=4, n_samples=10, random_state=0)
    assert np.any(np.diff(tasks) < 0)  # interleaved
    _, _, tasks, _ = make_multitask_regression(
        n_tasks=4, n_samples=[2, 3, 1, 4], shuffle=False, random_state=0
    )
    np.testing.assert_array_equal(tasks, np.repeat(np.arange(4), [2, 3, 1, 4]))


@pytest.mark.parametrize("rank", [1, 2, 4])
def test_generator_lowrank(rank):
    _, _, _, coef = make_multitask_regression(
        n_tasks=6, n_features=10, structure="lowrank", rank=rank, random_state=rank
    )
    assert np.linalg.matrix_rank(coef) == rank


def test_generator_lowrank_default_rank():
    _, _, _, coef = make_multitask_regression(n_tasks=8, n_features=9, structure="lowrank")
    assert np.linalg.matrix_rank(coef) == 3
    _, _, _, coef = make_multitask_regression(n_tasks=2, n_features=9, structure="lowrank")
    assert np.linalg.matrix_rank(coef) == 2


@pytest.mark.parametrize(("n_informative", "expected"), [(None, 4), (1, 1), (7, 7), (20, 20)])
def test_generator_sparse_shared_support(n_informative, expected):
    _, _, _, coef = make_multitask_regression(
        n_tasks=6, n_features=20, structure="sparse", n_informative=n_informative, random_state=3
    )
    nonzero = coef != 0
    support = np.flatnonzero(nonzero.any(axis=0))
    assert support.size == expected
    # Every task uses every support column; the rest are exactly zero.
    assert np.all(nonzero[:, support])
    assert np.all(coef[:, np.setdiff1d(np.arange(20), support)] == 0.0)


def test_generator_clustered():
    _, _, _, coef, clusters = make_multitask_regression(
        n_tasks=12,
        n_features=15,
        structure="clustered",
        n_clusters=3,
        task_spread=0.1,
        return_clusters=True,
        random_state=4,
    )
    assert clusters.shape == (12,) and clusters.dtype == np.int64
    assert set(clusters.tolist()) == {0, 1, 2}
    dist = np.linalg.norm(coef[:, None, :] - coef[None, :, :], axis=-1)
    same = clusters[:, None] == clusters[None, :]
    off_diag = ~np.eye(12, dtype=bool)
    assert dist[same & off_diag].max() < dist[~same].min()


def test_generator_clustered_every_cluster_nonempty():
    *_, clusters = make_multitask_regression(
        n_tasks=5, structure="clustered", n_clusters=5, return_clusters=True, random_state=0
    )
    np.testing.assert_array_equal(np.sort(clusters), np.arange(5))


def test_generator_mean_structure_tasks_close():
    _, _, _, coef = make_multitask_regression(
        n_tasks=30, n_features=50, structure="mean", task_spread=0.1, random_state=5
    )
    dev = coef - coef.mean(axis=0)
    assert np.linalg.norm(dev) < 0.2 * np.linalg.norm(coef)
    _, _, _, coef_ind = make_multitask_regression(
        n_tasks=30, n_features=50, structure="independent", random_state=5
    )
    dev_ind = coef_ind - coef_ind.mean(axis=0)
    assert np.linalg.norm(dev_ind) > 0.8 * np.linalg.norm(coef_ind)


def test_generator_unequal_sizes_with_single_row_task():
    sizes = [1, 5, 2, 30]
    X, y, tasks, _ = make_multitask_regression(
        n_tasks=4, n_features=3, n_samples=np.array(sizes), random_state=0
    )
    assert X.shape == (38, 3) and y.shape == (38,)
    np.testing.assert_array_equal(np.bincount(tasks, minlength=4), sizes)


def test_generator_shared_design():
    intercept = np.arange(5.0)
    X, y, tasks, coef = make_multitask_regression(
        n_tasks=5,
        n_features=7,
        n_samples=30,
        shared_design=True,
        noise=0.0,
        intercept=intercept,
        random_state=0,
    )
    assert tasks is None
    assert X.shape == (30, 7) and y.shape == (30, 5) and coef.shape == (5, 7)
    np.testing.assert_allclose(y, X @ coef.T + intercept, rtol=0, atol=1e-12)


def test_generator_reproducible():
    kw = dict(n_tasks=4, n_features=5, n_samples=[3, 4, 5, 6], structure="clustered")
    a = make_multitask_regression(**kw, random_state=7, return_clusters=True)
    b = make_multitask_regression(**kw, random_state=np.random.RandomState(7), return_clusters=True)
    c = make_multitask_regression(**kw, random_state=8, return_clusters=True)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(structure="banana"), "structure must be one of"),
        (dict(n_tasks=0), "n_tasks must be >= 1"),
        (dict(n_tasks=2.5), "n_tasks must be an integer"),
        (dict(n_features=0), "n_features must be >= 1"),
        (dict(n_samples=0), "n_samples must be >= 1"),
        (dict(n_samples=-3), "n_samples must be >= 1"),
        (dict(n_tasks=3, n_samples=[1, 2]), "length n_tasks=3"),
        (dict(n_tasks=2, n_samples=[1, 0]), "every task needs n_samples >= 1"),
        (dict(n_tasks=2, n_samples=[1.5, 2]), "integer row counts"),
        (dict(n_tasks=2, n_samples=[3, 4], shared_design=True), "must be an int when shared"),
        (dict(n_tasks=3, n_features=5, structure="lowrank", rank=4), r"rank must be <= min"),
        (dict(structure="lowrank", rank=0), "rank must be >= 1"),
        (dict(n_features=5, structure="sparse", n_informative=6), "n_informative must be <="),
        (dict(n_tasks=3, structure="clustered", n_clusters=4), "n_clusters must be <= n_tasks"),
        (dict(structure="mean", rank=2), "rank only applies to structure='lowrank'"),
        (dict(structure="lowrank", n_clusters=2), "n_clusters only applies"),
        (dict(structure="mean", return_clusters=True), "return_clusters=True requires"),
        (dict(noise=-1.0), "noise must be >= 0"),
        (dict(task_spread=-0.1), "task_spread must be >= 0"),
        (dict(n_tasks=3, intercept=[1.0, 2.0]), "intercept must be a float or an array"),
    ],
)
def test_generator_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_multitask_regression(**kwargs)


# ------------------------------------------------------------------- Landmine


@pytest.fixture(scope="module")
def landmine():
    return load_landmine()


def test_landmine_bunch_shapes_and_dtypes(landmine):
    assert isinstance(landmine, Bunch)
    assert landmine.data.shape == (14820, 9)
    assert landmine.data.dtype == np.float64
    assert landmine.target.shape == (14820,)
    assert landmine.target.dtype == np.int64
    assert landmine.tasks.shape == (14820,)
    assert landmine.tasks.dtype == np.int64
    assert landmine.frame is None
    assert landmine.feature_names == [f"feature_{i}" for i in range(9)]
    assert landmine.task_names == [f"field_{i}" for i in range(29)]
    assert landmine.target_names == ["clutter", "mine"]
    assert "Xue" in landmine.DESCR and "Dirichlet process" in landmine.DESCR
    assert np.all(np.isfinite(landmine.data))


def test_landmine_tasks_and_target(landmine):
    tasks, y = landmine.tasks, landmine.target
    assert np.array_equal(np.unique(tasks), np.arange(29))
    assert np.all(np.diff(tasks) >= 0)  # rows grouped by field
    sizes = np.bincount(tasks)
    assert sizes.sum() == 14820
    assert sizes.min() == 445 and sizes.max() == 690 and np.median(sizes) == 507
    assert set(np.unique(y).tolist()) == {0, 1}
    assert int(y.sum()) == 904 and int((y == 0).sum()) == 13916
    positives = np.bincount(tasks, weights=y)
    assert positives.min() == 15 and positives.max() == 48  # both classes in every field


def test_landmine_return_X_y(landmine):
    X, y, tasks = load_landmine(return_X_y=True)
    np.testing.assert_array_equal(X, landmine.data)
    np.testing.assert_array_equal(y, landmine.target)
    np.testing.assert_array_equal(tasks, landmine.tasks)


def test_landmine_as_frame(landmine):
    pd = pytest.importorskip("pandas")
    b = load_landmine(as_frame=True)
    names = landmine.feature_names
    assert isinstance(b.data, pd.DataFrame)
    assert list(b.data.columns) == names + ["field"]
    np.testing.assert_array_equal(b.data[names].to_numpy(), landmine.data)
    np.testing.assert_array_equal(b.data["field"].to_numpy(), landmine.tasks)
    assert b.data["field"].dtype.kind == "i"
    assert isinstance(b.target, pd.Series) and b.target.name == "mine"
    assert b.target.dtype.kind == "i"
    np.testing.assert_array_equal(b.target.to_numpy(), landmine.target)
    assert isinstance(b.frame, pd.DataFrame)
    assert list(b.frame.columns) == names + ["field", "mine"]
    np.testing.assert_array_equal(b.frame["mine"].to_numpy(), landmine.target)
    assert b.target_names == ["clutter", "mine"]

    data, target = load_landmine(as_frame=True, return_X_y=True)
    pd.testing.assert_frame_equal(data, b.data)
    pd.testing.assert_series_equal(target, b.target)


# ------------------------------------------------------- Classification data

_STRUCTURES = ["mean", "lowrank", "sparse", "clustered", "independent"]


def _both_classes_per_task(y, tasks, n_tasks):
    return [set(y[tasks == t].tolist()) == {0, 1} for t in range(n_tasks)]


@pytest.mark.parametrize("structure", _STRUCTURES)
def test_classification_shapes_dtypes(structure):
    X, y, tasks, coef = make_multitask_classification(
        n_tasks=5, n_features=8, n_samples=12, structure=structure, random_state=0
    )
    assert X.shape == (60, 8) and X.dtype == np.float64
    assert y.shape == (60,) and y.dtype == np.int64
    assert set(np.unique(y).tolist()) <= {0, 1}
    assert tasks.shape == (60,) and tasks.dtype == np.int64
    assert coef.shape == (5, 8)
    np.testing.assert_array_equal(np.bincount(tasks), [12] * 5)
    assert all(_both_classes_per_task(y, tasks, 5))


def test_classification_unequal_sizes_and_grouping():
    sizes = [2, 7, 1, 30]
    X, y, tasks, _ = make_multitask_classification(
        n_tasks=4, n_features=3, n_samples=sizes, shuffle=False, random_state=0
    )
    assert X.shape == (40, 3) and y.shape == (40,)
    np.testing.assert_array_equal(tasks, np.repeat(np.arange(4), sizes))
    _, _, tasks, _ = make_multitask_classification(n_tasks=4, n_samples=10, random_state=0)
    assert np.any(np.diff(tasks) < 0)  # interleaved


def test_classification_shared_design():
    X, y, tasks, coef, b = make_multitask_classification(
        n_tasks=5,
        n_features=7,
        n_samples=40,
        shared_design=True,
        class_sep=50.0,
        return_intercept=True,
        random_state=0,
    )
    assert tasks is None
    assert X.shape == (40, 7) and y.shape == (40, 5) and coef.shape == (5, 7)
    assert y.dtype == np.int64 and b.shape == (5,)
    assert np.all((y.min(axis=0) == 0) & (y.max(axis=0) == 1))
    # Nearly separable: the true decision rule reproduces almost every label.
    assert np.mean((X @ coef.T + b > 0) == y) > 0.95


def test_classification_same_draws_as_regression():
    kw = dict(n_tasks=4, n_features=5, n_samples=[3, 4, 5, 6], structure="lowrank", shuffle=False)
    Xc, _, tc, Wc = make_multitask_classification(**kw, random_state=3)
    Xr, _, tr, Wr = make_multitask_regression(**kw, random_state=3)
    np.testing.assert_array_equal(Xc, Xr)
    np.testing.assert_array_equal(tc, tr)
    np.testing.assert_array_equal(Wc, Wr)


def test_classification_reproducible():
    kw = dict(n_tasks=4, n_features=5, n_samples=[3, 4, 5, 6], structure="clustered")
    kw.update(return_clusters=True, return_intercept=True)
    a = make_multitask_classification(**kw, random_state=7)
    b = make_multitask_classification(**kw, random_state=np.random.RandomState(7))
    c = make_multitask_classification(**kw, random_state=8)
    assert len(a) == 6
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("positive_fraction", [0.1, 0.5, [0.06, 0.3, 0.8]])
def test_classification_class_balance(positive_fraction):
    X, y, tasks, coef, b = make_multitask_classification(
        n_tasks=3,
        n_features=6,
        n_samples=4000,
        positive_fraction=positive_fraction,
        return_intercept=True,
        random_state=1,
    )
    expected = np.broadcast_to(positive_fraction, (3,))
    observed = np.bincount(tasks, weights=y) / np.bincount(tasks)
    np.testing.assert_allclose(observed, expected, atol=0.025)
    # The labels follow the documented logistic model.
    prob = expit(np.einsum("ij,ij->i", X, coef[tasks]) + b[tasks])
    resid = np.bincount(tasks, weights=y - prob) / np.bincount(tasks)
    np.testing.assert_allclose(resid, 0.0, atol=0.025)


def test_classification_class_sep():
    kw = dict(n_tasks=4, n_features=10, n_samples=500, return_intercept=True, random_state=2)
    accs = {}
    for class_sep in (1e-3, 1.0, 1e3):
        X, y, tasks, coef, b = make_multitask_classification(**kw, class_sep=class_sep)
        bayes = np.einsum("ij,ij->i", X, coef[tasks]) + b[tasks] > 0
        accs[class_sep] = np.mean(bayes == y)
    assert accs[1e3] > 0.99
    assert accs[1e-3] < 0.6
    assert accs[1e-3] < accs[1.0] < accs[1e3]


def test_classification_both_classes_in_small_tasks():
    sizes = [2, 3, 2, 1, 5, 4]
    for seed in range(5):
        for p in (0.01, 0.99):
            _, y, tasks, _ = make_multitask_classification(
                n_tasks=6, n_features=4, n_samples=sizes, positive_fraction=p, random_state=seed
            )
            ok = _both_classes_per_task(y, tasks, 6)
            assert all(ok[t] for t in range(6) if sizes[t] >= 2)
        _, y, _, _ = make_multitask_classification(
            n_tasks=3, n_samples=2, shared_design=True, positive_fraction=0.01, random_state=seed
        )
        np.testing.assert_array_equal(np.sort(y, axis=0), [[0, 0, 0], [1, 1, 1]])


def test_classification_structures():
    _, _, _, coef = make_multitask_classification(
        n_tasks=6, n_features=20, structure="sparse", n_informative=5, random_state=3
    )
    nonzero = coef != 0
    support = np.flatnonzero(nonzero.any(axis=0))
    assert support.size == 5 and np.all(nonzero[:, support])
    _, _, _, coef = make_multitask_classification(
        n_tasks=6, n_features=10, structure="lowrank", rank=2, random_state=3
    )
    assert np.linalg.matrix_rank(coef) == 2
    *_, clusters = make_multitask_classification(
        n_tasks=6, structure="clustered", n_clusters=3, return_clusters=True, random_state=3
    )
    np.testing.assert_array_equal(np.bincount(clusters), [2, 2, 2])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(structure="banana"), "structure must be one of"),
        (dict(n_tasks=0), "n_tasks must be >= 1"),
        (dict(n_samples=0), "n_samples must be >= 1"),
        (dict(n_tasks=2, n_samples=[3, 4], shared_design=True), "must be an int when shared"),
        (dict(structure="mean", rank=2), "rank only applies to structure='lowrank'"),
        (dict(structure="mean", return_clusters=True), "return_clusters=True requires"),
        (dict(class_sep=0.0), "class_sep must be > 0"),
        (dict(class_sep=-1.0), "class_sep must be > 0"),
        (dict(class_sep=np.inf), "class_sep must be a finite real"),
        (dict(positive_fraction=0.0), "strictly between 0 and 1"),
        (dict(positive_fraction=1.0), "strictly between 0 and 1"),
        (dict(n_tasks=2, positive_fraction=[0.5, 1.5]), "strictly between 0 and 1"),
        (dict(n_tasks=3, positive_fraction=[0.5, 0.5]), "positive_fraction must be a float or"),
        (dict(positive_fraction=np.nan), "positive_fraction must be finite"),
    ],
)
def test_classification_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_multitask_classification(**kwargs)
