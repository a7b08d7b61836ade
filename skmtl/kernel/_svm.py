r"""Multi-task support vector machines on scikit-learn's libsvm (Evgeniou & Pontil 2004).

The multi-task Gram matrix :math:`K_{ij} = B_{t_i t_j} k(x_i, x_j)` is handed to
:class:`sklearn.svm.SVR` or :class:`sklearn.svm.SVC` as a precomputed kernel.
libsvm fits one intercept per problem; tasks that B does not connect (the
connected components of :math:`B \ne 0`) are independent problems, so each
component is fitted on its own and gets its own intercept: one per task with
``task_kernel='independent'``, one shared by all tasks with ``'mean'`` or
``'pooled'``.  These estimators run on NumPy only (libsvm).
"""

from numbers import Integral, Real

import numpy as np
from scipy.sparse.csgraph import connected_components
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context, clone
from sklearn.svm import SVC, SVR
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._scoring import accuracy_of_observed, r2_of_observed
from .._sparse import SPARSE_FORMATS, as_csr, is_sparse
from ._base import KERNEL_CONSTRAINTS, KERNEL_PARAMETERS_DOC, MultiTaskKernelModel

_SVM_CONSTRAINTS = {
    **{name: rule for name, rule in KERNEL_CONSTRAINTS.items() if name != "fit_intercept"},
    "C": [Interval(Real, 0, None, closed="neither")],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "cache_size": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, -1, None, closed="left")],
}


class _MultiTaskSVM(MultiTaskKernelModel):
    """Fitting one libsvm model per group of connected tasks (not public)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.array_api_support = False
        return tags

    def _svm(self):
        raise NotImplementedError

    def _check_targets(self, y):
        """Checks of the validated targets before fitting (hook)."""

    def _check_group_targets(self, y, tasks):
        """Checks of one group's targets before fitting it (hook)."""

    def _fit_groups(self, X, y, tasks, sample_weight):
        X, y, labels, sample_weight, xp = self._validate_fit_input(
            X, y, tasks, sample_weight, y_numeric=isinstance(self, RegressorMixin)
        )
        self._check_targets(y)
        task_index, task_scale = self._assign_tasks(X, y, labels, sample_weight, xp)
        self._set_tasks_attribute(X, xp)
        n_tasks = len(self._task_labels)
        if task_index is None and y.ndim == 2:
            X, y, sample_weight, task_index = self._expanded_shared_design(
                X, y, sample_weight, np)
        elif task_index is None:
            task_index = np.zeros(X.shape[0], dtype=np.int64)
        B = self._task_kernel(n_tasks)
        self.task_kernel_ = B
        totals = np.bincount(task_index, weights=sample_weight, minlength=n_tasks)
        weight = sample_weight * (task_scale / totals)[task_index]
        _, group_of_task = connected_components(B != 0, directed=False)
        self.task_groups_ = group_of_task
        self.X_fit_, self._fit_task = X, task_index
        self.estimators_ = []
        for group in range(group_of_task.max() + 1):
            rows = np.flatnonzero(group_of_task[task_index] == group)
            self._check_group_targets(y[rows], np.flatnonzero(group_of_task == group))
            gram = self._gram(X[rows], task_index[rows], X[rows], task_index[rows])
            estimator = clone(self._svm())
            estimator.fit(gram, y[rows], sample_weight=weight[rows])
            self.estimators_.append((rows, estimator))
        self.n_iter_ = max(int(np.max(estimator.n_iter_)) for _, estimator in self.estimators_)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit one libsvm model per group of connected tasks.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        tasks : array-like of shape (n_samples,), default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        self._fit_groups(X, y, tasks, sample_weight)
        return self

    def predict(self, X, tasks=None):
        """Predict with the model of each row's task (its class, for the classifier).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        tasks : array-like of shape (n_samples,), default=None

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
        """
        return self._by_group(X, tasks, "predict")

    def _gram(self, X_left, task_left, X_right, task_right):
        return self.task_kernel_[np.ix_(task_left, task_right)] * self._input_kernel(
            X_left, X_right)

    def _by_group(self, X, tasks, method):
        """``method`` of each row's group model (one column per task for the shared design)."""
        check_is_fitted(self)
        X, labels = self._split_input(X, tasks)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32],
                          accept_sparse=SPARSE_FORMATS)
        X = as_csr(X) if is_sparse(X) else X
        row_task = self._row_task_index(labels, X.shape[0])
        if row_task is not None:
            return self._rows_output(X, row_task, method)
        columns = [self._rows_output(X, np.full(X.shape[0], t), method)
                   for t in range(len(self._task_labels))]
        return np.stack(columns, axis=1) if self._shared_design_ndim == 2 else columns[0]

    def _rows_output(self, X, row_task, method):
        """``method`` of the group models on the cross Gram matrices with their rows."""
        group_of_row = self.task_groups_[row_task]
        outputs = None
        for group, (rows, estimator) in enumerate(self.estimators_):
            mine = np.flatnonzero(group_of_row == group)
            if mine.size == 0:
                continue
            gram = self._gram(X[mine], row_task[mine], self.X_fit_[rows], self._fit_task[rows])
            values = getattr(estimator, method)(gram)
            if outputs is None:
                outputs = np.empty((X.shape[0], *values.shape[1:]), dtype=values.dtype)
            outputs[mine] = values
        return outputs


