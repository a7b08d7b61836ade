"""Solvers: direct solves, conjugate gradient, FISTA and the cvxpy reference."""
