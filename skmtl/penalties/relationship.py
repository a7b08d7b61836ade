r"""The multi-task relationship penalty (Zhang & Yeung 2010) as a spectral function of W.

The penalty of MTRL learns a task covariance :math:`\Sigma` jointly with W:

.. math::

    \Omega(W) = \frac{l_2}2\|W\|_F^2 + \min_{\Sigma \succeq 0,\ \operatorname{tr}\Sigma = 1}
                \frac\alpha2 \operatorname{tr}(W^\top\Sigma^{-1}W).

With :math:`M = (WW^\top)^{1/2}`, so that :math:`\operatorname{tr} M = \|W\|_*`,
Cauchy–Schwarz for the trace inner product gives, for every feasible
:math:`\Sigma \succ 0`,

.. math::

    \|W\|_*^2 = \operatorname{tr}(\Sigma^{1/2}\,\Sigma^{-1/2}M)^2
    \le \operatorname{tr}\Sigma \cdot \|\Sigma^{-1/2}M\|_F^2
    = \operatorname{tr}(W^\top\Sigma^{-1}W),

with equality for :math:`\Sigma^{1/2} \propto \Sigma^{-1/2}M`, that is
:math:`\Sigma = M / \operatorname{tr} M` (for a singular :math:`\Sigma` the
trace is finite only when the columns of W lie in its range, with the
pseudo-inverse, and the same bound holds on that range).  So the minimum over
:math:`\Sigma` is :math:`\tfrac\alpha2\|W\|_*^2`, the squared nuclear norm, and

.. math::  \Omega(W) = \frac\alpha2\|W\|_*^2 + \frac{l_2}2\|W\|_F^2,

a convex spectral penalty with a closed-form prox and conjugate
(:class:`SquaredTraceNorm`).
"""


from .spectral import SpectralTaskMatrix


def _threshold_level(values, scale, offset, xp):
    r"""The root S of :math:`\text{offset}\cdot S = \sum_i \max(v_i - \text{scale}\cdot S, 0)`.

    ``values`` are non-negative.  The right-hand side is
    :math:`\max_k (V_k - k\,\text{scale}\,S)` over the sums :math:`V_k` of the k
    largest values (k = 0 included), so the root is
    :math:`S = \max_k V_k / (\text{offset} + k\,\text{scale})`, exact after one sort.
    """
    ordered = xp.flip(xp.sort(values))
    prefix = xp.cumulative_sum(ordered)
    counts = xp.arange(1, values.shape[0] + 1, dtype=values.dtype, device=values.device)
    return xp.clip(xp.max(prefix / (offset + scale * counts)), min=0.0)


class SquaredTraceNorm:
    r"""Squared nuclear norm :math:`\tfrac\alpha2\|W\|_*^2`, the MTRL penalty minimized over Σ.

    Parameters
    ----------
    alpha : float
        :math:`\alpha \ge 0`.

    Notes
    -----
    Prox: on the singular values v of the argument, the prox of
    :math:`t\tfrac\alpha2(\sum_i s_i)^2` over :math:`s \ge 0` is
    :math:`s_i = \max(v_i - t\alpha S, 0)`, where :math:`S = \sum_i s_i` solves
    :math:`S = \sum_i \max(v_i - t\alpha S, 0)`.

    Conjugate of :math:`h(W) = \tfrac\alpha2\|W\|_*^2 + \tfrac{l_2}2\|W\|_F^2`: h is
    an absolutely symmetric function of the singular values, so
    :math:`h^*(Z) = \sup_{s \ge 0} \langle z, s\rangle - \tfrac\alpha2(\sum_i s_i)^2
    - \tfrac{l_2}2\sum_i s_i^2` on the singular values z of Z.  The maximizer is
    :math:`s_i = \max(z_i - \alpha S, 0)/l_2` with :math:`l_2 S = \sum_i \max(z_i - \alpha S, 0)`,
    and

    .. math::  h^*(Z) = \frac\alpha2 S^2 + \frac1{2 l_2}\sum_i \max(z_i - \alpha S, 0)^2;

    for :math:`l_2 = 0`, :math:`S = \|Z\|_2/\alpha` and :math:`h^*(Z) = \|Z\|_2^2/(2\alpha)`.
    """

    def __init__(self, alpha):
        self.alpha = alpha

    def value(self, coef, xp):
        return 0.5 * self.alpha * xp.sum(xp.linalg.svdvals(coef)) ** 2

    def prox(self, coef, step, xp):
        u, s, vt = xp.linalg.svd(coef, full_matrices=False)
        shrink = step * self.alpha
        level = _threshold_level(s, shrink, 1.0, xp)
        return (u * xp.clip(s - shrink * level, min=0.0)) @ vt

    def conjugate(self, z, l2, xp):
        r""":math:`h^*(Z)` of :math:`h = \tfrac\alpha2\|\cdot\|_*^2 + \tfrac{l_2}2\|\cdot\|_F^2`."""
        s = xp.linalg.svdvals(z)
        level = _threshold_level(s, self.alpha, l2, xp)
        value = 0.5 * self.alpha * level**2
        if l2 > 0:
            value = value + xp.sum(xp.clip(s - self.alpha * level, min=0.0) ** 2) / (2.0 * l2)
        return value


def covariance_factors(coef, xp):
    r"""The left singular vectors U and singular values s of W, which give :math:`\Sigma`.

    :math:`\Sigma = U\operatorname{diag}(s)U^\top / \sum_i s_i` (:func:`task_covariance`):
    O(T·min(T, d)) numbers where :math:`\Sigma` itself has T² (800 MB at T = 10⁴).
    """
    u, s, _ = xp.linalg.svd(coef, full_matrices=False)
    return u, s


def task_covariance(vectors, singular, xp):
    r"""The minimizing :math:`\Sigma = (WW^\top)^{1/2} / \operatorname{tr}(WW^\top)^{1/2}`.

    From the factors of :func:`covariance_factors`; :math:`I/T` when W = 0, where
    every feasible :math:`\Sigma` is a minimizer.
    """
    n_tasks = vectors.shape[0]
    total = float(xp.sum(singular))
    if total == 0.0:
        return xp.eye(n_tasks, dtype=vectors.dtype, device=vectors.device) / n_tasks
    return SpectralTaskMatrix(vectors, singular / total, 0.0).dense(xp)


def task_correlation(covariance, xp):
    r""":math:`\Sigma_{st}/\sqrt{\Sigma_{ss}\Sigma_{tt}}`; 1 on the diagonal, 0 for no variance."""
    variance = xp.linalg.diagonal(covariance)
    # Rounding leaves a variance of about eps² where a task's coefficients are 0.
    positive = variance > covariance.shape[0] * xp.finfo(covariance.dtype).eps * xp.max(variance)
    scale = xp.where(positive, 1.0 / xp.sqrt(xp.where(positive, variance, 1.0)), 0.0)
    correlation = covariance * scale[:, None] * scale[None, :]
    eye = xp.eye(covariance.shape[0], dtype=covariance.dtype, device=covariance.device)
    return xp.where(eye > 0, eye, correlation)
