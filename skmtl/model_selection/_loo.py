r"""Exact leave-one-out predictions of the quadratic-penalty regressors.

The mean-regularized, shared-parameter and graph-regularized regressors minimize

.. math::

    \sum_t \frac{\tau_t}{2 S_t} \sum_{i \in t} s_i (y_i - x_i^\top w_t - b_t)^2
    + \tfrac12 \operatorname{tr}(W^\top Q W),
    \qquad S_t = \sum_{i \in t} s_i.

Refitting without row i of task t removes the row and changes :math:`S_t` (with
``task_weights='size'``, :math:`\tau_t/S_t = 1/\sum_s S_s` for every task); the
predictions below are those of the exact refit.

**The other tasks as a prior.**  Eliminating every other task from the optimality
conditions leaves, for task t, its own data term plus
:math:`\tfrac12 w_t^\top R_t w_t - h_t^\top w_t`, where :math:`R_t` and
:math:`h_t` do not depend on task t's rows and so serve all of them.  With the
centred statistics :math:`G_s, c_s` of :mod:`skmtl.losses` and
:math:`Q = aI - b\mathbf 1\mathbf 1^\top`,

.. math::

    F_s = (\tau_s G_s + aI)^{-1},\quad
    E_t = I - b\textstyle\sum_{s \ne t} F_s,\quad
    R_t = aI - b E_t^{-1},\quad
    h_t = b E_t^{-1} \textstyle\sum_{s \ne t} F_s \tau_s c_s,

formed without cancellation as :math:`E_t = I/T + \sum_{s \ne t} F_s(\tau_s G_s +
a - bT)/T` and :math:`R_t = E_t^{-1}\big((a - bT)I + b\sum_{s \ne t} \tau_s G_s
F_s\big)` (O(T d³) for all tasks).  For a dense Q, :math:`\tau_t G_t + R_t` is the
inverse of the t-th diagonal block of the inverse Hessian and :math:`\tau_t c_t + h_t`
that matrix times the full-data :math:`w_t`.

**One task, one row.**  In the coordinates :math:`\bar x = [x - \bar x_t;\, 1]`
(:math:`\bar x_t` the task's weighted mean), task t's full-data system is
:math:`C_t\theta_t = g_t` with :math:`C_t = \operatorname{diag}(\tau_t G_t + R_t,
\tau_t)`, :math:`g_t = [\tau_t c_t + h_t;\, \tau_t \bar y_t]`, data part
:math:`D_t = \operatorname{diag}(\tau_t G_t, \tau_t)` and
:math:`r_t = [\tau_t c_t;\, \tau_t \bar y_t]`.  Without row i the data part is
scaled by :math:`\kappa_i = S_t/(S_t - s_i)` and loses the row:

.. math::

    (K_i^{-1} - \rho_i \bar x_i \bar x_i^\top)\,\theta = k_i - \rho_i y_i \bar x_i,\quad
    K_i^{-1} = C_t + (\kappa_i - 1) D_t,\quad k_i = g_t + (\kappa_i - 1) r_t,\quad
    \rho_i = \kappa_i \tau_t s_i / S_t,

so by Sherman-Morrison the left-out prediction is

.. math::

    \hat y_{-i} = \frac{f_i - \rho_i \ell_i y_i}{1 - \rho_i \ell_i},\qquad
    f_i = \bar x_i^\top K_i k_i,\quad \ell_i = \bar x_i^\top K_i \bar x_i.

The generalized eigenvectors :math:`N` of :math:`(D_t, C_t)`
(:math:`N^\top C_t N = I`, :math:`N^\top D_t N = \Lambda`) give
:math:`K_i = N (I + (\kappa_i - 1)\Lambda)^{-1} N^\top` for every row at once:
O(d²) a row, O(T d³ + n d²) an alpha.

**task_weights='size'.**  Removing row i scales every task's data term by
:math:`\sum S/(\sum S - s_i)`, which is the same as scaling the penalty by
:math:`\gamma_i = 1 - s_i/\sum S` with :math:`\kappa_i = 1`; the priors are formed
once per distinct sample weight.

**Singular problems.**  Directions of the features along which no task's centred
rows vary (the null space of :math:`\sum_t G_t`: constant or one-hot columns next
to the intercepts, duplicated columns) carry zero coefficients in the estimators'
minimum-norm solution and are removed first.  A problem still singular after
that, or one that leaving a row out makes singular, raises a ``ValueError``.
"""

