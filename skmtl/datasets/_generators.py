"""Synthetic multi-task regression data with a known task structure."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_multitask_regression"]

_STRUCTURES = ("mean", "lowrank", "sparse", "clustered", "independent")


def _check_int(value, name, low):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}.")
    return int(value)


def _check_nonneg_real(value, name):
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}.")
    return float(value)


def _check_sizes(n_samples, n_tasks, shared_design):
    """Return the per-task row counts as an int64 array of length n_tasks."""
    if isinstance(n_samples, Integral) and not isinstance(n_samples, bool):
        return np.full(n_tasks, _check_int(n_samples, "n_samples", 1), dtype=np.int64)
    if shared_design:
        raise ValueError(
            "n_samples must be an int when shared_design=True (all tasks share one design)."
        )
    sizes = np.asarray(n_samples)
    if sizes.ndim != 1 or sizes.shape[0] != n_tasks:
        raise ValueError(
            f"n_samples must be an int or a 1-d array-like of length n_tasks={n_tasks}, "
            f"got shape {sizes.shape}."
        )
    if sizes.dtype.kind not in "iuf" or np.any(sizes != np.round(sizes)):
        raise ValueError("n_samples must contain integer row counts.")
    if np.any(sizes < 1):
        raise ValueError(f"every task needs n_samples >= 1, got min {sizes.min()}.")
    return sizes.astype(np.int64)


def _make_coef(structure, n_tasks, n_features, rank, n_informative, n_clusters, spread, rng):
    """Draw the true coefficient matrix W (n_tasks, n_features)."""
    T, d = n_tasks, n_features
    clusters = None
    if structure == "mean":
        W = rng.standard_normal(d) + spread * rng.standard_normal((T, d))
    elif structure == "lowrank":
        U = rng.standard_normal((T, rank))
        V = rng.standard_normal((d, rank))
        W = U @ V.T / np.sqrt(rank)
    elif structure == "sparse":
        support = np.sort(rng.choice(d, size=n_informative, replace=False))
        W = np.zeros((T, d))
        W[:, support] = rng.standard_normal((T, n_informative))
    elif structure == "clustered":
        centres = rng.standard_normal((n_clusters, d))
        # Every cluster gets at least one task.
        clusters = rng.permutation(np.arange(T) % n_clusters).astype(np.int64)
        W = centres[clusters] + spread * rng.standard_normal((T, d))
    else:  # independent
        W = rng.standard_normal((T, d))
    return W, clusters


def make_multitask_regression(
    n_tasks=10,
    n_features=20,
    n_samples=100,
    *,
    structure="mean",
    n_informative=None,
    rank=None,
    n_clusters=None,
    task_spread=0.2,
    noise=1.0,
    shared_design=False,
    intercept=0.0,
    shuffle=True,
    return_clusters=False,
    random_state=None,
):
    """Generate multi-task linear regression data with a known task structure.

    Each task ``t`` has its own coefficient vector ``w_t`` (a row of the true
    coefficient matrix ``W``); the features are i.i.d. standard normal and
    ``y = X @ w_t + intercept[t] + noise * eps`` with ``eps`` standard normal.
    The relationship between the rows of ``W`` is set by ``structure``.

    Parameters
    ----------
    n_tasks : int, default=10
        Number of tasks ``T`` (>= 1).
    n_features : int, default=20
        Number of features ``d`` (>= 1).
    n_samples : int or array-like of int of shape (n_tasks,), default=100
        Rows per task: an int gives every task the same number of rows, an
        array-like gives the row count of each task (each >= 1), for
        unequal task sizes. Must be an int when ``shared_design=True``.
    structure : {'mean', 'lowrank', 'sparse', 'clustered', 'independent'}, \
