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
from sklearn.utils.metadata_routing import (
    MetadataRequest,
    MetadataRouter,
    get_routing_for_object,
)

__all__ = ["make_task_scorer", "task_averaged"]


def _func_name(func):
    if isinstance(func, partial):
        return repr(func)
    return getattr(func, "__name__", repr(func))


def _python_scalar(value):
    """``value`` as a Python scalar for messages (``1``, not ``np.int64(1)``)."""
    return value.item() if isinstance(value, np.generic) else value


class _TaskAveraged:
    """Metric ``metric(y_true, y_pred, *, tasks=None, sample_weight=None, **kwargs)``.

    Build instances with :func:`task_averaged`. A class rather than a closure so
    that it pickles, and so that its signature names ``tasks`` (a task-aware
    scorer passes task labels only to metrics that name them).
    """

    def __init__(self, score_func):
        self.score_func = score_func

    def _score_one(self, y_true, y_pred, sample_weight, kwargs, where):
        if sample_weight is not None:
            kwargs = {**kwargs, "sample_weight": sample_weight}
        name = _func_name(self.score_func)
        try:
            value = self.score_func(y_true, y_pred, **kwargs)
        except ValueError as exc:
            raise ValueError(f"{name} could not be computed on {where}: {exc}") from exc
        if not np.all(np.isfinite(np.asarray(value, dtype=float))):
            values = np.unique(np.asarray(y_true))
            detail = (
                f"; y_true there holds the single value {_python_scalar(values[0])!r}"
                if values.size == 1
                else ""
            )
            raise ValueError(
                f"{name} is not defined on {where} ({np.shape(y_true)[0]} rows): it returned "
                f"{value}{detail}. For ROC AUC, every task needs rows of both classes "
                "(split and cross-validate stratified by task and class)."
            )
        return value

    def __call__(self, y_true, y_pred, *, tasks=None, sample_weight=None, **kwargs):
        y_true = np.asarray(y_true)
        y_pred = np.asarray(y_pred)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
        if y_true.shape[0] != y_pred.shape[0]:
            raise ValueError(f"y_true has {y_true.shape[0]} rows but y_pred has {y_pred.shape[0]}.")
        if tasks is None:
            if y_true.ndim != 2:
                raise ValueError(
                    f"{self!r} needs the task label of every row: pass tasks= (with metadata "
                    "routing, a task-aware scorer passes the routed labels), or a 2-D y_true "
                    "with one column per task (shared design)."
                )
            if y_pred.shape != y_true.shape:
                raise ValueError(
                    f"y_true has one column per task, shape {y_true.shape}; y_pred must have "
                    f"the same shape, got {y_pred.shape}."
                )
            scores = [
                self._score_one(
                    y_true[:, column],
                    y_pred[:, column],
                    sample_weight,
                    kwargs,
                    f"task column {column}",
                )
                for column in range(y_true.shape[1])
            ]
        else:
            labels = np.asarray(tasks)
            if labels.ndim != 1 or labels.shape[0] != y_true.shape[0]:
                raise ValueError(
                    f"tasks must be 1-D with one label per row of y_true ({y_true.shape[0]}), "
                    f"got shape {labels.shape}."
                )
            scores = []
            for label in np.unique(labels):
                rows = labels == label
                weights = None if sample_weight is None else sample_weight[rows]
                scores.append(
                    self._score_one(
                        y_true[rows],
                        y_pred[rows],
                        weights,
                        kwargs,
                        f"task {_python_scalar(label)!r}",
                    )
                )
        return float(np.mean(scores))

    def __repr__(self):
        return f"task_averaged({_func_name(self.score_func)})"


