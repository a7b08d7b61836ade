"""Regularization paths, task-aware splitters and the cross-validated estimators.

References: cold fits at each alpha, GridSearchCV with the same folds, grid and
scorer, brute-force leave-one-out, and the optimality condition of W = 0.
"""

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold, LeaveOneOut

import skmtl
from skmtl import (
    ClusteredRegressor,
    DirtyClassifier,
    DirtyRegressor,
    GraphRegularizedRegressor,
    GraphRegularizedRegressorCV,
    IndependentLassoClassifier,
    IndependentLassoClassifierCV,
    IndependentLassoRegressor,
    IndependentLassoRegressorCV,
    JointFeatureClassifier,
    JointFeatureClassifierCV,
    JointFeatureRegressor,
    JointFeatureRegressorCV,
    MeanRegularizedClassifierCV,
    MeanRegularizedRegressor,
    MeanRegularizedRegressorCV,
    RobustLowRankRegressor,
    SharedParameterRegressor,
    SharedParameterRegressorCV,
    SharedSubspaceRegressor,
    TaskRelationshipRegressor,
    TraceNormClassifier,
    TraceNormRegressor,
    TraceNormRegressorCV,
)
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.model_selection import (
    LeaveTasksOut,
    WithinTaskKFold,
    alpha_grid,
    alpha_max,
    make_task_scorer,
    regularization_path,
)

TIGHT = {"tol": 1e-10, "max_iter": 100_000}


def regression(n_tasks=4, seed=0, **kwargs):
    X, y, tasks, _ = make_multitask_regression(n_tasks=n_tasks, n_features=5, n_samples=25,
                                               noise=1.0, random_state=seed, **kwargs)
    return X, y, tasks


def classification(n_tasks=4, seed=0):
    X, y, tasks, _ = make_multitask_classification(n_tasks=n_tasks, n_features=5,
                                                   n_samples=40, random_state=seed)
    return X, y, tasks


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


# ----------------------------------------------------------------- splitters
@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(3, 12), min_size=1, max_size=5),
       n_splits=st.integers(2, 3), seed=st.integers(0, 1000), shuffle=st.booleans())
def test_within_task_kfold_puts_every_task_in_every_fold(sizes, n_splits, seed, shuffle):
    tasks = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(sizes)), sizes))
    X = np.zeros((tasks.size, 1))
    splitter = WithinTaskKFold(n_splits, shuffle=shuffle, random_state=seed)
    tests = []
    for train, test in splitter.split(X, tasks=tasks):
        assert np.intersect1d(train, test).size == 0
        assert np.union1d(train, test).size == tasks.size
        for label, size in enumerate(sizes):
            in_test = np.count_nonzero(tasks[test] == label)
            assert size // n_splits <= in_test <= -(-size // n_splits)
        tests.append(test)
    assert np.array_equal(np.sort(np.concatenate(tests)), np.arange(tasks.size))


def test_within_task_kfold_stratifies_classes_within_tasks():
    tasks = np.repeat([0, 1], 20)
    y = np.tile(np.r_[np.zeros(15), np.ones(5)], 2).astype(int)
    for _, test in WithinTaskKFold(5, stratify=True).split(np.zeros((40, 1)), y, tasks=tasks):
        for label in (0, 1):
            rows = test[tasks[test] == label]
            assert np.bincount(y[rows], minlength=2).tolist() == [3, 1]


def test_within_task_kfold_sources_of_labels_agree():
    X, y, tasks = regression()
    frame = pd.DataFrame(X).assign(task=tasks)
    by_tasks = list(WithinTaskKFold(3).split(X, y, tasks=tasks))
    by_groups = list(WithinTaskKFold(3).split(X, y, groups=tasks))
    by_column = list(WithinTaskKFold(3, task_column="task").split(frame, y))
    for a, b, c in zip(by_tasks, by_groups, by_column, strict=True):
        assert all(np.array_equal(u, v) and np.array_equal(v, w)
                   for u, v, w in zip(a, b, c, strict=True))


def test_within_task_kfold_errors():
    tasks = np.r_[np.zeros(10), np.ones(2)]
    with pytest.raises(ValueError, match=r"Task\(s\) \[1.0\] have fewer rows than n_splits=3"):
        list(WithinTaskKFold(3).split(np.zeros((12, 1)), tasks=tasks))
    with pytest.raises(ValueError, match="n_splits must be an integer of at least 2"):
        list(WithinTaskKFold(1).split(np.zeros((12, 1)), tasks=tasks))
    with pytest.raises(ValueError, match="given twice"):
        list(WithinTaskKFold(2, task_column=0).split(np.zeros((12, 2)), tasks=tasks))


