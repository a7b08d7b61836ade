"""Rows of tasks not seen in ``fit``: an error by default, the population model on request.

The population model is written out here from the fitted attributes: the mean task
(the shared component ``shared_coef_`` for the shared-parameter family) with the
mean intercept.  Data sorted by task make unshuffled ``KFold`` hold out whole
tasks, as ``LeaveTasksOut`` does.
"""

import numpy as np
import pytest
import sklearn
from _data import routed_data
from _families import FAMILIES
from scipy.special import expit
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_predict, cross_validate

from skmtl import MeanRegularizedRegressorCV, TraceNormRegressor
from skmtl.kernel import MultiTaskKernelRidge
from skmtl.model_selection import LeaveTasksOut


def _estimators():
    for family in FAMILIES:
        for kind, _, _ in family.estimators():
            yield pytest.param(family, kind, id=f"{family.name}-{kind}")


def _rows(classify, seed=0, sizes=(20, 25, 30)):
    X, y, tasks, _ = routed_data(seed, sizes=sizes, d=3,
                                 binary="median" if classify else None)
    return X, y, tasks


def _population_decision(model, X):
    coef = model.shared_coef_ if hasattr(model, "shared_coef_") else model.coef_.mean(axis=0)
    return X @ coef + model.intercept_.mean()


@pytest.mark.parametrize("family, kind", list(_estimators()))
def test_unseen_tasks_raise_by_default_and_get_the_population_model(family, kind):
    X, y, tasks = _rows(kind == "classifier")
    seen = tasks != 2
    model = family.make(kind).fit(X[seen], y[seen], tasks=tasks[seen])
    method = "predict" if kind == "regressor" else "decision_function"
    with pytest.raises(ValueError, match="unseen_tasks='population'"):
        getattr(model, method)(X, tasks=tasks)

    model.set_params(unseen_tasks="population")
    output = getattr(model, method)(X, tasks=tasks)
    np.testing.assert_array_equal(output[seen], getattr(model, method)(X[seen], tasks=tasks[seen]))
    population = _population_decision(model, X[~seen])
    np.testing.assert_allclose(output[~seen], population, rtol=1e-12, atol=1e-12)
    if kind == "classifier":
        np.testing.assert_allclose(model.predict_proba(X, tasks=tasks)[~seen, 1],
                                   expit(population), rtol=1e-12)
        np.testing.assert_array_equal(model.predict_population(X[~seen]),
                                      model.classes_[(population > 0).astype(int)])
    else:
        np.testing.assert_allclose(model.predict_population(X[~seen]), population, rtol=1e-12)


def test_kernel_ridge_population_is_the_mean_task():
    """With a linear input kernel the mean of the tasks' predictions is the linear model
    with the mean coefficients; unseen rows get it, seen rows their task's."""
    X, y, tasks = _rows(False, seed=3)
    seen = tasks != 1
    model = MultiTaskKernelRidge(alpha=0.3).fit(X[seen], y[seen], tasks=tasks[seen])
    with pytest.raises(ValueError, match="not seen during fit"):
        model.predict(X, tasks=tasks)
    every = np.column_stack([model.predict(X, tasks=np.full(len(X), t)) for t in (0, 2)])
    model.set_params(unseen_tasks="population")
    output = model.predict(X, tasks=tasks)
    np.testing.assert_array_equal(output[seen], model.predict(X[seen], tasks=tasks[seen]))
    np.testing.assert_allclose(output[~seen], every[~seen].mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(model.predict_population(X), every.mean(axis=1), rtol=1e-12)


def test_cross_val_predict_on_task_sorted_rows():
    """Unshuffled KFold on rows sorted by task (in a task column) holds out whole tasks."""
    X, y, tasks = _rows(False, seed=1, sizes=(25, 25, 25))
    order = np.argsort(tasks, kind="stable")
    X, y, tasks = X[order], y[order], tasks[order]
    X_full = np.column_stack([tasks, X])
    model = TraceNormRegressor(alpha=0.05, task_column=0)
    with pytest.raises(ValueError, match="not seen during fit"):
        cross_val_predict(model, X_full, y, cv=3)
    model.set_params(unseen_tasks="population")
    predicted = cross_val_predict(model, X_full, y, cv=3)
    for train, test in KFold(3).split(X):
        fitted = clone(model).set_params(task_column=None).fit(X[train], y[train],
                                                               tasks=tasks[train])
        assert not np.isin(tasks[test], tasks[train]).any()
        np.testing.assert_allclose(predicted[test], _population_decision(fitted, X[test]),
                                   rtol=1e-10, atol=1e-12)


def test_cross_validate_leave_tasks_out_scores_the_population_model():
    X, y, tasks = _rows(False, seed=2)
    model = MeanRegularizedRegressorCV(alphas=5, cv=3, unseen_tasks="population")
    with sklearn.config_context(enable_metadata_routing=True):
        result = cross_validate(model, X, y, cv=LeaveTasksOut(), params={"tasks": tasks},
                                return_estimator=True, return_indices=True)
    for fitted, test, score in zip(result["estimator"], result["indices"]["test"],
                                   result["test_score"], strict=True):
        expected = r2_score(y[test], _population_decision(fitted, X[test]))
        np.testing.assert_allclose(score, expected, rtol=1e-12)
