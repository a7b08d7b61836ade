"""Array namespace helpers and the few routines the array API standard lacks.

Every solver takes its namespace ``xp`` from its inputs through
:func:`get_namespace`, which follows scikit-learn's ``array_api_dispatch``
setting: NumPy unless the user enabled dispatch and passed another library's
arrays (CuPy, PyTorch, ``array_api_strict``).
"""

import math

import numpy as np
from sklearn.utils._array_api import get_namespace_and_device as _sk_namespace_and_device
from sklearn.utils._array_api import move_to as _sk_move_to


def get_namespace_and_device(*arrays):
    """Return ``(xp, is_array_api_compliant, device)`` for ``arrays``."""
    return _sk_namespace_and_device(*arrays)


def check_magnitude(name, values, xp):
    """Reject values so large that the sums of their products overflow their dtype."""
    size = math.prod(values.shape)
    if size == 0:
        return
    largest = max(float(xp.max(values)), -float(xp.min(values)))  # no |values| copy
    limit = math.sqrt(float(xp.finfo(values.dtype).max) / size)
    if largest > limit:
        raise ValueError(
            f"{name} holds values as large as {largest:.3g} in absolute value: sums of "
            f"products of them would overflow {values.dtype} (limit {limit:.3g} here). "
            f"Rescale {name}, e.g. with sklearn.preprocessing.StandardScaler."
        )


def follow(array, xp, device):
    """Move an array of any namespace to ``xp`` on ``device`` (other inputs unchanged).

    Targets and weights follow the namespace and device of ``X``, as in scikit-learn.
    """
    is_array = isinstance(array, np.ndarray) or hasattr(array, "__array_namespace__")
    if not is_array:
        return array
    return _sk_move_to(array, xp=xp, device=device)


def to_numpy(array, xp=None):
    """Copy an array of any namespace (``xp``) to a NumPy array on the CPU, from any device.

    ``None`` and NumPy arrays are returned unchanged.
    """
    if array is None or isinstance(array, np.ndarray):
        return array
    return _sk_move_to(array, xp=np, device="cpu")


def batched_matvec(matrices, vectors, xp):
    """Rows ``matrices[t] @ vectors[t]``; ``matrices`` (T or 1, d, d), ``vectors`` (T, d)."""
    if matrices.shape[0] == 1:
        return vectors @ xp.matrix_transpose(matrices[0, ...])
    return (matrices @ vectors[..., None])[..., 0]


def add_to_diagonal(matrices, values, xp):
    """Return ``matrices + values * I`` for a stack of square matrices.

    ``values`` is a scalar or one value per matrix.
    """
    d = matrices.shape[-1]
    eye = xp.eye(d, dtype=matrices.dtype, device=matrices.device)
    if isinstance(values, (int, float)):
        return matrices + values * eye
    return matrices + values[:, None, None] * eye


def clean_eigh(matrices, xp):
    """Eigendecomposition of symmetric PSD matrices with rounding noise set to zero.

    Eigenvalues below ``d * eps`` times the largest of their matrix (negative
    ones included) are the numerical null space and become exactly 0.
    """
    eigenvalues, vectors = xp.linalg.eigh(matrices)
    finfo = xp.finfo(eigenvalues.dtype)
    largest = xp.max(xp.abs(eigenvalues), axis=-1, keepdims=True)
    noise = eigenvalues.shape[-1] * finfo.eps * largest
    return xp.where(eigenvalues > noise, eigenvalues, xp.zeros_like(eigenvalues)), vectors


def positive_reciprocal(values, xp):
    """``1 / values`` where ``values > 0``, and 0 elsewhere (a pseudo-inverse of a diagonal)."""
    positive = values > 0
    return xp.where(positive, 1.0 / xp.where(positive, values, 1.0), 0.0)


def psd_inverse(matrices, xp):
    """Pseudo-inverse of symmetric PSD matrices (any leading batch shape).

    The numerical null space of :func:`clean_eigh` is left out, so a singular
    consistent system gets its minimum-norm solution.
    """
    eigenvalues, vectors = clean_eigh(matrices, xp)
    inverse = positive_reciprocal(eigenvalues, xp)
    return (vectors * inverse[..., None, :]) @ xp.matrix_transpose(vectors)


