r"""The profile likelihood of the random-slopes model, from per-task statistics.

Task t's rows follow :math:`y_i = b_t + x_i^\top (w_0 + v_t) + e_i` with
:math:`v_t \sim N(0, \tau_t^2 I)` and :math:`e_i \sim N(0, \sigma^2)`; row i has
frequency weight :math:`s_i` (an integer weight counts the row that many times).
With :math:`\lambda_t = \tau_t^2/\sigma^2` and :math:`V_t = I + \lambda_t X_t X_t^\top`
(rows repeated by their weights), the fixed effects :math:`\beta = (b, w_0)` and
:math:`\sigma^2` are profiled out in closed form.  Writing
:math:`G_t = U_t \operatorname{diag}(g_t) U_t^\top` for the weighted Gram matrix of
the task (centred on the task's weighted mean when there are intercepts: the
intercepts are then eliminated exactly), :math:`\tilde c_t = U_t^\top c_t` and
:math:`h_{tj} = 1/(1 + \lambda_t g_{tj})`, the generalized least-squares problem in
:math:`w_0` has the normal equations :math:`M w_0 = r` with

.. math::

    M = \sum_t U_t \operatorname{diag}(g_t h_t) U_t^\top, \quad
    r = \sum_t U_t (\tilde c_t h_t), \quad
    Q = \sum_t \Big(q_t - \lambda_t \sum_j \tilde c_{tj}^2 h_{tj}\Big) - r^\top M^{+} r,

Q the generalized residual sum of squares.  With :math:`N = \sum_i s_i`:

- ML: :math:`-2\ell = N \log(2\pi Q/N) + N + \sum_t \log\det(I + \lambda_t G^u_t)`,
  :math:`G^u_t` the uncentred Gram matrix, whose determinant is that of the
  centred one times :math:`1 + S_t \lambda_t \sum_j \tilde x_{tj}^2 h_{tj}`
  (:math:`\tilde x_t = U_t^\top \bar x_t`);
- REML, restricted on all fixed effects (the intercepts and :math:`w_0`, as
  statsmodels' MixedLM and lme4 do), :math:`p = T + \operatorname{rank} M`:
  :math:`-2\ell_R = (N - p)\log(2\pi Q/(N-p)) + (N - p) + \sum_t \log\det(I + \lambda_t G_t)
  + \sum_t \log S_t + \log\det M`, since
  :math:`\det V_t \cdot 1^\top V_t^{-1} 1 = S_t \det(I + \lambda_t G_t)`.

Every evaluation costs O(T d³) (the d×d sum M) after one eigendecomposition per
task, whatever the number of rows; the derivatives in :math:`\lambda_t` follow from
:math:`\partial Q / \partial \lambda_t = -\sum_j h_{tj}^2 (\tilde c_{tj} - g_{tj}
\tilde w_{tj})^2` (envelope theorem, :math:`\tilde w_t = U_t^\top w_0`).
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize

from .._array_api import clean_eigh

#: Half-width, in log lambda around the inverse mean eigenvalue, of the search.
LOG_RANGE = 30.0


@dataclass
class RandomSlopesFit:
    """The maximizer: variance ratios, fixed effects and what prediction needs."""

    ratio: np.ndarray  # lambda_t, shape (T,)
    noise_variance: float
    shared_coef: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    log_likelihood: float
    n_iter: int
    converged: bool
    # the eigenvectors of each task and the restricted fixed-effect information, for the
    # predictive variances
    eigenvectors: np.ndarray
    shrinkage: np.ndarray  # h, shape (T, d)
    basis: np.ndarray  # (d, r), the range of M
    information_inverse: np.ndarray  # (r, r), M restricted to its range, inverted
    x_mean: np.ndarray  # the centring of each task (zeros without intercepts)
    weight: np.ndarray  # S_t


class RandomSlopesLikelihood:
    """Profile (restricted) likelihood of the variance ratios of the random slopes.

    Parameters
    ----------
    weight, x_mean, y_mean, gram, linear, target_square : ndarray
        Per-task statistics as in :class:`~skmtl.statistics.TaskStatistics`
        (centred when ``fit_intercept``, uncentred with zero means otherwise).
    fit_intercept : bool
        One fixed intercept per task.
    method : {'ml', 'reml'}
    """

    def __init__(self, weight, x_mean, y_mean, gram, linear, target_square, fit_intercept,
                 method):
        self.weight, self.x_mean, self.y_mean = weight, x_mean, y_mean
        self.target_square = target_square
        self.fit_intercept, self.method = fit_intercept, method
        self.n_tasks, self.n_features = x_mean.shape
        self.eigenvalues, self.vectors = clean_eigh(gram, np)
        self.rotated_linear = np.einsum("tji,tj->ti", self.vectors, linear)
        self.rotated_mean = np.einsum("tji,tj->ti", self.vectors, x_mean)
        values, vectors = clean_eigh(np.sum(gram, axis=0), np)
        self.basis = vectors[:, values > 0]
        self.rank = self.basis.shape[1]
        # the fixed effects' directions in each task's eigenbasis, (T, r, d)
        self.projected = np.einsum("ir,tij->trj", self.basis, self.vectors)
        self.total = float(np.sum(weight))
        n_fixed = self.n_tasks * fit_intercept + self.rank
        self.dof = self.total - n_fixed if method == "reml" else self.total
        positive = self.eigenvalues[self.eigenvalues > 0]
        self.scale = 1.0 / float(np.mean(positive)) if positive.size else 1.0
        self.constant = float(np.sum(np.log(weight))) if (
            method == "reml" and fit_intercept) else 0.0

    # ------------------------------------------------------------- evaluation
    def _solve(self, ratio):
        """h, w0, Q and the restricted information for ratios ``ratio`` (T,)."""
        g = self.eigenvalues
        h = 1.0 / (1.0 + ratio[:, None] * g)
        # M restricted to the range of the pooled Gram matrix: sum_t P_t diag(g h) P_t^T
        information = np.einsum("trj,tj,tsj->rs", self.projected, g * h, self.projected)
        right = np.einsum("trj,tj->r", self.projected, self.rotated_linear * h)
        if self.rank:
            values, vectors = np.linalg.eigh(information)
            values = np.maximum(values, np.finfo(float).tiny)
            inverse = (vectors / values) @ vectors.T
            logdet = float(np.sum(np.log(values)))
        else:
            inverse, logdet = np.zeros((0, 0)), 0.0
        restricted = inverse @ right
        shared = self.basis @ restricted
        residual_square = np.sum(self.target_square) - np.sum(
            ratio[:, None] * self.rotated_linear**2 * h) - float(right @ restricted)
        floor = 1e-14 * max(float(np.sum(self.target_square)), np.finfo(float).tiny)
        return h, shared, max(residual_square, floor), inverse, logdet

    def objective(self, ratio, gradient=False):
        """:math:`-2\\ell` (profiled) at ``ratio``, and its gradient in ``ratio``."""
        g = self.eigenvalues
        h, shared, residual_square, inverse, logdet_information = self._solve(ratio)
        value = self.dof * (np.log(2 * np.pi * residual_square / self.dof) + 1.0)
        value += np.sum(np.log1p(ratio[:, None] * g))
        mean_term = None
        if self.fit_intercept and self.method == "ml":
            mean_term = self.weight * ratio * np.sum(self.rotated_mean**2 * h, axis=1)
            value += np.sum(np.log1p(mean_term))
        if self.method == "reml":
            value += logdet_information + self.constant
        if not gradient:
            return float(value)
        rotated_shared = np.einsum("tji,j->ti", self.vectors, shared)
        error = self.rotated_linear - g * rotated_shared
        d_residual = -np.sum(h**2 * error**2, axis=1)
        derivative = self.dof * d_residual / residual_square + np.sum(g * h, axis=1)
        if mean_term is not None:
            derivative += self.weight * np.sum(self.rotated_mean**2 * h**2, axis=1) / (
                1.0 + mean_term)
        if self.method == "reml" and self.rank:
            spread = np.einsum("rs,tsj->trj", inverse, self.projected)
            quadratic = np.einsum("trj,trj->tj", self.projected, spread)
            derivative -= np.sum(g**2 * h**2 * quadratic, axis=1)
        return float(value), derivative

    def exact_fit(self):
        """Whether the fixed effects alone reproduce the targets (Q = 0 at lambda = 0)."""
        total = float(np.sum(self.target_square))
        if total <= 0:
            return True
        h, shared, residual_square, _, _ = self._solve(np.zeros(self.n_tasks))
        return residual_square <= 1e-12 * total or self.dof <= 0

    # ------------------------------------------------------------ maximization
    def maximize_shared(self, max_iter):
        """One ratio for every task: a grid on log lambda, then the root of the derivative."""
        center = np.log(self.scale)
        grid = center + np.linspace(-LOG_RANGE, LOG_RANGE, 31)
        values = [self.objective(np.full(self.n_tasks, np.exp(t))) for t in grid]
        best = int(np.argmin(values))

        def slope(log_ratio):
            ratio = np.exp(log_ratio)
            return ratio * float(np.sum(self.objective(np.full(self.n_tasks, ratio), True)[1]))

        candidates = [(values[best], grid[best])]
        for low, high in ((best - 1, best), (best, best + 1)):
            if 0 <= low and high < grid.size and slope(grid[low]) < 0 < slope(grid[high]):
                root = brentq(slope, grid[low], grid[high], xtol=1e-13, rtol=4 * np.finfo(
                    float).eps, maxiter=max_iter)
                candidates.append((self.objective(np.full(self.n_tasks, np.exp(root))), root))
        value, log_ratio = min(candidates)
        ratio = np.full(self.n_tasks, np.exp(log_ratio))
        if best == 0 and self.objective(np.zeros(self.n_tasks)) <= value:
            ratio = np.zeros(self.n_tasks)  # the boundary: no variation of the slopes
        return ratio, 1, True

    def maximize_per_task(self, start, tol, max_iter):
        """One ratio per task: L-BFGS-B on log lambda_t, bounded, from ``start``."""
        center = np.log(self.scale)
        low, high = center - LOG_RANGE, center + LOG_RANGE
        initial = np.clip(np.log(np.maximum(start, np.exp(low))), low, high)
        norm = max(self.total, 1.0)

        def fun(log_ratio):
            ratio = np.exp(log_ratio)
            value, derivative = self.objective(ratio, gradient=True)
            return value / norm, ratio * derivative / norm

        result = minimize(fun, initial, jac=True, method="L-BFGS-B",
                          bounds=[(low, high)] * self.n_tasks,
                          options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15})
        at_low, at_high = result.x <= low + 1e-9, result.x >= high - 1e-9
        projected = np.where((at_low & (result.jac > 0)) | (at_high & (result.jac < 0)), 0.0,
                             result.jac)
        # a line search that fails on rounding next to the optimum is convergence too
        converged = bool(result.success) or float(np.max(np.abs(projected))) <= max(tol, 1e-6)
        ratio = np.exp(result.x)
        ratio[at_low] = 0.0  # the boundary: no variation of that task
        return ratio, int(result.nit), converged

    # ------------------------------------------------------------------ result
    def result(self, ratio, n_iter, converged):
        """Everything the estimator keeps, at the maximizing ratios."""
        h, shared, residual_square, inverse, _ = self._solve(ratio)
        if self.exact_fit():
            residual_square = 0.0
        noise_variance = residual_square / self.dof if self.dof > 0 else 0.0
        rotated_shared = np.einsum("tji,j->ti", self.vectors, shared)
        # posterior mean of w0 + v_t: K Psi^{-1} w0 + K c with K = U diag(lambda h) U^T
        rotated = h * rotated_shared + ratio[:, None] * h * self.rotated_linear
        coef = np.einsum("tij,tj->ti", self.vectors, rotated)
        intercept = (self.y_mean - np.sum(self.x_mean * coef, axis=1) if self.fit_intercept
                     else np.zeros(self.n_tasks))
        log_likelihood = (-0.5 * self.objective(ratio) if residual_square > 0 else np.inf)
        return RandomSlopesFit(ratio, noise_variance, shared, coef, intercept, log_likelihood,
                               n_iter, converged, self.vectors, h, self.basis, inverse,
                               self.x_mean, self.weight)


def predictive_variance(fit, task, X, fit_intercept):
    r"""Posterior predictive variance of new rows of fitted task ``task``.

    :math:`\sigma^2 (1 + 1/S_t + a^\top K_t a + z^\top M^{+} z)` with
    :math:`a = x - \bar x_t` (:math:`x` without intercepts),
    :math:`K_t = U_t \operatorname{diag}(\lambda_t h_t) U_t^\top` and
    :math:`z = U_t \operatorname{diag}(h_t) U_t^\top a`: the noise, the intercept's
    uncertainty given the slopes, that of :math:`v_t` given :math:`w_0` and that of
    :math:`w_0`.
    """
    centred = X - fit.x_mean[task]
    rotated = centred @ fit.eigenvectors[task]
    h = fit.shrinkage[task]
    slope_part = np.sum(fit.ratio[task] * h * rotated**2, axis=1)
    through_shared = (rotated * h) @ fit.eigenvectors[task].T @ fit.basis
    shared_part = np.sum((through_shared @ fit.information_inverse) * through_shared, axis=1)
    intercept_part = 1.0 / fit.weight[task] if fit_intercept else 0.0
    return fit.noise_variance * (1.0 + intercept_part + slope_part + shared_part)
