"""The estimators reach the optimum of the cvxpy reference solver.

Every test fits an estimator, evaluates the objective ``F(W, b)`` at its
``coef_`` and ``intercept_`` with :func:`objective_value` (a NumPy evaluation
written from the definition, independent of the estimators' statistics) and
compares it with the optimum found by :func:`solve_reference` (cvxpy and
Clarabel, sample form). The comparison is on the objective, which is unique
even where the minimizer is not (no ridge, duplicated columns, tasks with fewer
rows than features).
"""

import functools

import numpy as np
import pytest

pytest.importorskip("cvxpy")
pytest.importorskip("clarabel")

from _data import chain_graph, expand_shared_design  # noqa: E402
from _reference_helpers import (  # noqa: E402
    assert_objective_close,
    explicit_task_weights,
    sample_weights,
    task_scale,
)

import skmtl.linear_model._base as base_module  # noqa: E402
from skmtl import (  # noqa: E402
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)
from skmtl.datasets import make_multitask_regression  # noqa: E402
from skmtl.losses import GramSquaredLoss, SampleSquaredLoss, routed_loss  # noqa: E402
from skmtl.solvers.reference_cvxpy import (  # noqa: E402
    objective_value,
    solve_reference,
)

#: The families of the first estimators (the newer ones have their own test modules).
CORE_FAMILIES = ("shared_parameter", "mean", "graph", "trace", "joint_feature")

QUADRATIC_FAMILIES = ("shared_parameter", "mean", "graph")
NORM_FAMILIES = ("trace", "joint_feature")

# Tight settings of the estimators' own solvers.
TIGHT = {"tol": 1e-10, "max_iter": 20_000}
TIGHT_CG = {"tol": 1e-12, "max_iter": 20_000}

# Unequal task sizes with a one-row task; labels deliberately not in order.
SIZES = (12, 1, 7, 20)
LABELS = np.array(["delta", "bravo", "alpha", "charlie"])


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #
def make_estimator(family, params, **kwargs):
    if family == "shared_parameter":
        return SharedParameterRegressor(
            alpha_shared=params["alpha_shared"], alpha_task=params["alpha_task"], **kwargs
        )
    if family == "mean":
        return MeanRegularizedRegressor(alpha=params["alpha"], l2=params["l2"], **kwargs)
    if family == "graph":
        return GraphRegularizedRegressor(
            alpha=params["alpha"], l2=params["l2"], task_graph=params.get("task_graph"), **kwargs
        )
    if family == "trace":
        return TraceNormRegressor(alpha=params["alpha"], l2=params["l2"], **kwargs)
    return JointFeatureRegressor(alpha=params["alpha"], l2=params["l2"], **kwargs)


def family_params(family, a, b, task_graph=None):
    """``(a, b)`` is ``(alpha_shared, alpha_task)`` or ``(alpha, l2)``."""
    if family == "shared_parameter":
        return {"alpha_shared": a, "alpha_task": b}
    params = {"alpha": a, "l2": b}
    if family == "graph":
        params["task_graph"] = task_graph
    return params


def routed_data(seed, sizes=SIZES, d=5, labels=LABELS):
    """Routed data with string task labels whose sorted order differs from the generation."""
    X, y, tasks, _ = make_multitask_regression(
        n_tasks=len(sizes),
        n_features=d,
        n_samples=list(sizes),
        structure="mean",
        task_spread=0.5,
        noise=0.5,
        intercept=np.linspace(-2.0, 3.0, len(sizes)),
        random_state=seed,
    )
    return X, y, labels[tasks]


def fitted_objective(est, family, params, X, y, task_index, n_tasks, sample_weight, tau):
    shared = est.shared_coef_ if family == "shared_parameter" else None
    return objective_value(
        family,
        X,
        y,
        task_index,
        n_tasks,
        est.coef_,
        est.intercept_,
        params,
        sample_weight=sample_weight,
        task_scale=tau,
        shared_coef=shared,
    )


def random_sparse_graph(n_tasks, seed=0, density=0.4):
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.uniform(0.1, 3.0, (n_tasks, n_tasks)) * (rng.random((n_tasks, n_tasks))
                                                                 < density), k=1)
    return upper + upper.T


GRAPHS = {"chain": chain_graph, "random_sparse": random_sparse_graph}


