"""Mean per-task test ROC AUC on the Landmine data (29 minefields, one task each).

Protocol, for each training fraction (20 % and 40 %) and each of ``--splits``
repetitions:

1. Split every minefield's rows into training rows (the fraction) and test
   rows (the rest), stratified by label within the field (scikit-learn's
   ``train_test_split`` per task), so that every field has mines and clutter
   on both sides.
2. For every model, choose the regularization with ``GridSearchCV`` on the
   training rows only: 3 folds stratified by field and label together (every
   field has both classes in every fold), task labels routed to ``fit`` and to
   the mean per-task ROC AUC scorer (``make_task_scorer("mean_task_roc_auc")``,
   metadata routing on), then refit on all training rows with the best value.
   Features are standardized inside the pipeline (``StandardScaler`` then the
   model), so the scaler only sees training rows.
3. Score the refitted model on the test rows: ROC AUC of every field's test
   rows, averaged over the 29 fields (each field counts the same).

   The ``*CV`` rows choose instead with the classifiers' own cross-validation
   (``scoring="mean_task_roc_auc"``) on the same folds, along a warm-started
   path of ``CV_ALPHAS`` alphas from the top of the path.

Models: independent logistic regression (one scikit-learn ``LogisticRegression``
per field, one ``C`` chosen for all fields), pooled logistic regression (one
``LogisticRegression`` on all rows, fields ignored by the model but not by the
scorer), the skmtl classifiers with their default solvers under
``GridSearchCV``, and the five ``*ClassifierCV`` estimators.

Writes ``landmine.md`` (tables and machine), ``landmine.png`` (bar chart) and
``landmine_task_correlation.png`` (the task correlation that
``TaskRelationshipClassifier`` learns on all rows, with its parameters most
chosen at the largest training fraction) to ``--output-dir``. ``--quick`` runs 1
repetition per fraction with tiny grids and 2 folds (for the tests).
"""

import argparse
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import make_scorer, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    DEFAULT_OUTPUT_DIR,
    PerTaskLogisticRegression,
    machine_header,
    markdown_table,
    parse_choice,
    plot_task_correlation,
)

from skmtl import (  # noqa: E402
    ClusteredClassifier,
    DirtyClassifier,
    GraphRegularizedClassifier,
    GraphRegularizedClassifierCV,
    IndependentLassoClassifier,
    JointFeatureClassifier,
    JointFeatureClassifierCV,
    MeanRegularizedClassifier,
    MeanRegularizedClassifierCV,
    SharedParameterClassifier,
    SharedParameterClassifierCV,
    TaskRelationshipClassifier,
    TraceNormClassifier,
    TraceNormClassifierCV,
)
from skmtl.datasets import load_landmine  # noqa: E402
from skmtl.model_selection import make_task_scorer, task_averaged  # noqa: E402

TRAIN_FRACTIONS = (0.2, 0.4)
N_FOLDS = 3
N_FOLDS_QUICK = 2
RESPONSE = ("decision_function", "predict_proba")
INDEPENDENT = "Independent logistic (LogisticRegression per field)"
#: Length of the path of the *CV classifiers (and with --quick).
CV_ALPHAS = 12
CV_ALPHAS_QUICK = 3
RELATIONSHIP = "TaskRelationshipClassifier"


@dataclass
class Model:
    """One row of the benchmark: an estimator, its grid (None for a ``*CV`` estimator,
    which searches its own path), results per training fraction."""

    name: str
    estimator: object
    grid: dict
    routed: bool
    scores: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)
    chosen: dict = field(default_factory=dict)
    at_edge: dict = field(default_factory=dict)
    n_convergence_warnings: int = 0
    n_other_warnings: int = 0
    n_fits: int = 0

    @property
    def n_candidates(self):
        if self.grid is None:
            return self.estimator.alphas
        return int(np.prod([len(values) for values in self.grid.values()]))


