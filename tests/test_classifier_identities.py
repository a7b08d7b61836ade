"""Exact identities of the classifiers, against scikit-learn and closed-form optimality.

The objective of every classifier is

    F(W, b) = sum_t tau_t / S_t sum_{i in t} s_i log(1 + exp(-y_i (x_i.w_t + b_t))) + Omega(W).

scikit-learn's ``LogisticRegression`` minimizes ``C sum_i s_i loss_i + r(w)`` with
``r(w) = 1/2 |w|^2`` (``l1_ratio=0``), ``|w|_1`` (``l1_ratio=1``) or
``rho |w|_1 + (1 - rho)/2 |w|^2`` (elastic net), the intercept unpenalized. A task of
ours with ``Omega = l2/2 |w_t|^2`` is therefore ``LogisticRegression(C=tau_t/(S_t l2))``
fitted on its rows with their sample weights.

Our side runs with the default solver (Newton's method for a smooth objective; the norm
families' ``'auto'`` otherwise) at ``tol=1e-8``: a relative KKT residual or duality gap of
1e-8 puts the coefficients far within 1e-5 of the optimum, whereas ``tol=1e-10`` is not
reliably reachable by the current Newton line search (see
``test_default_solver_reaches_a_tight_tolerance`` in ``test_classifiers_against_cvxpy.py``).
scikit-learn's side uses ``solver='newton-cholesky'`` at ``tol=1e-12`` for ridge penalties
and ``'saga'`` at ``tol=1e-14`` for the L1 and elastic-net ones. Coefficients and
intercepts are compared to 1e-5 (the observed differences are below 1e-6).
"""

import numpy as np
import pytest
from _data import logistic_data, logistic_shared_data
from _reference_helpers import task_scale
from sklearn.linear_model import LogisticRegression

from skmtl import (
    GraphRegularizedClassifier,
    JointFeatureClassifier,
    MeanRegularizedClassifier,
    SharedParameterClassifier,
    TraceNormClassifier,
)

ATOL = 1e-5
RTOL = 1e-5
TIGHT = {"tol": 1e-8, "max_iter": 10_000}
SIZES = (18, 35, 26, 40)

ALPHA_FAMILIES = {
    "mean": MeanRegularizedClassifier,
    "graph": GraphRegularizedClassifier,
    "trace": TraceNormClassifier,
    "joint_feature": JointFeatureClassifier,
}
ALL_CLASSES = [SharedParameterClassifier, *ALPHA_FAMILIES.values()]


def routed_data(seed=0, sizes=SIZES, d=4, weights=True):
    """Unequal tasks, interleaved rows, overlapping classes, offset and scaled features."""
    return logistic_data(seed, sizes, d, weights=weights)


def shared_data(seed=0, n=50, d=4, T=3):
    return logistic_shared_data(seed, n, d, T)


# --------------------------------------------------------------------- data
# ---------------------------------------------------- scikit-learn references
def ridge_logistic(X, y, C, s=None, fit_intercept=True):
    model = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000,
                               fit_intercept=fit_intercept)
    return model.fit(X, y, sample_weight=s)


def saga_logistic(X, y, C, l1_ratio, s=None):
    model = LogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-14,
                               max_iter=1_000_000)
    return model.fit(X, y, sample_weight=s)


def per_task_logistic(X, y, task_index, T, l2, s=None, task_weights="uniform",
                      fit_intercept=True):
    """Independent ridge logistic regressions: C_t = tau_t / (S_t l2)."""
    weights = np.ones(task_index.size) if s is None else s
    totals = np.bincount(task_index, weights=weights, minlength=T)
    tau = task_scale(task_weights, task_index, T, s)
    coef, intercept = [], []
    for t in range(T):
        rows = task_index == t
        model = ridge_logistic(X[rows], y[rows], tau[t] / (totals[t] * l2), weights[rows],
                               fit_intercept)
        coef.append(model.coef_[0])
        intercept.append(model.intercept_[0] if fit_intercept else 0.0)
    return np.array(coef), np.array(intercept)


