"""scikit-learn's estimator API checks on every estimator, default parameters."""

from sklearn.utils.estimator_checks import parametrize_with_checks

import skmtl
from skmtl.kernel import MultiTaskKernelRidge, MultiTaskSVC, MultiTaskSVR

ESTIMATORS = [
    # Every linear estimator with its default parameters.
    *[getattr(skmtl, name)() for name in skmtl.__all__ if not name.endswith("CV")],
    MultiTaskKernelRidge(),
    MultiTaskKernelRidge(kernel="rbf", task_kernel="graph"),
    MultiTaskSVR(),
    MultiTaskSVC(),
    # The cross-validated families, on short grids.
    *[getattr(skmtl, name)(alphas=4) for name in skmtl.__all__ if name.endswith("CV")],
]


def expected_failed_checks(estimator):
    """libsvm's sample weights, as in scikit-learn's own SVR and SVC."""
    if isinstance(estimator, (MultiTaskSVR, MultiTaskSVC)):
        reason = "libsvm: sample_weight is not equivalent to removing/repeating samples"
        return {"check_sample_weight_equivalence_on_dense_data": reason}
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
