"""Linear multi-task estimators: one family of penalties each, squared or logistic loss."""

from ._clustered import ClusteredClassifier, ClusteredRegressor
from ._dirty import DirtyClassifier, DirtyRegressor
from ._fused_group import FusedSparseGroupLassoClassifier, FusedSparseGroupLassoRegressor
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
from ._robust_feature import RobustFeatureClassifier, RobustFeatureRegressor
from ._shared_parameter import (
    SharedParameterClassifier,
    SharedParameterClassifierCV,
    SharedParameterRegressor,
    SharedParameterRegressorCV,
)
from ._sparse_low_rank import SparseLowRankClassifier, SparseLowRankRegressor
from ._subspace import SharedSubspaceClassifier, SharedSubspaceRegressor
from ._temporal import TemporalGroupLassoClassifier, TemporalGroupLassoRegressor
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
    "FusedSparseGroupLassoClassifier",
    "FusedSparseGroupLassoRegressor",
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
    "RobustFeatureClassifier",
    "RobustFeatureRegressor",
    "RobustLowRankRegressor",
    "SharedParameterClassifier",
    "SharedParameterClassifierCV",
    "SharedParameterRegressor",
    "SharedParameterRegressorCV",
    "SharedSubspaceClassifier",
    "SharedSubspaceRegressor",
    "SparseLowRankClassifier",
    "SparseLowRankRegressor",
    "TaskRelationshipClassifier",
    "TaskRelationshipRegressor",
    "TemporalGroupLassoClassifier",
    "TemporalGroupLassoRegressor",
    "TraceNormClassifier",
    "TraceNormClassifierCV",
    "TraceNormRegressor",
    "TraceNormRegressorCV",
]
