r"""One entry for every logistic-loss fit: the solver chosen from the penalty, and the
certificate it stops on.

The classifiers minimize :math:`f(\Theta) + R(W) + \tfrac{l_2}2\|W\|_F^2` over
:math:`\Theta = [W \mid b]` (:mod:`skmtl.losses.logistic`).  :func:`logistic_problem`
reads the penalty:

- a quadratic coupling: Newton's method (or accelerated gradient), certified by the
  KKT residual preconditioned at the start;
- a penalty minimized over a task matrix (``quadratic_at``): alternating
  minimization with Newton W steps, certified by the KKT residual at that matrix;
- a split norm (``halves``): proximal Newton (or FISTA) on the stacked parts,
  certified by the duality gap of the split;
- any other penalty with a prox: proximal Newton, whose subproblems the
  squared-loss solvers minimize, or FISTA with backtracking; certified by the
  duality gap (:mod:`skmtl.solvers.certificates`).

On a sparse X too wide for the per-task Hessian blocks
(:func:`~skmtl._sparse.affordable_products`), proximal Newton keeps its model as
weighted rows (:mod:`skmtl.solvers.row_model`), which coordinate descent minimizes
with a penalty of uncoupled column blocks (the lasso, the L2,1 norm); ``'auto'``
takes it for those and FISTA for the other norms, and Newton's method is
preconditioned by the Hessian's diagonal instead of its blocks.

A loss whose Hessian products cost a pass over the rows each (dask chunks too wide
for the blocks, :func:`~skmtl._dask_logistic.blocks_pay`) says so by
``gradient_only``: ``'auto'`` then minimizes the smooth objectives by L-BFGS
(:mod:`~skmtl.solvers.lbfgs`), one pass per trial point, and the norms by FISTA.
"""

from typing import NamedTuple

from ..losses import PenalizedLogistic, StackedLoss
from ..penalties import OnFeatures, QuadraticPenalty
from .alternating import INNER_MAX_ITER, alternate, rounding_level
from .certificates import duality_gap
from .conjugate_gradient import relative_residual
from .fista import accelerated_proximal_gradient
from .lbfgs import limited_memory_bfgs
from .newton import newton
from .proximal_newton import proximal_newton
from .row_model import has_sparse_rows, row_newton_applies
from .squared import GAP, KKT


def smooth_minimizer(loss, solver):
    """Newton's method, or L-BFGS where ``'auto'`` meets a ``gradient_only`` loss; both
    called as ``(objective, start, certificate, tol, max_iter, xp)``."""
    if solver == "auto" and getattr(loss, "gradient_only", False):
        return limited_memory_bfgs
    return newton


class LogisticFit(NamedTuple):
    """What :meth:`_Problem.solve` returns."""

    theta: object
    n_iter: int
    certificate: float
    certificate_name: str
    #: The two parts of a split penalty, else None.
    parts: tuple = None


def logistic_problem(objective, penalty, l2, start, n_features, fit_intercept):
    """The problem of ``objective`` (a PenalizedLogistic holding the smooth part) and
    ``penalty``, started from ``start`` (W = 0 with its best intercepts)."""
    if isinstance(penalty, QuadraticPenalty):
        kind = _Quadratic
    elif hasattr(penalty, "quadratic_at"):
        kind = _Alternating
    elif hasattr(penalty, "halves"):
        kind = _Split
    else:
        kind = _Norm
    return kind(objective, penalty, l2, start, n_features, fit_intercept)


class _Problem:
    name = GAP

    def __init__(self, objective, penalty, l2, start, n_features, fit_intercept):
        self.objective, self.penalty, self.l2 = objective, penalty, l2
        self.start, self.n_features, self.fit_intercept = start, n_features, fit_intercept
        self.loss, self.xp = objective.loss, objective.loss.xp

    def certify(self, theta, first_part=None):
        """The certificate of a given ``theta`` (a cvxpy solution)."""
        return self.certificate(theta)

    def _fit(self, theta, n_iter, parts=None):
        return LogisticFit(theta, n_iter, self.certificate(theta), self.name, parts)


class _Quadratic(_Problem):
    r"""The KKT residual :math:`\sqrt{g^\top P g / g_0^\top P g_0}`, g the gradient,
    :math:`g_0` the gradient at the start and P the inverse of the per-task Hessian
    blocks there."""

    name = KKT

    def __init__(self, *args):
        super().__init__(*args)
        self.precondition = self.objective.newton_system(self.start)[1]
        self.reference = self.objective.gradient(self.start)

    def kkt_of_gradient(self, gradient):
        return relative_residual(self.reference, gradient, self.precondition, self.xp)

    def certificate(self, theta):
        return self.kkt_of_gradient(self.objective.gradient(theta))

    def solve(self, theta, solver, tol, max_iter, first_part=None):
        if solver in ("auto", "newton", "proximal_newton"):
            minimize = smooth_minimizer(self.loss, solver)
            theta, n_iter, _ = minimize(self.objective, theta, self.kkt_of_gradient, tol,
                                        max_iter, self.xp)
            return self._fit(theta, n_iter)
        if solver != "fista":
            raise ValueError(f"solver={solver!r} does not apply to a quadratic penalty.")
        theta, n_iter, _ = accelerated_proximal_gradient(
            self.objective, lambda values, step: values, theta, self.objective.lipschitz(),
            self.certificate, tol, max_iter, self.xp, backtracking=True)
        return self._fit(theta, n_iter)


