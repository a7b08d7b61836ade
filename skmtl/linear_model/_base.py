"""What every linear multi-task model shares, and the squared-loss regressor base.

A family mixin (:mod:`._families`) names the family (``_family``, the name the
cvxpy reference knows) and implements ``_penalty(n_tasks)`` and
``_reference_params()``; :class:`MultiTaskLinearModel` turns the three task
conventions into task labels and weights and computes the linear decision of
each row; :class:`MultiTaskLinearRegressor` builds the squared loss, picks and
runs the solver, fits intercepts, predicts, scores and reports the certificate.
"""

import warnings
from typing import NamedTuple

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._array_api import _is_numpy_namespace
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._array_api import (
    device_of,
    get_namespace_and_device,
    to_numpy,
)
from .._dask import dask_predict, dask_statistics, is_dask_collection
from .._scoring import r2_of_observed
from .._sparse import SPARSE_FORMATS, is_sparse, reject_dispatch, row_dot
from .._task_model import MultiTaskModel, has_missing, validate_rows
from .._tasks import resolve_task_weights, split_task_column
from ..losses import GramSquaredLoss, routed_loss, shared_design_loss
from ..penalties import QuadraticPenalty
from ..solvers.coordinate_descent import has_coordinate_blocks
from ..solvers.squared import certify, solve_squared
from ..statistics import TaskStatistics


