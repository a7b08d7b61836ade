r"""The convex clustered multi-task models (Zhou, Chen & Ye 2011), squared or logistic loss.

The penalty
:math:`\Omega(W) = \min_M \alpha\eta(1 + \eta)\operatorname{tr}(W^\top(\eta I + M)^{-1}W)`
(:mod:`skmtl.penalties.clustered`) is minimized by alternating minimization:
with M fixed the penalty is the quadratic :math:`\tfrac12\operatorname{tr}(W^\top Q W)`,
:math:`Q = 2\alpha\eta(1 + \eta)(\eta I + M)^{-1}`, and the W step is the quadratic
families' problem (conjugate gradient for the squared loss, Newton's method for
the logistic loss, warm-started from the previous W); with W fixed, M has a
closed form.  Nesterov momentum, restarted whenever a step does not lower the
objective, speeds up the alternation
(:func:`~skmtl.solvers.alternating.alternate`).  The objective with M
minimized out, :math:`g(W) = f(W) + \Omega(W)`, has the gradient of the W-step
objective at M = M(W) (Danskin), so the certificate is the KKT residual the
quadratic families report, for that Q.
"""

from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from .._array_api import to_numpy
from ..penalties.clustered import ClusteredPenalty
from ._base import MultiTaskLinearRegressor
from ._classifier_base import MultiTaskLinearClassifier
from ._families import _POSITIVE, _set_common_parameters, _SpectralMatrixFit, with_solvers


class ClusteredFamily(_SpectralMatrixFit):
    r""":math:`\min_M \alpha\eta(1 + \eta)\operatorname{tr}(W^\top(\eta I + M)^{-1}W)`."""

    _family = "clustered"
    _family_constraints = {
        "alpha": _POSITIVE,
        "l2": _POSITIVE,
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, alpha=1.0, l2=0.1, n_clusters=2, *, random_state=None,
                 fit_intercept=True, task_weights="uniform", solver="auto", tol=1e-6,
                 max_iter=1000, warm_start=False, task_column=None, unseen_tasks="raise",
                 verbose=0):
        self.alpha = alpha
        self.l2 = l2
        self.n_clusters = n_clusters
        self.random_state = random_state
        _set_common_parameters(self, fit_intercept=fit_intercept, task_weights=task_weights,
                               solver=solver, tol=tol, max_iter=max_iter,
                               warm_start=warm_start, task_column=task_column,
                               unseen_tasks=unseen_tasks, verbose=verbose)

    def _penalty(self, n_tasks):
        return ClusteredPenalty(self.alpha, self.l2, self.n_clusters)

    def _reference_params(self):
        return {"alpha": self.alpha, "l2": self.l2, "n_clusters": self.n_clusters}

    def _after_fit(self, xp):
        similarity = self._keep_matrix(xp)  # M is T x T
        labels = self._spectral_labels(
            to_numpy(similarity.vectors, xp), to_numpy(similarity.values, xp), similarity.rest)
        self.cluster_labels_ = xp.asarray(labels, device=similarity.vectors.device)

    @property
    def task_similarity_(self):
        return self._matrix()

    def _spectral_labels(self, vectors, values, rest):
        """k-means on the rows of M's top-k eigenvectors, numbered by first appearance.

        M's eigenvectors are U's columns (eigenvalues ``values``) and every vector
        orthogonal to them (eigenvalue ``rest``); when fewer than k of U's columns
        reach ``rest`` the top k are tied there, and the missing ones are taken
        from the orthogonal complement (any choice is a top-k eigenbasis).
        """
        n_tasks, size = vectors.shape
        k = min(self.n_clusters, n_tasks)
        if k == 1:
            return np.zeros(n_tasks, dtype=np.int64)
        if k == n_tasks:
            return np.arange(n_tasks, dtype=np.int64)
        order = np.argsort(-values, kind="stable")
        if size < n_tasks:
            order = order[values[order] >= rest]
        embedding = vectors[:, order[:k]]
        missing = k - embedding.shape[1]
        random_state = check_random_state(self.random_state)
        if missing > 0:
            draws = random_state.standard_normal((n_tasks, missing))
            draws -= vectors @ (vectors.T @ draws)
            embedding = np.hstack([embedding, np.linalg.qr(draws)[0]])
        labels = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit_predict(
            embedding)
        _, first, numbered = np.unique(labels, return_index=True, return_inverse=True)
        return np.argsort(np.argsort(first))[numbered].astype(np.int64)


