"""
Large broadcasts never hold the reactor for long: a room writes what it
says in batches of at most L{BATCH_CHARS}, one batch per turn of the
reactor, in order, while other rooms go on. Driven through the fake
component stream, one turn of the fake clock at a time.
"""

from twisted.internet.error import ConnectionDone
from twisted.python import failure
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from mucservice.room.offline import FIELD
from mucservice.xmpp import broadcast
from mucservice.xmpp.outbox import BATCH_CHARS
from tests.fakeservice import FakeService, statuses
from tests.fakestream import parseStanzas

BIG = "big@muc.example.org"
QUIET = "quiet@muc.example.org"
OWNER = "owner@example.org/desk"
OTHER = "other@example.org/r"
SIZE = 2000
#: The most one turn writes: a batch, and the stanza that goes over it.
TURN_MOST = BATCH_CHARS + 1000


def user(n):
    return "user%d@example.org/r" % (n,)


def groupchat(sender, room, messageID):
    return ("<message from='%s' to='%s' type='groupchat' id='%s'><body>Hello, all of you: "
            "a message of an ordinary length for a chat.</body></message>"
            % (sender, room, messageID))


class FanoutTestCase(SynchronousTestCase):
    """
    A room of 2,000 occupants besides its owner, entered through the room
    service (rendering nothing), and a quiet room with one occupant.
    """

    def setUp(self):
        self.service = FakeService()
        # No presence cap: every join is told to all, the largest fan-out.
        self.service.makeRoom(BIG, "owner@example.org", maxUsersPresence=None)
        self.service.join(OWNER, BIG + "/owner")
        for n in range(SIZE):
            self.service.rooms.presence(JID(user(n)), JID("%s/user%d" % (BIG, n)), "",
                                        joining=True)
        self.service.makeRoom(QUIET, "owner@example.org")
        self.service.join(OTHER, QUIET + "/other")
        self.transport = self.service.stream.transport
        self.transport.clear()

    def receive(self, xml):
        """
        Deliver a stanza; @return: the text written in that turn.
        """
        self.service.stream.receive(xml)
        return self.written()

    def written(self):
        data = self.transport.value()
        self.transport.clear()
        return data

    def runTurn(self):
        """
        Run the next delayed call that is due, as one turn of the reactor.

        @return: whether there was one.
        """
        reactor = self.service.reactor
        due = [c for c in reactor.getDelayedCalls() if c.getTime() <= reactor.seconds()]
        if not due:
            return False
        reactor.calls.remove(due[0])
        due[0].called = 1
        due[0].func(*due[0].args, **due[0].kw)
        return True

    def turns(self):
        """
        Run turns until nothing is due.

        @return: the text each wrote.
        """
        written = []
        while self.runTurn():
            written.append(self.written())
        return written


