r"""Convex alternating structure optimization (Chen, Tang, Liu & Ye 2009): the tasks'
coefficient vectors near a shared low-dimensional feature subspace, squared or
logistic loss.

The penalty
:math:`\Omega(W) = \min_M \alpha\eta(1 + \eta)\operatorname{tr}(W(\eta I + M)^{-1}W^\top)`
over d×d feature matrices M (:mod:`skmtl.penalties.subspace`) is the convex clustered
penalty of :math:`W^\top`, and is fitted by the same alternating minimization
(:func:`~skmtl.solvers.alternating.alternate`): with M fixed the penalty is the
quadratic :math:`\tfrac12\operatorname{tr}(W R W^\top)`,
:math:`R = 2\alpha\eta(1 + \eta)(\eta I + M)^{-1}`, and the W step is a quadratic
problem (conjugate gradient for the squared loss, Newton's method for the logistic
loss, warm-started from the previous W); with W fixed, M has a closed form from
the thin SVD of W.  The certificate is the KKT residual of the W-step problem at
M = M(W), as for the clustered models.
"""

from numbers import Integral

from sklearn.utils._param_validation import Interval

from ..penalties.subspace import SharedSubspacePenalty, leading_subspace
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._families import _POSITIVE, _set_common_parameters, _SpectralMatrixFit, with_solvers


class SharedSubspaceFamily(_SpectralMatrixFit):
    r""":math:`\min_M \alpha\eta(1 + \eta)\operatorname{tr}(W(\eta I + M)^{-1}W^\top)`."""

    _family = "shared_subspace"
    _family_constraints = {
        "alpha": _POSITIVE,
        "l2": _POSITIVE,
        "n_components": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, alpha=1.0, l2=0.1, n_components=2, *, fit_intercept=True,
                 task_weights="uniform", solver="auto", tol=1e-6, max_iter=1000,
                 warm_start=False, task_column=None, unseen_tasks="raise", verbose=0):
        self.alpha = alpha
        self.l2 = l2
        self.n_components = n_components
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _penalty(self, n_tasks):
        return SharedSubspacePenalty(self.alpha, self.l2, self.n_components)

    def _reference_params(self):
        return {"alpha": self.alpha, "l2": self.l2, "n_components": self.n_components}

    def _after_fit(self, xp):
        similarity = self._keep_matrix(xp)  # M is d x d
        k = min(self.n_components, self.coef_.shape[1])
        self.feature_subspace_ = leading_subspace(similarity, k, xp)

    @property
    def feature_similarity_(self):
        return self._matrix()


class SharedSubspaceRegressor(SharedSubspaceFamily, MultiTaskLinearRegressor):
    r"""Convex alternating structure optimization, squared loss (Chen, Tang, Liu & Ye 2009).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \min_{M}\ \alpha\eta(1 + \eta)
              \operatorname{tr}\big(W(\eta I + M)^{-1}W^\top\big),

    :math:`\eta = l_2/\alpha`, over the d×d matrices
    :math:`\{M : \operatorname{tr} M = k,\ 0 \preceq M \preceq I\}`,
    :math:`k = \min(n_{components}, d)`: the convex relaxation of ASO, where every
    task's coefficient vector is a part in a shared k-dimensional feature subspace
    (the range of M) plus a small remainder.  It is the penalty of
    :class:`ClusteredRegressor` with the features in the place of the tasks, and
    the two penalties are equal at every W with ``n_clusters = n_components`` (both
    are the same function of W's singular values): the fits agree, and this one
    reports the feature subspace.  It has no ``alpha_max`` (the penalty
    is quadratic: W = 0 only in the limit); choose ``alpha``, ``l2`` and
    ``n_components`` by cross-validation (``GridSearchCV``).

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha > 0`, the strength of the penalty.
    l2 : float, default=0.1
        :math:`l_2 > 0`; :math:`\eta = l_2/\alpha` sets how much of the coefficients may
        lie outside the shared subspace (small :math:`\eta`: little).
    n_components : int, default=2
        The dimension :math:`k \ge 1` of the shared subspace (the trace of M), taken as
        :math:`\min(n_{components}, d)`: with :math:`k = d`, :math:`M = I` and the penalty
        is :math:`l_2\|W\|_F^2`, independent ridge regressions.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'alternating', 'cvxpy'}, default='auto'
        ``'alternating'`` alternates the closed-form M step (from the thin SVD of W) with
        the W step (with M fixed, a quadratic problem separable over the tasks, solved
        from the previous W by preconditioned conjugate gradient), with Nesterov momentum
        restarted whenever a step does not lower the objective, until the certificate
        reaches tol; ``'auto'`` is ``'alternating'``.  ``'cvxpy'`` solves the same
        objective with cvxpy and Clarabel, the exact reference (slow; needs the
        ``cvxpy`` extra).
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
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    feature_subspace_ : array of shape (n_features, k)
        An orthonormal basis of the shared subspace: the top k eigenvectors of
        ``feature_similarity_``, which are the top k right singular vectors of
        ``coef_`` (by decreasing eigenvalue; each column's entry of largest magnitude
        is positive).  When ``coef_`` has rank r < k, the last k - r columns are
        orthogonal to its rows and any such choice is optimal.
    feature_similarity_ : array of shape (n_features, n_features)
        The minimizing M for ``coef_``: symmetric, eigenvalues in [0, 1] summing to k.
        Built on access from its eigenvectors (a fit stores O(T·d), not d², numbers).
        Its eigenvectors orthogonal to the rows of ``coef_`` do not change the
        objective; they share one eigenvalue.
    coef_ : array of shape (n_tasks, n_features)
        Row t is :math:`w_t` of task ``tasks_[t]``.
    intercept_ : array of shape (n_tasks,)
        :math:`b_t` (zeros when ``fit_intercept=False``).
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels (``0..T-1`` for the columns of a shared-design ``y``).
    n_iter_ : int
        Outer iterations: the W steps taken, each a quadratic problem with M fixed (at least 1).
    certificate_ : float
        Optimality certificate of the returned solution, measured whatever the
        solver: the KKT residual of the objective with M minimized out. Its gradient at W
        is that of the quadratic problem with M = M(W) fixed, and the residual is measured
        like the quadratic families': :math:`\sqrt{r^\top P r / c^\top P c}` with r that
        gradient, c the gradient at W = 0 (intercepts minimized out) and P the inverse of
        the per-task Hessian blocks there, R approximated by its largest eigenvalue.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import SharedSubspaceRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(
    ...     n_tasks=6, n_features=5, structure='lowrank', rank=1, noise=0.1, random_state=0)
    >>> model = SharedSubspaceRegressor(alpha=0.1, l2=0.01, n_components=1)
    >>> model.fit(X, y, tasks=tasks).feature_subspace_.shape
    (5, 1)
    """

    _parameter_constraints = {
        **with_solvers("auto", "alternating", "cvxpy"),
        **SharedSubspaceFamily._family_constraints,
    }


