r"""Compiled inner loops of block coordinate descent (numba).

A block is one column :math:`v \in \mathbb R^T` of the variable V (T, B); it
enters the data term through feature column ``feature[b]`` of
:math:`W = \sum_{b \to f} V_{:,b}` and is penalized by
:math:`\lambda_1\|v\|_1 + \lambda_2\|v\|_2 + \tfrac{l_2}2\|v\|^2`.  A block
update minimizes that penalty plus the separable second-order model of the
data term along the block: exact, since the data term's Hessian restricted to
a column of W is diagonal over the tasks (each task has its own rows).

Three layouts of the squared loss keep what a block update needs up to date:

* statistics: :math:`H_t = G_t w_t` for every task (an update costs O(T d));
* routed rows, sorted by task: the residuals (an update costs O(n));
* shared design: the residual matrix R (n, T) (an update costs O(n T));
* the same two on the CSC columns of a sparse X, centred implicitly (an update
  costs the column's non-zeros).
"""

import numpy as np
from numba import njit

#: Newton steps of the block's secular equation; it converges monotonically and
#: quadratically, usually in 3–5.
_SECULAR_STEPS = 60


@njit(cache=True)
def _soft(value, threshold):
    if value > threshold:
        return value - threshold
    if value < -threshold:
        return value + threshold
    return 0.0


@njit(cache=True)
def block_minimize(rhs, curvature, l1, group, out):
    r"""Minimize :math:`\sum_t (a_t v_t^2/2 - b_t v_t) + \lambda_1\|v\|_1 + \lambda_2\|v\|_2`.

    With :math:`u = \operatorname{soft}(b, \lambda_1)`, the minimizer is zero when
    :math:`\|u\| \le \lambda_2`; otherwise :math:`v_t = u_t r / (a_t r + \lambda_2)`
    where :math:`r = \|v\| > 0` solves :math:`\sum_t u_t^2/(a_t r + \lambda_2)^2 = 1`,
    a convex decreasing equation solved by Newton's method from
    :math:`(\|u\| - \lambda_2)/\max_t a_t`, a point left of the root.  Entries with
    :math:`a_t = 0` (a column without data, no ridge) have :math:`u_t = 0` and stay 0.
    """
    n = rhs.shape[0]
    norm_u = 0.0
    largest = 0.0
    for t in range(n):
        u = _soft(rhs[t], l1)
        out[t] = u
        norm_u += u * u
        if curvature[t] > largest:
            largest = curvature[t]
    norm_u = np.sqrt(norm_u)
    if norm_u == 0.0:
        for t in range(n):
            out[t] = 0.0
        return
    if group == 0.0:
        for t in range(n):
            out[t] = out[t] / curvature[t] if curvature[t] > 0.0 else 0.0
        return
    if norm_u <= group:
        for t in range(n):
            out[t] = 0.0
        return
    radius = (norm_u - group) / largest
    for _ in range(_SECULAR_STEPS):
        value = -1.0
        slope = 0.0
        for t in range(n):
            denominator = curvature[t] * radius + group
            ratio = out[t] * out[t] / (denominator * denominator)
            value += ratio
            slope -= 2.0 * ratio * curvature[t] / denominator
        if value <= 0.0 or slope == 0.0:
            break
        step = value / slope
        radius -= step
        if -step <= 1e-15 * radius:
            break
    for t in range(n):
        out[t] = out[t] * radius / (curvature[t] * radius + group)


@njit(cache=True)
def block_gauge(z, l1, group):
    r"""Gauge of :math:`\{z : \|\operatorname{soft}(z, \lambda_1)\|_2 \le \lambda_2\}`,
    the dual norm of the block penalty: the least s with
    :math:`\|\operatorname{soft}(z, s\lambda_1)\| \le s\lambda_2` (inf for an
    unpenalized block with z ≠ 0)."""
    n = z.shape[0]
    largest = 0.0
    norm = 0.0
    for t in range(n):
        a = abs(z[t])
        norm += a * a
        if a > largest:
            largest = a
    norm = np.sqrt(norm)
    if largest == 0.0:
        return 0.0
    if group == 0.0:
        return largest / l1 if l1 > 0.0 else np.inf
    if l1 == 0.0:
        return norm / group
    # phi(s) = ||soft(z, s l1)|| - s group decreases from ||z|| > 0 to negative at
    # s = largest / l1; bisection keeps the bracket.
    low, high = 0.0, largest / l1
    for _ in range(100):
        middle = 0.5 * (low + high)
        total = 0.0
        for t in range(n):
            u = _soft(z[t], middle * l1)
            total += u * u
        if np.sqrt(total) > middle * group:
            low = middle
        else:
            high = middle
        if high - low <= 1e-15 * high:
            break
    return high


