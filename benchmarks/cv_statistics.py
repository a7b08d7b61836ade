"""RegressorCV on NumPy rows: a fit on the rows of every fold against per-fold statistics.

``*RegressorCV.fit`` on in-memory rows either fits every fold's path on its
training rows (the *rows* route) or forms, in one pass, the statistics of every
fold's held-out rows and fits each fold from the total minus them, scoring the
held-out rows from their own statistics (the *statistics* route, the one of dask
input).  NumPy input takes the statistics from
``skmtl.model_selection._statistics_cv.FOLD_STATISTICS_WORK`` rows × features²
on (``fold_statistics_pay``); this script measures both routes, the rule forced
either way, on the same folds:

- School (15 362 rows, 27 features, 139 tasks), ``HashedKFold(5)`` and the
  default ``cv=5`` (``WithinTaskKFold``);
- generated rows (standard normal features, uniform tasks, a shared linear model
  plus small task deviations, task shifts and noise) of each size in ``--sizes``
  (rows, features, tasks; by default up to 10⁶ × 50 × 200), ``HashedKFold(5)``.

Each search is a ``MeanRegularizedRegressorCV`` with ``--alphas`` (20) alphas and
a refit, best of ``--repeats`` wall times; the report gives both times, their
ratio, and whether the two searches agree (the same ``alpha_``, the largest
coefficient difference).  Writes ``cv_statistics.md`` to ``--output-dir``
(``cv_statistics_quick.md`` with ``--quick``: School and 2·10⁴ × 20 × 50).
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine_header, make_parser, markdown_table, write_lines  # noqa: E402

from skmtl import MeanRegularizedRegressorCV  # noqa: E402
from skmtl.datasets import load_school  # noqa: E402
from skmtl.model_selection import HashedKFold, _statistics_cv  # noqa: E402

DEFAULT_SIZES = ["100000x20x50", "100000x50x200", "1000000x50x200"]
#: FOLD_STATISTICS_WORK forcing each route.
ROUTES = {"rows": np.inf, "statistics": 0}


#: Size of the task deviations from the shared model (against 1 for the shared model
#: and the noise): the best alpha lies inside the grid.
DEVIATION = 0.1
#: Rows per block when the targets are computed.
BLOCK = 65536


def generate(rows, features, tasks, seed):
    """Rows of a shared linear model plus small task deviations, task shifts and noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, features))
    labels = rng.integers(0, tasks, rows)
    coef = rng.standard_normal(features) + DEVIATION * rng.standard_normal((tasks, features))
    y = rng.standard_normal(tasks)[labels] + rng.standard_normal(rows)
    for start in range(0, rows, BLOCK):
        part = slice(start, start + BLOCK)
        y[part] += np.einsum("nd,nd->n", X[part], coef[labels[part]])
    return X, y, labels


def timed_search(route, cv, alphas, repeats, X, y, tasks):
    """The best wall time of the search on ``route``, and the search."""
    saved = _statistics_cv.FOLD_STATISTICS_WORK
    _statistics_cv.FOLD_STATISTICS_WORK = ROUTES[route]
    try:
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            search = MeanRegularizedRegressorCV(alphas=alphas, cv=cv).fit(X, y, tasks=tasks)
            best = min(best, time.perf_counter() - start)
        return best, search
    finally:
        _statistics_cv.FOLD_STATISTICS_WORK = saved


def compare(name, cv, alphas, repeats, X, y, tasks):
    times, searches = {}, {}
    for route in ROUTES:
        times[route], searches[route] = timed_search(route, cv, alphas, repeats, X, y, tasks)
    rows, statistics = searches["rows"], searches["statistics"]
    row = [name, f"{X.shape[0]} × {X.shape[1]} × {np.unique(tasks).size}",
           f"{X.shape[0] * X.shape[1] ** 2:.1e}", f"{times['rows']:.2f}",
           f"{times['statistics']:.2f}", f"{times['rows'] / times['statistics']:.1f}",
           str(rows.best_index_ == statistics.best_index_
               and np.isclose(rows.alpha_, statistics.alpha_, rtol=1e-9, atol=0)),
           f"{np.max(np.abs(rows.coef_ - statistics.coef_)):.1e}"]
    print(*row, flush=True)
    return row


def main():
    parser = make_parser(__doc__, "School and 2·10⁴ × 20 × 50 (seconds)")
    parser.add_argument("--sizes", nargs="+", default=DEFAULT_SIZES,
                        help="generated problems, rows x features x tasks")
    parser.add_argument("--alphas", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.sizes = ["20000x20x50"]
    X, y, tasks = load_school(return_X_y=True)
    X = np.asarray(X, dtype=np.float64)
    table = [compare("School, HashedKFold(5)", HashedKFold(5), args.alphas, args.repeats,
                     X, y, tasks),
             compare("School, cv=5 (WithinTaskKFold)", 5, args.alphas, args.repeats,
                     X, y, tasks)]
    for size in args.sizes:
        rows, features, n_tasks = (int(part) for part in size.split("x"))
        table.append(compare("generated, HashedKFold(5)", HashedKFold(5), args.alphas,
                             args.repeats, *generate(rows, features, n_tasks, args.seed)))
    lines = machine_header("RegressorCV on NumPy rows: fits on rows against fold statistics",
                           "cv_statistics.py")
    lines += ["", f"MeanRegularizedRegressorCV, {args.alphas} alphas, refit; best of "
              f"{args.repeats}. NumPy input takes the statistics from n·d² = "
              f"{_statistics_cv.FOLD_STATISTICS_WORK:.0e} on.", ""]
    lines += markdown_table(["data", "n × d × T", "n·d²", "rows (s)", "statistics (s)",
                             "speed-up", "same alpha_", "max coef difference"], table)
    name = "cv_statistics_quick.md" if args.quick else "cv_statistics.md"
    print(write_lines(args.output_dir / name, lines + [""]))


if __name__ == "__main__":
    main()
