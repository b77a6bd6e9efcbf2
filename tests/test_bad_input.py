"""
Bad input: every malformed or misplaced stanza gets a clear stanza error (or
is dropped when there is nobody to answer), nothing is raised or logged as an
unhandled error, and the service and its rooms carry on unchanged.
"""

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from tests.fakeservice import ServiceTestCase, errorCondition
from tests.fakestream import parseStanzas

ROOM = "room@muc.example.org"
ALICE = "alice@example.org/a"
STRANGER = "x@example.org/x"

#: Stanzas that must be answered with an error, and the condition.
ANSWERED = [
    ("<presence from='%s' to='@@@'/>" % STRANGER, "jid-malformed"),
    ("<presence from='%s' to='muc.example.org/x'/>" % STRANGER, "jid-malformed"),
    ("<presence from='%s' to='%s/'/>" % (STRANGER, ROOM), "jid-malformed"),
    ("<message from='%s' to='%s' type='groupchat'><body>x</body></message>" % (STRANGER, ROOM),
     "not-acceptable"),
    ("<message from='%s' to='%s'><x xmlns='http://jabber.org/protocol/muc#user'><invite/></x>"
     "</message>" % (ALICE, ROOM), "jid-malformed"),
    ("<message from='%s' to='%s'><x xmlns='http://jabber.org/protocol/muc#user'><decline/></x>"
     "</message>" % (ALICE, ROOM), "jid-malformed"),
    ("<message from='%s' to='%s'><x xmlns='jabber:x:data' type='submit'/></message>"
     % (ALICE, ROOM), "bad-request"),
    ("<message from='%s' to='%s'><body>not groupchat</body></message>" % (ALICE, ROOM),
     "bad-request"),
    ("<iq type='get' id='1' from='%s' to='%s'/>" % (STRANGER, ROOM), "bad-request"),
    ("<iq type='set' id='2' from='%s' to='%s'><query xmlns='http://jabber.org/protocol/muc#admin'>"
     "<item/></query></iq>" % (ALICE, ROOM), "bad-request"),
    ("<iq type='set' id='3' from='%s' to='%s'><query xmlns='http://jabber.org/protocol/muc#admin'>"
     "<item role='none'/></query></iq>" % (ALICE, ROOM), "bad-request"),
    ("<iq type='set' id='4' from='%s' to='%s'><query xmlns='http://jabber.org/protocol/muc#owner'>"
     "<x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_maxusers'><value>abc"
     "</value></field></x></query></iq>" % (ALICE, ROOM), "bad-request"),
    ("<iq type='set' id='5' from='%s' to='%s'><query xmlns='http://jabber.org/protocol/muc#owner'/>"
     "</iq>" % (ALICE, ROOM), "bad-request"),
    ("<iq type='set' id='6' from='%s' to='%s'><query xmlns='jabber:iq:register'><x xmlns="
     "'jabber:x:data' type='submit'/></query></iq>" % (ALICE, ROOM), "not-acceptable"),
    ("<iq type='get' id='7' from='%s' to='%s/nobody'><vCard xmlns='vcard-temp'/></iq>"
     % (ALICE, ROOM), "item-not-found"),
]

#: Stanzas with nobody to answer, or that need no answer.
DROPPED = [
    "<presence to='%s/x'/>" % ROOM,
    "<message from='%s'/>" % STRANGER,
    "<message to='%s' type='groupchat'><body>x</body></message>" % ROOM,
    "<iq type='get' id='8' to='%s'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
    % ROOM,
    "<iq type='result' id='unknown' from='%s' to='%s/alice'/>" % (ALICE, ROOM),
    "<presence type='unavailable' from='%s' to='%s/x'/>" % (STRANGER, ROOM),
]


class BadInputTests(ServiceTestCase):
    def setUp(self):
        ServiceTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join(ALICE, ROOM + "/alice")

    def test_answered(self):
        """Each bad request is answered with the right condition, to its sender."""
        for stanza, condition in ANSWERED:
            out = self.service.send(stanza)
            self.assertEqual(1, len(out), stanza)
            self.assertEqual(("error", condition), (out[0]["type"], errorCondition(out[0])),
                             stanza)

    def test_dropped(self):
        """Stanzas with nobody to answer are dropped without an error being raised."""
        for stanza in DROPPED:
            self.assertEqual([], self.service.send(stanza), stanza)

    def test_serviceCarriesOn(self):
        """After all of it the room is as it was and still works."""
        for stanza, _ in ANSWERED:
            self.service.send(stanza)
        for stanza in DROPPED:
            self.service.send(stanza)
        self.assertEqual(["alice"], list(self.room.occupants))
        self.assertEqual("owner", self.room.affiliationOf(JID("alice@example.org")))
        out = self.service.join("bob@example.org/b", ROOM + "/bob")
        self.assertIn(ROOM + "/bob", [s["from"] for s in out if s["to"] == "bob@example.org/b"])


class ErrorConditionTests(SynchronousTestCase):
    def test_condition(self):
        """The condition of an error stanza is read whatever else the error holds."""
        (stanza,) = parseStanzas(
            b"<message type='error'><error type='cancel'><text xmlns='urn:ietf:params:xml:ns:"
            b"xmpp-stanzas'>why</text><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            b"<app xmlns='urn:example'/></error></message>")
        self.assertEqual("gone", errorCondition(stanza))
        (plain,) = parseStanzas(b"<message type='error'><body>x</body></message>")
        self.assertIsNone(errorCondition(plain))
