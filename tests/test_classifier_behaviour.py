"""Behaviour of the classifiers: task conventions in model selection, labels,
probabilities, separable and one-class data, multi-class wrapping, warm starts,
population predictions and parameter validation.

Expected values are computed here with NumPy from the fitted ``coef_`` and
``intercept_`` (never through the estimators' own prediction methods), as in
``test_conventions.py``.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmtl import (
    GraphRegularizedClassifier,
    JointFeatureClassifier,
    MeanRegularizedClassifier,
    SharedParameterClassifier,
    TraceNormClassifier,
)
from skmtl.datasets import load_landmine, make_multitask_classification
from skmtl.model_selection import make_task_scorer, train_test_split_per_task

ALL_CLASSES = [
    SharedParameterClassifier,
    MeanRegularizedClassifier,
    GraphRegularizedClassifier,
    TraceNormClassifier,
    JointFeatureClassifier,
]
# Parameters that bound every coefficient (a ridge, or a norm with alpha > 0).
BOUNDED = {
    SharedParameterClassifier: {"alpha_shared": 0.1, "alpha_task": 0.2},
    MeanRegularizedClassifier: {"alpha": 0.5, "l2": 0.05},
    GraphRegularizedClassifier: {"alpha": 0.3, "l2": 0.05},
    TraceNormClassifier: {"alpha": 0.02},
    JointFeatureClassifier: {"alpha": 0.02},
}
# (class, fixed parameters, the searched parameter, its grid)
SEARCHES = [
    pytest.param(SharedParameterClassifier, {"alpha_shared": 0.1}, "alpha_task", [0.01, 2.0],
                 id="shared_parameter"),
    pytest.param(MeanRegularizedClassifier, {"l2": 0.01}, "alpha", [0.01, 5.0], id="mean"),
    pytest.param(GraphRegularizedClassifier, {"l2": 0.01}, "alpha", [0.01, 2.0], id="graph"),
    pytest.param(TraceNormClassifier, {"l2": 0.001}, "alpha", [0.002, 0.05], id="trace"),
    pytest.param(JointFeatureClassifier, {"l2": 0.001}, "alpha", [0.002, 0.05],
                 id="joint_feature"),
]
CITY = np.array(["lille", "lyon", "nice", "paris"])
FEATURE_SCALES = np.array([1.0, 30.0, 0.02, 5.0])
ATOL = 1e-9


def ids(cls):
    return cls.__name__


# --------------------------------------------------------------------- data
def routed_data(seed=0, sizes=(45, 60, 50, 55), d=4):
    """Overlapping classes; features on very different scales and offsets."""
    rng = np.random.default_rng(seed)
    T = len(sizes)
    tasks = rng.permutation(np.repeat(np.arange(T), sizes))
    n = tasks.size
    Z = rng.standard_normal((n, d))
    W = rng.standard_normal(d) + 0.7 * rng.standard_normal((T, d))
    p = 1.0 / (1.0 + np.exp(-(np.einsum("ij,ij->i", Z, W[tasks]) + rng.normal(0, 0.5, T)[tasks])))
    y = (rng.random(n) < p).astype(np.int64)
    X = Z * FEATURE_SCALES[:d] + rng.normal(0, 10, d)
    return X, y, tasks


def shared_data(seed=0, n=80, d=4, T=3):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, d))
    W = rng.standard_normal(d) + 0.7 * rng.standard_normal((T, d))
    p = 1.0 / (1.0 + np.exp(-(Z @ W.T + rng.normal(0, 0.5, T))))
    Y = (rng.random((n, T)) < p).astype(np.int64)
    X = Z * FEATURE_SCALES[:d] + rng.normal(0, 10, d)
    return X, Y


def separable_data(seed=0, sizes=(30, 40, 35), d=3):
    """Every task is separated by the common direction e_0, with a margin."""
    rng = np.random.default_rng(seed)
    tasks = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    X = rng.standard_normal((tasks.size, d))
    X[:, 0] += np.sign(X[:, 0]) * 0.5
    y = (X[:, 0] > 0).astype(np.int64)
    return X, y, tasks


def stratified_splits(tasks, y, n_splits=3, seed=0):
    """Folds in which every task has rows of both classes in training and test."""
    groups = np.asarray(tasks) * 2 + np.asarray(y)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((len(groups), 1)), groups))


# ----------------------------------------------- NumPy from the fitted model
def sigmoid(values):
    return np.exp(-np.logaddexp(0.0, -values))


def rows_decision(model, X, labels):
    """x_i.w_{t_i} + b_{t_i} from the fitted attributes."""
    known = np.asarray(model.tasks_)
    position = np.searchsorted(known, labels)
    assert np.all(known[position] == labels)
    coef = np.asarray(model.coef_)
    return np.einsum("ij,ij->i", X, coef[position]) + np.asarray(model.intercept_)[position]


def columns_decision(model, X):
    return X @ np.asarray(model.coef_).T + np.asarray(model.intercept_)


def mean_task_auc(y_true, y_score, tasks):
    """ROC AUC of every task, averaged over the tasks."""
    tasks = np.asarray(tasks)
    return float(np.mean([roc_auc_score(y_true[tasks == t], y_score[tasks == t])
                          for t in np.unique(tasks)]))


def fit_scaled(cls, params, X, y, labels=None):
    scaler = StandardScaler().fit(X)
    model = cls(**params)
    if labels is None:
        model.fit(scaler.transform(X), y)
    else:
        model.fit(scaler.transform(X), y, tasks=labels)
    return scaler, model


def brute_force(cls, fixed, param, grid, X, y, labels, splits, score):
    """Mean test score over the folds for every grid value, computed from coef_/intercept_."""
    means = []
    for value in grid:
        scores = []
        for train, test in splits:
            train_labels = None if labels is None else labels[train]
            scaler, model = fit_scaled(cls, {**fixed, param: value}, X[train], y[train],
                                       train_labels)
            Xt = scaler.transform(X[test])
            if labels is None:
                scores.append(score(y[test], columns_decision(model, Xt), None))
            else:
                scores.append(score(y[test], rows_decision(model, Xt, labels[test]),
                                    labels[test]))
        means.append(np.mean(scores))
    return np.array(means)


def pooled_auc(y_true, decision, tasks):
    return roc_auc_score(y_true, decision)


def check_search(search, cls, fixed, param, grid, X, y, labels, splits, score, key=None):
    means = brute_force(cls, fixed, param, grid, X, y, labels, splits, score)
    column = "mean_test_score" if key is None else f"mean_test_{key}"
    np.testing.assert_allclose(search.cv_results_[column], means, rtol=1e-9, atol=1e-12)
    best = grid[int(np.argmax(means))]
    step = search.best_estimator_.steps[-1][0]
    assert search.best_params_ == {f"{step}__{param}": best}
    return best


def assert_same_model(fitted, reference):
    np.testing.assert_allclose(fitted.coef_, reference.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fitted.intercept_, reference.intercept_, rtol=1e-10, atol=1e-12)


# ============================================================================
# (a) the three task conventions through GridSearchCV with an AUC scorer
# ============================================================================
@pytest.mark.parametrize("cls, fixed, param, grid", SEARCHES)
def test_grid_search_routed_labels_auc(cls, fixed, param, grid):
    X, y, index = routed_data(1)
    labels = CITY[index]
    splits = stratified_splits(index, y)
    pipe = Pipeline([("scale", StandardScaler()), ("model", cls(**fixed))])
    scoring = {
        "auc": make_task_scorer("roc_auc"),
        "task_auc": make_task_scorer(mean_task_auc, response_method="decision_function"),
    }
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, {f"model__{param}": grid}, cv=splits, scoring=scoring,
                              refit="task_auc")
        search.fit(X, y, tasks=labels)
        check_search(search, cls, fixed, param, grid, X, y, labels, splits, pooled_auc, "auc")
        best = check_search(search, cls, fixed, param, grid, X, y, labels, splits,
                            mean_task_auc, "task_auc")
        # the refitted pipeline routes tasks= to every prediction method
        prediction = search.best_estimator_.predict_proba(X[:20], tasks=labels[:20])
        decision = search.best_estimator_.decision_function(X[:20], tasks=labels[:20])
    scaler, model = fit_scaled(cls, {**fixed, param: best}, X, y, labels)
    fitted = search.best_estimator_[-1]
    assert list(fitted.tasks_) == sorted(CITY)
    assert_same_model(fitted, model)
    expected = rows_decision(model, scaler.transform(X[:20]), labels[:20])
    np.testing.assert_allclose(decision, expected, rtol=1e-9, atol=ATOL)
    np.testing.assert_allclose(prediction[:, 1], sigmoid(expected), rtol=1e-9, atol=ATOL)


@pytest.mark.parametrize("cls, fixed, param, grid", SEARCHES)
def test_grid_search_shared_design_auc(cls, fixed, param, grid):
    """2-D y: decision_function has one column per task; roc_auc is their macro average."""
    X, Y = shared_data(2)
    splits = list(KFold(3, shuffle=True, random_state=0).split(X))
    pipe = Pipeline([("scale", StandardScaler()), ("model", cls(**fixed))])
    search = GridSearchCV(pipe, {f"model__{param}": grid}, cv=splits,
                          scoring=make_task_scorer("roc_auc"))
    search.fit(X, Y)
    best = check_search(search, cls, fixed, param, grid, X, Y, None, splits, pooled_auc)
    scaler, model = fit_scaled(cls, {**fixed, param: best}, X, Y)
    assert_same_model(search.best_estimator_[-1], model)
    expected = columns_decision(model, scaler.transform(X))
    np.testing.assert_allclose(search.decision_function(X), expected, rtol=1e-9, atol=ATOL)
    np.testing.assert_allclose(search.predict_proba(X), sigmoid(expected), rtol=1e-9, atol=ATOL)
    np.testing.assert_array_equal(search.predict(X), (expected > 0).astype(np.int64))


def frame_data(seed):
    X, y, index = routed_data(seed)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    frame.insert(2, "city", CITY[index])  # the labels sit between feature columns
    return frame, y, CITY[index], index


def frame_pipeline(cls, fixed, features):
    scale = ColumnTransformer([("scale", StandardScaler(), features)], remainder="passthrough",
                              verbose_feature_names_out=False).set_output(transform="pandas")
    return Pipeline([("columns", scale), ("model", cls(**fixed, task_column="city"))])


@pytest.mark.parametrize("cls, fixed, param, grid", SEARCHES)
def test_grid_search_task_column_dataframe_auc(cls, fixed, param, grid):
    frame, y, labels, index = frame_data(3)
    features = [c for c in frame.columns if c != "city"]
    splits = stratified_splits(index, y)
    search = GridSearchCV(frame_pipeline(cls, fixed, features), {f"model__{param}": grid},
                          cv=splits, scoring=make_task_scorer("roc_auc"))
    search.fit(frame, y)
    X = frame[features].to_numpy()
    best = check_search(search, cls, fixed, param, grid, X, y, labels, splits, pooled_auc)
    scaler, model = fit_scaled(cls, {**fixed, param: best}, X, y, labels)
    fitted = search.best_estimator_[-1]
    assert_same_model(fitted, model)
    assert list(fitted.feature_names_in_) == features
    expected = rows_decision(model, scaler.transform(X), labels)
    np.testing.assert_allclose(search.decision_function(frame), expected, rtol=1e-9, atol=ATOL)
    np.testing.assert_array_equal(search.predict(frame), (expected > 0).astype(np.int64))
    # the column order does not matter: the task column is found by name
    shuffled = frame[["city", *features[::-1]]]
    np.testing.assert_allclose(search.predict_proba(shuffled)[:, 1], sigmoid(expected),
                               rtol=1e-9, atol=ATOL)


def test_landmine_per_task_split_task_averaged_auc():
    """The Landmine data with a 20 % per-task training split: a sensible, converged fit."""
    X, y, tasks = load_landmine(return_X_y=True)
    X_tr, X_te, y_tr, y_te, t_tr, t_te = train_test_split_per_task(
        X, y, tasks=tasks, train_size=0.2, random_state=0
    )
    pipe = Pipeline([("scale", StandardScaler()),
                     ("model", MeanRegularizedClassifier(alpha=1.0, l2=0.01))])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        pipe.fit(X_tr, y_tr, model__tasks=t_tr)
    model = pipe[-1]
    assert model.certificate_ <= model.tol
    assert len(model.tasks_) == 29
    scaled = pipe[0].transform(X_te)
    decision = model.decision_function(scaled, tasks=t_te)
    np.testing.assert_allclose(decision, rows_decision(model, scaled, t_te), rtol=1e-9,
                               atol=1e-9)
    assert mean_task_auc(y_te, decision, t_te) > 0.7


# ============================================================================
# (b) separable data
# ============================================================================
def test_separable_fixture():
    X, y, tasks = separable_data()
    assert np.all((2 * y - 1) * X[:, 0] >= 0.5)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=ids)
def test_separable_data_with_a_bounding_penalty(cls):
    """A ridge, or a norm with alpha > 0: finite coefficients, converged, no warning."""
    X, y, tasks = separable_data(1)
    model = cls(**BOUNDED[cls])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, tasks=tasks)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    assert model.certificate_ <= model.tol
    assert model.score(X, y, tasks=tasks) == 1.0


@pytest.mark.parametrize("cls, params", [
    (MeanRegularizedClassifier, {"alpha": 0.0, "l2": 0.0}),
    (MeanRegularizedClassifier, {"alpha": 1.0, "l2": 0.0}),
    (GraphRegularizedClassifier, {"alpha": 1.0, "l2": 0.0}),
    (SharedParameterClassifier, {"alpha_shared": 0.0, "alpha_task": 1.0}),
    (TraceNormClassifier, {"alpha": 0.0, "l2": 0.0}),
    (JointFeatureClassifier, {"alpha": 0.0, "l2": 0.0}),
], ids=lambda v: v.__name__ if isinstance(v, type) else str(v))
def test_separable_data_without_a_bounding_penalty_warns(cls, params):
    """Nothing bounds the common direction that separates every task: the minimum does
    not exist, and a ConvergenceWarning says so."""
    X, y, tasks = separable_data(2)
    with pytest.warns(ConvergenceWarning, match="separat"):
        cls(**params).fit(X, y, tasks=tasks)


def test_one_separable_task_without_penalty_is_named():
    X, y, tasks = routed_data(4, sizes=(40, 50, 45))
    Xs, ys, _ = separable_data(4, sizes=(30,))
    X = np.vstack([X[:, :3], Xs])
    y = np.concatenate([y, ys])
    labels = np.concatenate([CITY[tasks], np.full(30, "zurich")])
    with pytest.warns(ConvergenceWarning, match=r"(?s)separat.*zurich|zurich.*separat"):
        MeanRegularizedClassifier(alpha=0.0, l2=0.0).fit(X, y, tasks=labels)
    # With a coupling, the others bound the separable task: the minimum exists, no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = MeanRegularizedClassifier(alpha=1.0, l2=0.0).fit(X, y, tasks=labels)
    assert np.all(np.isfinite(model.coef_))


# ============================================================================
# (c) a task whose training rows hold one class
# ============================================================================
@pytest.mark.parametrize("cls", ALL_CLASSES, ids=ids)
def test_one_class_task(cls):
    X, y, tasks = routed_data(5, sizes=(40, 50, 30, 45))
    words = np.array(["no", "yes"])[y]
    labels = CITY[tasks]
    words[labels == "nice"] = "yes"
    words[labels == "lyon"] = "no"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = cls(**BOUNDED[cls]).fit(X, words, tasks=labels)
    np.testing.assert_array_equal(model.classes_, ["no", "yes"])
    intercept = dict(zip(model.tasks_, model.intercept_, strict=True))
    assert intercept["nice"] == np.inf and intercept["lyon"] == -np.inf
    assert np.isfinite(intercept["lille"]) and np.isfinite(intercept["paris"])
    assert np.all(np.isfinite(model.coef_))
    decision = model.decision_function(X, tasks=labels)
    proba = model.predict_proba(X, tasks=labels)
    prediction = model.predict(X, tasks=labels)
    assert not np.any(np.isnan(decision)) and not np.any(np.isnan(proba))
    for city, word, column in (("nice", "yes", 1), ("lyon", "no", 0)):
        rows = labels == city
        assert np.all(prediction[rows] == word)
        np.testing.assert_array_equal(proba[rows, column], 1.0)
        np.testing.assert_array_equal(proba[rows, 1 - column], 0.0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert model.certificate_ <= model.tol


@pytest.mark.parametrize("cls", [MeanRegularizedClassifier, GraphRegularizedClassifier,
                                 TraceNormClassifier, JointFeatureClassifier], ids=ids)
def test_one_class_task_leaves_decoupled_tasks_alone(cls):
    """alpha = 0 and l2 > 0: the other tasks are fitted as if the one-class task were absent,
    and its own w_t, set by the ridge alone, is zero."""
    X, y, tasks = routed_data(6, sizes=(40, 50, 30, 45))
    y = y.copy()
    y[tasks == 2] = 0
    model = cls(alpha=0.0, l2=0.05, tol=1e-10).fit(X, y, tasks=tasks)
    keep = tasks != 2
    without = cls(alpha=0.0, l2=0.05, tol=1e-10).fit(X[keep], y[keep], tasks=tasks[keep])
    np.testing.assert_allclose(model.coef_[[0, 1, 3]], without.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(model.intercept_[[0, 1, 3]], without.intercept_, rtol=1e-8,
                               atol=1e-10)
    np.testing.assert_array_equal(model.coef_[2], 0.0)
    assert model.intercept_[2] == -np.inf


def test_one_class_column_in_shared_design():
    X, Y = shared_data(7)
    Y = Y.copy()
    Y[:, 1] = 1
    model = MeanRegularizedClassifier(alpha=0.5, l2=0.05).fit(X, Y)
    assert model.intercept_[1] == np.inf
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(proba[:, 1], 1.0)
    np.testing.assert_array_equal(model.predict(X)[:, 1], 1)
    assert not np.any(np.isnan(proba))


def test_one_class_task_without_intercept_is_finite():
    """Without an intercept the one-class task's loss is attained: a finite fit."""
    X, y, tasks = routed_data(8, sizes=(40, 50, 30))
    y = y.copy()
    y[tasks == 1] = 1
    model = MeanRegularizedClassifier(alpha=0.5, l2=0.05, fit_intercept=False).fit(
        X, y, tasks=tasks)
    np.testing.assert_array_equal(model.intercept_, 0.0)
    assert np.all(np.isfinite(model.coef_)) and np.linalg.norm(model.coef_[1]) > 0


