"""The three task conventions inside scikit-learn's model selection tools.

1. shared design: ``y`` of shape (n, T), no labels;
2. routed labels: ``tasks=`` aligned with the rows (metadata routing);
3. a task column of ``X`` (``task_column`` = DataFrame name or integer position).

For every convention ``GridSearchCV`` over ``Pipeline([scaler, estimator])`` must pick
the same regularization as a brute-force loop over the same folds, whose scores
and predictions are computed here from the fitted ``coef_`` / ``intercept_`` with
NumPy (never through the estimators' ``predict``).
"""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.metrics import r2_score
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_predict,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmtl import (
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)
from skmtl.model_selection import make_task_scorer

# (estimator class, its alpha-like parameter): a large value pools the tasks (quadratic
# families) or zeroes the coefficients (norm families).
FAMILIES = [
    pytest.param(SharedParameterRegressor, "alpha_task", id="shared_parameter"),
    pytest.param(MeanRegularizedRegressor, "alpha", id="mean"),
    pytest.param(GraphRegularizedRegressor, "alpha", id="graph"),
    pytest.param(TraceNormRegressor, "alpha", id="trace"),
    pytest.param(JointFeatureRegressor, "alpha", id="joint_feature"),
]
# Neither first nor last is the best value on the data below (0.001: the tasks are unrelated
# and the noise is low).
GRID = [0.5, 1e-3, 20.0]
CITY = np.array(["lille", "lyon", "nice", "paris"])
FEATURE_SCALES = np.array([1.0, 30.0, 0.02, 5.0, 400.0])
ATOL = 1e-9


# --------------------------------------------------------------------- data
def routed_data(seed=0, sizes=(30, 45, 36, 39), d=5):
    """Independent tasks, features on very different scales and offsets."""
    rng = np.random.default_rng(seed)
    T = len(sizes)
    tasks = rng.permutation(np.repeat(np.arange(T), sizes))
    n = tasks.size
    Z = rng.standard_normal((n, d))
    W = rng.standard_normal((T, d)) * 2.0
    y = np.einsum("ij,ij->i", Z, W[tasks]) + rng.normal(0, 3, T)[tasks]
    y += 0.5 * rng.standard_normal(n)
    X = Z * FEATURE_SCALES[:d] + rng.normal(0, 10, d)
    return X, y, tasks


def shared_data(seed=0, n=90, d=5, T=4):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, d))
    W = rng.standard_normal((T, d)) * 2.0
    Y = Z @ W.T + rng.normal(0, 3, T) + 0.5 * rng.standard_normal((n, T))
    X = Z * FEATURE_SCALES[:d] + rng.normal(0, 10, d)
    return X, Y


def stratified_splits(tasks, n_splits=3, seed=0):
    """Folds in which every task has training rows."""
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((len(tasks), 1)), tasks))


# -------------------------------------------------- predictions in NumPy
def rows_prediction(model, X, labels):
    """x_i . w_{t_i} + b_{t_i} from the fitted attributes."""
    known = np.asarray(model.tasks_)
    order = np.argsort(known)
    position = order[np.searchsorted(known, labels, sorter=order)]
    assert np.all(known[position] == labels)
    coef = np.asarray(model.coef_)
    return np.einsum("ij,ij->i", X, coef[position]) + np.asarray(model.intercept_)[position]


def columns_prediction(model, X):
    return X @ np.asarray(model.coef_).T + np.asarray(model.intercept_)


def fit_scaled(cls, params, X, y, labels=None):
    """Scaler and estimator fitted by hand (no Pipeline, routed labels)."""
    scaler = StandardScaler().fit(X)
    model = cls(**params)
    if labels is None:
        model.fit(scaler.transform(X), y)
    else:
        model.fit(scaler.transform(X), y, tasks=labels)
    return scaler, model


def brute_force(cls, param, X, y, labels, splits):
    """Mean test R^2 over the folds for every grid value, and the best value."""
    means = []
    for value in GRID:
        scores = []
        for train, test in splits:
            train_labels = None if labels is None else labels[train]
            scaler, model = fit_scaled(cls, {param: value}, X[train], y[train], train_labels)
            Xt = scaler.transform(X[test])
            if labels is None:
                prediction = columns_prediction(model, Xt)
            else:
                prediction = rows_prediction(model, Xt, labels[test])
            scores.append(r2_score(y[test], prediction))
        means.append(np.mean(scores))
    means = np.array(means)
    ranked = np.sort(means)
    # The data make the choice clear: no near tie between the two best values.
    assert ranked[-1] - ranked[-2] > 1e-3, means
    return means, GRID[int(np.argmax(means))]


