"""The checks every model family gets from its entry in ``_families.FAMILIES``.

- it reaches the optimum of the cvxpy reference (``skmtl.solvers.reference_cvxpy``,
  named by the fitted model's ``_family`` and ``_reference_params()``);
- a warm start from its own solution stops at once, and one along its path reaches
  the cold fit of the new parameters;
- ``max_iter`` too small warns, the default settings do not;
- routed rows, a task column and the shared design give the same fit;
- array-API inputs give the NumPy fit, with the fitted arrays in the input's library.
"""

import os
import warnings

import numpy as np
import pytest
import sklearn
from _data import shared_data, sorted_index
from _families import FAMILIES, components, estimator_classes
from _namespaces import array_namespaces
from _reference_helpers import explicit_task_weights, task_scale
from sklearn.exceptions import ConvergenceWarning

import skmtl

RTOL = 1e-6


def _cases(spec):
    """pytest params ``(family, kind, ...)`` of the families that have ``spec``."""
    for family in FAMILIES:
        if getattr(family, spec) is not None:
            for kind, _, _ in family.estimators():
                yield pytest.param(family, kind, id=f"{family.name}-{kind}")


def _reference_labels(y, kind):
    """The reference takes classes as -1 / +1."""
    if kind == "regressor":
        return y
    return np.where(y == np.unique(y)[1], 1.0, -1.0)


def _objective(model, X, y, tasks, kind, **kwargs):
    from skmtl.solvers.reference_cvxpy import objective_value

    index = sorted_index(tasks)
    return objective_value(
        model._family, X, _reference_labels(y, kind), index, index.max() + 1, model.coef_,
        model.intercept_, model._reference_params(), components=components(model),
        loss="squared" if kind == "regressor" else "logistic", **kwargs)


def test_registry_covers_every_public_estimator():
    """A new estimator gets the common checks (and scikit-learn's) through an entry."""
    names = [cls.__name__ for cls in estimator_classes()]
    assert sorted(names) == sorted(skmtl.__all__)


# ------------------------------------------------------------- the cvxpy optimum
def _reference_cases():
    for family in FAMILIES:
        for kind, _, _ in family.estimators():
            for case in family.reference_cases:
                if kind not in case.kinds:
                    continue
                for solver in family.reference_solvers.get(kind, (None,)):
                    yield pytest.param(family, kind, case, solver,
                                       id=f"{family.name}-{kind}-{case.id()}-{solver or 'default'}")


@pytest.mark.parametrize("family, kind, case, solver", list(_reference_cases()))
def test_reaches_the_cvxpy_optimum(family, kind, case, solver):
    pytest.importorskip("cvxpy")
    from skmtl.solvers.reference_cvxpy import solve_reference

    X, y, tasks, weights = family.rows(case.seed, kind == "classifier")
    weights = weights if case.weighted else None
    index = sorted_index(tasks)
    n_tasks = index.max() + 1
    task_weights = (explicit_task_weights(n_tasks, case.seed)
                    if case.task_weights == "explicit" else case.task_weights)
    settings = {} if solver is None else {"solver": solver}
    model = family.make(kind, **case.params, **family.tight, **settings,
                        task_weights=task_weights, fit_intercept=case.fit_intercept)
    model.fit(X, y, tasks=tasks, sample_weight=weights)
    assert model.certificate_ <= model.tol
    if not case.fit_intercept:
        np.testing.assert_array_equal(model.intercept_, 0.0)
    tau = task_scale(task_weights, index, n_tasks, weights)
    loss = "squared" if kind == "regressor" else "logistic"
    reference = solve_reference(
        model._family, X, _reference_labels(y, kind), index, n_tasks,
        model._reference_params(), sample_weight=weights, task_scale=tau,
        fit_intercept=case.fit_intercept, loss=loss)
    value = _objective(model, X, y, tasks, kind, sample_weight=weights, task_scale=tau)
    assert abs(value - reference["objective"]) <= RTOL * abs(reference["objective"])
    for name, key, atol in family.reference_matrices:
        np.testing.assert_allclose(getattr(model, name), reference[key], atol=atol)


# --------------------------------------------------------------------- warm start
@pytest.mark.parametrize("family, kind", list(_cases("warm_start")))
def test_warm_start(family, kind):
    spec = family.warm_start
    X, y, tasks, weights = family.rows(spec["seed"], kind == "classifier")
    fit = {"tasks": tasks, "sample_weight": weights if spec["weighted"] else None}
    cold = family.make(kind, **spec.get("params", {}), **spec["settings"]).fit(X, y, **fit)
    again = sklearn.clone(cold).fit(X, y, **fit)
    np.testing.assert_allclose(again.coef_, cold.coef_, rtol=1e-7)

    warm = sklearn.clone(cold).set_params(warm_start=True).fit(X, y, **fit)
    first = warm.n_iter_
    warm.fit(X, y, **fit)  # from its own solution
    # Solvers count iterations or epochs, proximal Newton its steps.
    assert warm.n_iter_ <= spec["refit_iterations"][kind]
    assert warm.n_iter_ <= first
    assert warm.n_iter_ < first or first == 1
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=spec["refit_atol"])

    step = {family.path: spec["factor"] * getattr(cold, family.path)}
    warm.set_params(**step).fit(X, y, **fit)
    fresh = sklearn.clone(cold).set_params(**step).fit(X, y, **fit)
    np.testing.assert_allclose(warm.coef_, fresh.coef_, rtol=spec.get("path_rtol", 0),
                               atol=spec["path_atol"])
    if spec.get("fewer_iterations"):
        assert warm.n_iter_ < fresh.n_iter_
    values = [_objective(model, X, y, tasks, kind, sample_weight=fit["sample_weight"])
              for model in (warm, fresh)]
    np.testing.assert_allclose(*values, rtol=1e-8)


