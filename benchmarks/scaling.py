"""Scaling of the fit time of the squared-loss families in rows, tasks and features.

The five regressors (``SharedParameterRegressor``, ``MeanRegularizedRegressor``,
``GraphRegularizedRegressor``, ``TraceNormRegressor``, ``JointFeatureRegressor``)
with their default solvers and ``tol``, at one fixed moderate regularization
each (listed in the report), are fitted on generated data
(``make_multitask_regression(n_tasks=T, n_features=d, n_samples=N // T,
random_state=0)``: N rows, T tasks of equal size, d standard normal features,
routed task labels) along three curves:

- in N: total rows 10³, 3·10³, ..., 10⁶, with d = 50 and T = 100;
- in T: 10, 30, 100, 300, 1000 tasks, with N = 10⁵ and d = 50 (N // T rows per
  task, so 99,900 rows at T = 300);
- in d: 10, 30, 100, 300, 1000 features, with N = 10⁵ and T = 100 (the
  d = 1000 point holds 100 per-task Gram matrices of 1000 × 1000, 0.8 GB, and
  the fits need about 5 GB at their peak, so T stays 100 there).

At every point the floor is one *Gram pass*: the per-task Gram matrices
``X_t' X_t`` of all tasks, computed the cheapest way found with NumPy (the
rows' order by task from one stable ``argsort`` of the labels, then for each
task a copy of its rows, which stays in cache, and one ``B.T @ B``, a BLAS
``syrk``; faster than sorting all of ``X`` first). A plain ``X.T @ X`` is
timed as well, for reference. Reported: each family's fit time divided by the
Gram pass time. The target: at N = 10⁶, d = 50, T = 100 each family's fit is at
most 3 times the Gram pass.

Timings are wall clock of the whole ``fit`` of a fresh estimator, the best of
``--repeats`` runs (short operations repeat until they add up to ``--min-time``
seconds; an operation whose first run takes longer than ``--single-above``
seconds runs once). The runs of one point are interleaved (Gram pass, then
each family, round after round), so that a change of the machine's load does
not bias the ratios. Every point records how many cores other processes kept
busy meanwhile (Linux ``/proc/stat``): on two cores they slow the many small
BLAS/LAPACK calls of a fit far more than their share (fits ten times slower
and more were seen), so a point above ``--max-other-load`` is measured again, at
most ``--retries`` more times, keeping every operation's best time. The default
run takes about five minutes on two cores, half of it at the d = 1000 point.

Writes ``scaling.md`` (tables, target, machine) and ``scaling.png`` (three
log-log panels, one line per family, the Gram pass dashed) to
``--output-dir``. ``--quick`` runs tiny curves in a few seconds (for the tests).
"""

import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402
    OtherLoad,
    Timing,
    add_timing_arguments,
    interleaved,
    machine_header,
    make_parser,
    markdown_table,
    note_warnings,
    pyplot,
    require_at_least_one,
    resolve_min_time,
    write_lines,
)

from skmtl import (  # noqa: E402
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)
from skmtl.datasets import make_multitask_regression  # noqa: E402

#: (short name, estimator class, fixed parameters).
FAMILIES = (
    ("shared_parameter", SharedParameterRegressor, {"alpha_shared": 0.1, "alpha_task": 1.0}),
    ("mean", MeanRegularizedRegressor, {"alpha": 1.0}),
    ("graph", GraphRegularizedRegressor, {"alpha": 0.01}),
    ("trace", TraceNormRegressor, {"alpha": 1.0}),
    ("joint_feature", JointFeatureRegressor, {"alpha": 1.0}),
)
MARKERS = ("o", "^", "v", "D", "s")
GRAM = "gram pass"
PLAIN_GRAM = "X.T @ X"
TARGET_RATIO = 3.0
#: The point (N, T, d) of the target.
TARGET_POINT = (1_000_000, 100, 50)


@dataclass(frozen=True)
class Curve:
    """One scaling curve: the varied parameter, its values and the fixed ones."""

    name: str
    values: tuple
    n_rows: int
    n_tasks: int
    n_features: int

    def points(self):
        """The (N, T, d) of every point of the curve."""
        for value in self.values:
            sizes = {"N": self.n_rows, "T": self.n_tasks, "d": self.n_features, self.name: value}
            yield sizes["N"], sizes["T"], sizes["d"]

    def fixed(self):
        """The fixed parameters in words, e.g. ``d=50, T=100``."""
        sizes = {"N": self.n_rows, "T": self.n_tasks, "d": self.n_features}
        return ", ".join(f"{key}={value:,}" for key, value in sizes.items() if key != self.name)


def build_curves(quick):
    """The three curves: in N, in T and in d (tiny ones with ``quick``)."""
    if quick:
        return (
            Curve("N", (200, 400, 800), 0, 4, 5),
            Curve("T", (2, 4, 8), 400, 0, 5),
            Curve("d", (2, 5, 10), 400, 4, 0),
        )
    return (
        Curve("N", (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000), 0, 100, 50),
        Curve("T", (10, 30, 100, 300, 1000), 100_000, 0, 50),
        Curve("d", (10, 30, 100, 300, 1000), 100_000, 100, 0),
    )


