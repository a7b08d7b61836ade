"""Task handling shared by every skmtl estimator: the three task conventions.

Rows belong to tasks in one of three ways: a shared design (a 2-D ``y``, one
column per task), routed labels (``tasks=``) or a column of ``X``
(``task_column``).  :class:`MultiTaskModel` turns each into fitted task labels,
each row's task and the task weights, and at prediction time finds each row's
fitted task.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._array_api import _is_numpy_namespace
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, validate_data

from ._array_api import check_magnitude, device_of, follow, get_namespace_and_device, to_numpy
from ._dask import reject_dask
from ._sparse import SPARSE_FORMATS, as_csr, is_sparse, reject_dispatch
from ._tasks import assign_tasks, index_known_tasks, resolve_task_weights, split_task_column

#: Constraints of the parameters that say how rows and tasks are weighted and found.
TASK_CONSTRAINTS = {
    "fit_intercept": ["boolean"],
    "task_weights": [StrOptions({"uniform", "size"}), "array-like"],
    "task_column": [None, str, Interval(Integral, None, None, closed="neither")],
}


class MultiTaskModel(BaseEstimator):
    """Base of the multi-task estimators (not public): which task each row belongs to."""

    __metadata_request__fit = {"tasks": True}
    __metadata_request__predict = {"tasks": True}
    __metadata_request__score = {"tasks": True}

    @property
    def _task_labels(self):
        """The fitted task labels as a NumPy array, whatever namespace ``tasks_`` uses.

        Kept as a list so that every array attribute lives in the data's namespace.
        """
        return np.asarray(self._task_label_list)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.array_api_support = True
        tags.input_tags.sparse = True
        return tags

    def _split_input(self, X, tasks):
        """Features and per-row labels (None in the shared design)."""
        if self.task_column is not None:
            if tasks is not None:
                raise ValueError(
                    "Task labels were given twice: by task_column="
                    f"{self.task_column!r} and by tasks=. Give one of them."
                )
            return split_task_column(X, self.task_column)
        return X, tasks

    def _validate_fit_input(self, X, y, tasks, sample_weight, y_numeric=True):
        reject_dask(self, X)
        reject_dispatch(X)
        X, labels = self._split_input(X, tasks)
        xp, _, device = get_namespace_and_device(X)
        y, sample_weight = follow(y, xp, device), follow(sample_weight, xp, device)
        X, y = validate_data(
            self, X, y, multi_output=True, y_numeric=y_numeric, dtype=[xp.float64, xp.float32],
            accept_sparse=SPARSE_FORMATS,
        )
        if is_sparse(X):
            X = as_csr(X)
        xp, _, _ = get_namespace_and_device(X)
        check_magnitude("X", X.data if is_sparse(X) else X, xp)
        if y_numeric and y.dtype != X.dtype:
            y = xp.astype(y, X.dtype)
        if y_numeric:
            check_magnitude("y", y, xp)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        return X, y, labels, sample_weight, xp

    def _assign_tasks(self, X, y, labels, sample_weight, xp):
        """Set the fitted task labels; return each row's task (None if shared) and tau.

        Without labels, the columns of a 2-D ``y`` are the tasks (shared design).
        """
        if labels is None:
            n_tasks = y.shape[1] if y.ndim == 2 else 1
            self._task_label_list = list(range(n_tasks))
            self._shared_design_ndim = y.ndim
            totals = np.full(n_tasks, float(xp.sum(sample_weight)))
            return None, self._task_scale(totals, xp, X)
        if y.ndim != 1:
            raise ValueError(
                f"With task labels y must be 1-D (one target per row), got shape {y.shape}."
            )
        assignment = assign_tasks(labels, X.shape[0])
        self._task_label_list = assignment.labels.tolist()
        self._shared_design_ndim = None
        weights = to_numpy(sample_weight, xp)
        totals = np.bincount(assignment.index, weights=weights, minlength=len(assignment.labels))
        return assignment.index, self._task_scale(totals, xp, X)

    def _set_tasks_attribute(self, X, xp):
        """``tasks_``: NumPy, or the data's namespace for numeric labels."""
        self.tasks_ = self._task_labels
        if self._task_labels.dtype.kind in "iuf" and not _is_numpy_namespace(xp):
            self.tasks_ = xp.asarray(self._task_labels, device=device_of(X))

    def _check_task_weights(self, totals):
        empty = np.flatnonzero(totals <= 0)
        if empty.size:
            labels = self._task_labels[empty].tolist()
            raise ValueError(
                f"The sample weights of task(s) {labels[:20]} sum to zero: every task needs "
                "at least one row with positive weight."
            )

    def _task_scale(self, totals, xp, X):
        self._check_task_weights(totals)
        scale = resolve_task_weights(self.task_weights, totals, self._task_labels)
        return xp.asarray(scale, dtype=X.dtype, device=device_of(X))

    def _row_task_index(self, labels, n_rows):
        """Fitted-task position of each row (None: one output column per task)."""
        if labels is not None:
            return index_known_tasks(labels, self._task_labels, n_rows)
        if self._shared_design_ndim is None:
            if len(self._task_labels) == 1:
                return np.zeros(n_rows, dtype=np.int64)
            raise ValueError(
                f"{type(self).__name__} was fitted on {len(self._task_labels)} tasks given by "
                "labels; predict needs the task of each row: pass tasks= (or set task_column)."
            )
        return None
