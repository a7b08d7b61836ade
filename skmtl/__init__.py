"""skmtl: regularized multi-task learning as scikit-learn estimators."""

from .linear_model import (
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "GraphRegularizedRegressor",
    "JointFeatureRegressor",
    "MeanRegularizedRegressor",
    "SharedParameterRegressor",
    "TraceNormRegressor",
]
