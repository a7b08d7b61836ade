"""Sparse X: fits on a text-sized CSR matrix, time and peak memory, never densified.

Generated data (default: 40,000 rows, 200,000 features, density 5·10⁻⁴, so 4·10⁶
non-zeros, 20 routed tasks of equal size): a CSR X with uniform values in [0, 1),
task labels drawn uniformly, and ``y = x·w_t + b_t + noise`` where every task uses
the same 200 "shared words" (coefficients of one sign per word, task-specific sizes)
plus 20 words of its own.  A dense X would take 64 GB.

Measured, one fit each (after an untimed warm-up fit on a small problem, so that
compiling the kernels is not counted):

(a) ``IndependentLassoRegressor`` (alpha a tenth of the smallest that gives W = 0)
    against one scikit-learn ``Lasso`` per task on the same CSC rows, at equal
    objective: both solved to a relative duality gap of
    ``--tol`` (scikit-learn's ``tol`` is relative to ``||y||²``, half the objective
    at zero that skmtl's certificate divides by, so it gets ``tol / 2``); the
    objective of both solutions is reported, and the time ratio (target ≤ 1.0);
(b) ``JointFeatureRegressor``, ``JointFeatureClassifier`` (labels: the target above
    its median) at a tenth of the smallest alpha that selects nothing,
    ``TraceNormRegressor`` at 0.3 of it, ``MeanRegularizedRegressor`` (alpha 1): the
    time of each fit, its certificate, and for the joint feature models how many of
    the shared words are selected;
(c) the peak resident memory of every fit (Linux ``VmHWM``, reset before each fit
    through ``/proc/self/clear_refs``; elsewhere the process's peak so far), against
    the 3 GiB target.

Writes ``sparse.md`` to ``--output-dir``; ``--quick`` (4,000 rows, 20,000 features,
density 2·10⁻³, 5 tasks) writes ``sparse_quick.md`` instead.
"""

import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine_header, make_parser, markdown_table, write_lines  # noqa: E402

from skmtl import (  # noqa: E402
    IndependentLassoRegressor,
    JointFeatureClassifier,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    TraceNormRegressor,
)

