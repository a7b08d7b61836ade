"""Every array-API estimator on CuPy gives NumPy's results (runs only with a CUDA device).

Marked ``gpu``; skipped when CuPy or a CUDA device is missing.  The same checks
run on ``array_api_strict`` and torch CPU in ``test_array_api.py``.
"""

import os

import numpy as np
import pytest
import sklearn

from skmtl import (
    GraphRegularizedClassifier,
    GraphRegularizedRegressor,
    JointFeatureClassifier,
    JointFeatureRegressor,
    MeanRegularizedClassifier,
    MeanRegularizedRegressor,
    SharedParameterClassifier,
    SharedParameterRegressor,
    TraceNormClassifier,
    TraceNormRegressor,
)
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.kernel import MultiTaskKernelRidge
from skmtl.utils import convert_fitted

pytestmark = pytest.mark.gpu

if os.environ.get("SCIPY_ARRAY_API") != "1":
    pytest.skip("array API dispatch needs SCIPY_ARRAY_API=1", allow_module_level=True)
cupy = pytest.importorskip("cupy")
try:
    has_device = cupy.cuda.runtime.getDeviceCount() > 0
except Exception:  # no driver, no device
    has_device = False
if not has_device:
    pytest.skip("no CUDA device", allow_module_level=True)

REGRESSORS = [
    SharedParameterRegressor(alpha_shared=0.3, alpha_task=0.2),
    MeanRegularizedRegressor(alpha=0.5, l2=0.01),
    GraphRegularizedRegressor(alpha=0.4, l2=0.01),
    TraceNormRegressor(alpha=0.1, tol=1e-12, max_iter=50_000),
    JointFeatureRegressor(alpha=0.1, tol=1e-12, max_iter=50_000),
    MultiTaskKernelRidge(alpha=0.1, kernel="rbf"),
]
CLASSIFIERS = [
    SharedParameterClassifier(alpha_shared=0.1, alpha_task=0.2, tol=1e-12),
    MeanRegularizedClassifier(alpha=0.5, l2=0.05, tol=1e-12),
    GraphRegularizedClassifier(alpha=0.2, l2=0.05, tol=1e-12),
    TraceNormClassifier(alpha=0.02, tol=1e-11),
    JointFeatureClassifier(alpha=0.02, l2=0.01, tol=1e-11),
]


def fit_both(estimator, X, y, tasks, dtype):
    reference = sklearn.clone(estimator).fit(X.astype(dtype), y, tasks=tasks)
    with sklearn.config_context(array_api_dispatch=True):
        y_gpu = cupy.asarray(y.astype(dtype)) if y.dtype.kind == "f" else cupy.asarray(y)
        model = sklearn.clone(estimator).fit(cupy.asarray(X.astype(dtype)), y_gpu, tasks=tasks)
        prediction = model.predict(cupy.asarray(X.astype(dtype)), tasks=tasks)
    assert isinstance(prediction, cupy.ndarray)
    return reference, model, prediction


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-8), (np.float32, 1e-4)])
@pytest.mark.parametrize("estimator", REGRESSORS + CLASSIFIERS, ids=lambda e: type(e).__name__)
def test_cupy_fit_matches_numpy(estimator, dtype, tolerance):
    if estimator in CLASSIFIERS:
        X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_features=6, random_state=0)
    else:
        X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_features=6, random_state=0)
    reference, model, prediction = fit_both(estimator, X, y, tasks, dtype)
    expected = reference.predict(X.astype(dtype), tasks=tasks)
    np.testing.assert_allclose(cupy.asnumpy(prediction), expected, rtol=tolerance,
                               atol=tolerance)
    served = convert_fitted(model, np)
    np.testing.assert_allclose(served.predict(X.astype(dtype), tasks=tasks), expected,
                               rtol=tolerance, atol=tolerance)
