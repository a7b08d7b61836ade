"""Linear multi-task estimators: one family of penalties each."""

from ._regressors import (
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)

__all__ = [
    "GraphRegularizedRegressor",
    "JointFeatureRegressor",
    "MeanRegularizedRegressor",
    "SharedParameterRegressor",
    "TraceNormRegressor",
]
