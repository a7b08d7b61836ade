r"""The five regularized multi-task classifiers (logistic loss).

Each minimizes

.. math::

    F(W, b) = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i \,
              \log\left(1 + e^{-y_i (x_i^\top w_t + b_t)}\right) + \Omega(W)

with :math:`y_i = +1` for ``classes_[1]`` and :math:`-1` for ``classes_[0]``
(:math:`s_i` sample weights, :math:`S_t` their sum over task t, :math:`\tau_t`
from ``task_weights``, :math:`b_t` unpenalized intercepts), with the same
:math:`\Omega` as the regressor of its family.
"""

from ._classifier_base import MultiTaskLinearClassifier
from ._families import (
    GraphRegularizedFamily,
    JointFeatureFamily,
    MeanRegularizedFamily,
    SharedParameterFamily,
    TraceNormFamily,
    with_solvers,
)

_SMOOTH_CONSTRAINTS = with_solvers("auto", "newton", "fista", "cvxpy")
_NORM_CONSTRAINTS = with_solvers("auto", "proximal_newton", "fista", "cvxpy")



class SharedParameterClassifier(SharedParameterFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression with a shared component (Evgeniou & Pontil 2004).

    :math:`w_t = w_0 + v_t` and

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \frac{\alpha_{shared}}{2}\|w_0\|^2
            + \frac{\alpha_{task}}{2}\|V\|_F^2,

    minimized jointly over :math:`w_0` and :math:`V`.

    Parameters
    ----------
    alpha_shared : float, default=0.1
        :math:`\alpha_{shared} \ge 0`, the ridge weight of the shared part.
    alpha_task : float, default=0.1
        :math:`\alpha_{task} \ge 0`, the ridge weight of the task-specific parts.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'newton', 'fista', 'cvxpy'}, default='auto'
        ``'newton'`` is Newton's method: each step solves the Newton system by
        conjugate gradient preconditioned by the per-task Hessian blocks, then
        backtracks until the Armijo condition holds; ``'fista'`` is accelerated
        gradient with backtracking and adaptive restart; ``'auto'`` is ``'newton'``.
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default=1000
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
    shared_coef_ : array of shape (n_features,)
        :math:`w_0 = \alpha_{task}\sum_t w_t / (\alpha_{shared} + T\alpha_{task})`.
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
        solver: the KKT residual :math:`\sqrt{g^\top P g / g_0^\top P g_0}`, g the gradient in (W,
        b), :math:`g_0` the gradient at W = 0 with the best intercepts for it, P the inverse of the
        per-task Hessian blocks there.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import SharedParameterClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = SharedParameterClassifier(alpha_shared=0.1, alpha_task=0.1).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**_SMOOTH_CONSTRAINTS, **SharedParameterFamily._family_constraints}


class MeanRegularizedClassifier(MeanRegularizedFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression pulling every task towards the mean task.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \frac{\alpha}{2}\sum_t \|w_t - \bar w\|^2 + \frac{l_2}{2}\|W\|_F^2,
        \qquad \bar w = \frac1T\sum_t w_t.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`, strength of the pull towards the mean.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`, ridge on all coefficients.  With ``l2=0`` nothing bounds
        the mean model: on data that a common direction separates, the minimum
        does not exist (a ``ConvergenceWarning`` says so).
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'newton', 'fista', 'cvxpy'}, default='auto'
        ``'newton'`` is Newton's method: each step solves the Newton system by
        conjugate gradient preconditioned by the per-task Hessian blocks, then
        backtracks until the Armijo condition holds; ``'fista'`` is accelerated
        gradient with backtracking and adaptive restart; ``'auto'`` is ``'newton'``.
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default=1000
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
    mean_coef_ : array of shape (n_features,)
        :math:`\bar w`.
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
        solver: the KKT residual :math:`\sqrt{g^\top P g / g_0^\top P g_0}`, g the gradient in (W,
        b), :math:`g_0` the gradient at W = 0 with the best intercepts for it, P the inverse of the
        per-task Hessian blocks there.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import MeanRegularizedClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = MeanRegularizedClassifier(alpha=0.1, l2=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**_SMOOTH_CONSTRAINTS, **MeanRegularizedFamily._family_constraints}


class GraphRegularizedClassifier(GraphRegularizedFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression pulling related tasks together along a task graph.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \frac{\alpha}{2}\sum_{s<t} A_{st}\|w_s - w_t\|^2
            + \frac{l_2}{2}\|W\|_F^2.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0` (see ``MeanRegularizedClassifier`` about ``l2=0``).
    task_graph : array-like of shape (n_tasks, n_tasks), default=None
        Symmetric non-negative adjacency :math:`A` in ``tasks_`` order (the diagonal
        is ignored). ``None`` is the complete graph with unit weights.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'newton', 'fista', 'cvxpy'}, default='auto'
        ``'newton'`` is Newton's method: each step solves the Newton system by
        conjugate gradient preconditioned by the per-task Hessian blocks, then
        backtracks until the Armijo condition holds; ``'fista'`` is accelerated
        gradient with backtracking and adaptive restart; ``'auto'`` is ``'newton'``.
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default=1000
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
        solver: the KKT residual :math:`\sqrt{g^\top P g / g_0^\top P g_0}`, g the gradient in (W,
        b), :math:`g_0` the gradient at W = 0 with the best intercepts for it, P the inverse of the
        per-task Hessian blocks there.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import GraphRegularizedClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = GraphRegularizedClassifier(alpha=0.1, l2=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        **_SMOOTH_CONSTRAINTS, **GraphRegularizedFamily._family_constraints,
    }


class TraceNormClassifier(TraceNormFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression with a low-rank coefficient matrix (trace norm).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \alpha\|W\|_* + \frac{l_2}{2}\|W\|_F^2.

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
    rank_ : int
        Number of singular values of ``coef_`` above 1e-10 times the largest.
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
    >>> from skmtl import TraceNormClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = TraceNormClassifier(alpha=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**_NORM_CONSTRAINTS, **TraceNormFamily._family_constraints}


class JointFeatureClassifier(JointFeatureFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression selecting features jointly (L2,1 penalty).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \alpha\sum_j \|W_{:,j}\|_2 + \frac{l_2}{2}\|W\|_F^2.

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
    support_ : ndarray of shape (n_features,)
        Boolean mask of the features with a non-zero column in ``coef_``.
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
    >>> from skmtl import JointFeatureClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = JointFeatureClassifier(alpha=0.01).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**_NORM_CONSTRAINTS, **JointFeatureFamily._family_constraints}


