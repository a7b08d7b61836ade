r"""
=====================================================================
Multi-task kernel ridge regression on related 1-D curves
=====================================================================

:class:`~skmtl.kernel.MultiTaskKernelRidge` fits a nonlinear function
:math:`f(x, t)` of the input :math:`x` and the task :math:`t` in the
reproducing kernel Hilbert space of the multi-task kernel

.. math::

    K\big((x, s), (z, t)\big) = B_{st}\, k(x, z),

the product of an input kernel :math:`k` (here the Gaussian kernel
:math:`k(x, z) = e^{-\gamma (x - z)^2}`) and a task kernel :math:`B` that says
how much two tasks share. It minimizes each task's mean squared error plus the
squared norm of :math:`f`, with one unpenalized intercept :math:`b_t` per task,

.. math::

    \min_{f, b}\ \sum_t \frac{1}{n_t} \sum_{i \in t}
    \frac{(y_i - f(x_i, t) - b_t)^2}{2} + \frac{\alpha}{2}\|f\|_{\mathcal H}^2.

The task kernel decides what is shared:

- ``task_kernel="independent"``, :math:`B = I`: one kernel ridge regression per
  task, nothing shared;
- ``task_kernel="pooled"``, :math:`B = \mathbf 1 \mathbf 1^\top`: one function
  for all tasks (only the intercepts differ);
- ``task_kernel="mean"``, :math:`B = (1 - \rho) I + \rho \mathbf 1\mathbf 1^\top`
  with :math:`\rho` = ``task_similarity``: every task is a common function plus
  its own deviation, :math:`f(x, t) = f_0(x) + g_t(x)`, both penalized
  (Evgeniou & Pontil 2004);
- ``task_kernel="graph"`` or any positive semidefinite matrix: tasks related
  along a graph, or any given similarity.

This example draws four related curves: three tasks with 20 noisy points each
over the whole interval, and a fourth with only 4 points, all on its left half.
"""

# %%
# Four related curves
# -------------------
#
# Every task is the same wave, :math:`\sin(1.5 x)`, plus a smaller wave of its
# own and an offset.
import matplotlib.pyplot as plt
import numpy as np

from skmtl.kernel import MultiTaskKernelRidge

PHASES = [0.0, 0.8, 1.6, 2.4]
OFFSETS = [0.0, 1.0, -0.5, 0.5]
N_TASKS = 4


def true_curve(x, task):
    return np.sin(1.5 * x) + 0.3 * np.sin(2.5 * x + PHASES[task]) + OFFSETS[task]


rng = np.random.default_rng(0)
x_parts, y_parts, task_parts = [], [], []
for task, (n_points, (low, high)) in enumerate(
    [(20, (-3, 3)), (20, (-3, 3)), (20, (-3, 3)), (4, (-3, 0))]
):
    x = rng.uniform(low, high, n_points)
    x_parts.append(x)
    y_parts.append(true_curve(x, task) + 0.15 * rng.standard_normal(n_points))
    task_parts.append(np.full(n_points, task))
X = np.concatenate(x_parts)[:, None]  # one input feature
y = np.concatenate(y_parts)
tasks = np.concatenate(task_parts)
print("points per task:", np.bincount(tasks).tolist())

# %%
# Independent, pooled and shared fits
# -----------------------------------
#
# The same Gaussian kernel and :math:`\alpha` for the three task kernels. The
# fitted curves are evaluated on a fine grid of every task and compared with
# the true curves.
grid = np.linspace(-3, 3, 300)
models = {
    "independent": MultiTaskKernelRidge(alpha=0.01, kernel="rbf", gamma=1.0,
                                        task_kernel="independent"),
    "pooled": MultiTaskKernelRidge(alpha=0.01, kernel="rbf", gamma=1.0, task_kernel="pooled"),
    "mean": MultiTaskKernelRidge(alpha=0.01, kernel="rbf", gamma=1.0, task_kernel="mean",
                                 task_similarity=0.5),
}
curves = {}
print(f"{'task kernel':12s} " + " ".join(f"task {t}" for t in range(N_TASKS))
      + "   (RMSE against the true curve on [-3, 3])")
for name, model in models.items():
    model.fit(X, y, tasks=tasks)
    curves[name] = np.stack([
        model.predict(grid[:, None], tasks=np.full(grid.shape, task)) for task in range(N_TASKS)
    ])
    errors = [np.sqrt(np.mean((curves[name][task] - true_curve(grid, task)) ** 2))
              for task in range(N_TASKS)]
    print(f"{name:12s} " + " ".join(f"{error:6.3f}" for error in errors))

print("task kernel B of the shared model:")
print(np.asarray(models["mean"].task_kernel_))

# %%
# The fitted curves
# -----------------
#
# On the three tasks with many points, the pooled model cannot follow each
# task's own wave; the independent and the shared fits can, and the shared
# one is the closer to the truth (see the errors above): the common wave is
# estimated from the points of all tasks. On the fourth task, right of
# :math:`x = 0` where it has no data, the independent fit falls back to its
# intercept, while the shared fit continues with the wave that the other tasks
# have shown, shifted by the fourth task's own offset.
fig, axes = plt.subplots(2, 2, figsize=(10, 7.5), sharex=True)
for task, ax in enumerate(axes.ravel()):
    ax.plot(grid, true_curve(grid, task), color="k", linewidth=1, label="true curve")
    ax.plot(grid, curves["independent"][task], color="tab:orange", linestyle="--",
            label="independent")
    ax.plot(grid, curves["pooled"][task], color="tab:green", linestyle=":", label="pooled")
    ax.plot(grid, curves["mean"][task], color="tab:blue", label="mean (shared)")
    rows = tasks == task
    ax.scatter(X[rows, 0], y[rows], color="k", s=15, zorder=3, label="training points")
    ax.set_title(f"task {task}: {rows.sum()} points")
    ax.grid(alpha=0.3)
axes[1, 1].axvspan(0, 3, color="grey", alpha=0.15, label="no data for task 3")
for ax in axes[1]:
    ax.set_xlabel("x")
fig.legend(*axes[1, 1].get_legend_handles_labels(), loc="lower center", ncol=6, fontsize=9)
fig.tight_layout(rect=(0, 0.05, 1, 1))
plt.show()
