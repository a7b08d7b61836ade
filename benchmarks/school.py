"""Held-out explained variance on the ILEA School data (139 schools, one task each).

Protocol, for each of ``--splits`` random splits:

1. Split every school's rows 75/25 into training and test rows
   (``skmtl.model_selection.train_test_split_per_task``).
2. For every model, choose the regularization with ``GridSearchCV`` on the
   training rows only: 3 ``WithinTaskKFold`` folds (every school has rows in
   every fold), task labels routed to ``fit`` and to a task-aware R² scorer
   (metadata routing on), then refit on all training rows with the best value.
   Features are standardized inside the pipeline (``StandardScaler`` then the
   model), so the scaler only sees training rows.
   The ``*CV`` rows choose instead with the estimators' own cross-validation:
   a warm-started path of ``CV_ALPHAS`` alphas from the top of the path, on
   the same folds, scored by R².
3. Score the refitted model on the test rows: pooled explained variance
   ``1 - SSE/SST`` over all test rows, SST around the pooled test mean, and the
   mean over schools of each school's explained variance
   (``task_averaged(explained_variance_score)``).

Models: independent ridge (scikit-learn's ``Ridge`` solution on every school,
one alpha chosen for all schools), pooled ridge (one ``Ridge`` on all rows,
schools ignored), the skmtl regressors with their default solvers under
``GridSearchCV``, the six ``*RegressorCV`` estimators, and ``HierarchicalRegressor``
(one slope variance; with ``--full`` also per-task variances), which chooses no
parameter: one fit on the training rows, its variances, hence its strength,
estimated by REML.

The default run searches ``ClusteredRegressor`` and ``SharedSubspaceRegressor``
(the slowest families, alternating minimization) over 2 candidates each at
``tol=1e-3``; ``--full`` is the complete protocol, their grids of 4 and 8
candidates at the default ``tol``. Both take 10 splits, and every other grid is
the same in both. The searches run side by
side in ``--n-jobs`` worker processes (default 2), each with one BLAS thread.

Writes ``school.md`` (table, protocol and machine), ``school.png`` (bar chart) and
``school_task_correlation.png`` (the task correlation that
``TaskRelationshipRegressor`` learns on all rows, with its most chosen
parameters) to ``--output-dir``. ``--quick`` runs 2 splits with tiny grids (for the tests).
``--kernels`` adds the multi-task kernel models (``MultiTaskKernelRidge`` with an
RBF kernel, ``MultiTaskSVR`` with linear and RBF kernels, all with the
Evgeniou-Pontil task kernel): they factorize Gram matrices of all training
rows, minutes per split, so they write ``school_kernels.md`` and
``school_kernels.png`` instead.
"""

import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.metrics import explained_variance_score, r2_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PerTaskRidge, plot_task_correlation  # noqa: E402
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
    ClusteredRegressor,
    DirtyRegressor,
    FusedSparseGroupLassoRegressor,
    GraphRegularizedRegressor,
    GraphRegularizedRegressorCV,
    HierarchicalRegressor,
    IndependentLassoRegressor,
    IndependentLassoRegressorCV,
    JointFeatureRegressor,
    JointFeatureRegressorCV,
    MeanRegularizedRegressor,
    MeanRegularizedRegressorCV,
    RobustFeatureRegressor,
    RobustLowRankRegressor,
    SharedParameterRegressor,
    SharedParameterRegressorCV,
    SharedSubspaceRegressor,
    SparseLowRankRegressor,
    TaskRelationshipRegressor,
    TemporalGroupLassoRegressor,
    TraceNormRegressor,
    TraceNormRegressorCV,
)
from skmtl.datasets import load_school  # noqa: E402
from skmtl.kernel import MultiTaskKernelRidge, MultiTaskSVR  # noqa: E402
from skmtl.model_selection import (  # noqa: E402
    WithinTaskKFold,
    make_task_scorer,
    task_averaged,
    train_test_split_per_task,
)

