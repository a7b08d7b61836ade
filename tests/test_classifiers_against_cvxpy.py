"""The classifiers reach the optimum of the cvxpy reference solver (logistic loss).

Every test fits a classifier, evaluates the objective

    F(W, b) = sum_t tau_t / S_t sum_{i in t} s_i log(1 + exp(-y_i (x_i.w_t + b_t))) + Omega(W)

at its ``coef_`` and ``intercept_`` with :func:`objective_value` (``loss='logistic'``, a
NumPy evaluation written from the definition, labels ``y = +1`` for ``classes_[1]`` and
``-1`` for ``classes_[0]``) and compares it with the optimum of :func:`solve_reference`
(cvxpy and Clarabel, sample form, exponential cones). The comparison is on the objective,
which is unique even where the minimizer is not.

The solvers of each classifier are read from its ``_parameter_constraints``, so that a
solver added to a family is tested without editing this file.
"""

import functools

import numpy as np
import pytest
from scipy.optimize import linprog

pytest.importorskip("cvxpy")
pytest.importorskip("clarabel")

from _data import (  # noqa: E402
    chain_graph,
    expand_shared_design,
    logistic_data,
    logistic_shared_data,
)
from _reference_helpers import (  # noqa: E402
    assert_objective_close,
    explicit_task_weights,
    sample_weights,
    task_scale,
)

from skmtl import (  # noqa: E402
    GraphRegularizedClassifier,
    JointFeatureClassifier,
    MeanRegularizedClassifier,
    SharedParameterClassifier,
    TraceNormClassifier,
)
from skmtl.solvers.reference_cvxpy import (  # noqa: E402
    objective_value,
    solve_reference,
)

#: The families of the first estimators (the newer ones have their own test modules).
CORE_FAMILIES = ("shared_parameter", "mean", "graph", "trace", "joint_feature")

RTOL = 1e-6
# The estimators' own tolerance: a relative KKT residual (smooth families) or a relative
# duality gap (norm families) of 1e-8 puts the objective well within RTOL of the optimum.
TOL = 1e-8
# Ample: on these problems accelerated gradient needs well under 1000 iterations.
MAX_ITER = 5000

CLASSES = {
    "shared_parameter": SharedParameterClassifier,
    "mean": MeanRegularizedClassifier,
    "graph": GraphRegularizedClassifier,
    "trace": TraceNormClassifier,
    "joint_feature": JointFeatureClassifier,
}
QUADRATIC_FAMILIES = ("shared_parameter", "mean", "graph")

# Unequal task sizes; task labels deliberately not in sorted order.
SIZES = (15, 40, 22, 31)
LABELS = np.array(["delta", "bravo", "alpha", "charlie"])
# Seeds whose tasks are all non-separable (checked by test_fixtures_are_not_separable), so
# that every minimum below exists, with or without a ridge.
SEEDS = (1, 3, 4, 7)


def solvers_of(family):
    """The solver names the classifier accepts, 'cvxpy' excepted."""
    constraint = CLASSES[family]._parameter_constraints["solver"][0]
    return sorted(set(constraint.options) - {"cvxpy"})


# --------------------------------------------------------------------------- #
# Data
# --------------------------------------------------------------------------- #
def logistic_rows(seed, sizes=SIZES, d=4):
    """Rows of unequal tasks, interleaved; overlapping classes; offset, scaled features."""
    return logistic_data(seed, sizes, d, common=0.6, spread=0.4, bias=0.5)[:3]


def linearly_separable(X, y):
    """Whether some (w, b) has y_i (x_i.w + b) >= 1 on every row (y in {0, 1})."""
    signs = 2.0 * y - 1.0
    A = -signs[:, None] * np.hstack([X, np.ones((len(y), 1))])
    result = linprog(np.zeros(X.shape[1] + 1), A_ub=A, b_ub=-np.ones(len(y)),
                     bounds=(None, None))
    return result.status == 0


