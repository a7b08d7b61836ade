r"""The fused lasso over the tasks: neighbouring tasks share coefficients.

.. math::  R(W) = \alpha \sum_j \sum_{t=1}^{T-1} |W_{t+1,j} - W_{t,j}|
           + \alpha_1 \sum_{t,j} |W_{tj}|,

the tasks in the order of the rows of W (for time points, the order of time).  It
separates over the feature columns, each a 1-D signal over the tasks, and its prox
is that of the total variation, computed exactly by Condat's direct algorithm
(Condat 2013), then soft-thresholded (Friedman, Hastie, Höfling & Tibshirani 2007).
The total variation is a seminorm (a column constant over the tasks costs
nothing), so the penalty gives no dual norm: its duality gap needs ``l2 > 0``.
"""

import numba
import numpy as np

from .._array_api import to_numpy
from . import Described


@numba.njit(cache=True)
def total_variation_prox(signal, weight, out):
    r"""``out`` = :math:`\arg\min_x \tfrac12\|x - s\|^2 + w\sum_k |x_{k+1} - x_k|`.

    Condat's direct algorithm: the solution is piecewise constant; the segment that
    starts at ``first`` is extended one sample at a time while a value between
    ``low`` and ``high`` (the bounds the samples so far allow) remains, tracking the
    running residuals ``slack_low`` and ``slack_high`` of those two candidates; when
    one bound can no longer hold, the segment up to its last break (``last_low`` or
    ``last_high``) is written out at that bound and the scan restarts after it.
    """
    n = signal.shape[0]
    if n == 0:
        return
    if weight <= 0.0 or n == 1:
        out[:] = signal
        return
    k = first = last_low = last_high = 0
    slack_low, slack_high = weight, -weight
    low, high = signal[0] - weight, signal[0] + weight
    while True:
        while k == n - 1:
            if slack_low < 0.0:
                while first <= last_low:
                    out[first] = low
                    first += 1
                k = last_low = first
                low = signal[first]
                slack_low = weight
                slack_high = low + slack_low - high
            elif slack_high > 0.0:
                while first <= last_high:
                    out[first] = high
                    first += 1
                k = last_high = first
                high = signal[first]
                slack_high = -weight
                slack_low = high + slack_high - low
            else:
                low += slack_low / (k - first + 1)
                while first <= k:
                    out[first] = low
                    first += 1
                return
        slack_low += signal[k + 1] - low
        if slack_low < -weight:
            while first <= last_low:
                out[first] = low
                first += 1
            k = last_low = last_high = first
            low = signal[first]
            high = low + 2.0 * weight
            slack_low, slack_high = weight, -weight
            continue
        slack_high += signal[k + 1] - high
        if slack_high > weight:
            while first <= last_high:
                out[first] = high
                first += 1
            k = last_low = last_high = first
            high = signal[first]
            low = high - 2.0 * weight
            slack_low, slack_high = weight, -weight
            continue
        k += 1
        if slack_low >= weight:
            last_low = k
            low += (slack_low - weight) / (last_low - first + 1)
            slack_low = weight
        if slack_high <= -weight:
            last_high = k
            high += (slack_high + weight) / (last_high - first + 1)
            slack_high = -weight


@numba.njit(cache=True)
def _columns_prox(values, weight, out):
    column = np.empty(values.shape[0])
    result = np.empty(values.shape[0])
    for j in range(values.shape[1]):
        column[:] = values[:, j]
        total_variation_prox(column, weight, result)
        out[:, j] = result


class FusedLasso(Described):
    r""":math:`\alpha\sum_j\sum_t |W_{t+1,j} - W_{t,j}| + \alpha_1\|W\|_1` over the rows' order.

    Parameters
    ----------
    alpha : float
        Weight of the differences between neighbouring tasks, :math:`\alpha \ge 0`.
    alpha_lasso : float, default=0.0
        Weight of the entries themselves, :math:`\alpha_1 \ge 0`.

    Notes
    -----
    The prox runs on NumPy (a sequential scan per column); other namespaces go
    through the host.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties import FusedLasso
    >>> W = np.array([[1.0], [1.1], [3.0]])
    >>> FusedLasso(0.1).prox(W, 1.0, np).ravel().round(3)
    array([1.1, 1.1, 2.9])
    """

    reference = "fused"

    def __init__(self, alpha, alpha_lasso=0.0):
        self.alpha = alpha
        self.alpha_lasso = alpha_lasso

    def reference_params(self):
        return {"alpha": self.alpha, "alpha_lasso": self.alpha_lasso}

    def value(self, coef, xp):
        differences = coef[1:, :] - coef[:-1, :]
        return (self.alpha * xp.sum(xp.abs(differences))
                + self.alpha_lasso * xp.sum(xp.abs(coef)))

    def prox(self, coef, step, xp):
        values = np.ascontiguousarray(to_numpy(coef, xp), dtype=np.float64)
        fused = np.empty_like(values)
        _columns_prox(values, float(step * self.alpha), fused)
        shrunk = np.sign(fused) * np.maximum(np.abs(fused) - step * self.alpha_lasso, 0.0)
        return xp.asarray(shrunk, dtype=coef.dtype, device=coef.device)
