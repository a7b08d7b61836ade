"""Dask input: the per-task statistics in one pass over the chunks, lazy predictions.

Each chunk (a block of rows of a dask array, or a partition of a dask DataFrame)
becomes :class:`~skmtl.statistics.TaskStatistics` on a worker; they are merged
pairwise in a tree, and only the merged statistics (O(T·d²) numbers) reach the
client.  Tasks need not be known in advance: each chunk reports its own, and a
merge takes the union.  The chunks of a dask array may be SciPy sparse matrices:
each stays sparse, and its statistics are formed under the size rule of
:func:`~skmtl._sparse.affordable_products`.  Dask is imported only when such input
is given.
"""

from functools import reduce

import numpy as np

from ._sparse import is_sparse, require_affordable
from ._tasks import split_task_column
from .statistics import TaskStatistics


def is_dask_collection(value):
    """Whether ``value`` is a dask collection (without importing dask otherwise)."""
    if not type(value).__module__.startswith("dask"):
        return False
    from dask.base import is_dask_collection as dask_is_collection

    return dask_is_collection(value)


def reject_dask(estimator, X, statistics=False):
    """A ``TypeError`` for dask input to an estimator that cannot fit on it (unless
    ``statistics``: it can)."""
    if is_dask_collection(X) and not statistics:
        raise TypeError(
            f"{type(estimator).__name__} does not fit on dask input, which would be loaded "
            "whole into memory; the squared-loss regressors, the linear classifiers and "
            "their *CV estimators fit on it. Call .compute() on small data."
        )


#: Share of the workers' memory that chunks kept between passes may take.
KEPT_SHARE = 0.25


def fits_on_workers(n_bytes):
    """Whether ``n_bytes`` of chunks may stay on the workers between passes: at most
    :data:`KEPT_SHARE` of their memory (their memory limits, or this machine's memory
    for workers without one).  Without a distributed client the chunks are computed in
    this process, and kept."""
    try:
        from distributed import default_client

        client = default_client()
    except (ImportError, ValueError):
        return True
    workers = client.scheduler_info()["workers"].values()
    if not workers:
        return True
    import psutil

    memory = sum(worker.get("memory_limit") or psutil.virtual_memory().total
                 for worker in workers)
    return n_bytes <= KEPT_SHARE * memory


def keep_if_they_fit(parts, n_bytes):
    """``parts`` persisted on the workers when they fit (:func:`fits_on_workers`); else
    the lazy parts themselves, computed again from their source at every pass."""
    import dask

    return list(dask.persist(*parts)) if fits_on_workers(n_bytes) else list(parts)


def _merge(first, second):
    return first.merge(second)


def _check_sparse_chunk(X, y, tasks):
    """Refuse a sparse chunk whose per-task d×d statistics break the size rule."""
    if is_sparse(X):
        n_tasks = (np.unique(np.asarray(tasks)).size if tasks is not None
                   else np.shape(y)[1] if np.ndim(y) == 2 else 1)
        require_affordable(n_tasks, X.shape[1], X, "Gram matrices")


def _chunk_statistics(X, y, tasks, sample_weight):
    """:meth:`TaskStatistics.from_rows` of one chunk (a sparse one under the size rule)."""
    _check_sparse_chunk(X, y, tasks)
    return TaskStatistics.from_rows(X, y, tasks, sample_weight)


#: Pieces combined by one task of a tree reduction: a shallow tree costs fewer rounds
#: of scheduling and transfer per pass.
FAN_IN = 8


def _combine_all(combine, *pieces):
    return reduce(combine, pieces)


def tree_reduce(parts, combine):
    """The delayed ``combine`` of all ``parts``, :data:`FAN_IN` at a time in a tree."""
    from dask import delayed

    step = delayed(_combine_all, pure=True)
    while len(parts) > 1:
        parts = [step(combine, *parts[i:i + FAN_IN]) if len(parts[i:i + FAN_IN]) > 1
                 else parts[i] for i in range(0, len(parts), FAN_IN)]
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


