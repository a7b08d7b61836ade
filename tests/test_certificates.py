"""The duality gap of a penalty that gives only ``value`` and ``prox``.

With ``l2 > 0`` the conjugate of ``R + l2/2 ||.||^2`` comes from the prox (Moreau):
checked against the closed form of the norms that have a dual ball, and through a
FISTA fit against cvxpy.
"""

import numpy as np
import pytest
from _reference_helpers import ValueAndProxOnly
from hypothesis import given, settings
from hypothesis import strategies as st

from skmtl.losses import routed_loss
from skmtl.penalties import JointFeatureNorm, TraceNorm
from skmtl.penalties.sparse import L1Norm
from skmtl.solvers.certificates import duality_gap, moreau_conjugate
from skmtl.solvers.fista import fista
from skmtl.solvers.reference_cvxpy import solve_reference

NORMS = {
    "lasso": L1Norm,
    "joint_feature": JointFeatureNorm,
    "trace": TraceNorm,
}


def _ball_distance_conjugate(penalty, z, l2):
    r""":math:`h^*(Z) = \operatorname{dist}^2(Z, \alpha B^\circ) / (2 l_2)` for a norm."""
    return float(penalty.dual_ball_distance_squared(z, np)) / (2.0 * l2)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), family=st.sampled_from(sorted(NORMS)),
       alpha=st.floats(0.01, 10.0), l2=st.floats(1e-3, 10.0))
def test_moreau_conjugate_is_the_distance_to_the_dual_ball(seed, family, alpha, l2):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((4, 6)) * rng.uniform(0.1, 20.0)
    penalty = NORMS[family](alpha)
    expected = _ball_distance_conjugate(penalty, z, l2)
    assert moreau_conjugate(penalty, z, l2, np) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    sizes = (25, 30, 20)
    task_index = np.repeat(np.arange(3), sizes)
    X = rng.standard_normal((task_index.size, 6))
    W = rng.standard_normal((3, 6)) * (rng.uniform(size=6) > 0.4)
    y = np.einsum("ij,ij->i", X, W[task_index]) + 0.3 * rng.standard_normal(task_index.size)
    loss, _, _ = routed_loss(X, y, np.ones_like(y), task_index, 3, np.ones(3), True, np)
    return X, y, task_index, loss


@pytest.mark.parametrize("family", sorted(NORMS))
def test_value_and_prox_give_the_same_gap_and_fit(family):
    """Only value and prox: a gap at least the dual ball's (which also tries the scaled
    dual point) and equal to it at the optimum, and a FISTA fit certified by it lands
    on the cvxpy optimum."""
    X, y, task_index, loss = _problem()
    alpha, l2 = 0.2, 0.05
    full, bare = NORMS[family](alpha), ValueAndProxOnly(NORMS[family](alpha))
    point = np.random.default_rng(1).standard_normal((3, 6))
    assert duality_gap(loss, bare, l2, point, np) >= duality_gap(loss, full, l2, point, np)
    coef, _, gap = fista(loss, bare, l2, np.zeros((3, 6)), 1e-10, 50_000, np)
    assert gap <= 1e-10
    assert duality_gap(loss, bare, l2, coef, np) == pytest.approx(
        duality_gap(loss, full, l2, coef, np), abs=1e-12)
    reference = solve_reference(family, X, y, task_index, 3, {"alpha": alpha, "l2": l2})
    np.testing.assert_allclose(coef, reference["coef"], atol=1e-5)


def test_without_a_dual_norm_the_gap_needs_l2():
    _, _, _, loss = _problem()
    with pytest.raises(ValueError, match="has no dual_norm.*needs l2 > 0"):
        duality_gap(loss, ValueAndProxOnly(L1Norm(0.2)), 0.0, np.zeros((3, 6)), np)
