r"""
=====================================================================
Streaming batches and dask arrays: fitting from per-task statistics
=====================================================================

The squared-loss regressors of skmtl need only a few numbers per task from the
data: for the rows :math:`i \in t` of task :math:`t`, the row count, the means
:math:`\bar x_t` and :math:`\bar y_t`, and the centred sums

.. math::

    G_t = \sum_{i \in t} (x_i - \bar x_t)(x_i - \bar x_t)^\top, \quad
    c_t = \sum_{i \in t} (x_i - \bar x_t)(y_i - \bar y_t), \quad
    q_t = \sum_{i \in t} (y_i - \bar y_t)^2,

whatever the number of rows. The statistics of two disjoint sets of rows
merge exactly, so a model can be fitted from rows that arrive in batches
(``partial_fit``) or from the chunks of a dask array (``fit`` on dask input),
and ends up where ``fit`` on all rows at once would.

This example streams the training rows of the School data (139 schools, one
regression task each) into ``MeanRegularizedRegressor.partial_fit`` in
batches, follows the held-out :math:`R^2` as the batches arrive, and checks
that the final coefficients are those of the one-shot fit; then it fits the
same model from a dask array.
"""

# %%
# Data: a held-out quarter of every school
# ----------------------------------------
#
# The features are standardized with the mean and standard deviation of the
# training rows, computed once beforehand, so that every batch sees the same
# features. The training rows are shuffled: the stream brings the schools in
# no particular order.
import time

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import r2_score

from skmtl import MeanRegularizedRegressor
from skmtl.datasets import load_school
from skmtl.model_selection import train_test_split_per_task

X, y, tasks = load_school(return_X_y=True)
X_train, X_test, y_train, y_test, tasks_train, tasks_test = train_test_split_per_task(
    X, y, tasks=tasks, test_size=0.25, random_state=0
)
mean, scale = X_train.mean(axis=0), X_train.std(axis=0)
scale[scale == 0] = 1.0
X_train, X_test = (X_train - mean) / scale, (X_test - mean) / scale

order = np.random.default_rng(0).permutation(len(y_train))
X_train, y_train, tasks_train = X_train[order], y_train[order], tasks_train[order]
print(f"{len(y_train)} training rows, {len(y_test)} test rows, "
      f"{np.unique(tasks).size} schools")

# %%
# One-shot fit
# ------------
#
# The reference: ``fit`` on all training rows at once.
ALPHA = 10.0
at_once = MeanRegularizedRegressor(alpha=ALPHA).fit(X_train, y_train, tasks=tasks_train)
r2_at_once = r2_score(y_test, at_once.predict(X_test, tasks=tasks_test))
print(f"one-shot fit: held-out R2 {r2_at_once:.4f}")

# %%
# Streaming: ``partial_fit`` batch after batch
# --------------------------------------------
#
# Each call adds the batch's statistics to ``statistics_`` and solves again
# from all rows seen so far; the memory held is the statistics, not the rows.
# A school first appears in the batch that brings its first row; until then
# the model cannot predict it, so the held-out :math:`R^2` is computed on the
# test rows of the schools seen so far.
streamed = MeanRegularizedRegressor(alpha=ALPHA)
rows_seen, schools_seen, r2_streamed = [], [], []
for batch in np.array_split(np.arange(len(y_train)), 12):
    streamed.partial_fit(X_train[batch], y_train[batch], tasks=tasks_train[batch])
    known = np.isin(tasks_test, streamed.tasks_)
    prediction = streamed.predict(X_test[known], tasks=tasks_test[known])
    rows_seen.append(int(streamed.statistics_.count.sum()))
    schools_seen.append(len(streamed.tasks_))
    r2_streamed.append(r2_score(y_test[known], prediction))
    print(f"{rows_seen[-1]:6d} rows, {schools_seen[-1]:3d} schools: "
          f"held-out R2 {r2_streamed[-1]:.4f}")

difference = np.abs(streamed.coef_ - at_once.coef_).max()
print(f"largest difference to the one-shot coefficients: {difference:.1e}")
print(f"largest difference of the intercepts: "
      f"{np.abs(streamed.intercept_ - at_once.intercept_).max():.1e}")

statistics = streamed.statistics_
print(f"statistics: {statistics.n_tasks} tasks, Gram matrices {statistics.gram.shape}, "
      f"{statistics.gram.nbytes / 1e6:.2f} MB against {X_train.nbytes / 1e6:.2f} MB of rows")

# %%
# The held-out :math:`R^2` as the batches arrive. The first batch already
# holds rows of nearly every school, but only a handful per school: the
# mean-regularized model pulls each school's coefficients towards the mean of
# all schools, and the held-out :math:`R^2` climbs as every school's rows
# accumulate. After the last batch the streamed model is the one-shot model.
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(rows_seen, r2_streamed, marker="o", label="partial_fit, after each batch")
ax.axhline(r2_at_once, color="k", linestyle="--", label="fit on all training rows")
for rows, r2, schools in zip(rows_seen, r2_streamed, schools_seen, strict=True):
    if schools < schools_seen[-1]:  # the batches before every school has appeared
        ax.annotate(f"{schools} schools seen", (rows, r2), textcoords="offset points",
                    xytext=(8, -4), fontsize=8)
ax.set_xlabel("training rows seen")
ax.set_ylabel("held-out R² (schools seen so far)")
ax.set_title(f"School: MeanRegularizedRegressor(alpha={ALPHA:g}) fed in batches")
ax.legend(loc="lower right")
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %%
# The same fit from a dask array
# ------------------------------
#
# ``fit`` on a dask array computes one piece of statistics per chunk of rows,
# merges the pieces, and solves locally; only the statistics come back from
# the chunks. Here the chunks are in memory and dask's default local
# scheduler runs them; with a ``dask.distributed.Client`` connected, the
# workers of a cluster would (see the user guide). The task labels may stay a
# NumPy array: they are cut into the same chunks. ``predict`` on a dask array
# returns a lazy dask array.
X_lazy = da.from_array(X_train, chunks=(2000, X_train.shape[1]))
y_lazy = da.from_array(y_train, chunks=2000)
print(f"{X_lazy.numblocks[0]} chunks of rows")

start = time.perf_counter()
from_dask = MeanRegularizedRegressor(alpha=ALPHA).fit(X_lazy, y_lazy, tasks=tasks_train)
print(f"fit on the dask array: {time.perf_counter() - start:.2f} s")
print(f"largest difference to the one-shot coefficients: "
      f"{np.abs(from_dask.coef_ - at_once.coef_).max():.1e}")

lazy_prediction = from_dask.predict(da.from_array(X_test, chunks=1000), tasks=tasks_test)
print(type(lazy_prediction).__name__, f"held-out R2 "
      f"{r2_score(y_test, lazy_prediction.compute()):.4f}")
