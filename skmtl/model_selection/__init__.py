"""Model selection for multi-task estimators.

- :func:`regularization_path`, :func:`alpha_grid`, :func:`alpha_max`: a family
  fitted along a decreasing grid of alphas with warm starts.
- :class:`WithinTaskKFold` and :class:`LeaveTasksOut`: cross-validation
  splitters that keep every task in every fold, or hold out whole tasks;
  :class:`HashedKFold`, folds by a hash of the row position (dask input).
- :func:`make_task_scorer` builds scorers that pass per-sample task labels to
  the estimator's prediction method, for use as ``scoring=`` in
  ``GridSearchCV``, ``cross_validate``, ... with metadata routing enabled.
- :func:`task_averaged` turns a metric into the mean over tasks of the metric
  of each task's rows (for example the mean per-task ROC AUC).
- :func:`train_test_split_per_task` splits data into train and test subsets
  within each task.

The cross-validated estimators (``TraceNormRegressorCV``, ...) live in
:mod:`skmtl` next to their families.
"""

from ._path import alpha_grid, alpha_max, regularization_path
from ._scorer import make_task_scorer, task_averaged
from ._split import train_test_split_per_task
from ._splitters import HashedKFold, LeaveTasksOut, WithinTaskKFold

__all__ = [
    "HashedKFold",
    "LeaveTasksOut",
    "WithinTaskKFold",
    "alpha_grid",
    "alpha_max",
    "make_task_scorer",
    "regularization_path",
    "task_averaged",
    "train_test_split_per_task",
]
