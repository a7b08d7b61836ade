"""Cross-validation splitters that know which task each row belongs to.

:class:`HashedKFold` assigns each row to a fold by a hash of its position, so
the rows of a chunk find their folds without seeing the others (dask input).

:class:`WithinTaskKFold` puts a share of every task's rows in every fold, so
each task is trained and tested in every split; :class:`LeaveTasksOut` holds
out whole tasks, to measure how a population model generalizes to new tasks.

Both find the task labels, in this order, in ``tasks=`` (requested through
metadata routing, so ``GridSearchCV(..., cv=WithinTaskKFold()).fit(X, y,
tasks=tasks)`` routes them), in ``groups=`` (what scikit-learn passes without
routing) or in the column ``task_column`` of ``X``.  Without labels, a 2-D
``y`` is the shared design: every row holds every task.
"""

import numbers

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.model_selection._split import BaseCrossValidator
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _num_samples

from .._array_api import to_numpy
from .._tasks import as_label_array, split_task_column

__all__ = ["HashedKFold", "LeaveTasksOut", "WithinTaskKFold"]


def _row_tasks(X, groups, tasks, task_column):
    """The task label of each row, or None when the rows carry no labels."""
    if task_column is not None:
        if tasks is not None or groups is not None:
            raise ValueError(
                f"Task labels were given twice: by task_column={task_column!r} and by "
                "tasks=/groups=. Give one of them."
            )
        return split_task_column(X, task_column)[1]
    labels = tasks if tasks is not None else groups
    if labels is None:
        return None
    return as_label_array(labels, _num_samples(X))


def _host(y):
    """``y`` as a NumPy array, from any array library or device (None stays None)."""
    if y is None or isinstance(y, (np.ndarray, list, tuple)):
        return None if y is None else np.asarray(y)
    try:
        return to_numpy(y)
    except (TypeError, AttributeError, ValueError):  # array-likes of no array library
        return np.asarray(y)


def _check_n_splits(n_splits):
    if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral) or n_splits < 2:
        raise ValueError(f"n_splits must be an integer of at least 2, got {n_splits!r}.")


class WithinTaskKFold(BaseCrossValidator):
    """K folds that split the rows of every task, so every task is in every fold.

    Each fold's test set holds about ``1/n_splits`` of each task's rows (and,
    for classification targets with ``stratify=True``, of each task's rows of
    each class); the training set holds the rest.  Every task therefore
    appears in every training and every test set, which a model with one
    coefficient vector per task needs to be scored on each fold.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.  Every task needs at least ``n_splits``
        rows.
    shuffle : bool, default=False
        Shuffle each task's rows before splitting them.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffling (used only with ``shuffle=True``).
    stratify : bool, default=False
        Also keep each class's share within each task in every fold (for a
        binary or multiclass ``y``; the ``*ClassifierCV`` estimators set it).
    task_column : str or int, default=None
        Column of ``X`` holding the task labels (the task-column convention).

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import WithinTaskKFold
    >>> tasks = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> X = np.zeros((9, 1))
    >>> [np.unique(tasks[test]).tolist() for _, test in WithinTaskKFold(3).split(X, tasks=tasks)]
    [[0, 1], [0, 1], [0, 1]]
    """

    __metadata_request__split = {"tasks": True}

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None, stratify=False,
                 task_column=None):
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state
        self.stratify = stratify
        self.task_column = task_column

    def get_n_splits(self, X=None, y=None, groups=None, tasks=None):
        """The number of splits, ``n_splits``."""
        return self.n_splits

    def split(self, X, y=None, groups=None, tasks=None):
        """Train and test row indices of each fold.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
        groups : array-like of shape (n_samples,), default=None
            Task labels (what scikit-learn passes without metadata routing).
        tasks : array-like of shape (n_samples,), default=None
            Task labels (routed).

        Yields
        ------
        train, test : ndarray of int
        """
        _check_n_splits(self.n_splits)
        n_samples = _num_samples(X)
        labels = _row_tasks(X, groups, tasks, self.task_column)
        strata = np.zeros(n_samples, dtype=np.int64) if labels is None else (
            np.unique(labels, return_inverse=True)[1].reshape(-1))
        if labels is not None:
            counts = np.bincount(strata)
            small = np.unique(labels)[counts < self.n_splits]
            if small.size:
                raise ValueError(
                    f"Task(s) {small.tolist()[:20]} have fewer rows than n_splits="
                    f"{self.n_splits}: every task must be in every fold."
                )
        y = _host(y)
        if self.stratify and y is not None and np.ndim(y) == 1:
            if type_of_target(y) in ("binary", "multiclass"):
                classes = np.unique(np.asarray(y), return_inverse=True)[1].reshape(-1)
                strata = strata * (classes.max() + 1) + classes
        random_state = self.random_state if self.shuffle else None
        if np.unique(strata).size == 1:
            folds = KFold(self.n_splits, shuffle=self.shuffle, random_state=random_state)
        else:
            folds = StratifiedKFold(self.n_splits, shuffle=self.shuffle,
                                    random_state=random_state)
        yield from folds.split(np.zeros((n_samples, 1)), strata)


