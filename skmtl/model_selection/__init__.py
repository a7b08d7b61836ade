"""Model selection helpers for multi-task estimators.

- :func:`make_task_scorer` builds scorers that pass per-sample task labels to
  the estimator's prediction method, for use as ``scoring=`` in
  ``GridSearchCV``, ``cross_validate``, ... with metadata routing enabled.
- :func:`task_averaged` turns a metric into the mean over tasks of the metric
  of each task's rows (for example the mean per-task ROC AUC).
- :func:`train_test_split_per_task` splits data into train and test subsets
  within each task.
"""

from ._scorer import make_task_scorer, task_averaged
from ._split import train_test_split_per_task

__all__ = ["make_task_scorer", "task_averaged", "train_test_split_per_task"]
