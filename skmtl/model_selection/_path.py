r"""Regularization paths: one family fitted along a decreasing grid of alphas.

For the norm families the grid starts at the smallest alpha whose solution is
:math:`W = 0`: with :math:`G = \nabla_W L(0)` (intercepts at their best for
:math:`W = 0`),

.. math::  \alpha_{max} = \|G\|_2 \ \text{(trace norm, spectral norm)},\qquad
           \alpha_{max} = \max_j \|G_{:, j}\|_2 \ \text{(L2,1)}.

The quadratic families never reach :math:`W = 0`; their grid starts where the
coupling outweighs the data by a factor of ten,
:math:`\alpha_{top} = 10\,L / \lambda_{max}(Q_1)`, with :math:`L` the
Lipschitz constant of the data term's gradient and :math:`Q_1` the coupling
that one unit of alpha adds.  Grids are geometric, from the top down to
``eps`` times it.  Each fit along the path starts from the previous solution.
"""

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch

from .._array_api import get_namespace_and_device, to_numpy
from ..penalties import QuadraticPenalty

__all__ = ["alpha_grid", "alpha_max", "regularization_path"]

#: Factor between the largest curvature of the data and that of the coupling at the
#: top of a quadratic family's grid.
QUADRATIC_TOP = 10.0


def path_parameter(estimator):
    """The parameter a path varies: ``alpha_task`` where there is one (the shared-parameter
    and dirty families), else ``alpha``.

    Raises
    ------
    ValueError
        For an estimator with neither (the robust low-rank model's two strengths).
    """
    params = estimator.get_params()
    for name in ("alpha_task", "alpha"):
        if name in params:
            return name
    strengths = sorted(name for name in params if name.startswith("alpha"))
    raise ValueError(
        f"{type(estimator).__name__} has no single strength for a path to vary (it has "
        f"{strengths}); search them with GridSearchCV instead."
    )


def _data_term(estimator, X, y, tasks, sample_weight):
    """A clone that has seen the tasks, the loss gradient at W = 0 and its Lipschitz constant."""
    probe = clone(estimator)
    gradient, lipschitz = probe._data_term_at_zero(X, y, tasks=tasks,
                                                   sample_weight=sample_weight)
    return probe, gradient, lipschitz


def _alpha_max_of(probe, gradient):
    """The penalty's ``alpha_max`` at the gradient (None where it has none)."""
    penalty = probe._penalty(gradient.shape[0])
    if not hasattr(penalty, "alpha_max"):
        return None
    return penalty.alpha_max(gradient, np)


def alpha_max(estimator, X, y, *, tasks=None, sample_weight=None):
    """Smallest alpha whose fit has ``coef_ == 0``, or None where no alpha gives it.

    Exists for the norm penalties (trace norm, L2,1, independent lasso, any ``l2``):
    the dual norm of the data term's gradient at W = 0 (``alpha_max`` of the penalty
    object).  For the dirty model, ``alpha_task``'s, which exists when
    ``alpha_shared`` alone does not keep W away from 0.  The quadratic families shrink
    the tasks towards each other, never to zero.

    Parameters
    ----------
    estimator : skmtl linear estimator
    X, y, tasks, sample_weight :
        As for ``estimator.fit``.

    Returns
    -------
    alpha_max : float or None

    Examples
    --------
    >>> from skmtl import JointFeatureRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> from skmtl.model_selection import alpha_max
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> top = alpha_max(JointFeatureRegressor(), X, y, tasks=tasks)
    >>> model = JointFeatureRegressor(alpha=top * 1.001).fit(X, y, tasks=tasks)
    >>> bool((model.coef_ == 0).all())
    True
    """
    probe, gradient, _ = _data_term(estimator, X, y, tasks, sample_weight)
    return _alpha_max_of(probe, gradient)


def _coupling_per_alpha(probe, n_tasks):
    """Largest eigenvalue of the coupling that one unit of the path parameter adds."""
    parameter = path_parameter(probe)
    penalties = [probe.set_params(**{parameter: value})._penalty(n_tasks) for value in (0.0, 1.0)]
    if not all(isinstance(penalty, QuadraticPenalty) for penalty in penalties):
        return None
    dense = []
    for penalty in penalties:
        if penalty.coupling is not None:
            dense.append(np.asarray(penalty.coupling, dtype=float))
        else:
            a, b = penalty.rank_one
            dense.append(a * np.eye(n_tasks) - b * np.ones((n_tasks, n_tasks)))
    return float(np.linalg.eigvalsh(dense[1] - dense[0])[-1])


def _check_grid_size(n_alphas, eps):
    if isinstance(n_alphas, bool) or not isinstance(n_alphas, numbers.Integral) or n_alphas < 1:
        raise ValueError(f"The number of alphas must be a positive integer, got {n_alphas!r}.")
    if not (isinstance(eps, numbers.Real) and 0 < eps < 1):
        raise ValueError(f"eps must be in (0, 1), got {eps!r}.")


def _grid(probe, gradient, lipschitz, n_alphas, eps):
    top = _alpha_max_of(probe, gradient)
    if top is None:
        unit = _coupling_per_alpha(probe, gradient.shape[0])
        if unit is None:
            penalty = type(probe._penalty(gradient.shape[0])).__name__
            raise ValueError(
                f"{type(probe).__name__} has no top for a grid of {path_parameter(probe)}: "
                f"its penalty ({penalty}) gives no alpha_max at these parameters and is not "
                "quadratic. Give the alphas explicitly."
            )
        top = QUADRATIC_TOP * lipschitz / unit if unit > 0 else 1.0
    if top <= 0:  # the data carry no signal: any alpha gives W = 0
        top = 1.0
    return np.geomspace(top, top * eps, n_alphas) if n_alphas > 1 else np.array([top])


