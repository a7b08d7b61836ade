"""Invariances every linear family must satisfy, checked on data drawn by hypothesis.

Each family minimizes (docs/user_guide/objectives.rst)

    F(W, b) = sum_t tau_t / S_t sum_{i in t} s_i loss_i(w_t, b_t) + Omega(W),

which does not depend on the order of the rows or the names of the tasks, gives
each task its weighted mean loss, and (squared loss) is homogeneous in
``(y, W, b)`` when ``Omega`` is rescaled accordingly. The parameters below make
every problem strictly convex (``l2 > 0``, or a norm penalty with more rows per
task than features), so that the minimizer is unique and the fits can be compared.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import ConvergenceWarning

import skmtl

RTOL = 1e-6
TIGHT = {"tol": 1e-12, "max_iter": 100_000}
N_FEATURES = 3

PROPERTY = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

# Parameters of every family, and the parameters of degree 1 in ``W``: those
# multiply a norm, and scale with ``y`` (see ``test_scaling_y_scales_the_solution``).
REGRESSORS = {
    "ClusteredRegressor": ({"alpha": 1.0, "l2": 0.1, "n_clusters": 2, "random_state": 0}, ()),
    "DirtyRegressor": ({"alpha_shared": 0.1, "alpha_task": 0.08}, ("alpha_shared", "alpha_task")),
    "GraphRegularizedRegressor": ({"alpha": 1.0, "l2": 0.1}, ()),
    # a likelihood model, no regularization parameter: its variances scale with y²
    "HierarchicalRegressor": ({"method": "ml"}, ()),
    "IndependentLassoRegressor": ({"alpha": 0.05, "l2": 0.01}, ("alpha",)),
    "JointFeatureRegressor": ({"alpha": 0.1, "l2": 0.01}, ("alpha",)),
    "MeanRegularizedRegressor": ({"alpha": 1.0, "l2": 0.1}, ()),
    "PenalizedRegressor": ({"l2": 0.1}, ()),
    "RobustFeatureRegressor": (
        {"alpha_shared": 0.1, "alpha_outlier": 0.15}, ("alpha_shared", "alpha_outlier")
    ),
    "RobustLowRankRegressor": (
        {"alpha_lowrank": 0.1, "alpha_outlier": 0.08}, ("alpha_lowrank", "alpha_outlier")
    ),
    "SharedParameterRegressor": ({"alpha_shared": 0.1, "alpha_task": 0.1}, ()),
    "SharedSubspaceRegressor": ({"alpha": 1.0, "l2": 0.1, "n_components": 2}, ()),
    "SparseLowRankRegressor": (
        {"alpha_sparse": 0.05, "alpha_lowrank": 0.1}, ("alpha_sparse", "alpha_lowrank")
    ),
    "TaskRelationshipRegressor": ({"alpha": 1.0, "l2": 0.1}, ()),
    "TemporalGroupLassoRegressor": ({"alpha": 0.1, "alpha_smooth": 0.3}, ("alpha",)),
    "FusedSparseGroupLassoRegressor": (
        {"alpha_lasso": 0.02, "alpha_fused": 0.1, "alpha_group": 0.05},
        ("alpha_lasso", "alpha_fused", "alpha_group"),
    ),
    "TraceNormRegressor": ({"alpha": 0.1, "l2": 0.01}, ("alpha",)),
}
CLASSIFIERS = {
    "ClusteredClassifier": {"alpha": 1.0, "l2": 0.1, "n_clusters": 2, "random_state": 0},
    "DirtyClassifier": {"alpha_shared": 0.1, "alpha_task": 0.08},
    "GraphRegularizedClassifier": {"alpha": 1.0, "l2": 0.1},
    "IndependentLassoClassifier": {"alpha": 0.05, "l2": 0.01},
    "JointFeatureClassifier": {"alpha": 0.1, "l2": 0.01},
    "MeanRegularizedClassifier": {"alpha": 1.0, "l2": 0.1},
    "PenalizedClassifier": {"l2": 0.1},
    "RobustFeatureClassifier": {"alpha_shared": 0.1, "alpha_outlier": 0.15},
    "SharedParameterClassifier": {"alpha_shared": 0.1, "alpha_task": 0.1},
    "SharedSubspaceClassifier": {"alpha": 1.0, "l2": 0.1, "n_components": 2},
    "SparseLowRankClassifier": {"alpha_sparse": 0.05, "alpha_lowrank": 0.1},
    "TaskRelationshipClassifier": {"alpha": 1.0, "l2": 0.1},
    "TemporalGroupLassoClassifier": {"alpha": 0.05, "alpha_smooth": 0.3},
    "FusedSparseGroupLassoClassifier": {"alpha_lasso": 0.02, "alpha_fused": 0.05,
                                        "alpha_group": 0.02},
    "TraceNormClassifier": {"alpha": 0.1, "l2": 0.01},
}
FAMILIES = sorted(REGRESSORS) + sorted(CLASSIFIERS)

# Fitted attributes indexed by task on both axes, and attributes that do not depend on
# the order of the tasks at all.
TASK_BY_TASK = ("task_similarity_", "task_covariance_", "task_correlation_")
TASK_FREE = ("mean_coef_", "shared_coef_", "rank_", "feature_similarity_", "feature_subspace_")
#: Models whose likelihood counts the rows: weights are frequencies, so doubling every
#: weight is duplicating every row, which is more data, not the same fit.
COUNTS_ROWS = ("HierarchicalRegressor",)


def test_every_family_is_covered():
    """The tables list every non-CV linear estimator of the package."""
    public = {name for name in skmtl.__all__ if not name.endswith("CV")}
    assert public == set(FAMILIES)


# --------------------------------------------------------------------- data
def is_classifier(name):
    return name.endswith("Classifier")


def make_estimator(name, **changes):
    params = dict(CLASSIFIERS[name] if is_classifier(name) else REGRESSORS[name][0], **TIGHT)
    params.update(changes)
    return getattr(skmtl, name)(**params)


def routed_data(seed, sizes, classification=False):
    """Interleaved rows of tasks 0..T-1 with distinct coefficients, intercepts and weights.

    Classification labels are 0/1 with both classes in every task.
    """
    rng = np.random.default_rng(seed)
    n_tasks = len(sizes)
    task = rng.permutation(np.repeat(np.arange(n_tasks), sizes))
    n = task.size
    X = rng.standard_normal((n, N_FEATURES)) * rng.uniform(0.5, 2.0, N_FEATURES)
    X += rng.normal(0.0, 1.0, N_FEATURES)
    W = rng.standard_normal(N_FEATURES) + 0.7 * rng.standard_normal((n_tasks, N_FEATURES))
    b = rng.normal(0.0, 1.0, n_tasks)
    margin = np.einsum("ij,ij->i", X, W[task]) + b[task]
    weights = rng.uniform(0.2, 3.0, n)
    if not classification:
        return X, margin + 0.5 * rng.standard_normal(n), task, weights
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-margin))).astype(np.int64)
    for t in range(n_tasks):
        first, second = np.flatnonzero(task == t)[:2]
        y[first], y[second] = 0, 1
    return X, y, task, weights


def fit(estimator, X, y, tasks, sample_weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return estimator.fit(X, y, tasks=tasks, sample_weight=sample_weight)


def assert_relative(actual, expected, rtol=RTOL, err_msg=""):
    """Agreement to ``rtol`` relative to the largest entry of ``expected``."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    scale = np.max(np.abs(expected), initial=0.0)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * max(scale, 1e-12),
                               err_msg=err_msg)


