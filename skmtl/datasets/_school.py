"""Loader for the ILEA School multi-task regression benchmark."""

import numpy as np

from ._base import _make_output, _read_npz

__all__ = ["load_school"]

FEATURE_NAMES = (
    [f"exam_year_{i}" for i in range(3)]
    + ["pct_free_meals", "pct_vr_band1"]
    + [f"gender_{i}" for i in range(2)]
    + [f"vr_band_{i}" for i in range(3)]
    + [f"ethnic_{i}" for i in range(11)]
    + [f"school_gender_{i}" for i in range(3)]
    + [f"school_denomination_{i}" for i in range(3)]
)

TARGET_NAME = "exam_score"
TASK_NAME = "school"

_DESCR = """\
ILEA School dataset
-------------------

Examination records of 15,362 students from 139 secondary schools of the
Inner London Education Authority (ILEA), years 1985, 1986 and 1987. Each
school is one task; the target is the exam score (1 to 70). Task sizes range
from 22 to 251 students.

**Features (27, unscaled).** The column layout below was inferred from the
data (which one-hot groups sum to one, which columns are constant within a
school); the original encoding is not documented with the file:

==========  ==============================  =====================================
columns     names                           meaning (inferred)
==========  ==============================  =====================================
0-2         exam_year_0..2                  exam year, one-hot
3           pct_free_meals                  probably % of pupils eligible for free
                                            school meals (values 8 to 91)
4           pct_vr_band1                    probably % of pupils in verbal
                                            reasoning band 1 (values 3 to 43)
5-6         gender_0..1                     student gender, one-hot
7-9         vr_band_0..2                    student verbal reasoning band, one-hot
                                            (all zero for some students)
10-20       ethnic_0..10                    student ethnic group, one-hot
21-23       school_gender_0..2              school gender (constant per school)
24-26       school_denomination_0..2        school denomination (constant per
                                            school)
==========  ==============================  =====================================

The distributed file has a 28th column equal to 1 everywhere (a bias term);
it is dropped here because the estimators fit intercepts.

**Caveats.** The 1,837 rows that exactly repeat an earlier row (features,
target and school) are kept as distributed. Columns are not standardised.
Each school's design matrix is rank-deficient (one-hot groups, constant
school-level columns), so per-task least squares is not identifiable without
regularisation.

**Provenance.** As distributed with the MALSAR package (J. Zhou, J. Chen and
J. Ye, "MALSAR: Multi-tAsk Learning via StructurAl Regularization", user
manual, Arizona State University, 2011; file ``data/school.mat``), which
takes it from A. Argyriou, T. Evgeniou and M. Pontil, "Convex multi-task
feature learning", Machine Learning 73(3):243-272, 2008. It was also used by
T. Evgeniou and M. Pontil, "Regularized multi-task learning", KDD 2004, and
B. Bakker and T. Heskes, "Task clustering and gating for Bayesian multitask
learning", JMLR 4:83-99, 2003.

This is third-party research data without a licence of its own; it is
redistributed for research benchmarking and is not relicensed by skmtl.
"""


def _read_school():
    X, y, tasks = _read_npz("school.npz", np.float64)
    return X[:, :-1].copy(), y, tasks


def load_school(*, as_frame=False, return_X_y=False):
    """Load the ILEA School multi-task regression dataset.

    15,362 students in 139 London secondary schools (one task per school);
    the target is the exam score (1 to 70). 27 unscaled features; the
    constant bias column of the distributed file is dropped. The feature
    layout was inferred from the data, see ``DESCR`` and Notes.

    Parameters
    ----------
    as_frame : bool, default=False
        If True, ``data`` is a :class:`pandas.DataFrame` with the 27 feature
        columns plus an integer ``school`` column (the task label), ``target``
        is a :class:`pandas.Series` named ``exam_score`` and ``frame`` holds
        the features, ``school`` and ``exam_score`` together. Requires pandas.
    return_X_y : bool, default=False
        If True, return a tuple instead of a :class:`~sklearn.utils.Bunch`:
        ``(X, y, tasks)`` as NumPy arrays, or ``(data, target)`` when
        ``as_frame=True`` (the task labels are then the ``school`` column
        of ``data``).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes

        data : ndarray of shape (15362, 27) or DataFrame of shape (15362, 28)
            The features (and the ``school`` column when ``as_frame=True``).
        target : ndarray or Series of shape (15362,)
            Exam scores, float64.
        tasks : ndarray of shape (15362,)
            School index (task label), int64 in ``0..138``. Rows are
            grouped by school.
        feature_names : list of str
            The 27 feature names.
        task_names : list of str
            ``"school_0"`` ... ``"school_138"``.
        frame : DataFrame of shape (15362, 29) or None
            Features, ``school`` and ``exam_score``; None unless ``as_frame``.
        DESCR : str
            Description, provenance and citations.
    (X, y, tasks) : tuple of ndarray
        If ``return_X_y=True`` and ``as_frame=False``.
    (data, target) : tuple of DataFrame and Series
        If ``return_X_y=True`` and ``as_frame=True``.

    Notes
    -----
    Inferred column layout: 0-2 exam year one-hot (``exam_year_0..2``);
    3 ``pct_free_meals`` (probably % of pupils eligible for free school
    meals, up to 91); 4 ``pct_vr_band1`` (probably % of pupils in verbal
    reasoning band 1, up to 43); 5-6 gender one-hot; 7-9 verbal reasoning
    band one-hot; 10-20 ethnic group one-hot; 21-23 school gender one-hot;
    24-26 school denomination one-hot.

    The 1,837 exact duplicate rows are kept, the columns are not scaled and
    every per-school design matrix is rank-deficient.

    The data are the ILEA (Inner London Education Authority) School data,
    exam years 1985-1987, as distributed with MALSAR (Zhou, Chen & Ye, 2011,
    file ``data/school.mat``), originally prepared by Argyriou, Evgeniou &
    Pontil (2008) and used by Evgeniou & Pontil (2004) and Bakker & Heskes
    (2003). They are third-party research data without a licence of their
    own and are not relicensed by skmtl.

    References
    ----------
    .. [1] A. Argyriou, T. Evgeniou and M. Pontil, "Convex multi-task
       feature learning", Machine Learning, 73(3):243-272, 2008.
    .. [2] J. Zhou, J. Chen and J. Ye, "MALSAR: Multi-tAsk Learning via
       StructurAl Regularization", user manual, Arizona State University,
       2011.
    .. [3] T. Evgeniou and M. Pontil, "Regularized multi-task learning",
       Proc. KDD, 2004.
    .. [4] B. Bakker and T. Heskes, "Task clustering and gating for Bayesian
       multitask learning", JMLR, 4:83-99, 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.datasets import load_school
    >>> X, y, tasks = load_school(return_X_y=True)
    >>> X.shape, y.shape, tasks.shape
    ((15362, 27), (15362,), (15362,))
    >>> int(np.unique(tasks).size)
    139
    >>> load_school().feature_names[:4]
    ['exam_year_0', 'exam_year_1', 'exam_year_2', 'pct_free_meals']
    """
    X, y, tasks = _read_school()
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
        loader="load_school",
    )
