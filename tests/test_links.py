"""
Ghost occupants through the whole service on a fake component stream: what
makes the service ping an occupant (L{LinkWatcher} feeding the C{xmpp}
pinger), the ping itself, and the removal of an occupant that is gone.
"""

from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure
from twisted.words.protocols.jabber.jid import JID
from zope.interface.verify import verifyObject

from mucservice.interfaces import IPinger, IPingHost
from mucservice.providers.xmpp_pinger import XMPPPinger
from mucservice.xmpp.links import LinkWatcher
from tests.fakeservice import NS_MUC_USER, SERVICE, ServiceTestCase, item, statuses
from tests.fakestream import FakeComponentStream

NS_PING = "urn:xmpp:ping"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"

ROOM = "room@muc.example.org"
ALICE = "alice@example.org/desk"
BOB = "bob@example.org/laptop"
BOB2 = "bob@example.org/phone"
CAROL = "carol@remote.test/x"


def bounce(sender, to=ROOM, condition="recipient-unavailable", kind="message"):
    return ("<%s type='error' from='%s' to='%s'><error type='cancel'><%s xmlns='%s'/>"
            "</error></%s>" % (kind, sender, to, condition, NS_STANZAS, kind))


def pings(stanzas):
    """@return: the ping requests among C{stanzas}."""
    return [s for s in stanzas if s.name == "iq" and s.getAttribute("type") == "get"
            and any(c.uri == NS_PING and c.name == "ping" for c in s.elements())]


class LinkTestCase(ServiceTestCase):
    serviceArgs = ("--ping-delay", "10", "--ping-timeout", "5")
    room_config = {}

    def setUp(self):
        ServiceTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org", **self.room_config)
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")

    @property
    def watcher(self):
        return next(h for h in self.service.component if isinstance(h, LinkWatcher))

    def advance(self, seconds):
        """Let time pass; @return: what the service wrote meanwhile."""
        self.service.reactor.advance(seconds)
        return self.service.stream.sent()

    def pingAfterBounce(self, sender=BOB):
        """Bounce an error from C{sender}; @return: the ping 10 s later."""
        self.assertEqual([], self.service.send(bounce(sender)))
        self.assertEqual([], pings(self.advance(9.9)))
        sent = pings(self.advance(0.1))
        self.assertEqual(1, len(sent), [s.toXml() for s in sent])
        return sent[0]

    def loseStream(self):
        """Lose the component link; @return: the dead stream."""
        dead = self.service.stream
        dead.xmlstream.connectionLost(Failure(ConnectionLost()))
        return dead

    def restartStream(self):
        """Lose the component link and bring up a new one."""
        dead = self.loseStream()
        self.service.stream = FakeComponentStream(self.service.component, SERVICE)
        return dead

    def answer(self, ping, kind="result", condition=None, sender=None):
        inner = ("<error type='cancel'><%s xmlns='%s'/></error>" % (condition, NS_STANZAS)
                 if condition else "")
        return self.service.send("<iq type='%s' id='%s' from='%s' to='%s'>%s</iq>" % (
            kind, ping["id"], sender or ping["to"], ping["from"], inner))

    def assertRemoved(self, sent, realJID=BOB, nick="bob", others=(ALICE,)):
        """The occupant was removed as gone: 333 to the others, 110+333 to it."""
        byRecipient = {s["to"]: s for s in sent}
        self.assertEqual(set(others) | {realJID}, set(byRecipient), [s.toXml() for s in sent])
        for recipient, stanza in byRecipient.items():
            self.assertEqual(("unavailable", ROOM + "/" + nick),
                             (stanza.getAttribute("type"), stanza["from"]))
            self.assertEqual("none", item(stanza)["role"])
            reason = next(item(stanza).elements(NS_MUC_USER, "reason"))
            self.assertIn("connection to the room was lost", str(reason))
            self.assertEqual({110, 333} if recipient == realJID else {333}, statuses(stanza))
        self.assertEqual("none", item(byRecipient[realJID])["affiliation"])
        self.assertEqual({}, self.service.rooms.joinTracker.roomsOf(JID(realJID)))
        self.assertNotIn(JID(realJID), self.room.sessions)


class InterfaceTests(LinkTestCase):
    def test_interfaces(self):
        """The link watcher is the IPingHost; the default pinger is the xmpp one."""
        self.assertTrue(verifyObject(IPingHost, self.watcher))
        pinger = self.service.rooms.pinger
        self.assertIsInstance(pinger, XMPPPinger)
        self.assertTrue(verifyObject(IPinger, pinger))
        self.assertEqual((10, 5), (pinger.delay, pinger.timeout))


