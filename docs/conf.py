"""Sphinx configuration of the skmtl documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` (the ``docs``
extra); every gallery example under ``examples/`` is executed.  Nothing is
fetched from the network: no intersphinx inventories, no Binder links.
"""

import os
from importlib.metadata import version as _installed_version

# Like the test suite: SciPy reads the array API switch when first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
os.environ["MPLBACKEND"] = "Agg"

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import skmtl  # noqa: E402

project = "skmtl"
author = "skmtl developers"
copyright = "skmtl developers"
release = getattr(skmtl, "__version__", None) or _installed_version("skmtl")
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

root_doc = "index"
templates_path = ["_templates"]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "sg_execution_times.rst"]

# -- API reference ----------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# No inventories are downloaded at build time.
intersphinx_mapping = {}

# -- Gallery ------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "sphinx_gallery.sorting.FileNameSortKey",
    "abort_on_example_error": True,
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
    "reference_url": {},
    "backreferences_dir": None,
    "remove_config_comments": True,
    "show_memory": False,
}

# -- HTML -----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skmtl {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
