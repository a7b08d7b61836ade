r"""
=====================================================================
A task column in a DataFrame: pipelines and grid search
=====================================================================

skmtl's estimators accept the task of each row in three ways: as a 2-D
``y`` with one column per task (all tasks on the same rows), as labels passed
to ``fit(X, y, tasks=...)`` and ``predict(X, tasks=...)``, or as a column of
``X`` named by the ``task_column`` parameter. The third way suits data that
arrive as one table, such as a :class:`pandas.DataFrame` with a column saying
which group each row belongs to: the labels then travel with the rows through
scikit-learn's pipelines, cross-validation and grid search, with no metadata
routing needed.

This example builds such a table from the School data (27 feature columns and
a ``school`` column), scales the feature columns with a
:class:`~sklearn.compose.ColumnTransformer` while passing the ``school``
column through unchanged, and tunes the strength :math:`\alpha` of
``MeanRegularizedRegressor``,

.. math::

    \min_{W, b}\ \sum_t \frac{1}{n_t} \sum_{i \in t}
    \frac{(y_i - x_i^\top w_t - b_t)^2}{2}
    + \frac{\alpha}{2}\sum_t \|w_t - \bar w\|^2,
    \qquad \bar w = \frac{1}{T}\sum_t w_t,

which pulls every school's coefficients :math:`w_t` towards their mean, and of
``TraceNormRegressor`` (penalty :math:`\alpha\|W\|_*`, the sum of the singular
values of the coefficient matrix) with :class:`~sklearn.model_selection.GridSearchCV`.
"""

# %%
# The data as one DataFrame
# -------------------------
#
# ``load_school(as_frame=True)`` returns the features and an integer
# ``school`` column in one DataFrame. The split keeps a quarter of every
# school's rows for testing.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmtl import MeanRegularizedRegressor, TraceNormRegressor
from skmtl.datasets import load_school
from skmtl.model_selection import WithinTaskKFold, task_averaged, train_test_split_per_task

frame, target = load_school(as_frame=True, return_X_y=True)
print(frame.shape)
print(frame[["pct_free_meals", "pct_vr_band1", "gender_0", "school"]].head())

X_train, X_test, y_train, y_test = train_test_split_per_task(
    frame, target, tasks=frame["school"], test_size=0.25, random_state=0
)[:4]

# %%
# The pipeline
# ------------
#
# The :class:`~sklearn.compose.ColumnTransformer` standardizes the feature
# columns and passes the ``school`` column through. With
# ``verbose_feature_names_out=False`` and ``set_output(transform="pandas")`` its
# output is again a DataFrame whose columns keep their names, so the model
# finds the labels by name, ``task_column="school"``, wherever the column ends
# up (a passthrough column comes last). A NumPy output would work too, with the
# integer position of the column instead (``task_column=-1``). The model drops
# the task column before fitting: it sees the 27 features only.
features = [column for column in frame.columns if column != "school"]
columns = ColumnTransformer(
    [("scale", StandardScaler(), features)],
    remainder="passthrough",
    verbose_feature_names_out=False,
).set_output(transform="pandas")
pipeline = Pipeline([
    ("columns", columns),
    ("model", MeanRegularizedRegressor(task_column="school")),
])

# %%
# Grid search with a task-aware scorer and folds within every school
# ------------------------------------------------------------------
#
# Two things must know the schools during the search:
#
# - the folds: a model with one coefficient vector per school can only predict
#   schools it was trained on, so every school must be in every training fold.
#   :class:`~skmtl.model_selection.WithinTaskKFold` splits the rows of every
#   school, and reads the labels from the same column;
# - the score: the mean over schools of each school's :math:`R^2`
#   (:func:`~skmtl.model_selection.task_averaged`), in which every school
#   counts the same. A scorer is any callable ``scorer(estimator, X, y)``; here
#   it reads the schools from the ``school`` column of ``X``.
#
# The grid compares the two families, each over its own range of
# :math:`\alpha`.
mean_school_r2 = task_averaged(r2_score)


def mean_r2_over_schools(estimator, X, y):
    """Mean over schools of the R² of each school's rows."""
    return mean_school_r2(y, estimator.predict(X), tasks=X["school"])


search = GridSearchCV(
    pipeline,
    [
        {"model": [MeanRegularizedRegressor(task_column="school")],
         "model__alpha": [1.0, 3.0, 10.0, 30.0, 100.0]},
        {"model": [TraceNormRegressor(task_column="school")],
         "model__alpha": [5.0, 10.0, 20.0, 40.0]},
    ],
    scoring=mean_r2_over_schools,
    cv=WithinTaskKFold(3, shuffle=True, random_state=0, task_column="school"),
)
search.fit(X_train, y_train)

# %%
# Results
# -------
#
# The cross-validated score of every candidate, the best one, and its score
# on the held-out rows of every school. The fitted model recorded the names of
# the 27 features it was trained on (the task column is not a feature).
for params, score in zip(search.cv_results_["params"],
                         search.cv_results_["mean_test_score"], strict=True):
    print(f"{type(params['model']).__name__:26s} alpha={params['model__alpha']:<5g} "
          f"CV mean R2 over schools: {score:.4f}")

best = search.best_estimator_[-1]
print(f"best: {type(best).__name__}(alpha={best.alpha:g}), "
      f"CV score {search.best_score_:.4f}")
print(f"{best.n_features_in_} features, {len(best.tasks_)} schools")

prediction = search.predict(X_test)
print(f"test: mean R2 over schools {search.score(X_test, y_test):.4f}, "
      f"R2 of all test rows {r2_score(y_test, prediction):.4f}")

# %%
# The column transformer selects its columns by name and the model finds the
# task column by name, so the order of the columns at prediction time does
# not matter.
shuffled = X_test[["school", *features[::-1]]]
print("same predictions with the columns reordered:",
      bool(np.allclose(search.predict(shuffled), prediction)))

# %%
# The cross-validated score along each family's grid (mean and standard
# deviation over the folds): both families peak inside their grid, the
# trace-norm model below the mean-regularized one.
results = search.cv_results_
fig, ax = plt.subplots(figsize=(6, 4))
for family in (MeanRegularizedRegressor, TraceNormRegressor):
    rows = [i for i, params in enumerate(results["params"])
            if isinstance(params["model"], family)]
    alphas = [results["params"][i]["model__alpha"] for i in rows]
    ax.errorbar(alphas, results["mean_test_score"][rows], yerr=results["std_test_score"][rows],
                marker="o", capsize=3, label=family.__name__)
ax.set_xscale("log")
ax.set_xlabel("alpha (log scale)")
ax.set_ylabel("mean R² over schools (3-fold CV)")
ax.set_title("School: grid search with a task column")
ax.legend()
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
