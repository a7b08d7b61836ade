"""Block coordinate descent (``solver='cd'``) against independent references.

The column-separable families (per-task lasso, L2,1, the dirty model) are solved
by working-set block coordinate descent on NumPy input.  Every check compares
with something that does not go through skmtl's solvers: the optimum of the cvxpy
reference (``solver='cvxpy'``, sample form, Clarabel), evaluated with the NumPy
objective of :mod:`skmtl.solvers.reference_cvxpy`; scikit-learn's ``Lasso`` and
``MultiTaskLasso`` on a shared design; and, for gap-safe screening, the support of
the cvxpy solution of the very problem handed to :func:`coordinate_descent`.
The three layouts of the squared loss are covered: per-task statistics, rows
sorted by task, and the rows of a wide shared design.
"""

import warnings

import numpy as np
import pytest
import sklearn
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, MultiTaskLasso
from sklearn.utils._param_validation import InvalidParameterError

cp = pytest.importorskip("cvxpy")
pytest.importorskip("clarabel")

from _reference_helpers import explicit_task_weights, sample_weights, task_scale  # noqa: E402
from test_against_cvxpy import (  # noqa: E402
    assert_objective_close,
    expand_shared_design,
    recording_routed_loss,
)
from test_classifiers_against_cvxpy import SEEDS, logistic_rows  # noqa: E402

import skmtl.linear_model._base as base_module  # noqa: E402
import skmtl.solvers.norm_penalized as norm_penalized_module  # noqa: E402
from skmtl import (  # noqa: E402
    DirtyClassifier,
    DirtyRegressor,
    IndependentLassoClassifier,
    IndependentLassoRegressor,
    JointFeatureClassifier,
    JointFeatureRegressor,
    TraceNormRegressor,
)
from skmtl.losses import (  # noqa: E402
    GramSquaredLoss,
    SampleSquaredLoss,
    SharedSampleSquaredLoss,
    routed_loss,
    shared_design_loss,
)
from skmtl.model_selection import regularization_path  # noqa: E402
from skmtl.penalties import FusedSparseGroupLasso, JointFeatureNorm, TemporalGroupLasso  # noqa: E402
from skmtl.penalties.blocks import CoordinateBlocks  # noqa: E402
from skmtl.penalties.sparse import L1Norm, SplitNorm  # noqa: E402
from skmtl.penalties.temporal import check_order  # noqa: E402
from skmtl.solvers._chain_kernels import chain_update, chain_work  # noqa: E402
from skmtl.solvers.coordinate_descent import coordinate_descent  # noqa: E402
from skmtl.solvers.reference_cvxpy import (  # noqa: E402
    DEFAULT_CLARABEL_SETTINGS,
    objective_value,
    solve_reference,
)

TIGHT = {"tol": 1e-10, "max_iter": 100_000}
# Task labels whose sorted order differs from the order of generation.
LABELS = np.array(["delta", "bravo", "alpha", "charlie"])
FAMILY = {
    IndependentLassoRegressor: "lasso",
    JointFeatureRegressor: "joint_feature",
    DirtyRegressor: "dirty",
    IndependentLassoClassifier: "lasso",
    JointFeatureClassifier: "joint_feature",
    DirtyClassifier: "dirty",
}


# --------------------------------------------------------------------------- #
# Data and helpers
# --------------------------------------------------------------------------- #
def sparse_rows(seed, sizes, d, scaled=False):
    """Routed rows, interleaved, with a few features shared by all tasks, one private
    feature per task and task intercepts.  ``scaled`` multiplies column j by
    ``10**linspace(-3, 3, d)[j]`` (six orders of magnitude)."""
    rng = np.random.default_rng(seed)
    n_tasks = len(sizes)
    task_index = rng.permutation(np.repeat(np.arange(n_tasks), sizes))
    Z = rng.standard_normal((task_index.size, d)) + rng.normal(0.0, 0.5, d)
    W = np.zeros((n_tasks, d))
    shared = rng.choice(d, size=min(3, d), replace=False)
    W[:, shared] = rng.standard_normal((n_tasks, shared.size))
    W[np.arange(n_tasks), rng.integers(0, d, n_tasks)] += 2.0 * rng.standard_normal(n_tasks)
    y = (np.einsum("ij,ij->i", Z, W[task_index]) + np.linspace(-2.0, 3.0, n_tasks)[task_index]
         + 0.5 * rng.standard_normal(task_index.size))
    X = Z * 10.0 ** np.linspace(-3.0, 3.0, d) if scaled else Z
    return X, y, task_index


