"""
The C{xmpp} pinger (L{XMPPPinger}) against a fake L{IPingHost} and a
L{Clock}: when it pings, how often, how many at once, and what the answers
mean.
"""

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.error import StanzaError
from twisted.words.protocols.jabber.jid import JID
from zope.interface import implementer
from zope.interface.verify import verifyObject

from mucservice.interfaces import IPinger, IPingHost
from mucservice.providers.memory_tracker import MemoryJoinTracker
from mucservice.providers.xmpp_pinger import XMPPPinger, makeXMPPPinger
from mucservice.registry import ProviderContext

ROOM = JID("room@muc.example.org")
ROOM2 = JID("other@muc.example.org")
BOB = JID("bob@example.org/laptop")
BOB2 = JID("bob@example.org/phone")
CAROL = JID("carol@remote.test/x")
DAVE = JID("dave@remote.test/y")


@implementer(IPingHost)
class FakeHost:
    """
    Records pings (each with a Deferred the test fires) and removals.
    """

    def __init__(self):
        self.joinTracker = MemoryJoinTracker()
        self.pings = []
        self.removed = []

    def ping(self, roomJID, realJID, timeout):
        d = defer.Deferred()
        self.pings.append((roomJID, realJID, timeout, d))
        return d

    def removeGone(self, realJID, reason):
        self.removed.append((realJID, reason))
        for roomJID in self.joinTracker.roomsOf(realJID):
            self.joinTracker.recordLeave(realJID, roomJID)

    def pinged(self):
        """@return: the real JIDs pinged so far, in order."""
        return [realJID for _, realJID, _, _ in self.pings]


class PingerTestCase(SynchronousTestCase):
    settings = {}

    def setUp(self):
        self.clock = Clock()
        self.host = FakeHost()
        self.pinger = XMPPPinger(self.clock, **dict(dict(delay=10, timeout=5), **self.settings))
        self.pinger.start(self.host)
        self.tracker = self.host.joinTracker

    def join(self, *realJIDs, room=ROOM):
        for realJID in realJIDs:
            self.tracker.recordJoin(realJID, room, realJID.user)

    def pingOf(self, realJID):
        """@return: the Deferred of the latest ping of C{realJID}."""
        return [d for _, j, _, d in self.pings() if j == realJID][-1]

    def pings(self):
        return self.host.pings


class InterfaceTests(PingerTestCase):
    def test_interfaces(self):
        """The pinger provides IPinger; the fake host provides IPingHost."""
        self.assertTrue(verifyObject(IPinger, self.pinger))
        self.assertTrue(verifyObject(IPingHost, self.host))