class _Norm(_Problem):
    """The duality gap relative to the objective at the start."""

    def __init__(self, *args):
        super().__init__(*args)
        self.scale = max(float(self.loss.value(self.start)), 1e-300)

    def certificate(self, theta):
        gap = duality_gap(self.loss, self.penalty, self.l2, theta, self.xp)
        return max(gap / self.scale, 0.0)

    def solve(self, theta, solver, tol, max_iter, first_part=None):
        if solver not in ("auto", "proximal_newton", "fista"):
            raise ValueError(f"solver={solver!r} does not apply to {type(self.penalty).__name__}.")
        if solver == "proximal_newton" or (solver == "auto" and (
                self.loss.dense_blocks
                or (has_sparse_rows(self.loss) and row_newton_applies(self.penalty)))):
            theta, n_iter, _ = proximal_newton(
                self.loss, self.penalty, self.l2, theta, self.n_features, self.fit_intercept,
                self.certificate, tol, max_iter, self.xp)
            return self._fit(theta, n_iter)
        norm = OnFeatures(self.penalty, self.n_features)
        theta, n_iter, _ = accelerated_proximal_gradient(
            self.objective, lambda values, step: norm.prox(values, step, self.xp), theta,
            self.objective.lipschitz(), self.certificate, tol, max_iter, self.xp,
            backtracking=True)
        return self._fit(theta, n_iter)


class _Split(_Norm):
    r"""Proximal Newton or FISTA on :math:`[W_1 \mid W_2 \mid b]`; the certificate is the
    duality gap at the stacked point of the current split.

    In the stacked coordinates the Hessian blocks are :math:`A^\top B_t A`; the
    second-order model is then a squared loss in the stacked parts, minimized with
    the split norm by the regressors' FISTA/ADMM.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self.stacked_loss = StackedLoss(self.loss, self.n_features, self.xp)
        self.parts = None

    def certificate(self, theta):
        stacked = self.stacked_loss.stack(self.parts[0], theta)
        gap = duality_gap(self.stacked_loss, self.penalty, 0.0, stacked, self.xp)
        return max(gap / self.scale, 0.0)

    def certify(self, theta, first_part=None):
        self.parts = (first_part, None)
        return self.certificate(theta)

    def solve(self, theta, solver, tol, max_iter, first_part=None):
        n_features, xp = self.n_features, self.xp
        norm = OnFeatures(self.penalty, 2 * n_features)

        def stacked_certificate(stacked):
            self.parts = self.penalty.halves(stacked[:, :2 * n_features])
            return self.certificate(self.stacked_loss.collapse(stacked))

        first = xp.zeros_like(theta[:, :n_features]) if first_part is None else first_part
        start = self.stacked_loss.stack(first, theta)
        if solver == "proximal_newton" or (solver == "auto" and self.loss.dense_blocks):
            stacked, n_iter, _ = proximal_newton(
                self.stacked_loss, self.penalty, 0.0, start, 2 * n_features, self.fit_intercept,
                stacked_certificate, tol, max_iter, xp)
        else:
            stacked, n_iter, _ = accelerated_proximal_gradient(
                self.stacked_loss, lambda values, step: norm.prox(values, step, xp), start,
                self.stacked_loss.lipschitz(), stacked_certificate, tol, max_iter, xp,
                backtracking=True)
        self.parts = self.penalty.halves(stacked[:, :2 * n_features])
        return self._fit(self.stacked_loss.collapse(stacked), n_iter, self.parts)


class _Alternating(_Problem):
    """Alternating minimization, Newton W steps; the certificate is the KKT residual of
    the logistic objective with the quadratic of M = M(W), preconditioned at the start."""

    name = KKT

    def __init__(self, *args):
        super().__init__(*args)
        self.reference = self.loss.value_and_gradient(self.start)[1]

    def measure(self, theta):
        """The certificate, g(theta), and the W-step problem of M = M(W)."""
        xp = self.xp
        quadratic = self.penalty.quadratic_at(theta[:, :self.n_features], xp)
        fixed = PenalizedLogistic(self.loss, OnFeatures(quadratic, self.n_features))
        precondition = fixed.newton_system(self.start)[1]

        def kkt_of_gradient(gradient):
            return relative_residual(self.reference, gradient, precondition, xp)

        value, gradient = fixed.value_and_gradient(theta)
        return kkt_of_gradient(gradient), float(value), (fixed, kkt_of_gradient)

    def certificate(self, theta):
        return self.measure(theta)[0]

    def solve(self, theta, solver, tol, max_iter, first_part=None):
        minimize = smooth_minimizer(self.loss, solver)

        def step(values, fixed, inner_tol):
            fixed_objective, kkt_of_gradient = fixed
            return minimize(fixed_objective, values, kkt_of_gradient, inner_tol,
                            INNER_MAX_ITER, self.xp)[0]

        theta, n_iter, _ = alternate(self.measure, step, theta, tol, max_iter,
                                     rounding_level(theta, self.xp))
        return self._fit(theta, n_iter)
