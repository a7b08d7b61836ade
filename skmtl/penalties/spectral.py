r"""Symmetric task matrices held as eigenvectors: a low-rank part plus a multiple of I.

The clustered model's M and coupling Q, and the relationship model's Σ, are
functions of the thin SVD of W (T×d): they keep its left singular vectors U and
one eigenvalue per column, every direction orthogonal to U sharing one more.
"""


class SpectralTaskMatrix:
    r"""The symmetric T×T matrix :math:`U\operatorname{diag}(v)U^\top + r(I - UU^\top)`.

    U (T, p) has orthonormal columns; every vector orthogonal to them is an
    eigenvector for the eigenvalue r.  With p = min(T, d) it holds M and Q in
    O(T·p) numbers, and a product with W (T, d) costs O(T·p·d): many tasks never
    need a dense T×T matrix.

    Parameters
    ----------
    vectors : array of shape (T, p)
        U.
    values : array of shape (p,)
        v, the eigenvalues on U's columns.
    rest : float
        r, the eigenvalue on the orthogonal complement of U (unused when p = T).
    """

    def __init__(self, vectors, values, rest):
        self.vectors = vectors
        self.values = values
        self.rest = rest

    @property
    def shape(self):
        n_tasks = self.vectors.shape[0]
        return (n_tasks, n_tasks)

    def map(self, function):
        """:math:`f(A)`, the same eigenvectors with f applied to every eigenvalue."""
        return SpectralTaskMatrix(self.vectors, function(self.values), function(self.rest))

    def on(self, xp, dtype, device):
        """The same matrix with its arrays in namespace ``xp``."""
        return SpectralTaskMatrix(xp.asarray(self.vectors, dtype=dtype, device=device),
                                  xp.asarray(self.values, dtype=dtype, device=device),
                                  self.rest)

    def matmul(self, other, xp):
        """The product with ``other`` of shape (T, d)."""
        projected = xp.matrix_transpose(self.vectors) @ other
        return self.rest * other + self.vectors @ ((self.values - self.rest)[:, None] * projected)

    def diagonal(self, xp):
        """The diagonal, shape (T,)."""
        return self.rest + xp.sum(self.vectors**2 * (self.values - self.rest), axis=1)

    def eigenvalue_range(self):
        """Smallest and largest eigenvalue (floats)."""
        values = [float(value) for value in self.values]
        if self.vectors.shape[0] > self.vectors.shape[1]:
            values.append(float(self.rest))
        return min(values), max(values)

    def dense(self, xp):
        """The T×T array, symmetrized."""
        n_tasks = self.vectors.shape[0]
        vectors = self.vectors
        matrix = (vectors * (self.values - self.rest)) @ xp.matrix_transpose(vectors)
        matrix = matrix + self.rest * xp.eye(n_tasks, dtype=vectors.dtype, device=vectors.device)
        return 0.5 * (matrix + xp.matrix_transpose(matrix))
