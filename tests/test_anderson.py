"""Anderson acceleration: a linear fixed-point iteration, and ADMM with and without it."""

import numpy as np

from skmtl.datasets import make_multitask_regression
from skmtl.losses import routed_loss
from skmtl.penalties import TraceNorm
from skmtl.solvers.admm import admm
from skmtl.solvers.anderson import AndersonMixing


def test_anderson_solves_a_linear_contraction_in_few_steps():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((20, 20)))[0]
    contraction = basis @ np.diag(np.linspace(0.0, 0.99, 20)) @ basis.T
    shift = rng.standard_normal(20)
    fixed_point = np.linalg.solve(np.eye(20) - contraction, shift)
    mixing = AndersonMixing(20, np)
    point = np.zeros(20)
    for _ in range(40):  # the plain iteration is still 0.99**40 = 67 % off
        point = mixing(point, contraction @ point + shift)
    np.testing.assert_allclose(point, fixed_point, rtol=1e-6)


def test_accelerated_admm_agrees_with_plain_admm_in_fewer_iterations():
    X, y, tasks, _ = make_multitask_regression(n_tasks=12, n_features=6, n_samples=30,
                                               structure="lowrank", rank=2, random_state=3)
    X = X * np.logspace(-2, 2, X.shape[1])
    loss = routed_loss(X, y, np.ones(len(y)), tasks, 12, np.ones(12), True, np)[0]
    penalty = TraceNorm(0.05)
    start = np.zeros((12, 6))
    plain, plain_iter, plain_gap, _ = admm(loss, penalty, 0.0, start, 1e-10, 20000, np)
    mixed, mixed_iter, mixed_gap, _ = admm(loss, penalty, 0.0, start, 1e-10, 20000, np,
                                           memory=5)
    assert plain_gap <= 1e-10 and mixed_gap <= 1e-10
    assert mixed_iter <= plain_iter
    np.testing.assert_allclose(mixed, plain, atol=1e-4 * np.abs(plain).max())
