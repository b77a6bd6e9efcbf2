"""
The metrics endpoint (C{--metrics-port}): scraped over HTTP from a service
on the fake component stream after some traffic, its numbers checked
against what the traffic was.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID
from zope.interface import implementer
from zope.interface.verify import verifyObject

from mucservice import measures, metrics
from mucservice.providers.offline import TigaseOfflineDelivery
from mucservice.providers.xmpp_pinger import XMPPPinger
from mucservice.room.offline import FIELD
from tests.fakeservice import NS_MUC, FakeService

ROOM = "room@muc.example.org"
OLIVIA = "olivia@example.org/desk"
BOB = "bob@example.org/phone"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def endpoint(service):
    """
    Start the metrics endpoint of a L{FakeService}.

    @return: the site it listens with, and the address it listens on.
    """
    found = [s for s in service.root if isinstance(s, metrics.MetricsEndpoint)]
    if not found:
        return None, None
    found[0].startService()
    port, site, _, interface = service.reactor.tcpServers[-1]
    return site, (interface, port)


def scrape(site, path=b"/metrics"):
    """
    GET C{path} from C{site} over a fake connection.

    @return: the status line, the headers (as bytes) and the body.
    """
    channel = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
    transport = StringTransport()
    channel.makeConnection(transport)
    channel.dataReceived(b"GET " + path + b" HTTP/1.0\r\nHost: localhost\r\n\r\n")
    head, _, body = transport.value().partition(b"\r\n\r\n")
    status, _, headers = head.partition(b"\r\n")
    return status, headers, body


def samples(site):
    """
    @return: C{(sample name, sorted labels)} to value, from a scrape.
    """
    status, headers, body = scrape(site)
    assert status == b"HTTP/1.0 200 OK", status
    assert b"content-type: " + CONTENT_TYPE_LATEST.encode() in headers.lower()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body.decode("utf-8"))
            for sample in family.samples}


class EndpointTests(SynchronousTestCase):
    def test_offByDefault(self):
        """Without --metrics-port nothing listens."""
        service = FakeService()
        self.assertEqual((None, None), endpoint(service))
        self.assertEqual([], service.reactor.tcpServers)

    def test_interface(self):
        """The endpoint listens on --metrics-port, on 127.0.0.1 unless told otherwise."""
        self.assertEqual(("127.0.0.1", 9107), endpoint(FakeService("--metrics-port", "9107"))[1])
        self.assertEqual(("::", 9108), endpoint(FakeService(
            "--metrics-port", "9108", "--metrics-interface", "::"))[1])

    def test_pages(self):
        """/ says where the metrics are; other paths are not found."""
        site, _ = endpoint(FakeService("--metrics-port", "9100"))
        status, _, body = scrape(site, b"/")
        self.assertEqual((b"HTTP/1.0 200 OK", b"mucservice: the metrics are at /metrics\n"),
                         (status, body))
        self.assertEqual(b"HTTP/1.0 404 Not Found", scrape(site, b"/other")[0])

    def test_ownRegistry(self):
        """Two services have registries of their own: each counts its own rooms."""
        one, two = FakeService("--metrics-port", "9100"), FakeService("--metrics-port", "9100")
        one.join(OLIVIA, ROOM + "/olivia")
        key = ("mucservice_rooms", (("kind", "temporary"),))
        self.assertEqual(1, samples(endpoint(one)[0])[key])
        self.assertEqual(0, samples(endpoint(two)[0])[key])


class TrafficTests(SynchronousTestCase):
    """
    A service with the metrics endpoint; olivia makes a room that she
    configures as persistent, bob joins, both speak, and a stranger's
    message is refused.
    """

    def setUp(self):
        self.service = FakeService("--metrics-port", "9100")
        self.site, _ = endpoint(self.service)
        self.sent = []
        self.send(self.service.join(OLIVIA, ROOM + "/olivia"))
        self.send(self.service.send(
            "<iq type='set' id='c1' from='%s' to='%s'><query xmlns='%s#owner'>"
            "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
            "<value>http://jabber.org/protocol/muc#roomconfig</value></field>"
            "<field var='muc#roomconfig_persistentroom'><value>1</value></field>"
            "</x></query></iq>" % (OLIVIA, ROOM, NS_MUC)))
        self.send(self.service.join(BOB, ROOM + "/bob"))
        for sender in (OLIVIA, BOB, "stranger@example.org/x"):
            self.send(self.service.send(
                "<message type='groupchat' from='%s' to='%s' id='m'><body>hi</body></message>"
                % (sender, ROOM)))

    def send(self, stanzas):
        self.sent.extend(stanzas)

    def test_rooms(self):
        """The room is counted as persistent, with its two occupants and their messages."""
        found = samples(self.site)
        self.assertEqual(1, found[("mucservice_rooms", (("kind", "persistent"),))])
        self.assertEqual(0, found[("mucservice_rooms", (("kind", "temporary"),))])
        self.assertEqual(2, found[("mucservice_occupants", ())])
        self.assertEqual(2, found[("mucservice_sessions", ())])
        self.assertEqual(2, found[("mucservice_history_messages", ())])

    def test_stanzas(self):
        """Stanzas in and out are counted by kind, errors by condition."""
        found = samples(self.site)
        for kind, count in (("presence", 2), ("message", 3), ("iq", 1)):
            self.assertEqual(count, found[("mucservice_stanzas_received_total",
                                           (("kind", kind),))], kind)
            self.assertEqual(len([s for s in self.sent if s.name == kind]),
                             found[("mucservice_stanzas_sent_total", (("kind", kind),))], kind)
        errors = {labels: value for (name, labels), value in found.items()
                  if name == "mucservice_errors_sent_total"}
        self.assertEqual({(("condition", "not-acceptable"),): 1}, errors)

    def test_link(self):
        """The link is up, never lost."""
        found = samples(self.site)
        self.assertEqual(1, found[("mucservice_link_up", ())])
        self.assertEqual(0, found[("mucservice_link_reconnects_total", ())])
        self.assertEqual(1, found[("mucservice_info", (("version", metrics.__version__),))])

    def test_process(self):
        """The process's resident memory is reported."""
        self.assertGreater(samples(self.site)[("process_resident_memory_bytes", ())], 1e6)

    def test_reactorLag(self):
        """A timer due every second is measured for how late it runs."""
        self.service.reactor.advance(1)
        self.service.reactor.advance(1.5)
        found = samples(self.site)
        self.assertEqual(2, found[("mucservice_reactor_lag_seconds_count", ())])
        self.assertAlmostEqual(0.5, found[("mucservice_reactor_lag_seconds_sum", ())])
        self.assertEqual(1, found[("mucservice_reactor_lag_seconds_bucket", (("le", "0.25"),))])
        self.assertAlmostEqual(0.5, found[("mucservice_reactor_lag_last_seconds", ())])

    def test_pings(self):
        """
        A bounce from bob makes a ping 60 s later, answered with an error:
        one sent, one gone.
        """
        self.service.send("<message type='error' from='%s' to='%s/olivia' id='x'><error "
                          "type='cancel'><recipient-unavailable xmlns='%s'/></error></message>"
                          % (BOB, ROOM, NS_STANZAS))
        self.service.reactor.advance(60)
        (ping,) = [s for s in self.service.stream.sent() if s.name == "iq"]
        self.assertEqual(1, samples(self.site)[("mucservice_pings_pending",
                                                (("provider", "pinger"),))])
        self.service.send("<iq type='error' from='%s' to='%s' id='%s'><error type='cancel'>"
                          "<service-unavailable xmlns='%s'/></error></iq>"
                          % (BOB, ping["from"], ping["id"], NS_STANZAS))
        found = samples(self.site)
        for name, value in (("sent", 1), ("alive", 0), ("gone", 1)):
            self.assertEqual(value, found[("mucservice_pings_%s_total" % (name,),
                                           (("provider", "pinger"),))], name)
        self.assertEqual(1, found[("mucservice_occupants", ())])

    def test_offlineCopies(self):
        """A copy to an absent member who asked for them, and its bounce, are counted."""
        self.service.rooms.getRoom(JID(ROOM)).setAffiliationEntry(
            JID("mia@example.org"), "member", {"nick": "mia", FIELD: "1"})
        self.service.send("<message type='groupchat' from='%s' to='%s' id='m2'><body>hi"
                          "</body></message>" % (OLIVIA, ROOM))
        self.service.send("<message type='error' from='mia@example.org' to='%s/olivia' id='m2'>"
                          "<error type='cancel'><service-unavailable xmlns='%s'/></error>"
                          "</message>" % (ROOM, NS_STANZAS))
        found = samples(self.site)
        labels = (("provider", "offline-delivery"),)
        self.assertEqual(1, found[("mucservice_offline_copies_sent_total", labels)])
        self.assertEqual(1, found[("mucservice_offline_copies_bounced_total", labels)])


