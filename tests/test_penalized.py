"""The generic estimators: a penalty object is all a new formulation needs.

A penalty that gives only ``value`` and ``prox`` (as a user would write it) fits
to the cvxpy optimum of the same objective; the package's own penalties fit as
their named families do; scikit-learn's estimator checks pass.
"""

import numpy as np
import pytest
from _reference_helpers import ValueAndProxOnly
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl import PenalizedClassifier, PenalizedRegressor
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.penalties import JointFeatureNorm, TraceNorm
from skmtl.penalties.fused import FusedLasso
from skmtl.penalties.sparse import L1Norm
from skmtl.solvers.reference_cvxpy import objective_value, solve_reference

pytest.importorskip("cvxpy")


@parametrize_with_checks([
    PenalizedRegressor(JointFeatureNorm(0.1)),
    PenalizedRegressor(FusedLasso(0.1), l2=0.1),
    PenalizedClassifier(L1Norm(0.05)),
])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def routed(seed=0):
    X, y, tasks, _ = make_multitask_regression(n_tasks=4, n_features=6, random_state=seed)
    return X, y, tasks, np.searchsorted(np.unique(tasks), tasks)


@pytest.mark.parametrize("family, penalty, l2", [
    ("joint_feature", JointFeatureNorm(0.2), 0.0),
    ("lasso", L1Norm(0.1), 0.05),
    ("trace", TraceNorm(0.3), 0.0),
], ids=["joint_feature", "lasso", "trace"])
def test_package_penalties_reach_the_cvxpy_optimum(family, penalty, l2):
    X, y, tasks, task_index = routed()
    model = PenalizedRegressor(penalty, l2=l2, tol=1e-10, max_iter=100_000).fit(
        X, y, tasks=tasks)
    params = {"alpha": penalty.alpha, "l2": l2}
    reference = solve_reference(family, X, y, task_index, 4, params)
    fitted = objective_value(family, X, y, task_index, 4, model.coef_, model.intercept_,
                             params)
    assert fitted <= reference["objective"] * (1 + 1e-7)


@pytest.mark.parametrize("solver", ["auto", "fista", "admm"])
def test_a_penalty_with_value_and_prox_only(solver):
    """The certificate comes from the prox (l2 > 0) and the fit is the lasso's."""
    X, y, tasks, task_index = routed(1)
    params = {"alpha": 0.1, "l2": 0.05}
    model = PenalizedRegressor(ValueAndProxOnly(L1Norm(0.1)), l2=0.05, solver=solver,
                               tol=1e-10, max_iter=100_000).fit(X, y, tasks=tasks)
    assert model.certificate_ <= 1e-10
    reference = solve_reference("lasso", X, y, task_index, 4, params)
    np.testing.assert_allclose(model.coef_, reference["coef"], atol=1e-5)


def test_a_classifier_with_value_and_prox_only():
    X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_features=4, random_state=0)
    task_index = np.searchsorted(np.unique(tasks), tasks)
    params = {"alpha": 0.02, "l2": 0.05}
    model = PenalizedClassifier(ValueAndProxOnly(JointFeatureNorm(0.02)), l2=0.05,
                                tol=1e-10).fit(X, y, tasks=tasks)
    signs = np.where(y == model.classes_[1], 1.0, -1.0)
    reference = solve_reference("joint_feature", X, signs, task_index, 3, params,
                                loss="logistic")
    fitted = objective_value("joint_feature", X, signs, task_index, 3, model.coef_,
                             model.intercept_, params, loss="logistic")
    assert fitted <= reference["objective"] * (1 + 1e-7)


def test_no_penalty_is_ridge_per_task():
    from sklearn.linear_model import Ridge

    X, y, tasks, _ = routed(2)
    model = PenalizedRegressor(l2=0.3).fit(X, y, tasks=tasks)
    for t, label in enumerate(model.tasks_):
        rows = tasks == label
        # the data term of task t is a mean over its rows: Ridge's alpha is l2 * n_t
        expected = Ridge(alpha=0.3 * rows.sum()).fit(X[rows], y[rows])
        np.testing.assert_allclose(model.coef_[t], expected.coef_, rtol=1e-7, atol=1e-9)


def test_cd_needs_a_separable_penalty():
    X, y, tasks, _ = routed()
    with pytest.raises(ValueError, match="separates over feature columns"):
        PenalizedRegressor(TraceNorm(0.1), solver="cd").fit(X, y, tasks=tasks)


def test_a_penalty_needs_value_and_prox():
    X, y, tasks, _ = routed()
    with pytest.raises(InvalidParameterError, match="penalty"):
        PenalizedRegressor(penalty="l1").fit(X, y, tasks=tasks)


def test_cvxpy_needs_a_penalty_that_names_its_formulation():
    X, y, tasks, _ = routed()
    model = PenalizedRegressor(FusedLasso(0.2), l2=0.05, solver="cvxpy").fit(X, y, tasks=tasks)
    fitted = PenalizedRegressor(FusedLasso(0.2), l2=0.05, tol=1e-10).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(model.coef_, fitted.coef_, atol=1e-5)
    with pytest.raises(ValueError, match="names its cvxpy formulation"):
        PenalizedRegressor(ValueAndProxOnly(L1Norm(0.1)), l2=0.1, solver="cvxpy").fit(
            X, y, tasks=tasks)
