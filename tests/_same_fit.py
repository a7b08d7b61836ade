"""How closely two fits of one problem from statistics that differ by rounding agree.

The statistics merged from batches or from dask chunks equal the in-memory ones up
to rounding.  The namespace-generic solvers then reach the same point to about 1e-10
at ``tol=1e-12``; block coordinate descent (the lasso, L2,1, dirty and temporal
regressors on NumPy) may take another working-set path and stop elsewhere within the tolerance:
the two solutions then agree to about sqrt(gap / curvature), 1e-8 on these data.
The clustered model alternates between W and its task matrix and stops on a KKT
residual: two fits agree to a few 1e-11 in W, and the intercepts
:math:`\bar y_t - \bar x_t^\top w_t` multiply that by the size of the means (2.4e-10
measured on these data).
"""

COORDINATE_DESCENT = ("IndependentLassoRegressor", "JointFeatureRegressor", "DirtyRegressor",
                      "TemporalGroupLassoRegressor", "FusedSparseGroupLassoRegressor")
ALTERNATING = ("ClusteredRegressor",)


def same_fit_atol(name):
    """Absolute tolerance on coefficients and intercepts for the regressor ``name``."""
    if name in COORDINATE_DESCENT:
        return 1e-8
    return 1e-9 if name in ALTERNATING else 1e-10
