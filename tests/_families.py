"""The registry of model families that ``test_families_common.py`` checks.

A family is one :class:`Family` entry: its regressor and classifier, small
well-posed parameters, its path parameter, the rows its checks fit and what each
common check needs (tight solver settings, tolerances measured on those rows, the
fitted attributes that describe it).  A check whose spec is ``None`` is not run
for the family.  The first five families also meet the cvxpy reference, warm
starts and convergence warnings in the deeper matrices of ``test_against_cvxpy.py``,
``test_classifiers_against_cvxpy.py`` and ``test_classifier_behaviour.py``; the
quadratic ones, solved directly, have no warm start or iteration limit to check here.

The cvxpy reference is never written here: the checks hand ``fitted._family`` and
``fitted._reference_params()`` to :mod:`skmtl.solvers.reference_cvxpy`.
"""

from dataclasses import dataclass, field

import numpy as np
from _data import routed_data, signs

import skmtl
from skmtl import (
    ClusteredClassifier,
    ClusteredRegressor,
    DirtyClassifier,
    DirtyRegressor,
    FusedSparseGroupLassoClassifier,
    FusedSparseGroupLassoRegressor,
    GraphRegularizedClassifier,
    GraphRegularizedRegressor,
    HierarchicalRegressor,
    IndependentLassoClassifier,
    IndependentLassoRegressor,
    JointFeatureClassifier,
    JointFeatureRegressor,
    MeanRegularizedClassifier,
    MeanRegularizedRegressor,
    PenalizedClassifier,
    PenalizedRegressor,
    RobustFeatureClassifier,
    RobustFeatureRegressor,
    RobustLowRankRegressor,
    SharedParameterClassifier,
    SharedParameterRegressor,
    SharedSubspaceClassifier,
    SharedSubspaceRegressor,
    SparseLowRankClassifier,
    SparseLowRankRegressor,
    TaskRelationshipClassifier,
    TaskRelationshipRegressor,
    TemporalGroupLassoClassifier,
    TemporalGroupLassoRegressor,
    TraceNormClassifier,
    TraceNormRegressor,
)
from skmtl.penalties import FusedLasso


@dataclass(frozen=True)
class Case:
    """One fit against the cvxpy reference: ``task_weights`` is a string or
    ``"explicit"`` (an array drawn from ``seed``)."""

    task_weights: str = "uniform"
    weighted: bool = True
    fit_intercept: bool = True
    seed: int = 0
    params: dict = field(default_factory=dict)
    kinds: tuple = ("regressor", "classifier")

    def id(self):
        changed = "-".join(f"{k}={v:g}" for k, v in self.params.items())
        return "-".join(filter(None, [
            self.task_weights, "sw" if self.weighted else "nosw",
            "icpt" if self.fit_intercept else "noicpt", f"seed{self.seed}", changed]))


@dataclass(frozen=True)
class Family:
    name: str
    regressor: type
    classifier: type | None
    #: small well-posed parameters of the regressor and of the classifier
    params: dict
    classifier_params: dict
    #: the parameter a regularization path varies
    path: str
    #: fitted attributes besides coef_ and intercept_ that describe the model
    fitted: tuple = ()
    #: ``rows(seed, classify)``: routed ``X, y, tasks, sample_weight`` for the checks
    rows: object = None
    #: reaching the cvxpy optimum: cases, solvers by kind, tight settings, and
    #: ``(fitted attribute, reference key, atol)`` compared besides the objective
    reference_cases: tuple = ()
    reference_solvers: dict = field(default_factory=dict)
    tight: dict = field(default_factory=dict)
    reference_matrices: tuple = ()
    #: warm start: data seed and sample weights, tight settings, the factor of the path
    #: step, iterations allowed when refitting from its own solution (by kind) and
    #: the tolerances on coefficients after the refit and after the path step
    warm_start: dict | None = None
    #: convergence warning: the settings that make max_iter=1 end the solve
    convergence: dict | None = None
    #: routed rows, task column and shared design agree: shared data, settings and
    #: tolerances; ``close`` maps other fitted attributes to an atol, ``equal`` lists
    #: those that must be equal
    conventions: dict | None = None
    #: array API: estimator settings per kind (one fit each), designs, namespaces
    #: (array_api_strict alone by default), fitted values compared exactly
    array_api: dict | None = None

    def estimators(self):
        """``(kind, class, params)`` of the regressor and the classifier."""
        yield "regressor", self.regressor, self.params
        if self.classifier is not None:
            yield "classifier", self.classifier, self.classifier_params

    def make(self, kind, **changes):
        cls, params = ((self.regressor, self.params) if kind == "regressor"
                       else (self.classifier, self.classifier_params))
        return cls(**{**params, **changes})


