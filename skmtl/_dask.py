"""Dask input: the per-task statistics in one pass over the chunks, lazy predictions.

Each chunk (a block of rows of a dask array, or a partition of a dask DataFrame)
becomes :class:`~skmtl.statistics.TaskStatistics` on a worker; they are merged
pairwise in a tree, and only the merged statistics (O(T·d²) numbers) reach the
client.  Tasks need not be known in advance: each chunk reports its own, and a
merge takes the union.  Dask is imported only when such input is given.
"""

import numpy as np

from ._tasks import split_task_column
from .statistics import TaskStatistics


def is_dask_collection(value):
    """Whether ``value`` is a dask collection (without importing dask otherwise)."""
    if not type(value).__module__.startswith("dask"):
        return False
    from dask.base import is_dask_collection as dask_is_collection

    return dask_is_collection(value)


def reject_dask(estimator, X):
    """A ``TypeError`` for dask input to an estimator that cannot fit from statistics."""
    if is_dask_collection(X):
        raise TypeError(
            f"{type(estimator).__name__} does not fit on dask input, which would be loaded "
            "whole into memory; the squared-loss regressors (not the *CV ones) fit from its "
            "statistics. Call .compute() on small data."
        )


def _merge(first, second):
    return first.merge(second)


def _tree_merge(parts):
    from dask import delayed

    merge = delayed(_merge, pure=True)
    while len(parts) > 1:
        paired = [merge(a, b) for a, b in zip(parts[::2], parts[1::2], strict=False)]
        parts = paired + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


def _as_rows_like(array, X, name):
    """A dask array of ``array`` whose row chunks are those of ``X`` (None stays None)."""
    import dask.array as da

    if array is None:
        return None
    if not is_dask_collection(array):
        array = np.asarray(array)
    elif not isinstance(array, da.Array):
        array = array.to_dask_array(lengths=True)
    if array.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but {name} has {array.shape[0]}.")
    if isinstance(array, np.ndarray):
        array = da.from_array(array, chunks=(X.chunks[0],) + (-1,) * (array.ndim - 1))
    return array.rechunk({0: X.chunks[0], **({1: -1} if array.ndim == 2 else {})})


def _array_statistics(X, y, tasks, sample_weight):
    """Delayed statistics of dask arrays, one task per row label (or the shared design)."""
    from dask import delayed

    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(
            "The row chunks of X have unknown sizes; call X.compute_chunk_sizes() first.")
    X = X.rechunk({1: -1})
    y, tasks, sample_weight = (_as_rows_like(value, X, name) for value, name in (
        (y, "y"), (tasks, "tasks"), (sample_weight, "sample_weight")))
    blocks = [value.to_delayed().ravel() if value is not None else [None] * X.numblocks[0]
              for value in (X, y, tasks, sample_weight)]
    chunk = delayed(TaskStatistics.from_rows, pure=True)
    return [chunk(*values) for values in zip(*blocks, strict=True)]


def _partition_statistics(X, y, tasks, sample_weight, task_column):
    """:class:`TaskStatistics` of one DataFrame partition (the task column split off)."""
    if task_column is not None:
        X, tasks = split_task_column(X, task_column)
    y = np.asarray(y, dtype=np.float64)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    return TaskStatistics.from_rows(X, y, None if tasks is None else np.asarray(tasks), weights)


def _frame_statistics(X, y, tasks, sample_weight, task_column):
    """Delayed statistics of a dask DataFrame whose companions share its partitions."""
    from dask import delayed

    parts = []
    for value, name in ((y, "y"), (tasks, "tasks"), (sample_weight, "sample_weight")):
        if value is not None and getattr(value, "npartitions", None) != X.npartitions:
            raise ValueError(
                f"With a dask DataFrame X, {name} must be a dask Series (or DataFrame "
                f"column) with the same {X.npartitions} partitions as X."
            )
    blocks = [value.to_delayed() if value is not None else [None] * X.npartitions
              for value in (X, y, tasks, sample_weight)]
    chunk = delayed(_partition_statistics, pure=True)
    for values in zip(*blocks, strict=True):
        parts.append(chunk(*values, task_column))
    return parts


def dask_statistics(X, y, tasks, sample_weight, task_column):
    """Per-task statistics of dask data, computed in one pass; and the feature names.

    Parameters
    ----------
    X : dask Array of shape (n_samples, n_features) or dask DataFrame
    y : dask Array, dask Series, or array-like
    tasks, sample_weight : dask Array, dask Series, array-like or None
    task_column : str, int or None
        For a dask DataFrame X.

    Returns
    -------
    statistics : TaskStatistics
    feature_names : ndarray of str, or None
    shared_design_ndim : int or None
        ``y.ndim`` when no task labels are given (the shared design), else None.
    """
    import dask.array as da
    from sklearn.utils.validation import _get_feature_names

    if task_column is not None and tasks is not None:
        raise ValueError(
            f"Task labels were given twice: by task_column={task_column!r} and by tasks=. "
            "Give one of them."
        )
    if isinstance(X, da.Array):
        if task_column is not None:
            raise ValueError("task_column needs a dask DataFrame X; with a dask array X, "
                             "pass tasks= instead.")
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {X.shape}.")
        parts, names = _array_statistics(X, y, tasks, sample_weight), None
    else:
        parts = _frame_statistics(X, y, tasks, sample_weight, task_column)
        meta = X._meta if task_column is None else split_task_column(X._meta, task_column)[0]
        names = _get_feature_names(meta)
    statistics = _tree_merge(parts).compute()
    labelled = task_column is not None or tasks is not None
    return statistics, names, None if labelled else np.ndim(y)


def dask_predict(estimator, X, tasks):
    """``estimator.predict`` applied lazily, block by block (partition by partition)."""
    import dask.array as da
    import pandas as pd

    if not isinstance(X, da.Array):
        if tasks is not None:
            raise ValueError("With a dask DataFrame X, give the tasks by task_column.")
        return X.map_partitions(
            lambda part: pd.Series(estimator.predict(part), index=part.index),
            meta=(None, "f8"))
    X = X.rechunk({1: -1})
    if tasks is None:
        shared = estimator._shared_design_ndim == 2
        return X.map_blocks(estimator.predict, dtype=np.float64,
                            **({"chunks": (X.chunks[0], (len(estimator.tasks_),))} if shared
                               else {"drop_axis": 1}))
    tasks = _as_rows_like(tasks, X, "tasks")
    return da.blockwise(lambda block, labels: estimator.predict(block, tasks=labels), "i",
                        X, "ij", tasks, "i", concatenate=True, dtype=np.float64)