# ------------------------------------------------------------ convergence warning
@pytest.mark.parametrize("family, kind", list(_cases("convergence")))
def test_convergence_warning_when_max_iter_ends_the_solve(family, kind):
    X, y, tasks, _ = family.rows(6, kind == "classifier")
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = family.make(kind, **family.convergence, max_iter=1).fit(X, y, tasks=tasks)
    assert model.n_iter_ == 1
    assert model.certificate_ > model.tol
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = family.make(kind).fit(X, y, tasks=tasks)
    assert model.certificate_ <= model.tol


# ------------------------------------------------------------------ conventions
@pytest.mark.parametrize("family, kind", list(_cases("conventions")))
def test_task_conventions_agree(family, kind):
    """Shared design (2-D y), routed rows and a task column give the same fit."""
    spec = family.conventions
    n, n_tasks = 40, spec["n_tasks"]
    X, Y = shared_data(spec["seed"], n, spec["d"], n_tasks, offset=None, intercepts=False,
                       noise=spec["noise"])
    if kind == "classifier":
        Y = (Y > 0).astype(np.int64)
    settings = {**spec.get("params", {}), **spec["settings"]}
    shared = family.make(kind, **settings).fit(X, Y)
    X_rows, y_rows = np.tile(X, (n_tasks, 1)), Y.T.reshape(-1)
    labels = np.repeat(np.arange(n_tasks), n)
    by_rows = family.make(kind, **settings).fit(X_rows, y_rows, tasks=labels)
    by_column = family.make(kind, **settings, task_column=0).fit(
        np.column_stack([labels, X_rows]), y_rows)
    for other in (by_rows, by_column):
        for name in ("coef_", "intercept_"):
            np.testing.assert_allclose(getattr(other, name), getattr(shared, name),
                                       rtol=spec["rtol"], atol=spec["atol"], err_msg=name)
        for name, atol in spec.get("close", {}).items():
            np.testing.assert_allclose(getattr(other, name), getattr(shared, name), atol=atol,
                                       err_msg=name)
        for name in spec.get("equal", ()):
            np.testing.assert_array_equal(np.asarray(getattr(other, name)),
                                          np.asarray(getattr(shared, name)), err_msg=name)


# -------------------------------------------------------------------- array API
def _array_api_cases():
    for family in FAMILIES:
        if family.array_api is None:
            continue
        for kind, _, _ in family.estimators():
            for i, settings in enumerate(family.array_api.get(kind, ())):
                for design in family.array_api.get("designs", ("routed",)):
                    for namespace in array_namespaces():
                        if namespace.id in family.array_api.get("namespaces",
                                                                ("array_api_strict",)):
                            yield pytest.param(
                                family, kind, settings, design, namespace.values[0],
                                id=f"{family.name}-{kind}{i or ''}-{design}-{namespace.id}")


@pytest.mark.skipif(os.environ.get("SCIPY_ARRAY_API") != "1",
                    reason="array API dispatch needs SCIPY_ARRAY_API=1")
@pytest.mark.parametrize("family, kind, settings, design, namespace", list(_array_api_cases()))
def test_array_api_matches_numpy(family, kind, settings, design, namespace):
    classify = kind == "classifier"
    X, y, tasks, weights = family.rows(11, classify)
    if design == "shared":
        X, y = shared_data(8, n=40, d=X.shape[1])
        tasks = weights = None
        if classify:
            y = np.where(y > np.median(y), 1.0, 0.0)
    estimator = family.make(kind, **settings)
    reference = sklearn.clone(estimator).fit(X, y, tasks=tasks, sample_weight=weights)

    def convert(array):
        return None if array is None else namespace.asarray(array)

    method = "decision_function" if classify else "predict"
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(convert(X), convert(y), tasks=tasks,
                                             sample_weight=convert(weights))
        output = getattr(model, method)(convert(X), tasks=tasks)
    array_type = type(namespace.asarray(X))
    for name in ("coef_", "intercept_", *family.fitted):
        value = getattr(model, name)
        assert type(value) is array_type, name
        np.testing.assert_allclose(np.asarray(value), getattr(reference, name), rtol=1e-8,
                                   atol=1e-8, err_msg=name)
    np.testing.assert_allclose(np.asarray(output), getattr(reference, method)(X, tasks=tasks),
                               rtol=1e-8, atol=1e-8)
    for name in family.array_api.get("equal", ()):
        np.testing.assert_array_equal(np.asarray(getattr(model, name)),
                                      np.asarray(getattr(reference, name)), err_msg=name)