# ============================================================================
# (d) more than two classes
# ============================================================================
@pytest.mark.parametrize("cls", ALL_CLASSES, ids=ids)
def test_more_than_two_classes_is_an_error(cls):
    X, _, tasks = routed_data(9)
    y = np.arange(len(tasks)) % 3
    with pytest.raises(ValueError, match="Only binary"):
        cls().fit(X, y, tasks=tasks)
    # also in a shared design
    with pytest.raises(ValueError, match="Only binary"):
        cls().fit(X, np.stack([y, y], axis=1))


def test_one_vs_rest_with_task_column():
    frame, _, labels, index = frame_data(10)
    X = frame.drop(columns="city").to_numpy()
    rng = np.random.default_rng(10)
    y = np.argmax((X - X.mean(axis=0)) / X.std(axis=0) @ rng.standard_normal((X.shape[1], 3))
                  + rng.standard_normal((len(X), 3)), axis=1)
    base = MeanRegularizedClassifier(alpha=0.5, l2=0.05, task_column="city")
    ovr = OneVsRestClassifier(base).fit(frame, y)
    np.testing.assert_array_equal(ovr.classes_, [0, 1, 2])
    proba = ovr.predict_proba(frame)
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    prediction = ovr.predict(frame)
    assert prediction.shape == (len(y),) and set(np.unique(prediction)) <= {0, 1, 2}
    assert accuracy_score(y, prediction) > 0.5
    # every binary model is a direct fit of "class k against the rest"
    for k, fitted in enumerate(ovr.estimators_):
        direct = MeanRegularizedClassifier(alpha=0.5, l2=0.05).fit(X, (y == k).astype(int),
                                                                   tasks=labels)
        assert_same_model(fitted, direct)
    decision = np.stack([rows_decision(e, X, labels) for e in ovr.estimators_], axis=1)
    np.testing.assert_array_equal(prediction, np.argmax(decision, axis=1))


