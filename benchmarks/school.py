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

Models: independent ridge (one scikit-learn ``Ridge`` per school, one alpha
chosen for all schools), pooled ridge (one ``Ridge`` on all rows, schools
ignored), the skmtl regressors with their default solvers under
``GridSearchCV``, and the five ``*RegressorCV`` estimators.

Writes ``school.md`` (table and machine), ``school.png`` (bar chart) and
``school_task_correlation.png`` (the task correlation that
``TaskRelationshipRegressor`` learns on all rows, with its most chosen
parameters) to ``--output-dir``. ``--quick`` runs 2 splits with tiny grids (for the tests).
``--kernels`` adds the multi-task kernel models (``MultiTaskKernelRidge`` with an
RBF kernel, ``MultiTaskSVR`` with linear and RBF kernels, all with the
Evgeniou-Pontil task kernel): they factorize Gram matrices of all training
rows, minutes per split, so they write ``school_kernels.md`` and
``school_kernels.png`` instead.
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
from sklearn.linear_model import Ridge
from sklearn.metrics import explained_variance_score, r2_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    DEFAULT_OUTPUT_DIR,
    PerTaskRidge,
    machine_header,
    markdown_table,
    parse_choice,
    plot_task_correlation,
)

from skmtl import (  # noqa: E402
    ClusteredRegressor,
    DirtyRegressor,
    GraphRegularizedRegressor,
    GraphRegularizedRegressorCV,
    IndependentLassoRegressor,
    JointFeatureRegressor,
    JointFeatureRegressorCV,
    MeanRegularizedRegressor,
    MeanRegularizedRegressorCV,
    RobustLowRankRegressor,
    SharedParameterRegressor,
    SharedParameterRegressorCV,
    TaskRelationshipRegressor,
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

N_FOLDS = 3
N_FOLDS_QUICK = 2
TEST_SIZE = 0.25
#: Length of the path of the *CV estimators (and with --quick).
CV_ALPHAS = 20
CV_ALPHAS_QUICK = 4
CLUSTERED_GRID = {"alpha": [30.0, 100.0], "l2": [0.1, 0.3], "n_clusters": [3]}
CLUSTERED_GRID_QUICK = {"alpha": [10.0], "l2": [1.0], "n_clusters": [3]}
RELATIONSHIP = "TaskRelationshipRegressor"
per_task_explained_variance = task_averaged(explained_variance_score)


@dataclass
class Model:
    """One row of the benchmark: an estimator, its grid (None for a ``*CV`` estimator,
    which searches its own path), and whether it takes task labels."""

    name: str
    estimator: object
    grid: dict
    routed: bool
    scores: list = field(default_factory=list)
    task_scores: list = field(default_factory=list)
    times: list = field(default_factory=list)
    chosen: list = field(default_factory=list)
    n_convergence_warnings: int = 0
    n_fits: int = 0

    @property
    def n_candidates(self):
        if self.grid is None:
            return self.estimator.alphas
        return int(np.prod([len(values) for values in self.grid.values()]))


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
              grids["ridge"], True),
        Model("MultiTaskSVR (linear, epsilon=1)",
              MultiTaskSVR(kernel="linear", epsilon=1.0, task_similarity=0.9),
              grids["svr_linear"], True),
        Model("MultiTaskSVR (RBF, gamma=0.03, epsilon=1)",
              MultiTaskSVR(kernel="rbf", gamma=0.03, epsilon=1.0, task_similarity=0.9),
              grids["svr_rbf"], True),
    ]


def build_models(quick):
    """The models and their grids; ``quick``: two candidates per model."""
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
        "clustered": CLUSTERED_GRID,
        "relationship": {"alpha": [0.01, 0.03, 0.1, 0.3], "l2": [0.1, 1.0]},
    }
    if quick:
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
            "clustered": CLUSTERED_GRID_QUICK,
            "relationship": {"alpha": [0.03, 0.1]},
        }
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
        Model("ClusteredRegressor", ClusteredRegressor(random_state=0), grids["clustered"],
              True),
        Model(RELATIONSHIP, TaskRelationshipRegressor(), grids["relationship"], True),
    ] + [
        Model(cls.__name__, cls(alphas=CV_ALPHAS_QUICK if quick else CV_ALPHAS), None, True)
        for cls in (SharedParameterRegressorCV, MeanRegularizedRegressorCV,
                    GraphRegularizedRegressorCV, TraceNormRegressorCV, JointFeatureRegressorCV)
    ]


