"""Solver speed at equal objective: skmtl against cvxpy and against scikit-learn.

(a) Each family on the School data (raw features, routed task labels): the
    default skmtl solver with ``tol=1e-8`` against ``solver='cvxpy'``
    (Clarabel at tight tolerances) on the same objective. Reported: both times,
    their ratio, both objectives (evaluated by
    ``skmtl.solvers.reference_cvxpy.objective_value``) and their relative
    difference; skmtl's objective must be at most cvxpy's times (1 + 1e-6).
    Target ratio skmtl / cvxpy for the L2,1, independent lasso and split models
    (dirty, robust low rank, robust feature, sparse + low rank): at most 0.01.
    Iterations of the coordinate-descent solver are epochs over its working sets.
(b) ``JointFeatureRegressor`` (default solver: coordinate descent) against
    scikit-learn's ``MultiTaskLasso`` and, where importable, celer's
    ``MultiTaskLasso``, skglm's ``MultiTaskLasso`` and adelie's multigaussian
    group lasso on a shared design with a sparse shared support, n=2000, d=500,
    T=20 and n=500, d=5000, T=10: the same objective
    ``||Y - XW' - 1b'||²/(2n) + alpha sum_j ||W[:, j]||``, evaluated by one NumPy
    function for all. ``MultiTaskLasso`` runs with its default ``tol``; skmtl and
    the peers with the loosest ``tol`` of a ladder (1e-4, 1e-5, ..., 1e-12) whose
    solution reaches an objective at most ``MultiTaskLasso``'s (up to 1e-12
    relative, the rounding of the evaluation). Target ratio skmtl / scikit-learn:
    at most 0.5.
(c) The same with n=100000, d=100, T=20 (target ratio: at most 0.5), with the
    time of one Gram pass ``X.T @ X`` as the floor of any method that forms
    the Gram matrix.
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
    cold: at most 0.3. Then the L2,1 path of 100 alphas (alpha_max down to
    alpha_max/1000) on School (raw features) against one cold fit at its
    smallest alpha, at tol 1e-6 and 1e-8. Target ratio path / cold fit: at
    most 5.
(g) The newer families (independent lasso, dirty, robust low rank, robust
    feature, sparse + low rank, clustered, shared subspace, task relationships,
    temporal group lasso, fused sparse group lasso) as in (a), on the first 30
    schools: on all 139 schools the nuclear-norm solves
    take minutes (see (a)) and the clustered one used more than 20 GiB of memory
    before it was stopped. Their classifiers are in (d).

With ``--device cuda`` the script instead times the array-API estimators on a
CUDA GPU (CuPy) against NumPy on the CPU in one run: the School families, a large
trace-norm problem (T=500, d=1000, N=10⁶ rows, float32 and float64) and the
shared-design L2,1 problem of (c), writing ``speed_gpu.md``. It needs CuPy
(``pip install -e ".[gpu]"``) and ``SCIPY_ARRAY_API=1`` in the environment.

Timings are the best of at least ``--repeats`` runs, more for short operations
until the runs add up to ``--min-time`` seconds (cvxpy once). Writes ``speed.md``
to ``--output-dir``; ``--sections`` runs some of the parts and writes
``speed_partial.md`` instead. ``--quick`` uses a few schools and tiny designs (for
the tests).
"""

import os
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.linear_model import MultiTaskLasso
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _devices import HEADER as DEVICE_HEADER  # noqa: E402
from _devices import N_ROWS as DEVICE_ROWS  # noqa: E402
from _devices import device_description, device_rows  # noqa: E402
from _harness import (  # noqa: E402
    Timing,
    add_timing_arguments,
    best_of,
    interleaved_best,
    machine_header,
    make_parser,
    markdown_table,
    note_warnings,
    require_at_least_one,
    resolve_min_time,
    time_once,
    timed_fit,
    write_lines,
)

from skmtl import (  # noqa: E402
    ClusteredClassifier,
    ClusteredRegressor,
    DirtyClassifier,
    DirtyRegressor,
    FusedSparseGroupLassoClassifier,
    FusedSparseGroupLassoRegressor,
    GraphRegularizedClassifier,
    GraphRegularizedRegressor,
    IndependentLassoClassifier,
    IndependentLassoRegressor,
    JointFeatureClassifier,
    JointFeatureRegressor,
    MeanRegularizedClassifier,
    MeanRegularizedRegressor,
    RobustFeatureClassifier,
    RobustFeatureRegressor,
    RobustLowRankRegressor,
    SharedParameterClassifier,
    SharedParameterRegressor,
    SharedSubspaceClassifier,
    SharedSubspaceRegressor,
    SparseLowRankClassifier,
    SparseLowRankRegressor,
    TaskRelationshipClassifier,
    TaskRelationshipRegressor,
    TemporalGroupLassoClassifier,
    TemporalGroupLassoRegressor,
    TraceNormClassifier,
    TraceNormRegressor,
)
from skmtl.datasets import load_landmine, load_school, make_multitask_regression  # noqa: E402
from skmtl.kernel import MultiTaskKernelRidge  # noqa: E402
from skmtl.model_selection import alpha_grid, regularization_path  # noqa: E402
from skmtl.solvers.reference_cvxpy import objective_value  # noqa: E402