class DelayTests(PingerTestCase):
    def test_delay(self):
        """An error bounce schedules a ping from the occupant's room after the delay."""
        self.join(BOB)
        self.pinger.errorReceived(BOB, "recipient-unavailable")
        self.clock.advance(9.9)
        self.assertEqual([], self.pings())
        self.clock.advance(0.1)
        self.assertEqual([(ROOM, BOB, 5)], [p[:3] for p in self.pings()])

    def test_coalesced(self):
        """Several triggers within the delay make one ping."""
        self.join(BOB)
        for _ in range(3):
            self.pinger.errorReceived(BOB, "recipient-unavailable")
            self.clock.advance(3)
        self.pinger.streamRestored()
        self.clock.advance(10)
        self.assertEqual([BOB], self.host.pinged())

    def test_triggerWhileOut(self):
        """A trigger while the ping is out changes nothing."""
        self.join(BOB)
        self.pinger.errorReceived(BOB, "gone")
        self.clock.advance(10)
        self.pinger.errorReceived(BOB, "gone")
        self.clock.advance(20)
        self.assertEqual([BOB], self.host.pinged())
        self.assertTrue(self.pinger.pending(BOB))

    def test_afterAnswer(self):
        """Once the ping is answered, a new trigger schedules a new ping."""
        self.join(BOB)
        self.pinger.errorReceived(BOB, "gone")
        self.clock.advance(10)
        self.pingOf(BOB).callback(None)
        self.assertFalse(self.pinger.pending(BOB))
        self.pinger.errorReceived(BOB, "gone")
        self.clock.advance(10)
        self.assertEqual([BOB, BOB], self.host.pinged())

    def test_serverGone(self):
        """remote-server-not-found and -timeout schedule every occupant of that domain."""
        for condition in ("remote-server-not-found", "remote-server-timeout"):
            host = FakeHost()
            pinger = XMPPPinger(self.clock, delay=10)
            pinger.start(host)
            for realJID in (BOB, CAROL, DAVE):
                host.joinTracker.recordJoin(realJID, ROOM, realJID.user)
            pinger.errorReceived(CAROL, condition)
            self.clock.advance(10)
            self.assertEqual({CAROL, DAVE}, set(host.pinged()), condition)

    def test_serverGoneFlood(self):
        """
        A flood of server-gone errors looks at that server's occupants once
        per delay, and schedules each of them once.
        """
        occupants = [JID("u%d@remote.test/r" % (n,)) for n in range(100)]
        self.join(*occupants)
        looked = []
        occupantsFrom = self.tracker.occupantsFrom
        self.tracker.occupantsFrom = lambda domain: looked.append(domain) or occupantsFrom(domain)
        for n in range(1000):
            self.pinger.errorReceived(occupants[n % 100], "remote-server-not-found")
        self.assertEqual(["remote.test"], looked)
        self.assertEqual(100, len(self.clock.getDelayedCalls()))
        self.clock.advance(10)
        self.assertEqual(set(occupants), set(self.host.pinged()))
        self.pinger.errorReceived(occupants[0], "remote-server-timeout")
        self.assertEqual(["remote.test"] * 2, looked)

    def test_otherConditions(self):
        """Conditions that do not suggest a gone link trigger nothing."""
        self.join(BOB)
        for condition in ("bad-request", "forbidden", "not-allowed", "not-acceptable", None):
            self.pinger.errorReceived(BOB, condition)
        self.clock.advance(100)
        self.assertEqual([], self.pings())

    def test_linkGoneConditions(self):
        """Each condition that suggests a gone link schedules a ping."""
        conditions = ["recipient-unavailable", "gone", "item-not-found", "service-unavailable",
                      "redirect", "jid-malformed", "internal-server-error"]
        for condition in conditions:
            realJID = JID("u-%s@example.org/r" % (condition,))
            self.join(realJID)
            self.pinger.errorReceived(realJID, condition)
        self.clock.advance(10)
        self.assertEqual(len(conditions), len(self.pings()))

    def test_bareJID(self):
        """Errors from a bare JID trigger nothing, even server-gone ones."""
        self.join(BOB)
        self.pinger.errorReceived(BOB.userhostJID(), "recipient-unavailable")
        self.pinger.errorReceived(BOB.userhostJID(), "remote-server-not-found")
        self.clock.advance(100)
        self.assertEqual([], self.pings())

    def test_notOccupant(self):
        """A JID that is in no room is not scheduled."""
        self.pinger.errorReceived(BOB, "recipient-unavailable")
        self.assertFalse(self.pinger.pending(BOB))
        self.assertEqual([], self.clock.getDelayedCalls())

    def test_leftEveryRoom(self):
        """Leaving every room cancels the scheduled ping."""
        self.join(BOB)
        self.join(BOB, room=ROOM2)
        self.pinger.errorReceived(BOB, "gone")
        self.tracker.recordLeave(BOB, ROOM)
        self.tracker.recordLeave(BOB, ROOM2)
        self.assertFalse(self.pinger.pending(BOB))
        self.assertEqual([], self.clock.getDelayedCalls())
        self.clock.advance(100)
        self.assertEqual([], self.pings())

    def test_staysInAnotherRoom(self):
        """Leaving one room while staying in another keeps the ping, sent from that room."""
        self.join(BOB)
        self.join(BOB, room=ROOM2)
        self.pinger.errorReceived(BOB, "gone")
        self.tracker.recordLeave(BOB, ROOM)
        self.clock.advance(10)
        self.assertEqual([(ROOM2, BOB)], [p[:2] for p in self.pings()])

    def test_streamRestored(self):
        """The link coming back schedules every occupant, after the delay."""
        self.join(BOB, CAROL)
        self.join(DAVE, room=ROOM2)
        self.pinger.streamRestored()
        self.clock.advance(9)
        self.assertEqual([], self.pings())
        self.clock.advance(1)
        self.assertEqual({BOB, CAROL, DAVE}, set(self.host.pinged()))