def alpha_grid(estimator, X, y, *, tasks=None, sample_weight=None, n_alphas=30, eps=1e-3):
    """A decreasing geometric grid of the path parameter, from the top of the path.

    The top is :func:`alpha_max` for the norm families, and for the quadratic
    families the alpha at which the coupling's curvature is ten times the
    data's (see the module description).

    Parameters
    ----------
    estimator : skmtl linear estimator
    X, y, tasks, sample_weight :
        As for ``estimator.fit``.
    n_alphas : int, default=30
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)

    Examples
    --------
    >>> from skmtl import TraceNormRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> from skmtl.model_selection import alpha_grid
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> alphas = alpha_grid(TraceNormRegressor(), X, y, tasks=tasks, n_alphas=5)
    >>> alphas.shape, float(alphas[-1] / alphas[0])
    ((5,), 0.001)
    """
    _check_grid_size(n_alphas, eps)
    probe, gradient, lipschitz = _data_term(estimator, X, y, tasks, sample_weight)
    return _grid(probe, gradient, lipschitz, n_alphas, eps)


def is_grid_size(alphas):
    """Whether ``alphas`` asks for a generated grid (an int) rather than giving values."""
    return isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool)


def explicit_alphas(alphas):
    """Given alpha values as a float array sorted decreasing, after checking them."""
    values = np.asarray(alphas, dtype=float).reshape(-1)
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"alphas must be finite non-negative values, got {alphas!r}.")
    return np.sort(values)[::-1]


def warm_fits(estimator, X, y, alphas, fit_params, warm_start=True):
    """Yield the estimator fitted at each alpha in turn, each fit starting from the last.

    The same object is refitted (``warm_start=True``): copy what you keep.  A
    regressor validates the data and forms its statistics once for the whole
    path.  With ``warm_start=False`` every alpha is an independent fit of a
    fresh clone, as a user fitting each alpha would run it.
    """
    parameter = path_parameter(estimator)
    model = clone(estimator).set_params(warm_start=warm_start)
    prepared = None
    for alpha in alphas:
        if not warm_start:
            model = clone(estimator)
        model.set_params(**{parameter: float(alpha)})
        if warm_start and hasattr(model, "_prepare_fit"):
            model._validate_params()
            if prepared is None:
                prepared = model._prepare_fit(X, y, **fit_params)
            model._fit_prepared(prepared)
        else:
            model.fit(X, y, **fit_params)
        yield model


def regularization_path(estimator, X, y, *, tasks=None, sample_weight=None, alphas=30,
                        eps=1e-3, warm_start=True):
    """Fit a family along a decreasing grid of alphas, each fit warm-started from the last.

    Parameters
    ----------
    estimator : skmtl linear estimator
        Its parameters other than the path parameter (``alpha``, or
        ``alpha_task`` for the shared-parameter family) stay fixed.
    X, y, tasks, sample_weight :
        As for ``estimator.fit``.
    alphas : int or array-like, default=30
        Number of grid points (see :func:`alpha_grid`), or the values (sorted
        decreasing before fitting).
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of a generated grid.
    warm_start : bool, default=True
        False fits every alpha from zero (to compare).

    Returns
    -------
    path : Bunch
        ``alphas`` (k,), decreasing; ``coefs`` (k, T, d); ``intercepts`` (k, T);
        ``certificates`` (k,) and ``n_iters`` (k,) of each fit; ``tasks`` (T,);
        ``parameter``, the name of the varied parameter; ``alpha_max``, the
        smallest alpha with ``coef_ == 0`` (None for the quadratic families).
        Arrays are NumPy.

    Examples
    --------
    >>> from skmtl import TraceNormRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> from skmtl.model_selection import regularization_path
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=4, random_state=0)
    >>> path = regularization_path(TraceNormRegressor(), X, y, tasks=tasks, alphas=5)
    >>> path.coefs.shape
    (5, 4, 20)
    >>> bool((path.coefs[0] == 0).all())
    True
    """
    probe, gradient, lipschitz = _data_term(estimator, X, y, tasks, sample_weight)
    if is_grid_size(alphas):
        _check_grid_size(alphas, eps)
        grid = _grid(probe, gradient, lipschitz, alphas, eps)
    else:
        grid = explicit_alphas(alphas)
    fit_params = {"tasks": tasks, "sample_weight": sample_weight}
    coefs, intercepts, certificates, n_iters = [], [], [], []
    for model in warm_fits(estimator, X, y, grid, fit_params, warm_start):
        xp = get_namespace_and_device(model.coef_)[0]
        coefs.append(to_numpy(model.coef_, xp))
        intercepts.append(to_numpy(model.intercept_, xp))
        certificates.append(model.certificate_)
        n_iters.append(model.n_iter_)
    return Bunch(
        alphas=grid,
        coefs=np.stack(coefs),
        intercepts=np.stack(intercepts),
        certificates=np.asarray(certificates),
        n_iters=np.asarray(n_iters),
        tasks=np.asarray(probe._task_labels),
        parameter=path_parameter(estimator),
        alpha_max=_alpha_max_of(probe, gradient),
    )
