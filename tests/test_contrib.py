"""
What C{contrib/} ships for operators: the Grafana dashboard queries only
metrics the service has.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import json
import pathlib
import re

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.xish import domish

from mucservice import metrics
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
