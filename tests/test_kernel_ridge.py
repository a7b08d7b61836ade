"""MultiTaskKernelRidge against independent references and between its two solvers."""

import numpy as np
import pandas as pd
import pytest
from sklearn.kernel_ridge import KernelRidge

from skmtl import GraphRegularizedRegressor, SharedParameterRegressor
from skmtl.datasets import make_multitask_regression
from skmtl.kernel import MultiTaskKernelRidge, task_kernel_matrix

CHAIN = np.array([[0, 1, 0, 0], [1, 0, 2, 0], [0, 2, 0, 1], [0, 0, 1, 0]], dtype=float)


def routed(seed=0, sizes=(20, 30, 25, 15), d=5):
    X, y, tasks, _ = make_multitask_regression(n_tasks=len(sizes), n_features=d,
                                               n_samples=list(sizes), random_state=seed)
    weights = np.random.default_rng(seed).uniform(0.5, 2.0, y.size)
    return X, y, tasks, weights


def shared(seed=1, n=40, T=3, d=5):
    X, Y, _, _ = make_multitask_regression(n_tasks=T, n_features=d, n_samples=n,
                                           shared_design=True, random_state=seed)
    return X, Y, np.random.default_rng(seed).uniform(0.5, 2.0, n)


@pytest.mark.parametrize("rho", [0.2, 0.6, 0.95])
@pytest.mark.parametrize("weighted", [False, True])
def test_linear_mean_kernel_is_the_shared_parameter_model(rho, weighted):
    """tr(W' alpha B^-1 W) with B = (1 - rho) I + rho 11' is the shared-parameter penalty
    with alpha_shared = alpha / rho and alpha_task = alpha / (1 - rho)."""
    X, y, tasks, weights = routed(2)
    weights = weights if weighted else None
    alpha = 0.3
    kernel = MultiTaskKernelRidge(alpha=alpha, task_similarity=rho).fit(
        X, y, tasks=tasks, sample_weight=weights)
    linear = SharedParameterRegressor(alpha_shared=alpha / rho, alpha_task=alpha / (1 - rho),
                                      tol=1e-12).fit(X, y, tasks=tasks, sample_weight=weights)
    np.testing.assert_allclose(kernel.predict(X, tasks=tasks), linear.predict(X, tasks=tasks),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(kernel.intercept_, linear.intercept_, rtol=1e-6, atol=1e-6)


def test_linear_graph_kernel_is_the_graph_regularized_model():
    X, y, tasks, weights = routed(3)
    alpha, ridge = 0.2, 0.5
    kernel = MultiTaskKernelRidge(alpha=alpha, task_kernel="graph", task_graph=CHAIN,
                                  graph_ridge=ridge).fit(X, y, tasks=tasks, sample_weight=weights)
    linear = GraphRegularizedRegressor(alpha=alpha, l2=alpha * ridge, task_graph=CHAIN,
                                       tol=1e-12).fit(X, y, tasks=tasks, sample_weight=weights)
    np.testing.assert_allclose(kernel.predict(X, tasks=tasks), linear.predict(X, tasks=tasks),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kernel", ["rbf", "poly", "laplacian"])
def test_independent_kernel_is_kernel_ridge_per_task(kernel):
    """Task t alone: (1/S_t) sum s_i (y_i - f)^2 / 2 + alpha/2 ||f||^2, i.e. scikit-learn's
    sum s_i (y_i - f)^2 + alpha_kr ||f||^2 with alpha_kr = alpha * S_t."""
    X, y, tasks, weights = routed(4)
    alpha, params = 0.05, {"gamma": 0.2, "degree": 2, "coef0": 1.0}
    model = MultiTaskKernelRidge(alpha=alpha, kernel=kernel, task_kernel="independent",
                                 fit_intercept=False, **params).fit(
        X, y, tasks=tasks, sample_weight=weights)
    X_new, _, tasks_new, _ = routed(5)
    for t in np.unique(tasks):
        rows = tasks == t
        reference = KernelRidge(alpha=alpha * weights[rows].sum(), kernel=kernel, **params).fit(
            X[rows], y[rows], sample_weight=weights[rows])
        new = tasks_new == t
        np.testing.assert_allclose(model.predict(X_new[new], tasks=tasks_new[new]),
                                   reference.predict(X_new[new]), rtol=1e-6, atol=1e-8)


def test_pooled_kernel_is_one_kernel_ridge():
    """B = 11' with task_weights='size': (1/S) sum s_i (y_i - f)^2 / 2 + alpha/2 ||f||^2."""
    X, y, tasks, weights = routed(6)
    alpha = 0.02
    model = MultiTaskKernelRidge(alpha=alpha, kernel="rbf", gamma=0.3, task_kernel="pooled",
                                 task_weights="size", fit_intercept=False).fit(
        X, y, tasks=tasks, sample_weight=weights)
    reference = KernelRidge(alpha=alpha * weights.sum(), kernel="rbf", gamma=0.3).fit(
        X, y, sample_weight=weights)
    np.testing.assert_allclose(model.predict(X, tasks=tasks), reference.predict(X), rtol=1e-6,
                               atol=1e-8)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("task_weights", ["uniform", "size", [1.0, 2.0, 0.5]])
@pytest.mark.parametrize("task_kernel", ["mean", "graph", "independent"])
def test_shared_design_eigen_route_equals_cholesky(fit_intercept, task_weights, task_kernel):
    X, Y, weights = shared()
    params = {"alpha": 0.2, "kernel": "rbf", "gamma": 0.1, "task_kernel": task_kernel,
              "fit_intercept": fit_intercept, "task_weights": task_weights}
    eigen = MultiTaskKernelRidge(**params, solver="eigen").fit(X, Y, sample_weight=weights)
    cholesky = MultiTaskKernelRidge(**params, solver="cholesky").fit(X, Y, sample_weight=weights)
    X_new, _, _ = shared(7, n=9)
    np.testing.assert_allclose(eigen.predict(X_new), cholesky.predict(X_new), rtol=1e-8,
                               atol=1e-8)
    np.testing.assert_allclose(eigen.intercept_, cholesky.intercept_, rtol=1e-8, atol=1e-8)


def test_shared_design_equals_the_same_rows_given_by_labels():
    X, Y, weights = shared(8)
    T = Y.shape[1]
    design = MultiTaskKernelRidge(alpha=0.1, kernel="rbf").fit(X, Y, sample_weight=weights)
    labelled = MultiTaskKernelRidge(alpha=0.1, kernel="rbf").fit(
        np.tile(X, (T, 1)), Y.T.reshape(-1), tasks=np.repeat(np.arange(T), X.shape[0]),
        sample_weight=np.tile(weights, T))
    rows = np.arange(X.shape[0]) % T
    np.testing.assert_allclose(design.predict(X)[np.arange(X.shape[0]), rows],
                               labelled.predict(X, tasks=rows), rtol=1e-8, atol=1e-8)


def test_task_column_equals_routed_labels():
    X, y, tasks, _ = routed(9)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame["city"] = np.array(["a", "b", "c", "d"])[tasks]
    by_column = MultiTaskKernelRidge(alpha=0.1, kernel="rbf", task_column="city").fit(frame, y)
    routed_fit = MultiTaskKernelRidge(alpha=0.1, kernel="rbf").fit(
        X, y, tasks=frame["city"].to_numpy())
    np.testing.assert_allclose(by_column.predict(frame),
                               routed_fit.predict(X, tasks=frame["city"].to_numpy()))


def test_user_task_kernel_is_used_in_tasks_order():
    X, y, tasks, _ = routed(10)
    B = task_kernel_matrix("graph", 4, task_graph=CHAIN, graph_ridge=0.3)
    given = MultiTaskKernelRidge(alpha=0.1, task_kernel=B).fit(X, y, tasks=tasks)
    named = MultiTaskKernelRidge(alpha=0.1, task_kernel="graph", task_graph=CHAIN,
                                 graph_ridge=0.3).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(given.predict(X, tasks=tasks), named.predict(X, tasks=tasks))


@pytest.mark.parametrize("matrix, message", [
    (np.eye(3), "shape \\(4, 4\\)"),
    (np.array([[1, 2, 0, 0], [2, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]]), "semidefinite"),
    (np.triu(np.ones((4, 4))), "symmetric"),
    (np.full((4, 4), np.nan), "finite"),
])
def test_bad_task_kernel_raises(matrix, message):
    X, y, tasks, _ = routed(11)
    with pytest.raises(ValueError, match=message):
        MultiTaskKernelRidge(task_kernel=matrix).fit(X, y, tasks=tasks)


def test_eigen_solver_needs_the_shared_design():
    X, y, tasks, _ = routed(12)
    with pytest.raises(ValueError, match="shared design"):
        MultiTaskKernelRidge(solver="eigen").fit(X, y, tasks=tasks)


def test_grid_search_with_routed_tasks_in_a_pipeline():
    import sklearn
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skmtl.model_selection import make_task_scorer

    X, y, tasks, _ = routed(13)
    pipeline = Pipeline([("scale", StandardScaler()),
                         ("model", MultiTaskKernelRidge(kernel="rbf", gamma=0.1))])
    folds = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(X, tasks))
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipeline, {"model__alpha": [0.01, 0.1, 1.0]}, cv=folds,
                              scoring=make_task_scorer("r2")).fit(X, y, tasks=tasks)
        prediction = search.best_estimator_.predict(X, tasks=tasks)
    direct = Pipeline([("scale", StandardScaler()),
                       ("model", MultiTaskKernelRidge(kernel="rbf", gamma=0.1,
                                                      alpha=search.best_params_["model__alpha"]))])
    with sklearn.config_context(enable_metadata_routing=True):
        expected = direct.fit(X, y, tasks=tasks).predict(X, tasks=tasks)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    np.testing.assert_allclose(prediction, expected)