def assert_fit_equal(model, coef, intercept, atol=ATOL, rtol=RTOL):
    np.testing.assert_allclose(model.coef_, coef, rtol=rtol, atol=atol)
    np.testing.assert_allclose(model.intercept_, intercept, rtol=rtol, atol=atol)


# ----------------------------------------------- logistic loss by hand (NumPy)
def one_task_gradient(X, y, w, b, s=None):
    """Gradient in (w, b) of 1/S sum s_i log(1 + exp(-y_i (x_i.w + b))), y in {0, 1}."""
    signs = 2.0 * y - 1.0
    s = np.ones(len(y)) if s is None else s
    margins = signs * (X @ w + b)
    slope = -s * signs / (1.0 + np.exp(margins)) / s.sum()
    return X.T @ slope, slope.sum()


def best_intercept_at_zero(y, s=None):
    s = np.ones(len(y)) if s is None else s
    return np.log(s[y == 1].sum() / s[y == 0].sum())


# ------------------------------------------------- alpha = 0: per-task ridge
@pytest.mark.parametrize("family", list(ALPHA_FAMILIES))
@pytest.mark.parametrize("task_weights", ["uniform", "size"])
@pytest.mark.parametrize("weighted", [False, True])
def test_alpha_zero_is_per_task_logistic_regression(family, task_weights, weighted):
    X, y, t, s = routed_data(1, weights=weighted)
    T = len(SIZES)
    l2 = 0.08
    model = ALPHA_FAMILIES[family](alpha=0.0, l2=l2, task_weights=task_weights, **TIGHT)
    model.fit(X, y, tasks=t, sample_weight=s)
    coef, intercept = per_task_logistic(X, y, t, T, l2, s, task_weights)
    assert_fit_equal(model, coef, intercept)


@pytest.mark.parametrize("family", list(ALPHA_FAMILIES))
def test_alpha_zero_without_intercept_is_per_task_logistic_regression(family):
    X, y, t, s = routed_data(2)
    T = len(SIZES)
    weights = [0.5, 2.0, 1.0, 0.3]
    model = ALPHA_FAMILIES[family](alpha=0.0, l2=0.05, task_weights=weights,
                                   fit_intercept=False, **TIGHT)
    model.fit(X, y, tasks=t, sample_weight=s)
    coef, intercept = per_task_logistic(X, y, t, T, 0.05, s, weights, fit_intercept=False)
    assert_fit_equal(model, coef, intercept)
    np.testing.assert_array_equal(model.intercept_, 0.0)