SKMTL_TOL = 1e-8
OBJECTIVE_SLACK = 1e-6
TOL_LADDER = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12)
ROUNDING = 1e-12

#: (family, estimator class, parameters) of part (a).
FAMILIES = (
    ("shared_parameter", SharedParameterRegressor, {"alpha_shared": 0.1, "alpha_task": 0.1}),
    ("mean", MeanRegularizedRegressor, {"alpha": 0.1}),
    ("graph", GraphRegularizedRegressor, {"alpha": 0.1}),
    ("trace", TraceNormRegressor, {"alpha": 0.1}),
    ("joint_feature", JointFeatureRegressor, {"alpha": 0.1}),
    ("lasso", IndependentLassoRegressor, {"alpha": 0.1}),
    ("dirty", DirtyRegressor, {"alpha_shared": 0.1, "alpha_task": 0.08}),
)
#: (family, estimator class, parameters) of part (g).
NEWER_FAMILIES = (
    ("lasso", IndependentLassoRegressor, {"alpha": 0.1}),
    ("dirty", DirtyRegressor, {"alpha_shared": 0.1, "alpha_task": 0.08}),
    ("robust", RobustLowRankRegressor, {"alpha_lowrank": 0.1, "alpha_outlier": 0.08}),
    ("robust_feature", RobustFeatureRegressor, {"alpha_shared": 0.1, "alpha_outlier": 0.05}),
    ("sparse_low_rank", SparseLowRankRegressor, {"alpha_sparse": 0.05, "alpha_lowrank": 0.1}),
    ("clustered", ClusteredRegressor, {"alpha": 1.0, "l2": 0.1, "n_clusters": 3}),
    ("shared_subspace", SharedSubspaceRegressor, {"alpha": 1.0, "l2": 0.1, "n_components": 3}),
    ("relationship", TaskRelationshipRegressor, {"alpha": 0.1, "l2": 0.01}),
    ("temporal", TemporalGroupLassoRegressor, {"alpha": 0.1, "alpha_smooth": 0.1}),
    ("fused_sparse_group", FusedSparseGroupLassoRegressor,
     {"alpha_lasso": 0.02, "alpha_fused": 0.02, "alpha_group": 0.1}),
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
    ("robust_feature", RobustFeatureClassifier, {"alpha_shared": 0.03, "alpha_outlier": 0.02}),
    ("sparse_low_rank", SparseLowRankClassifier, {"alpha_sparse": 0.02, "alpha_lowrank": 0.1}),
    ("clustered", ClusteredClassifier, {"alpha": 0.1, "l2": 1e-3, "n_clusters": 2}),
    ("shared_subspace", SharedSubspaceClassifier,
     {"alpha": 0.1, "l2": 1e-3, "n_components": 2}),
    ("relationship", TaskRelationshipClassifier, {"alpha": 0.1, "l2": 1e-3}),
    ("temporal", TemporalGroupLassoClassifier, {"alpha": 0.01, "alpha_smooth": 0.01}),
    ("fused_sparse_group", FusedSparseGroupLassoClassifier,
     {"alpha_lasso": 0.002, "alpha_fused": 0.002, "alpha_group": 0.01}),
)
ALL_FAMILIES = tuple(dict.fromkeys(f for f, _, _ in FAMILIES + NEWER_FAMILIES + CLASSIFIERS))
CLASSIFIER_TARGET = 0.01
#: Regressors whose time must be at most this fraction of cvxpy's on School, in (a) and (g).
CVXPY_TARGET = 0.01
CVXPY_TARGET_ESTIMATORS = (JointFeatureRegressor, IndependentLassoRegressor, DirtyRegressor,
                           RobustLowRankRegressor, RobustFeatureRegressor,
                           SparseLowRankRegressor, TemporalGroupLassoRegressor,
                           FusedSparseGroupLassoRegressor)
