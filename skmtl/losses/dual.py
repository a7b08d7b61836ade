r"""What every loss gives the duality gap: :class:`Dual`, one point of the loss's dual.

For :math:`P(W) = f(W) + \tfrac{l_2}2\|W\|_F^2 + R(W)` the certificate
(:func:`skmtl.solvers.certificates.duality_gap`) needs, at the current point, the
loss value, the penalized coefficients W, the correlation Z of a dual point with
the features (the penalty's share of the dual is :math:`-h^*(\kappa Z)`) and the
loss's share of the dual value at the dual point scaled by :math:`\kappa`.  Each
loss builds its own: the squared losses from their residuals, the logistic loss
from its slopes, a stacked loss from the loss it wraps.
"""

from collections.abc import Callable
from typing import NamedTuple


class Dual(NamedTuple):
    """A dual point of a loss at the primal point ``coef``."""

    #: f at the primal point
    value: float
    #: W, the penalized columns of the primal point
    coef: object
    #: Z, the dual point's correlation with the features (shape of ``coef``)
    correlation: object
    #: kappa -> the loss's share of the dual value at the dual point scaled by kappa
    loss_part: Callable[[float], float]


class SquaredDual:
    r"""The dual of a squared loss, whose dual points are the scaled residuals.

    With r the weighted residuals at W, :math:`Z = -\nabla f(W)` and
    :math:`\kappa r` gives :math:`\kappa\langle r, y\rangle_\omega -
    \tfrac{\kappa^2}2\|r\|_\omega^2`, where :math:`\|r\|_\omega^2 = 2 f(W)`.  The
    class using it gives ``value``, ``gradient`` and ``residual_target_inner``.
    """

    def dual(self, coef):
        data = float(self.value(coef))
        inner = float(self.residual_target_inner(coef))

        def loss_part(kappa):
            return kappa * inner - kappa**2 * data

        return Dual(data, coef, -self.gradient(coef), loss_part)

    def value_and_gradient(self, coef):
        return self.value(coef), self.gradient(coef)
