r"""Safeguarded Anderson acceleration of a fixed-point iteration :math:`x \leftarrow g(x)`.

Type-II Anderson mixing (Walker & Ni 2011; Zhang, O'Donoghue & Boyd 2020):
with the residuals :math:`f_i = g(x_i) - x_i` of the last :math:`m + 1`
iterates, the differences :math:`\Delta F = [f_{i+1} - f_i]` and
:math:`\Delta G = [g(x_{i+1}) - g(x_i)]`, the next iterate is

.. math::

    x_{k+1} = g(x_k) - \Delta G\,\gamma,\qquad
    \gamma = \arg\min_\gamma \|f_k - \Delta F\,\gamma\|^2
           + \epsilon\|\Delta F\|_F^2\|\gamma\|^2,

a secant extrapolation that uses the curvature of the last steps.  ADMM
with exact per-task solves (:mod:`skmtl.solvers.admm`) is such an iteration
on its split and scaled dual variables, and converges linearly, slowly for a
trace norm on badly scaled features.

The safeguard keeps an extrapolated iterate only if it is a better point than
the one it replaced: when the residual :math:`\|f_{k+1}\|` of an extrapolated
:math:`x_{k+1}` exceeds the residual :math:`\|f_k\|` of the point it was
extrapolated from, the memory is dropped and the iteration resumes from the plain
image :math:`g(x_k)`.  The accelerated iteration then makes no step worse than a
plain one by this merit, at the cost of one evaluation of :math:`g` per rejection.
"""

import math

#: Regularization of the least-squares problem, relative to ``||ΔF||_F²`` (at least ten
#: times the memory times the precision of the dtype).
REGULARIZATION = 1e-10


class AndersonMixing:
    """Safeguarded type-II Anderson acceleration with memory ``memory`` on flat arrays.

    Parameters
    ----------
    memory : int
        Number of differences kept (m).
    xp : namespace
    """

    def __init__(self, memory, xp):
        self.memory = memory
        self.xp = xp
        self.rejected = 0
        self.reset()

    def reset(self):
        """Forget the past iterates (after a change of the iteration map)."""
        self._previous = None
        self._differences = []
        self._fallback = None

    def __call__(self, point, image):
        """The next point to evaluate, from the current one ``point`` and its image
        ``image = g(point)``."""
        xp = self.xp
        residual = image - point
        norm = float(xp.linalg.vector_norm(residual))
        if self._fallback is not None:
            plain, plain_norm = self._fallback
            if not norm <= plain_norm:  # the extrapolation did worse (or is not finite)
                self.rejected += 1
                self.reset()
                return plain
        if self._previous is not None:
            last_image, last_residual = self._previous
            self._differences.append((image - last_image, residual - last_residual))
            if len(self._differences) > self.memory:
                self._differences.pop(0)
        self._previous = (image, residual)
        self._fallback = None
        if not self._differences or not math.isfinite(norm):
            return image
        steps = xp.stack([step for step, _ in self._differences])
        changes = xp.stack([change for _, change in self._differences])
        gram = changes @ xp.matrix_transpose(changes)
        size = gram.shape[0]
        identity = xp.eye(size, dtype=gram.dtype, device=getattr(gram, "device", None))
        finfo = xp.finfo(gram.dtype)
        relative = max(REGULARIZATION, 10.0 * size * float(finfo.eps))
        shift = relative * float(xp.linalg.trace(gram)) + float(finfo.smallest_normal)
        gram = gram + shift * identity
        try:
            weights = xp.linalg.solve(gram, changes @ residual)
        except (ArithmeticError, ValueError, RuntimeError):  # a singular system
            weights = None
        if weights is None or not bool(xp.all(xp.isfinite(weights))):
            self.reset()
            return image
        self._fallback = (image, norm)
        return image - weights @ steps