def task_averaged(score_func):
    """Average a metric over tasks: compute it on each task's rows, then take the mean.

    Multi-task papers often report the mean over tasks of a per-task metric,
    for example the mean per-task ROC AUC, in which every task counts the same
    whatever its number of rows (unlike the metric of the pooled rows).

    Parameters
    ----------
    score_func : callable
        Metric ``score_func(y_true, y_pred, **kwargs)`` returning a number, such
        as :func:`~sklearn.metrics.roc_auc_score` or
        :func:`~sklearn.metrics.r2_score`.

    Returns
    -------
    metric : callable
        ``metric(y_true, y_pred, *, tasks=None, sample_weight=None, **kwargs)``
        returning the unweighted mean over the sorted task labels of
        ``score_func(y_true[rows], y_pred[rows], **kwargs)``, ``rows`` the rows
        of the task, with ``sample_weight=sample_weight[rows]`` added when
        sample weights are given. Without task labels, ``y_true`` must be 2-D
        with one column per task (shared design) and ``y_pred`` of the same
        shape: the mean is then over columns (with the same sample weights for
        every column). A 1-D ``y_true`` without task labels raises a
        ``ValueError``. Because the metric names a ``tasks`` parameter, a scorer
        built from it by :func:`make_task_scorer` passes it the task labels.

    Raises
    ------
    TypeError
        If ``score_func`` is not callable.

    See Also
    --------
    make_task_scorer : Scorer passing task labels to the estimator and to a
        metric like this one (``make_task_scorer("mean_task_roc_auc")``).

    Notes
    -----
    A task on whose rows ``score_func`` is not defined (it raises a
    ``ValueError`` there, or returns NaN or infinity) makes ``metric`` raise a
    ``ValueError`` naming the task. This is the case of the ROC AUC of a task
    whose rows hold a single class. The task is not skipped: the mean over the
    remaining tasks would be a different metric, not comparable between splits
    or candidates. Split and cross-validate stratified by task and class so
    that every task holds both classes in every part. In ``GridSearchCV``
    the error sets the candidate's score on that fold to ``error_score``
    (NaN by default, with a warning).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import roc_auc_score
    >>> from skmtl.model_selection import task_averaged
    >>> y_true = np.array([0, 1, 1, 0, 0, 1])
    >>> y_score = np.array([0.1, 0.9, 0.2, 0.3, 0.6, 0.4])
    >>> tasks = np.array([0, 0, 0, 1, 1, 1])
    >>> mean_task_auc = task_averaged(roc_auc_score)
    >>> mean_task_auc
    task_averaged(roc_auc_score)
    >>> float(mean_task_auc(y_true, y_score, tasks=tasks))  # (1 + 0.5) / 2
    0.75
    """
    if not callable(score_func):
        raise TypeError(f"score_func must be a callable, got {type(score_func).__name__}.")
    return _TaskAveraged(score_func)


# name -> (score function, greater_is_better, response_method)
_NAMED_METRICS = {
    "r2": (r2_score, True, "predict"),
    "explained_variance": (explained_variance_score, True, "predict"),
    "neg_mean_squared_error": (mean_squared_error, False, "predict"),
    "neg_root_mean_squared_error": (root_mean_squared_error, False, "predict"),
    "neg_mean_absolute_error": (mean_absolute_error, False, "predict"),
    "accuracy": (accuracy_score, True, "predict"),
    "roc_auc": (roc_auc_score, True, ("decision_function", "predict_proba")),
    "mean_task_roc_auc": (
        _TaskAveraged(roc_auc_score),
        True,
        ("decision_function", "predict_proba"),
    ),
}


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


def _method_takes_tasks(estimator, method_name, method):
    """Whether ``estimator.<method_name>`` can be given ``tasks=``.

    A method that names ``tasks``, or takes ``**kwargs`` on a plain estimator, can.
    A meta-estimator (a Pipeline) passes its ``**params`` on by metadata routing:
    only with routing enabled, and only to a step that consumes ``tasks``.
    """
    if not _accepts_param(method, "tasks"):
        return False
    routing = get_routing_for_object(estimator)
    if _accepts_param(method, "tasks", via_var_keyword=False) or not isinstance(
            routing, MetadataRouter):
        return True
    return _routing_enabled() and bool(routing.consumes(method_name, ["tasks"]))


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
            called as ``method(X, tasks=tasks)`` (when the method takes
            ``tasks``); when ``None`` it is called as ``method(X)``. If the
            metric has a ``tasks`` parameter, the labels are passed to it as well.
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
        # A population method (predict_population) predicts without task labels.
        takes_tasks = tasks is not None and _method_takes_tasks(estimator, method_name, method)
        y_pred = method(X, tasks=tasks) if takes_tasks else method(X)
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
          ``decision_function``, or ``predict_proba`` when there is none;
        - ``"mean_task_roc_auc"``: the mean over tasks of the per-task ROC
          AUC, ``task_averaged(roc_auc_score)`` (see :func:`task_averaged`),
          with the response method of ``"roc_auc"``. It needs the task labels
          (routed ``tasks``) or a 2-D ``y_true`` with one column per task.

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
