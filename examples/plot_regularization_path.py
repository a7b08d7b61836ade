r"""
=====================================================
Regularization paths of the trace and L2,1 norms
=====================================================

Two penalties give structured solutions as their strength :math:`\alpha`
grows. For the coefficient matrix :math:`W` (one row :math:`w_t` per task, one
column per feature), both models minimize each task's mean squared error plus
a norm,

.. math::

    \min_{W, b}\ \sum_t \frac{1}{n_t} \sum_{i \in t}
    \frac{(y_i - x_i^\top w_t - b_t)^2}{2} + \alpha\,R(W),

with

- the trace norm :math:`R(W) = \|W\|_* = \sum_k \sigma_k(W)`, the sum of the
  singular values (``TraceNormRegressor``): it sets singular values to zero,
  so the tasks share a subspace of low dimension, the rank of :math:`W`;
- the L2,1 norm :math:`R(W) = \sum_j \|W_{:,j}\|_2`, the sum of the norms of
  the columns (``JointFeatureRegressor``): it sets whole columns to zero, so
  a feature is used by every task or by none.

:func:`~skmtl.model_selection.regularization_path` fits a model along a
decreasing geometric grid of :math:`\alpha`, from :math:`\alpha_{max}`, the
smallest value whose solution is :math:`W = 0`, down to a fraction ``eps`` of
it; each fit starts from the previous solution (warm start), which makes the
whole path cost little more than a few single fits. It returns the
coefficients and intercepts of every point of the path.

Here both models are fitted on generated data whose true structure is known
(:func:`~skmtl.datasets.make_multitask_regression`): a coefficient matrix of
rank 3 for the trace norm, and 5 informative features out of 40 for the L2,1
norm. Half of every task's rows are held out to score each point of the path.
"""

# %%
# Data with a known structure
# ---------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import r2_score

from skmtl import JointFeatureRegressor, TraceNormRegressor
from skmtl.datasets import make_multitask_regression
from skmtl.model_selection import regularization_path, train_test_split_per_task

# 20 tasks, 30 features, 30 training rows per task, true rank 3
X, y, tasks, W_lowrank = make_multitask_regression(
    n_tasks=20, n_features=30, n_samples=60, structure="lowrank", rank=3, noise=3.0,
    random_state=0,
)
lowrank_data = train_test_split_per_task(X, y, tasks=tasks, test_size=0.5, random_state=0)

# 20 tasks, 40 features of which 5 are informative, 25 training rows per task
X, y, tasks, W_sparse = make_multitask_regression(
    n_tasks=20, n_features=40, n_samples=50, structure="sparse", n_informative=5, noise=1.0,
    random_state=0,
)
sparse_data = train_test_split_per_task(X, y, tasks=tasks, test_size=0.5, random_state=0)
informative = np.flatnonzero(np.linalg.norm(W_sparse, axis=0))
print("true rank:", np.linalg.matrix_rank(W_lowrank), "| informative features:", informative)

# %%
# The two paths
# -------------
#
# Thirty values of :math:`\alpha` from :math:`\alpha_{max}` down to
# :math:`\alpha_{max}/1000`. ``path.coefs`` has shape
# ``(n_alphas, n_tasks, n_features)``.


def held_out_r2(path, X_test, y_test, tasks_test):
    """R² of the test rows for every point of the path."""
    rows = np.searchsorted(path.tasks, tasks_test)
    predictions = (np.einsum("nd,knd->kn", X_test, path.coefs[:, rows, :])
                   + path.intercepts[:, rows])
    return np.array([r2_score(y_test, prediction) for prediction in predictions])


X_train, X_test, y_train, y_test, tasks_train, tasks_test = lowrank_data
trace_path = regularization_path(TraceNormRegressor(), X_train, y_train, tasks=tasks_train,
                                 alphas=30, eps=1e-3)
trace_r2 = held_out_r2(trace_path, X_test, y_test, tasks_test)
singular_values = np.linalg.svd(trace_path.coefs, compute_uv=False)
ranks = np.sum(singular_values > 1e-10 * singular_values.max(), axis=1)

