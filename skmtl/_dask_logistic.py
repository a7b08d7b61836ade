r"""The logistic loss of dask data: each solver step is one pass over the chunks.

The classifiers' solvers (Newton, proximal Newton, FISTA; :mod:`skmtl.solvers.logistic`)
ask the loss for values, gradients, per-task Hessian blocks
:math:`\sum_{i \in t} h_i \tilde x_i \tilde x_i^\top` and dual points at a few
coefficients :math:`\Theta` each step.  Here every chunk holds the
:class:`~skmtl.losses.logistic.LogisticLoss` of its own rows, built with the task
masses and means of all rows so that the loss of all rows is the sum of the chunks'
(kept on the workers when they fit in their memory, else computed again from the
source every pass: :func:`skmtl._dask.keep_if_they_fit`); a *pass* maps one
:math:`\Theta` to every chunk, which returns its value, gradient, Hessian blocks and
the two classes' dual correlations there (O(T p²) numbers), and sums them in a tree.
The solver then takes its step locally on the sums, as it would in memory.  A line search costs one
pass per trial point, which also gives the next step's blocks.  A duality gap needs
the dual's entropy at the scalings it tries, which depend on the sums at its point:
proximal Newton asks for it with the pass of its next trial point
(:meth:`DaskLogisticLoss.measure_ahead`), so it costs no pass of its own.

Everything the solvers ask at one point comes from one pass, so a Newton or
proximal Newton fit takes about as many passes as steps.  Blocks are p×p per task: past
:func:`blocks_pay` (and with ``solver='fista'``) the passes leave them out, O(n p)
each instead of O(n p²) and T p numbers instead of T p², and ``solver='auto'``
takes the gradient route: L-BFGS for the smooth families, FISTA for the norms,
many more passes.

A chunk may be a SciPy sparse matrix: its loss is then the in-memory sparse
:class:`~skmtl.losses.logistic.LogisticLoss` (rows kept sparse, centred implicitly),
whose T per-task blocks must fit the size rule of
:func:`~skmtl._sparse.affordable_products`.
"""

from dataclasses import dataclass

import numpy as np

from ._array_api import batched_matvec, largest_eigenvalue
from ._dask import keep_if_they_fit, tree_reduce
from ._sparse import as_csr, is_sparse, require_affordable, row_dot, small_dense
from ._tasks import as_label_array
from .losses.dual import Dual
from .losses.logistic import balance, class_start, logistic_loss
from .model_selection._splitters import hashed_folds
from .statistics import _piece_weights

#: The widest rows of coefficients (p = d + 1 with intercepts) whose Hessian blocks the
#: passes return under ``solver='auto'``: a pass with blocks costs O(n p²) against the
#: gradient route's O(n p), which takes 3 to 6 times more passes; the two broke even
#: between d = 100 and 300 (``benchmarks/dask_wide.py``; docs: "Classifiers on dask").
WIDEST_BLOCKS = 150
#: The largest pass result of blocks, T p² float64 numbers (each tree-reduce step
#: holds a few of them).
BLOCK_BYTES = 2**30


def blocks_pay(n_tasks, width):
    """Whether ``solver='auto'`` fits a classifier on dask by passes with the per-task
    Hessian blocks (Newton, proximal Newton) rather than by gradient passes (L-BFGS,
    FISTA): at most :data:`WIDEST_BLOCKS` columns and :data:`BLOCK_BYTES` of blocks."""
    return width <= WIDEST_BLOCKS and 8 * n_tasks * width**2 <= BLOCK_BYTES


#: Points whose pass results are kept (the solvers come back to the start, which the
#: certificates are relative to, and to the last accepted point).
_KEPT_POINTS = 4


def kept_bytes(n_rows, width):
    """About the memory of ``n_rows`` rows of a chunk's loss: features and a few values
    per row."""
    return 8 * n_rows * (width + 8)


# ------------------------------------------------------------------- chunk rows
def observed(y):
    """Where a shared-design y holds a label (not NaN)."""
    return ~np.isnan(y) if y.dtype.kind == "f" else np.ones(y.shape, dtype=bool)