def pooled_explained_variance(y_true, y_pred):
    """``1 - SSE/SST`` over all rows, SST around the pooled mean (R² of the pooled rows)."""
    return float(r2_score(y_true, y_pred))


def searcher(model, cv, n_jobs):
    """The pipeline that chooses the regularization: GridSearchCV, or the *CV estimator."""
    if model.grid is None:
        estimator = clone(model.estimator).set_params(cv=cv, n_jobs=n_jobs)
        return Pipeline([("scale", StandardScaler()), ("model", estimator)])
    pipeline = Pipeline([("scale", StandardScaler()), ("model", clone(model.estimator))])
    return GridSearchCV(
        pipeline,
        {f"model__{name}": values for name, values in model.grid.items()},
        scoring=make_task_scorer("r2") if model.routed else "r2",
        cv=cv,
        n_jobs=n_jobs,
        refit=True,
    )


def chosen_parameters(search):
    if isinstance(search, Pipeline):
        chosen = search[-1]
        parameter = "alpha_task" if "alpha_shared" in chosen.get_params() else "alpha"
        return f"{parameter}={chosen.alpha_:.3g}"
    return ", ".join(f"{key.removeprefix('model__')}={value:g}"
                     for key, value in sorted(search.best_params_.items()))


def run_model(model, split_data, cv, n_jobs):
    """Choose the regularization on the training rows, refit, score on the test rows."""
    X_train, X_test, y_train, y_test, tasks_train, tasks_test = split_data
    search = searcher(model, cv, n_jobs)
    fit_params = {"tasks": tasks_train} if model.routed else {}
    predict_params = {"tasks": tasks_test} if model.routed else {}
    with warnings.catch_warnings(record=True) as caught:
        # Record (and report below) every warning, ConvergenceWarnings included.
        warnings.simplefilter("always")
        start = time.perf_counter()
        search.fit(X_train, y_train, **fit_params)
        elapsed = time.perf_counter() - start
        fitted = search if isinstance(search, Pipeline) else search.best_estimator_
        prediction = fitted.predict(X_test, **predict_params)
    for warning in caught:
        converge = issubclass(warning.category, ConvergenceWarning)
        model.n_convergence_warnings += converge
        # Every warning is shown, but a model's ConvergenceWarnings only once (then counted).
        if not converge or model.n_convergence_warnings == 1:
            tqdm.write(f"warning from {model.name}: {warning.category.__name__}: {warning.message}")
    model.scores.append(pooled_explained_variance(y_test, prediction))
    model.task_scores.append(per_task_explained_variance(y_test, prediction, tasks=tasks_test))
    model.times.append(elapsed)
    model.n_fits += model.n_candidates * len(cv) + 1
    model.chosen.append(chosen_parameters(search))


def format_grid(grid):
    if grid is None:
        return "its own path (`alphas`)"
    return "; ".join(f"{name} in {{{', '.join(f'{v:g}' for v in values)}}}"
                     for name, values in grid.items())


def mean_and_std(values):
    values = np.asarray(values)
    return f"{values.mean():.4f} ± {values.std(ddof=1) if values.size > 1 else 0.0:.4f}"


