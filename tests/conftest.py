"""Fixtures shared by the test modules.

The data builders are plain functions in ``_data.py``: each test passes the seed
and sizes its tolerances were measured on, which a fixture cannot take without
indirection, and pytest advises against importing ``conftest`` from test modules.
The registry of model families that ``test_families_common.py`` checks is
``_families.py``.
"""

import os

import pytest
import scipy.sparse as sp


@pytest.fixture
def xps():
    """``array_api_strict``, or a skip where array API dispatch cannot be enabled."""
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        pytest.skip("array API dispatch needs SCIPY_ARRAY_API=1 set before SciPy is imported")
    return pytest.importorskip("array_api_strict")


@pytest.fixture
def no_densification(monkeypatch):
    """Every SciPy sparse class's toarray and todense raise."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("a sparse X was densified")

    for name in dir(sp):
        cls = getattr(sp, name)
        if isinstance(cls, type):
            for klass in cls.__mro__:
                for method in ("toarray", "todense"):
                    if method in vars(klass):
                        monkeypatch.setattr(klass, method, refuse)