#: Alternations between the two blocks of one feature (the dirty model's parts).
_PAIR_ROUNDS = 30


@njit(cache=True)
def update_feature(b, partner, V, h, gradient, l1, group, l2, rhs, curvature, new, change):
    r"""Update block b, or blocks b and ``partner`` (two parts of one feature), on the data
    term's exact model along feature column f: :math:`\sum_t h_t/2\,\delta_t^2 + g_t\delta_t`
    for a change :math:`\delta` of :math:`W_{:,f}`.  Two blocks of one feature are
    minimized jointly by alternating between them (each step exact).  Writes V and the
    change of :math:`W_{:,f}` into ``change``; returns whether anything moved."""
    n_tasks = V.shape[0]
    for t in range(n_tasks):
        curvature[t] = h[t] + l2
    if partner < 0:
        for t in range(n_tasks):
            rhs[t] = h[t] * V[t, b] - gradient[t]
        block_minimize(rhs, curvature, l1[b], group[b], new)
        moved = False
        for t in range(n_tasks):
            change[t] = new[t] - V[t, b]
            if change[t] != 0.0:
                moved = True
                V[t, b] = new[t]
        return moved
    for t in range(n_tasks):
        change[t] = V[t, b] + V[t, partner]  # the column before, for now
    for _ in range(_PAIR_ROUNDS):
        still = True
        for first, second in ((b, partner), (partner, b)):
            for t in range(n_tasks):
                rhs[t] = h[t] * (change[t] - V[t, second]) - gradient[t]
            block_minimize(rhs, curvature, l1[first], group[first], new)
            for t in range(n_tasks):
                if new[t] != V[t, first]:
                    if abs(new[t] - V[t, first]) > 1e-15 * abs(new[t]):
                        still = False
                    V[t, first] = new[t]
        if still:
            break
    moved = False
    for t in range(n_tasks):
        change[t] = V[t, b] + V[t, partner] - change[t]
        if change[t] != 0.0:
            moved = True
    return moved


@njit(cache=True)
def _work_arrays(n_tasks):
    """Per-task scratch of a block update: h, gradient, rhs, curvature, new, change."""
    return (np.empty(n_tasks), np.empty(n_tasks), np.empty(n_tasks), np.empty(n_tasks),
            np.empty(n_tasks), np.empty(n_tasks))


@njit(cache=True)
def gram_column(f, HW, gram, linear, tau, h, gradient):
    """Curvatures and gradient of the data term along feature f, on statistics."""
    shared = gram.shape[0] == 1
    for t in range(HW.shape[0]):
        g = 0 if shared else t
        h[t] = tau[t] * gram[g, f, f]
        gradient[t] = tau[t] * (HW[t, f] - linear[t, f])


@njit(cache=True)
def gram_apply(f, change, W, HW, gram):
    """Add ``change`` to column f of W and keep :math:`H_t = G_t w_t`."""
    shared = gram.shape[0] == 1
    n_features = W.shape[1]
    for t in range(W.shape[0]):
        delta = change[t]
        if delta != 0.0:
            W[t, f] += delta
            g = 0 if shared else t
            for k in range(n_features):
                HW[t, k] += delta * gram[g, f, k]


@njit(cache=True)
def gram_epoch(order, partner, V, W, HW, gram, linear, tau, feature, l1, group, l2):
    r"""One epoch over the blocks ``order`` on statistics; keeps W and :math:`H_t = G_t w_t`.

    ``gram`` is (T, d, d), or (1, d, d) shared by every task.  ``partner[b]`` is the
    other block of b's feature to update with it, -1 for none, -2 to skip b (updated
    with its partner).
    """
    h, gradient, rhs, curvature, new, change = _work_arrays(W.shape[0])
    for b in order:
        if partner[b] == -2:
            continue
        f = feature[b]
        gram_column(f, HW, gram, linear, tau, h, gradient)
        if update_feature(b, partner[b], V, h, gradient, l1, group, l2, rhs, curvature, new,
                          change):
            gram_apply(f, change, W, HW, gram)