def check_search(search, cls, param, X, y, labels, splits):
    means, best = brute_force(cls, param, X, y, labels, splits)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], means, rtol=1e-9, atol=1e-9)
    step = search.best_estimator_.steps[-1][0]
    assert search.best_params_ == {f"{step}__{param}": best}
    assert best != GRID[-1]  # the pooling / zeroing value is clearly wrong here
    return best


# ---------------------------------------------- convention 1: shared design
@pytest.mark.parametrize("cls, param", FAMILIES)
def test_grid_search_shared_design(cls, param):
    X, Y = shared_data(1)
    splits = list(KFold(3, shuffle=True, random_state=0).split(X))
    pipe = Pipeline([("scale", StandardScaler()), ("model", cls())])
    search = GridSearchCV(pipe, {f"model__{param}": GRID}, cv=splits,
                          scoring=make_task_scorer("r2"))
    search.fit(X, Y)
    best = check_search(search, cls, param, X, Y, None, splits)

    X_new, _ = shared_data(2, n=25)
    scaler, model = fit_scaled(cls, {param: best}, X, Y)
    expected = columns_prediction(model, scaler.transform(X_new))
    prediction = search.predict(X_new)
    assert prediction.shape == (25, Y.shape[1])
    np.testing.assert_allclose(prediction, expected, rtol=1e-9, atol=ATOL)
    # tasks= on a shared-design model selects one column per row.
    rows = np.arange(25) % Y.shape[1]
    np.testing.assert_allclose(search.best_estimator_.predict(X_new, tasks=rows),
                               expected[np.arange(25), rows], rtol=1e-9, atol=ATOL)


# ---------------------------------------------- convention 2: routed labels
@pytest.mark.parametrize("cls, param", FAMILIES)
def test_grid_search_routed_labels(cls, param):
    X, y, index = routed_data(3)
    labels = CITY[index]  # string labels
    splits = stratified_splits(labels)
    pipe = Pipeline([("scale", StandardScaler()), ("model", cls())])
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, {f"model__{param}": GRID}, cv=splits,
                              scoring=make_task_scorer("r2"))
        search.fit(X, y, tasks=labels)
        best = check_search(search, cls, param, X, y, labels, splits)

        X_new, y_new, index_new = routed_data(4, sizes=(5, 7, 3, 6))
        labels_new = CITY[index_new]
        # GridSearchCV.predict takes no metadata: predict with the refitted pipeline
        prediction = search.best_estimator_.predict(X_new, tasks=labels_new)
        score = search.best_estimator_.score(X_new, y_new, tasks=labels_new)
    scaler, model = fit_scaled(cls, {param: best}, X, y, labels)
    expected = rows_prediction(model, scaler.transform(X_new), labels_new)
    assert list(search.best_estimator_[-1].tasks_) == sorted(CITY)
    np.testing.assert_allclose(prediction, expected, rtol=1e-9, atol=ATOL)
    np.testing.assert_allclose(score, r2_score(y_new, expected), rtol=1e-9)
    # outside a routing context the pipeline forwards predict's keywords to the last step
    np.testing.assert_allclose(search.best_estimator_.predict(X_new, tasks=labels_new), expected,
                               rtol=1e-9, atol=ATOL)


def test_grid_search_routed_default_scoring_is_r2():
    """scoring=None routes tasks to the pipeline's score: the same R^2 as the scorer."""
    X, y, index = routed_data(5)
    splits = stratified_splits(index)
    pipe = Pipeline([("scale", StandardScaler()), ("model", MeanRegularizedRegressor())])
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, {"model__alpha": GRID}, cv=splits)
        search.fit(X, y, tasks=index)
    means, best = brute_force(MeanRegularizedRegressor, "alpha", X, y, index, splits)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], means, rtol=1e-9)
    assert search.best_params_ == {"model__alpha": best}


def test_routed_fit_without_routing_enabled_through_pipeline_kwargs():
    """Without routing, Pipeline.predict still hands tasks to the last step."""
    X, y, index = routed_data(6)
    pipe = Pipeline([("scale", StandardScaler()), ("model", MeanRegularizedRegressor(alpha=0.1))])
    pipe.fit(X, y, model__tasks=index)
    scaler, model = fit_scaled(MeanRegularizedRegressor, {"alpha": 0.1}, X, y, index)
    np.testing.assert_allclose(pipe.predict(X, tasks=index),
                               rows_prediction(model, scaler.transform(X), index),
                               rtol=1e-9, atol=ATOL)


# --------------------------------------- convention 3: task column of X
def frame_data(seed):
    X, y, index = routed_data(seed)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    frame.insert(2, "city", CITY[index])  # the labels sit between feature columns
    return frame, y, CITY[index]


