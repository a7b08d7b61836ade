"""How a penalty that separates over feature columns describes itself to block
coordinate descent (:mod:`skmtl.solvers.coordinate_descent`)."""

from typing import NamedTuple

import numpy as np


class CoordinateBlocks(NamedTuple):
    r"""A penalty separable over the columns of its variable V (T, B): column b is
    penalized by :math:`\lambda_{1,b}\|V_{:,b}\|_1 + \lambda_{2,b}\|V_{:,b}\|_2` with
    ``l1[b]`` and ``group[b]``, and enters the data term as feature ``feature[b]``
    (b itself, unless the loss maps two columns to one feature: the split models; at most
    two blocks share a feature)."""

    feature: np.ndarray
    l1: np.ndarray
    group: np.ndarray

    @classmethod
    def uniform(cls, n_features, l1=0.0, group=0.0):
        """One block per feature, all with the same weights."""
        return cls(np.arange(n_features, dtype=np.int64), np.full(n_features, float(l1)),
                   np.full(n_features, float(group)))

    @classmethod
    def concatenate(cls, first, second):
        """The blocks of ``first`` then those of ``second``, on ``V = [V_1 | V_2]``."""
        feature = np.concatenate([first.feature, second.feature + first.feature.shape[0]])
        return cls(feature, np.concatenate([first.l1, second.l1]),
                   np.concatenate([first.group, second.group]))


class ChainBlocks(NamedTuple):
    r"""A penalty separable over the feature columns of W that couples the tasks of each
    column along a chain: column j, its tasks taken in ``order``, is penalized by

    .. math::  \lambda_1\|v\|_1 + \lambda_f\sum_k |v_{k+1} - v_k| + \lambda_g\|v\|_2
               + \tfrac{s}2\sum_k (v_{k+1} - v_k)^2

    with ``l1``, ``fused``, ``group`` and ``smooth`` (one block per feature).  The
    solver takes the duality gap from ``penalty`` itself (its ``conjugate`` or dual
    norm, as :mod:`skmtl.solvers.certificates` does) and the per-column dual quantity
    of the working sets and of screening from ``penalty.column_gauges(Z)``: a
    :math:`\gamma_j` with :math:`\gamma_j(Z^\star_{:,j}) < 1` at the dual optimum only
    where the column is zero at the optimum, positively homogeneous, and at most
    :math:`\|Z_{:,j}\|_2/(\lambda_1 + \lambda_g)`.
    """

    feature: np.ndarray
    #: The rows of W in the chain's order; None: the rows' order.
    order: object
    l1: float
    fused: float
    group: float
    smooth: float
    penalty: object

    def subset(self, blocks):
        """The same penalty on the columns ``blocks``."""
        return self._replace(feature=self.feature[blocks])
