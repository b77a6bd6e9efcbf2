"""
Throwaway third-party projects for the registry's tests: their modules on
sys.path and their dropins on the plugin path, as an installed project's
would be.
"""

import sys
import textwrap

import twisted.plugins


def installProject(root, monkeypatch, files):
    """
    Write a project's files below C{root}, put C{root} on sys.path and its
    C{twisted/plugins} folder on the plugin path, for the test's duration.

    @param root: a L{pathlib.Path}, empty.
    @param files: L{dict} of path below C{root} (e.g.
        C{"twisted/plugins/acme_mucservice.py"}) to text; packages need their
        C{__init__.py}.
    """
    plugins = root / "twisted" / "plugins"
    plugins.mkdir(parents=True)
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(twisted.plugins, "__path__", [str(plugins)] + twisted.plugins.__path__)
    for path in files:
        if not path.startswith("twisted/"):
            name = path[:-len(".py")].replace("/", ".").removesuffix(".__init__")
            monkeypatch.delitem(sys.modules, name, raising=False)
    return root
