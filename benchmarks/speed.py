"""Solver speed at equal objective: skmtl against cvxpy and against scikit-learn.

(a) Each family on the School data (raw features, routed task labels): the
    default skmtl solver with ``tol=1e-8`` against ``solver='cvxpy'``
    (Clarabel at tight tolerances) on the same objective. Reported: both times,
    their ratio, both objectives (evaluated by
    ``skmtl.solvers.reference_cvxpy.objective_value``) and their relative
    difference; skmtl's objective must be at most cvxpy's times (1 + 1e-6).
(b) ``JointFeatureRegressor`` against scikit-learn's ``MultiTaskLasso`` on a
    shared design, n=2000, d=500, T=20, with a sparse shared support: the same
    objective ``||Y - XW' - 1b'||²/(2n) + alpha sum_j ||W[:, j]||``.
    ``MultiTaskLasso`` runs with its default ``tol``; skmtl with the loosest
    ``tol`` of a ladder (1e-4, 1e-5, ..., 1e-10) whose solution reaches an
    objective at most ``MultiTaskLasso``'s (up to 1e-12 relative, the rounding of
    the evaluation). Target ratio skmtl / scikit-learn: at most 1.0.
(c) The same with n=100000, d=100, T=20 (target ratio: at most 0.5), with the
    time of one Gram pass ``X.T @ X`` as the floor of any method that forms
    the Gram matrix. Where skglm is installed, its ``MultiTaskLasso`` (same
    objective, default tol) is timed in (b) and (c) as well.
(d) Each classifier family on the Landmine data (standardized features, routed
    task labels) against ``solver='cvxpy'``, as in (a), with the logistic loss.
    Target ratio skmtl / cvxpy: at most 0.01.
(e) ``MultiTaskKernelRidge`` (RBF) on a shared design: the eigen route (n×n and
    T×T eigendecompositions) against the Cholesky factorization of the
    (nT)×(nT) system, time and peak memory of each; at n=2000, T=50 the
    (nT)×(nT) matrix alone needs 80 GB, so only the eigen route runs there.
(f) A regularization path of 30 alphas (``regularization_path``, default tol)
    warm-started against 30 cold fits of the same grid, for the trace norm
    and L2,1 on School (raw and standardized features). Target ratio warm /
    cold: at most 0.3.
(g) The newer families (independent lasso, dirty, robust low rank, clustered,
    task relationships) as in (a), on the first 30 schools: on all 139 schools
    the nuclear-norm solves take minutes (see (a)) and the clustered one used
    more than 20 GiB of memory before it was stopped. Their classifiers are in
    (d).

With ``--device cuda`` the script instead times the array-API estimators on a
CUDA GPU (CuPy) against NumPy on the CPU in one run: the School families, a large
trace-norm problem (T=500, d=1000, N=10⁶ rows, float32 and float64) and the
shared-design L2,1 problem of (c), writing ``speed_gpu.md``. It needs CuPy
(``pip install -e ".[gpu]"``) and ``SCIPY_ARRAY_API=1`` in the environment.

Timings are the best of at least ``--repeats`` runs, more for short operations
until the runs add up to ``--min-time`` seconds (cvxpy once). Writes ``speed.md``
to ``--output-dir``. ``--quick`` uses a few schools and tiny designs (for the
tests).
"""

import argparse
import os
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import MultiTaskLasso
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DEFAULT_OUTPUT_DIR, machine_header, markdown_table  # noqa: E402
from _devices import HEADER as DEVICE_HEADER  # noqa: E402
from _devices import N_ROWS as DEVICE_ROWS  # noqa: E402
from _devices import device_description, device_rows  # noqa: E402

