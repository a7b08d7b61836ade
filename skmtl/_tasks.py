"""The three ways of saying which task a row belongs to, reduced to one form.

1. Shared design: ``X`` (n, d), ``y`` (n, T); column t of ``y`` is task t on the
   same rows (a 1-D ``y`` is a single task).
2. Routed labels: ``fit(X, y, tasks=t)`` with ``t`` aligned with the rows.
3. A task column of ``X`` named by the ``task_column`` parameter.

Task labels are kept in NumPy on the host (they may be strings); only the
integer task index of each row travels to the array namespace of ``X``.
"""

from dataclasses import dataclass

import numpy as np

from ._array_api import to_numpy
from ._sparse import is_sparse
from ._sparse import task_column as sparse_task_column


@dataclass
class TaskAssignment:
    """Which task each row belongs to, for the routed and task-column conventions.

    Attributes
    ----------
    labels : ndarray of shape (n_tasks,)
        The sorted distinct task labels.
    index : ndarray of shape (n_samples,)
        Position in ``labels`` of the task of each row (NumPy, int64).
    """

    labels: np.ndarray
    index: np.ndarray


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "iloc")


def split_task_column(X, task_column):
    """Separate the task column from the features.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_columns)
        Input holding the task labels in one column.
    task_column : str or int
        Column name (DataFrames) or integer position (any input).

    Returns
    -------
    features : DataFrame or array
        ``X`` without the task column.
    task_labels : ndarray of shape (n_samples,)
        The task column as a NumPy array.
    """
    if _is_dataframe(X):
        columns = list(X.columns)
        if isinstance(task_column, str):
            if task_column not in columns:
                raise ValueError(
                    f"task_column={task_column!r} is not a column of X; its columns are {columns}."
                )
            position = columns.index(task_column)
        else:
            position = _column_position(task_column, len(columns))
        labels = np.asarray(X.iloc[:, position])
        return X.drop(columns=columns[position]), labels
    if isinstance(task_column, str):
        raise ValueError(
            f"task_column={task_column!r} is a name, but X has no column names; "
            "pass a pandas DataFrame or give the column's integer position."
        )
    if is_sparse(X):
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D X holding the task column, got shape {X.shape}.")
        return sparse_task_column(X, _column_position(task_column, X.shape[1]))
    if hasattr(X, "__array_namespace__") and not isinstance(X, np.ndarray):
        xp = X.__array_namespace__()
        n_columns = X.shape[1] if X.ndim == 2 else 0
        position = _column_position(task_column, n_columns)
        keep = [j for j in range(n_columns) if j != position]
        labels = to_numpy(X[:, position], xp)
        indices = xp.asarray(keep, device=X.device)
        return xp.take(X, indices, axis=1), labels
    X = np.asarray(X) if not hasattr(X, "shape") else X
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-D X holding the task column, got an array of shape {X.shape}."
        )
    position = _column_position(task_column, X.shape[1])
    labels = np.asarray(X[:, position])
    return np.delete(np.asarray(X), position, axis=1), labels


def _column_position(task_column, n_columns):
    if isinstance(task_column, (bool, np.bool_)) or not isinstance(
        task_column, (int, np.integer)
    ):
        raise TypeError(
            f"task_column must be a column name or an integer position, got {task_column!r}."
        )
    if not -n_columns <= task_column < n_columns:
        raise ValueError(
            f"task_column={task_column} is out of range for X with {n_columns} columns."
        )
    return int(task_column) % n_columns


def as_label_array(tasks, n_samples):
    """Validate per-sample task labels and return them as a 1-D NumPy array."""
    if hasattr(tasks, "__array_namespace__") and not isinstance(tasks, np.ndarray):
        tasks = to_numpy(tasks, tasks.__array_namespace__())
    labels = np.asarray(tasks)
    if labels.ndim != 1:
        labels = labels.reshape(-1) if labels.ndim == 2 and 1 in labels.shape else labels
    if labels.ndim != 1:
        raise ValueError(f"tasks must be 1-D with one label per row, got shape {labels.shape}.")
    if labels.shape[0] != n_samples:
        raise ValueError(
            f"tasks has {labels.shape[0]} labels but X has {n_samples} rows; "
            "give one task label per row."
        )
    if labels.dtype.kind == "O":
        if any(label is None for label in labels):
            raise ValueError("tasks contains missing labels (None).")
        try:
            labels = labels.astype(str) if all(isinstance(v, str) for v in labels) else labels
        except (TypeError, ValueError):  # pragma: no cover - exotic objects keep object dtype
            pass
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError("tasks contains NaN or infinite labels.")
    return labels


