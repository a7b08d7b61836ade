r"""SciPy sparse feature matrices: validation, and centred rows that are never densified.

A sparse X is converted once (to CSR) when it is validated, and stays sparse: the
estimators only multiply it by dense vectors and small dense matrices.  Fitting
intercepts centres each task's rows on their weighted mean :math:`\bar x_t`; a
centred sparse matrix is dense, so it is never formed.  :class:`CentredSparse`
acts as :math:`X - \mathbf 1 \bar x^\top` (optionally followed by a column of ones,
the logistic loss's intercept column) through

.. math::

    (X - \mathbf 1\bar x^\top) v = X v - (\bar x^\top v)\mathbf 1, \qquad
    u^\top (X - \mathbf 1\bar x^\top) = u^\top X - (\mathbf 1^\top u)\,\bar x^\top,

as scikit-learn's linear models do with sparse input.  :class:`SparseTaskRows`
holds one such block per task (rows sorted by task, each centred on its own mean).

SciPy sparse matrices are NumPy arrays underneath: with scikit-learn's
``array_api_dispatch`` enabled a sparse X is refused (:func:`reject_dispatch`).
"""

import copy

import numpy as np
import scipy.sparse as sp
from sklearn import get_config

#: The sparse formats accepted (converted to CSR once, at validation).
SPARSE_FORMATS = ["csr", "csc", "coo"]

#: A dense matrix of per-task products (a T×d×d Gram stack, the T×p×p Hessian blocks
#: of the logistic loss) is formed from a sparse X only when it holds at most this
#: many numbers, or no more than X holds non-zeros: 32 MB of float64, or the size of
#: the data itself.  Beyond it the solvers work with products by X only.
DENSE_PRODUCT_ELEMENTS = 4_000_000


def is_sparse(X):
    """Whether ``X`` is a SciPy sparse matrix or array."""
    return sp.issparse(X)


def affordable_products(n_blocks, width, X):
    """Whether ``n_blocks`` dense ``width``×``width`` products of sparse ``X`` may be formed
    (:data:`DENSE_PRODUCT_ELEMENTS`, or no more numbers than X has non-zeros)."""
    size = n_blocks * width**2
    return size <= max(DENSE_PRODUCT_ELEMENTS, X.nnz)


def require_affordable(n_blocks, width, X, products):
    """Refuse a sparse chunk of a dask array whose ``n_blocks`` dense ``width``×``width``
    ``products`` (the per-task statistics or Hessian blocks that dask input is fitted
    from) break the size rule of :func:`affordable_products`."""
    if is_sparse(X) and not affordable_products(n_blocks, width, X):
        raise ValueError(
            f"A sparse chunk of a dask array with {n_blocks} task(s) and {width} columns "
            f"would form {n_blocks} dense {width}x{width} {products} "
            f"({n_blocks * width**2} numbers), beyond the size rule for sparse X (at most "
            f"{DENSE_PRODUCT_ELEMENTS} numbers, or the chunk's {X.nnz} non-zeros). Dask "
            "input is fitted from such per-task products; for this many features, fit on "
            "the scipy.sparse matrix in memory (X.compute()), whose row layout uses "
            "products by X only.")


def reject_dispatch(X):
    """Refuse a sparse X under ``array_api_dispatch``: SciPy sparse is NumPy only."""
    if is_sparse(X) and get_config().get("array_api_dispatch", False):
        raise TypeError(
            "A SciPy sparse X cannot be used with array_api_dispatch=True: SciPy sparse "
            "matrices hold NumPy arrays on the CPU and have no array API namespace. "
            "Disable array_api_dispatch for sparse input, or pass a dense array of the "
            "namespace you want.")


def as_csr(X):
    """CSR with sorted indices and no duplicate entries (a copy only when needed)."""
    X = X.tocsr()
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def small_dense(product):
    """A dense copy of a sparse product whose size the caller bounded (a d×d Gram matrix
    under :data:`DENSE_PRODUCT_ELEMENTS`, a block on a support): a scatter of its entries."""
    coo = sp.coo_array(product)
    coo.sum_duplicates()
    dense = np.zeros(coo.shape, dtype=coo.dtype)
    dense[coo.row, coo.col] = coo.data
    return dense