X_train, X_test, y_train, y_test, tasks_train, tasks_test = sparse_data
joint_path = regularization_path(JointFeatureRegressor(), X_train, y_train,
                                 tasks=tasks_train, alphas=30, eps=1e-3)
joint_r2 = held_out_r2(joint_path, X_test, y_test, tasks_test)
column_norms = np.linalg.norm(joint_path.coefs, axis=1)
n_selected = np.sum(column_norms > 0, axis=1)

print(f"trace norm: alpha_max = {trace_path.alpha_max:.3g}, "
      f"{int(trace_path.n_iters.sum())} iterations along the path")
print(f"L2,1 norm:  alpha_max = {joint_path.alpha_max:.3g}, "
      f"{int(joint_path.n_iters.sum())} iterations along the path")
best = np.argmax(trace_r2)
print(f"trace norm: best held-out R2 {trace_r2[best]:.3f} at alpha={trace_path.alphas[best]:.3g}"
      f" (rank {ranks[best]})")
best = np.argmax(joint_r2)
print(f"L2,1 norm:  best held-out R2 {joint_r2[best]:.3f} at alpha={joint_path.alphas[best]:.3g}"
      f" ({n_selected[best]} features)")

# %%
# Structure and held-out score along the paths
# --------------------------------------------
#
# Left, the singular values of :math:`W` along the trace-norm path: starting
# from :math:`W = 0` at :math:`\alpha_{max}`, three singular values enter
# first and the rank stays at the true value 3 over a range of :math:`\alpha`;
# further down, more and more noise directions enter. Right, the norm of every
# feature's column along the L2,1 path: the five informative features (in
# colour) enter first, well before the others (grey).
#
# The held-out score peaks at a weaker penalty than the range in which the
# structure is recovered exactly: the penalty also shrinks the coefficients it
# keeps, and a weaker penalty trades a few spurious directions or features,
# each with small coefficients, for less shrinkage of the true ones. Further
# down, the models overfit the few rows of every task.
fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharex="col",
                         gridspec_kw={"height_ratios": [2, 1]})

ax = axes[0, 0]
ax.plot(trace_path.alphas, singular_values, color="tab:blue", linewidth=1)
ax.set_ylabel("singular values of W")
ax.set_title("TraceNormRegressor (true rank 3)")
twin = ax.twinx()
twin.step(trace_path.alphas, ranks, where="mid", color="tab:red", linewidth=1)
twin.set_ylabel("rank", color="tab:red")

ax = axes[0, 1]
colors = plt.get_cmap("tab10")
for j in range(column_norms.shape[1]):
    if j in informative:
        ax.plot(joint_path.alphas, column_norms[:, j], linewidth=1.5,
                color=colors(list(informative).index(j)), label=f"feature {j}")
    else:
        ax.plot(joint_path.alphas, column_norms[:, j], color="grey", linewidth=0.7, alpha=0.6)
ax.set_ylabel(r"column norms $\|W_{:,j}\|_2$")
ax.set_title("JointFeatureRegressor (5 informative features)")
ax.legend(fontsize=8, loc="upper left")
twin = ax.twinx()
twin.step(joint_path.alphas, n_selected, where="mid", color="tab:red", linewidth=1)
twin.set_ylabel("features selected", color="tab:red")

for column, (path, r2) in enumerate(((trace_path, trace_r2), (joint_path, joint_r2))):
    ax = axes[1, column]
    ax.plot(path.alphas, r2, "k.-", linewidth=1)
    ax.axvline(path.alphas[np.argmax(r2)], color="k", linestyle=":", linewidth=1)
    ax.set_ylim(max(r2.min(), -0.2), r2.max() + 0.05)
    ax.set_ylabel("held-out R²")
    ax.set_xscale("log")
    ax.set_xlim(path.alphas[0] * 1.2, path.alphas[-1] / 1.2)  # decreasing alpha to the right
    ax.set_xlabel(r"$\alpha$ (log scale)")
for ax in axes.ravel():
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