@njit(cache=True)
def row_column(f, X, starts, weighted_residual, curvature_table, h, gradient):
    """Curvatures and gradient of the data term along feature f, on rows sorted by task."""
    column = X[:, f]
    for t in range(starts.shape[0] - 1):
        start, stop = starts[t], starts[t + 1]
        gradient[t] = -np.dot(weighted_residual[start:stop], column[start:stop])
        h[t] = curvature_table[t, f]


@njit(cache=True)
def row_apply(f, change, X, starts, weight, residual, weighted_residual):
    """Subtract the change of column f's fit from the residuals."""
    column = X[:, f]
    for t in range(starts.shape[0] - 1):
        delta = change[t]
        if delta != 0.0:
            for i in range(starts[t], starts[t + 1]):
                residual[i] -= delta * column[i]
                weighted_residual[i] = weight[i] * residual[i]


@njit(cache=True)
def row_epoch(order, partner, V, X, starts, weight, residual, curvature_table,
               feature, l1, group, l2):
    r"""One epoch over ``order`` on rows sorted by task; keeps the residuals.

    X is Fortran-ordered (n, d); task t owns rows ``starts[t]:starts[t+1]``;
    ``weight`` holds :math:`\omega_i = \tau_t s_i / S_t`; ``curvature_table[t, f]``
    is :math:`\sum_{i \in t}\omega_i x_{if}^2`.  ``partner`` as in :func:`gram_epoch`.
    """
    h, gradient, rhs, curvature, new, change = _work_arrays(V.shape[0])
    weighted_residual = weight * residual
    for b in order:
        if partner[b] == -2:
            continue
        f = feature[b]
        row_column(f, X, starts, weighted_residual, curvature_table, h, gradient)
        if update_feature(b, partner[b], V, h, gradient, l1, group, l2, rhs, curvature, new,
                          change):
            row_apply(f, change, X, starts, weight, residual, weighted_residual)


@njit(cache=True)
def shared_column(f, weighted_X, tau, residual, column_curvature, h, gradient):
    """Curvatures and gradient of the data term along feature f, on a shared design."""
    correlations = np.dot(weighted_X[:, f], residual)
    for t in range(tau.shape[0]):
        h[t] = tau[t] * column_curvature[f]
        gradient[t] = -tau[t] * correlations[t]


@njit(cache=True)
def shared_apply(f, change, X, residual):
    """Subtract the change of column f's fit from the residual matrix."""
    column = X[:, f]
    for t in range(change.shape[0]):
        delta = change[t]
        if delta != 0.0:
            for i in range(X.shape[0]):
                residual[i, t] -= delta * column[i]


@njit(cache=True)
def shared_row_epoch(order, partner, V, X, weighted_X, tau, residual,
                      column_curvature, feature, l1, group, l2):
    r"""One epoch over ``order`` on a shared design; keeps the residual matrix R (n, T).

    X, ``weighted_X`` (its rows times :math:`s_i / S`) and R are Fortran-ordered;
    task t's rows weigh :math:`\tau_t s_i / S`; ``column_curvature[f]`` is
    :math:`\sum_i s_i x_{if}^2 / S`.
    ``partner`` as in :func:`gram_epoch`.
    """
    h, gradient, rhs, curvature, new, change = _work_arrays(V.shape[0])
    for b in order:
        if partner[b] == -2:
            continue
        f = feature[b]
        shared_column(f, weighted_X, tau, residual, column_curvature, h, gradient)
        if update_feature(b, partner[b], V, h, gradient, l1, group, l2, rhs, curvature, new,
                          change):
            shared_apply(f, change, X, residual)


