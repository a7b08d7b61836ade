"""Fitting from dask arrays on a local cluster: time, throughput and memory per worker.

A ``dask.distributed.LocalCluster`` of ``--workers`` worker processes
(``--threads-per-worker`` threads and ``--memory-limit`` each) fits skmtl's
squared-loss regressors on generated data that no process ever holds whole
(default 10⁸ rows × 50 features × 1000 tasks, 40 GB of features, in chunks of
10⁶ rows). Every chunk is generated on a worker from its own seed
(``dask.array.random.default_rng(seed)``): standard normal features, uniform
task labels, and ``y = x·w_t + b_t + noise`` from per-task coefficients
``(T, d)`` made on the client (a shared mean on the first half of the features
plus rank-3 task deviations; the other features are irrelevant). ``fit`` on the
dask arrays computes the per-task statistics in one pass over the chunks
(``TaskStatistics.from_rows`` per chunk, merged in a tree) and solves locally.

Measured in one run, after an untimed warm-up fit on a few chunks:

(a) for each estimator: the wall time of ``fit``, the part of it spent solving
    (``fit_statistics`` on the merged statistics, timed alone), rows per second,
    and the peak resident set size of every worker during the fit (Linux
    ``VmHWM``, the high-water mark ``ru_maxrss`` reports, reset before each fit
    through ``/proc/self/clear_refs``; elsewhere the workers are restarted
    instead), against the bound "one chunk of X, y and labels + the statistics
    (T·d²·8 bytes)"; also the wall time of a pass that only generates the data;
(b) a throughput reference: on one in-memory chunk of the same size, with one
    BLAS thread, the time per row of the NumPy Gram pass ``X.T @ X`` and of
    ``TaskStatistics.from_rows`` on rows in random task order and grouped by
    task, and their ratios (target: at most 2 for grouped rows); the
    same ratio from the cluster's pass (fit minus solve minus the
    generation-only pass, per worker thread);
(c) correctness: the dask fit on the first ``--check-chunks`` chunks against the
    in-memory NumPy fit of the same rows (largest coefficient difference, at
    most 1e-8);
(d) classifiers (``--classifiers``: mean-regularized and L2,1) on the labels
    ``y > 0``: time, passes over the chunks (``n_passes_``), peak worker memory,
    and in (c) against the in-memory fit (at most 1e-7);
(e) ``MeanRegularizedRegressorCV`` (``--cv-alphas`` 20, ``--cv-folds`` 5 hashed
    folds) from one pass of per-fold statistics;
(f) ``GridSearchCV`` (``MeanRegularizedRegressor``, five alphas, 3
    ``WithinTaskKFold`` folds, task-aware R² scorer, metadata routing) on the
    School data, under joblib's dask backend on the cluster against joblib's
    default backend, both with ``n_jobs=-1``.

Writes ``scale.md`` to ``--output-dir`` (``scale_1e7.md`` for ``--rows 10000000``,
and so on for other row counts); ``--quick`` (2·10⁵ rows, 20 features,
50 tasks, chunks of 2·10⁴) writes ``scale_quick.md`` instead, so that it never
replaces the full report.
"""

import resource
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import dask
import dask.array as da
import joblib
import numpy as np
import sklearn
from dask.distributed import Client, LocalCluster
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402
    Timing,
    best_of,
    machine_header,
    make_parser,
    markdown_table,
    require_at_least_one,
)

from skmtl import (  # noqa: E402
    ClusteredRegressor,
    DirtyRegressor,
    GraphRegularizedRegressor,
    IndependentLassoRegressor,
    JointFeatureClassifier,
    JointFeatureRegressor,
    MeanRegularizedClassifier,
    MeanRegularizedRegressor,
    MeanRegularizedRegressorCV,
    RobustLowRankRegressor,
    SharedParameterRegressor,
    TaskRelationshipRegressor,
    TraceNormRegressor,
)
from skmtl.datasets import load_school  # noqa: E402
from skmtl.model_selection import WithinTaskKFold, make_task_scorer  # noqa: E402
from skmtl.statistics import TaskStatistics  # noqa: E402