default='mean'
        How the task coefficient vectors relate, all entries on a unit
        (standard normal) scale:

        - ``'mean'``: ``w_t = w_mean + task_spread * z_t``, tasks close to a
          common mean vector.
        - ``'lowrank'``: ``W = U V' / sqrt(rank)`` has rank exactly ``rank``.
        - ``'sparse'``: all tasks share one support of ``n_informative``
          features; the other columns of ``W`` are exactly zero.
        - ``'clustered'``: ``n_clusters`` cluster centres; each task is its
          centre plus ``task_spread * z_t``. Each cluster has at least one
          task.
        - ``'independent'``: each ``w_t`` drawn independently.
    n_informative : int, optional
        Size of the shared support for ``structure='sparse'``; defaults to
        ``max(1, n_features // 5)``. Only valid with ``'sparse'``.
    rank : int, optional
        Rank of ``W`` for ``structure='lowrank'``, between 1 and
        ``min(n_tasks, n_features)``; defaults to ``min(3, n_tasks,
        n_features)``. Only valid with ``'lowrank'``.
    n_clusters : int, optional
        Number of clusters for ``structure='clustered'``, between 1 and
        ``n_tasks``; defaults to ``min(3, n_tasks)``. Only valid with
        ``'clustered'``.
    task_spread : float, default=0.2
        Standard deviation of a task's deviation from its mean
        (``'mean'``) or cluster centre (``'clustered'``), relative to the
        unit scale of the mean/centres. Ignored by other structures.
    noise : float, default=1.0
        Standard deviation of the Gaussian noise added to ``y`` (>= 0).
    shared_design : bool, default=False
        If True, all tasks share one design matrix ``X`` of shape
        ``(n_samples, n_features)`` and ``y`` has shape
        ``(n_samples, n_tasks)`` (column ``t`` is task ``t``); ``tasks`` is
        then None.
    intercept : float or array-like of shape (n_tasks,), default=0.0
        Intercept of each task (a float is used for all tasks).
    shuffle : bool, default=True
        If True, the stacked rows are shuffled so that tasks are interleaved;
        if False, rows are grouped by task (task 0 first). Ignored when
        ``shared_design=True``.
    return_clusters : bool, default=False
        If True, also return the cluster label of each task. Only valid with
        ``structure='clustered'``.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples_total, n_features)
        Design matrix, the rows of all tasks stacked (or the shared design,
        ``(n_samples, n_features)``, when ``shared_design=True``).
    y : ndarray of shape (n_samples_total,) or (n_samples, n_tasks)
        Targets.
    tasks : ndarray of shape (n_samples_total,) of int64, or None
        Task label ``0..n_tasks-1`` of each row; None when
        ``shared_design=True``.
    coef : ndarray of shape (n_tasks, n_features)
        The true coefficient matrix ``W``; row ``t`` is ``w_t``.
    clusters : ndarray of shape (n_tasks,) of int64
        Cluster label of each task; returned only if ``return_clusters``.

    Raises
    ------
    ValueError
        If a parameter is out of range, of the wrong shape, or does not
        apply to the chosen ``structure``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, coef = make_multitask_regression(
    ...     n_tasks=4, n_features=6, n_samples=[5, 10, 1, 3],
    ...     structure="lowrank", rank=2, random_state=0)
    >>> X.shape, y.shape, coef.shape
    ((19, 6), (19,), (4, 6))
    >>> np.bincount(tasks).tolist()
    [5, 10, 1, 3]
    >>> int(np.linalg.matrix_rank(coef))
    2
    """
    if structure not in _STRUCTURES:
        raise ValueError(f"structure must be one of {_STRUCTURES}, got {structure!r}.")
    T = _check_int(n_tasks, "n_tasks", 1)
    d = _check_int(n_features, "n_features", 1)
    sizes = _check_sizes(n_samples, T, shared_design)
    noise = _check_nonneg_real(noise, "noise")
    spread = _check_nonneg_real(task_spread, "task_spread")

    for name, value, owner in (
        ("rank", rank, "lowrank"),
        ("n_informative", n_informative, "sparse"),
        ("n_clusters", n_clusters, "clustered"),
    ):
        if value is not None and structure != owner:
            raise ValueError(f"{name} only applies to structure={owner!r}, not {structure!r}.")
    if return_clusters and structure != "clustered":
        raise ValueError("return_clusters=True requires structure='clustered'.")

    if structure == "lowrank":
        rank = _check_int(min(3, T, d) if rank is None else rank, "rank", 1)
        if rank > min(T, d):
            raise ValueError(f"rank must be <= min(n_tasks, n_features) = {min(T, d)}, got {rank}.")
    elif structure == "sparse":
        if n_informative is None:
            n_informative = max(1, d // 5)
        n_informative = _check_int(n_informative, "n_informative", 1)
        if n_informative > d:
            raise ValueError(f"n_informative must be <= n_features = {d}, got {n_informative}.")
    elif structure == "clustered":
        if n_clusters is None:
            n_clusters = min(3, T)
        n_clusters = _check_int(n_clusters, "n_clusters", 1)
        if n_clusters > T:
            raise ValueError(f"n_clusters must be <= n_tasks = {T}, got {n_clusters}.")

    b = np.asarray(intercept, dtype=np.float64)
    if b.ndim == 0:
        b = np.full(T, float(b))
    elif b.shape != (T,):
        raise ValueError(
            f"intercept must be a float or an array of shape (n_tasks,) = ({T},), "
            f"got shape {b.shape}."
        )
    if not np.all(np.isfinite(b)):
        raise ValueError("intercept must be finite.")

    rng = check_random_state(random_state)
    W, clusters = _make_coef(structure, T, d, rank, n_informative, n_clusters, spread, rng)

    if shared_design:
        n = int(sizes[0])
        X = rng.standard_normal((n, d))
        y = X @ W.T + b + noise * rng.standard_normal((n, T))
        tasks = None
    else:
        N = int(sizes.sum())
        tasks = np.repeat(np.arange(T, dtype=np.int64), sizes)
        X = rng.standard_normal((N, d))
        y = np.einsum("ij,ij->i", X, W[tasks]) + b[tasks] + noise * rng.standard_normal(N)
        if shuffle:
            perm = rng.permutation(N)
            X, y, tasks = X[perm], y[perm], tasks[perm]

    out = (X, y, tasks, W)
    return (*out, clusters) if return_clusters else out
