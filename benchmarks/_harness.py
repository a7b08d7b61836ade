"""The harness of the benchmark scripts: command line, timing, machine header, report
writers, and the model-selection protocol that ``school.py`` and ``landmine.py`` share.

Each script keeps only its protocol (data, models, grids, metrics, tables of its
own); what they all do the same way lives here.
"""

import argparse
import datetime
import math
import os
import platform
import shlex
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

BENCHMARK_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT_DIR = BENCHMARK_DIR / "results"


# --------------------------------------------------------------------------- #
# Command line
# --------------------------------------------------------------------------- #
def make_parser(doc, quick_help):
    """A parser described by the first line of ``doc``, with ``--quick`` and ``--output-dir``
    (every script has both; the tests run each with ``--quick``)."""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    return parser


def add_timing_arguments(parser, min_time):
    """``--repeats`` and ``--min-time`` (default ``min_time``, 0 with ``--quick``); resolve
    the latter with :func:`resolve_min_time` after parsing."""
    parser.add_argument("--repeats", type=int, default=3,
                        help="least number of timed runs of an operation (the best is kept)")
    parser.add_argument("--min-time", type=float, default=None,
                        help="seconds the runs of a short operation add up to at least "
                             f"(default {min_time:g}, 0 with --quick)")


def resolve_min_time(args, min_time):
    if args.min_time is None:
        args.min_time = 0.0 if args.quick else min_time


def add_split_arguments(parser, what, default, quick_default):
    """``--splits``, ``--seed`` and ``--n-jobs`` of the model-selection benchmarks."""
    parser.add_argument("--splits", type=int, default=None,
                        help=f"{what} (default {default}, {quick_default} with --quick)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first split")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="searches run side by side in worker processes (default 1)")


def require_at_least_one(parser, args, *names):
    """``parser.error`` for the first of ``names`` (attribute names) below 1."""
    for name in names:
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")


# --------------------------------------------------------------------------- #
# Timing
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Timing:
    """How often to run a timed operation: at least ``repeats`` times and until the
    runs add up to ``min_time`` seconds (at most ``max_repeats``), but only once
    when its first run took longer than ``single_above`` seconds. The best is kept:
    other work on the machine only ever slows a run down.

    A measurement during which other processes kept more than ``max_other_load``
    cores busy on average is taken again, up to ``retries`` more times (where the
    script checks the load with :class:`OtherLoad`)."""

    repeats: int = 3
    min_time: float = 1.0
    max_repeats: int = 100
    single_above: float = math.inf
    max_other_load: float = math.inf
    retries: int = 0

    def more(self, times):
        """Whether an operation with run times ``times`` runs again."""
        if not times:
            return True
        if times[0] > self.single_above:
            return False
        if len(times) < self.repeats:
            return True
        return sum(times) < self.min_time and len(times) < self.max_repeats

    def disturbed(self, load):
        """Whether other processes were busy enough (``OtherLoad.cores``) to measure again."""
        return load is not None and load > self.max_other_load