class ClusteredRegressor(ClusteredFamily, MultiTaskLinearRegressor):
    r"""Convex clustered multi-task regression (Zhou, Chen & Ye 2011).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
            + \min_{M}\ \alpha\eta(1 + \eta)
              \operatorname{tr}\big(W^\top(\eta I + M)^{-1}W\big),

    :math:`\eta = l_2/\alpha`, over :math:`\{M : \operatorname{tr} M = k,\
    0 \preceq M \preceq I\}`, :math:`k = \min(n_{clusters}, T)`: the convex relaxation
    of clustering the tasks into k groups whose coefficient vectors are close to
    their group's mean.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha > 0`, the strength of the clustering penalty.
    l2 : float, default=0.1
        :math:`l_2 > 0`; :math:`\eta = l_2/\alpha` sets how far the tasks are pulled
        together within their clusters (small :math:`\eta`: strongly).
    n_clusters : int, default=2
        The number of clusters :math:`k \ge 1` (the trace of M).  It is taken as
        :math:`\min(n_{clusters}, T)`: with :math:`k = T`, :math:`M = I` and the penalty
        is :math:`l_2\|W\|_F^2`, independent ridge regressions (every task its own
        cluster).
    random_state : int, RandomState instance or None, default=None
        Seed of the k-means runs that give ``cluster_labels_``.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'alternating', 'cvxpy'}, default='auto'
        ``'alternating'`` alternates the closed-form M step with the W step (with M
        fixed, a quadratic problem solved from the previous W by preconditioned conjugate gradient),
        with Nesterov momentum restarted whenever a step does not lower the
        objective, until the certificate reaches tol; ``'auto'`` is ``'alternating'``.
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
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    task_similarity_ : array of shape (n_tasks, n_tasks)
        The minimizing M for ``coef_``, in ``tasks_`` order: symmetric, eigenvalues
        in [0, 1] summing to k.  Built on access from its eigenvectors (a fit stores
        O(T·d), not T², numbers).
    cluster_labels_ : array of shape (n_tasks,)
        Cluster of each task in ``tasks_`` order, numbered by first appearance:
        k-means (``n_init=10``, ``random_state``) on the rows of the top-k
        eigenvectors of ``task_similarity_`` (spectral clustering on M).  When the
        k-th and (k+1)-th eigenvalues of M are equal, those eigenvectors and so the
        labels are not unique.
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
        solver: the KKT residual of the objective with M minimized out. Its gradient at W is that of
        the quadratic problem with M = M(W) fixed, and the residual is measured like the quadratic
        families': :math:`\sqrt{r^\top P r / c^\top P c}` with r that gradient, c the gradient at W
        = 0 (intercepts minimized out) and P the inverse of the per-task Hessian blocks there, for
        that M.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import ClusteredRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _, clusters = make_multitask_regression(
    ...     n_tasks=6, n_features=5, structure='clustered', n_clusters=2, noise=0.1,
    ...     return_clusters=True, random_state=0)
    >>> model = ClusteredRegressor(alpha=0.1, l2=0.01, n_clusters=2, random_state=0)
    >>> model.fit(X, y, tasks=tasks).task_similarity_.shape
    (6, 6)
    >>> clusters.tolist(), model.cluster_labels_.tolist()
    ([1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1])
    """

    _parameter_constraints = {
        **with_solvers("auto", "alternating", "cvxpy"), **ClusteredFamily._family_constraints,
    }


