"""Preconditioned conjugate gradient for the quadratic families.

Used where no direct solve fits: a user task graph with one Gram matrix per
task and many tasks, or rows kept in sample space.  It stops on the KKT
residual, the norm of the objective's gradient relative to its norm at W = 0.
"""


def conjugate_gradient(matvec, rhs, precondition, coef, tol, max_iter, xp):
    """Solve ``matvec(W) = rhs`` for a symmetric PSD operator on (T, d) arrays.

    Parameters
    ----------
    matvec, precondition : callables on arrays of shape (T, d)
    rhs : array of shape (T, d)
    coef : array of shape (T, d)
        Starting point.
    tol : float
        Stop when ``||rhs - matvec(W)||_F <= tol * ||rhs||_F``.
    max_iter : int
    xp : namespace

    Returns
    -------
    coef, n_iter, relative_residual
    """
    rhs_norm = float(xp.linalg.vector_norm(rhs))
    if rhs_norm == 0.0:
        return xp.zeros_like(rhs), 1, 0.0
    residual = rhs - matvec(coef)
    direction = precondition(residual)
    rz = xp.sum(residual * direction)
    n_iter = 0
    while n_iter < max_iter:
        if float(xp.linalg.vector_norm(residual)) <= tol * rhs_norm:
            break
        n_iter += 1
        image = matvec(direction)
        curvature = xp.sum(direction * image)
        if float(curvature) <= 0.0:
            break
        step = rz / curvature
        coef = coef + step * direction
        residual = residual - step * image
        preconditioned = precondition(residual)
        rz_next = xp.sum(residual * preconditioned)
        direction = preconditioned + (rz_next / rz) * direction
        rz = rz_next
    final = float(xp.linalg.vector_norm(rhs - matvec(coef))) / rhs_norm
    return coef, max(n_iter, 1), final