class BatchTests(FanoutTestCase):
    def test_groupchat(self):
        """
        A message to 2,001 sessions is written a batch per turn, the first in
        the turn it arrives; every session gets it once.
        """
        first = self.receive(groupchat(OWNER, BIG, "m1"))
        rest = self.turns()
        self.assertLessEqual(len(first), TURN_MOST)
        self.assertGreater(len(rest), 2)
        self.assertLessEqual(max(len(data) for data in rest), TURN_MOST)
        recipients = [s["to"] for data in [first] + rest for s in parseStanzas(data)]
        self.assertEqual(SIZE + 1, len(recipients))
        self.assertEqual(SIZE + 1, len(set(recipients)))

    def test_renderedOnce(self):
        """A message to 2,001 sessions is rendered once: only its address differs."""
        made = []
        template = broadcast.Template
        self.patch(broadcast, "Template", lambda *a, **kw: made.append(a) or template(*a, **kw))
        self.receive(groupchat(OWNER, BIG, "m1"))
        self.turns()
        self.assertEqual(1, len(made))

    def test_otherRoom(self):
        """
        A message to another room, arriving while the big room's message is
        being written, is written at once, in the turn it arrives.
        """
        self.receive(groupchat(OWNER, BIG, "m1"))
        quiet = parseStanzas(self.receive(groupchat(OTHER, QUIET, "q1")))
        self.assertEqual([(OTHER, "q1")], [(s["to"], s["id"]) for s in quiet])
        self.assertGreater(len(self.turns()), 2)

    def test_order(self):
        """Two messages to the big room reach every session in the order they were sent."""
        data = self.receive(groupchat(OWNER, BIG, "m1"))
        data += self.receive(groupchat(user(7), BIG, "m2"))
        data += b"".join(self.turns())
        seen = {}
        for stanza in parseStanzas(data):
            seen.setdefault(stanza["to"], []).append(stanza["id"])
        self.assertEqual({OWNER: ["m1", "m2"], user(0): ["m1", "m2"]},
                         {k: seen[k] for k in (OWNER, user(0))})
        self.assertEqual({("m1", "m2")}, {tuple(ids) for ids in seen.values()})

    def test_joinSequence(self):
        """
        A newcomer of the big room gets, across turns, the others' presence,
        then its own, the history and the subject; the others its presence.
        """
        self.receive(groupchat(OWNER, BIG, "m1"))
        self.turns()
        data = self.receive("<presence from='new@example.org/r' to='%s/new'>"
                            "<x xmlns='http://jabber.org/protocol/muc'/></presence>" % (BIG,))
        data += b"".join(self.turns())
        stanzas = parseStanzas(data)
        own = [s for s in stanzas if s["to"] == "new@example.org/r"]
        self.assertEqual(["presence"] * (SIZE + 2) + ["message", "message"],
                         [s.name for s in own])
        self.assertEqual({110}, statuses(own[SIZE + 1]) & {110})
        self.assertEqual(("m1", None), (own[-2].getAttribute("id"), own[-1].body))
        self.assertEqual(SIZE + 1, len([s for s in stanzas if s["from"] == BIG + "/new"
                                        and s["to"] != "new@example.org/r"]))

    def test_adminChange(self):
        """
        A muc#admin change of 10 roles is told to 2,001 sessions in bounded
        turns, and its result follows all of it.
        """
        items = "".join("<item nick='user%d' role='visitor'/>" % n for n in range(10))
        first = self.receive("<iq from='%s' to='%s' type='set' id='a1'><query xmlns="
                             "'http://jabber.org/protocol/muc#admin'>%s</query></iq>"
                             % (OWNER, BIG, items))
        rest = self.turns()
        self.assertLessEqual(max(len(data) for data in [first] + rest), TURN_MOST)
        self.assertNotIn(b"<iq", first + b"".join(rest[:-1]))
        self.assertTrue(rest[-1].endswith(b"type='result' id='a1'></iq>"), rest[-1][-100:])

    def test_offlineCopiesLast(self):
        """Offline copies of a message leave after its last copy to the room."""
        room = self.service.rooms.getRoom(JID(BIG))
        room.setAffiliationEntry(JID("mia@example.org"), "member", {"nick": "mia", FIELD: "1"})
        self.receive(groupchat(OWNER, BIG, "m1"))
        rest = self.turns()
        copies = [s["to"] for s in parseStanzas(rest[-1])]
        self.assertEqual("mia@example.org", copies[-1])
        self.assertNotIn(b"mia@example.org", b"".join(rest[:-1]))


class LinkTests(FanoutTestCase):
    def test_paused(self):
        """While the link's transport asks to pause, no turn writes; then writing goes on."""
        self.receive(groupchat(OWNER, BIG, "m1"))
        self.transport.producer.pauseProducing()
        self.assertEqual([], [data for data in self.turns() if data])
        self.transport.producer.resumeProducing()
        self.assertGreater(len(self.turns()), 2)

    def test_lost(self):
        """What is left to write when the link is lost is dropped."""
        self.receive(groupchat(OWNER, BIG, "m1"))
        self.service.stream.xmlstream.connectionLost(failure.Failure(ConnectionDone()))
        self.assertEqual([], [data for data in self.turns() if data])