# ============================================================================
# (e) labels, probabilities, decisions and the accuracy score
# ============================================================================
@pytest.mark.parametrize("cls", ALL_CLASSES, ids=ids)
def test_string_labels_probabilities_and_decisions(cls):
    X, y, tasks = routed_data(11)
    words = np.array(["no", "yes"])[y]
    s = np.random.default_rng(11).uniform(0.2, 3.0, len(y))
    model = cls(**BOUNDED[cls]).fit(X, words, tasks=tasks, sample_weight=s)
    np.testing.assert_array_equal(model.classes_, ["no", "yes"])
    decision = model.decision_function(X, tasks=tasks)
    np.testing.assert_allclose(decision, rows_decision(model, X, tasks), rtol=1e-12, atol=1e-12)
    proba = model.predict_proba(X, tasks=tasks)
    prediction = model.predict(X, tasks=tasks)
    assert proba.shape == (len(y), 2) and prediction.shape == (len(y),)
    assert set(np.unique(prediction)) <= {"no", "yes"}
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(proba[:, 1], sigmoid(decision), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(model.classes_[np.argmax(proba, axis=1)], prediction)
    np.testing.assert_array_equal(decision > 0, prediction == model.classes_[1])
    assert model.score(X, words, tasks=tasks) == accuracy_score(words, prediction)
    np.testing.assert_allclose(model.score(X, words, tasks=tasks, sample_weight=s),
                               accuracy_score(words, prediction, sample_weight=s), rtol=1e-14)
    assert 0.6 < model.score(X, words, tasks=tasks) < 1.0


def test_labels_minus_one_plus_one_and_booleans():
    X, y, tasks = routed_data(12)
    reference = MeanRegularizedClassifier(alpha=0.5, l2=0.05).fit(X, y, tasks=tasks)
    for labels in (2 * y - 1, y.astype(bool), np.array(["a", "b"], dtype=object)[y]):
        model = MeanRegularizedClassifier(alpha=0.5, l2=0.05).fit(X, labels, tasks=tasks)
        np.testing.assert_array_equal(model.classes_, np.unique(labels))
        assert_same_model(model, reference)
        np.testing.assert_array_equal(model.predict(X, tasks=tasks),
                                      np.unique(labels)[reference.predict(X, tasks=tasks)])


def test_shared_design_probabilities_and_score():
    X, Y = shared_data(13)
    model = MeanRegularizedClassifier(alpha=0.5, l2=0.05).fit(X, Y)
    np.testing.assert_array_equal(model.classes_, [0, 1])
    decision = model.decision_function(X)
    np.testing.assert_allclose(decision, columns_decision(model, X), rtol=1e-12, atol=1e-12)
    proba = model.predict_proba(X)
    assert proba.shape == Y.shape  # the probability of classes_[1], one column per task
    np.testing.assert_allclose(proba, sigmoid(decision), rtol=1e-12, atol=1e-15)
    prediction = model.predict(X)
    np.testing.assert_array_equal(prediction, (decision > 0).astype(np.int64))
    # score: subset accuracy (a row counts when every task is right)
    assert model.score(X, Y) == np.mean(np.all(prediction == Y, axis=1))
    # tasks= picks one column per row
    rows = np.arange(len(X)) % Y.shape[1]
    np.testing.assert_allclose(model.predict_proba(X, tasks=rows)[:, 1],
                               proba[np.arange(len(X)), rows], rtol=1e-12)


def test_shared_design_string_labels():
    """2-D string labels: fit, predict and score (subset accuracy) work as with 0/1."""
    X, Y = shared_data(13)
    words = np.array(["no", "yes"])[Y]
    model = MeanRegularizedClassifier(alpha=0.5, l2=0.05).fit(X, words)
    reference = MeanRegularizedClassifier(alpha=0.5, l2=0.05).fit(X, Y)
    np.testing.assert_array_equal(model.classes_, ["no", "yes"])
    assert_same_model(model, reference)
    prediction = model.predict(X)
    np.testing.assert_array_equal(prediction, np.array(["no", "yes"])[reference.predict(X)])
    assert model.score(X, words) == reference.score(X, Y)


def test_one_dimensional_target_is_one_task():
    X, y, _ = routed_data(14)
    model = TraceNormClassifier(alpha=0.01).fit(X, y)
    assert list(model.tasks_) == [0] and model.coef_.shape == (1, X.shape[1])
    assert model.decision_function(X).shape == (len(y),)
    assert model.predict_proba(X).shape == (len(y), 2)
    assert model.predict(X).shape == (len(y),)


@pytest.mark.parametrize("cls", [MeanRegularizedClassifier, GraphRegularizedClassifier],
                         ids=ids)
def test_float32_converges_with_default_parameters(cls):
    """float32 data: the default tol (1e-6) is met and the fit is that of float64."""
    X, y, tasks = routed_data(15, sizes=(30, 30, 30))
    X = StandardScaler().fit_transform(X)  # well conditioned in float32
    params = {"l2": 0.1}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = cls(**params).fit(X.astype(np.float32), y, tasks=tasks)
    assert model.coef_.dtype == np.float32
    assert model.predict_proba(X.astype(np.float32), tasks=tasks).dtype == np.float32
    reference = cls(**params).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-4, atol=1e-4)


