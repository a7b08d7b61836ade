r"""The data terms: the squared loss (intercepts solved out; per-task statistics or
rows) and the logistic loss (intercepts a column of :math:`\Theta = [W \mid b]`), and
a loss seen on the stacked parts of a split.

Every loss offers ``value``, ``gradient``, ``value_and_gradient`` and ``lipschitz``
on its variable, and ``dual(coef)``: the :class:`~skmtl.losses.dual.Dual` point
that the one duality gap of :mod:`skmtl.solvers.certificates` needs.  Per-task
statistics are formed in one place, :func:`skmtl.statistics.weighted_statistics`.
"""

from .dual import Dual
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
    "Dual",
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