def components(model):
    """The parts of a split model (dirty, robust) for ``objective_value``, else None."""
    names = getattr(model, "_component_names", None)
    return None if names is None else tuple(getattr(model, name) for name in names)


# ---------------------------------------------------------------- rows
def clustered_rows(seed, classify):
    """Five tasks of unequal sizes, two pairs of similar tasks; labels above the median."""
    X, y, tasks, weights = routed_data(seed, (15, 40, 22, 31, 18), 3, similar=((2, 0), (3, 1)))
    return X, signs(y) if classify else y, tasks, weights


def subspace_rows(seed, classify):
    """Five tasks of unequal sizes, one of a single row, over 5 features, their
    coefficients near a planted 2-dimensional subspace; labels above the median."""
    rng = np.random.default_rng(100 + seed)
    sizes, d = (1, 25, 14, 30, 18), 5
    tasks = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    X = rng.standard_normal((tasks.size, d)) + rng.normal(0.0, 1.0, d)
    W = (rng.standard_normal((len(sizes), 2)) @ rng.standard_normal((2, d))
         + 0.1 * rng.standard_normal((len(sizes), d)))
    margin = np.einsum("ij,ij->i", X, W[tasks]) + 0.5 * tasks
    y = margin + 0.5 * rng.standard_normal(tasks.size)
    if classify:
        y = np.where(y > np.median(margin), 1, 0)
    return X, y, tasks, rng.uniform(0.5, 2.0, tasks.size)


def relationship_rows(seed, classify):
    """Four tasks with string labels, tasks 0 and 1 alike; noisy labels around the median."""
    return routed_data(seed, (12, 30, 18, 24), 4, similar=((1, 0),), task_offset=0.5,
                       noise=2.0 if classify else 0.5, binary="median" if classify else None,
                       weights=(0.3, 2.5), labels=np.array(["delta", "bravo", "alpha", "charlie"]))


def sparse_rows(seed, classify, sizes=(30, 45, 38), d=5):
    """Sparse coefficients; labels drawn from the logistic model."""
    return routed_data(seed, sizes, d, offset=0.5, density=0.6, task_offset=0.5, noise=0.5,
                       binary="logistic" if classify else None)


def sparse_reference_rows(seed, classify):
    return sparse_rows(20 + seed, classify, sizes=(25, 9, 40), d=4)


def split_rows(seed, classify):
    """Four tasks, one of a single row; tasks 0, 2 and 3 alike (shared features, a
    low-rank structure), so that both parts of a split model are used."""
    return routed_data(seed, (30, 1, 22, 38), 5, offset=0.5, density=0.8,
                       similar=((2, 0), (3, 0)), task_offset=0.5, noise=0.5,
                       binary="logistic" if classify else None)



def temporal_rows(seed, classify):
    """Five time points of unequal sizes, a one-row task for regression (three rows for
    classification, where one row holds one class); sparse coefficients."""
    sizes = (20, 3 if classify else 1, 14, 30, 9)
    return sparse_rows(seed, classify, sizes=sizes, d=4)


def _sparse_cases(params, kinds=("regressor", "classifier")):
    """Three seeds, each with its task weights and intercept; sample weights always."""
    return tuple(Case(task_weights, True, fit_intercept, seed, params, kinds)
                 for seed, task_weights, fit_intercept in
                 ((0, "uniform", True), (1, "size", False), (2, "explicit", True)))