def family_params(family, a, b, graph=None):
    """``(a, b)`` is ``(alpha_shared, alpha_task)`` or ``(alpha, l2)``."""
    if family == "shared_parameter":
        return {"alpha_shared": a, "alpha_task": b}
    params = {"alpha": a, "l2": b}
    if family == "graph":
        params["task_graph"] = graph
    return params


def make_classifier(family, params, **kwargs):
    return CLASSES[family](**params, **kwargs)


def fitted_objective(est, family, params, X, signs, task_index, n_tasks, sample_weight, tau):
    shared = est.shared_coef_ if family == "shared_parameter" else None
    return objective_value(
        family, X, signs, task_index, n_tasks, est.coef_, est.intercept_, params,
        sample_weight=sample_weight, task_scale=tau, shared_coef=shared, loss="logistic",
    )


def test_fixtures_are_not_separable():
    for seed in SEEDS:
        X, y, task_index = logistic_rows(seed)
        for t in range(len(SIZES)):
            rows = task_index == t
            assert 0 < y[rows].mean() < 1
            assert not linearly_separable(X[rows], y[rows]), (seed, t)


# --------------------------------------------------------------------------- #
# Cases: hashable descriptions so that the reference solves are cached.
# --------------------------------------------------------------------------- #
def build_case(seed, task_weights_kind, weighted, graph_name=None):
    X, y, task_index = logistic_rows(seed)
    tasks = LABELS[task_index]
    # task_index in the sorted order of the labels, which is the order of tasks_
    labels = np.unique(tasks)
    task_index = np.searchsorted(labels, tasks)
    n_tasks = labels.size
    sw = sample_weights(len(y), seed) if weighted else None
    task_weights = (explicit_task_weights(n_tasks, seed) if task_weights_kind == "array"
                    else task_weights_kind)
    tau = task_scale(task_weights, task_index, n_tasks, sw)
    graph = chain_graph(n_tasks) if graph_name == "chain" else None
    return X, y, tasks, task_index, n_tasks, sw, task_weights, tau, graph


@functools.cache
def reference_objective(family, a, b, seed, task_weights_kind, weighted, fit_intercept,
                        graph_name=None):
    X, y, _, task_index, n_tasks, sw, _, tau, graph = build_case(
        seed, task_weights_kind, weighted, graph_name
    )
    params = family_params(family, a, b, graph)
    result = solve_reference(
        family, X, 2.0 * y - 1.0, task_index, n_tasks, params, sample_weight=sw,
        task_scale=tau, fit_intercept=fit_intercept, loss="logistic",
    )
    assert result["status"] == "optimal"
    return result["objective"]


def check_routed(family, a, b, seed, task_weights_kind, weighted, fit_intercept,
                 graph_name=None, **kwargs):
    X, y, tasks, task_index, n_tasks, sw, task_weights, tau, graph = build_case(
        seed, task_weights_kind, weighted, graph_name
    )
    params = family_params(family, a, b, graph)
    est = make_classifier(family, params, fit_intercept=fit_intercept,
                          task_weights=task_weights, **kwargs)
    est.fit(X, y, tasks=tasks, sample_weight=sw)
    assert list(est.tasks_) == sorted(LABELS.tolist())
    np.testing.assert_array_equal(est.classes_, [0, 1])
    assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))
    if not fit_intercept:
        np.testing.assert_array_equal(est.intercept_, 0.0)
    value = fitted_objective(est, family, params, X, 2.0 * y - 1.0, task_index, n_tasks, sw,
                             tau)
    reference = reference_objective(family, a, b, seed, task_weights_kind, weighted,
                                    fit_intercept, graph_name)
    assert_objective_close(
        value, reference,
        f"{family} {params} seed={seed} tw={task_weights_kind} weighted={weighted} "
        f"fit_intercept={fit_intercept} {kwargs}, certificate_={est.certificate_:.2e}, "
        f"n_iter_={est.n_iter_}",
    )
    return est


