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

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context, clone, is_classifier
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import indexable

from .._array_api import follow, get_namespace_and_device
from .._dask import reject_dask
from ..model_selection._cross_validation import (
    FixedPredictions,
    cross_validated_path_scores,
    resolve_scorer,
    score,
    splits,
)
from ..model_selection._loo import leave_one_out_predictions
from ..model_selection._path import _check_grid_size, alpha_grid, explicit_alphas, path_parameter
from ._classifiers import (
    GraphRegularizedClassifier,
    JointFeatureClassifier,
    MeanRegularizedClassifier,
    SharedParameterClassifier,
    TraceNormClassifier,
)
from ._regressors import (
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)

CV_CONSTRAINTS = {
    "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
    "eps": [Interval(Real, 0, 1, closed="neither")],
    "cv": [None, "cv_object"],
    "scoring": [None, str, callable],
    "n_jobs": [None, Integral],
    "refit": ["boolean"],
}
_CV_PARAMETERS = tuple(CV_CONSTRAINTS)


def _set_parameters(self, values):
    for name, value in values.items():
        if name not in ("self", "__class__"):
            setattr(self, name, value)


class CrossValidatedFamily:
    """What every ``*CV`` estimator adds to its family (not public)."""

    _base = None
    _fits_from_statistics = False

    @classmethod
    def _constraints(cls):
        parameter = path_parameter(cls._base())
        base = {k: v for k, v in cls._base._parameter_constraints.items()
                if k not in (parameter, "warm_start")}
        return {**base, **CV_CONSTRAINTS}

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
        reject_dask(self, X)
        base = self._base_estimator()
        if hasattr(X, "__array_namespace__"):  # targets and weights follow X's namespace
            xp, _, device = get_namespace_and_device(X)
            y, sample_weight = follow(y, xp, device), follow(sample_weight, xp, device)
        X, y, tasks, sample_weight = indexable(X, y, tasks, sample_weight)
        alphas = self._grid(base, X, y, tasks, sample_weight)
        if self.cv is None:
            if self._base not in _LEAVE_ONE_OUT:
                raise ValueError(
                    f"cv=None (exact leave-one-out) applies to the quadratic regressors "
                    f"{sorted(c.__name__ + 'CV' for c in _LEAVE_ONE_OUT)}; "
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
        model.fit(X, y, tasks=tasks, sample_weight=sample_weight)
        skipped = set(model.get_params(deep=False))
        for name, value in vars(model).items():
            if name not in skipped:
                setattr(self, name, value)


_LEAVE_ONE_OUT = (SharedParameterRegressor, MeanRegularizedRegressor, GraphRegularizedRegressor)

_COMMON_CV_DOC = """
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of a generated grid.
    cv : int, cross-validation generator, iterable or None, default=5
        An int: that many :class:`~skmtl.model_selection.WithinTaskKFold` folds
        (every task's rows split; for classifiers, each class within each task).  A splitter
        gets the task labels as ``tasks=`` when its ``split`` takes them, else
        as ``groups=``.  {none}
    scoring : str, callable or None, default=None
        None: the estimator's ``score`` ({default_score}).  A name known to
        :func:`~skmtl.model_selection.make_task_scorer` (``"r2"``,
        ``"mean_task_roc_auc"``, ...) or a scorer.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib).
    refit : bool, default=True
        Refit the best alpha on all rows.
"""

_COMMON_CV_ATTRIBUTES = """
    alpha_ : float
        The chosen value of ``{parameter}``.
    alphas_ : array of shape (n_alphas,)
        The grid, decreasing (in the namespace of ``coef_``; NumPy in ``cv_results_``).
    best_score_ : float
        Mean held-out score of ``alpha_``.
    best_index_ : int
        Position of ``alpha_`` in ``alphas_``.
    cv_results_ : dict of ndarrays
        ``alphas``, ``split<k>_test_score``, ``mean_test_score``,
        ``std_test_score`` and ``rank_test_score``, one entry per alpha (as in
        ``GridSearchCV``); the first best alpha in grid order wins ties.
    coef_, intercept_, tasks_, n_iter_, certificate_, ... :
        Those of ``{base}`` refitted with ``alpha_`` (with ``refit=True``).
"""


def _objective(base):
    """The ``.. math::`` block of ``base``'s docstring: its objective."""
    lines = base.__doc__.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == ".. math::")
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].strip() and not lines[i].startswith(" " * 8)), len(lines))
    return "\n".join(lines[start:end]).rstrip()


def _document(cls):
    base = cls._base
    parameter = path_parameter(base())
    loss_kind = "regressor" if base.__name__.endswith("Regressor") else "classifier"
    none = ("``None``: exact leave-one-out over the rows (scored by the negative "
            "mean squared error when ``scoring`` is None)." if base in _LEAVE_ONE_OUT
            else "``None`` is refused (leave-one-out is exact only for the quadratic "
                 "regressors).")
    default_score = "R² of all held-out rows" if loss_kind == "regressor" else "accuracy"
    cls.__doc__ = cls.__doc__.format(
        base=base.__name__, parameter=parameter, name=cls.__name__,
        data="regression" if loss_kind == "regressor" else "classification",
        objective=_objective(base),
        common_cv=_COMMON_CV_DOC.format(none=none, default_score=default_score).strip("\n"),
        attributes=_COMMON_CV_ATTRIBUTES.format(parameter=parameter,
                                                base=base.__name__).strip("\n"),
    )
    cls._parameter_constraints = cls._constraints()
    return cls


