r"""The proximal Newton model of the logistic loss on the rows of a wide sparse X.

When the per-task Hessian blocks are too large to form
(:func:`~skmtl._sparse.affordable_products`), the second-order model of the logistic
loss at :math:`\Theta_k` is kept as rows (Friedman, Hastie & Tibshirani 2010, glmnet's
iteratively reweighted least squares).  With margins :math:`m_i`,
:math:`\sigma_i = \sigma(y_i m_i)` and row weights :math:`\omega_i` of the loss,

.. math::

    h_i = \omega_i\,\sigma_i(1 - \sigma_i),\qquad z_i = m_i + \frac{y_i}{\sigma_i},

the model is :math:`\tfrac12\sum_i h_i\,(\tilde x_i^\top\theta_{t(i)} - z_i)^2` up to a
constant (its gradient and Hessian at :math:`\Theta_k` are the loss's).  A row far on the
wrong side of the decision has a vanishing curvature and a working response that grows as
:math:`e^{|m_i|}`: the model would send its margin to infinity and carry a constant too
large for the duality gap's rounding.  As in glmnet, :math:`\sigma_i(1 - \sigma_i)` is
bounded below by :data:`CURVATURE_FLOOR` in :math:`h_i`, and :math:`z_i` is formed from
that :math:`h_i` so that the model's gradient stays the loss's: a curvature bounded below
keeps the method a (quasi-)proximal Newton method, whose line search and certificate are
the loss's own.  Minimizing the
unpenalized intercepts out centres each task's rows and working responses on their
:math:`h`-weighted means :math:`\bar x^h_t, \bar z_t`, implicitly
(:class:`~skmtl._sparse.SparseTaskRows`): a weighted squared loss held as sparse rows
(:class:`~skmtl.losses.SampleSquaredLoss`), which working-set coordinate descent on
the CSC columns (:mod:`skmtl.solvers.coordinate_descent`) minimizes with the penalty.
The intercepts of the solution W are
:math:`b_t = \bar z_t - (\bar x^h_t - \mu_t)^\top w_t`, :math:`\mu_t` the centre of the
loss's rows.

A shared design is laid out as routed rows, task t's copy of the rows it weighs.
"""

from typing import NamedTuple

import numpy as np

from .._sparse import SparseTaskRows
from ..losses import SampleSquaredLoss
from ..losses.logistic import SparseSharedRows, SparseSortedRows, sigmoid
from ..penalties.blocks import ChainBlocks
from .coordinate_descent import has_coordinate_blocks

#: Least :math:`\sigma_i(1 - \sigma_i)` of the model (glmnet's bound on the probabilities).
CURVATURE_FLOOR = 1e-5


def has_sparse_rows(loss):
    """Whether ``loss`` is a logistic loss on the rows of a sparse X without its Hessian
    blocks (the model of :func:`row_model`)."""
    return not getattr(loss, "dense_blocks", True) and isinstance(
        getattr(loss, "rows", None), (SparseSortedRows, SparseSharedRows))


def row_newton_applies(penalty):
    """Whether the subproblems of :func:`row_model` go to coordinate descent: a penalty
    of uncoupled column blocks (the lasso, the L2,1 norm, their sum)."""
    return has_coordinate_blocks(penalty) and not isinstance(
        penalty.coordinate_blocks(1), ChainBlocks)


class _TaskRows(NamedTuple):
    """The loss's rows sorted by task, uncentred (:class:`SparseTaskRows` of zero means),
    the centres :math:`\\mu_t` of the loss's rows (T, d), and ``flatten``, which lays a
    per-row array of the loss out in that order."""

    rows: SparseTaskRows
    centres: np.ndarray
    flatten: object


def _task_rows(loss):
    """The :class:`_TaskRows` of ``loss``: its own for routed rows, a shared design
    stacked once per task (the rows of positive weight)."""
    rows = loss.rows
    if isinstance(rows, SparseSortedRows):
        task_rows = rows.X
        return _TaskRows(task_rows.recentred(np.zeros_like(task_rows.means)),
                         task_rows.means, np.asarray)
    design = rows.X  # a CentredSparse shared by every task
    kept = [np.flatnonzero(weights > 0) for weights in np.asarray(loss.row_weight)]
    stops = np.cumsum([part.shape[0] for part in kept])
    bounds = list(zip(np.concatenate([[0], stops[:-1]]).tolist(), stops.tolist(), strict=True))
    order = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)
    task = np.repeat(np.arange(len(kept)), [part.shape[0] for part in kept])
    stacked = design.X[order]
    n_tasks, n_features = len(kept), stacked.shape[1]
    task_rows = SparseTaskRows(stacked, np.zeros((n_tasks, n_features)), bounds)
    centres = np.broadcast_to(design.mean, (n_tasks, n_features))
    return _TaskRows(task_rows, centres, lambda values: np.asarray(values)[task, order])


def row_model(loss, n_features, fit_intercept):
    """The model at theta of ``loss`` (see the module): ``model_at(theta, gradient)`` gives
    a :class:`~skmtl.losses.SampleSquaredLoss` in W and ``complete(coef, theta)``, which
    adds the intercepts minimizing the model for ``coef``."""
    layout = _task_rows(loss)
    rows = layout.rows
    labels = layout.flatten(loss.labels)
    weight = layout.flatten(loss.row_weight)
    row_task, bounds = rows.row_task, rows.bounds
    n_tasks = len(bounds)

    def per_task(values):
        return np.bincount(row_task, weights=values, minlength=n_tasks)

    def model_at(theta, gradient):
        margins = layout.flatten(loss.margins(theta))
        fit = sigmoid(labels * margins, np)
        curvature = weight * np.maximum(fit * (1.0 - fit), CURVATURE_FLOOR)
        # the gradient's row term, -omega y sigma(-y m), over the curvature
        target = margins + np.where(curvature > 0, weight * labels * (1.0 - fit), 0.0) / (
            np.where(curvature > 0, curvature, 1.0))
        total = per_task(curvature)
        safe = np.where(total > 0, total, 1.0)
        if fit_intercept:
            means = np.stack([rows[start:stop].X.T @ curvature[start:stop]
                              for start, stop in bounds]) / safe[:, None]
            centre = per_task(curvature * target) / safe
        else:
            means, centre = np.zeros((n_tasks, n_features)), np.zeros(n_tasks)
        model = SampleSquaredLoss(rows.recentred(means), target - centre[row_task],
                                  curvature, bounds, np)

        def complete(coef, theta):
            if not fit_intercept:
                return coef
            intercept = centre - np.sum((means - layout.centres) * coef, axis=1)
            intercept = np.where(total > 0, intercept, theta[:, n_features])
            return np.concatenate([coef, intercept[:, None]], axis=1)

        return model, complete

    return model_at