def _array_blocks(X, y, tasks, sample_weight):
    """Per row chunk of dask arrays: the delayed blocks (X, y, tasks, sample_weight)."""
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(
            "The row chunks of X have unknown sizes; call X.compute_chunk_sizes() first.")
    X = X.rechunk({1: -1})
    y, tasks, sample_weight = (_as_rows_like(value, X, name) for value, name in (
        (y, "y"), (tasks, "tasks"), (sample_weight, "sample_weight")))
    blocks = [value.to_delayed().ravel() if value is not None else [None] * X.numblocks[0]
              for value in (X, y, tasks, sample_weight)]
    return list(zip(*blocks, strict=True)), list(X.chunks[0])


def _partition_arrays(X, y, tasks, sample_weight, task_column):
    """NumPy rows of one DataFrame partition: (X, y, tasks, sample_weight)."""
    if task_column is not None:
        X, tasks = split_task_column(X, task_column)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    return X, y, None if tasks is None else np.asarray(tasks), weights


def _frame_blocks(X, y, tasks, sample_weight, task_column):
    """Per partition of a dask DataFrame: its delayed NumPy rows, one argument."""
    from dask import delayed

    for value, name in ((y, "y"), (tasks, "tasks"), (sample_weight, "sample_weight")):
        if value is not None and getattr(value, "npartitions", None) != X.npartitions:
            raise ValueError(
                f"With a dask DataFrame X, {name} must be a dask Series (or DataFrame "
                f"column) with the same {X.npartitions} partitions as X."
            )
    blocks = [value.to_delayed() if value is not None else [None] * X.npartitions
              for value in (X, y, tasks, sample_weight)]
    arrays = delayed(_partition_arrays, pure=True, nout=4)
    return [arrays(*values, task_column) for values in zip(*blocks, strict=True)]


def dask_chunks(X, y, tasks, sample_weight, task_column, lengths=False):
    """The delayed rows of each chunk (X, y, tasks, sample_weight) and the feature names.

    Parameters
    ----------
    X : dask Array of shape (n_samples, n_features) or dask DataFrame
    y : dask Array, dask Series, or array-like
    tasks, sample_weight : dask Array, dask Series, array-like or None
    task_column : str, int or None
        For a dask DataFrame X.
    lengths : bool, default=False
        Also return the rows of each chunk (a pass over the partitions of a
        DataFrame; known from the chunks of an array).

    Returns
    -------
    chunks : list of tuples of delayed values
    feature_names : ndarray of str, or None
    lengths : list of int (only with ``lengths=True``)
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
        chunks, sizes = _array_blocks(X, y, tasks, sample_weight)
        names = None
    else:
        chunks = _frame_blocks(X, y, tasks, sample_weight, task_column)
        meta = X._meta if task_column is None else split_task_column(X._meta, task_column)[0]
        names = _get_feature_names(meta)
        sizes = [int(size) for size in X.map_partitions(len).compute()] if lengths else None
    return (chunks, names, sizes) if lengths else (chunks, names)


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
    from dask import delayed

    chunks, names = dask_chunks(X, y, tasks, sample_weight, task_column)
    chunk = delayed(_chunk_statistics, pure=True)
    statistics = tree_reduce([chunk(*values) for values in chunks], _merge).compute()
    labelled = task_column is not None or tasks is not None
    return statistics, names, None if labelled else np.ndim(y)


def _fold_pieces(X, y, tasks, sample_weight, start, n_splits, seed, unweighted):
    """Per fold of one chunk (rows at ``start``...): the statistics of its rows, and with
    ``unweighted`` those of the same rows with unit weights (for the scores)."""
    from .model_selection._splitters import hashed_folds

    _check_sparse_chunk(X, y, tasks)
    folds = (hashed_folds(start, start + X.shape[0], n_splits, seed) if n_splits
             else np.zeros(X.shape[0], dtype=np.intp))
    pieces = []
    for k in range(n_splits or 1):
        rows = folds == k
        labels = None if tasks is None else np.asarray(tasks)[rows]
        weights = None if sample_weight is None else np.asarray(sample_weight)[rows]
        piece = [TaskStatistics.from_rows(X[rows], y[rows], labels, weights)]
        if unweighted:
            piece.append(TaskStatistics.from_rows(X[rows], y[rows], labels))
        pieces.append(piece)
    return pieces


def _merge_pieces(first, second):
    return [[a.merge(b) for a, b in zip(p, q, strict=True)]
            for p, q in zip(first, second, strict=True)]


def dask_fold_statistics(X, y, tasks, sample_weight, task_column, n_splits=None, seed=0):
    """Statistics of each fold of dask data, in one pass over the chunks.

    The fold of a row is :func:`~skmtl.model_selection._splitters.hashed_folds` of
    its position (the folds of :class:`~skmtl.model_selection.HashedKFold`); with
    ``n_splits=None`` all rows form one fold.  A 2-D ``y`` without task labels is
    the shared design: a fold holds whole rows, each task the rows where it is
    observed.

    Returns
    -------
    fitted : list of TaskStatistics
        Each fold's statistics, weighted by ``sample_weight``.
    scored : list of TaskStatistics
        The same with unit weights (``fitted`` itself without sample weights).
    feature_names : ndarray of str, or None
    """
    from dask import delayed

    chunks, names, sizes = dask_chunks(X, y, tasks, sample_weight, task_column, lengths=True)
    starts = np.cumsum([0, *sizes[:-1]]).tolist()
    unweighted = sample_weight is not None
    chunk = delayed(_fold_pieces, pure=True)
    parts = [chunk(*values, start, n_splits, seed, unweighted)
             for values, start in zip(chunks, starts, strict=True)]
    pieces = tree_reduce(parts, _merge_pieces).compute()
    return [piece[0] for piece in pieces], [piece[-1] for piece in pieces], names


def _output_columns(estimator, method, tasks):
    """Columns of ``method``'s output on rows (None: one value per row)."""
    shared = (estimator._shared_design_ndim == 2 and tasks is None
              and getattr(estimator, "task_column", None) is None)
    if shared:
        return len(estimator.tasks_)
    return 2 if method == "predict_proba" else None


