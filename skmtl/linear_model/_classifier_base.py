"""Logistic-loss base of the linear multi-task classifiers.

Labels are mapped to :math:`\\pm 1` (``classes_[1]`` is +1), the loss of
:mod:`skmtl.losses.logistic` is built on the rows, and the family's penalty acts
on the feature columns of :math:`\\Theta = [W \\mid b]`.  Quadratic penalties
give a smooth objective, solved by Newton's method or by accelerated
gradient; the trace and L2,1 norms by accelerated proximal gradient with
backtracking.
"""

import warnings

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._array_api import _is_numpy_namespace
from sklearn.utils.multiclass import check_classification_targets

from .._array_api import device_of, get_namespace_and_device, to_numpy
from .._dask import dask_predict, is_dask_collection
from .._dask_logistic import DaskClassification, LogisticSetup
from .._scoring import accuracy_of_observed
from ..losses import PenalizedLogistic, logistic_loss, sigmoid
from ..penalties import OnFeatures, QuadraticPenalty
from ..solvers.logistic import logistic_problem
from ._base import MultiTaskLinearModel


class MultiTaskLinearClassifier(ClassifierMixin, MultiTaskLinearModel):
    """Logistic-loss base of the linear multi-task classifiers (not public)."""

    __metadata_request__decision_function = {"tasks": True}
    __metadata_request__predict_proba = {"tasks": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------------ labels
    def _encode_labels(self, y, X, xp):
        """Set ``classes_`` (the two labels of all tasks) and return y as +-1 in X's dtype."""
        labels = to_numpy(y, xp)
        check_classification_targets(labels)
        classes = np.unique(labels)
        if classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of two classes; y holds one class "
                f"only: {classes.tolist()}."
            )
        if classes.size > 2:
            raise ValueError(
                "Only binary classification is supported. "
                f"{type(self).__name__} needs two labels shared by all tasks; y holds "
                f"{classes.size} classes {classes.tolist()[:10]}. For more classes wrap it in "
                "sklearn.multiclass.OneVsRestClassifier."
            )
        self.classes_ = classes
        if classes.dtype.kind in "iuf" and not _is_numpy_namespace(xp):
            self.classes_ = xp.asarray(classes, device=device_of(X))
        signs = np.where(labels == classes[1], 1.0, -1.0)
        return xp.asarray(signs, dtype=X.dtype, device=device_of(X))

    # --------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data; with ``task_column`` set, one column holds the task labels.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Class labels, two values shared by all tasks.  A 2-D ``y`` without
            task labels is the shared design: column t is task t on the same rows
            (NaN in a float matrix: a label not observed).
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
        self.__dict__.pop("n_passes_", None)
        if is_dask_collection(X):
            return self._fit_dask(X, y, tasks, sample_weight)
        X, y, labels, sample_weight, xp = self._validate_fit_input(
            X, y, tasks, sample_weight, y_numeric=False
        )
        signs = self._encode_labels(y, X, xp)
        task_index, task_scale = self._assign_tasks(X, signs, labels, sample_weight, xp)
        self._set_tasks_attribute(X, xp)
        n_tasks = len(self._task_labels)
        if task_index is None and signs.ndim == 1:
            signs = signs[:, None]
        loss, single_class, start, x_offset = logistic_loss(
            X, signs, sample_weight, task_index, n_tasks, task_scale, self.fit_intercept, xp
        )

        def reference():
            return self._reference_theta(
                X, signs, task_index, sample_weight, task_scale, x_offset, xp)

        return self._fit_loss(loss, single_class, start, x_offset, xp, reference)

    def _fit_dask(self, X, y, tasks, sample_weight):
        """Fit on dask data: the solver's every step is a pass over the chunks
        (:mod:`skmtl._dask_logistic`); ``n_passes_`` counts them."""
        if self.solver == "cvxpy":
            raise ValueError("solver='cvxpy' solves from rows in memory; on dask input use "
                             "another solver.")
        data = DaskClassification(X, y, tasks, sample_weight, self.task_column)
        setup = self._dask_setup(data, data.totals)
        loss = data.loss(setup, self.fit_intercept, solver=self.solver)
        self._fit_loss(loss, setup.single_class, setup.start, setup.x_offset, np, None)
        self.n_passes_ = data.n_passes + loss.n_passes
        return self

    def _dask_setup(self, data, totals):
        """Set the classes, tasks and features of dask ``data``; the setup of the loss of
        the rows whose ClassTotals are ``totals``."""
        n_features = totals.x_sum.shape[1]
        self._encode_labels(data.classes, np.empty(0), np)
        self._task_label_list = totals.labels.tolist()
        self._shared_design_ndim = (2 if data.shared_design else 1) if data.unlabelled else None
        self.n_features_in_ = n_features
        self.__dict__.pop("feature_names_in_", None)
        if data.feature_names is not None:
            self.feature_names_in_ = data.feature_names
        self._set_tasks_attribute(np.empty((0, n_features)), np)
        task_scale = self._task_scale(totals.weight, np, np.empty(0))
        return LogisticSetup.of(totals, self.classes_, task_scale, self.fit_intercept)

    def _fit_loss(self, loss, single_class, start, x_offset, xp, reference):
        """Solve for the coefficients on ``loss`` (rows in memory or dask chunks) and set
        the fitted attributes; ``reference()`` gives the cvxpy solution."""
        n_tasks, n_features = len(self._task_labels), start.shape[1] - int(self.fit_intercept)
        penalty = self._effective_penalty(n_tasks, start[:, :n_features], xp)
        smooth_penalty = penalty if isinstance(penalty, QuadraticPenalty) else (
            QuadraticPenalty(rank_one=(self._ridge(), 0.0)))
        objective = PenalizedLogistic(loss, OnFeatures(smooth_penalty, n_features))
        problem = logistic_problem(objective, penalty, self._ridge(), start, n_features,
                                   self.fit_intercept)
        self._certificate_name = problem.name
        if self.solver == "cvxpy":
            theta = reference()
            self.n_iter_ = 1
            self.certificate_ = problem.certify(
                theta, self._solved_first_part(theta[:, :n_features], xp))
        else:
            theta = self._initial_theta(start, x_offset, n_features, xp)
            fit = problem.solve(theta, self.solver, self.tol, self.max_iter,
                                self._warm_first_part(theta[:, :n_features], xp))
            theta, self.n_iter_, self.certificate_ = fit.theta, fit.n_iter, fit.certificate
            self._keep_parts(fit.parts)
        self._warn_if_unsolved(objective, penalty, theta, single_class, n_tasks, xp)
        self.coef_ = theta[:, :n_features]
        self.intercept_ = self._intercepts(theta, x_offset, single_class, n_features, xp)
        self._after_fit(xp)
        if self.verbose:
            print(
                f"{type(self).__name__}: {n_tasks} tasks, {n_features} features, "
                f"{self.n_iter_} iterations, {self._certificate_name} {self.certificate_:.3g}"
            )
        return self

    def _data_term_at_zero(self, X, y, tasks=None, sample_weight=None):
        """Gradient in W of the loss at W = 0 with the best intercepts, and a Lipschitz
        constant of it, as NumPy (T, d) and float (for regularization paths)."""
        X, y, labels, sample_weight, xp = self._validate_fit_input(
            X, y, tasks, sample_weight, y_numeric=False
        )
        signs = self._encode_labels(y, X, xp)
        task_index, task_scale = self._assign_tasks(X, signs, labels, sample_weight, xp)
        if task_index is None and signs.ndim == 1:
            signs = signs[:, None]
        loss, _, start, _ = logistic_loss(
            X, signs, sample_weight, task_index, len(self._task_labels), task_scale,
            self.fit_intercept, xp,
        )
        gradient = loss.value_and_gradient(start)[1][:, :X.shape[1]]
        return to_numpy(gradient, xp), float(loss.lipschitz())

    def _initial_theta(self, start, x_offset, n_features, xp):
        """W = 0 and the best intercepts for it, or the previous fit with ``warm_start``.

        Intercepts are those of the centred rows (see ``logistic_loss``).
        """
        previous = getattr(self, "coef_", None)
        if not self.warm_start or previous is None or tuple(previous.shape) != (
            start.shape[0], n_features
        ):
            return start
        coef = xp.asarray(previous, dtype=start.dtype, device=start.device)
        if start.shape[1] == n_features:
            return coef
        intercept = xp.asarray(self.intercept_, dtype=start.dtype, device=start.device)
        intercept = xp.where(xp.isfinite(intercept), intercept, start[:, -1])
        intercept = intercept + xp.sum(x_offset * coef, axis=1)
        return xp.concat([coef, intercept[:, None]], axis=1)

    def _reference_theta(self, X, signs, task_index, sample_weight, task_scale, x_offset, xp):
        """The cvxpy solution as theta on the centred rows."""
        coef, intercept = self._solve_reference(
            X, signs, task_index, sample_weight, task_scale, xp, loss="logistic"
        )
        columns = [coef]
        if self.fit_intercept:
            intercept = np.where(np.isfinite(intercept), intercept, 0.0)
            intercept = intercept + np.sum(to_numpy(x_offset, xp) * coef, axis=1)
            columns.append(intercept[:, None])
        return xp.asarray(np.concatenate(columns, axis=1), dtype=X.dtype, device=device_of(X))

    def _intercepts(self, theta, x_offset, single_class, n_features, xp):
        """Per-task intercepts of the original rows; +-inf for a one-class task."""
        if not self.fit_intercept:
            return xp.zeros(theta.shape[0], dtype=theta.dtype, device=theta.device)
        finite = theta[:, n_features] - xp.sum(x_offset * theta[:, :n_features], axis=1)
        infinite = np.where(single_class > 0, np.inf, np.where(single_class < 0, -np.inf, 0.0))
        infinite = xp.asarray(infinite, dtype=theta.dtype, device=theta.device)
        return xp.where(infinite == 0, finite, infinite)

    def _warn_if_unsolved(self, objective, penalty, theta, single_class, n_tasks, xp):
        """ConvergenceWarning when the certificate misses tol or the minimum may not exist."""
        if self.solver == "cvxpy":
            return
        name = type(self).__name__
        if self.certificate_ > self.tol:
            warnings.warn(
                f"{name} did not converge: the {self._certificate_name} {self.certificate_:.3g} "
                f"is above tol={self.tol:g} after {self.n_iter_} iterations. Increase max_iter, "
                "or scale the features.",
                ConvergenceWarning,
                stacklevel=4,
            )
        if not isinstance(penalty, QuadraticPenalty):
            return
        smallest, largest = penalty.eigenvalue_range(n_tasks, xp)
        if smallest > 0:
            return
        separated = objective.loss.separated_tasks(theta) & (single_class == 0)
        two_class = single_class == 0
        if (largest == 0 and separated.any()) or (two_class.any() and separated[two_class].all()):
            tasks = self._task_labels[separated].tolist()[:10]
            warnings.warn(
                f"{name}: the training rows of task(s) {tasks} are linearly separated and the "
                "penalty does not bound every direction of the coefficients, so the minimum "
                "may not exist: coef_ then grows with max_iter and tol instead of converging. "
                "Set l2 > 0 (or alpha_shared > 0 and alpha_task > 0).",
                ConvergenceWarning,
                stacklevel=4,
            )

    # ------------------------------------------------------------------ decide
    def decision_function(self, X, tasks=None):
        """Signed margin :math:`x^\\top w_t + b_t` of each row (positive: ``classes_[1]``).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row (see ``predict``).

        Returns
        -------
        decision : array of shape (n_samples,) or (n_samples, n_tasks)
            For a dask array or DataFrame ``X``, a lazy dask collection computed block
            by block.
        """
        if is_dask_collection(X):
            return dask_predict(self, X, tasks, "decision_function")
        return self._decision(X, tasks, "decision_function")

    def _population_output(self, decision):
        return self._labels_of(decision)

    def _labels_of(self, decision):
        xp = self._namespace_of(decision)
        positive = xp.astype(decision > 0, xp.int64)
        if isinstance(self.classes_, np.ndarray):
            return self.classes_[to_numpy(positive, xp)]
        return xp.reshape(xp.take(self.classes_, xp.reshape(positive, (-1,))), positive.shape)

    @staticmethod
    def _namespace_of(array):
        return get_namespace_and_device(array)[0]

    def predict(self, X, tasks=None):
        """Predict the class of each row with the model of its task.

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
            Labels from ``classes_``; one column per task for a model fitted on a
            shared design with 2-D ``y`` and called without task labels.  For a dask
            ``X``, a lazy dask collection.
        """
        if is_dask_collection(X):
            return dask_predict(self, X, tasks)
        return self._labels_of(self._decision(X, tasks, "predict"))

    def predict_proba(self, X, tasks=None):
        """Logistic probabilities :math:`\\sigma(x^\\top w_t + b_t)` of ``classes_[1]``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        tasks : array-like of shape (n_samples,), default=None

        Returns
        -------
        proba : array of shape (n_samples, 2) or (n_samples, n_tasks)
            Columns ``classes_`` order for one output per row; for the shared
            design with 2-D ``y``, the probability of ``classes_[1]`` per task.  For a
            dask ``X``, a lazy dask collection.
        """
        if is_dask_collection(X):
            return dask_predict(self, X, tasks, "predict_proba")
        decision = self._decision(X, tasks, "predict_proba")
        xp = self._namespace_of(decision)
        probability = sigmoid(decision, xp)
        if decision.ndim == 2:
            return probability
        return xp.stack([1.0 - probability, probability], axis=1)

    def score(self, X, y, tasks=None, sample_weight=None):
        """Accuracy of the predictions (subset accuracy for a 2-D ``y``).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        tasks : array-like of shape (n_samples,), default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        return accuracy_of_observed(y, self.predict(X, tasks=tasks), sample_weight)
