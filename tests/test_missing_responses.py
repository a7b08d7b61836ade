"""A NaN in a shared-design ``y`` is a response not observed.

The reference of every check is the routed fit of the observed (row, task) pairs,
``X[rows], y[rows, columns], tasks=columns``, which the issue defines the missing
responses by; scores are computed here column by column with scikit-learn.
"""

import numpy as np
import pytest
from _families import FAMILIES
from sklearn.base import clone
from sklearn.metrics import accuracy_score, r2_score

from skmtl import MeanRegularizedRegressor, TraceNormRegressorCV
from skmtl.kernel import MultiTaskKernelRidge, MultiTaskSVC, MultiTaskSVR
from skmtl.model_selection import alpha_grid
from skmtl.statistics import TaskStatistics


def shared_with_holes(seed=0, n=50, d=3, n_tasks=3, classify=False):
    """Shared design with 30 % of the responses missing, except in the last column."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Y = X @ rng.standard_normal((n_tasks, d)).T + 0.3 * rng.standard_normal((n, n_tasks))
    if classify:
        Y = (Y > 0).astype(float)
    holes = rng.random(Y.shape) < 0.3
    holes[:, -1] = False  # one complete column: it keeps the shared Gram matrix
    Y[holes] = np.nan
    return X, Y, rng.uniform(0.5, 2.0, n)


def observed(X, Y, weights):
    rows, columns = np.nonzero(~np.isnan(Y))
    return X[rows], Y[rows, columns], columns, weights[rows]


def _estimators():
    for family in FAMILIES:
        for kind, _, _ in family.estimators():
            yield pytest.param(family.make(kind), kind == "classifier",
                               id=f"{family.name}-{kind}")
    for model, classify in ((MultiTaskKernelRidge(alpha=0.1), False), (MultiTaskSVR(), False),
                            (MultiTaskSVC(), True)):
        yield pytest.param(model, classify, id=type(model).__name__)


@pytest.mark.parametrize("model, classify", list(_estimators()))
def test_missing_responses_fit_the_observed_pairs(model, classify):
    X, Y, weights = shared_with_holes(classify=classify)
    fitted = clone(model).fit(X, Y, sample_weight=weights)
    X_obs, y_obs, tasks, w_obs = observed(X, Y, weights)
    routed = clone(model).fit(X_obs, y_obs, tasks=tasks, sample_weight=w_obs)
    output = "decision_function" if classify else "predict"
    shared_output = getattr(fitted, output)(X)
    assert shared_output.shape == Y.shape
    for t in range(Y.shape[1]):
        np.testing.assert_allclose(
            shared_output[:, t], getattr(routed, output)(X, tasks=np.full(len(X), t)),
            rtol=1e-9, atol=1e-10)
    predicted = fitted.predict(X)
    seen = ~np.isnan(Y)
    if classify:
        right = np.all((predicted == Y) | ~seen, axis=1)
        expected = np.average(right, weights=weights)
    else:
        expected = np.mean([r2_score(Y[seen[:, t], t], predicted[seen[:, t], t],
                                     sample_weight=weights[seen[:, t]])
                            for t in range(Y.shape[1])])
    assert fitted.score(X, Y, sample_weight=weights) == pytest.approx(expected, rel=1e-12)


def test_scores_without_missing_values_are_scikit_learns():
    X, Y, _ = shared_with_holes()
    Y = np.where(np.isnan(Y), 0.0, Y)
    model = MeanRegularizedRegressor().fit(X, Y)
    assert model.score(X, Y) == pytest.approx(r2_score(Y, model.predict(X)), rel=1e-14)
    labels = (Y > 0).astype(float)
    svc = MultiTaskSVC().fit(X, labels)
    assert svc.score(X, labels) == pytest.approx(
        accuracy_score(labels, svc.predict(X)), rel=1e-14)


def test_a_task_without_observed_rows_is_an_error_naming_it():
    X, Y, _ = shared_with_holes()
    Y[:, 1] = np.nan
    with pytest.raises(ValueError, match=r"Column\(s\) \[1\] of y hold no observed value"):
        MeanRegularizedRegressor().fit(X, Y)


def test_nan_in_a_routed_target_is_still_an_error():
    X, Y, _ = shared_with_holes()
    y = Y[:, 0]
    with pytest.raises(ValueError, match="NaN"):
        MeanRegularizedRegressor().fit(X, y, tasks=np.arange(len(y)) % 2)


def test_statistics_and_partial_fit_of_the_observed_rows():
    X, Y, weights = shared_with_holes(seed=3, n=60, n_tasks=4)
    X_obs, y_obs, tasks, w_obs = observed(X, Y, weights)
    shared = TaskStatistics.from_rows(X, Y, sample_weight=weights)
    routed = TaskStatistics.from_rows(X_obs, y_obs, tasks, w_obs)
    for name in ("count", "weight", "x_mean", "y_mean", "gram", "linear", "target_square"):
        np.testing.assert_allclose(getattr(shared, name), getattr(routed, name), rtol=1e-12,
                                   atol=1e-12, err_msg=name)
    streamed = MeanRegularizedRegressor(alpha=0.3, tol=1e-12)
    for rows in (slice(0, 20), slice(20, 60)):
        streamed.partial_fit(X[rows], Y[rows], sample_weight=weights[rows])
    full = MeanRegularizedRegressor(alpha=0.3, tol=1e-12).fit(X, Y, sample_weight=weights)
    np.testing.assert_allclose(streamed.coef_, full.coef_, rtol=1e-9, atol=1e-11)
    assert streamed.predict(X).shape == Y.shape


def test_path_grid_and_cv_on_missing_responses():
    X, Y, weights = shared_with_holes(seed=4)
    X_obs, y_obs, tasks, w_obs = observed(X, Y, weights)
    base = TraceNormRegressorCV()._base_estimator()
    np.testing.assert_allclose(alpha_grid(base, X, Y, n_alphas=5),
                               alpha_grid(base, X_obs, y_obs, tasks=tasks, n_alphas=5),
                               rtol=1e-12)
    model = TraceNormRegressorCV(alphas=5, cv=3).fit(X, Y)
    assert model.predict(X).shape == Y.shape


def test_dask_statistics_with_missing_responses():
    da = pytest.importorskip("dask.array")
    import dask

    X, Y, _ = shared_with_holes(seed=5, n=60)
    with dask.config.set(scheduler="synchronous"):
        lazy = MeanRegularizedRegressor(alpha=0.5).fit(da.from_array(X, chunks=25),
                                                       da.from_array(Y, chunks=(25, 3)))
    reference = MeanRegularizedRegressor(alpha=0.5).fit(X, Y)
    np.testing.assert_allclose(lazy.coef_, reference.coef_, rtol=1e-10, atol=1e-12)
