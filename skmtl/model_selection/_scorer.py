"""Scorers that hand per-sample task labels to the estimator's prediction method.

scikit-learn's built-in scorers call ``estimator.predict(X)`` without any
metadata, so a model selection tool (``GridSearchCV``, ``cross_validate``, ...)
cannot evaluate a multi-task estimator whose predictions need the task label of
every row. The scorers built by :func:`make_task_scorer` request ``tasks`` (and
``sample_weight``) through scikit-learn's metadata routing and forward ``tasks``
to the prediction method.
"""

import inspect
from functools import partial

import numpy as np
from sklearn import get_config
from sklearn.base import is_regressor
from sklearn.metrics import (
    accuracy_score,
    explained_variance_score,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.utils.metadata_routing import MetadataRequest

__all__ = ["make_task_scorer"]

# name -> (score function, greater_is_better, response_method)
_NAMED_METRICS = {
    "r2": (r2_score, True, "predict"),
    "explained_variance": (explained_variance_score, True, "predict"),
    "neg_mean_squared_error": (mean_squared_error, False, "predict"),
    "neg_root_mean_squared_error": (root_mean_squared_error, False, "predict"),
    "neg_mean_absolute_error": (mean_absolute_error, False, "predict"),
    "accuracy": (accuracy_score, True, "predict"),
    "roc_auc": (roc_auc_score, True, ("decision_function", "predict_proba")),
}


def _func_name(func):
    if isinstance(func, partial):
        return repr(func)
    return getattr(func, "__name__", repr(func))


def _accepts_param(func, name, *, via_var_keyword=True):
    """Whether ``func`` can be called with the keyword argument ``name``.

    With ``via_var_keyword=False`` the parameter must be named explicitly; a
    catch-all ``**kwargs`` does not count.
    """
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):  # callables without a signature
        return False
    if name in params and params[name].kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    ):
        return True
    return via_var_keyword and any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _routing_enabled():
    return bool(get_config().get("enable_metadata_routing", False))


