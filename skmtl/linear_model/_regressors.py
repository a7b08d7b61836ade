r"""The five regularized multi-task regressors (squared loss).

Each minimizes

.. math::

    F(W, b) = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i \,
              \frac{(y_i - x_i^\top w_t - b_t)^2}{2} + \Omega(W)

(:math:`s_i` sample weights, :math:`S_t` their sum over task t, :math:`\tau_t`
from ``task_weights``, :math:`b_t` unpenalized intercepts) with its own
:math:`\Omega`.
"""

from ._base import MultiTaskLinearRegressor
from ._families import (
    GraphRegularizedFamily,
    JointFeatureFamily,
    MeanRegularizedFamily,
    SharedParameterFamily,
    TraceNormFamily,
    with_solvers,
)

_QUADRATIC_CONSTRAINTS = with_solvers("auto", "closed_form", "cg", "cvxpy")
_NORM_CONSTRAINTS = with_solvers("auto", "admm", "fista", "cvxpy")
_SEPARABLE_CONSTRAINTS = with_solvers("auto", "cd", "admm", "fista", "cvxpy")


class SharedParameterRegressor(SharedParameterFamily, MultiTaskLinearRegressor):
    r"""Multi-task ridge with a shared component (Evgeniou & Pontil 2004).

    Each task's coefficients are a shared part plus a task-specific part,
    :math:`w_t = w_0 + v_t`, and the objective is

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \frac{\alpha_{shared}}{2}\|w_0\|^2
            + \frac{\alpha_{task}}{2}\|V\|_F^2,

    minimized jointly over :math:`w_0` and :math:`V`.  A large ``alpha_shared``
    gives independent ridge regressions, a large ``alpha_task`` one pooled model.
    Minimizing over :math:`w_0` first gives the mean-regularized penalty with
    :math:`\alpha = T\alpha_{task}^2/(\alpha_{shared} + T\alpha_{task})` and
    :math:`l_2 = \alpha_{shared}\alpha_{task}/(\alpha_{shared} + T\alpha_{task})`.

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
    solver : {'auto', 'closed_form', 'cg', 'cvxpy'}, default='auto'
        ``'closed_form'`` solves the optimality conditions directly (Schur complement
        over the tasks, or one eigendecomposition of a shared Gram matrix), then
        polishes the solution by conjugate gradient to a residual of min(tol, 1e-10);
        ``'cg'`` is conjugate gradient preconditioned by the per-task blocks, stopped
        at tol; ``'auto'`` takes the closed form when the per-task statistics fit,
        else ``'cg'``.
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
        solver: the KKT residual of the optimality conditions in the norm of the per-task block
        preconditioner P, :math:`\sqrt{r^\top P r / c^\top P c}` with r the gradient at W and c the
        gradient at 0 (intercepts minimized out).
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import SharedParameterRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> model = SharedParameterRegressor(alpha_shared=0.01, alpha_task=0.1).fit(X, y, tasks=tasks)
    >>> model.coef_.shape
    (3, 20)
    """

    _parameter_constraints = {**_QUADRATIC_CONSTRAINTS, **SharedParameterFamily._family_constraints}


class MeanRegularizedRegressor(MeanRegularizedFamily, MultiTaskLinearRegressor):
    r"""Multi-task ridge pulling every task towards the mean task (Evgeniou & Pontil 2004).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \frac{\alpha}{2}\sum_t \|w_t - \bar w\|^2 + \frac{l_2}{2}\|W\|_F^2,
        \qquad \bar w = \frac1T\sum_t w_t.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`, strength of the pull towards the mean.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`, ridge on all coefficients.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'closed_form', 'cg', 'cvxpy'}, default='auto'
        ``'closed_form'`` solves the optimality conditions directly (Schur complement
        over the tasks, or one eigendecomposition of a shared Gram matrix), then
        polishes the solution by conjugate gradient to a residual of min(tol, 1e-10);
        ``'cg'`` is conjugate gradient preconditioned by the per-task blocks, stopped
        at tol; ``'auto'`` takes the closed form when the per-task statistics fit,
        else ``'cg'``.
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
        solver: the KKT residual of the optimality conditions in the norm of the per-task block
        preconditioner P, :math:`\sqrt{r^\top P r / c^\top P c}` with r the gradient at W and c the
        gradient at 0 (intercepts minimized out).
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import MeanRegularizedRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> MeanRegularizedRegressor(alpha=0.1).fit(X, y, tasks=tasks).mean_coef_.shape
    (20,)
    """

    _parameter_constraints = {**_QUADRATIC_CONSTRAINTS, **MeanRegularizedFamily._family_constraints}