def build_models(quick):
    """The models and their grids; ``quick``: two candidates per model."""
    grids = {
        "independent": {"C": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]},
        "pooled": {"C": [0.01, 0.1, 1.0, 10.0, 100.0]},
        "shared": {
            "alpha_shared": [1e-2, 0.1, 1.0, 10.0],
            "alpha_task": [1e-2, 3e-2, 0.1, 0.3, 1.0],
        },
        "mean": {"alpha": [3e-3, 1e-2, 3e-2, 0.1, 0.3], "l2": [1e-3]},
        "graph": {"alpha": [3e-4, 1e-3, 3e-3, 1e-2, 3e-2], "l2": [1e-3]},
        "trace": {"alpha": [3e-3, 1e-2, 3e-2, 0.1, 0.2], "l2": [0.0]},
        "joint": {"alpha": [3e-3, 1e-2, 3e-2, 0.1, 0.2], "l2": [0.0]},
        "lasso": {"alpha": [1e-3, 3e-3, 1e-2, 3e-2, 0.1], "l2": [0.0]},
        "dirty": {"alpha_shared": [1e-2, 3e-2, 0.1], "alpha_task": [5e-3, 2e-2]},
        "clustered": {"alpha": [1e-2, 3e-2, 0.1], "l2": [1e-3], "n_clusters": [2]},
        "relationship": {"alpha": [1e-3, 1e-2, 0.1, 1.0], "l2": [1e-3]},
    }
    if quick:
        grids = {
            "independent": {"C": [0.3, 1.0]},
            "pooled": {"C": [0.1, 1.0]},
            "shared": {"alpha_shared": [1e-3], "alpha_task": [1e-2, 3e-2]},
            "mean": {"alpha": [1e-2, 3e-2], "l2": [1e-3]},
            "graph": {"alpha": [3e-4, 1e-3], "l2": [1e-3]},
            "trace": {"alpha": [3e-2, 0.1], "l2": [0.0]},
            "joint": {"alpha": [3e-2, 0.1], "l2": [0.0]},
            "lasso": {"alpha": [1e-2, 3e-2], "l2": [0.0]},
            "dirty": {"alpha_shared": [3e-2], "alpha_task": [5e-3, 2e-2]},
            "clustered": {"alpha": [1e-2, 3e-2], "l2": [1e-3], "n_clusters": [2]},
            "relationship": {"alpha": [1e-2, 0.1], "l2": [1e-3]},
        }
    return [
        Model(INDEPENDENT, PerTaskLogisticRegression(), grids["independent"], True),
        Model(
            "Pooled logistic (one LogisticRegression, fields ignored)",
            LogisticRegression(solver="newton-cholesky", max_iter=1000),
            grids["pooled"],
            False,
        ),
        Model("SharedParameterClassifier", SharedParameterClassifier(), grids["shared"], True),
        Model("MeanRegularizedClassifier", MeanRegularizedClassifier(), grids["mean"], True),
        Model(
            "GraphRegularizedClassifier (complete graph)",
            GraphRegularizedClassifier(),
            grids["graph"],
            True,
        ),
        Model("TraceNormClassifier", TraceNormClassifier(), grids["trace"], True),
        Model("JointFeatureClassifier", JointFeatureClassifier(), grids["joint"], True),
        Model("IndependentLassoClassifier", IndependentLassoClassifier(), grids["lasso"], True),
        Model("DirtyClassifier", DirtyClassifier(), grids["dirty"], True),
        Model("ClusteredClassifier", ClusteredClassifier(random_state=0), grids["clustered"],
              True),
        Model(RELATIONSHIP, TaskRelationshipClassifier(), grids["relationship"], True),
    ] + [
        Model(cls.__name__, cls(alphas=CV_ALPHAS_QUICK if quick else CV_ALPHAS,
                                scoring="mean_task_roc_auc", **params), None, True)
        # The quadratic families' paths reach further down (eps): at 40 % for training
        # the search chose the bottom of a path ending at a thousandth of its top.
        for cls, params in (
            (SharedParameterClassifierCV, {"alpha_shared": 0.1, "eps": 1e-4}),
            (MeanRegularizedClassifierCV, {"l2": 1e-3, "eps": 1e-4}),
            (GraphRegularizedClassifierCV, {"l2": 1e-3, "eps": 1e-4}),
            (TraceNormClassifierCV, {}),
            (JointFeatureClassifierCV, {}),
        )
    ]


def stratified_split_per_task(y, tasks, train_size, seed):
    """Training and test row indices: every task's rows split ``train_size`` / rest,
    stratified by label within the task (scikit-learn's ``train_test_split``)."""
    rng = np.random.RandomState(seed)
    train, test = [], []
    for label in np.unique(tasks):
        rows = np.flatnonzero(tasks == label)
        rows_train, rows_test = train_test_split(
            rows, train_size=train_size, stratify=y[rows], random_state=rng
        )
        train.append(rows_train)
        test.append(rows_test)
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def task_class_folds(y, tasks, n_folds, seed):
    """K folds stratified by (task, label): every task has both classes in every fold."""
    _, strata = np.unique(np.column_stack([tasks, y]), axis=0, return_inverse=True)
    strata = strata.reshape(-1)
    smallest = np.bincount(strata).min()
    if smallest < n_folds:
        raise ValueError(
            f"A (task, class) pair has {smallest} training rows, fewer than the {n_folds} "
            "folds: some fold would miss a class of a task and its AUC would be undefined."
        )
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(folds.split(np.zeros((len(y), 1)), strata))


