"""
Pings (XEP-0199), self-pings (XEP-0410) and IQs passed on to occupants
(XEP-0045 sections 6.6 and 7.5), through the fake component stream.
"""

from twisted.words.protocols.jabber.jid import JID

from mucservice.xmpp.link import STREAM_LANG
from mucservice.xmpp.ping import FORWARD_TIMEOUT, OccupantIQRouter
from tests.fakeservice import SERVICE, ServiceTestCase, errorCondition

NS_PING = "urn:xmpp:ping"
NS_VCARD = "vcard-temp"
NS_XML = "http://www.w3.org/XML/1998/namespace"

ROOM = "room@muc.example.org"
ALICE = "alice@example.org/phone"
BOB = "bob@example.org/laptop"
BOB2 = "bob@example.org/phone"
CAROL = "carol@remote.test/x"


def ping(sender, to, id="p1"):
    return ("<iq type='get' id='%s' from='%s' to='%s'><ping xmlns='%s'/></iq>"
            % (id, sender, to, NS_PING))


def vcard(sender, to, id="v1"):
    return ("<iq type='get' id='%s' from='%s' to='%s'><vCard xmlns='%s'/></iq>"
            % (id, sender, to, NS_VCARD))


def answer(sender, to, id, kind="result", inner=""):
    return "<iq type='%s' id='%s' from='%s' to='%s'>%s</iq>" % (kind, id, sender, to, inner)


class PingTestCase(ServiceTestCase):
    def setUp(self):
        ServiceTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org")


class PingTests(PingTestCase):
    def test_service(self):
        """A ping to the service is answered by the service."""
        reply = self.ask(ping(BOB, SERVICE))
        self.assertEqual(("result", "p1", SERVICE, BOB),
                         (reply["type"], reply["id"], reply["from"], reply["to"]))

    def test_room(self):
        """A ping to a room is answered by the room, occupant or not."""
        reply = self.ask(ping(CAROL, ROOM))
        self.assertEqual(("result", ROOM), (reply["type"], reply["from"]))

    def test_unknownRoom(self):
        """A ping to a room that does not exist is item-not-found."""
        self.assertError("item-not-found", self.ask(ping(BOB, "nowhere@muc.example.org")))

    def test_lockedRoom(self):
        """A room locked for its creation answers its owner only."""
        self.service.rooms.createRoom(JID("new@muc.example.org"), JID(ALICE))
        self.assertError("item-not-found", self.ask(ping(BOB, "new@muc.example.org")))
        self.assertEqual("result", self.ask(ping(ALICE, "new@muc.example.org"))["type"])


class SelfPingTests(PingTestCase):
    def setUp(self):
        PingTestCase.setUp(self)
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")

    def test_selfPing(self):
        """A session that pings its own occupant JID is answered by the room itself."""
        reply = self.ask(ping(BOB, ROOM + "/bob"))
        self.assertEqual(("result", "p1", ROOM + "/bob", BOB),
                         (reply["type"], reply["id"], reply["from"], reply["to"]))

    def test_otherSessionNotJoined(self):
        """Another session of the same user, not in the room, is told not-acceptable."""
        self.assertError("not-acceptable", self.ask(ping(BOB2, ROOM + "/bob")))

    def test_nonOccupant(self):
        """Who is not in the room gets not-acceptable, whether the nick exists or not."""
        self.assertError("not-acceptable", self.ask(ping(CAROL, ROOM + "/bob")))
        self.assertError("not-acceptable", self.ask(ping(CAROL, ROOM + "/nobody")))

    def test_roomGone(self):
        """A self-ping to a room that no longer exists is not-acceptable (not joined)."""
        self.assertError("not-acceptable",
                         self.ask(ping(BOB, "nowhere@muc.example.org/bob")))

    def test_nickChanged(self):
        """An occupant that pings a nick nobody has gets item-not-found."""
        self.assertError("item-not-found", self.ask(ping(BOB, ROOM + "/bobby")))

    def test_otherNickForwarded(self):
        """An occupant's ping to another occupant is passed on, not answered by the room."""
        forwarded = self.ask(ping(ALICE, ROOM + "/bob"))
        self.assertEqual((BOB, ROOM + "/alice", "get"),
                         (forwarded["to"], forwarded["from"], forwarded["type"]))
        self.assertEqual(NS_PING, forwarded.firstChildElement().uri)


