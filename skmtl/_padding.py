"""Rows grouped by task as padded slabs: one batched product per operation.

Task t's rows fill slab t of a (T, m, ...) array, m the largest task, and
zero rows pad the smaller tasks (with zero weights they count for nothing).
When the tasks' sizes are too unequal the slabs would mostly hold padding,
and the callers keep a loop over the tasks instead.
"""

import numpy as np

#: Slabs are used while they hold at most this many times the real rows.
PADDING_LIMIT = 2.0


def slab_index(bounds, n_rows):
    """Source row of every slab slot, shape (T, m), ``n_rows`` for padding; or None.

    ``bounds`` are the (start, stop) row ranges of the tasks in rows sorted by
    task; None when the slabs would exceed :data:`PADDING_LIMIT` times the rows.
    """
    sizes = np.array([stop - start for start, stop in bounds])
    longest = int(sizes.max()) if sizes.size else 0
    if sizes.size * longest > PADDING_LIMIT * max(n_rows, 1):
        return None
    starts = np.array([start for start, _ in bounds])
    slot = np.arange(longest)
    return np.where(slot[None, :] < sizes[:, None], starts[:, None] + slot[None, :], n_rows)


def pad(array, index, xp):
    """Lay ``array`` (rows sorted by task) out in slabs: ``index.shape + array.shape[1:]``."""
    zero = xp.zeros((1, *array.shape[1:]), dtype=array.dtype, device=array.device)
    flat = xp.asarray(index.reshape(-1), device=array.device)
    padded = xp.take(xp.concat([array, zero], axis=0), flat, axis=0)
    return xp.reshape(padded, (*index.shape, *array.shape[1:]))