def scorer_for(model):
    """Mean per-task ROC AUC; for the pooled model the labels reach the metric only."""
    if model.routed:
        return make_task_scorer("mean_task_roc_auc")
    return make_scorer(task_averaged(roc_auc_score), response_method=RESPONSE).set_score_request(
        tasks=True
    )


def searcher(model, cv, n_jobs):
    """The pipeline that chooses the regularization: GridSearchCV, or the *CV estimator."""
    if model.grid is None:
        estimator = clone(model.estimator).set_params(cv=cv, n_jobs=n_jobs)
        return Pipeline([("scale", StandardScaler()), ("model", estimator)])
    pipeline = Pipeline([("scale", StandardScaler()), ("model", clone(model.estimator))])
    return GridSearchCV(
        pipeline,
        {f"model__{name}": values for name, values in model.grid.items()},
        scoring=scorer_for(model),
        cv=cv,
        n_jobs=n_jobs,
        refit=True,
        error_score="raise",
    )


def chosen_parameters(model, search):
    """The chosen value(s) as text, and whether one lies at an end of its grid."""
    if model.grid is None:
        chosen = search[-1]
        at_edge = chosen.best_index_ in (0, len(chosen.alphas_) - 1)
        parameter = "alpha_task" if "alpha_shared" in chosen.get_params() else "alpha"
        return f"{parameter}={chosen.alpha_:.3g}", at_edge
    best = {key.removeprefix("model__"): value for key, value in search.best_params_.items()}
    searched = sorted(name for name, values in model.grid.items() if len(values) > 1)
    at_edge = any(best[name] in (min(model.grid[name]), max(model.grid[name]))
                  for name in searched)
    return ", ".join(f"{name}={best[name]:g}" for name in searched), at_edge


def run_model(model, fraction, split_data, cv, n_jobs):
    """Choose the regularization on the training rows, refit, mean per-task test AUC."""
    X_train, X_test, y_train, y_test, tasks_train, tasks_test = split_data
    search = searcher(model, cv, n_jobs)
    with warnings.catch_warnings(record=True) as caught:
        # Record (and report below) every warning, ConvergenceWarnings included.
        warnings.simplefilter("always")
        start = time.perf_counter()
        search.fit(X_train, y_train, tasks=tasks_train)
        elapsed = time.perf_counter() - start
        # The search's scorer on the test rows: the mean per-task test AUC.
        fitted = search if model.grid is None else search.best_estimator_
        test_auc = float(scorer_for(model)(fitted, X_test, y_test, tasks=tasks_test))
    for warning in caught:
        converge = issubclass(warning.category, ConvergenceWarning)
        model.n_convergence_warnings += converge
        model.n_other_warnings += not converge
        # Every warning is shown, but a model's ConvergenceWarnings only once (then counted).
        if not converge or model.n_convergence_warnings == 1:
            tqdm.write(f"warning from {model.name}: {warning.category.__name__}: {warning.message}")
    model.scores.setdefault(fraction, []).append(test_auc)
    model.times.setdefault(fraction, []).append(elapsed)
    model.n_fits += model.n_candidates * len(cv) + 1
    chosen, at_edge = chosen_parameters(model, search)
    model.chosen.setdefault(fraction, []).append(chosen)
    model.at_edge.setdefault(fraction, []).append(at_edge)


def format_grid(grid):
    if grid is None:
        return "its own path (`alphas`)"
    return "; ".join(
        f"{name} in {{{', '.join(f'{v:g}' for v in values)}}}" for name, values in grid.items()
    )


def repetitions(count):
    return f"{count} repetition" + ("s" if count != 1 else "")


def mean_std(values):
    values = np.asarray(values, dtype=float)
    return values.mean(), values.std(ddof=1) if values.size > 1 else 0.0