def test_within_task_kfold_without_labels_is_kfold():
    X = np.zeros((10, 2))
    ours = list(WithinTaskKFold(5).split(X, np.zeros((10, 3))))
    theirs = list(KFold(5).split(X))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(ours, theirs, strict=True))


def test_leave_tasks_out_holds_out_whole_tasks():
    tasks = np.array(list("aabbbcdd"))
    X = np.zeros((8, 1))
    held_out = [set(tasks[test]) for _, test in LeaveTasksOut().split(X, tasks=tasks)]
    assert held_out == [{"a"}, {"b"}, {"c"}, {"d"}]
    assert LeaveTasksOut().get_n_splits(X, tasks=tasks) == 4
    for train, test in LeaveTasksOut(2).split(X, groups=tasks):
        assert not set(tasks[train]) & set(tasks[test])
    with pytest.raises(ValueError, match="needs the task of each row"):
        list(LeaveTasksOut().split(X))
    with pytest.raises(ValueError, match="at least 5 tasks"):
        list(LeaveTasksOut(5).split(X, tasks=tasks))


def test_grid_search_routes_tasks_to_the_splitter(routing):
    X, y, tasks = regression()
    search = GridSearchCV(MeanRegularizedRegressor(), {"alpha": [0.1, 1.0]},
                          cv=WithinTaskKFold(3)).fit(X, y, tasks=tasks)
    assert search.n_splits_ == 3


def test_leave_tasks_out_scores_the_population_model(routing):
    X, y, tasks = regression(n_tasks=5)
    scorer = make_task_scorer(r2_score, response_method="predict_population")
    search = GridSearchCV(MeanRegularizedRegressor(), {"alpha": [0.1, 10.0]},
                          cv=LeaveTasksOut(), scoring=scorer).fit(X, y, tasks=tasks)
    assert search.n_splits_ == 5 and np.all(np.isfinite(search.cv_results_["mean_test_score"]))


# -------------------------------------------------------------------- paths
@pytest.mark.parametrize("estimator", [TraceNormRegressor(l2=0.1), JointFeatureRegressor(),
                                       TraceNormClassifier(), JointFeatureClassifier(l2=0.05),
                                       IndependentLassoRegressor(l2=0.1),
                                       IndependentLassoClassifier()],
                         ids=lambda e: type(e).__name__)
def test_alpha_max_is_where_the_coefficients_vanish(estimator):
    is_classifier = type(estimator).__name__.endswith("Classifier")
    X, y, tasks = classification() if is_classifier else regression()
    top = alpha_max(estimator, X, y, tasks=tasks)
    above = clone(estimator).set_params(alpha=top * 1.001, **TIGHT).fit(X, y, tasks=tasks)
    below = clone(estimator).set_params(alpha=top * 0.99, **TIGHT).fit(X, y, tasks=tasks)
    assert np.all(above.coef_ == 0)
    assert np.any(below.coef_ != 0)


@pytest.mark.parametrize("estimator", [DirtyRegressor(alpha_shared=1e3),
                                       DirtyClassifier(alpha_shared=1e3)],
                         ids=lambda e: type(e).__name__)
def test_dirty_alpha_max_is_where_the_coefficients_vanish(estimator):
    """With alpha_shared above its own alpha_max, alpha_task's is the L1 dual norm."""
    is_classifier = type(estimator).__name__.endswith("Classifier")
    X, y, tasks = classification() if is_classifier else regression()
    top = alpha_max(estimator, X, y, tasks=tasks)
    above = clone(estimator).set_params(alpha_task=top * 1.001, **TIGHT).fit(X, y, tasks=tasks)
    below = clone(estimator).set_params(alpha_task=top * 0.99, **TIGHT).fit(X, y, tasks=tasks)
    assert np.all(above.coef_ == 0)
    assert np.any(below.coef_ != 0)


@pytest.mark.parametrize("estimator", [DirtyRegressor(alpha_shared=1e-3), ClusteredRegressor(),
                                       SharedSubspaceRegressor(), TaskRelationshipRegressor()],
                         ids=lambda e: type(e).__name__)
def test_a_grid_without_a_top_is_an_error(estimator):
    """No alpha empties these fits (the dirty model: its shared part alone keeps W
    away from 0): a grid needs explicit alphas, which a path takes."""
    X, y, tasks = regression()
    assert alpha_max(estimator, X, y, tasks=tasks) is None
    with pytest.raises(ValueError, match="has no top for a grid.*Give the alphas explicitly"):
        alpha_grid(estimator, X, y, tasks=tasks, n_alphas=3)
    path = regularization_path(estimator, X, y, tasks=tasks, alphas=[0.5, 0.1])
    assert path.coefs.shape == (2, 4, 5) and path.alpha_max is None


