"""Train/test split that keeps every task represented in the training set."""

import numbers

import numpy as np
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import indexable

__all__ = ["train_test_split_per_task"]


def _n_rows(array):
    shape = getattr(array, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    try:
        return len(array)
    except TypeError:
        raise TypeError(f"Expected an array-like with rows, got {type(array).__name__}.") from None


def _check_fraction(value, name):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a float in (0, 1), got {value!r}.")
    if isinstance(value, numbers.Integral):
        raise ValueError(
            f"{name} must be a float fraction in (0, 1) of each task's rows, got the "
            f"integer {value!r}."
        )
    value = float(value)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be a float in (0, 1), got {value!r}.")
    return value


def _task_sizes(n_rows, test_size, train_size):
    """Numbers of train and test rows of a task with ``n_rows`` rows."""
    n_test = int(np.ceil(test_size * n_rows))
    if train_size is None:
        n_train = n_rows - n_test
    else:
        n_train = int(np.floor(train_size * n_rows))
    # Every task keeps at least one training row.
    n_train = max(n_train, 1)
    n_test = min(n_test, n_rows - n_train)
    return n_train, n_test


def train_test_split_per_task(
    *arrays, tasks, test_size=None, train_size=None, random_state=None, shuffle=True
):
    """Split arrays into train and test subsets within each task.

    For every task label, a fraction ``test_size`` of that task's rows goes to
    the test set, so each task is represented in both subsets in the same
    proportion. Every task keeps at least one row in the training set: the
    number of test rows of a task with ``n_t`` rows is
    ``min(ceil(test_size * n_t), n_t - 1)``, so a task with a single row goes
    entirely to the training set.

    Parameters
    ----------
    *arrays : sequence of indexables with the same length
        Arrays to split: lists, NumPy arrays, SciPy sparse matrices or pandas
        DataFrames / Series. May be empty, in which case only the task labels
        are split.
    tasks : array-like of shape (n_samples,)
        Task label of every row (any sortable labels: integers, strings, ...).
    test_size : float, default=None
        Fraction in (0, 1) of each task's rows to put in the test set. If
        ``None``, it is the complement of ``train_size``, or 0.25 when
        ``train_size`` is also ``None``.
    train_size : float, default=None
        Fraction in (0, 1) of each task's rows to put in the training set
        (rounded down, and at least one row). If ``None``, it is the
        complement of the test set. When both sizes are given and sum to less
        than 1, the remaining rows belong to neither subset.
    random_state : int, RandomState instance or None, default=None
        Controls the shuffling of each task's rows before the split. Pass an
        int for reproducible output.
    shuffle : bool, default=True
        Whether to shuffle each task's rows before splitting. If ``False``,
        the first rows of each task (in their original order) form its
        training part and the following ones its test part.

    Returns
    -------
    splitting : list of length 2 * (len(arrays) + 1)
        ``[a_train, a_test, b_train, b_test, ..., tasks_train, tasks_test]``:
        the train and test parts of every input array, in the order given,
        followed by those of ``tasks``. Each part has the type of its input
        (``tasks`` included) and keeps the rows in their original relative
        order.

    Raises
    ------
    ValueError
        If a size is not a float in (0, 1), the sizes sum to more than 1,
        ``tasks`` is not 1-D, the lengths of ``tasks`` and the arrays differ,
        there are no rows, or the test set would be empty.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import train_test_split_per_task
    >>> X = np.arange(16).reshape(8, 2)
    >>> y = np.arange(8)
    >>> tasks = np.array(["a", "a", "a", "a", "b", "b", "b", "b"])
    >>> X_tr, X_te, y_tr, y_te, t_tr, t_te = train_test_split_per_task(
    ...     X, y, tasks=tasks, test_size=0.5, random_state=0
    ... )
    >>> t_te
    array(['a', 'a', 'b', 'b'], dtype='<U1')
    """
    test_size = _check_fraction(test_size, "test_size")
    train_size = _check_fraction(train_size, "train_size")
    if test_size is None:
        test_size = 0.25 if train_size is None else 1.0 - train_size
    elif train_size is not None and test_size + train_size > 1.0 + 1e-12:
        raise ValueError(
            f"test_size + train_size must be at most 1, got {test_size} + {train_size}."
        )
    if tasks is None:
        raise ValueError("tasks is required: pass the task label of every row.")

    try:
        labels = np.asarray(tasks)
    except Exception as exc:
        raise ValueError("tasks must be convertible to a NumPy array of task labels.") from exc
    if labels.ndim != 1:
        raise ValueError(f"tasks must be 1-D, got an array of shape {labels.shape}.")
    n_samples = labels.shape[0]
    if n_samples == 0:
        raise ValueError("Cannot split zero rows.")

    arrays = indexable(*arrays)
    for position, array in enumerate(arrays):
        n_rows = _n_rows(array)
        if n_rows != n_samples:
            raise ValueError(
                f"tasks has {n_samples} rows but array {position} has {n_rows}; "
                "they must be aligned row by row."
            )

    try:
        _, task_index = np.unique(labels, return_inverse=True)
    except TypeError as exc:
        raise ValueError(
            "tasks must hold labels of one sortable type (e.g. all ints or all strings)."
        ) from exc
    task_index = task_index.reshape(-1)

    rng = check_random_state(random_state)
    train_parts, test_parts = [], []
    for task in range(int(task_index.max()) + 1):
        rows = np.flatnonzero(task_index == task)
        n_train, n_test = _task_sizes(rows.shape[0], test_size, train_size)
        if shuffle:
            rows = rng.permutation(rows)
        train_parts.append(rows[:n_train])
        test_parts.append(rows[n_train : n_train + n_test])
    train = np.sort(np.concatenate(train_parts))
    test = np.sort(np.concatenate(test_parts))
    if test.shape[0] == 0:
        raise ValueError(
            "The test set would be empty: every task is too small for "
            f"test_size={test_size} while keeping one training row per task."
        )

    result = []
    for array in (*arrays, tasks):
        result.append(_safe_indexing(array, train))
        result.append(_safe_indexing(array, test))
    return result
