"""Docstring pieces shared by the regressors and the classifiers."""

COMMON_PARAMETERS = """
    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    task_weights : {{'uniform', 'size'}} or array-like of shape (n_tasks,), default='uniform'
        :math:`\\tau_t`. ``'uniform'``: each task's weighted mean loss counts once;
        ``'size'``: :math:`\\tau_t = S_t/\\sum_s S_s`, so every sample counts once and the
        data term is the weighted mean over all rows; an array gives :math:`\\tau_t` in
        ``tasks_`` order.
    solver : {solvers}, default='auto'
        {solver_doc}
        ``'cvxpy'`` solves the same objective with cvxpy and Clarabel, the exact
        reference (slow; needs the ``cvxpy`` extra).
    tol : float, default=1e-6
        Stopping tolerance of the iterative solvers on the certificate (see
        ``certificate_``).
    max_iter : int, default={max_iter}
        Largest number of iterations of the iterative solvers.
    warm_start : bool, default=False
        Start the iterative solvers from the previous ``coef_``.
    task_column : str or int, default=None
        Column of ``X`` holding the task labels (a name for DataFrames, an integer
        position for any input).  That column is not a feature; ``fit``, ``predict``
        and ``score`` read the labels from it.
    verbose : int, default=0
        Print a summary of the solve.
"""

KKT = ("the KKT residual of the optimality conditions in the norm of the per-task "
        "block preconditioner P, :math:`\\sqrt{r^\\top P r / c^\\top P c}` with r the "
        "gradient at W and c the gradient at 0 (intercepts minimized out).")
GAP = ("the duality gap divided by the objective at W = 0 (intercepts minimized out).")




#: The fitted attributes every estimator documents after its own.
COMMON_ATTRIBUTES = """
    tasks_ : ndarray of shape (n_tasks,)
        Sorted task labels (``0..T-1`` for the columns of a shared-design ``y``).
    n_iter_ : int
        {iterations}
    certificate_ : float
        Optimality certificate of the returned solution, measured whatever the
        solver: {certificate}
    n_features_in_ : int
        Number of features (the task column excluded).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when ``X`` is a DataFrame with string column names.
"""


def document(cls, solvers, solver_doc, max_iter, certificate, attributes, iterations):
    """Fill the ``{common}`` and ``{attributes}`` fields of a class docstring.

    ``attributes`` are the estimator kind's own fitted attributes, followed by
    :data:`COMMON_ATTRIBUTES`.
    """
    tail = COMMON_ATTRIBUTES.format(iterations=iterations, certificate=certificate)
    cls.__doc__ = cls.__doc__.format(
        common=COMMON_PARAMETERS.format(
            solvers=solvers, solver_doc=solver_doc, max_iter=max_iter
        ).lstrip(),
        attributes=(attributes + tail.lstrip("\n")).lstrip(),
    )
    return cls