def test_a_path_needs_a_single_strength():
    X, y, tasks = regression()
    with pytest.raises(ValueError, match=r"no single strength.*alpha_lowrank"):
        regularization_path(RobustLowRankRegressor(), X, y, tasks=tasks, alphas=3)


def test_alpha_max_is_none_for_quadratic_families():
    X, y, tasks = regression()
    assert alpha_max(MeanRegularizedRegressor(), X, y, tasks=tasks) is None
    grid = alpha_grid(MeanRegularizedRegressor(), X, y, tasks=tasks, n_alphas=4, eps=1e-2)
    assert grid.shape == (4,) and np.all(np.diff(grid) < 0)
    assert np.isclose(grid[-1] / grid[0], 1e-2)


@pytest.mark.parametrize("estimator", [
    TraceNormRegressor(**TIGHT), JointFeatureRegressor(**TIGHT),
    MeanRegularizedRegressor(l2=0.01, **TIGHT), SharedParameterRegressor(**TIGHT),
    GraphRegularizedRegressor(**TIGHT), TraceNormClassifier(tol=1e-10),
    JointFeatureClassifier(tol=1e-10),
], ids=lambda e: type(e).__name__)
def test_path_equals_cold_fits(estimator):
    is_classifier = isinstance(estimator, (TraceNormClassifier, JointFeatureClassifier))
    X, y, tasks = classification() if is_classifier else regression()
    path = regularization_path(estimator, X, y, tasks=tasks, alphas=6, eps=1e-2)
    assert path.coefs.shape == (6, 4, 5) and path.intercepts.shape == (6, 4)
    assert np.all(path.certificates <= estimator.tol)
    for k, alpha in enumerate(path.alphas):
        cold = clone(estimator).set_params(**{path.parameter: alpha}).fit(X, y, tasks=tasks)
        scale = max(np.abs(cold.coef_).max(), 1.0)
        np.testing.assert_allclose(path.coefs[k], cold.coef_, atol=1e-5 * scale)
        np.testing.assert_allclose(path.intercepts[k], cold.intercept_, atol=1e-5 * scale)


def test_path_with_given_alphas_sorts_them_and_warm_starts_fewer_iterations():
    X, y, tasks = regression(n_tasks=6, structure="lowrank")
    alphas = np.geomspace(0.01, 1.0, 12)
    warm = regularization_path(TraceNormRegressor(), X, y, tasks=tasks, alphas=alphas)
    cold = regularization_path(TraceNormRegressor(), X, y, tasks=tasks, alphas=alphas,
                               warm_start=False)
    assert np.array_equal(warm.alphas, alphas[::-1])
    assert warm.n_iters.sum() < cold.n_iters.sum()
    with pytest.raises(ValueError, match="finite non-negative"):
        regularization_path(TraceNormRegressor(), X, y, tasks=tasks, alphas=[1.0, -1.0])


# ------------------------------------------------------ cross-validated estimators
CV_REGRESSORS = [
    (SharedParameterRegressorCV, SharedParameterRegressor, "alpha_task"),
    (MeanRegularizedRegressorCV, MeanRegularizedRegressor, "alpha"),
    (GraphRegularizedRegressorCV, GraphRegularizedRegressor, "alpha"),
    (TraceNormRegressorCV, TraceNormRegressor, "alpha"),
    (JointFeatureRegressorCV, JointFeatureRegressor, "alpha"),
    (IndependentLassoRegressorCV, IndependentLassoRegressor, "alpha"),
]


