r"""The sparse families: per-task lasso, the dirty model and the robust low-rank model.

The lasso is a norm family like the trace and L2,1 norms.  The dirty and
robust models split the coefficients, :math:`W = W_1 + W_2`, with one norm on
each part, minimized jointly: the solvers work on the stacked components
:math:`[W_1 \mid W_2]` (:class:`~skmtl.penalties.sparse.SplitNorm`,
:class:`~skmtl.penalties.sparse.StackedLoss`) and stop on the duality gap of
that problem.
"""

from numbers import Real

from sklearn.utils._array_api import _is_numpy_namespace
from sklearn.utils._param_validation import Interval

from .._array_api import to_numpy
from ..penalties import JointFeatureNorm, TraceNorm
from ..penalties.sparse import L1Norm, SplitNorm, TaskGroupNorm
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._classifiers import _NORM_CONSTRAINTS as _CLASSIFIER_NORM_CONSTRAINTS
from ._families import _NormFamily, _set_common_parameters
from ._regressors import (
    _NORM_CONSTRAINTS,
    _SEPARABLE_CONSTRAINTS,
)

_POSITIVE = [Interval(Real, 0, None, closed="neither")]


# ----------------------------------------------------------------- families
class IndependentLassoFamily(_NormFamily):
    """:math:`\\alpha\\|W\\|_1 + l_2/2 \\|W\\|_F^2`."""

    _family = "lasso"

    def _penalty(self, n_tasks):
        return L1Norm(self.alpha)

    def _after_fit(self, xp):
        self.support_ = self.coef_ != 0


class _SplitFamily:
    """:math:`W = W_1 + W_2` with one norm on each part (the dirty and robust models).

    A family names its two parameters (``_parameters``), its two norms
    (``_norms``) and the fitted attributes of the parts (``_component_names``).
    The solve leaves the parts in ``_split``; ``_after_fit`` publishes them.
    """

    def _penalty(self, n_tasks):
        return SplitNorm(*self._norms())

    def _reference_params(self):
        return {name: getattr(self, name) for name in self._parameters}

    def _start_of_first(self, coef, xp):
        """The previous fit's first part with ``warm_start`` (same shape), else zeros."""
        previous = getattr(self, self._component_names[0], None)
        if self.warm_start and previous is not None and tuple(previous.shape) == tuple(
            coef.shape
        ):
            return xp.asarray(previous, dtype=coef.dtype, device=coef.device)
        return xp.zeros_like(coef)

    def _keep_reference_solution(self, result):
        self._split = result["components"]

    def _first_part(self, like, xp):
        """The stored first part, in the namespace, dtype and device of ``like``."""
        return xp.asarray(self._split[0], dtype=like.dtype, device=like.device)

    def _after_fit(self, xp):
        first = self._first_part(self.coef_, xp)
        second = xp.asarray(self._split[1], dtype=first.dtype, device=first.device)
        del self._split
        setattr(self, self._component_names[0], first)
        setattr(self, self._component_names[1], second)
        self._describe_parts(first, second, xp)

    def _describe_parts(self, first, second, xp):
        """More fitted attributes from the two parts (hook)."""


class DirtyFamily(_SplitFamily):
    """:math:`W = P + Q`, :math:`\\alpha_s\\sum_j \\|P_{:,j}\\|_2 + \\alpha_t\\|Q\\|_1`."""

    _family = "dirty"
    _parameters = ("alpha_shared", "alpha_task")
    _component_names = ("joint_coef_", "task_coef_")
    _family_constraints = {"alpha_shared": _POSITIVE, "alpha_task": _POSITIVE}

    def __init__(self, alpha_shared=0.1, alpha_task=0.08, *, fit_intercept=True,
                 task_weights="uniform", solver="auto", tol=1e-6, max_iter=10000,
                 warm_start=False, task_column=None, verbose=0):
        self.alpha_shared = alpha_shared
        self.alpha_task = alpha_task
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column, verbose=verbose)

    def _norms(self):
        return JointFeatureNorm(self.alpha_shared), L1Norm(self.alpha_task)

    def _describe_parts(self, first, second, xp):
        self.support_ = self.coef_ != 0