class PingTests(LinkTestCase):
    def test_bounceLeadsToPing(self):
        """An error from an occupant's full JID makes the room ping it after the delay."""
        ping = self.pingAfterBounce()
        self.assertEqual(("get", ROOM, BOB), (ping["type"], ping["from"], ping["to"]))

    def test_presenceAndIQBounces(self):
        """Error presences and error IQs from an occupant's full JID count too (one ping)."""
        self.service.send(bounce(BOB, kind="presence", condition="gone"))
        self.service.send(bounce(BOB, to=ROOM + "/alice", kind="iq"))
        self.assertEqual([BOB], [p["to"] for p in pings(self.advance(10))])

    def test_answered(self):
        """A result keeps the occupant; nobody is told anything."""
        ping = self.pingAfterBounce()
        self.assertEqual([], self.answer(ping))
        self.assertEqual([], self.advance(60))
        self.assertIn(JID(BOB), self.room.sessions)
        self.assertEqual({JID(ROOM): "bob"}, self.service.rooms.joinTracker.roomsOf(JID(BOB)))

    def test_answerFromElsewhere(self):
        """An answer from another JID than the one pinged does not count."""
        ping = self.pingAfterBounce()
        self.answer(ping, sender=BOB2)
        self.assertRemoved(self.advance(5))

    def test_timeout(self):
        """No answer within the timeout removes the occupant with 333 (110 for itself)."""
        self.pingAfterBounce()
        self.assertEqual([], self.advance(4.9))
        self.assertRemoved(self.advance(0.1))

    def test_bareJID(self):
        """A bounce from a bare JID (Prosody's groupchat bounce) schedules nothing."""
        self.service.send(bounce("bob@example.org"))
        self.assertEqual([], self.advance(100))

    def test_notOccupant(self):
        """A bounce from a full JID that is in no room schedules nothing."""
        self.service.send(bounce(CAROL))
        self.assertEqual([], self.advance(100))

    def test_harmlessCondition(self):
        """A condition that does not suggest a gone link schedules nothing."""
        self.service.send(bounce(BOB, condition="forbidden"))
        self.assertEqual([], self.advance(100))

    def test_serviceUnavailableGone(self):
        """A ping answered with service-unavailable removes the occupant (default)."""
        ping = self.pingAfterBounce()
        self.assertRemoved(self.answer(ping, "error", "service-unavailable"))

    def test_errorAnswerIsNoBounce(self):
        """The error answer to a ping is its outcome, not a new trigger."""
        ping = self.pingAfterBounce()
        self.answer(ping, "error", "feature-not-implemented")
        self.assertIn(JID(BOB), self.room.sessions)
        self.assertEqual([], self.advance(100))

    def test_rejoin(self):
        """A client that rejoins after its removal gets a clean join, and is in once."""
        self.pingAfterBounce()
        self.advance(5)
        sent = self.service.join(BOB, ROOM + "/bob")
        own = [s for s in sent if s["to"] == BOB and s.name == "presence"]
        self.assertEqual(2, len(own), [s.toXml() for s in sent])
        self.assertNotIn(110, statuses(own[0]))
        self.assertIn(110, statuses(own[1]))
        self.assertIsNone(own[1].getAttribute("type"))
        toAlice = [s for s in sent if s["to"] == ALICE]
        self.assertEqual([None], [s.getAttribute("type") for s in toAlice])
        self.assertEqual(["alice", "bob"], sorted(self.room.occupants))
        self.assertEqual((JID(BOB),), self.room.occupants["bob"].sessions)

    def test_lastOfTemporaryRoom(self):
        """A removed occupant that was the last one of a temporary room makes it vanish."""
        self.service.send("<presence type='unavailable' from='%s' to='%s/alice'/>"
                          % (ALICE, ROOM))
        self.pingAfterBounce()
        self.assertRemoved(self.advance(5), others=())
        self.assertIsNone(self.service.rooms.getRoom(JID(ROOM)))

    def test_multiSession(self):
        """Removing one of two sessions of a nick keeps the occupant with the other."""
        self.service.join(BOB2, ROOM + "/bob")
        self.pingAfterBounce()
        sent = self.advance(5)
        gone = [s for s in sent if s["to"] == BOB]
        self.assertEqual(1, len(gone))
        self.assertEqual("unavailable", gone[0]["type"])
        self.assertEqual({110, 333}, statuses(gone[0]))
        self.assertEqual("none", item(gone[0])["role"])
        others = [s for s in sent if s["to"] != BOB]
        self.assertEqual({ALICE, BOB2}, {s["to"] for s in others})
        self.assertEqual([None, None], [s.getAttribute("type") for s in others])
        self.assertEqual((JID(BOB2),), self.room.occupants["bob"].sessions)
        self.assertEqual({}, self.service.rooms.joinTracker.roomsOf(JID(BOB)))
        self.assertEqual({JID(ROOM): "bob"}, self.service.rooms.joinTracker.roomsOf(JID(BOB2)))

    def test_leaveCancels(self):
        """An occupant that leaves before the delay is not pinged."""
        self.service.send(bounce(BOB))
        self.service.send("<presence type='unavailable' from='%s' to='%s/bob'/>" % (BOB, ROOM))
        self.assertEqual([], self.advance(100))


