"""Synthetic multi-task regression and classification data with a known task structure."""

from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy.special import expit
from sklearn.utils import check_random_state

__all__ = ["make_multitask_classification", "make_multitask_regression"]

_STRUCTURES = ("mean", "lowrank", "sparse", "clustered", "independent")


def _check_int(value, name, low):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}.")
    return int(value)


def _check_nonneg_real(value, name, *, strict=False):
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    if value < 0 or (strict and value == 0):
        raise ValueError(f"{name} must be {'>' if strict else '>='} 0, got {value}.")
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


class _Spec(NamedTuple):
    """Validated arguments shared by the generators."""

    structure: str
    n_tasks: int
    n_features: int
    sizes: np.ndarray
    task_spread: float
    rank: int | None
    n_informative: int | None
    n_clusters: int | None


def _check_structure(
    structure,
    n_tasks,
    n_features,
    n_samples,
    *,
    shared_design,
    task_spread,
    rank,
    n_informative,
    n_clusters,
    return_clusters,
):
    """Validate the sizes and the structure arguments; fill in their defaults."""
    if structure not in _STRUCTURES:
        raise ValueError(f"structure must be one of {_STRUCTURES}, got {structure!r}.")
    T = _check_int(n_tasks, "n_tasks", 1)
    d = _check_int(n_features, "n_features", 1)
    sizes = _check_sizes(n_samples, T, shared_design)
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
    return _Spec(structure, T, d, sizes, spread, rank, n_informative, n_clusters)


