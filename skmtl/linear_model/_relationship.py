r"""Multi-task relationship learning (MTRL, Zhang & Yeung 2010): regressor and classifier.

The penalty learns a task covariance :math:`\Sigma` with W; minimizing over
:math:`\Sigma` in closed form leaves the squared nuclear norm
(:mod:`skmtl.penalties.relationship`), which the norm-penalized solvers handle
through its prox and its conjugate.
"""

from array_api_compat import array_namespace
from sklearn.utils.validation import check_is_fitted

from ..penalties.relationship import (
    SquaredTraceNorm,
    covariance_factors,
    task_correlation,
    task_covariance,
)
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._families import _NON_NEGATIVE, _set_common_parameters, with_solvers


class TaskRelationshipFamily:
    r""":math:`\tfrac\alpha2\|W\|_*^2 + \tfrac{l_2}2\|W\|_F^2`: MTRL minimized over Σ."""

    _family = "relationship"
    _family_constraints = {"alpha": _NON_NEGATIVE, "l2": _NON_NEGATIVE}

    def __init__(self, alpha=1.0, l2=0.1, *, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=10000, warm_start=False, task_column=None,
                 unseen_tasks="raise", verbose=0):
        self.alpha = alpha
        self.l2 = l2
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _penalty(self, n_tasks):
        return SquaredTraceNorm(self.alpha)

    def _ridge(self):
        return self.l2

    def _reference_params(self):
        return {"alpha": self.alpha, "l2": self.l2}

    def _after_fit(self, xp):
        # Σ is T x T; only its factors are kept, so that many tasks cost no T² memory
        # unless Σ is asked for.
        self._covariance_vectors_, self._covariance_singular_ = covariance_factors(
            self.coef_, xp)

    @property
    def task_covariance_(self):
        check_is_fitted(self)
        xp = array_namespace(self._covariance_vectors_)
        return task_covariance(self._covariance_vectors_, self._covariance_singular_, xp)

    @property
    def task_correlation_(self):
        covariance = self.task_covariance_
        return task_correlation(covariance, array_namespace(covariance))







class TaskRelationshipRegressor(TaskRelationshipFamily, MultiTaskLinearRegressor):
    r"""Multi-task regression learning a task covariance (MTRL, Zhang & Yeung 2010).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \frac{l_2}{2}\|W\|_F^2
            + \min_{\Sigma \succeq 0,\ \operatorname{tr}\Sigma = 1}
              \frac{\alpha}{2}\operatorname{tr}(W^\top\Sigma^{-1}W).

    :math:`\Sigma` (T×T) models how the tasks covary: positively correlated tasks
    get similar coefficients, negatively correlated ones opposite coefficients.

    The minimum over :math:`\Sigma` is reached at
    :math:`\Sigma = (WW^\top)^{1/2} / \operatorname{tr}(WW^\top)^{1/2}` and equals
    :math:`\tfrac\alpha2\|W\|_*^2`: with :math:`M = (WW^\top)^{1/2}`, Cauchy–Schwarz gives
    :math:`\|W\|_*^2 = \operatorname{tr}(\Sigma^{1/2}\Sigma^{-1/2}M)^2 \le
    \operatorname{tr}\Sigma\,\operatorname{tr}(M\Sigma^{-1}M) =
    \operatorname{tr}(W^\top\Sigma^{-1}W)`, with equality for :math:`\Sigma \propto M`.
    So F is exactly :math:`f(W, b) + \tfrac\alpha2\|W\|_*^2 + \tfrac{l_2}2\|W\|_F^2`, a
    convex problem in W alone, solved to a duality gap; ``task_covariance_`` is the
    minimizing :math:`\Sigma` of the solution.  The alternation between W and
    :math:`\Sigma` of the original method needs :math:`\Sigma + \epsilon I` to keep
    :math:`\Sigma^{-1}` finite, which perturbs the objective and converges slowly;
    this reformulation needs no :math:`\epsilon`.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`, weight of the task-relationship term.  ``alpha=0`` fits the
        tasks independently, each with the ridge ``l2``.
    l2 : float, default=0.1
        :math:`l_2 \ge 0`, ridge on all coefficients.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'admm', 'fista', 'cvxpy'}, default='auto'
        ``'admm'`` alternates exact per-task solves on the sufficient statistics with
        the prox of the squared trace norm; ``'fista'`` is accelerated proximal
        gradient with adaptive restart. Both stop on the duality gap. ``'auto'``
        runs FISTA and, when per-task statistics are formed and it has not
        converged within 200 iterations, continues with ADMM. ``alpha=0`` is
        solved in closed form.
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default=10000
        Largest number of iterations of the iterative solvers.
    warm_start : bool, default=False
        Start the iterative solvers from the previous ``coef_``.
    task_column : str or int, default=None
        Column of ``X`` holding the task labels (a name for DataFrames, an integer
        position for any input).  That column is not a feature; ``fit``, ``predict``
        and ``score`` read the labels from it.
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    task_covariance_ : array of shape (n_tasks, n_tasks)
        The learned task covariance
        :math:`\Sigma = (WW^\top)^{1/2} / \operatorname{tr}(WW^\top)^{1/2}`
        (:math:`I/T` when W = 0), in ``tasks_`` order.  Built on access from the
        singular vectors of ``coef_`` (a fit stores O(T·d), not T², numbers).
    task_correlation_ : array of shape (n_tasks, n_tasks)
        :math:`\Sigma_{st}/\sqrt{\Sigma_{ss}\Sigma_{tt}}`, 1 on the diagonal and 0
        for a task whose variance is 0; built on access like ``task_covariance_``.
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t` (zeros when ``fit_intercept=False``).
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels (``0..T-1`` for the columns of a shared-design ``y``).
    n_iter_ : int
        Iterations of the solver: FISTA or ADMM steps, coordinate-descent epochs
        (passes over a working set), conjugate-gradient steps,
        or for a direct solve the conjugate-gradient steps that polish it (at
        least 1).
    certificate_ : float
        Optimality certificate of the returned solution, measured whatever the
        solver: the duality gap divided by the objective at W = 0 (intercepts minimized out).
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import TaskRelationshipRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> model = TaskRelationshipRegressor(alpha=0.1).fit(X, y, tasks=tasks)
    >>> model.task_covariance_.shape
    (3, 3)
    >>> round(float(np.trace(model.task_covariance_)), 6)
    1.0
    """

    _parameter_constraints = {
        **with_solvers("auto", "admm", "fista", "cvxpy"),
        **TaskRelationshipFamily._family_constraints,
    }