# (a, b, task_weights, weighted, fit_intercept, seed): every factor level at least once
# per family, not a cartesian product. For the norm-like families (a, b) = (alpha, l2):
# alpha > 0 without ridge, alpha = 0 with a ridge, both, and a strong alpha.
QUADRATIC_CASES = [
    (0.3, 0.0, "uniform", True, True, 1),
    (0.0, 0.1, "size", True, True, 3),
    (2.0, 0.05, "size", False, False, 4),
    (0.05, 0.01, "array", True, False, 7),
    (20.0, 0.02, "uniform", False, True, 3),
]
NORM_CASES = [
    (0.03, 0.0, "uniform", True, True, 1),
    (0.0, 0.1, "size", True, True, 3),
    (0.1, 0.05, "size", False, False, 4),
    (0.01, 0.01, "array", True, False, 7),
    (0.5, 0.0, "uniform", False, True, 3),  # strong: W = 0 or nearly
]
# (alpha_shared, alpha_task): alpha_shared = 0 leaves w0 free (the mean family without
# ridge); a strong alpha_shared makes the tasks nearly independent ridges.
SHARED_CASES = [
    (0.1, 0.2, "uniform", True, True, 1),
    (0.0, 0.5, "size", True, True, 3),
    (5.0, 0.05, "size", False, False, 4),
    (0.02, 3.0, "array", True, False, 7),
    (1e3, 0.1, "uniform", False, True, 3),
]


def cases_of(family):
    if family == "shared_parameter":
        return SHARED_CASES
    return QUADRATIC_CASES if family in QUADRATIC_FAMILIES else NORM_CASES


def _routed_cases():
    for family in CORE_FAMILIES:
        for solver in solvers_of(family):
            for a, b, tw, weighted, fi, seed in cases_of(family):
                yield pytest.param(
                    family, solver, a, b, tw, weighted, fi, seed,
                    id=f"{family}-{solver}-a{a:g}-b{b:g}-{tw}-{'sw' if weighted else 'nosw'}-"
                    f"{'icpt' if fi else 'noicpt'}-seed{seed}",
                )


@pytest.mark.parametrize("family, solver, a, b, task_weights, weighted, fit_intercept, seed",
                         list(_routed_cases()))
def test_solver_reaches_cvxpy_optimum(family, solver, a, b, task_weights, weighted,
                                      fit_intercept, seed):
    est = check_routed(family, a, b, seed, task_weights, weighted, fit_intercept,
                       solver=solver, tol=TOL, max_iter=MAX_ITER)
    assert est.certificate_ <= TOL, (
        f"solver={solver!r}: certificate_ {est.certificate_:.3e} above tol={TOL:g} after "
        f"{est.n_iter_} iterations (the objective is right: the solver did not stop on it)"
    )
    assert 1 <= est.n_iter_ <= MAX_ITER