class RobustLowRankFamily(_SplitFamily):
    """:math:`W = L + S`, :math:`\\alpha_l\\|L\\|_* + \\alpha_o\\sum_t \\|S_{t,:}\\|_2`."""

    _family = "robust"
    _parameters = ("alpha_lowrank", "alpha_outlier")
    _component_names = ("lowrank_coef_", "outlier_coef_")
    _family_constraints = {"alpha_lowrank": _POSITIVE, "alpha_outlier": _POSITIVE}

    def __init__(self, alpha_lowrank=0.1, alpha_outlier=0.08, *, fit_intercept=True,
                 task_weights="uniform", solver="auto", tol=1e-6, max_iter=10000,
                 warm_start=False, task_column=None, verbose=0):
        self.alpha_lowrank = alpha_lowrank
        self.alpha_outlier = alpha_outlier
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column, verbose=verbose)

    def _norms(self):
        return TraceNorm(self.alpha_lowrank), TaskGroupNorm(self.alpha_outlier)

    def _describe_parts(self, first, second, xp):
        singular = xp.linalg.svdvals(first)
        largest = float(xp.max(singular)) if singular.shape[0] else 0.0
        self.rank_ = int(xp.count_nonzero(singular > 1e-10 * largest)) if largest > 0 else 0
        outliers = to_numpy(xp.linalg.vector_norm(second, axis=1) > 0, xp)
        labels = self._task_labels[outliers]
        # numeric labels follow the data's namespace, like ``tasks_``
        if labels.dtype.kind in "iuf" and not _is_numpy_namespace(xp):
            labels = xp.asarray(labels, device=second.device)
        self.outlier_tasks_ = labels


# ---------------------------------------------------------- split solvers
class _SplitParts:
    """A split penalty's solve starts from the previous first part and keeps the two
    parts (:mod:`skmtl.solvers.squared`, :mod:`skmtl.solvers.logistic`)."""

    def _warm_first_part(self, start, xp):
        return self._start_of_first(start, xp)

    def _solved_first_part(self, coef, xp):
        return self._first_part(coef, xp)

    def _keep_parts(self, parts):
        self._split = parts


# -------------------------------------------------------------- estimators


class IndependentLassoRegressor(IndependentLassoFamily, MultiTaskLinearRegressor):
    r"""Per-task lasso / elastic net: the sparse single-task baseline.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \alpha\|W\|_1 + \frac{l_2}{2}\|W\|_F^2,

    :math:`\|W\|_1 = \sum_{t,j} |W_{tj}|`.  The penalty does not couple the
    tasks: :math:`w_t` is the fit of task t alone with :math:`\alpha/\tau_t` and
    :math:`l_2/\tau_t`, scikit-learn's
    ``ElasticNet(alpha=(alpha + l2)/tau_t, l1_ratio=alpha/(alpha + l2))`` on its
    rows and sample weights (``Lasso(alpha=alpha/tau_t)`` when ``l2=0``): the
    baseline that the coupled families are measured against.

    Parameters
    ----------
    alpha : float, default=0.1
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'cd', 'admm', 'fista', 'cvxpy'}, default='auto'
        ``'cd'`` is working-set block coordinate descent (one exact update per
        feature column, so the scaling of the features does not slow it; gap-safe
        screening; Anderson extrapolation), compiled with numba, NumPy input only.
        ``'admm'`` alternates exact per-task solves on the sufficient statistics with
        the prox of the norm; ``'fista'`` is accelerated proximal gradient with
        adaptive restart. All stop on the duality gap. ``'auto'`` is ``'cd'`` on NumPy
        and, on other array namespaces, FISTA continued by ADMM after 200 iterations
        when per-task statistics are formed. ``alpha=0`` is solved in closed form.
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
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    support_ : array of shape (n_tasks, n_features)
        Boolean mask of the non-zero entries of ``coef_``.
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
    >>> from skmtl import IndependentLassoRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=4, structure='sparse',
    ...                                            n_informative=3, noise=0.1, random_state=0)
    >>> model = IndependentLassoRegressor(alpha=0.05).fit(X, y, tasks=tasks)
    >>> model.support_.sum(axis=1).tolist()
    [3, 3, 3, 3]
    """

    _parameter_constraints = {**_SEPARABLE_CONSTRAINTS,
                              **IndependentLassoFamily._family_constraints}


