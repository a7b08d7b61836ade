"""Scores of a warm-started regularization path on cross-validation folds.

The engine of the ``*CV`` estimators: on each fold, the family is fitted along
the whole grid of alphas (each fit starting from the previous one) and each
fit is scored on the fold's held-out rows.
"""

import numbers

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import RegressorMixin
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing

from .._tasks import split_task_column
from ._path import warm_fits
from ._scorer import _accepts_param, _TaskScorer, make_task_scorer
from ._splitters import WithinTaskKFold

__all__ = ["cross_validated_path_scores", "splits"]


def splits(cv, X, y, tasks, task_column, classifier=False):
    """The (train, test) index pairs of ``cv``: an int gives :class:`WithinTaskKFold`
    (stratified by class within tasks for a classifier).

    Task labels reach the splitter as ``tasks=`` when its ``split`` takes it, else
    as ``groups=`` (what scikit-learn's group splitters read).
    """
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        cv = WithinTaskKFold(cv, stratify=classifier, task_column=task_column)
        return list(cv.split(X, y, tasks=tasks))
    cv = check_cv(cv)
    labels = tasks if task_column is None else split_task_column(X, task_column)[1]
    if _accepts_param(cv.split, "tasks", via_var_keyword=False):
        if getattr(cv, "task_column", None) is not None:
            return list(cv.split(X, y))
        return list(cv.split(X, y, tasks=labels))
    return list(cv.split(X, y, groups=labels))


def resolve_scorer(scoring):
    """None (the estimator's ``score``), a task-aware scorer for a name, or the callable."""
    if isinstance(scoring, str):
        return make_task_scorer(scoring)
    return scoring


def score(scorer, model, X, y, tasks):
    """Score ``model`` on (X, y) with the task labels given where the scorer takes them."""
    task_params = {} if tasks is None else {"tasks": tasks}
    if scorer is None:
        return float(model.score(X, y, **task_params))
    if isinstance(scorer, _TaskScorer) or _accepts_param(scorer, "tasks", via_var_keyword=False):
        return float(scorer(model, X, y, **task_params))
    return float(scorer(model, X, y))


def _rows(values, index):
    return None if values is None else _safe_indexing(values, index)


def _fold_scores(estimator, X, y, tasks, sample_weight, train, test, alphas, scorer):
    fit_params = {"tasks": _rows(tasks, train), "sample_weight": _rows(sample_weight, train)}
    X_test, y_test, tasks_test = _rows(X, test), _rows(y, test), _rows(tasks, test)
    return [
        score(scorer, model, X_test, y_test, tasks_test)
        for model in warm_fits(estimator, _rows(X, train), _rows(y, train), alphas, fit_params)
    ]


def cross_validated_path_scores(estimator, X, y, alphas, folds, *, tasks=None,
                                sample_weight=None, scoring=None, n_jobs=None):
    """Held-out score of each alpha on each fold: an array of shape (n_alphas, n_folds).

    Parameters
    ----------
    estimator : skmtl linear estimator
    X, y, tasks, sample_weight :
        As for ``estimator.fit``.
    alphas : ndarray
        Decreasing grid of the path parameter.
    folds : list of (train, test) index arrays
    scoring : None, str or callable
        None: ``estimator.score``; a name of :func:`make_task_scorer`; or a scorer
        ``scorer(estimator, X, y[, tasks=...])``.
    n_jobs : int or None
        Folds run in parallel with joblib.
    """
    scorer = resolve_scorer(scoring)
    per_fold = Parallel(n_jobs=n_jobs)(
        delayed(_fold_scores)(estimator, X, y, tasks, sample_weight, train, test, alphas,
                              scorer)
        for train, test in folds
    )
    return np.asarray(per_fold, dtype=float).T


class FixedPredictions(RegressorMixin):
    """Stands in for an estimator whose predictions are already known (leave-one-out)."""

    def __init__(self, predictions):
        self.predictions = predictions

    def predict(self, X, tasks=None):
        return self.predictions

    def score(self, X, y, tasks=None):
        return RegressorMixin.score(self, X, y)