PATH_ALPHAS = 30
PATH_TARGET = 0.3
#: The long L2,1 path of part (f): its alphas, and its target time in cold fits at the
#: smallest alpha.
LONG_PATH_ALPHAS = 100
LONG_PATH_TARGET = 5.0
LONG_PATH_TOLS = (1e-6, 1e-8)
#: Shared-design problems of parts (b) and (c): (part, n, d, T), full and --quick.
SHARED_DESIGNS = (("b", 2000, 500, 20), ("b", 500, 5000, 10), ("c", 100_000, 100, 20))
QUICK_SHARED_DESIGNS = (("b", 300, 60, 5), ("b", 50, 2500, 3), ("c", 3000, 20, 5))
SHARED_TARGET = 0.5
SECTIONS = ("a", "b", "c", "d", "e", "f", "g")
PEERS = ("celer", "skglm", "adelie")
#: Largest (nT)² of the Cholesky route in part (e), in float64 entries (about 1 GB).
DIRECT_LIMIT = 1.3e8


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
    """The two parts of a split model's coefficients, else None."""
    names = getattr(model, "_component_names", None)
    return None if names is None else tuple(getattr(model, name) for name in names)


def landmine_data(quick):
    X, y, tasks = load_landmine(return_X_y=True)
    if quick:
        keep = tasks < 4
        X, y, tasks = X[keep], y[keep], tasks[keep]
    return StandardScaler().fit_transform(X), y, tasks


