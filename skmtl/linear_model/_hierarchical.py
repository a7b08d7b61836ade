r"""The random-slopes (hierarchical) model, its variances estimated by (restricted)
maximum likelihood from the per-task statistics.

Its posterior mean is the shared-parameter model at the strength the likelihood
chooses: no cross-validation.  The likelihood is :mod:`skmtl.solvers.random_slopes`.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._array_api import device_of, get_namespace_and_device, to_numpy
from .._dask import dask_predict, is_dask_collection
from .._sparse import is_sparse
from .._task_model import TASK_CONSTRAINTS
from .._tasks import resolve_task_weights
from ..solvers.random_slopes import RandomSlopesLikelihood, predictive_variance
from ..statistics import TaskStatistics
from ._base import MultiTaskLinearRegressor


class HierarchicalRegressor(MultiTaskLinearRegressor):
    r"""Random-slopes regression whose shrinkage is estimated by maximum likelihood.

    Task t's rows follow the mixed model

    .. math::

        y_i = b_t + x_i^\top (w_0 + v_t) + e_i, \quad
        v_t \sim N(0, \tau_t^2 I), \quad e_i \sim N(0, \sigma^2),

    with fixed :math:`w_0` and intercepts :math:`b_t`; :math:`\sigma^2` and
    :math:`\tau^2` (one for all tasks, or one per task) maximize the likelihood
    (``'ml'``) or the restricted likelihood (``'reml'``) of the rows, and the
    coefficients are the posterior means.  These minimize, at the estimated
    variances,

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \frac{1}{2}\sum_t \hat\alpha_t \|w_t - w_0\|^2,
        \quad \hat\alpha_t = \frac{\hat\sigma^2 \sum_s \tau_s}{N \hat\tau_t^2},

    jointly over :math:`w_0` (unpenalized), the :math:`w_t` and the :math:`b_t`
    (:math:`N = \sum_i s_i`): with one :math:`\tau^2` this is
    :class:`~skmtl.SharedParameterRegressor` with ``alpha_shared=0`` and
    ``alpha_task`` :math:`= \hat\alpha` (``alpha_``).  The tasks' data terms
    :math:`\tau_t` (``task_weights``) scale the weights of their rows so that they
    total N: with ``'size'`` (the default) every row is one observation.  Sample
    weights are frequency weights (an integer weight counts its row that many
    times, as in scikit-learn).

    The likelihood is computed from the per-task statistics: one
    eigendecomposition of each task's d×d Gram matrix diagonalizes its marginal
    covariance for every ratio :math:`\tau_t^2/\sigma^2`, the fixed effects and
    :math:`\sigma^2` are profiled out in closed form, and each evaluation costs
    O(T d³) whatever the number of rows (:mod:`skmtl.solvers.random_slopes`).

    Parameters
    ----------
    method : {'reml', 'ml'}, default='reml'
        ``'ml'``: maximum likelihood.  ``'reml'``: restricted maximum likelihood,
        restricted on all fixed effects (the T intercepts and :math:`w_0`, as in
        statsmodels' ``MixedLM`` and lme4), whose :math:`\sigma^2` divides by
        :math:`N - T - d` instead of N.
    slope_variance : {'shared', 'per_task'}, default='shared'
        ``'shared'``: one :math:`\tau^2`, found by a one-dimensional search of the
        profile likelihood (to machine precision, by the root of its derivative).
        ``'per_task'``: one :math:`\tau_t^2` per task (L-BFGS-B on the profile
        likelihood and its gradient, from the shared solution), so a task unlike the
        others is shrunk less.
    fit_intercept : bool, default=True
        One fixed intercept per task.
    task_weights : {'size', 'uniform'} or array-like of shape (n_tasks,), default='size'
        :math:`\tau_t` of the data term: ``'size'`` (:math:`\tau_t = S_t/N`) is the
        plain likelihood; ``'uniform'`` gives every task the same total weight; an
        array gives positive :math:`\tau_t` in ``tasks_`` order.
    unseen_tasks : {'raise', 'population'}, default='raise'
        Rows of tasks not seen in ``fit``: an error, or the population prediction
        (:meth:`predict_population`; with ``return_std`` its variance adds that of
        a new task's slopes and intercept).
    tol : float, default=1e-8
        Tolerance of the per-task search (``'per_task'``) on the largest entry of the
        projected gradient of :math:`-\ell/N` in the :math:`\log\tau_t^2`.
    max_iter : int, default=1000
        Largest number of iterations of the searches.
    task_column : str or int, default=None
        Column of ``X`` holding the task labels (a name for DataFrames, an integer
        position for any input).  That column is not a feature; ``fit``, ``predict``
        and ``score`` read the labels from it.

    Attributes
    ----------
    noise_variance_ : float
        :math:`\hat\sigma^2`.
    slope_variance_ : float or ndarray of shape (n_tasks,)
        :math:`\hat\tau^2`, or the :math:`\hat\tau_t^2` with ``'per_task'``.
    coef_ : array of shape (n_tasks, n_features)
        Row t is the posterior mean of :math:`w_0 + v_t` for task ``tasks_[t]``.
    shared_coef_ : array of shape (n_features,)
        :math:`\hat w_0`, the generalized least-squares estimate.
    intercept_ : array of shape (n_tasks,)
        :math:`\hat b_t`, the generalized least-squares estimates (zeros when
        ``fit_intercept=False``).
    alpha_ : float or ndarray of shape (n_tasks,)
        :math:`\hat\alpha` (``inf`` where :math:`\hat\tau^2 = 0`), or the
        :math:`\hat\alpha_t` with ``'per_task'``.
    log_likelihood_ : float
        The maximized (restricted) log-likelihood,
        :math:`\ell = -\tfrac12 [N\log(2\pi\hat\sigma^2) + \sum_t \log\det V_t
        + Q/\hat\sigma^2]` with :math:`V_t` the task's marginal covariance over
        :math:`\sigma^2` and Q the generalized residual sum of squares; for REML
        :math:`N - p` replaces N and :math:`\log\det(F^\top V^{-1} F)` is added, F the
        design of the p fixed effects.  ``inf`` when the fixed effects fit the
        targets exactly (then :math:`\hat\sigma^2 = \hat\tau^2 = 0`).
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels (``0..T-1`` for the columns of a shared-design ``y``).
    n_iter_ : int
        Iterations of the per-task search (1 for ``'shared'``).
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import HierarchicalRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=4, n_features=3, random_state=0)
    >>> model = HierarchicalRegressor(method="ml").fit(X, y, tasks=tasks)
    >>> model.coef_.shape, model.predict(X[:2], tasks=tasks[:2], return_std=True)[1].shape
    ((4, 3), (2,))
    """

    _parameter_constraints = {
        **TASK_CONSTRAINTS,
        "task_weights": [StrOptions({"uniform", "size"}), "array-like"],
        "method": [StrOptions({"ml", "reml"})],
        "slope_variance": [StrOptions({"shared", "per_task"})],
        "unseen_tasks": [StrOptions({"raise", "population"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, method="reml", slope_variance="shared", *, fit_intercept=True,
                 task_weights="size", unseen_tasks="raise", tol=1e-8, max_iter=1000,
                 task_column=None):
        self.method = method
        self.slope_variance = slope_variance
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.unseen_tasks = unseen_tasks
        self.tol = tol
        self.max_iter = max_iter
        self.task_column = task_column

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Estimate the variances and the posterior means.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data; with ``task_column`` set, one column holds the task labels.
            A dask array or DataFrame is not loaded: dask computes the per-task
            statistics in one pass over its chunks.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets.  A 2-D ``y`` without task labels is the shared design.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row (routed convention).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self.__dict__.pop("statistics_", None)
        if is_dask_collection(X):
            return self._fit_dask(X, y, tasks, sample_weight)
        X, y, labels, sample_weight, xp = self._validate_fit_input(X, y, tasks, sample_weight)
        self._assign_tasks(X, y, labels, sample_weight, xp)
        statistics = TaskStatistics.from_rows(to_numpy(X, xp), to_numpy(y, xp), labels,
                                              to_numpy(sample_weight, xp))
        return self._fit_statistics(statistics, self._shared_design_ndim, X)

    def _fit_statistics(self, statistics, shared_design_ndim, like=None):
        """Maximize the likelihood from ``statistics``; fitted arrays follow ``like``."""
        self._task_label_list = statistics.labels.tolist()
        self._shared_design_ndim = shared_design_ndim
        self._check_task_weights(statistics.weight)
        task_scale = resolve_task_weights(self.task_weights, statistics.weight,
                                          self._task_labels)
        if np.any(task_scale <= 0):
            raise ValueError("task_weights must be positive for HierarchicalRegressor: a task "
                             "of weight zero would have no likelihood.")
        total = float(np.sum(statistics.weight))
        # each task's rows weighted so that the data term is tau_t times its mean and all
        # weights total N
        factor = task_scale * total / (statistics.weight * np.sum(task_scale))
        if self.fit_intercept:
            gram, linear, square = statistics.gram, statistics.linear, statistics.target_square
            x_mean, y_mean = statistics.x_mean, statistics.y_mean
        else:
            gram, linear, square = statistics.uncentred()
            x_mean = np.zeros_like(statistics.x_mean)
            y_mean = np.zeros_like(statistics.y_mean)
        likelihood = RandomSlopesLikelihood(
            factor * statistics.weight, x_mean, y_mean, factor[:, None, None] * gram,
            factor[:, None] * linear, factor * square, self.fit_intercept, self.method)
        ratio, n_iter, converged = np.zeros(statistics.n_tasks), 1, True
        if not likelihood.exact_fit():
            ratio, n_iter, converged = likelihood.maximize_shared(self.max_iter)
            if self.slope_variance == "per_task":
                ratio, n_iter, converged = likelihood.maximize_per_task(
                    ratio, self.tol, self.max_iter)
        if not converged:
            warnings.warn(
                f"HierarchicalRegressor did not converge after {n_iter} iterations; "
                "increase max_iter.", ConvergenceWarning, stacklevel=2)
        fit = likelihood.result(ratio, n_iter, converged)
        self._fit = fit
        self.noise_variance_ = float(fit.noise_variance)
        slope = fit.ratio * fit.noise_variance
        self.slope_variance_ = float(slope[0]) if self.slope_variance == "shared" else slope
        with np.errstate(divide="ignore"):
            alpha = np.where(slope > 0, fit.noise_variance * np.sum(task_scale) / (
                total * np.where(slope > 0, slope, 1.0)), np.inf)
        self.alpha_ = float(alpha[0]) if self.slope_variance == "shared" else alpha
        self.log_likelihood_ = float(fit.log_likelihood)
        self.n_iter_ = fit.n_iter
        if like is None:
            like, xp = np.empty((0, statistics.n_features)), np
            self.statistics_ = statistics
        else:
            xp = get_namespace_and_device(like)[0]

        def follow(array):
            return xp.asarray(array, dtype=like.dtype, device=device_of(like))

        self.coef_ = follow(fit.coef)
        self.intercept_ = follow(fit.intercept)
        self.shared_coef_ = follow(fit.shared_coef)
        if self.slope_variance == "per_task":
            self.slope_variance_, self.alpha_ = follow(slope), follow(alpha)
        self._set_tasks_attribute(like, xp)
        return self

    # --------------------------------------------------------------- predict
    def predict(self, X, tasks=None, return_std=False):
        """Posterior predictive mean, and standard deviation, of each row.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Samples; with ``task_column`` set, including the task column.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row.  Labels not seen in ``fit`` raise a
            ``ValueError``, or get the population prediction with
            ``unseen_tasks='population'``.
        return_std : bool, default=False
            Also return the standard deviation of a new observation: the noise,
            plus the posterior uncertainty of the task's intercept, of
            :math:`w_0` and of :math:`v_t` (for an unseen task: of :math:`w_0`,
            plus :math:`\\bar\\tau^2\\|x\\|^2` and the variance of the fitted
            intercepts, :math:`\\bar\\tau^2` the mean slope variance).

        Returns
        -------
        y_pred : array of shape (n_samples,) or (n_samples, n_tasks)
            Posterior means; one column per task for a shared-design fit predicted
            without labels.
        y_std : array of the shape of ``y_pred``
            Returned with ``return_std=True``.
        """
        if is_dask_collection(X) and not return_std:
            return dask_predict(self, X, tasks)
        check_is_fitted(self)
        mean = self._decision(X, tasks, "predict")
        if not return_std:
            return mean
        X, labels = self._split_input(X, tasks)
        X, xp = self._validated_features(X, "predict")
        if is_sparse(X):
            raise ValueError(
                "return_std=True needs a dense X (the predictive variances are quadratic "
                "forms in each row); predict the mean of a sparse X without it.")
        rows = to_numpy(X, xp)
        row_task = self._row_task_index(labels, X.shape[0], self.unseen_tasks)
        if row_task is None:  # a column per task
            std = np.stack([self._variance(t, rows) for t in range(len(self._task_labels))],
                           axis=1) ** 0.5
            if self._shared_design_ndim != 2:
                std = std[:, 0]
        else:
            variance = np.empty(X.shape[0])
            for t in np.unique(row_task):
                chosen = row_task == t
                variance[chosen] = self._variance(int(t), rows[chosen])
            std = variance**0.5
        return mean, xp.asarray(std, dtype=X.dtype, device=device_of(X))

    def _variance(self, task, rows):
        """Predictive variance of ``rows`` (NumPy) for fitted task ``task``, -1: unseen."""
        fit = self._fit
        if task >= 0:
            return predictive_variance(fit, task, rows, self.fit_intercept)
        through_shared = rows @ fit.basis
        shared = np.sum((through_shared @ fit.information_inverse) * through_shared, axis=1)
        intercepts = to_numpy(self.intercept_)
        spread = float(np.var(intercepts, ddof=1)) if intercepts.size > 1 else 0.0
        slope = float(np.mean(fit.ratio)) * fit.noise_variance
        return (fit.noise_variance * (1.0 + shared) + slope * np.sum(rows**2, axis=1)
                + spread)

    def _population_coef(self):
        """:math:`\\hat w_0`, the fixed slopes."""
        return self.shared_coef_