def select_rows(chunk, start, folds, held_out, entries=True):
    """The chunk's rows (X, y, tasks, weights) as NumPy (X as CSR if sparse), or those of
    one fold.

    ``folds`` is None (every row) or ``(n_splits, seed, k)``: the rows of the hashed
    fold k (``held_out``) or all the others.  A 2-D y (the shared design) becomes,
    with ``entries``, labelled rows: row i once for each task t (labelled t) whose
    label ``y[i, t]`` is observed, with the row's weight, which leaves the loss
    unchanged.
    """
    X, y, tasks, weights = chunk
    sparse = is_sparse(X)
    X = as_csr(X).astype(np.float64, copy=False) if sparse else np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    n_rows = X.shape[0]
    tasks = np.zeros(n_rows, dtype=np.int64) if tasks is None else as_label_array(tasks, n_rows)
    weights = _piece_weights(weights, n_rows)
    if folds is not None:
        n_splits, seed, k = folds
        rows = (hashed_folds(start, start + n_rows, n_splits, seed) == k) == held_out
        X, y, tasks, weights = X[rows], y[rows], tasks[rows], weights[rows]
    if y.ndim == 2 and entries:
        rows, tasks = np.nonzero(observed(y))
        X, y, weights = X[rows], y[rows, tasks], weights[rows]
    return (X if sparse else np.ascontiguousarray(X)), y, tasks, weights


@dataclass
class ClassTotals:
    """Per task: rows, the weight of each class and the weighted sum of the features."""

    labels: np.ndarray
    classes: np.ndarray
    count: np.ndarray
    mass: np.ndarray  # (T, C)
    x_sum: np.ndarray  # (T, d)

    @classmethod
    def of(cls, X, y, tasks, weights):
        from scipy.sparse import csr_matrix

        labels, task_index = np.unique(tasks, return_inverse=True)
        classes, class_index = np.unique(y, return_inverse=True)
        task_index, class_index = task_index.reshape(-1), class_index.reshape(-1)
        n_tasks, n_classes = labels.size, classes.size
        mass = np.bincount(task_index * n_classes + class_index, weights,
                           minlength=n_tasks * n_classes).reshape(n_tasks, n_classes)
        rows = np.arange(X.shape[0])
        x_sum = csr_matrix((weights, (task_index, rows)), shape=(n_tasks, X.shape[0])) @ X
        return cls(labels, classes, np.bincount(task_index, minlength=n_tasks), mass,
                   small_dense(x_sum) if is_sparse(x_sum) else np.asarray(x_sum))

    def _on(self, labels, classes):
        rows, columns = np.searchsorted(labels, self.labels), np.searchsorted(classes, self.classes)
        count = np.zeros(labels.size, dtype=np.int64)
        mass = np.zeros((labels.size, classes.size))
        x_sum = np.zeros((labels.size, self.x_sum.shape[1]))
        count[rows] = self.count
        mass[np.ix_(rows, columns)] = self.mass
        x_sum[rows] = self.x_sum
        return count, mass, x_sum

    def merge(self, other):
        labels = np.union1d(self.labels, other.labels)
        classes = np.union1d(self.classes, other.classes)
        first, second = self._on(labels, classes), other._on(labels, classes)
        return ClassTotals(labels, classes, *(a + b for a, b in zip(first, second, strict=True)))

    def subtract(self, part):
        """The totals of the rows not in ``part`` (a subset); tasks left empty dropped."""
        count, mass, x_sum = (a - b for a, b in zip(self._on(self.labels, self.classes),
                                                     part._on(self.labels, self.classes),
                                                     strict=True))
        kept = count > 0
        return ClassTotals(self.labels[kept], self.classes, count[kept],
                           np.maximum(mass[kept], 0.0), x_sum[kept])

    @property
    def weight(self):
        """:math:`S_t`."""
        return self.mass.sum(axis=1)


def _fold_totals(chunk, start, n_splits, seed):
    """ClassTotals of every fold of one chunk (one fold: all rows)."""
    if n_splits is None:
        return [ClassTotals.of(*select_rows(chunk, start, None, True))]
    return [ClassTotals.of(*select_rows(chunk, start, (n_splits, seed, k), True))
            for k in range(n_splits)]


def _merge_fold_totals(first, second):
    return [a.merge(b) for a, b in zip(first, second, strict=True)]


def fold_totals(chunks, starts, n_splits=None, seed=0):
    """One pass: the ClassTotals of every hashed fold (or of all rows)."""
    from dask import delayed

    part = delayed(_fold_totals, pure=True)
    parts = [part(chunk, start, n_splits, seed) for chunk, start in zip(chunks, starts,
                                                                         strict=True)]
    return tree_reduce(parts, _merge_fold_totals).compute()


