"""HierarchicalRegressor against an independent dense likelihood, statsmodels' MixedLM,
the shared-parameter model it maps to, and data simulated from the model."""

import warnings

import numpy as np
import pytest
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import minimize
from sklearn.linear_model import RidgeCV

from skmtl import HierarchicalRegressor, SharedParameterRegressor


def simulate(seed, n_tasks, rows, d, noise=1.0, slope=0.5, outliers=(), shift=4.0):
    """Rows of the random-slopes model; ``outliers`` get slopes ``shift`` away from w0."""
    rng = np.random.default_rng(seed)
    sizes = np.broadcast_to(rows, n_tasks)
    tasks = np.repeat(np.arange(n_tasks), sizes)
    X = rng.standard_normal((tasks.size, d)) + 0.5
    w0 = rng.standard_normal(d)
    V = slope * rng.standard_normal((n_tasks, d))
    V[list(outliers)] += shift * rng.choice([-1.0, 1.0], (len(outliers), d))
    b = rng.standard_normal(n_tasks)
    W = w0 + V

    def draw(X, tasks):
        return np.sum(X * W[tasks], axis=1) + b[tasks] + noise * rng.standard_normal(len(tasks))

    return X, draw(X, tasks), tasks, draw


# ------------------------------------------------------------- dense likelihood
def dense_fit(X, y, tasks, noise_variance, slope_variances, method, fit_intercept=True):
    """-2 log-likelihood by a Cholesky factorization of every task's n_t x n_t covariance
    sigma^2 I + tau_t^2 X_t X_t^T, the fixed effects by dense GLS; and the posterior means."""
    labels = np.unique(tasks)
    d = X.shape[1]
    columns = len(labels) * fit_intercept + d
    information, right, parts = np.zeros((columns, columns)), np.zeros(columns), []
    for t, label in enumerate(labels):
        rows = tasks == label
        Xt, yt = X[rows], y[rows]
        F = np.zeros((rows.sum(), columns))
        if fit_intercept:
            F[:, t] = 1.0
        F[:, columns - d:] = Xt
        factor = cho_factor(noise_variance * np.eye(rows.sum()) + slope_variances[t] * Xt @ Xt.T)
        information += F.T @ cho_solve(factor, F)
        right += F.T @ cho_solve(factor, yt)
        parts.append((F, yt, factor, Xt))
    beta = np.linalg.solve(information, right)
    value, coef = 0.0, []
    for t, (F, yt, factor, Xt) in enumerate(parts):
        residual = yt - F @ beta
        value += 2 * np.sum(np.log(np.diag(factor[0]))) + residual @ cho_solve(factor, residual)
        coef.append(beta[columns - d:] + slope_variances[t] * Xt.T @ cho_solve(factor, residual))
    n = len(y)
    value += n * np.log(2 * np.pi)
    if method == "reml":
        value += np.linalg.slogdet(information)[1] - columns * np.log(2 * np.pi)
    intercept = beta[:len(labels)] if fit_intercept else np.zeros(len(labels))
    return value, beta[columns - d:], np.array(coef), intercept


def dense_maximum(X, y, tasks, method, per_task, start, fit_intercept=True):
    """Maximize the dense likelihood over log sigma^2 and tau (one, or one per task;
    tau^2 reaches 0, where a task's slopes do not vary)."""
    n_tasks = len(np.unique(tasks))

    def objective(theta):
        slopes = theta[1:] ** 2 if per_task else np.full(n_tasks, theta[1] ** 2)
        return dense_fit(X, y, tasks, np.exp(theta[0]), slopes, method, fit_intercept)[0]

    theta = np.r_[np.log(start[0]), np.sqrt(start[1:])]
    for _ in range(2):  # Nelder-Mead restarted from its own optimum
        theta = minimize(objective, theta, method="Nelder-Mead",
                         options={"xatol": 1e-10, "fatol": 1e-13, "maxfev": 6000}).x
    return np.r_[np.exp(theta[0]), theta[1:] ** 2]


