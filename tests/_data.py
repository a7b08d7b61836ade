"""Small multi-task problems shared by the test modules.

Each builder draws from ``np.random.default_rng(seed)`` in a fixed order, so that a
module keeps its data (and the tolerances measured on them) when it switches to the
builder with the same arguments.  ``conftest.py`` exposes default-sized ones as
fixtures.
"""

import numpy as np


def routed_data(seed=0, sizes=(20, 35, 27), d=4, *, offset=1.0, density=None, similar=(),
                task_offset=1.0, noise=0.3, binary=None, weights=(0.5, 2.0), labels=None):
    """Rows of tasks of unequal sizes in shuffled order: ``X, y, tasks, sample_weight``.

    ``X`` is standard normal plus a per-feature offset of scale ``offset``; task t has
    coefficients ``W[t]`` (standard normal, a fraction ``density`` of them kept when
    given; ``W[t] = W[u] + 0.1 noise`` for every ``(t, u)`` in ``similar``) and the
    intercept ``task_offset * t``.  ``binary="median"`` gives labels in {-1, +1}: the
    noisy margin above the median margin; ``binary="logistic"`` labels in {0, 1} drawn
    from the logistic model of the margin.  ``labels`` names the tasks.
    """
    rng = np.random.default_rng(seed)
    n_tasks = len(sizes)
    tasks = rng.permutation(np.repeat(np.arange(n_tasks), sizes))
    n = tasks.size
    X = rng.standard_normal((n, d)) + rng.normal(0, offset, d)
    W = rng.standard_normal((n_tasks, d))
    if density is not None:
        W = W * (rng.uniform(size=(n_tasks, d)) < density)
    for task, like in similar:
        W[task] = W[like] + 0.1 * rng.standard_normal(d)
    margin = np.einsum("ij,ij->i", X, W[tasks]) + task_offset * tasks
    y = margin + noise * rng.standard_normal(n)
    if binary == "median":
        y = np.where(y > np.median(margin), 1.0, -1.0)
    elif binary == "logistic":
        y = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-margin)), 1, 0)
    sample_weight = rng.uniform(*weights, n)
    return X, y, tasks if labels is None else labels[tasks], sample_weight


def shared_data(seed=0, n=50, d=4, n_tasks=3, *, offset=1.0, intercepts=True, noise=0.3):
    """A shared design ``X`` (n, d) and targets ``Y`` (n, n_tasks) of a linear model.

    ``offset=None`` leaves the features centred; ``intercepts`` adds ``t`` to column t.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if offset is not None:
        X = X + rng.normal(0, offset, d)
    Y = X @ rng.standard_normal((d, n_tasks))
    if intercepts:
        Y = Y + np.arange(n_tasks)
    return X, Y + noise * rng.standard_normal((n, n_tasks))


def logistic_data(seed=0, sizes=(18, 35, 26, 40), d=4, *, common=0.7, spread=0.5, bias=0.7,
                  weights=False):
    """Routed rows with overlapping classes, offset and scaled features:
    ``X, y (0/1), tasks, sample_weight or None``."""
    rng = np.random.default_rng(seed)
    n_tasks = len(sizes)
    tasks = rng.permutation(np.repeat(np.arange(n_tasks), sizes))
    n = tasks.size
    Z = rng.standard_normal((n, d))
    W = rng.standard_normal(d) * common + spread * rng.standard_normal((n_tasks, d))
    b = rng.normal(0.0, bias, n_tasks)
    p = 1.0 / (1.0 + np.exp(-(np.einsum("ij,ij->i", Z, W[tasks]) + b[tasks])))
    y = (rng.random(n) < p).astype(np.int64)
    X = Z * rng.uniform(0.5, 2.0, d) + rng.normal(0.0, 1.0, d)
    s = rng.uniform(0.2, 3.0, n) if weights else None
    return X, y, tasks, s


def logistic_shared_data(seed=0, n=50, d=4, n_tasks=3, *, common=0.7, spread=0.5, bias=0.7):
    """The shared-design counterpart of :func:`logistic_data`: ``X, Y (0/1)``."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, d))
    W = rng.standard_normal(d) * common + spread * rng.standard_normal((n_tasks, d))
    p = 1.0 / (1.0 + np.exp(-(Z @ W.T + rng.normal(0.0, bias, n_tasks))))
    Y = (rng.random((n, n_tasks)) < p).astype(np.int64)
    X = Z * rng.uniform(0.5, 2.0, d) + rng.normal(0.0, 1.0, d)
    return X, Y


def expand_shared_design(X, Y, sample_weight=None):
    """Routed form of a shared design: ``X`` stacked once per task."""
    n, n_tasks = Y.shape
    task_index = np.repeat(np.arange(n_tasks), n)
    s = None if sample_weight is None else np.tile(sample_weight, n_tasks)
    return np.tile(X, (n_tasks, 1)), Y.T.reshape(-1), task_index, s


def chain_graph(n_tasks, weights=None):
    """The path graph 0 - 1 - ... - T-1, edge weights 0.5 to 2.0 (or ``weights``)."""
    A = np.zeros((n_tasks, n_tasks))
    idx = np.arange(n_tasks - 1)
    A[idx, idx + 1] = A[idx + 1, idx] = (np.linspace(0.5, 2.0, n_tasks - 1)
                                         if weights is None else weights)
    return A


def signs(y):
    """Labels in {-1, +1}: above the median of ``y`` or not."""
    return np.where(y > np.median(y), 1.0, -1.0)


def sorted_index(tasks):
    """Positions of the task labels in their sorted order (the order of ``tasks_``)."""
    return np.searchsorted(np.unique(tasks), tasks)
