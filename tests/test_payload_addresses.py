"""
Addresses read from payloads (issue 10): every one goes through the RFC
7622 parser at the door, so that a malformed or over-long address is
refused with a stanza error (never a traceback, never an unanswered
request) and nothing the service sends carries an address the server
would refuse.
"""

from mucservice.address import parseJID
from tests.fakeservice import NS_MUC, NS_MUC_USER, PopulatedRoomTestCase
from tests.test_hat_commands import DON, NS_COMMANDS, submitted

NS_MUC_ADMIN = NS_MUC + "#admin"
NS_MUC_OWNER = NS_MUC + "#owner"
NS_DATA = "jabber:x:data"
NS_PING = "urn:xmpp:ping"

#: Addresses Twisted's parser raised IndexError on, or let through too long.
MALFORMED = ["user@a..b", "user@.b", "user@\u3002", "%s@example.org" % ("u" * 1100,)]


class PayloadAddressTests(PopulatedRoomTestCase):
    """
    Each payload that carries an address, given a malformed one, in the
    populated room.
    """

    def tearDown(self):
        self.assertEqual([], self.flushLoggedErrors())

    def refused(self, stanza, condition="jid-malformed"):
        for bad in MALFORMED:
            reply = self.ask(stanza % {"jid": bad})
            self.assertError(condition, reply)
            self.assertNotEqual(bad, reply["to"])

    def test_adminItem(self):
        """An affiliation or role item with a malformed jid is jid-malformed."""
        self.refused("<iq type='set' id='a' from='%s' to='%s'><query xmlns='%s'><item "
                     "affiliation='member' jid='%%(jid)s'/></query></iq>"
                     % (self.OLIVIA, self.ROOM, NS_MUC_ADMIN))
        self.refused("<iq type='set' id='a' from='%s' to='%s'><query xmlns='%s'><item "
                     "role='participant' jid='%%(jid)s'/></query></iq>"
                     % (self.OLIVIA, self.ROOM, NS_MUC_ADMIN))

    def test_destroyAlternate(self):
        """A destroy whose alternate venue is malformed is refused, and the room stays."""
        self.refused("<iq type='set' id='d' from='%s' to='%s'><query xmlns='%s'>"
                     "<destroy jid='%%(jid)s'/></query></iq>"
                     % (self.OLIVIA, self.ROOM, NS_MUC_OWNER))
        self.assertIsNotNone(self.service.rooms.getRoom(parseJID(self.ROOM)))

    def test_roomOwnersField(self):
        """A configuration form with a malformed owner is a bad request, and changes nothing."""
        self.refused("<iq type='set' id='o' from='%s' to='%s'><query xmlns='%s'><x xmlns='%s' "
                     "type='submit'><field var='muc#roomconfig_roomowners'><value>%%(jid)s"
                     "</value></field></x></query></iq>"
                     % (self.OLIVIA, self.ROOM, NS_MUC_OWNER, NS_DATA), "bad-request")
        self.assertEqual([parseJID("olivia@example.org")], self.room.owners())

    def test_hatsAccountJID(self):
        """The hat command's accountjid, malformed, is jid-malformed."""
        self.refused("<iq type='set' id='h' from='%s' to='%s'><command xmlns='%s' node='%s' "
                     "action='complete'>%s</command></iq>"
                     % (self.OLIVIA, self.ROOM, NS_COMMANDS, DON,
                        submitted(accountjid="%(jid)s", hat="urn:example:hat", title="T")))

    def test_invite(self):
        """An invitation to a malformed or over-long address is refused and not sent."""
        self.refused("<message from='%s' to='%s'><x xmlns='%s'><invite to='%%(jid)s'/></x>"
                     "</message>" % (self.GUS, self.ROOM, NS_MUC_USER))

    def test_decline(self):
        """A decline to a malformed inviter is refused and not sent."""
        self.refused("<message from='%s' to='%s'><x xmlns='%s'><decline to='%%(jid)s'/></x>"
                     "</message>" % (self.GUS, self.ROOM, NS_MUC_USER))

    def test_malformedSender(self):
        """A stanza from a malformed address is dropped: there is nobody to answer."""
        for bad in MALFORMED:
            self.assertEqual([], self.service.send(
                "<iq type='get' id='p' from='%s' to='%s'><ping xmlns='%s'/></iq>"
                % (bad, self.ROOM, NS_PING)))

    def test_malformedRecipient(self):
        """An error to a stanza for a malformed address comes from the service itself."""
        reply = self.ask("<iq type='get' id='p' from='%s' to='user@a..b'><ping xmlns='%s'/></iq>"
                         % (self.GUS, NS_PING))
        self.assertError("jid-malformed", reply)
        self.assertEqual("muc.example.org", reply["from"])


class EmittedAddressTests(PopulatedRoomTestCase):
    """
    What the service sends on each path carries addresses that parse.
    """

    def assertAddresses(self, stanzas):
        for stanza in stanzas:
            for name in ("from", "to"):
                self.assertEqual(parseJID(stanza[name]).full(), stanza[name])

    def test_invitationTarget(self):
        """An invitation goes to the invitee as the parser prepared its address."""
        out = self.service.send("<message from='%s' to='%s'><x xmlns='%s'><invite "
                                "to='Eve@EXAMPLE.org/\U0001f4f1'/></x></message>"
                                % (self.OLIVIA, self.ROOM, NS_MUC_USER))
        self.assertEqual(["eve@example.org/\U0001f4f1"], [s["to"] for s in out])
        self.assertAddresses(out)

    def test_destroyAlternate(self):
        """The alternate venue of a destroyed room is sent as the parser prepared it."""
        out = self.service.send("<iq type='set' id='d' from='%s' to='%s'><query xmlns='%s'>"
                                "<destroy jid='Other@MUC.example.org'/></query></iq>"
                                % (self.OLIVIA, self.ROOM, NS_MUC_OWNER))
        venues = [d["jid"] for s in out for x in s.elements(NS_MUC_USER, "x")
                  for d in x.elements(NS_MUC_USER, "destroy")]
        self.assertEqual(["other@muc.example.org"] * 4, venues)
        self.assertAddresses(out)

    def test_forwardedIQ(self):
        """An IQ from a session with an emoji resource reaches the occupant, and its answer it."""
        sender = "eve@example.org/\U0001f916 bot"
        self.service.join(sender, self.ROOM + "/eve \U0001f916")
        (forwarded,) = self.service.send(
            "<iq type='get' id='v1' from='%s' to='%s/mia'><query xmlns='jabber:iq:version'/>"
            "</iq>" % (sender, self.ROOM))
        self.assertEqual((self.MIA, self.ROOM + "/eve \U0001f916"),
                         (forwarded["to"], forwarded["from"]))
        (answer,) = self.service.send("<iq type='result' id='%s' from='%s' to='%s'/>"
                                      % (forwarded["id"], self.MIA, forwarded["from"]))
        self.assertEqual((sender, self.ROOM + "/mia", "v1"),
                         (answer["to"], answer["from"], answer["id"]))
        self.assertAddresses([forwarded, answer])

    def test_affiliationNick(self):
        """A nick given with an affiliation is kept as the Nickname profile enforces it."""
        reply = self.answer("<iq type='set' id='a' from='%s' to='%s'><query xmlns='%s'><item "
                            "affiliation='member' jid='eve@example.org' nick=' Eve  Smith '/>"
                            "</query></iq>" % (self.OLIVIA, self.ROOM, NS_MUC_ADMIN))
        self.assertEqual("result", reply["type"])
        self.assertEqual("Eve Smith", self.room.reservedNick(parseJID("eve@example.org")))
