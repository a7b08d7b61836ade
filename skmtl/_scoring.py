"""The ``score`` of every estimator, with the missing responses of a shared design left out.

A NaN in a 2-D ``y`` is a response not observed (as in ``fit``): R² is then each
column's R² over its observed rows, averaged uniformly over the columns (the
uniform average of scikit-learn's ``r2_score`` when nothing is missing); accuracy
counts a row as right when every observed label in it is predicted (subset
accuracy), over the rows with at least one observed label.
"""

import numpy as np
from sklearn.metrics import accuracy_score, r2_score

from ._array_api import to_numpy
from ._task_model import has_missing


def _host(array):
    if array is None:
        return None
    return to_numpy(array) if hasattr(array, "__array_namespace__") else np.asarray(array)


def r2_of_observed(y, prediction, sample_weight=None):
    """R² of ``prediction``, NaN entries of a 2-D ``y`` left out."""
    if not has_missing(y):
        return float(r2_score(y, prediction, sample_weight=sample_weight))
    values, prediction, weights = _host(y), _host(prediction), _host(sample_weight)
    scores = []
    for t in range(values.shape[1]):
        rows = ~np.isnan(values[:, t])
        scores.append(r2_score(values[rows, t], prediction[rows, t],
                               sample_weight=None if weights is None else weights[rows]))
    return float(np.mean(scores))


def accuracy_of_observed(y, predicted, sample_weight=None):
    """Accuracy (subset accuracy for a 2-D ``y``), NaN entries of ``y`` left out."""
    if getattr(predicted, "ndim", 1) == 1:
        return float(accuracy_score(y, predicted, sample_weight=sample_weight))
    values, predicted, weights = _host(y), _host(predicted), _host(sample_weight)
    observed = ~np.isnan(values) if values.dtype.kind == "f" else np.ones(values.shape, bool)
    right = np.all((predicted == values) | ~observed, axis=1)
    rows = observed.any(axis=1)
    return float(np.average(right[rows], weights=None if weights is None else weights[rows]))