SHARED_WORDS = 200
OWN_WORDS = 20
NOISE = 0.1
MEMORY_TARGET = 3 * 2**30
#: name -> (estimator class, parameters, classification?)
#: The norm penalties' alpha is this fraction of the smallest alpha giving W = 0.
MODELS = {
    "JointFeatureRegressor": (JointFeatureRegressor, {"alpha": 0.1}, False),
    "JointFeatureClassifier": (JointFeatureClassifier, {"alpha": 0.1}, True),
    "MeanRegularizedRegressor": (MeanRegularizedRegressor, {"alpha": 1.0}, False),
    "TraceNormRegressor": (TraceNormRegressor, {"alpha": 0.3}, False),
}
#: The lasso's alpha, as a fraction of the smallest alpha giving W = 0.
LASSO_FRACTION = 0.1


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _peak_bytes():
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            fields = dict(line.split(":", 1) for line in fh if line.startswith("Vm"))
        return int(fields["VmHWM"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def measured(function):
    """(result, seconds, peak resident bytes) of one call."""
    _reset_peak()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = function()
    return result, time.perf_counter() - start, _peak_bytes()


def make_data(n_rows, n_features, density, n_tasks, seed=0):
    """CSR X, targets, task labels, and the shared words (feature indices)."""
    rng = np.random.default_rng(seed)
    nnz = int(round(n_rows * n_features * density))
    rows = rng.integers(0, n_rows, nnz)
    columns = rng.integers(0, n_features, nnz)
    X = sp.csr_array((rng.random(nnz), (rows, columns)), shape=(n_rows, n_features))
    X.sum_duplicates()
    X.indices, X.indptr = X.indices.astype(np.int32), X.indptr.astype(np.int32)
    tasks = rng.integers(0, n_tasks, n_rows)
    words = rng.choice(n_features, SHARED_WORDS + n_tasks * OWN_WORDS, replace=False)
    shared = words[:SHARED_WORDS]
    coef = np.zeros((n_tasks, n_features))
    signs = rng.choice([-1.0, 1.0], SHARED_WORDS)
    coef[:, shared] = signs * rng.uniform(1.0, 3.0, (n_tasks, SHARED_WORDS))
    for t in range(n_tasks):
        own = words[SHARED_WORDS + t * OWN_WORDS:SHARED_WORDS + (t + 1) * OWN_WORDS]
        coef[t, own] = rng.uniform(1.0, 3.0, OWN_WORDS) * rng.choice([-1.0, 1.0], OWN_WORDS)
    order = np.argsort(tasks, kind="stable")
    counts = np.bincount(tasks, minlength=n_tasks)
    signal = np.empty(n_rows)
    start = 0
    for t, count in enumerate(counts):
        rows_t = order[start:start + count]
        signal[rows_t] = X[rows_t] @ coef[t]
        start += count
    y = signal + rng.normal(0.0, 1.0, n_tasks)[tasks] + NOISE * rng.standard_normal(n_rows)
    return X, y, tasks, shared


def lasso_objective(X, y, coef, intercept, alpha):
    """:math:`\\frac1{2n}\\|y - Xw - b\\|^2 + \\alpha\\|w\\|_1` of one task."""
    residual = y - X @ coef - intercept
    return 0.5 * np.mean(residual**2) + alpha * np.sum(np.abs(coef))


def run_lasso(X, y, tasks, tol):
    """skmtl's IndependentLassoRegressor against one scikit-learn Lasso per task."""
    labels = np.unique(tasks)
    alpha = LASSO_FRACTION * largest_alpha(IndependentLassoRegressor, X, y, tasks)
    model, ours, our_peak = measured(lambda: IndependentLassoRegressor(
        alpha=alpha, tol=tol, max_iter=100000).fit(X, y, tasks=tasks))
    columns = X.tocsc()
    parts = [(columns[tasks == t], y[tasks == t]) for t in labels]

    def per_task():
        return [Lasso(alpha=alpha, tol=tol / 2, max_iter=100000).fit(rows, target)
                for rows, target in parts]

    reference, theirs, their_peak = measured(per_task)
    objective_ours = sum(lasso_objective(rows, target, model.coef_[t], model.intercept_[t],
                                         alpha)
                         for t, (rows, target) in enumerate(parts))
    objective_theirs = sum(lasso_objective(rows, target, fit.coef_, fit.intercept_, alpha)
                           for (rows, target), fit in zip(parts, reference, strict=True))
    support = int(np.count_nonzero(model.coef_))
    return {"ours": ours, "theirs": theirs, "our_peak": our_peak, "their_peak": their_peak,
            "objective_ours": objective_ours, "objective_theirs": objective_theirs,
            "certificate": model.certificate_, "support": support, "alpha": alpha}


def largest_alpha(cls, X, y, tasks):
    """The smallest alpha with W = 0: the dual norm of the data term's gradient there
    (largest column norm for L2,1, spectral norm for the trace norm)."""
    gradient = cls()._data_term_at_zero(X, y, tasks=tasks)[0]
    if cls is TraceNormRegressor:
        return float(np.linalg.norm(gradient, 2))
    if cls is IndependentLassoRegressor:
        return float(np.max(np.abs(gradient)))
    return float(np.max(np.linalg.norm(gradient, axis=0)))


def run_model(name, X, y, tasks, shared, tol):
    cls, params, classify = MODELS[name]
    target = (y > np.median(y)).astype(int) if classify else y
    if cls is not MeanRegularizedRegressor:
        params = {"alpha": params["alpha"] * largest_alpha(cls, X, target, tasks)}
    model, seconds, peak = measured(
        lambda: cls(**params, tol=tol).fit(X, target, tasks=tasks))
    selected = ""
    if name.startswith("JointFeature"):
        chosen = np.flatnonzero(np.linalg.norm(model.coef_, axis=0) > 0)
        hits = np.intersect1d(chosen, shared).size
        selected = f"{hits}/{SHARED_WORDS} shared words in {chosen.size} selected"
    return seconds, peak, model.certificate_, selected


def main():
    parser = make_parser(__doc__, "a small problem, written to sparse_quick.md")
    parser.add_argument("--rows", type=int, default=40_000)
    parser.add_argument("--features", type=int, default=200_000)
    parser.add_argument("--density", type=float, default=5e-4)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--tol", type=float, default=1e-6,
                        help="relative duality gap of every fit (default 1e-6)")
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="BLAS threads of every fit (default 1: the products are sparse, "
                             "and idle BLAS threads only compete for the cores)")
    args = parser.parse_args()
    with threadpool_limits(args.blas_threads, user_api="blas"):
        run(args)


