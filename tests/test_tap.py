"""
The twistd command: options, the service tree, the component's link and the
service's own disco, driven through a fake component stream.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import pytest
from twisted.internet.error import ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock
from twisted.python import failure, usage
from twisted.trial.unittest import SynchronousTestCase

from mucservice import tap
from mucservice.room.service import RoomService
from mucservice.xmpp import handler
from mucservice.xmpp.component import MAX_RECONNECT_DELAY, MUCComponent
from tests.fakestream import FakeComponentStream

NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"


def parse(*args):
    config = tap.Options()
    config.parseOptions(list(args))
    return config


BASE = ("--jid", "muc.example.org", "--secret", "s3cret")


class TestOptions:
    def test_defaults(self):
        """The documented defaults apply when only --jid and --secret are given."""
        config = parse(*BASE)
        assert config["jid"].full() == "muc.example.org"
        assert config["secret"] == "s3cret"
        assert (config["host"], config["port"]) == ("127.0.0.1", 5347)
        assert config["db"] == "sqlite:mucservice.sqlite"
        assert config["ping-delay"] == 60
        assert config["ping-timeout"] == 30
        assert config["admins"] == []
        assert config["providers"]["hat-store"] == "sql"

    @pytest.mark.parametrize("args, message", [
        ((), "--jid is required"),
        (("--jid", "muc.example.org"), "secret is required"),
        (("--jid", "room@muc.example.org", "--secret", "s"), "bare domain"),
        (("--jid", "a@@b", "--secret", "s"), "not a valid JID"),
        (BASE + ("--secret-file", "/nonexistent/x"), "either --secret or --secret-file"),
        (("--jid", "m.example", "--secret-file", "/nonexistent/x"), "cannot read"),
        (BASE + ("--port", "99999"), "port"),
        (BASE + ("--ping-delay", "-1"), "positive number of seconds"),
        (BASE + ("--db", "mysql://x"), "--db must be"),
        (BASE + ("--pinger", "nope"), "unknown --pinger provider 'nope'; installed: none"),
        (BASE + ("--admin", "a@@b"), "--admin is not a valid JID"),
        (BASE + ("--admin", "user@a..b"), "--admin is not a valid JID.*empty labels"),
        (BASE + ("--address-cache", "-1"), "must be 0 or more"),
    ])
    def test_usageErrors(self, args, message):
        """Bad command lines are usage errors with a clear message."""
        with pytest.raises(usage.UsageError, match=message):
            parse(*args)

    def test_secretFile(self, tmp_path):
        """--secret-file reads the secret, without surrounding white space."""
        path = tmp_path / "secret"
        path.write_text("from-file\n")
        config = parse("--jid", "muc.example.org", "--secret-file", str(path))
        assert config["secret"] == "from-file"

    def test_admins(self):
        """--admin repeats and keeps bare JIDs."""
        config = parse(*BASE + ("--admin", "a@example.org/r", "--admin", "b@example.org"))
        assert [j.full() for j in config["admins"]] == ["a@example.org", "b@example.org"]

    def test_addressCache(self):
        """--address-cache sizes the edge's cache of parsed addresses (4096 by default)."""
        assert parse(*BASE)["address-cache"] == 4096
        build("--address-cache", "7")
        assert handler.addressCache.size == 7
        build()
        assert handler.addressCache.size == 4096

    def test_linkBuffer(self):
        """
        --link-buffer bounds the bytes waiting for the server before the
        service stops writing and reading the link (64 KiB by default).
        """
        assert parse(*BASE)["link-buffer"] == 64 * 1024
        component = build("--link-buffer", "200000")[2]
        assert component.outbox.linkBuffer == 200000
        FakeComponentStream(component)
        assert component.xmlstream.transport.bufferSize == 200000
        with pytest.raises(usage.UsageError, match="positive whole number"):
            parse(*BASE + ("--link-buffer", "0"))

    def test_providerChoice(self):
        """--SERVICE NAME[:ARGS] records the choice."""
        config = parse(*BASE + ("--join-tracker", "memory"))
        assert config["providers"]["join-tracker"] == "memory"


def build(*args):
    # Rooms and hats in memory: starting the tree must not create the
    # default --db file in the working directory.
    reactor = MemoryReactorClock()
    root = tap.makeService(parse(*BASE + ("--room-store", "memory", "--hat-store", "memory")
                                 + args), reactor)
    component = next(s for s in root if isinstance(s, MUCComponent))
    rooms = next(s for s in root if isinstance(s, RoomService))
    return reactor, root, component, rooms