import numpy as np
from scipy.linalg import null_space
from sklearn.base import clone
from sklearn.utils.validation import _check_sample_weight, check_X_y

from .._tasks import assign_tasks, resolve_task_weights
from ..linear_model._base import MultiTaskLinearRegressor
from ..losses import routed_loss
from ..penalties import QuadraticPenalty

#: Largest dense Hessian (tasks × features) formed for a penalty without rank-one structure.
_MAX_DENSE_SIZE = 2000
#: Relative eigenvalue, or ``1 - rho * leverage``, at or below which a system is singular.
_SINGULAR_RTOL = 1e-11

_SHARED_DESIGN = (
    "leave_one_out_predictions got a 2-D y, the shared design (column t is task t on the "
    "same rows). Leave-one-out is defined for row-labelled tasks (tasks= or task_column) "
    "with a 1-D y; for the shared design use K-fold cross-validation (cv=) instead."
)
_USE_CV = "set l2 > 0, or use K-fold cross-validation (cv=) instead."


def leave_one_out_predictions(estimator, X, y, alphas, *, tasks=None, sample_weight=None,
                              parameter="alpha"):
    """Exact leave-one-out predictions of a quadratic-family regressor for each alpha.

    Entry ``[k, i]`` is the prediction for row i of the model fitted with
    ``parameter=alphas[k]`` on all rows except row i, the other parameters taken
    from ``estimator.get_params()``.  It equals that refit's prediction (up to
    rounding), at the cost of about one fit per alpha.

    Parameters
    ----------
    estimator : MeanRegularizedRegressor, SharedParameterRegressor or GraphRegularizedRegressor
        Unfitted or fitted; only its parameters are used.
    X : {array-like, DataFrame} of shape (n_samples, n_features)
        Training data; with ``task_column`` set, one column holds the task labels.
    y : array-like of shape (n_samples,)
        Targets, one per row.
    alphas : array-like of shape (n_alphas,)
        Non-negative values of ``parameter``.
    tasks : array-like of shape (n_samples,), default=None
        Task label of each row.  Without it (and without ``task_column``) all
        rows form one task.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; each task's loss is its weighted mean.
    parameter : str, default="alpha"
        The estimator parameter that ``alphas`` sets, e.g. ``"alpha_task"`` for
        :class:`~skmtl.SharedParameterRegressor`.

    Returns
    -------
    predictions : ndarray of shape (n_alphas, n_samples)

    Raises
    ------
    ValueError
        For a 2-D ``y`` (shared design), a task whose positive weight sits in a
        single row (leaving it out removes the task), a problem that is singular
        beyond features no task varies along (the estimators then return a
        minimum-norm solution), a row whose removal makes it singular, a
        ``task_graph`` whose dense Hessian has more than ``_MAX_DENSE_SIZE``
        (tasks × features) rows, and invalid ``alphas`` or ``parameter``.
    TypeError
        For an estimator other than the three regressors above.

    Notes
    -----
    The penalty is scaled per distinct sample weight when
    ``task_weights='size'``, so there the cost grows with the number of
    distinct weights.  The computation is in NumPy.
    """
    _check_estimator(estimator, parameter)
    alphas = _checked_alphas(alphas)
    problem = _Problem(estimator, X, y, tasks, sample_weight)
    predictions = np.empty((alphas.size, problem.target.size))
    for k, alpha in enumerate(alphas):
        penalty = _penalty(estimator, parameter, alpha, problem.labels)
        predictions[k] = _predictions(problem, penalty)
    return predictions


