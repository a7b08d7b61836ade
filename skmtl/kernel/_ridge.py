r"""Multi-task kernel ridge regression.

Minimizes, over f in the RKHS of :math:`K((x, s), (z, t)) = B_{st}\,k(x, z)` and
per-task intercepts b,

.. math::

    F(f, b) = \sum_t \frac{\tau_t}{S_t} \sum_{i \in t} s_i
              \frac{(y_i - f(x_i, t) - b_t)^2}{2} + \frac{\alpha}{2}\|f\|_{\mathcal H}^2 .

With :math:`\omega_i = \tau_t s_i / S_t` and :math:`G = \Omega^{1/2} K \Omega^{1/2}`,
minimizing out the intercepts projects onto the complement of each task's
:math:`\Omega^{1/2}\mathbf 1_t` (:math:`\Pi`), and the solution is
:math:`f = \sum_j c_j K((x_j, t_j), \cdot)` with
:math:`c = \Omega^{1/2} v`, :math:`(\Pi G \Pi + \alpha I)\, v = \Pi\,\Omega^{1/2} y`
(one Cholesky factorization), and :math:`b_t` the weighted mean of
:math:`y - f` over task t.  On a shared design :math:`\Pi G \Pi` is the
Kronecker product of a T×T and an n×n matrix: one eigendecomposition of each
solves the system in :math:`O(n^3 + T^3)` instead of :math:`O((nT)^3)`.
"""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._array_api import add_to_diagonal, device_of, spd_solve
from .._scoring import r2_of_observed
from ._base import KERNEL_CONSTRAINTS, KERNEL_PARAMETERS_DOC, MultiTaskKernelModel


def _task_projection(one_hot, root_weight, xp):
    """:math:`\\Pi`: removes from columns each task's component along
    :math:`\\Omega^{1/2}\\mathbf 1_t` (``one_hot`` (n, T): the task of each row)."""
    U = one_hot * root_weight[:, None]
    norms = xp.linalg.vector_norm(U, axis=0)
    U = U / xp.where(norms > 0, norms, 1.0)
    return lambda Z: Z - U @ (xp.matrix_transpose(U) @ Z)


