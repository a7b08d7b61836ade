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

import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import make_scorer, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PerTaskLogisticRegression, plot_task_correlation  # noqa: E402
from _harness import (  # noqa: E402
    Model,
    Split,
    add_split_arguments,
    format_grid,
    machine_header,
    make_parser,
    markdown_table,
    mean_std,
    pyplot,
    require_at_least_one,
    run_searches,
    write_lines,
)

from skmtl import (  # noqa: E402
    ClusteredClassifier,
    DirtyClassifier,
    FusedSparseGroupLassoClassifier,
    GraphRegularizedClassifier,
    GraphRegularizedClassifierCV,
    IndependentLassoClassifier,
    JointFeatureClassifier,
    JointFeatureClassifierCV,
    MeanRegularizedClassifier,
    MeanRegularizedClassifierCV,
    RobustFeatureClassifier,
    SharedParameterClassifier,
    SharedParameterClassifierCV,
    SharedSubspaceClassifier,
    SparseLowRankClassifier,
    TaskRelationshipClassifier,
    TemporalGroupLassoClassifier,
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
        "robust_feature": {"alpha_shared": [1e-2, 3e-2, 0.1], "alpha_outlier": [1e-2, 3e-2]},
        "sparse_low_rank": {"alpha_sparse": [5e-3, 2e-2], "alpha_lowrank": [3e-2, 0.1]},
        "clustered": {"alpha": [1e-2, 3e-2, 0.1], "l2": [1e-3], "n_clusters": [2]},
        "subspace": {"alpha": [1e-2, 3e-2, 0.1], "l2": [1e-3], "n_components": [2, 4]},
        "relationship": {"alpha": [1e-3, 1e-2, 0.1, 1.0], "l2": [1e-3]},
        "temporal": {"alpha": [3e-3, 1e-2, 3e-2], "alpha_smooth": [1e-3, 1e-2]},
        "fused_sparse_group": {"alpha_group": [3e-3, 1e-2, 3e-2], "alpha_lasso": [1e-3],
                               "alpha_fused": [1e-3, 1e-2]},
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
            "robust_feature": {"alpha_shared": [3e-2], "alpha_outlier": [1e-2, 3e-2]},
            "sparse_low_rank": {"alpha_sparse": [5e-3, 2e-2], "alpha_lowrank": [0.1]},
            "clustered": {"alpha": [1e-2, 3e-2], "l2": [1e-3], "n_clusters": [2]},
            "subspace": {"alpha": [1e-2, 3e-2], "l2": [1e-3], "n_components": [2]},
            "relationship": {"alpha": [1e-2, 0.1], "l2": [1e-3]},
            "temporal": {"alpha": [1e-2, 3e-2], "alpha_smooth": [1e-2]},
            "fused_sparse_group": {"alpha_group": [1e-2, 3e-2], "alpha_lasso": [1e-3],
                                   "alpha_fused": [1e-3]},
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
        Model("RobustFeatureClassifier", RobustFeatureClassifier(), grids["robust_feature"],
              True),
        Model("SparseLowRankClassifier", SparseLowRankClassifier(), grids["sparse_low_rank"],
              True),
        Model("ClusteredClassifier", ClusteredClassifier(random_state=0), grids["clustered"],
              True),
        Model("SharedSubspaceClassifier", SharedSubspaceClassifier(), grids["subspace"], True),
        Model(RELATIONSHIP, TaskRelationshipClassifier(), grids["relationship"], True),
        # the fields are not ordered: the chain of the sorted labels is arbitrary here
        Model("TemporalGroupLassoClassifier", TemporalGroupLassoClassifier(),
              grids["temporal"], True),
        Model("FusedSparseGroupLassoClassifier", FusedSparseGroupLassoClassifier(),
              grids["fused_sparse_group"], True),
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


def evaluate(model, fitted, X_test, y_test, tasks_test):
    """The search's scorer on the test rows: the mean per-task test AUC."""
    return {"auc": float(scorer_for(model)(fitted, X_test, y_test, tasks=tasks_test))}


def repetitions(count):
    return f"{count} repetition" + ("s" if count != 1 else "")


def fraction_table(models, fraction):
    """Rows of one training fraction, with the paired difference to the independent model."""
    baseline = np.asarray(models[0].scores("auc", fraction))
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
        scores = np.asarray(model.scores("auc", fraction))
        mean, std = mean_std(scores)
        if model.name == INDEPENDENT:
            delta = "(baseline)"
        else:
            diff_mean, diff_std = mean_std(scores - baseline)
            wins = int(np.sum(scores > baseline))
            delta = f"{diff_mean:+.4f} ± {diff_std:.4f} ({wins}/{scores.size})"
        at_edge = [result.at_edge for result in model.of(fraction)]
        rows.append(
            [
                model.name,
                f"{mean:.4f} ± {std:.4f}",
                delta,
                f"{np.mean(model.times(fraction)):.2f}",
                str(model.n_candidates),
                model.most_chosen(fraction)[0],
                f"{sum(at_edge)}/{len(at_edge)}",
            ]
        )
    return markdown_table(header, rows)


def best_line(models, fraction):
    """The best model of a fraction against the independent baseline, in words."""
    baseline = np.asarray(models[0].scores("auc", fraction))
    best = max(models, key=lambda model: np.mean(model.scores("auc", fraction)))
    scores = np.asarray(best.scores("auc", fraction))
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
        f"`--n-jobs {args.n_jobs}` search(es) side by side. Chosen at a grid end: "
        "repetitions in which a searched parameter took the smallest or largest value of its grid. "
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
        "`--n-jobs` above 1 those of the worker processes too):",
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
    write_lines(args.output_dir / "landmine.md", lines)
    plot(models, args.output_dir / "landmine.png")
    return tables


def relationship_figure(models, X, y, tasks, path):
    """Fit TaskRelationshipClassifier on all rows with the parameters most chosen at the
    largest training fraction and draw the task correlation it learns."""
    model = next(model for model in models if model.name == RELATIONSHIP)
    parameters = model.most_chosen(TRAIN_FRACTIONS[-1])[1]
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
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 5))
    positions = np.arange(len(models))[::-1].astype(float)
    height = 0.38
    low, high = np.inf, -np.inf
    for k, (fraction, color) in enumerate(
        zip(TRAIN_FRACTIONS, ("tab:orange", "tab:blue"), strict=True)
    ):
        stats = [mean_std(model.scores("auc", fraction)) for model in models]
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
    n_reps = len(models[0].of(TRAIN_FRACTIONS[0]))
    ax.set_title(f"Landmine: 29 fields, {repetitions(n_reps)} per training fraction")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = make_parser(__doc__, "1 repetition per fraction, 2 folds and tiny grids")
    add_split_arguments(parser, "repetitions per training fraction", 10, 1)
    args = parser.parse_args(argv)
    if args.splits is None:
        args.splits = 1 if args.quick else 10
    require_at_least_one(parser, args, "splits", "n_jobs")

    n_folds = N_FOLDS_QUICK if args.quick else N_FOLDS
    start = time.perf_counter()
    X, y, tasks = load_landmine(return_X_y=True)
    models = build_models(args.quick)
    splits = []
    for fraction in TRAIN_FRACTIONS:
        for repetition in range(args.splits):
            seed = args.seed + repetition
            train, test = stratified_split_per_task(y, tasks, fraction, seed)
            data = (X[train], X[test], y[train], y[test], tasks[train], tasks[test])
            splits.append(Split(fraction, repetition, data,
                                task_class_folds(y[train], tasks[train], n_folds, seed)))
    with sklearn.config_context(enable_metadata_routing=True):
        run_searches(models, splits, scorer_for, evaluate, n_jobs=args.n_jobs, desc="landmine")
        relationship_figure(models, X, y, tasks, args.output_dir / "landmine_task_correlation.png")
    wall_time = time.perf_counter() - start
    tables = write_outputs(models, args, n_folds, wall_time)
    for fraction, table in tables:
        print(f"\n{fraction:.0%} of every field's rows for training")
        print("\n".join(table))
    print(f"Total wall time: {wall_time:.1f} s; written to {args.output_dir}")


if __name__ == "__main__":
    main()