def outputs(model, X, tasks):
    """What a fitted model says about rows ``X`` of tasks ``tasks``."""
    if is_classifier(type(model).__name__):
        return {
            "decision_function": model.decision_function(X, tasks=tasks),
            "predict_proba": model.predict_proba(X, tasks=tasks),
        }
    return {"predict": model.predict(X, tasks=tasks)}


def assert_same_fit(actual, expected, rtol=RTOL):
    assert_relative(actual.coef_, expected.coef_, rtol, "coef_")
    assert_relative(actual.intercept_, expected.intercept_, rtol, "intercept_")


@st.composite
def task_sizes(draw, min_rows=N_FEATURES + 3, max_rows=12):
    return draw(st.lists(st.integers(min_rows, max_rows), min_size=2, max_size=4))


@st.composite
def relabelings(draw, n_tasks):
    """Distinct task labels in any order: integers or strings."""
    element = draw(st.sampled_from([
        st.integers(-1000, 1000),
        st.text(alphabet="abcxyz", min_size=1, max_size=3),
    ]))
    return np.array(draw(st.lists(element, min_size=n_tasks, max_size=n_tasks, unique=True)))


# ----------------------------------------------------- relabel and permute
@pytest.mark.parametrize("name", FAMILIES)
@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), sizes=task_sizes(), data=st.data())
def test_relabeling_tasks_and_permuting_rows_permutes_the_fit(name, seed, sizes, data):
    """Task t renamed to ``labels[t]`` and the rows shuffled: the row of ``coef_`` and
    the intercept of task t move to the position of ``labels[t]`` among the sorted
    labels (``tasks_``); predictions, task-by-task matrices (permuted on both axes)
    and task-free attributes do not change."""
    X, y, task, weights = routed_data(seed, sizes, is_classifier(name))
    labels = data.draw(relabelings(len(sizes)), label="labels")
    rows = np.array(data.draw(st.permutations(range(task.size)), label="rows"))

    # the ordered families (time points) follow task_order, given in both labellings
    ordered = "task_order" in make_estimator(name).get_params()
    reference = fit(make_estimator(name, **({"task_order": np.arange(len(sizes))}
                                            if ordered else {})), X, y, task, weights)
    moved = fit(make_estimator(name, **({"task_order": labels} if ordered else {})),
                X[rows], y[rows], labels[task][rows], weights[rows])

    np.testing.assert_array_equal(moved.tasks_, np.sort(labels))
    position = np.searchsorted(moved.tasks_, labels)
    assert_relative(moved.coef_[position], reference.coef_, err_msg="coef_")
    assert_relative(moved.intercept_[position], reference.intercept_, err_msg="intercept_")
    for attribute in TASK_BY_TASK:
        if hasattr(reference, attribute):
            assert_relative(getattr(moved, attribute)[np.ix_(position, position)],
                            getattr(reference, attribute), err_msg=attribute)
    for attribute in TASK_FREE:
        if hasattr(reference, attribute):
            assert_relative(getattr(moved, attribute), getattr(reference, attribute),
                            err_msg=attribute)
    if hasattr(reference, "outlier_tasks_"):
        np.testing.assert_array_equal(np.sort(moved.outlier_tasks_),
                                      np.sort(labels[reference.outlier_tasks_]))
    expected = outputs(reference, X, task)
    for method, values in outputs(moved, X, labels[task]).items():
        assert_relative(values, expected[method], err_msg=method)