class SharedSubspaceClassifier(SharedSubspaceFamily, MultiTaskLinearClassifier):
    r"""Convex alternating structure optimization, logistic loss (Chen, Tang, Liu & Ye 2009).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \min_{M}\ \alpha\eta(1 + \eta)
              \operatorname{tr}\big(W(\eta I + M)^{-1}W^\top\big),

    :math:`\eta = l_2/\alpha`, over the d×d matrices
    :math:`\{M : \operatorname{tr} M = k,\ 0 \preceq M \preceq I\}`,
    :math:`k = \min(n_{components}, d)`, with :math:`y_i = +1` for ``classes_[1]`` and
    :math:`-1` for ``classes_[0]``.  It is the penalty of :class:`ClusteredClassifier`
    with the features in the place of the tasks (equal to it at every W with
    ``n_clusters = n_components``).  It has no ``alpha_max``; choose the parameters by
    cross-validation (``GridSearchCV``).

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha > 0`, the strength of the penalty.
    l2 : float, default=0.1
        :math:`l_2 > 0`; :math:`\eta = l_2/\alpha` sets how much of the coefficients may
        lie outside the shared subspace (small :math:`\eta`: little).
    n_components : int, default=2
        The dimension :math:`k \ge 1` of the shared subspace (the trace of M), taken as
        :math:`\min(n_{components}, d)`: with :math:`k = d`, :math:`M = I` and the penalty
        is :math:`l_2\|W\|_F^2`, independent ridge logistic regressions.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'alternating', 'cvxpy'}, default='auto'
        ``'alternating'`` alternates the closed-form M step (from the thin SVD of W) with
        the W step (with M fixed, a quadratic problem solved from the previous W by
        Newton's method), with Nesterov momentum restarted whenever a step does not lower
        the objective, until the certificate reaches tol; ``'auto'`` is
        ``'alternating'``.  ``'cvxpy'`` solves the same objective with cvxpy and
        Clarabel, the exact reference (slow; needs the ``cvxpy`` extra).
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
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    feature_subspace_ : array of shape (n_features, k)
        An orthonormal basis of the shared subspace: the top k eigenvectors of
        ``feature_similarity_``, which are the top k right singular vectors of
        ``coef_`` (by decreasing eigenvalue; each column's entry of largest magnitude
        is positive).  When ``coef_`` has rank r < k, the last k - r columns are
        orthogonal to its rows and any such choice is optimal.
    feature_similarity_ : array of shape (n_features, n_features)
        The minimizing M for ``coef_``: symmetric, eigenvalues in [0, 1] summing to k.
        Built on access from its eigenvectors (a fit stores O(T·d), not d², numbers).
        Its eigenvectors orthogonal to the rows of ``coef_`` do not change the
        objective; they share one eigenvalue.
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
        Outer iterations: the W steps taken, each a quadratic problem with M fixed (at least 1).
    certificate_ : float
        Optimality certificate of the returned solution, measured whatever the
        solver: the KKT residual of the objective with M minimized out. Its gradient at W
        is that of the quadratic problem with M = M(W) fixed, and the residual is measured
        like the quadratic families': :math:`\sqrt{r^\top P r / c^\top P c}` with r that
        gradient, c the gradient at W = 0 (with the best intercepts for it) and P the
        inverse of the per-task Hessian blocks there, R approximated by its largest
        eigenvalue.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import SharedSubspaceClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(
    ...     n_tasks=4, n_features=5, structure='lowrank', rank=1, random_state=0)
    >>> model = SharedSubspaceClassifier(alpha=0.1, l2=0.01, n_components=1)
    >>> model.fit(X, y, tasks=tasks).predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        **with_solvers("auto", "alternating", "cvxpy"),
        **SharedSubspaceFamily._family_constraints,
    }
