r"""
=========================================================
Multi-task logistic regression on the Landmine data
=========================================================

The Landmine data hold 14,820 objects detected by radar in 29 minefields,
each described by 9 image features and labelled mine (1) or clutter (0). Each
field is one binary classification task. Mines are rare (about 6 % of the
objects, 15 to 48 per field), so a classifier trained on one field's few mines
is unreliable, while the fields are of two kinds of terrain (fields 0-14 are
foliated, 15-28 bare earth or desert) and cannot simply be pooled.

The multi-task classifiers of skmtl learn one weight vector :math:`w_t` and
intercept :math:`b_t` per field by minimizing each field's mean logistic loss
plus a penalty :math:`\Omega` coupling the fields,

.. math::

    \min_{W, b}\ \sum_t \frac{1}{n_t} \sum_{i \in t}
    \log\left(1 + e^{-y_i (x_i^\top w_t + b_t)}\right) + \Omega(W),
    \qquad y_i \in \{-1, +1\}.

This example compares

- independent logistic regressions, one per field
  (``MeanRegularizedClassifier`` with ``alpha=0``: only a ridge ``l2``),
- one logistic regression for all fields (scikit-learn's
  ``LogisticRegression``, fields ignored),
- ``MeanRegularizedClassifier``:
  :math:`\Omega = \frac{\alpha}{2}\sum_t \|w_t - \bar w\|^2 + \frac{l_2}{2}\|W\|_F^2`,
- ``TraceNormClassifier``: :math:`\Omega = \alpha\|W\|_*` (low rank),
- ``JointFeatureClassifier``: :math:`\Omega = \alpha\sum_j\|W_{:,j}\|_2`
  (features selected jointly),
- ``TaskRelationshipClassifier``:
  :math:`\Omega = \frac{l_2}{2}\|W\|_F^2 + \min_{\Sigma \succeq 0,\,
  \operatorname{tr}\Sigma = 1}\frac{\alpha}{2}\operatorname{tr}(W^\top\Sigma^{-1}W)`,
  which learns a covariance :math:`\Sigma` between the fields,

by their mean per-field ROC AUC on held-out objects, the usual measure on
these data. The regularization strengths are those that a grid search chose
most often in the Landmine benchmark of the repository
(``benchmarks/results/landmine.md``).
"""

# %%
# Splits: 20 % of every field for training, stratified by field and label
# -------------------------------------------------------------------------
#
# The ROC AUC of a field needs mines and clutter among its test objects, so
# the split is stratified by the pair (field, label): every field keeps its
# share of mines on both sides. Five random splits show how much the scores
# move from one split to the next.
import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmtl import (
    JointFeatureClassifier,
    MeanRegularizedClassifier,
    TaskRelationshipClassifier,
    TraceNormClassifier,
)
from skmtl.datasets import load_landmine
from skmtl.model_selection import WithinTaskKFold, make_task_scorer, task_averaged

X, y, tasks = load_landmine(return_X_y=True)
print(f"{X.shape[0]} objects, {X.shape[1]} features, {len(np.unique(tasks))} fields, "
      f"{int(y.sum())} mines")

N_SPLITS = 5
splits = [
    train_test_split(X, y, tasks, train_size=0.2, stratify=2 * tasks + y, random_state=seed)
    for seed in range(N_SPLITS)
]

# %%
# Models and the scorer
# ---------------------
#
# :func:`~skmtl.model_selection.make_task_scorer` builds scorers that hand the
# task labels to the model's prediction method; ``"mean_task_roc_auc"`` is the
# ROC AUC of each field's rows (from ``decision_function``), averaged over the
# fields. With metadata routing on, the pipelines pass ``tasks`` through the
# scaler to the classifier. The pooled logistic regression takes no task
# labels: it is fitted without them, and its decision function is scored by
# the same metric, :func:`~skmtl.model_selection.task_averaged` applied to
# :func:`~sklearn.metrics.roc_auc_score`.
#
# The ridge of the independent classifiers, ``l2=0.01``, is what
# ``LogisticRegression(C=1)``, the benchmark's most frequent choice for
# independent classifiers, amounts to on a field's hundred or so training
# objects (:math:`l_2 = 1/(C n_t)`, since the loss here is a mean over each
# field's rows).
sklearn.set_config(enable_metadata_routing=True)
mean_task_auc = make_task_scorer("mean_task_roc_auc")
mean_over_fields = task_averaged(roc_auc_score)

models = {
    "Independent (alpha=0)": MeanRegularizedClassifier(alpha=0.0, l2=0.01),
    "MeanRegularizedClassifier": MeanRegularizedClassifier(alpha=0.1, l2=0.001),
    "TraceNormClassifier": TraceNormClassifier(alpha=0.1),
    "JointFeatureClassifier": JointFeatureClassifier(alpha=0.1),
    "TaskRelationshipClassifier": TaskRelationshipClassifier(alpha=0.01, l2=0.001),
}

