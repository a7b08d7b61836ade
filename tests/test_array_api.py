"""Array API inputs (``array_api_strict``, PyTorch CPU) give the NumPy results.

With ``sklearn.config_context(array_api_dispatch=True)`` every estimator must fit
and predict on another library's arrays, keep its fitted arrays in that library
(and on the input's device), and agree with the NumPy fit to 1e-8.
"""

import os

import numpy as np
import pytest
import sklearn
from _data import routed_data, shared_data
from _families import FAMILIES
from _namespaces import array_namespaces

from skmtl import (
    ClusteredRegressor,
    DirtyRegressor,
    FusedSparseGroupLassoRegressor,
    GraphRegularizedRegressor,
    HierarchicalRegressor,
    IndependentLassoRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    RobustFeatureRegressor,
    RobustLowRankRegressor,
    SharedParameterRegressor,
    SharedSubspaceRegressor,
    SparseLowRankRegressor,
    TaskRelationshipRegressor,
    TemporalGroupLassoRegressor,
    TraceNormRegressor,
)

if os.environ.get("SCIPY_ARRAY_API") != "1":
    pytest.skip(
        "array API dispatch needs the environment variable SCIPY_ARRAY_API=1 set before "
        "SciPy is imported",
        allow_module_level=True,
    )

xps = pytest.importorskip("array_api_strict")

TOL = 1e-8
CHAIN = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 2.0], [0.0, 2.0, 0.0]])


def estimators():
    """One estimator per family (several solver paths), tight tolerances."""
    return [
        pytest.param(SharedParameterRegressor(alpha_shared=0.3, alpha_task=0.2),
                     id="shared_parameter"),
        pytest.param(MeanRegularizedRegressor(alpha=0.5, l2=0.01), id="mean"),
        pytest.param(MeanRegularizedRegressor(alpha=0.5, l2=0.01, solver="cg", tol=1e-12),
                     id="mean-cg"),
        pytest.param(GraphRegularizedRegressor(alpha=0.4), id="graph-complete"),
        pytest.param(GraphRegularizedRegressor(alpha=0.4, l2=0.01, task_graph=CHAIN),
                     id="graph-chain"),
        pytest.param(TraceNormRegressor(alpha=0.1, tol=1e-12, max_iter=50_000), id="trace"),
        # On NumPy 'auto' is coordinate descent, compiled and NumPy-only: these compare the
        # namespace-generic solvers, and test_auto_reaches_numpy_objective the two 'auto's.
        pytest.param(JointFeatureRegressor(alpha=0.1, tol=1e-12, max_iter=50_000,
                                           solver="admm"), id="joint_feature"),
        pytest.param(TraceNormRegressor(alpha=0.0, l2=0.1), id="trace-alpha0"),
        pytest.param(TraceNormRegressor(alpha=0.1, l2=0.05, tol=1e-12, max_iter=50_000),
                     id="trace-l2"),
        pytest.param(JointFeatureRegressor(alpha=0.1, l2=0.05, tol=1e-12, max_iter=50_000,
                                           solver="fista"), id="joint_feature-l2"),
        pytest.param(IndependentLassoRegressor(alpha=0.05, tol=1e-12, max_iter=50_000,
                                               solver="admm"), id="lasso"),
        pytest.param(DirtyRegressor(alpha_shared=0.06, alpha_task=0.05, tol=1e-12,
                                    max_iter=50_000, solver="admm"), id="dirty"),
        pytest.param(RobustLowRankRegressor(alpha_lowrank=0.1, alpha_outlier=0.1, tol=1e-12,
                                            max_iter=50_000), id="robust"),
        pytest.param(RobustFeatureRegressor(alpha_shared=0.1, alpha_outlier=0.15, tol=1e-12,
                                            max_iter=50_000), id="robust_feature"),
        pytest.param(SparseLowRankRegressor(alpha_sparse=0.05, alpha_lowrank=0.1, tol=1e-12,
                                            max_iter=50_000, solver="fista"),
                     id="sparse_low_rank"),
        pytest.param(ClusteredRegressor(alpha=0.5, l2=0.05, n_clusters=2, tol=1e-12,
                                        random_state=0), id="clustered"),
        pytest.param(SharedSubspaceRegressor(alpha=0.5, l2=0.05, n_components=2, tol=1e-12),
                     id="shared_subspace"),
        pytest.param(TaskRelationshipRegressor(alpha=0.5, tol=1e-12), id="relationship"),
        pytest.param(TaskRelationshipRegressor(alpha=0.5, l2=0.0, solver="admm", tol=1e-12),
                     id="relationship-admm"),
        pytest.param(TemporalGroupLassoRegressor(alpha=0.1, alpha_smooth=0.3,
                                                 task_order=[2, 0, 1], tol=1e-12,
                                                 max_iter=50_000, solver="admm"),
                     id="temporal"),
        pytest.param(FusedSparseGroupLassoRegressor(alpha_lasso=0.02, alpha_fused=0.1,
                                                    alpha_group=0.05, tol=1e-12,
                                                    max_iter=50_000, solver="admm"),
                     id="fused_sparse_group"),
        pytest.param(HierarchicalRegressor(), id="hierarchical"),
        pytest.param(HierarchicalRegressor(method="ml", slope_variance="per_task"),
                     id="hierarchical-per_task"),
    ]