def per_task_grams(X, tasks, n_tasks):
    """``X_t' X_t`` of every task (labels 0..T-1): the Gram pass, the floor of a fit.

    One stable ``argsort`` orders the rows by task; each task's rows are copied
    into a block that stays in cache and multiplied by its transpose (``syrk``).
    """
    order = np.argsort(tasks, kind="stable")
    counts = np.bincount(tasks, minlength=n_tasks)
    stops = np.cumsum(counts)
    grams = np.empty((n_tasks, X.shape[1], X.shape[1]), dtype=X.dtype)
    for t, (start, stop) in enumerate(zip(stops - counts, stops, strict=True)):
        block = np.take(X, order[start:stop], axis=0)
        np.matmul(block.T, block, out=grams[t])
    return grams


def operations(X, y, tasks, n_tasks):
    """The timed operations of one point: name -> callable."""
    timed = {
        GRAM: lambda: per_task_grams(X, tasks, n_tasks),
        PLAIN_GRAM: lambda: X.T @ X,
    }
    for name, cls, params in FAMILIES:
        timed[name] = lambda cls=cls, params=params: cls(**params).fit(X, y, tasks=tasks)
    return timed


def measure_point(n_rows, n_tasks, n_features, timing, progress, notes):
    """Generate the data of one point and time the Gram passes and every family."""
    X, y, tasks, _ = make_multitask_regression(
        n_tasks=n_tasks, n_features=n_features, n_samples=n_rows // n_tasks, random_state=0
    )
    where = f"N={X.shape[0]:,}, T={n_tasks}, d={n_features}"
    timed = operations(X, y, tasks, n_tasks)
    best = dict.fromkeys(timed, np.inf)
    loads = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        while True:
            with OtherLoad() as load:
                times, results = interleaved(
                    timed, timing, before=lambda name: progress.set_postfix_str(f"{where}: {name}"))
            loads.append(load.cores)
            best = {name: min(best[name], min(runs)) for name, runs in times.items()}
            if not timing.disturbed(load.cores) or len(loads) > timing.retries:
                break
            tqdm.write(f"{where}: other processes kept {load.cores:.2f} cores busy; "
                       "measuring again")
    note_warnings(caught, where, notes)
    return {
        "N": X.shape[0], "T": n_tasks, "d": n_features, "other_load": loads,
        "times": best,
        "iterations": {name: int(results[name].n_iter_) for name, _, _ in FAMILIES},
    }


def run_curves(curves, timing):
    """Measure every point of every curve; returns curve name -> list of points."""
    results = {curve.name: [] for curve in curves}
    notes = []
    total = sum(len(curve.values) for curve in curves)
    with tqdm(total=total, desc="scaling", unit="point") as progress:
        for curve in curves:
            for n_rows, n_tasks, n_features in curve.points():
                point = measure_point(n_rows, n_tasks, n_features, timing, progress, notes)
                results[curve.name].append(point)
                progress.update()
    return results, notes


def ratio_cell(point, name):
    """``fit / Gram pass (fit seconds)`` of one family at one point."""
    fit = point["times"][name]
    return f"{fit / point['times'][GRAM]:.1f} ({fit:.3g} s)"


def curve_table(curve, points):
    """Markdown table of one curve: the floors and every family's ratio to the Gram pass."""
    header = [curve.name, f"{GRAM} [s]", f"{PLAIN_GRAM} [s]"] + [
        f"{cls.__name__}" for _, cls, _ in FAMILIES
    ] + ["other load [cores] per attempt"]
    rows = []
    for point in points:
        loads = point["other_load"]
        rows.append([
            f"{point[curve.name]:,}",
            f"{point['times'][GRAM]:.3g}",
            f"{point['times'][PLAIN_GRAM]:.3g}",
            *[ratio_cell(point, name) for name, _, _ in FAMILIES],
            ", ".join("n/a" if load is None else f"{load:.2f}" for load in loads),
        ])
    return markdown_table(header, rows)


def target_point(results):
    """The point (N, T, d) = TARGET_POINT of the N curve, or None (``--quick``)."""
    for point in results.get("N", []):
        if (point["N"], point["T"], point["d"]) == TARGET_POINT:
            return point
    return None


def target_lines(point):
    """Met or missed, per family, of fit ≤ TARGET_RATIO × Gram pass at TARGET_POINT."""
    if point is None:
        return ["The target point N=10⁶, T=100, d=50 is not part of this run (`--quick`)."]
    gram = point["times"][GRAM]
    rows = []
    for name, cls, _ in FAMILIES:
        ratio = point["times"][name] / gram
        verdict = "met" if ratio <= TARGET_RATIO else "**missed**"
        rows.append([cls.__name__, f"{point['times'][name]:.3f}", f"{ratio:.2f}", verdict,
                     str(point["iterations"][name])])
    header = ["Estimator", "fit [s]", "fit / Gram pass", f"≤ {TARGET_RATIO:g}", "n_iter_"]
    return [f"Gram pass {gram:.3f} s, `X.T @ X` {point['times'][PLAIN_GRAM]:.3f} s.", "",
            *markdown_table(header, rows)]


