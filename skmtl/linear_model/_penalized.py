"""Multi-task estimators with a penalty object given by the user.

The named families build their penalty from their parameters; these two take it
as a parameter, so that a new penalty is usable without a new estimator class.
"""

from sklearn.utils._param_validation import HasMethods

from ..penalties import QuadraticPenalty
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._families import _NON_NEGATIVE, _set_common_parameters, with_solvers


class _PenalizedFamily:
    """The penalty is the ``penalty`` parameter; ``l2`` adds a ridge term beside it."""

    _family_constraints = {"penalty": [None, HasMethods(["value", "prox"])],
                           "l2": _NON_NEGATIVE}

    def __init__(self, penalty=None, l2=0.0, *, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=10000, warm_start=False, task_column=None,
                 unseen_tasks="raise", verbose=0):
        self.penalty = penalty
        self.l2 = l2
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _penalty(self, n_tasks):
        if self.penalty is None:
            return QuadraticPenalty(rank_one=(self.l2, 0.0))
        return self.penalty

    def _ridge(self):
        return self.l2

    @property
    def _family(self):
        """The penalty's entry of the cvxpy reference (``lasso`` at alpha = 0 without one)."""
        if self.penalty is None:
            return "lasso"
        name = getattr(self.penalty, "reference", None)
        if name is None and self.solver == "cvxpy":
            raise ValueError(
                f"solver='cvxpy' needs a penalty that names its cvxpy formulation "
                f"('reference'); {type(self.penalty).__name__} does not.")
        return name

    def _reference_params(self):
        own = {"alpha": 0.0} if self.penalty is None else self.penalty.reference_params()
        return {**own, "l2": self.l2}


class PenalizedRegressor(_PenalizedFamily, MultiTaskLinearRegressor):
    r"""Multi-task regression with any penalty object.

    Minimizes

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2} + R(W) + \frac{l_2}{2}\|W\|_F^2

    for the penalty R of ``penalty`` (:math:`s_i` sample weights, :math:`S_t` their
    sum over task t, :math:`\tau_t` from ``task_weights``, :math:`b_t` unpenalized
    intercepts).  A penalty is an object with two methods, ``value(W, xp)`` (R(W))
    and ``prox(W, step, xp)`` (the proximal operator of ``step`` times R), on the
    coefficient matrix W of shape (n_tasks, n_features), tasks in the order of
    ``tasks_``.  Optional methods make the fit faster or its certificate exact at
    ``l2 = 0``: ``dual_norm(Z, xp)`` and ``dual_ball_distance_squared(Z, xp)`` for
    a norm :math:`\alpha\,\Omega` (with an ``alpha`` attribute), and
    ``coordinate_blocks(n_features)`` for a penalty that separates over the
    feature columns (block coordinate descent).  Without a dual norm the
    certificate needs ``l2 > 0``.  The penalty objects of :mod:`skmtl.penalties`
    all qualify; the contributor guide shows how to write one.

    Parameters
    ----------
    penalty : object with ``value`` and ``prox``, default=None
        The penalty R; None for R = 0 (a ridge regression per task with ``l2``,
        least squares without).
    l2 : float, default=0.0
        Weight of the ridge term, :math:`l_2 \ge 0`.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'}, dict or array-like, default='uniform'
        :math:`\tau_t`: 'uniform' gives every task weight 1, 'size' weight
        proportional to its total sample weight; or one weight per task.
    solver : {'auto', 'cd', 'admm', 'fista', 'cvxpy'}, default='auto'
        ``'cd'``, working-set block coordinate descent, needs
        ``coordinate_blocks`` and NumPy input; ``'admm'`` needs per-task
        statistics; ``'fista'`` always applies.  ``'auto'`` takes ``'cd'`` where it
        applies, else FISTA continued by ADMM.  All stop on the relative duality
        gap.  Without a penalty, ``'auto'`` solves the ridge problem directly.
        ``'cvxpy'`` solves with cvxpy when the penalty names its entry of the
        reference (``reference``, as the penalties of :mod:`skmtl.penalties` do).
    tol : float, default=1e-6
        Stop when the duality gap is at most ``tol`` times the objective at W = 0.
    max_iter : int, default=10000
        Largest number of iterations.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    task_column : int, str or None, default=None
        Column of X holding the task labels (then ``tasks`` is not given).
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
    verbose : int, default=0
        Print a summary of each fit.

    Attributes
    ----------
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t` (zeros when ``fit_intercept=False``).
    tasks_ : ndarray of shape (n_tasks,)
        The task labels, sorted.
    n_iter_ : int
        Iterations of the solver.
    certificate_ : float
        Relative duality gap of the solution (without a penalty, the relative
        residual of the optimality conditions).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features, when X has string column names.

    Examples
    --------
    >>> from skmtl import PenalizedRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> from skmtl.penalties import JointFeatureNorm
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=4, structure='sparse',
    ...                                            n_informative=3, random_state=0)
    >>> model = PenalizedRegressor(JointFeatureNorm(0.5)).fit(X, y, tasks=tasks)
    >>> int((model.coef_ != 0).any(axis=0).sum())
    3
    """

    _parameter_constraints = {**with_solvers("auto", "cd", "admm", "fista", "cvxpy"),
                              **_PenalizedFamily._family_constraints}


