"""The API reference lists every public name; every estimator states its objective and
documents its parameters in signature order, and every public class and function
carries a runnable example (no Sphinx build)."""

import inspect
import re
import warnings
from pathlib import Path

import pytest

import skmtl
import skmtl.datasets
import skmtl.kernel
import skmtl.model_selection
import skmtl.penalties
import skmtl.statistics
import skmtl.utils

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
MODULES = [skmtl, skmtl.kernel, skmtl.datasets, skmtl.model_selection, skmtl.penalties,
           skmtl.statistics, skmtl.utils]
PUBLIC = [(module, name) for module in MODULES for name in module.__all__]
DOCUMENTED = [(module, name) for module, name in PUBLIC if callable(getattr(module, name))]
ESTIMATORS = [cls for cls in (getattr(skmtl, name) for name in skmtl.__all__)
              if inspect.isclass(cls)] + [
    skmtl.kernel.MultiTaskKernelRidge, skmtl.kernel.MultiTaskSVR, skmtl.kernel.MultiTaskSVC]
#: The weighted per-task data term every objective starts from.
DATA_TERM = r"\sum_t \frac{\tau_t}{S_t} \sum_{i \in t}"


def api_entries():
    """Qualified names of the ``autosummary`` entries and of the ``data`` directives."""
    module, entries, data, in_autosummary = None, set(), set(), False
    for line in API.read_text(encoding="utf-8").splitlines():
        if in_autosummary and line.strip() and not line[0].isspace():
            in_autosummary = False
        if in_autosummary:
            if line.strip() and not line.strip().startswith(":"):
                entries.add(f"{module}.{line.strip()}")
        elif match := re.match(r"\.\. (?:py:)?currentmodule:: (\S+)", line):
            module = match[1]
        elif match := re.match(r"\.\. (?:py:|auto)?data:: (\S+)", line):
            data.add(f"{module}.{match[1]}")
        elif line.startswith(".. autosummary::"):
            in_autosummary = True
    return entries, data


def math_blocks(doc):
    """The text of each ``.. math::`` block of a docstring, whitespace collapsed."""
    lines, blocks = inspect.cleandoc(doc).splitlines(), []
    for i, line in enumerate(lines):
        if line.strip() == ".. math::":
            indent = len(line) - len(line.lstrip())
            body = []
            for following in lines[i + 1:]:
                if following.strip() and len(following) - len(following.lstrip()) <= indent:
                    break
                body.append(following.strip())
            blocks.append(" ".join(" ".join(body).split()))
    return blocks


def test_api_reference_lists_every_public_name():
    entries, data = api_entries()
    for module, name in PUBLIC:
        qualified = f"{module.__name__}.{name}"
        if (module, name) in DOCUMENTED:
            assert qualified in entries, f"{qualified} is missing from an autosummary of api.rst"
        else:
            assert qualified in data, f"{qualified} is missing from a data directive of api.rst"
    public = {f"{module.__name__}.{name}" for module, name in PUBLIC}
    assert entries | data <= public, f"api.rst lists non-public names {(entries | data) - public}"
    assert not entries & data


def test_math_blocks_are_found():
    doc = """Title.

    .. math::

        F = \\sum_t \\frac{\\tau_t}{S_t} \\sum_{i \\in t} s_i \\ell_i
            + \\Omega(W)

    Text after.
    """
    assert math_blocks(doc) == ["F = " + DATA_TERM + r" s_i \ell_i + \Omega(W)"]
    assert math_blocks("Title.\n\n    :math:`F = \\Omega(W)` inline only.\n") == []


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_estimator_docstring_states_its_objective(estimator):
    objectives = [block for block in math_blocks(estimator.__doc__)
                  if DATA_TERM in block and "+" in block]
    assert objectives, f"{estimator.__name__} has no '.. math::' block with its objective"


def documented_parameters(cls):
    """The parameter names of ``Parameters`` then ``Other Parameters``, numpydoc's parse
    (an entry ``a, b : ...`` documents ``a`` and ``b``)."""
    docscrape = pytest.importorskip("numpydoc.docscrape")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a malformed section is a failure, not a warning
        doc = docscrape.ClassDoc(cls, config={"show_class_members": False})
    entries = doc["Parameters"] + doc["Other Parameters"]
    return [name.strip() for entry in entries for name in entry.name.split(",")]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_estimator_docstring_documents_its_parameters_in_order(estimator):
    """Every ``__init__`` parameter is documented, in signature order, and nothing else."""
    signature = [name for name in inspect.signature(estimator.__init__).parameters
                 if name != "self"]
    assert documented_parameters(estimator) == signature


def test_parameter_check_catches_a_missing_or_misplaced_parameter():
    class Estimator:
        """An estimator.

        Parameters
        ----------
        b : int
            Second.
        a : int
            First.

        Other Parameters
        ----------------
        c, d :
            The rest.
        """

        def __init__(self, a, b, c, d, e):
            pass

    assert documented_parameters(Estimator) == ["b", "a", "c", "d"]
    with pytest.raises(AssertionError):
        test_estimator_docstring_documents_its_parameters_in_order(Estimator)


@pytest.mark.parametrize("module, name", DOCUMENTED,
                         ids=[f"{module.__name__}.{name}" for module, name in DOCUMENTED])
def test_public_docstring_has_an_example(module, name):
    doc = inspect.cleandoc(getattr(module, name).__doc__ or "")
    section = re.search(r"^Examples\n-{8,}\n(.*)", doc, re.MULTILINE | re.DOTALL)
    assert section and ">>> " in section[1], f"{module.__name__}.{name} has no Examples"


OBJECTIVES = API.parent / "user_guide" / "objectives.rst"


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_user_guide_states_the_docstring_objective(estimator):
    """The objective formula of the docstring is, verbatim, one of the user guide's."""
    objective = next(block for block in math_blocks(estimator.__doc__) if DATA_TERM in block)
    assert objective in math_blocks(OBJECTIVES.read_text(encoding="utf-8"))