#: Splits, folds and ``*CV`` path length of each mode.
SPLITS = {"quick": 2, "default": 10, "full": 10}
N_FOLDS = {"quick": 2, "default": 3, "full": 3}
CV_ALPHAS = {"quick": 4, "default": 20, "full": 20}
TEST_SIZE = 0.25
#: The clustered model of each mode: its grid and its solver's ``tol``. Its searches
#: dominate the run: most of its fits need hundreds of alternations at the default tol
#: (1e-6), and the search chose alpha=100, l2=0.1 in every split of the full protocol.
CLUSTERED = {
    "quick": ({"alpha": [10.0], "l2": [1.0], "n_clusters": [3]}, 1e-6),
    "default": ({"alpha": [30.0, 100.0], "l2": [0.1], "n_clusters": [3]}, 1e-3),
    "full": ({"alpha": [30.0, 100.0], "l2": [0.1, 0.3], "n_clusters": [3]}, 1e-6),
}
#: The split models of the MALSAR parity set, by mode: two candidates in the default
#: run, which must stay short, a fuller grid under --full.
SPLIT_GRIDS = {
    "quick": {"robust_feature": {"alpha_shared": [10.0], "alpha_outlier": [5.0]},
              "sparse_low_rank": {"alpha_sparse": [2.0], "alpha_lowrank": [10.0]}},
    "default": {"robust_feature": {"alpha_shared": [10.0], "alpha_outlier": [5.0, 10.0]},
                "sparse_low_rank": {"alpha_sparse": [1.0, 2.0], "alpha_lowrank": [10.0]}},
    "full": {"robust_feature": {"alpha_shared": [5.0, 10.0, 20.0],
                                "alpha_outlier": [3.0, 5.0, 10.0, 20.0]},
             "sparse_low_rank": {"alpha_sparse": [0.5, 1.0, 2.0, 4.0],
                                 "alpha_lowrank": [5.0, 10.0, 20.0]}},
}
#: The shared-subspace model (convex ASO) of each mode, as the clustered one: most of its
#: fits take tens to hundreds of alternations at the default tol.
SUBSPACE = {
    "quick": ({"alpha": [30.0], "l2": [0.1], "n_components": [3]}, 1e-6),
    "default": ({"alpha": [30.0, 100.0], "l2": [0.1], "n_components": [3]}, 1e-3),
    "full": ({"alpha": [30.0, 100.0], "l2": [0.1, 1.0], "n_components": [3, 6]}, 1e-6),
}
#: Rough cost of a clustered search against the others (the heaviest start first).
CLUSTERED_WEIGHT = 20.0
DEFAULT_N_JOBS = 2
RELATIONSHIP = "TaskRelationshipRegressor"
per_task_explained_variance = task_averaged(explained_variance_score)


def build_kernel_models(quick):
    """The multi-task kernel models and their grids (features standardized, d = 27)."""
    grids = {
        "ridge": {"alpha": [0.03, 0.1, 0.3], "task_similarity": [0.5, 0.9]},
        "svr_linear": {"C": [10.0, 100.0]},
        "svr_rbf": {"C": [10.0, 100.0, 1000.0]},
    }
    if quick:
        grids = {"ridge": {"alpha": [0.1, 0.3]}, "svr_linear": {"C": [10.0]},
                 "svr_rbf": {"C": [100.0]}}
    return [
        Model("MultiTaskKernelRidge (RBF, gamma=0.03)",
              MultiTaskKernelRidge(kernel="rbf", gamma=0.03, task_similarity=0.9),
              grids["ridge"], True, weight=100.0),
        Model("MultiTaskSVR (linear, epsilon=1)",
              MultiTaskSVR(kernel="linear", epsilon=1.0, task_similarity=0.9),
              grids["svr_linear"], True, weight=100.0),
        Model("MultiTaskSVR (RBF, gamma=0.03, epsilon=1)",
              MultiTaskSVR(kernel="rbf", gamma=0.03, epsilon=1.0, task_similarity=0.9),
              grids["svr_rbf"], True, weight=100.0),
    ]