def _check_per_task(value, name, n_tasks):
    """A float or an array of shape (n_tasks,), as a finite float64 array (n_tasks,)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_tasks, float(arr))
    elif arr.shape != (n_tasks,):
        raise ValueError(
            f"{name} must be a float or an array of shape (n_tasks,) = ({n_tasks},), "
            f"got shape {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite.")
    return arr


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


def _draw_coef_and_design(spec, shared_design, rng):
    """Draw ``W`` (and cluster labels), then the standard normal design.

    Returns ``(W, clusters, X, tasks)``; the rows of ``X`` are grouped by task
    (``tasks`` is None and ``X`` has ``spec.sizes[0]`` rows when
    ``shared_design``).
    """
    W, clusters = _make_coef(
        spec.structure,
        spec.n_tasks,
        spec.n_features,
        spec.rank,
        spec.n_informative,
        spec.n_clusters,
        spec.task_spread,
        rng,
    )
    if shared_design:
        X = rng.standard_normal((int(spec.sizes[0]), spec.n_features))
        tasks = None
    else:
        tasks = np.repeat(np.arange(spec.n_tasks, dtype=np.int64), spec.sizes)
        X = rng.standard_normal((tasks.shape[0], spec.n_features))
    return W, clusters, X, tasks


def _shuffle_rows(rng, *arrays):
    """Apply one random row permutation to every array."""
    perm = rng.permutation(arrays[0].shape[0])
    return tuple(a[perm] for a in arrays)


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
    spec = _check_structure(
        structure,
        n_tasks,
        n_features,
        n_samples,
        shared_design=shared_design,
        task_spread=task_spread,
        rank=rank,
        n_informative=n_informative,
        n_clusters=n_clusters,
        return_clusters=return_clusters,
    )
    noise = _check_nonneg_real(noise, "noise")
    b = _check_per_task(intercept, "intercept", spec.n_tasks)

    rng = check_random_state(random_state)
    W, clusters, X, tasks = _draw_coef_and_design(spec, shared_design, rng)
    if shared_design:
        y = X @ W.T + b + noise * rng.standard_normal((X.shape[0], spec.n_tasks))
    else:
        y = np.einsum("ij,ij->i", X, W[tasks]) + b[tasks] + noise * rng.standard_normal(X.shape[0])
        if shuffle:
            X, y, tasks = _shuffle_rows(rng, X, y, tasks)

    out = (X, y, tasks, W)
    return (*out, clusters) if return_clusters else out


# Standard normal grid on which E[sigmoid(a * (sigma * z + b))] is integrated.
_Z_GRID = np.linspace(-9.0, 9.0, 2001)
_Z_WEIGHTS = np.exp(-0.5 * _Z_GRID**2) / np.exp(-0.5 * _Z_GRID**2).sum()


def _logistic_intercepts(W, class_sep, positive_fraction, chunk=256):
    """Per-task ``b`` with ``E_x[sigmoid(class_sep * (x @ w_t + b_t))] = p_t``.

    For ``x ~ N(0, I)`` the margin ``x @ w_t`` is ``N(0, ||w_t||^2)``, so the
    expectation is a one-dimensional Gaussian integral (computed on a fixed
    grid) that increases with ``b_t``; it is solved by bisection, ``chunk``
    tasks at a time.
    """
    sigma_all = np.linalg.norm(W, axis=1)
    b = np.empty_like(sigma_all)
    for start in range(0, sigma_all.shape[0], chunk):
        sigma = sigma_all[start : start + chunk]
        p = positive_fraction[start : start + chunk]
        # At +half every margin above -8 sigma gives sigmoid > p (and
        # symmetrically at -half), so the root is bracketed.
        half = (np.abs(np.log(p) - np.log1p(-p)) + 1.0) / class_sep + 8.0 * sigma
        lo, hi = -half, half.copy()
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            mean = expit(class_sep * (sigma[:, None] * _Z_GRID + mid[:, None])) @ _Z_WEIGHTS
            above = mean > p
            hi = np.where(above, mid, hi)
            lo = np.where(above, lo, mid)
            if np.all(hi - lo <= 1e-12 * (1.0 + np.abs(mid))):
                break
        b[start : start + chunk] = 0.5 * (lo + hi)
    return b


def _ensure_both_classes(y, prob):
    """Flip the most likely row of the missing class in a one-class column.

    ``y`` and ``prob`` have shape (n, T), one column per task; columns with
    fewer than two rows are left alone. Modifies ``y`` in place.
    """
    n = y.shape[0]
    if n < 2:
        return y
    n_pos = y.sum(axis=0)
    for t in np.flatnonzero(n_pos == 0):
        y[np.argmax(prob[:, t]), t] = 1
    for t in np.flatnonzero(n_pos == n):
        y[np.argmin(prob[:, t]), t] = 0
    return y


def make_multitask_classification(
    n_tasks=10,
    n_features=20,
    n_samples=100,
    *,
    structure="mean",
    n_informative=None,
    rank=None,
    n_clusters=None,
    task_spread=0.2,
    class_sep=1.0,
    positive_fraction=0.5,
    shared_design=False,
    shuffle=True,
    return_intercept=False,
    return_clusters=False,
    random_state=None,
):
    """Generate multi-task binary classification data with a known task structure.

    The task coefficient matrix ``W`` and the standard normal features are
    drawn exactly as in :func:`make_multitask_regression` (same
    ``structure`` options). Labels follow a logistic model: for a row ``x``
    of task ``t``,

    ``P(y = 1 | x) = sigmoid(class_sep * (x @ w_t + b_t))``,

    where the intercept ``b_t`` is solved for numerically so that the
    expected fraction of positives of task ``t`` (over ``x ~ N(0, I)``)
    equals ``positive_fraction[t]``.

    Parameters
    ----------
    n_tasks : int, default=10
        Number of tasks ``T`` (>= 1).
    n_features : int, default=20
        Number of features ``d`` (>= 1).
    n_samples : int or array-like of int of shape (n_tasks,), default=100
        Rows per task: an int gives every task the same number of rows, an
        array-like gives the row count of each task (each >= 1). Must be an
        int when ``shared_design=True``.
    structure : {'mean', 'lowrank', 'sparse', 'clustered', 'independent'}, \
