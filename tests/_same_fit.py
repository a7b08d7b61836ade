"""How closely two fits of one problem from statistics that differ by rounding agree.

The statistics merged from batches or from dask chunks equal the in-memory ones up
to rounding.  The namespace-generic solvers then reach the same point to about 1e-10
at ``tol=1e-12``; block coordinate descent (the lasso, L2,1 and dirty regressors on
NumPy) may take another working-set path and stop elsewhere within the tolerance:
the two solutions then agree to about sqrt(gap / curvature), 1e-8 on these data.
"""

COORDINATE_DESCENT = ("IndependentLassoRegressor", "JointFeatureRegressor", "DirtyRegressor")


def same_fit_atol(name):
    """Absolute tolerance on coefficients and intercepts for the regressor ``name``."""
    return 1e-8 if name in COORDINATE_DESCENT else 1e-10