scores = {"Pooled (fields ignored)": []}
scores.update({name: [] for name in models})
for X_train, X_test, y_train, y_test, tasks_train, tasks_test in splits:
    pooled = make_pipeline(StandardScaler(), LogisticRegression(C=0.1))
    pooled.fit(X_train, y_train)
    scores["Pooled (fields ignored)"].append(
        mean_over_fields(y_test, pooled.decision_function(X_test), tasks=tasks_test)
    )
    for name, model in models.items():
        pipeline = make_pipeline(StandardScaler(), model).fit(
            X_train, y_train, tasks=tasks_train
        )
        scores[name].append(mean_task_auc(pipeline, X_test, y_test, tasks=tasks_test))

print(f"{'model':28s} mean per-field test AUC over {N_SPLITS} splits")
for name, values in scores.items():
    print(f"{name:28s} {np.mean(values):.4f} +- {np.std(values):.4f}")

# %%
# Mean per-field ROC AUC
# ----------------------
#
# With a fifth of each field for training (about 100 objects, 3 to 10 mines),
# every coupled model beats the independent classifiers in every split. The
# pooled model also beats them, since so few mines per field leave the
# independent classifiers little to learn from, but it falls short of the
# coupled models: the fields are related, not identical. The dots are the
# five splits.
names = list(scores)
means = np.array([np.mean(scores[name]) for name in names])
positions = np.arange(len(names))[::-1]
colors = ["tab:grey" if name.startswith(("Independent", "Pooled")) else "tab:blue"
          for name in names]

fig, ax = plt.subplots(figsize=(8, 4))
ax.barh(positions, means, color=colors, alpha=0.8)
for position, name in zip(positions, names, strict=True):
    ax.plot(scores[name], np.full(N_SPLITS, position), "k.", markersize=4)
ax.set_yticks(positions, names)
low = min(min(values) for values in scores.values())
high = max(max(values) for values in scores.values())
ax.set_xlim(low - 0.01, high + 0.01)
ax.set_xlabel("mean per-field test ROC AUC (axis not from 0)")
ax.set_title(f"Landmine: 20 % of every field for training, {N_SPLITS} splits")
ax.grid(axis="x", alpha=0.3)
fig.tight_layout()
plt.show()

# %%
# Choosing the regularization by cross-validation
# -----------------------------------------------
#
# The strengths above come from the benchmark. To choose one on the training
# rows, the same scorer works in :class:`~sklearn.model_selection.GridSearchCV`:
# with metadata routing on, the ``tasks`` given to ``fit`` are split with the
# rows and routed both to the classifier and to the scorer.
# :class:`~skmtl.model_selection.WithinTaskKFold` with ``stratify=True`` puts
# mines and clutter of every field in every fold, so that every field can be
# fitted and scored in every fold.
X_train, X_test, y_train, y_test, tasks_train, tasks_test = splits[0]
search = GridSearchCV(
    make_pipeline(StandardScaler(), TraceNormClassifier()),
    {"tracenormclassifier__alpha": [0.01, 0.03, 0.1, 0.2]},
    scoring=mean_task_auc,
    cv=WithinTaskKFold(3, shuffle=True, random_state=0, stratify=True),
)
search.fit(X_train, y_train, tasks=tasks_train)
for alpha, score in zip(search.cv_results_["param_tracenormclassifier__alpha"],
                        search.cv_results_["mean_test_score"], strict=True):
    print(f"TraceNormClassifier(alpha={alpha:g}): CV mean per-field AUC {score:.4f}")
print(f"chosen: {search.best_params_}; test mean per-field AUC of the refitted model "
      f"{search.score(X_test, y_test, tasks=tasks_test):.4f}")

# %%
# The task correlation learned by the relationship model
# ------------------------------------------------------
#
# ``TaskRelationshipClassifier`` minimizes over the task covariance in closed
# form, :math:`\Sigma = (WW^\top)^{1/2} / \operatorname{tr}(WW^\top)^{1/2}`,
# and exposes it as ``task_covariance_`` and, normalized to a unit diagonal,
# as ``task_correlation_``. Fitted on the training rows of the first split, its
# correlation shows the two terrains of the fields as two blocks (the dashed
# lines separate fields 0-14 from fields 15-28).
X_train, _, y_train, _, tasks_train, _ = splits[0]
relationship = make_pipeline(
    StandardScaler(), TaskRelationshipClassifier(alpha=0.01, l2=0.001)
).fit(X_train, y_train, tasks=tasks_train)
correlation = np.asarray(relationship[-1].task_correlation_)

within = np.concatenate([correlation[:15, :15][np.triu_indices(15, 1)],
                         correlation[15:, 15:][np.triu_indices(14, 1)]])
across = correlation[:15, 15:].ravel()
print(f"mean correlation within a terrain: {within.mean():.2f}, "
      f"across terrains: {across.mean():.2f}")

fig, ax = plt.subplots(figsize=(5.5, 4.8))
image = ax.imshow(correlation, cmap="RdBu_r", vmin=-1, vmax=1)
ax.axhline(14.5, color="k", linestyle="--", linewidth=1)
ax.axvline(14.5, color="k", linestyle="--", linewidth=1)
ax.set_xlabel("field")
ax.set_ylabel("field")
ax.set_title("Landmine: task_correlation_ of\nTaskRelationshipClassifier")
fig.colorbar(image, ax=ax, label="correlation")
fig.tight_layout()
plt.show()