def write_outputs(models, args, n_folds, wall_time):
    output_dir = args.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    header = ["Model", "Explained variance, pooled (mean ± std)",
              "Explained variance, mean over schools (mean ± std)",
              "Fit time incl. search [s]", "Candidates", "Most chosen", "ConvergenceWarnings"]
    rows = []
    for model in models:
        choice, count = Counter(model.chosen).most_common(1)[0]
        rows.append([
            model.name,
            mean_and_std(model.scores),
            mean_and_std(model.task_scores),
            f"{np.mean(model.times):.2f}",
            str(model.n_candidates),
            f"{choice} ({count}/{len(model.chosen)})",
            f"{model.n_convergence_warnings} in {model.n_fits} fits",
        ])
    table = markdown_table(header, rows)

    lines = machine_header("School benchmark: held-out explained variance", "school.py")
    lines += [
        f"{args.splits} random splits (seeds {args.seed}..{args.seed + args.splits - 1}), "
        f"{int((1 - TEST_SIZE) * 100)}/{int(TEST_SIZE * 100)} within every school. "
        "Regularization chosen on the training rows only, by `GridSearchCV` "
        f"({n_folds} `WithinTaskKFold` folds: every school in every fold; task-aware R² "
        "scorer, metadata routing) or, for the `*CV` rows, by the estimator's own "
        "cross-validation on the same folds along a warm-started path of "
        f"{CV_ALPHAS_QUICK if args.quick else CV_ALPHAS} alphas from the top of the path; "
        "refit on all training rows; features standardized in the pipeline. "
        "Pooled explained variance = 1 − SSE/SST over all test rows (SST around the "
        "pooled test mean); mean over schools = the mean of each school's explained "
        "variance on its test rows. Fit time: the whole search (all candidates and "
        "folds, and the refit), mean over "
        f"splits, `n_jobs={args.n_jobs}`. Total wall time {wall_time:.0f} s.",
        "",
        *table,
        "",
        "Grids:",
        "",
    ]
    lines += [f"- {model.name}: {format_grid(model.grid)}" for model in models]
    lines += [""]
    stem = "school_kernels" if args.kernels else "school"
    (output_dir / f"{stem}.md").write_text("\n".join(lines), encoding="utf-8")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    means = [np.mean(model.scores) for model in models]
    stds = [np.std(model.scores, ddof=1) if len(model.scores) > 1 else 0.0 for model in models]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    positions = np.arange(len(models))[::-1]
    ax.barh(positions, means, xerr=stds, color="tab:blue", alpha=0.8, capsize=4)
    ax.set_yticks(positions, [model.name for model in models], fontsize=8)
    low = min(m - s for m, s in zip(means, stds, strict=True))
    high = max(m + s for m, s in zip(means, stds, strict=True))
    margin = 0.1 * max(high - low, 1e-3)
    ax.set_xlim(max(low - margin, 0.0), high + margin)
    ax.set_xlabel("held-out explained variance (mean ± std over splits; axis not from 0)")
    ax.set_title(f"School: {len(models[0].scores)} splits, 75/25 within each school")
    fig.tight_layout()
    fig.savefig(output_dir / f"{stem}.png", dpi=120)
    plt.close(fig)
    return table


def relationship_figure(models, X, y, tasks, path):
    """Fit TaskRelationshipRegressor on all rows with its most chosen parameters and draw
    the task correlation it learns."""
    model = next(model for model in models if model.name == RELATIONSHIP)
    parameters = parse_choice(Counter(model.chosen).most_common(1)[0][0])
    path.parent.mkdir(parents=True, exist_ok=True)
    fitted = Pipeline([("scale", StandardScaler()),
                       ("model", clone(model.estimator).set_params(**parameters))])
    fitted.fit(X, y, tasks=tasks)
    correlation = fitted[-1].task_correlation_
    described = ", ".join(f"{name}={value:g}" for name, value in parameters.items())
    plot_task_correlation(
        correlation, path,
        f"School: task correlation learned by\n{RELATIONSHIP} ({described}), all rows",
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--splits", type=int, default=None,
                        help="number of random splits (default 10, 2 with --quick)")
    parser.add_argument("--quick", action="store_true", help="2 splits and tiny grids")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first split")
    parser.add_argument("--n-jobs", type=int, default=1, help="n_jobs of GridSearchCV")
    parser.add_argument("--kernels", action="store_true",
                        help="add the multi-task kernel models (slow; writes school_kernels.*)")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    args = parser.parse_args(argv)
    if args.splits is None:
        args.splits = 2 if args.quick else 10
    if args.splits < 1:
        parser.error("--splits must be at least 1")

    n_folds = N_FOLDS_QUICK if args.quick else N_FOLDS
    sklearn.set_config(enable_metadata_routing=True)
    start = time.perf_counter()
    X, y, tasks = load_school(return_X_y=True)
    models = build_models(args.quick)
    if args.kernels:
        models += build_kernel_models(args.quick)
    with tqdm(total=args.splits * len(models), desc="school", unit="fit") as progress:
        for split in range(args.splits):
            seed = args.seed + split
            split_data = train_test_split_per_task(
                X, y, tasks=tasks, test_size=TEST_SIZE, random_state=seed
            )
            folds = WithinTaskKFold(n_folds, shuffle=True, random_state=seed)
            cv = list(folds.split(split_data[0], tasks=split_data[4]))
            for model in models:
                progress.set_postfix_str(f"split {split + 1}: {model.name.split(' (')[0]}")
                run_model(model, split_data, cv, args.n_jobs)
                progress.update()
    relationship_figure(models, X, y, tasks, args.output_dir / "school_task_correlation.png")
    wall_time = time.perf_counter() - start
    table = write_outputs(models, args, n_folds, wall_time)
    print("\n".join(table))
    print(f"Total wall time: {wall_time:.1f} s; written to {args.output_dir}")


if __name__ == "__main__":
    main()
