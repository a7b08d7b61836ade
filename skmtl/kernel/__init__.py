"""Multi-task kernel methods: kernels :math:`K((x, s), (z, t)) = B_{st} k(x, z)`."""

from ._ridge import MultiTaskKernelRidge
from ._svm import MultiTaskSVC, MultiTaskSVR
from ._task_kernels import TASK_KERNELS, task_kernel_matrix

__all__ = ["TASK_KERNELS", "MultiTaskKernelRidge", "MultiTaskSVC", "MultiTaskSVR",
           "task_kernel_matrix"]
