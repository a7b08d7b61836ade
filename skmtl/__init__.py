"""skmtl: regularized multi-task learning as scikit-learn estimators."""

from . import linear_model
from .linear_model import *  # noqa: F403  (every estimator, listed in linear_model.__all__)

__version__ = "0.1.0.dev0"

__all__ = list(linear_model.__all__)
