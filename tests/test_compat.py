"""
wokkel 18.0.0 on current Twisted, through L{mucservice._compat}.
"""

import ast
import importlib
import pathlib

import pytest

import mucservice

# Modules the later parts of the project rely on, besides those it already imports.
PLANNED = {"wokkel.data_form", "wokkel.delay", "wokkel.muc", "wokkel.ping"}


def wokkelModulesUsed():
    """
    Every wokkel module named in an import statement of the project.
    """
    root = pathlib.Path(mucservice.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("wokkel."))
            elif isinstance(node, ast.ImportFrom) and node.module == "wokkel":
                found.update("wokkel." + a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wokkel."):
                found.add(node.module)
    return found


def test_projectImportsWokkel():
    """The scan finds the wokkel modules the project imports (guards the test below)."""
    assert {"wokkel.component", "wokkel.disco"} <= wokkelModulesUsed()


@pytest.mark.parametrize("name", sorted(wokkelModulesUsed() | PLANNED))
def test_wokkelModuleImports(name):
    """Each wokkel module the project uses imports once the compat module is loaded."""
    import mucservice._compat  # noqa: F401

    module = importlib.import_module(name)
    assert module.__name__ == name


def test_compatSuppliesMissingNames():
    """The two names wokkel needs from Twisted are present and usable."""
    import mucservice._compat  # noqa: F401

    # isort: split
    from twisted.python.compat import _PY3
    from twisted.python.constants import ValueConstant, Values

    class Colour(Values):
        RED = ValueConstant("red")

    assert _PY3 is True
    assert Colour.lookupByValue("red") is Colour.RED