# ------------------------------------------------------------------ the problem
@dataclass(frozen=True)
class LogisticSetup:
    """What the loss of the rows needs from all of them, and what the fit starts from."""

    labels: np.ndarray
    positive_class: object
    task_scale: np.ndarray
    positive: np.ndarray
    negative: np.ndarray
    x_offset: np.ndarray
    single_class: np.ndarray
    start: np.ndarray
    n_rows: int

    @classmethod
    def of(cls, totals, classes, task_scale, fit_intercept):
        """From the ClassTotals of the training rows and the two classes."""
        mass = totals._on(totals.labels, np.asarray(classes))[1]
        negative, positive = mass[:, 0], mass[:, 1]
        weight = positive + negative
        x_offset = totals.x_sum / np.where(weight > 0, weight, 1.0)[:, None]
        if not fit_intercept:
            x_offset = np.zeros_like(x_offset)
        width = totals.x_sum.shape[1] + int(fit_intercept)
        single_class, start = class_start(positive, negative, fit_intercept, width,
                                          x_offset.dtype, "cpu", np)
        return cls(totals.labels, classes[1], np.asarray(task_scale, dtype=np.float64),
                   positive, negative, x_offset, single_class, start, int(totals.count.sum()))


def _chunk_loss(chunk, start, folds, setup, fit_intercept):
    """The LogisticLoss of one chunk's (training) rows within all rows; None if empty.  A
    sparse chunk forms its T per-task Hessian blocks only under the size rule."""
    X, y, tasks, weights = select_rows(chunk, start, folds, False)
    if X.shape[0] == 0:
        return None
    require_affordable(setup.labels.size, setup.start.shape[1], X, "Hessian blocks")
    task_index = np.searchsorted(setup.labels, tasks)
    signs = np.where(y == setup.positive_class, 1.0, -1.0)
    return logistic_loss(X, signs, weights, task_index, setup.labels.size, setup.task_scale,
                         fit_intercept, np,
                         totals=(setup.positive, setup.negative, setup.x_offset))[0]


@dataclass
class _Moments:
    value: float
    gradient: np.ndarray
    blocks: np.ndarray
    diagonal: np.ndarray
    positive: np.ndarray
    negative: np.ndarray
    separated: np.ndarray

    def __add__(self, other):
        blocks = None if self.blocks is None else self.blocks + other.blocks
        return _Moments(self.value + other.value, self.gradient + other.gradient,
                        blocks, None, self.positive + other.positive,
                        self.negative + other.negative, self.separated & other.separated)


def _add(first, second):
    if first is None or second is None:
        return second if first is None else first
    return first + second


def _chunk_moments(loss, theta, with_blocks):
    if loss is None:
        return None
    value, gradient = loss.value_and_gradient(theta)
    blocks = loss.hessian_blocks(loss.curvature(theta)) if with_blocks else None
    positive, negative = loss.class_correlations(loss.slopes(theta))
    return _Moments(float(value), gradient, blocks, None, positive, negative,
                    loss.separated_tasks(theta))


def _chunk_entropy(loss, theta, keep, kappas):
    if loss is None:
        return None
    variables = loss.slopes(theta) * loss.per_class(keep)
    return np.array([float(loss.dual_value(kappa * variables)) for kappa in kappas])


def _chunk_moments_and_entropy(loss, theta, with_blocks, dual_theta, keep, kappas):
    if loss is None:
        return None
    return (_chunk_moments(loss, theta, with_blocks),
            _chunk_entropy(loss, dual_theta, keep, kappas))


def _add_pairs(first, second):
    if first is None or second is None:
        return _add(first, second)
    return first[0] + second[0], first[1] + second[1]


def _chunk_lipschitz_blocks(loss):
    return None if loss is None else loss.hessian_blocks(loss.row_weight)


def _chunk_blocks(loss, theta):
    return None if loss is None else loss.hessian_blocks(loss.curvature(theta))


def _squared_rows_times(loss, values):
    r"""Per task :math:`\sum_{i \in t} v_i \tilde x_i^2` (squared entries), (T, p): the
    diagonals of the blocks without forming them (the chunk's rows are dense)."""
    from copy import copy

    squared = copy(loss.rows)
    squared.X = loss.rows.X * loss.rows.X
    return squared.rows_times(values)