class MultiTaskLinearModel(MultiTaskModel):
    """The linear decision shared by regressors and classifiers."""

    _family = None

    def _after_fit(self, xp):
        """Family-specific fitted attributes (hook)."""

    def _keep_reference_solution(self, result):
        """Keep what ``_after_fit`` needs from the cvxpy reference's result dict (hook)."""

    # -------------------------------------------------------- solver helpers
    def _penalty(self, n_tasks):
        """The family's penalty: a QuadraticPenalty or a norm with a prox (subclasses)."""
        raise NotImplementedError

    def _warm_first_part(self, start, xp):
        """A split penalty's first part to start from (hook; None: zeros)."""

    def _solved_first_part(self, coef, xp):
        """A split penalty's first part of the solution ``coef`` (hook)."""

    def _keep_parts(self, parts):
        """Keep a split penalty's two parts for ``_after_fit`` (hook)."""

    def _ridge(self):
        """The weight l2 of a ridge term l2/2·||W||² beside a non-quadratic penalty:
        0 unless the family has one (a quadratic coupling holds its own)."""
        return 0.0

    def _effective_penalty(self, n_tasks, coef, xp):
        """The family's penalty on the namespace of the data.

        A norm penalty with ``alpha = 0`` leaves the ridge ``l2/2·||W||²``, which is
        solved in closed form whatever the solver.
        """
        penalty = self._penalty(n_tasks)
        # a penalty without a strength attribute (one written by a user) never vanishes
        if not isinstance(penalty, QuadraticPenalty) and getattr(penalty, "alpha", None) == 0:
            penalty = QuadraticPenalty(rank_one=(self._ridge(), 0.0))
        if isinstance(penalty, QuadraticPenalty):
            penalty = penalty.on(xp, coef.dtype, coef.device)
        return penalty

    def _solve_reference(self, X, y, task_index, sample_weight, task_scale, xp, loss="squared"):
        """Coefficients and intercepts (NumPy) from the cvxpy reference, in sample form."""
        from ..solvers.reference_cvxpy import solve_reference

        # the reference is for small problems: it takes a sparse X dense
        X_np = X.toarray() if is_sparse(X) else to_numpy(X, xp)
        y_np = to_numpy(y, xp)
        weights = to_numpy(sample_weight, xp)
        n_tasks = len(self._task_labels)
        if task_index is None:
            Y = y_np if y_np.ndim == 2 else y_np[:, None]
            task_index = np.repeat(np.arange(n_tasks), X_np.shape[0])
            X_np = np.tile(X_np, (n_tasks, 1))
            y_np = Y.T.reshape(-1)
            weights = np.tile(weights, n_tasks)
        result = solve_reference(
            self._family,
            X_np,
            y_np,
            task_index,
            n_tasks,
            self._reference_params(),
            sample_weight=weights,
            task_scale=to_numpy(task_scale, xp),
            fit_intercept=self.fit_intercept,
            loss=loss,
        )
        self._keep_reference_solution(result)
        return result["coef"], result["intercept"]

    # ---------------------------------------------------------------- decide
    def _decision(self, X, tasks, method):
        """:math:`x_i^\\top w_{t(i)} + b_{t(i)}` per row, or one column per task (shared).

        Rows of tasks not seen in ``fit`` get the population model's decision when
        ``unseen_tasks='population'``.
        """
        check_is_fitted(self)
        X, labels = self._split_input(X, tasks)
        X, xp = self._validated_features(X, method)
        row_task = self._row_task_index(labels, X.shape[0], self.unseen_tasks)
        device = device_of(X)
        coef = xp.asarray(self.coef_, device=device)
        intercept = xp.asarray(self.intercept_, device=device)
        if row_task is None:
            prediction = X @ xp.matrix_transpose(coef) + intercept
            return prediction if self._shared_design_ndim == 2 else prediction[:, 0]
        unseen = row_task < 0
        known = np.where(unseen, 0, row_task)
        if is_sparse(X):
            decision = row_dot(X, coef, known) + intercept[known]
        else:
            index = xp.asarray(known, device=device)
            decision = xp.sum(X * xp.take(coef, index, axis=0), axis=1) + xp.take(
                intercept, index)
        if not np.any(unseen):
            return decision
        population = self._population_decision(X, xp)
        return xp.where(xp.asarray(unseen, device=device), population, decision)

    def _population_coef(self):
        """w of the population model: the mean task (hook)."""
        return get_namespace_and_device(self.coef_)[0].mean(self.coef_, axis=0)

    def _population_decision(self, X, xp):
        """:math:`x^\\top w_{pop} + \\bar b` for every row, the mean over the finite
        intercepts (a one-class task's is infinite)."""
        coef = xp.asarray(self._population_coef(), device=device_of(X))
        intercept = xp.asarray(self.intercept_, device=device_of(X))
        finite = xp.isfinite(intercept)
        mean = xp.sum(xp.where(finite, intercept, 0.0)) / max(int(xp.count_nonzero(finite)), 1)
        return X @ coef + mean

    def predict_population(self, X):
        """Predict every row with the population model, whatever its task.

        The population model is the mean task, :math:`\\bar w` (the shared component
        :math:`w_0` for the shared-parameter family), with the mean intercept; it
        serves the rows of tasks not seen in ``fit`` (``unseen_tasks='population'``).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Samples; with ``task_column`` set, including the task column (ignored).

        Returns
        -------
        y_pred : array of shape (n_samples,)
            Predictions (regressors) or class labels (classifiers).
        """
        check_is_fitted(self)
        if self.task_column is not None:
            X, _ = split_task_column(X, self.task_column)
        X, xp = self._validated_features(X, "predict_population")
        return self._population_output(self._population_decision(X, xp))

    def _population_output(self, decision):
        """What ``predict_population`` returns for a population decision (hook)."""
        return decision


class PreparedFit(NamedTuple):
    """Validated data, their squared loss and centring offsets (see ``_prepare_fit``)."""

    X: object
    y: object
    sample_weight: object
    xp: object
    loss: object
    x_offset: object
    y_offset: object
    task_scale: object
    routed: object


