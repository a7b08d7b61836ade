"""Exact leave-one-out predictions against brute-force refits without each row."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from skmtl import (
    GraphRegularizedRegressor,
    MeanRegularizedClassifier,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)
from skmtl.model_selection import _loo
from skmtl.model_selection._loo import leave_one_out_predictions

ALPHAS = [0.05, 5.0]
ATOL = 1e-8
CHAIN = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 2.0], [0.0, 2.0, 0.0]])


def routed_data(seed=0, sizes=(5, 7, 9), n_features=3, weighted=False):
    """Interleaved rows of unequal tasks with string labels, offset features and intercepts."""
    rng = np.random.default_rng(seed)
    index = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    X = rng.standard_normal((index.size, n_features)) + 2.0 * rng.standard_normal(n_features)
    coef = rng.standard_normal(n_features) + 0.5 * rng.standard_normal((len(sizes), n_features))
    y = np.sum(X * coef[index], axis=1) + index + 0.3 * rng.standard_normal(index.size)
    weights = rng.uniform(0.2, 2.0, index.size) if weighted else None
    return X, y, np.array(["a", "b", "c", "d"])[index], weights


def brute_force(estimator, X, y, alphas, tasks=None, sample_weight=None, parameter="alpha"):
    """Refit without each row and predict it, at every alpha."""
    predictions = np.empty((len(alphas), len(y)))
    for k, alpha in enumerate(alphas):
        model = clone(estimator).set_params(**{parameter: alpha, "tol": 1e-12})
        for i in range(len(y)):
            keep = np.arange(len(y)) != i
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                model.fit(
                    X[keep], y[keep],
                    tasks=None if tasks is None else tasks[keep],
                    sample_weight=None if sample_weight is None else sample_weight[keep],
                )
            predictions[k, i] = model.predict(
                X[[i]], tasks=None if tasks is None else tasks[[i]]
            )[0]
    return predictions


def assert_matches_refits(estimator, X, y, tasks=None, sample_weight=None, parameter="alpha",
                          alphas=ALPHAS):
    fast = leave_one_out_predictions(
        estimator, X, y, alphas, tasks=tasks, sample_weight=sample_weight, parameter=parameter
    )
    expected = brute_force(estimator, X, y, alphas, tasks, sample_weight, parameter)
    assert fast.shape == (len(alphas), len(y))
    np.testing.assert_allclose(fast, expected, rtol=0, atol=ATOL)


# ------------------------------------------------------------ against refits
CASES = {
    "mean": (MeanRegularizedRegressor(l2=0.0), "alpha"),
    "mean-ridge-no-intercept": (MeanRegularizedRegressor(l2=0.3, fit_intercept=False), "alpha"),
    "mean-size": (MeanRegularizedRegressor(l2=0.1, task_weights="size"), "alpha"),
    "mean-array": (MeanRegularizedRegressor(l2=0.0, task_weights=[1.0, 0.5, 2.0]), "alpha"),
    "shared": (SharedParameterRegressor(alpha_shared=0.5), "alpha_task"),
    "shared-size-no-intercept": (
        SharedParameterRegressor(alpha_shared=0.0, task_weights="size", fit_intercept=False),
        "alpha_task",
    ),
    "complete-graph": (GraphRegularizedRegressor(l2=0.1), "alpha"),
    "user-graph": (GraphRegularizedRegressor(l2=0.0, task_graph=CHAIN), "alpha"),
    "user-graph-size": (
        GraphRegularizedRegressor(l2=0.2, task_graph=CHAIN, task_weights="size"), "alpha"
    ),
    "user-graph-array-no-intercept": (
        GraphRegularizedRegressor(l2=0.1, task_graph=CHAIN, task_weights=[2.0, 1.0, 0.5],
                                  fit_intercept=False),
        "alpha",
    ),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", list(CASES))
def test_matches_refits(case, weighted):
    estimator, parameter = CASES[case]
    X, y, tasks, weights = routed_data(seed=len(case), weighted=weighted)
    assert_matches_refits(estimator, X, y, tasks, weights, parameter)


def test_task_column_matches_refits():
    X, y, tasks, weights = routed_data(seed=3, weighted=True)
    codes = np.unique(tasks, return_inverse=True)[1]
    X_with_tasks = np.column_stack([X[:, :1], codes, X[:, 1:]])
    estimator = MeanRegularizedRegressor(l2=0.1, task_column=1)
    assert_matches_refits(estimator, X_with_tasks, y, sample_weight=weights)


def test_task_column_of_a_dataframe_equals_routed_labels():
    X, y, tasks, _ = routed_data(seed=4)
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2"]).assign(school=tasks)
    by_column = leave_one_out_predictions(
        GraphRegularizedRegressor(task_column="school"), frame, y, ALPHAS
    )
    routed = leave_one_out_predictions(GraphRegularizedRegressor(), X, y, ALPHAS, tasks=tasks)
    np.testing.assert_allclose(by_column, routed, rtol=0, atol=1e-12)


def test_zero_task_weight_matches_refits():
    """A task with tau_t = 0: coefficients from the others, intercept from its rows."""
    X, y, tasks, weights = routed_data(seed=5, weighted=True)
    estimator = MeanRegularizedRegressor(l2=0.0, task_weights=[1.0, 0.0, 2.0])
    assert_matches_refits(estimator, X, y, tasks, weights)


def test_single_task_without_labels_matches_refits():
    X, y, _, weights = routed_data(seed=6, sizes=(12,), weighted=True)
    assert_matches_refits(MeanRegularizedRegressor(l2=0.5), X, y, sample_weight=weights)


def test_unpenalized_tasks_match_refits():
    """alpha = l2 = 0 is per-task least squares, well posed when every task has rows to spare."""
    X, y, tasks, _ = routed_data(seed=7, sizes=(6, 7, 9))
    assert_matches_refits(MeanRegularizedRegressor(l2=0.0), X, y, tasks, alphas=[0.0, 1.0])


def test_tasks_smaller_than_the_features_match_refits():
    """l2 = 0 with tasks of fewer rows than features: the coupling keeps the problem definite."""
    X, y, tasks, weights = routed_data(seed=8, sizes=(3, 4, 6), n_features=5, weighted=True)
    assert_matches_refits(MeanRegularizedRegressor(l2=0.0), X, y, tasks, weights)


def collinear_data(seed=9):
    """Features with a duplicated column, a one-hot pair and a column constant in each task.

    The constants are not exact in binary, so centring leaves rounding noise in that column.
    """
    X, y, tasks, _ = routed_data(seed=seed, n_features=2)
    group = (np.arange(y.size) % 3 == 0).astype(float)
    per_task = np.select([tasks == "a", tasks == "b"], [0.1, 0.7], 1.0 / 3.0)
    X = np.column_stack([X, 2.0 * X[:, 0], group, 1.0 - group, per_task])
    return X, y + group, tasks


@pytest.mark.parametrize(
    "estimator, parameter",
    [
        (MeanRegularizedRegressor(l2=0.0), "alpha"),
        (SharedParameterRegressor(alpha_shared=0.0), "alpha_task"),
        (GraphRegularizedRegressor(l2=0.0, task_graph=CHAIN), "alpha"),
    ],
    ids=["mean", "shared", "user-graph"],
)
def test_minimum_norm_solution_of_collinear_features_matches_refits(estimator, parameter):
    """Directions no task varies along are zero in the estimators' minimum-norm solution."""
    X, y, tasks = collinear_data()
    assert_matches_refits(estimator, X, y, tasks, parameter=parameter)