def build_models(mode):
    """The models and their grids; ``mode``: "quick" (two candidates per model),
    "default" or "full" (they differ in the clustered, split and shared-subspace models
    only)."""
    grids = {
        "independent": {"alpha": [1.0, 3.0, 10.0, 30.0, 100.0]},
        "pooled": {"alpha": [0.1, 1.0, 10.0, 100.0, 1000.0]},
        "shared": {"alpha_shared": [0.01, 0.1, 1.0], "alpha_task": [3.0, 10.0, 30.0]},
        "mean": {"alpha": [1.0, 3.0, 10.0, 30.0, 100.0]},
        "graph": {"alpha": [0.01, 0.03, 0.1, 0.3, 1.0]},
        "trace": {"alpha": [2.0, 5.0, 10.0, 20.0, 40.0]},
        "joint": {"alpha": [2.0, 5.0, 10.0, 20.0, 40.0]},
        "lasso": {"alpha": [0.3, 1.0, 3.0, 10.0]},
        "dirty": {"alpha_shared": [5.0, 10.0, 20.0], "alpha_task": [2.0, 4.0, 8.0]},
        "robust": {"alpha_lowrank": [5.0, 10.0, 20.0], "alpha_outlier": [3.0, 10.0]},
        "relationship": {"alpha": [0.01, 0.03, 0.1, 0.3], "l2": [0.1, 1.0]},
        # two candidates each in the default run (its time budget); fuller with --full
        "temporal": {"alpha": [5.0, 10.0], "alpha_smooth": [0.1]},
        "fused_sparse_group": {"alpha_group": [5.0, 10.0], "alpha_lasso": [0.3],
                               "alpha_fused": [0.3]},
    }
    if mode == "full":
        grids["temporal"] = {"alpha": [2.0, 5.0, 10.0, 20.0], "alpha_smooth": [0.01, 0.1, 1.0]}
        grids["fused_sparse_group"] = {"alpha_group": [2.0, 5.0, 10.0, 20.0],
                                       "alpha_lasso": [0.1, 1.0], "alpha_fused": [0.1, 1.0]}
    if mode == "quick":
        grids = {
            "independent": {"alpha": [10.0, 30.0]},
            "pooled": {"alpha": [1.0, 10.0]},
            "shared": {"alpha_shared": [0.1], "alpha_task": [10.0, 30.0]},
            "mean": {"alpha": [10.0, 30.0]},
            "graph": {"alpha": [0.03, 0.1]},
            "trace": {"alpha": [10.0, 20.0]},
            "joint": {"alpha": [10.0, 20.0]},
            "lasso": {"alpha": [1.0, 3.0]},
            "dirty": {"alpha_shared": [10.0], "alpha_task": [1.0, 3.0]},
            "robust": {"alpha_lowrank": [10.0], "alpha_outlier": [3.0, 10.0]},
            "relationship": {"alpha": [0.03, 0.1]},
            "temporal": {"alpha": [5.0, 10.0], "alpha_smooth": [0.1]},
            "fused_sparse_group": {"alpha_group": [5.0, 10.0], "alpha_lasso": [0.3],
                                   "alpha_fused": [0.3]},
        }
    grids.update(SPLIT_GRIDS[mode])
    clustered_grid, clustered_tol = CLUSTERED[mode]
    subspace_grid, subspace_tol = SUBSPACE[mode]
    return [
        Model("Independent ridge (Ridge per school)", PerTaskRidge(), grids["independent"], True),
        Model("Pooled ridge (one Ridge, schools ignored)", Ridge(), grids["pooled"], False),
        Model("SharedParameterRegressor", SharedParameterRegressor(), grids["shared"], True),
        Model("MeanRegularizedRegressor", MeanRegularizedRegressor(), grids["mean"], True),
        Model("GraphRegularizedRegressor (complete graph)", GraphRegularizedRegressor(),
              grids["graph"], True),
        Model("TraceNormRegressor", TraceNormRegressor(), grids["trace"], True),
        Model("JointFeatureRegressor", JointFeatureRegressor(), grids["joint"], True),
        Model("IndependentLassoRegressor", IndependentLassoRegressor(), grids["lasso"], True),
        Model("DirtyRegressor", DirtyRegressor(), grids["dirty"], True),
        Model("RobustLowRankRegressor", RobustLowRankRegressor(), grids["robust"], True),
        Model("RobustFeatureRegressor", RobustFeatureRegressor(), grids["robust_feature"],
              True),
        Model("SparseLowRankRegressor", SparseLowRankRegressor(), grids["sparse_low_rank"],
              True),
        Model("ClusteredRegressor", ClusteredRegressor(random_state=0, tol=clustered_tol),
              clustered_grid, True, weight=CLUSTERED_WEIGHT),
        Model("SharedSubspaceRegressor", SharedSubspaceRegressor(tol=subspace_tol),
              subspace_grid, True, weight=CLUSTERED_WEIGHT),
        Model(RELATIONSHIP, TaskRelationshipRegressor(), grids["relationship"], True),
        # the schools are not ordered: the chain of the sorted labels is arbitrary here
        Model("TemporalGroupLassoRegressor", TemporalGroupLassoRegressor(), grids["temporal"],
              True),
        Model("FusedSparseGroupLassoRegressor", FusedSparseGroupLassoRegressor(),
              grids["fused_sparse_group"], True),
    ] + [
        # no search: the variances, hence the strength, are estimated by likelihood
        Model("HierarchicalRegressor (REML)", HierarchicalRegressor(), {}, True),
    ] + ([
        # about 10 s a fit on School (hundreds of L-BFGS steps over 139 variances)
        Model("HierarchicalRegressor(slope_variance='per_task') (REML)",
              HierarchicalRegressor(slope_variance="per_task"), {}, True, weight=5.0),
    ] if mode == "full" else []) + [
        Model(cls.__name__, cls(alphas=CV_ALPHAS[mode]), None, True)
        for cls in (SharedParameterRegressorCV, MeanRegularizedRegressorCV,
                    GraphRegularizedRegressorCV, TraceNormRegressorCV, JointFeatureRegressorCV,
                    IndependentLassoRegressorCV)
    ]


