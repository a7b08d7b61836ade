"""MultiTaskSVR and MultiTaskSVC against scikit-learn's SVR and SVC."""

import numpy as np
import pytest
from sklearn.svm import SVC, SVR

from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.kernel import MultiTaskSVC, MultiTaskSVR


def regression(seed=0, sizes=(20, 30, 25)):
    X, y, tasks, _ = make_multitask_regression(n_tasks=len(sizes), n_features=4,
                                               n_samples=list(sizes), random_state=seed)
    return X, y, tasks


def classification(seed=0, sizes=(30, 40, 35)):
    X, y, tasks, _ = make_multitask_classification(n_tasks=len(sizes), n_features=4,
                                                   n_samples=list(sizes), random_state=seed)
    return X, y, tasks


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_independent_svr_is_svr_per_task(kernel):
    """B = I: every task is its own libsvm problem with its own intercept; the per-task
    mean loss scales C by 1 / S_t."""
    X, y, tasks = regression(1)
    weights = np.random.default_rng(1).uniform(0.5, 2.0, y.size)
    model = MultiTaskSVR(C=5.0, epsilon=0.05, kernel=kernel, gamma=0.3,
                         task_kernel="independent", tol=1e-8).fit(
        X, y, tasks=tasks, sample_weight=weights)
    X_new, _, tasks_new = regression(2)
    assert len(model.estimators_) == 3
    for t in range(3):
        rows, new = tasks == t, tasks_new == t
        reference = SVR(C=5.0 / weights[rows].sum(), epsilon=0.05, kernel=kernel, gamma=0.3,
                        tol=1e-8).fit(X[rows], y[rows], sample_weight=weights[rows])
        np.testing.assert_allclose(model.predict(X_new[new], tasks=tasks_new[new]),
                                   reference.predict(X_new[new]), rtol=1e-7, atol=1e-8)


def test_pooled_svc_is_one_svc():
    """B = 11' with task_weights='size' is one SVC on all rows, C scaled by 1 / N."""
    X, y, tasks = classification(3)
    model = MultiTaskSVC(C=2.0, kernel="rbf", gamma=0.2, task_kernel="pooled",
                         task_weights="size", tol=1e-8).fit(X, y, tasks=tasks)
    reference = SVC(C=2.0 / y.size, kernel="rbf", gamma=0.2, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(model.decision_function(X, tasks=tasks),
                               reference.decision_function(X), rtol=1e-7, atol=1e-8)
    np.testing.assert_array_equal(model.predict(X, tasks=tasks), reference.predict(X))


def test_coupled_tasks_share_one_problem_and_differ_from_independent():
    X, y, tasks = regression(4)
    coupled = MultiTaskSVR(C=5.0, task_similarity=0.8).fit(X, y, tasks=tasks)
    independent = MultiTaskSVR(C=5.0, task_kernel="independent").fit(X, y, tasks=tasks)
    assert len(coupled.estimators_) == 1
    assert not np.allclose(coupled.predict(X, tasks=tasks),
                           independent.predict(X, tasks=tasks))


def test_shared_design_predicts_every_task():
    X, Y, _, _ = make_multitask_regression(n_tasks=3, n_features=4, n_samples=30,
                                           shared_design=True, random_state=5)
    model = MultiTaskSVR(C=3.0).fit(X, Y)
    prediction = model.predict(X)
    assert prediction.shape == (30, 3)
    labelled = MultiTaskSVR(C=3.0).fit(np.tile(X, (3, 1)), Y.T.reshape(-1),
                                       tasks=np.repeat(np.arange(3), 30))
    np.testing.assert_allclose(prediction[:, 1], labelled.predict(X, tasks=np.ones(30, int)),
                               rtol=1e-6, atol=1e-6)


def test_svc_group_missing_a_class_raises():
    X, y, tasks = classification(6)
    y = y.copy()
    y[tasks == 2] = 0
    with pytest.raises(ValueError, match=r"connected task\(s\) \[2\]"):
        MultiTaskSVC(task_kernel="independent").fit(X, y, tasks=tasks)


def test_svms_say_they_run_on_numpy_only():
    assert not MultiTaskSVR().__sklearn_tags__().array_api_support
    assert not MultiTaskSVC().__sklearn_tags__().array_api_support