@pytest.mark.parametrize("cv_class, base, parameter", CV_REGRESSORS,
                         ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("scoring", [None, "neg_mean_squared_error"])
def test_regressor_cv_picks_what_grid_search_picks(cv_class, base, parameter, scoring,
                                                   routing):
    X, y, tasks = regression(structure="lowrank")
    model = cv_class(alphas=8, cv=WithinTaskKFold(3), scoring=scoring, **TIGHT)
    model.fit(X, y, tasks=tasks)
    search = GridSearchCV(
        base(**TIGHT), {parameter: list(model.alphas_)}, cv=WithinTaskKFold(3),
        scoring=None if scoring is None else make_task_scorer(scoring),
    ).fit(X, y, tasks=tasks)
    assert model.alpha_ == search.best_params_[parameter]
    np.testing.assert_allclose(model.cv_results_["mean_test_score"],
                               search.cv_results_["mean_test_score"], rtol=1e-6, atol=1e-8)
    assert model.best_score_ == pytest.approx(search.best_score_, rel=1e-6)
    refit = search.best_estimator_
    np.testing.assert_allclose(model.coef_, refit.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.predict(X, tasks=tasks), refit.predict(X, tasks=tasks),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("cv_class, base", [
    (MeanRegularizedClassifierCV, skmtl.MeanRegularizedClassifier),
    (JointFeatureClassifierCV, JointFeatureClassifier),
    (IndependentLassoClassifierCV, IndependentLassoClassifier),
], ids=lambda v: v.__name__)
def test_classifier_cv_with_task_auc_picks_what_grid_search_picks(cv_class, base, routing):
    X, y, tasks = classification()
    model = cv_class(alphas=6, cv=3, scoring="mean_task_roc_auc", tol=1e-10)
    model.fit(X, y, tasks=tasks)
    search = GridSearchCV(base(tol=1e-10), {"alpha": list(model.alphas_)},
                          cv=WithinTaskKFold(3, stratify=True),
                          scoring=make_task_scorer("mean_task_roc_auc")).fit(X, y, tasks=tasks)
    assert model.alpha_ == search.best_params_["alpha"]
    np.testing.assert_allclose(model.cv_results_["mean_test_score"],
                               search.cv_results_["mean_test_score"], rtol=1e-6)
    np.testing.assert_array_equal(model.predict(X, tasks=tasks),
                                  search.best_estimator_.predict(X, tasks=tasks))


@pytest.mark.parametrize("cv_class, base, parameter", CV_REGRESSORS[:3],
                         ids=lambda v: getattr(v, "__name__", v))
def test_leave_one_out_picks_what_brute_force_picks(cv_class, base, parameter):
    X, y, tasks = regression(n_tasks=3, seed=2)
    X, y, tasks = X[::3], y[::3], tasks[::3]  # about 8 rows per task
    alphas = np.geomspace(10.0, 0.01, 5)
    model = cv_class(alphas=alphas, cv=None, **TIGHT).fit(X, y, tasks=tasks)
    brute = []
    for alpha in model.alphas_:
        errors = []
        for train, test in LeaveOneOut().split(X):
            fitted = base(**{parameter: alpha}, **TIGHT).fit(X[train], y[train],
                                                            tasks=tasks[train])
            errors.append((y[test] - fitted.predict(X[test], tasks=tasks[test]))[0] ** 2)
        brute.append(-np.mean(errors))
    np.testing.assert_allclose(model.cv_results_["mean_test_score"], brute, rtol=1e-8)
    assert model.alpha_ == model.alphas_[int(np.argmax(brute))]


def test_cv_none_is_refused_where_leave_one_out_is_not_exact():
    X, y, tasks = regression()
    with pytest.raises(ValueError, match="cv=None .* applies to the quadratic regressors"):
        TraceNormRegressorCV(alphas=3, cv=None).fit(X, y, tasks=tasks)


def test_cv_conventions_agree():
    X, y, tasks = regression()
    routed = GraphRegularizedRegressorCV(alphas=5, cv=3).fit(X, y, tasks=tasks)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(5)]).assign(task=tasks)
    column = GraphRegularizedRegressorCV(alphas=5, cv=3, task_column="task").fit(frame, y)
    assert routed.alpha_ == column.alpha_
    np.testing.assert_allclose(routed.coef_, column.coef_)
    np.testing.assert_allclose(routed.predict(X, tasks=tasks), column.predict(frame))


def test_cv_on_a_shared_design_and_without_refit():
    X, Y, _, _ = make_multitask_regression(n_tasks=3, n_features=5, n_samples=40,
                                           shared_design=True, random_state=0)
    model = TraceNormRegressorCV(alphas=5, cv=4).fit(X, Y)
    assert model.predict(X).shape == Y.shape
    assert set(model.cv_results_) >= {"alphas", "split3_test_score", "rank_test_score"}
    lazy = TraceNormRegressorCV(alphas=5, cv=4, refit=False).fit(X, Y)
    assert lazy.alpha_ == model.alpha_
    with pytest.raises(sklearn.exceptions.NotFittedError):
        lazy.predict(X)


def test_cv_parallel_folds_give_the_same_scores():
    X, y, tasks = regression()
    serial = JointFeatureRegressorCV(alphas=5, cv=3).fit(X, y, tasks=tasks)
    parallel = JointFeatureRegressorCV(alphas=5, cv=3, n_jobs=2).fit(X, y, tasks=tasks)
    # joblib's workers run BLAS on fewer threads, so their statistics differ from the
    # main process's by rounding, and coordinate descent's discrete choices (working
    # sets, when to stop) may then differ: the fits agree within their tolerance (1e-6).
    np.testing.assert_allclose(serial.cv_results_["mean_test_score"],
                               parallel.cv_results_["mean_test_score"], rtol=1e-6)
    assert serial.alpha_ == parallel.alpha_


def test_every_cv_estimator_is_exported_and_documents_its_grid():
    names = [name for name in skmtl.__all__ if name.endswith("CV")]
    assert len(names) == 12
    for name in names:
        doc = getattr(skmtl, name).__doc__
        assert "alphas : int or array-like" in doc and "cv_results_" in doc