def _chunk_diagonal(loss, theta):
    return None if loss is None else _squared_rows_times(loss, loss.curvature(theta))


def _chunk_traces(loss):
    """Per task the trace of the block of the row weights, an upper bound of its
    largest eigenvalue."""
    return None if loss is None else _squared_rows_times(loss, loss.row_weight).sum(axis=1)


def _chunk_hessian_matvec(loss, theta, direction):
    return None if loss is None else loss.hessian_matvec(loss.curvature(theta), direction)


class _Point:
    """The curvature at theta: the Hessian blocks come from the pass at theta."""

    def __init__(self, theta):
        self.theta = theta


class DaskLogisticLoss:
    """The logistic loss of dask data (the interface of LogisticLoss the solvers use).

    Parameters
    ----------
    chunks : list of tuples of delayed values
        Each chunk's (X, y, tasks, sample_weight).
    starts : list of int
        Each chunk's first row position (for the hashed folds).
    setup : LogisticSetup
    fit_intercept : bool
    folds : tuple or None
        ``(n_splits, seed, k)``: the loss of the rows outside the hashed fold k.
    with_blocks : bool, default=True
        Whether every pass also returns the Hessian blocks (the Newton solvers use
        them at every point); else (the gradient route) a pass costs O(n p), the
        Lipschitz bound is the largest trace of the blocks, a Hessian product or
        diagonal takes a pass of its own, and the solvers' ``'auto'`` takes L-BFGS
        or FISTA (``dense_blocks`` and ``gradient_only``).

    Attributes
    ----------
    n_passes : int
        Passes over the chunks so far.
    """

    xp = np
    dtype = np.float64
    device = "cpu"

    def __init__(self, chunks, starts, setup, fit_intercept, folds=None, with_blocks=True):
        from dask import delayed

        part = delayed(_chunk_loss, pure=True)
        self.parts = keep_if_they_fit(
            [part(chunk, start, folds, setup, fit_intercept)
             for chunk, start in zip(chunks, starts, strict=True)],
            kept_bytes(setup.n_rows, setup.start.shape[1]))
        self.n_tasks = setup.labels.size
        self.width = setup.start.shape[1]
        self.fit_intercept = fit_intercept
        self.has_empty_tasks = bool(np.any(setup.single_class != 0))
        self.n_rows = setup.n_rows
        self.n_passes = 0
        self.with_blocks = with_blocks
        self._moments, self._entropy, self._lipschitz = {}, {}, None
        self._asked = None

    @property
    def dense_blocks(self):
        """Whether the passes return the per-task Hessian blocks (proximal Newton)."""
        return self.with_blocks

    @property
    def gradient_only(self):
        """Whether a Hessian product costs a pass (no blocks): L-BFGS, not Newton-CG."""
        return not self.with_blocks

    @property
    def n_features(self):
        return self.width - int(self.fit_intercept)

    def _pass(self, function, *arguments, combine=_add):
        from dask import delayed

        self.n_passes += 1
        shared = [delayed(argument) for argument in arguments]
        call = delayed(function, pure=True)
        return tree_reduce([call(part, *shared) for part in self.parts], combine).compute()

    def _remember(self, key, moments):
        if len(self._moments) >= _KEPT_POINTS:  # the first point, the start, stays
            self._moments.pop(list(self._moments)[1])
        self._moments[key] = moments

    def _at(self, theta):
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        key = theta.tobytes()
        if key not in self._moments:
            self._remember(key, self._pass(_chunk_moments, theta, self.with_blocks))
        return self._moments[key]

    def measure_ahead(self, point, measure):
        """One pass for two questions: the loss at ``point`` (the solver's next trial)
        and the dual entropies that ``measure()`` (a certificate at the current point,
        whose moments are known) asks for; ``measure()`` is then answered without a pass.

        A dry run of ``measure()`` names the dual points it asks for (which depend only
        on the moments), so proximal Newton's steps cost one pass each, not two.
        """
        self._asked = {}
        try:
            measure()
        finally:
            asked, self._asked = self._asked, None
        point = np.ascontiguousarray(point, dtype=np.float64)
        if len(asked) != 1:  # nothing or more than one point asked: no pass to share
            self._at(point)
            return
        [(key, (theta, keep, kappas))] = asked.items()
        kappas = sorted(kappas)
        moments, values = self._pass(_chunk_moments_and_entropy, point, self.with_blocks,
                                     theta, keep, kappas, combine=_add_pairs)
        self._remember(point.tobytes(), moments)
        self._entropy = {(key, k): float(v) for k, v in zip(kappas, values, strict=True)}

    # ------------------------------------------------------------- the loss
    def value(self, theta):
        return self._at(theta).value

    def value_and_gradient(self, theta, gradient=True):
        moments = self._at(theta)
        return moments.value, (moments.gradient.copy() if gradient else None)

    def gradient(self, theta):
        return self._at(theta).gradient.copy()

    def curvature(self, theta):
        return _Point(theta)

    def hessian_blocks(self, curvature):
        moments = self._at(curvature.theta)
        if moments.blocks is None:
            moments.blocks = self._pass(_chunk_blocks, np.ascontiguousarray(curvature.theta))
        return moments.blocks

    def hessian_matvec(self, curvature, direction):
        if not self.with_blocks:
            return self._pass(_chunk_hessian_matvec, np.ascontiguousarray(curvature.theta),
                              np.ascontiguousarray(direction))
        return batched_matvec(self.hessian_blocks(curvature), direction, np)

    def hessian_diagonal(self, curvature):
        moments = self._at(curvature.theta)
        if moments.diagonal is None:
            moments.diagonal = self._pass(_chunk_diagonal, np.ascontiguousarray(curvature.theta))
        return moments.diagonal

    def lipschitz(self):
        r""":math:`\max_t \lambda_{max}(B_t)/4` of the row weights' blocks, or with no
        blocks the bound :math:`\max_t \operatorname{tr}(B_t)/4` (FISTA's longest
        step; its backtracking finds the steps that hold)."""
        if self._lipschitz is None:
            if self.with_blocks:
                top = largest_eigenvalue(self._pass(_chunk_lipschitz_blocks), np)
            else:
                top = self._pass(_chunk_traces)
            self._lipschitz = 0.25 * float(np.max(top))
        return self._lipschitz

    def separated_tasks(self, theta):
        return self._at(theta).separated

    # ------------------------------------------------------------- the dual
    def dual(self, theta):
        """As LogisticLoss.dual; the entropy of a scaled dual point costs a pass, which
        evaluates it at the asked scaling and at 1 (the two the duality gap tries)."""
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        moments = self._at(theta)
        keep = balance(moments.positive, moments.negative, self.fit_intercept, np)
        correlation = keep[0][:, None] * moments.positive + keep[1][:, None] * moments.negative
        key = theta.tobytes()

        def loss_part(kappa):
            if self._asked is not None and (key, kappa) not in self._entropy:
                self._asked.setdefault(key, (theta, keep, {1.0}))[2].add(float(kappa))
                return 0.0
            if (key, kappa) not in self._entropy:
                kappas = sorted({float(kappa), 1.0})
                values = self._pass(_chunk_entropy, theta, keep, kappas)
                self._entropy = {(key, k): float(v) for k, v in zip(kappas, values, strict=True)}
            return self._entropy[(key, kappa)]

        return Dual(moments.value, theta[:, :self.n_features],
                    correlation[:, :self.n_features], loss_part)



