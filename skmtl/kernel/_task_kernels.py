r"""Task similarity matrices B of the multi-task kernel :math:`K((x, s), (z, t)) = B_{st}\,k(x, z)`.

With a linear k and a positive definite B, the RKHS norm of
:math:`f(x, t) = w_t^\top x` is :math:`\operatorname{tr}(W^\top B^{-1} W)`
(Evgeniou, Micchelli & Pontil 2005): the task kernel is the inverse of the
coupling Q of the linear penalties, up to the factor alpha.
"""

import numpy as np

from ..penalties import check_task_graph, graph_laplacian

TASK_KERNELS = ("independent", "pooled", "mean", "graph")

#: Relative tolerance on negative eigenvalues of a user task kernel.
_PSD_TOLERANCE = 1e-10


def task_kernel_matrix(task_kernel, n_tasks, *, task_similarity=0.5, task_graph=None,
                       graph_ridge=1.0, task_labels=None):
    r"""The T×T task similarity matrix B (NumPy, float64).

    Parameters
    ----------
    task_kernel : {'independent', 'pooled', 'mean', 'graph'} or array-like of shape (T, T)
        ``'independent'``: :math:`B = I`; ``'pooled'``: :math:`B = \mathbf 1\mathbf 1^\top`;
        ``'mean'``: :math:`B = (1 - \rho) I + \rho \mathbf 1 \mathbf 1^\top` with
        :math:`\rho` = ``task_similarity`` (Evgeniou & Pontil 2004); ``'graph'``:
        :math:`B = (L + \lambda I)^{-1}` with L the Laplacian of ``task_graph`` and
        :math:`\lambda` = ``graph_ridge``; or a symmetric positive semidefinite matrix
        in ``tasks_`` order.
    n_tasks : int
    task_similarity : float in [0, 1]
    task_graph : array-like of shape (T, T) or None
        Symmetric non-negative adjacency; ``None`` is the complete graph.
    graph_ridge : float > 0
    task_labels : sequence, optional
        Named in error messages.

    Returns
    -------
    B : ndarray of shape (T, T)

    Examples
    --------
    >>> from skmtl.kernel import task_kernel_matrix
    >>> task_kernel_matrix("mean", 3, task_similarity=0.25)
    array([[1.  , 0.25, 0.25],
           [0.25, 1.  , 0.25],
           [0.25, 0.25, 1.  ]])
    """
    labels = f" {list(task_labels)[:20]}" if task_labels is not None else ""
    if isinstance(task_kernel, str):
        if task_kernel not in TASK_KERNELS:
            raise ValueError(
                f"task_kernel must be one of {TASK_KERNELS} or a (T, T) matrix, got "
                f"{task_kernel!r}."
            )
        if task_kernel == "independent":
            return np.eye(n_tasks)
        if task_kernel == "pooled":
            return np.ones((n_tasks, n_tasks))
        if task_kernel == "mean":
            return (1.0 - task_similarity) * np.eye(n_tasks) + task_similarity
        graph = (np.ones((n_tasks, n_tasks)) if task_graph is None
                 else check_task_graph(task_graph, n_tasks, task_labels or ()))
        return np.linalg.inv(graph_laplacian(graph) + graph_ridge * np.eye(n_tasks))
    matrix = np.asarray(task_kernel, dtype=np.float64)
    if matrix.shape != (n_tasks, n_tasks):
        raise ValueError(
            f"A task_kernel matrix must be of shape ({n_tasks}, {n_tasks}) for the {n_tasks} "
            f"tasks{labels}, got {matrix.shape}."
        )
    if not np.all(np.isfinite(matrix)):
        raise ValueError("The task_kernel matrix must be finite.")
    if not np.allclose(matrix, matrix.T, rtol=1e-10, atol=1e-12):
        raise ValueError("The task_kernel matrix must be symmetric.")
    matrix = 0.5 * (matrix + matrix.T)
    eigenvalues = np.linalg.eigvalsh(matrix)
    scale = max(float(np.max(np.abs(eigenvalues))), np.finfo(np.float64).tiny)
    if eigenvalues[0] < -_PSD_TOLERANCE * scale:
        raise ValueError(
            "The task_kernel matrix must be positive semidefinite; its smallest eigenvalue is "
            f"{eigenvalues[0]:.3g} (largest {eigenvalues[-1]:.3g})."
        )
    return matrix