class MultiTaskKernelRidge(RegressorMixin, MultiTaskKernelModel):
    r"""Multi-task kernel ridge regression (Evgeniou, Micchelli & Pontil 2005).

    Minimizes over f in the RKHS of the multi-task kernel
    :math:`K((x, s), (z, t)) = B_{{st}}\,k(x, z)` and per-task intercepts b

    .. math::

        F(f, b) = \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}} s_i
                  \frac{{(y_i - f(x_i, t) - b_t)^2}}{{2}}
                  + \frac{{\alpha}}{{2}}\|f\|_{{\mathcal H}}^2 ,

    each task's weighted mean squared error plus the RKHS norm.  With a linear k
    and a positive definite B, :math:`f(x, t) = w_t^\top x` and
    :math:`\alpha\|f\|^2 = \operatorname{{tr}}(W^\top \alpha B^{{-1}} W)`: ``'mean'``
    with similarity :math:`\rho` is ``SharedParameterRegressor(alpha_shared=alpha/rho,
    alpha_task=alpha/(1 - rho))``, ``'graph'`` is
    ``GraphRegularizedRegressor(alpha=alpha, l2=alpha*graph_ridge)``.

    As for scikit-learn's :class:`~sklearn.kernel_ridge.KernelRidge`, the cost is set
    by the n training rows, not by the tasks: the fit holds n×n matrices and
    factorizes one (memory :math:`O(n^2)`, time :math:`O(n^3)`).  For many small
    tasks with a linear kernel, the linear estimators it equals scale with the
    tasks instead.

    Parameters
    ----------
    alpha : float > 0, default=1.0
        :math:`\alpha`.
    {kernel_parameters}
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task (minimized out exactly: the
        kernel is centred within each task).
    task_weights : {{'uniform', 'size'}} or array-like of shape (n_tasks,), default='uniform'
        :math:`\tau_t`, as in the linear estimators.
    solver : {{'auto', 'cholesky', 'eigen'}}, default='auto'
        ``'cholesky'`` factorizes the regularized (rows × rows) multi-task Gram
        matrix; ``'eigen'`` (shared design only) uses the eigendecompositions of
        the n×n input Gram matrix and of B; ``'auto'`` picks ``'eigen'`` for the
        shared design, else ``'cholesky'``.
    task_column : str or int, default=None
        Column of ``X`` holding the task labels.
    unseen_tasks : {{'raise', 'population'}}, default='raise'
        What ``predict`` does with rows of a task not seen in ``fit``: raise a
        ``ValueError``, or predict them with the population model, the mean of
        the tasks' predictions (see ``predict_population``).

    Attributes
    ----------
    X_fit_ : array of shape (n_fit_rows, n_features)
        The training rows (each row once, also in the shared design).
    dual_coef_ : array of shape (n_fit_rows, n_tasks)
        :math:`c`: entry (j, s) weighs :math:`K((x_j, s), \cdot)` (one non-zero per
        row for labelled rows, every task for the shared design).
    intercept_ : array of shape (n_tasks,)
        :math:`b_t`.
    task_kernel_ : array of shape (n_tasks, n_tasks)
        B.
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels (``0..T-1`` for the columns of a shared-design ``y``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (``n_features_in_``,)

    Examples
    --------
    >>> from skmtl.kernel import MultiTaskKernelRidge
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> model = MultiTaskKernelRidge(alpha=0.1, kernel="rbf", task_similarity=0.7)
    >>> model.fit(X, y, tasks=tasks).predict(X[:2], tasks=tasks[:2]).shape
    (2,)
    """

    _parameter_constraints = {
        **KERNEL_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "solver": [StrOptions({"auto", "cholesky", "eigen"})],
        "unseen_tasks": [StrOptions({"raise", "population"})],
    }
    _fitted_array = "X_fit_"

    def __init__(self, alpha=1.0, *, kernel="linear", gamma=None, degree=3, coef0=1,
                 kernel_params=None, task_kernel="mean", task_similarity=0.5, task_graph=None,
                 graph_ridge=1.0, fit_intercept=True, task_weights="uniform", solver="auto",
                 task_column=None, unseen_tasks="raise"):
        self.alpha = alpha
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.task_kernel = task_kernel
        self.task_similarity = task_similarity
        self.task_graph = task_graph
        self.graph_ridge = graph_ridge
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.solver = solver
        self.task_column = task_column
        self.unseen_tasks = unseen_tasks

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets; a 2-D ``y`` without task labels is the shared design (NaN: a
            response not observed).
        tasks : array-like of shape (n_samples,), default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        X, y, labels, sample_weight, xp = self._validate_fit_input(X, y, tasks, sample_weight)
        task_index, task_scale = self._assign_tasks(X, y, labels, sample_weight, xp)
        self._set_tasks_attribute(X, xp)
        n_tasks = len(self._task_labels)
        B = xp.asarray(self._task_kernel(n_tasks), dtype=X.dtype, device=device_of(X))
        self.task_kernel_ = B
        solver = self.solver
        if solver == "auto":
            solver = "eigen" if task_index is None else "cholesky"
        if solver == "eigen" and task_index is not None:
            raise ValueError(
                "solver='eigen' needs the shared design (a 2-D y without task labels); "
                "use solver='cholesky'."
            )
        if task_index is None:
            Y = y if y.ndim == 2 else y[:, None]
            if solver == "eigen":
                self._fit_shared_design(X, Y, sample_weight, task_scale, B, xp)
                return self
            X, y, sample_weight, task_index = self._expanded_shared_design(
                X, Y, sample_weight, xp
            )
        self._fit_rows(X, y, sample_weight, task_index, task_scale, B, xp)
        return self

    def _fit_rows(self, X, y, sample_weight, task_index, task_scale, B, xp):
        """The general route: one Cholesky factorization of the rows' system."""
        n_tasks = B.shape[0]
        task_xp = xp.asarray(task_index, device=device_of(X))
        one_hot = xp.asarray(
            (task_index[:, None] == np.arange(n_tasks)[None, :]).astype(np.float64),
            dtype=X.dtype, device=device_of(X),
        )
        totals = xp.matrix_transpose(one_hot) @ sample_weight
        weight = sample_weight * xp.take(task_scale / totals, task_xp)
        root = xp.sqrt(weight)
        row_task_kernel = xp.take(xp.take(B, task_xp, axis=0), task_xp, axis=1)
        gram = row_task_kernel * self._input_kernel(X, X)
        scaled = root[:, None] * gram * root[None, :]
        target = root * y
        if self.fit_intercept:
            project = _task_projection(one_hot, root, xp)
            scaled = project(xp.matrix_transpose(project(scaled)))
            target = project(target[:, None])[:, 0]
        solution = spd_solve(add_to_diagonal(scaled, float(self.alpha), xp), target, xp)
        coef = root * solution
        self._set_fit(X, coef[:, None] * one_hot, B, xp)
        if self.fit_intercept:
            residual_mass = xp.matrix_transpose(one_hot) @ (weight * (y - gram @ coef))
            self.intercept_ = residual_mass / (xp.matrix_transpose(one_hot) @ weight)
        else:
            self.intercept_ = xp.zeros(n_tasks, dtype=X.dtype, device=device_of(X))

    def _fit_shared_design(self, X, Y, sample_weight, task_scale, B, xp):
        """The Kronecker route: eigendecompositions of the n×n and T×T factors."""
        share = sample_weight / xp.sum(sample_weight)
        root_share, root_scale = xp.sqrt(share), xp.sqrt(task_scale)
        rows = root_share[:, None] * self._input_kernel(X, X) * root_share[None, :]
        tasks = root_scale[:, None] * B * root_scale[None, :]
        target = root_share[:, None] * Y * root_scale[None, :]
        if self.fit_intercept:
            unit = root_share / xp.linalg.vector_norm(root_share)
            projector = add_to_diagonal(-(unit[:, None] * unit[None, :]), 1.0, xp)
            rows = projector @ rows @ projector
            target = projector @ target
        row_values, row_vectors = xp.linalg.eigh(rows)
        task_values, task_vectors = xp.linalg.eigh(tasks)
        row_values = xp.clip(row_values, min=0.0)
        task_values = xp.clip(task_values, min=0.0)
        rotated = xp.matrix_transpose(row_vectors) @ target @ task_vectors
        rotated = rotated / (row_values[:, None] * task_values[None, :] + self.alpha)
        solution = row_vectors @ rotated @ xp.matrix_transpose(task_vectors)
        coef = root_share[:, None] * solution * root_scale[None, :]
        self._set_fit(X, coef, B, xp)
        if self.fit_intercept:
            fitted = self._input_kernel(X, X) @ self._dual_times_task_kernel
            self.intercept_ = share @ (Y - fitted)
        else:
            self.intercept_ = xp.zeros(B.shape[0], dtype=X.dtype, device=device_of(X))

    def _set_fit(self, X, dual_coef, B, xp):
        self.X_fit_ = X
        self.dual_coef_ = dual_coef
        self._dual_times_task_kernel = dual_coef @ B

    def _all_tasks(self, X):
        """Predictions of every row for every task, shape (n_samples, n_tasks)."""
        return (self._input_kernel(X, self.X_fit_) @ self._dual_times_task_kernel
                + self.intercept_)

    def predict(self, X, tasks=None):
        """Predict with the model of each row's task.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row (required for a model fitted on labelled rows
            of several tasks).

        Returns
        -------
        y_pred : array of shape (n_samples,) or (n_samples, n_tasks)
        """
        check_is_fitted(self)
        X, labels = self._split_input(X, tasks)
        X, xp = self._validated_features(X, "predict")
        row_task = self._row_task_index(labels, X.shape[0], self.unseen_tasks)
        every = self._all_tasks(X)
        if row_task is None:
            return every if self._shared_design_ndim == 2 else every[:, 0]
        unseen = row_task < 0
        index = xp.asarray(np.where(unseen, 0, row_task), device=device_of(X))
        rows = xp.arange(X.shape[0], device=device_of(X))
        own = xp.take(xp.reshape(every, (-1,)), rows * every.shape[1] + index)
        if not np.any(unseen):
            return own
        return xp.where(xp.asarray(unseen, device=device_of(X)), xp.mean(every, axis=1), own)

    def predict_population(self, X):
        """Predict every row with the population model: the mean of the tasks' predictions.

        With a linear input kernel this is the model with the mean coefficients and
        the mean intercept, as for the linear estimators; it serves the rows of
        tasks not seen in ``fit`` (``unseen_tasks='population'``).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Samples; with ``task_column`` set, including the task column (ignored).

        Returns
        -------
        y_pred : array of shape (n_samples,)
        """
        check_is_fitted(self)
        X, xp = self._validated_features(self._split_input(X, None)[0], "predict_population")
        return xp.mean(self._all_tasks(X), axis=1)

    def score(self, X, y, tasks=None, sample_weight=None):
        """R² of the predictions (uniform average over the columns of a 2-D y)."""
        return r2_of_observed(y, self.predict(X, tasks=tasks), sample_weight)


MultiTaskKernelRidge.__doc__ = MultiTaskKernelRidge.__doc__.format(
    kernel_parameters=KERNEL_PARAMETERS_DOC.strip()
)