#: name -> (estimator class, parameters); the first three run by default.
ESTIMATORS = {
    "mean": (MeanRegularizedRegressor, {"alpha": 1.0}),
    "trace": (TraceNormRegressor, {"alpha": 0.1}),
    "joint_feature": (JointFeatureRegressor, {"alpha": 0.1}),
    "shared_parameter": (SharedParameterRegressor, {"alpha_shared": 0.1, "alpha_task": 0.1}),
    "graph": (GraphRegularizedRegressor, {"alpha": 0.1}),
    "lasso": (IndependentLassoRegressor, {"alpha": 0.1}),
    "dirty": (DirtyRegressor, {"alpha_shared": 0.1, "alpha_task": 0.08}),
    "robust": (RobustLowRankRegressor, {"alpha_lowrank": 0.1, "alpha_outlier": 0.08}),
    "clustered": (ClusteredRegressor, {"alpha": 1.0, "l2": 0.1, "n_clusters": 3}),
    "relationship": (TaskRelationshipRegressor, {"alpha": 0.1, "l2": 0.01}),
}
DEFAULT_ESTIMATORS = ("mean", "trace", "joint_feature")
#: Classifiers fitted on the labels ``y > 0``: each solver step is a pass over the chunks.
CLASSIFIERS = {
    "mean": (MeanRegularizedClassifier, {"alpha": 1.0, "l2": 1e-3}),
    "joint_feature": (JointFeatureClassifier, {"alpha": 1e-3}),
}
CLASSIFIER_CHECK_TOLERANCE = 1e-7
CLASSIFIER_CHECK_SOLVER = {"tol": 1e-10, "max_iter": 10000}
#: Rank of the task deviations from the shared mean model.
DEVIATION_RANK = 3
NOISE = 1.0
#: Rows per block when a chunk's targets are computed (keeps the temporaries in cache).
RESPONSE_BLOCK = 4096
CHECK_TOLERANCE = 1e-8
#: Solver settings of the correctness check: both fits solved far below its tolerance,
#: so that their difference measures the statistics, not where two iterations stopped.
CHECK_SOLVER = {"tol": 1e-12, "max_iter": 100000}
THROUGHPUT_TARGET = 2.0
DEFAULT_ROWS = 10**8
GRID_ALPHAS = (1.0, 3.0, 10.0, 30.0, 100.0)
GRID_FOLDS = 3


