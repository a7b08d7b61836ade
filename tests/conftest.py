"""Fixtures shared by the test modules.

The data builders are plain functions in ``_data.py``: each test passes the seed
and sizes its tolerances were measured on, which a fixture cannot take without
indirection, and pytest advises against importing ``conftest`` from test modules.
The registry of model families that ``test_families_common.py`` checks is
``_families.py``.
"""

import os

import pytest


@pytest.fixture
def xps():
    """``array_api_strict``, or a skip where array API dispatch cannot be enabled."""
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        pytest.skip("array API dispatch needs SCIPY_ARRAY_API=1 set before SciPy is imported")
    return pytest.importorskip("array_api_strict")
