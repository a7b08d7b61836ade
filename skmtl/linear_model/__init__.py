"""Linear multi-task estimators: one family of penalties each, squared or logistic loss."""

from ._classifiers import (
    GraphRegularizedClassifier,
    JointFeatureClassifier,
    MeanRegularizedClassifier,
    SharedParameterClassifier,
    TraceNormClassifier,
)
from ._regressors import (
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)

__all__ = [
    "GraphRegularizedClassifier",
    "GraphRegularizedRegressor",
    "JointFeatureClassifier",
    "JointFeatureRegressor",
    "MeanRegularizedClassifier",
    "MeanRegularizedRegressor",
    "SharedParameterClassifier",
    "SharedParameterRegressor",
    "TraceNormClassifier",
    "TraceNormRegressor",
]
