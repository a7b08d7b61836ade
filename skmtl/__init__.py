"""skmtl: regularized multi-task learning as scikit-learn estimators."""

from .linear_model import (
    GraphRegularizedClassifier,
    GraphRegularizedClassifierCV,
    GraphRegularizedRegressor,
    GraphRegularizedRegressorCV,
    JointFeatureClassifier,
    JointFeatureClassifierCV,
    JointFeatureRegressor,
    JointFeatureRegressorCV,
    MeanRegularizedClassifier,
    MeanRegularizedClassifierCV,
    MeanRegularizedRegressor,
    MeanRegularizedRegressorCV,
    SharedParameterClassifier,
    SharedParameterClassifierCV,
    SharedParameterRegressor,
    SharedParameterRegressorCV,
    TraceNormClassifier,
    TraceNormClassifierCV,
    TraceNormRegressor,
    TraceNormRegressorCV,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "GraphRegularizedClassifier",
    "GraphRegularizedClassifierCV",
    "GraphRegularizedRegressor",
    "GraphRegularizedRegressorCV",
    "JointFeatureClassifier",
    "JointFeatureClassifierCV",
    "JointFeatureRegressor",
    "JointFeatureRegressorCV",
    "MeanRegularizedClassifier",
    "MeanRegularizedClassifierCV",
    "MeanRegularizedRegressor",
    "MeanRegularizedRegressorCV",
    "SharedParameterClassifier",
    "SharedParameterClassifierCV",
    "SharedParameterRegressor",
    "SharedParameterRegressorCV",
    "TraceNormClassifier",
    "TraceNormClassifierCV",
    "TraceNormRegressor",
    "TraceNormRegressorCV",
]
