r"""The dirty family (Jalali, Ravikumar, Sanghavi & Ruan 2010): jointly selected
features plus task-specific ones.

:math:`W = P + Q` with :math:`\alpha_{shared}\sum_j \|P_{:,j}\|_2 + \alpha_{task}\|Q\|_1`,
minimized jointly over the two parts; a regressor (squared loss) and a classifier
(logistic loss).  There is no ``*CV``: the model has two strengths, and a path
varies only one of them (search both with ``GridSearchCV``).
"""

from ..penalties import JointFeatureNorm
from ..penalties.sparse import L1Norm
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._families import _POSITIVE, _set_common_parameters, _SplitFamily, _SplitParts, with_solvers


class DirtyFamily(_SplitFamily):
    """:math:`W = P + Q`, :math:`\\alpha_s\\sum_j \\|P_{:,j}\\|_2 + \\alpha_t\\|Q\\|_1`."""

    _family = "dirty"
    _parameters = ("alpha_shared", "alpha_task")
    _component_names = ("joint_coef_", "task_coef_")
    _family_constraints = {"alpha_shared": _POSITIVE, "alpha_task": _POSITIVE}

    def __init__(self, alpha_shared=0.1, alpha_task=0.08, *, fit_intercept=True,
                 task_weights="uniform", solver="auto", tol=1e-6, max_iter=10000,
                 warm_start=False, task_column=None, unseen_tasks="raise", verbose=0):
        self.alpha_shared = alpha_shared
        self.alpha_task = alpha_task
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _norms(self):
        return JointFeatureNorm(self.alpha_shared), L1Norm(self.alpha_task)

    def _describe_parts(self, first, second, xp):
        self.support_ = self.coef_ != 0


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
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
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

    _parameter_constraints = {**with_solvers("auto", "cd", "admm", "fista", "cvxpy"),
                              **DirtyFamily._family_constraints}


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
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
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
    >>> from skmtl import DirtyClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = DirtyClassifier(alpha_shared=0.01, alpha_task=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**with_solvers("auto", "proximal_newton", "fista", "cvxpy"),
                              **DirtyFamily._family_constraints}
