"""The default trace-norm solve (ADMM with the size-based penalty parameter and
safeguarded Anderson acceleration) reaches the cvxpy optimum.

Small random problems with columns scaled over four decades (the regime of raw
School features), sample weights, intercepts on and off, with and without a
ridge term, and alphas from small to beyond the one that zeroes the model.
"""

import numpy as np
import pytest

pytest.importorskip("cvxpy")
pytest.importorskip("clarabel")

from skmtl import TraceNormRegressor  # noqa: E402
from skmtl.datasets import make_multitask_regression  # noqa: E402
from skmtl.solvers.reference_cvxpy import objective_value, solve_reference  # noqa: E402

RTOL = 1e-6


def badly_scaled(seed):
    X, y, tasks, _ = make_multitask_regression(
        n_tasks=6, n_features=7, n_samples=[15, 4, 9, 30, 6, 12], structure="lowrank",
        rank=2, noise=0.5, random_state=seed,
    )
    X = X * np.logspace(-2, 2, X.shape[1])
    weights = np.random.default_rng(seed).uniform(0.2, 3.0, len(y))
    return X, y, tasks, weights


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("alpha", [1e-3, 0.1, 5.0, 1e3])
def test_default_trace_norm_reaches_cvxpy_optimum(alpha, l2, fit_intercept):
    X, y, tasks, weights = badly_scaled(seed=int(1000 * alpha) % 7)
    task_index = np.unique(tasks, return_inverse=True)[1]
    n_tasks = task_index.max() + 1
    params = {"alpha": alpha, "l2": l2}
    model = TraceNormRegressor(alpha=alpha, l2=l2, fit_intercept=fit_intercept, tol=1e-8,
                               max_iter=20_000)
    model.fit(X, y, tasks=tasks, sample_weight=weights)
    assert model.certificate_ <= 1e-8
    value = objective_value("trace", X, y, task_index, n_tasks, model.coef_, model.intercept_,
                            params, sample_weight=weights)
    reference = solve_reference("trace", X, y, task_index, n_tasks, params,
                                sample_weight=weights, fit_intercept=fit_intercept)
    assert reference["status"] == "optimal"
    assert abs(value - reference["objective"]) <= RTOL * abs(reference["objective"])