def row_dot(X, coef, row_task):
    r""":math:`x_i^\top w_{t(i)}` for every row of a sparse X (n, d), coef (T, d).

    One pass over the non-zeros: no (n, d) gather of the coefficients.
    """
    X = as_csr(X)
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    values = X.data * coef[row_task[rows], X.indices]
    return np.bincount(rows, weights=values, minlength=X.shape[0]).astype(
        np.result_type(X.dtype, coef.dtype), copy=False)


def task_column(X, position):
    """Column ``position`` of a sparse X as a dense vector, and X without it."""
    columns = sp.csc_array(X)
    column = columns[:, [position]]
    labels = np.zeros(X.shape[0], dtype=X.dtype)
    labels[column.indices] = column.data
    keep = np.delete(np.arange(X.shape[1]), position)
    features = columns[:, keep]
    return (sp.csr_matrix(features) if isinstance(X, sp.spmatrix) else features.tocsr()), labels


class CentredSparse:
    r"""The operator :math:`[X - \mathbf 1\bar x^\top \mid \mathbf 1]` of a sparse X (n, d).

    Supports ``A @ v`` (v of shape (p,) or (p, k)), ``u @ A`` (u of shape (n,) or
    (k, n)), ``A[rows]`` / ``A[rows, ...]`` (a slice of rows) and ``A[:, columns]``
    (columns of X, without the ones column).

    Parameters
    ----------
    X : sparse matrix of shape (n, d)
    mean : ndarray of shape (d,)
        :math:`\bar x` (zeros: X itself).
    ones : bool, default=False
        Whether a last column of ones follows (p = d + 1, else p = d).
    """

    # NumPy arrays on the left defer to __rmatmul__.
    __array_ufunc__ = None

    def __init__(self, X, mean, ones=False):
        self.X = as_csr(X)
        self.mean = np.asarray(mean, dtype=self.X.dtype)
        self.ones = ones
        self._columns = None

    @property
    def shape(self):
        return (self.X.shape[0], self.X.shape[1] + int(self.ones))

    @property
    def dtype(self):
        return self.X.dtype

    device = "cpu"

    @property
    def columns(self):
        """X in CSC (formed once, for column access)."""
        if self._columns is None:
            self._columns = self.X.tocsc()
        return self._columns

    def _split(self, values):
        d = self.X.shape[1]
        return (values[:d], values[d]) if self.ones else (values, None)

    def __matmul__(self, values):
        values = np.asarray(values)
        coef, last = self._split(values)
        product = np.asarray(self.X @ coef) - self.mean @ coef
        if last is not None:
            product = product + last
        return product

    def __rmatmul__(self, values):
        values = np.asarray(values)
        total = np.sum(values, axis=-1)
        product = np.asarray(self.X.T @ values.T).T - np.multiply.outer(total, self.mean)
        if self.ones:
            product = np.concatenate([product, total[..., None]], axis=-1)
        return product

    def __getitem__(self, key):
        if isinstance(key, tuple):
            rows, columns = key
            if columns is Ellipsis or (isinstance(columns, slice) and columns == slice(None)):
                return CentredSparse(self.X[rows], self.mean, self.ones)
            if not (isinstance(rows, slice) and rows == slice(None)):
                raise IndexError("CentredSparse takes rows or columns, not both.")
            columns = np.arange(self.X.shape[1])[columns]
            return CentredSparse(self.columns[:, columns], self.mean[columns])
        return CentredSparse(self.X[key], self.mean, self.ones)

    def recentred(self, mean, ones=False):
        """The same X centred on ``mean`` instead, sharing X and its CSC copy (formed
        here, once for all the copies)."""
        _ = self.columns
        other = copy.copy(self)
        other.mean, other.ones = np.asarray(mean, dtype=self.X.dtype), ones
        return other

    def weighted_squares(self, weights):
        r""":math:`\sum_i \omega_i A_{ij}^2` for every column j, shape (p,)."""
        X, mean = self.X, self.mean
        total = float(np.sum(weights))
        raw = np.asarray(X.multiply(X).T @ weights)
        squares = raw - 2.0 * mean * np.asarray(X.T @ weights) + mean**2 * total
        squares = np.maximum(squares, 0.0)
        return np.append(squares, total) if self.ones else squares

    def weighted_gram(self, weights):
        r""":math:`A^\top \operatorname{diag}(\omega) A`, dense (p, p): callers bound p."""
        X, mean = self.X, self.mean
        raw = small_dense(X.T @ X.multiply(weights[:, None]).tocsr())
        moment = np.asarray(X.T @ weights)
        total = float(np.sum(weights))
        gram = (raw - np.outer(mean, moment) - np.outer(moment, mean)
                + total * np.outer(mean, mean))
        if not self.ones:
            return gram
        edge = moment - total * mean
        return np.block([[gram, edge[:, None]], [edge[None, :], np.full((1, 1), total)]])

    def top_singular_squared(self, weights):
        r""":math:`\|\operatorname{diag}(\sqrt\omega) A\|_2^2` (from above, 1 % margin when
        iterative): exact on a small side, else Lanczos (ARPACK) on the operator."""
        n, p = self.shape
        if n == 0 or p == 0:
            return 0.0
        if p <= 64:
            return float(np.linalg.eigvalsh(self.weighted_gram(weights))[-1])
        root = np.sqrt(weights)
        from scipy.sparse.linalg import LinearOperator, svds

        operator = LinearOperator(
            (n, p), dtype=np.float64,
            matvec=lambda v: root * (self @ np.ravel(v)),
            rmatvec=lambda u: root * np.ravel(u) @ self)
        if min(n, p) <= 2:
            columns = np.stack([operator.rmatvec(e) for e in np.eye(n)])
            return float(np.linalg.svd(columns, compute_uv=False)[0] ** 2)
        top = svds(operator, k=1, return_singular_vectors=False, tol=1e-6,
                   random_state=0, solver="arpack")
        return 1.01 * float(top[0]) ** 2


