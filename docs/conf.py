"""Sphinx configuration of the skmtl documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` (the ``docs``
extra); every gallery example under ``examples/`` is executed.  Nothing is
fetched from the network: no intersphinx inventories, no Binder links.
"""

import os
import re
from importlib.metadata import version as _installed_version
from pathlib import Path

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
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]

# The Markdown notes next to this file are built only when a toctree lists them;
# otherwise they stay out of the build.  Toctree entries are taken to be the
# indented lines of the .rst sources that hold just a page name (or "title <name>").
_DOCS = Path(__file__).parent
_SKIP = {"_build", "generated", "auto_examples"}


def _toctree_entries():
    entries = set()
    for source in _DOCS.glob("**/*.rst"):
        if _SKIP & set(source.relative_to(_DOCS).parts):
            continue
        text = source.read_text(encoding="utf-8")
        for name in re.findall(r"^[ \t]+(?:.*<)?([\w./-]+?)(?:\.md)?>?[ \t]*$", text, re.MULTILINE):
            base = _DOCS if name.startswith("/") else source.parent
            entries.add(os.path.normpath(base / name.lstrip("/")))
    return entries


_ENTRIES = _toctree_entries()
exclude_patterns = ["_build", "**.ipynb_checkpoints", "sg_execution_times.rst"] + [
    page.name for page in sorted(_DOCS.glob("*.md"))
    if os.path.normpath(page.with_suffix("")) not in _ENTRIES
]

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

# -- Markdown -----------------------------------------------------------------
myst_heading_anchors = 3

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
