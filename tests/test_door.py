"""
Refused at the door: what a client sends that would make the room send a
stanza over C{--max-stanza-size}, measured as the room renders it again
(escaping makes a C{"} six bytes), is refused before anything is kept or
sent.
"""

from twisted.words.protocols.jabber.jid import JID

from mucservice.xmpp import margins, sizes
from tests.fakeservice import NS_MUC, ServiceTestCase, errorCondition

ROOM = "room@muc.example.org"
ALICE = "alice@example.org/phone"
BOB = "bob@example.org/laptop"



def quotedElement(count):
    """
    @return: an element whose serialization the room keeps is C{count}
        quotes, escaped, plus a few bytes.
    """
    return "<c xmlns='urn:example:c' v='%s'/>" % ('"' * count,)


class DoorTestCase(ServiceTestCase):
    """
    Counts what the last line of the link dropped: a test that expects
    nothing to be dropped shows that the door kept it from coming to that.
    """

    def setUp(self):
        ServiceTestCase.setUp(self)
        self.patch(sizes.LIMIT, "dropped", 0)

    def assertNothingDropped(self):
        self.assertEqual(0, sizes.LIMIT.dropped)


class PresenceTests(DoorTestCase):
    def setUp(self):
        DoorTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org")

    def test_oversizedJoinRefused(self):
        """
        A join whose presence would be re-rendered over the limit is
        refused with policy-violation: nobody is told, nothing is kept, and
        a later joiner joins normally.
        """
        out = self.service.join(BOB, ROOM + "/bob", quotedElement(100_000))
        (error,) = out
        self.assertEqual(("error", "policy-violation"), (error["type"], errorCondition(error)))
        self.assertEqual(1, len(list(error.elements(NS_MUC, "x"))))
        self.assertNotIn(JID(BOB), self.room.sessions)
        self.assertFalse(self.service.rooms.joinTracker.roomsOf(JID(BOB)))
        out = self.service.join(ALICE, ROOM + "/alice")
        self.assertEqual(["presence", "message"], [s.name for s in out])
        self.assertNothingDropped()

    def test_oversizedCreationRefused(self):
        """A refused join to a room that does not exist does not create it."""
        self.service.join(BOB, "new@muc.example.org/bob", quotedElement(100_000))
        self.assertIsNone(self.service.rooms.getRoom(JID("new@muc.example.org")))

    def test_oversizedUpdateRefused(self):
        """
        An occupant's oversized presence update is refused; it stays in the
        room with the presence it had, and the others hear nothing.
        """
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob", "<status>here</status>")
        (error,) = self.service.send("<presence from='%s' to='%s/bob'>%s</presence>"
                                     % (BOB, ROOM, quotedElement(100_000)))
        self.assertEqual("policy-violation", errorCondition(error))
        self.assertEqual("<status>here</status>", self.room.occupants["bob"].payload)
        self.assertNothingDropped()

    def test_oversizedNickChangeRefused(self):
        """An oversized presence that changes the nick is refused: the nick stays."""
        self.service.join(BOB, ROOM + "/bob")
        (error,) = self.service.send("<presence from='%s' to='%s/robert'>%s</presence>"
                                     % (BOB, ROOM, quotedElement(100_000)))
        self.assertEqual("policy-violation", errorCondition(error))
        self.assertEqual(["bob"], list(self.room.occupants))

    def test_oversizedLeaveLeaves(self):
        """An oversized unavailable presence still leaves, without its status."""
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")
        out = self.service.send("<presence type='unavailable' from='%s' to='%s/bob'>"
                                "<status>%s</status></presence>" % (BOB, ROOM, "x" * 200_000))
        self.assertEqual({ALICE, BOB}, {s["to"] for s in out})
        self.assertEqual([None, None], [s.status for s in out])
        self.assertNotIn(JID(BOB), self.room.sessions)
        self.assertNothingDropped()

    def test_allowanceBoundary(self):
        """
        A payload of exactly the allowance is taken, one byte more is not:
        the allowance is measured on what the room keeps, escaped.
        """
        rest = margins.allowance() - len(quotedElement(0))
        quotes, padding = rest // 6, rest % 6
        fitting = "<c xmlns='urn:example:c' v='%s%s'/>" % ('"' * quotes, "x" * padding)
        self.assertEqual(margins.allowance(), len(fitting.replace('"', "&quot;")))
        out = self.service.join(BOB, ROOM + "/bob", fitting)
        self.assertNotEqual("error", out[0].getAttribute("type"))
        (error,) = self.service.join(ALICE, ROOM + "/alice", fitting.replace("x", "xx", 1))
        self.assertEqual("policy-violation", errorCondition(error))


class MarginTests(DoorTestCase):
    """
    The margin holds: with the largest payload the door lets in and the
    longest addresses RFC 7622 allows, all of quotes where they may be,
    nothing the room sends is over the limit.
    """

    def longJID(self, name):
        domain = ".".join([name[0] * 63] * 16)
        return "%s@%s/%s" % (name * (1023 // len(name)), domain, '"' * 1023)

    def test_largestPresence(self):
        """The largest presence the door takes, from the longest JIDs, is sent to all."""
        room = self.service.makeRoom(ROOM, "alice@example.org")
        room.setAffiliationEntry(JID("alice@example.org"), "admin")
        element = quotedElement(margins.allowance() // 6 - 10)
        nick = "&quot;" * 1023
        users = [self.longJID("a"), self.longJID("b")]
        for n, user in enumerate(users):
            out = self.service.send("<presence from='%s' to='%s/%s%d'><x xmlns='%s'/>%s"
                                    "</presence>" % (user.replace('"', "&quot;"), ROOM,
                                                     nick[:-6], n, NS_MUC, element))
            self.assertNotEqual("error", out[0].getAttribute("type"))
        self.assertNothingDropped()

