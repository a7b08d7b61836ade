"""The newer families and every classifier on ill-conditioned inputs, against cvxpy.

The first five regressors have their ill-conditioned cases in ``test_against_cvxpy``;
here the same kinds of input reach the others: columns scaled over 6 orders of
magnitude, a duplicated column (a singular Gram matrix in every task), and more
features than rows in most tasks. Each fit, at a tight tolerance, must reach the
optimum of the cvxpy reference to 1e-6 relative, evaluated by ``objective_value``.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _families import components  # noqa: E402
from sklearn.base import is_classifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import skmtl  # noqa: E402

reference_cvxpy = pytest.importorskip("skmtl.solvers.reference_cvxpy")

RTOL = 1e-6
TIGHT = {"tol": 1e-10, "max_iter": 100_000}
PROBLEMS = ("scaled", "duplicate", "wide")

ESTIMATORS = [
    skmtl.IndependentLassoRegressor(alpha=0.05, l2=0.01),
    skmtl.DirtyRegressor(alpha_shared=0.1, alpha_task=0.06),
    skmtl.RobustLowRankRegressor(alpha_lowrank=0.1, alpha_outlier=0.06),
    skmtl.RobustFeatureRegressor(alpha_shared=0.1, alpha_outlier=0.15),
    skmtl.SparseLowRankRegressor(alpha_sparse=0.05, alpha_lowrank=0.1),
    skmtl.ClusteredRegressor(alpha=0.5, l2=0.05, n_clusters=2, random_state=0),
    skmtl.TaskRelationshipRegressor(alpha=0.3, l2=0.01),
    skmtl.SharedSubspaceRegressor(alpha=0.5, l2=0.05, n_components=2),
    skmtl.TemporalGroupLassoRegressor(alpha=0.1, alpha_smooth=0.3),
    skmtl.FusedSparseGroupLassoRegressor(alpha_lasso=0.02, alpha_fused=0.1, alpha_group=0.05),
    skmtl.SharedParameterClassifier(alpha_shared=0.1, alpha_task=0.2),
    skmtl.MeanRegularizedClassifier(alpha=0.2, l2=0.01),
    skmtl.GraphRegularizedClassifier(alpha=0.1, l2=0.01),
    skmtl.TraceNormClassifier(alpha=0.02, l2=0.01),
    skmtl.JointFeatureClassifier(alpha=0.02, l2=0.01),
    skmtl.IndependentLassoClassifier(alpha=0.02, l2=0.01),
    skmtl.DirtyClassifier(alpha_shared=0.03, alpha_task=0.02),
    skmtl.RobustFeatureClassifier(alpha_shared=0.03, alpha_outlier=0.04),
    skmtl.SparseLowRankClassifier(alpha_sparse=0.01, alpha_lowrank=0.02),
    skmtl.ClusteredClassifier(alpha=0.2, l2=0.01, n_clusters=2, random_state=0),
    skmtl.TaskRelationshipClassifier(alpha=0.2, l2=0.01),
    skmtl.SharedSubspaceClassifier(alpha=0.2, l2=0.01, n_components=2),
    skmtl.TemporalGroupLassoClassifier(alpha=0.02, alpha_smooth=0.3),
    skmtl.FusedSparseGroupLassoClassifier(alpha_lasso=0.01, alpha_fused=0.03, alpha_group=0.02),
]


def ill_conditioned(problem, classify, seed=0):
    """Routed rows of 4 tasks; ``problem`` as in the module docstring."""
    rng = np.random.default_rng(seed)
    sizes, d = ((4, 2, 7, 25), 8) if problem == "wide" else ((12, 6, 9, 20), 5)
    tasks = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    X = rng.standard_normal((tasks.size, d)) + rng.normal(0.0, 1.0, d)
    W = rng.standard_normal(d) + 0.5 * rng.standard_normal((len(sizes), d))
    margin = np.einsum("ij,ij->i", X, W[tasks]) + 0.5 * tasks
    noise = rng.standard_normal(tasks.size)
    y = (margin + 2.0 * noise > np.median(margin)).astype(int) if classify else margin + noise
    if problem == "duplicate":
        X = np.hstack([X, X[:, [1]]])
    if problem == "scaled":
        X = X * np.logspace(-3, 3, d)
    return X, y, tasks


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda model: type(model).__name__)
def test_ill_conditioned_inputs_reach_cvxpy_optimum(estimator, problem):
    classify = is_classifier(estimator)
    X, y, tasks = ill_conditioned(problem, classify)
    model = estimator.set_params(**TIGHT)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y, tasks=tasks)
    loss = "logistic" if classify else "squared"
    labels = np.where(y == 1, 1.0, -1.0) if classify else y
    n_tasks = len(model.tasks_)
    params = model._reference_params()
    optimum = reference_cvxpy.solve_reference(model._family, X, labels, tasks, n_tasks, params,
                                              loss=loss)
    value = reference_cvxpy.objective_value(
        model._family, X, labels, tasks, n_tasks, model.coef_, model.intercept_, params,
        loss=loss, components=components(model))
    assert value <= optimum["objective"] * (1 + RTOL)
    assert value >= optimum["objective"] * (1 - RTOL)