#: The fitted arrays of each regressor besides coef_ and intercept_, from the registry.
FITTED_ARRAYS = {family.regressor: list(family.fitted) for family in FAMILIES}


def devices():
    found = [pytest.param(None, id="default-device")]
    try:
        found.append(pytest.param(xps.Device("device1"), id="device1"))
    except (ValueError, TypeError, AttributeError):  # older array_api_strict
        pass
    return found


def to_strict(array, device):
    if device is None:
        return xps.asarray(array)
    return xps.asarray(array, device=device)


def strict_to_numpy(array):
    return np.asarray(xps.asarray(array, device=xps.Device("CPU_DEVICE")))


def check_namespace(model, names, device):
    for name in ["coef_", "intercept_", *names]:
        value = getattr(model, name)
        assert type(value).__module__.startswith("array_api_strict"), name
        assert value.__array_namespace__() is xps, name
        if device is not None:
            assert value.device == device, name


def assert_same_fit(strict_model, numpy_model, names):
    for name in ["coef_", "intercept_", *names]:
        np.testing.assert_allclose(strict_to_numpy(getattr(strict_model, name)),
                                   getattr(numpy_model, name), rtol=TOL, atol=TOL, err_msg=name)
    assert list(np.asarray(strict_to_numpy(strict_model.tasks_))) == list(numpy_model.tasks_)


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("labels_as", ["numpy", "strict"])
@pytest.mark.parametrize("estimator", estimators())
def test_routed_matches_numpy(estimator, labels_as, device):
    X, y, tasks, weights = routed_data(1)
    names = FITTED_ARRAYS[type(estimator)]
    reference = sklearn.clone(estimator).fit(X, y, tasks=tasks, sample_weight=weights)
    X_new, _, tasks_new, _ = routed_data(2, sizes=(4, 6, 5))
    expected = reference.predict(X_new, tasks=tasks_new)

    def labels(values):
        return to_strict(values, device) if labels_as == "strict" else values

    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(
            to_strict(X, device), to_strict(y, device), tasks=labels(tasks),
            sample_weight=to_strict(weights, device))
        prediction = model.predict(to_strict(X_new, device), tasks=labels(tasks_new))
        check_namespace(model, names, device)
        # integer task labels are kept as an array of the data's namespace
        assert model.tasks_.__array_namespace__() is xps
        assert prediction.__array_namespace__() is xps
        if device is not None:
            assert prediction.device == device
        score = model.score(to_strict(X_new, device), to_strict(X_new[:, 0], device),
                            tasks=labels(tasks_new))
    assert_same_fit(model, reference, names)
    np.testing.assert_allclose(strict_to_numpy(prediction), expected, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(score, reference.score(X_new, X_new[:, 0], tasks=tasks_new),
                               rtol=TOL, atol=TOL)


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("estimator", estimators())
def test_shared_design_matches_numpy(estimator, device):
    X, Y = shared_data(3)
    names = FITTED_ARRAYS[type(estimator)]
    reference = sklearn.clone(estimator).fit(X, Y)
    X_new, _ = shared_data(4, n=9)
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(to_strict(X, device), to_strict(Y, device))
        prediction = model.predict(to_strict(X_new, device))
        rows = np.arange(9) % 3
        per_row = model.predict(to_strict(X_new, device), tasks=rows)
        check_namespace(model, names, device)
    assert prediction.shape == (9, 3)
    assert_same_fit(model, reference, names)
    np.testing.assert_allclose(strict_to_numpy(prediction), reference.predict(X_new),
                               rtol=TOL, atol=TOL)
    np.testing.assert_allclose(strict_to_numpy(per_row),
                               reference.predict(X_new)[np.arange(9), rows], rtol=TOL, atol=TOL)


@pytest.mark.parametrize("estimator", estimators()[:2] + estimators()[5:7])
def test_one_dimensional_target_matches_numpy(estimator):
    X, Y = shared_data(5)
    reference = sklearn.clone(estimator).fit(X, Y[:, 0])
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(xps.asarray(X), xps.asarray(Y[:, 0]))
        prediction = model.predict(xps.asarray(X))
    assert prediction.shape == (X.shape[0],)
    np.testing.assert_allclose(strict_to_numpy(prediction), reference.predict(X), rtol=TOL,
                               atol=TOL)


@pytest.mark.parametrize("estimator", [MeanRegularizedRegressor(),
                                       JointFeatureRegressor(solver="fista")])
def test_integer_task_column_matches_numpy(estimator):
    X, y, tasks, _ = routed_data(6)
    X_full = np.insert(X, 1, tasks, axis=1)
    reference = sklearn.clone(estimator).set_params(task_column=1).fit(X_full, y)
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).set_params(task_column=1).fit(
            xps.asarray(X_full), xps.asarray(y))
        prediction = model.predict(xps.asarray(X_full))
        check_namespace(model, [], None)
    assert model.n_features_in_ == X.shape[1]
    assert_same_fit(model, reference, [])
    np.testing.assert_allclose(strict_to_numpy(prediction), reference.predict(X_full),
                               rtol=TOL, atol=TOL)


