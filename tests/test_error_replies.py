"""
What the errors of the service say besides their condition: who generated
them (C{by}, RFC 6120 section 8.3.2), and what they echo of the request.
"""

from twisted.words.protocols.jabber.jid import JID

from mucservice.xmpp.ping import OccupantIQRouter
from tests.fakeservice import NS_MUC, PopulatedRoomTestCase, ServiceTestCase

SERVICE = "muc.example.org"
ROOM = "room@muc.example.org"
STRANGER = "stranger@example.org/x"


def by(stanza):
    """@return: the C{by} of a stanza's C{<error/>}, or L{None}."""
    return stanza.error.getAttribute("by")


class GeneratedByTests(PopulatedRoomTestCase):
    """
    Every error the room or the service generates names it in C{by}.
    """

    def test_roomError(self):
        """An error from the room's address names the room."""
        reply = self.ask("<message from='%s' to='%s' type='groupchat' id='g'><body>x</body>"
                         "</message>" % (STRANGER, self.ROOM))
        self.assertError("not-acceptable", reply, "g")
        self.assertEqual((self.ROOM, self.ROOM), (reply["from"], by(reply)))

    def test_occupantAddressError(self):
        """An error from an occupant's address names the room, the bare JID."""
        reply = self.ask("<message from='%s' to='%s/nobody' type='chat' id='p'><body>x</body>"
                         "</message>" % (self.GUS, self.ROOM))
        self.assertError("item-not-found", reply, "p")
        self.assertEqual((self.ROOM + "/nobody", self.ROOM), (reply["from"], by(reply)))

    def test_refusedJoin(self):
        """A refused join names the room."""
        self.room.setAffiliationEntry(JID("x@example.org"), "outcast")
        (reply,) = self.service.join("x@example.org/y", self.ROOM + "/x")
        self.assertError("forbidden", reply)
        self.assertEqual(self.ROOM, by(reply))

    def test_noSuchRoom(self):
        """An error about a room that does not exist names the service, which found none."""
        reply = self.ask("<iq type='get' id='d' from='%s' to='nowhere@%s'><query xmlns="
                         "'http://jabber.org/protocol/disco#info'/></iq>" % (STRANGER, SERVICE))
        self.assertError("item-not-found", reply, "d")
        self.assertEqual(("nowhere@" + SERVICE, SERVICE), (reply["from"], by(reply)))

    def test_unknownIQToService(self):
        """An IQ the service does not know is service-unavailable, naming the service."""
        reply = self.ask("<iq type='get' id='u' from='%s' to='%s'><query xmlns="
                         "'urn:example:unknown'/></iq>" % (STRANGER, SERVICE))
        self.assertError("service-unavailable", reply, "u")
        self.assertEqual(SERVICE, by(reply))

    def test_unknownIQToRoom(self):
        """An IQ a room does not know is service-unavailable, naming the room."""
        reply = self.ask("<iq type='get' id='u' from='%s' to='%s'><query xmlns="
                         "'urn:example:unknown'/></iq>" % (self.GUS, self.ROOM))
        self.assertError("service-unavailable", reply, "u")
        self.assertEqual(self.ROOM, by(reply))

    def test_malformedAddress(self):
        """An IQ to a malformed address is answered by the service, naming it."""
        reply = self.ask("<iq type='get' id='m' from='%s' to='a@@%s'><ping xmlns="
                         "'urn:xmpp:ping'/></iq>" % (STRANGER, SERVICE))
        self.assertError("jid-malformed", reply, "m")
        self.assertEqual((SERVICE, SERVICE), (reply["from"], by(reply)))


class CreationRefusedTests(ServiceTestCase):
    serviceArgs = ("--restrict-room-creation", "admins")

    def test_creationRefused(self):
        """A room the service refuses to make: the error names the service."""
        reply = self.ask("<presence from='%s' to='%s/x'><x xmlns='%s'/></presence>"
                         % (STRANGER, ROOM, NS_MUC))
        self.assertError("not-allowed", reply)
        self.assertEqual(SERVICE, by(reply))


class ChildCountTests(PopulatedRoomTestCase):
    """
    An IQ request has exactly one child (RFC 6120 section 8.2.3): one with
    none or two is bad-request, wherever it goes, and nothing of it is
    answered or passed on.
    """

    PING = "<ping xmlns='urn:xmpp:ping'/>"
    DISCO = "<query xmlns='http://jabber.org/protocol/disco#info'/>"

    def assertBadRequest(self, to, children, sender=None):
        reply = self.ask("<iq type='get' id='c' from='%s' to='%s'>%s</iq>"
                         % (sender or self.GUS, to, children))
        self.assertError("bad-request", reply, "c")
        self.assertEqual(to, reply["from"])
        self.assertIsNone(reply.query)

    def test_service(self):
        """To the service: none, or disco#info and a ping, is bad-request."""
        self.assertBadRequest(SERVICE, "")
        self.assertBadRequest(SERVICE, self.DISCO + self.PING)

    def test_room(self):
        """To a room: the same, where the first child alone would be answered."""
        self.assertBadRequest(self.ROOM, "")
        self.assertBadRequest(self.ROOM, self.DISCO + self.PING)

    def test_occupant(self):
        """To an occupant: refused by the room, not passed on to the occupant."""
        self.assertBadRequest(self.ROOM + "/mia", "")
        self.assertBadRequest(self.ROOM + "/mia", "<vCard xmlns='vcard-temp'/>" + self.PING)
        router = next(h for h in self.service.component if isinstance(h, OccupantIQRouter))
        self.assertEqual({}, router.pending)

    def test_set(self):
        """A set with two children is refused too, and changes nothing."""
        reply = self.ask("<iq type='set' id='s' from='%s' to='%s'><query xmlns="
                         "'http://jabber.org/protocol/muc#admin'><item nick='gus' role='none'/>"
                         "</query>%s</iq>" % (self.OLIVIA, self.ROOM, self.PING))
        self.assertError("bad-request", reply, "s")
        self.assertIn("gus", self.room.occupants)

    def test_oneChildWithText(self):
        """Text beside the one child is no child: the request is answered."""
        reply = self.ask("<iq type='get' id='t' from='%s' to='%s'> %s </iq>"
                         % (self.GUS, self.ROOM, self.PING))
        self.assertEqual("result", reply["type"])