def dask_predict(estimator, X, tasks, method="predict"):
    """``estimator.<method>`` applied lazily, block by block (partition by partition).

    Each block, NumPy or SciPy sparse, goes to the in-memory method as it is.

    Parameters
    ----------
    estimator : fitted estimator
    X : dask Array or dask DataFrame
    tasks : dask Array, array-like or None
        For a dask array X (a DataFrame gives its tasks by ``task_column``).
    method : {"predict", "decision_function", "predict_proba"}, default="predict"

    Returns
    -------
    output : dask Array, or dask Series (DataFrame for two-column outputs)
    """
    import dask.array as da
    import pandas as pd

    function = getattr(estimator, method)
    columns = _output_columns(estimator, method, tasks)
    labels = method == "predict" and hasattr(estimator, "classes_")
    dtype = np.asarray(estimator.classes_).dtype if labels else np.dtype(np.float64)
    if not isinstance(X, da.Array):
        if tasks is not None:
            raise ValueError("With a dask DataFrame X, give the tasks by task_column.")
        if columns is None:
            return X.map_partitions(
                lambda part: pd.Series(function(part), index=part.index), meta=(None, dtype))
        return X.map_partitions(
            lambda part: pd.DataFrame(function(part), index=part.index),
            meta=pd.DataFrame({j: pd.Series(dtype=dtype) for j in range(columns)}))
    X = X.rechunk({1: -1})
    meta = np.empty((0,) if columns is None else (0, columns), dtype=dtype)
    if tasks is None:
        return X.map_blocks(function, dtype=dtype, meta=meta,
                            **({"drop_axis": 1} if columns is None
                               else {"chunks": (X.chunks[0], (columns,))}))
    tasks = _as_rows_like(tasks, X, "tasks")
    return da.blockwise(lambda block, labels: function(block, tasks=labels),
                        "i" if columns is None else "ij", X, "ij", tasks, "i",
                        concatenate=True, dtype=dtype, meta=meta,
                        adjust_chunks=None if columns is None else {"j": (columns,)})