# --------------------------------------------------------------------------- #
# Cases. A case is a hashable description so that reference solves are cached.
# --------------------------------------------------------------------------- #
def build_case(problem, task_weights_kind, weighted, seed, graph_name=None):
    """Routed data, per-row task index, sample weights, task_weights, tau and graph."""
    if problem == "basic":
        X, y, tasks = routed_data(seed)
    elif problem == "graph6":
        X, y, tasks = routed_data(
            seed, sizes=(12, 1, 7, 20, 3, 9), labels=np.array(list("fbdace"))
        )
    else:
        X, y, tasks = ill_conditioned_data(problem, seed)
    labels = np.unique(tasks)
    n_tasks = labels.size
    task_index = np.searchsorted(labels, tasks)
    sw = sample_weights(len(y), seed) if weighted else None
    if task_weights_kind == "array":
        task_weights = explicit_task_weights(n_tasks, seed)
    else:
        task_weights = task_weights_kind
    tau = task_scale(task_weights, task_index, n_tasks, sw)
    graph = None if graph_name is None else GRAPHS[graph_name](n_tasks)
    return X, y, tasks, task_index, n_tasks, sw, task_weights, tau, graph


@functools.cache
def reference_routed(family, a, b, problem, task_weights_kind, weighted, fit_intercept, seed,
                     graph_name=None):
    X, y, _, task_index, n_tasks, sw, _, tau, graph = build_case(
        problem, task_weights_kind, weighted, seed, graph_name
    )
    params = family_params(family, a, b, graph)
    result = solve_reference(
        family,
        X,
        y,
        task_index,
        n_tasks,
        params,
        sample_weight=sw,
        task_scale=tau,
        fit_intercept=fit_intercept,
    )
    assert result["status"] == "optimal"
    return result["objective"]


def check_routed(family, a, b, problem, task_weights_kind, weighted, fit_intercept, seed,
                 graph_name=None, **solver_kwargs):
    X, y, tasks, task_index, n_tasks, sw, task_weights, tau, graph = build_case(
        problem, task_weights_kind, weighted, seed, graph_name
    )
    params = family_params(family, a, b, graph)
    est = make_estimator(
        family, params, fit_intercept=fit_intercept, task_weights=task_weights, **solver_kwargs
    )
    est.fit(X, y, tasks=tasks, sample_weight=sw)
    assert list(est.tasks_) == sorted(set(tasks.tolist()))
    if not fit_intercept:
        np.testing.assert_array_equal(est.intercept_, 0.0)
    value = fitted_objective(est, family, params, X, y, task_index, n_tasks, sw, tau)
    reference = reference_routed(
        family, a, b, problem, task_weights_kind, weighted, fit_intercept, seed, graph_name
    )
    shown = {**params, "task_graph": graph_name} if family == "graph" else params
    assert_objective_close(
        value, reference, f"{family} {shown} {problem} seed={seed} tw={task_weights_kind} "
        f"weighted={weighted} fit_intercept={fit_intercept} {solver_kwargs}, "
        f"certificate_={est.certificate_:.2e}, n_iter_={est.n_iter_}"
    )
    return est


# Each factor level appears at least once per family (not a cartesian product):
# (a, b, task_weights, sample_weight, fit_intercept).
NORM_LIKE_CASES = [
    (0.0, 0.1, "uniform", False, True),
    (1e-3, 0.0, "size", True, True),
    (10.0, 0.1, "array", True, False),
    (1e-3, 0.1, "uniform", True, False),
    (10.0, 0.0, "size", False, True),
    (0.0, 0.0, "array", False, False),
    (0.3, 0.0, "uniform", True, True),
]
SHARED_CASES = [
    (0.0, 0.1, "uniform", False, True),
    (0.1, 0.0, "size", True, True),
    (1e-3, 10.0, "array", True, False),
    (10.0, 1e-3, "uniform", True, False),
    (10.0, 10.0, "size", False, True),
    (1e-3, 1e-3, "array", False, False),
    (0.0, 0.0, "uniform", True, True),
]


def _routed_cases():
    for family in CORE_FAMILIES:
        cases = SHARED_CASES if family == "shared_parameter" else NORM_LIKE_CASES
        for i, (a, b, tw, weighted, fi) in enumerate(cases):
            yield pytest.param(
                family, a, b, tw, weighted, fi, i,
                id=f"{family}-a{a:g}-b{b:g}-{tw}-{'sw' if weighted else 'nosw'}-"
                f"{'icpt' if fi else 'noicpt'}",
            )