#: Every task weighting with and without intercepts, and a fit without sample weights.
SPLIT_CASES = (*_sparse_cases({}), Case("size", True, True, 3), Case("uniform", False, False, 4))


SPARSE_TIGHT = {"tol": 1e-10, "max_iter": 100_000}
SPARSE_CONVENTIONS = {"seed": 9, "d": 4, "n_tasks": 3, "noise": 0.5,
                      "settings": {"tol": 1e-11, "max_iter": 100_000}, "rtol": 1e-7,
                      "atol": 1e-6}
QUADRATIC_CONVENTIONS = {**SPARSE_CONVENTIONS, "settings": {"tol": 1e-11}, "atol": 1e-8}
SPARSE_WARM = {"seed": 8, "weighted": True, "settings": {"tol": 1e-9, "max_iter": 100_000},
               "factor": 1.5, "refit_iterations": {"regressor": 20, "classifier": 1},
               "refit_atol": 1e-6, "path_atol": 1e-5}


#: The duality gap bounds the objective, not W: without the lasso's Newton polish the
#: coefficients need a tighter gap to agree to 1e-6.
TEMPORAL_WARM = {**SPARSE_WARM, "settings": {"tol": 1e-12, "max_iter": 100_000}}


# ---------------------------------------------------------------- the registry
FAMILIES = (
    Family("shared_parameter", SharedParameterRegressor, SharedParameterClassifier,
           {"alpha_shared": 0.3, "alpha_task": 0.2}, {"alpha_shared": 0.1, "alpha_task": 0.2},
           path="alpha_task", fitted=("shared_coef_",), rows=sparse_rows,
           reference_cases=_sparse_cases({}), tight=SPARSE_TIGHT,
           conventions=QUADRATIC_CONVENTIONS),
    Family("mean", MeanRegularizedRegressor, MeanRegularizedClassifier,
           {"alpha": 0.5, "l2": 0.01}, {"alpha": 0.5, "l2": 0.05}, path="alpha",
           fitted=("mean_coef_",), rows=sparse_rows,
           reference_cases=_sparse_cases({}), tight=SPARSE_TIGHT,
           conventions=QUADRATIC_CONVENTIONS),
    Family("graph", GraphRegularizedRegressor, GraphRegularizedClassifier,
           {"alpha": 0.4}, {"alpha": 0.2, "l2": 0.05}, path="alpha", rows=sparse_rows,
           reference_cases=_sparse_cases({}), tight=SPARSE_TIGHT,
           conventions=QUADRATIC_CONVENTIONS),
    Family("trace", TraceNormRegressor, TraceNormClassifier,
           {"alpha": 0.1}, {"alpha": 0.02}, path="alpha", rows=sparse_rows,
           reference_cases=_sparse_cases({}), tight=SPARSE_TIGHT,
           warm_start=SPARSE_WARM, convergence={"solver": "fista"},
           conventions=SPARSE_CONVENTIONS),
    Family("joint_feature", JointFeatureRegressor, JointFeatureClassifier,
           {"alpha": 0.1}, {"alpha": 0.02, "l2": 0.01}, path="alpha", fitted=("support_",),
           rows=sparse_rows, reference_cases=_sparse_cases({}), tight=SPARSE_TIGHT,
           warm_start=SPARSE_WARM, convergence={"solver": "fista"},
           conventions=SPARSE_CONVENTIONS),
    Family("lasso", IndependentLassoRegressor, IndependentLassoClassifier,
           {"alpha": 0.05}, {"alpha": 0.02}, path="alpha", fitted=("support_",),
           rows=sparse_rows,
           reference_cases=(*_sparse_cases({"l2": 0.0}, ("regressor",)),
                            *_sparse_cases({"l2": 0.1}, ("regressor",)),
                            *_sparse_cases({"l2": 0.01}, ("classifier",))),
           tight=SPARSE_TIGHT,
           warm_start=SPARSE_WARM, convergence={"solver": "fista"},
           conventions=SPARSE_CONVENTIONS,
           array_api={"regressor": ({"tol": 1e-12, "max_iter": 50_000},)}),
    Family("dirty", DirtyRegressor, DirtyClassifier,
           {"alpha_shared": 0.06, "alpha_task": 0.05},
           {"alpha_shared": 0.03, "alpha_task": 0.02}, path="alpha_shared",
           fitted=("joint_coef_", "task_coef_", "support_"), rows=sparse_rows,
           reference_cases=(*_sparse_cases({"alpha_shared": 0.08}, ("regressor",)),
                            *_sparse_cases({}, ("classifier",))),
           tight=SPARSE_TIGHT,
           warm_start=SPARSE_WARM, convergence={"solver": "fista"},
           conventions=SPARSE_CONVENTIONS,
           array_api={"regressor": ({"tol": 1e-12, "max_iter": 50_000},)}),
    Family("robust", RobustLowRankRegressor, None,
           {"alpha_lowrank": 0.1, "alpha_outlier": 0.1}, {}, path="alpha_lowrank",
           fitted=("lowrank_coef_", "outlier_coef_"), rows=sparse_rows,
           reference_cases=_sparse_cases({"alpha_lowrank": 0.2, "alpha_outlier": 0.15}),
           tight=SPARSE_TIGHT,
           warm_start=SPARSE_WARM, convergence={"solver": "fista"},
           conventions=SPARSE_CONVENTIONS,
           array_api={"regressor": ({"tol": 1e-12, "max_iter": 50_000},),
                      "equal": ("rank_", "outlier_tasks_")}),
    Family("robust_feature", RobustFeatureRegressor, RobustFeatureClassifier,
           {"alpha_shared": 0.06, "alpha_outlier": 0.08},
           {"alpha_shared": 0.02, "alpha_outlier": 0.02}, path="alpha_shared",
           fitted=("joint_coef_", "outlier_coef_"), rows=split_rows,
           reference_cases=SPLIT_CASES,
           reference_solvers={"regressor": ("auto", "fista"),
                              "classifier": ("auto", "fista")},
           tight=SPARSE_TIGHT,
           warm_start=SPARSE_WARM, convergence={"solver": "fista"},
           conventions=SPARSE_CONVENTIONS,
           array_api={"regressor": ({"tol": 1e-12, "max_iter": 50_000},),
                      "classifier": ({"tol": 1e-11, "max_iter": 50_000, "solver": "fista"},),
                      "namespaces": ("array_api_strict", "torch"),
                      "equal": ("outlier_tasks_",)}),
    Family("sparse_low_rank", SparseLowRankRegressor, SparseLowRankClassifier,
           {"alpha_sparse": 0.05, "alpha_lowrank": 0.1},
           {"alpha_sparse": 0.01, "alpha_lowrank": 0.02}, path="alpha_lowrank",
           fitted=("sparse_coef_", "lowrank_coef_"), rows=split_rows,
           reference_cases=SPLIT_CASES,
           reference_solvers={"regressor": ("auto", "fista"),
                              "classifier": ("auto", "fista")},
           tight=SPARSE_TIGHT,
           warm_start=SPARSE_WARM, convergence={"solver": "fista"},
           conventions=SPARSE_CONVENTIONS,
           array_api={"regressor": ({"tol": 1e-12, "max_iter": 50_000},),
                      "classifier": ({"tol": 1e-11, "max_iter": 50_000, "solver": "fista"},),
                      "namespaces": ("array_api_strict", "torch"),
                      "equal": ("rank_",)}),
    Family("clustered", ClusteredRegressor, ClusteredClassifier,
           {"alpha": 0.5, "l2": 0.05, "n_clusters": 2},
           {"alpha": 0.5, "l2": 0.05, "n_clusters": 2}, path="alpha",
           fitted=("task_similarity_", "cluster_labels_"), rows=clustered_rows,
           reference_cases=(Case("uniform", False), Case("uniform", True),
                            Case("size", True), Case("explicit", False),
                            Case("uniform", False, fit_intercept=False)),
           tight={"tol": 1e-9},
           warm_start={"seed": 5, "weighted": False, "settings": {"tol": 1e-10},
                       "factor": 1.2, "refit_iterations": {"regressor": 1, "classifier": 1},
                       "refit_atol": 1e-8, "path_atol": 1e-8, "path_rtol": 1e-6,
                       "fewer_iterations": True},
           convergence={},
           conventions={"seed": 7, "d": 3, "n_tasks": 4, "noise": 0.5,
                        "settings": {"tol": 1e-10, "random_state": 0}, "rtol": 1e-7,
                        "atol": 1e-9, "close": {"task_similarity_": 1e-7},
                        "equal": ("cluster_labels_",)},
           array_api={"regressor": ({"tol": 1e-12, "random_state": 0},),
                      "classifier": ({"tol": 1e-12, "random_state": 0},),
                      "designs": ("routed", "shared"),
                      "namespaces": ("array_api_strict", "torch")}),
    Family("shared_subspace", SharedSubspaceRegressor, SharedSubspaceClassifier,
           {"alpha": 0.5, "l2": 0.05, "n_components": 2},
           {"alpha": 0.3, "l2": 0.03, "n_components": 2}, path="alpha",
           fitted=("feature_subspace_", "feature_similarity_"), rows=subspace_rows,
           reference_cases=(Case("uniform", False), Case("uniform", True),
                            Case("size", True, seed=1), Case("explicit", True, seed=2),
                            Case("uniform", True, fit_intercept=False, seed=3),
                            Case("size", False, fit_intercept=False, seed=4,
                                 params={"n_components": 3})),
           tight={"tol": 1e-9},
           reference_matrices=(("feature_similarity_", "task_matrix", 1e-4),),
           warm_start={"seed": 5, "weighted": False, "settings": {"tol": 1e-10},
                       "factor": 1.2, "refit_iterations": {"regressor": 1, "classifier": 1},
                       "refit_atol": 1e-8, "path_atol": 1e-8, "path_rtol": 1e-6,
                       "fewer_iterations": True},
           convergence={},
           conventions={"seed": 7, "d": 4, "n_tasks": 3, "noise": 0.5,
                        "settings": {"tol": 1e-10}, "rtol": 1e-7, "atol": 1e-9,
                        "close": {"feature_similarity_": 1e-7, "feature_subspace_": 1e-7}},
           array_api={"regressor": ({"tol": 1e-12},),
                      "classifier": ({"tol": 1e-12},),
                      "designs": ("routed", "shared"),
                      "namespaces": ("array_api_strict", "torch")}),
    Family("relationship", TaskRelationshipRegressor, TaskRelationshipClassifier,
           {"alpha": 0.5}, {"alpha": 0.5}, path="alpha",
           fitted=("task_covariance_", "task_correlation_"), rows=relationship_rows,
           reference_cases=(
               Case("uniform", False, True, 0, {"alpha": 0.5, "l2": 0.1}),
               Case("size", True, True, 0, {"alpha": 2.0, "l2": 0.0}),
               Case("explicit", True, False, 0, {"alpha": 0.2, "l2": 0.05}),
               Case("uniform", True, True, 0, {"alpha": 1.0, "l2": 0.3})),
           reference_solvers={"regressor": ("auto", "admm", "fista"),
                              "classifier": ("auto", "fista")},
           tight={"tol": 1e-10, "max_iter": 20_000},
           reference_matrices=(("task_covariance_", "task_matrix", 1e-4),),
           warm_start={"seed": 7, "weighted": False, "settings": {"tol": 1e-10},
                       "params": {"alpha": 0.6},
                       "factor": 0.5, "refit_iterations": {"regressor": 10, "classifier": 10},
                       "refit_atol": 1e-8, "path_atol": 1e-5},
           convergence={"solver": "fista", "tol": 1e-14},
           conventions={"seed": 10, "d": 3, "n_tasks": 3, "noise": 0.3,
                        "settings": {"tol": 1e-12}, "params": {"alpha": 0.4},
                        "rtol": 1e-7, "atol": 1e-9,
                        "close": {"task_covariance_": 1e-8}},
           array_api={"regressor": ({"tol": 1e-12},
                                    {"l2": 0.0, "solver": "admm", "tol": 1e-12}),
                      "classifier": ({"tol": 1e-12},)}),
)