def iterations_cell(model):
    """``n_iter_``, named epochs where the default solver is coordinate descent (a regressor
    whose ``solver='auto'`` is ``'cd'`` on NumPy): passes over the working sets."""
    options = model._parameter_constraints["solver"][0].options
    if is_regressor(model) and "cd" in options and model.solver == "auto":
        return f"{model.n_iter_} epochs (cd)"
    return f"{model.n_iter_}"


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
        ratio = fast_time / ref_time
        rows.append([
            f"{cls.__name__} ({', '.join(f'{k}={v:g}' for k, v in params.items())})",
            f"{fast_time:.3f} (best of {fast_repeats})",
            iterations_cell(fast_fit),
            f"{fast_fit.certificate_:.1e}",
            f"{ref_time:.2f}",
            f"{ratio:.2g}" + (
                f" (target ≤ {CVXPY_TARGET:g}: {'met' if ratio <= CVXPY_TARGET else 'missed'})"
                if cls in CVXPY_TARGET_ESTIMATORS and not quick else ""
            ),
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


@dataclass(frozen=True)
class Solution:
    """What a solver of parts (b) and (c) returns: W (T, d), b (T,), its iteration count."""

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: object = None


@dataclass(frozen=True)
class Solver:
    """One solver of parts (b) and (c): ``make(tol)`` is a function of (X, Y) returning a
    :class:`Solution`; ``tol`` None is the solver's default. ``missing`` says why a peer
    is not run (not importable)."""

    name: str
    make: object = None
    missing: str = ""


def sklearn_solver(alpha):
    def make(tol):
        model = MultiTaskLasso(alpha=alpha) if tol is None else MultiTaskLasso(alpha=alpha, tol=tol)

        def fit(X, Y):
            fitted = clone(model).fit(X, Y)
            return Solution(fitted.coef_, fitted.intercept_, fitted.n_iter_)

        return fit

    return Solver("scikit-learn `MultiTaskLasso`", make)


def skmtl_solver(alpha):
    def make(tol):
        model = JointFeatureRegressor(alpha=alpha, tol=tol)

        def fit(X, Y):
            fitted = clone(model).fit(X, Y)
            return Solution(fitted.coef_, fitted.intercept_, f"{fitted.n_iter_} epochs")

        return fit

    return Solver("skmtl `JointFeatureRegressor`, solver='auto' (cd)", make)


def celer_solver(alpha, n_tasks):
    """celer's MultiTaskLasso: its estimator where its ``fit`` runs, else the same steps.

    celer 0.7.4's ``fit`` calls ``self._validate_data``, which scikit-learn removed in
    1.6; it then centres X and Y (``fit_intercept``) and calls ``mtl_path`` at one
    alpha, which is what the fallback does.
    """
    try:
        import celer
        from celer import MultiTaskLasso as CelerMultiTaskLasso
        from celer.homotopy import mtl_path
    except ImportError:
        return Solver("celer `MultiTaskLasso`", missing="not importable: skipped")
    version = getattr(celer, "__version__", "?")
    default = CelerMultiTaskLasso(alpha=alpha)
    if hasattr(default, "_validate_data"):
        def make(tol):
            model = default if tol is None else clone(default).set_params(tol=tol)

            def fit(X, Y):
                fitted = clone(model).fit(X, Y)
                return Solution(fitted.coef_, fitted.intercept_)

            return fit

        return Solver(f"celer {version} `MultiTaskLasso`", make)

    def make(tol):
        tol = default.tol if tol is None else tol

        def fit(X, Y):
            x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
            _, coefs, _ = mtl_path(
                np.asfortranarray(X - x_mean), np.asfortranarray(Y - y_mean), alphas=[alpha],
                max_iter=default.max_iter, max_epochs=default.max_epochs, p0=default.p0,
                tol=tol, prune=default.prune,
            )
            coef = coefs[..., 0]
            return Solution(coef, y_mean - coef @ x_mean)

        return fit

    return Solver(f"celer {version} `mtl_path` (the steps of `MultiTaskLasso.fit`)", make)


def skglm_solver(alpha):
    try:
        import skglm
        from skglm import MultiTaskLasso as SkglmMultiTaskLasso
    except ImportError:
        return Solver("skglm `MultiTaskLasso`", missing="not importable: skipped")

    def make(tol):
        model = (SkglmMultiTaskLasso(alpha=alpha) if tol is None
                 else SkglmMultiTaskLasso(alpha=alpha, tol=tol))

        def fit(X, Y):
            fitted = clone(model).fit(X, Y)
            return Solution(fitted.coef_, fitted.intercept_, getattr(fitted, "n_iter_", None))

        return fit

    return Solver(f"skglm {getattr(skglm, '__version__', '?')} `MultiTaskLasso`", make)


def adelie_solver(alpha, n_tasks):
    """adelie's group lasso with the multigaussian loss at one lambda, scaled to match.

    adelie minimizes ``(1/K) sum_i w_i (||eta_i||²/2 - <y_i, eta_i>)`` (weights 1/n, K
    responses; up to a constant ``||Y - eta||²/(2nK)``) plus ``lambda sum_j p_j
    ||W[:, j]||`` (penalty factors ``p_j``, sqrt(K) by default) with unpenalized
    intercepts: K times it is the objective of (b) with ``p_j = 1`` and ``lambda =
    alpha / K``.
    """
    try:
        import adelie
    except ImportError:
        return Solver("adelie `grpnet` (multigaussian)", missing=(
            "not importable: skipped (adelie requires numpy < 2, so it is not in the "
            "`bench` extra)"))

    def make(tol):
        options = {} if tol is None else {"tol": tol}

        def fit(X, Y):
            n_features = X.shape[1]
            state = adelie.grpnet(
                np.asfortranarray(X), adelie.glm.multigaussian(np.asarray(Y, dtype=float)),
                penalty=np.ones(n_features), lmda_path=np.array([alpha / n_tasks]),
                early_exit=False, progress_bar=False, **options,
            )
            coef = state.betas[-1].toarray().reshape(n_features, n_tasks).T
            return Solution(coef, np.asarray(state.intercepts[-1]))

        return fit

    return Solver(f"adelie {getattr(adelie, '__version__', '?')} `grpnet` (multigaussian)",
                  make)


def loosest_tol(make, X, Y, alpha, goal, where, notes):
    """The loosest tol of TOL_LADDER whose solution's objective is at most ``goal`` (up to
    ROUNDING relative), by untimed trial fits; (tol, reached, objective of that fit)."""
    for tol in TOL_LADDER:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            trial = make(tol)(X, Y)
        note_warnings(caught, f"{where}, tol={tol:g}", notes)
        value = shared_design_objective(X, Y, trial.coef, trial.intercept, alpha)
        if value <= goal + ROUNDING * abs(goal):
            return tol, True, value
    return TOL_LADDER[-1], False, value


def support_size(coef):
    return int(np.count_nonzero(np.any(coef != 0, axis=0)))


def against_multitask_lasso(label, n, d, n_tasks, target, timing, progress, notes):
    """Parts (b), (c): skmtl and the peers, each at the loosest tol of the ladder reaching
    scikit-learn's objective, timed interleaved. Returns (summary row, detail rows)."""
    problem = f"({label}) n={n}, d={d}, T={n_tasks}"
    progress.set_postfix_str(problem)
    X, Y, alpha = shared_design_problem(n, d, n_tasks)
    solvers = {
        "sklearn": sklearn_solver(alpha),
        "skmtl": skmtl_solver(alpha),
        "celer": celer_solver(alpha, n_tasks),
        "skglm": skglm_solver(alpha),
        "adelie": adelie_solver(alpha, n_tasks),
    }

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reference = solvers["sklearn"].make(None)(X, Y)
    note_warnings(caught, f"MultiTaskLasso ({problem})", notes)
    goal = shared_design_objective(X, Y, reference.coef, reference.intercept, alpha)
    progress.update()

    # Every other solver at the loosest tol reaching scikit-learn's objective (untimed
    # trial fits, which also compile what numba compiles).
    operations = {"sklearn": partial(solvers["sklearn"].make(None), X, Y)}
    chosen = {"sklearn": ("default", True)}
    for name, solver in solvers.items():
        if name == "sklearn" or solver.missing:
            continue
        progress.set_postfix_str(f"{problem}: tol of {name}")
        try:
            tol, reached, _ = loosest_tol(solver.make, X, Y, alpha, goal,
                                          f"{name} ({problem})", notes)
        except Exception as error:  # a peer's failure must not stop the benchmark
            if name == "skmtl":
                raise
            message = f"{type(error).__name__}: {error}".splitlines()[0][:200].replace("|", "/")
            tqdm.write(f"{solver.name} failed on {problem}: {message}")
            solvers[name] = Solver(solver.name, missing=f"failed: skipped ({message})")
            continue
        chosen[name] = (f"{tol:g}", reached)
        operations[name] = partial(solver.make(tol), X, Y)
    operations["gram"] = lambda: X.T @ X
    progress.update()

    progress.set_postfix_str(f"{problem}: timed runs")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        best, results, runs = interleaved_best(operations, timing)
    note_warnings(caught, f"timed fits ({problem})", notes)
    progress.update()

    def ratio_cell(name, target=None):
        if name not in best:
            return solvers[name].missing.split(":")[0]
        ratio = best["skmtl"] / best[name]
        text = f"**{ratio:.2f}**"
        if target is not None:
            text += f" (target ≤ {target:g}: {'met' if ratio <= target else 'missed'})"
        if not chosen[name][1]:
            text += " (its objective not reached)"
        return text

    details = []
    for name, solver in solvers.items():
        if solver.missing:
            details.append([problem, solver.name, solver.missing, "", "", "", "", "", ""])
            continue
        fitted = results[name]
        value = shared_design_objective(X, Y, fitted.coef, fitted.intercept, alpha)
        tol, reached = chosen[name]
        details.append([
            problem,
            solver.name,
            tol + ("" if reached else " (not reached)"),
            f"{best[name]:.3f}",
            str(runs[name]),
            "" if fitted.n_iter is None else str(fitted.n_iter),
            f"{value:.12g}",
            f"{(value - goal) / abs(goal):+.1e}",
            str(support_size(fitted.coef)),
        ])
    summary = [
        f"{problem}, alpha={alpha:.4g}",
        chosen["skmtl"][0] + ("" if chosen["skmtl"][1] else " (not reached)"),
        f"{best['skmtl']:.3f}",
        f"{best['sklearn']:.3f}",
        ratio_cell("sklearn", target),
        ratio_cell("celer"),
        ratio_cell("skglm"),
        ratio_cell("adelie"),
        f"{best['gram']:.3g} ({best['gram'] / best['sklearn']:.2f})",
    ]
    return summary, details


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
            unit = "epochs" if cls is JointFeatureRegressor else "it."
            rows.append([
                f"{cls.__name__}, School {features}",
                f"{grid[0]:.3g} … {grid[-1]:.3g}",
                f"{times[True]:.2f} ({paths[True].n_iters.sum()} {unit})",
                f"{times[False]:.2f} ({paths[False].n_iters.sum()} {unit})",
                f"**{ratio:.2f}** (target ≤ {PATH_TARGET:g}: "
                f"{'met' if ratio <= PATH_TARGET else 'missed'})",
                f"{max(paths[True].certificates.max(), paths[False].certificates.max()):.1e}",
                f"{difference / max(np.abs(paths[False].coefs).max(), 1e-300):.1e}",
            ])
            progress.update()
    return rows


def long_path_against_cold_fit(data, quick, timing, progress):
    """Part (f), second table: the L2,1 path of LONG_PATH_ALPHAS alphas (alpha_max down to
    alpha_max/1000) against one cold fit at its smallest alpha, at each LONG_PATH_TOLS."""
    X, y, tasks = data
    n_alphas = 10 if quick else LONG_PATH_ALPHAS
    rows = []
    for tol in LONG_PATH_TOLS:
        progress.set_postfix_str(f"long path, tol={tol:g}")
        estimator = JointFeatureRegressor(tol=tol)
        smallest = alpha_grid(estimator, X, y, tasks=tasks, n_alphas=n_alphas)[-1]
        cold = clone(estimator).set_params(alpha=smallest)
        operations = {
            "path": partial(regularization_path, estimator, X, y, tasks=tasks, alphas=n_alphas),
            "cold": lambda cold=cold: clone(cold).fit(X, y, tasks=tasks),
        }
        best, results, _ = interleaved_best(operations, timing)
        path, fitted = results["path"], results["cold"]
        ratio = best["path"] / best["cold"]
        target = "" if quick else (
            f" (target ≤ {LONG_PATH_TARGET:g}: "
            f"{'met' if ratio <= LONG_PATH_TARGET else 'missed'})")
        difference = np.max(np.abs(path.coefs[-1] - fitted.coef_))
        rows.append([
            "JointFeatureRegressor, School raw",
            f"{n_alphas}: {path.alphas[0]:.3g} … {path.alphas[-1]:.3g}",
            f"{tol:g}",
            f"{best['path']:.2f} ({path.n_iters.sum()} epochs)",
            f"{best['cold']:.3f} ({fitted.n_iter_} epochs)",
            f"**{ratio:.1f}**{target}",
            f"{max(path.certificates.max(), fitted.certificate_):.1e}",
            f"{difference / max(np.abs(fitted.coef_).max(), 1e-300):.1e}",
        ])
        progress.update()
    return rows


def main(argv=None):
    parser = make_parser(__doc__, "few schools, tiny designs")
    add_timing_arguments(parser, min_time=1.0)
    parser.add_argument("--families", nargs="+", default=list(ALL_FAMILIES),
                        choices=ALL_FAMILIES,
                        help="families of parts (a), (d) and (g) (default: all)")
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS,
                        help="parts to run (default: all); a partial run writes "
                             "speed_partial.md, never speed.md")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="cpu: parts (a)-(g); cuda: GPU (CuPy) against CPU, "
                             "written to speed_gpu.md")
    args = parser.parse_args(argv)
    require_at_least_one(parser, args, "repeats")
    resolve_min_time(args, 1.0)
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
    sections = [section for section in SECTIONS if section in args.sections]

    designs = [problem for problem in (QUICK_SHARED_DESIGNS if args.quick else SHARED_DESIGNS)
               if problem[0] in sections]
    kernel_sizes = [(40, 3), (60, 4)] if args.quick else [(300, 10), (500, 10), (400, 25),
                                                          (2000, 50)]
    # The targets apply to the full sizes only.
    target = None if args.quick else SHARED_TARGET

    def n_fits(estimators):
        return 2 * sum(family in args.families for family, _, _ in estimators)

    n_steps = {
        "a": n_fits(FAMILIES), "d": n_fits(CLASSIFIERS), "g": n_fits(NEWER_FAMILIES),
        "e": len(kernel_sizes), "f": 4 + len(LONG_PATH_TOLS),
    }
    n_steps = sum(n_steps.get(section, 0) for section in sections) + 3 * len(designs)
    start = time.perf_counter()
    notes = []
    lines, printed = [], []
    with tqdm(total=n_steps, desc="speed", unit="step") as progress:
        if "a" in sections:
            (shape, n_tasks), table = against_cvxpy(
                "School", school_data(args.quick), FAMILIES, "squared", args.quick, timing,
                args.families, progress, notes,
            )
            lines += section_a(shape, n_tasks, table)
            printed += table + [""]
        if designs:
            shared = [against_multitask_lasso(label, n, d, n_tasks, target, timing, progress,
                                              notes)
                      for label, n, d, n_tasks in designs]
            summary = markdown_table(SHARED_SUMMARY_HEADER, [row for row, _ in shared])
            details = markdown_table(SHARED_DETAIL_HEADER,
                                     [row for _, rows in shared for row in rows])
            lines += section_bc(summary, details, target)
            printed += summary + [""] + details + [""]
        if "d" in sections:
            (shape, n_tasks), table = against_cvxpy(
                "Landmine", landmine_data(args.quick), CLASSIFIERS, "logistic", args.quick,
                timing, args.families, progress, notes,
            )
            lines += section_d(shape, n_tasks, table)
            printed += table + [""]
        if "e" in sections:
            table = markdown_table(KERNEL_HEADER,
                                   [kernel_ridge_routes(n, n_tasks, timing, progress)
                                    for n, n_tasks in kernel_sizes])
            lines += section_e(table)
            printed += table + [""]
        if "f" in sections:
            table = markdown_table(PATH_HEADER, warm_path_against_cold(
                school_data(args.quick), timing, progress))
            long_table = markdown_table(LONG_PATH_HEADER, long_path_against_cold_fit(
                school_data(args.quick), args.quick, timing, progress))
            lines += section_f(table, long_table, args.quick)
            printed += table + [""] + long_table + [""]
        if "g" in sections:
            (shape, n_tasks), table = against_cvxpy(
                "School subset", school_data(args.quick, NEWER_SCHOOLS), NEWER_FAMILIES,
                "squared", args.quick, timing, args.families, progress, notes,
            )
            lines += section_g(shape, n_tasks, table)
            printed += table + [""]
    wall_time = time.perf_counter() - start
    partial_run = len(sections) < len(SECTIONS)
    lines = machine_header("Solver speed at equal objective", "speed.py",
                           extra_packages=("cvxpy", "clarabel", *PEERS)) + [
        f"Timings: wall clock of the whole `fit` (input validation and statistics "
        f"included), best of at least {args.repeats} runs, repeated until the runs of an "
        f"operation add up to {args.min_time:g} s (at most {timing.max_repeats} runs): "
        "other work on the machine only ever slows a run down, so the best approaches the "
        "time on an idle machine. cvxpy: one run. "
        + (f"Parts run: {', '.join(f'({s})' for s in sections)}. " if partial_run else "")
        + f"Total wall time {wall_time:.0f} s.",
        "",
        *lines,
    ]
    if notes:
        lines += ["Convergence warnings during the run:", ""]
        lines += [f"- {note}" for note in notes]
        lines += [""]
    name = "speed_partial.md" if partial_run else "speed.md"
    write_lines(args.output_dir / name, lines)
    print("\n".join(printed))
    print(f"Total wall time: {wall_time:.1f} s; {name} written to {args.output_dir}")