from skmtl import (  # noqa: E402
    ClusteredClassifier,
    ClusteredRegressor,
    DirtyClassifier,
    DirtyRegressor,
    GraphRegularizedClassifier,
    GraphRegularizedRegressor,
    IndependentLassoClassifier,
    IndependentLassoRegressor,
    JointFeatureClassifier,
    JointFeatureRegressor,
    MeanRegularizedClassifier,
    MeanRegularizedRegressor,
    RobustLowRankRegressor,
    SharedParameterClassifier,
    SharedParameterRegressor,
    TaskRelationshipClassifier,
    TaskRelationshipRegressor,
    TraceNormClassifier,
    TraceNormRegressor,
)
from skmtl.datasets import load_landmine, load_school, make_multitask_regression  # noqa: E402
from skmtl.kernel import MultiTaskKernelRidge  # noqa: E402
from skmtl.model_selection import alpha_grid, regularization_path  # noqa: E402
from skmtl.solvers.reference_cvxpy import objective_value  # noqa: E402

SKMTL_TOL = 1e-8
OBJECTIVE_SLACK = 1e-6
TOL_LADDER = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
ROUNDING = 1e-12

#: (family, estimator class, parameters) of part (a).
FAMILIES = (
    ("shared_parameter", SharedParameterRegressor, {"alpha_shared": 0.1, "alpha_task": 0.1}),
    ("mean", MeanRegularizedRegressor, {"alpha": 0.1}),
    ("graph", GraphRegularizedRegressor, {"alpha": 0.1}),
    ("trace", TraceNormRegressor, {"alpha": 0.1}),
    ("joint_feature", JointFeatureRegressor, {"alpha": 0.1}),
)
#: (family, estimator class, parameters) of part (g).
NEWER_FAMILIES = (
    ("lasso", IndependentLassoRegressor, {"alpha": 0.1}),
    ("dirty", DirtyRegressor, {"alpha_shared": 0.1, "alpha_task": 0.08}),
    ("robust", RobustLowRankRegressor, {"alpha_lowrank": 0.1, "alpha_outlier": 0.08}),
    ("clustered", ClusteredRegressor, {"alpha": 1.0, "l2": 0.1, "n_clusters": 3}),
    ("relationship", TaskRelationshipRegressor, {"alpha": 0.1, "l2": 0.01}),
)
#: Schools of part (g).
NEWER_SCHOOLS = 30
#: (family, estimator class, parameters) of part (d).
CLASSIFIERS = (
    ("shared_parameter", SharedParameterClassifier, {"alpha_shared": 0.01, "alpha_task": 0.1}),
    ("mean", MeanRegularizedClassifier, {"alpha": 0.1, "l2": 1e-3}),
    ("graph", GraphRegularizedClassifier, {"alpha": 0.01, "l2": 1e-3}),
    ("trace", TraceNormClassifier, {"alpha": 0.01}),
    ("joint_feature", JointFeatureClassifier, {"alpha": 0.01}),
    ("lasso", IndependentLassoClassifier, {"alpha": 0.01}),
    ("dirty", DirtyClassifier, {"alpha_shared": 0.01, "alpha_task": 0.008}),
    ("clustered", ClusteredClassifier, {"alpha": 0.1, "l2": 1e-3, "n_clusters": 2}),
    ("relationship", TaskRelationshipClassifier, {"alpha": 0.1, "l2": 1e-3}),
)
ALL_FAMILIES = tuple(dict.fromkeys(f for f, _, _ in FAMILIES + NEWER_FAMILIES + CLASSIFIERS))
CLASSIFIER_TARGET = 0.01
PATH_ALPHAS = 30
PATH_TARGET = 0.3
#: Largest (nT)² of the Cholesky route in part (e), in float64 entries (about 1 GB).
DIRECT_LIMIT = 1.3e8


@dataclass(frozen=True)
class Timing:
    """How often to repeat a timed operation: at least ``repeats`` times, and until
    the repeats add up to ``min_time`` seconds (at most ``max_repeats``); the best
    time is kept. Short operations on a shared machine need the extra repeats."""

    repeats: int = 3
    min_time: float = 1.0
    max_repeats: int = 100

    def more(self, done, spent):
        if done < self.repeats:
            return True
        return spent < self.min_time and done < self.max_repeats


