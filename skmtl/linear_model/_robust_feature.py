r"""The robust multi-task feature learning family (rMTFL; Gong, Ye & Zhang 2012):
features selected jointly by most tasks, and outlier tasks that leave the pattern.

:math:`W = P + Q` with
:math:`\alpha_{shared}\sum_j \|P_{:,j}\|_2 + \alpha_{outlier}\sum_t \|Q_{t,:}\|_2`,
minimized jointly over the two parts; a regressor (squared loss) and a classifier
(logistic loss).  The row groups of Q do not separate over the feature columns, so
there is no coordinate descent: FISTA and ADMM on the stacked parts, proximal Newton
for the classifier.  There is no ``*CV``: the model has two strengths, and a path
varies only one of them (search both with ``GridSearchCV``).
"""

from ..penalties import JointFeatureNorm
from ..penalties.sparse import TaskGroupNorm
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._families import (
    _POSITIVE,
    _set_common_parameters,
    _SplitFamily,
    _SplitParts,
    nonzero_row_labels,
    with_solvers,
)


class RobustFeatureFamily(_SplitFamily):
    """:math:`W = P + Q`, :math:`\\alpha_s\\sum_j \\|P_{:,j}\\|_2
    + \\alpha_o\\sum_t \\|Q_{t,:}\\|_2`."""

    _family = "robust_feature"
    _parameters = ("alpha_shared", "alpha_outlier")
    _component_names = ("joint_coef_", "outlier_coef_")
    _family_constraints = {"alpha_shared": _POSITIVE, "alpha_outlier": _POSITIVE}

    def __init__(self, alpha_shared=0.1, alpha_outlier=0.15, *, fit_intercept=True,
                 task_weights="uniform", solver="auto", tol=1e-6, max_iter=10000,
                 warm_start=False, task_column=None, unseen_tasks="raise", verbose=0):
        self.alpha_shared = alpha_shared
        self.alpha_outlier = alpha_outlier
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _norms(self):
        return JointFeatureNorm(self.alpha_shared), TaskGroupNorm(self.alpha_outlier)

    def _describe_parts(self, first, second, xp):
        self.outlier_tasks_ = nonzero_row_labels(self, second, xp)


class RobustFeatureRegressor(RobustFeatureFamily, _SplitParts, MultiTaskLinearRegressor):
    r"""Robust multi-task feature learning: joint features plus outlier tasks.

    The coefficients are a part P whose non-zero columns are the features the
    tasks select jointly, plus a part Q whose non-zero rows are the outlier tasks
    (rMTFL, Gong, Ye & Zhang 2012):

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top (p_t + q_t) - b_t)^2}{2}
            + \alpha_{shared}\sum_j \|P_{:,j}\|_2 + \alpha_{outlier}\sum_t \|Q_{t,:}\|_2,

    minimized jointly over P and Q; ``coef_`` is :math:`W = P + Q`.

    Both parts are used only when
    :math:`\alpha_{shared}/\sqrt T < \alpha_{outlier} < \sqrt d\,\alpha_{shared}`
    (T tasks, d features).  The dual norms, the largest column norm and the
    largest row norm, satisfy :math:`\max_j \|Z_{:,j}\|_2 \le \sqrt T \max_t \|Z_{t,:}\|_2`
    and :math:`\max_t \|Z_{t,:}\|_2 \le \sqrt d \max_j \|Z_{:,j}\|_2`, so with
    :math:`\alpha_{outlier} \ge \sqrt d\,\alpha_{shared}` the model is the
    L2,1 model of ``JointFeatureRegressor`` with :math:`\alpha = \alpha_{shared}`
    (Q = 0), and with :math:`\alpha_{shared} \ge \sqrt T \alpha_{outlier}` a group
    lasso on each task's coefficients (P = 0), since the dual ball of one norm then
    lies inside the other's.  The defaults are inside the range from 3 features and
    2 tasks on.

    Parameters
    ----------
    alpha_shared : float, default=0.1
        :math:`\alpha_{shared} > 0`, the weight of the group norm on the columns of P.
    alpha_outlier : float, default=0.15
        :math:`\alpha_{outlier} > 0`, the weight of the group norm on the rows of Q.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'admm', 'fista', 'cvxpy'}, default='auto'
        Both work on the stacked parts (the loss of their sum). ``'admm'``
        alternates exact per-task solves on the sufficient statistics with the
        prox of the two norms; ``'fista'`` is accelerated proximal gradient with
        adaptive restart. Both stop on the duality gap. ``'auto'`` runs ADMM with
        Anderson acceleration when per-task statistics are formed, FISTA otherwise.
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
    joint_coef_ : array of shape (n_tasks, n_features)
        P, whose non-zero columns are the features selected jointly.
    outlier_coef_ : array of shape (n_tasks, n_features)
        Q; its non-zero rows are the outlier tasks.
    outlier_tasks_ : ndarray of shape (n_outliers,)
        Labels of the tasks whose row of Q is non-zero.
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t` (zeros when ``fit_intercept=False``).
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels (``0..T-1`` for the columns of a shared-design ``y``).
    n_iter_ : int
        Iterations of the solver: FISTA or ADMM steps.
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
    >>> from skmtl import RobustFeatureRegressor
    >>> rng = np.random.default_rng(0)
    >>> W = np.zeros((5, 6))
    >>> W[:, :2] = 1.0
    >>> W[3] = [0.0, 0.0, 2.0, -2.0, 2.0, -2.0]
    >>> tasks = np.repeat(np.arange(5), 40)
    >>> X = rng.standard_normal((200, 6))
    >>> y = np.einsum("ij,ij->i", X, W[tasks]) + 0.1 * rng.standard_normal(200)
    >>> model = RobustFeatureRegressor(alpha_shared=0.1, alpha_outlier=0.15)
    >>> model.fit(X, y, tasks=tasks).outlier_tasks_.tolist()
    [3]
    >>> np.flatnonzero(np.linalg.norm(model.joint_coef_, axis=0)).tolist()
    [0, 1]
    """

    _parameter_constraints = {**with_solvers("auto", "admm", "fista", "cvxpy"),
                              **RobustFeatureFamily._family_constraints}