@pytest.mark.parametrize("cls", [SharedParameterRegressor, MeanRegularizedRegressor])
def test_population_prediction_matches_numpy(cls):
    X, y, tasks, _ = routed_data(7)
    reference = cls().fit(X, y, tasks=tasks)
    with sklearn.config_context(array_api_dispatch=True):
        model = cls().fit(xps.asarray(X), xps.asarray(y), tasks=tasks)
        prediction = model.predict_population(xps.asarray(X))
    assert prediction.__array_namespace__() is xps
    np.testing.assert_allclose(strict_to_numpy(prediction), reference.predict_population(X),
                               rtol=TOL, atol=TOL)


def test_string_labels_with_strict_arrays():
    X, y, tasks, _ = routed_data(8)
    names = np.array(["b", "c", "a"])[tasks]
    reference = TraceNormRegressor(alpha=0.05, tol=1e-12).fit(X, y, tasks=names)
    with sklearn.config_context(array_api_dispatch=True):
        model = TraceNormRegressor(alpha=0.05, tol=1e-12).fit(xps.asarray(X), xps.asarray(y),
                                                              tasks=names)
        prediction = model.predict(xps.asarray(X), tasks=names)
        with pytest.raises(ValueError, match="'d'"):
            model.predict(xps.asarray(X), tasks=np.where(names == "a", "d", names))
    assert list(model.tasks_) == ["a", "b", "c"]
    np.testing.assert_allclose(strict_to_numpy(model.coef_), reference.coef_, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(strict_to_numpy(prediction), reference.predict(X, tasks=names),
                               rtol=TOL, atol=TOL)


def test_tasks_smaller_than_features_matches_numpy():
    """Many features and small tasks: the loss keeps the rows instead of T d x d statistics."""
    rng = np.random.default_rng(9)
    T, d, n_t = 5, 900, 12
    tasks = np.repeat(np.arange(T), n_t)
    X = rng.standard_normal((T * n_t, d))
    y = X[:, :3] @ np.array([1.0, -2.0, 0.5]) + tasks + 0.1 * rng.standard_normal(T * n_t)
    for estimator in (MeanRegularizedRegressor(alpha=0.5, l2=0.1, tol=1e-12),
                      JointFeatureRegressor(alpha=0.3, tol=1e-8, solver="fista")):
        reference = sklearn.clone(estimator).fit(X, y, tasks=tasks)
        with sklearn.config_context(array_api_dispatch=True):
            model = sklearn.clone(estimator).fit(xps.asarray(X), xps.asarray(y), tasks=tasks)
            prediction = model.predict(xps.asarray(X), tasks=tasks)
        np.testing.assert_allclose(strict_to_numpy(model.coef_), reference.coef_, rtol=TOL,
                                   atol=TOL)
        np.testing.assert_allclose(strict_to_numpy(prediction), reference.predict(X, tasks=tasks),
                                   rtol=TOL, atol=TOL)


def mixed_inputs():
    """(X, y, sample_weight) converters: y and the weights follow X (scikit-learn's rule)."""
    cases = [
        pytest.param(xps.asarray, np.asarray, np.asarray, id="X-strict-y-numpy"),
        pytest.param(np.asarray, xps.asarray, xps.asarray, id="X-numpy-y-strict"),
    ]
    for device in devices()[1:]:
        device = device.values[0]
        cases.append(pytest.param(lambda a, device=device: xps.asarray(a, device=device),
                                  xps.asarray, xps.asarray, id="X-device1-y-default-device"))
    return cases


@pytest.mark.parametrize("estimator", [estimators()[1], estimators()[5]])
@pytest.mark.parametrize("as_X, as_y, as_weight", mixed_inputs())
def test_mixed_namespace_targets_follow_X(estimator, as_X, as_y, as_weight):
    """y and sample_weight in another namespace/device are moved to X's (as in
    scikit-learn's check_array_api_mixed_inputs, which runs when PyTorch is installed)."""
    X, y, tasks, weights = routed_data(15)
    reference = sklearn.clone(estimator).fit(X, y, tasks=tasks, sample_weight=weights)
    X_in = as_X(X)
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(X_in, as_y(y), tasks=tasks,
                                             sample_weight=as_weight(weights))
        prediction = model.predict(X_in, tasks=tasks)
    if isinstance(X_in, np.ndarray):
        assert isinstance(model.coef_, np.ndarray)
        coef, prediction = model.coef_, np.asarray(prediction)
    else:
        assert model.coef_.__array_namespace__() is xps
        assert model.coef_.device == X_in.device
        coef, prediction = strict_to_numpy(model.coef_), strict_to_numpy(prediction)
    np.testing.assert_allclose(coef, reference.coef_, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(prediction, reference.predict(X, tasks=tasks), rtol=TOL, atol=TOL)


def test_mixing_namespaces_at_predict_is_an_error():
    X, y, tasks, _ = routed_data(11)
    with sklearn.config_context(array_api_dispatch=True):
        model = MeanRegularizedRegressor().fit(xps.asarray(X), xps.asarray(y), tasks=tasks)
        with pytest.raises((TypeError, ValueError)):
            model.predict(X, tasks=tasks)


# ------------------------------------------------------------- PyTorch CPU
@pytest.mark.parametrize("estimator", estimators())
def test_torch_cpu_matches_numpy(estimator):
    torch = pytest.importorskip("torch")
    X, y, tasks, weights = routed_data(12)
    X2, Y = shared_data(13)
    names = FITTED_ARRAYS[type(estimator)]
    reference = sklearn.clone(estimator).fit(X, y, tasks=tasks, sample_weight=weights)
    reference_shared = sklearn.clone(estimator).fit(X2, Y)
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(
            torch.asarray(X), torch.asarray(y), tasks=torch.asarray(tasks),
            sample_weight=torch.asarray(weights))
        prediction = model.predict(torch.asarray(X), tasks=tasks)
        shared = sklearn.clone(estimator).fit(torch.asarray(X2), torch.asarray(Y))
        shared_prediction = shared.predict(torch.asarray(X2))
    for fitted, ref in ((model, reference), (shared, reference_shared)):
        for name in ["coef_", "intercept_", *names]:
            value = getattr(fitted, name)
            assert isinstance(value, torch.Tensor), name
            np.testing.assert_allclose(value.cpu().numpy(), getattr(ref, name), rtol=TOL,
                                       atol=TOL, err_msg=name)
    assert isinstance(prediction, torch.Tensor)
    np.testing.assert_allclose(prediction.numpy(), reference.predict(X, tasks=tasks), rtol=TOL,
                               atol=TOL)
    np.testing.assert_allclose(shared_prediction.numpy(), reference_shared.predict(X2),
                               rtol=TOL, atol=TOL)



@pytest.mark.parametrize("library", ["array_api_strict", "torch"])
def test_many_features_shared_design_matches_numpy(library):
    """A shared Gram matrix large enough for the power-iteration Lipschitz estimate."""
    module = pytest.importorskip(library)
    rng = np.random.default_rng(14)
    n, d, T = 700, 600, 2
    X = rng.standard_normal((n, d))
    Y = X[:, :4] @ rng.standard_normal((4, T)) + 0.1 * rng.standard_normal((n, T))
    estimator = JointFeatureRegressor(alpha=0.05, tol=1e-10)
    reference = sklearn.clone(estimator).fit(X, Y)
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(module.asarray(X), module.asarray(Y))
    for name in ("coef_", "intercept_"):
        value = getattr(model, name)
        if library == "torch":
            assert isinstance(value, module.Tensor)
            value = value.numpy()
        else:
            assert value.__array_namespace__() is xps
            value = strict_to_numpy(value)
        np.testing.assert_allclose(value, getattr(reference, name), rtol=TOL, atol=TOL)


def classifiers():
    """One classifier per family and solver path, tight tolerances."""
    from skmtl import (
        DirtyClassifier,
        GraphRegularizedClassifier,
        IndependentLassoClassifier,
        JointFeatureClassifier,
        MeanRegularizedClassifier,
        RobustFeatureClassifier,
        SharedParameterClassifier,
        SharedSubspaceClassifier,
        SparseLowRankClassifier,
        TaskRelationshipClassifier,
        TraceNormClassifier,
    )

    return [
        pytest.param(SharedParameterClassifier(alpha_shared=0.1, alpha_task=0.2, tol=1e-12),
                     id="shared_parameter"),
        pytest.param(MeanRegularizedClassifier(alpha=0.5, l2=0.05, tol=1e-12), id="mean"),
        pytest.param(MeanRegularizedClassifier(alpha=0.5, l2=0.05, solver="fista", tol=1e-11,
                                               max_iter=50_000), id="mean-fista"),
        pytest.param(GraphRegularizedClassifier(alpha=0.2, l2=0.05, task_graph=CHAIN,
                                                tol=1e-12), id="graph-chain"),
        pytest.param(TraceNormClassifier(alpha=0.02, tol=1e-11), id="trace"),
        # proximal Newton's inner solver is coordinate descent on NumPy only: see above
        pytest.param(JointFeatureClassifier(alpha=0.02, l2=0.01, tol=1e-11, solver="fista",
                                            max_iter=50_000), id="joint_feature"),
        pytest.param(IndependentLassoClassifier(alpha=0.02, tol=1e-11, solver="fista",
                                                max_iter=50_000), id="lasso"),
        pytest.param(DirtyClassifier(alpha_shared=0.03, alpha_task=0.02, tol=1e-11,
                                     max_iter=50_000, solver="fista"), id="dirty"),
        pytest.param(RobustFeatureClassifier(alpha_shared=0.03, alpha_outlier=0.04, tol=1e-11,
                                             max_iter=50_000), id="robust_feature"),
        pytest.param(SparseLowRankClassifier(alpha_sparse=0.01, alpha_lowrank=0.02, tol=1e-11,
                                             max_iter=50_000, solver="fista"),
                     id="sparse_low_rank"),
        pytest.param(TaskRelationshipClassifier(alpha=0.5, tol=1e-12), id="relationship"),
        pytest.param(SharedSubspaceClassifier(alpha=0.3, l2=0.03, n_components=2, tol=1e-12),
                     id="shared_subspace"),
    ]


def classification_data(seed, sizes=(20, 35, 27), d=4):
    X, y, tasks, weights = routed_data(seed, sizes, d)
    labels = (y > np.median(y) + 0.5 * np.random.default_rng(seed).standard_normal(y.size))
    return X, labels.astype(np.int64), tasks, weights


@pytest.mark.parametrize("estimator", classifiers())
def test_classifier_routed_matches_numpy(estimator):
    X, y, tasks, weights = classification_data(11)
    reference = sklearn.clone(estimator).fit(X, y, tasks=tasks, sample_weight=weights)
    X_new, _, tasks_new, _ = classification_data(12, sizes=(4, 6, 5))
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(
            xps.asarray(X), xps.asarray(y), tasks=tasks, sample_weight=xps.asarray(weights))
        outputs = {name: getattr(model, name)(xps.asarray(X_new), tasks=tasks_new)
                   for name in ("decision_function", "predict_proba", "predict")}
        check_namespace(model, ["classes_"], None)
    for name, value in outputs.items():
        assert value.__array_namespace__() is xps, name
        np.testing.assert_allclose(strict_to_numpy(value),
                                   getattr(reference, name)(X_new, tasks=tasks_new),
                                   rtol=TOL, atol=TOL, err_msg=name)
    np.testing.assert_allclose(strict_to_numpy(model.coef_), reference.coef_, rtol=1e-7,
                               atol=1e-7)
    np.testing.assert_allclose(strict_to_numpy(model.intercept_), reference.intercept_,
                               rtol=TOL, atol=TOL)


@pytest.mark.parametrize("estimator", classifiers()[1:2] + classifiers()[4:5])
def test_classifier_shared_design_and_one_class_task_match_numpy(estimator):
    X, Y = shared_data(13)
    Y = (Y > np.median(Y, axis=0)).astype(np.int64)
    Y[:, 2] = 1  # a task with one class: infinite intercept
    reference = sklearn.clone(estimator).fit(X, Y)
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(xps.asarray(X), xps.asarray(Y))
        proba = model.predict_proba(xps.asarray(X))
        predicted = model.predict(xps.asarray(X))
    assert strict_to_numpy(model.intercept_)[2] == np.inf
    np.testing.assert_allclose(strict_to_numpy(model.coef_), reference.coef_, rtol=1e-7,
                               atol=1e-7)
    np.testing.assert_allclose(strict_to_numpy(proba), reference.predict_proba(X), rtol=1e-7,
                               atol=1e-7)
    np.testing.assert_array_equal(strict_to_numpy(predicted), reference.predict(X))


@pytest.mark.parametrize("solver", ["cholesky", "eigen"])
def test_kernel_ridge_matches_numpy(solver):
    from skmtl.kernel import MultiTaskKernelRidge

    model = MultiTaskKernelRidge(alpha=0.1, kernel="rbf", gamma=0.2, solver=solver)
    if solver == "eigen":
        X, Y = shared_data(14)
        reference = sklearn.clone(model).fit(X, Y)
        with sklearn.config_context(array_api_dispatch=True):
            fitted = sklearn.clone(model).fit(xps.asarray(X), xps.asarray(Y))
            prediction = fitted.predict(xps.asarray(X))
        expected = reference.predict(X)
    else:
        X, y, tasks, weights = routed_data(15)
        reference = sklearn.clone(model).fit(X, y, tasks=tasks, sample_weight=weights)
        with sklearn.config_context(array_api_dispatch=True):
            fitted = sklearn.clone(model).fit(xps.asarray(X), xps.asarray(y), tasks=tasks,
                                              sample_weight=xps.asarray(weights))
            prediction = fitted.predict(xps.asarray(X), tasks=tasks)
        expected = reference.predict(X, tasks=tasks)
    for name in ("dual_coef_", "X_fit_", "task_kernel_", "intercept_"):
        assert getattr(fitted, name).__array_namespace__() is xps, name
    assert prediction.__array_namespace__() is xps
    np.testing.assert_allclose(strict_to_numpy(prediction), expected, rtol=TOL, atol=TOL)


# ------------------------------------------------------------- float32 on every backend
def all_estimators():
    from skmtl.kernel import MultiTaskKernelRidge

    return [
        *[pytest.param(p.values[0], False, id=p.id) for p in estimators()],
        *[pytest.param(p.values[0], True, id=p.id + "-classifier") for p in classifiers()],
        pytest.param(MultiTaskKernelRidge(alpha=0.1, kernel="rbf", gamma=0.2), False,
                     id="kernel_ridge"),
    ]


@pytest.mark.parametrize("namespace", array_namespaces())
@pytest.mark.parametrize("estimator, classify", all_estimators())
def test_float32_is_kept_and_matches_numpy(estimator, classify, namespace):
    """float32 input stays float32 and lands on the float64 NumPy optimum.

    At float32's tol=1e-5 a certificate bounds the coefficients' error only by
    sqrt(2 gap / l2): for the weakly regularized classifiers (l2=0.01) that is 1e-3
    relative, and two backends rounding differently stop at points that far apart
    (measured: 1.2e-3 for the L2,1 classifier, 1e-6 or less for most families), hence
    5e-3 of the largest output.
    """
    if classify:
        X, y, tasks, _ = classification_data(16)
    else:
        X, y, tasks, _ = routed_data(16)
        y = y.astype(np.float32)
    X = X.astype(np.float32)
    method = "decision_function" if classify else "predict"
    reference = sklearn.clone(estimator).fit(X.astype(np.float64), y, tasks=tasks)
    expected = getattr(reference, method)(X.astype(np.float64), tasks=tasks)
    if "tol" in estimator.get_params():  # float32 rounding is about 1e-7
        estimator = sklearn.clone(estimator).set_params(tol=1e-5)
    on_numpy = getattr(sklearn.clone(estimator).fit(X, y, tasks=tasks), method)(X, tasks=tasks)
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(namespace.asarray(X), namespace.asarray(y),
                                             tasks=tasks)
        output = getattr(model, method)(namespace.asarray(X), tasks=tasks)
    fitted = model.dual_coef_ if hasattr(model, "dual_coef_") else model.coef_
    assert fitted.dtype == namespace.float32
    assert output.dtype == namespace.float32
    assert on_numpy.dtype == np.float32
    on_host = output.cpu().numpy() if hasattr(output, "cpu") else strict_to_numpy(output)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(on_host, expected, rtol=0, atol=5e-3 * scale)
    np.testing.assert_allclose(on_numpy, expected, rtol=0, atol=5e-3 * scale)


def coordinate_descent_estimators():
    from skmtl import (
        DirtyClassifier,
        FusedSparseGroupLassoClassifier,
        IndependentLassoClassifier,
        JointFeatureClassifier,
        TemporalGroupLassoClassifier,
    )

    return [
        pytest.param(JointFeatureRegressor(alpha=0.1, l2=0.05), id="joint_feature-l2"),
        pytest.param(JointFeatureRegressor(alpha=0.1), id="joint_feature"),
        pytest.param(IndependentLassoRegressor(alpha=0.05), id="lasso"),
        pytest.param(DirtyRegressor(alpha_shared=0.06, alpha_task=0.05), id="dirty"),
        pytest.param(JointFeatureClassifier(alpha=0.02, l2=0.01), id="joint_feature-classifier"),
        pytest.param(IndependentLassoClassifier(alpha=0.02), id="lasso-classifier"),
        pytest.param(DirtyClassifier(alpha_shared=0.03, alpha_task=0.02),
                     id="dirty-classifier"),
        pytest.param(TemporalGroupLassoRegressor(alpha=0.1, alpha_smooth=0.3,
                                                 task_order=[2, 0, 1]), id="temporal"),
        pytest.param(FusedSparseGroupLassoRegressor(alpha_lasso=0.02, alpha_fused=0.1,
                                                    alpha_group=0.05), id="fused_sparse_group"),
        pytest.param(TemporalGroupLassoClassifier(alpha=0.02, alpha_smooth=0.3),
                     id="temporal-classifier"),
        pytest.param(FusedSparseGroupLassoClassifier(alpha_lasso=0.01, alpha_fused=0.03,
                                                     alpha_group=0.02),
                     id="fused_sparse_group-classifier"),
    ]


@pytest.mark.parametrize("estimator", coordinate_descent_estimators())
def test_auto_reaches_the_numpy_objective(estimator):
    """'auto' is coordinate descent on NumPy and FISTA/ADMM elsewhere (inside proximal
    Newton for the classifiers): two algorithms, one objective, reached by both."""
    from skmtl.solvers.reference_cvxpy import objective_value

    classify = sklearn.base.is_classifier(estimator)
    X, y, tasks, weights = (classification_data if classify else routed_data)(17)
    estimator = sklearn.clone(estimator).set_params(tol=1e-12, max_iter=50_000)
    reference = sklearn.clone(estimator).fit(X, y, tasks=tasks, sample_weight=weights)
    with sklearn.config_context(array_api_dispatch=True):
        model = sklearn.clone(estimator).fit(xps.asarray(X), xps.asarray(y), tasks=tasks,
                                             sample_weight=xps.asarray(weights))

    def objective(fitted, to_numpy):
        parts = None
        if hasattr(fitted, "joint_coef_"):
            parts = (to_numpy(fitted.joint_coef_), to_numpy(fitted.task_coef_))
        return objective_value(
            fitted._family, X, 2.0 * y - 1.0 if classify else y, tasks, 3,
            to_numpy(fitted.coef_), to_numpy(fitted.intercept_), fitted._reference_params(),
            sample_weight=weights, loss="logistic" if classify else "squared",
            components=parts)

    numpy_objective = objective(reference, np.asarray)
    strict_objective = objective(model, strict_to_numpy)
    assert abs(strict_objective - numpy_objective) <= 1e-10 * abs(numpy_objective)
    assert reference.certificate_ <= 1e-12
    assert model.certificate_ <= 1e-12
