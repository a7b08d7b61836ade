r"""Sparse penalties, and the sum of two norms on a split :math:`W = W_1 + W_2`.

:class:`L1Norm` and :class:`TaskGroupNorm` have the interface of
:class:`~skmtl.penalties.TraceNorm`: ``value``, ``prox``, the dual norm and the
distance to its ball.

The dirty and robust models penalize a split of the coefficients,

.. math::  \Omega(W) = \min_{W_1 + W_2 = W} R_1(W_1) + R_2(W_2),

the infimal convolution of two norms.  It is minimized on the stacked
variable :math:`V = [W_1 \mid W_2]` of shape (T, 2d): :class:`SplitNorm` is
:math:`R_1(W_1) + R_2(W_2)`, a norm on V with a separable prox, and
:class:`~skmtl.losses.StackedLoss` shows the loss of :math:`W_1 + W_2` as a function of V.
The dual norm of :math:`R_1(V_1) + R_2(V_2)` is
:math:`\max(R_1^\circ(Z_1), R_2^\circ(Z_2))` (each :math:`R_i^\circ` measured
against its own weight), and the gradient of the stacked loss is
:math:`[G \mid G]`, so the duality gap of the solvers, computed on V, is the
gap of the problem in W, whose dual ball is the intersection of the two
balls :math:`\{R_1^\circ \le 1\} \cap \{R_2^\circ \le 1\}`.
"""


from . import Described, GroupNorm, Norm
from .blocks import CoordinateBlocks


class L1Norm(Norm):
    r"""Entrywise L1 norm :math:`\alpha\sum_{t,j}|W_{tj}|`; prox by soft-thresholding.

    Parameters
    ----------
    alpha : float
        :math:`\alpha \ge 0`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties import L1Norm
    >>> L1Norm(1.0).prox(np.array([[3.0, -0.5]]), 1.0, np)
    array([[ 2., -0.]])
    """

    reference = "lasso"

    def __init__(self, alpha):
        self.alpha = alpha

    def value(self, coef, xp):
        return self.alpha * xp.sum(xp.abs(coef))

    def prox(self, coef, step, xp):
        return xp.sign(coef) * xp.clip(xp.abs(coef) - step * self.alpha, min=0.0)

    def dual_norm(self, z, xp):
        """Largest absolute entry, the dual of the L1 norm."""
        return xp.max(xp.abs(z))

    def dual_ball_distance_squared(self, z, xp):
        r"""Squared distance of z to :math:`\{\max_{tj} |Z_{tj}| \le \alpha\}`."""
        return xp.sum(xp.clip(xp.abs(z) - self.alpha, min=0.0) ** 2)

    def coordinate_blocks(self, n_columns):
        """One L1 block per column (:mod:`skmtl.solvers.coordinate_descent`)."""
        return CoordinateBlocks.uniform(n_columns, l1=self.alpha)


class TaskGroupNorm(GroupNorm):
    r"""Row-group norm :math:`\alpha\sum_t \|W_{t,:}\|_2` (one group per task, across features)."""

    axis = 1


class SplitNorm(Described):
    r""":math:`R_1(V_1) + R_2(V_2)` on :math:`V = [V_1 \mid V_2]`, each half (T, d).

    ``alpha`` is 1: the weights live in the two norms, and the dual norm
    :math:`\max(R_1^\circ(Z_1)/\alpha_1, R_2^\circ(Z_2)/\alpha_2)` is the gauge of
    the product of their dual balls.

    Parameters
    ----------
    first, second : norm penalties
        Objects with ``alpha``, ``value``, ``prox``, ``dual_norm`` (unweighted)
        and ``dual_ball_distance_squared``, such as :class:`L1Norm` or
        :class:`~skmtl.penalties.TraceNorm`; both ``alpha`` must be positive.
    """

    alpha = 1.0

    def __init__(self, first, second):
        self.first = first
        self.second = second

    @staticmethod
    def halves(stacked):
        """:math:`(V_1, V_2)`, the two halves of the columns."""
        d = stacked.shape[1] // 2
        return stacked[:, :d], stacked[:, d:]

    def value(self, stacked, xp):
        first, second = self.halves(stacked)
        return self.first.value(first, xp) + self.second.value(second, xp)

    def prox(self, stacked, step, xp):
        first, second = self.halves(stacked)
        return xp.concat(
            [self.first.prox(first, step, xp), self.second.prox(second, step, xp)], axis=1
        )

    def dual_norm(self, z, xp):
        first, second = self.halves(z)
        return max(float(self.first.dual_norm(first, xp)) / self.first.alpha,
                   float(self.second.dual_norm(second, xp)) / self.second.alpha)

    def alpha_max(self, gradient, xp):
        r"""The smallest strength of the second norm at which W = 0 is optimal, the first
        staying as it is; None when the first alone keeps W away from 0.

        :math:`\min_{V_1 + V_2 = W}` of the two norms has the intersection of their dual
        balls as its own: W = 0 needs :math:`R_1^\circ(G) \le \alpha_1` and
        :math:`R_2^\circ(G) \le \alpha_2`.
        """
        if self.first.alpha_max(gradient, xp) > self.first.alpha:
            return None
        return self.second.alpha_max(gradient, xp)

    def dual_ball_distance_squared(self, z, xp):
        """Squared distance to the product of the two dual balls."""
        first, second = self.halves(z)
        return (self.first.dual_ball_distance_squared(first, xp)
                + self.second.dual_ball_distance_squared(second, xp))

    def coordinate_blocks(self, n_columns):
        """The blocks of both halves, the first's then the second's, when both separate
        over columns into uncoupled blocks (else None)."""
        parts = [getattr(norm, "coordinate_blocks", lambda n: None)(n_columns // 2)
                 for norm in (self.first, self.second)]
        if any(not isinstance(part, CoordinateBlocks) for part in parts):
            return None
        return CoordinateBlocks.concatenate(*parts)
