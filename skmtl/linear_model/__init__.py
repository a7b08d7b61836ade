"""Linear multi-task estimators: one family of penalties each, squared or logistic loss."""

from ._classifiers import (
    GraphRegularizedClassifier,
    JointFeatureClassifier,
    MeanRegularizedClassifier,
    SharedParameterClassifier,
    TraceNormClassifier,
)
from ._clustered import ClusteredClassifier, ClusteredRegressor
from ._cv import (
    GraphRegularizedClassifierCV,
    GraphRegularizedRegressorCV,
    JointFeatureClassifierCV,
    JointFeatureRegressorCV,
    MeanRegularizedClassifierCV,
    MeanRegularizedRegressorCV,
    SharedParameterClassifierCV,
    SharedParameterRegressorCV,
    TraceNormClassifierCV,
    TraceNormRegressorCV,
)
from ._penalized import PenalizedClassifier, PenalizedRegressor
from ._regressors import (
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)
from ._relationship import TaskRelationshipClassifier, TaskRelationshipRegressor
from ._sparse import (
    DirtyClassifier,
    DirtyRegressor,
    IndependentLassoClassifier,
    IndependentLassoRegressor,
    RobustLowRankRegressor,
)

__all__ = [
    "ClusteredClassifier",
    "ClusteredRegressor",
    "DirtyClassifier",
    "DirtyRegressor",
    "GraphRegularizedClassifier",
    "GraphRegularizedClassifierCV",
    "GraphRegularizedRegressor",
    "GraphRegularizedRegressorCV",
    "IndependentLassoClassifier",
    "IndependentLassoRegressor",
    "JointFeatureClassifier",
    "JointFeatureClassifierCV",
    "JointFeatureRegressor",
    "JointFeatureRegressorCV",
    "MeanRegularizedClassifier",
    "MeanRegularizedClassifierCV",
    "MeanRegularizedRegressor",
    "MeanRegularizedRegressorCV",
    "PenalizedClassifier",
    "PenalizedRegressor",
    "RobustLowRankRegressor",
    "SharedParameterClassifier",
    "SharedParameterClassifierCV",
    "SharedParameterRegressor",
    "SharedParameterRegressorCV",
    "TaskRelationshipClassifier",
    "TaskRelationshipRegressor",
    "TraceNormClassifier",
    "TraceNormClassifierCV",
    "TraceNormRegressor",
    "TraceNormRegressorCV",
]