class DaskClassification:
    """Labelled rows of dask collections for a classifier: their chunks and one pass of
    totals (tasks, classes, masses and means, per hashed fold with ``n_splits``).

    Parameters
    ----------
    X, y, tasks, sample_weight, task_column :
        As for ``fit`` (see :func:`skmtl._dask.dask_chunks`).
    n_splits : int, default=None
        Hashed folds to total separately (the chunks are then kept on the workers
        for the fits of every fold, when they fit there).
    seed : int, default=0

    Attributes
    ----------
    chunks, starts : list
        The chunks (tuples of delayed NumPy values) and their first row positions.
    fold_totals : list of ClassTotals
        One per fold (one: all rows).
    totals : ClassTotals
        Of all rows.
    classes : ndarray
        The labels of y.
    feature_names : ndarray or None
    unlabelled : bool
        No task labels: one task, or with a 2-D y the shared design.
    shared_design : bool
        A 2-D y without task labels: column t is task t, labelled t.
    n_passes : int
        Passes over the data so far.
    """

    def __init__(self, X, y, tasks, sample_weight, task_column, n_splits=None, seed=0):

        from ._dask import dask_chunks

        self.n_passes = 0
        if n_splits is None:
            chunks, self.feature_names = dask_chunks(X, y, tasks, sample_weight, task_column)
            self.starts = [0] * len(chunks)
        else:
            chunks, self.feature_names, sizes = dask_chunks(X, y, tasks, sample_weight,
                                                            task_column, lengths=True)
            self.n_passes += int(self.feature_names is not None)  # a DataFrame's lengths
            self.starts = np.cumsum([0, *sizes[:-1]]).tolist()
            chunks = keep_if_they_fit(chunks, kept_bytes(int(np.sum(sizes)), X.shape[1]))
        self.chunks = chunks
        self.unlabelled = tasks is None and task_column is None
        self.shared_design = self.unlabelled and np.ndim(y) == 2
        self.fold_totals = fold_totals(chunks, self.starts, n_splits, seed)
        self.n_passes += 1
        self.totals = self.fold_totals[0]
        for part in self.fold_totals[1:]:
            self.totals = self.totals.merge(part)
        self.classes = self.totals.classes

    def loss(self, setup, fit_intercept, folds=None, solver="auto"):
        """The DaskLogisticLoss of the rows (outside hashed fold ``folds[2]``); the passes
        leave the Hessian blocks out for FISTA, and for ``'auto'`` past
        :func:`blocks_pay`."""
        with_blocks = solver != "fista" and (
            solver != "auto" or blocks_pay(setup.labels.size, setup.start.shape[1]))
        return DaskLogisticLoss(self.chunks, self.starts, setup, fit_intercept, folds,
                                with_blocks=with_blocks)