class AnswerTests(PingerTestCase):
    def setUp(self):
        PingerTestCase.setUp(self)
        self.join(BOB)
        self.pinger.errorReceived(BOB, "gone")
        self.clock.advance(10)
        self.ping = self.pingOf(BOB)

    def test_result(self):
        """A result means alive: nothing is removed."""
        self.ping.callback(None)
        self.assertEqual([], self.host.removed)
        self.assertEqual({ROOM: "bob"}, self.tracker.roomsOf(BOB))

    def test_featureNotImplemented(self):
        """feature-not-implemented means alive: the client does not know pings."""
        self.ping.errback(StanzaError("feature-not-implemented"))
        self.assertEqual([], self.host.removed)

    def test_timeout(self):
        """No answer in time means gone, with a reason that says so."""
        self.ping.errback(defer.TimeoutError())
        self.assertEqual(1, len(self.host.removed))
        realJID, reason = self.host.removed[0]
        self.assertEqual(BOB, realJID)
        self.assertIn("not answered in 5 seconds", reason)

    def test_otherStanzaErrors(self):
        """Any other error answer means gone, the reason naming it."""
        self.ping.errback(StanzaError("recipient-unavailable"))
        self.assertEqual([(BOB, "Your connection to the room was lost: the ping was answered "
                                "with recipient-unavailable")], self.host.removed)

    def test_serviceUnavailableGone(self):
        """service-unavailable means gone by default."""
        self.ping.errback(StanzaError("service-unavailable"))
        self.assertEqual([BOB], [j for j, _ in self.host.removed])
        self.assertIn("service-unavailable", self.host.removed[0][1])

    def test_unexpectedFailure(self):
        """A failure that is no answer is logged and removes nothing."""
        self.ping.errback(RuntimeError("boom"))
        self.assertEqual([], self.host.removed)
        self.assertEqual(1, len(self.flushLoggedErrors(RuntimeError)))
        self.assertFalse(self.pinger.pending(BOB))


class ServiceUnavailableAliveTests(PingerTestCase):
    settings = {"unavailableIsAlive": True}

    def test_serviceUnavailableAlive(self):
        """With unavailableIsAlive, service-unavailable means alive; others still gone."""
        self.join(BOB, CAROL)
        self.pinger.streamRestored()
        self.clock.advance(10)
        self.pingOf(BOB).errback(StanzaError("service-unavailable"))
        self.pingOf(CAROL).errback(StanzaError("item-not-found"))
        self.assertEqual([CAROL], [j for j, _ in self.host.removed])


class ConcurrencyTests(PingerTestCase):
    settings = {"concurrency": 2}
    users = [JID("u%d@example.org/r" % (n,)) for n in range(5)]

    def test_cap(self):
        """With concurrency 2 and 5 due pings, 2 are out; each answer lets the next out."""
        for realJID in self.users:
            self.join(realJID)
            self.pinger.errorReceived(realJID, "gone")
            self.clock.advance(0.1)
        self.clock.advance(10)
        self.assertEqual(self.users[:2], self.host.pinged())
        self.pingOf(self.users[1]).callback(None)
        self.assertEqual(self.users[:3], self.host.pinged())
        self.pingOf(self.users[0]).errback(defer.TimeoutError())
        self.assertEqual(self.users[:4], self.host.pinged())
        self.pingOf(self.users[2]).callback(None)
        self.assertEqual(self.users, self.host.pinged())
        self.pingOf(self.users[3]).callback(None)
        self.pingOf(self.users[4]).callback(None)
        self.assertEqual(self.users, self.host.pinged())
        self.assertEqual([self.users[0]], [j for j, _ in self.host.removed])

    def test_queuedLeaves(self):
        """A queued JID that leaves every room is dropped from the queue."""
        for realJID in self.users[:3]:
            self.join(realJID)
        self.pinger.streamRestored()
        self.clock.advance(10)
        queued = [j for j in self.users[:3] if j not in self.host.pinged()]
        self.assertEqual(1, len(queued))
        self.tracker.recordLeave(queued[0], ROOM)
        self.assertFalse(self.pinger.pending(queued[0]))
        for d in [p[3] for p in self.pings()]:
            d.callback(None)
        self.assertEqual(2, len(self.pings()))