# ------------------------------------------------------------------- inputs
def _check_estimator(estimator, parameter):
    if not isinstance(estimator, MultiTaskLinearRegressor):
        raise TypeError(
            "leave_one_out_predictions needs a squared-loss skmtl regressor with a quadratic "
            f"penalty, got {type(estimator).__name__}."
        )
    if parameter not in estimator.get_params():
        raise ValueError(
            f"{type(estimator).__name__} has no parameter {parameter!r}; its parameters are "
            f"{sorted(estimator.get_params())}."
        )


def _checked_alphas(alphas):
    alphas = np.asarray(alphas, dtype=np.float64)
    if alphas.ndim != 1 or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
        raise ValueError(f"alphas must be a 1-D array of finite non-negative values, got {alphas}.")
    return alphas


def _penalty(estimator, parameter, value, labels):
    """The estimator's penalty with ``parameter=value`` on the given tasks, as fit builds it."""
    model = clone(estimator).set_params(**{parameter: value})
    model._validate_params()
    model._task_label_list = labels.tolist()
    penalty = model._penalty(len(labels))
    if not isinstance(penalty, QuadraticPenalty):
        raise TypeError(
            f"{type(estimator).__name__} has a norm penalty; exact leave-one-out applies to the "
            "quadratic penalties (mean, shared-parameter and graph regularization)."
        )
    return penalty


def _task_assignment(labels, n_samples):
    """Sorted task labels and each row's task; without labels, one task."""
    if labels is None:
        return np.arange(1), np.zeros(n_samples, dtype=np.int64)
    assignment = assign_tasks(labels, n_samples)
    return assignment.labels, assignment.index


def _check_removable(labels, task, weight):
    """Every task keeps positive weight when any one row is left out."""
    positive_rows = np.bincount(task, weights=(weight > 0).astype(float), minlength=len(labels))
    empty = labels[positive_rows == 0].tolist()
    if empty:
        raise ValueError(
            f"The sample weights of task(s) {empty[:20]} sum to zero: every task needs at "
            "least one row with positive weight."
        )
    lonely = labels[positive_rows == 1].tolist()
    if lonely:
        raise ValueError(
            f"Task(s) {lonely[:20]} have a single row (of positive weight): leaving it out "
            "removes the task, so its refit cannot predict that row. Drop these tasks or use "
            "K-fold cross-validation (cv=)."
        )


def _data_basis(grams):
    r"""Orthonormal basis of the features along which some task's centred rows vary.

    The null space of :math:`\sum_t G_t` is the common null space of the
    :math:`G_t`; on that sum scaled to a unit diagonal, eigenvalues below
    :math:`dT\varepsilon` times the largest are rounding noise (each of the T Gram matrices
    contributes about :math:`d\varepsilon` of its norm).  Without a null space
    the features are kept as they are.
    """
    count, n_features = grams.shape[0], grams.shape[-1]
    scale, values, vectors = _equilibrated_eigh(np.sum(grams, axis=0))
    noise = n_features * count * np.finfo(np.float64).eps * max(values[-1], 0.0)
    null = scale[:, None] * vectors[:, values <= noise]
    if null.shape[1] == 0:
        return np.eye(n_features)
    return null_space(null.T)


def _equilibrated_eigh(matrices):
    r"""Eigendecomposition of :math:`SAS`, with S scaling A to a unit diagonal.

    The scaling keeps badly scaled features from reading as a singular matrix.
    Diagonal entries below :math:`d\varepsilon` times the largest are rounding
    noise (a column constant within a task, centred) and are scaled as if they
    were that floor, so that the noise is not blown up into a direction.
    Returns the diagonal of S, the eigenvalues and the eigenvectors.
    """
    diagonal = np.diagonal(matrices, axis1=-2, axis2=-1)
    floor = diagonal.shape[-1] * np.finfo(np.float64).eps * np.max(diagonal, -1, keepdims=True)
    bounded = np.maximum(diagonal, floor)
    positive = bounded > 0
    scale = np.where(positive, 1.0 / np.sqrt(np.where(positive, bounded, 1.0)), 1.0)
    values, vectors = np.linalg.eigh(scale[..., :, None] * matrices * scale[..., None, :])
    return scale, values, vectors