def _chunk_correct(chunk, start, n_splits, seed, models, classes):
    """Per fold and alpha: correct predictions on the chunk's held-out rows, and rows.

    On a shared design (2-D y) a row is correct when every observed label of it is
    (``score``'s subset accuracy), and rows without one are not counted.
    """
    from ._tasks import index_known_tasks

    correct = np.zeros((n_splits, models[0][1].shape[0]))
    rows = np.zeros(n_splits)
    for k, (labels, coefs, intercepts) in enumerate(models):
        X, y, tasks, _ = select_rows(chunk, start, (n_splits, seed, k), True, entries=False)
        if X.shape[0] == 0:
            continue
        if y.ndim == 2:
            task = index_known_tasks(np.arange(y.shape[1]), labels, y.shape[1])
            decisions = (np.stack([np.asarray(X @ coef.T) for coef in coefs[:, task]])
                         + intercepts[:, None, task])
            labelled = observed(y)
            predicted = np.where(decisions > 0, classes[1], classes[0])
            right = np.all((predicted == y[None]) | ~labelled[None], axis=2)
            counted = labelled.any(axis=1)
            correct[k], rows[k] = np.sum(right[:, counted], axis=1), np.sum(counted)
            continue
        task = index_known_tasks(tasks, labels, X.shape[0])
        products = (np.stack([row_dot(X, coef, task) for coef in coefs]) if is_sparse(X)
                    else np.einsum("nd,and->an", X, coefs[:, task]))
        decisions = products + intercepts[:, task]
        predicted = np.where(decisions > 0, classes[1], classes[0])
        correct[k] = np.sum(predicted == y[None, :], axis=1)
        rows[k] = X.shape[0]
    return correct, rows


def _add_pairs(first, second):
    return first[0] + second[0], first[1] + second[1]


def held_out_accuracy(data, n_splits, seed, models, classes):
    """One pass: the accuracy of every fold's model at every alpha on the fold's held-out
    rows, shape (n_alphas, n_folds).

    ``models[k]`` is (task labels, coefficients (A, T, d), intercepts (A, T)) of the fits
    on the rows outside fold k.
    """
    from dask import delayed

    shared = delayed(models)
    call = delayed(_chunk_correct, pure=True)
    parts = [call(chunk, start, n_splits, seed, shared, classes)
             for chunk, start in zip(data.chunks, data.starts, strict=True)]
    correct, rows = tree_reduce(parts, _add_pairs).compute()
    data.n_passes += 1
    return (correct / np.maximum(rows, 1)[:, None]).T