class PenalizedClassifier(_PenalizedFamily, MultiTaskLinearClassifier):
    r"""Multi-task logistic regression with any penalty object.

    Minimizes

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)}) + R(W) + \frac{l_2}{2}\|W\|_F^2,

    :math:`y_i = +1` for ``classes_[1]`` and :math:`-1` for ``classes_[0]``, for
    the penalty R of ``penalty``: an object with ``value`` and ``prox`` as for
    :class:`PenalizedRegressor`, whose optional methods it uses the same way.

    Parameters
    ----------
    penalty : object with ``value`` and ``prox``, default=None
        The penalty R; None for R = 0 (ridge logistic regression per task with
        ``l2``).
    l2 : float, default=0.01
        Weight of the ridge term, :math:`l_2 \ge 0`.  Not 0 by default: without a
        penalty the minimum does not exist on a task whose classes are separated.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'}, dict or array-like, default='uniform'
        :math:`\tau_t`, as for :class:`PenalizedRegressor`.
    solver : {'auto', 'proximal_newton', 'fista', 'cvxpy'}, default='auto'
        ``'proximal_newton'`` (``'auto'``) minimizes a second-order model of the
        loss plus R at each step with the regressors' solvers; ``'fista'`` is
        accelerated proximal gradient with backtracking.  Both stop on the relative
        duality gap.  Without a penalty, ``'auto'`` is Newton's method.  ``'cvxpy'``
        as for :class:`PenalizedRegressor`.
    tol : float, default=1e-6
        Stop when the duality gap is at most ``tol`` times the objective at W = 0
        with its best intercepts.
    max_iter : int, default=10000
        Largest number of iterations.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_``.
    task_column : int, str or None, default=None
        Column of X holding the task labels (then ``tasks`` is not given).
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
    verbose : int, default=0
        Print a summary of each fit.

    Attributes
    ----------
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t`; ``+inf`` or ``-inf`` for a task whose rows hold one class.
    classes_ : ndarray of shape (2,)
        The two class labels.
    tasks_ : ndarray of shape (n_tasks,)
        The task labels, sorted.
    n_passes_ : int
        Passes over the chunks of a fit on dask input: one that totals the tasks
        and classes, then one per point where the solver evaluates the loss (its
        gradient and Hessian blocks come with it) and one per duality gap.  Only
        set by fits on dask input.
    n_iter_ : int
        Iterations of the solver.
    certificate_ : float
        Relative duality gap of the solution (without a penalty, the relative
        residual of the optimality conditions).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features, when X has string column names.

    Examples
    --------
    >>> from skmtl import PenalizedClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> from skmtl.penalties import TraceNorm
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=4, random_state=0)
    >>> model = PenalizedClassifier(TraceNorm(0.05)).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:3], tasks=tasks[:3]).shape
    (3, 2)
    """

    _parameter_constraints = {**with_solvers("auto", "proximal_newton", "fista", "cvxpy"),
                              **_PenalizedFamily._family_constraints}

    def __init__(self, penalty=None, l2=0.01, *, fit_intercept=True, task_weights="uniform",
                 solver="auto", tol=1e-6, max_iter=10000, warm_start=False, task_column=None,
                 unseen_tasks="raise", verbose=0):
        super().__init__(penalty, l2, fit_intercept=fit_intercept, task_weights=task_weights,
                         solver=solver, tol=tol, max_iter=max_iter, warm_start=warm_start,
                         task_column=task_column, unseen_tasks=unseen_tasks, verbose=verbose)
