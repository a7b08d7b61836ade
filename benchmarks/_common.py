"""Baselines and figures of the benchmark scripts: per-task scikit-learn models, the task
correlation heat map. The harness (command line, timing, reports) is ``_harness``."""

import numpy as np
from _harness import pyplot
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import LogisticRegression


class PerTaskRidge(RegressorMixin, BaseEstimator):
    """Independent ridge regressions: scikit-learn's ``Ridge`` on every task, one shared ``alpha``.

    The baseline without any sharing between tasks. Every task's solution is the
    one ``Ridge(alpha)`` finds on the task's rows (its ``'cholesky'`` solver):
    centre the task's rows, solve ``(Xc' Xc + alpha I) w = Xc' yc``, intercept
    ``mean(y) - mean(X) @ w``; the T solves are batched into one NumPy call
    instead of T scikit-learn fits (a search fits this model thousands of
    times). It takes the task labels as ``tasks=`` in ``fit`` and ``predict``
    and requests them under metadata routing, like the skmtl estimators.

    Parameters
    ----------
    alpha : float, default=1.0
        ``Ridge(alpha)`` of every task (penalty on the sum of squared errors,
        as in scikit-learn).

    Attributes
    ----------
    tasks_ : ndarray of shape (n_tasks,)
    coef_ : ndarray of shape (n_tasks, n_features)
    intercept_ : ndarray of shape (n_tasks,)
    """

    __metadata_request__fit = {"tasks": True}
    __metadata_request__predict = {"tasks": True}
    __metadata_request__score = {"tasks": True}

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y, tasks=None):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if tasks is None:
            raise ValueError("PerTaskRidge needs the task label of every row: pass tasks=.")
        self.tasks_, inverse = np.unique(np.asarray(tasks), return_inverse=True)
        n_tasks, n_features = self.tasks_.size, X.shape[1]
        order = np.argsort(inverse, kind="stable")
        stops = np.cumsum(np.bincount(inverse, minlength=n_tasks))
        gram = np.empty((n_tasks, n_features, n_features))
        moment = np.empty((n_tasks, n_features))
        x_mean = np.empty((n_tasks, n_features))
        y_mean = np.empty(n_tasks)
        for t, (start, stop) in enumerate(zip(stops - np.diff(stops, prepend=0), stops,
                                              strict=True)):
            rows = order[start:stop]
            x_mean[t], y_mean[t] = X[rows].mean(axis=0), y[rows].mean()
            Xc, yc = X[rows] - x_mean[t], y[rows] - y_mean[t]
            gram[t], moment[t] = Xc.T @ Xc, Xc.T @ yc
        gram[:, np.arange(n_features), np.arange(n_features)] += self.alpha
        self.coef_ = np.linalg.solve(gram, moment[:, :, None])[:, :, 0]
        self.intercept_ = y_mean - np.einsum("tj,tj->t", x_mean, self.coef_)
        self.n_features_in_ = n_features
        return self

    def predict(self, X, tasks=None):
        X = np.asarray(X, dtype=np.float64)
        if tasks is None:
            raise ValueError("PerTaskRidge needs the task label of every row: pass tasks=.")
        tasks = np.asarray(tasks)
        unknown = np.setdiff1d(np.unique(tasks), self.tasks_)
        if unknown.size:
            raise ValueError(f"Tasks not seen in fit: {unknown[:10].tolist()}.")
        rows = np.searchsorted(self.tasks_, tasks)
        return np.einsum("ij,ij->i", X, self.coef_[rows]) + self.intercept_[rows]

    def score(self, X, y, tasks=None):
        from sklearn.metrics import r2_score

        return float(r2_score(y, self.predict(X, tasks=tasks)))


