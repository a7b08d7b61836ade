r"""
=======================================================
Every linear multi-task family on the School data
=======================================================

The ILEA School data hold the exam scores of 15,362 students in 139 London
secondary schools. Predicting the score from 27 student and school features is
one regression task per school; the schools are small (22 to 251 students), so
a model fitted to one school alone is noisy, while a single model for all
schools ignores their differences. Multi-task learning sits in between.

Every linear estimator of skmtl learns one coefficient vector :math:`w_t` and
one intercept :math:`b_t` per task, the rows of a matrix :math:`W`
(tasks × features), by minimizing each task's mean squared error plus a penalty
:math:`\Omega` that couples the tasks:

.. math::

    \min_{W, b}\ \sum_t \frac{1}{n_t} \sum_{i \in t}
    \frac{(y_i - x_i^\top w_t - b_t)^2}{2} + \Omega(W).

The families differ only by :math:`\Omega`:

==============================  ==================================================================
estimator                       penalty :math:`\Omega(W)`: the tasks ...
==============================  ==================================================================
``SharedParameterRegressor``    :math:`w_t = w_0 + v_t`, ridge on :math:`w_0` and on the
                                :math:`v_t`: share a common part
``MeanRegularizedRegressor``    :math:`\frac{\alpha}{2}\sum_t \|w_t - \bar w\|^2`: stay close to
                                their mean
``GraphRegularizedRegressor``   :math:`\frac{\alpha}{2}\sum_{s<t} A_{st}\|w_s - w_t\|^2`: stay
                                close to their neighbours in a task graph (here the complete one)
``TraceNormRegressor``          :math:`\alpha\|W\|_*`: share a low-dimensional subspace
``JointFeatureRegressor``       :math:`\alpha\sum_j \|W_{:,j}\|_2`: select features together
``IndependentLassoRegressor``   :math:`\alpha\|W\|_1`: each selects its own features (no
                                coupling)
``DirtyRegressor``              :math:`W = P + Q`, :math:`\alpha_s\sum_j\|P_{:,j}\|_2 +
                                \alpha_t\|Q\|_1`: shared features plus task-specific ones
``RobustLowRankRegressor``      :math:`W = L + S`, :math:`\alpha_l\|L\|_* +
                                \alpha_o\sum_t\|S_{t,:}\|_2`: a low-rank part plus a few
                                outlier tasks
``ClusteredRegressor``          a convex relaxation of clustering the tasks into :math:`k`
                                groups of similar coefficient vectors
``TaskRelationshipRegressor``   :math:`\min_\Sigma \frac{\alpha}{2}\operatorname{tr}(W^\top
                                \Sigma^{-1} W)`: a learned task covariance :math:`\Sigma`
==============================  ==================================================================

This example fits each family once, with the regularization that a grid
search on the training rows chose most often in the School benchmark of the
repository (``benchmarks/results/school.md``), so no search is run here, and
compares them on held-out rows of every school with two baselines: a ridge
regression per school (``MeanRegularizedRegressor`` with ``alpha=0``: no
coupling, only the ridge ``l2``) and one ridge regression for all schools.
"""

# %%
# Data: one train/test split within every school
# ----------------------------------------------
#
# :func:`~skmtl.model_selection.train_test_split_per_task` puts a quarter of
# every school's students in the test set, so every school is seen in
# training and scored on new students.
import time

import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.linear_model import Ridge
from sklearn.metrics import explained_variance_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmtl import (
    ClusteredRegressor,
    DirtyRegressor,
    GraphRegularizedRegressor,
    IndependentLassoRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    RobustLowRankRegressor,
    SharedParameterRegressor,
    TaskRelationshipRegressor,
    TraceNormRegressor,
)
from skmtl.datasets import load_school
from skmtl.model_selection import task_averaged, train_test_split_per_task

X, y, tasks = load_school(return_X_y=True)
X_train, X_test, y_train, y_test, tasks_train, tasks_test = train_test_split_per_task(
    X, y, tasks=tasks, test_size=0.25, random_state=0
)
print(f"{X_train.shape[0]} training rows and {X_test.shape[0]} test rows, "
      f"{len(np.unique(tasks))} schools, {X.shape[1]} features")

# %%
# The models
# ----------
#
# The features are on very different scales (one-hot columns next to
# percentages), so each model is a pipeline that standardizes them first. With
# scikit-learn's metadata routing enabled, the ``tasks`` labels given to the
# pipeline's ``fit`` and ``predict`` reach the multi-task estimator, which
# requests them; the scaler does not.
#
# The ridge of the independent baseline, ``l2=0.3``, is close to what the
# benchmark's most frequent choice for independent ridge regressions,
# scikit-learn's ``Ridge(alpha=30)`` per school, amounts to on a school's
# 83 training rows on average (:math:`l_2 = \alpha / n_t`, since the loss
# here is a mean over each school's rows). The pooled ridge takes the
# benchmark's most frequent ``alpha=1``.
sklearn.set_config(enable_metadata_routing=True)