class IndependentLassoClassifier(IndependentLassoFamily, MultiTaskLinearClassifier):
    r"""Per-task L1 (elastic-net) logistic regression: the sparse single-task baseline.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \alpha\|W\|_1 + \frac{l_2}{2}\|W\|_F^2.

    With one task and ``l2=0`` it is scikit-learn's ``LogisticRegression`` with
    an L1 penalty and :math:`C = 1/(S\alpha)` (S the sum of the sample weights).

    Parameters
    ----------
    alpha : float, default=0.1
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'proximal_newton', 'fista', 'cvxpy'}, default='auto'
        ``'proximal_newton'`` minimizes, at each step, the norm plus the second-order
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
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    support_ : array of shape (n_tasks, n_features)
        Boolean mask of the non-zero entries of ``coef_``.
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
    >>> from skmtl import IndependentLassoClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = IndependentLassoClassifier(alpha=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        **_CLASSIFIER_NORM_CONSTRAINTS, **IndependentLassoFamily._family_constraints,
    }




class DirtyRegressor(DirtyFamily, _SplitParts, MultiTaskLinearRegressor):
    r"""Dirty multi-task regression: jointly selected features plus task-specific ones.

    The coefficients are a part shared in support, P, plus an elementwise
    sparse part, Q (Jalali, Ravikumar, Sanghavi & Ruan 2010):

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top (p_t + q_t) - b_t)^2}{2}
            + \alpha_{shared}\sum_j \|P_{:,j}\|_2 + \alpha_{task}\|Q\|_1,

    minimized jointly over P and Q; ``coef_`` is :math:`W = P + Q`.  A feature
    that most tasks use enters P, one that few tasks use enters Q.

    Both parts are used only when
    :math:`\alpha_{task} < \alpha_{shared} < \sqrt T \alpha_{task}`: with
    :math:`\alpha_{task} \ge \alpha_{shared}` the model is the L2,1 model of
    ``JointFeatureRegressor`` with :math:`\alpha = \alpha_{shared}`, with
    :math:`\alpha_{shared} \ge \sqrt T \alpha_{task}` the per-task lasso
    ``IndependentLassoRegressor`` with :math:`\alpha = \alpha_{task}`,
    since the dual ball of one norm then lies inside the other's.

    Jalali et al. (2010) and MALSAR penalize the shared part with the
    :math:`\ell_{1,\infty}` norm :math:`\sum_j \max_t |P_{tj}|`; the
    :math:`\ell_{2,1}` norm used here selects features jointly across tasks
    just as well, and has an exact, cheap prox (group soft-thresholding) and a
    dual ball in closed form, hence an exact duality gap.  It is the group
    structure of ``JointFeatureRegressor`` and of scikit-learn's
    ``MultiTaskLasso``.  There is no ridge term: its duality gap would need the
    distance to the intersection of the two dual balls, which has no closed
    form.

    Parameters
    ----------
    alpha_shared : float, default=0.1
        :math:`\alpha_{shared} > 0`, the weight of the group norm on P.
    alpha_task : float, default=0.08
        :math:`\alpha_{task} > 0`, the weight of the L1 norm on Q.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'cd', 'admm', 'fista', 'cvxpy'}, default='auto'
        ``'cd'`` is working-set block coordinate descent on the two parts, each
        feature column of each part a block (exact updates, gap-safe screening,
        Anderson extrapolation), NumPy input only; ``'auto'`` takes it on NumPy.
        ``'admm'`` and ``'fista'`` work on the stacked parts (the loss of their sum). ``'admm'``
        alternates exact per-task solves on the sufficient statistics with the
        prox of the two norms; ``'fista'`` is accelerated proximal gradient with
        adaptive restart. Both stop on the duality gap. Elsewhere ``'auto'`` runs ADMM with
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
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    joint_coef_ : array of shape (n_tasks, n_features)
        P, whose non-zero columns are the features used by every task.
    task_coef_ : array of shape (n_tasks, n_features)
        Q, the task-specific entries.
    support_ : array of shape (n_tasks, n_features)
        Boolean mask of the non-zero entries of ``coef_``.
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
    >>> from skmtl import DirtyRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=4, structure='sparse',
    ...                                            n_informative=3, random_state=0)
    >>> model = DirtyRegressor(alpha_shared=0.3, alpha_task=0.3).fit(X, y, tasks=tasks)
    >>> int((model.joint_coef_ != 0).any(axis=0).sum())
    3
    """

    _parameter_constraints = {**_SEPARABLE_CONSTRAINTS, **DirtyFamily._family_constraints}


class DirtyClassifier(DirtyFamily, _SplitParts, MultiTaskLinearClassifier):
    r"""Dirty multi-task logistic regression: jointly selected plus task-specific features.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top (p_t + q_t) + b_t)})
            + \alpha_{shared}\sum_j \|P_{:,j}\|_2 + \alpha_{task}\|Q\|_1,

    minimized jointly over P and Q (Jalali et al. 2010); ``coef_`` is
    :math:`W = P + Q`.

    Both parts are used only when
    :math:`\alpha_{task} < \alpha_{shared} < \sqrt T \alpha_{task}`: with
    :math:`\alpha_{task} \ge \alpha_{shared}` the model is the L2,1 model of
    ``JointFeatureRegressor`` with :math:`\alpha = \alpha_{shared}`, with
    :math:`\alpha_{shared} \ge \sqrt T \alpha_{task}` the per-task lasso
    ``IndependentLassoRegressor`` with :math:`\alpha = \alpha_{task}`,
    since the dual ball of one norm then lies inside the other's.

    Jalali et al. (2010) and MALSAR penalize the shared part with the
    :math:`\ell_{1,\infty}` norm :math:`\sum_j \max_t |P_{tj}|`; the
    :math:`\ell_{2,1}` norm used here selects features jointly across tasks
    just as well, and has an exact, cheap prox (group soft-thresholding) and a
    dual ball in closed form, hence an exact duality gap.  It is the group
    structure of ``JointFeatureRegressor`` and of scikit-learn's
    ``MultiTaskLasso``.  There is no ridge term: its duality gap would need the
    distance to the intersection of the two dual balls, which has no closed
    form.

    Parameters
    ----------
    alpha_shared : float, default=0.1
        :math:`\alpha_{shared} > 0`, the weight of the group norm on P.
    alpha_task : float, default=0.08
        :math:`\alpha_{task} > 0`, the weight of the L1 norm on Q.
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
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    joint_coef_ : array of shape (n_tasks, n_features)
        P, whose non-zero columns are the features used by every task.
    task_coef_ : array of shape (n_tasks, n_features)
        Q, the task-specific entries.
    support_ : array of shape (n_tasks, n_features)
        Boolean mask of the non-zero entries of ``coef_``.
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
    >>> from skmtl import DirtyClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = DirtyClassifier(alpha_shared=0.01, alpha_task=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**_CLASSIFIER_NORM_CONSTRAINTS,
                              **DirtyFamily._family_constraints}


