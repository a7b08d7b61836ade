"""Linear multi-task estimators: one family of penalties each, squared or logistic loss."""

from ._clustered import ClusteredClassifier, ClusteredRegressor
from ._dirty import DirtyClassifier, DirtyRegressor
from ._graph import (
    GraphRegularizedClassifier,
    GraphRegularizedClassifierCV,
    GraphRegularizedRegressor,
    GraphRegularizedRegressorCV,
)
from ._hierarchical import HierarchicalRegressor
from ._joint_feature import (
    JointFeatureClassifier,
    JointFeatureClassifierCV,
    JointFeatureRegressor,
    JointFeatureRegressorCV,
)
from ._lasso import (
    IndependentLassoClassifier,
    IndependentLassoClassifierCV,
    IndependentLassoRegressor,
    IndependentLassoRegressorCV,
)
from ._mean import (
    MeanRegularizedClassifier,
    MeanRegularizedClassifierCV,
    MeanRegularizedRegressor,
    MeanRegularizedRegressorCV,
)
from ._penalized import PenalizedClassifier, PenalizedRegressor
from ._relationship import TaskRelationshipClassifier, TaskRelationshipRegressor
from ._robust import RobustLowRankRegressor
from ._shared_parameter import (
    SharedParameterClassifier,
    SharedParameterClassifierCV,
    SharedParameterRegressor,
    SharedParameterRegressorCV,
)
from ._trace import (
    TraceNormClassifier,
    TraceNormClassifierCV,
    TraceNormRegressor,
    TraceNormRegressorCV,
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
    "HierarchicalRegressor",
    "IndependentLassoClassifier",
    "IndependentLassoClassifierCV",
    "IndependentLassoRegressor",
    "IndependentLassoRegressorCV",
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