_TEMPLATE = """{base} with ``{parameter}`` chosen by cross-validation.

    The objective is that of :class:`~skmtl.{base}`,

{objective}

    where ``{parameter}`` runs over ``alphas`` (see
    :func:`~skmtl.model_selection.regularization_path`) and the other parameters
    are fixed.

    Parameters
    ----------
    alphas : int or array-like, default=30
        Number of values of a geometric grid from the top of the path down to
        ``eps`` times it (:func:`~skmtl.model_selection.alpha_grid`), or the values.
    {own}
{common_cv}

    Other Parameters
    ----------------
    fit_intercept, task_weights, solver, tol, max_iter, task_column, verbose :
        As for :class:`~skmtl.{base}`.

    Attributes
    ----------
{attributes}

    Examples
    --------
    >>> from skmtl import {name}
    >>> from skmtl.datasets import make_multitask_{data}
    >>> X, y, tasks, _ = make_multitask_{data}(n_tasks=3, n_features=5, random_state=0)
    >>> model = {name}(alphas=4, cv=3).fit(X, y, tasks=tasks)
    >>> model.cv_results_["mean_test_score"].shape
    (4,)
"""

_OWN_SHARED = """alpha_shared : float, default=0.1
        Ridge weight of the shared part (fixed)."""
_OWN_L2 = """l2 : float, default=0.0
        Ridge on all coefficients (fixed)."""
_OWN_GRAPH = _OWN_L2 + """
    task_graph : array-like of shape (n_tasks, n_tasks) or None, default=None
        Task graph (fixed); None is the complete graph."""


class _SharedParameterCV(CrossValidatedFamily):
    def __init__(self, alphas=30, alpha_shared=0.1, *, eps=1e-3, cv=5, scoring=None,
                 n_jobs=None, refit=True, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=1000, task_column=None, verbose=0):
        _set_parameters(self, locals())


class _QuadraticCV(CrossValidatedFamily):
    def __init__(self, alphas=30, l2=0.0, *, eps=1e-3, cv=5, scoring=None, n_jobs=None,
                 refit=True, fit_intercept=True, task_weights="uniform", solver="auto",
                 tol=1e-6, max_iter=1000, task_column=None, verbose=0):
        _set_parameters(self, locals())


class _GraphCV(CrossValidatedFamily):
    def __init__(self, alphas=30, l2=0.0, task_graph=None, *, eps=1e-3, cv=5, scoring=None,
                 n_jobs=None, refit=True, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=1000, task_column=None, verbose=0):
        _set_parameters(self, locals())


class _NormCV(CrossValidatedFamily):
    def __init__(self, alphas=30, l2=0.0, *, eps=1e-3, cv=5, scoring=None, n_jobs=None,
                 refit=True, fit_intercept=True, task_weights="uniform", solver="auto",
                 tol=1e-6, max_iter=10000, task_column=None, verbose=0):
        _set_parameters(self, locals())


def _cv_class(name, parameters, base, own):
    """The ``*CV`` class of ``base``, with the constructor of ``parameters``."""
    cls = type(name, (parameters, base), {
        "__doc__": _TEMPLATE.replace("{own}", own),
        "__module__": "skmtl.linear_model._cv",
        "_base": base,
    })
    cls.__qualname__ = name
    return _document(cls)


SharedParameterRegressorCV = _cv_class("SharedParameterRegressorCV", _SharedParameterCV,
                                       SharedParameterRegressor, _OWN_SHARED)
MeanRegularizedRegressorCV = _cv_class("MeanRegularizedRegressorCV", _QuadraticCV,
                                       MeanRegularizedRegressor, _OWN_L2)
GraphRegularizedRegressorCV = _cv_class("GraphRegularizedRegressorCV", _GraphCV,
                                        GraphRegularizedRegressor, _OWN_GRAPH)
TraceNormRegressorCV = _cv_class("TraceNormRegressorCV", _NormCV, TraceNormRegressor, _OWN_L2)
JointFeatureRegressorCV = _cv_class("JointFeatureRegressorCV", _NormCV, JointFeatureRegressor,
                                    _OWN_L2)
SharedParameterClassifierCV = _cv_class("SharedParameterClassifierCV", _SharedParameterCV,
                                        SharedParameterClassifier, _OWN_SHARED)
MeanRegularizedClassifierCV = _cv_class("MeanRegularizedClassifierCV", _QuadraticCV,
                                        MeanRegularizedClassifier, _OWN_L2)
GraphRegularizedClassifierCV = _cv_class("GraphRegularizedClassifierCV", _GraphCV,
                                         GraphRegularizedClassifier, _OWN_GRAPH)
TraceNormClassifierCV = _cv_class("TraceNormClassifierCV", _NormCV, TraceNormClassifier,
                                  _OWN_L2)
JointFeatureClassifierCV = _cv_class("JointFeatureClassifierCV", _NormCV,
                                     JointFeatureClassifier, _OWN_L2)
