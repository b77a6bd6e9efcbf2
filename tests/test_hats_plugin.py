"""
The third-party hat plugins of the README (the logging hat store of
"Writing a provider plugin", and "A plugin that gives hats"), taken from the
README as they are, installed as dropins in a temporary folder and run in
the whole service on the fake component stream.
"""

import os
import re
import sys

import pytest
from twisted.logger import capturedLogs
from twisted.python import usage
from twisted.words.protocols.jabber.jid import JID

from mucservice import registry, tap
from mucservice.providers.memory_hats import MemoryHatStore
from mucservice.providers.sql_hats import SQLHatStore
from tests.fakeservice import FakeService
from tests.thirdparty import installProject

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.rst")
LOGGING_SECTION = "Writing a provider plugin"
SECTION = "A plugin that gives hats"
NS_HATS = "urn:xmpp:hats:0"
ROOM = "room@muc.example.org"


def exampleFiles(title):
    """
    @return: path to text of every file of the README's example under the
        heading C{title}, up to the next heading: each literal block that
        starts with a C{# path} comment.
    """
    with open(README, encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n%s\n" % title, 1)[1]
    section = re.split(r"\n\S[^\n]*\n[-=~]{3,}\n", section, maxsplit=1)[0]
    files = {}
    current = None
    for line in section.splitlines():
        found = re.match(r"^    # ([\w/]+\.py)$", line)
        if found:
            current = files[found.group(1)] = []
        elif current is not None and (line.startswith("    ") or not line.strip()):
            current.append(line[4:])
        else:
            current = None
    return {path: "\n".join(lines).strip() + "\n" for path, lines in files.items()}


#: The modules of the README's projects, as the tests import them.
MODULES = ("acme_muc", "acme_muc.hats", "acme_muc.memberhats",
           "twisted.plugins.acme_mucservice", "twisted.plugins.acme_memberhats")


@pytest.fixture(autouse=True)
def freshModules():
    """
    Each test imports the README's modules afresh, and leaves none behind:
    other tests have dropins of the same names.
    """
    for name in MODULES:
        sys.modules.pop(name, None)
    yield
    for name in MODULES:
        sys.modules.pop(name, None)


def install(tmp_path, monkeypatch, title, paths):
    """
    Put the files of the README's example under the heading C{title},
    which must be C{paths}, in C{tmp_path}, a folder on sys.path, and its
    dropin on the plugin path.
    """
    files = exampleFiles(title)
    assert sorted(files) == paths
    return installProject(tmp_path, monkeypatch, dict(files, **{"acme_muc/__init__.py": ""}))


@pytest.fixture
def loggingPlugin(tmp_path, monkeypatch):
    """
    The README's logging hat store, installed.
    """
    return install(tmp_path, monkeypatch, LOGGING_SECTION,
                   ["acme_muc/hats.py", "twisted/plugins/acme_mucservice.py"])


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """
    The README's member hats plugin, installed.
    """
    return install(tmp_path, monkeypatch, SECTION,
                   ["acme_muc/memberhats.py", "twisted/plugins/acme_memberhats.py"])


def hats(stanza):
    return [(h["uri"], h["title"]) for hs in stanza.elements(NS_HATS, "hats")
            for h in hs.elements(NS_HATS, "hat")]


def test_loggingListed(loggingPlugin):
    """The logging hat store is installed under its name, and takes no arguments."""
    factory = registry.findFactories(registry.serviceFor("hat-store"))["acme-logging"]
    assert factory.description == "Hats in memory, every change logged"
    assert not factory.takesArguments


def test_loggingLogsChanges(loggingPlugin):
    """The logging hat store keeps hats as the memory store does and logs each change."""
    service = FakeService("--hat-store", "acme-logging")
    store = service.rooms.hatStore
    assert isinstance(store, MemoryHatStore)
    room = service.makeRoom(ROOM, "olivia@example.org")
    mia = JID("mia@example.org")
    room.setAffiliationEntry(mia, "member")
    hat = "urn:example:acme:hats:host"
    with capturedLogs() as logs:
        store.addUserHat(mia, JID(ROOM), hat, {"title": "Host"})
        store.removeUserHat(mia, JID(ROOM), "urn:example:acme:hats:none")
        store.removeUserHat(mia, JID(ROOM), hat)
    logged = [(e["user"], e["room"], e["hats"]) for e in logs
              if "now wears" in e.get("log_format", "")]
    assert logged == [("mia@example.org", ROOM, [hat]), ("mia@example.org", ROOM, [])]
    worn = []
    store.getUserHats(mia, JID(ROOM)).addCallback(worn.append)
    assert worn == [{}]


def test_listed(plugin):
    """The plugin is installed under its name, and takes arguments."""
    factory = registry.findFactories(registry.serviceFor("hat-store"))["acme-member-hats"]
    assert factory.takesArguments


def test_argumentsCheckedAtParsing(plugin):
    """A hat store name after the colon that is not installed is refused at option parsing."""
    with pytest.raises(usage.UsageError, match=r"^unknown --hat-store provider 'nope'; "
                                                r"installed: acme-member-hats, memory, "
                                                r"postgresql, sql$"):
        tap.Options().parseOptions(["--jid", "muc.example.org", "--secret", "s",
                                    "--hat-store", "acme-member-hats:nope"])


def test_defaultStore(plugin, tmp_path):
    """Without arguments, its hats are kept by the sql store of --db."""
    service = FakeService("--hat-store", "acme-member-hats",
                          "--db", "sqlite:" + str(tmp_path / "muc.sqlite"))
    assert isinstance(service.rooms.hatStore, SQLHatStore)
    assert service.rooms.hatStore.path == str(tmp_path / "muc.sqlite")


def test_membersGetHat(plugin):
    """Members who join get the Member hat, shown in presence; others get none."""
    service = FakeService("--hat-store", "acme-member-hats:memory")
    room = service.makeRoom(ROOM, "olivia@example.org")
    room.setAffiliationEntry(JID("mia@example.org"), "member")
    service.join("olivia@example.org/desk", ROOM + "/olivia")
    service.join("gus@example.org/desk", ROOM + "/gus")
    service.reactor.advance(0)
    assert service.stream.sent() == []
    out = service.join("mia@example.org/desk", ROOM + "/mia")
    member = ("urn:example:acme:hats:member", "Member")
    assert [hats(s) for s in out if s.name == "presence" and s["from"] == ROOM + "/mia"] \
        == [[member]] * 3
    service.reactor.advance(0)
    again = service.stream.sent()
    assert sorted(s["to"] for s in again) == ["gus@example.org/desk", "mia@example.org/desk",
                                              "olivia@example.org/desk"]
    assert [hats(s) for s in again] == [[member]] * 3
    worn = []
    service.rooms.hatStore.getRoomHats(JID(ROOM)).addCallback(worn.append)
    assert worn == [{JID("mia@example.org"): {member[0]: {"active": True, "title": "Member"}}}]