class GraphRegularizedRegressor(GraphRegularizedFamily, MultiTaskLinearRegressor):
    r"""Multi-task ridge pulling related tasks together along a task graph.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \frac{\alpha}{2}\sum_{s<t} A_{st}\|w_s - w_t\|^2
            + \frac{l_2}{2}\|W\|_F^2.

    With the complete graph (the default) this is the mean-regularized model with
    :math:`\alpha_{mean} = T\alpha`.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
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
    solver : {'auto', 'closed_form', 'cg', 'cvxpy'}, default='auto'
        ``'closed_form'`` solves the optimality conditions directly (Schur complement
        over the tasks, or one eigendecomposition of a shared Gram matrix), then
        polishes the solution by conjugate gradient to a residual of min(tol, 1e-10);
        ``'cg'`` is conjugate gradient preconditioned by the per-task blocks, stopped
        at tol; ``'auto'`` takes the closed form when the per-task statistics fit,
        else ``'cg'``.
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
        solver: the KKT residual of the optimality conditions in the norm of the per-task block
        preconditioner P, :math:`\sqrt{r^\top P r / c^\top P c}` with r the gradient at W and c the
        gradient at 0 (intercepts minimized out).
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import GraphRegularizedRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> chain = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    >>> GraphRegularizedRegressor(alpha=0.1, task_graph=chain).fit(X, y, tasks=tasks).coef_.shape
    (3, 20)
    """

    _parameter_constraints = {
        **_QUADRATIC_CONSTRAINTS, **GraphRegularizedFamily._family_constraints,
    }


class TraceNormRegressor(TraceNormFamily, MultiTaskLinearRegressor):
    r"""Multi-task regression with a low-rank coefficient matrix (trace-norm penalty).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \alpha\|W\|_* + \frac{l_2}{2}\|W\|_F^2,

    :math:`\|W\|_*` the nuclear norm (sum of singular values): the tasks share a
    low-dimensional subspace of the features (Ji & Ye 2009).

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
    solver : {'auto', 'admm', 'fista', 'cvxpy'}, default='auto'
        ``'admm'`` alternates exact per-task solves on the sufficient statistics with
        the prox of the norm; ``'fista'`` is accelerated proximal gradient with
        adaptive restart. Both stop on the duality gap. ``'auto'`` runs ADMM when
        per-task statistics are formed (its iteration count does not grow with the
        conditioning of the features), with Anderson acceleration and a penalty
        parameter set from alpha and the size of W; FISTA otherwise. ``alpha=0`` is
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
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    rank_ : int
        Number of singular values of ``coef_`` above 1e-10 times the largest.
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
    >>> from skmtl import TraceNormRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=5, structure='lowrank', rank=2,
    ...                                            random_state=0)
    >>> TraceNormRegressor(alpha=0.05).fit(X, y, tasks=tasks).rank_ <= 5
    True
    """

    _parameter_constraints = {**_NORM_CONSTRAINTS, **TraceNormFamily._family_constraints}


class JointFeatureRegressor(JointFeatureFamily, MultiTaskLinearRegressor):
    r"""Multi-task regression selecting features jointly (L2,1 penalty).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \alpha\sum_j \|W_{:,j}\|_2 + \frac{l_2}{2}\|W\|_F^2:

    a feature is used by all tasks or by none (Obozinski, Taskar & Jordan 2010;
    Argyriou, Evgeniou & Pontil 2008).  On a shared design with ``l2=0`` it is
    scikit-learn's ``MultiTaskLasso`` with the same ``alpha``.

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
    support_ : ndarray of shape (n_features,)
        Boolean mask of the features with a non-zero column in ``coef_``.
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
    >>> from skmtl import JointFeatureRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=4, structure='sparse',
    ...                                            n_informative=3, random_state=0)
    >>> model = JointFeatureRegressor(alpha=0.5).fit(X, y, tasks=tasks)
    >>> int(model.support_.sum())
    3
    """

    _parameter_constraints = {**_SEPARABLE_CONSTRAINTS, **JointFeatureFamily._family_constraints}