SHARED_SUMMARY_HEADER = [
    "Problem", "skmtl tol", "skmtl [s]", "MultiTaskLasso [s]", "time ratio skmtl/sklearn",
    "skmtl/celer", "skmtl/skglm", "skmtl/adelie", "Gram X'X [s] (ratio to sklearn)",
]
SHARED_DETAIL_HEADER = [
    "Problem", "solver", "tol", "time [s]", "timed runs", "iterations", "objective",
    "relative to sklearn's objective", "support",
]
KERNEL_HEADER = ["Problem", "eigen [s]", "eigen peak [MiB]", "Cholesky [s]",
                 "Cholesky peak [MiB]", "time ratio Cholesky/eigen", "max |Δ|"]
PATH_HEADER = ["Problem", "alphas", "warm path [s]", "cold fits [s]", "time ratio warm/cold",
               "largest certificate", "max |Δcoef| / max |coef|"]
LONG_PATH_HEADER = ["Problem", "alphas", "tol", "path [s]", "cold fit at the smallest alpha [s]",
                    "time ratio path/cold fit", "largest certificate",
                    "max |Δcoef| / max |coef| at the smallest alpha"]


def section_a(shape, n_tasks, table):
    return [
        f"## (a) School ({shape[0]} rows, {shape[1]} raw features, {n_tasks} tasks, routed "
        f"labels): skmtl default solver (tol={SKMTL_TOL:g}) against `solver='cvxpy'`",
        "",
        "Objectives evaluated by `skmtl.solvers.reference_cvxpy.objective_value`; relative "
        "difference = (skmtl − cvxpy) / cvxpy. The certificate is skmtl's `certificate_` "
        "(relative KKT residual or duality gap). Iterations: `n_iter_`; for the families "
        "whose default solver is coordinate descent (`solver='auto'` is `'cd'` on NumPy) "
        "they are epochs, passes over the working set, not comparable with the FISTA, ADMM "
        "or conjugate-gradient steps of the others. Target for "
        f"{', '.join(f'`{cls.__name__}`' for cls in CVXPY_TARGET_ESTIMATORS)}: time ratio "
        f"skmtl/cvxpy at most {CVXPY_TARGET:g} (the robust, robust feature and sparse + "
        "low-rank models are in (g)).",
        "",
        *table,
        "",
    ]