@pytest.mark.parametrize("name", ["GraphRegularizedRegressor", "GraphRegularizedClassifier"])
@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), sizes=task_sizes(), data=st.data())
def test_a_task_graph_follows_its_tasks(name, seed, sizes, data):
    """A user task graph is indexed in ``tasks_`` order: relabeled tasks with the graph
    permuted to the new order give the permuted fit."""
    X, y, task, weights = routed_data(seed, sizes, is_classifier(name))
    n_tasks = len(sizes)
    graph = np.triu(np.random.default_rng(seed).uniform(0.0, 2.0, (n_tasks, n_tasks)), 1)
    graph += graph.T
    labels = data.draw(relabelings(n_tasks), label="labels")
    position = np.searchsorted(np.sort(labels), labels)
    moved_graph = np.zeros_like(graph)
    moved_graph[np.ix_(position, position)] = graph

    reference = fit(make_estimator(name, task_graph=graph), X, y, task, weights)
    moved = fit(make_estimator(name, task_graph=moved_graph), X, y, labels[task], weights)
    assert_relative(moved.coef_[position], reference.coef_, err_msg="coef_")
    assert_relative(moved.intercept_[position], reference.intercept_, err_msg="intercept_")


# -------------------------------------------------------------- scaling y
@pytest.mark.parametrize("name", sorted(REGRESSORS))
@PROPERTY
@given(
    seed=st.integers(0, 2**32 - 1),
    sizes=task_sizes(),
    c=st.floats(0.05, 20.0, allow_nan=False, allow_infinity=False),
)
def test_scaling_y_scales_the_solution(name, seed, sizes, c):
    """``y -> c·y`` (c > 0) gives ``(W, b) -> c·(W, b)`` with the penalty rescaled.

    The data term is quadratic: ``loss(c·y, c·W, c·b) = c²·loss(y, W, b)``.  So
    ``(c·W, c·b)`` minimizes ``c²·F`` when ``Omega'(c·W) = c²·Omega(W)``:

    - penalties of degree 2 in ``W`` keep their parameters: the ``l2`` ridge, the
      mean, graph and shared-parameter penalties, the squared trace norm of
      ``TaskRelationshipRegressor``, and the clustered penalty
      ``alpha·eta·(1 + eta)·tr(W'(eta·I + M)⁻¹W)`` (quadratic in ``W`` for every
      ``M``, and ``eta = l2/alpha`` is unchanged, so the minimum over ``M`` is too);
    - a norm (degree 1) needs ``alpha -> c·alpha``: the trace, L2,1 and L1 norms;
    - the split models' penalty is the infimal convolution of two norms, itself a
      norm: ``alpha_shared, alpha_task`` (dirty) and ``alpha_lowrank,
      alpha_outlier`` (robust) all scale by ``c``.
    """
    params, degree_one = REGRESSORS[name]
    X, y, task, weights = routed_data(seed, sizes)
    reference = fit(make_estimator(name), X, y, task, weights)
    scaled_params = {key: params[key] * c for key in degree_one}
    scaled = fit(make_estimator(name, **scaled_params), X, c * y, task, weights)
    assert_relative(scaled.coef_ / c, reference.coef_, err_msg="coef_")
    assert_relative(scaled.intercept_ / c, reference.intercept_, err_msg="intercept_")
    assert_relative(scaled.predict(X, tasks=task) / c, reference.predict(X, tasks=task),
                    err_msg="predict")