models = {
    "Independent ridge (alpha=0)": MeanRegularizedRegressor(alpha=0.0, l2=0.3),
    "SharedParameterRegressor": SharedParameterRegressor(alpha_shared=0.1, alpha_task=10.0),
    "MeanRegularizedRegressor": MeanRegularizedRegressor(alpha=10.0),
    "GraphRegularizedRegressor": GraphRegularizedRegressor(alpha=0.03),
    "TraceNormRegressor": TraceNormRegressor(alpha=10.0),
    "JointFeatureRegressor": JointFeatureRegressor(alpha=10.0),
    "IndependentLassoRegressor": IndependentLassoRegressor(alpha=1.0),
    "DirtyRegressor": DirtyRegressor(alpha_shared=10.0, alpha_task=8.0),
    "RobustLowRankRegressor": RobustLowRankRegressor(alpha_lowrank=10.0, alpha_outlier=10.0),
    "ClusteredRegressor": ClusteredRegressor(alpha=100.0, l2=0.1, n_clusters=3, random_state=0),
    "TaskRelationshipRegressor": TaskRelationshipRegressor(alpha=0.1, l2=0.1),
}

# %%
# Fit and score
# -------------
#
# Two scores on the test rows: the explained variance of all test rows
# together (pooled), and the mean over schools of each school's explained
# variance, in which every school counts the same whatever its size
# (:func:`~skmtl.model_selection.task_averaged`). The pooled ridge ignores the
# schools, so it is fitted without task labels.
mean_over_schools = task_averaged(explained_variance_score)

results = {}
pooled = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
start = time.perf_counter()
pooled.fit(X_train, y_train)
elapsed = time.perf_counter() - start
prediction = pooled.predict(X_test)
results["Pooled ridge (schools ignored)"] = (
    explained_variance_score(y_test, prediction),
    mean_over_schools(y_test, prediction, tasks=tasks_test),
    elapsed,
)

for name, model in models.items():
    pipeline = make_pipeline(StandardScaler(), model)
    start = time.perf_counter()
    pipeline.fit(X_train, y_train, tasks=tasks_train)
    elapsed = time.perf_counter() - start
    prediction = pipeline.predict(X_test, tasks=tasks_test)
    results[name] = (
        explained_variance_score(y_test, prediction),
        mean_over_schools(y_test, prediction, tasks=tasks_test),
        elapsed,
    )

print(f"{'model':32s} {'pooled':>7s} {'schools':>8s} {'fit [s]':>8s}")
for name, (pooled_score, school_score, elapsed) in results.items():
    print(f"{name:32s} {pooled_score:7.3f} {school_score:8.3f} {elapsed:8.2f}")

# %%
# Some fitted models describe the structure they found: the rank of the
# trace-norm solution, the features the joint-feature model keeps, the
# task-specific part of the dirty model, the outlier schools of the robust
# model and the sizes of the clusters. At the parameters the benchmark's grid
# search chose, the dirty model has no task-specific coefficient left and the
# robust model no outlier school: both reduce to their shared part, the
# joint-feature and the trace-norm model, and score the same.
print(f"TraceNormRegressor: rank {models['TraceNormRegressor'].rank_} "
      f"of at most {min(models['TraceNormRegressor'].coef_.shape)}")
print(f"JointFeatureRegressor: {int(models['JointFeatureRegressor'].support_.sum())} "
      f"of {X.shape[1]} features used by every school")
dirty = models["DirtyRegressor"]
print(f"DirtyRegressor: {np.count_nonzero(dirty.task_coef_)} non-zero task-specific "
      "coefficients")
robust = models["RobustLowRankRegressor"]
print(f"RobustLowRankRegressor: rank {robust.rank_}, "
      f"{len(robust.outlier_tasks_)} outlier schools")
print("ClusteredRegressor: cluster sizes",
      np.bincount(np.asarray(models["ClusteredRegressor"].cluster_labels_)).tolist())

# %%
# Held-out explained variance of every model
# ------------------------------------------
#
# On all test rows together, every model that couples the schools beats both
# baselines: the schools are related, and sharing statistical strength between
# them pays. The quadratic couplings (shared parameter, mean and
# complete-graph regularization, three parametrizations of one model family)
# and the low-rank models do best. The independent lasso, which does not couple
# the tasks, stays with the independent ridge. On the mean over schools, in
# which the many small schools weigh more, the pooled ridge is a strong
# baseline: small schools profit most from pooling, and only the quadratic
# couplings, the low-rank models and the task-relationship model match it or
# beat it slightly. One split only: the differences between the best coupled
# models are within the spread over random splits reported in the benchmark.
names = list(results)
pooled_scores = np.array([results[name][0] for name in names])
school_scores = np.array([results[name][1] for name in names])
baselines = ("Pooled ridge (schools ignored)", "Independent ridge (alpha=0)")
colors = ["tab:grey" if name in baselines else "tab:blue" for name in names]

fig, axes = plt.subplots(1, 2, figsize=(10, 5.5), sharey=True)
positions = np.arange(len(names))[::-1]
for ax, scores, title in zip(
    axes, (pooled_scores, school_scores), ("all test rows (pooled)", "mean over schools"),
    strict=True,
):
    ax.barh(positions, scores, color=colors)
    ax.set_xlim(0.9 * scores.min(), 1.02 * scores.max())
    ax.set_title(title)
    ax.set_xlabel("held-out explained variance (axis not from 0)")
    ax.grid(axis="x", alpha=0.3)
axes[0].set_yticks(positions, names)
fig.suptitle("School: 139 schools, 75/25 split within each school")
fig.tight_layout()
plt.show()
