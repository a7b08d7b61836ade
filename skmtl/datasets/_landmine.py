"""Loader for the Landmine multi-task binary classification benchmark."""

import numpy as np

from ._base import _make_output, _read_npz

__all__ = ["load_landmine"]

FEATURE_NAMES = [f"feature_{i}" for i in range(9)]
TARGET_NAME = "mine"
TARGET_NAMES = ["clutter", "mine"]
TASK_NAME = "field"

_DESCR = """\
Landmine dataset
----------------

Landmine detection data of Xue, Liao, Carin and Krishnapuram (2007): 14,820
objects detected in 29 minefields, each described by 9 features extracted
from radar images. Each minefield is one task; the target is 1 for a
landmine and 0 for clutter.

**Size.** 29 tasks, N = 14,820 rows, d = 9 features. Rows per task: min 445,
median 507, max 690. Labels: 13,916 clutter (0) and 904 mines (1), about
6 % positive (15 to 48 mines per field), so evaluate with AUC rather than
accuracy.

**Features (9, unscaled).** ``feature_0`` .. ``feature_8``, in the order of
the distributed file. The paper describes them as moment-based,
correlation-based, energy-ratio and spatial-variance features computed from
the radar images; the file does not name the columns.

**Tasks.** ``field`` 0-28 is the 0-based index of the minefield in the
distributed file. As reported in the paper, fields 0-14 and 15-28 form two
groups of different terrain (highly foliated regions versus bare earth or
desert), so the tasks are related but not identical.

**Usual protocol.** A per-task stratified random split with a small
training fraction (for example 20 % or 40 % of each field for training),
repeated over several seeds, reporting the mean over tasks of the per-task
AUC.

**Provenance.** The public ``LandmineData.mat`` file, which holds two 1x29
cell arrays ``feature`` (n_t x 9) and ``label`` (n_t x 1, 0/1), one cell per
field. The arrays here are ``X = vstack(feature)``, ``y =
concatenate(label)`` and ``tasks`` = the 0-based cell index, rows in the
original order. Reference: Y. Xue, X. Liao, L. Carin and B. Krishnapuram,
"Multi-task learning for classification with Dirichlet process priors",
Journal of Machine Learning Research, 8:35-63, 2007.

This is third-party research data without a licence of its own; it is
redistributed for research benchmarking and is not relicensed by skmtl.
"""


def load_landmine(*, as_frame=False, return_X_y=False):
    """Load the Landmine multi-task binary classification dataset.

    14,820 objects detected in 29 minefields (one task per field), each with
    9 radar image features; the target is 1 for a landmine and 0 for clutter
    (904 mines, about 6 %). See ``DESCR`` and Notes.

    Parameters
    ----------
    as_frame : bool, default=False
        If True, ``data`` is a :class:`pandas.DataFrame` with the 9 feature
        columns plus an integer ``field`` column (the task label), ``target``
        is a :class:`pandas.Series` named ``mine`` and ``frame`` holds the
        features, ``field`` and ``mine`` together. Requires pandas.
    return_X_y : bool, default=False
        If True, return a tuple instead of a :class:`~sklearn.utils.Bunch`:
        ``(X, y, tasks)`` as NumPy arrays, or ``(data, target)`` when
        ``as_frame=True`` (the task labels are then the ``field`` column of
        ``data``).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes

        data : ndarray of shape (14820, 9) or DataFrame of shape (14820, 10)
            The features (and the ``field`` column when ``as_frame=True``).
        target : ndarray or Series of shape (14820,)
            Labels, int64 in {0, 1}: 1 = mine, 0 = clutter.
        tasks : ndarray of shape (14820,)
            Minefield index (task label), int64 in ``0..28``. Rows are
            grouped by field.
        feature_names : list of str
            ``"feature_0"`` ... ``"feature_8"``.
        task_names : list of str
            ``"field_0"`` ... ``"field_28"``.
        target_names : list of str
            ``["clutter", "mine"]``, the meaning of labels 0 and 1.
        frame : DataFrame of shape (14820, 11) or None
            Features, ``field`` and ``mine``; None unless ``as_frame``.
        DESCR : str
            Description, provenance and citation.
    (X, y, tasks) : tuple of ndarray
        If ``return_X_y=True`` and ``as_frame=False``.
    (data, target) : tuple of DataFrame and Series
        If ``return_X_y=True`` and ``as_frame=True``.

    Notes
    -----
    29 tasks with 445 to 690 rows each (median 507); 13,916 negatives and
    904 positives, 15 to 48 per field. With so few positives, report the
    per-task AUC (averaged over tasks) rather than accuracy. The usual
    protocol is a per-task stratified split with a small training fraction
    (20 % or 40 %).

    As reported in the original paper, fields 0-14 and 15-28 are two groups
    of different terrain (highly foliated versus bare earth or desert).
    The paper describes the 9 features as moment-based, correlation-based,
    energy-ratio and spatial-variance features of the radar images; they
    are not scaled here.

    The data are the public ``LandmineData.mat`` of Xue et al. (2007)
    (``X = vstack(feature)``, ``y = concatenate(label)``, task = 0-based cell
    index). They are third-party research data without a licence of their
    own and are not relicensed by skmtl.

    References
    ----------
    .. [1] Y. Xue, X. Liao, L. Carin and B. Krishnapuram, "Multi-task
       learning for classification with Dirichlet process priors", Journal
       of Machine Learning Research, 8:35-63, 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.datasets import load_landmine
    >>> X, y, tasks = load_landmine(return_X_y=True)
    >>> X.shape, y.shape, tasks.shape
    ((14820, 9), (14820,), (14820,))
    >>> int(np.unique(tasks).size), int(y.sum())
    (29, 904)
    >>> load_landmine().target_names
    ['clutter', 'mine']
    """
    X, y, tasks = _read_npz("landmine.npz", np.int64)
    return _make_output(
        X,
        y,
        tasks,
        feature_names=FEATURE_NAMES,
        task_name=TASK_NAME,
        target_name=TARGET_NAME,
        descr=_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
        loader="load_landmine",
        target_names=list(TARGET_NAMES),
    )