def scoring(model):
    """The search's scorer: R², task-aware where the model takes the labels."""
    return make_task_scorer("r2") if model.routed else "r2"


def evaluate(model, fitted, X_test, y_test, tasks_test):
    """Pooled explained variance (``1 - SSE/SST`` over all test rows, SST around the pooled
    mean: the R² of the pooled rows) and the mean over schools of each one's."""
    prediction = fitted.predict(X_test, **({"tasks": tasks_test} if model.routed else {}))
    return {
        "pooled": float(r2_score(y_test, prediction)),
        "schools": float(per_task_explained_variance(y_test, prediction, tasks=tasks_test)),
    }


def make_splits(X, y, tasks, n_splits, seed, n_folds):
    """Split ``k`` (seed ``seed + k``): 75/25 within every school, and ``WithinTaskKFold``
    folds of its training rows."""
    splits = []
    for index in range(n_splits):
        data = train_test_split_per_task(X, y, tasks=tasks, test_size=TEST_SIZE,
                                         random_state=seed + index)
        folds = WithinTaskKFold(n_folds, shuffle=True, random_state=seed + index)
        splits.append(Split(None, index, data, list(folds.split(data[0], tasks=data[4]))))
    return splits


def protocol_text(args, wall_time):
    mode = args.mode
    return (
        f"{args.splits} random splits (seeds {args.seed}..{args.seed + args.splits - 1}), "
        f"{int((1 - TEST_SIZE) * 100)}/{int(TEST_SIZE * 100)} within every school"
        + {"quick": " (`--quick`: tiny grids, 2 folds)",
           "default": " (the default run; `--full`: the full clustered and "
                      "shared-subspace grids at the default `tol`)",
           "full": " (`--full`, the complete protocol)"}[mode]
        + ". Regularization chosen on the training rows only, by `GridSearchCV` "
        f"({N_FOLDS[mode]} `WithinTaskKFold` folds: every school in every fold; task-aware "
        "R² scorer, metadata routing) or, for the `*CV` rows, by the estimator's own "
        "cross-validation on the same folds along a warm-started path of "
        f"{CV_ALPHAS[mode]} alphas from the top of the path; "
        "refit on all training rows; features standardized in the pipeline. "
        "Every model with its default solver settings, except `ClusteredRegressor` at "
        f"`tol={CLUSTERED[mode][1]:g}` and `SharedSubspaceRegressor` at "
        f"`tol={SUBSPACE[mode][1]:g}`. "
        "Pooled explained variance = 1 − SSE/SST over all test rows (SST around the "
        "pooled test mean); mean over schools = the mean of each school's explained "
        "variance on its test rows. Fit time: the whole search (all candidates and "
        "folds, and the refit) with one BLAS thread, mean over "
        f"splits; {args.n_jobs} search(es) ran side by side (`--n-jobs {args.n_jobs}`). "
        f"Total wall time {wall_time:.0f} s."
    )


