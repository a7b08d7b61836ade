"""Datasets: the ILEA School and Landmine benchmarks and synthetic multi-task generators."""

from ._generators import make_multitask_classification, make_multitask_regression
from ._landmine import load_landmine
from ._school import load_school

__all__ = [
    "load_landmine",
    "load_school",
    "make_multitask_classification",
    "make_multitask_regression",
]