def shared_rows(seed, n, d, n_tasks, n_informative=4):
    """A shared design X (n, d) and targets Y (n, T) built on a few shared features."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + rng.normal(0.0, 0.3, d)
    W = np.zeros((n_tasks, d))
    W[:, rng.choice(d, n_informative, replace=False)] = rng.standard_normal(
        (n_tasks, n_informative))
    Y = X @ W.T + np.linspace(-1.0, 2.0, n_tasks) + 0.3 * rng.standard_normal((n, n_tasks))
    return X, Y


def components(model):
    """The split (P, Q) of a dirty model, else None."""
    if hasattr(model, "joint_coef_"):
        return model.joint_coef_, model.task_coef_
    return None


def reference_params(model):
    if isinstance(model, DirtyRegressor | DirtyClassifier):
        return {"alpha_shared": model.alpha_shared, "alpha_task": model.alpha_task}
    return {"alpha": model.alpha, "l2": model.l2}


def objective_of_fit(model, X, y, tasks, sample_weight, tau):
    """F(W, b) of a fitted model, in the order of its sorted task labels."""
    index = np.searchsorted(model.tasks_, tasks)
    loss = "logistic" if is_classifier(model) else "squared"
    if loss == "logistic":
        y = np.where(y == model.classes_[1], 1.0, -1.0)
    return objective_value(
        FAMILY[type(model)], X, y, index, len(model.tasks_), model.coef_, model.intercept_,
        reference_params(model), sample_weight=sample_weight, task_scale=tau, loss=loss,
        components=components(model),
    )


def recording_shared_design_loss(monkeypatch):
    """Record the losses that fit builds for a shared design (representation 'auto')."""
    made = []

    def wrapper(*args, **kwargs):
        out = shared_design_loss(*args, **kwargs)
        made.append(out[0])
        return out

    monkeypatch.setattr(base_module, "shared_design_loss", wrapper)
    return made


def counting_coordinate_descent(monkeypatch):
    """Count the calls of the coordinate-descent solver by the norm-penalized solve."""
    calls = []

    def wrapper(*args, **kwargs):
        result = coordinate_descent(*args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(norm_penalized_module, "coordinate_descent", wrapper)
    return calls


# --------------------------------------------------------------------------- #
# 1. solver='cd' reaches the cvxpy optimum
# --------------------------------------------------------------------------- #
#: sizes and number of features of each problem; ``scaled`` problems multiply the
#: columns by 10**linspace(-3, 3, d).
PROBLEMS = {
    # a one-row task, more rows than features elsewhere
    "one_row": ((12, 1, 7, 20), 6, False),
    "one_row_scaled": ((12, 1, 7, 20), 6, True),
    # d > n_t in every task
    "wide": ((10, 13, 15, 11), 60, False),
    "wide_scaled": ((10, 13, 15, 11), 60, True),
    # T d^2 > 4e6 and T d > n: routed_loss keeps the rows without being told to
    "very_wide": ((12, 9, 14, 10), 1001, False),
}

#: The layout each case asks for, and the loss class fit must then build:
#: 'statistics' and 'auto_rows' let routed_loss choose, 'rows' forces the rows.
LAYOUTS = {
    "statistics": (None, GramSquaredLoss),
    "rows": ("samples", SampleSquaredLoss),
    "auto_rows": (None, SampleSquaredLoss),
}

#: (problem, layout, task_weights, sample weights, fit_intercept, l2); every family
#: runs all of them (the dirty model has no ridge and ignores l2).
REGRESSION_CASES = [
    ("one_row", "statistics", "uniform", True, True, 0.0),
    ("one_row_scaled", "statistics", "size", False, False, 0.05),
    ("wide", "rows", "array", True, True, 0.0),
    ("wide_scaled", "rows", "size", True, False, 0.05),
    ("one_row", "rows", "uniform", False, True, 0.05),
    ("wide", "statistics", "array", False, True, 0.0),
    ("one_row_scaled", "rows", "uniform", True, True, 0.0),
    ("very_wide", "auto_rows", "size", True, True, 0.02),
]

REGRESSORS = {
    "lasso": lambda l2: IndependentLassoRegressor(alpha=0.1, l2=l2),
    "joint_feature": lambda l2: JointFeatureRegressor(alpha=0.2, l2=l2),
    "dirty": lambda l2: DirtyRegressor(alpha_shared=0.2, alpha_task=0.1),
}


def _regression_cases():
    for family in REGRESSORS:
        for i, (problem, layout, tw, weighted, fi, l2) in enumerate(REGRESSION_CASES):
            yield pytest.param(
                family, problem, layout, tw, weighted, fi, l2, i,
                id=f"{family}-{problem}-{layout}-{tw}-{'sw' if weighted else 'nosw'}-"
                f"{'icpt' if fi else 'noicpt'}-l2{l2:g}",
            )


@pytest.mark.parametrize("family, problem, layout, task_weights, weighted, fit_intercept, l2, "
                         "seed", list(_regression_cases()))
def test_cd_reaches_cvxpy_optimum(monkeypatch, family, problem, layout, task_weights, weighted,
                                  fit_intercept, l2, seed):
    representation, loss_class = LAYOUTS[layout]
    made = recording_routed_loss(monkeypatch, representation)
    sizes, d, scaled = PROBLEMS[problem]
    X, y, generated = sparse_rows(seed, sizes, d, scaled)
    tasks = LABELS[generated]
    sorted_index = np.searchsorted(np.unique(tasks), tasks)
    sw = sample_weights(len(y), seed) if weighted else None
    given_weights = explicit_task_weights(len(sizes), seed) if task_weights == "array" else (
        task_weights)
    tau = task_scale(given_weights, sorted_index, len(sizes), sw)

    model = REGRESSORS[family](l2).set_params(
        solver="cd", task_weights=given_weights, fit_intercept=fit_intercept, **TIGHT)
    model.fit(X, y, tasks=tasks, sample_weight=sw)
    reference = clone(model).set_params(solver="cvxpy").fit(X, y, tasks=tasks, sample_weight=sw)

    assert made and all(isinstance(loss, loss_class) for loss in made), made
    assert isinstance(model.n_iter_, int) and model.n_iter_ >= 1
    assert model.certificate_ <= model.tol
    if not fit_intercept:
        np.testing.assert_array_equal(model.intercept_, 0.0)
    value = objective_of_fit(model, X, y, tasks, sw, tau)
    optimum = objective_of_fit(reference, X, y, tasks, sw, tau)
    assert_objective_close(value, optimum, f"{family} {problem} {layout} n_iter_={model.n_iter_}")
    # the case exercises zero and non-zero coefficients
    assert 0 < np.count_nonzero(model.coef_) < model.coef_.size


# --------------------------------------------------------------------------- #
# Classifiers: proximal Newton whose squared-loss steps are coordinate descent
# --------------------------------------------------------------------------- #
CLASSIFIER_CASES = [
    # (estimator, seed of the data, task_weights, sample weights, fit_intercept)
    (IndependentLassoClassifier(alpha=0.02, l2=0.01), 1, "size", True, True),
    (IndependentLassoClassifier(alpha=0.03), 3, "uniform", False, False),
    (JointFeatureClassifier(alpha=0.03), 4, "array", True, True),
    (JointFeatureClassifier(alpha=0.02, l2=0.02), 7, "uniform", False, False),
    (DirtyClassifier(alpha_shared=0.03, alpha_task=0.02), 1, "uniform", True, True),
    (DirtyClassifier(alpha_shared=0.04, alpha_task=0.025), 3, "size", False, False),
]


@pytest.mark.parametrize(
    "estimator, seed, task_weights, weighted, fit_intercept", CLASSIFIER_CASES,
    ids=[f"{type(c[0]).__name__}-{c[2]}-{'sw' if c[3] else 'nosw'}-"
         f"{'icpt' if c[4] else 'noicpt'}" for c in CLASSIFIER_CASES],
)
def test_classifier_reaches_cvxpy_optimum(monkeypatch, estimator, seed, task_weights, weighted,
                                          fit_intercept):
    """Default solver (proximal Newton): its squared-loss steps go through coordinate
    descent on NumPy, and the fit reaches the logistic optimum of the reference."""
    assert seed in SEEDS  # data whose tasks are not linearly separable
    calls = counting_coordinate_descent(monkeypatch)
    X, y, generated = logistic_rows(seed)
    tasks = LABELS[generated]
    n_tasks = LABELS.size
    sorted_index = np.searchsorted(np.unique(tasks), tasks)
    sw = sample_weights(len(y), seed) if weighted else None
    given_weights = explicit_task_weights(n_tasks, seed) if task_weights == "array" else (
        task_weights)
    tau = task_scale(given_weights, sorted_index, n_tasks, sw)
    model = clone(estimator).set_params(task_weights=given_weights, fit_intercept=fit_intercept,
                                        tol=1e-8)
    model.fit(X, y, tasks=tasks, sample_weight=sw)
    assert calls, "the proximal Newton steps did not go through coordinate descent"
    assert model.certificate_ <= model.tol
    reference = clone(model).set_params(solver="cvxpy").fit(X, y, tasks=tasks, sample_weight=sw)
    value = objective_of_fit(model, X, y, tasks, sw, tau)
    optimum = objective_of_fit(reference, X, y, tasks, sw, tau)
    assert_objective_close(value, optimum, f"{type(model).__name__} n_iter_={model.n_iter_}")


# --------------------------------------------------------------------------- #
# 2. Shared design: scikit-learn's MultiTaskLasso and Lasso
# --------------------------------------------------------------------------- #
SHARED_PROBLEMS = {
    # (n, d, T, alpha of the L2,1 model, alpha of the lasso, loss fit must build)
    "narrow": (50, 12, 3, 0.1, 0.05, GramSquaredLoss),
    "wide": (60, 2500, 3, 0.25, 0.15, SharedSampleSquaredLoss),
}


@pytest.mark.parametrize("problem", sorted(SHARED_PROBLEMS))
def test_shared_design_joint_feature_is_multitask_lasso(monkeypatch, problem):
    n, d, n_tasks, alpha, _, loss_class = SHARED_PROBLEMS[problem]
    made = recording_shared_design_loss(monkeypatch)
    X, Y = shared_rows(4, n, d, n_tasks)
    model = JointFeatureRegressor(alpha=alpha, solver="cd", tol=1e-10).fit(X, Y)
    assert len(made) == 1 and isinstance(made[0], loss_class)
    reference = MultiTaskLasso(alpha=alpha, tol=1e-12, max_iter=1_000_000).fit(X, Y)
    assert 0 < np.count_nonzero(reference.coef_) < reference.coef_.size
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("problem", sorted(SHARED_PROBLEMS))
def test_shared_design_lasso_is_sklearn_lasso_per_column(monkeypatch, problem, weighted):
    n, d, n_tasks, _, alpha, loss_class = SHARED_PROBLEMS[problem]
    made = recording_shared_design_loss(monkeypatch)
    X, Y = shared_rows(5, n, d, n_tasks)
    sw = sample_weights(n, 5) if weighted else None
    model = IndependentLassoRegressor(alpha=alpha, solver="cd", tol=1e-10).fit(
        X, Y, sample_weight=sw)
    assert len(made) == 1 and isinstance(made[0], loss_class)
    for t in range(n_tasks):
        reference = Lasso(alpha=alpha, tol=1e-12, max_iter=1_000_000).fit(
            X, Y[:, t], sample_weight=sw)
        assert 0 < np.count_nonzero(reference.coef_) < d
        np.testing.assert_allclose(model.coef_[t], reference.coef_, rtol=0, atol=1e-6)
        np.testing.assert_allclose(model.intercept_[t], reference.intercept_, rtol=0, atol=1e-6)


# --------------------------------------------------------------------------- #
# 3. Gap-safe screening discards only blocks that are zero at the optimum
# --------------------------------------------------------------------------- #
def _dirty_ridge_reference(X, y, task_index, n_tasks, sw, tau, fit_intercept, params, l2):
    """[P | Q] minimizing the dirty objective plus l2/2 (||P||^2 + ||Q||^2), which
    the reference solver does not cover, written in sample form like it: targets in
    units of their weighted root mean square (the norm weights divided by it), tight
    Clarabel settings, shorter steps, then its standard settings until one is optimal."""
    s = np.ones(len(y)) if sw is None else sw
    totals = np.bincount(task_index, weights=s, minlength=n_tasks)
    row_weight = tau[task_index] * s / totals[task_index]
    unit = float(np.sqrt(np.sum(row_weight * y**2) / np.sum(row_weight))) or 1.0
    d = X.shape[1]
    P, Q = cp.Variable((n_tasks, d)), cp.Variable((n_tasks, d))
    prediction = cp.sum(cp.multiply(X, (P + Q)[task_index, :]), axis=1)
    if fit_intercept:
        prediction = prediction + cp.Variable(n_tasks)[task_index]
    objective = (
        0.5 * cp.sum_squares(cp.multiply(np.sqrt(row_weight), prediction - y / unit))
        + (params["alpha_shared"] * cp.sum(cp.norm(P, 2, axis=0))
           + params["alpha_task"] * cp.sum(cp.abs(Q))) / unit
        + 0.5 * l2 * (cp.sum_squares(P) + cp.sum_squares(Q))
    )
    problem = cp.Problem(cp.Minimize(objective / np.sum(tau)))
    tight = dict(DEFAULT_CLARABEL_SETTINGS)
    for options in (tight, {**tight, "max_step_fraction": 0.9}, {}):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            problem.solve(solver=cp.CLARABEL, **options)
        if problem.status == "optimal":
            break
    assert problem.status == "optimal", problem.status
    return unit * np.hstack([P.value, Q.value])


def _blocks(family, params, d):
    """The coordinate blocks of the family's penalty, on the variable V the solver sees
    (for the dirty model [P | Q], both halves acting on the same features)."""
    if family == "lasso":
        return L1Norm(params["alpha"]).coordinate_blocks(d)
    if family == "joint_feature":
        return JointFeatureNorm(params["alpha"]).coordinate_blocks(d)
    blocks = SplitNorm(JointFeatureNorm(params["alpha_shared"]),
                       L1Norm(params["alpha_task"])).coordinate_blocks(2 * d)
    return blocks._replace(feature=np.tile(np.arange(d), 2))


def _scaled_params(family, loss, n_tasks, d, fraction, ratio):
    """Penalty weights at ``fraction`` of the smallest weight that gives W = 0."""
    gradient = np.asarray(loss.gradient(np.zeros((n_tasks, d))))
    top_l1 = float(np.max(np.abs(gradient)))
    top_group = float(np.max(np.linalg.norm(gradient, axis=0)))
    if family == "lasso":
        return {"alpha": fraction * top_l1}
    if family == "joint_feature":
        return {"alpha": fraction * top_group}
    # both parts in use needs alpha_task < alpha_shared < sqrt(T) alpha_task
    alpha_task = fraction * top_l1
    return {"alpha_task": alpha_task,
            "alpha_shared": alpha_task * (1.0 + ratio * (np.sqrt(n_tasks) - 1.0))}


def screening_problem(seed, family, layout, l2, fraction, ratio, fit_intercept, weighted,
                      n_tasks, d, n_rows):
    """The loss handed to coordinate descent, its blocks, and the reference V (cvxpy).

    ``layout`` is 'statistics', 'rows' (routed rows) or 'shared_rows' (a shared design
    kept as rows).  Returns (loss, blocks, reference V)."""
    rng = np.random.default_rng(seed)
    if layout == "shared_rows":
        X, Y = shared_rows(seed, n_rows, d, n_tasks, n_informative=min(3, d))
        sw = rng.uniform(0.3, 3.0, n_rows) if weighted else None
        tau = rng.uniform(0.5, 2.0, n_tasks)
        loss, _, _ = shared_design_loss(X, Y, np.ones(n_rows) if sw is None else sw, tau,
                                        fit_intercept, np, representation="samples")
        X, y, task_index, sw = expand_shared_design(X, Y, sw)
    else:
        sizes = rng.integers(1, n_rows + 1, n_tasks)
        X, y, task_index = sparse_rows(seed, tuple(sizes), d)
        sw = rng.uniform(0.3, 3.0, len(y)) if weighted else None
        tau = rng.uniform(0.5, 2.0, n_tasks)
        representation = "gram" if layout == "statistics" else "samples"
        loss, _, _ = routed_loss(X, y, np.ones(len(y)) if sw is None else sw, task_index,
                                 n_tasks, tau, fit_intercept, np,
                                 representation=representation)
    params = _scaled_params(family, loss, n_tasks, d, fraction, ratio)
    blocks = _blocks(family, params, d)
    if family == "dirty" and l2 > 0:
        V = _dirty_ridge_reference(X, y, task_index, n_tasks, sw, tau, fit_intercept, params,
                                   l2)
    else:
        result = solve_reference(family, X, y, task_index, n_tasks, {**params, "l2": l2},
                                 sample_weight=sw, task_scale=tau, fit_intercept=fit_intercept)
        assert result["status"] == "optimal"
        V = np.hstack(result["components"]) if family == "dirty" else result["coef"]
    return loss, blocks, V


def assert_screening_is_safe(result, V, what):
    """Every discarded block is zero in the reference solution (to its accuracy)."""
    largest = float(np.max(np.abs(V)))
    block_size = np.max(np.abs(V), axis=0)
    wrong = np.flatnonzero(result.discarded & (block_size > 1e-6 * max(largest, 1e-300)))
    assert wrong.size == 0, (
        f"{what}: screening discarded blocks {wrong.tolist()} whose reference values "
        f"are {block_size[wrong].tolist()} (largest coefficient {largest:.3g})"
    )
    # a discarded block is never part of the returned solution
    np.testing.assert_array_equal(result.V[:, result.discarded], 0.0)


SCREENING = settings(max_examples=25, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow])


@SCREENING
@given(
    seed=st.integers(0, 2**16),
    family=st.sampled_from(["lasso", "joint_feature", "dirty"]),
    layout=st.sampled_from(["statistics", "rows", "shared_rows"]),
    l2=st.sampled_from([0.0, 0.05]),
    tol=st.sampled_from([1e-2, 1e-3, 1e-5]),
    fraction=st.floats(0.05, 0.9),
    ratio=st.floats(0.1, 0.9),
    fit_intercept=st.booleans(),
    weighted=st.booleans(),
    n_tasks=st.integers(1, 4),
    d=st.integers(2, 12),
    n_rows=st.integers(2, 15),
)
def test_screening_discards_only_zero_blocks(seed, family, layout, l2, tol, fraction, ratio,
                                             fit_intercept, weighted, n_tasks, d, n_rows):
    loss, blocks, V = screening_problem(seed, family, layout, l2, fraction, ratio,
                                        fit_intercept, weighted, n_tasks, d, n_rows)
    start = np.zeros((n_tasks, blocks.feature.size))
    result = coordinate_descent(loss, blocks, l2, start, tol=tol, max_iter=100_000)
    assert result.relative_gap <= tol
    event(f"screening discarded blocks: {bool(result.discarded.any())}")
    assert_screening_is_safe(result, V, f"{family} {layout} l2={l2} tol={tol}")


@pytest.mark.parametrize("layout", ["statistics", "rows", "shared_rows"])
@pytest.mark.parametrize("family", ["lasso", "joint_feature", "dirty"])
def test_screening_discards_blocks(family, layout):
    """Many irrelevant features: on the way to a moderate tolerance screening discards
    blocks (so that the property above is not vacuous), all of them zero in the
    reference solution."""
    loss, blocks, V = screening_problem(3, family, layout, 0.0, 0.25, 0.5, True, True,
                                        n_tasks=3, d=40, n_rows=40)
    start = np.zeros((3, blocks.feature.size))
    result = coordinate_descent(loss, blocks, 0.0, start, tol=1e-6, max_iter=100_000)
    assert result.relative_gap <= 1e-6
    assert result.discarded.any()
    assert_screening_is_safe(result, V, f"{family} {layout}")
    without = coordinate_descent(loss, blocks, 0.0, start, tol=1e-6, max_iter=100_000,
                                 screening=False)
    assert not without.discarded.any()


# --------------------------------------------------------------------------- #
# 4. Warm-started paths give the cold fits
# --------------------------------------------------------------------------- #
PATH_ESTIMATORS = [
    (JointFeatureRegressor(solver="cd", **TIGHT), 8),
    (IndependentLassoRegressor(solver="cd", l2=0.01, **TIGHT), 8),
    (DirtyRegressor(alpha_shared=0.15, solver="cd", **TIGHT),
     np.geomspace(0.12, 0.01, 8)),
]


@pytest.mark.parametrize("estimator, alphas", PATH_ESTIMATORS,
                         ids=["joint_feature", "lasso", "dirty"])
def test_warm_path_equals_cold_fits(estimator, alphas):
    """Objective (the dirty penalty minimized over the split by the reference, since
    the path keeps only W) and support of each warm fit against a cold fit."""
    X, y, generated = sparse_rows(11, (30, 25, 40), 15)
    tasks = LABELS[generated]
    sw = sample_weights(len(y), 11)
    sorted_index = np.searchsorted(np.unique(tasks), tasks)
    tau = task_scale("uniform", sorted_index, 3, sw)
    family = FAMILY[type(estimator)]
    path = regularization_path(estimator, X, y, tasks=tasks, sample_weight=sw, alphas=alphas,
                               eps=1e-2)
    assert np.all(path.certificates <= estimator.tol)
    np.testing.assert_array_equal(path.tasks, np.unique(tasks))

    def objective(coef, intercept, params):
        return objective_value(family, X, y, sorted_index, 3, coef, intercept, params,
                               sample_weight=sw, task_scale=tau)

    for k, alpha in enumerate(path.alphas):
        cold = clone(estimator).set_params(**{path.parameter: float(alpha)}).fit(
            X, y, tasks=tasks, sample_weight=sw)
        params = reference_params(cold)
        np.testing.assert_allclose(objective(path.coefs[k], path.intercepts[k], params),
                                   objective(cold.coef_, cold.intercept_, params),
                                   rtol=1e-8, err_msg=f"objective at alpha={alpha:g}")
        np.testing.assert_array_equal(path.coefs[k] != 0, cold.coef_ != 0,
                                      err_msg=f"support at alpha={alpha:g}")
    # the path goes from a sparse fit to a denser one
    assert np.count_nonzero(path.coefs[-1]) > np.count_nonzero(path.coefs[0])


@pytest.mark.parametrize("layout", ["statistics", "rows"])
def test_guess_is_taken_only_when_it_is_better(layout):
    """A path's predicted start: the cvxpy optimum as guess needs no epoch, while a
    guess worse than the start changes nothing."""
    X, y, task_index = sparse_rows(5, (30, 25, 40), 12)
    loss, _, _ = routed_loss(X, y, np.ones(len(y)), task_index, 3, np.ones(3), True, np,
                             representation="gram" if layout == "statistics" else "samples")
    params = {"alpha": 0.3}
    result = solve_reference("joint_feature", X, y, task_index, 3, params)
    blocks = JointFeatureNorm(params["alpha"]).coordinate_blocks(12)
    zeros = np.zeros((3, 12))
    at_optimum = coordinate_descent(loss, blocks, 0.0, zeros, 1e-7, 1000,
                                    guess=result["coef"])
    assert at_optimum.n_iter == 0
    assert at_optimum.relative_gap <= 1e-7
    plain = coordinate_descent(loss, blocks, 0.0, zeros, 1e-10, 1000)
    bad = coordinate_descent(loss, blocks, 0.0, zeros, 1e-10, 1000, guess=zeros + 100.0)
    assert bad.n_iter == plain.n_iter
    np.testing.assert_array_equal(bad.V, plain.V)
    np.testing.assert_allclose(plain.V, result["coef"], atol=1e-6)


# --------------------------------------------------------------------------- #
# 5. Where coordinate descent does not apply
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("estimator", [
    JointFeatureRegressor(alpha=0.1, solver="cd"),
    IndependentLassoRegressor(alpha=0.1, solver="cd"),
    DirtyRegressor(solver="cd"),
], ids=["joint_feature", "lasso", "dirty"])
def test_cd_rejects_other_namespaces(estimator, xps):
    X, y, tasks = sparse_rows(0, (20, 15), 4)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="NumPy"):
            clone(estimator).fit(xps.asarray(X), xps.asarray(y), tasks=tasks)


@pytest.mark.parametrize("cls", [TraceNormRegressor, JointFeatureClassifier,
                                 IndependentLassoClassifier, DirtyClassifier])
def test_cd_rejected_by_parameter_validation(cls):
    X, y, tasks = sparse_rows(0, (20, 15), 4)
    if is_classifier(cls()):
        y = (y > np.median(y)).astype(int)
    with pytest.raises(InvalidParameterError, match="solver"):
        cls(solver="cd").fit(X, y, tasks=tasks)


# --------------------------------------------------------------------------- #
# 6. Iterations, certificate and convergence warning
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("estimator", [
    JointFeatureRegressor(alpha=0.05, solver="cd"),
    IndependentLassoRegressor(alpha=0.02, solver="cd"),
    DirtyRegressor(alpha_shared=0.05, alpha_task=0.03, solver="cd"),
], ids=["joint_feature", "lasso", "dirty"])
def test_iterations_certificate_and_convergence_warning(estimator):
    X, y, generated = sparse_rows(2, (15, 25, 20), 40)
    tasks = LABELS[generated]
    model = clone(estimator).set_params(tol=1e-9).fit(X, y, tasks=tasks)
    assert isinstance(model.n_iter_, int) and 1 <= model.n_iter_ <= model.max_iter
    assert 0 <= model.certificate_ <= model.tol
    short = clone(estimator).set_params(tol=1e-12, max_iter=3)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        short.fit(X, y, tasks=tasks)
    assert short.certificate_ > short.tol
    assert 1 <= short.n_iter_ <= short.max_iter
    assert short.n_iter_ < model.n_iter_


def test_blocks_describe_the_penalties():
    """The blocks that the families hand to the solver, against their definitions."""
    lasso = L1Norm(0.3).coordinate_blocks(4)
    np.testing.assert_array_equal(lasso.feature, np.arange(4))
    np.testing.assert_array_equal(lasso.l1, 0.3)
    np.testing.assert_array_equal(lasso.group, 0.0)
    joint = JointFeatureNorm(0.2).coordinate_blocks(4)
    np.testing.assert_array_equal(joint.l1, 0.0)
    np.testing.assert_array_equal(joint.group, 0.2)
    dirty = SplitNorm(JointFeatureNorm(0.2), L1Norm(0.3)).coordinate_blocks(8)
    assert isinstance(dirty, CoordinateBlocks)
    np.testing.assert_array_equal(dirty.group, [0.2] * 4 + [0.0] * 4)
    np.testing.assert_array_equal(dirty.l1, [0.0] * 4 + [0.3] * 4)


# --------------------------------------------------------------------------- #
# Column-coupled blocks: the temporal group lasso and the fused sparse group lasso
# --------------------------------------------------------------------------- #
#: (family, penalty weights, ridge) of the chain penalties checked below.
CHAIN_PENALTIES = {
    "temporal": lambda order, c=1.0: TemporalGroupLasso(1.0 * c, 0.5, order),
    "temporal_ridge": lambda order, c=1.0: TemporalGroupLasso(0.8 * c, 1.5, order),
    "fused_sparse_group": lambda order, c=1.0: FusedSparseGroupLasso(0.05 * c, 0.2 * c,
                                                                      0.3 * c, order),
    "fused_lasso_part": lambda order, c=1.0: FusedSparseGroupLasso(0.1 * c, 0.3 * c, 0.0,
                                                                    order),
}
CHAIN_RIDGE = {"temporal": 0.0, "temporal_ridge": 0.1, "fused_sparse_group": 0.0,
               "fused_lasso_part": 0.0}


def _chain_block_reference(penalty, h, v0, gradient, l2):
    """cvxpy's minimizer of the block problem over one column, in the rows' order."""
    v = cp.Variable(h.size)
    order = np.arange(h.size) if penalty.order is None else np.asarray(penalty.order)
    steps = v[order[1:]] - v[order[:-1]]
    if isinstance(penalty, TemporalGroupLasso):
        term = penalty.alpha_group * cp.norm(v, 2) + 0.5 * penalty.alpha_smooth * cp.sum_squares(
            steps)
    else:
        term = (penalty.alpha_lasso * cp.norm(v, 1) + penalty.alpha_fused * cp.norm(steps, 1)
                + penalty.alpha_group * cp.norm(v, 2))
    model = (0.5 * cp.sum(cp.multiply(h, cp.square(v - v0))) + gradient @ (v - v0)
             + 0.5 * l2 * cp.sum_squares(v) + term)
    cp.Problem(cp.Minimize(model)).solve(solver=cp.CLARABEL, **DEFAULT_CLARABEL_SETTINGS)
    return v.value


def _chain_block_value(penalty, h, v0, gradient, l2, v):
    return float(0.5 * np.sum(h * (v - v0) ** 2) + gradient @ (v - v0) + 0.5 * l2 * v @ v
                 + penalty.value(v[:, None], np))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(CHAIN_PENALTIES))
def test_chain_block_update_reaches_the_block_minimum(name, seed):
    """One update of a temporal group lasso column is the exact block minimizer; the
    majorized updates of the fused sparse group lasso lower the block objective and,
    repeated on the block's own quadratic model, reach its minimizer (cvxpy)."""
    rng = np.random.default_rng(seed)
    n_tasks = 7
    order = rng.permutation(n_tasks)
    penalty = CHAIN_PENALTIES[name](order)
    l2 = CHAIN_RIDGE[name]
    blocks = penalty.coordinate_blocks(1)
    h = rng.uniform(0.2, 3.0, n_tasks)
    h[seed] = 0.0 if l2 > 0 or isinstance(penalty, TemporalGroupLasso) else h[seed]
    v0 = rng.standard_normal(n_tasks)
    gradient = rng.standard_normal(n_tasks)
    if seed == 2:  # a start at zero and a gradient inside the zero set
        v0[:] = 0.0
        gradient *= 0.05
    reference = _chain_block_reference(penalty, h, v0, gradient, l2)
    V = v0[:, None].copy()
    work, change = chain_work(n_tasks), np.empty(n_tasks)
    positions = check_order(order, n_tasks)
    value = _chain_block_value(penalty, h, v0, gradient, l2, v0)
    for _ in range(1 if isinstance(penalty, TemporalGroupLasso) else 2000):
        model_gradient = gradient + h * (V[:, 0] - v0)  # the quadratic model is exact
        chain_update(0, V, h, model_gradient, positions, blocks.l1, blocks.fused,
                     blocks.group, blocks.smooth, l2, work, change)
        following = _chain_block_value(penalty, h, v0, gradient, l2, V[:, 0])
        assert following <= value + 1e-12 * max(abs(value), 1.0)
        value = following
    optimum = _chain_block_value(penalty, h, v0, gradient, l2, reference)
    assert value <= optimum + 1e-8 * max(abs(optimum), 1.0)
    np.testing.assert_allclose(V[:, 0], reference, atol=1e-5)