def test_badly_scaled_features_match_refits():
    """Feature scales 1e3 and 1e-3 are not mistaken for a singular problem."""
    X, y, tasks, weights = routed_data(seed=10, sizes=(5, 8, 12), weighted=True)
    X = X * np.array([1e3, 1.0, 1e-3])
    assert_matches_refits(MeanRegularizedRegressor(l2=0.0), X, y, tasks, weights)


def test_features_constant_within_every_task_leave_the_intercepts():
    X, y, tasks, _ = routed_data(seed=11)
    constant = np.select([tasks == "a", tasks == "b"], [1.0, 3.0], -1.0)[:, None]
    assert_matches_refits(MeanRegularizedRegressor(), constant, y, tasks, alphas=[1.0])


# ------------------------------------------------------------------ errors
def test_shared_design_raises():
    X, y, _, _ = routed_data()
    with pytest.raises(ValueError, match="shared design.*K-fold"):
        leave_one_out_predictions(MeanRegularizedRegressor(), X, np.column_stack([y, y]), ALPHAS)


def test_task_with_one_row_raises():
    X, y, tasks, _ = routed_data(sizes=(5, 1, 6))
    with pytest.raises(ValueError, match=r"Task\(s\) \['b'\] have a single row"):
        leave_one_out_predictions(MeanRegularizedRegressor(), X, y, ALPHAS, tasks=tasks)