def fraction_table(models, fraction):
    """Rows of one training fraction, with the paired difference to the independent model."""
    baseline = np.asarray(models[0].scores[fraction])
    header = [
        "Model",
        "Mean per-task test AUC (mean ± std)",
        "Δ vs independent (mean ± std; better in)",
        "Fit time incl. grid search [s]",
        "Candidates",
        "Most chosen",
        "Chosen at a grid end",
    ]
    rows = []
    for model in models:
        scores = np.asarray(model.scores[fraction])
        mean, std = mean_std(scores)
        if model.name == INDEPENDENT:
            delta = "(baseline)"
        else:
            diff_mean, diff_std = mean_std(scores - baseline)
            wins = int(np.sum(scores > baseline))
            delta = f"{diff_mean:+.4f} ± {diff_std:.4f} ({wins}/{scores.size})"
        choice, count = Counter(model.chosen[fraction]).most_common(1)[0]
        rows.append(
            [
                model.name,
                f"{mean:.4f} ± {std:.4f}",
                delta,
                f"{np.mean(model.times[fraction]):.2f}",
                str(model.n_candidates),
                f"{choice} ({count}/{len(model.chosen[fraction])})",
                f"{sum(model.at_edge[fraction])}/{len(model.at_edge[fraction])}",
            ]
        )
    return markdown_table(header, rows)


def best_line(models, fraction):
    """The best model of a fraction against the independent baseline, in words."""
    baseline = np.asarray(models[0].scores[fraction])
    best = max(models, key=lambda model: np.mean(model.scores[fraction]))
    scores = np.asarray(best.scores[fraction])
    if best.name == INDEPENDENT:
        return f"- {fraction:.0%}: the independent baseline has the highest mean AUC."
    diff_mean, diff_std = mean_std(scores - baseline)
    return (
        f"- {fraction:.0%}: best {best.name}, {np.mean(scores):.4f} against "
        f"{baseline.mean():.4f} for independent logistic regression: paired difference "
        f"{diff_mean:+.4f} ± {diff_std:.4f}, higher in {int(np.sum(scores > baseline))} of "
        f"{scores.size} repetitions."
    )


def write_outputs(models, args, n_folds, wall_time):
    output_dir = args.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    lines = machine_header("Landmine benchmark: mean per-task test ROC AUC", "landmine.py")
    lines += [
        f"For each training fraction, {repetitions(args.splits)} (split seeds {args.seed}.."
        f"{args.seed + args.splits - 1}, the same for every model and fraction): every "
        "field's rows split into training rows (the fraction) and test rows, stratified by "
        "label within the field. Regularization chosen on the training rows only by "
        f"`GridSearchCV` ({n_folds} folds stratified by field and label, mean per-task ROC AUC "
        'scorer `make_task_scorer("mean_task_roc_auc")`, metadata routing) or, for the `*CV` '
        "rows, by the classifier's own cross-validation on the same folds and scorer along a "
        f"warm-started path of {CV_ALPHAS_QUICK if args.quick else CV_ALPHAS} alphas from the "
        "top of the path; refit on all training rows; features standardized in the "
        "pipeline. Test metric: ROC AUC of every field's test rows (decision function), "
        "averaged over the 29 fields. Δ: paired difference "
        "to independent logistic regression on the same splits, and the number of "
        "repetitions in which the model was higher. Fit time: the whole search "
        f"(all candidates and folds, and the refit), mean over repetitions, "
        f"`n_jobs={args.n_jobs}`. Chosen at a grid end: repetitions in which a searched "
        "parameter took the smallest or largest value of its grid. "
        f"Total wall time {wall_time:.0f} s.",
        "",
        "Best model against the independent baseline:",
        "",
        *[best_line(models, fraction) for fraction in TRAIN_FRACTIONS],
        "",
    ]
    tables = []
    for fraction in TRAIN_FRACTIONS:
        table = fraction_table(models, fraction)
        tables.append((fraction, table))
        lines += [f"## {fraction:.0%} of every field's rows for training", "", *table, ""]
    lines += [
        "Warnings (all kinds recorded around every search and test scoring; with "
        "`--n-jobs` above 1 the warnings of worker processes are not seen):",
        "",
    ]
    lines += [
        f"- {model.name}: {model.n_convergence_warnings} ConvergenceWarnings and "
        f"{model.n_other_warnings} other warnings in {model.n_fits} fits"
        for model in models
    ]
    lines += ["", "Grids:", ""]
    lines += [f"- {model.name}: {format_grid(model.grid)}" for model in models]
    lines += [""]
    (output_dir / "landmine.md").write_text("\n".join(lines), encoding="utf-8")
    plot(models, output_dir / "landmine.png")
    return tables