def chain_problem(seed, name, layout, fit_intercept=False, n_tasks=5, d=8, n_rows=12,
                  scale=1.0):
    """A routed or shared-design loss (fit_intercept False, so that the reference
    objective needs no intercepts), the chain blocks of ``name`` (weights times
    ``scale``) in a random order, the ridge, the cvxpy solution and what evaluates the
    objective of any W."""
    rng = np.random.default_rng(seed)
    if layout == "shared_rows":
        X, Y = shared_rows(seed, n_rows, d, n_tasks, n_informative=3)
        sw = rng.uniform(0.3, 3.0, n_rows)
        tau = rng.uniform(0.5, 2.0, n_tasks)
        loss, _, _ = shared_design_loss(X, Y, sw, tau, fit_intercept, np,
                                        representation="samples")
        X, y, task_index, sw = expand_shared_design(X, Y, sw)
    else:
        X, y, task_index = sparse_rows(seed, tuple(rng.integers(1, n_rows + 1, n_tasks)), d)
        sw = rng.uniform(0.3, 3.0, len(y))
        tau = rng.uniform(0.5, 2.0, n_tasks)
        loss, _, _ = routed_loss(X, y, sw, task_index, n_tasks, tau, fit_intercept, np,
                                 representation="gram" if layout == "statistics" else "samples")
    order = rng.permutation(n_tasks)
    penalty = CHAIN_PENALTIES[name](order, scale)
    l2 = CHAIN_RIDGE[name]
    family = "temporal" if isinstance(penalty, TemporalGroupLasso) else "fused_sparse_group"
    params = {**penalty.reference_params()}
    if family == "temporal":
        params = {"alpha": penalty.alpha_group, "alpha_smooth": penalty.alpha_smooth,
                  "l2": l2, "order": params["order"]}
    reference = solve_reference(family, X, y, task_index, n_tasks, params, sample_weight=sw,
                                task_scale=tau, fit_intercept=fit_intercept)
    assert reference["status"] == "optimal"

    def objective(W):
        return objective_value(family, X, y, task_index, n_tasks, W, np.zeros(n_tasks),
                               params, sample_weight=sw, task_scale=tau)

    return loss, penalty.coordinate_blocks(d), l2, reference["coef"], objective


