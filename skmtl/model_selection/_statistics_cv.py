r"""Cross-validation of the squared-loss regressors from per-fold statistics.

With the statistics :math:`\Sigma` of all rows and :math:`\Sigma_k` of the rows
held out in fold k (:class:`~skmtl.statistics.TaskStatistics`), the training
statistics of fold k are :math:`\Sigma - \Sigma_k`
(:meth:`~skmtl.statistics.TaskStatistics.subtract`), so one pass that forms
every :math:`\Sigma_k` gives every fold's fits.  The held-out squared error of
task t under :math:`(w_t, b_t)` is a quadratic form in the held-out
statistics of that task (rows counted once, :math:`n_t` of them),

.. math::

    \sum_{i \in t} (y_i - x_i^\top w_t - b_t)^2
    = q_t + n_t (\bar y_t - \bar x_t^\top w_t - b_t)^2 - 2 c_t^\top w_t
      + w_t^\top G_t w_t,

so the scores need no second pass either.
"""

import numpy as np
from sklearn.base import clone

from .._tasks import index_known_tasks
from ..statistics import TaskStatistics
from ._path import _check_grid_size, _grid, explicit_alphas, is_grid_size, path_parameter

#: The scorings computed from statistics: R² (``score``'s) and the mean squared error.
STATISTICS_SCORINGS = (None, "r2", "neg_mean_squared_error")
#: Rows times squared features from which NumPy input is cross-validated from per-fold
#: statistics (one pass) rather than by a fit on the rows of every fold: measured 2x
#: faster at 4·10⁷, even on School (1.1·10⁷) (``benchmarks/cv_statistics.py``; docs:
#: model_selection.rst).
FOLD_STATISTICS_WORK = 3 * 10**7


def fold_statistics_pay(n_rows, n_features):
    """Whether a ``*RegressorCV`` on NumPy rows takes the per-fold statistics: from
    :data:`FOLD_STATISTICS_WORK` rows × features² on (below, fitting every fold from
    its rows costs no more)."""
    return n_rows * n_features**2 >= FOLD_STATISTICS_WORK


def rows_fold_statistics(X, y, tasks, sample_weight, folds):
    """Per fold the statistics of its held-out rows (weighted), and the same with unit
    weights, from in-memory rows: one pass, as the test sets partition the rows.

    Returns None unless every fold trains on exactly the rows it does not test (the
    training statistics are then the total minus the fold's) and on every task it
    tests (the scores need each task's own model).
    """
    n_rows = X.shape[0]
    tasks = None if tasks is None else np.asarray(tasks)
    seen = np.zeros(n_rows, dtype=np.int64)
    for train, test in folds:
        seen[test] += 1
        if len(train) + len(test) != n_rows or (tasks is not None and not np.all(
                np.isin(np.unique(tasks[test]), np.unique(tasks[train])))):
            return None
    if not np.all(seen == 1):
        return None
    y = np.asarray(y)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    fitted, scored = [], []
    for _, test in folds:
        labels = None if tasks is None else tasks[test]
        fitted.append(TaskStatistics.from_rows(X[test], y[test], labels,
                                               None if weights is None else weights[test]))
        scored.append(fitted[-1] if weights is None
                      else TaskStatistics.from_rows(X[test], y[test], labels))
    return fitted, scored


def check_statistics_scoring(scoring):
    """Raise unless ``scoring`` is one of :data:`STATISTICS_SCORINGS`."""
    if not (scoring is None or (isinstance(scoring, str) and scoring in STATISTICS_SCORINGS)):
        raise ValueError(
            f"On dask input the held-out scores come from statistics: scoring must be one of "
            f"{list(STATISTICS_SCORINGS)}, got {scoring!r}."
        )