class MultiTaskLinearRegressor(RegressorMixin, MultiTaskLinearModel):
    """Squared-loss base of the linear multi-task regressors (not public)."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data; with ``task_column`` set, one column holds the task labels.
            A dask array or DataFrame is not loaded: dask computes the per-task
            statistics (:class:`~skmtl.statistics.TaskStatistics`) in one pass over
            its chunks, and the model is fitted from them (``y``, ``tasks`` and
            ``sample_weight`` then dask collections with the same rows, or arrays).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets.  A 2-D ``y`` without task labels is the shared design: column
            t is task t on the same rows (NaN: a response not observed).
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row (routed convention).  Not allowed together
            with ``task_column``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; each task's loss is its weighted mean.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self.__dict__.pop("statistics_", None)
        if is_dask_collection(X):
            return self._fit_dask(X, y, tasks, sample_weight)
        return self._fit_prepared(self._prepare_fit(X, y, tasks, sample_weight))

    def _fit_dask(self, X, y, tasks, sample_weight):
        """Statistics computed by dask in one pass over the chunks, then a local solve."""
        statistics, names, shared = dask_statistics(X, y, tasks, sample_weight,
                                                    self.task_column)
        self.n_features_in_ = statistics.n_features
        self.__dict__.pop("feature_names_in_", None)
        if names is not None:
            self.feature_names_in_ = names
        return self._fit_statistics(statistics, shared)

    #: Whether the estimator fits one model from statistics (not a cross-validation).
    _fits_from_statistics = True

    @available_if(lambda self: self._fits_from_statistics)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, tasks=None, sample_weight=None):
        """Add a batch of rows to the per-task statistics and refit from all rows seen.

        The statistics (:class:`~skmtl.statistics.TaskStatistics`, ``statistics_``)
        of the batches merge exactly, so after the last batch the model is the
        one :meth:`fit` gives on all rows, up to rounding; each call solves from
        the statistics, at a cost independent of the number of rows.  NumPy input;
        the batches must keep one convention (labelled rows, or the shared design
        with the same tasks).  :meth:`fit` starts afresh.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        tasks : array-like of shape (n_samples,), default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        first = not hasattr(self, "statistics_")
        X, labels = self._split_input(X, tasks)
        reject_dispatch(X)
        X, y = validate_rows(self, X, y, labels is None and has_missing(y), reset=first,
                             dtype=[np.float64, np.float32], accept_sparse=SPARSE_FORMATS)
        X, y = (X if is_sparse(X) else to_numpy(X)), to_numpy(y)
        shared = None if labels is not None else y.ndim
        batch = TaskStatistics.from_rows(X, y, labels, sample_weight)
        if not first:
            if shared != self._shared_design_ndim or (
                    shared == 2 and batch.n_tasks != self.statistics_.n_tasks):
                raise ValueError(
                    "partial_fit batches must keep one task convention: labelled rows, or "
                    "a shared-design y with the same number of tasks."
                )
            batch = self.statistics_.merge(batch)
        return self._fit_statistics(batch, shared)

    @available_if(lambda self: self._fits_from_statistics)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit_statistics(self, statistics):
        """Fit from per-task sufficient statistics instead of rows.

        Parameters
        ----------
        statistics : TaskStatistics
            Statistics of the training rows (:meth:`TaskStatistics.from_rows`,
            merged from batches or from the chunks of a dask array).  Their tasks
            are labelled rows: ``predict`` needs ``tasks=``.

        Returns
        -------
        self : object
        """
        if not isinstance(statistics, TaskStatistics):
            raise TypeError(
                f"fit_statistics takes a TaskStatistics, got {type(statistics).__name__}.")
        self.__dict__.pop("feature_names_in_", None)
        self.n_features_in_ = statistics.n_features
        return self._fit_statistics(statistics, None)

    def _fit_statistics(self, statistics, shared_design_ndim):
        """Build the squared loss from ``statistics`` and solve (NumPy, float64)."""
        return self._fit_prepared(self._prepare_statistics(statistics, shared_design_ndim))

    def _prepare_statistics(self, statistics, shared_design_ndim):
        """The squared loss of ``statistics`` as prepared data (see :meth:`_prepare_fit`);
        sets the fitted task labels and ``statistics_``."""
        if self.solver == "cvxpy":
            raise ValueError(
                "solver='cvxpy' solves from the rows and cannot fit from statistics; "
                "use another solver."
            )
        self._task_label_list = statistics.labels.tolist()
        self._shared_design_ndim = shared_design_ndim
        self._check_task_weights(statistics.weight)
        totals = statistics.weight
        task_scale = resolve_task_weights(self.task_weights, totals, self._task_labels)
        n_features = statistics.n_features
        if self.fit_intercept:
            gram, linear = statistics.gram, statistics.linear
            target_square = statistics.target_square
            x_offset, y_offset = statistics.x_mean, statistics.y_mean
        else:
            gram, linear, target_square = statistics.uncentred()
            x_offset = np.zeros((statistics.n_tasks, n_features))
            y_offset = np.zeros(statistics.n_tasks)
        loss = GramSquaredLoss(gram / totals[:, None, None], linear / totals[:, None],
                               target_square / totals, task_scale, np)
        rows = np.empty((0, n_features))
        self._set_tasks_attribute(rows, np)
        self.statistics_ = statistics
        return PreparedFit(rows, None, None, np, loss, x_offset, y_offset, task_scale, None)

    def _prepare_fit(self, X, y, tasks=None, sample_weight=None):
        """Validate the data and build the squared loss: what fits at other alphas reuse.

        Sets the fitted task labels and ``n_features_in_``; a regularization path
        calls it once and :meth:`_fit_prepared` at every alpha.
        """
        X, y, labels, sample_weight, xp = self._validate_fit_input(X, y, tasks, sample_weight)
        loss, x_offset, y_offset, task_scale, routed = self._squared_loss(
            X, y, labels, sample_weight, xp
        )
        self._set_tasks_attribute(X, xp)
        return PreparedFit(X, y, sample_weight, xp, loss, x_offset, y_offset, task_scale, routed)

    def _fit_prepared(self, data):
        """Solve for the current parameters on prepared data (see :meth:`_prepare_fit`)."""
        X, y, sample_weight, xp, loss, x_offset, y_offset, task_scale, routed = data
        n_features = X.shape[1]
        n_tasks = len(self._task_labels)
        coef = self._initial_coef(n_tasks, n_features, X, xp)
        penalty = self._effective_penalty(n_tasks, coef, xp)
        if self.solver == "cvxpy":
            coef, _ = self._solve_reference(X, y, routed, sample_weight, task_scale, xp)
            coef = xp.asarray(coef, dtype=X.dtype, device=device_of(X))
            self.n_iter_ = 1
            self.certificate_, self._certificate_name = certify(
                loss, penalty, self._ridge(), coef, xp, self._solved_first_part(coef, xp))
        else:
            coef = self._solve(loss, penalty, coef, xp)
        if self.solver != "cvxpy" and self.certificate_ > self.tol:
            warnings.warn(
                f"{type(self).__name__} did not converge: the {self._certificate_name} "
                f"{self.certificate_:.3g} is above tol={self.tol:g} after {self.n_iter_} "
                "iterations. Increase max_iter, or scale the features.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.coef_ = coef
        self.intercept_ = y_offset - xp.sum(x_offset * coef, axis=1)
        self._after_fit(xp)
        if self.verbose:
            print(
                f"{type(self).__name__}: {n_tasks} tasks, {n_features} features, "
                f"{self.n_iter_} iterations, {self._certificate_name} {self.certificate_:.3g}"
            )
        return self

    def _data_term_at_zero(self, X, y, tasks=None, sample_weight=None):
        """Gradient in W of the loss at W = 0 with the best intercepts, and its Lipschitz
        constant, as NumPy (T, d) and float (for regularization paths)."""
        X, y, labels, sample_weight, xp = self._validate_fit_input(X, y, tasks, sample_weight)
        loss = self._squared_loss(X, y, labels, sample_weight, xp)[0]
        zeros = xp.zeros((len(self._task_labels), X.shape[1]), dtype=X.dtype, device=device_of(X))
        return to_numpy(loss.gradient(zeros), xp), float(loss.lipschitz())

    def _squared_loss(self, X, y, labels, sample_weight, xp):
        """Loss object, centring offsets, task scale and row task index (None if shared)."""
        task_index, task_scale = self._assign_tasks(X, y, labels, sample_weight, xp)
        if task_index is None:
            Y = y if y.ndim == 2 else y[:, None]
            separable = self.solver in ("auto", "cd") and _is_numpy_namespace(xp) and (
                has_coordinate_blocks(self._penalty(Y.shape[1])))
            loss, x_offset, y_offset = shared_design_loss(
                X, Y, sample_weight, task_scale, self.fit_intercept, xp, separable=separable
            )
            return loss, x_offset, y_offset, task_scale, None
        loss, x_offset, y_offset = routed_loss(
            X, y, sample_weight, task_index, len(self._task_label_list), task_scale,
            self.fit_intercept, xp,
        )
        return loss, x_offset, y_offset, task_scale, task_index

    def _initial_coef(self, n_tasks, n_features, X, xp):
        previous = getattr(self, "coef_", None)
        if self.warm_start and previous is not None and tuple(previous.shape) == (
            n_tasks,
            n_features,
        ):
            return xp.asarray(previous, dtype=X.dtype, device=device_of(X))
        return xp.zeros((n_tasks, n_features), dtype=X.dtype, device=device_of(X))

    def _solve(self, loss, penalty, start, xp):
        """:func:`~skmtl.solvers.squared.solve_squared` from ``start``, warm when
        ``warm_start`` is set and the previous ``coef_`` has the shape of ``start``.

        Keeps what the next warm fit reuses: ADMM's state, and the start of this
        fit (two warm fits in a row, a regularization path, let the solver
        extrapolate the path).
        """
        warm = self.warm_start and getattr(self, "coef_", None) is not None and tuple(
            self.coef_.shape) == tuple(start.shape)
        fit = solve_squared(
            loss, penalty, self._ridge(), start, solver=self.solver, tol=self.tol,
            max_iter=self.max_iter, xp=xp, warm=warm,
            admm_state=getattr(self, "_admm_state", None) if warm else None,
            previous_start=getattr(self, "_previous_start", None) if warm else None,
            first_part=self._warm_first_part(start, xp),
        )
        self._admm_state = fit.admm_state
        self._previous_start = fit.start if warm else None
        self.n_iter_, self.certificate_ = fit.n_iter, fit.certificate
        self._certificate_name = fit.certificate_name
        self._keep_parts(fit.parts)
        return fit.coef


    # --------------------------------------------------------------- predict
    def predict(self, X, tasks=None):
        """Predict with the model of each row's task.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Samples; with ``task_column`` set, including the task column.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row.  Required when the model was fitted on
            several tasks given by labels; labels not seen in ``fit`` raise a
            ``ValueError`` unless ``unseen_tasks='population'``.

        Returns
        -------
        y_pred : array of shape (n_samples,) or (n_samples, n_tasks)
            Per-row predictions, or one column per task for a model fitted on
            a shared design with 2-D ``y`` and called without task labels.  For
            a dask array or DataFrame ``X``, a lazy dask collection computed block
            by block.
        """
        if is_dask_collection(X):
            return dask_predict(self, X, tasks)
        return self._decision(X, tasks, "predict")

    def score(self, X, y, tasks=None, sample_weight=None):
        """Coefficient of determination R² of the predictions.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        tasks : array-like of shape (n_samples,), default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
            ``r2_score`` over all rows (uniform average over the columns of a 2-D y).
        """
        return r2_of_observed(y, self.predict(X, tasks=tasks), sample_weight)