@pytest.mark.parametrize("layout", ["statistics", "rows", "shared_rows"])
@pytest.mark.parametrize("name", list(CHAIN_PENALTIES))
def test_chain_gap_bounds_the_suboptimality(name, layout):
    """At every stage of a solve the reported gap is at least the distance of the
    objective to cvxpy's optimum, and at the end it is below tol."""
    # the shared design's few rows are fitted more closely: stronger weights zero columns
    loss, blocks, l2, reference, objective = chain_problem(
        3, name, layout, scale=2.0 if layout == "shared_rows" else 1.0)
    scale = objective(np.zeros_like(reference))
    optimum = objective(reference)
    start = np.zeros_like(reference)
    for max_iter in (1, 2, 5, 100_000):
        result = coordinate_descent(loss, blocks, l2, start, tol=1e-10, max_iter=max_iter)
        suboptimality = (objective(result.V) - optimum) / scale
        assert result.relative_gap >= suboptimality - 1e-9, (max_iter, result.relative_gap)
    assert result.relative_gap <= 1e-10
    assert abs(objective(result.V) - optimum) <= 1e-8 * scale
    assert 0 < np.count_nonzero(np.any(result.V != 0, axis=0)) < result.V.shape[1]


@SCREENING
@given(seed=st.integers(0, 2**16), name=st.sampled_from(list(CHAIN_PENALTIES)),
       layout=st.sampled_from(["statistics", "rows", "shared_rows"]),
       tol=st.sampled_from([1e-2, 1e-4]), scale=st.floats(0.3, 3.0))
def test_chain_screening_discards_only_zero_blocks(seed, name, layout, tol, scale):
    """Gap-safe screening with the per-column gauges of the chain penalties discards
    only columns that are zero in the cvxpy solution."""
    loss, blocks, l2, reference, _ = chain_problem(seed, name, layout, d=10, n_rows=10,
                                                   scale=scale)
    result = coordinate_descent(loss, blocks, l2, np.zeros_like(reference), tol=tol,
                                max_iter=100_000)
    assert result.relative_gap <= tol
    event(f"screening discarded blocks: {bool(result.discarded.any())}")
    assert_screening_is_safe(result, reference, f"{name} {layout} tol={tol}")