class _Problem:
    """The rows, each task's statistics in the reduced feature basis and the refit scalings.

    Attributes
    ----------
    labels : ndarray of shape (T,)
    task : ndarray of shape (n,)
        Each row's task index.
    features : ndarray of shape (n, d)
        :math:`x_i - \\bar x_{t(i)}` in the basis of :func:`_data_basis`.
    target, weight : ndarray of shape (n,)
    task_scale, total, target_mean : ndarray of shape (T,)
        :math:`\\tau_t`, :math:`S_t` and :math:`\\bar y_t`.
    gram, linear : ndarrays of shape (T, d, d) and (T, d)
        :math:`G_t` and :math:`c_t` (:mod:`skmtl.losses`) in the reduced basis.
    gram_values, gram_vectors : eigendecomposition of ``gram``.
    data_scale, penalty_scale : ndarray of shape (n,)
        :math:`\\kappa_i` and :math:`\\gamma_i` of the refit without row i.
    fit_intercept : bool
    """

    def __init__(self, estimator, X, y, tasks, sample_weight):
        X, labels = estimator._split_input(X, tasks)
        if np.ndim(y) == 2:
            raise ValueError(_SHARED_DESIGN)
        X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True)
        weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                      ensure_non_negative=True)
        self.labels, self.task = _task_assignment(labels, X.shape[0])
        _check_removable(self.labels, self.task, weight)
        self.total = np.bincount(self.task, weights=weight, minlength=len(self.labels))
        self.task_scale = resolve_task_weights(estimator.task_weights, self.total, self.labels)
        self.fit_intercept = estimator.fit_intercept
        self.target, self.weight = y.astype(np.float64), weight
        self._set_statistics(X)
        self._set_scalings(estimator.task_weights)

    def _set_statistics(self, X):
        loss, x_offset, y_offset = routed_loss(
            X, self.target, self.weight, self.task, len(self.labels), self.task_scale,
            self.fit_intercept, np, representation="gram",
        )
        basis = _data_basis(loss.gram[self.task_scale > 0])
        self.features = (X - x_offset[self.task]) @ basis
        self.gram = _symmetric(basis.T @ loss.gram @ basis)
        self.linear = loss.linear @ basis
        self.target_mean = y_offset
        values, self.gram_vectors = np.linalg.eigh(self.gram)
        self.gram_values = np.clip(values, 0.0, None)

    def _set_scalings(self, task_weights):
        total = self.total[self.task]
        if isinstance(task_weights, str) and task_weights == "size":
            self.data_scale = np.ones_like(total)
            self.penalty_scale = 1.0 - self.weight / np.sum(self.total)
        else:
            self.data_scale = total / (total - self.weight)
            self.penalty_scale = np.ones_like(total)


# -------------------------------------------------------- the other tasks
def _symmetric(matrices):
    return 0.5 * (matrices + np.swapaxes(matrices, -1, -2))


def _spectral(vectors, values):
    """Stack of :math:`V_t \\operatorname{diag}(v_t) V_t^\\top`."""
    return (vectors * values[:, None, :]) @ np.swapaxes(vectors, -1, -2)


def _exclusive_sum(values):
    """Entry t is the sum of all entries but t, summed without subtracting."""
    zero = np.zeros_like(values[:1])
    before = np.concatenate([zero, np.cumsum(values[:-1], axis=0)])
    after = np.concatenate([np.cumsum(values[:0:-1], axis=0)[::-1], zero])
    return before + after


def _task_systems(problem, penalty, scale):
    r"""Each task's :math:`\tau_t G_t + R_t` and :math:`\tau_t c_t + h_t`, Q times ``scale``."""
    if problem.gram.shape[-1] == 0:
        return problem.gram, problem.linear
    if penalty.rank_one is not None:
        a, b = penalty.rank_one
        return _rank_one_systems(problem, scale * a, scale * b)
    return _dense_systems(problem, scale * np.asarray(penalty.coupling, dtype=np.float64))