@pytest.mark.parametrize("family", ["mean", "joint_feature"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_slabs_gathered_one_task_at_a_time_reach_cvxpy_optimum(monkeypatch, family,
                                                               fit_intercept):
    """The padded slabs are gathered, centred and multiplied a block of tasks at a time
    (blocks of 32 MiB); with blocks of one task the fit is still the optimum."""
    monkeypatch.setattr("skmtl.losses.logistic._BLOCK_BYTES", 1)
    a, b, task_weights, _, _, seed = next(iter(cases_of(family)))
    est = check_routed(family, a, b, seed, task_weights, True, fit_intercept,
                       tol=TOL, max_iter=MAX_ITER)
    assert est.certificate_ <= TOL


@pytest.mark.parametrize("solver", solvers_of("graph"))
@pytest.mark.parametrize("a, b, task_weights, weighted, fit_intercept, seed", [
    (0.5, 0.0, "size", True, True, 1),
    (3.0, 0.02, "array", False, False, 4),
])
def test_graph_user_graph_reaches_cvxpy_optimum(solver, a, b, task_weights, weighted,
                                                fit_intercept, seed):
    est = check_routed("graph", a, b, seed, task_weights, weighted, fit_intercept, "chain",
                       solver=solver, tol=TOL, max_iter=MAX_ITER)
    assert est.certificate_ <= TOL


# --------------------------------------------------------------------------- #
# Tight tolerances
# --------------------------------------------------------------------------- #
def _default_solver_cases():
    for family in CORE_FAMILIES:
        for a, b, tw, weighted, fi, seed in cases_of(family):
            yield pytest.param(
                family, a, b, tw, weighted, fi, seed,
                id=f"{family}-a{a:g}-b{b:g}-{tw}-{'sw' if weighted else 'nosw'}-"
                f"{'icpt' if fi else 'noicpt'}-seed{seed}",
            )


@pytest.mark.parametrize("family, a, b, task_weights, weighted, fit_intercept, seed",
                         list(_default_solver_cases()))
def test_default_solver_reaches_a_tight_tolerance(family, a, b, task_weights, weighted,
                                                  fit_intercept, seed):
    """solver='auto' meets tol=1e-10 within 100 (Newton) steps.

    Newton's method converges quadratically near the optimum: from W = 0 about ten steps
    take the relative KKT residual (or duality gap) of these small problems to 1e-10.
    """
    X, y, tasks, _, _, sw, task_weights, _, _ = build_case(seed, task_weights, weighted)
    est = make_classifier(family, family_params(family, a, b), fit_intercept=fit_intercept,
                          task_weights=task_weights, tol=1e-10, max_iter=100)
    est.fit(X, y, tasks=tasks, sample_weight=sw)
    assert est.certificate_ <= 1e-10, (
        f"certificate_ {est.certificate_:.3e} after {est.n_iter_} iterations"
    )


@pytest.mark.parametrize("family, a, b", [
    ("graph", 0.3, 0.0),
    ("mean", 0.3, 0.01),
    ("trace", 0.05, 0.0),
])
def test_fista_reaches_a_tight_tolerance(family, a, b):
    """solver='fista' meets tol=1e-10 on a small well-posed problem.

    Accelerated (proximal) gradient converges linearly here (the objective is strongly
    convex near the optimum) and reaches a relative certificate of 1e-10 in a few hundred
    iterations when its backtracking test is exact; a budget of 5000 is ample.
    """
    X, y, task_index = logistic_rows(1)
    s = sample_weights(len(y), 1)
    params = family_params(family, a, b)
    est = make_classifier(family, params, solver="fista", tol=1e-10, max_iter=5000)
    est.fit(X, y, tasks=task_index, sample_weight=s)
    assert est.certificate_ <= 1e-10, (
        f"certificate_ {est.certificate_:.3e} after {est.n_iter_} iterations"
    )


@pytest.mark.parametrize("family, a, b", [("graph", 20.0, 0.02), ("mean", 20.0, 0.02)])
def test_fista_converges_with_strong_coupling_at_default_tolerance(family, a, b):
    """Strong coupling, default tol (1e-6) and max_iter (1000): solver='fista' converges.

    The penalty makes the objective stiff along the coupling directions (its curvature,
    alpha * T, is known exactly); accelerated gradient with backtracking still converges
    linearly, in a few hundred iterations on this problem.
    """
    X, y, task_index = logistic_rows(3)
    est = make_classifier(family, family_params(family, a, b), solver="fista")
    est.fit(X, y, tasks=task_index)
    assert est.certificate_ <= est.tol, (
        f"certificate_ {est.certificate_:.3e} after {est.n_iter_} iterations"
    )


# --------------------------------------------------------------------------- #
# String class labels
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("family", CORE_FAMILIES)
def test_string_class_labels_reach_cvxpy_optimum(family):
    """Labels 'yes'/'no': classes_ = ['no', 'yes'], 'yes' is the +1 of the objective."""
    a, b, tw, weighted, fi, seed = cases_of(family)[0]
    X, y, tasks, task_index, n_tasks, sw, task_weights, tau, graph = build_case(
        seed, tw, weighted
    )
    params = family_params(family, a, b, graph)
    words = np.where(y == 1, "yes", "no")
    est = make_classifier(family, params, fit_intercept=fi, task_weights=task_weights,
                          tol=TOL, max_iter=MAX_ITER)
    est.fit(X, words, tasks=tasks, sample_weight=sw)
    np.testing.assert_array_equal(est.classes_, ["no", "yes"])
    value = fitted_objective(est, family, params, X, 2.0 * y - 1.0, task_index, n_tasks, sw,
                             tau)
    assert_objective_close(value, reference_objective(family, a, b, seed, tw, weighted, fi),
                           f"string labels {family}")
    # The same fit as with the integer labels 0/1.
    numeric = make_classifier(family, params, fit_intercept=fi, task_weights=task_weights,
                              tol=TOL, max_iter=MAX_ITER).fit(X, y, tasks=tasks, sample_weight=sw)
    np.testing.assert_allclose(est.coef_, numeric.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, numeric.intercept_, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- #
# Shared design: y of shape (n, T) with 0/1 labels, no task labels
# --------------------------------------------------------------------------- #
SHARED_DESIGN_CASES = {
    "shared_parameter": ((0.05, 0.5), "uniform", True, True),
    "mean": ((0.3, 0.0), "size", False, True),
    "graph": ((0.2, 0.05), "array", True, False),
    "trace": ((0.02, 0.0), "uniform", True, True),
    "joint_feature": ((0.02, 0.02), "size", False, False),
}


def shared_design_data(seed=3, n=30, d=4, n_tasks=3):
    return logistic_shared_data(seed, n, d, n_tasks, common=0.6, spread=0.5, bias=0.5)


def test_shared_design_fixture_is_not_separable():
    X, Y = shared_design_data()
    for t in range(Y.shape[1]):
        assert not linearly_separable(X, Y[:, t])


@functools.cache
def shared_design_reference(family):
    (a, b), tw, weighted, fit_intercept = SHARED_DESIGN_CASES[family]
    X, Y = shared_design_data()
    n_tasks = Y.shape[1]
    sw = sample_weights(X.shape[0], 3) if weighted else None
    task_weights = explicit_task_weights(n_tasks, 3) if tw == "array" else tw
    params = family_params(family, a, b, chain_graph(n_tasks) if family == "graph" else None)
    X_r, y_r, task_index, s_r = expand_shared_design(X, Y, sw)
    tau = task_scale(task_weights, task_index, n_tasks, s_r)
    if tw == "size":
        np.testing.assert_allclose(tau, np.full(n_tasks, 1.0 / n_tasks))
    reference = solve_reference(family, X_r, 2.0 * y_r - 1.0, task_index, n_tasks, params,
                                sample_weight=s_r, task_scale=tau, fit_intercept=fit_intercept,
                                loss="logistic")
    assert reference["status"] == "optimal"
    return reference["objective"]


def _shared_design_cases():
    for family in CORE_FAMILIES:
        for solver in [*solvers_of(family), "cvxpy"]:
            yield pytest.param(family, solver, id=f"{family}-{solver}")


@pytest.mark.parametrize("family, solver", list(_shared_design_cases()))
def test_shared_design_reaches_cvxpy_optimum(family, solver):
    (a, b), tw, weighted, fit_intercept = SHARED_DESIGN_CASES[family]
    X, Y = shared_design_data()
    n, n_tasks = Y.shape
    sw = sample_weights(n, 3) if weighted else None
    task_weights = explicit_task_weights(n_tasks, 3) if tw == "array" else tw
    params = family_params(family, a, b, chain_graph(n_tasks) if family == "graph" else None)
    kwargs = {"solver": solver} if solver == "cvxpy" else {
        "solver": solver, "tol": TOL, "max_iter": MAX_ITER}
    est = make_classifier(family, params, fit_intercept=fit_intercept, task_weights=task_weights,
                          **kwargs).fit(X, Y, sample_weight=sw)
    if solver != "cvxpy":
        assert est.certificate_ <= TOL
    assert est.coef_.shape == (n_tasks, X.shape[1])
    assert list(est.tasks_) == list(range(n_tasks))
    assert est.predict(X).shape == Y.shape
    assert est.decision_function(X).shape == Y.shape
    assert est.predict_proba(X).shape == Y.shape
    X_r, y_r, task_index, s_r = expand_shared_design(X, Y, sw)
    tau = task_scale(task_weights, task_index, n_tasks, s_r)
    value = fitted_objective(est, family, params, X_r, 2.0 * y_r - 1.0, task_index, n_tasks,
                             s_r, tau)
    assert_objective_close(value, shared_design_reference(family),
                           f"shared design {family} {solver}")


# --------------------------------------------------------------------------- #
# A task whose rows hold one class: b_t = +-inf, w_t from the penalty alone
# --------------------------------------------------------------------------- #
ONE_CLASS_CASES = {
    "shared_parameter": (0.2, 0.3),
    "mean": (1.0, 0.05),
    "graph": (0.5, 0.02),
    "trace": (0.05, 0.01),
    "joint_feature": (0.03, 0.02),
}


@pytest.mark.parametrize("family", CORE_FAMILIES)
def test_one_class_task_reaches_cvxpy_optimum(family):
    """Coupled penalties: the one-class task's w_t follows the others through Omega."""
    a, b = ONE_CLASS_CASES[family]
    X, y, task_index = logistic_rows(1)
    y = y.copy()
    y[task_index == 2] = 1  # every row of task 2 is classes_[1]
    y[task_index == 0] = 0  # every row of task 0 is classes_[0]
    sw = sample_weights(len(y), 1)
    n_tasks = len(SIZES)
    params = family_params(family, a, b)
    est = make_classifier(family, params, task_weights="size", tol=TOL, max_iter=MAX_ITER)
    est.fit(X, y, tasks=task_index, sample_weight=sw)
    assert est.certificate_ <= TOL
    np.testing.assert_array_equal(est.intercept_[[0, 2]], [-np.inf, np.inf])
    assert np.all(np.isfinite(est.intercept_[[1, 3]]))
    assert np.all(np.isfinite(est.coef_))
    tau = task_scale("size", task_index, n_tasks, sw)
    signs = 2.0 * y - 1.0
    value = fitted_objective(est, family, params, X, signs, task_index, n_tasks, sw, tau)
    reference = solve_reference(family, X, signs, task_index, n_tasks, params, sample_weight=sw,
                                task_scale=tau, loss="logistic")
    assert reference["status"] == "optimal"
    np.testing.assert_array_equal(reference["intercept"][[0, 2]], [-np.inf, np.inf])
    assert_objective_close(value, reference["objective"], f"one-class task {family}")


# --------------------------------------------------------------------------- #
# solver='cvxpy' on the estimator
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("family", CORE_FAMILIES)
def test_cvxpy_solver_gives_the_reference(family):
    a, b, tw, weighted, fi, seed = cases_of(family)[0]
    X, y, tasks, task_index, n_tasks, sw, task_weights, tau, graph = build_case(
        seed, tw, weighted
    )
    params = family_params(family, a, b, graph)
    est = check_routed(family, a, b, seed, tw, weighted, fi, solver="cvxpy")
    reference = solve_reference(family, X, 2.0 * y - 1.0, task_index, n_tasks, params,
                                sample_weight=sw, task_scale=tau, fit_intercept=fi,
                                loss="logistic")
    np.testing.assert_allclose(est.coef_, reference["coef"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(est.intercept_, reference["intercept"], rtol=1e-5, atol=1e-6)
    assert est.n_iter_ == 1
    # The certificate is measured whatever the solver: the reference is optimal.
    assert est.certificate_ <= 1e-5
    # and the estimator's own solver agrees with it
    auto = make_classifier(family, params, fit_intercept=fi, task_weights=task_weights,
                           tol=TOL, max_iter=MAX_ITER).fit(X, y, tasks=tasks, sample_weight=sw)
    np.testing.assert_allclose(auto.coef_, est.coef_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(auto.intercept_, est.intercept_, rtol=1e-4, atol=1e-5)
