"""
The layering of C{DESIGN.md}, checked on the source: which part of the
package may import which.

    contracts   (interfaces, records, errors, address, measures; testing, the contract
                suites)
                import none of the parts below
    room/       imports contracts only: never the edge or a provider
    providers/  import contracts only: never rooms or the edge
    xmpp/       the edge: imports rooms and contracts, never a provider
    devserver/  development tools: nothing else imports them
"""

import ast
import pathlib
import subprocess
import sys

import pytest

import mucservice

PACKAGE = pathlib.Path(mucservice.__file__).parent
DROPINS = PACKAGE.parent / "twisted" / "plugins"

#: Part of the package to the parts it must never import.
FORBIDDEN = {
    "contracts": {"room", "xmpp", "providers", "devserver"},
    "room": {"xmpp", "providers", "devserver"},
    "providers": {"room", "xmpp", "devserver"},
    "xmpp": {"providers", "devserver"},
    "runtime": {"devserver"},
}

CONTRACTS = {"interfaces", "records", "errors", "address", "measures", "_compat", "testing"}


def moduleName(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def partOf(name):
    """
    @return: the part of the package a module belongs to.
    """
    parts = name.split(".")
    if parts[0] != "mucservice":
        return "runtime"
    if len(parts) == 1:
        return "runtime"
    if parts[1] in ("room", "xmpp", "providers", "devserver"):
        return parts[1]
    if parts[1] in CONTRACTS:
        return "contracts"
    return "runtime"


def importsOf(path):
    """
    @return: every module of the package that the source at C{path}
        imports, at any depth of the code (also inside functions), with
        C{from mucservice import xmpp} counted as an import of
        C{mucservice.xmpp}.
    """
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update("%s.%s" % (node.module, alias.name) for alias in node.names)
    return {name for name in found if name.split(".")[0] == "mucservice"}


def sources():
    yield from sorted(PACKAGE.rglob("*.py"))
    yield from sorted(DROPINS.glob("mucservice_*.py"))


def arrows():
    """
    @return: C{(importer, imported)} pairs of module names.
    """
    for path in sources():
        name = moduleName(path) if PACKAGE in path.parents else "twisted.plugins." + path.stem
        for imported in importsOf(path):
            yield name, imported


def test_partsFound():
    """The walk finds the parts and the arrows that are allowed (guards the test below)."""
    found = set(arrows())
    assert ("mucservice.xmpp.message", "mucservice.room.conversation") in found
    assert ("mucservice.providers.sqlite_rooms", "mucservice.records") in found
    assert ("twisted.plugins.mucservice_providers", "mucservice.registry") in found
    assert ("mucservice.testing.hat_store", "mucservice.interfaces") in found
    assert ("mucservice.providers.sql_hats", "mucservice.address") in found
    assert partOf("mucservice.address") == "contracts"
    assert {"room", "xmpp", "providers", "devserver", "contracts", "runtime"} == {
        partOf(moduleName(path)) for path in PACKAGE.rglob("*.py")} | {"runtime"}


def test_noForbiddenArrow():
    """No module imports a part its own part must not depend on."""
    wrong = sorted((importer, imported) for importer, imported in arrows()
                   if partOf(importer) != partOf(imported)
                   and partOf(imported) in FORBIDDEN.get(partOf(importer), ()))
    assert wrong == []


@pytest.mark.parametrize("importer,imported,part", [
    ("mucservice.room.service", "mucservice.xmpp.render", "xmpp"),
    ("mucservice.providers.offline", "mucservice.room.roles", "room"),
    ("mucservice.tap", "mucservice.devserver.run", "devserver"),
    ("mucservice.testing.hat_store", "mucservice.providers.hats", "providers"),
])
def test_wrongArrowsCaught(importer, imported, part):
    """An arrow against the layering is recognised as one."""
    assert partOf(imported) == part
    assert part in FORBIDDEN[partOf(importer)]


def test_runtimeNeverLoadsDevserver():
    """Building the whole service tree of twistd mucservice loads no development tool."""
    code = ("import sys; from mucservice import tap; from twisted.internet import task; "
            "config = tap.Options(); config.parseOptions(['--jid', 'muc.example.org', "
            "'--secret', 's', '--room-store', 'memory', '--hat-store', 'memory']); "
            "tap.makeService(config, task.Clock()); "
            "print(sorted(m for m in sys.modules if m.startswith('mucservice.devserver')))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=str(PACKAGE.parent))
    assert output.stdout.strip() == "[]"