# ============================================================================
# (f) warm start
# ============================================================================
def _warm_start_cases():
    for cls in ALL_CLASSES:
        options = sorted(set(cls._parameter_constraints["solver"][0].options) - {"cvxpy"})
        for solver in options:
            yield pytest.param(cls, solver, id=f"{cls.__name__}-{solver}")


@pytest.mark.parametrize("cls, solver", list(_warm_start_cases()))
def test_warm_start_from_a_nearby_solution(cls, solver):
    X, y, tasks = routed_data(16)
    X = StandardScaler().fit_transform(X)  # accelerated gradient needs centred features
    first = BOUNDED[cls]
    name = "alpha_task" if cls is SharedParameterClassifier else "alpha"
    second = {**first, name: first[name] * 1.05}
    kwargs = {"solver": solver, "tol": 1e-7, "max_iter": 5000}
    cold = cls(**second, **kwargs).fit(X, y, tasks=tasks)
    warm = cls(**first, warm_start=True, **kwargs).fit(X, y, tasks=tasks)
    warm.set_params(**second).fit(X, y, tasks=tasks)
    assert cold.certificate_ <= 1e-7 and warm.certificate_ <= 1e-7
    # Accelerated gradient checks its certificate every 10 steps, so it may tie.
    assert warm.n_iter_ <= cold.n_iter_ - (1 if solver == "newton" else 0), (
        warm.n_iter_, cold.n_iter_)
    np.testing.assert_allclose(warm.coef_, cold.coef_, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(warm.intercept_, cold.intercept_, rtol=1e-4, atol=1e-4)
    # Refitting the same problem from its own solution stops at the first check of the
    # certificate: one Newton step, or the first 10 accelerated gradient steps.
    warm.fit(X, y, tasks=tasks)
    assert warm.n_iter_ <= (1 if solver == "newton" else 10)
    assert warm.certificate_ <= 1e-7


def test_warm_start_ignores_a_previous_fit_of_another_shape():
    X, y, tasks = routed_data(17)
    model = MeanRegularizedClassifier(alpha=0.5, l2=0.05, warm_start=True)
    model.fit(X[tasks < 2], y[tasks < 2], tasks=tasks[tasks < 2])
    model.fit(X, y, tasks=tasks)
    cold = MeanRegularizedClassifier(alpha=0.5, l2=0.05).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(model.coef_, cold.coef_, rtol=1e-5, atol=1e-6)


def test_warm_start_after_a_one_class_task():
    X, y, tasks = routed_data(18)
    y = y.copy()
    y[tasks == 0] = 1
    model = MeanRegularizedClassifier(alpha=0.5, l2=0.05, warm_start=True).fit(X, y, tasks=tasks)
    model.fit(X, y, tasks=tasks)
    assert model.intercept_[0] == np.inf and np.all(np.isfinite(model.coef_))
    assert model.n_iter_ == 1 and model.certificate_ <= model.tol


# ============================================================================
# (g) population predictions
# ============================================================================
@pytest.mark.parametrize("design", ["routed", "task_column"])
def test_predict_population_returns_class_labels(design):
    X, y, tasks = routed_data(19)
    words = np.array(["no", "yes"])[y]
    words[tasks == 3] = "yes"  # a one-class task: its infinite intercept is left out
    if design == "routed":
        fit_args, fit_kw, X_pred = (X, words), {"tasks": tasks}, X
        task_column = None
    else:
        X_pred = np.insert(X, 1, tasks, axis=1)
        fit_args, fit_kw, task_column = (X_pred, words), {}, 1
    shared = SharedParameterClassifier(alpha_shared=0.3, alpha_task=0.6,
                                       task_column=task_column).fit(*fit_args, **fit_kw)
    mean = MeanRegularizedClassifier(alpha=0.5, l2=0.05,
                                     task_column=task_column).fit(*fit_args, **fit_kw)
    for model, coef in ((shared, shared.shared_coef_), (mean, mean.mean_coef_)):
        assert model.intercept_[3] == np.inf
        finite_mean = np.mean(model.intercept_[:3])
        expected = np.where(X @ coef + finite_mean > 0, "yes", "no")
        prediction = model.predict_population(X_pred)
        assert prediction.shape == (len(y),)
        assert set(np.unique(prediction)) <= {"no", "yes"}
        np.testing.assert_array_equal(prediction, expected)
    T = len(shared.tasks_)
    np.testing.assert_allclose(shared.shared_coef_,
                               0.6 * shared.coef_.sum(axis=0) / (0.3 + T * 0.6),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mean.mean_coef_, mean.coef_.mean(axis=0), rtol=1e-12, atol=1e-14)


# ============================================================================
# (h) parameter validation
# ============================================================================
def _invalid_cases():
    for cls in ALL_CLASSES:
        names = (("alpha_shared", "alpha_task") if cls is SharedParameterClassifier
                 else ("alpha", "l2"))
        for name in names:
            yield pytest.param(cls, {name: -0.1}, id=f"{cls.__name__}-{name}-negative")
        for solver in ("unknown", "admm", "closed_form", "cg", "newton-cg", None):
            yield pytest.param(cls, {"solver": solver}, id=f"{cls.__name__}-{solver}")
        yield pytest.param(cls, {"tol": -1.0}, id=f"{cls.__name__}-tol")
        yield pytest.param(cls, {"max_iter": 0}, id=f"{cls.__name__}-max_iter")
        yield pytest.param(cls, {"task_weights": "equal"}, id=f"{cls.__name__}-task_weights")
    for cls in (TraceNormClassifier, JointFeatureClassifier):
        yield pytest.param(cls, {"solver": "newton"}, id=f"{cls.__name__}-newton")


@pytest.mark.parametrize("cls, params", list(_invalid_cases()))
def test_invalid_parameters_raise(cls, params):
    X, y, tasks = routed_data(20)
    with pytest.raises(ValueError):
        cls(**params).fit(X, y, tasks=tasks)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=ids)