def write_report(curves, results, notes, args, timing, wall_time):
    """``scaling.md``: protocol, target verdicts and one table per curve."""
    params = "; ".join(
        f"`{cls.__name__}({', '.join(f'{k}={v:g}' for k, v in p.items())})`"
        for _, cls, p in FAMILIES
    )
    lines = machine_header("Scaling of the fit time in rows, tasks and features", "scaling.py")
    lines += [
        "Generated data: `make_multitask_regression(n_tasks=T, n_features=d, "
        "n_samples=N // T, random_state=0)`, routed task labels, `fit(X, y, tasks=tasks)`. "
        f"Estimators (default solver and `tol`): {params}.",
        "",
        f"Floor: the *{GRAM}*: every task's `X_t' X_t` (stable `argsort` of the labels, "
        "then per task a copy of its rows and one `B.T @ B`); `X.T @ X` of all rows for "
        "reference. Cells: fit time / Gram-pass time (fit time). Timings: wall clock of the "
        f"whole `fit`, best of {timing.repeats} runs (repeated until {timing.min_time:g} s for "
        f"short operations; once for operations over {timing.single_above:g} s), runs of a "
        f"point interleaved. Total wall time {wall_time:.0f} s. *Other load*: the average "
        "number of cores that other processes kept busy while the point was timed (from "
        "`/proc/stat`); on a two-core machine it slows the fits' many small BLAS/LAPACK "
        f"calls by far more than its share, so a point above {timing.max_other_load:g} is "
        f"measured again (at most {timing.retries} more attempts), the best time of every "
        "operation over all attempts kept.",
        "",
        f"## Target: fit ≤ {TARGET_RATIO:g} × Gram pass at N=10⁶, T=100, d=50",
        "",
        *target_lines(target_point(results)),
        "",
    ]
    for curve in curves:
        lines += [f"## In {curve.name} ({curve.fixed()})", "",
                  *curve_table(curve, results[curve.name]), ""]
    if notes:
        lines += ["Convergence warnings during the run:", "", *[f"- {n}" for n in notes], ""]
    write_lines(args.output_dir / "scaling.md", lines)


def plot(curves, results, output_dir):
    """``scaling.png``: one log-log panel per curve, the Gram pass dashed."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(curves), figsize=(15, 4.8))
    for ax, curve in zip(axes, curves, strict=True):
        points = results[curve.name]
        x = [point[curve.name] for point in points]
        # Distinct open markers: the three quadratic families share their solver and overlap.
        for (name, cls, _), marker in zip(FAMILIES, MARKERS, strict=True):
            ax.loglog(x, [p["times"][name] for p in points], marker=marker, fillstyle="none",
                      label=cls.__name__)
        ax.loglog(x, [p["times"][GRAM] for p in points], "k--", marker="s", markersize=4,
                  label=GRAM)
        ax.loglog(x, [p["times"][PLAIN_GRAM] for p in points], ":", color="grey",
                  label=PLAIN_GRAM)
        ax.set_xlabel(curve.name)
        ax.set_ylabel("fit time [s]")
        ax.set_title(f"in {curve.name} ({curve.fixed()})")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(output_dir / "scaling.png", dpi=120)
    plt.close(fig)


def print_summary(curves, results):
    """The tables and the target verdicts on standard output."""
    for curve in curves:
        print(f"In {curve.name} ({curve.fixed()}):")
        print("\n".join(curve_table(curve, results[curve.name])))
    print("Target:")
    print("\n".join(target_lines(target_point(results))))


def parse_args(argv):
    parser = make_parser(__doc__, "tiny curves (a few seconds)")
    add_timing_arguments(parser, min_time=0.5)
    parser.add_argument("--single-above", type=float, default=10.0,
                        help="an operation whose first run takes longer runs once (default 10)")
    parser.add_argument("--max-other-load", type=float, default=0.15,
                        help="cores other processes may keep busy before a point is measured "
                             "again (default 0.15)")
    parser.add_argument("--retries", type=int, default=None,
                        help="most extra attempts of a disturbed point (default 2, 0 with --quick)")
    args = parser.parse_args(argv)
    require_at_least_one(parser, args, "repeats")
    resolve_min_time(args, 0.5)
    if args.retries is None:
        args.retries = 0 if args.quick else 2
    return args


def main(argv=None):
    args = parse_args(argv)
    timing = Timing(repeats=args.repeats, min_time=args.min_time, max_repeats=50,
                    single_above=args.single_above, max_other_load=args.max_other_load,
                    retries=args.retries)
    curves = build_curves(args.quick)
    start = time.perf_counter()
    results, notes = run_curves(curves, timing)
    wall_time = time.perf_counter() - start
    args.output_dir.mkdir(parents=True, exist_ok=True)
    write_report(curves, results, notes, args, timing, wall_time)
    plot(curves, results, args.output_dir)
    print_summary(curves, results)
    print(f"Total wall time: {wall_time:.1f} s; written to {args.output_dir}")


if __name__ == "__main__":
    main()
