"""Preconditioned conjugate gradient for the quadratic families.

It solves the optimality conditions ``H W + Q W = C`` of the quadratic
families, from zero or from a direct solve whose lost digits it recovers.
It stops on the KKT residual measured in the norm of the preconditioner P,

    sqrt(r' P r) / sqrt(c' P c),

with r the gradient at W and c the gradient at 0.  With P close to the inverse
Hessian, its square estimates the objective's suboptimality relative to its
range, whatever the scaling of the features; the plain norm ``||r|| / ||c||``
does not, and can be small while the objective is far from optimal when the
features are badly scaled.
"""


def relative_residual(rhs, residual, precondition, xp):
    """``sqrt(r'Pr / c'Pc)`` for right-hand side c and residual r (0 when c = 0)."""
    reference = float(xp.sum(rhs * precondition(rhs)))
    if reference <= 0.0:
        return 0.0 if float(xp.linalg.vector_norm(residual)) == 0.0 else float("inf")
    return max(float(xp.sum(residual * precondition(residual))), 0.0) ** 0.5 / reference**0.5


def conjugate_gradient(matvec, rhs, precondition, coef, tol, max_iter, xp):
    """Solve ``matvec(W) = rhs`` for a symmetric PSD operator on (T, d) arrays.

    Parameters
    ----------
    matvec, precondition : callables on arrays of shape (T, d)
        The operator and a symmetric PSD approximation of its inverse.
    rhs : array of shape (T, d)
    coef : array of shape (T, d)
        Starting point.
    tol : float
        Stop when :func:`relative_residual` is at most ``tol``.
    max_iter : int
    xp : namespace

    Returns
    -------
    coef, n_iter, relative_residual
    """
    reference = float(xp.sum(rhs * precondition(rhs)))
    if reference <= 0.0:
        return xp.zeros_like(rhs), 1, 0.0
    residual = rhs - matvec(coef)
    preconditioned = precondition(residual)
    rz = xp.sum(residual * preconditioned)
    direction = preconditioned
    n_iter = 0
    while n_iter < max_iter and max(float(rz), 0.0) > tol**2 * reference:
        n_iter += 1
        image = matvec(direction)
        curvature = xp.sum(direction * image)
        if not float(curvature) > 0.0:
            break
        step = rz / curvature
        coef = coef + step * direction
        residual = residual - step * image
        preconditioned = precondition(residual)
        rz_next = xp.sum(residual * preconditioned)
        direction = preconditioned + (rz_next / rz) * direction
        rz = rz_next
    final = relative_residual(rhs, rhs - matvec(coef), precondition, xp)
    return coef, max(n_iter, 1), final