@pytest.mark.parametrize("method", ["ml", "reml"])
@pytest.mark.parametrize("per_task", [False, True])
def test_estimates_equal_a_dense_maximum_likelihood(method, per_task):
    """Integer sample weights are repeated rows: the dense fit sees the repeats."""
    X, y, tasks, _ = simulate(0, 3, (25, 30, 20), 2, slope=1.5)
    weights = np.random.default_rng(1).integers(1, 3, len(y)).astype(float)
    model = HierarchicalRegressor(method=method,
                                  slope_variance="per_task" if per_task else "shared",
                                  tol=1e-12).fit(X, y, tasks=tasks, sample_weight=weights)
    repeat = weights.astype(int)
    Xr, yr, tr = np.repeat(X, repeat, 0), np.repeat(y, repeat), np.repeat(tasks, repeat)
    slopes = np.broadcast_to(model.slope_variance_, 3)
    estimate = np.r_[model.noise_variance_, slopes if per_task else slopes[:1]]
    reference = dense_maximum(Xr, yr, tr, method, per_task, np.ones(estimate.size))
    np.testing.assert_allclose(estimate, reference, rtol=1e-6, atol=1e-8)
    value, shared, coef, intercept = dense_fit(Xr, yr, tr, model.noise_variance_, slopes, method)
    np.testing.assert_allclose(model.log_likelihood_, -0.5 * value, rtol=1e-10)
    np.testing.assert_allclose(model.shared_coef_, shared, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(model.coef_, coef, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(model.intercept_, intercept, rtol=1e-9, atol=1e-10)


def test_without_intercepts_equals_the_dense_maximum():
    X, y, tasks, _ = simulate(2, 4, 10, 2)
    model = HierarchicalRegressor(method="ml", fit_intercept=False).fit(X, y, tasks=tasks)
    reference = dense_maximum(X, y, tasks, "ml", False, np.ones(2), fit_intercept=False)
    np.testing.assert_allclose([model.noise_variance_, model.slope_variance_], reference,
                               rtol=1e-6)
    np.testing.assert_array_equal(model.intercept_, 0.0)


# ------------------------------------------------------------- shared-parameter model
@pytest.mark.parametrize("task_weights", ["size", "uniform", "explicit"])
def test_coef_equals_the_shared_parameter_model_at_alpha(task_weights):
    """alpha_task = sigma^2 sum(tau) / (N tau^2) and alpha_shared = 0 (a flat prior on w0)."""
    X, y, tasks, _ = simulate(3, 5, (20, 8, 30, 12, 16), 3)
    weights = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    if task_weights == "explicit":
        task_weights = np.array([1.0, 2.0, 0.5, 1.5, 1.0])
    model = HierarchicalRegressor(task_weights=task_weights).fit(
        X, y, tasks=tasks, sample_weight=weights)
    assert 0 < model.alpha_ < np.inf
    ridge = SharedParameterRegressor(alpha_shared=0.0, alpha_task=model.alpha_,
                                     task_weights=task_weights, tol=1e-12).fit(
        X, y, tasks=tasks, sample_weight=weights)
    np.testing.assert_allclose(model.coef_, ridge.coef_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(model.intercept_, ridge.intercept_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(model.shared_coef_, ridge.shared_coef_, rtol=1e-9, atol=1e-10)


# ------------------------------------------------------------- simulated from the model
def test_estimates_are_consistent_and_intervals_cover():
    X, y, tasks, draw = simulate(4, 150, 25, 3, noise=1.0, slope=0.5)
    model = HierarchicalRegressor().fit(X, y, tasks=tasks)
    np.testing.assert_allclose(model.noise_variance_, 1.0, rtol=0.05)
    np.testing.assert_allclose(model.slope_variance_, 0.25, rtol=0.2)
    X_new = np.random.default_rng(5).standard_normal((len(y), 3)) + 0.5
    y_new = draw(X_new, tasks)
    mean, std = model.predict(X_new, tasks=tasks, return_std=True)
    covered = np.mean(np.abs(y_new - mean) <= 1.959964 * std)
    assert 0.93 <= covered <= 0.97, covered


def test_unseen_tasks_get_the_population_model_with_its_variance():
    X, y, tasks, draw = simulate(6, 80, 20, 2, slope=0.8)
    seen = tasks < 60
    model = HierarchicalRegressor(unseen_tasks="population").fit(X[seen], y[seen],
                                                                 tasks=tasks[seen])
    with pytest.raises(ValueError, match="not seen during fit"):
        model.set_params(unseen_tasks="raise").predict(X, tasks=tasks)
    model.set_params(unseen_tasks="population")
    mean, std = model.predict(X, tasks=tasks, return_std=True)
    np.testing.assert_allclose(mean[~seen], model.predict_population(X[~seen]))
    np.testing.assert_allclose(mean[seen], model.predict(X[seen], tasks=tasks[seen]))
    # a new task's slopes add tau^2 |x|^2 to the variance
    assert np.all(std[~seen] ** 2 >= model.slope_variance_ * np.sum(X[~seen] ** 2, 1))
    covered = np.mean(np.abs(y[~seen] - mean[~seen]) <= 1.959964 * std[~seen])
    assert covered >= 0.93, covered


def test_shared_design_predicts_a_column_per_task_with_its_std():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((40, 3))
    Y = X @ rng.standard_normal((3, 4)) + rng.standard_normal((40, 4))
    model = HierarchicalRegressor().fit(X, Y)
    mean, std = model.predict(X, return_std=True)
    per_row = model.predict(X, tasks=np.arange(40) % 4, return_std=True)
    assert mean.shape == std.shape == (40, 4)
    np.testing.assert_allclose(per_row[1], std[np.arange(40), np.arange(40) % 4])


# ------------------------------------------------------------- statsmodels
@pytest.mark.parametrize("method", ["ml", "reml"])
def test_matches_statsmodels_mixedlm(method):
    """Independent random slopes of equal variance: one variance component whose design
    holds every slope column; the fixed effects are the task intercepts and w0."""
    pd = pytest.importorskip("pandas")
    smf = pytest.importorskip("statsmodels.formula.api")
    X, y, tasks, _ = simulate(8, 8, 15, 2, slope=0.7)
    frame = pd.DataFrame({"y": y, "x1": X[:, 0], "x2": X[:, 1], "task": tasks})
    mixed = smf.mixedlm("y ~ 0 + C(task) + x1 + x2", frame, groups="task", re_formula="0",
                        vc_formula={"slopes": "0 + x1 + x2"})
    # L-BFGS alone stops at a saddle of statsmodels' parametrization on these data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' own warnings on its way there
        result = mixed.fit(reml=method == "reml", method=["powell", "lbfgs"])
    model = HierarchicalRegressor(method=method).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(model.noise_variance_, result.scale, rtol=1e-4)
    np.testing.assert_allclose(model.slope_variance_, result.vcomp[0], rtol=1e-4)
    np.testing.assert_allclose(model.shared_coef_, result.fe_params[["x1", "x2"]], rtol=1e-4)
    np.testing.assert_allclose(model.intercept_, result.fe_params.iloc[:8], rtol=1e-4,
                               atol=1e-4)
    if method == "ml":
        np.testing.assert_allclose(model.log_likelihood_, result.llf, rtol=1e-7)


# ------------------------------------------------------------- negative transfer
def held_out_errors(seed, n_tasks, rows, d, outliers=(), noise=1.0):
    X, y, tasks, draw = simulate(seed, n_tasks, rows, d, noise=noise, outliers=outliers)
    X_new = np.random.default_rng(seed + 100).standard_normal((20 * len(y), d)) + 0.5
    tasks_new = np.tile(tasks, 20)
    y_new = draw(X_new, tasks_new)
    model = HierarchicalRegressor(slope_variance="per_task").fit(X, y, tasks=tasks)
    mixed = (model.predict(X_new, tasks=tasks_new) - y_new) ** 2
    alone = np.empty_like(mixed)
    for t in range(n_tasks):
        ridge = RidgeCV(alphas=np.geomspace(1e-3, 1e3, 31)).fit(X[tasks == t], y[tasks == t])
        alone[tasks_new == t] = (ridge.predict(X_new[tasks_new == t]) - y_new[tasks_new == t]) ** 2
    per_task = [(mixed[tasks_new == t].mean(), alone[tasks_new == t].mean())
                for t in range(n_tasks)]
    return np.array(per_task), model


def test_per_task_variances_spare_outlier_tasks_and_pool_the_others():
    outliers = (0, 1, 2)
    errors, model = held_out_errors(9, 40, 12, 4, outliers=outliers)
    slopes = model.slope_variance_
    assert np.min(slopes[list(outliers)]) > 10 * np.median(slopes[3:])
    mixed, alone = errors[list(outliers)].sum(0)
    assert mixed <= 1.02 * alone, (mixed, alone)
    mixed, alone = errors[3:].sum(0)
    assert mixed < 0.95 * alone, (mixed, alone)


def test_per_task_variances_lose_nothing_with_many_rows_per_task():
    errors, _ = held_out_errors(10, 10, 400, 4)
    mixed, alone = errors.sum(0)
    assert mixed <= 1.01 * alone, (mixed, alone)


def test_per_task_likelihood_is_at_least_the_shared_one():
    X, y, tasks, _ = simulate(11, 12, 20, 3, outliers=(0,))
    shared = HierarchicalRegressor().fit(X, y, tasks=tasks)
    per_task = HierarchicalRegressor(slope_variance="per_task").fit(X, y, tasks=tasks)
    assert per_task.log_likelihood_ >= shared.log_likelihood_