def test_task_with_one_weighted_row_raises():
    X, y, tasks, _ = routed_data()
    weights = np.where(tasks == "c", 0.0, 1.0)
    weights[np.flatnonzero(tasks == "c")[0]] = 2.0
    with pytest.raises(ValueError, match=r"Task\(s\) \['c'\] have a single row"):
        leave_one_out_predictions(
            MeanRegularizedRegressor(), X, y, ALPHAS, tasks=tasks, sample_weight=weights
        )


def test_singular_problem_raises():
    """No penalty and a task with fewer rows than coefficients: only a minimum-norm fit."""
    X, y, tasks, _ = routed_data(sizes=(3, 7, 8))
    with pytest.raises(ValueError, match=r"singular for task\(s\) \['a'\]"):
        leave_one_out_predictions(MeanRegularizedRegressor(l2=0.0), X, y, [0.0], tasks=tasks)


def test_column_constant_in_one_unpenalized_task_raises():
    """Task a's rows do not vary along the last column, which nothing else pins for it."""
    X, y, tasks, _ = routed_data(seed=12, sizes=(6, 7, 9))
    column = np.where(tasks == "a", 0.1, np.random.default_rng(0).standard_normal(y.size))
    X = np.column_stack([X, column])
    with pytest.raises(ValueError, match=r"singular for task\(s\) \['a'\]"):
        leave_one_out_predictions(MeanRegularizedRegressor(l2=0.0), X, y, [0.0], tasks=tasks)


def test_singular_dense_problem_raises():
    X, y, tasks, _ = routed_data(sizes=(3, 7, 8))
    estimator = GraphRegularizedRegressor(l2=0.0, task_graph=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="singular"):
        leave_one_out_predictions(estimator, X, y, [1.0], tasks=tasks)


def test_row_whose_removal_makes_the_problem_singular_raises():
    """A task with exactly as many rows as coefficients (3 features and an intercept)."""
    X, y, tasks, _ = routed_data(sizes=(4, 7, 8))
    with pytest.raises(ValueError, match=r"Leaving out row\(s\) \[\d"):
        leave_one_out_predictions(MeanRegularizedRegressor(l2=0.0), X, y, [0.0], tasks=tasks)


def test_dense_size_limit_raises(monkeypatch):
    monkeypatch.setattr(_loo, "_MAX_DENSE_SIZE", 5)
    X, y, tasks, _ = routed_data()
    estimator = GraphRegularizedRegressor(task_graph=CHAIN)
    with pytest.raises(ValueError, match="dense Hessian of size 9.*K-fold"):
        leave_one_out_predictions(estimator, X, y, ALPHAS, tasks=tasks)


@pytest.mark.parametrize("alphas", [[-1.0], [np.nan], [[1.0]]])
def test_invalid_alphas_raise(alphas):
    X, y, tasks, _ = routed_data()
    with pytest.raises(ValueError, match="alphas must be"):
        leave_one_out_predictions(MeanRegularizedRegressor(), X, y, alphas, tasks=tasks)


def test_unknown_parameter_raises():
    X, y, tasks, _ = routed_data()
    with pytest.raises(ValueError, match="no parameter 'alpha'"):
        leave_one_out_predictions(SharedParameterRegressor(), X, y, ALPHAS, tasks=tasks)


@pytest.mark.parametrize(
    "estimator, message",
    [(TraceNormRegressor(), "norm penalty"), (MeanRegularizedClassifier(), "squared-loss")],
)
def test_other_estimators_raise(estimator, message):
    X, y, tasks, _ = routed_data()
    with pytest.raises(TypeError, match=message):
        leave_one_out_predictions(estimator, X, y, ALPHAS, tasks=tasks)