def block_inverse(matrices, definite, xp):
    """Inverse of symmetric PSD blocks: ``inv`` when they are definite, else the
    pseudo-inverse of :func:`psd_inverse`.

    A block can be definite in exact arithmetic and singular in floating point (a
    ridge of 0.1 next to a Gram block of 1e15, features of about 1e8): when ``inv``
    fails or returns non-finite values, the pseudo-inverse is used too.
    """
    if definite:
        try:
            inverse = xp.linalg.inv(matrices)
        except (np.linalg.LinAlgError, RuntimeError):  # RuntimeError: PyTorch's error
            inverse = None
        if inverse is not None and bool(xp.all(xp.isfinite(inverse))):
            return inverse
    return psd_inverse(matrices, xp)


def largest_eigenvalue(matrices, xp, steps=30):
    """Estimate from above of the largest eigenvalue of each symmetric PSD matrix.

    Exact (``eigvalsh``) for small stacks; otherwise ``steps`` Lanczos steps
    with full reorthogonalization, batched over the stack, then the largest
    eigenvalue of each small tridiagonal matrix (on the host).  The top Ritz
    value approaches the top eigenvalue from below, at a rate set by the
    square root of the spectral gap, and a 1 % margin covers the rest; the
    solver's certificate guards the outcome.  On a 500×500 Gram matrix this
    costs 30 matrix-vector products instead of a full ``eigvalsh``.
    """
    count, d, _ = matrices.shape
    if count * d**3 <= 1e6 or d <= steps:
        return xp.max(xp.linalg.eigvalsh(matrices), axis=-1)
    vector = xp.ones((count, d), dtype=matrices.dtype, device=matrices.device)
    vector = vector + xp.linspace(0.0, 1.0, d, dtype=matrices.dtype, device=matrices.device)
    vector = vector / xp.linalg.vector_norm(vector, axis=-1, keepdims=True)
    basis, diagonal, offdiagonal = [vector], [], []
    for _ in range(steps):
        image = batched_matvec(matrices, basis[-1], xp)
        diagonal.append(xp.sum(basis[-1] * image, axis=-1))
        stacked = xp.stack(basis, axis=1)  # (count, k, d)
        coefficients = stacked @ image[..., None]  # (count, k, 1)
        image = image - (xp.matrix_transpose(stacked) @ coefficients)[..., 0]
        norm = xp.linalg.vector_norm(image, axis=-1)
        offdiagonal.append(norm)
        basis.append(image / xp.clip(norm, min=1e-300)[:, None])
    alphas = to_numpy(xp.stack(diagonal, axis=1), xp)
    betas = to_numpy(xp.stack(offdiagonal[:-1], axis=1), xp)
    tridiagonal = np.zeros((count, steps, steps))
    index = np.arange(steps)
    tridiagonal[:, index, index] = alphas
    tridiagonal[:, index[:-1], index[1:]] = betas
    tridiagonal[:, index[1:], index[:-1]] = betas
    top = np.linalg.eigvalsh(tridiagonal)[:, -1]
    return xp.asarray(1.01 * top, dtype=matrices.dtype, device=matrices.device)


def spd_solve(matrix, rhs, xp):
    """Solve ``matrix @ x = rhs`` for a symmetric positive definite matrix.

    Cholesky (SciPy) for NumPy; the namespace's general solver elsewhere (the
    array API standard has a Cholesky factorization but no triangular solve).
    """
    if isinstance(matrix, np.ndarray):
        from scipy.linalg import cho_factor, cho_solve

        return cho_solve(cho_factor(matrix, lower=True, check_finite=False), rhs,
                         check_finite=False)
    return xp.linalg.solve(matrix, rhs)


def device_of(array):
    """The device of an array; ``'cpu'`` for a SciPy sparse matrix (which has none)."""
    return getattr(array, "device", "cpu")