# --------------------------------------------------------------------------- #
# Routed problems, solver='auto'
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("family, a, b, task_weights, weighted, fit_intercept, seed",
                         list(_routed_cases()))
def test_auto_solver_reaches_cvxpy_optimum(family, a, b, task_weights, weighted, fit_intercept,
                                           seed):
    check_routed(family, a, b, "basic", task_weights, weighted, fit_intercept, seed, **TIGHT)


# --------------------------------------------------------------------------- #
# Every explicit solver of each family
# --------------------------------------------------------------------------- #
EXPLICIT_SOLVERS = {
    "shared_parameter": ("closed_form", "cg"),
    "mean": ("closed_form", "cg"),
    "graph": ("closed_form", "cg"),
    "trace": ("fista", "admm"),
    "joint_feature": ("fista", "admm"),
}


def _explicit_solver_cases():
    for family in CORE_FAMILIES:
        for solver in EXPLICIT_SOLVERS[family]:
            # FISTA's iteration count grows with the conditioning of the statistics
            # (badly scaled columns are what ADMM is for): it gets the rank-deficient
            # but well-scaled problem, the other solvers the fully ill-conditioned one.
            hard = "wide" if solver == "fista" else "all"
            for problem, case in (("basic", 2), ("basic", 6), (hard, 1)):
                yield pytest.param(family, solver, problem, case,
                                   id=f"{family}-{solver}-{problem}-case{case}")


@pytest.mark.parametrize("family, solver, problem, case", list(_explicit_solver_cases()))
def test_explicit_solver_reaches_cvxpy_optimum(family, solver, problem, case):
    cases = SHARED_CASES if family == "shared_parameter" else NORM_LIKE_CASES
    a, b, tw, weighted, fi = cases[case]
    kwargs = TIGHT_CG if solver == "cg" else TIGHT
    if solver == "closed_form":
        kwargs = {}
    check_routed(family, a, b, problem, tw, weighted, fi, case, solver=solver, **kwargs)


# --------------------------------------------------------------------------- #
# User task graphs: direct solve and conjugate gradient
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("solver", ["closed_form", "cg"])
@pytest.mark.parametrize("graph_name", sorted(GRAPHS))
@pytest.mark.parametrize(
    "problem, seed, alpha, l2, task_weights, weighted, fit_intercept",
    [
        ("graph6", 7, 0.5, 0.0, "size", True, True),
        ("graph6", 7, 5.0, 0.1, "array", False, False),
        # Ill-conditioned (see below): scaled columns, a duplicate, wide tasks.
        ("all", 1, 1e-3, 0.0, "size", True, True),
        ("all", 11, 0.1, 0.0, "size", True, True),
    ],
)
def test_graph_user_graph_reaches_cvxpy_optimum(solver, graph_name, problem, seed, alpha, l2,
                                                task_weights, weighted, fit_intercept):
    kwargs = TIGHT_CG if solver == "cg" else {}
    est = check_routed(
        "graph", alpha, l2, problem, task_weights, weighted, fit_intercept, seed, graph_name,
        solver=solver, **kwargs,
    )
    if solver == "cg":
        assert est.certificate_ <= 1e-12


def test_graph_fixtures_are_valid():
    for make in GRAPHS.values():
        A = make(6)
        assert np.all(A >= 0) and np.allclose(A, A.T) and np.all(np.diag(A) == 0)
    # The random graph is sparse but not empty.
    A = random_sparse_graph(6)
    assert 0 < np.count_nonzero(np.triu(A, 1)) < 15


# --------------------------------------------------------------------------- #
# Shared design: y of shape (n, T), no task labels
# --------------------------------------------------------------------------- #
SHARED_DESIGN_CASES = {
    "shared_parameter": ((0.05, 0.5), "uniform", True, True),
    "mean": ((0.3, 0.0), "size", False, True),
    "graph": ((0.2, 0.05), "array", True, False),
    "trace": ((0.05, 0.0), "uniform", True, True),
    "joint_feature": ((0.05, 0.02), "size", False, False),
}


def shared_design_data(seed=3, n=15, d=5, n_tasks=3):
    X, Y, tasks, _ = make_multitask_regression(
        n_tasks=n_tasks, n_features=d, n_samples=n, structure="lowrank", rank=2,
        noise=0.5, intercept=np.array([1.0, -2.0, 0.5]), shared_design=True,
        random_state=seed,
    )
    assert tasks is None and Y.shape == (n, n_tasks)
    return X, Y


