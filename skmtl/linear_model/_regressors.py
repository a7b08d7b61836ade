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
from ._docstrings import GAP, KKT, document
from ._families import (
    GraphRegularizedFamily,
    JointFeatureFamily,
    MeanRegularizedFamily,
    SharedParameterFamily,
    TraceNormFamily,
    with_solvers,
)

_QUADRATIC_SOLVERS = (
    "``'closed_form'`` solves the optimality conditions directly (Schur complement\n"
    "        over the tasks, or one eigendecomposition of a shared Gram matrix), then\n"
    "        polishes the solution by conjugate gradient to a residual of min(tol, 1e-10);\n"
    "        ``'cg'`` is conjugate gradient preconditioned by the per-task blocks, stopped\n"
    "        at tol; ``'auto'`` takes the closed form when the per-task statistics fit,\n"
    "        else ``'cg'``."
)
_NORM_SOLVERS = (
    "``'admm'`` alternates exact per-task solves on the sufficient statistics with\n"
    "        the prox of the norm; ``'fista'`` is accelerated proximal gradient with\n"
    "        adaptive restart. Both stop on the duality gap. ``'auto'`` runs ADMM when\n"
    "        per-task statistics are formed (its iteration count does not grow with the\n"
    "        conditioning of the features), with Anderson acceleration and a penalty\n"
    "        parameter set from alpha and the size of W; FISTA otherwise. ``alpha=0`` is\n"
    "        solved in closed form."
)

_SEPARABLE_SOLVERS = (
    "``'cd'`` is working-set block coordinate descent (one exact update per\n"
    "        feature column, so the scaling of the features does not slow it; gap-safe\n"
    "        screening; Anderson extrapolation), compiled with numba, NumPy input only.\n"
    "        ``'admm'`` alternates exact per-task solves on the sufficient statistics with\n"
    "        the prox of the norm; ``'fista'`` is accelerated proximal gradient with\n"
    "        adaptive restart. All stop on the duality gap. ``'auto'`` is ``'cd'`` on NumPy\n"
    "        and, on other array namespaces, FISTA continued by ADMM after 200 iterations\n"
    "        when per-task statistics are formed. ``alpha=0`` is solved in closed form."
)

_ATTRIBUTES = """
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t` (zeros when ``fit_intercept=False``).
"""
_ITERATIONS = ("Iterations of the solver: FISTA or ADMM steps, coordinate-descent epochs\n"
               "        (passes over a working set), conjugate-gradient steps,\n"
               "        or for a direct solve the conjugate-gradient steps that polish it (at\n"
               "        least 1).")

_QUADRATIC_CONSTRAINTS = with_solvers("auto", "closed_form", "cg", "cvxpy")
_NORM_CONSTRAINTS = with_solvers("auto", "admm", "fista", "cvxpy")
_SEPARABLE_CONSTRAINTS = with_solvers("auto", "cd", "admm", "fista", "cvxpy")


class SharedParameterRegressor(SharedParameterFamily, MultiTaskLinearRegressor):
    r"""Multi-task ridge with a shared component (Evgeniou & Pontil 2004).

    Each task's coefficients are a shared part plus a task-specific part,
    :math:`w_t = w_0 + v_t`, and the objective is

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \frac{{\alpha_{{shared}}}}{{2}}\|w_0\|^2
            + \frac{{\alpha_{{task}}}}{{2}}\|V\|_F^2,

    minimized jointly over :math:`w_0` and :math:`V`.  A large ``alpha_shared``
    gives independent ridge regressions, a large ``alpha_task`` one pooled model.
    Minimizing over :math:`w_0` first gives the mean-regularized penalty with
    :math:`\alpha = T\alpha_{{task}}^2/(\alpha_{{shared}} + T\alpha_{{task}})` and
    :math:`l_2 = \alpha_{{shared}}\alpha_{{task}}/(\alpha_{{shared}} + T\alpha_{{task}})`.

    Parameters
    ----------
    alpha_shared : float, default=0.1
        :math:`\alpha_{{shared}} \ge 0`, the ridge weight of the shared part.
    alpha_task : float, default=0.1
        :math:`\alpha_{{task}} \ge 0`, the ridge weight of the task-specific parts.
    {common}
    Attributes
    ----------
    shared_coef_ : array of shape (n_features,)
        :math:`w_0 = \alpha_{{task}}\sum_t w_t / (\alpha_{{shared}} + T\alpha_{{task}})`.
    {attributes}
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

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \frac{{\alpha}}{{2}}\sum_t \|w_t - \bar w\|^2 + \frac{{l_2}}{{2}}\|W\|_F^2,
        \qquad \bar w = \frac1T\sum_t w_t.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`, strength of the pull towards the mean.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`, ridge on all coefficients.
    {common}
    Attributes
    ----------
    mean_coef_ : array of shape (n_features,)
        :math:`\bar w`.
    {attributes}
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

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \frac{{\alpha}}{{2}}\sum_{{s<t}} A_{{st}}\|w_s - w_t\|^2
            + \frac{{l_2}}{{2}}\|W\|_F^2.

    With the complete graph (the default) this is the mean-regularized model with
    :math:`\alpha_{{mean}} = T\alpha`.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
    task_graph : array-like of shape (n_tasks, n_tasks), default=None
        Symmetric non-negative adjacency :math:`A` in ``tasks_`` order (the diagonal
        is ignored). ``None`` is the complete graph with unit weights.
    {common}
    Attributes
    ----------
    {attributes}
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

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \alpha\|W\|_* + \frac{{l_2}}{{2}}\|W\|_F^2,

    :math:`\|W\|_*` the nuclear norm (sum of singular values): the tasks share a
    low-dimensional subspace of the features (Ji & Ye 2009).

    Parameters
    ----------
    alpha : float, default=0.1
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
    {common}
    Attributes
    ----------
    rank_ : int
        Number of singular values of ``coef_`` above 1e-10 times the largest.
    {attributes}
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

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \alpha\sum_j \|W_{{:,j}}\|_2 + \frac{{l_2}}{{2}}\|W\|_F^2:

    a feature is used by all tasks or by none (Obozinski, Taskar & Jordan 2010;
    Argyriou, Evgeniou & Pontil 2008).  On a shared design with ``l2=0`` it is
    scikit-learn's ``MultiTaskLasso`` with the same ``alpha``.

    Parameters
    ----------
    alpha : float, default=0.1
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`.
    {common}
    Attributes
    ----------
    support_ : ndarray of shape (n_features,)
        Boolean mask of the features with a non-zero column in ``coef_``.
    {attributes}
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


for _cls in (SharedParameterRegressor, MeanRegularizedRegressor, GraphRegularizedRegressor):
    document(_cls, "{'auto', 'closed_form', 'cg', 'cvxpy'}", _QUADRATIC_SOLVERS, 1000, KKT,
             _ATTRIBUTES, _ITERATIONS)
document(TraceNormRegressor, "{'auto', 'admm', 'fista', 'cvxpy'}", _NORM_SOLVERS, 10000, GAP,
         _ATTRIBUTES, _ITERATIONS)
document(JointFeatureRegressor, "{'auto', 'cd', 'admm', 'fista', 'cvxpy'}", _SEPARABLE_SOLVERS,
         10000, GAP, _ATTRIBUTES, _ITERATIONS)