def run(args):
    if args.quick:
        args.rows, args.features, args.density, args.tasks = 4000, 20_000, 2e-3, 5
    # Warm-up: compile the coordinate-descent kernels outside the timings.
    small = make_data(400, 2000, 0.01, 3, seed=1)
    IndependentLassoRegressor(alpha=0.005).fit(small[0], small[1], tasks=small[2])
    JointFeatureRegressor(alpha=0.02).fit(small[0], small[1], tasks=small[2])

    X, y, tasks, shared = make_data(args.rows, args.features, args.density, args.tasks)
    print(f"X: {X.shape[0]} x {X.shape[1]}, {X.nnz} non-zeros", flush=True)
    lasso = run_lasso(X, y, tasks, args.tol)
    print(f"lasso: {lasso}", flush=True)
    rows = []
    for name in args.models:
        seconds, peak, certificate, selected = run_model(name, X, y, tasks, shared, args.tol)
        print(f"{name}: {seconds:.2f} s, {peak / 2**30:.2f} GiB, {certificate:.2g} {selected}",
              flush=True)
        rows.append([name, f"{seconds:.2f}", f"{peak / 2**30:.2f}",
                     "yes" if peak <= MEMORY_TARGET else "**no**", f"{certificate:.2g}",
                     selected])

    ratio = lasso["ours"] / lasso["theirs"]
    lines = machine_header("Sparse X: text-sized fits", "sparse_x.py") + [
        "",
        f"X: {X.shape[0]:,} rows × {X.shape[1]:,} features, {X.nnz:,} non-zeros "
        f"(density {args.density:g}), {args.tasks} routed tasks; a dense X would take "
        f"{X.shape[0] * X.shape[1] * 8 / 1e9:.0f} GB.  Every fit to a relative duality gap "
        f"of {args.tol:g}, {args.blas_threads} BLAS thread(s); peak resident memory of each "
        "fit (`VmHWM`, reset before it).",
        "",
        "## IndependentLassoRegressor against one scikit-learn Lasso per task",
        "",
        f"alpha = {lasso['alpha']:.4g} (a tenth of the smallest alpha giving W = 0), the "
        "same CSC rows, implicit centring in both.",
        "",
        *markdown_table(
            ["", "time (s)", "peak memory (GiB)", "objective (sum over tasks)"],
            [["skmtl IndependentLassoRegressor", f"{lasso['ours']:.2f}",
              f"{lasso['our_peak'] / 2**30:.2f}", f"{lasso['objective_ours']:.10g}"],
             ["scikit-learn Lasso per task", f"{lasso['theirs']:.2f}",
              f"{lasso['their_peak'] / 2**30:.2f}", f"{lasso['objective_theirs']:.10g}"]]),
        "",
        f"Time ratio skmtl / scikit-learn: **{ratio:.2f}** (target ≤ 1.0: "
        f"{'met' if ratio <= 1.0 else '**not met**'}); {lasso['support']} non-zero "
        f"coefficients; skmtl's certificate {lasso['certificate']:.2g}.",
        "",
        "## Other families",
        "",
        *markdown_table(["estimator", "time (s)", "peak memory (GiB)", "≤ 3 GiB",
                         "certificate", "shared words"], rows),
        "",
    ]
    name = "sparse_quick.md" if args.quick else "sparse.md"
    write_lines(args.output_dir / name, lines)
    print(f"wrote {args.output_dir / name}")


if __name__ == "__main__":
    main()
