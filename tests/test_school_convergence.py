"""Convergence of every family on the School data, unscaled, as loaded.

School has 139 tasks of 22 to 251 rows and 27 raw features (one-hot groups,
columns constant within a school, two percentage columns on a scale of
tens), so every per-task design is rank-deficient and the data term is badly
conditioned. Each family must reach its default tolerance within its default
iteration budget, without a ``ConvergenceWarning``, and the certificate it
reports must bound the suboptimality actually observed.
"""

import time
import warnings

import _data
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skmtl import (
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)
from skmtl.datasets import load_school
from skmtl.solvers.reference_cvxpy import objective_value

DEFAULT_TOL = 1e-6
ALPHAS = (1e-3, 1e-1, 10.0)  # small, medium, large
ALPHA_SHARED = 0.1  # fixed while alpha_task varies


@pytest.fixture(scope="module")
def school():
    X, y, tasks = load_school(return_X_y=True)
    assert X.shape == (15362, 27)
    return X, y, tasks


def chain_graph(n_tasks):
    """The path graph with unit weights."""
    return _data.chain_graph(n_tasks, weights=1.0)


def make_estimator(family, alpha, n_tasks, **kwargs):
    if family == "shared_parameter":
        return SharedParameterRegressor(alpha_shared=ALPHA_SHARED, alpha_task=alpha, **kwargs)
    if family == "mean":
        return MeanRegularizedRegressor(alpha=alpha, **kwargs)
    if family == "graph":
        # The complete graph is the mean family with alpha_mean = T * alpha.
        return GraphRegularizedRegressor(alpha=alpha / n_tasks, **kwargs)
    if family == "graph_chain":
        # A user graph with one Gram matrix per task: solved by conjugate gradient.
        return GraphRegularizedRegressor(alpha=alpha, task_graph=chain_graph(n_tasks), **kwargs)
    if family == "trace":
        return TraceNormRegressor(alpha=alpha, **kwargs)
    return JointFeatureRegressor(alpha=alpha, **kwargs)


FAMILIES = ("shared_parameter", "mean", "graph", "graph_chain", "trace", "joint_feature")
N_TASKS = 139


def fit_without_convergence_warning(est, X, y, tasks):
    """Fit with ConvergenceWarning as an error; report iterations and time if raised."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            est.fit(X, y, tasks=tasks)
        except ConvergenceWarning as exc:
            elapsed = time.perf_counter() - start
            pytest.fail(f"{est!r} raised ConvergenceWarning after {elapsed:.1f}s: {exc}")
    return est, time.perf_counter() - start


def assert_converged(est, elapsed):
    assert est.certificate_ <= DEFAULT_TOL, (
        f"{est!r}: certificate {est.certificate_:.3e} > tol={DEFAULT_TOL:g} after "
        f"{est.n_iter_} iterations ({elapsed:.1f}s)"
    )


@pytest.mark.parametrize("alpha", ALPHAS, ids=["small", "medium", "large"])
@pytest.mark.parametrize("family", FAMILIES)
def test_school_converges_with_defaults(school, family, alpha):
    X, y, tasks = school
    est = make_estimator(family, alpha, N_TASKS)
    assert est.tol == DEFAULT_TOL
    est, elapsed = fit_without_convergence_warning(est, X, y, tasks)
    assert est.coef_.shape == (N_TASKS, 27)
    assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))
    assert_converged(est, elapsed)


@pytest.mark.parametrize("family", FAMILIES)
def test_school_converges_with_size_weights(school, family):
    X, y, tasks = school
    est = make_estimator(family, ALPHAS[1], N_TASKS, task_weights="size")
    est, elapsed = fit_without_convergence_warning(est, X, y, tasks)
    assert_converged(est, elapsed)


def zero_coef_objective(family, params, X, y, task_index, n_tasks):
    """F at W = 0 with each intercept at its task's mean target (unit sample weights)."""
    intercept = np.bincount(task_index, weights=y, minlength=n_tasks) / np.bincount(
        task_index, minlength=n_tasks
    )
    return objective_value(family, X, y, task_index, n_tasks, np.zeros((n_tasks, X.shape[1])),
                           intercept, params)


