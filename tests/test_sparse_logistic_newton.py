"""Proximal Newton on the rows of a wide sparse X (:mod:`skmtl.solvers.row_model`).

The size rule (:func:`skmtl._sparse.affordable_products`) is set to refuse every dense
product larger than X's non-zeros, so that the classifiers keep the second-order model
as weighted sparse rows and minimize it by coordinate descent.  The fits reach the cvxpy
optimum and the dense fit on the same data (proximal Newton on the Hessian blocks).
"""

import numpy as np
import pytest
import scipy.sparse as sp

import skmtl.solvers.proximal_newton as proximal_newton
from skmtl import IndependentLassoClassifier, JointFeatureClassifier

FAMILIES = {"joint_feature": JointFeatureClassifier, "lasso": IndependentLassoClassifier}
N_TASKS = 3
PARAMS = {"alpha": 0.02, "l2": 0.01}


@pytest.fixture
def row_route(monkeypatch):
    """No dense per-task products; counts the proximal Newton models built on rows."""
    monkeypatch.setattr("skmtl._sparse.DENSE_PRODUCT_ELEMENTS", 0)
    calls = []
    original = proximal_newton.row_model

    def counted(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(proximal_newton, "row_model", counted)
    return calls


def _data(seed=0, n_samples=120, n_features=30):
    rng = np.random.default_rng(seed)
    X = sp.random_array((n_samples, n_features), density=0.15, random_state=seed,
                        format="csr") * 2.0
    X = (X + sp.csr_array((rng.uniform(0.5, 1.5, n_samples),
                           (np.arange(n_samples), rng.integers(0, n_features, n_samples))),
                          shape=X.shape)).tocsr()
    tasks = rng.integers(0, N_TASKS, n_samples)
    truth = rng.standard_normal((N_TASKS, n_features)) * (rng.random(n_features) < 0.3)
    signal = np.einsum("ij,ij->i", X.toarray(), truth[tasks])
    y = (signal + rng.standard_normal(n_samples) > 0).astype(int)
    Y = (X @ truth[:2].T + rng.standard_normal((n_samples, 2)) > 0).astype(int)
    weight = rng.uniform(0.5, 2.0, n_samples)
    return X, y, Y, tasks, weight


def _decisions_close(sparse, dense, relative=1e-6):
    scale = max(float(np.max(np.abs(dense))), 1e-12)
    np.testing.assert_allclose(sparse, dense, rtol=0, atol=relative * scale)


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [True, False])
def test_row_model_reaches_cvxpy_optimum(family, fit_intercept, weighted, row_route):
    from skmtl.solvers.reference_cvxpy import objective_value, solve_reference

    X, y, _, tasks, weight = _data(seed=1)
    weight = weight if weighted else None
    model = FAMILIES[family](**PARAMS, fit_intercept=fit_intercept, tol=1e-10).fit(
        X, y, tasks=tasks, sample_weight=weight)
    assert row_route, "the fit did not take the proximal Newton model on rows"
    assert model.certificate_ <= 1e-10 and model.n_iter_ >= 1
    signs = 2.0 * y - 1.0
    reference = solve_reference(family, X.toarray(), signs, tasks, N_TASKS, PARAMS,
                                sample_weight=weight, fit_intercept=fit_intercept,
                                loss="logistic")
    assert reference["status"] == "optimal"
    value = objective_value(family, X.toarray(), signs, tasks, N_TASKS, model.coef_,
                            model.intercept_ if fit_intercept else None, PARAMS,
                            sample_weight=weight, loss="logistic")
    assert abs(value - reference["objective"]) <= 1e-6 * abs(reference["objective"])


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("convention", ["routed", "shared"])
def test_row_model_equals_dense_fit(family, fit_intercept, convention, row_route):
    X, y, Y, tasks, weight = _data(seed=2)
    target, task_args = (y, {"tasks": tasks}) if convention == "routed" else (Y, {})
    decisions = []
    for data in (X, X.toarray()):
        model = FAMILIES[family](**PARAMS, fit_intercept=fit_intercept, tol=1e-12).fit(
            data, target, sample_weight=weight, **task_args)
        decisions.append(model.decision_function(data, **task_args))
        if data is X:
            assert row_route and model.certificate_ <= 1e-12
            row_route.clear()
    assert not row_route, "the dense fit took the model on rows"
    _decisions_close(*decisions)


def test_row_model_keeps_one_class_task_infinite(row_route):
    """A task of one class keeps its infinite intercept; the others fit as dense."""
    X, y, _, tasks, weight = _data(seed=3)
    y = np.where(tasks == 0, 1, y)
    fits = [JointFeatureClassifier(**PARAMS, tol=1e-12).fit(data, y, tasks=tasks,
                                                              sample_weight=weight)
            for data in (X, X.toarray())]
    assert row_route
    assert np.isposinf(fits[0].intercept_[0])
    _decisions_close(fits[0].coef_, fits[1].coef_)
    np.testing.assert_allclose(fits[0].intercept_[1:], fits[1].intercept_[1:], rtol=1e-6)