class IdleTests(PingerTestCase):
    settings = {"idle": 100}

    def test_idle(self):
        """An occupant silent for idle seconds is pinged; one with activity is not."""
        self.join(BOB, CAROL)
        self.clock.advance(60)
        self.pinger.activity(CAROL)
        self.clock.advance(40)
        self.assertEqual([BOB], self.host.pinged())
        self.pingOf(BOB).callback(None)
        self.assertEqual([BOB], self.host.pinged())

    def test_idleAgain(self):
        """An occupant that stays silent is pinged again after another idle period."""
        self.join(BOB)
        self.clock.advance(100)
        self.pingOf(BOB).callback(None)
        self.clock.advance(50)
        self.assertEqual([BOB], self.host.pinged())
        self.clock.advance(50)
        self.assertEqual([BOB, BOB], self.host.pinged())

    def test_activityOfStrangers(self):
        """Activity of a JID in no room is not remembered (it would never be forgotten)."""
        for n in range(10):
            self.pinger.activity(JID("stranger%d@example.net/r" % (n,)))
        self.join(BOB)
        self.tracker.recordLeave(BOB, ROOM)
        self.pinger.activity(BOB)
        self.assertEqual({}, self.pinger._lastSeen)

    def test_noIdle(self):
        """Without idle, silence pings nobody and no timer runs."""
        pinger = XMPPPinger(Clock())
        pinger.start(FakeHost())
        self.assertEqual([], pinger.reactor.getDelayedCalls())


class StopTests(PingerTestCase):
    settings = {"idle": 100, "concurrency": 1}

    def test_stop(self):
        """stop() cancels the sweep, scheduled and queued pings and outstanding pings."""
        self.join(BOB, CAROL, DAVE)
        self.pinger.streamRestored()
        self.clock.advance(10)
        self.assertEqual(1, len(self.pings()))
        outstanding = self.pings()[0][3]
        self.tracker.recordJoin(BOB2, ROOM, "bob2")
        self.pinger.errorReceived(BOB2, "gone")
        self.pinger.stop()
        self.assertTrue(outstanding.called)
        for realJID in (BOB, BOB2, CAROL, DAVE):
            self.assertFalse(self.pinger.pending(realJID))
        self.assertEqual([], self.clock.getDelayedCalls())
        self.clock.advance(1000)
        self.assertEqual(1, len(self.pings()))
        self.assertEqual([], self.host.removed)


class FactoryTests(SynchronousTestCase):
    def test_settings(self):
        """makeXMPPPinger reads the ping settings of the command line."""
        clock = Clock()
        context = ProviderContext(clock, JID("muc.example.org"), "sqlite::memory:", {
            "ping-delay": 1.5, "ping-timeout": 2.0, "ping-idle": 30.0, "ping-concurrency": 7,
            "ping-service-unavailable": "alive"})
        pinger = makeXMPPPinger("", context)
        self.assertTrue(verifyObject(IPinger, pinger))
        self.assertEqual((clock, 1.5, 2.0, 7, 30.0, True),
                         (pinger.reactor, pinger.delay, pinger.timeout, pinger.concurrency,
                          pinger.idle, pinger.unavailableIsAlive))

    def test_defaults(self):
        """Missing settings give the defaults; gone is the default for service-unavailable."""
        context = ProviderContext(Clock(), JID("muc.example.org"), "sqlite::memory:",
                                  {"ping-service-unavailable": "gone", "ping-idle": None})
        pinger = makeXMPPPinger("", context)
        self.assertEqual((60, 30, 100, 0, False),
                         (pinger.delay, pinger.timeout, pinger.concurrency, pinger.idle,
                          pinger.unavailableIsAlive))