class ForwardTests(PingTestCase):
    def setUp(self):
        PingTestCase.setUp(self)
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")
        self.router = next(h for h in self.service.component
                           if isinstance(h, OccupantIQRouter))

    def forward(self, xml=None):
        forwarded = self.ask(xml or vcard(ALICE, ROOM + "/bob"))
        self.assertEqual((BOB, ROOM + "/alice"), (forwarded["to"], forwarded["from"]))
        return forwarded

    def test_forwarded(self):
        """An IQ to an occupant goes to its session from the sender's occupant JID."""
        forwarded = self.forward()
        self.assertEqual("get", forwarded["type"])
        self.assertEqual((NS_VCARD, "vCard"), (forwarded.firstChildElement().uri,
                                               forwarded.firstChildElement().name))

    def test_newIDWithoutRealJID(self):
        """
        The forwarded IQ has a new id, and carries the sender's real JID
        nowhere, not even when the sender's own id holds it.
        """
        forwarded = self.forward(vcard(ALICE, ROOM + "/bob", id=ALICE + "-1"))
        self.assertNotEqual(ALICE + "-1", forwarded["id"])
        for text in (forwarded.toXml(), forwarded["id"]):
            self.assertNotIn("alice@example.org", text)
            self.assertNotIn("phone", text)
        reply = self.ask(answer(BOB, ROOM + "/alice", forwarded["id"]))
        self.assertEqual(ALICE + "-1", reply["id"])

    def test_idsDiffer(self):
        """Two requests with the same id are forwarded with different ids."""
        first = self.forward()
        second = self.forward()
        self.assertNotEqual(first["id"], second["id"])

    def test_resultRoutedBack(self):
        """The answer goes to the sender from the target's occupant JID, with the first id."""
        forwarded = self.forward()
        reply = self.ask(answer(BOB, ROOM + "/alice", forwarded["id"],
                                inner="<vCard xmlns='%s'><FN>Bob</FN></vCard>" % NS_VCARD))
        self.assertEqual(("result", "v1", ROOM + "/bob", ALICE),
                         (reply["type"], reply["id"], reply["from"], reply["to"]))
        self.assertEqual("Bob", str(reply.firstChildElement().FN))
        self.assertEqual({}, self.router.pending)

    def test_errorRoutedBack(self):
        """An error answer is routed back as an error, its condition kept."""
        forwarded = self.forward()
        reply = self.ask(answer(
            BOB, ROOM + "/alice", forwarded["id"], "error",
            "<error type='cancel'><service-unavailable "
            "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"))
        self.assertEqual(("error", "v1", ROOM + "/bob", ALICE),
                         (reply["type"], reply["id"], reply["from"], reply["to"]))
        self.assertEqual("service-unavailable", errorCondition(reply))

    def test_answeredOnce(self):
        """A second answer with the same id is dropped."""
        forwarded = self.forward()
        self.service.send(answer(BOB, ROOM + "/alice", forwarded["id"]))
        self.assertEqual([], self.service.send(answer(BOB, ROOM + "/alice", forwarded["id"])))

    def test_answerFromElsewhere(self):
        """An answer from another JID than the one asked, or to another nick, is ignored."""
        forwarded = self.forward()
        self.assertEqual([], self.service.send(answer(CAROL, ROOM + "/alice", forwarded["id"])))
        self.assertEqual([], self.service.send(answer(BOB, ROOM + "/bob", forwarded["id"])))
        self.assertEqual(1, len(self.router.pending))
        self.assertEqual("v1", self.ask(answer(BOB, ROOM + "/alice", forwarded["id"]))["id"])

    def test_unknownAnswer(self):
        """An answer to no forwarded request is dropped without an error."""
        self.assertEqual([], self.service.send(answer(BOB, ROOM + "/alice", "nope")))

    def test_timerCancelledWhenAnswered(self):
        """Answering cancels the forward's timeout."""
        forwarded = self.forward()
        (pending,) = self.router.pending.values()
        self.service.send(answer(BOB, ROOM + "/alice", forwarded["id"]))
        self.assertFalse(pending.timeout.active())

    def test_timeout(self):
        """Unanswered, a forward is forgotten after FORWARD_TIMEOUT; a late answer is dropped."""
        forwarded = self.forward()
        self.service.reactor.advance(FORWARD_TIMEOUT - 1)
        self.assertEqual(1, len(self.router.pending))
        self.service.reactor.advance(1)
        self.assertEqual({}, self.router.pending)
        self.assertEqual([], self.service.send(answer(BOB, ROOM + "/alice", forwarded["id"])))

    def test_connectionLost(self):
        """Losing the server forgets every forward and cancels their timeouts."""
        self.forward()
        (pending,) = self.router.pending.values()
        self.router.connectionLost(None)
        self.assertEqual({}, self.router.pending)
        self.assertFalse(pending.timeout.active())

    def test_latestSession(self):
        """An occupant with several sessions is asked through its latest one."""
        self.service.join(BOB2, ROOM + "/bob")
        forwarded = self.ask(vcard(ALICE, ROOM + "/bob"))
        self.assertEqual(BOB2, forwarded["to"])
        reply = self.ask(answer(BOB2, ROOM + "/alice", forwarded["id"]))
        self.assertEqual(("v1", ALICE), (reply["id"], reply["to"]))

    def test_language(self):
        """The language of the request and of the answer is passed on with them."""
        forwarded = self.forward("<iq type='get' id='l1' from='%s' to='%s/bob' xml:lang='fr'>"
                                 "<query xmlns='jabber:iq:version'/></iq>" % (ALICE, ROOM))
        self.assertEqual("fr", forwarded.getAttribute((NS_XML, "lang")))
        reply = self.ask("<iq type='result' id='%s' from='%s' to='%s/alice' xml:lang='de'/>"
                         % (forwarded["id"], BOB, ROOM))
        self.assertEqual(("l1", "de"), (reply["id"], reply.getAttribute((NS_XML, "lang"))))

    def test_streamLanguageLeftOut(self):
        """
        A request or answer in the component stream's language
        (STREAM_LANG) is passed on without an xml:lang, which it inherits
        from the stream.
        """
        forwarded = self.forward("<iq type='get' id='l1' from='%s' to='%s/bob' xml:lang='%s'>"
                                 "<query xmlns='jabber:iq:version'/></iq>"
                                 % (ALICE, ROOM, STREAM_LANG))
        self.assertFalse(forwarded.hasAttribute((NS_XML, "lang")), forwarded.toXml())
        reply = self.ask("<iq type='result' id='%s' from='%s' to='%s/alice' xml:lang='%s'/>"
                         % (forwarded["id"], BOB, ROOM, STREAM_LANG))
        self.assertEqual("l1", reply["id"])
        self.assertFalse(reply.hasAttribute((NS_XML, "lang")), reply.toXml())

    def test_set(self):
        """IQs of type set are forwarded as sets."""
        forwarded = self.forward("<iq type='set' id='s1' from='%s' to='%s/bob'>"
                                 "<query xmlns='urn:example:x'/></iq>" % (ALICE, ROOM))
        self.assertEqual("set", forwarded["type"])

    def test_roomQueriesToOccupantForwarded(self):
        """Disco, register, admin and owner queries to an occupant go to the occupant only."""
        for namespace in ("http://jabber.org/protocol/disco#info",
                          "http://jabber.org/protocol/disco#items", "jabber:iq:register",
                          "http://jabber.org/protocol/muc#admin",
                          "http://jabber.org/protocol/muc#owner", "jabber:iq:version"):
            forwarded = self.forward("<iq type='get' id='q1' from='%s' to='%s/bob'>"
                                     "<query xmlns='%s'/></iq>" % (ALICE, ROOM, namespace))
            self.assertEqual(namespace, forwarded.query.uri)

    def test_unknownNick(self):
        """An occupant's IQ to a nick nobody has is item-not-found."""
        self.assertError("item-not-found", self.ask(vcard(ALICE, ROOM + "/nobody")), "v1")

    def test_nonOccupant(self):
        """A non-occupant's IQ to an occupant is not-acceptable."""
        self.assertError("not-acceptable", self.ask(vcard(CAROL, ROOM + "/bob")), "v1")

    def test_nonOccupantDisco(self):
        """A non-occupant's disco request to an occupant is bad-request (section 6.6)."""
        for namespace in ("http://jabber.org/protocol/disco#info",
                          "http://jabber.org/protocol/disco#items"):
            reply = self.ask("<iq type='get' id='q1' from='%s' to='%s/bob'><query xmlns='%s'/>"
                             "</iq>" % (CAROL, ROOM, namespace))
            self.assertError("bad-request", reply, "q1")
