"""Datasets: the ILEA School benchmark and synthetic multi-task generators."""

from ._generators import make_multitask_regression
from ._school import load_school

__all__ = ["load_school", "make_multitask_regression"]