@pytest.mark.parametrize("family", ["trace", "joint_feature"])
def test_school_duality_gap_bounds_the_suboptimality(school, family):
    """The default fit is within certificate_ x F(0) of a long tight run."""
    X, y, tasks = school
    alpha = ALPHAS[1]
    params = {"alpha": alpha, "l2": 0.0}
    task_index = np.searchsorted(np.unique(tasks), tasks)
    with warnings.catch_warnings():
        # Convergence itself is asserted above; here only the bound matters.
        warnings.simplefilter("ignore", ConvergenceWarning)
        default = make_estimator(family, alpha, N_TASKS).fit(X, y, tasks=tasks)
        tight = make_estimator(family, alpha, N_TASKS, tol=1e-10, max_iter=200_000).fit(
            X, y, tasks=tasks
        )
    np.testing.assert_array_equal(default.tasks_, np.unique(tasks))

    def objective(est):
        return objective_value(family, X, y, task_index, N_TASKS, est.coef_, est.intercept_,
                               params)

    f_zero = zero_coef_objective(family, params, X, y, task_index, N_TASKS)
    f_default, f_tight = objective(default), objective(tight)
    slack = 1e-12 * f_zero  # rounding of the objective evaluations
    difference = (f_default - f_tight) / f_zero
    report = (
        f"{family} alpha={alpha}: (F_default - F_tight)/F(0) = {difference:.3e}, "
        f"default certificate {default.certificate_:.3e} after {default.n_iter_} iterations, "
        f"tight certificate {tight.certificate_:.3e} after {tight.n_iter_} iterations"
    )
    # Each certificate bounds its own suboptimality: F - F* <= certificate * F(0).
    assert f_default - f_tight <= default.certificate_ * f_zero + slack, report
    assert f_tight - f_default <= tight.certificate_ * f_zero + slack, report
    # And the default fit meets the default tolerance.
    assert f_default - f_tight <= DEFAULT_TOL * f_zero + slack, report
    assert tight.certificate_ <= 1e-10, report


@pytest.mark.parametrize("family", ["shared_parameter", "mean", "graph", "graph_chain"])
def test_school_quadratic_default_fit_matches_tight_conjugate_gradient(school, family):
    """The default solve of the quadratic families is as good as a very tight CG run."""
    X, y, tasks = school
    alpha = ALPHAS[1]
    task_index = np.searchsorted(np.unique(tasks), tasks)
    default = make_estimator(family, alpha, N_TASKS).fit(X, y, tasks=tasks)
    tight = make_estimator(family, alpha, N_TASKS, solver="cg", tol=1e-13,
                           max_iter=100_000).fit(X, y, tasks=tasks)
    if family == "shared_parameter":
        reference_family = "shared_parameter"
        params = {"alpha_shared": ALPHA_SHARED, "alpha_task": alpha}
    else:
        reference_family = "mean" if family == "mean" else "graph"
        params = {"alpha": default.alpha, "l2": 0.0}
        if family.startswith("graph"):
            params["task_graph"] = default.task_graph

    def objective(est):
        shared = est.shared_coef_ if family == "shared_parameter" else None
        return objective_value(reference_family, X, y, task_index, N_TASKS, est.coef_,
                               est.intercept_, params, shared_coef=shared)

    f_default, f_tight = objective(default), objective(tight)
    assert abs(f_default - f_tight) <= 1e-9 * abs(f_tight), (
        f"{family}: default {f_default!r} (certificate {default.certificate_:.2e}) vs tight "
        f"CG {f_tight!r} (certificate {tight.certificate_:.2e})"
    )