class HiddenRoleTests(LinkTestCase):
    room_config = {"presenceBroadcast": ("moderator", "participant")}

    def test_hiddenRemovedQuietly(self):
        """A visitor whose presence the room does not broadcast leaves unseen: only it is told."""
        self.room.occupants["bob"].role = "visitor"
        self.pingAfterBounce()
        sent = self.advance(5)
        self.assertEqual([BOB], [s["to"] for s in sent])
        self.assertEqual({110, 333}, statuses(sent[0]))


class ServiceUnavailableAliveTests(LinkTestCase):
    serviceArgs = LinkTestCase.serviceArgs + ("--ping-service-unavailable", "alive")

    def test_serviceUnavailableAlive(self):
        """With --ping-service-unavailable alive, that answer keeps the occupant."""
        ping = self.pingAfterBounce()
        self.assertEqual([], self.answer(ping, "error", "service-unavailable"))
        self.assertIn(JID(BOB), self.room.sessions)


class IdleTests(LinkTestCase):
    serviceArgs = LinkTestCase.serviceArgs + ("--ping-idle", "100")

    def test_activity(self):
        """Any stanza from an occupant is activity: only the silent one is pinged."""
        self.advance(60)
        self.service.send("<message type='groupchat' from='%s' to='%s'><body>hi</body>"
                          "</message>" % (ALICE, ROOM))
        self.assertEqual([BOB], [p["to"] for p in pings(self.advance(40))])


class StreamTests(LinkTestCase):

    def test_streamRestored(self):
        """A re-initialized component link schedules a ping of every occupant."""
        self.restartStream()
        self.assertEqual([], pings(self.advance(9.9)))
        self.assertEqual({ALICE, BOB}, {p["to"] for p in pings(self.advance(0.1))})

    def test_lostLinkCancelsPings(self):
        """A ping out when the link goes tells nothing; it is sent again after the delay."""
        self.pingAfterBounce()
        self.restartStream()
        self.assertEqual([], self.advance(5))
        self.assertIn(JID(BOB), self.room.sessions)
        sent = pings(self.advance(5))
        self.assertEqual({ALICE, BOB}, {p["to"] for p in sent})
        for ping in sent:
            self.answer(ping)
        self.assertEqual([], self.advance(100))
        self.assertEqual({"alice", "bob"}, set(self.room.occupants))

    def test_dueWhileDown(self):
        """A ping due while the link is down is held, then given up for a ping after the delay."""
        self.service.send(bounce(BOB))
        dead = self.loseStream()
        self.service.reactor.advance(60)
        self.assertEqual([], dead.sent())
        self.service.stream = FakeComponentStream(self.service.component, SERVICE)
        self.assertEqual([], pings(self.advance(9.9)))
        sent = pings(self.advance(0.1))
        self.assertEqual({ALICE, BOB}, {p["to"] for p in sent})
        self.assertIn(JID(BOB), self.room.sessions)

    def test_queuedAtLoss(self):
        """Pings queued behind the cap when the link goes are not sent on the dead link."""
        pinger = self.service.rooms.pinger
        pinger.concurrency = 1
        self.service.send(bounce(ALICE))
        self.service.send(bounce(BOB))
        self.assertEqual(1, len(pings(self.advance(10))))
        dead = self.restartStream()
        self.assertEqual([], dead.sent())
        self.assertEqual([], self.advance(9))
        self.assertEqual({"alice", "bob"}, set(self.room.occupants))
        first = pings(self.advance(1))
        self.assertEqual(1, len(first))
        second = pings(self.answer(first[0]))
        self.assertEqual({ALICE, BOB}, {p["to"] for p in first + second})
        self.answer(second[0])
        self.assertEqual([], self.advance(100))
        self.assertEqual({"alice", "bob"}, set(self.room.occupants))


class IdleOutageTests(LinkTestCase):
    serviceArgs = LinkTestCase.serviceArgs + ("--ping-idle", "100")

    def test_sweepSurvivesOutage(self):
        """An idle sweep while the link is down neither fails nor stops the sweeping."""
        self.loseStream()
        self.service.reactor.advance(100)
        self.service.stream = FakeComponentStream(self.service.component, SERVICE)
        restored = pings(self.advance(10))
        self.assertEqual({ALICE, BOB}, {p["to"] for p in restored})
        for ping in restored:
            self.answer(ping)
        later = pings(self.advance(100))
        self.assertEqual({ALICE, BOB}, {p["to"] for p in later})