def test_invalid_data_raise(cls):
    X, y, tasks = routed_data(21)
    with pytest.raises(ValueError, match="two classes"):
        cls().fit(X, np.ones_like(y), tasks=tasks)
    with pytest.raises(ValueError):
        cls(task_weights=[1.0, 2.0]).fit(X, y, tasks=tasks)  # 4 tasks
    with pytest.raises(ValueError):
        cls().fit(X, y, tasks=tasks, sample_weight=-np.ones(len(y)))
    with pytest.raises(NotFittedError):
        cls().predict(X, tasks=tasks)
    model = cls(**BOUNDED[cls]).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="tasks="):
        model.predict(X)
    with pytest.raises(ValueError, match="7"):
        model.predict_proba(X, tasks=np.full(len(y), 7))


def test_graph_classifier_rejects_a_bad_task_graph():
    X, y, tasks = routed_data(22)
    with pytest.raises(ValueError, match="shape"):
        GraphRegularizedClassifier(task_graph=np.ones((3, 3))).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="symmetric"):
        GraphRegularizedClassifier(task_graph=np.triu(np.ones((4, 4)))).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="non-negative"):
        GraphRegularizedClassifier(task_graph=-np.ones((4, 4))).fit(X, y, tasks=tasks)


def test_make_multitask_classification_round_trip():
    """The generator's data: every classifier fits them and beats chance on them."""
    X, y, tasks, _ = make_multitask_classification(n_tasks=4, n_features=5, n_samples=60,
                                                   class_sep=2.0, random_state=0)
    for cls in ALL_CLASSES:
        model = cls(**BOUNDED[cls]).fit(X, y, tasks=tasks)
        assert model.score(X, y, tasks=tasks) > 0.7
        assert model.certificate_ <= model.tol


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=ids)
def test_padded_and_sorted_row_layouts_agree(cls, monkeypatch):
    """Tasks of similar sizes are padded into slabs, very unequal ones kept sorted."""
    from skmtl import _padding

    X, y, tasks = routed_data(31, sizes=(12, 90, 40))
    fits = {}
    for name, limit in (("padded", np.inf), ("sorted", 0.0)):
        monkeypatch.setattr(_padding, "PADDING_LIMIT", limit)
        fits[name] = cls(**BOUNDED[cls], tol=1e-12).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(fits["padded"].coef_, fits["sorted"].coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fits["padded"].intercept_, fits["sorted"].intercept_, rtol=1e-7,
                               atol=1e-9)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=ids)
def test_one_class_task_without_intercept_keeps_its_rows(cls):
    """Without intercepts a one-class task's loss has a minimum: its rows stay in the fit."""
    from skmtl.solvers.reference_cvxpy import solve_reference

    rng = np.random.default_rng(5)
    tasks = np.repeat([0, 1, 2], 20)
    X = rng.standard_normal((60, 3))
    y = (rng.random(60) < 0.5).astype(np.int64)
    y[tasks == 1] = 1
    model = cls(**BOUNDED[cls], fit_intercept=False, tol=1e-10).fit(X, y, tasks=tasks)
    reference = solve_reference(model._family, X, np.where(y == 1, 1.0, -1.0), tasks, 3,
                                model._reference_params(), fit_intercept=False,
                                loss="logistic")
    np.testing.assert_allclose(model.coef_, reference["coef"], atol=2e-6)
    assert np.all(model.intercept_ == 0)