default='mean'
        How the task coefficient vectors relate; see
        :func:`make_multitask_regression`.
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
        (``'mean'``) or cluster centre (``'clustered'``). Ignored by other
        structures.
    class_sep : float, default=1.0
        Multiplier on the margins (> 0): the true log-odds are
        ``class_sep * (x @ w_t + b_t)``. The margin ``x @ w_t`` has standard
        deviation ``||w_t||`` (about ``sqrt(n_features)`` for the dense
        structures), so a large value gives nearly separable classes and a
        small one nearly random labels.
    positive_fraction : float or array-like of shape (n_tasks,), default=0.5
        Expected fraction of positive labels (``y = 1``) of each task,
        strictly between 0 and 1 (a float is used for all tasks). It sets the
        intercepts; the realised fraction varies around it by sampling.
    shared_design : bool, default=False
        If True, all tasks share one design matrix ``X`` of shape
        ``(n_samples, n_features)`` and ``y`` has shape
        ``(n_samples, n_tasks)`` (column ``t`` holds the labels of task
        ``t``); ``tasks`` is then None.
    shuffle : bool, default=True
        If True, the stacked rows are shuffled so that tasks are interleaved;
        if False, rows are grouped by task (task 0 first). Ignored when
        ``shared_design=True``.
    return_intercept : bool, default=False
        If True, also return the intercepts ``b`` of the true model.
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
    y : ndarray of shape (n_samples_total,) or (n_samples, n_tasks) of int64
        Labels in {0, 1}.
    tasks : ndarray of shape (n_samples_total,) of int64, or None
        Task label ``0..n_tasks-1`` of each row; None when
        ``shared_design=True``.
    coef : ndarray of shape (n_tasks, n_features)
        The true coefficient matrix ``W``; row ``t`` is ``w_t`` (the true
        log-odds coefficients are ``class_sep * coef``).
    intercept : ndarray of shape (n_tasks,)
        The intercepts ``b_t`` (true log-odds intercepts are
        ``class_sep * intercept``); returned only if ``return_intercept``.
    clusters : ndarray of shape (n_tasks,) of int64
        Cluster label of each task; returned only if ``return_clusters``.

    Raises
    ------
    ValueError
        If a parameter is out of range, of the wrong shape, or does not
        apply to the chosen ``structure``.

    See Also
    --------
    make_multitask_regression : The same tasks with a linear-Gaussian target.

    Notes
    -----
    Every task with at least two rows contains both classes: when the
    logistic draw of a task comes out one-class, the label of the row with
    the highest true probability of the missing class is flipped to that
    class (one row per such task). This matters only for small tasks or
    extreme ``positive_fraction``; a task with a single row keeps its one
    label.

    The intercepts are computed from the population (``x ~ N(0, I)``), not
    from the drawn rows, so they do not depend on the sample.

    With the same arguments and ``random_state`` (and ``shuffle=False``),
    ``X``, ``tasks`` and ``coef`` are identical to those of
    :func:`make_multitask_regression`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, coef = make_multitask_classification(
    ...     n_tasks=3, n_features=5, n_samples=[4, 50, 2],
    ...     structure="sparse", n_informative=2, positive_fraction=0.3,
    ...     random_state=0)
    >>> X.shape, y.shape, coef.shape
    ((56, 5), (56,), (3, 5))
    >>> np.bincount(tasks).tolist()
    [4, 50, 2]
    >>> sorted(np.unique(y).tolist())
    [0, 1]
    >>> [sorted(set(y[tasks == t].tolist())) for t in range(3)]
    [[0, 1], [0, 1], [0, 1]]
    >>> int((coef != 0).any(axis=0).sum())
    2
    """
    spec = _check_structure(
        structure,
        n_tasks,
        n_features,
        n_samples,
        shared_design=shared_design,
        task_spread=task_spread,
        rank=rank,
        n_informative=n_informative,
        n_clusters=n_clusters,
        return_clusters=return_clusters,
    )
    class_sep = _check_nonneg_real(class_sep, "class_sep", strict=True)
    p = _check_per_task(positive_fraction, "positive_fraction", spec.n_tasks)
    if np.any((p <= 0) | (p >= 1)):
        raise ValueError(
            f"positive_fraction must lie strictly between 0 and 1, got values in "
            f"[{p.min()}, {p.max()}]."
        )

    rng = check_random_state(random_state)
    W, clusters, X, tasks = _draw_coef_and_design(spec, shared_design, rng)
    b = _logistic_intercepts(W, class_sep, p)

    if shared_design:
        prob = expit(class_sep * (X @ W.T + b))
        y = (rng.random(prob.shape) < prob).astype(np.int64)
        _ensure_both_classes(y, prob)
    else:
        prob = expit(class_sep * (np.einsum("ij,ij->i", X, W[tasks]) + b[tasks]))
        y = (rng.random(prob.shape) < prob).astype(np.int64)
        # Rows are grouped by task here, task t at starts[t]:starts[t + 1].
        starts = np.concatenate([[0], np.cumsum(spec.sizes)])
        for t in range(spec.n_tasks):
            rows = slice(starts[t], starts[t + 1])
            _ensure_both_classes(y[rows, None], prob[rows, None])
        if shuffle:
            X, y, tasks = _shuffle_rows(rng, X, y, tasks)

    out = (X, y, tasks, W)
    if return_intercept:
        out = (*out, b)
    return (*out, clusters) if return_clusters else out