class RobustLowRankRegressor(RobustLowRankFamily, _SplitParts, MultiTaskLinearRegressor):
    r"""Robust multi-task regression: a shared low-rank structure plus outlier tasks.

    The coefficients are a low-rank part L plus a part S whose non-zero rows are
    the tasks that do not follow the shared structure (Chen, Zhou & Ye 2011):

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top (l_t + s_t) - b_t)^2}{2}
            + \alpha_{lowrank}\|L\|_* + \alpha_{outlier}\sum_t \|S_{t,:}\|_2,

    minimized jointly over L and S; ``coef_`` is :math:`W = L + S`.  Both parts
    are used only when
    :math:`\alpha_{outlier} < \alpha_{lowrank} < \sqrt T \alpha_{outlier}`.
    The dual norms satisfy
    :math:`\max_t \|Z_{t,:}\|_2 \le \|Z\|_2 \le \sqrt T \max_t \|Z_{t,:}\|_2`, so
    with :math:`\alpha_{outlier} \ge \alpha_{lowrank}` the model is the trace-norm
    model, with :math:`\alpha_{lowrank} \ge \sqrt T \alpha_{outlier}` a
    group lasso on each task's coefficients.

    Parameters
    ----------
    alpha_lowrank : float, default=0.1
        :math:`\alpha_{lowrank} > 0`, the weight of the trace norm on L.
    alpha_outlier : float, default=0.08
        :math:`\alpha_{outlier} > 0`, the weight of the row-group norm on S.
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
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    lowrank_coef_ : array of shape (n_tasks, n_features)
        L.
    outlier_coef_ : array of shape (n_tasks, n_features)
        S; its non-zero rows are the outlier tasks.
    outlier_tasks_ : ndarray of shape (n_outliers,)
        Labels of the tasks whose row of S is non-zero.
    rank_ : int
        Number of singular values of L above 1e-10 times the largest.
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
    >>> from skmtl import RobustLowRankRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=5, structure='lowrank', rank=1,
    ...                                            noise=0.1, random_state=0)
    >>> model = RobustLowRankRegressor(alpha_lowrank=0.2, alpha_outlier=0.16)
    >>> model.fit(X, y, tasks=tasks).rank_
    1
    >>> model.outlier_tasks_.tolist()
    []
    """

    _parameter_constraints = {**_NORM_CONSTRAINTS, **RobustLowRankFamily._family_constraints}