def time_once(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def best_of(operation, timing):
    """Best wall time of repeated runs of ``operation``; returns (time, last result, runs)."""
    times, result = [], None
    while timing.more(times):
        elapsed, result = time_once(operation)
        times.append(elapsed)
    return min(times), result, len(times)


def timed_fit(estimator, X, y, timing, **fit_params):
    """Best wall time of fits of fresh clones; returns (time, last fitted, runs)."""
    return best_of(lambda: clone(estimator).fit(X, y, **fit_params), timing)


def interleaved(operations, timing, before=None):
    """Run the operations (name -> callable) round after round, each round running those
    that still want runs, so that a change of the machine's load does not bias their
    ratios. ``before(name)`` is called before every run. Returns name -> list of run
    times, and name -> last result."""
    times = {name: [] for name in operations}
    results = {}
    while True:
        pending = [name for name in operations if timing.more(times[name])]
        if not pending:
            return times, results
        for name in pending:
            if before is not None:
                before(name)
            elapsed, results[name] = time_once(operations[name])
            times[name].append(elapsed)


def interleaved_best(operations, timing):
    """:func:`interleaved`, summed up: the best time of each operation, its last result and
    its number of runs (three dictionaries)."""
    times, results = interleaved(operations, timing)
    return ({name: min(runs) for name, runs in times.items()}, results,
            {name: len(runs) for name, runs in times.items()})


def machine_busy_seconds():
    """CPU seconds all processes have used (Linux ``/proc/stat``), or None elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
    except OSError:
        return None
    # user, nice, system, idle, iowait, irq, softirq, steal: all but idle and iowait.
    ticks = [int(value) for value in fields[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    """CPU seconds this process has used (all its threads)."""
    times = os.times()
    return times.user + times.system


class OtherLoad:
    """Average number of cores other processes kept busy while the block ran.

    ``None`` where the machine's CPU counters cannot be read. Other work on a
    two-core machine slows the many small BLAS/LAPACK calls of a fit by far more
    than its share, so a timing script records it (and measures again above
    ``Timing.max_other_load``).
    """

    def __enter__(self):
        self.start = (time.perf_counter(), machine_busy_seconds(), own_cpu_seconds())
        return self

    def __exit__(self, *exc_info):
        wall, busy, own = self.start
        end_busy = machine_busy_seconds()
        if busy is None or end_busy is None:
            self.cores = None
        else:
            other = (end_busy - busy) - (own_cpu_seconds() - own)
            self.cores = max(other, 0.0) / max(time.perf_counter() - wall, 1e-9)
        return False


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
# Machine header and report writers
# --------------------------------------------------------------------------- #
def _cpu_model():
    """The CPU model name where the platform tells it (Linux), else ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(module_name):
    try:
        module = __import__(module_name)
    except ImportError:
        return "not installed"
    return getattr(module, "__version__", "unknown")


def _blas():
    """BLAS libraries in use, with their thread counts (no file paths)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return "unknown"
    described = []
    for info in threadpool_info():
        if info.get("user_api") != "blas":
            continue
        threads = info.get("num_threads")
        text = f"{info.get('internal_api')} {info.get('version')} ({threads} thread(s))"
        if text not in described:
            described.append(text)
    return ", ".join(described) or "unknown"


def command_line(script_name):
    """The command that was run, with the script named relative to the repository root."""
    args = " ".join(shlex.quote(arg) for arg in sys.argv[1:])
    return f"python benchmarks/{script_name}" + (f" {args}" if args else "")


def machine_header(title, script_name, extra_packages=()):
    """Markdown lines describing the run: date, machine, versions, command."""
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("numpy", "scipy", "sklearn", "skmtl", *extra_packages)
    )
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"# {title}",
        "",
        f"- Date: {now}",
        f"- Machine: {os.cpu_count()} CPUs ({_cpu_model()}), {platform.system()} "
        f"{platform.machine()}",
        f"- Python {platform.python_version()}; {versions}",
        f"- BLAS: {_blas()}",
        f"- Command: `{command_line(script_name)}`",
        "",
    ]


def markdown_table(header, rows):
    """A GitHub-flavoured markdown table (all cells are strings)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def write_lines(path, lines):
    """Write the report's lines (creating its folder) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def pyplot():
    """matplotlib's pyplot on the Agg backend (the figures are only written to files)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def mean_std(values):
    values = np.asarray(values, dtype=float)
    return values.mean(), values.std(ddof=1) if values.size > 1 else 0.0


def format_grid(grid):
    """A grid as report text; ``None`` is a ``*CV`` estimator's own path."""
    if grid is None:
        return "its own path (`alphas`)"
    if not grid:
        return "no parameter searched"
    return "; ".join(
        f"{name} in {{{', '.join(f'{v:g}' for v in values)}}}" for name, values in grid.items()
    )


def parse_choice(text):
    """``"alpha=0.1, l2=1"`` (a chosen-parameters cell) as ``{"alpha": 0.1, "l2": 1.0}``."""
    if not text:
        return {}
    return {name: float(value) for name, value in (item.split("=") for item in text.split(", "))}


# --------------------------------------------------------------------------- #
# Model selection: choose on the training rows, refit, score on the test rows
# --------------------------------------------------------------------------- #
@dataclass
class Split:
    """One held-out evaluation: ``group`` (e.g. a training fraction, or None), the split's
    number, its ``data`` (X_train, X_test, y_train, y_test, tasks_train, tasks_test) and
    the cross-validation folds of its training rows."""

    group: object
    index: int
    data: tuple
    cv: list


@dataclass
class Result:
    """What one search of a model on one split gave."""

    model: str
    group: object
    index: int
    scores: dict
    time: float
    chosen: str
    at_edge: bool
    n_fits: int
    warnings: list


@dataclass
class Model:
    """One row of a model-selection benchmark: an estimator, its grid (None for a ``*CV``
    estimator, which searches its own path), whether it takes task labels, and its
    ``weight`` (rough cost of a search; the heaviest searches are started first)."""

    name: str
    estimator: object
    grid: dict
    routed: bool
    weight: float = 1.0
    results: list = field(default_factory=list)
    n_convergence_warnings: int = 0
    n_other_warnings: int = 0
    n_fits: int = 0

    @property
    def n_candidates(self):
        if self.grid is None:
            return self.estimator.alphas
        return int(np.prod([len(values) for values in self.grid.values()]))

    def of(self, group=None):
        """This model's results of ``group``, in split order."""
        return sorted((r for r in self.results if r.group == group), key=lambda r: r.index)

    def scores(self, name, group=None):
        return [result.scores[name] for result in self.of(group)]

    def times(self, group=None):
        return [result.time for result in self.of(group)]

    def chosen(self, group=None):
        return [result.chosen for result in self.of(group)]

    def most_chosen(self, group=None):
        """``"<choice> (<count>/<splits>)"``, the most frequent choice (first in split
        order on a tie), and its parameters with the grid's single values filled in."""
        chosen = self.chosen(group)
        choice, count = Counter(chosen).most_common(1)[0]
        parameters = {name: values[0] for name, values in (self.grid or {}).items()}
        parameters.update(parse_choice(choice))
        return f"{choice or 'one candidate'} ({count}/{len(chosen)})", parameters


def searcher(model, cv, scoring):
    """The pipeline that chooses the regularization: ``GridSearchCV`` over the model's grid
    (``scoring``), or the ``*CV`` estimator searching its own path on the same folds.
    Features are standardized inside the pipeline, so the scaler sees training rows only."""
    if model.grid is None:
        estimator = clone(model.estimator).set_params(cv=cv)
        return Pipeline([("scale", StandardScaler()), ("model", estimator)])
    if not model.grid:  # nothing to choose: one fit on the training rows
        return Pipeline([("scale", StandardScaler()), ("model", clone(model.estimator))])
    pipeline = Pipeline([("scale", StandardScaler()), ("model", clone(model.estimator))])
    return GridSearchCV(
        pipeline,
        {f"model__{name}": values for name, values in model.grid.items()},
        scoring=scoring,
        cv=cv,
        refit=True,
        error_score="raise",
    )


def chosen_parameters(model, search):
    """The chosen value(s) as text, and whether one lies at an end of its grid (for a
    ``*CV`` estimator: at an end of its path)."""
    if model.grid == {}:
        return "", False
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


def search_and_score(model, split, scoring, evaluate, blas_threads):
    """Choose the regularization on the split's training rows, refit, score on its test rows.

    ``evaluate(model, fitted, X_test, y_test, tasks_test)`` returns the test scores (a dict).
    Every warning is recorded (not silenced) and returned as text. Runs in a worker
    process when the searches run side by side.
    """
    from threadpoolctl import threadpool_limits

    X_train, X_test, y_train, y_test, tasks_train, tasks_test = split.data
    scorer = scoring(model)
    search = searcher(model, split.cv, scorer)
    # The labels go to the search where the model or the scorer takes them (a scorer given
    # by name, such as "r2", does not).
    fit_params = {"tasks": tasks_train} if model.routed or not isinstance(scorer, str) else {}
    with (threadpool_limits(limits=blas_threads, user_api="blas"),
          warnings.catch_warnings(record=True) as caught):
        warnings.simplefilter("always")
        start = time.perf_counter()
        search.fit(X_train, y_train, **fit_params)
        elapsed = time.perf_counter() - start
        fitted = search if not model.grid else search.best_estimator_
        scores = evaluate(model, fitted, X_test, y_test, tasks_test)
    chosen, at_edge = chosen_parameters(model, search)
    n_fits = model.n_candidates * len(split.cv) + 1 if model.grid != {} else 1
    return Result(
        model=model.name, group=split.group, index=split.index, scores=scores, time=elapsed,
        chosen=chosen, at_edge=at_edge, n_fits=n_fits,
        warnings=[(issubclass(w.category, ConvergenceWarning),
                   f"{w.category.__name__}: {w.message}") for w in caught],
    )


def run_searches(models, splits, scoring, evaluate, n_jobs=1, blas_threads=None,
                 desc="searches"):
    """Every model on every split (:func:`search_and_score`), with a progress bar.

    With ``n_jobs`` above 1 the searches run side by side in worker processes
    (joblib), the heaviest (``Model.weight``) first; every search itself runs on
    one process, with ``blas_threads`` BLAS threads (None: the library's default).
    The results are kept by the models in split order, whatever order they finish in.
    """
    # scikit-learn's Parallel hands its configuration (metadata routing) to the workers.
    from sklearn.utils.parallel import Parallel, delayed

    jobs = sorted(((model, split) for split in splits for model in models),
                  key=lambda job: -job[0].weight)
    by_name = {model.name: model for model in models}
    run = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(search_and_score)(replace(model, results=[]), split, scoring, evaluate,
                                  blas_threads)
        for model, split in jobs
    )
    with tqdm(total=len(jobs), desc=desc, unit="search") as progress:
        for result in run:
            model = by_name[result.model]
            model.results.append(result)
            model.n_fits += result.n_fits
            for converge, text in result.warnings:
                model.n_convergence_warnings += converge
                model.n_other_warnings += not converge
                # Every warning is shown, but a model's ConvergenceWarnings only once.
                if not converge or model.n_convergence_warnings == 1:
                    tqdm.write(f"warning from {model.name}: {text}")
            progress.set_postfix_str(f"{result.group or ''} {result.index + 1}: "
                                     f"{model.name.split(' (')[0]}".strip())
            progress.update()
