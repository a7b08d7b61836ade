"""scikit-learn's estimator API checks on every estimator, default parameters."""

from sklearn.utils.estimator_checks import parametrize_with_checks

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

ESTIMATORS = [
    SharedParameterRegressor(),
    MeanRegularizedRegressor(),
    GraphRegularizedRegressor(),
    TraceNormRegressor(),
    JointFeatureRegressor(),
    SharedParameterClassifier(),
    MeanRegularizedClassifier(),
    GraphRegularizedClassifier(),
    TraceNormClassifier(),
    JointFeatureClassifier(),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
