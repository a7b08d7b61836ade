"""Model selection helpers for multi-task estimators.

- :func:`make_task_scorer` builds scorers that pass per-sample task labels to
  the estimator's prediction method, for use as ``scoring=`` in
  ``GridSearchCV``, ``cross_validate``, ... with metadata routing enabled.
- :func:`train_test_split_per_task` splits data into train and test subsets
  within each task.
"""

from ._scorer import make_task_scorer
from ._split import train_test_split_per_task

__all__ = ["make_task_scorer", "train_test_split_per_task"]
