r"""A loss seen on the two stacked parts of a split :math:`W = W_1 + W_2`.

The dirty and robust models penalize the split with a norm of
:math:`V = [W_1 \mid W_2]` (:class:`~skmtl.penalties.sparse.SplitNorm`); the solvers
minimize over V the loss of :math:`W_1 + W_2`, which :class:`StackedLoss` presents.
"""

import numpy as np


class StackedLoss:
    r"""A loss of :math:`\Theta = [W \mid b]` seen on :math:`[W_1 \mid W_2 \mid b]`.

    Every method evaluates the wrapped loss at :math:`[W_1 + W_2 \mid b]`;
    gradients and dual correlations, :math:`[G_W \mid G_b]` there, become
    :math:`[G_W \mid G_W \mid G_b]`.  The Hessian becomes
    :math:`A^\top H A` with :math:`\|A\|^2 = 2`, so the Lipschitz constant doubles.

    Parameters
    ----------
    loss : GramSquaredLoss, SampleSquaredLoss or LogisticLoss
    n_features : int
        d, the number of columns of W (b, the columns after them, may be empty).
    xp : namespace
    """

    def __init__(self, loss, n_features, xp):
        self.loss = loss
        self.n_features = n_features
        self.xp = xp
        self._last = (None, None)

    def collapse(self, stacked):
        r""":math:`[W_1 + W_2 \mid b]` (the last result is kept: the solvers ask twice)."""
        if self._last[0] is stacked:
            return self._last[1]
        d = self.n_features
        coef = stacked[:, :d] + stacked[:, d:2 * d]
        if stacked.shape[1] > 2 * d:
            coef = self.xp.concat([coef, stacked[:, 2 * d:]], axis=1)
        self._last = (stacked, coef)
        return coef

    def stack(self, first, theta):
        r""":math:`[W_1 \mid W - W_1 \mid b]` from :math:`\Theta = [W \mid b]` and :math:`W_1`
        (it collapses to this very :math:`\Theta`, not to the rounded
        :math:`W_1 + (W - W_1)`: a loss of passes knows that point)."""
        d = self.n_features
        parts = [first, theta[:, :d] - first]
        if theta.shape[1] > d:
            parts.append(theta[:, d:])
        stacked = self.xp.concat(parts, axis=1)
        self._last = (stacked, theta)
        return stacked

    def column_features(self):
        r"""The feature of W that each column of :math:`[W_1 \mid W_2]` enters."""
        return np.tile(np.arange(self.n_features), 2)

    def expand(self, gradient):
        r""":math:`[G_W \mid G_W \mid G_b]`."""
        d = self.n_features
        parts = [gradient[:, :d], gradient]
        return self.xp.concat(parts, axis=1)

    def value(self, stacked):
        return self.loss.value(self.collapse(stacked))

    def gradient(self, stacked):
        return self.expand(self.loss.gradient(self.collapse(stacked)))

    def value_and_gradient(self, stacked):
        value, gradient = self.loss.value_and_gradient(self.collapse(stacked))
        return value, self.expand(gradient)

    def lipschitz(self):
        return 2.0 * self.loss.lipschitz()

    @property
    def measure_ahead(self):
        """The wrapped loss's ``measure_ahead`` at the collapsed point (None without one)."""
        ahead = getattr(self.loss, "measure_ahead", None)
        if ahead is None:
            return None
        return lambda point, measure: ahead(self.collapse(point), measure)

    # The statistics of a wrapped GramSquaredLoss, for ADMM (None for other losses).
    @property
    def gram(self):
        return getattr(self.loss, "gram", None)

    @property
    def linear(self):
        return self.loss.linear

    @property
    def task_scale(self):
        return self.loss.task_scale

    def proximal_step(self, solve, target, weight):
        r"""The ADMM W step on the stacked parts, from the wrapped loss's own.

        :math:`\min_{W_1, W_2} f(W_1 + W_2) + \tfrac w2\|[W_1 \mid W_2] - [A \mid B]\|^2`
        separates in :math:`S = W_1 + W_2` and :math:`R = W_1 - W_2`:
        :math:`R = A - B` and :math:`S` minimizes :math:`f(S) + \tfrac w4\|S - (A + B)\|^2`,
        which is ``solve(A + B, w / 2)``.
        """
        d = self.n_features
        first, second = target[:, :d], target[:, d:]
        total = solve(first + second, 0.5 * weight)
        difference = first - second
        return self.xp.concat([0.5 * (total + difference), 0.5 * (total - difference)], axis=1)

    def curvature(self, stacked):
        return self.loss.curvature(self.collapse(stacked))

    def hessian_blocks(self, curvature):
        r"""Per-task Hessian blocks in the stacked coordinates: :math:`A^\top B_t A`, where
        A maps :math:`[W_1 \mid W_2 \mid b]` to :math:`[W_1 + W_2 \mid b]`."""
        blocks = self.loss.hessian_blocks(curvature)
        d, width = self.n_features, blocks.shape[-1]
        index = self.xp.asarray([*range(d), *range(d), *range(d, width)],
                                device=blocks.device)
        return self.xp.take(self.xp.take(blocks, index, axis=1), index, axis=2)

    def dual(self, stacked):
        """The wrapped loss's dual at :math:`W_1 + W_2`, its correlation on both parts."""
        dual = self.loss.dual(self.collapse(stacked))
        return dual._replace(coef=stacked[:, :2 * self.n_features],
                             correlation=self.expand(dual.correlation))
