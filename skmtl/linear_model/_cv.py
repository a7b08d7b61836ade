"""Cross-validated estimators: each family with its regularization chosen on held-out rows.

``<Family>RegressorCV`` and ``<Family>ClassifierCV`` fit the family along a
decreasing grid of the path parameter (``alpha``; ``alpha_task`` for the
shared-parameter family) on every fold, warm-starting each fit from the last,
score every fit on the fold's held-out rows, pick the alpha of the best mean
score and refit it on all rows.  The default folds split every task's rows
(:class:`~skmtl.model_selection.WithinTaskKFold`), so every task is trained
and tested in every fold.  With ``cv=None`` the quadratic regressors score by
exact leave-one-out instead.
"""

from functools import reduce
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context, clone, is_classifier
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import indexable

from .._array_api import follow, get_namespace_and_device
from .._dask import dask_fold_statistics, is_dask_collection
from .._dask_logistic import DaskClassification, held_out_accuracy
from ..model_selection._cross_validation import (
    FixedPredictions,
    cross_validated_path_scores,
    resolve_scorer,
    score,
    splits,
)
from ..model_selection._loo import leave_one_out_predictions
from ..model_selection._path import (
    _check_grid_size,
    _grid,
    alpha_grid,
    explicit_alphas,
    is_grid_size,
    path_parameter,
)
from ..model_selection._splitters import HashedKFold, LeaveTasksOut
from ..model_selection._statistics_cv import (
    STATISTICS_SCORINGS,
    check_statistics_scoring,
    fold_statistics_pay,
    rows_fold_statistics,
    statistics_grid,
    statistics_path_scores,
)
from ..statistics import TaskStatistics

CV_CONSTRAINTS = {
    "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
    "eps": [Interval(Real, 0, 1, closed="neither")],
    "cv": [None, "cv_object"],
    "scoring": [None, str, callable],
    "n_jobs": [None, Integral],
    "refit": ["boolean"],
}
_CV_PARAMETERS = tuple(CV_CONSTRAINTS)
#: the ``*CV`` estimators that take ``cv=None``
_LEAVE_ONE_OUT = ["GraphRegularizedRegressorCV", "MeanRegularizedRegressorCV",
                  "SharedParameterRegressorCV"]


def cv_constraints(base):
    """The parameter constraints of ``base``'s ``*CV``: its own without the path parameter
    and ``warm_start``, and those of the search."""
    parameter = path_parameter(base())
    own = {k: v for k, v in base._parameter_constraints.items()
           if k not in (parameter, "warm_start")}
    return {**own, **CV_CONSTRAINTS}


def _set_search_parameters(self, *, eps, cv, scoring, n_jobs, refit, fit_intercept,
                           task_weights, solver, tol, max_iter, task_column, unseen_tasks,
                           verbose):
    """Store the parameters every ``*CV`` shares (called by each explicit ``__init__``)."""
    self.eps = eps
    self.cv = cv
    self.scoring = scoring
    self.n_jobs = n_jobs
    self.refit = refit
    self.fit_intercept = fit_intercept
    self.task_weights = task_weights
    self.solver = solver
    self.tol = tol
    self.max_iter = max_iter
    self.task_column = task_column
    self.unseen_tasks = unseen_tasks
    self.verbose = verbose


