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
from ._docstrings import GAP, document
from ._families import (
    GraphRegularizedFamily,
    JointFeatureFamily,
    MeanRegularizedFamily,
    SharedParameterFamily,
    TraceNormFamily,
    with_solvers,
)

_SMOOTH_SOLVERS = (
    "``'newton'`` is Newton's method: each step solves the Newton system by\n"
    "        conjugate gradient preconditioned by the per-task Hessian blocks, then\n"
    "        backtracks until the Armijo condition holds; ``'fista'`` is accelerated\n"
    "        gradient with backtracking and adaptive restart; ``'auto'`` is ``'newton'``."
)
_NORM_SOLVERS = (
    "``'proximal_newton'`` minimizes, at each step, the norm plus the second-order\n"
    "        model of the loss (a squared loss on per-task statistics, solved by the\n"
    "        regressors' FISTA/ADMM), then backtracks along the step; ``'fista'`` is\n"
    "        accelerated proximal gradient with backtracking and adaptive restart.\n"
    "        Both stop on the duality gap. ``'auto'`` is ``'proximal_newton'``. With\n"
    "        ``alpha=0`` the objective is smooth and ``'auto'`` uses Newton's method."
)
_KKT = (
    "the KKT residual :math:`\\sqrt{g^\\top P g / g_0^\\top P g_0}`, g the gradient in "
    "(W, b), :math:`g_0` the gradient at W = 0 with the best intercepts for it, P the "
    "inverse of the per-task Hessian blocks there."
)
_LOGISTIC_GAP = GAP.replace("(intercepts minimized out)", "with the best intercepts for it")

_ATTRIBUTES = """
    classes_ : ndarray of shape (2,)
        The two class labels, shared by all tasks; ``classes_[1]`` is the positive class.
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t` (zeros when ``fit_intercept=False``).  A task whose training rows
        hold a single class has :math:`b_t = +\\infty` or :math:`-\\infty`: its loss
        reaches its infimum 0 only in that limit, so it predicts that class with
        probability exactly 1, and its :math:`w_t` is set by the penalty alone.
"""
_ITERATIONS = "Iterations of the solver (Newton steps, or accelerated gradient steps)."

_SMOOTH_CONSTRAINTS = with_solvers("auto", "newton", "fista", "cvxpy")
_NORM_CONSTRAINTS = with_solvers("auto", "proximal_newton", "fista", "cvxpy")

_EXAMPLE = """
    >>> from skmtl import {name}
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = {name}({params}).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
"""


class SharedParameterClassifier(SharedParameterFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression with a shared component (Evgeniou & Pontil 2004).

    :math:`w_t = w_0 + v_t` and

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \log(1 + e^{{-y_i (x_i^\top w_t + b_t)}})
            + \frac{{\alpha_{{shared}}}}{{2}}\|w_0\|^2
            + \frac{{\alpha_{{task}}}}{{2}}\|V\|_F^2,

    minimized jointly over :math:`w_0` and :math:`V`.

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
    --------{example}"""

    _parameter_constraints = {**_SMOOTH_CONSTRAINTS, **SharedParameterFamily._family_constraints}


class MeanRegularizedClassifier(MeanRegularizedFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression pulling every task towards the mean task.

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \log(1 + e^{{-y_i (x_i^\top w_t + b_t)}})
            + \frac{{\alpha}}{{2}}\sum_t \|w_t - \bar w\|^2 + \frac{{l_2}}{{2}}\|W\|_F^2,
        \qquad \bar w = \frac1T\sum_t w_t.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`, strength of the pull towards the mean.
    l2 : float, default=0.0
        :math:`l_2 \ge 0`, ridge on all coefficients.  With ``l2=0`` nothing bounds
        the mean model: on data that a common direction separates, the minimum
        does not exist (a ``ConvergenceWarning`` says so).
    {common}
    Attributes
    ----------
    mean_coef_ : array of shape (n_features,)
        :math:`\bar w`.
    {attributes}
    Examples
    --------{example}"""

    _parameter_constraints = {**_SMOOTH_CONSTRAINTS, **MeanRegularizedFamily._family_constraints}


class GraphRegularizedClassifier(GraphRegularizedFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression pulling related tasks together along a task graph.

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \log(1 + e^{{-y_i (x_i^\top w_t + b_t)}})
            + \frac{{\alpha}}{{2}}\sum_{{s<t}} A_{{st}}\|w_s - w_t\|^2
            + \frac{{l_2}}{{2}}\|W\|_F^2.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`.
    l2 : float, default=0.0
        :math:`l_2 \ge 0` (see ``MeanRegularizedClassifier`` about ``l2=0``).
    task_graph : array-like of shape (n_tasks, n_tasks), default=None
        Symmetric non-negative adjacency :math:`A` in ``tasks_`` order (the diagonal
        is ignored). ``None`` is the complete graph with unit weights.
    {common}
    Attributes
    ----------
    {attributes}
    Examples
    --------{example}"""

    _parameter_constraints = {
        **_SMOOTH_CONSTRAINTS, **GraphRegularizedFamily._family_constraints,
    }


class TraceNormClassifier(TraceNormFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression with a low-rank coefficient matrix (trace norm).

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \log(1 + e^{{-y_i (x_i^\top w_t + b_t)}})
            + \alpha\|W\|_* + \frac{{l_2}}{{2}}\|W\|_F^2.

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
    --------{example}"""

    _parameter_constraints = {**_NORM_CONSTRAINTS, **TraceNormFamily._family_constraints}


class JointFeatureClassifier(JointFeatureFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression selecting features jointly (L2,1 penalty).

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \log(1 + e^{{-y_i (x_i^\top w_t + b_t)}})
            + \alpha\sum_j \|W_{{:,j}}\|_2 + \frac{{l_2}}{{2}}\|W\|_F^2.

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
    --------{example}"""

    _parameter_constraints = {**_NORM_CONSTRAINTS, **JointFeatureFamily._family_constraints}


_PARAMS = {
    SharedParameterClassifier: "alpha_shared=0.1, alpha_task=0.1",
    MeanRegularizedClassifier: "alpha=0.1, l2=0.01",
    GraphRegularizedClassifier: "alpha=0.1, l2=0.01",
    TraceNormClassifier: "alpha=0.01",
    JointFeatureClassifier: "alpha=0.01",
}
for _cls, _params in _PARAMS.items():
    _cls.__doc__ = _cls.__doc__.replace(
        "{example}", _EXAMPLE.format(name=_cls.__name__, params=_params).rstrip() + "\n    "
    )
for _cls in (SharedParameterClassifier, MeanRegularizedClassifier, GraphRegularizedClassifier):
    document(_cls, "{'auto', 'newton', 'fista', 'cvxpy'}", _SMOOTH_SOLVERS, 1000, _KKT,
             _ATTRIBUTES, _ITERATIONS)
for _cls in (TraceNormClassifier, JointFeatureClassifier):
    document(_cls, "{'auto', 'proximal_newton', 'fista', 'cvxpy'}", _NORM_SOLVERS, 10000,
             _LOGISTIC_GAP, _ATTRIBUTES, _ITERATIONS)
