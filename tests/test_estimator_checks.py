"""scikit-learn's estimator API checks on every estimator, default parameters."""

from _families import estimator_classes
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl.kernel import MultiTaskKernelRidge, MultiTaskSVC, MultiTaskSVR

#: Settings besides the short grid.  The search of the per-task lasso picks a small
#: alpha, where the default tol=1e-6 (a relative duality gap) leaves the fits with
#: weights and with repeated rows further apart than the weight-equivalence check's
#: rtol=1e-7; the plain estimator at that alpha does the same.
CV_SETTINGS = {"IndependentLassoRegressorCV": {"tol": 1e-10}}

ESTIMATORS = [
    # Every linear estimator of the registry with its default parameters, the
    # cross-validated ones on short grids.
    *[cls(alphas=4, **CV_SETTINGS.get(cls.__name__, {})) if cls.__name__.endswith("CV")
      else cls() for cls in estimator_classes()],
    MultiTaskKernelRidge(),
    MultiTaskKernelRidge(kernel="rbf", task_kernel="graph"),
    MultiTaskSVR(),
    MultiTaskSVC(),
]


def expected_failed_checks(estimator):
    """libsvm's sample weights, as in scikit-learn's own SVR and SVC."""
    if isinstance(estimator, (MultiTaskSVR, MultiTaskSVC)):
        reason = "libsvm: sample_weight is not equivalent to removing/repeating samples"
        return {"check_sample_weight_equivalence_on_dense_data": reason,
                "check_sample_weight_equivalence_on_sparse_data": reason}
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