def _rank_one_systems(problem, a, b):
    r""":func:`_task_systems` for :math:`Q = aI - b\mathbf 1\mathbf 1^\top` (module docstring)."""
    tau = problem.task_scale
    n_tasks, n_features = problem.linear.shape
    eye = np.eye(n_features)
    data = tau[:, None, None] * problem.gram
    rhs = tau[:, None] * problem.linear
    if b == 0:
        return data + a * eye, rhs
    gap = max(a - b * n_tasks, 0.0)
    curvature = tau[:, None] * problem.gram_values
    denominator = curvature + a
    vectors = problem.gram_vectors
    inverses = _spectral(vectors, 1.0 / denominator)
    schur = eye / n_tasks + _exclusive_sum(
        _spectral(vectors, (curvature + gap) / (n_tasks * denominator))
    )
    numerator = gap * eye + b * _exclusive_sum(_spectral(vectors, curvature / denominator))
    prior = _symmetric(np.linalg.solve(schur, numerator))
    message = _exclusive_sum((inverses @ rhs[..., None])[..., 0])
    shift = b * np.linalg.solve(schur, message[..., None])[..., 0]
    return data + prior, rhs + shift


def _dense_systems(problem, coupling):
    """:func:`_task_systems` for a dense Q, from the inverse of the whole Hessian."""
    tau = problem.task_scale
    n_tasks, n_features = problem.linear.shape
    size = n_tasks * n_features
    if size > _MAX_DENSE_SIZE:
        raise ValueError(
            f"Exact leave-one-out with a task_graph forms a dense Hessian of size {size} "
            f"({n_tasks} tasks × {n_features} features), above the limit of "
            f"{_MAX_DENSE_SIZE}; use K-fold cross-validation (cv=) instead."
        )
    diagonal = np.arange(n_tasks)
    hessian = np.kron(coupling, np.eye(n_features)).reshape(n_tasks, n_features, n_tasks, -1)
    hessian[diagonal, :, diagonal, :] += tau[:, None, None] * problem.gram
    scale, values, vectors = _equilibrated_eigh(_symmetric(hessian.reshape(size, size)))
    if values[0] <= _SINGULAR_RTOL * values[-1]:
        raise ValueError(
            "The penalized least-squares problem is singular (the estimator returns its "
            f"minimum-norm solution, which leave-one-out does not follow); {_USE_CV}"
        )
    inverse = scale[:, None] * ((vectors / values) @ vectors.T) * scale
    coef = (inverse @ (tau[:, None] * problem.linear).reshape(-1)).reshape(n_tasks, -1)
    blocks = inverse.reshape(n_tasks, n_features, n_tasks, -1)[diagonal, :, diagonal, :]
    systems = _symmetric(np.linalg.inv(blocks))
    return systems, (systems @ coef[..., None])[..., 0]


# ------------------------------------------------------------ one task, one row
def _generalized_eigen(systems, data, labels):
    r""":math:`N_t, \Lambda_t` with :math:`N^\top C N = I` and :math:`N^\top D N = \Lambda`."""
    if systems.shape[-1] == 0:
        return systems, np.zeros(systems.shape[:2])
    scale, values, vectors = _equilibrated_eigh(systems)
    singular = values[:, 0] <= _SINGULAR_RTOL * values[:, -1]
    if np.any(singular):
        raise ValueError(
            f"The penalized least-squares problem is singular for task(s) "
            f"{labels[singular].tolist()[:20]} (the estimator returns its minimum-norm "
            f"solution, which leave-one-out does not follow); {_USE_CV}"
        )
    whitening = scale[:, :, None] * vectors / np.sqrt(values)[:, None, :]
    data = _symmetric(np.swapaxes(whitening, -1, -2) @ data @ whitening)
    eigenvalues, rotations = np.linalg.eigh(data)
    return whitening @ rotations, np.clip(eigenvalues, 0.0, None)


def _projections(problem, bases, rows):
    """Each row's centred features in its task's basis."""
    task = problem.task[rows]
    projected = np.empty((rows.size, bases.shape[-1]))
    for t in np.unique(task):
        mine = task == t
        projected[mine] = problem.features[rows[mine]] @ bases[t]
    return projected


