"""The array libraries the array-API tests run on: array_api_strict, and torch when installed."""

import pytest


def array_namespaces():
    """pytest params of array_api_strict and, when it imports, torch (CPU)."""
    import array_api_strict

    found = [pytest.param(array_api_strict, id="array_api_strict")]
    try:
        import torch

        found.append(pytest.param(torch, id="torch"))
    except ImportError:
        pass
    return found
