"""skmtl: regularized multi-task learning as scikit-learn estimators."""

from .linear_model import (
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

__version__ = "0.1.0.dev0"

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