def frame_pipeline(cls, features):
    scale = ColumnTransformer([("scale", StandardScaler(), features)], remainder="passthrough",
                              verbose_feature_names_out=False).set_output(transform="pandas")
    return Pipeline([("columns", scale), ("model", cls(task_column="city"))])


@pytest.mark.parametrize("cls, param", FAMILIES)
def test_grid_search_task_column_dataframe(cls, param):
    frame, y, labels = frame_data(7)
    features = [c for c in frame.columns if c != "city"]
    splits = stratified_splits(labels)
    search = GridSearchCV(frame_pipeline(cls, features), {f"model__{param}": GRID}, cv=splits,
                          scoring=make_task_scorer("r2"))
    search.fit(frame, y)
    X = frame[features].to_numpy()
    best = check_search(search, cls, param, X, y, labels, splits)

    new, _, labels_new = frame_data(8)
    new = new.iloc[:30]
    labels_new = labels_new[:30]
    scaler, model = fit_scaled(cls, {param: best}, X, y, labels)
    expected = rows_prediction(model, scaler.transform(new[features].to_numpy()), labels_new)
    np.testing.assert_allclose(search.predict(new), expected, rtol=1e-9, atol=ATOL)
    fitted = search.best_estimator_[-1]
    assert list(fitted.feature_names_in_) == features
    assert fitted.n_features_in_ == len(features)
    # the column order does not matter: labels are found by name
    shuffled = new[["city", *features[::-1]]]
    np.testing.assert_allclose(search.predict(shuffled), expected, rtol=1e-9, atol=ATOL)


@pytest.mark.parametrize("cls, param", FAMILIES)
def test_grid_search_task_column_integer_position(cls, param):
    X, y, index = routed_data(9)
    position = 3
    X_full = np.insert(X, position, index.astype(float), axis=1)
    features = [j for j in range(X_full.shape[1]) if j != position]
    scale = ColumnTransformer([("scale", StandardScaler(), features)], remainder="passthrough")
    # the passthrough task column comes out last
    pipe = Pipeline([("columns", scale), ("model", cls(task_column=-1))])
    splits = stratified_splits(index)
    search = GridSearchCV(pipe, {f"model__{param}": GRID}, cv=splits,
                          scoring=make_task_scorer("r2"))
    search.fit(X_full, y)
    best = check_search(search, cls, param, X, y, index.astype(float), splits)

    X_new, _, index_new = routed_data(10, sizes=(4, 6, 5, 7))
    X_new_full = np.insert(X_new, position, index_new.astype(float), axis=1)
    scaler, model = fit_scaled(cls, {param: best}, X, y, index.astype(float))
    expected = rows_prediction(model, scaler.transform(X_new), index_new.astype(float))
    np.testing.assert_allclose(search.predict(X_new_full), expected, rtol=1e-9, atol=ATOL)
    assert search.best_estimator_[-1].n_features_in_ == X.shape[1]


@pytest.mark.parametrize("task_column", [3, -3])
def test_task_column_integer_position_without_pipeline(task_column):
    X, y, index = routed_data(11)
    X_full = np.insert(X, 3, index, axis=1)
    assert np.array_equal(X_full[:, task_column], index)
    model = MeanRegularizedRegressor(alpha=0.3, task_column=task_column).fit(X_full, y)
    reference = MeanRegularizedRegressor(alpha=0.3).fit(X, y, tasks=index)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.predict(X_full), rows_prediction(reference, X, index),
                               rtol=1e-10, atol=ATOL)
    np.testing.assert_allclose(model.score(X_full, y),
                               r2_score(y, rows_prediction(reference, X, index)), rtol=1e-10)


def test_cross_val_predict_with_task_column():
    frame, y, labels = frame_data(12)
    features = [c for c in frame.columns if c != "city"]
    splits = stratified_splits(labels, n_splits=4, seed=3)
    pipe = frame_pipeline(TraceNormRegressor, features).set_params(model__alpha=0.05)
    prediction = cross_val_predict(pipe, frame, y, cv=splits)

    X = frame[features].to_numpy()
    expected = np.empty_like(y)
    for train, test in splits:
        scaler, model = fit_scaled(TraceNormRegressor, {"alpha": 0.05}, X[train], y[train],
                                   labels[train])
        expected[test] = rows_prediction(model, scaler.transform(X[test]), labels[test])
    np.testing.assert_allclose(prediction, expected, rtol=1e-9, atol=ATOL)


