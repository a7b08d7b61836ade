r"""The sparse + low-rank family (Chen, Liu & Ye 2010; MALSAR's SparseTrace): a
low-rank structure shared by the tasks plus elementwise sparse exceptions.

:math:`W = P + Q` with :math:`\alpha_{sparse}\|P\|_1 + \alpha_{lowrank}\|Q\|_*`,
minimized jointly over the two parts; a regressor (squared loss) and a classifier
(logistic loss).  The trace norm does not separate over the feature columns, so
there is no coordinate descent: FISTA and ADMM on the stacked parts, proximal Newton
for the classifier.  There is no ``*CV``: the model has two strengths, and a path
varies only one of them (search both with ``GridSearchCV``).
"""

from ..penalties import TraceNorm
from ..penalties.sparse import L1Norm
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._families import (
    _POSITIVE,
    _set_common_parameters,
    _SplitFamily,
    _SplitParts,
    numerical_rank,
    with_solvers,
)


class SparseLowRankFamily(_SplitFamily):
    """:math:`W = P + Q`, :math:`\\alpha_s\\|P\\|_1 + \\alpha_l\\|Q\\|_*`."""

    _family = "sparse_low_rank"
    _parameters = ("alpha_sparse", "alpha_lowrank")
    _component_names = ("sparse_coef_", "lowrank_coef_")
    _family_constraints = {"alpha_sparse": _POSITIVE, "alpha_lowrank": _POSITIVE}

    def __init__(self, alpha_sparse=0.05, alpha_lowrank=0.1, *, fit_intercept=True,
                 task_weights="uniform", solver="auto", tol=1e-6, max_iter=10000,
                 warm_start=False, task_column=None, unseen_tasks="raise", verbose=0):
        self.alpha_sparse = alpha_sparse
        self.alpha_lowrank = alpha_lowrank
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _norms(self):
        return L1Norm(self.alpha_sparse), TraceNorm(self.alpha_lowrank)

    def _describe_parts(self, first, second, xp):
        self.rank_ = numerical_rank(second, xp)


class SparseLowRankRegressor(SparseLowRankFamily, _SplitParts, MultiTaskLinearRegressor):
    r"""Sparse + low-rank multi-task regression: shared low rank plus sparse exceptions.

    The coefficients are an elementwise sparse part P plus a low-rank part Q
    (Chen, Liu & Ye 2010):

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top (p_t + q_t) - b_t)^2}{2}
            + \alpha_{sparse}\|P\|_1 + \alpha_{lowrank}\|Q\|_*,

    minimized jointly over P and Q; ``coef_`` is :math:`W = P + Q`.

    Both parts are used only when
    :math:`\alpha_{sparse} < \alpha_{lowrank} < \sqrt{Td}\,\alpha_{sparse}`
    (T tasks, d features).  The dual norms, the largest absolute entry and the
    spectral norm, satisfy :math:`\max_{tj} |Z_{tj}| \le \|Z\|_2 \le \sqrt{Td}\max_{tj} |Z_{tj}|`,
    so with :math:`\alpha_{lowrank} \le \alpha_{sparse}` the model is the
    trace-norm model of ``TraceNormRegressor`` with :math:`\alpha = \alpha_{lowrank}`
    (P = 0), and with :math:`\alpha_{lowrank} \ge \sqrt{Td}\,\alpha_{sparse}` the
    per-task lasso of ``IndependentLassoRegressor`` with
    :math:`\alpha = \alpha_{sparse}` (Q = 0), since the dual ball of one norm then
    lies inside the other's.  The defaults are inside the range from
    :math:`Td = 5` on.

    Chen, Liu & Ye (2010) and MALSAR's ``SparseTrace`` functions bound the trace
    norm, :math:`\|Q\|_* \le \rho_2`, instead of penalizing it; both forms have
    the same solutions, :math:`\alpha_{lowrank}` being the multiplier of the bound
    (see the comparison with other packages in the user guide).

    Parameters
    ----------
    alpha_sparse : float, default=0.05
        :math:`\alpha_{sparse} > 0`, the weight of the L1 norm on P.
    alpha_lowrank : float, default=0.1
        :math:`\alpha_{lowrank} > 0`, the weight of the trace norm on Q.
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
    sparse_coef_ : array of shape (n_tasks, n_features)
        P, the elementwise sparse part.
    lowrank_coef_ : array of shape (n_tasks, n_features)
        Q, the low-rank part.
    rank_ : int
        Number of singular values of Q above 1e-10 times the largest.
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
    >>> from skmtl import SparseLowRankRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=5, structure='lowrank', rank=1,
    ...                                            noise=0.1, random_state=0)
    >>> model = SparseLowRankRegressor(alpha_sparse=0.05, alpha_lowrank=0.1)
    >>> model.fit(X, y, tasks=tasks).rank_
    1
    """

    _parameter_constraints = {**with_solvers("auto", "admm", "fista", "cvxpy"),
                              **SparseLowRankFamily._family_constraints}


class SparseLowRankClassifier(SparseLowRankFamily, _SplitParts, MultiTaskLinearClassifier):
    r"""Sparse + low-rank multi-task logistic regression.

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top (p_t + q_t) + b_t)})
            + \alpha_{sparse}\|P\|_1 + \alpha_{lowrank}\|Q\|_*,

    minimized jointly over P and Q (Chen, Liu & Ye 2010); ``coef_`` is
    :math:`W = P + Q`, P elementwise sparse and Q of low rank.

    Both parts are used only when
    :math:`\alpha_{sparse} < \alpha_{lowrank} < \sqrt{Td}\,\alpha_{sparse}`
    (T tasks, d features).  The dual norms, the largest absolute entry and the
    spectral norm, satisfy :math:`\max_{tj} |Z_{tj}| \le \|Z\|_2 \le \sqrt{Td}\max_{tj} |Z_{tj}|`,
    so with :math:`\alpha_{lowrank} \le \alpha_{sparse}` the model is the
    trace-norm model of ``TraceNormRegressor`` with :math:`\alpha = \alpha_{lowrank}`
    (P = 0), and with :math:`\alpha_{lowrank} \ge \sqrt{Td}\,\alpha_{sparse}` the
    per-task lasso of ``IndependentLassoRegressor`` with
    :math:`\alpha = \alpha_{sparse}` (Q = 0), since the dual ball of one norm then
    lies inside the other's.  The defaults are inside the range from
    :math:`Td = 5` on.

    Chen, Liu & Ye (2010) and MALSAR's ``SparseTrace`` functions bound the trace
    norm, :math:`\|Q\|_* \le \rho_2`, instead of penalizing it; both forms have
    the same solutions, :math:`\alpha_{lowrank}` being the multiplier of the bound
    (see the comparison with other packages in the user guide).

    Parameters
    ----------
    alpha_sparse : float, default=0.05
        :math:`\alpha_{sparse} > 0`, the weight of the L1 norm on P.
    alpha_lowrank : float, default=0.1
        :math:`\alpha_{lowrank} > 0`, the weight of the trace norm on Q.
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
    sparse_coef_ : array of shape (n_tasks, n_features)
        P, the elementwise sparse part.
    lowrank_coef_ : array of shape (n_tasks, n_features)
        Q, the low-rank part.
    rank_ : int
        Number of singular values of Q above 1e-10 times the largest.
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
    >>> from skmtl import SparseLowRankClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> model = SparseLowRankClassifier(alpha_sparse=0.01, alpha_lowrank=0.02)
    >>> model.fit(X, y, tasks=tasks).predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**with_solvers("auto", "proximal_newton", "fista", "cvxpy"),
                              **SparseLowRankFamily._family_constraints}
