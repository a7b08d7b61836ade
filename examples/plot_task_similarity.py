r"""
===========================================================
Learning which tasks are alike: clusters and correlations
===========================================================

Two families of skmtl learn the structure between the tasks together with
their coefficients, and expose it after ``fit``.

``ClusteredRegressor`` (Zhou, Chen & Ye 2011) relaxes the problem of grouping
the tasks into :math:`k` clusters whose coefficient vectors are close to their
cluster's mean. Its penalty, with :math:`\eta = l_2/\alpha`,

.. math::

    \Omega(W) = \min_{M}\ \alpha\eta(1 + \eta)
    \operatorname{tr}\big(W^\top(\eta I + M)^{-1}W\big)
    \quad\text{over}\quad
    \{M : \operatorname{tr} M = k,\ 0 \preceq M \preceq I\},

is convex. For a hard clustering, :math:`M` would be the block-diagonal matrix
with :math:`1/n_c` between two tasks of the same cluster :math:`c` (of
:math:`n_c` tasks) and 0 between clusters; the relaxation lets :math:`M`
be any matrix of that convex set. The minimizing :math:`M` is
``task_similarity_``, and ``cluster_labels_`` clusters the tasks by
k-means on its top :math:`k` eigenvectors.

``TaskRelationshipRegressor`` (Zhang & Yeung 2010) learns a task covariance
:math:`\Sigma` instead,

.. math::

    \Omega(W) = \frac{l_2}{2}\|W\|_F^2 + \min_{\Sigma \succeq 0,\
    \operatorname{tr}\Sigma = 1} \frac{\alpha}{2}\operatorname{tr}(W^\top\Sigma^{-1}W),

and exposes it as ``task_covariance_`` and, normalized to a unit diagonal, as
``task_correlation_``: positively correlated tasks get similar coefficient
vectors, negatively correlated ones opposite vectors.

Both models are fitted here on generated data whose clusters are known: 30
tasks in 3 clusters, each task's coefficient vector its cluster's centre plus
a small deviation, with 20 noisy rows per task.
"""

# %%
# Data with three clusters of tasks
# ---------------------------------
#
# :func:`~skmtl.datasets.make_multitask_regression` with
# ``structure="clustered"`` draws the cluster centres and returns the true
# cluster of every task with ``return_clusters=True``. The clusters are
# interleaved among the task labels, so no structure shows in the task order.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import adjusted_rand_score

from skmtl import ClusteredRegressor, TaskRelationshipRegressor
from skmtl.datasets import make_multitask_regression

X, y, tasks, coef, clusters = make_multitask_regression(
    n_tasks=30, n_features=20, n_samples=20, structure="clustered", n_clusters=3,
    task_spread=0.3, noise=3.0, return_clusters=True, random_state=0,
)
print("true cluster of tasks 0..29:", clusters.tolist())

# %%
# Fit the two models
# ------------------
#
# Task labels are passed to ``fit`` directly. The rows and columns of the
# learned matrices follow the order of ``tasks_`` (the sorted labels, here
# 0 to 29).
clustered = ClusteredRegressor(alpha=1.0, l2=0.1, n_clusters=3, random_state=0)
clustered.fit(X, y, tasks=tasks)
relationship = TaskRelationshipRegressor(alpha=0.1, l2=0.01).fit(X, y, tasks=tasks)

similarity = np.asarray(clustered.task_similarity_)
labels = np.asarray(clustered.cluster_labels_)
correlation = np.asarray(relationship.task_correlation_)

print("learned clusters:            ", labels.tolist())
print(f"adjusted Rand index of the learned clusters: "
      f"{adjusted_rand_score(clusters, labels):.3f}")
print(f"trace of task_similarity_ (the number of clusters): {np.trace(similarity):.3f}")

same = clusters[:, None] == clusters[None, :]
off_diagonal = ~np.eye(len(clusters), dtype=bool)
for name, matrix in (("task_similarity_", similarity), ("task_correlation_", correlation)):
    print(f"{name:18s} mean within clusters {matrix[same & off_diagonal].mean():6.3f}, "
          f"across clusters {matrix[~same].mean():6.3f}")

# %%
# The learned matrices, tasks ordered by cluster
# ----------------------------------------------
#
# In the original task order (top left) the similarity :math:`M` is hard to
# read. Ordered by the learned clusters (top right), it is close to block
# diagonal: positive between two tasks of one cluster (the mean printed
# above, against :math:`1/10` for a hard clustering into three clusters of ten
# tasks) and near zero across clusters, matching the true clusters (bottom
# left, same order). The task correlation learned by the relationship model
# (bottom right) shows the same blocks: high within clusters, near zero across
# them.
order = np.argsort(labels, kind="stable")
true_blocks = same.astype(float)

fig, axes = plt.subplots(2, 2, figsize=(9, 8))
panels = [
    (similarity, "ClusteredRegressor.task_similarity_\n(task order)", "viridis", None),
    (similarity[np.ix_(order, order)],
     "ClusteredRegressor.task_similarity_\n(ordered by cluster_labels_)", "viridis", None),
    (true_blocks[np.ix_(order, order)], "true clusters\n(same order)", "Greys", (0, 1)),
    (correlation[np.ix_(order, order)],
     "TaskRelationshipRegressor.task_correlation_\n(same order)", "RdBu_r", (-1, 1)),
]
for ax, (matrix, title, cmap, limits) in zip(axes.ravel(), panels, strict=True):
    vmin, vmax = limits if limits is not None else (None, None)
    image = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(image, ax=ax, shrink=0.8)
fig.tight_layout()
plt.show()