@implementer(measures.IMeasured)
class FakeArchive:
    """
    What an archive store reports: its size, and the time of its writes.
    """

    def __init__(self):
        self.durations = measures.Durations(lambda: 0.0)

    def measures(self):
        yield measures.Measure(measures.ARCHIVE_MESSAGES, measures.GAUGE, "Archived.", 1234)
        yield measures.Measure("store_transaction_seconds", measures.HISTOGRAM, "Writes.",
                               self.durations.histogram, (("table", "archive"),))


class ProviderMeasureTests(SynchronousTestCase):
    def test_providersMeasured(self):
        """The built-in pinger and copying offline delivery provide IMeasured."""
        verifyObject(measures.IMeasured, XMPPPinger(None))
        verifyObject(measures.IMeasured, TigaseOfflineDelivery())

    def test_providerLabels(self):
        """
        A provider's measures become metrics named after them, labelled with
        the service the provider serves and the measure's own labels.
        """
        service = FakeService("--metrics-port", "9100")
        (metricsEndpoint,) = [s for s in service.root if isinstance(s, metrics.MetricsEndpoint)]
        collector = metricsEndpoint.collector
        archive = FakeArchive()
        archive.durations.histogram.observe(0.003)
        collector.providers["archive"] = archive
        found = samples(endpoint(service)[0])
        self.assertEqual(1234, found[("mucservice_archive_messages",
                                      (("provider", "archive"),))])
        labels = (("le", "0.005"), ("provider", "archive"), ("table", "archive"))
        self.assertEqual(1, found[("mucservice_store_transaction_seconds_bucket", labels)])


class DurationsTests(SynchronousTestCase):
    def test_track(self):
        """
        An operation is under way from its start until its Deferred fires,
        and its duration is counted in the bucket of its bound.
        """
        from twisted.internet import defer, task

        clock = task.Clock()
        durations = measures.Durations(clock.seconds)
        d = durations.track(defer.Deferred())
        self.assertEqual(1, durations.underWay)
        clock.advance(0.02)
        d.callback("done")
        self.assertEqual("done", self.successResultOf(d))
        self.assertEqual(0, durations.underWay)
        histogram = durations.histogram
        self.assertEqual((1, 0.02), (histogram.count, histogram.sum))
        self.assertEqual([(0.01, 0), (0.025, 1)], histogram.cumulative()[3:5])