@pytest.mark.parametrize("solver", ["auto", "cvxpy"])
@pytest.mark.parametrize("family", CORE_FAMILIES)
def test_shared_design_reaches_cvxpy_optimum(family, solver):
    (a, b), tw, weighted, fit_intercept = SHARED_DESIGN_CASES[family]
    X, Y = shared_design_data()
    n_tasks = Y.shape[1]
    sw = sample_weights(X.shape[0], 3) if weighted else None
    task_weights = explicit_task_weights(n_tasks, 3) if tw == "array" else tw
    params = family_params(family, a, b, chain_graph(n_tasks) if family == "graph" else None)
    kwargs = TIGHT if solver == "auto" else {"solver": "cvxpy"}
    est = make_estimator(family, params, fit_intercept=fit_intercept, task_weights=task_weights,
                         **kwargs).fit(X, Y, sample_weight=sw)
    assert est.coef_.shape == (n_tasks, X.shape[1])
    assert est.predict(X).shape == Y.shape
    X_r, y_r, task_index, s_r = expand_shared_design(X, Y, sw)
    tau = task_scale(task_weights, task_index, n_tasks, s_r)
    if tw == "size":
        np.testing.assert_allclose(tau, np.full(n_tasks, 1.0 / n_tasks))
    value = fitted_objective(est, family, params, X_r, y_r, task_index, n_tasks, s_r, tau)
    reference = solve_reference(family, X_r, y_r, task_index, n_tasks, params, sample_weight=s_r,
                                task_scale=tau, fit_intercept=fit_intercept)
    assert reference["status"] == "optimal"
    assert_objective_close(value, reference["objective"], f"shared design {family} {solver}")


# --------------------------------------------------------------------------- #
# solver='cvxpy' on the estimator
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("family", CORE_FAMILIES)
def test_cvxpy_solver_gives_reference_objective(family):
    cases = SHARED_CASES if family == "shared_parameter" else NORM_LIKE_CASES
    seed = 1
    a, b, tw, weighted, fi = cases[seed]
    est = check_routed(family, a, b, "basic", tw, weighted, fi, seed, solver="cvxpy")
    # The certificate is measured whatever the solver: the reference is optimal.
    assert est.certificate_ <= 1e-5


# --------------------------------------------------------------------------- #
# Ill-conditioned inputs
# --------------------------------------------------------------------------- #
def ill_conditioned_data(problem, seed):
    """Variants of the basic problem.

    ``'scaled'``: columns scaled over 6 orders of magnitude; ``'duplicate'``: a
    duplicated column; ``'wide'``: more features than rows in most tasks;
    ``'all'``: the three at once.
    """
    if problem in ("wide", "all"):
        X, y, tasks = routed_data(seed, sizes=(4, 1, 7, 25), d=8)
    else:
        X, y, tasks = routed_data(seed)
    if problem in ("duplicate", "all"):
        X = np.hstack([X, X[:, [1]]])
    if problem in ("scaled", "all"):
        X = X * np.logspace(-3, 3, X.shape[1])
    return X, y, tasks


ILL_PROBLEMS = ("scaled", "duplicate", "wide", "all")


# (alpha_shared, alpha_task) or (alpha, l2): moderate, and weak without a ridge.
ILL_REGULARIZATION = {
    "moderate": {"shared_parameter": (0.05, 0.2), "other": (0.1, 0.0)},
    "weak": {"shared_parameter": (0.1, 1e-4), "other": (1e-3, 0.0)},
}


def _ill_conditioned_cases():
    for family in CORE_FAMILIES:
        # The direct solves are cheap: several random draws; the norm families one.
        seeds = (1, 9, 11) if family in QUADRATIC_FAMILIES else (11,)
        for problem in ILL_PROBLEMS:
            for regularization in sorted(ILL_REGULARIZATION):
                for seed in seeds:
                    yield pytest.param(family, problem, regularization, seed,
                                       id=f"{family}-{problem}-{regularization}-seed{seed}")


@pytest.mark.parametrize("family, problem, regularization, seed", list(_ill_conditioned_cases()))
def test_ill_conditioned_inputs_reach_cvxpy_optimum(family, problem, regularization, seed):
    levels = ILL_REGULARIZATION[regularization]
    a, b = levels["shared_parameter" if family == "shared_parameter" else "other"]
    check_routed(family, a, b, problem, "size", True, True, seed, **TIGHT)