def held_out_errors(coef, intercept, statistics):
    """Per task of ``statistics`` (unit weights): the sum of squared errors of
    :math:`x^\\top w_t + b_t` (one row of ``coef`` and entry of ``intercept`` per task)."""
    gram, linear = statistics.gram, statistics.linear
    residual_mean = statistics.y_mean - np.sum(statistics.x_mean * coef, axis=1) - intercept
    quadratic = np.einsum("ti,tij,tj->t", coef, gram, coef)
    return (statistics.target_square + statistics.count * residual_mean**2
            - 2.0 * np.sum(linear * coef, axis=1) + quadratic)


def held_out_score(model, statistics, scoring, population=False, per_task=False):
    """The score of ``model`` on the held-out rows whose unit-weight statistics are given.

    Each task is predicted by its own model, or with ``population`` by the
    model's population coefficients and mean finite intercept (held-out tasks).
    With ``per_task`` (the shared design, as ``score`` on a 2-D y) the score is the
    mean over the tasks of each task's own: :math:`1 - e_t / q_t` (R², the task's
    rows around their mean) or :math:`-e_t / n_t`.
    """
    if population:
        intercept = np.asarray(model.intercept_)
        finite = np.isfinite(intercept)
        mean = float(np.sum(intercept[finite]) / max(int(np.count_nonzero(finite)), 1))
        coef = np.broadcast_to(model._population_coef(), statistics.x_mean.shape)
        intercept = np.full(statistics.n_tasks, mean)
    else:
        position = index_known_tasks(statistics.labels, model._task_labels,
                                     statistics.n_tasks)
        coef, intercept = model.coef_[position], model.intercept_[position]
    errors = held_out_errors(coef, intercept, statistics)
    rows = statistics.count
    if per_task:
        if scoring == "neg_mean_squared_error":
            return -float(np.mean(errors / rows))
        return float(np.mean(1.0 - errors / statistics.target_square))
    error = float(np.sum(errors))
    if scoring == "neg_mean_squared_error":
        return -error / float(np.sum(rows))
    mean = np.sum(rows * statistics.y_mean) / np.sum(rows)
    total = float(np.sum(statistics.target_square + rows * (statistics.y_mean - mean) ** 2))
    return 1.0 - error / total


def statistics_grid(base, statistics, alphas, eps):
    """The grid of the path parameter from the statistics of all rows (as
    :func:`~skmtl.model_selection.alpha_grid` gives it from the rows)."""
    if not is_grid_size(alphas):
        return explicit_alphas(alphas)
    _check_grid_size(alphas, eps)
    probe = clone(base)
    loss = probe._prepare_statistics(statistics, None).loss
    gradient = loss.gradient(np.zeros((statistics.n_tasks, statistics.n_features)))
    return _grid(probe, gradient, float(loss.lipschitz()), alphas, eps)


def statistics_path_scores(base, total, held_out, scored, alphas, scoring, population=False,
                           shared_design_ndim=None):
    """Held-out score of each alpha on each fold from statistics, shape (n_alphas, n_folds).

    Parameters
    ----------
    base : squared-loss regressor
    total : TaskStatistics
        Of all rows.
    held_out : list of TaskStatistics
        Of the held-out rows of each fold (weighted as the fits are).
    scored : list of TaskStatistics
        The same rows with unit weights (what the scores count).
    alphas : ndarray
        Decreasing grid; each fold's path is warm-started.
    scoring : None, 'r2' or 'neg_mean_squared_error'
    population : bool
        Score with the population model (folds of whole tasks).
    shared_design_ndim : int or None
        ``y.ndim`` of a shared design (scored task by task when 2), else None.
    """
    parameter = path_parameter(base)
    scores = np.empty((len(alphas), len(held_out)))
    for k, (fold, fold_scored) in enumerate(zip(held_out, scored, strict=True)):
        model = clone(base).set_params(warm_start=True)
        model._validate_params()
        prepared = model._prepare_statistics(total.subtract(fold), shared_design_ndim)
        for a, alpha in enumerate(alphas):
            model.set_params(**{parameter: float(alpha)})
            model._fit_prepared(prepared)
            scores[a, k] = held_out_score(model, fold_scored, scoring, population,
                                          per_task=shared_design_ndim == 2)
    return scores
