"""convert_fitted moves a fitted estimator between NumPy, array_api_strict and torch."""

import os
import pickle

import numpy as np
import pytest
import sklearn
from _namespaces import array_namespaces

from skmtl import JointFeatureClassifier, MeanRegularizedRegressor, TraceNormRegressor
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.kernel import MultiTaskKernelRidge, MultiTaskSVR
from skmtl.utils import convert_fitted

if os.environ.get("SCIPY_ARRAY_API") != "1":
    pytest.skip("array API dispatch needs SCIPY_ARRAY_API=1", allow_module_level=True)

xps = pytest.importorskip("array_api_strict")


def regression():
    X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_features=5, random_state=0)
    return X, y, tasks


def classification():
    X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_features=5, random_state=0)
    return X, y, tasks


ESTIMATORS = [
    pytest.param(MeanRegularizedRegressor(alpha=0.3, l2=0.01), regression, id="mean"),
    pytest.param(TraceNormRegressor(alpha=0.05, tol=1e-10), regression, id="trace"),
    pytest.param(JointFeatureClassifier(alpha=0.02, tol=1e-10), classification,
                 id="joint_feature_classifier"),
    pytest.param(MultiTaskKernelRidge(alpha=0.1, kernel="rbf"), regression, id="kernel_ridge"),
]


@pytest.mark.parametrize("namespace", array_namespaces())
@pytest.mark.parametrize("estimator, data", ESTIMATORS)
def test_numpy_fit_served_on_another_namespace_and_back(estimator, data, namespace):
    X, y, tasks = data()
    fitted = sklearn.clone(estimator).fit(X, y, tasks=tasks)
    expected = fitted.predict(X, tasks=tasks)
    moved = convert_fitted(fitted, namespace)
    with sklearn.config_context(array_api_dispatch=True):
        prediction = moved.predict(namespace.asarray(X), tasks=tasks)
    assert type(prediction).__module__.split(".")[0] == namespace.__name__.split(".")[0]
    assert type(moved.coef_ if hasattr(moved, "coef_") else moved.dual_coef_) is type(
        prediction)
    np.testing.assert_allclose(np.asarray(convert_fitted(moved, np).predict(X, tasks=tasks)),
                               expected, rtol=1e-12, atol=1e-12)
    on_host = prediction.cpu().numpy() if hasattr(prediction, "cpu") else np.asarray(prediction)
    np.testing.assert_allclose(on_host, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("device", ["CPU_DEVICE", "device1"])
def test_fit_on_strict_arrays_then_pickle_a_numpy_copy(device):
    """From either device of array_api_strict (the second one refuses np.asarray)."""
    X, y, tasks = regression()
    device = xps.Device(device)
    with sklearn.config_context(array_api_dispatch=True):
        fitted = MeanRegularizedRegressor(alpha=0.3).fit(
            xps.asarray(X, device=device), xps.asarray(y, device=device), tasks=tasks)
    assert fitted.coef_.device == device
    moved = convert_fitted(fitted, xps, device=xps.Device("device2"))
    assert moved.coef_.device == xps.Device("device2")
    served = pickle.loads(pickle.dumps(convert_fitted(fitted, np)))
    assert isinstance(served.coef_, np.ndarray)
    reference = MeanRegularizedRegressor(alpha=0.3).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(served.predict(X, tasks=tasks), reference.predict(X, tasks=tasks),
                               rtol=1e-10, atol=1e-10)


def test_string_labels_stay_numpy():
    X, y, tasks = classification()
    names = np.array(["north", "south", "west"])[tasks]
    fitted = JointFeatureClassifier(alpha=0.02).fit(X, np.array(["no", "yes"])[y], tasks=names)
    moved = convert_fitted(fitted, xps)
    assert isinstance(moved.classes_, np.ndarray) and isinstance(moved.tasks_, np.ndarray)
    assert moved.coef_.__array_namespace__() is xps
    with sklearn.config_context(array_api_dispatch=True):
        labels = moved.predict(xps.asarray(X), tasks=names)
    np.testing.assert_array_equal(labels, fitted.predict(X, tasks=names))


def test_numpy_only_estimators_refuse_other_namespaces():
    X, y, tasks = regression()
    fitted = MultiTaskSVR().fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="NumPy only"):
        convert_fitted(fitted, xps)
    assert convert_fitted(fitted, np).predict(X, tasks=tasks).shape == y.shape


def test_unfitted_estimator_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        convert_fitted(MeanRegularizedRegressor(), np)
