r"""The convex alternating structure optimization penalty (Chen, Tang, Liu & Ye 2009).

The penalty on W (T, d) is a partial minimum over a feature matrix M (d×d):

.. math::

    \Omega(W) = \min_{M \in \mathcal M_k}
                c\,\operatorname{tr}\!\big(W (\eta I + M)^{-1} W^\top\big),
    \qquad c = \alpha\eta(1 + \eta),\quad \eta = l_2/\alpha,

    \mathcal M_k = \{M : \operatorname{tr} M = k,\ 0 \preceq M \preceq I\},
    \quad k = \min(n_{components}, d).

It is the convex clustered penalty (:mod:`skmtl.penalties.clustered`) of
:math:`W^\top`: the same problem with the features in the place of the tasks.  So
the M step is the clustered one on :math:`W^\top`: with the thin SVD
:math:`W = U\operatorname{diag}(\sigma)V^\top`, M shares V with :math:`W^\top W`, its
eigenvalues on V's columns minimize :math:`\sum_i \sigma_i^2/(\eta + m_i)` over the
capped simplex, and every direction orthogonal to V gets one common weight.  The
thin SVD costs :math:`O(T^2 d)` when d > T, and M is held as V, its eigenvalues and
that weight (O(T·d) numbers), never as a d×d array.  M's eigenvectors orthogonal to
W's rows are not determined: W maps them to zero, so they leave the objective
unchanged; only their share of the trace counts.

Both penalties are the same function of the singular values of W, the one of
:math:`WW^\top` (clustered, T×T) and the one of :math:`W^\top W` (here, d×d), which
share their nonzero eigenvalues: for :math:`k \le \min(d, T)` they are equal, and
for larger k (each capped at its own size) both are :math:`l_2\|W\|_F^2`, since M
is then 1 on every singular direction of W.

With M fixed the penalty is :math:`\tfrac12\operatorname{tr}(W R W^\top)`,
:math:`R = 2c(\eta I + M)^{-1}` (:class:`FeatureQuadratic`), separable over the tasks,
whose gradient WR is, by Danskin's theorem, the gradient of :math:`\Omega` at W when
M is the minimizer.
"""

from .clustered import ClusteredPenalty


def _transposed(array, xp):
    return xp.matrix_transpose(array)


class FeatureQuadratic:
    r""":math:`\tfrac12\operatorname{tr}(W R W^\top) = \tfrac12\sum_t w_t^\top R w_t` for a
    d×d PSD R: the quadratic ``of_transpose`` (a T-side
    :class:`~skmtl.penalties.QuadraticPenalty` of R) applied to :math:`W^\top`.

    The solvers' preconditioners add a multiple of the identity to each task's block
    of the loss Hessian (``diagonal``); the penalty's block is R, and the multiple is
    R's largest eigenvalue, which it takes on every direction where M vanishes (all
    but a few when k is small), so that the preconditioned blocks differ from the
    exact ones by a low-rank term.
    """

    def __init__(self, of_transpose):
        self.of_transpose = of_transpose

    def gradient(self, coef, xp):
        """:math:`WR`."""
        return _transposed(self.of_transpose.gradient(_transposed(coef, xp), xp), xp)

    def value(self, coef, xp):
        return self.of_transpose.value(_transposed(coef, xp), xp)

    def diagonal(self, n_tasks, xp, dtype, device):
        """The shift of every task's block, shape (T,): R's largest eigenvalue."""
        largest = self.eigenvalue_range(n_tasks, xp)[1]
        return xp.full((n_tasks,), largest, dtype=dtype, device=device)

    def eigenvalue_range(self, n_tasks, xp):
        """Smallest and largest eigenvalue of the Hessian :math:`I_T \\otimes R` (floats)."""
        return self.of_transpose.spectral.eigenvalue_range()


class SharedSubspacePenalty:
    r"""The convex ASO penalty :math:`\Omega` as the quadratic it is for M = M(W).

    Parameters
    ----------
    alpha, l2 : float
        :math:`\alpha > 0`, :math:`l_2 > 0`.
    n_components : int
        k is :math:`\min(n_{components}, d)`.
    """

    def __init__(self, alpha, l2, n_components):
        self.alpha = alpha
        self.l2 = l2
        self.n_components = n_components
        self._of_transpose = ClusteredPenalty(alpha, l2, n_components)

    def similarity(self, coef, xp):
        """M(W), the minimizing feature matrix, as a SpectralTaskMatrix of shape (d, d)."""
        return self._of_transpose.similarity(_transposed(coef, xp), xp)

    def quadratic_at(self, coef, xp):
        """The FeatureQuadratic of M = M(W): its value and gradient at W are Ω(W), ∇Ω(W)."""
        return FeatureQuadratic(self._of_transpose.quadratic_at(_transposed(coef, xp), xp))

    def value(self, coef, xp):
        """Ω(W)."""
        return self.quadratic_at(coef, xp).value(coef, xp)


def leading_subspace(similarity, k, xp):
    r"""An orthonormal basis (d, k) of the top-k eigenvectors of M, signs fixed.

    M's eigenvectors are V's columns (eigenvalues ``similarity.values``) and every
    vector orthogonal to them (``similarity.rest``).  The columns of V come first,
    by decreasing eigenvalue; when V has fewer than k columns (k > T), the others are
    taken orthogonal to V, from the k leading coordinate vectors projected off V
    (that projection has rank at least k - p, and its k - p leading left singular
    vectors have singular value exactly 1).  Each column's entry of largest
    magnitude is made positive.
    """
    vectors, values = similarity.vectors, similarity.values
    n_features, size = vectors.shape
    order = xp.argsort(-values, stable=True)
    basis = xp.take(vectors, order[:min(k, size)], axis=1)
    if k > size:
        coordinates = xp.eye(n_features, k, dtype=vectors.dtype, device=vectors.device)
        rest = coordinates - vectors @ (_transposed(vectors, xp) @ coordinates)
        completion = xp.linalg.svd(rest, full_matrices=False)[0][:, :k - size]
        basis = xp.concat([basis, completion], axis=1)
    largest = xp.argmax(xp.abs(basis), axis=0)
    flat = xp.reshape(basis, (-1,))
    index = largest * basis.shape[1] + xp.arange(basis.shape[1], device=basis.device)
    # the entry of largest magnitude of a unit vector is not zero
    return basis * xp.sign(xp.take(flat, index))