@dataclass(frozen=True)
class Size:
    """Rows, features, tasks and rows per chunk of the generated data."""

    rows: int
    features: int
    tasks: int
    chunk_rows: int

    @property
    def n_chunks(self):
        return -(-self.rows // self.chunk_rows)

    @property
    def chunk_bytes(self):
        """One chunk of X (float64), y (float64) and the labels (int64)."""
        return self.chunk_rows * (self.features + 2) * 8

    @property
    def statistics_bytes(self):
        """The per-task Gram matrices, T·d² float64: the bulk of the statistics."""
        return self.tasks * self.features**2 * 8


# ------------------------------------------------------------------ data
def true_model(n_tasks, n_features, seed):
    """Per-task coefficients (T, d) and intercepts (T,): a shared mean on the first
    half of the features plus rank-``DEVIATION_RANK`` task deviations."""
    rng = np.random.default_rng(seed)
    informative = max(n_features // 2, 1)
    coef = np.zeros((n_tasks, n_features))
    shared = rng.standard_normal(informative)
    deviations = rng.standard_normal((n_tasks, DEVIATION_RANK)) @ rng.standard_normal(
        (DEVIATION_RANK, informative)) / np.sqrt(DEVIATION_RANK)
    coef[:, :informative] = shared + 0.5 * deviations
    return coef, rng.standard_normal(n_tasks)


def linear_response(X, tasks, noise, coef, intercept):
    """``y_i = x_i·w_{t(i)} + b_{t(i)} + noise_i`` for the rows of one chunk."""
    y = intercept[tasks] + noise
    for start in range(0, X.shape[0], RESPONSE_BLOCK):
        rows = slice(start, start + RESPONSE_BLOCK)
        y[rows] += np.einsum("ij,ij->i", X[rows], coef[tasks[rows]])
    return y


def lazy_data(size, coef, intercept, seed):
    """Dask arrays X (N, d), y (N,) and task labels (N,); every chunk from its own seed."""
    rng = da.random.default_rng(seed)
    X = rng.standard_normal(size=(size.rows, size.features),
                            chunks=(size.chunk_rows, size.features))
    tasks = rng.integers(0, size.tasks, size=size.rows, chunks=size.chunk_rows)
    noise = NOISE * rng.standard_normal(size=size.rows, chunks=size.chunk_rows)
    # The coefficients enter the graph once, as a single block every chunk depends on.
    coef = da.from_array(coef, chunks=coef.shape)
    intercept = da.from_array(intercept, chunks=intercept.shape)
    y = da.blockwise(linear_response, "i", X, "ij", tasks, "i", noise, "i", coef, "tj",
                     intercept, "t", concatenate=True, dtype=np.float64)
    return X, y, tasks


# ------------------------------------------------------- worker memory
def _worker_memory():
    """(current, peak) resident set size of this process in bytes: Linux ``VmRSS`` and
    ``VmHWM``, else (None, ``ru_maxrss``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            fields = dict(line.split(":", 1) for line in fh if line.startswith("Vm"))
        return (int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024)
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return None, peak if sys.platform == "darwin" else peak * 1024


def _reset_peak():
    """Reset this process's peak RSS to its current RSS (Linux); whether it worked."""
    # Load what a fit imports first, so that the imports are not counted as the fit's memory.
    import skmtl.linear_model  # noqa: F401
    import skmtl.statistics  # noqa: F401

    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


class WorkerPeak:
    """Peak RSS of every worker process while the block runs.

    Before the block every worker resets its high-water mark (or, where it cannot,
    the workers are restarted); after it, each reports its peak and the RSS it
    had at the start.
    """

    def __init__(self, client):
        self.client = client

    def __enter__(self):
        reset = self.client.run(_reset_peak)
        if not all(reset.values()):
            self.client.restart()
            self.client.run(_reset_peak)
        self.start = self.client.run(_worker_memory)
        return self

    def __exit__(self, *exc_info):
        end = self.client.run(_worker_memory)
        self.workers = [
            {"address": address, "start": self.start.get(address, (None, None))[0],
             "peak": peak}
            for address, (_, peak) in sorted(end.items())
        ]
        return False

    @property
    def largest_peak(self):
        return max(worker["peak"] for worker in self.workers)

    @property
    def largest_growth(self):
        """Largest peak minus that worker's RSS at the start (None where unknown)."""
        growth = [worker["peak"] - worker["start"] for worker in self.workers
                  if worker["start"] is not None]
        return max(growth) if growth else None


def worker_blas(client):
    """The workers' BLAS thread counts (the same on every worker: one entry)."""
    def describe():
        from threadpoolctl import threadpool_info

        return ", ".join(sorted({f"{info['internal_api']} ({info['num_threads']} thread(s))"
                                 for info in threadpool_info() if info["user_api"] == "blas"}))

    return ", ".join(sorted(set(client.run(describe).values()))) or "unknown"


# ---------------------------------------------------------- measurements
def best_time(operation, repeats):
    """Best wall time of ``repeats`` runs of ``operation()``, and its last result."""
    return best_of(operation, Timing(repeats, min_time=0.0))[:2]


def warm_up(X, y, tasks, size, cores):
    """An untimed fit on a few chunks: the workers load skmtl and dask's code paths."""
    rows = min(2 * cores * size.chunk_rows, size.rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MeanRegularizedRegressor().fit(X[:rows], y[:rows], tasks=tasks[:rows])


def generation_pass(X, y, tasks, client):
    """Wall time of a pass that generates every chunk and reduces it trivially."""
    with WorkerPeak(client) as memory:
        start = time.perf_counter()
        dask.compute(X.sum(axis=0), y.sum(), tasks.max())
        seconds = time.perf_counter() - start
    return seconds, memory


def fit_on_cluster(name, X, y, tasks, client, notes):
    """Fit one estimator on the dask arrays; time the fit and its local solve."""
    cls, params = ESTIMATORS[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        with WorkerPeak(client) as memory:
            start = time.perf_counter()
            model = cls(**params).fit(X, y, tasks=tasks)
            fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        clone(model).fit_statistics(model.statistics_)
        solve_seconds = time.perf_counter() - start
    _note(caught, cls.__name__, notes)
    return {"name": name, "class": cls.__name__, "params": params, "model": model,
            "fit": fit_seconds, "solve": solve_seconds, "memory": memory}


def classify_on_cluster(name, X, labels, tasks, client, notes):
    """Fit one classifier on the dask arrays: time, passes over the chunks, memory."""
    cls, params = CLASSIFIERS[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        with WorkerPeak(client) as memory:
            start = time.perf_counter()
            model = cls(**params).fit(X, labels, tasks=tasks)
            seconds = time.perf_counter() - start
    _note(caught, cls.__name__, notes)
    return {"class": cls.__name__, "params": params, "model": model, "fit": seconds,
            "memory": memory}


def search_on_cluster(X, y, tasks, client, args, notes):
    """``MeanRegularizedRegressorCV`` on the dask arrays: one pass of fold statistics."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        with WorkerPeak(client) as memory:
            start = time.perf_counter()
            model = MeanRegularizedRegressorCV(alphas=args.cv_alphas, cv=args.cv_folds).fit(
                X, y, tasks=tasks)
            seconds = time.perf_counter() - start
    _note(caught, "MeanRegularizedRegressorCV", notes)
    return {"class": "MeanRegularizedRegressorCV", "model": model, "fit": seconds,
            "memory": memory}


def _note(caught, name, notes):
    for warning in caught:
        text = f"{name}: {warning.message}"
        if text not in notes:
            notes.append(text)
            tqdm.write("warning from " + text)


def throughput_reference(size, seed, repeats):
    """One in-memory chunk, one BLAS thread: seconds per row of ``X.T @ X`` and of
    ``TaskStatistics.from_rows``, on rows in random task order and grouped by task."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((size.chunk_rows, size.features))
    tasks = rng.integers(0, size.tasks, size=size.chunk_rows)
    y = rng.standard_normal(size.chunk_rows)
    order = np.argsort(tasks, kind="stable")
    X_grouped, y_grouped, tasks_grouped = X[order], y[order], tasks[order]
    with threadpool_limits(limits=1):
        gram, _ = best_time(lambda: X.T @ X, repeats)
        statistics, _ = best_time(lambda: TaskStatistics.from_rows(X, y, tasks), repeats)
        grouped, _ = best_time(
            lambda: TaskStatistics.from_rows(X_grouped, y_grouped, tasks_grouped), repeats)
    return {"gram": gram / size.chunk_rows, "statistics": statistics / size.chunk_rows,
            "grouped": grouped / size.chunk_rows}


def check_slice(names, classifiers, X, y, tasks, size, n_chunks):
    """The dask fit on the first ``n_chunks`` chunks against the NumPy fit of the same rows."""
    rows = min(n_chunks * size.chunk_rows, size.rows)
    X_part, y_part, tasks_part = X[:rows], y[:rows], tasks[:rows]
    X_np, y_np, tasks_np = dask.compute(X_part, y_part, tasks_part)
    checks = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name in names:
            cls, params = ESTIMATORS[name]
            on_dask = cls(**params, **CHECK_SOLVER).fit(X_part, y_part, tasks=tasks_part)
            in_memory = cls(**params, **CHECK_SOLVER).fit(X_np, y_np, tasks=tasks_np)
            coef = float(np.abs(on_dask.coef_ - in_memory.coef_).max())
            intercept = float(np.abs(on_dask.intercept_ - in_memory.intercept_).max())
            checks.append({"class": cls.__name__, "rows": rows, "coef": coef,
                           "intercept": intercept,
                           "scale": float(np.abs(in_memory.coef_).max()),
                           "tolerance": CHECK_TOLERANCE,
                           "ok": max(coef, intercept) <= CHECK_TOLERANCE})
        for name in classifiers:
            cls, params = CLASSIFIERS[name]
            on_dask = cls(**params, **CLASSIFIER_CHECK_SOLVER).fit(X_part, y_part > 0,
                                                                    tasks=tasks_part)
            in_memory = cls(**params, **CLASSIFIER_CHECK_SOLVER).fit(X_np, y_np > 0,
                                                                      tasks=tasks_np)
            coef = float(np.abs(on_dask.coef_ - in_memory.coef_).max())
            intercept = float(np.abs(on_dask.intercept_ - in_memory.intercept_).max())
            checks.append({"class": cls.__name__, "rows": rows, "coef": coef,
                           "intercept": intercept,
                           "scale": float(np.abs(in_memory.coef_).max()),
                           "tolerance": CLASSIFIER_CHECK_TOLERANCE,
                           "ok": max(coef, intercept) <= CLASSIFIER_CHECK_TOLERANCE})
    return checks


def grid_search_comparison(repeats):
    """The same School grid search under joblib's dask backend and its default one."""
    X, y, tasks = load_school(return_X_y=True)
    results = {}
    with sklearn.config_context(enable_metadata_routing=True):
        def search():
            grid = GridSearchCV(
                make_pipeline(StandardScaler(), MeanRegularizedRegressor()),
                {"meanregularizedregressor__alpha": list(GRID_ALPHAS)},
                scoring=make_task_scorer("r2"),
                cv=WithinTaskKFold(GRID_FOLDS, shuffle=True, random_state=0),
                n_jobs=-1,
            )
            return grid.fit(X, y, tasks=tasks)

        for backend in ("dask", "default"):
            if backend == "dask":
                with joblib.parallel_backend("dask"):
                    seconds, fitted = best_time(search, repeats)
            else:
                seconds, fitted = best_time(search, repeats)
            results[backend] = {
                "seconds": seconds,
                "alpha": fitted.best_params_["meanregularizedregressor__alpha"],
                "score": fitted.best_score_,
            }
    return {"shape": X.shape, "n_tasks": np.unique(tasks).size, "results": results}


# -------------------------------------------------------------- report
def gib(n_bytes):
    return "n/a" if n_bytes is None else f"{n_bytes / 2**30:.2f}"


def fit_rows(size, fits, cores):
    header = ["Estimator", "fit [s]", "solve [s]", "rows/s", "rows/s per worker thread",
              "peak RSS, largest worker [GiB]", "peak − start RSS [GiB]",
              "(peak − start) / bound", "n_iter_"]
    bound = size.chunk_bytes + size.statistics_bytes
    rows = []
    for fit in fits:
        growth = fit["memory"].largest_growth
        rows.append([
            f"{fit['class']}({', '.join(f'{k}={v:g}' for k, v in fit['params'].items())})",
            f"{fit['fit']:.2f}", f"{fit['solve']:.3f}",
            f"{size.rows / fit['fit']:.3g}", f"{size.rows / fit['fit'] / cores:.3g}",
            gib(fit["memory"].largest_peak), gib(growth),
            "n/a" if growth is None else f"{growth / bound:.2f}",
            str(int(fit["model"].n_iter_)),
        ])
    return markdown_table(header, rows)


def classifier_rows(size, fits, cores):
    header = ["Estimator", "fit [s]", "passes (`n_passes_`)", "`n_iter_`", "rows/s",
              "rows/s per worker thread", "peak RSS, largest worker [GiB]",
              "peak − start RSS [GiB]"]
    rows = []
    for fit in fits:
        rows.append([
            f"{fit['class']}({', '.join(f'{k}={v:g}' for k, v in fit['params'].items())})",
            f"{fit['fit']:.2f}", str(int(fit["model"].n_passes_)),
            str(int(fit["model"].n_iter_)), f"{size.rows / fit['fit']:.3g}",
            f"{size.rows / fit['fit'] / cores:.3g}", gib(fit["memory"].largest_peak),
            gib(fit["memory"].largest_growth),
        ])
    return markdown_table(header, rows)


def search_rows(search, args):
    model = search["model"]
    header = ["Estimator", "alphas", "folds", "fit [s]", "passes", "`alpha_`",
              "best CV R²", "peak RSS, largest worker [GiB]", "peak − start RSS [GiB]"]
    rows = [[search["class"], str(args.cv_alphas), str(args.cv_folds), f"{search['fit']:.2f}",
             "1", f"{model.alpha_:.4g}", f"{model.best_score_:.4f}",
             gib(search["memory"].largest_peak), gib(search["memory"].largest_growth)]]
    return markdown_table(header, rows)


def throughput_lines(size, reference, fits, generation_seconds, cores):
    """The per-core comparison with the NumPy Gram pass: in memory, and from the cluster."""
    ratio = reference["statistics"] / reference["gram"]
    grouped = reference["grouped"] / reference["gram"]
    verdict = "met" if grouped <= THROUGHPUT_TARGET else "**missed**"
    lines = [
        f"One in-memory chunk ({size.chunk_rows:,} rows × {size.features} features, "
        f"{size.tasks} tasks), one BLAS thread, best of the runs: `X.T @ X` "
        f"{reference['gram'] * 1e9:.1f} ns/row; `TaskStatistics.from_rows` on rows in "
        f"random task order {reference['statistics'] * 1e9:.1f} ns/row (ratio {ratio:.2f}), "
        f"on the same rows grouped by task {reference['grouped'] * 1e9:.1f} ns/row (ratio "
        f"{grouped:.2f}; target ≤ {THROUGHPUT_TARGET:g} for grouped rows: {verdict}).",
        "",
    ]
    rows = []
    for fit in fits:
        statistics_seconds = fit["fit"] - fit["solve"] - generation_seconds
        if statistics_seconds <= 0:
            rows.append([fit["class"], f"{statistics_seconds:.2f}", "n/a", "n/a"])
            continue
        per_row = statistics_seconds * cores / size.rows
        rows.append([fit["class"], f"{statistics_seconds:.2f}", f"{per_row * 1e9:.1f}",
                     f"{per_row / reference['gram']:.2f}"])
    lines += [
        f"From the cluster: fit − solve − generation-only pass ({generation_seconds:.2f} s), "
        f"times {cores} worker thread(s), per row; the ratio to the in-memory `X.T @ X` per "
        "row. It includes the scheduling and the transfers of the statistics, and the "
        "difference of two timings: a rough figure.",
        "",
        *markdown_table(["Estimator", "statistics part [s]", "ns/row per worker thread",
                         "/ `X.T @ X` per row"], rows),
    ]
    return lines


def check_lines(checks):
    header = ["Estimator", "rows", "largest Δ coef_", "largest Δ intercept_", "largest coef_",
              "tolerance", "within"]
    rows = [[c["class"], f"{c['rows']:,}", f"{c['coef']:.2e}", f"{c['intercept']:.2e}",
             f"{c['scale']:.3g}", f"{c['tolerance']:g}", "yes" if c["ok"] else "**no**"]
            for c in checks]
    return markdown_table(header, rows)


def grid_lines(grid):
    rows = [[backend, f"{r['seconds']:.2f}", f"{r['alpha']:g}", f"{r['score']:.4f}"]
            for backend, r in grid["results"].items()]
    ratio = grid["results"]["dask"]["seconds"] / grid["results"]["default"]["seconds"]
    return [*markdown_table(["joblib backend", "search [s]", "best alpha", "best CV R²"], rows),
            "", f"dask / default: {ratio:.2f}."]


def write_report(args, size, cluster_lines, generation, fits, classifiers, search, reference,
                 checks, grid, notes, wall_time):
    cores = args.workers * args.threads_per_worker
    params = "quick" if args.quick else "full"
    stem = report_stem(args)
    lines = machine_header("Fitting from dask arrays on a local cluster", "scale.py",
                           extra_packages=("dask", "distributed"))
    generation_seconds, generation_memory = generation
    lines += [
        f"Run: {params}; total wall time {wall_time:.0f} s.",
        "",
        "## Setup",
        "",
        *cluster_lines,
        f"- Data: {size.rows:,} rows × {size.features} features, {size.tasks} tasks, "
        f"{size.n_chunks} chunks of {size.chunk_rows:,} rows, generated on the workers "
        f"(`dask.array.random.default_rng({args.seed})`): standard normal features, uniform "
        "task labels, `y = x·w_t + b_t + noise` (noise sd "
        f"{NOISE:g}; `w_t` a shared mean on the first half of the features plus rank-"
        f"{DEVIATION_RANK} task deviations). Features alone: "
        f"{size.rows * size.features * 8 / 2**30:.2f} GiB.",
        f"- Memory bound per worker: one chunk of X, y and labels "
        f"({size.chunk_bytes / 2**20:.1f} MiB) + the statistics T·d²·8 "
        f"({size.statistics_bytes / 2**20:.1f} MiB) = "
        f"{(size.chunk_bytes + size.statistics_bytes) / 2**20:.1f} MiB.",
        "- Peak memory: the peak resident set size of every worker process during the "
        "operation (Linux `VmHWM`, what `ru_maxrss` reports, reset to the current RSS "
        "before it through `/proc/self/clear_refs`; read on the workers with "
        "`client.run`); the largest over the workers, and the largest peak minus the "
        "worker's RSS when the operation started (its interpreter, libraries and "
        "anything dask still held).",
        "",
        "## Fits on the dask arrays",
        "",
        f"`fit(X, y, tasks=tasks)` on the dask arrays, one run each, after an untimed "
        "warm-up fit on the first two chunks per worker thread: one pass over the "
        "chunks (generation included) and the local solve. *solve*: `fit_statistics` on "
        "the merged statistics alone. A pass that only generates the chunks (and sums "
        f"them) took {generation_seconds:.2f} s, peak RSS "
        f"{gib(generation_memory.largest_peak)} GiB, peak − start "
        f"{gib(generation_memory.largest_growth)} GiB.",
        "",
        *fit_rows(size, fits, cores),
        "",
        "## Classifiers on the dask arrays",
        "",
        "`fit(X, y > 0, tasks=tasks)`, one run each: a pass that totals the tasks and "
        "classes, then every solver step a pass over the chunks (value, gradient and "
        "per-task Hessian blocks at one point, summed in a tree; the duality gap of the "
        "current point in the pass of the next trial point) and the step solved locally. "
        "Each chunk's loss stays on its worker between passes when all of them fit in a "
        "quarter of the workers' memory; otherwise every pass generates each chunk again.",
        "",
        *classifier_rows(size, classifiers, cores),
        "",
        "## Cross-validation on the dask arrays",
        "",
        f"`MeanRegularizedRegressorCV(alphas={args.cv_alphas}, cv={args.cv_folds})`: one "
        "pass forms the statistics of every hashed fold; each fold's training statistics "
        "are all rows' minus the fold's and its held-out R² a quadratic form in the fold's "
        "statistics, so the path, the scores and the refit run locally.",
        "",
        *search_rows(search, args),
        "",
        "## Throughput against the NumPy Gram pass (per core)",
        "",
        *throughput_lines(size, reference, fits, generation_seconds, cores),
        "",
        f"## Correctness: dask fit against the in-memory fit, first {args.check_chunks} "
        "chunk(s)",
        "",
        f"Both fits with `tol={CHECK_SOLVER['tol']:g}`.",
        "",
        *check_lines(checks),
        "",
        "## GridSearchCV under joblib's dask backend",
        "",
        f"School ({grid['shape'][0]:,} rows, {grid['shape'][1]} features, {grid['n_tasks']} "
        f"schools): `StandardScaler` → `MeanRegularizedRegressor`, alphas "
        f"{', '.join(f'{a:g}' for a in GRID_ALPHAS)}, {GRID_FOLDS} `WithinTaskKFold` folds "
        "(shuffled, seed 0), `make_task_scorer(\"r2\")`, metadata routing, `n_jobs=-1`, "
        f"best of {args.repeats} run(s). *dask*: inside `joblib.parallel_backend(\"dask\")` "
        "with the cluster's client; *default*: joblib's default backend (loky) on this "
        "machine.",
        "",
        *grid_lines(grid),
        "",
    ]
    if notes:
        lines += ["Convergence warnings during the run:", "", *[f"- {n}" for n in notes], ""]
    path = args.output_dir / f"{stem}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def report_stem(args):
    """``scale`` at the default 10⁸ rows, ``scale_1e7`` etc. at other row counts, and
    ``scale_quick`` for ``--quick``: a run at one size never replaces another's report."""
    if args.quick:
        return "scale_quick"
    if args.rows == DEFAULT_ROWS:
        return "scale"
    return "scale_" + f"{args.rows:.0e}".replace("e+0", "e").replace("e+", "e")


# ---------------------------------------------------------------- main
def parse_args(argv):
    parser = make_parser(__doc__, "2·10⁵ rows, 20 features, 50 tasks, chunks of 2·10⁴ "
                                  "(writes scale_quick.md)")
    parser.add_argument("--rows", type=int, default=None, help="rows (default 10⁸)")
    parser.add_argument("--features", type=int, default=None, help="features (default 50)")
    parser.add_argument("--tasks", type=int, default=None, help="tasks (default 1000)")
    parser.add_argument("--chunk-rows", type=int, default=None,
                        help="rows per chunk (default 10⁶)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--threads-per-worker", type=int, default=1,
                        help="threads per worker (default 1)")
    parser.add_argument("--memory-limit", default="4GiB",
                        help="memory limit per worker (default 4GiB)")
    parser.add_argument("--estimators", nargs="+", default=list(DEFAULT_ESTIMATORS),
                        choices=[*ESTIMATORS, "all"],
                        help=f"estimators to fit (default {' '.join(DEFAULT_ESTIMATORS)})")
    parser.add_argument("--classifiers", nargs="*", default=list(CLASSIFIERS),
                        choices=list(CLASSIFIERS),
                        help="classifiers to fit (default: all; none: skip)")
    parser.add_argument("--cv-alphas", type=int, default=20,
                        help="alphas of the cross-validated search (default 20)")
    parser.add_argument("--cv-folds", type=int, default=5,
                        help="folds of the cross-validated search (default 5)")
    parser.add_argument("--check-chunks", type=int, default=2,
                        help="chunks of the correctness check (default 2)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs of the in-memory reference and of each grid search, "
                             "best kept (default 3, 1 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    defaults = (2 * 10**5, 20, 50, 2 * 10**4) if args.quick else (DEFAULT_ROWS, 50, 1000, 10**6)
    for name, default in zip(("rows", "features", "tasks", "chunk_rows"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if "all" in args.estimators:
        args.estimators = list(ESTIMATORS)
    args.estimators = list(dict.fromkeys(args.estimators))
    require_at_least_one(parser, args, "rows", "features", "tasks", "chunk_rows", "workers",
                         "threads_per_worker", "check_chunks", "repeats", "cv_alphas")
    if args.cv_folds < 2:
        parser.error("--cv-folds must be at least 2")
    return args


def main(argv=None):
    args = parse_args(argv)
    size = Size(args.rows, args.features, args.tasks, args.chunk_rows)
    cores = args.workers * args.threads_per_worker
    notes = []
    start_all = time.perf_counter()
    coef, intercept = true_model(size.tasks, size.features, args.seed)
    X, y, tasks = lazy_data(size, coef, intercept, args.seed)
    steps = 4 + len(args.estimators) + len(args.classifiers)
    with LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                      processes=True, memory_limit=args.memory_limit,
                      dashboard_address=None) as cluster, Client(cluster) as client, \
            tqdm(total=steps, desc="scale", unit="step") as progress:
        cluster_lines = [
            f"- Cluster: `LocalCluster(n_workers={args.workers}, "
            f"threads_per_worker={args.threads_per_worker}, processes=True, "
            f"memory_limit={args.memory_limit!r})`, one `Client`; worker BLAS: "
            f"{worker_blas(client)}.",
        ]
        progress.set_postfix_str("warm-up")
        warm_up(X, y, tasks, size, cores)
        progress.set_postfix_str("generation-only pass")
        generation = generation_pass(X, y, tasks, client)
        progress.update()
        fits = []
        for name in args.estimators:
            progress.set_postfix_str(f"fit {ESTIMATORS[name][0].__name__}")
            fits.append(fit_on_cluster(name, X, y, tasks, client, notes))
            progress.update()
        classifiers = []
        for name in args.classifiers:
            progress.set_postfix_str(f"fit {CLASSIFIERS[name][0].__name__}")
            classifiers.append(classify_on_cluster(name, X, y > 0, tasks, client, notes))
            progress.update()
        progress.set_postfix_str("MeanRegularizedRegressorCV")
        search = search_on_cluster(X, y, tasks, client, args, notes)
        progress.update()
        progress.set_postfix_str("correctness check")
        checks = check_slice(args.estimators, args.classifiers, X, y, tasks, size,
                             args.check_chunks)
        progress.update()
        progress.set_postfix_str("grid search")
        grid = grid_search_comparison(args.repeats)
        progress.update()
    # The reference runs after the cluster is gone, on an otherwise idle machine.
    reference = throughput_reference(size, args.seed, args.repeats)
    wall_time = time.perf_counter() - start_all

    args.output_dir.mkdir(parents=True, exist_ok=True)
    path = write_report(args, size, cluster_lines, generation, fits, classifiers, search,
                        reference, checks, grid, notes, wall_time)
    for lines in (fit_rows(size, fits, cores), classifier_rows(size, classifiers, cores),
                  search_rows(search, args),
                  throughput_lines(size, reference, fits, generation[0], cores),
                  check_lines(checks), grid_lines(grid)):
        print("\n".join(lines), end="\n\n")
    print(f"Total wall time: {wall_time:.1f} s; written to {path}")
    if not all(check["ok"] for check in checks):
        raise SystemExit("A dask fit differs from the in-memory fit by more than its "
                         "tolerance.")


if __name__ == "__main__":
    main()