def relationship_figure(models, X, y, tasks, path):
    """Fit TaskRelationshipClassifier on all rows with the parameters most chosen at the
    largest training fraction and draw the task correlation it learns."""
    model = next(model for model in models if model.name == RELATIONSHIP)
    parameters = {name: values[0] for name, values in model.grid.items()}
    chosen = Counter(model.chosen[TRAIN_FRACTIONS[-1]]).most_common(1)[0][0]
    parameters.update(parse_choice(chosen))
    fitted = Pipeline([("scale", StandardScaler()),
                       ("model", clone(model.estimator).set_params(**parameters))])
    fitted.fit(X, y, tasks=tasks)
    described = ", ".join(f"{name}={value:g}" for name, value in parameters.items())
    plot_task_correlation(
        fitted[-1].task_correlation_, path,
        f"Landmine: task correlation learned by\n{RELATIONSHIP} ({described}), all rows",
        task_names=fitted[-1].tasks_,
    )


def plot(models, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.5, 5))
    positions = np.arange(len(models))[::-1].astype(float)
    height = 0.38
    low, high = np.inf, -np.inf
    for k, (fraction, color) in enumerate(
        zip(TRAIN_FRACTIONS, ("tab:orange", "tab:blue"), strict=True)
    ):
        stats = [mean_std(model.scores[fraction]) for model in models]
        means = np.array([mean for mean, _ in stats])
        stds = np.array([std for _, std in stats])
        offset = (0.5 - k) * height
        ax.barh(
            positions + offset,
            means,
            height=height,
            xerr=stds,
            color=color,
            alpha=0.85,
            capsize=3,
            label=f"{fraction:.0%} training",
        )
        low, high = min(low, (means - stds).min()), max(high, (means + stds).max())
    ax.set_yticks(positions, [model.name for model in models], fontsize=8)
    margin = 0.1 * max(high - low, 1e-3)
    ax.set_xlim(max(low - margin, 0.0), min(high + margin, 1.0))
    ax.set_xlabel("mean per-task test ROC AUC (mean ± std over repetitions; axis not from 0)")
    n_reps = len(models[0].scores[TRAIN_FRACTIONS[0]])
    ax.set_title(f"Landmine: 29 fields, {repetitions(n_reps)} per training fraction")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--splits",
        type=int,
        default=None,
        help="repetitions per training fraction (default 10, 1 with --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 repetition per fraction, 2 folds and tiny grids"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the first repetition")
    parser.add_argument("--n-jobs", type=int, default=1, help="n_jobs of GridSearchCV")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    args = parser.parse_args(argv)
    if args.splits is None:
        args.splits = 1 if args.quick else 10
    if args.splits < 1:
        parser.error("--splits must be at least 1")

    n_folds = N_FOLDS_QUICK if args.quick else N_FOLDS
    start = time.perf_counter()
    X, y, tasks = load_landmine(return_X_y=True)
    models = build_models(args.quick)
    total = len(TRAIN_FRACTIONS) * args.splits * len(models)
    with (
        sklearn.config_context(enable_metadata_routing=True),
        tqdm(total=total, desc="landmine", unit="fit") as progress,
    ):
        for fraction in TRAIN_FRACTIONS:
            for repetition in range(args.splits):
                seed = args.seed + repetition
                train, test = stratified_split_per_task(y, tasks, fraction, seed)
                split_data = (X[train], X[test], y[train], y[test], tasks[train], tasks[test])
                cv = task_class_folds(y[train], tasks[train], n_folds, seed)
                for model in models:
                    progress.set_postfix_str(
                        f"{fraction:.0%} rep {repetition + 1}: {model.name.split(' (')[0]}"
                    )
                    run_model(model, fraction, split_data, cv, args.n_jobs)
                    progress.update()
        args.output_dir.mkdir(parents=True, exist_ok=True)
        relationship_figure(models, X, y, tasks, args.output_dir / "landmine_task_correlation.png")
    wall_time = time.perf_counter() - start
    tables = write_outputs(models, args, n_folds, wall_time)
    for fraction, table in tables:
        print(f"\n{fraction:.0%} of every field's rows for training")
        print("\n".join(table))
    print(f"Total wall time: {wall_time:.1f} s; written to {args.output_dir}")


if __name__ == "__main__":
    main()
