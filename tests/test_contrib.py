"""
What C{contrib/} ships for operators: the Grafana dashboard queries only
metrics the service has; the systemd unit is valid, hardened, and starts
the service with options it takes.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import pytest
from twisted.scripts.twistd import ServerOptions
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.xish import domish

from mucservice import configfile, metrics
from mucservice.operations import EXIT_CONFIG
from mucservice.providers.sqlite import SynchronousRunner
from mucservice.providers.sqlite_rooms import SQLiteRoomStore
from tests.fakeservice import FakeService
from tests.test_metrics import FakeArchive, endpoint, samples
from tests.test_sqlite_rooms import temporaryDatabase

CONTRIB = pathlib.Path(__file__).parent.parent / "contrib"

#: A metric's name in a query.
METRIC = re.compile(r"\b((?:mucservice|process)_[a-z0-9_]+)\b")


def dashboardQueries():
    """
    @return: every query of the dashboard's panels and variables.
    """
    dashboard = json.loads((CONTRIB / "grafana-dashboard.json").read_text())
    queries = [target["expr"] for panel in dashboard["panels"]
               for target in panel.get("targets", ())]
    queries += [variable["definition"] for variable in dashboard["templating"]["list"]]
    return queries


class DashboardTests(SynchronousTestCase):
    def setUp(self):
        """
        A service with the metrics endpoint, an SQLite room store, an
        archive, some traffic, an error, a limit hit and a stream error.
        """
        self.service = FakeService("--metrics-port", "9100", "--max-body-length", "5")
        self.site, _ = endpoint(self.service)
        (endpointService,) = [s for s in self.service.root
                              if isinstance(s, metrics.MetricsEndpoint)]
        path = temporaryDatabase(self)
        store = SQLiteRoomStore(path, runner=SynchronousRunner(path))
        self.successResultOf(store.loadRooms())
        endpointService.collector.providers.update({"room-store": store,
                                                    "archive": FakeArchive()})
        self.service.join("olivia@example.org/desk", "room@muc.example.org/olivia")
        for sender in ("x@example.org/y", "olivia@example.org/desk"):
            self.service.send("<message type='groupchat' from='%s' to='room@muc.example.org'>"
                              "<body>too long</body></message>" % (sender,))
        error = domish.Element(("http://etherx.jabber.org/streams", "error"))
        error.addElement(("urn:ietf:params:xml:ns:xmpp-streams", "system-shutdown"))
        self.service.stream.xmlstream.onStreamError(error)

    def test_queriesFound(self):
        """The dashboard has queries, and each names at least one metric."""
        queries = dashboardQueries()
        self.assertGreater(len(queries), 20)
        for query in queries:
            self.assertTrue(METRIC.search(query), query)

    def test_everyMetricExists(self):
        """Every metric a dashboard query names is in a scrape of the service."""
        names = {name for name, _ in samples(self.site)}
        queried = {name for query in dashboardQueries() for name in METRIC.findall(query)}
        self.assertEqual(set(), queried - names)


UNIT = CONTRIB / "mucservice.service"


def unitEntries():
    """
    @return: C{(section, key, value)} of every setting of the systemd unit,
        in order (a key may be given several times).
    """
    entries, section = [], None
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, equals, value = line.partition("=")
        assert equals and section, line
        entries.append((section, key.strip(), value.strip()))
    return entries


def setting(key, section="Service"):
    """
    @return: the values of C{key} in C{section}.
    """
    return [value for s, k, value in unitEntries() if (s, k) == (section, key)]


def test_unitSections():
    """The unit has its three sections, and starts after the network and the server."""
    assert {section for section, _, _ in unitEntries()} == {"Unit", "Service", "Install"}
    assert "prosody.service" in setting("After", "Unit")[0]
    assert setting("WantedBy", "Install") == ["multi-user.target"]


@pytest.mark.parametrize("key, value", [
    ("Restart", "on-failure"), ("RestartPreventExitStatus", str(EXIT_CONFIG)),
    ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
    ("DynamicUser", "yes"), ("ProtectHome", "yes"), ("PrivateDevices", "yes"),
    ("CapabilityBoundingSet", ""), ("LoadCredential", "secret:/etc/mucservice/secret"),
])
def test_unitHardening(key, value):
    """The unit restarts on failure but not when refused, and is hardened."""
    assert setting(key) == [value]


def test_unitWritesWhereTheDatabaseIs():
    """The only folder the unit lets the service write is that of the example's database."""
    database = configfile.ConfigFile(str(CONTRIB / "mucservice.toml")).settings["db"]
    folder = os.path.dirname(database[len("sqlite:"):])
    assert setting("ReadWritePaths") == [folder]
    assert setting("WorkingDirectory") == [folder]
    assert "/var/lib/" + setting("StateDirectory")[0] == folder


def test_execStartParses():
    """
    ExecStart is twistd with options it takes, and mucservice with options
    it takes (the credential and the configuration of contrib/ in place):
    in the foreground, and exiting when the server refuses the component.
    """
    (execStart,) = setting("ExecStart")
    binary, *args = shlex.split(execStart)
    assert binary.endswith("/bin/twistd")
    folder = tempfile.mkdtemp(prefix="mucservice-test-")
    try:
        with open(os.path.join(folder, "secret"), "w") as f:
            f.write("the secret\n")
        args = [arg.replace("%d", folder).replace("/etc/mucservice/mucservice.toml",
                                                  str(CONTRIB / "mucservice.toml"))
                for arg in args]
        config = ServerOptions()
        config.parseOptions(args + ["--db", "sqlite:" + os.path.join(folder, "rooms.sqlite")])
    finally:
        shutil.rmtree(folder, True)
    assert (config["nodaemon"], config["logfile"], config["pidfile"]) == (True, "-", "")
    assert config.subCommand == "mucservice"
    ours = config.subOptions
    assert (ours["secret"], ours["exit-on-auth-failure"]) == ("the secret", 1)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemdAnalyzeVerify(tmp_path):
    """
    systemd-analyze verify finds nothing to say about the unit (with the
    twistd of this Python in place of the one it names).
    """
    twistd = os.path.join(os.path.dirname(sys.executable), "twistd")
    unit = tmp_path / "mucservice.service"
    unit.write_text(UNIT.read_text().replace("/opt/mucservice/bin/twistd", twistd))
    verified = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)],
                              capture_output=True, text=True, timeout=60)
    assert (verified.returncode, verified.stderr) == (0, "")