def _task_coordinates(problem, systems, rhs, rows):
    r"""Rows and right-hand sides in the generalized eigenbases of the tasks.

    Returns :math:`N_{t(i)}^\top \bar x_i` (one row per row of ``rows``) and,
    one row per task, :math:`\Lambda_t`, :math:`N_t^\top g_t` and
    :math:`N_t^\top r_t`.  The intercept coordinate is its own eigenvector,
    :math:`\tau_t^{-1/2}` with :math:`\lambda = 1` (0 for :math:`\tau_t = 0`).
    """
    tau = problem.task_scale
    bases, eigenvalues = _generalized_eigen(
        systems, tau[:, None, None] * problem.gram, problem.labels
    )
    projected = _projections(problem, bases, rows)
    transposed = np.swapaxes(bases, -1, -2)
    full = (transposed @ rhs[..., None])[..., 0]
    data = (transposed @ (tau[:, None] * problem.linear)[..., None])[..., 0]
    if not problem.fit_intercept:
        return projected, eigenvalues, full, data
    root = np.sqrt(tau)
    inverse_root = np.divide(1.0, root, out=np.zeros_like(root), where=tau > 0)
    intercept = root * problem.target_mean
    return (
        np.column_stack([projected, inverse_root[problem.task[rows]]]),
        np.column_stack([eigenvalues, np.ones_like(tau)]),
        np.column_stack([full, intercept]),
        np.column_stack([data, intercept]),
    )


def _row_predictions(problem, systems, rhs, rows):
    r"""Left-out predictions of ``rows``, :math:`(f_i - \rho_i\ell_i y_i)/(1 - \rho_i\ell_i)`."""
    projected, eigenvalues, full, data = _task_coordinates(problem, systems, rhs, rows)
    task = problem.task[rows]
    excess = problem.data_scale[rows, None] - 1.0
    denominator = 1.0 + excess * eigenvalues[task]
    fitted = np.sum(projected * (full[task] + excess * data[task]) / denominator, axis=1)
    leverage = np.sum(projected**2 / denominator, axis=1)
    rho = (problem.data_scale[rows] * problem.task_scale[task] * problem.weight[rows]
           / problem.total[task])
    _check_leverage(rows, 1.0 - rho * leverage, rho)
    predictions = (fitted - rho * leverage * problem.target[rows]) / (1.0 - rho * leverage)
    if problem.fit_intercept:
        predictions = _zero_weight_task_intercepts(problem, rows, predictions)
    return predictions


def _check_leverage(rows, remainder, rho):
    singular = (rho > 0) & (remainder <= _SINGULAR_RTOL)
    if np.any(singular):
        raise ValueError(
            f"Leaving out row(s) {rows[singular].tolist()[:20]} makes the penalized "
            f"least-squares problem singular; {_USE_CV}"
        )


def _zero_weight_task_intercepts(problem, rows, predictions):
    r"""Rows of tasks with :math:`\tau_t = 0`: the intercept is the refit's mean residual.

    Their coefficients do not depend on their own rows, ``predictions`` holds
    :math:`(x_i - \bar x_t)^\top w_t`, and the refit's intercept in these
    coordinates is :math:`(S_t \bar y_t - s_i e_i)/(S_t - s_i)` with
    :math:`e_i = y_i - (x_i - \bar x_t)^\top w_t`.
    """
    task = problem.task[rows]
    free = problem.task_scale[task] == 0
    if not np.any(free):
        return predictions
    task, weight = task[free], problem.weight[rows[free]]
    residual = problem.target[rows[free]] - predictions[free]
    total = problem.total[task]
    predictions[free] += (total * problem.target_mean[task] - weight * residual) / (total - weight)
    return predictions


def _predictions(problem, penalty):
    """Left-out predictions of every row for one penalty, one pass per penalty scale."""
    predictions = np.empty(problem.target.size)
    scales, group = np.unique(problem.penalty_scale, return_inverse=True)
    for g, scale in enumerate(scales):
        rows = np.flatnonzero(group == g)
        systems, rhs = _task_systems(problem, penalty, scale)
        predictions[rows] = _row_predictions(problem, systems, rhs, rows)
    return predictions