# A penalty of its own, fitted by the generic estimators: one entry.
FAMILIES += (
    Family("fused", PenalizedRegressor, PenalizedClassifier,
           {"penalty": FusedLasso(0.3, alpha_lasso=0.05), "l2": 0.02},
           {"penalty": FusedLasso(0.05, alpha_lasso=0.01), "l2": 0.02}, path="l2",
           rows=sparse_rows, reference_cases=_sparse_cases({}), tight=SPARSE_TIGHT,
           convergence={"solver": "fista"}, conventions=SPARSE_CONVENTIONS),
)

# Ordered tasks (time points): the temporal group lasso and the fused sparse group lasso.
FAMILIES += (
    Family("temporal", TemporalGroupLassoRegressor, TemporalGroupLassoClassifier,
           {"alpha": 0.1, "alpha_smooth": 0.3}, {"alpha": 0.02, "alpha_smooth": 0.3},
           path="alpha", fitted=("support_",), rows=temporal_rows,
           reference_cases=(*_sparse_cases({"l2": 0.0}), *_sparse_cases({"l2": 0.05}),
                            *_sparse_cases({"alpha_smooth": 0.0}, ("regressor",))),
           reference_solvers={"regressor": ("auto", "cd", "admm", "fista")},
           tight=SPARSE_TIGHT, warm_start=TEMPORAL_WARM, convergence={"solver": "fista"},
           conventions=SPARSE_CONVENTIONS,
           array_api={"regressor": ({"tol": 1e-12, "max_iter": 50_000},),
                      # the Newton subproblems run coordinate descent on NumPy, FISTA
                      # elsewhere: the coefficients of this flat objective agree to 1e-8
                      # only at a gap near the rounding
                      "classifier": ({"tol": 1e-14, "max_iter": 50_000},),
                      "namespaces": ("array_api_strict", "torch")}),
    Family("fused_sparse_group", FusedSparseGroupLassoRegressor,
           FusedSparseGroupLassoClassifier,
           {"alpha_lasso": 0.02, "alpha_fused": 0.1, "alpha_group": 0.05},
           {"alpha_lasso": 0.01, "alpha_fused": 0.03, "alpha_group": 0.02},
           path="alpha_group", fitted=("support_",), rows=temporal_rows,
           reference_cases=(*_sparse_cases({}),
                            *_sparse_cases({"alpha_lasso": 0.0}, ("regressor",))),
           reference_solvers={"regressor": ("auto", "cd", "admm", "fista")},
           tight=SPARSE_TIGHT, warm_start=TEMPORAL_WARM, convergence={"solver": "fista"},
           conventions=SPARSE_CONVENTIONS,
           array_api={"regressor": ({"tol": 1e-12, "max_iter": 50_000},),
                      "classifier": ({"tol": 1e-12, "max_iter": 50_000},),
                      "namespaces": ("array_api_strict", "torch")}),
)

# A likelihood model: no penalty of its own, no cvxpy formulation (its estimates are
# checked against a dense likelihood and statsmodels in test_hierarchical.py); the
# common checks it gets are the conventions and the array API.
FAMILIES += (
    Family("hierarchical", HierarchicalRegressor, None, {"method": "ml"}, {}, path=None,
           fitted=("shared_coef_",), rows=sparse_rows,
           conventions={**QUADRATIC_CONVENTIONS, "settings": {}},
           array_api={"regressor": ({}, {"slope_variance": "per_task", "method": "reml"}),
                      "designs": ("routed", "shared"),
                      "namespaces": ("array_api_strict", "torch")}),
)

BY_NAME = {family.name: family for family in FAMILIES}


def estimator_classes():
    """Every linear estimator of the registry, with its cross-validated variant."""
    for family in FAMILIES:
        for _, cls, _ in family.estimators():
            yield cls
            cv = getattr(skmtl, cls.__name__ + "CV", None)
            if cv is not None:
                yield cv