def time_once(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def best_of(operation, timing):
    """Best wall time of repeated runs of ``operation``; returns (time, last result, repeats)."""
    best, spent, done, result = np.inf, 0.0, 0, None
    while timing.more(done, spent):
        elapsed, result = time_once(operation)
        best, spent, done = min(best, elapsed), spent + elapsed, done + 1
    return best, result, done


def timed_fit(estimator, X, y, timing, **fit_params):
    """Best wall time of fits of fresh clones; returns (time, last fitted, repeats)."""
    return best_of(lambda: clone(estimator).fit(X, y, **fit_params), timing)


def note_warnings(caught, where, notes):
    """Print every distinct warning once; keep the ConvergenceWarnings for the report."""
    seen = set()
    for warning in caught:
        text = f"{where}: {warning.category.__name__}: {warning.message}"
        if text in seen:
            continue
        seen.add(text)
        tqdm.write("warning from " + text)
        if issubclass(warning.category, ConvergenceWarning) and text not in notes:
            notes.append(text)


# --------------------------------------------------------------------------- #
# (a) School: skmtl against cvxpy
# --------------------------------------------------------------------------- #
def school_data(quick, n_schools=None):
    """School (raw features); ``quick``: 6 schools; else the first ``n_schools`` or all."""
    X, y, tasks = load_school(return_X_y=True)
    n_schools = 6 if quick else n_schools
    if n_schools is not None:
        keep = np.isin(tasks, np.unique(tasks)[:n_schools])
        X, y, tasks = X[keep], y[keep], tasks[keep]
    return X, y, tasks


def fitted_components(model):
    """The two parts of a split model's coefficients (dirty, robust), else None."""
    for first, second in (("joint_coef_", "task_coef_"), ("lowrank_coef_", "outlier_coef_")):
        if hasattr(model, first):
            return getattr(model, first), getattr(model, second)
    return None


def landmine_data(quick):
    X, y, tasks = load_landmine(return_X_y=True)
    if quick:
        keep = tasks < 4
        X, y, tasks = X[keep], y[keep], tasks[keep]
    return StandardScaler().fit_transform(X), y, tasks


def against_cvxpy(name, data, estimators, loss, quick, timing, families, progress, notes):
    """Each family's default solver (tol=SKMTL_TOL) against solver='cvxpy' on one data set."""
    X, y, tasks = data
    labels = y if loss == "squared" else np.where(y == 1, 1.0, -1.0)
    rows = []
    for family, cls, params in estimators:
        if family not in families:
            continue
        progress.set_postfix_str(f"{name} {family}")
        fast = cls(**params, tol=SKMTL_TOL)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fast_time, fast_fit, fast_repeats = timed_fit(fast, X, y, timing, tasks=tasks)
        note_warnings(caught, f"{cls.__name__} (skmtl)", notes)
        progress.update()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ref_time, ref_fit, _ = timed_fit(cls(**params, solver="cvxpy"), X, y, Timing(1, 0.0),
                                             tasks=tasks)
        note_warnings(caught, f"{cls.__name__} (cvxpy)", notes)
        progress.update()

        task_index = np.searchsorted(fast_fit.tasks_, tasks)
        n_tasks = len(fast_fit.tasks_)
        objectives = [
            objective_value(family, X, labels, task_index, n_tasks, model.coef_,
                            model.intercept_, params, loss=loss,
                            components=fitted_components(model))
            for model in (fast_fit, ref_fit)
        ]
        relative = (objectives[0] - objectives[1]) / abs(objectives[1])
        ok = objectives[0] <= objectives[1] * (1 + OBJECTIVE_SLACK)
        rows.append([
            f"{cls.__name__} ({', '.join(f'{k}={v:g}' for k, v in params.items())})",
            f"{fast_time:.3f} (best of {fast_repeats})",
            f"{fast_fit.n_iter_}",
            f"{fast_fit.certificate_:.1e}",
            f"{ref_time:.2f}",
            f"{fast_time / ref_time:.2g}",
            f"{objectives[0]:.10g}",
            f"{objectives[1]:.10g}",
            f"{relative:+.1e}",
            "yes" if ok else "**no**",
        ])
    header = ["Estimator", "skmtl [s]", "iterations", "certificate", "cvxpy [s]",
              "time ratio skmtl/cvxpy", "objective skmtl", "objective cvxpy",
              "relative difference", f"skmtl ≤ cvxpy·(1+{OBJECTIVE_SLACK:g})"]
    return (X.shape, int(np.unique(tasks).size)), markdown_table(header, rows)


# --------------------------------------------------------------------------- #
# (b), (c) shared design: JointFeatureRegressor against MultiTaskLasso
# --------------------------------------------------------------------------- #
def shared_design_objective(X, Y, coef, intercept, alpha):
    """``||Y - X W' - 1 b'||_F² / (2n) + alpha * sum_j ||W[:, j]||_2``."""
    residual = Y - X @ coef.T - intercept
    data = 0.5 * float(np.sum(residual * residual)) / X.shape[0]
    return data + alpha * float(np.sum(np.sqrt(np.sum(coef * coef, axis=0))))


def shared_design_problem(n, d, n_tasks, seed=0):
    """Sparse shared support of d // 10 features, noise 3; alpha = alpha_max / 10."""
    X, Y, _, _ = make_multitask_regression(
        n_tasks=n_tasks, n_features=d, n_samples=n, structure="sparse",
        n_informative=max(1, d // 10), noise=3.0, shared_design=True, random_state=seed,
    )
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    alpha_max = float(np.max(np.linalg.norm(Xc.T @ Yc, axis=1))) / n
    return X, Y, 0.1 * alpha_max


def against_multitask_lasso(label, n, d, n_tasks, target, timing, progress, notes):
    progress.set_postfix_str(f"{label}: n={n}, d={d}, T={n_tasks}")
    X, Y, alpha = shared_design_problem(n, d, n_tasks)
    sklearn_model = MultiTaskLasso(alpha=alpha)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sk_fit = clone(sklearn_model).fit(X, Y)
    note_warnings(caught, f"MultiTaskLasso ({label})", notes)
    sk_objective = shared_design_objective(X, Y, sk_fit.coef_, sk_fit.intercept_, alpha)
    progress.update()

    # The loosest tol whose solution is at least as good (untimed trial fits).
    chosen, reached = TOL_LADDER[-1], False
    for tol in TOL_LADDER:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            trial = JointFeatureRegressor(alpha=alpha, tol=tol).fit(X, Y)
        note_warnings(caught, f"JointFeatureRegressor ({label}, tol={tol:g})", notes)
        value = shared_design_objective(X, Y, trial.coef_, trial.intercept_, alpha)
        if value <= sk_objective + ROUNDING * abs(sk_objective):
            chosen, reached = tol, True
            break
    skmtl_model = JointFeatureRegressor(alpha=alpha, tol=chosen)
    progress.update()

    # Timed repeats interleave the three, so that a change of the machine's load
    # between them does not bias the ratios; the best of each is kept.
    operations = {
        "sklearn": lambda: clone(sklearn_model).fit(X, Y),
        "skmtl": lambda: clone(skmtl_model).fit(X, Y),
        "gram": lambda: X.T @ X,
    }
    skglm_model = skglm_multitask_lasso(alpha)
    if skglm_model is not None:
        clone(skglm_model).fit(X, Y)  # compiles its numba kernels outside the timings
        operations["skglm"] = lambda: clone(skglm_model).fit(X, Y)
    best = dict.fromkeys(operations, np.inf)
    spent = dict.fromkeys(operations, 0.0)
    results, done = {}, 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        while any(timing.more(done, spent[name]) for name in operations):
            for name, operation in operations.items():
                elapsed, results[name] = time_once(operation)
                best[name] = min(best[name], elapsed)
                spent[name] += elapsed
            done += 1
    sk_time, mtl_time, gram_time = best["sklearn"], best["skmtl"], best["gram"]
    sk_fit, mtl_fit = results["sklearn"], results["skmtl"]
    note_warnings(caught, f"timed fits ({label})", notes)
    mtl_objective = shared_design_objective(X, Y, mtl_fit.coef_, mtl_fit.intercept_, alpha)
    progress.update()
    ratio = mtl_time / sk_time
    return [
        f"({label}) n={n}, d={d}, T={n_tasks}, alpha={alpha:.4g}",
        str(done),
        f"{sk_time:.3f} ({sk_fit.n_iter_} it.)",
        f"{sk_objective:.12g}",
        f"{chosen:g}" + ("" if reached else " (not reached)"),
        f"{mtl_time:.3f} ({mtl_fit.n_iter_} it.)",
        f"{mtl_objective:.12g}",
        f"{int(mtl_fit.support_.sum())}/{int((np.abs(sk_fit.coef_).sum(axis=0) > 0).sum())}",
        f"**{ratio:.2f}**" + (
            "" if target is None
            else (" (target ≤ {:g}: {})".format(target, "met" if ratio <= target else "missed"))
        ),
        f"{gram_time:.3g} ({gram_time / sk_time:.2f})",
        skglm_cell(best, results, X, Y, alpha),
    ]


def skglm_multitask_lasso(alpha):
    """skglm's MultiTaskLasso (same objective, default tol) when skglm is installed."""
    try:
        from skglm import MultiTaskLasso as SkglmMultiTaskLasso
    except ImportError:
        return None
    return SkglmMultiTaskLasso(alpha=alpha)


def skglm_cell(best, results, X, Y, alpha):
    if "skglm" not in results:
        return "not installed"
    fitted = results["skglm"]
    objective = shared_design_objective(X, Y, fitted.coef_, fitted.intercept_, alpha)
    return (f"{best['skglm']:.3f}, objective {objective:.12g} "
            f"(skmtl/skglm **{best['skmtl'] / best['skglm']:.2f}**)")


# --------------------------------------------------------------------------- #
# (e) shared-design kernel ridge: eigen route against the (nT) x (nT) factorization
# --------------------------------------------------------------------------- #
def measured_fit(estimator, X, Y):
    """Wall time and peak traced memory (bytes) of one fit, and the fitted model."""
    tracemalloc.start()
    elapsed, fitted = time_once(lambda: clone(estimator).fit(X, Y))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, fitted


def kernel_ridge_routes(n, n_tasks, timing, progress):
    progress.set_postfix_str(f"kernel ridge n={n}, T={n_tasks}")
    X, Y, _, _ = make_multitask_regression(n_tasks=n_tasks, n_features=10, n_samples=n,
                                           shared_design=True, random_state=0)
    model = MultiTaskKernelRidge(alpha=0.1, kernel="rbf", gamma=0.1, task_similarity=0.5)
    eigen = model.set_params(solver="eigen")
    eigen_time, _, _ = timed_fit(eigen, X, Y, timing)
    _, eigen_memory, eigen_fit = measured_fit(eigen, X, Y)
    size = (n * n_tasks) ** 2
    row = [f"n={n}, T={n_tasks} (nT={n * n_tasks})", f"{eigen_time:.3f}",
           f"{eigen_memory / 2**20:.0f}"]
    if size > DIRECT_LIMIT:
        progress.update()
        return row + [f"not run: the (nT)² matrix alone is {8 * size / 2**30:.0f} GiB", "",
                      "", ""]
    direct = clone(model).set_params(solver="cholesky")
    direct_time, direct_memory, direct_fit = measured_fit(direct, X, Y)
    difference = float(np.max(np.abs(direct_fit.predict(X) - eigen_fit.predict(X))))
    progress.update()
    return row + [f"{direct_time:.3f}", f"{direct_memory / 2**20:.0f}",
                  f"**{direct_time / eigen_time:.0f}**", f"{difference:.1e}"]


# --------------------------------------------------------------------------- #
# (f) warm-started regularization path against cold fits
# --------------------------------------------------------------------------- #
def warm_path_against_cold(data, timing, progress):
    """Rows of part (f): both paths' best times, their ratio and their largest difference."""
    X_raw, y, tasks = data
    rows = []
    for features, X in (("raw", X_raw), ("standardized", StandardScaler().fit_transform(X_raw))):
        for cls in (TraceNormRegressor, JointFeatureRegressor):
            progress.set_postfix_str(f"path {cls.__name__} ({features})")
            grid = alpha_grid(cls(), X, y, tasks=tasks, n_alphas=PATH_ALPHAS)
            times, paths = {}, {}
            for warm in (True, False):
                path = partial(regularization_path, cls(), X, y, tasks=tasks, alphas=grid,
                               warm_start=warm)
                times[warm], paths[warm], _ = best_of(path, timing)
            difference = np.max(np.abs(paths[True].coefs - paths[False].coefs))
            ratio = times[True] / times[False]
            rows.append([
                f"{cls.__name__}, School {features}",
                f"{grid[0]:.3g} … {grid[-1]:.3g}",
                f"{times[True]:.2f} ({paths[True].n_iters.sum()} it.)",
                f"{times[False]:.2f} ({paths[False].n_iters.sum()} it.)",
                f"**{ratio:.2f}** (target ≤ {PATH_TARGET:g}: "
                f"{'met' if ratio <= PATH_TARGET else 'missed'})",
                f"{max(paths[True].certificates.max(), paths[False].certificates.max()):.1e}",
                f"{difference / max(np.abs(paths[False].coefs).max(), 1e-300):.1e}",
            ])
            progress.update()
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="few schools, tiny designs")
    parser.add_argument("--repeats", type=int, default=3,
                        help="least number of timed runs (the best is kept)")
    parser.add_argument("--min-time", type=float, default=None,
                        help="seconds the timed runs of an operation add up to at least "
                             "(default 1, 0 with --quick)")
    parser.add_argument("--families", nargs="+", default=list(ALL_FAMILIES),
                        choices=ALL_FAMILIES,
                        help="families of parts (a), (d) and (g) (default: all)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="cpu: parts (a)-(e); cuda: GPU (CuPy) against CPU, "
                             "written to speed_gpu.md")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.min_time is None:
        args.min_time = 0.0 if args.quick else 1.0
    if args.device == "cuda":
        if os.environ.get("SCIPY_ARRAY_API") != "1":
            parser.error("--device cuda needs SCIPY_ARRAY_API=1 in the environment")
        try:
            import cupy
        except ImportError:
            parser.error('--device cuda needs CuPy: pip install -e ".[gpu]"')
        gpu_against_cpu(cupy, cupy.cuda.Device(0), args)
        return
    timing = Timing(args.repeats, args.min_time)

    if args.quick:
        sizes = {"b": (300, 60, 5), "c": (3000, 20, 5)}
        kernel_sizes = [(40, 3), (60, 4)]
    else:
        sizes = {"b": (2000, 500, 20), "c": (100_000, 100, 20)}
        kernel_sizes = [(300, 10), (500, 10), (400, 25), (2000, 50)]
    # The targets apply to the full sizes only.
    targets = {"b": None, "c": None} if args.quick else {"b": 1.0, "c": 0.5}

    start = time.perf_counter()
    notes = []
    n_steps = 6 * len(args.families) + 3 * len(sizes) + len(kernel_sizes) + 4
    with tqdm(total=n_steps, desc="speed", unit="step") as progress:
        (school_shape, school_tasks), table_a = against_cvxpy(
            "School", school_data(args.quick), FAMILIES, "squared", args.quick, timing,
            args.families, progress, notes,
        )
        rows_bc = [
            against_multitask_lasso(label, *sizes[label], targets[label], timing,
                                    progress, notes)
            for label in ("b", "c")
        ]
        (landmine_shape, landmine_tasks), table_d = against_cvxpy(
            "Landmine", landmine_data(args.quick), CLASSIFIERS, "logistic", args.quick,
            timing, args.families, progress, notes,
        )
        rows_e = [kernel_ridge_routes(n, n_tasks, timing, progress)
                  for n, n_tasks in kernel_sizes]
        rows_f = warm_path_against_cold(school_data(args.quick), timing, progress)
        (newer_shape, newer_tasks), table_g = against_cvxpy(
            "School subset", school_data(args.quick, NEWER_SCHOOLS), NEWER_FAMILIES, "squared",
            args.quick, timing, args.families, progress, notes,
        )
    wall_time = time.perf_counter() - start
    header_bc = ["Problem", "timed runs", "MultiTaskLasso [s]", "objective MultiTaskLasso",
                 "skmtl tol", "JointFeatureRegressor [s]", "objective skmtl",
                 "support skmtl/sklearn", "time ratio skmtl/sklearn",
                 "Gram X'X [s] (ratio to sklearn)", "skglm MultiTaskLasso [s]"]
    table_bc = markdown_table(header_bc, rows_bc)

    lines = machine_header("Solver speed at equal objective", "speed.py",
                           extra_packages=("cvxpy", "clarabel"))
    lines += [
        f"Timings: wall clock of the whole `fit` (input validation and statistics "
        f"included), best of at least {args.repeats} runs, repeated until the runs of an "
        f"operation add up to {args.min_time:g} s (at most {timing.max_repeats} runs): "
        "other work on the machine only ever slows a run down, so the best approaches the "
        "time on an idle machine. cvxpy: one run. "
        f"Total wall time {wall_time:.0f} s.",
        "",
        f"## (a) School ({school_shape[0]} rows, {school_shape[1]} raw features, "
        f"{school_tasks} tasks, routed labels): skmtl default solver (tol={SKMTL_TOL:g}) "
        "against `solver='cvxpy'`",
        "",
        "Objectives evaluated by `skmtl.solvers.reference_cvxpy.objective_value`; relative "
        "difference = (skmtl − cvxpy) / cvxpy. The certificate is skmtl's `certificate_` "
        "(relative KKT residual or duality gap).",
        "",
        *table_a,
        "",
        "## (b), (c) `JointFeatureRegressor` against scikit-learn `MultiTaskLasso` on a shared "
        "design",
        "",
        "Generated data (`make_multitask_regression`, `structure='sparse'`, support of d/10 "
        "features shared by all tasks, noise 3), `alpha` = alpha_max / 10. Objective "
        "`||Y − XW' − 1b'||²/(2n) + alpha Σ_j ||W[:, j]||` evaluated with NumPy for both. "
        "`MultiTaskLasso` with its default `tol`; skmtl with the loosest `tol` of "
        f"{', '.join(f'{t:g}' for t in TOL_LADDER)} whose objective is at most "
        f"`MultiTaskLasso`'s (up to {ROUNDING:g} relative). The Gram pass `X.T @ X` is "
        "the floor of a method that forms the Gram matrix. The timed runs of the three "
        "operations are interleaved, so that a change of the machine's load between them "
        "does not bias the ratios.",
        "",
        *table_bc,
        "",
        f"## (d) Landmine ({landmine_shape[0]} rows, {landmine_shape[1]} standardized "
        f"features, {landmine_tasks} tasks, routed labels): skmtl classifiers "
        f"(tol={SKMTL_TOL:g}) against `solver='cvxpy'`",
        "",
        "Logistic loss, objectives evaluated by `objective_value(..., loss='logistic')`. "
        f"Target time ratio skmtl/cvxpy: at most {CLASSIFIER_TARGET:g}.",
        "",
        *table_d,
        "",
        "## (e) `MultiTaskKernelRidge` on a shared design: eigen route against the "
        "(nT)×(nT) Cholesky factorization",
        "",
        "RBF kernel (gamma=0.1), `task_kernel='mean'` (0.5), alpha=0.1, generated data with "
        "10 features. Eigen route: best time of the timed runs; Cholesky route: one run. "
        "Peak memory: the largest memory traced (`tracemalloc`) during one fit. Max |Δ|: "
        "the largest difference of the two routes' predictions on the training rows.",
        "",
        *markdown_table(["Problem", "eigen [s]", "eigen peak [MiB]", "Cholesky [s]",
                         "Cholesky peak [MiB]", "time ratio Cholesky/eigen", "max |Δ|"],
                        rows_e),
        "",
        f"## (f) Regularization path of {PATH_ALPHAS} alphas: warm starts against cold fits",
        "",
        "`regularization_path` on School (routed labels) over the grid of `alpha_grid` "
        f"({PATH_ALPHAS} alphas from alpha_max down to alpha_max/1000), default `tol` "
        "(1e-6), each fit warm-started from the previous one, against `warm_start=False` "
        "(every fit from W = 0). Best of the timed runs of each whole path. Largest "
        "certificate of all fits of both paths; largest coefficient difference between "
        "the two paths relative to the largest coefficient.",
        "",
        *markdown_table(["Problem", "alphas", "warm path [s]", "cold fits [s]",
                         "time ratio warm/cold", "largest certificate",
                         "max |Δcoef| / max |coef|"], rows_f),
        "",
        f"## (g) The newer families on a School subset ({newer_shape[0]} rows, "
        f"{newer_shape[1]} raw features, the first {newer_tasks} schools, routed labels): "
        f"skmtl default solver (tol={SKMTL_TOL:g}) against `solver='cvxpy'`",
        "",
        "As in (a). The dirty and robust objectives use the fitted split of each model; the "
        "clustered penalty is minimized over M by cvxpy for both; the relationship "
        "penalty is its minimum over Sigma, (alpha/2)‖W‖_*² + (l2/2)‖W‖_F².",
        "",
        *table_g,
        "",
    ]
    if notes:
        lines += ["Convergence warnings during the run:", ""]
        lines += [f"- {note}" for note in notes]
        lines += [""]
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "speed.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(table_a + [""] + table_bc + [""] + table_d + [""] + table_g))
    print("\n".join(markdown_table(["Problem", "eigen [s]", "eigen MiB", "Cholesky [s]",
                                     "Cholesky MiB", "ratio", "max |Δ|"], rows_e)))
    print("\n".join(markdown_table(["Problem", "alphas", "warm [s]", "cold [s]", "ratio",
                                     "certificate", "rel. diff"], rows_f)))
    print(f"Total wall time: {wall_time:.1f} s; written to {args.output_dir}")


def gpu_against_cpu(xp, device, args):
    """``--device cuda``: the array-API estimators on the GPU against NumPy on the CPU."""
    start = time.perf_counter()
    with tqdm(total=DEVICE_ROWS, desc="speed (device)", unit="fit") as progress:
        rows = device_rows(xp, device, args.quick, args.repeats, progress)
    wall_time = time.perf_counter() - start
    table = markdown_table(DEVICE_HEADER, rows)
    lines = machine_header("GPU against CPU", "speed.py", extra_packages=("cupy",))
    lines += [
        f"Device: {device_description(xp, device)}. The same estimator fitted on NumPy "
        "arrays (CPU) and on the device's arrays under "
        "`sklearn.config_context(array_api_dispatch=True)`; data moved to the device "
        "before the clock starts, the device synchronized before it stops. Best of "
        f"{args.repeats} fits (one for the large trace-norm problem). Total wall time "
        f"{wall_time:.0f} s.",
        "",
        *table,
        "",
    ]
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "speed_gpu.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(table))
    print(f"Total wall time: {wall_time:.1f} s; written to {args.output_dir}")


if __name__ == "__main__":
    main()