class SparseTaskRows:
    """Rows sorted by task, task t's block centred on its own mean (a :class:`CentredSparse`
    per task); ``rows[start:stop]`` (a task's range) gives that task's block.

    Parameters
    ----------
    X : sparse matrix of shape (n, d)
        Rows sorted by task.
    means : ndarray of shape (T, d)
    bounds : list of (start, stop)
    ones : bool, default=False
        Whether each block is followed by a column of ones.
    """

    __array_ufunc__ = None

    def __init__(self, X, means, bounds, ones=False):
        self.X = as_csr(X)
        self.means = np.asarray(means, dtype=self.X.dtype)
        self.bounds = list(bounds)
        self.ones = ones
        self.blocks = {(start, stop): CentredSparse(self.X[start:stop], self.means[t], ones)
                       for t, (start, stop) in enumerate(self.bounds)}
        self.row_task = np.repeat(np.arange(len(self.bounds)),
                                  [stop - start for start, stop in self.bounds])

    @property
    def shape(self):
        return (self.X.shape[0], self.X.shape[1] + int(self.ones))

    @property
    def dtype(self):
        return self.X.dtype

    device = "cpu"

    def recentred(self, means, ones=False):
        """The same rows, task t's block centred on ``means[t]`` instead (T, d), sharing
        the blocks' X and their CSC copies."""
        other = copy.copy(self)
        other.means, other.ones = np.asarray(means, dtype=self.X.dtype), ones
        other.blocks = {key: self.blocks[key].recentred(other.means[t], ones)
                        for t, key in enumerate(self.bounds)}
        return other

    def __getitem__(self, key):
        rows = key[0] if isinstance(key, tuple) else key
        block = self.blocks.get((rows.start, rows.stop)) if isinstance(rows, slice) else None
        if block is None:
            raise IndexError("SparseTaskRows gives the row range of one task at a time.")
        return block