class LeaveTasksOut(BaseCrossValidator):
    """Hold out whole tasks: each test set holds every row of some tasks.

    Scores a model on tasks it has not seen, which only a population model can
    predict: score with ``make_task_scorer(r2_score,
    response_method="predict_population")`` (see the estimators' ``predict_population``).

    Parameters
    ----------
    n_splits : int or None, default=None
        None: one split per task (leave one task out).  An int: that many
        folds of whole tasks, of about equal numbers of rows
        (:class:`sklearn.model_selection.GroupKFold`).
    task_column : str or int, default=None
        Column of ``X`` holding the task labels.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import LeaveTasksOut
    >>> tasks = np.array(["a", "a", "b", "c", "c"])
    >>> [tasks[test].tolist() for _, test in LeaveTasksOut().split(np.zeros((5, 1)), tasks=tasks)]
    [['a', 'a'], ['b'], ['c', 'c']]
    """

    __metadata_request__split = {"tasks": True}

    def __init__(self, n_splits=None, *, task_column=None):
        self.n_splits = n_splits
        self.task_column = task_column

    def test_tasks(self, labels, counts):
        """The held-out tasks of each split, from the tasks and their numbers of rows.

        One task per split in label order when ``n_splits`` is None; else the
        tasks, largest first, each added to the fold with the fewest rows so far
        (:class:`~sklearn.model_selection.GroupKFold`'s assignment).

        Parameters
        ----------
        labels : ndarray of shape (T,)
            Sorted distinct task labels.
        counts : ndarray of shape (T,)
            Rows of each task.

        Returns
        -------
        test_tasks : list of ndarray
        """
        n_tasks = labels.size
        if n_tasks < 2 or (self.n_splits is not None and n_tasks < self.n_splits):
            raise ValueError(
                f"LeaveTasksOut needs at least {max(2, self.n_splits or 2)} tasks, got {n_tasks}."
            )
        if self.n_splits is None:
            return [labels[t:t + 1] for t in range(n_tasks)]
        _check_n_splits(self.n_splits)
        largest_first = np.argsort(counts, kind="stable")[::-1]
        fold_rows, fold_of = np.zeros(self.n_splits), np.zeros(n_tasks, dtype=np.intp)
        for task in largest_first:
            lightest = np.argmin(fold_rows)
            fold_rows[lightest] += counts[task]
            fold_of[task] = lightest
        return [labels[fold_of == k] for k in range(self.n_splits)]

    def get_n_splits(self, X=None, y=None, groups=None, tasks=None):
        """The number of splits (the number of tasks when ``n_splits`` is None)."""
        if self.n_splits is not None:
            return self.n_splits
        labels = _row_tasks(X, groups, tasks, self.task_column) if X is not None else None
        if labels is None:
            raise ValueError("The number of tasks is needed: pass X with tasks= or groups=.")
        return int(np.unique(labels).size)

    def split(self, X, y=None, groups=None, tasks=None):
        """Train and test row indices; each test set is every row of some tasks.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
        groups, tasks : array-like of shape (n_samples,), default=None
            Task labels (``groups`` without metadata routing, ``tasks`` with).

        Yields
        ------
        train, test : ndarray of int
        """
        labels = _row_tasks(X, groups, tasks, self.task_column)
        if labels is None:
            raise ValueError(
                "LeaveTasksOut needs the task of each row: pass tasks= (or groups=), or set "
                "task_column."
            )
        distinct, row_task, counts = np.unique(labels, return_inverse=True, return_counts=True)
        for tasks in self.test_tasks(distinct, counts):
            test = np.isin(row_task.reshape(-1), np.searchsorted(distinct, tasks))
            yield np.flatnonzero(~test), np.flatnonzero(test)


_GOLDEN, _MIX_A, _MIX_B = 0x9E3779B97F4A7C15, np.uint64(0xBF58476D1CE4E5B9), np.uint64(
    0x94D049BB133111EB)


def hashed_folds(start, stop, n_splits, seed=0):
    """Fold of the rows at positions ``start`` to ``stop - 1``: the SplitMix64 hash of
    the position (offset by the seed), modulo ``n_splits``."""
    offset = np.uint64((seed + 1) * _GOLDEN % 2**64)
    state = np.arange(start, stop, dtype=np.uint64) + offset
    state = (state ^ (state >> np.uint64(30))) * _MIX_A
    state = (state ^ (state >> np.uint64(27))) * _MIX_B
    state = state ^ (state >> np.uint64(31))
    return (state % np.uint64(n_splits)).astype(np.intp)


class HashedKFold(BaseCrossValidator):
    """K folds assigned by a hash of each row's position: every task split at random.

    Row i belongs to the fold ``hash(i, seed) mod n_splits``, which a chunk of
    rows computes from its own offset, without a shuffle or the task labels:
    the folds of the ``*CV`` estimators on dask input.  Each task's rows fall
    into the folds at random (a task with few rows may miss a fold; a task
    missing from a training set cannot be scored).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    seed : int, default=0
        Seed of the hash: other seeds give other folds.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import HashedKFold
    >>> [test.size for _, test in HashedKFold(3).split(np.zeros((300, 1)))]
    [107, 106, 87]
    """

    def __init__(self, n_splits=5, *, seed=0):
        self.n_splits = n_splits
        self.seed = seed

    def get_n_splits(self, X=None, y=None, groups=None):
        """The number of splits, ``n_splits``."""
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Train and test row indices of each fold.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Ignored.

        Yields
        ------
        train, test : ndarray of int
        """
        _check_n_splits(self.n_splits)
        folds = hashed_folds(0, _num_samples(X), self.n_splits, self.seed)
        for k in range(self.n_splits):
            yield np.flatnonzero(folds != k), np.flatnonzero(folds == k)
