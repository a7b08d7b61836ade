"""What the multi-task kernel estimators share: the input kernel and the task kernel."""

from numbers import Real

import numpy as np
from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS, pairwise_kernels
from sklearn.utils._param_validation import Interval, StrOptions

from .._array_api import device_of
from .._sparse import is_sparse
from .._task_model import TASK_CONSTRAINTS, MultiTaskModel
from ._task_kernels import TASK_KERNELS, task_kernel_matrix

KERNEL_CONSTRAINTS = {
    **TASK_CONSTRAINTS,
    "kernel": [StrOptions(set(PAIRWISE_KERNEL_FUNCTIONS)), callable],
    "gamma": [Interval(Real, 0, None, closed="left"), None],
    "degree": [Interval(Real, 0, None, closed="left")],
    "coef0": [Interval(Real, None, None, closed="neither")],
    "kernel_params": [dict, None],
    "task_kernel": [StrOptions(set(TASK_KERNELS)), "array-like"],
    "task_similarity": [Interval(Real, 0, 1, closed="both")],
    "task_graph": [None, "array-like"],
    "graph_ridge": [Interval(Real, 0, None, closed="neither")],
}

KERNEL_PARAMETERS_DOC = """
    kernel : str or callable, default='linear'
        The input kernel k: a name of :func:`sklearn.metrics.pairwise.pairwise_kernels`
        ('linear', 'rbf', 'poly', 'laplacian', 'sigmoid', ...) or a callable on two
        rows returning a float.
    gamma, degree, coef0 : float
        Parameters of the named kernels (ignored by those that do not take them).
    kernel_params : dict, default=None
        Further keyword arguments of the kernel (of a callable kernel in particular).
    task_kernel : {'independent', 'pooled', 'mean', 'graph'} or array-like of shape \
(n_tasks, n_tasks), default='mean'
        The task similarity B of :math:`K((x, s), (z, t)) = B_{st} k(x, z)`:
        ``'independent'`` :math:`B = I` (one model per task), ``'pooled'``
        :math:`B = \\mathbf 1\\mathbf 1^\\top` (one model for all), ``'mean'``
        :math:`B = (1 - \\rho) I + \\rho\\mathbf 1\\mathbf 1^\\top` (Evgeniou & Pontil),
        ``'graph'`` :math:`B = (L + \\lambda I)^{-1}` with L the Laplacian of
        ``task_graph``, or a symmetric positive semidefinite matrix in ``tasks_``
        order.
    task_similarity : float in [0, 1], default=0.5
        :math:`\\rho` of ``task_kernel='mean'``.
    task_graph : array-like of shape (n_tasks, n_tasks), default=None
        Adjacency of ``task_kernel='graph'`` (``None``: the complete graph).
    graph_ridge : float > 0, default=1.0
        :math:`\\lambda` of ``task_kernel='graph'``.
"""


class MultiTaskKernelModel(MultiTaskModel):
    """Input kernel, task kernel and the rows a kernel model is fitted on (not public)."""

    def _input_kernel(self, X, Y):
        if callable(self.kernel):
            params = dict(self.kernel_params or {})
        else:
            params = {"gamma": self.gamma, "degree": self.degree, "coef0": self.coef0,
                      **(self.kernel_params or {})}
        return pairwise_kernels(X, Y, metric=self.kernel, filter_params=True, **params)

    def _task_kernel(self, n_tasks):
        return task_kernel_matrix(
            self.task_kernel, n_tasks, task_similarity=self.task_similarity,
            task_graph=self.task_graph, graph_ridge=self.graph_ridge,
            task_labels=self._task_labels.tolist(),
        )

    @staticmethod
    def _expanded_shared_design(X, Y, sample_weight, xp):
        """The shared design as labelled rows: row i of task t for every (t, i)."""
        n_samples, n_tasks = Y.shape
        positions = np.tile(np.arange(n_samples), n_tasks)
        index = xp.asarray(positions, device=device_of(X))
        rows = X[positions] if is_sparse(X) else xp.take(X, index, axis=0)
        targets = xp.reshape(xp.matrix_transpose(Y), (-1,))
        weights = xp.take(sample_weight, index, axis=0)
        return rows, targets, weights, np.repeat(np.arange(n_tasks), n_samples)
