"""Helpers shared by the tests that compare with the cvxpy reference."""

import numpy as np


def sample_weights(n, seed):
    return np.random.default_rng(seed + 1000).uniform(0.2, 3.0, n)


def explicit_task_weights(n_tasks, seed):
    return np.random.default_rng(seed + 2000).uniform(0.3, 2.5, n_tasks)


def task_scale(task_weights, task_index, n_tasks, sample_weight):
    """tau in sorted-label order, from the definition of ``task_weights``."""
    if isinstance(task_weights, str):
        if task_weights == "uniform":
            return np.ones(n_tasks)
        s = np.ones(task_index.size) if sample_weight is None else sample_weight
        totals = np.bincount(task_index, weights=s, minlength=n_tasks)
        return totals / totals.sum()
    return np.asarray(task_weights, dtype=np.float64)


def assert_objective_close(value, reference, what="", rtol=1e-6):
    """The fitted objective is the cvxpy optimum to ``rtol``, relative."""
    gap = (value - reference) / max(abs(reference), 1e-300)
    assert abs(gap) <= rtol, (
        f"{what}: objective {value!r} vs cvxpy optimum {reference!r} "
        f"(relative difference {gap:.3e})"
    )


class ValueAndProxOnly:
    """A penalty as a user would write it: the two required operations only."""

    def __init__(self, penalty):
        self.penalty = penalty

    def value(self, coef, xp):
        return self.penalty.value(coef, xp)

    def prox(self, coef, step, xp):
        return self.penalty.prox(coef, step, xp)