@njit(cache=True)
def sparse_row_epoch(order, partner, V, data, indices, indptr, row_task, means, weight,
                     rho, offset, weighted_sum, task_weight, curvature_table, feature, l1,
                     group, l2):
    r"""One epoch over ``order`` on the CSC columns of rows sorted by task, centred
    implicitly: the residual of row i of task t is :math:`\rho_i + c_t`, with
    :math:`\rho = y - X_t w_t` (uncentred) and :math:`c_t = \bar x_t^\top w_t`, so an
    update touches the non-zeros of its column only.

    ``means`` (T, d) are the task means :math:`\bar x_t`; ``weighted_sum[t]`` is kept
    equal to :math:`\sum_{i \in t}\omega_i\rho_i` and ``task_weight[t]`` is
    :math:`\sum_{i \in t}\omega_i`; then the gradient of task t along column f is
    :math:`-\sum_{i \in t}\omega_i x_{if}(\rho_i + c_t) + \bar x_{tf}
    (\sum_{i \in t}\omega_i\rho_i + c_t\sum_{i \in t}\omega_i)`.
    """
    n_tasks = V.shape[0]
    h, gradient, rhs, curvature, new, change = _work_arrays(n_tasks)
    for b in order:
        if partner[b] == -2:
            continue
        f = feature[b]
        for t in range(n_tasks):
            gradient[t] = 0.0
        for k in range(indptr[f], indptr[f + 1]):
            i = indices[k]
            t = row_task[i]
            gradient[t] -= weight[i] * data[k] * (rho[i] + offset[t])
        for t in range(n_tasks):
            gradient[t] += means[t, f] * (weighted_sum[t] + offset[t] * task_weight[t])
            h[t] = curvature_table[t, f]
        if not update_feature(b, partner[b], V, h, gradient, l1, group, l2, rhs,
                              curvature, new, change):
            continue
        for k in range(indptr[f], indptr[f + 1]):
            i = indices[k]
            t = row_task[i]
            delta = change[t]
            if delta != 0.0:
                rho[i] -= delta * data[k]
                weighted_sum[t] -= weight[i] * delta * data[k]
        for t in range(n_tasks):
            offset[t] += change[t] * means[t, f]


@njit(cache=True)
def sparse_shared_row_epoch(order, partner, V, data, indices, indptr, mean, weight, tau,
                            rho, offset, weighted_sum, total_weight, column_curvature,
                            feature, l1, group, l2):
    r"""One epoch over ``order`` on the CSC columns of a shared design, centred
    implicitly: :math:`R_{it} = \rho_{it} + c_t` with :math:`\rho = Y - X W^\top`
    (C-ordered, n×T) and :math:`c_t = \bar x^\top w_t`; ``weighted_sum[t]`` is kept
    equal to :math:`\sum_i\omega_i\rho_{it}` and ``total_weight`` is
    :math:`\sum_i\omega_i`.  As :func:`shared_row_epoch` otherwise.
    """
    n_tasks = V.shape[0]
    h, gradient, rhs, curvature, new, change = _work_arrays(n_tasks)
    for b in order:
        if partner[b] == -2:
            continue
        f = feature[b]
        for t in range(n_tasks):
            gradient[t] = 0.0
        for k in range(indptr[f], indptr[f + 1]):
            i = indices[k]
            scaled = weight[i] * data[k]
            for t in range(n_tasks):
                gradient[t] += scaled * (rho[i, t] + offset[t])
        for t in range(n_tasks):
            gradient[t] = -tau[t] * (gradient[t] - mean[f] * (
                weighted_sum[t] + offset[t] * total_weight))
            h[t] = tau[t] * column_curvature[f]
        if not update_feature(b, partner[b], V, h, gradient, l1, group, l2, rhs,
                              curvature, new, change):
            continue
        for k in range(indptr[f], indptr[f + 1]):
            i = indices[k]
            for t in range(n_tasks):
                delta = change[t]
                if delta != 0.0:
                    rho[i, t] -= delta * data[k]
                    weighted_sum[t] -= weight[i] * delta * data[k]
        for t in range(n_tasks):
            offset[t] += change[t] * mean[f]


@njit(cache=True)
def column_gauges(Z, l1, group):
    """:func:`block_gauge` of every column of Z, with the weights of its block."""
    gauges = np.empty(Z.shape[1])
    column = np.empty(Z.shape[0])
    for b in range(Z.shape[1]):
        for t in range(Z.shape[0]):
            column[t] = Z[t, b]
        gauges[b] = block_gauge(column, l1[b], group[b])
    return gauges