class _TaskScorer:
    """Scorer callable ``scorer(estimator, X, y_true, *, tasks=None, sample_weight=None)``.

    Build instances with :func:`make_task_scorer`.

    Notes
    -----
    The metadata requests are held in a plain dictionary and exposed through
    :meth:`get_metadata_routing`, which returns a public
    :class:`sklearn.utils.metadata_routing.MetadataRequest`. This avoids
    subclassing scikit-learn's private ``_MetadataRequester`` mixin: a
    consumer only needs ``get_metadata_routing`` to take part in routing.
    """

    def __init__(self, score_func, sign, kwargs, response_method):
        self._score_func = score_func
        self._sign = sign
        self._kwargs = dict(kwargs)
        self._response_method = response_method
        # Default requests of the ``score`` method: task labels always, sample
        # weights when the metric can take them.
        self._score_request = {"tasks": True}
        if self._accept_sample_weight():
            self._score_request["sample_weight"] = True

    # -- metadata routing -------------------------------------------------

    def _accept_sample_weight(self):
        # Also consulted by scikit-learn's search and multi-metric scoring
        # when metadata routing is disabled.
        return _accepts_param(self._score_func, "sample_weight")

    def get_metadata_routing(self):
        """Get the metadata routing of this scorer.

        Returns
        -------
        routing : MetadataRequest
            The requests of the ``score`` method: by default ``tasks`` is
            requested, and ``sample_weight`` too when the metric accepts it.
        """
        request = MetadataRequest(owner=self)
        for param, alias in self._score_request.items():
            request.score.add_request(param=param, alias=alias)
        return request

    def set_score_request(self, **kwargs):
        """Change which metadata this scorer requests.

        Only available when metadata routing is enabled
        (``sklearn.set_config(enable_metadata_routing=True)``).

        Parameters
        ----------
        **kwargs : dict
            ``param=alias`` pairs with ``alias`` one of ``True`` (requested),
            ``False`` (not requested), ``None`` (error if passed) or a string
            (the name under which the metadata is passed to the caller).
            Parameters not mentioned keep their current request, for example
            ``set_score_request(sample_weight=False)`` keeps ``tasks``
            requested.

        Returns
        -------
        self : object
            The scorer, with updated requests.
        """
        if not _routing_enabled():
            raise RuntimeError(
                "set_score_request is only available when metadata routing is enabled; "
                "enable it with sklearn.set_config(enable_metadata_routing=True)."
            )
        overlap = set(kwargs).intersection(self._kwargs)
        if overlap:
            raise ValueError(
                f"The parameter(s) {sorted(overlap)} were given as fixed keyword arguments "
                "to make_task_scorer; pass them either there or as metadata, not both."
            )
        request = self.get_metadata_routing()
        for param, alias in kwargs.items():
            request.score.add_request(param=param, alias=alias)  # validates `alias`
        self._score_request = dict(request.score.requests)
        return self

    # -- evaluation -------------------------------------------------------

    def _resolve_response_method(self, estimator):
        names = (
            (self._response_method,)
            if isinstance(self._response_method, str)
            else tuple(self._response_method)
        )
        for name in names:
            method = getattr(estimator, name, None)
            if method is not None:
                return name, method
        raise AttributeError(
            f"{type(estimator).__name__} has none of the response method(s) {list(names)} "
            f"needed by {self!r}."
        )

    def _get_pos_label(self):
        if "pos_label" in self._kwargs:
            return self._kwargs["pos_label"]
        try:
            params = inspect.signature(self._score_func).parameters
        except (TypeError, ValueError):
            return None
        if "pos_label" in params:
            default = params["pos_label"].default
            return None if default is inspect.Parameter.empty else default
        return None

    def _binary_response(self, estimator, method_name, y_true, y_pred):
        """Reduce a binary classifier's two-column probabilities to one column.

        Mirrors :func:`sklearn.metrics.make_scorer`: the positive class is
        ``pos_label`` when set (explicitly or as the metric's default) and the
        second class otherwise. Only single-output targets are concerned; a
        2-D ``y_true`` (shared design) passes through untouched.
        """
        if is_regressor(estimator) or not isinstance(y_pred, np.ndarray):
            return y_pred
        if np.ndim(y_true) != 1:
            return y_pred
        classes = getattr(estimator, "classes_", None)
        classes = np.asarray(classes) if classes is not None else None
        binary_classes = classes is not None and classes.ndim == 1 and classes.shape[0] == 2
        pos_label = self._get_pos_label()
        if method_name in ("predict_proba", "predict_log_proba"):
            if y_pred.ndim == 2 and y_pred.shape[1] == 2:
                column = 1
                if binary_classes and pos_label is not None and pos_label in classes:
                    column = int(np.flatnonzero(classes == pos_label)[0])
                return y_pred[:, column]
        elif method_name == "decision_function":
            if (
                y_pred.ndim == 1
                and binary_classes
                and pos_label is not None
                and classes[0] == pos_label
            ):
                return -y_pred
        return y_pred

    def __call__(self, estimator, X, y_true, *, tasks=None, sample_weight=None, **kwargs):
        """Score ``estimator`` on ``X`` against ``y_true``.

        Parameters
        ----------
        estimator : object
            A fitted estimator (or pipeline) with the scorer's response method.
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input rows.
        y_true : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True targets, passed to the metric unchanged.
        tasks : array-like of shape (n_samples,), default=None
            Task label of every row. When given, the prediction method is
            called as ``method(X, tasks=tasks)``; when ``None`` it is called as
            ``method(X)``. If the metric has a ``tasks`` parameter, the labels
            are passed to it as well.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights passed to the metric when given.
        **kwargs : dict
            Further metadata routed to the scorer; passed to the metric.

        Returns
        -------
        score : float
            ``sign * score_func(y_true, y_pred, **kwargs)``.
        """
        method_name, method = self._resolve_response_method(estimator)
        y_pred = method(X) if tasks is None else method(X, tasks=tasks)
        y_pred = self._binary_response(estimator, method_name, y_true, y_pred)

        score_kwargs = {**self._kwargs, **kwargs}
        if sample_weight is not None:
            score_kwargs["sample_weight"] = sample_weight
        if (
            tasks is not None
            and "tasks" not in score_kwargs
            and _accepts_param(self._score_func, "tasks", via_var_keyword=False)
        ):
            # Only metrics that name a ``tasks`` parameter get the labels; a
            # catch-all ``**kwargs`` is not taken as asking for them.
            score_kwargs["tasks"] = tasks
        return self._sign * self._score_func(y_true, y_pred, **score_kwargs)

    # -- display ----------------------------------------------------------

    def __repr__(self):
        sign = "" if self._sign > 0 else ", greater_is_better=False"
        kwargs = "".join(f", {k}={v!r}" for k, v in self._kwargs.items())
        return (
            f"make_task_scorer({_func_name(self._score_func)}{sign}, "
            f"response_method={self._response_method!r}{kwargs})"
        )

    def _routing_repr(self):
        return repr(self)


def _check_response_method(response_method):
    if isinstance(response_method, str):
        return response_method
    if isinstance(response_method, (tuple, list)) and response_method:
        if all(isinstance(name, str) for name in response_method):
            return tuple(response_method)
    raise ValueError(
        "response_method must be a method name (str) or a non-empty tuple of method "
        f"names, got {response_method!r}."
    )