def assign_tasks(tasks, n_samples):
    """Sorted distinct labels and the index of each row's task (for ``fit``)."""
    labels = as_label_array(tasks, n_samples)
    try:
        distinct, index = np.unique(labels, return_inverse=True)
    except TypeError as error:
        raise _mixed_types(labels) from error
    return TaskAssignment(labels=distinct, index=index.astype(np.int64).reshape(-1))


def group_tasks(tasks, n_samples):
    """Sorted distinct labels, their row counts, and a stable order that groups the rows
    by task (one sort: the statistics need no per-row index)."""
    labels = as_label_array(tasks, n_samples)
    key = labels
    if labels.dtype.kind in "iu" and n_samples:
        low = labels.min()
        if int(labels.max()) - int(low) < 2**16:
            key = (labels - low).astype(np.uint16)  # NumPy radix-sorts 16-bit keys
    try:
        order = np.argsort(key, kind="stable")
    except TypeError as error:
        raise _mixed_types(labels) from error
    ordered = labels[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if n_samples else (
        np.zeros(0, dtype=np.int64))
    return ordered[starts], np.diff(np.r_[starts, n_samples]), order


def task_runs(tasks, n_samples):
    """Sorted distinct labels, their row counts and first rows when every task's rows are
    contiguous (rows sorted or grouped by task); else None.

    One comparison of neighbouring labels finds the runs; only the run labels are
    sorted.
    """
    labels = as_label_array(tasks, n_samples)
    if not n_samples:
        return None
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    run_labels = labels[starts]
    try:
        order = np.argsort(run_labels, kind="stable")
    except TypeError as error:
        raise _mixed_types(labels) from error
    ordered = run_labels[order]
    if ordered.size > 1 and np.any(ordered[1:] == ordered[:-1]):
        return None  # a task in several runs
    counts = np.diff(np.r_[starts, n_samples])
    return ordered, counts[order], starts[order]


def _mixed_types(labels):
    kinds = sorted({type(label).__name__ for label in labels})
    return TypeError(
        f"The task labels cannot be sorted: they mix the types {kinds}. "
        "Give labels of one type (all strings or all numbers)."
    )


def index_known_tasks(tasks, known_labels, n_samples, unseen_tasks="raise"):
    """Index of each row's task in ``known_labels``.

    Unseen labels raise ``ValueError``, or with ``unseen_tasks='population'`` get -1.
    """
    labels = as_label_array(tasks, n_samples)
    try:
        position = np.searchsorted(known_labels, labels)
    except TypeError as error:
        raise ValueError(
            f"tasks labels of type {labels.dtype} cannot be compared with the fitted task "
            f"labels {known_labels.tolist()}."
        ) from error
    position = np.clip(position, 0, len(known_labels) - 1)
    unseen = known_labels[position] != labels
    if unseen_tasks == "population":
        return np.where(unseen, -1, position).astype(np.int64)
    if np.any(unseen):
        missing = np.unique(labels[unseen]).tolist()
        raise ValueError(
            f"tasks holds labels not seen during fit: {missing[:20]}"
            f"{' ...' if len(missing) > 20 else ''}; the fitted tasks are "
            f"{known_labels.tolist()[:20]}{' ...' if len(known_labels) > 20 else ''}. "
            "Set unseen_tasks='population' to predict them with the population model."
        )
    return position.astype(np.int64)


def resolve_task_weights(task_weights, task_sample_weight_sums, labels):
    """Task scale tau_t multiplying task t's weighted mean loss.

    ``'uniform'`` gives ones, ``'size'`` gives S_t / sum(S), an array gives
    itself (non-negative, one entry per task in ``labels`` order).
    """
    n_tasks = len(labels)
    if isinstance(task_weights, str):
        if task_weights == "uniform":
            return np.ones(n_tasks)
        if task_weights == "size":
            return task_sample_weight_sums / np.sum(task_sample_weight_sums)
        raise ValueError(
            f"task_weights must be 'uniform', 'size' or an array, got {task_weights!r}."
        )
    weights = np.asarray(task_weights, dtype=np.float64).reshape(-1)
    if weights.shape[0] != n_tasks:
        raise ValueError(
            f"task_weights has {weights.shape[0]} entries but there are {n_tasks} tasks "
            f"({labels.tolist()[:20]}); give one weight per task in tasks_ order."
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("task_weights must be finite and non-negative.")
    if not np.any(weights > 0):
        raise ValueError("task_weights are all zero: at least one task must count.")
    return weights