class ClusteredClassifier(ClusteredFamily, MultiTaskLinearClassifier):
    r"""Convex clustered multi-task logistic regression (Zhou, Chen & Ye 2011).

    .. math::

        F = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
            \log(1 + e^{-y_i (x_i^\top w_t + b_t)})
            + \min_{M}\ \alpha\eta(1 + \eta)
              \operatorname{tr}\big(W^\top(\eta I + M)^{-1}W\big),

    :math:`\eta = l_2/\alpha`, over :math:`\{M : \operatorname{tr} M = k,\
    0 \preceq M \preceq I\}`, :math:`k = \min(n_{clusters}, T)`, with
    :math:`y_i = +1` for ``classes_[1]`` and :math:`-1` for ``classes_[0]``.

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha > 0`, the strength of the clustering penalty.
    l2 : float, default=0.1
        :math:`l_2 > 0`; :math:`\eta = l_2/\alpha` sets how far the tasks are pulled
        together within their clusters (small :math:`\eta`: strongly).
    n_clusters : int, default=2
        The number of clusters :math:`k \ge 1` (the trace of M).  It is taken as
        :math:`\min(n_{clusters}, T)`: with :math:`k = T`, :math:`M = I` and the penalty
        is :math:`l_2\|W\|_F^2`, independent ridge regressions (every task its own
        cluster).
    random_state : int, RandomState instance or None, default=None
        Seed of the k-means runs that give ``cluster_labels_``.
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {'uniform', 'size'} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\tau_t = S_t/\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\tau_t` in
        ``tasks_`` order.
    solver : {'auto', 'alternating', 'cvxpy'}, default='auto'
        ``'alternating'`` alternates the closed-form M step with the W step (with M
        fixed, a quadratic problem solved from the previous W by Newton's method),
        with Nesterov momentum restarted whenever a step does not lower the
        objective, until the certificate reaches tol; ``'auto'`` is ``'alternating'``.
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
    unseen_tasks : {'raise', 'population'}, default='raise'
        What ``predict``, ``decision_function`` and the other prediction methods do
        with rows of a task not seen in ``fit``: raise a ``ValueError``, or predict
        them with the population model (see ``predict_population``).
    verbose : int, default=0
        Print a summary of the solve.

    Attributes
    ----------
    task_similarity_ : array of shape (n_tasks, n_tasks)
        The minimizing M for ``coef_``, in ``tasks_`` order: symmetric, eigenvalues
        in [0, 1] summing to k.  Built on access from its eigenvectors (a fit stores
        O(T·d), not T², numbers).
    cluster_labels_ : array of shape (n_tasks,)
        Cluster of each task in ``tasks_`` order, numbered by first appearance:
        k-means (``n_init=10``, ``random_state``) on the rows of the top-k
        eigenvectors of ``task_similarity_`` (spectral clustering on M).  When the
        k-th and (k+1)-th eigenvalues of M are equal, those eigenvectors and so the
        labels are not unique.
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
        Outer iterations: the W steps taken, each a quadratic problem with M fixed (at least 1).
    certificate_ : float
        Optimality certificate of the returned solution, measured whatever the
        solver: the KKT residual of the objective with M minimized out. Its gradient at W is that of
        the quadratic problem with M = M(W) fixed, and the residual is measured like the quadratic
        families': :math:`\sqrt{r^\top P r / c^\top P c}` with r that gradient, c the gradient at W
        = 0 (with the best intercepts for it) and P the inverse of the per-task Hessian blocks
        there, for that M.
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from skmtl import ClusteredClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _, clusters = make_multitask_classification(
    ...     n_tasks=4, structure='clustered', n_clusters=2, return_clusters=True, random_state=0)
    >>> model = ClusteredClassifier(alpha=0.1, l2=0.01, random_state=0).fit(X, y, tasks=tasks)
    >>> model.predict_proba(X[:2], tasks=tasks[:2]).shape
    (2, 2)
    >>> clusters.tolist(), model.cluster_labels_.tolist()
    ([1, 0, 1, 0], [0, 1, 0, 1])
    """

    _parameter_constraints = {
        **with_solvers("auto", "alternating", "cvxpy"), **ClusteredFamily._family_constraints,
    }