def section_bc(summary, details, target):
    ladder = ", ".join(f"{t:g}" for t in TOL_LADDER)
    return [
        "## (b), (c) `JointFeatureRegressor` against scikit-learn `MultiTaskLasso`, celer, "
        "skglm and adelie on a shared design",
        "",
        "Generated data (`make_multitask_regression`, `structure='sparse'`, support of d/10 "
        "features shared by all tasks, noise 3), `alpha` = alpha_max / 10, 2-D `y` without "
        "task labels (for d > max(n, 2000), and for coordinate descent d > 100 T, skmtl "
        "keeps the rows instead of the d×d Gram matrix). Every solution is scored by the "
        "same NumPy function, "
        "`||Y − XW' − 1b'||²/(2n) + alpha Σ_j ||W[:, j]||`. scikit-learn's "
        "`MultiTaskLasso` runs with its default `tol`; skmtl (`JointFeatureRegressor`, "
        "default solver: coordinate descent) and every peer with the loosest `tol` of "
        f"{ladder} whose objective is at most scikit-learn's (up to {ROUNDING:g} relative), "
        "chosen by untimed trial fits (which also compile the numba kernels). The `tol` of "
        "each solver means its own stopping rule, hence the search. The timed runs of all "
        "operations are interleaved, so that a change of the machine's load between them "
        "does not bias the ratios. The Gram pass `X.T @ X` is the floor of a method that "
        "forms the Gram matrix.",
        "",
        "Peers: celer's `MultiTaskLasso` (celer 0.7.4's `fit` calls a scikit-learn method "
        "removed in 1.6, so where it fails the benchmark runs its steps: centre X and Y, "
        "then `celer.homotopy.mtl_path` at one alpha with the estimator's defaults); skglm's "
        "`MultiTaskLasso`; adelie's `grpnet` with `glm.multigaussian`, which minimizes "
        "`||Y − XW' − 1b'||²/(2nK) + lambda Σ_j p_j ||W[:, j]||` (K = T responses, "
        "unpenalized intercepts), run with `p_j = 1` and `lambda = alpha / K` (K times "
        "the objective above), one lambda, `early_exit=False`, one thread (its default). "
        "adelie requires numpy < 2 and is not in the `bench` extra; a peer that is not "
        "importable is skipped and named in the tables. Ratios are skmtl's time over the "
        "peer's.",
        "",
        *summary,
        "",
        *(["Targets: skmtl/scikit-learn time ratio at most "
           f"{target:g} on every problem.", ""] if target is not None else []),
        "Every solver, its `tol` (`not reached`: the tightest tried did not reach "
        "scikit-learn's objective), best time, iterations as each reports them (skmtl: "
        "coordinate-descent epochs; scikit-learn: epochs; skglm: outer iterations), "
        "objective and support (features with a non-zero column):",
        "",
        *details,
        "",
    ]


