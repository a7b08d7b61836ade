"""Classifiers on dask with many features: passes with Hessian blocks against gradient passes.

On dask input a classifier's solver asks the chunks, once per pass, for the
value and gradient at one point, and on the *block route* also for the per-task
Hessian blocks (T p² numbers, O(n p²) work per pass; Newton, proximal Newton).
The *gradient route* leaves them out (T p numbers, O(n p) per pass) and takes
L-BFGS for the smooth families, FISTA for the norms, with more passes.
``solver='auto'`` switches at ``skmtl._dask_logistic.WIDEST_BLOCKS`` columns
(``blocks_pay``); this script measures where the switch pays.

A ``LocalCluster`` of ``--workers`` worker processes (one thread each) holds
``--rows`` rows × d features × ``--tasks`` tasks in ``--chunks`` chunks,
generated and persisted on the workers (standard normal features, uniform
tasks, labels from a logistic model with a task shift on the first five
features).  For each d of ``--features`` a ``MeanRegularizedClassifier``
(``alpha=1``, ``l2=1e-3``, default ``tol``) is fitted on both routes, the switch
forced either way: wall time of ``fit``, passes (``n_passes_``), solver steps,
and the largest coefficient difference between the two fits.

Writes ``dask_wide.md`` to ``--output-dir`` (``dask_wide_quick.md`` with
``--quick``: 4000 rows, d in 20 and 80).
"""

import sys
import time
from pathlib import Path

import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine_header, make_parser, markdown_table, write_lines  # noqa: E402

from skmtl import MeanRegularizedClassifier, _dask_logistic  # noqa: E402

PARAMETERS = {"alpha": 1.0, "l2": 1e-3}
#: WIDEST_BLOCKS forcing each route.
ROUTES = {"blocks": 10**9, "gradient": 0}


def generate(rows, features, tasks, chunks, seed):
    """Persisted dask arrays X, y, tasks; every chunk generated on a worker."""
    rng = da.random.default_rng(seed)
    size = -(-rows // chunks)
    X = rng.standard_normal(size=(rows, features), chunks=(size, features))
    task = rng.integers(0, tasks, size=rows, chunks=size)
    margin = X[:, :5].sum(axis=1) * (0.5 + task / tasks) + 0.2 * X[:, 5:].sum(axis=1) / np.sqrt(
        max(features - 5, 1))
    labels = (margin + rng.logistic(size=rows, chunks=size) > 0).astype(np.int64)
    X, labels, task = (value.persist() for value in (X, labels, task))
    return X, labels, task


def fit_route(route, X, y, tasks):
    """The fit with the switch forced to ``route``, and its wall time."""
    saved = _dask_logistic.WIDEST_BLOCKS, _dask_logistic.BLOCK_BYTES
    _dask_logistic.WIDEST_BLOCKS, _dask_logistic.BLOCK_BYTES = ROUTES[route], 2**62
    try:
        start = time.perf_counter()
        model = MeanRegularizedClassifier(**PARAMETERS).fit(X, y, tasks=tasks)
        return model, time.perf_counter() - start
    finally:
        _dask_logistic.WIDEST_BLOCKS, _dask_logistic.BLOCK_BYTES = saved


def main():
    parser = make_parser(__doc__, "4000 rows, d in 20 and 80 (seconds)")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--features", type=int, nargs="+", default=[50, 200, 800, 2000])
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.features = 4000, [20, 80]
    table = []
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        for features in args.features:
            X, y, tasks = generate(args.rows, features, args.tasks, args.chunks, args.seed)
            fits = {route: fit_route(route, X, y, tasks) for route in ROUTES}
            difference = float(np.max(np.abs(fits["blocks"][0].coef_
                                              - fits["gradient"][0].coef_)))
            for route, (model, seconds) in fits.items():
                table.append([str(features), route, f"{seconds:.2f}", str(model.n_passes_),
                              str(model.n_iter_), f"{seconds / model.n_passes_:.3f}",
                              f"{difference:.1e}"])
                print(*table[-1], flush=True)
    lines = machine_header("Classifiers on dask: Hessian blocks against gradient passes",
                           "dask_wide.py", ("dask", "distributed"))
    lines += ["", f"{args.rows} rows, {args.tasks} tasks, {args.chunks} chunks, "
              f"{args.workers} worker processes; MeanRegularizedClassifier {PARAMETERS}; "
              f"solver='auto' switches at WIDEST_BLOCKS = {_dask_logistic.WIDEST_BLOCKS} "
              "columns.", ""]
    lines += markdown_table(["d", "route", "fit (s)", "passes", "steps", "s / pass",
                             "max coef difference"], table)
    name = "dask_wide_quick.md" if args.quick else "dask_wide.md"
    print(write_lines(args.output_dir / name, lines + [""]))


if __name__ == "__main__":
    main()