def write_outputs(models, args, wall_time):
    header = ["Model", "Explained variance, pooled (mean ± std)",
              "Explained variance, mean over schools (mean ± std)",
              "Fit time incl. search [s]", "Candidates", "Most chosen", "ConvergenceWarnings"]
    rows = []
    for model in models:
        rows.append([
            model.name,
            "{:.4f} ± {:.4f}".format(*mean_std(model.scores("pooled"))),
            "{:.4f} ± {:.4f}".format(*mean_std(model.scores("schools"))),
            f"{np.mean(model.times()):.2f}",
            str(model.n_candidates),
            model.most_chosen()[0],
            f"{model.n_convergence_warnings} in {model.n_fits} fits",
        ])
    table = markdown_table(header, rows)
    lines = machine_header("School benchmark: held-out explained variance", "school.py")
    lines += [protocol_text(args, wall_time), "", *table, "", "Grids:", ""]
    lines += [f"- {model.name}: {format_grid(model.grid)}" for model in models]
    lines += [""]
    stem = "school_kernels" if args.kernels else "school"
    write_lines(args.output_dir / f"{stem}.md", lines)

    plt = pyplot()
    stats = [mean_std(model.scores("pooled")) for model in models]
    means = [mean for mean, _ in stats]
    stds = [std for _, std in stats]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    positions = np.arange(len(models))[::-1]
    ax.barh(positions, means, xerr=stds, color="tab:blue", alpha=0.8, capsize=4)
    ax.set_yticks(positions, [model.name for model in models], fontsize=8)
    low = min(m - s for m, s in zip(means, stds, strict=True))
    high = max(m + s for m, s in zip(means, stds, strict=True))
    margin = 0.1 * max(high - low, 1e-3)
    ax.set_xlim(max(low - margin, 0.0), high + margin)
    ax.set_xlabel("held-out explained variance (mean ± std over splits; axis not from 0)")
    ax.set_title(f"School: {args.splits} splits, 75/25 within each school")
    fig.tight_layout()
    fig.savefig(args.output_dir / f"{stem}.png", dpi=120)
    plt.close(fig)
    return table


def relationship_figure(models, X, y, tasks, path):
    """Fit TaskRelationshipRegressor on all rows with its most chosen parameters and draw
    the task correlation it learns."""
    model = next(model for model in models if model.name == RELATIONSHIP)
    parameters = model.most_chosen()[1]
    fitted = Pipeline([("scale", StandardScaler()),
                       ("model", clone(model.estimator).set_params(**parameters))])
    fitted.fit(X, y, tasks=tasks)
    described = ", ".join(f"{name}={value:g}" for name, value in parameters.items())
    plot_task_correlation(
        fitted[-1].task_correlation_, path,
        f"School: task correlation learned by\n{RELATIONSHIP} ({described}), all rows",
    )


def main(argv=None):
    parser = make_parser(__doc__, "2 splits, 2 folds and tiny grids")
    parser.add_argument("--full", action="store_true",
                        help="the complete protocol: the full clustered and shared-subspace "
                             "grids at the default tol (a few minutes on two cores)")
    add_split_arguments(parser, "number of random splits",
                        f"{SPLITS['default']}, {SPLITS['full']} with --full", SPLITS["quick"])
    parser.set_defaults(n_jobs=DEFAULT_N_JOBS)
    parser.add_argument("--kernels", action="store_true",
                        help="add the multi-task kernel models (slow; writes school_kernels.*)")
    args = parser.parse_args(argv)
    if args.quick and args.full:
        parser.error("--quick and --full exclude each other")
    args.mode = "quick" if args.quick else "full" if args.full else "default"
    if args.splits is None:
        args.splits = SPLITS[args.mode]
    require_at_least_one(parser, args, "splits", "n_jobs")

    sklearn.set_config(enable_metadata_routing=True)
    start = time.perf_counter()
    X, y, tasks = load_school(return_X_y=True)
    models = build_models(args.mode)
    if args.kernels:
        models += build_kernel_models(args.quick)
    splits = make_splits(X, y, tasks, args.splits, args.seed, N_FOLDS[args.mode])
    run_searches(models, splits, scoring, evaluate, n_jobs=args.n_jobs, blas_threads=1,
                 desc="school")
    relationship_figure(models, X, y, tasks, args.output_dir / "school_task_correlation.png")
    wall_time = time.perf_counter() - start
    table = write_outputs(models, args, wall_time)
    print("\n".join(table))
    print(f"Total wall time: {wall_time:.1f} s; written to {args.output_dir}")


if __name__ == "__main__":
    main()