# ---------------------------------------------------------- sample weights
@pytest.mark.parametrize("name", FAMILIES)
@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), sizes=task_sizes())
def test_duplicated_rows_equal_doubled_weights_equal_the_weights(name, seed, sizes):
    """Every row twice with weights ``s``, every row once with ``2·s`` and every row once
    with ``s`` give the same fit: integer weights are repeated rows, and each task's
    loss is its weighted mean, invariant to a common factor of its weights.  A model
    that counts the rows (:data:`COUNTS_ROWS`) gets the first equality only."""
    X, y, task, weights = routed_data(seed, sizes, is_classifier(name))
    once = fit(make_estimator(name), X, y, task, weights)
    doubled = fit(make_estimator(name), X, y, task, 2.0 * weights)
    twice = fit(make_estimator(name), np.concatenate([X, X]), np.concatenate([y, y]),
                np.concatenate([task, task]), np.concatenate([weights, weights]))
    assert_same_fit(twice, doubled)
    if name not in COUNTS_ROWS:
        assert_same_fit(doubled, once)


# ------------------------------------------------------ finite predictions
@st.composite
def finite_problems(draw, classification):
    """Arbitrary finite data: few rows per task, repeated or constant values allowed."""
    n_tasks = draw(st.integers(1, 3))
    n_features = draw(st.integers(1, 3))
    task = np.array(draw(st.lists(st.integers(0, n_tasks - 1), min_size=n_tasks,
                                  max_size=12)) + list(range(n_tasks)))
    n = task.size
    values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    X = draw(hnp.arrays(np.float64, (n, n_features), elements=values))
    if classification:
        y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 1)))
        y[:2] = [0, 1]
    else:
        y = draw(hnp.arrays(np.float64, n, elements=values))
    X_new = draw(hnp.arrays(np.float64, (5, n_features), elements=values))
    tasks_new = np.array(draw(st.lists(st.integers(0, n_tasks - 1), min_size=5, max_size=5)))
    return X, y, task, X_new, tasks_new


@pytest.mark.parametrize("name", FAMILIES)
@settings(PROPERTY, max_examples=25)
@given(data=st.data())
def test_predictions_are_never_nan_on_finite_input(name, data):
    """On any finite training data and finite new rows, every output is free of NaN."""
    X, y, task, X_new, tasks_new = data.draw(finite_problems(is_classifier(name)))
    estimator = make_estimator(name, tol=1e-8, max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y, tasks=task)
    for method, values in outputs(estimator, X_new, tasks_new).items():
        assert not np.any(np.isnan(values)), method
    if is_classifier(name):
        assert set(estimator.predict(X_new, tasks=tasks_new)) <= {0, 1}