def _init_svm_parameters(self, kernel, gamma, degree, coef0, kernel_params, task_kernel,
                         task_similarity, task_graph, graph_ridge, task_weights, C, tol,
                         cache_size, max_iter, task_column):
    self.kernel = kernel
    self.gamma = gamma
    self.degree = degree
    self.coef0 = coef0
    self.kernel_params = kernel_params
    self.task_kernel = task_kernel
    self.task_similarity = task_similarity
    self.task_graph = task_graph
    self.graph_ridge = graph_ridge
    self.task_weights = task_weights
    self.C = C
    self.tol = tol
    self.cache_size = cache_size
    self.max_iter = max_iter
    self.task_column = task_column


_COMMON_SVM_DOC = """
    task_weights : {{'uniform', 'size'}} or array-like of shape (n_tasks,), default='uniform'
        :math:`\\tau_t`: with ``'uniform'`` each task's weighted mean loss counts once.
    tol, cache_size, max_iter :
        Passed to libsvm (see :class:`sklearn.svm.{svm}`).
    task_column : str or int, default=None
        Column of ``X`` holding the task labels.

    Attributes
    ----------
    estimators_ : list of (ndarray, {svm})
        For each group of connected tasks, its training rows and its fitted model.
    n_iter_ : int
        Largest number of libsvm iterations over the group models.
    task_groups_ : ndarray of shape (n_tasks,)
        The group (connected component of :math:`B \\ne 0`) of each task.
    task_kernel_ : ndarray of shape (n_tasks, n_tasks)
        B.
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
"""


class MultiTaskSVR(RegressorMixin, _MultiTaskSVM):
    r"""Multi-task ε-insensitive support vector regression (Evgeniou & Pontil 2004).

    Minimizes over f in the RKHS of :math:`K((x, s), (z, t)) = B_{{st}} k(x, z)` and
    one intercept :math:`b_g` per group g of connected tasks

    .. math::

        \frac12\|f\|_{{\mathcal H}}^2 + C \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}}
        s_i \max(0, |y_i - f(x_i, t) - b_{{g(t)}}| - \epsilon),

    solved by scikit-learn's :class:`~sklearn.svm.SVR` (libsvm) on the
    precomputed multi-task Gram matrix, one model per group (CPU, NumPy only).
    That Gram matrix is n×n for the n rows of a group: memory grows as
    :math:`n^2` whatever the number of tasks.

    Parameters
    ----------
    C : float > 0, default=1.0
    epsilon : float >= 0, default=0.1
    {kernel_parameters}
    {common}
    Examples
    --------
    >>> from skmtl.kernel import MultiTaskSVR
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> MultiTaskSVR(C=10.0).fit(X, y, tasks=tasks).predict(X[:2], tasks=tasks[:2]).shape
    (2,)
    """

    _parameter_constraints = {
        **_SVM_CONSTRAINTS, "epsilon": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, C=1.0, epsilon=0.1, *, kernel="linear", gamma=None, degree=3, coef0=1,
                 kernel_params=None, task_kernel="mean", task_similarity=0.5, task_graph=None,
                 graph_ridge=1.0, task_weights="uniform", tol=1e-3, cache_size=200,
                 max_iter=-1, task_column=None):
        self.epsilon = epsilon
        _init_svm_parameters(self, kernel, gamma, degree, coef0, kernel_params, task_kernel,
                             task_similarity, task_graph, graph_ridge, task_weights, C, tol,
                             cache_size, max_iter, task_column)

    def _svm(self):
        return SVR(kernel="precomputed", C=self.C, epsilon=self.epsilon, tol=self.tol,
                   cache_size=self.cache_size, max_iter=self.max_iter)

    def score(self, X, y, tasks=None, sample_weight=None):
        """R² of the predictions."""
        return r2_of_observed(y, self.predict(X, tasks=tasks), sample_weight)


