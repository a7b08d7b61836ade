"""Determinism and persistence of every public estimator.

A fit is a deterministic function of its input and parameters (``random_state``
included), and a fitted model survives pickle and joblib, in this process and in a
fresh one, with bit-identical predictions.
"""

import json
import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.base import clone, is_classifier

import skmtl
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.kernel import MultiTaskKernelRidge, MultiTaskSVC, MultiTaskSVR

SIZES = [14, 18, 12, 16]


def estimators():
    """One instance of every public estimator, small enough to fit in a fraction of a second."""
    models = {}
    for name in skmtl.__all__:
        params = {"alphas": 3} if name.endswith("CV") else {}
        if name.startswith("Clustered"):
            params["random_state"] = 0
        models[name] = getattr(skmtl, name)(**params)
    models["MultiTaskKernelRidge"] = MultiTaskKernelRidge(alpha=0.5, kernel="rbf", gamma=0.3)
    models["MultiTaskSVR"] = MultiTaskSVR(C=3.0, epsilon=0.05)
    models["MultiTaskSVC"] = MultiTaskSVC(C=3.0, kernel="rbf", gamma=0.3)
    return models


ESTIMATORS = estimators()
NAMES = sorted(ESTIMATORS)


def test_every_public_estimator_is_covered():
    assert set(skmtl.__all__) <= set(NAMES)


def dataset(classification):
    """Routed training rows and new rows of four tasks."""
    make = make_multitask_classification if classification else make_multitask_regression
    X, y, tasks, _ = make(n_tasks=len(SIZES), n_features=4, n_samples=SIZES, random_state=0)
    X_new, _, tasks_new, _ = make(n_tasks=len(SIZES), n_features=4, n_samples=[5] * len(SIZES),
                                  random_state=1)
    return X, y, tasks, X_new, tasks_new


DATA = {False: dataset(False), True: dataset(True)}


def fitted(name):
    estimator = clone(ESTIMATORS[name])
    X, y, tasks, _, _ = DATA[is_classifier(estimator)]
    return estimator.fit(X, y, tasks=tasks)


def methods(model):
    """The prediction methods a model has."""
    names = ["predict", "decision_function", "predict_proba"]
    return [method for method in names if hasattr(model, method)]


def outputs(model):
    """Every prediction of ``model`` on the new rows of its kind of data."""
    _, _, _, X_new, tasks_new = DATA[is_classifier(model)]
    return {method: getattr(model, method)(X_new, tasks=tasks_new) for method in methods(model)}


def parameters(model):
    """The fitted parameters: coefficients and intercepts, or the dual coefficients."""
    if hasattr(model, "coef_"):
        return {"coef_": model.coef_, "intercept_": model.intercept_}
    if hasattr(model, "dual_coef_"):
        return {"dual_coef_": model.dual_coef_, "intercept_": model.intercept_}
    found = {}
    for group, (rows, svm) in enumerate(model.estimators_):
        found[f"rows[{group}]"] = rows
        found[f"support_[{group}]"] = svm.support_
        found[f"dual_coef_[{group}]"] = svm.dual_coef_
        found[f"intercept_[{group}]"] = svm.intercept_
    return found


def assert_bit_identical(actual, expected, what):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, what
    assert actual.shape == expected.shape, what
    # Byte comparison: also tells -0.0 from 0.0 and requires NaNs to match.
    assert actual.tobytes() == expected.tobytes(), what


@pytest.mark.parametrize("name", NAMES)
def test_two_fits_are_bit_identical(name):
    first, second = fitted(name), fitted(name)
    expected = parameters(first)
    found = parameters(second)
    assert found.keys() == expected.keys()
    for key in expected:
        assert_bit_identical(found[key], expected[key], key)
    expected_outputs = outputs(first)
    for method, values in outputs(second).items():
        assert_bit_identical(values, expected_outputs[method], method)


@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip_predicts_bit_identically(name):
    model = fitted(name)
    loaded = pickle.loads(pickle.dumps(model))
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    expected = outputs(model)
    for method, values in outputs(loaded).items():
        assert_bit_identical(values, expected[method], method)


@pytest.mark.parametrize("name", ["ClusteredRegressor", "ClusteredClassifier"])
def test_random_state_makes_cluster_labels_reproducible(name):
    """The labels come from ``random_state`` alone, not from the global random state."""
    X, y, tasks, _, _ = DATA[name.endswith("Classifier")]
    labels = []
    for global_seed in (1, 2):
        np.random.seed(global_seed)  # noqa: NPY002 (the state the labels must not depend on)
        for random_state in (3, np.random.RandomState(3)):
            model = getattr(skmtl, name)(n_clusters=2, random_state=random_state)
            labels.append(model.fit(X, y, tasks=tasks).cluster_labels_)
    for other in labels[1:]:
        assert_bit_identical(other, labels[0], "cluster_labels_")


LOAD_AND_PREDICT = textwrap.dedent("""
    import json, pickle, sys
    import joblib, numpy as np

    folder = sys.argv[1]
    with open(f"{folder}/manifest.json") as handle:
        manifest = json.load(handle)
    inputs = np.load(f"{folder}/inputs.npz")
    found = {}
    for name, entry in manifest.items():
        X, tasks = inputs[entry["X"]], inputs[entry["tasks"]]
        with open(f"{folder}/{name}.pkl", "rb") as handle:
            loaded = {"pickle": pickle.load(handle),
                      "joblib": joblib.load(f"{folder}/{name}.joblib")}
        for how, model in loaded.items():
            for method in entry["methods"]:
                found[f"{name}/{how}/{method}"] = getattr(model, method)(X, tasks=tasks)
    np.savez(f"{folder}/outputs.npz", **found)
""")


def test_saved_models_predict_identically_in_a_fresh_process(tmp_path):
    """Every model saved with pickle and with joblib, loaded by one new interpreter."""
    inputs, manifest, expected = {}, {}, {}
    for kind, key in ((False, "regression"), (True, "classification")):
        _, _, _, X_new, tasks_new = DATA[kind]
        inputs[f"X_{key}"], inputs[f"tasks_{key}"] = X_new, tasks_new
    for name in NAMES:
        model = fitted(name)
        with open(tmp_path / f"{name}.pkl", "wb") as handle:
            pickle.dump(model, handle)
        joblib.dump(model, tmp_path / f"{name}.joblib")
        key = "classification" if is_classifier(model) else "regression"
        manifest[name] = {"X": f"X_{key}", "tasks": f"tasks_{key}", "methods": methods(model)}
        for method, values in outputs(model).items():
            expected[(name, method)] = values
    np.savez(tmp_path / "inputs.npz", **inputs)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    completed = subprocess.run([sys.executable, "-c", LOAD_AND_PREDICT, str(tmp_path)],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr

    with np.load(tmp_path / "outputs.npz") as found:
        assert len(found.files) == 2 * len(expected)
        for (name, method), values in expected.items():
            for how in ("pickle", "joblib"):
                assert_bit_identical(found[f"{name}/{how}/{method}"], values,
                                     f"{name} {how} {method}")
