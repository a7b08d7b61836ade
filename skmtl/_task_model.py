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
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils._array_api import _is_numpy_namespace, check_same_namespace
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

    #: The fitted array whose namespace prediction rows must share.
    _fitted_array = "coef_"

    def _validated_features(self, X, method):
        """Prediction rows validated against the fit (CSR for a sparse X), and their
        namespace."""
        reject_dispatch(X)
        xp, _, _ = get_namespace_and_device(X)
        X = validate_data(self, X, reset=False, dtype=[xp.float64, xp.float32],
                          accept_sparse=SPARSE_FORMATS)
        if is_sparse(X):
            return as_csr(X), np
        check_same_namespace(X, self, attribute=self._fitted_array, method=method)
        return X, get_namespace_and_device(X)[0]

    def _validate_fit_input(self, X, y, tasks, sample_weight, y_numeric=True):
        """Validated ``X, y, labels, sample_weight, xp``.

        A shared-design ``y`` (2-D, no labels) may hold NaN, "not observed": the
        observed (row, task) pairs are returned as routed rows labelled by their
        column, and ``_observed_columns`` keeps the number of columns so that the
        fit stays a shared-design model (one prediction column per task).
        """
        reject_dask(self, X)
        reject_dispatch(X)
        X, labels = self._split_input(X, tasks)
        xp, _, device = get_namespace_and_device(X)
        y, sample_weight = follow(y, xp, device), follow(sample_weight, xp, device)
        self._observed_columns = None
        missing = labels is None and has_missing(y)
        X, y = validate_rows(self, X, y, missing, y_numeric=y_numeric,
                             dtype=[xp.float64, xp.float32], accept_sparse=SPARSE_FORMATS)
        if is_sparse(X):
            X = as_csr(X)
        xp, _, _ = get_namespace_and_device(X)
        check_magnitude("X", X.data if is_sparse(X) else X, xp)
        if y_numeric and y.dtype != X.dtype:
            y = xp.astype(y, X.dtype)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        if missing:
            X, y, labels, sample_weight = observed_pairs(X, y, sample_weight, xp)
            self._observed_columns = int(np.max(labels)) + 1
        if y_numeric:
            check_magnitude("y", y, xp)
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
        self._shared_design_ndim = None if self._observed_columns is None else 2
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

    def _row_task_index(self, labels, n_rows, unseen_tasks="raise"):
        """Fitted-task position of each row (None: one output column per task); -1 for a
        row of an unseen task with ``unseen_tasks='population'``."""
        if labels is not None:
            return index_known_tasks(labels, self._task_labels, n_rows, unseen_tasks)
        if self._shared_design_ndim is None:
            if len(self._task_labels) == 1:
                return np.zeros(n_rows, dtype=np.int64)
            raise ValueError(
                f"{type(self).__name__} was fitted on {len(self._task_labels)} tasks given by "
                "labels; predict needs the task of each row: pass tasks= (or set task_column)."
            )
        return None


def has_missing(y):
    """Whether a 2-D float ``y`` holds NaN (a response not observed)."""
    values = to_numpy(y) if hasattr(y, "__array_namespace__") else np.asarray(y)
    return values.ndim == 2 and values.dtype.kind == "f" and bool(np.isnan(values).any())


def validate_rows(estimator, X, y, missing, *, reset=True, y_numeric=True, dtype=None,
                  accept_sparse=False):
    """``validate_data`` of X and y; with ``missing``, y keeps its NaN (a shared design
    with responses not observed)."""
    if not missing:
        return validate_data(estimator, X, y, reset=reset, multi_output=True,
                             y_numeric=y_numeric, dtype=dtype, accept_sparse=accept_sparse)
    X = validate_data(estimator, X, reset=reset, dtype=dtype, accept_sparse=accept_sparse)
    y = check_array(y, ensure_all_finite="allow-nan", dtype=X.dtype, input_name="y")
    check_consistent_length(X, y)
    return X, y


def observed_pairs(X, Y, sample_weight, xp):
    """The observed (row, task) pairs of a shared design with NaN as routed rows.

    Returns ``X[rows], Y[rows, columns], columns, sample_weight[rows]`` with the
    pairs ordered by row; the fit on them is the shared-design fit restricted to
    the observed responses, each task's data term the mean over its observed rows.
    A column with no observed row is an error.
    """
    observed = ~np.isnan(to_numpy(Y, xp))
    empty = np.flatnonzero(~observed.any(axis=0))
    if empty.size:
        raise ValueError(
            f"Column(s) {empty.tolist()[:20]} of y hold no observed value (all NaN): every "
            "task needs at least one observed row.")
    rows, columns = np.nonzero(observed)
    row_index = xp.asarray(rows, device=Y.device)
    flat = xp.asarray(rows * Y.shape[1] + columns, device=Y.device)
    values = xp.take(xp.reshape(Y, (-1,)), flat)
    features = X[rows] if is_sparse(X) else xp.take(X, row_index, axis=0)
    return features, values, columns, xp.take(sample_weight, row_index, axis=0)