def test_cross_val_predict_with_integer_task_column():
    X, y, index = routed_data(13)
    X_full = np.insert(X, 0, index, axis=1)
    splits = stratified_splits(index, n_splits=3, seed=1)
    model = JointFeatureRegressor(alpha=0.05, task_column=0)
    prediction = cross_val_predict(model, X_full, y, cv=splits)
    expected = np.empty_like(y)
    for train, test in splits:
        fitted = JointFeatureRegressor(alpha=0.05).fit(X[train], y[train], tasks=index[train])
        expected[test] = rows_prediction(fitted, X[test], index[test])
    np.testing.assert_allclose(prediction, expected, rtol=1e-9, atol=ATOL)


def test_school_subset_task_column_pipeline():
    """The School data as a DataFrame: the `school` column is the task column."""
    from skmtl.datasets import load_school

    bunch = load_school(as_frame=True)
    frame, y = bunch.data, np.asarray(bunch.target)
    keep = frame["school"].isin(frame["school"].unique()[:6]).to_numpy()
    frame, y = frame[keep].reset_index(drop=True), y[keep]
    features = [c for c in frame.columns if c != "school"]
    assert len(features) == 27
    scale = ColumnTransformer([("scale", StandardScaler(), features)], remainder="passthrough",
                              verbose_feature_names_out=False).set_output(transform="pandas")
    pipe = Pipeline([("columns", scale),
                     ("model", MeanRegularizedRegressor(alpha=1.0, l2=0.1, task_column="school"))])
    pipe.fit(frame, y)
    labels = frame["school"].to_numpy()
    # constant School columns give zero-variance features; StandardScaler keeps them at 0
    X = frame[features].to_numpy()
    scaler, model = fit_scaled(MeanRegularizedRegressor, {"alpha": 1.0, "l2": 0.1}, X, y, labels)
    np.testing.assert_allclose(pipe.predict(frame),
                               rows_prediction(model, scaler.transform(X), labels),
                               rtol=1e-8, atol=1e-8)
    assert len(pipe[-1].tasks_) == 6


# ------------------------------------------------------------ error cases
def test_missing_labels_at_predict_on_multitask_routed_model():
    X, y, index = routed_data(14)
    model = MeanRegularizedRegressor().fit(X, y, tasks=index)
    with pytest.raises(ValueError, match="tasks="):
        model.predict(X)
    with pytest.raises(ValueError, match="tasks="):
        model.score(X, y)


def test_missing_labels_allowed_for_one_labelled_task():
    X, y, index = routed_data(15, sizes=(40,))
    model = MeanRegularizedRegressor(l2=0.1).fit(X, y, tasks=np.full(40, "solo"))
    np.testing.assert_allclose(model.predict(X), rows_prediction(model, X, np.full(40, "solo")),
                               rtol=1e-12)


def test_unseen_labels_are_named():
    X, y, index = routed_data(16)
    model = JointFeatureRegressor().fit(X, y, tasks=CITY[index])
    bad = CITY[index].astype(object)
    bad[:3] = "marseille"
    bad[5] = "brest"
    with pytest.raises(ValueError, match="(?s)brest.*marseille"):
        model.predict(X, tasks=bad)
    numeric = MeanRegularizedRegressor().fit(X, y, tasks=index)
    with pytest.raises(ValueError, match="17"):
        numeric.predict(X, tasks=np.where(np.arange(len(y)) == 4, 17, index))


def test_unseen_labels_with_task_column_are_named():
    frame, y, labels = frame_data(17)
    model = MeanRegularizedRegressor(task_column="city").fit(frame, y)
    other = frame.copy()
    other.loc[0, "city"] = "toulouse"
    with pytest.raises(ValueError, match="toulouse"):
        model.predict(other)


def test_tasks_and_task_column_together_is_an_error():
    frame, y, labels = frame_data(18)
    model = MeanRegularizedRegressor(task_column="city")
    with pytest.raises(ValueError, match="task_column"):
        model.fit(frame, y, tasks=labels)
    model.fit(frame, y)
    with pytest.raises(ValueError, match="task_column"):
        model.predict(frame, tasks=labels)


@pytest.mark.parametrize("task_column", [6, -7, 100])
def test_task_column_out_of_range(task_column):
    X, y, index = routed_data(19)
    X_full = np.insert(X, 0, index, axis=1)  # 6 columns
    with pytest.raises(ValueError, match="out of range"):
        TraceNormRegressor(task_column=task_column).fit(X_full, y)