@pytest.mark.parametrize("family", list(ALPHA_FAMILIES))
def test_alpha_zero_shared_design_is_per_column_logistic_regression(family):
    """Shared design: column t is LogisticRegression(C = 1/(n l2)) on all the rows."""
    X, Y = shared_data(3)
    n = X.shape[0]
    l2 = 0.1
    model = ALPHA_FAMILIES[family](alpha=0.0, l2=l2, **TIGHT).fit(X, Y)
    for t in range(Y.shape[1]):
        ref = ridge_logistic(X, Y[:, t], 1.0 / (n * l2))
        np.testing.assert_allclose(model.coef_[t], ref.coef_[0], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(model.intercept_[t], ref.intercept_[0], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("task_weights", ["uniform", "size"])
def test_shared_parameter_large_alpha_shared_is_per_task_logistic_regression(task_weights):
    """alpha_shared -> inf pins w0 to 0: independent ridges of weight alpha_task.

    With alpha_shared = 1e10 the equivalent ridge is alpha_task (1 - O(1e-10)).
    """
    X, y, t, s = routed_data(4)
    T = len(SIZES)
    alpha_task = 0.15
    model = SharedParameterClassifier(alpha_shared=1e10, alpha_task=alpha_task,
                                      task_weights=task_weights, **TIGHT)
    model.fit(X, y, tasks=t, sample_weight=s)
    coef, intercept = per_task_logistic(X, y, t, T, alpha_task, s, task_weights)
    assert_fit_equal(model, coef, intercept)
    np.testing.assert_allclose(model.shared_coef_, 0.0, atol=1e-8)


# ------------------------------------------ equivalences between the families
@pytest.mark.parametrize("design", ["routed", "shared"])
@pytest.mark.parametrize("alpha_shared, alpha_task", [(0.3, 0.8), (2.0, 0.05), (0.0, 0.4)])
def test_shared_parameter_is_mean_regularization(design, alpha_shared, alpha_task):
    if design == "routed":
        X, y, t, s = routed_data(5)
        T = len(SIZES)
        fit_kw = {"tasks": t, "sample_weight": s}
    else:
        X, y = shared_data(5)
        T = y.shape[1]
        fit_kw = {}
    denominator = alpha_shared + T * alpha_task
    alpha = T * alpha_task**2 / denominator
    l2 = alpha_shared * alpha_task / denominator
    shared = SharedParameterClassifier(alpha_shared=alpha_shared, alpha_task=alpha_task,
                                       **TIGHT).fit(X, y, **fit_kw)
    mean = MeanRegularizedClassifier(alpha=alpha, l2=l2, **TIGHT).fit(X, y, **fit_kw)
    assert_fit_equal(shared, mean.coef_, mean.intercept_)
    np.testing.assert_allclose(shared.shared_coef_, alpha_task * mean.coef_.sum(0) / denominator,
                               rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("design", ["routed", "shared"])
def test_complete_graph_is_mean_regularization(design):
    a, w, l2 = 0.2, 2.5, 0.03
    if design == "routed":
        X, y, t, s = routed_data(6)
        T = len(SIZES)
        fit_kw = {"tasks": t, "sample_weight": s}
    else:
        X, y = shared_data(6)
        T = y.shape[1]
        fit_kw = {}
    default = GraphRegularizedClassifier(alpha=a, l2=l2, **TIGHT).fit(X, y, **fit_kw)
    weighted = GraphRegularizedClassifier(alpha=a / w, l2=l2, task_graph=np.full((T, T), w),
                                          **TIGHT).fit(X, y, **fit_kw)
    mean = MeanRegularizedClassifier(alpha=a * T, l2=l2, **TIGHT).fit(X, y, **fit_kw)
    assert_fit_equal(default, mean.coef_, mean.intercept_)
    assert_fit_equal(weighted, mean.coef_, mean.intercept_)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_shared_design_is_routed_copies(cls):
    """The shared design given as routed rows (X once per task) is the same problem."""
    X, Y = shared_data(7)
    n, T = Y.shape
    s = np.random.default_rng(7).uniform(0.2, 3.0, n)
    shared = cls(**TIGHT).fit(X, Y, sample_weight=s)
    routed = cls(**TIGHT).fit(np.tile(X, (T, 1)), Y.T.reshape(-1),
                              tasks=np.repeat(np.arange(T), n), sample_weight=np.tile(s, T))
    assert_fit_equal(shared, routed.coef_, routed.intercept_, atol=1e-7, rtol=1e-7)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_swapping_the_classes_negates_the_model(cls):
    """Every Omega is even: relabelling classes_[0] <-> classes_[1] gives -(W, b)."""
    X, y, t, s = routed_data(8)
    words = np.array(["cat", "dog"])
    model = cls(**TIGHT).fit(X, words[y], tasks=t, sample_weight=s)
    swapped = cls(**TIGHT).fit(X, words[1 - y], tasks=t, sample_weight=s)
    np.testing.assert_array_equal(model.classes_, words)
    np.testing.assert_array_equal(swapped.classes_, words)
    assert_fit_equal(swapped, -model.coef_, -model.intercept_, atol=1e-7, rtol=1e-7)
    # the predicted labels are those of the other model, relabelled
    relabel = {"cat": "dog", "dog": "cat"}
    flipped = np.array([relabel[v] for v in swapped.predict(X, tasks=t)])
    np.testing.assert_array_equal(model.predict(X, tasks=t), flipped)


def test_size_task_weights_are_an_explicit_array():
    """'size' is the array S_t / sum(S) in the order of tasks_."""
    X, y, t, s = routed_data(9)
    labels = np.array(["w", "z", "x", "y"])[t]
    totals = {lab: s[labels == lab].sum() for lab in np.unique(labels)}
    array = np.array([totals[lab] for lab in sorted(totals)]) / s.sum()
    size = MeanRegularizedClassifier(alpha=0.5, l2=0.01, task_weights="size", **TIGHT)
    size.fit(X, y, tasks=labels, sample_weight=s)
    explicit = MeanRegularizedClassifier(alpha=0.5, l2=0.01, task_weights=array, **TIGHT)
    explicit.fit(X, y, tasks=labels, sample_weight=s)
    assert_fit_equal(size, explicit.coef_, explicit.intercept_, atol=1e-9, rtol=1e-9)


def test_sample_weights_are_repeated_rows():
    """Integer sample weights: the same fit as the rows repeated that many times."""
    X, y, t, _ = routed_data(10)
    counts = np.random.default_rng(10).integers(1, 4, len(y))
    model = TraceNormClassifier(alpha=0.02, l2=0.01, **TIGHT)
    model.fit(X, y, tasks=t, sample_weight=counts.astype(float))
    repeated = TraceNormClassifier(alpha=0.02, l2=0.01, **TIGHT)
    repeated.fit(np.repeat(X, counts, axis=0), np.repeat(y, counts), tasks=np.repeat(t, counts))
    assert_fit_equal(model, repeated.coef_, repeated.intercept_, atol=1e-6, rtol=1e-6)


# ----------------------------------------------------------------- one task
@pytest.mark.parametrize("alpha_shared, alpha_task", [(0.3, 0.1), (0.05, 2.0)])
@pytest.mark.parametrize("weighted", [False, True])
def test_shared_parameter_one_task_is_ridge_logistic(alpha_shared, alpha_task, weighted):
    """One task: min over w0 leaves l2 = alpha_shared alpha_task / (alpha_shared + alpha_task)."""
    X, y, _, s = routed_data(11, sizes=(60,), weights=weighted)
    l2 = alpha_shared * alpha_task / (alpha_shared + alpha_task)
    S = len(y) if s is None else s.sum()
    model = SharedParameterClassifier(alpha_shared=alpha_shared, alpha_task=alpha_task, **TIGHT)
    model.fit(X, y, sample_weight=s)
    ref = ridge_logistic(X, y, 1.0 / (S * l2), s)
    assert_fit_equal(model, ref.coef_, ref.intercept_)
    np.testing.assert_allclose(model.shared_coef_,
                               alpha_task * model.coef_[0] / (alpha_shared + alpha_task),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls", [MeanRegularizedClassifier, GraphRegularizedClassifier],
                         ids=lambda c: c.__name__)
@pytest.mark.parametrize("routed", [False, True])
def test_mean_and_graph_one_task_are_ridge_logistic(cls, routed):
    """One task: the coupling vanishes (w_t = mean, no edges), the ridge l2 remains."""
    X, y, _, s = routed_data(12, sizes=(55,))
    fit_kw = {"tasks": np.full(len(y), "solo")} if routed else {}
    model = cls(alpha=5.0, l2=0.07, **TIGHT).fit(X, y, sample_weight=s, **fit_kw)
    ref = ridge_logistic(X, y, 1.0 / (s.sum() * 0.07), s)
    assert_fit_equal(model, ref.coef_, ref.intercept_)
    assert model.predict(X).shape == (len(y),)
    assert model.predict_proba(X).shape == (len(y), 2)


@pytest.mark.parametrize("alpha", [0.01, 0.06])
@pytest.mark.parametrize("weighted", [False, True])
def test_joint_feature_one_task_is_l1_logistic(alpha, weighted):
    """One task, l2 = 0: the L2,1 norm is the L1 norm, LogisticRegression(l1_ratio=1).

    The reference is scikit-learn's 'saga' at tol=1e-14 (not cvxpy): it reaches the
    optimum to about 1e-10 on this small problem.
    """
    X, y, _, s = routed_data(13, sizes=(70,), d=5, weights=weighted)
    S = len(y) if s is None else s.sum()
    model = JointFeatureClassifier(alpha=alpha, l2=0.0, **TIGHT).fit(X, y, sample_weight=s)
    ref = saga_logistic(X, y, 1.0 / (S * alpha), 1.0, s)
    assert_fit_equal(model, ref.coef_, ref.intercept_)
    np.testing.assert_array_equal(model.support_, ref.coef_[0] != 0)
    if alpha == 0.06:
        assert not model.support_.all()  # the identity covers a sparse fit


def test_joint_feature_one_task_with_ridge_is_elastic_net_logistic():
    """One task: alpha |w|_1 + l2/2 |w|^2 = (alpha + l2) [rho |w|_1 + (1 - rho)/2 |w|^2]
    with rho = alpha / (alpha + l2), i.e. LogisticRegression(l1_ratio=rho)."""
    X, y, _, s = routed_data(14, sizes=(70,), d=5)
    alpha, l2 = 0.04, 0.1
    model = JointFeatureClassifier(alpha=alpha, l2=l2, **TIGHT).fit(X, y, sample_weight=s)
    ref = saga_logistic(X, y, 1.0 / (s.sum() * (alpha + l2)), alpha / (alpha + l2), s)
    assert_fit_equal(model, ref.coef_, ref.intercept_)


@pytest.mark.parametrize("alpha, l2", [(0.02, 0.0), (0.05, 0.0), (0.03, 0.1)])
@pytest.mark.parametrize("weighted", [False, True])
def test_trace_norm_one_task_is_group_lasso_logistic(alpha, l2, weighted):
    """One task: |w|_* = |w|_2. Checked on the KKT conditions, computed here in NumPy.

    At a nonzero solution grad_w + alpha w/|w| + l2 w = 0 and grad_b = 0.
    """
    X, y, _, s = routed_data(15, sizes=(60,), weights=weighted)
    b0 = best_intercept_at_zero(y, s)
    grad0, _ = one_task_gradient(X, y, np.zeros(X.shape[1]), b0, s)
    assert np.linalg.norm(grad0) > alpha  # a nonzero solution
    model = TraceNormClassifier(alpha=alpha, l2=l2, tol=1e-13, max_iter=100_000)
    model.fit(X, y, sample_weight=s)
    w, b = np.asarray(model.coef_)[0], float(model.intercept_[0])
    grad_w, grad_b = one_task_gradient(X, y, w, b, s)
    np.testing.assert_allclose(grad_b, 0.0, atol=1e-6)
    np.testing.assert_allclose(grad_w + alpha * w / np.linalg.norm(w) + l2 * w, 0.0, atol=1e-6)
    assert model.rank_ == 1


def test_trace_norm_one_task_zero_solution_iff_gradient_below_alpha():
    X, y, _, s = routed_data(16, sizes=(50,))
    b0 = best_intercept_at_zero(y, s)
    grad0, _ = one_task_gradient(X, y, np.zeros(X.shape[1]), b0, s)
    threshold = np.linalg.norm(grad0)
    above = TraceNormClassifier(alpha=1.001 * threshold, tol=1e-12).fit(X, y, sample_weight=s)
    np.testing.assert_array_equal(above.coef_, 0.0)
    np.testing.assert_allclose(above.intercept_, [b0], rtol=1e-9, atol=1e-12)
    assert above.rank_ == 0
    below = TraceNormClassifier(alpha=0.95 * threshold, tol=1e-13, max_iter=100_000)
    below.fit(X, y, sample_weight=s)
    w, b = np.asarray(below.coef_)[0], float(below.intercept_[0])
    assert np.linalg.norm(w) > 0
    grad_w, grad_b = one_task_gradient(X, y, w, b, s)
    np.testing.assert_allclose(grad_b, 0.0, atol=1e-6)
    np.testing.assert_allclose(grad_w + 0.95 * threshold * w / np.linalg.norm(w), 0.0,
                               atol=1e-6)


def test_trace_norm_and_joint_feature_one_task_one_feature_are_l1_logistic():
    """One task, one feature: both norms are alpha |w|."""
    X, y, _, s = routed_data(17, sizes=(60,), d=1)
    alpha = 0.02
    ref = saga_logistic(X, y, 1.0 / (s.sum() * alpha), 1.0, s)
    assert ref.coef_[0, 0] != 0
    for cls in (TraceNormClassifier, JointFeatureClassifier):
        model = cls(alpha=alpha, **TIGHT).fit(X, y, sample_weight=s)
        assert_fit_equal(model, ref.coef_, ref.intercept_)