class TaskRelationshipClassifier(TaskRelationshipFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression learning a task covariance (MTRL, Zhang & Yeung 2010).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \frac{l_2}{2}\|W\|_F^2
            + \min_{\Sigma \succeq 0,\ \operatorname{tr}\Sigma = 1}
              \frac{\alpha}{2}\operatorname{tr}(W^\top\Sigma^{-1}W).

    The minimum over :math:`\Sigma` is reached at
    :math:`\Sigma = (WW^\top)^{1/2} / \operatorname{tr}(WW^\top)^{1/2}` and equals
    :math:`\tfrac\alpha2\|W\|_*^2`: with :math:`M = (WW^\top)^{1/2}`, Cauchy–Schwarz gives
    :math:`\|W\|_*^2 = \operatorname{tr}(\Sigma^{1/2}\Sigma^{-1/2}M)^2 \le
    \operatorname{tr}\Sigma\,\operatorname{tr}(M\Sigma^{-1}M) =
    \operatorname{tr}(W^\top\Sigma^{-1}W)`, with equality for :math:`\Sigma \propto M`.
    So F is exactly :math:`f(W, b) + \tfrac\alpha2\|W\|_*^2 + \tfrac{l_2}2\|W\|_F^2`, a
    convex problem in W alone, solved to a duality gap; ``task_covariance_`` is the
    minimizing :math:`\Sigma` of the solution.  The alternation between W and
    :math:`\Sigma` of the original method needs :math:`\Sigma + \epsilon I` to keep
    :math:`\Sigma^{-1}` finite, which perturbs the objective and converges slowly;
    this reformulation needs no :math:`\epsilon`.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`, weight of the task-relationship term.  ``alpha=0`` fits the
        tasks independently, each with the ridge ``l2``.
    l2 : float, default=0.1
        :math:`l_2 \ge 0`, ridge on all coefficients.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'proximal_newton', 'fista', 'cvxpy'}, default='auto'
        ``'proximal_newton'`` minimizes, at each step, the penalty plus the second-order
        model of the loss (a squared loss on per-task statistics, solved by the
        regressors' FISTA/ADMM), then backtracks along the step; ``'fista'`` is
        accelerated proximal gradient with backtracking and adaptive restart.
        Both stop on the duality gap. ``'auto'`` is ``'proximal_newton'``. With
        ``alpha=0`` the objective is smooth and ``'auto'`` uses Newton's method.
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default=10000
        Largest number of iterations of the iterative solvers.
    warm_start : bool, default=False
        Start the iterative solvers from the previous ``coef_``.
    task_column : str or int, default=None
        Column of ``X`` holding the task labels (a name for DataFrames, an integer
        position for any input).  That column is not a feature; ``fit``, ``predict``
        and ``score`` read the labels from it.
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    task_covariance_ : array of shape (n_tasks, n_tasks)
        The learned task covariance
        :math:`\Sigma = (WW^\top)^{1/2} / \operatorname{tr}(WW^\top)^{1/2}`
        (:math:`I/T` when W = 0), in ``tasks_`` order.  Built on access from the
        singular vectors of ``coef_`` (a fit stores O(T·d), not T², numbers).
    task_correlation_ : array of shape (n_tasks, n_tasks)
        :math:`\Sigma_{st}/\sqrt{\Sigma_{ss}\Sigma_{tt}}`, 1 on the diagonal and 0
        for a task whose variance is 0; built on access like ``task_covariance_``.
    classes_ : ndarray of shape (2,)
        The two class labels, shared by all tasks; ``classes_[1]`` is the positive class.
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t` (zeros when ``fit_intercept=False``).  A task whose training rows
        hold a single class has :math:`b_t = +\infty` or :math:`-\infty`: its loss
        reaches its infimum 0 only in that limit, so it predicts that class with
        probability exactly 1, and its :math:`w_t` is set by the penalty alone.
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels (``0..T-1`` for the columns of a shared-design ``y``).
    n_passes_ : int
        Passes over the chunks of a fit on dask input: one that totals the tasks
        and classes, then one per point where the solver evaluates the loss (its
        gradient and Hessian blocks come with it) and one per duality gap.  Only
        set by fits on dask input.
    n_iter_ : int
        Iterations of the solver (Newton steps, or accelerated gradient steps).
    certificate_ : float
        Optimality certificate of the returned solution, measured whatever the
        solver: the duality gap divided by the objective at W = 0 with the best intercepts for it.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import TaskRelationshipClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = TaskRelationshipClassifier(alpha=0.1).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    >>> model.task_correlation_.shape
    (3, 3)
    """

    _parameter_constraints = {
        **with_solvers("auto", "proximal_newton", "fista", "cvxpy"),
        **TaskRelationshipFamily._family_constraints,
    }




