r"""The data terms: the squared loss (intercepts solved out; per-task statistics or
rows) and the logistic loss (intercepts a column of :math:`\Theta = [W \mid b]`), and
a loss seen on the stacked parts of a split.

Every loss offers ``value``, ``gradient`` (``value_and_gradient`` for the logistic
loss), ``hessian_matvec`` and ``lipschitz`` on its variable, and the dual quantities
its duality gap needs (:mod:`skmtl.solvers.certificates`).
"""

from .logistic import LogisticLoss, PenalizedLogistic, logistic_loss, sigmoid
from .squared import (
    SHARED_ROWS_FEATURES,
    GramSquaredLoss,
    SampleSquaredLoss,
    SharedSampleSquaredLoss,
    routed_loss,
    shared_design_loss,
    task_bounds,
)
from .stacked import StackedLoss

__all__ = [
    "SHARED_ROWS_FEATURES",
    "GramSquaredLoss",
    "LogisticLoss",
    "PenalizedLogistic",
    "SampleSquaredLoss",
    "SharedSampleSquaredLoss",
    "StackedLoss",
    "logistic_loss",
    "routed_loss",
    "shared_design_loss",
    "sigmoid",
    "task_bounds",
]