def test_ill_conditioned_fixtures():
    X, _, tasks = ill_conditioned_data("all", 11)
    norms = np.linalg.norm(X, axis=0)
    assert norms.max() / norms.min() > 1e5
    counts = np.unique(tasks, return_counts=True)[1]
    assert np.sum(counts < X.shape[1]) >= 2
    X, _, _ = ill_conditioned_data("duplicate", 11)
    np.testing.assert_array_equal(X[:, 1], X[:, -1])


# --------------------------------------------------------------------------- #
# Sample-space representation of the loss
# --------------------------------------------------------------------------- #
def recording_routed_loss(monkeypatch, representation):
    """Replace the routed loss used by fit; record the loss objects it returns."""
    made = []

    def wrapper(*args, **kwargs):
        if representation is not None:
            kwargs["representation"] = representation
        out = routed_loss(*args, **kwargs)
        made.append(out[0])
        return out

    monkeypatch.setattr(base_module, "routed_loss", wrapper)
    return made


SAMPLE_SPACE_CASES = [
    ("trace", 0.05, 0.0, "size", True, True),
    ("trace", 0.3, 0.01, "uniform", False, False),
    ("joint_feature", 0.05, 0.0, "array", True, True),
    ("joint_feature", 0.02, 0.05, "uniform", False, False),
    ("mean", 0.5, 0.0, "size", True, True),
    ("mean", 3.0, 0.1, "array", False, False),
    ("shared_parameter", 0.1, 0.5, "uniform", True, True),
    ("graph", 0.4, 0.0, "uniform", True, True),
]


@pytest.mark.parametrize("family, a, b, task_weights, weighted, fit_intercept",
                         SAMPLE_SPACE_CASES)
def test_sample_space_representation_reaches_cvxpy_optimum(monkeypatch, family, a, b,
                                                           task_weights, weighted, fit_intercept):
    made = recording_routed_loss(monkeypatch, "samples")
    graph_name = "chain" if family == "graph" else None
    kwargs = TIGHT_CG if family in QUADRATIC_FAMILIES else TIGHT
    check_routed(family, a, b, "wide", task_weights, weighted, fit_intercept, 5, graph_name,
                 **kwargs)
    assert made and all(isinstance(loss, SampleSquaredLoss) for loss in made)


def test_sample_space_rejects_closed_form(monkeypatch):
    recording_routed_loss(monkeypatch, "samples")
    X, y, tasks = ill_conditioned_data("wide", 5)
    with pytest.raises(ValueError, match="closed_form"):
        MeanRegularizedRegressor(alpha=1.0, solver="closed_form").fit(X, y, tasks=tasks)


@pytest.mark.parametrize("family", ["mean", "joint_feature"])
def test_auto_representation_switches_to_samples(monkeypatch, family):
    """T·d² above the threshold with tiny tasks: 'auto' keeps the rows, not the Gram matrices."""
    made = recording_routed_loss(monkeypatch, None)
    n_tasks, d = 30, 400
    sizes = [3] * n_tasks
    labels = np.array([f"t{i:02d}" for i in range(n_tasks)])
    X, y, tasks = routed_data(21, sizes=sizes, d=d, labels=labels)
    task_index = np.searchsorted(np.unique(tasks), tasks)
    # A ridge keeps the mean family from interpolating all the rows (objective 0).
    params = family_params(family, 0.5, 0.1) if family == "mean" else family_params(
        family, 0.2, 0.0
    )
    est = make_estimator(family, params, **(TIGHT_CG if family == "mean" else TIGHT))
    est.fit(X, y, tasks=tasks)
    assert len(made) == 1 and isinstance(made[0], SampleSquaredLoss)
    value = fitted_objective(est, family, params, X, y, task_index, n_tasks, None, None)
    reference = solve_reference(family, X, y, task_index, n_tasks, params)
    assert_objective_close(value, reference["objective"], f"auto samples {family}")


def test_auto_representation_keeps_statistics_for_small_problems(monkeypatch):
    made = recording_routed_loss(monkeypatch, None)
    X, y, tasks = routed_data(0)
    MeanRegularizedRegressor(alpha=0.1).fit(X, y, tasks=tasks)
    assert len(made) == 1 and isinstance(made[0], GramSquaredLoss)