class RobustFeatureClassifier(RobustFeatureFamily, _SplitParts, MultiTaskLinearClassifier):
    r"""Robust multi-task feature learning for logistic regression.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top (p_t + q_t) + b_t)})
            + \alpha_{shared}\sum_j \|P_{:,j}\|_2 + \alpha_{outlier}\sum_t \|Q_{t,:}\|_2,

    minimized jointly over P and Q (rMTFL, Gong, Ye & Zhang 2012); ``coef_`` is
    :math:`W = P + Q`, the non-zero columns of P are the features selected
    jointly and the non-zero rows of Q the outlier tasks.

    Both parts are used only when
    :math:`\alpha_{shared}/\sqrt T < \alpha_{outlier} < \sqrt d\,\alpha_{shared}`
    (T tasks, d features).  The dual norms, the largest column norm and the
    largest row norm, satisfy :math:`\max_j \|Z_{:,j}\|_2 \le \sqrt T \max_t \|Z_{t,:}\|_2`
    and :math:`\max_t \|Z_{t,:}\|_2 \le \sqrt d \max_j \|Z_{:,j}\|_2`, so with
    :math:`\alpha_{outlier} \ge \sqrt d\,\alpha_{shared}` the model is the
    L2,1 model of ``JointFeatureRegressor`` with :math:`\alpha = \alpha_{shared}`
    (Q = 0), and with :math:`\alpha_{shared} \ge \sqrt T \alpha_{outlier}` a group
    lasso on each task's coefficients (P = 0), since the dual ball of one norm then
    lies inside the other's.  The defaults are inside the range from 3 features and
    2 tasks on.

    Parameters
    ----------
    alpha_shared : float, default=0.1
        :math:`\alpha_{shared} > 0`, the weight of the group norm on the columns of P.
    alpha_outlier : float, default=0.15
        :math:`\alpha_{outlier} > 0`, the weight of the group norm on the rows of Q.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'proximal_newton', 'fista', 'cvxpy'}, default='auto'
        Both work on the stacked parts (the loss of their sum). ``'proximal_newton'``
        minimizes, at each step, the split norm plus the second-order model of the
        loss (a squared loss on per-task statistics of the stacked parts, solved by
        the regressors' FISTA/ADMM), then backtracks along the step; ``'fista'`` is
        accelerated proximal gradient with backtracking and adaptive restart. Both
        stop on the duality gap. ``'auto'`` is ``'proximal_newton'``.
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
    joint_coef_ : array of shape (n_tasks, n_features)
        P, whose non-zero columns are the features selected jointly.
    outlier_coef_ : array of shape (n_tasks, n_features)
        Q; its non-zero rows are the outlier tasks.
    outlier_tasks_ : ndarray of shape (n_outliers,)
        Labels of the tasks whose row of Q is non-zero.
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
    >>> from skmtl import RobustFeatureClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = RobustFeatureClassifier(alpha_shared=0.01, alpha_outlier=0.015)
    >>> model.fit(X, y, tasks=tasks).predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**with_solvers("auto", "proximal_newton", "fista", "cvxpy"),
                              **RobustFeatureFamily._family_constraints}
