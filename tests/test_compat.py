"""
wokkel 18.0.0 on current Twisted, through L{mucservice._compat}.
"""

import ast
import importlib
import pathlib

import pytest

import mucservice


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
    assert {"wokkel.component", "wokkel.data_form"} <= wokkelModulesUsed()


@pytest.mark.parametrize("name", sorted(wokkelModulesUsed()))
def test_wokkelModuleImports(name):
    """Each wokkel module the project uses imports once the compat module is loaded."""
    import mucservice._compat  # noqa: F401

    module = importlib.import_module(name)
    assert module.__name__ == name


def test_compatSuppliesMissingName():
    """The name wokkel needs from Twisted is present."""
    import mucservice._compat  # noqa: F401

    # isort: split
    from twisted.python.compat import _PY3

    assert _PY3 is True