class CrossValidatedFamily:
    """What every ``*CV`` estimator adds to its family (not public)."""

    #: the estimator whose path is searched
    _base = None
    #: whether ``cv=None`` (exact leave-one-out) applies: the quadratic regressors
    _leave_one_out = False
    _fits_from_statistics = False

    def _base_estimator(self):
        params = {k: v for k, v in self.get_params(deep=False).items()
                  if k not in _CV_PARAMETERS}
        return self._base(**params)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coef_")

    def _grid(self, base, X, y, tasks, sample_weight):
        if isinstance(self.alphas, Integral):
            _check_grid_size(self.alphas, self.eps)
            return alpha_grid(base, X, y, tasks=tasks, sample_weight=sample_weight,
                              n_alphas=self.alphas, eps=self.eps)
        return explicit_alphas(self.alphas)

    def _leave_one_out_scores(self, base, X, y, alphas, tasks, sample_weight):
        """Exact leave-one-out score of each alpha, shape (n_alphas, 1)."""
        predictions = leave_one_out_predictions(
            base, X, y, alphas, tasks=tasks, sample_weight=sample_weight,
            parameter=path_parameter(base),
        )
        scorer = resolve_scorer(self.scoring)
        target = np.asarray(y, dtype=float)
        if scorer is None:
            weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
            return np.asarray([[-np.average((target - row) ** 2, weights=weights)]
                               for row in predictions])
        return np.asarray([[score(scorer, FixedPredictions(row), X, target, tasks)]
                           for row in predictions])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Choose the alpha by cross-validation, then refit it on all rows.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        tasks : array-like of shape (n_samples,), default=None
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the fits; the default scorer does not weight the held-out rows.

        Returns
        -------
        self : object
        """
        if is_dask_collection(X):
            return self._fit_dask(X, y, tasks, sample_weight)
        base = self._base_estimator()
        if hasattr(X, "__array_namespace__"):  # targets and weights follow X's namespace
            xp, _, device = get_namespace_and_device(X)
            y, sample_weight = follow(y, xp, device), follow(sample_weight, xp, device)
        X, y, tasks, sample_weight = indexable(X, y, tasks, sample_weight)
        if self.cv is not None and self._takes_fold_statistics(base, X):
            folds = splits(self.cv, X, y, tasks, self.task_column)
            pieces = rows_fold_statistics(X, y, tasks, sample_weight, folds)
            if pieces is not None:
                # the grid of the rows (their loss's Lipschitz bound may be an estimate)
                alphas = self._grid(base, X, y, tasks, sample_weight)
                shared = None if tasks is not None else np.ndim(y)
                return self._fit_fold_statistics(base, *pieces, None, shared, alphas=alphas)
        alphas = self._grid(base, X, y, tasks, sample_weight)
        if self.cv is None:
            if not self._leave_one_out:
                raise ValueError(
                    f"cv=None (exact leave-one-out) applies to the quadratic regressors "
                    f"{_LEAVE_ONE_OUT}; "
                    f"{type(self).__name__} needs folds: give cv an int or a splitter."
                )
            scores = self._leave_one_out_scores(base, X, y, alphas, tasks, sample_weight)
        else:
            folds = splits(self.cv, X, y, tasks, self.task_column, is_classifier(self))
            scores = cross_validated_path_scores(
                base, X, y, alphas, folds, tasks=tasks, sample_weight=sample_weight,
                scoring=self.scoring, n_jobs=self.n_jobs,
            )
        self._store_results(alphas, scores)
        if self.refit:
            self._refit(base, X, y, tasks, sample_weight)
            xp, _, device = get_namespace_and_device(self.coef_)
            self.alphas_ = xp.asarray(alphas, dtype=self.coef_.dtype, device=device)
        return self

    def _takes_fold_statistics(self, base, X):
        """Whether NumPy rows are cross-validated from per-fold statistics
        (:func:`~skmtl.model_selection._statistics_cv.fold_statistics_pay`): a
        squared-loss regressor, a dense float64 NumPy X without a task column, a scoring
        computed from statistics, and enough rows × features²."""
        return (not is_classifier(self) and isinstance(X, np.ndarray) and X.ndim == 2
                and X.dtype == np.float64
                and self.task_column is None and base.solver != "cvxpy"
                and (self.scoring is None or (isinstance(self.scoring, str)
                                              and self.scoring in STATISTICS_SCORINGS))
                and fold_statistics_pay(*X.shape))

    def _dask_splitter(self):
        """The folds on dask input: an int gives :class:`HashedKFold`."""
        cv = self.cv
        if isinstance(cv, Integral) and not isinstance(cv, bool):
            return HashedKFold(cv)
        if isinstance(cv, (HashedKFold, LeaveTasksOut)) and getattr(
                cv, "task_column", None) is None:
            return cv
        raise ValueError(
            f"On dask input the folds must follow from the rows without a shuffle: cv must be "
            f"an int, a HashedKFold or a LeaveTasksOut (tasks from fit), got {cv!r}."
        )

    def _fit_dask(self, X, y, tasks, sample_weight):
        """Cross-validation of dask data: from per-fold statistics (regressors), or by
        warm-started paths of distributed fits (classifiers)."""
        splitter = self._dask_splitter()
        base = self._base_estimator()
        if is_classifier(self):
            return self._fit_dask_classifier(base, splitter, X, y, tasks, sample_weight)
        check_statistics_scoring(self.scoring)
        hashed = isinstance(splitter, HashedKFold)
        fitted, scored, names = dask_fold_statistics(
            X, y, tasks, sample_weight, self.task_column,
            splitter.n_splits if hashed else None, getattr(splitter, "seed", 0))
        shared = None if tasks is not None or self.task_column is not None else np.ndim(y)
        if hashed:
            return self._fit_fold_statistics(base, fitted, scored, names, shared)
        total = reduce(TaskStatistics.merge, fitted)
        held_out = splitter.test_tasks(total.labels, total.count)
        return self._fit_fold_statistics(
            base, [total.restrict(labels) for labels in held_out],
            [scored[0].restrict(labels) for labels in held_out], names, shared,
            population=True, total=total)

    def _fit_fold_statistics(self, base, fitted, scored, names, shared, population=False,
                             total=None, alphas=None):
        """The search from the statistics of every fold's held-out rows (``fitted``,
        weighted; ``scored``, unit weights), which partition the rows unless ``total``
        is given; the refit from the total.  The grid comes from the total statistics
        unless ``alphas`` are given."""
        if total is None:
            total = reduce(TaskStatistics.merge, fitted)
        if alphas is None:
            alphas = statistics_grid(base, total, self.alphas, self.eps)
        scores = statistics_path_scores(base, total, fitted, scored, alphas, self.scoring,
                                        population=population, shared_design_ndim=shared)
        self._store_results(alphas, scores)
        if self.refit:
            model = clone(base).set_params(**{path_parameter(base): self.alpha_})
            model.n_features_in_ = total.n_features
            self._adopt(model._fit_statistics(total, shared))
            if names is not None:
                self.feature_names_in_ = names
        return self

    def _fit_dask_classifier(self, base, splitter, X, y, tasks, sample_weight):
        """Each fold's path fitted by passes over the chunks; every held-out accuracy from
        one last pass; ``n_passes_`` counts them all."""
        if not isinstance(splitter, HashedKFold) or self.scoring not in (None, "accuracy"):
            raise ValueError(
                f"On dask input {type(self).__name__} takes HashedKFold folds (or an int cv) "
                "and scores by accuracy (scoring=None or 'accuracy')."
            )
        if self.solver == "cvxpy":
            raise ValueError("solver='cvxpy' solves from rows in memory; on dask input use "
                             "another solver.")
        n_splits, seed = splitter.n_splits, splitter.seed
        data = DaskClassification(X, y, tasks, sample_weight, self.task_column, n_splits, seed)
        passes = 0
        if is_grid_size(self.alphas):
            _check_grid_size(self.alphas, self.eps)
            probe = clone(base)
            setup = probe._dask_setup(data, data.totals)
            loss = data.loss(setup, self.fit_intercept, solver=self.solver)
            gradient = loss.gradient(setup.start)[:, :setup.x_offset.shape[1]]
            alphas = _grid(probe, gradient, loss.lipschitz(), self.alphas, self.eps)
            passes += loss.n_passes
        else:
            alphas = explicit_alphas(self.alphas)
        parameter, models = path_parameter(base), []
        for k in range(n_splits):
            model = clone(base).set_params(warm_start=True)
            model._validate_params()
            setup = model._dask_setup(data, data.totals.subtract(data.fold_totals[k]))
            loss = data.loss(setup, self.fit_intercept, (n_splits, seed, k), self.solver)
            fits = []
            for alpha in alphas:
                model.set_params(**{parameter: float(alpha)})
                model._fit_loss(loss, setup.single_class, setup.start, setup.x_offset, np,
                                None)
                fits.append((model.coef_.copy(), model.intercept_.copy()))
            passes += loss.n_passes
            models.append((setup.labels, *(np.stack(part) for part in zip(*fits, strict=True))))
        scores = held_out_accuracy(data, n_splits, seed, models, data.classes)
        self._store_results(alphas, scores)
        if self.refit:
            model = clone(base).set_params(**{parameter: self.alpha_})
            setup = model._dask_setup(data, data.totals)
            loss = data.loss(setup, self.fit_intercept, solver=self.solver)
            model._fit_loss(loss, setup.single_class, setup.start, setup.x_offset, np, None)
            self._adopt(model)
            passes += loss.n_passes
        self.n_passes_ = data.n_passes + passes
        return self

    def _store_results(self, alphas, scores):
        mean = scores.mean(axis=1)
        order = np.argsort(-mean, kind="stable")
        rank = np.empty(len(mean), dtype=np.int32)
        rank[order] = np.arange(1, len(mean) + 1)
        results = {"alphas": alphas}
        for k in range(scores.shape[1]):
            results[f"split{k}_test_score"] = scores[:, k]
        results.update(mean_test_score=mean, std_test_score=scores.std(axis=1),
                       rank_test_score=rank)
        best = int(np.argmax(mean))
        self.cv_results_ = results
        self.alphas_ = alphas
        self.alpha_ = float(alphas[best])
        self.best_index_ = best
        self.best_score_ = float(mean[best])

    def _refit(self, base, X, y, tasks, sample_weight):
        parameter = path_parameter(base)
        model = clone(base).set_params(**{parameter: self.alpha_})
        self._adopt(model.fit(X, y, tasks=tasks, sample_weight=sample_weight))

    def _adopt(self, model):
        """Take the fitted attributes of the refitted ``model``."""
        skipped = set(model.get_params(deep=False))
        for name, value in vars(model).items():
            if name not in skipped:
                setattr(self, name, value)


class _NormCV(CrossValidatedFamily):
    """The constructor of the norm families' ``*CV`` estimators (trace norm, L2,1, lasso)."""

    def __init__(self, alphas=30, l2=0.0, *, eps=1e-3, cv=5, scoring=None, n_jobs=None,
                 refit=True, fit_intercept=True, task_weights="uniform", solver="auto",
                 tol=1e-6, max_iter=10000, task_column=None, unseen_tasks="raise", verbose=0):
        self.alphas = alphas
        self.l2 = l2
        _set_search_parameters(self, eps=eps, cv=cv, scoring=scoring, n_jobs=n_jobs,
                               refit=refit, fit_intercept=fit_intercept,
                               task_weights=task_weights, solver=solver, tol=tol,
                               max_iter=max_iter, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)
