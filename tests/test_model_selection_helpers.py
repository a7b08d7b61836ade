"""Tests of the task-aware scorer factory and the per-task train/test split."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import (
    average_precision_score,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmtl.model_selection import (
    make_task_scorer,
    task_averaged,
    train_test_split_per_task,
)

# ---------------------------------------------------------------------------
# A tiny multi-task regressor: per-task intercept plus a shared linear part.
# ---------------------------------------------------------------------------


class PerTaskOffset(RegressorMixin, BaseEstimator):
    """Shared ridge slope plus a per-task mean offset; needs ``tasks`` to fit and predict."""

    __metadata_request__fit = {"tasks": True}
    __metadata_request__predict = {"tasks": True}
    __metadata_request__score = {"tasks": True}

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y, tasks=None, sample_weight=None):
        if tasks is None:
            raise ValueError("PerTaskOffset.fit needs tasks")
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        tasks = np.asarray(tasks)
        self.offsets_ = {t: y[tasks == t].mean() for t in np.unique(tasks)}
        residual = y - np.array([self.offsets_[t] for t in tasks])
        d = X.shape[1]
        self.coef_ = np.linalg.solve(X.T @ X + self.alpha * np.eye(d), X.T @ residual)
        return self

    def predict(self, X, tasks=None):
        if tasks is None:
            raise ValueError("PerTaskOffset.predict needs tasks")
        X = np.asarray(X, dtype=float)
        return X @ self.coef_ + np.array([self.offsets_[t] for t in np.asarray(tasks)])

    def score(self, X, y, tasks=None, sample_weight=None):
        return r2_score(y, self.predict(X, tasks=tasks), sample_weight=sample_weight)


class RecordingRegressor(RegressorMixin, BaseEstimator):
    """Predicts zeros and records the keyword arguments ``predict`` received."""

    def fit(self, X, y):
        self.calls_ = []
        return self

    def predict(self, X, **kwargs):
        self.calls_.append(kwargs)
        return np.zeros(len(X))


def _make_data(n_per_task=30, n_tasks=3, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    n = n_per_task * n_tasks
    X = rng.normal(size=(n, n_features))
    # Interleave the tasks so that unshuffled folds still hold every task.
    tasks = np.tile(np.array(["a", "b", "c", "d", "e"][:n_tasks]), n_per_task)
    offsets = {label: 3.0 * k for k, label in enumerate(np.unique(tasks))}
    y = X @ rng.normal(size=n_features) + np.array([offsets[t] for t in tasks])
    y = y + 0.5 * rng.normal(size=n)
    return X, y, tasks


def _pipeline(alpha=1.0):
    return Pipeline([("scale", StandardScaler()), ("model", PerTaskOffset(alpha=alpha))])


# ---------------------------------------------------------------------------
# Metadata-request defaults
# ---------------------------------------------------------------------------


def test_class_level_metadata_request_defaults_work():
    routing = PerTaskOffset().get_metadata_routing()
    assert routing.fit.requests["tasks"] is True
    assert routing.predict.requests["tasks"] is True
    assert routing.score.requests["tasks"] is True


def test_scorer_default_requests_and_repr():
    scorer = make_task_scorer(r2_score)
    requests = scorer.get_metadata_routing().score.requests
    assert requests == {"tasks": True, "sample_weight": True}
    assert repr(scorer) == "make_task_scorer(r2_score, response_method='predict')"

    neg = make_task_scorer(mean_squared_error, greater_is_better=False, squared=True)
    assert repr(neg) == (
        "make_task_scorer(mean_squared_error, greater_is_better=False, "
        "response_method='predict', squared=True)"
    )


def test_scorer_does_not_request_sample_weight_the_metric_cannot_take():
    def metric(y_true, y_pred):
        return float(np.mean(y_true == y_pred))

    requests = make_task_scorer(metric).get_metadata_routing().score.requests
    assert requests == {"tasks": True}


def test_set_score_request_updates_and_needs_routing():
    scorer = make_task_scorer(r2_score)
    with pytest.raises(RuntimeError, match="metadata routing"):
        scorer.set_score_request(sample_weight=False)
    with sklearn.config_context(enable_metadata_routing=True):
        assert scorer.set_score_request(sample_weight=False) is scorer
        assert scorer.get_metadata_routing().score.requests == {
            "tasks": True,
            "sample_weight": False,
        }
        scorer.set_score_request(tasks="task_ids")
        assert scorer.get_metadata_routing().score.requests["tasks"] == "task_ids"
        with pytest.raises(ValueError, match="alias"):
            scorer.set_score_request(tasks="not an identifier")


def test_set_score_request_rejects_fixed_kwargs():
    scorer = make_task_scorer(r2_score, sample_weight=np.ones(3))
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(ValueError, match="fixed keyword"):
            scorer.set_score_request(sample_weight=True)


# ---------------------------------------------------------------------------
# Direct calls
# ---------------------------------------------------------------------------


def test_scorer_passes_tasks_to_predict():
    X, y, tasks = _make_data()
    est = PerTaskOffset().fit(X, y, tasks=tasks)
    scorer = make_task_scorer(r2_score)
    expected = r2_score(y, est.predict(X, tasks=tasks))
    assert scorer(est, X, y, tasks=tasks) == pytest.approx(expected)
    # Without labels the estimator is called without them, and it refuses.
    with pytest.raises(ValueError, match="needs tasks"):
        scorer(est, X, y)


def test_scorer_calls_predict_without_tasks_when_none_given():
    X, y, tasks = _make_data()
    est = RecordingRegressor().fit(X, y)
    scorer = make_task_scorer(mean_squared_error, greater_is_better=False)
    score = scorer(est, X, y)
    assert est.calls_ == [{}]
    assert score == pytest.approx(-mean_squared_error(y, np.zeros_like(y)))
    scorer(est, X, y, tasks=tasks)
    assert list(est.calls_[1]) == ["tasks"]
    np.testing.assert_array_equal(est.calls_[1]["tasks"], tasks)


@pytest.mark.parametrize("routing", [False, True])
def test_scorer_gives_tasks_to_a_pipeline_only_when_a_step_takes_them(routing):
    """A Pipeline's methods take **params: the labels go to it when routing sends them
    to a step that consumes them (a task model), never to a pipeline of a single-task
    model, which is scored on its predictions with the task-averaged metric."""
    from sklearn.pipeline import make_pipeline

    from skmtl import MeanRegularizedClassifier
    from skmtl.datasets import make_multitask_classification

    X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    scorer = make_task_scorer("mean_task_roc_auc")
    metric = task_averaged(roc_auc_score)
    with sklearn.config_context(enable_metadata_routing=routing):
        single = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
        expected = metric(y, single.decision_function(X), tasks=tasks)
        assert scorer(single, X, y, tasks=tasks) == pytest.approx(expected)
        if routing:
            multi = make_pipeline(StandardScaler(), MeanRegularizedClassifier())
            multi.fit(X, y, tasks=tasks)
            expected = metric(y, multi.decision_function(X, tasks=tasks), tasks=tasks)
            assert scorer(multi, X, y, tasks=tasks) == pytest.approx(expected)


def test_scorer_sample_weight_and_kwargs_reach_the_metric():
    X, y, tasks = _make_data()
    est = PerTaskOffset().fit(X, y, tasks=tasks)
    weights = np.linspace(0.5, 2.0, len(y))
    y_pred = est.predict(X, tasks=tasks)
    scorer = make_task_scorer(r2_score)
    assert scorer(est, X, y, tasks=tasks, sample_weight=weights) == pytest.approx(
        r2_score(y, y_pred, sample_weight=weights)
    )
    Y = np.column_stack([y, 2 * y])
    multi = LinearRegression().fit(X, Y)
    raw = make_task_scorer(r2_score, multioutput="raw_values")
    np.testing.assert_allclose(
        raw(multi, X, Y), r2_score(Y, multi.predict(X), multioutput="raw_values")
    )


def test_scorer_forwards_tasks_to_metrics_that_name_them():
    X, y, tasks = _make_data()
    est = PerTaskOffset().fit(X, y, tasks=tasks)

    def mean_task_r2(y_true, y_pred, tasks):
        tasks = np.asarray(tasks)
        return np.mean([r2_score(y_true[tasks == t], y_pred[tasks == t]) for t in np.unique(tasks)])

    scorer = make_task_scorer(mean_task_r2)
    y_pred = est.predict(X, tasks=tasks)
    assert scorer(est, X, y, tasks=tasks) == pytest.approx(mean_task_r2(y, y_pred, tasks))


def test_scorer_without_tasks_matches_builtin_r2_on_shared_design():
    X, y, _ = _make_data()
    Y = np.column_stack([y, -y, 0.5 * y])  # shared design: one column per task
    est = Ridge().fit(X, Y)
    assert make_task_scorer("r2")(est, X, Y) == pytest.approx(r2_score(Y, est.predict(X)))


def test_named_metrics():
    X, y, tasks = _make_data()
    est = PerTaskOffset().fit(X, y, tasks=tasks)
    y_pred = est.predict(X, tasks=tasks)
    assert make_task_scorer("r2")(est, X, y, tasks=tasks) == pytest.approx(r2_score(y, y_pred))
    assert make_task_scorer("neg_mean_squared_error")(est, X, y, tasks=tasks) == pytest.approx(
        -mean_squared_error(y, y_pred)
    )
    assert "greater_is_better=False" in repr(make_task_scorer("neg_mean_absolute_error"))

    Xc, yc = X, (y > np.median(y)).astype(int)
    clf = LogisticRegression().fit(Xc, yc)
    assert make_task_scorer("roc_auc")(clf, Xc, yc) == pytest.approx(
        roc_auc_score(yc, clf.decision_function(Xc))
    )
    assert make_task_scorer("accuracy")(clf, Xc, yc) == pytest.approx(clf.score(Xc, yc))


def test_predict_proba_binary_takes_positive_column():
    X, y, _ = _make_data()
    labels = np.where(y > np.median(y), "yes", "no")
    clf = GaussianNB().fit(X, labels)  # predict_proba, no decision_function
    proba = clf.predict_proba(X)

    auc = make_task_scorer(roc_auc_score, response_method=("decision_function", "predict_proba"))
    assert auc(clf, X, labels) == pytest.approx(roc_auc_score(labels, proba[:, 1]))

    # pos_label picks the column of that class.
    ap_no = make_task_scorer(
        average_precision_score, response_method="predict_proba", pos_label="no"
    )
    assert ap_no(clf, X, labels) == pytest.approx(
        average_precision_score(labels, proba[:, 0], pos_label="no")
    )


def test_missing_response_method_raises():
    X, y, tasks = _make_data()
    est = PerTaskOffset().fit(X, y, tasks=tasks)
    with pytest.raises(AttributeError, match="predict_proba"):
        make_task_scorer(roc_auc_score, response_method="predict_proba")(est, X, y, tasks=tasks)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("no_such_metric",), {}, ValueError, "Unknown metric name"),
        (("r2",), {"response_method": "predict_proba"}, ValueError, "fixes response_method"),
        (("r2",), {"greater_is_better": False}, ValueError, "fixes response_method"),
        ((42,), {}, TypeError, "callable"),
        ((r2_score,), {"response_method": ()}, ValueError, "response_method"),
        ((r2_score,), {"response_method": 3}, ValueError, "response_method"),
        ((r2_score,), {"greater_is_better": "yes"}, TypeError, "greater_is_better"),
    ],
)
def test_make_task_scorer_validation(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        make_task_scorer(*args, **kwargs)


def test_scorer_pickles():
    X, y, tasks = _make_data()
    est = PerTaskOffset().fit(X, y, tasks=tasks)
    scorer = make_task_scorer(r2_score)
    clone = pickle.loads(pickle.dumps(scorer))
    assert clone(est, X, y, tasks=tasks) == scorer(est, X, y, tasks=tasks)
    assert repr(clone) == repr(scorer)


# ---------------------------------------------------------------------------
# Model selection with metadata routing
# ---------------------------------------------------------------------------


def _fixed_folds(n, n_folds=3, seed=0):
    return list(KFold(n_folds, shuffle=True, random_state=seed).split(np.zeros((n, 1))))


def _score_by_hand(alpha, X, y, tasks, train, test, sample_weight=None):
    model = _pipeline(alpha)
    with sklearn.config_context(enable_metadata_routing=True):
        model.fit(X[train], y[train], tasks=tasks[train])
        y_pred = model.predict(X[test], tasks=tasks[test])
    weights = None if sample_weight is None else sample_weight[test]
    return r2_score(y[test], y_pred, sample_weight=weights)


def test_grid_search_pipeline_routes_tasks_to_fit_and_scorer():
    X, y, tasks = _make_data()
    folds = _fixed_folds(len(y))
    grid = {"model__alpha": [0.01, 10.0]}
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(_pipeline(), grid, scoring=make_task_scorer(r2_score), cv=folds)
        search.fit(X, y, tasks=tasks)
        test_score = search.score(X, y, tasks=tasks)

    for i, alpha in enumerate(search.cv_results_["param_model__alpha"]):
        for k, (train, test) in enumerate(folds):
            expected = _score_by_hand(alpha, X, y, tasks, train, test)
            assert search.cv_results_[f"split{k}_test_score"][i] == pytest.approx(expected)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))

    best = search.best_estimator_
    with sklearn.config_context(enable_metadata_routing=True):
        assert test_score == pytest.approx(r2_score(y, best.predict(X, tasks=tasks)))


def test_grid_search_routes_sample_weight_to_scorer():
    X, y, tasks = _make_data()
    weights = np.linspace(0.2, 3.0, len(y))
    folds = _fixed_folds(len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        # The weights are for the scorer only; the pipeline's steps decline them.
        model = Pipeline(
            [
                ("scale", StandardScaler().set_fit_request(sample_weight=False)),
                ("model", PerTaskOffset().set_fit_request(sample_weight=False)),
            ]
        )
        search = GridSearchCV(
            model, {"model__alpha": [1.0]}, scoring=make_task_scorer("r2"), cv=folds
        )
        search.fit(X, y, tasks=tasks, sample_weight=weights)
    for k, (train, test) in enumerate(folds):
        expected = _score_by_hand(1.0, X, y, tasks, train, test, sample_weight=weights)
        assert search.cv_results_[f"split{k}_test_score"][0] == pytest.approx(expected)


def test_cross_validate_single_and_multi_metric():
    X, y, tasks = _make_data()
    folds = _fixed_folds(len(y), n_folds=4, seed=1)
    scoring = {"r2": make_task_scorer(r2_score), "mse": make_task_scorer("neg_mean_squared_error")}
    with sklearn.config_context(enable_metadata_routing=True):
        single = cross_validate(
            _pipeline(), X, y, params={"tasks": tasks}, scoring=make_task_scorer("r2"), cv=folds
        )
        multi = cross_validate(
            _pipeline(), X, y, params={"tasks": tasks}, scoring=scoring, cv=folds
        )
        plain = cross_val_score(
            _pipeline(), X, y, params={"tasks": tasks}, scoring=make_task_scorer("r2"), cv=folds
        )
    expected = [_score_by_hand(1.0, X, y, tasks, tr, te) for tr, te in folds]
    np.testing.assert_allclose(single["test_score"], expected)
    np.testing.assert_allclose(multi["test_r2"], expected)
    np.testing.assert_allclose(plain, expected)
    assert np.all(multi["test_mse"] < 0)


def test_cross_validate_with_aliased_task_request():
    X, y, tasks = _make_data()
    folds = _fixed_folds(len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_task_scorer(r2_score).set_score_request(tasks="task_ids")
        model = Pipeline(
            [
                ("scale", StandardScaler()),
                ("model", PerTaskOffset().set_fit_request(tasks="task_ids")),
            ]
        )
        scores = cross_val_score(model, X, y, params={"task_ids": tasks}, scoring=scorer, cv=folds)
    np.testing.assert_allclose(
        scores, [_score_by_hand(1.0, X, y, tasks, tr, te) for tr, te in folds]
    )


def test_without_routing_scorer_behaves_like_a_plain_scorer():
    X, y, _ = _make_data()
    Y = np.column_stack([y, 0.5 * y + 1.0])  # shared design, tasks are the columns
    folds = _fixed_folds(len(y))
    ours = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, scoring=make_task_scorer("r2"), cv=folds)
    builtin = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, scoring="r2", cv=folds)
    ours.fit(X, Y)
    builtin.fit(X, Y)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], builtin.cv_results_["mean_test_score"]
    )
    np.testing.assert_allclose(
        cross_val_score(Ridge(), X, Y, scoring=make_task_scorer("r2"), cv=folds),
        cross_val_score(Ridge(), X, Y, scoring="r2", cv=folds),
    )


def test_without_routing_search_sample_weight_reaches_scorer():
    X, y, _ = _make_data()
    weights = np.linspace(0.2, 3.0, len(y))
    folds = _fixed_folds(len(y))
    ours = GridSearchCV(LinearRegression(), {}, scoring=make_task_scorer("r2"), cv=folds)
    builtin = GridSearchCV(LinearRegression(), {}, scoring="r2", cv=folds)
    ours.fit(X, y, sample_weight=weights)
    builtin.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], builtin.cv_results_["mean_test_score"]
    )


# ---------------------------------------------------------------------------
# task_averaged and the "mean_task_roc_auc" scorer
# ---------------------------------------------------------------------------


class PerTaskProbaClassifier(ClassifierMixin, BaseEstimator):
    """One ``LogisticRegression`` per task, with ``predict_proba`` only."""

    __metadata_request__fit = {"tasks": True}
    __metadata_request__predict_proba = {"tasks": True}

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y, tasks=None):
        if tasks is None:
            raise ValueError(f"{type(self).__name__}.fit needs tasks")
        tasks = np.asarray(tasks)
        self.classes_ = np.unique(y)
        self.models_ = {
            t: LogisticRegression(C=self.C).fit(X[tasks == t], y[tasks == t])
            for t in np.unique(tasks)
        }
        return self

    def _per_task(self, method, X, tasks):
        if tasks is None:
            raise ValueError(f"{type(self).__name__}.{method} needs tasks")
        tasks = np.asarray(tasks)
        parts = {t: getattr(self.models_[t], method)(X[tasks == t]) for t in np.unique(tasks)}
        out = np.empty((len(X), *next(iter(parts.values())).shape[1:]))
        for t, values in parts.items():
            out[tasks == t] = values
        return out

    def predict_proba(self, X, tasks=None):
        return self._per_task("predict_proba", X, tasks)


class PerTaskLogistic(PerTaskProbaClassifier):
    """One ``LogisticRegression`` per task, with ``decision_function`` too."""

    __metadata_request__decision_function = {"tasks": True}

    def decision_function(self, X, tasks=None):
        return self._per_task("decision_function", X, tasks)


class SharedDesignScores(ClassifierMixin, BaseEstimator):
    """Shared design stub: the decision of task (column) t is feature t."""

    def fit(self, X, Y):
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X):
        return np.asarray(X)[:, :3]


def _make_classification_data(n_per_task=40, seed=0):
    X, y, tasks = _make_data(n_per_task=n_per_task, seed=seed)
    rng = np.random.default_rng(seed + 1)
    # Noisy labels, both classes in every task: above the task's median or not.
    noisy = y + 2.0 * rng.normal(size=y.shape)
    labels = np.zeros(len(y), dtype=int)
    for t in np.unique(tasks):
        rows = tasks == t
        labels[rows] = noisy[rows] > np.median(noisy[rows])
    return X, labels, tasks


def _mean_task_auc_by_hand(y_true, y_score, tasks, sample_weight=None):
    aucs = []
    for t in np.unique(tasks):
        rows = tasks == t
        weights = None if sample_weight is None else sample_weight[rows]
        aucs.append(roc_auc_score(y_true[rows], y_score[rows], sample_weight=weights))
    return sum(aucs) / len(aucs)


def test_task_averaged_is_the_unweighted_mean_of_per_task_auc():
    X, y, tasks = _make_classification_data()
    score = X[:, 0] - 0.5 * X[:, 1]
    # Unequal task sizes: the mean over tasks differs from the size-weighted mean.
    keep = ~((tasks == "a") & (np.arange(len(y)) % 3 == 0))
    y, score, tasks = y[keep], score[keep], tasks[keep]
    metric = task_averaged(roc_auc_score)
    expected = _mean_task_auc_by_hand(y, score, tasks)
    assert metric(y, score, tasks=tasks) == pytest.approx(expected)
    assert metric(list(y), list(score), tasks=list(tasks)) == pytest.approx(expected)
    assert isinstance(metric(y, score, tasks=tasks), float)
    # Not the AUC of the pooled rows.
    assert metric(y, score, tasks=tasks) != pytest.approx(roc_auc_score(y, score))

    weights = np.linspace(0.5, 2.0, len(y))
    assert metric(y, score, tasks=tasks, sample_weight=weights) == pytest.approx(
        _mean_task_auc_by_hand(y, score, tasks, sample_weight=weights)
    )
    # Other keyword arguments reach the metric of every task.
    partial_auc = metric(y, score, tasks=tasks, max_fpr=0.5)
    assert partial_auc == pytest.approx(
        np.mean(
            [roc_auc_score(y[tasks == t], score[tasks == t], max_fpr=0.5) for t in np.unique(tasks)]
        )
    )


def test_task_averaged_without_tasks_averages_the_columns_of_a_2d_y():
    rng = np.random.default_rng(0)
    Y = rng.integers(0, 2, size=(50, 3))
    scores = Y + rng.normal(size=Y.shape)
    metric = task_averaged(roc_auc_score)
    expected = np.mean([roc_auc_score(Y[:, t], scores[:, t]) for t in range(3)])
    assert metric(Y, scores) == pytest.approx(expected)
    # The same as scikit-learn's macro average of the columns.
    assert metric(Y, scores) == pytest.approx(roc_auc_score(Y, scores, average="macro"))

    with pytest.raises(ValueError, match="same shape"):
        metric(Y, scores[:, :2])
    with pytest.raises(ValueError, match="needs the task label of every row"):
        metric(Y[:, 0], scores[:, 0])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
def test_task_averaged_raises_naming_a_task_with_one_class():
    X, y, tasks = _make_classification_data()
    y = y.copy()
    y[tasks == "b"] = 1
    metric = task_averaged(roc_auc_score)
    with pytest.raises(ValueError, match="task 'b' .*single value 1"):
        metric(y, X[:, 0], tasks=tasks)
    a = tasks == "a"
    Y = np.column_stack([y[a], np.zeros(a.sum(), dtype=int)])
    with pytest.raises(ValueError, match="task column 1 .*single value 0"):
        metric(Y, np.column_stack([X[a, 0], X[a, 1]]))


def test_task_averaged_validation_and_pickling():
    with pytest.raises(TypeError, match="callable"):
        task_averaged("roc_auc")
    metric = task_averaged(roc_auc_score)
    assert repr(metric) == "task_averaged(roc_auc_score)"
    y, score, tasks = np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.8, 0.2]), np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="one label per row"):
        metric(y, score, tasks=tasks[:3])
    with pytest.raises(ValueError, match="rows"):
        metric(y, score[:3], tasks=tasks)
    clone = pickle.loads(pickle.dumps(metric))
    assert clone(y, score, tasks=tasks) == metric(y, score, tasks=tasks) == 0.5


def test_mean_task_roc_auc_scorer_on_decision_function_and_predict_proba():
    X, y, tasks = _make_classification_data()
    scorer = make_task_scorer("mean_task_roc_auc")
    assert repr(scorer) == (
        "make_task_scorer(task_averaged(roc_auc_score), "
        "response_method=('decision_function', 'predict_proba'))"
    )
    assert scorer.get_metadata_routing().score.requests == {"tasks": True, "sample_weight": True}

    clf = PerTaskLogistic().fit(X, y, tasks=tasks)
    expected = _mean_task_auc_by_hand(y, clf.decision_function(X, tasks=tasks), tasks)
    assert scorer(clf, X, y, tasks=tasks) == pytest.approx(expected)

    proba_only = PerTaskProbaClassifier().fit(X, y, tasks=tasks)
    expected = _mean_task_auc_by_hand(y, proba_only.predict_proba(X, tasks=tasks)[:, 1], tasks)
    assert scorer(proba_only, X, y, tasks=tasks) == pytest.approx(expected)

    # No task labels: a 1-D y cannot be averaged over tasks ...
    with pytest.raises(ValueError, match="needs the task label of every row"):
        make_task_scorer("mean_task_roc_auc")(LogisticRegression().fit(X, y), X, y)
    # ... a 2-D y (shared design) is averaged over its columns.
    rng = np.random.default_rng(0)
    Y = (X[:, :3] + rng.normal(size=(len(X), 3)) > 0).astype(int)
    shared = SharedDesignScores().fit(X, Y)
    assert scorer(shared, X, Y) == pytest.approx(
        np.mean([roc_auc_score(Y[:, t], X[:, t]) for t in range(3)])
    )


def test_grid_search_with_mean_task_roc_auc_under_routing():
    X, y, tasks = _make_classification_data(n_per_task=60)
    # Folds stratified by task and class: every task holds both classes in every fold.
    strata = np.char.add(tasks, y.astype(str))
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, strata))
    grid = {"model__C": [0.01, 1.0]}
    pipeline = Pipeline([("scale", StandardScaler()), ("model", PerTaskLogistic())])
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            pipeline, grid, scoring=make_task_scorer("mean_task_roc_auc"), cv=folds
        )
        search.fit(X, y, tasks=tasks)
        for i, C in enumerate(search.cv_results_["param_model__C"]):
            for k, (train, test) in enumerate(folds):
                model = clone(pipeline).set_params(model__C=C)
                model.fit(X[train], y[train], tasks=tasks[train])
                decision = model.decision_function(X[test], tasks=tasks[test])
                expected = _mean_task_auc_by_hand(y[test], decision, tasks[test])
                assert search.cv_results_[f"split{k}_test_score"][i] == pytest.approx(expected)
        assert search.score(X, y, tasks=tasks) == pytest.approx(
            _mean_task_auc_by_hand(
                y, search.best_estimator_.decision_function(X, tasks=tasks), tasks
            )
        )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
def test_grid_search_with_a_one_class_fold_fails_loudly():
    X, y, tasks = _make_classification_data()
    # Task "c" has two positives, in the test parts of folds 0 and 1: every
    # training part holds both classes, the test part of fold 2 only negatives.
    y = y.copy()
    y[tasks == "c"] = 0
    positives = np.flatnonzero(tasks == "c")[:2]
    y[positives] = 1
    folds = _fixed_folds(len(y))
    assert [np.isin(positives, test).sum() for _, test in folds] == [1, 1, 0]
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            PerTaskLogistic(),
            {"C": [1.0]},
            scoring=make_task_scorer("mean_task_roc_auc"),
            cv=folds,
            error_score="raise",
        )
        with pytest.raises(ValueError, match="task 'c' .*single value 0"):
            search.fit(X, y, tasks=tasks)


# ---------------------------------------------------------------------------
# train_test_split_per_task
# ---------------------------------------------------------------------------


def _split_indices(tasks, **kwargs):
    index = np.arange(len(tasks))
    idx_train, idx_test, t_train, t_test = train_test_split_per_task(index, tasks=tasks, **kwargs)
    return idx_train, idx_test, t_train, t_test


def test_split_keeps_per_task_fractions_and_covers_rows():
    tasks = np.repeat(np.array([0, 1, 2, 3]), [40, 20, 7, 1])
    idx_train, idx_test, t_train, t_test = _split_indices(tasks, test_size=0.25, random_state=0)

    assert np.intersect1d(idx_train, idx_test).size == 0
    np.testing.assert_array_equal(
        np.sort(np.concatenate([idx_train, idx_test])), np.arange(len(tasks))
    )
    np.testing.assert_array_equal(t_train, tasks[idx_train])
    np.testing.assert_array_equal(t_test, tasks[idx_test])
    # ceil(0.25 * n_t) test rows per task; the single-row task stays in train.
    for label, n_test in zip([0, 1, 2, 3], [10, 5, 2, 0], strict=True):
        assert np.sum(t_test == label) == n_test
        assert np.sum(t_train == label) == np.sum(tasks == label) - n_test
    # Rows keep their original relative order.
    assert np.all(np.diff(idx_train) > 0) and np.all(np.diff(idx_test) > 0)


def test_split_default_test_size_and_train_size():
    tasks = np.repeat(np.array(["x", "y"]), [20, 8])
    _, _, _, t_test = _split_indices(tasks, random_state=0)
    assert np.sum(t_test == "x") == 5 and np.sum(t_test == "y") == 2

    _, _, t_train, t_test = _split_indices(tasks, train_size=0.6, random_state=0)
    assert np.sum(t_train == "x") == 12 and np.sum(t_test == "x") == 8
    assert np.sum(t_train == "y") == 4 and np.sum(t_test == "y") == 4

    # Both given and summing below one: the rest is in neither subset.
    idx_train, idx_test, _, _ = _split_indices(
        tasks, train_size=0.5, test_size=0.25, random_state=0
    )
    assert len(idx_train) == 10 + 4 and len(idx_test) == 5 + 2
    assert np.intersect1d(idx_train, idx_test).size == 0


def test_split_keeps_one_training_row_per_task():
    tasks = np.array([0, 0, 1, 1, 2, 3, 3, 3])
    _, _, t_train, t_test = _split_indices(tasks, test_size=0.9, random_state=3)
    for label in np.unique(tasks):
        assert np.sum(t_train == label) == 1
        assert np.sum(t_test == label) == np.sum(tasks == label) - 1


def test_split_is_reproducible_and_random():
    tasks = np.repeat(np.arange(3), 50)
    first = _split_indices(tasks, test_size=0.3, random_state=7)
    again = _split_indices(tasks, test_size=0.3, random_state=7)
    other = _split_indices(tasks, test_size=0.3, random_state=8)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])
    rng_split = _split_indices(tasks, test_size=0.3, random_state=np.random.RandomState(7))
    np.testing.assert_array_equal(rng_split[1], first[1])


def test_split_without_shuffle_takes_leading_rows_for_training():
    tasks = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    idx_train, idx_test, _, _ = _split_indices(tasks, test_size=0.5, shuffle=False)
    np.testing.assert_array_equal(idx_train, [0, 1, 2, 3])
    np.testing.assert_array_equal(idx_test, [4, 5, 6, 7])


def test_split_pandas_sparse_and_lists():
    rng = np.random.default_rng(0)
    n = 24
    frame = pd.DataFrame(
        {"f0": rng.normal(size=n), "f1": rng.normal(size=n)}, index=np.arange(100, 100 + n)
    )
    target = pd.Series(rng.normal(size=n), index=frame.index, name="y")
    tasks = pd.Series(np.repeat(["north", "south", "east"], 8), index=frame.index)
    sparse = sp.random(n, 5, density=0.5, format="csr", random_state=0)
    as_list = list(range(n))

    out = train_test_split_per_task(
        frame, target, sparse, as_list, tasks=tasks, test_size=0.25, random_state=0
    )
    f_tr, f_te, y_tr, y_te, s_tr, s_te, l_tr, l_te, t_tr, t_te = out
    assert isinstance(f_tr, pd.DataFrame) and isinstance(f_te, pd.DataFrame)
    assert isinstance(y_tr, pd.Series) and isinstance(t_te, pd.Series)
    assert sp.issparse(s_tr) and sp.issparse(s_te)
    assert isinstance(l_tr, list) and isinstance(l_te, list)
    assert len(f_tr) == 18 and len(f_te) == 6
    # Rows stay aligned across all outputs.
    np.testing.assert_array_equal(f_te.index, y_te.index)
    np.testing.assert_array_equal(f_te.index, t_te.index)
    np.testing.assert_array_equal(np.asarray(l_te) + 100, f_te.index)
    np.testing.assert_allclose(s_te.toarray(), sparse.toarray()[np.asarray(l_te)])
    assert sorted(set(f_tr.index) | set(f_te.index)) == list(frame.index)
    assert t_te.value_counts().to_dict() == {"north": 2, "south": 2, "east": 2}


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=15), min_size=1, max_size=6),
    test_size=st.floats(min_value=0.05, max_value=0.95),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_split_properties(sizes, test_size, seed):
    if all(n == 1 for n in sizes):
        sizes = [*sizes, 2]
    rng = np.random.default_rng(seed)
    tasks = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    idx_train, idx_test, t_train, t_test = _split_indices(
        tasks, test_size=test_size, random_state=seed
    )
    assert np.intersect1d(idx_train, idx_test).size == 0
    assert len(idx_train) + len(idx_test) == len(tasks)
    for label, n_t in enumerate(sizes):
        n_test = np.sum(t_test == label)
        assert np.sum(t_train == label) >= 1
        assert n_test == min(int(np.ceil(test_size * n_t)), n_t - 1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"test_size": 0}, "float"),
        ({"test_size": 2}, "integer"),
        ({"test_size": 1.0}, r"\(0, 1\)"),
        ({"test_size": -0.1}, r"\(0, 1\)"),
        ({"test_size": "0.2"}, "float"),
        ({"train_size": 1.5}, "train_size"),
        ({"test_size": 0.6, "train_size": 0.6}, "at most 1"),
    ],
)
def test_split_rejects_bad_sizes(kwargs, match):
    tasks = np.repeat([0, 1], 5)
    with pytest.raises(ValueError, match=match):
        train_test_split_per_task(np.arange(10), tasks=tasks, **kwargs)


def test_split_rejects_bad_tasks():
    X = np.zeros((6, 2))
    with pytest.raises(ValueError, match="tasks has 5 rows but array 0 has 6"):
        train_test_split_per_task(X, tasks=[0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="1-D"):
        train_test_split_per_task(X, tasks=np.zeros((6, 2)))
    with pytest.raises(ValueError, match="tasks is required"):
        train_test_split_per_task(X, tasks=None)
    with pytest.raises(ValueError, match="zero rows"):
        train_test_split_per_task(np.zeros((0, 2)), tasks=np.array([]))
    with pytest.raises(ValueError, match="test set would be empty"):
        train_test_split_per_task(X, tasks=np.arange(6))


def test_split_only_tasks():
    tasks = ["a"] * 4 + ["b"] * 4
    t_train, t_test = train_test_split_per_task(tasks=tasks, test_size=0.5, random_state=0)
    assert sorted(t_test) == ["a", "a", "b", "b"]
    assert isinstance(t_train, list)