class PerTaskLogisticRegression(ClassifierMixin, BaseEstimator):
    """Independent logistic regressions: one scikit-learn ``LogisticRegression`` per task.

    The classification baseline without any sharing between tasks, one ``C``
    for all tasks. It takes the task labels as ``tasks=`` in ``fit`` and in
    every prediction method, and requests them under metadata routing, like
    the skmtl estimators. Every task's training rows must hold both classes.

    Parameters
    ----------
    C : float, default=1.0
        ``LogisticRegression(C)`` of every task: inverse of the L2 penalty
        weight, relative to the sum (not the mean) of the task's losses.
    solver : str, default="newton-cholesky"
        ``solver`` of every ``LogisticRegression``; Newton's method suits the
        few features and the few hundred rows of a task.
    max_iter : int, default=1000
        ``max_iter`` of every ``LogisticRegression``.
    """

    __metadata_request__fit = {"tasks": True}
    __metadata_request__predict = {"tasks": True}
    __metadata_request__predict_proba = {"tasks": True}
    __metadata_request__decision_function = {"tasks": True}
    __metadata_request__score = {"tasks": True}

    def __init__(self, C=1.0, solver="newton-cholesky", max_iter=1000):
        self.C = C
        self.solver = solver
        self.max_iter = max_iter

    def fit(self, X, y, tasks=None):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if tasks is None:
            raise ValueError(
                "PerTaskLogisticRegression needs the task label of every row: pass tasks=."
            )
        tasks = np.asarray(tasks)
        self.classes_ = np.unique(y)
        self.tasks_ = np.unique(tasks)
        self.models_ = {}
        for label in self.tasks_:
            rows = tasks == label
            if np.unique(y[rows]).size < 2:
                raise ValueError(f"The training rows of task {label!r} hold a single class.")
            model = LogisticRegression(C=self.C, solver=self.solver, max_iter=self.max_iter)
            self.models_[label] = model.fit(X[rows], y[rows])
        self.n_features_in_ = X.shape[1]
        return self

    def _per_task(self, method, X, tasks):
        X = np.asarray(X, dtype=np.float64)
        if tasks is None:
            raise ValueError(
                "PerTaskLogisticRegression needs the task label of every row: pass tasks=."
            )
        tasks = np.asarray(tasks)
        unknown = np.setdiff1d(np.unique(tasks), self.tasks_)
        if unknown.size:
            raise ValueError(f"Tasks not seen in fit: {unknown[:10].tolist()}.")
        output = None
        for label in np.unique(tasks):
            rows = tasks == label
            values = getattr(self.models_[label], method)(X[rows])
            if output is None:
                output = np.empty((X.shape[0], *values.shape[1:]), dtype=values.dtype)
            output[rows] = values
        return output

    def decision_function(self, X, tasks=None):
        return self._per_task("decision_function", X, tasks)

    def predict_proba(self, X, tasks=None):
        return self._per_task("predict_proba", X, tasks)

    def predict(self, X, tasks=None):
        return self._per_task("predict", X, tasks)

    def score(self, X, y, tasks=None):
        from sklearn.metrics import accuracy_score

        return float(accuracy_score(y, self.predict(X, tasks=tasks)))


def plot_task_correlation(correlation, path, title, task_names=None):
    """Heat map of a learned task correlation matrix (-1 blue .. +1 red).

    Tasks are ordered by their coordinate on the leading eigenvector of the
    matrix, so that groups of positively correlated tasks sit together; with
    ``task_names`` (at most 40 tasks) the axes are labelled.
    """
    plt = pyplot()
    path.parent.mkdir(parents=True, exist_ok=True)
    correlation = np.asarray(correlation, dtype=float)
    order = np.argsort(np.linalg.eigh(correlation)[1][:, -1])
    fig, ax = plt.subplots(figsize=(6, 5.2))
    image = ax.imshow(correlation[np.ix_(order, order)], cmap="RdBu_r", vmin=-1.0, vmax=1.0)
    if task_names is not None and len(order) <= 40:
        names = [str(task_names[i]) for i in order]
        ax.set_xticks(range(len(order)), names, fontsize=6, rotation=90)
        ax.set_yticks(range(len(order)), names, fontsize=6)
    else:
        ax.set_xlabel("task (ordered by the leading eigenvector)")
        ax.set_ylabel("task")
    fig.colorbar(image, ax=ax, shrink=0.85, label="learned task correlation")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