def test_task_column_unknown_name_or_name_without_columns():
    frame, y, _ = frame_data(20)
    with pytest.raises(ValueError, match="'town'"):
        MeanRegularizedRegressor(task_column="town").fit(frame, y)
    with pytest.raises(ValueError, match="name"):
        MeanRegularizedRegressor(task_column="city").fit(frame.drop(columns="city").to_numpy(), y)
    model = MeanRegularizedRegressor(task_column="city").fit(frame, y)
    with pytest.raises(ValueError, match="'city'"):
        model.predict(frame.drop(columns="city"))


def test_string_labels_match_integer_codes():
    X, y, index = routed_data(21)
    names = np.array(["delta", "alpha", "charlie", "bravo"])  # sorted order differs from codes
    labels = names[index]
    model = GraphRegularizedRegressor(alpha=0.2, task_graph=None).fit(X, y, tasks=labels)
    assert list(model.tasks_) == ["alpha", "bravo", "charlie", "delta"]
    # the same problem with integer codes in the sorted order of the names
    codes = np.searchsorted(np.sort(names), labels)
    reference = GraphRegularizedRegressor(alpha=0.2).fit(X, y, tasks=codes)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-12, atol=1e-12)
    prediction = model.predict(X, tasks=labels)
    np.testing.assert_allclose(prediction, rows_prediction(reference, X, codes), rtol=1e-10)
    # a list of Python strings works too
    np.testing.assert_allclose(model.predict(X, tasks=list(labels)), prediction, rtol=1e-14)


def test_shared_design_predict_with_tasks_per_row():
    X, Y = shared_data(22)
    model = SharedParameterRegressor(alpha_shared=0.2, alpha_task=0.3).fit(X, Y)
    assert list(model.tasks_) == [0, 1, 2, 3]
    full = columns_prediction(model, X)
    rows = np.random.default_rng(0).integers(0, 4, X.shape[0])
    np.testing.assert_allclose(model.predict(X, tasks=rows), full[np.arange(len(rows)), rows],
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.predict(X), full, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="4"):
        model.predict(X, tasks=np.full(X.shape[0], 4))


def test_one_dimensional_target_is_one_task():
    X, Y = shared_data(23)
    y = Y[:, 0]
    model = MeanRegularizedRegressor(l2=0.1).fit(X, y)
    assert list(model.tasks_) == [0]
    assert model.coef_.shape == (1, X.shape[1])
    prediction = model.predict(X)
    assert prediction.shape == (X.shape[0],)
    np.testing.assert_allclose(prediction, columns_prediction(model, X)[:, 0], rtol=1e-12)


@pytest.mark.parametrize("design", ["routed", "shared", "task_column"])
def test_population_prediction(design):
    alpha_shared, alpha_task = 0.4, 0.7
    if design == "shared":
        X, Y = shared_data(24)
        fit_args, X_pred = (X, Y), X
    elif design == "routed":
        X, Y, index = routed_data(24)
        fit_args, X_pred = (X, Y), X
    else:
        X, Y, index = routed_data(24)
        X_full = np.insert(X, 1, index, axis=1)
        fit_args, X_pred = (X_full, Y), X_full
    kw = {"tasks": index} if design == "routed" else {}
    task_column = 1 if design == "task_column" else None
    shared = SharedParameterRegressor(alpha_shared=alpha_shared, alpha_task=alpha_task,
                                      task_column=task_column).fit(*fit_args, **kw)
    mean = MeanRegularizedRegressor(alpha=0.5, task_column=task_column).fit(*fit_args, **kw)
    T = len(shared.tasks_)
    w0 = alpha_task * np.asarray(shared.coef_).sum(axis=0) / (alpha_shared + T * alpha_task)
    np.testing.assert_allclose(shared.shared_coef_, w0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(shared.predict_population(X_pred),
                               X @ w0 + np.mean(shared.intercept_), rtol=1e-12, atol=1e-12)
    w_bar = np.asarray(mean.coef_).mean(axis=0)
    np.testing.assert_allclose(mean.mean_coef_, w_bar, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mean.predict_population(X_pred),
                               X @ w_bar + np.mean(mean.intercept_), rtol=1e-12, atol=1e-12)


def test_routed_target_must_be_one_dimensional():
    X, Y = shared_data(25)
    with pytest.raises(ValueError, match="1-D"):
        MeanRegularizedRegressor().fit(X, Y, tasks=np.arange(X.shape[0]) % 2)


def test_tasks_length_mismatch():
    X, y, index = routed_data(26)
    with pytest.raises(ValueError, match="label"):
        MeanRegularizedRegressor().fit(X, y, tasks=index[:-1])
    model = MeanRegularizedRegressor().fit(X, y, tasks=index)
    with pytest.raises(ValueError, match="label"):
        model.predict(X, tasks=index[:-2])