def make_task_scorer(score_func, *, response_method="predict", greater_is_better=True, **kwargs):
    """Make a scorer that passes per-sample task labels to the estimator.

    Like :func:`sklearn.metrics.make_scorer`, but the returned scorer, called
    as ``scorer(estimator, X, y_true, tasks=None, sample_weight=None)``,
    predicts with ``estimator.<response_method>(X, tasks=tasks)`` when task
    labels are given (and with ``estimator.<response_method>(X)`` otherwise),
    then returns ``sign * score_func(y_true, y_pred, **kwargs)``, with
    ``sample_weight=sample_weight`` added when sample weights are given.

    With ``sklearn.set_config(enable_metadata_routing=True)``, pass the scorer
    as ``scoring=`` to ``GridSearchCV``, ``cross_validate``,
    ``cross_val_score``, ...: ``tasks`` (and ``sample_weight``) given to their
    ``fit`` are split along with the rows and routed to the scorer, because the
    scorer requests them by default. Change the requests with
    ``scorer.set_score_request(...)``.

    Without metadata routing, or when the task labels come from the data
    itself (shared design ``y`` of shape (n_samples, n_tasks), or a
    ``task_column`` of ``X``), no labels reach the scorer and it behaves like an
    ordinary scorer.

    Parameters
    ----------
    score_func : callable or str
        Metric with signature ``score_func(y_true, y_pred, **kwargs)``. If it
        has a ``tasks`` parameter, the task labels are passed to it too (for
        example to average a metric over tasks). The following names are also
        accepted, with their sign and response method fixed:

        - ``"r2"``: :func:`~sklearn.metrics.r2_score`;
        - ``"explained_variance"``:
          :func:`~sklearn.metrics.explained_variance_score`;
        - ``"neg_mean_squared_error"``:
          :func:`~sklearn.metrics.mean_squared_error`, negated;
        - ``"neg_root_mean_squared_error"``:
          :func:`~sklearn.metrics.root_mean_squared_error`, negated;
        - ``"neg_mean_absolute_error"``:
          :func:`~sklearn.metrics.mean_absolute_error`, negated;
        - ``"accuracy"``: :func:`~sklearn.metrics.accuracy_score`;
        - ``"roc_auc"``: :func:`~sklearn.metrics.roc_auc_score` on
          ``decision_function``, or ``predict_proba`` when there is none.

    response_method : str or tuple of str, default="predict"
        Name of the estimator method giving ``y_pred``; with a tuple, the first
        method the estimator has is used. For ``predict_proba`` (and
        ``predict_log_proba``) of a binary problem with 1-D ``y_true``, only the
        column of the positive class is kept (``pos_label`` if set, else the
        second class), as :func:`sklearn.metrics.make_scorer` does. Must be
        left at its default when ``score_func`` is a name.
    greater_is_better : bool, default=True
        Whether a higher ``score_func`` is better. If ``False`` the scorer
        returns ``-score_func(...)`` so that higher is always better. Must be
        left at its default when ``score_func`` is a name.
    **kwargs : dict
        Extra keyword arguments passed to ``score_func``.

    Returns
    -------
    scorer : callable
        Scorer object with signature
        ``scorer(estimator, X, y_true, *, tasks=None, sample_weight=None)``,
        with ``get_metadata_routing()`` and ``set_score_request(**requests)``.

    Notes
    -----
    The scorer requests ``tasks`` for its ``score`` method, and
    ``sample_weight`` too when ``score_func`` accepts a ``sample_weight``
    argument. A ``Pipeline`` forwards ``tasks`` from ``predict`` to the step
    that requests it only when metadata routing is enabled.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.metrics import r2_score
    >>> from skmtl.model_selection import make_task_scorer
    >>> scorer = make_task_scorer(r2_score)
    >>> scorer
    make_task_scorer(r2_score, response_method='predict')
    >>> make_task_scorer("neg_mean_squared_error")
    make_task_scorer(mean_squared_error, greater_is_better=False, response_method='predict')
    """
    response_method = _check_response_method(response_method)
    if not isinstance(greater_is_better, (bool, np.bool_)):
        raise TypeError(f"greater_is_better must be a bool, got {greater_is_better!r}.")
    if isinstance(score_func, str):
        if score_func not in _NAMED_METRICS:
            raise ValueError(
                f"Unknown metric name {score_func!r}; known names are "
                f"{sorted(_NAMED_METRICS)}, or pass a callable."
            )
        if response_method != "predict" or not greater_is_better:
            raise ValueError(
                f"The metric name {score_func!r} fixes response_method and "
                "greater_is_better; pass the metric function itself to choose them."
            )
        score_func, greater_is_better, response_method = _NAMED_METRICS[score_func]
    elif not callable(score_func):
        raise TypeError(
            f"score_func must be a callable or a metric name, got {type(score_func).__name__}."
        )
    sign = 1 if greater_is_better else -1
    return _TaskScorer(score_func, sign, kwargs, response_method)
