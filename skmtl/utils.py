"""Moving a fitted estimator between array libraries and devices."""

import numpy as np
from sklearn.utils._array_api import _estimator_with_converted_arrays
from sklearn.utils.validation import check_is_fitted

from ._array_api import to_numpy

__all__ = ["convert_fitted"]


def _to_host(array):
    if isinstance(array, (np.ndarray, np.generic)):
        return np.asarray(array)
    return to_numpy(array)


def convert_fitted(estimator, namespace, device=None):
    """A copy of a fitted estimator whose arrays live in ``namespace`` on ``device``.

    Fit on a GPU and serve on a CPU (or the reverse): every fitted array
    attribute is copied through host memory into ``namespace``; labels that are
    not numbers (string task or class labels) stay NumPy arrays.  The copy then
    predicts on inputs of that namespace (under
    ``sklearn.config_context(array_api_dispatch=True)`` unless it is NumPy),
    and a NumPy copy pickles without the GPU library.

    Parameters
    ----------
    estimator : fitted skmtl estimator
    namespace : module
        The target array library: ``numpy``, ``cupy``, ``torch``,
        ``array_api_strict``, ... (anything with ``asarray(..., device=...)``).
    device : object, default=None
        Device of the target library (``None``: its default).

    Returns
    -------
    converted : estimator
        A new estimator with the same parameters and converted fitted attributes.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MeanRegularizedRegressor
    >>> from skmtl.utils import convert_fitted
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, random_state=0)
    >>> model = MeanRegularizedRegressor(alpha=0.1).fit(X, y, tasks=tasks)
    >>> on_numpy = convert_fitted(model, np)
    >>> bool(np.allclose(on_numpy.predict(X, tasks=tasks), model.predict(X, tasks=tasks)))
    True
    """
    check_is_fitted(estimator)
    to_numpy = namespace is np or getattr(namespace, "__name__", "") == "numpy"
    if not to_numpy and not estimator.__sklearn_tags__().array_api_support:
        raise ValueError(
            f"{type(estimator).__name__} runs on NumPy only; it cannot be converted to "
            f"{getattr(namespace, '__name__', namespace)}."
        )

    def convert(array):
        host = _to_host(array)
        if to_numpy or host.dtype.kind not in "biuf":
            return host
        return namespace.asarray(host, device=device)

    return _estimator_with_converted_arrays(estimator, convert)