class ServiceTreeTests(SynchronousTestCase):
    def test_tree(self):
        """The tree holds the room service with its providers and the component."""
        reactor, root, component, rooms = build("--admin", "boss@example.org")
        self.assertEqual("muc.example.org", rooms.serviceJID.full())
        self.assertEqual(["boss@example.org"], [j.full() for j in rooms.admins])
        for name in ("store", "joinTracker", "hatStore", "pinger", "offlineDelivery"):
            self.assertIsNotNone(getattr(rooms, name), name)
        self.assertIs(rooms, rooms.hatStore.rooms)

    def test_connects(self):
        """Starting the tree connects to the configured host and port."""
        reactor, root, component, rooms = build("--host", "10.0.0.1", "--port", "5999")
        root.startService()
        host, port = reactor.tcpClients[0][:2]
        self.assertEqual(("10.0.0.1", 5999), (host, port))
        root.stopService()

    def test_stopBeforeStart(self):
        """Stopping a component that never started or connected does not raise."""
        reactor, root, component, rooms = build()
        component.stopService()

    def test_stopStopsReconnecting(self):
        """Stopping closes the link and prevents reconnection."""
        reactor, root, component, rooms = build()
        root.startService()
        connector = reactor.connectors[0]
        root.stopService()
        self.assertTrue(connector._disconnected)
        self.assertFalse(component.factory.continueTrying)

    def test_reconnectBackOff(self):
        """A lost server is retried on reactor timers, waits growing up to the cap."""
        # No archive sweep: the reconnection's is the only timer but the
        # limits' sweep.
        reactor, root, component, rooms = build("--archive-expires", "never")
        root.startService()
        component.factory.jitter = 0
        attempts, delays = [], []

        class Connector:
            def connect(self):
                attempts.append(reactor.seconds())

            def stopConnecting(self):
                pass

        for n in range(12):
            component.factory.clientConnectionFailed(
                Connector(), failure.Failure(ConnectionRefusedError()))
            (call,) = [c for c in reactor.getDelayedCalls() if c is component.factory._callID]
            delays.append(call.getTime() - reactor.seconds())
            reactor.advance(delays[-1])
            self.assertEqual(n + 1, len(attempts))
        self.assertLess(delays[0], delays[1])
        self.assertAlmostEqual(MAX_RECONNECT_DELAY, max(delays))
        self.assertAlmostEqual(MAX_RECONNECT_DELAY, delays[-1])
        root.stopService()


class ProtocolTests(SynchronousTestCase):
    def setUp(self):
        self.reactor, self.root, self.component, self.rooms = build("--name", "Test Rooms")
        self.stream = FakeComponentStream(self.component)

    def iq(self, xml):
        self.stream.receive(xml)
        sent = self.stream.sent()
        self.assertEqual(1, len(sent))
        return sent[0]

    def test_discoInfo(self):
        """The service answers disco#info with conference/text and the MUC feature."""
        reply = self.iq("<iq type='get' id='d1' from='u@example.org/r' to='muc.example.org'>"
                        "<query xmlns='%s'/></iq>" % NS_DISCO_INFO)
        self.assertEqual(("result", "d1", "u@example.org/r"),
                         (reply["type"], reply["id"], reply["to"]))
        self.assertEqual("muc.example.org", reply["from"])
        identity = next(reply.query.elements(NS_DISCO_INFO, "identity"))
        self.assertEqual(("conference", "text", "Test Rooms"),
                         (identity["category"], identity["type"], identity["name"]))
        features = {f["var"] for f in reply.query.elements(NS_DISCO_INFO, "feature")}
        self.assertIn("http://jabber.org/protocol/muc", features)

    def test_discoItems(self):
        """The service answers disco#items (no rooms yet)."""
        reply = self.iq("<iq type='get' id='d2' from='u@example.org/r' to='muc.example.org'>"
                        "<query xmlns='%s'/></iq>" % NS_DISCO_ITEMS)
        self.assertEqual("result", reply["type"])
        self.assertEqual([], list(reply.query.elements()))

    def test_discoUnknownRoom(self):
        """disco#info to a room that does not exist is item-not-found."""
        reply = self.iq("<iq type='get' id='d3' from='u@example.org/r' "
                        "to='nowhere@muc.example.org'><query xmlns='%s'/></iq>" % NS_DISCO_INFO)
        self.assertEqual("error", reply["type"])
        self.assertEqual("item-not-found", reply.error.firstChildElement().name)

    def test_unknownIQ(self):
        """IQs nobody handles get service-unavailable, gets and sets alike."""
        for kind in ("get", "set"):
            reply = self.iq("<iq type='%s' id='u1' from='u@example.org/r' to='muc.example.org'>"
                            "<query xmlns='urn:example:unknown'/></iq>" % kind)
            self.assertEqual(("error", "u1"), (reply["type"], reply["id"]))
            self.assertEqual("service-unavailable", reply.error.firstChildElement().name)
