r"""
===========================================================
Disease progression: coefficients over time (TGL and cFSGL)
===========================================================

In a disease-progression study, a cognitive score is predicted at several
visits (baseline, 6 months, 12 months, ...) from measurements taken at
baseline. Each visit is a task, and the tasks are ordered in time: a marker
that predicts the score at one visit should predict it at the next, with a
weight that changes little from one visit to the next.

Two models encode this, both on the coefficient matrix :math:`W` (one row
:math:`w_{(k)}` per visit, in time order; one column per marker):

- the temporal group lasso (``TemporalGroupLassoRegressor``; Zhou et al. 2011)

  .. math::

      \alpha\sum_j \|W_{:,j}\|_2
      + \frac{\alpha_s}{2}\sum_k \|w_{(k+1)} - w_{(k)}\|^2,

  which selects markers for all visits at once and makes their weights change
  smoothly;
- the convex fused sparse group lasso (``FusedSparseGroupLassoRegressor``; Zhou
  et al. 2012)

  .. math::

      \alpha_1\|W\|_1 + \alpha_f\sum_j\sum_k |W_{(k+1)j} - W_{(k)j}|
      + \alpha_g\sum_j \|W_{:,j}\|_2,

  whose weights are piecewise constant in time, and may be zero at some visits
  only.

The visits are labelled by their month; the sorted labels are the time order
(``task_order`` gives another one). The data are generated: 200 patients, 30
markers of which 4 matter, with weights that drift over the visits, and fewer
patients at the late visits (drop-out).
"""

# %%
# Generated visits
# ----------------
import matplotlib.pyplot as plt
import numpy as np

from skmtl import FusedSparseGroupLassoRegressor, TemporalGroupLassoRegressor

rng = np.random.default_rng(0)
months = np.array([0, 6, 12, 18, 24, 36])
n_markers, relevant = 30, [2, 7, 11, 20]
time = months / months.max()
true_W = np.zeros((months.size, n_markers))
true_W[:, 2] = 2.0 - 1.5 * time            # fades out
true_W[:, 7] = 0.5 + 1.5 * time            # grows
true_W[:, 11] = 1.5 * np.sin(np.pi * time)  # rises then falls
true_W[:, 20] = np.where(time < 0.4, 1.0, 2.0)  # steps up

patients = rng.standard_normal((200, n_markers))
rows, visits = [], []
for k, month in enumerate(months):
    present = rng.uniform(size=200) < 1.0 - 0.1 * k  # drop-out
    rows.append(np.flatnonzero(present))
    visits.append(np.full(present.sum(), month))
rows, visits = np.concatenate(rows), np.concatenate(visits)
X = patients[rows]
y = np.einsum("ij,ij->i", X, true_W[np.searchsorted(months, visits)])
y += 0.5 * rng.standard_normal(y.size)

# %%
# Fit both models
# ---------------
tgl = TemporalGroupLassoRegressor(alpha=0.3, alpha_smooth=2.0).fit(X, y, tasks=visits)
fsgl = FusedSparseGroupLassoRegressor(alpha_lasso=0.01, alpha_fused=0.05,
                                      alpha_group=0.3).fit(X, y, tasks=visits)
for name, model in (("TGL", tgl), ("cFSGL", fsgl)):
    print(f"{name}: markers {np.flatnonzero(model.support_).tolist()} "
          f"(true {relevant}), certificate {model.certificate_:.1e}")

# %%
# Coefficient paths over time
# ---------------------------
# Each line is one selected marker's weight at each visit; dotted, the true
# weights. TGL's paths are smooth, cFSGL's piecewise constant.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, (name, model) in zip(axes, (("Temporal group lasso", tgl),
                                    ("Fused sparse group lasso", fsgl)), strict=True):
    for j in np.flatnonzero(model.support_):
        line, = ax.plot(model.tasks_, model.coef_[:, j], marker="o", label=f"marker {j}")
        ax.plot(months, true_W[:, j], linestyle=":", color=line.get_color())
    ax.set_title(name)
    ax.set_xlabel("visit (months)")
axes[0].set_ylabel("coefficient")
axes[1].legend(loc="upper right", fontsize="small")
fig.tight_layout()
plt.show()