def section_d(shape, n_tasks, table):
    return [
        f"## (d) Landmine ({shape[0]} rows, {shape[1]} standardized features, {n_tasks} "
        f"tasks, routed labels): skmtl classifiers (tol={SKMTL_TOL:g}) against "
        "`solver='cvxpy'`",
        "",
        "Logistic loss, objectives evaluated by `objective_value(..., loss='logistic')`. "
        f"Target time ratio skmtl/cvxpy: at most {CLASSIFIER_TARGET:g}. Iterations: "
        "proximal Newton (or Newton) steps.",
        "",
        *table,
        "",
    ]


def section_e(table):
    return [
        "## (e) `MultiTaskKernelRidge` on a shared design: eigen route against the "
        "(nT)×(nT) Cholesky factorization",
        "",
        "RBF kernel (gamma=0.1), `task_kernel='mean'` (0.5), alpha=0.1, generated data with "
        "10 features. Eigen route: best time of the timed runs; Cholesky route: one run. "
        "Peak memory: the largest memory traced (`tracemalloc`) during one fit. Max |Δ|: "
        "the largest difference of the two routes' predictions on the training rows.",
        "",
        *table,
        "",
    ]


def section_f(table, long_table, quick):
    n_alphas = 10 if quick else LONG_PATH_ALPHAS
    return [
        "## (f) Regularization paths: warm starts against cold fits",
        "",
        "`regularization_path` on School (routed labels) over the grid of `alpha_grid` "
        f"({PATH_ALPHAS} alphas from alpha_max down to alpha_max/1000), default `tol` "
        "(1e-6), each fit warm-started from the previous one, against `warm_start=False` "
        "(every fit from W = 0). Best of the timed runs of each whole path. Largest "
        "certificate of all fits of both paths; largest coefficient difference between "
        "the two paths relative to the largest coefficient. Iterations: FISTA or ADMM "
        "steps (trace norm), coordinate-descent epochs (L2,1). Target ratio "
        f"warm/cold: at most {PATH_TARGET:g}.",
        "",
        *table,
        "",
        f"A {n_alphas}-alpha L2,1 path on School (raw features, routed labels): the whole "
        f"`regularization_path(JointFeatureRegressor(tol=tol), X, y, tasks=tasks, "
        f"alphas={n_alphas})` (alpha_max down to alpha_max/1000, warm-started) against one "
        "cold fit at its smallest alpha with the same `tol`, timed interleaved. Target: the "
        f"path in at most {LONG_PATH_TARGET:g} times the cold fit. Last column: the path's "
        "last fit against the cold fit.",
        "",
        *long_table,
        "",
    ]


def section_g(shape, n_tasks, table):
    return [
        f"## (g) The newer families on a School subset ({shape[0]} rows, {shape[1]} raw "
        f"features, the first {n_tasks} schools, routed labels): skmtl default solver "
        f"(tol={SKMTL_TOL:g}) against `solver='cvxpy'`",
        "",
        "As in (a) (the independent lasso and dirty models are in (a) on all schools as "
        "well). The dirty and robust objectives use the fitted split of each model; the "
        "clustered penalty is minimized over M by cvxpy for both; the relationship "
        "penalty is its minimum over Sigma, (alpha/2)‖W‖_*² + (l2/2)‖W‖_F².",
        "",
        *table,
        "",
    ]


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