class MultiTaskSVC(ClassifierMixin, _MultiTaskSVM):
    r"""Multi-task C-support vector classification (Evgeniou & Pontil 2004).

    Minimizes over f in the RKHS of :math:`K((x, s), (z, t)) = B_{{st}} k(x, z)` and
    one intercept per group g of connected tasks the hinge loss

    .. math::

        \frac12\|f\|_{{\mathcal H}}^2 + C \sum_t \frac{{\tau_t}}{{S_t}} \sum_{{i \in t}}
        s_i \max(0, 1 - y_i (f(x_i, t) + b_{{g(t)}})),

    by scikit-learn's :class:`~sklearn.svm.SVC` (libsvm; one-vs-one for more than
    two classes) on the precomputed multi-task Gram matrix, one model per group
    (CPU, NumPy only).  Every group's training rows must hold every class.  The
    Gram matrix is n×n for the n rows of a group: memory grows as :math:`n^2`
    whatever the number of tasks.

    Parameters
    ----------
    C : float > 0, default=1.0
    {kernel_parameters}
    {common}
    Examples
    --------
    >>> from skmtl.kernel import MultiTaskSVC
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, random_state=0)
    >>> MultiTaskSVC().fit(X, y, tasks=tasks).predict(X[:2], tasks=tasks[:2]).shape
    (2,)
    """

    _parameter_constraints = dict(_SVM_CONSTRAINTS)
    __metadata_request__decision_function = {"tasks": True}

    def __init__(self, C=1.0, *, kernel="linear", gamma=None, degree=3, coef0=1,
                 kernel_params=None, task_kernel="mean", task_similarity=0.5, task_graph=None,
                 graph_ridge=1.0, task_weights="uniform", tol=1e-3, cache_size=200,
                 max_iter=-1, task_column=None):
        _init_svm_parameters(self, kernel, gamma, degree, coef0, kernel_params, task_kernel,
                             task_similarity, task_graph, graph_ridge, task_weights, C, tol,
                             cache_size, max_iter, task_column)

    def _check_targets(self, y):
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(
                f"MultiTaskSVC needs samples of at least two classes; y holds one class "
                f"only: {self.classes_.tolist()}."
            )

    def _check_group_targets(self, y, tasks):
        present = np.unique(y)
        if present.size < self.classes_.size:
            labels = self._task_labels[tasks].tolist()[:10]
            raise ValueError(
                f"The training rows of the connected task(s) {labels} "
                f"hold the classes {present.tolist()}, not all of {self.classes_.tolist()}: each "
                "group of tasks the task kernel connects is one libsvm problem."
            )

    def _svm(self):
        return SVC(kernel="precomputed", C=self.C, tol=self.tol, cache_size=self.cache_size,
                   max_iter=self.max_iter)

    def decision_function(self, X, tasks=None):
        """libsvm's decision function of each row's group model.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        tasks : array-like of shape (n_samples,), default=None

        Returns
        -------
        decision : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._by_group(X, tasks, "decision_function")

    def score(self, X, y, tasks=None, sample_weight=None):
        """Accuracy of the predictions."""
        return accuracy_of_observed(y, self.predict(X, tasks=tasks), sample_weight)


for _cls, _svm_name in ((MultiTaskSVR, "SVR"), (MultiTaskSVC, "SVC")):
    _cls.__doc__ = _cls.__doc__.format(
        kernel_parameters=KERNEL_PARAMETERS_DOC.strip(),
        common=_COMMON_SVM_DOC.format(svm=_svm_name).strip(),
    )
