"""Fit time of HierarchicalRegressor against statsmodels' MixedLM, random slopes by ML.

Both fit the same model: task intercepts and shared slopes as fixed effects,
independent random slopes of one variance per task (statsmodels: one variance
component whose design holds every slope column, ``re_formula="0"``), by maximum
likelihood. Two problems, in one run:

1. School (139 schools, 15362 pupils), standardized features: random slopes on the
   first k features for every k of ``--school-features``, among the 18 of the 27 that
   are linearly independent of the school intercepts and of each other within schools
   (the one-hot blocks are not; statsmodels needs a full-rank fixed-effects design).
   A statsmodels fit is stopped after ``--budget`` seconds (and the larger sets are
   then skipped); a fit that fails or is stopped is reported as such;
2. generated problems of ``--tasks`` tasks (10 rows and 3 features each), drawn from
   the model.  statsmodels holds the fixed effects as a dense design, one column per
   task intercept: at 10^4 tasks (8 GB) it is not run.

Every row reports both fit times, the estimates (noise and slope variances) and the
maximized log-likelihoods (the same definition in both packages; a lower one means
that optimizer stopped short of the maximum). statsmodels runs its L-BFGS. Writes
``hierarchical.md`` to ``--output-dir``; ``--quick`` runs tiny sizes (for the tests).
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine_header, make_parser, markdown_table, write_lines  # noqa: E402

from skmtl import HierarchicalRegressor  # noqa: E402
from skmtl.datasets import load_school  # noqa: E402


def statsmodels_fit(X, y, tasks):
    """MixedLM by ML, its wall time, and (scale, slope variance, log-likelihood)."""
    import pandas as pd
    import statsmodels.formula.api as smf

    columns = [f"x{j}" for j in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    frame["y"], frame["task"] = y, tasks
    slopes = " + ".join(columns)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its convergence notes on the way
        model = smf.mixedlm(f"y ~ 0 + C(task) + {slopes}", frame, groups="task",
                            re_formula="0", vc_formula={"slopes": f"0 + {slopes}"})
        try:
            result = model.fit(reml=False, method=["lbfgs"])
        except np.linalg.LinAlgError as error:
            return time.perf_counter() - start, f"failed: {error}"
    return time.perf_counter() - start, (result.scale, result.vcomp[0], result.llf)


#: Largest dense fixed-effects design (rows x task intercepts) given to statsmodels.
DESIGN_LIMIT_BYTES = 2e9


def _fit_into(queue, X, y, tasks):
    try:
        queue.put(statsmodels_fit(X, y, tasks))
    except Exception as error:  # reported in the table, whatever statsmodels raised
        queue.put((0.0, f"failed: {type(error).__name__}"))


def statsmodels_fit_within(X, y, tasks, budget):
    """:func:`statsmodels_fit` in a child process stopped after ``budget`` seconds; not
    run where its dense design of the task intercepts would exceed DESIGN_LIMIT_BYTES."""
    import multiprocessing

    size = 8.0 * X.shape[0] * len(np.unique(tasks))
    if size > DESIGN_LIMIT_BYTES:
        return 0.0, f"not run: its fixed-effects design would take {size / 1e9:.0f} GB"

    queue = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_fit_into,
                                                        args=(queue, X, y, tasks))
    child.start()
    child.join(budget)
    if child.is_alive():
        child.terminate()
        child.join()
        return budget, f"stopped after {budget:g} s"
    if queue.empty():
        return 0.0, f"crashed (exit code {child.exitcode})"
    return queue.get()


def full_rank_columns(X, tasks):
    """The features, in order, that add to the rank of the within-task centred design
    (School's one-hot blocks are collinear with the task intercepts otherwise)."""
    centred = X.copy()
    for label in np.unique(tasks):
        centred[tasks == label] -= X[tasks == label].mean(axis=0)
    keep = []
    for j in range(X.shape[1]):
        if np.linalg.matrix_rank(centred[:, keep + [j]], tol=1e-8 * len(X)) > len(keep):
            keep.append(j)
    return keep


def skmtl_fit(X, y, tasks):
    start = time.perf_counter()
    model = HierarchicalRegressor(method="ml").fit(X, y, tasks=tasks)
    elapsed = time.perf_counter() - start
    return elapsed, (model.noise_variance_, model.slope_variance_, model.log_likelihood_)


def generated(n_tasks, rows=10, d=3, seed=0):
    rng = np.random.default_rng(seed)
    tasks = np.repeat(np.arange(n_tasks), rows)
    X = rng.standard_normal((tasks.size, d))
    W = rng.standard_normal(d) + 0.5 * rng.standard_normal((n_tasks, d))
    y = np.sum(X * W[tasks], axis=1) + rng.standard_normal(n_tasks)[tasks]
    return X, y + rng.standard_normal(tasks.size), tasks


def row(name, X, tasks, ours, theirs):
    ours_time, (sigma, tau, loglik) = ours
    cells = [name, f"{len(np.unique(tasks))}", f"{X.shape[0]}", f"{X.shape[1]}",
             f"{ours_time:.3f}"]
    if theirs is None or isinstance(theirs[1], str):
        note = "not run (a smaller set took over the budget)" if theirs is None else (
            f"{theirs[0]:.2f} ({theirs[1]})")
        return cells + [note, "", f"{sigma:.6g}", f"{tau:.6g}", "", f"{loglik:.8g}", ""]
    their_time, (their_sigma, their_tau, their_loglik) = theirs
    return cells + [f"{their_time:.2f}", f"{their_time / ours_time:.0f}×", f"{sigma:.6g}",
                    f"{tau:.6g}", f"{their_sigma:.6g} / {their_tau:.6g}", f"{loglik:.8g}",
                    f"{their_loglik:.8g}"]


def main(argv=None):
    parser = make_parser(__doc__, "tiny sizes (for the tests)")
    parser.add_argument("--school-features", type=int, nargs="+", default=[3, 9, 18])
    parser.add_argument("--tasks", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--budget", type=float, default=600.0,
                        help="seconds a statsmodels fit may take before larger ones are skipped")
    args = parser.parse_args(argv)
    if args.quick:
        args.school_features, args.tasks = [2], [200]
    start = time.perf_counter()
    school = load_school()
    X_all = (school.data - school.data.mean(axis=0)) / school.data.std(axis=0)
    X_all = X_all[:, full_rank_columns(X_all, school.tasks)]
    rows, over_budget = [], False
    for k in args.school_features:
        X = X_all[:, :k]
        ours = skmtl_fit(X, school.target, school.tasks)
        theirs = None
        if not over_budget:
            theirs = statsmodels_fit_within(X, school.target, school.tasks, args.budget)
            over_budget = theirs[0] >= args.budget
        rows.append(row(f"School, first {k} features", X, school.tasks, ours, theirs))
        print(rows[-1], flush=True)
    for n_tasks in args.tasks:
        X, y, tasks = generated(n_tasks)
        rows.append(row("Generated", X, tasks, skmtl_fit(X, y, tasks),
                        statsmodels_fit_within(X, y, tasks, args.budget)))
        print(rows[-1], flush=True)
    header = ["Problem", "Tasks", "Rows", "Random slopes", "skmtl fit [s]",
              "statsmodels fit [s]", "Ratio", "σ² (skmtl)", "τ² (skmtl)",
              "σ² / τ² (statsmodels)", "log-lik (skmtl)", "log-lik (statsmodels)"]
    lines = machine_header("Random slopes by maximum likelihood: HierarchicalRegressor and "
                           "statsmodels MixedLM", "hierarchical.py",
                           extra_packages=("statsmodels",))
    lines += [
        "Independent random slopes of one variance, task intercepts and shared slopes "
        "fixed, ML. School features standardized; generated data: 10 rows and 3 features "
        f"per task. statsmodels: L-BFGS, each fit stopped after {args.budget:g} s. One fit "
        "each, wall time. Total wall time "
        f"{time.perf_counter() - start:.0f} s.", "", *markdown_table(header, rows), ""]
    write_lines(args.output_dir / "hierarchical.md", lines)


if __name__ == "__main__":
    main()
