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
from ._classifiers import _ATTRIBUTES as _CLASSIFIER_ATTRIBUTES
from ._classifiers import _ITERATIONS as _CLASSIFIER_ITERATIONS
from ._classifiers import _LOGISTIC_GAP
from ._docstrings import GAP, document
from ._families import _NON_NEGATIVE, _set_common_parameters, with_solvers
from ._regressors import _ATTRIBUTES as _REGRESSOR_ATTRIBUTES
from ._regressors import _ITERATIONS as _REGRESSOR_ITERATIONS


class TaskRelationshipFamily:
    r""":math:`\tfrac\alpha2\|W\|_*^2 + \tfrac{l_2}2\|W\|_F^2`: MTRL minimized over Σ."""

    _family = "relationship"
    _family_constraints = {"alpha": _NON_NEGATIVE, "l2": _NON_NEGATIVE}

    def __init__(self, alpha=1.0, l2=0.1, *, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=10000, warm_start=False, task_column=None,
                 verbose=0):
        self.alpha = alpha
        self.l2 = l2
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column, verbose=verbose)

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


_OBJECTIVE_NOTE = r"""
    The minimum over :math:`\Sigma` is reached at
    :math:`\Sigma = (WW^\top)^{{1/2}} / \operatorname{{tr}}(WW^\top)^{{1/2}}` and equals
    :math:`\tfrac\alpha2\|W\|_*^2`: with :math:`M = (WW^\top)^{{1/2}}`, Cauchy–Schwarz gives
    :math:`\|W\|_*^2 = \operatorname{{tr}}(\Sigma^{{1/2}}\Sigma^{{-1/2}}M)^2 \le
    \operatorname{{tr}}\Sigma\,\operatorname{{tr}}(M\Sigma^{{-1}}M) =
    \operatorname{{tr}}(W^\top\Sigma^{{-1}}W)`, with equality for :math:`\Sigma \propto M`.
    So F is exactly :math:`f(W, b) + \tfrac\alpha2\|W\|_*^2 + \tfrac{{l_2}}2\|W\|_F^2`, a
    convex problem in W alone, solved to a duality gap; ``task_covariance_`` is the
    minimizing :math:`\Sigma` of the solution.  The alternation between W and
    :math:`\Sigma` of the original method needs :math:`\Sigma + \epsilon I` to keep
    :math:`\Sigma^{{-1}}` finite, which perturbs the objective and converges slowly;
    this reformulation needs no :math:`\epsilon`.
"""

_SHARED_PARAMETERS = r"""
    alpha : float, default=1.0
        :math:`\alpha \ge 0`, weight of the task-relationship term.  ``alpha=0`` fits the
        tasks independently, each with the ridge ``l2``.
    l2 : float, default=0.1
        :math:`l_2 \ge 0`, ridge on all coefficients.
"""

_COVARIANCE_ATTRIBUTES = r"""
    task_covariance_ : array of shape (n_tasks, n_tasks)
        The learned task covariance
        :math:`\Sigma = (WW^\top)^{{1/2}} / \operatorname{{tr}}(WW^\top)^{{1/2}}`
        (:math:`I/T` when W = 0), in ``tasks_`` order.  Built on access from the
        singular vectors of ``coef_`` (a fit stores O(T·d), not T², numbers).
    task_correlation_ : array of shape (n_tasks, n_tasks)
        :math:`\Sigma_{{st}}/\sqrt{{\Sigma_{{ss}}\Sigma_{{tt}}}}`, 1 on the diagonal and 0
        for a task whose variance is 0; built on access like ``task_covariance_``.
"""

_REGRESSOR_SOLVERS = (
    "``'admm'`` alternates exact per-task solves on the sufficient statistics with\n"
    "        the prox of the squared trace norm; ``'fista'`` is accelerated proximal\n"
    "        gradient with adaptive restart. Both stop on the duality gap. ``'auto'``\n"
    "        runs FISTA and, when per-task statistics are formed and it has not\n"
    "        converged within 200 iterations, continues with ADMM. ``alpha=0`` is\n"
    "        solved in closed form."
)
_CLASSIFIER_SOLVERS = (
    "``'proximal_newton'`` minimizes, at each step, the penalty plus the second-order\n"
    "        model of the loss (a squared loss on per-task statistics, solved by the\n"
    "        regressors' FISTA/ADMM), then backtracks along the step; ``'fista'`` is\n"
    "        accelerated proximal gradient with backtracking and adaptive restart.\n"
    "        Both stop on the duality gap. ``'auto'`` is ``'proximal_newton'``. With\n"
    "        ``alpha=0`` the objective is smooth and ``'auto'`` uses Newton's method."
)


class TaskRelationshipRegressor(TaskRelationshipFamily, MultiTaskLinearRegressor):
    r"""Multi-task regression learning a task covariance (MTRL, Zhang & Yeung 2010).

    .. math::

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \frac{{(y_i - x_i^\top w_t - b_t)^2}}{{2}}
            + \frac{{l_2}}{{2}}\|W\|_F^2
            + \min_{{\Sigma \succeq 0,\ \operatorname{{tr}}\Sigma = 1}}
              \frac{{\alpha}}{{2}}\operatorname{{tr}}(W^\top\Sigma^{{-1}}W).

    :math:`\Sigma` (T×T) models how the tasks covary: positively correlated tasks
    get similar coefficients, negatively correlated ones opposite coefficients.

    {note}
    Parameters
    ----------
    {parameters}
    {common}
    Attributes
    ----------
    {covariance}
    {attributes}
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

        F = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
            \log(1 + e^{{-y_i (x_i^\top w_t + b_t)}})
            + \frac{{l_2}}{{2}}\|W\|_F^2
            + \min_{{\Sigma \succeq 0,\ \operatorname{{tr}}\Sigma = 1}}
              \frac{{\alpha}}{{2}}\operatorname{{tr}}(W^\top\Sigma^{{-1}}W).

    {note}
    Parameters
    ----------
    {parameters}
    {common}
    Attributes
    ----------
    {covariance}
    {attributes}
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


def _fill(cls):
    """Insert the shared paragraphs (their braces stay escaped for ``document``)."""
    cls.__doc__ = (
        cls.__doc__.replace("{note}", _OBJECTIVE_NOTE.strip("\n").lstrip() + "\n")
        .replace("{parameters}", _SHARED_PARAMETERS.strip("\n").lstrip())
        .replace("{covariance}", _COVARIANCE_ATTRIBUTES.strip("\n").lstrip())
    )


_fill(TaskRelationshipRegressor)
_fill(TaskRelationshipClassifier)
document(TaskRelationshipRegressor, "{'auto', 'admm', 'fista', 'cvxpy'}", _REGRESSOR_SOLVERS,
         10000, GAP, _REGRESSOR_ATTRIBUTES, _REGRESSOR_ITERATIONS)
document(TaskRelationshipClassifier, "{'auto', 'proximal_newton', 'fista', 'cvxpy'}",
         _CLASSIFIER_SOLVERS, 10000, _LOGISTIC_GAP, _CLASSIFIER_ATTRIBUTES,
         _CLASSIFIER_ITERATIONS)
