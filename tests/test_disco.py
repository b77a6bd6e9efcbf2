"""
Service Discovery of the service and its rooms (XEP-0030, XEP-0045 sections
6 and 7.12), through the fake component stream.
"""

from twisted.words.protocols.jabber.jid import JID

from mucservice.records import Affiliation
from tests.fakeservice import SERVICE, ServiceTestCase

NS_INFO = "http://jabber.org/protocol/disco#info"
NS_ITEMS = "http://jabber.org/protocol/disco#items"
NS_X_DATA = "jabber:x:data"

ROOM = "room@muc.example.org"
ALICE = "alice@example.org/phone"
BOB = "bob@example.org/laptop"
CAROL = "carol@remote.test/x"


def disco(sender, to, namespace=NS_INFO, node=None, id="d1"):
    node = " node='%s'" % (node,) if node else ""
    return ("<iq type='get' id='%s' from='%s' to='%s'><query xmlns='%s'%s/></iq>"
            % (id, sender, to, namespace, node))


def identities(reply):
    return [(i["category"], i["type"], i.getAttribute("name"))
            for i in reply.query.elements(NS_INFO, "identity")]


def features(reply):
    return {f["var"] for f in reply.query.elements(NS_INFO, "feature")}


def formFields(reply):
    form = next(reply.query.elements(NS_X_DATA, "x"))
    return {f["var"]: [str(v) for v in f.elements(NS_X_DATA, "value")]
            for f in form.elements(NS_X_DATA, "field")}


class DiscoTestCase(ServiceTestCase):
    serviceArgs = ("--name", "Test Rooms")


class ServiceDiscoTests(DiscoTestCase):
    def test_info(self):
        """
        The service is a conference/text named by --name, with MUC, disco,
        ping, hats, vCards, and occupant ids, which every room gives
        (XEP-0421 section 5).
        """
        reply = self.ask(disco(ALICE, SERVICE))
        self.assertEqual(("result", "d1", SERVICE, ALICE),
                         (reply["type"], reply["id"], reply["from"], reply["to"]))
        self.assertEqual([("conference", "text", "Test Rooms")], identities(reply))
        self.assertEqual({"http://jabber.org/protocol/muc", NS_INFO, NS_ITEMS, "urn:xmpp:ping",
                          "urn:xmpp:hats:0", "vcard-temp", "urn:xmpp:occupant-id:0"},
                         features(reply))

    def test_infoUnknownNode(self):
        """disco#info of a node of the service is item-not-found."""
        self.assertError("item-not-found", self.ask(disco(ALICE, SERVICE, node="x")))

    def test_itemsPublicRooms(self):
        """The service lists its public, unlocked rooms by name, or by node if unnamed."""
        self.service.makeRoom("b@muc.example.org", "alice@example.org", name="Bee room")
        self.service.makeRoom("a@muc.example.org", "alice@example.org")
        self.service.makeRoom("hidden@muc.example.org", "alice@example.org", public=False)
        self.service.rooms.createRoom(JID("locked@muc.example.org"), JID(ALICE))
        reply = self.ask(disco(BOB, SERVICE, NS_ITEMS))
        self.assertEqual("result", reply["type"])
        self.assertEqual([("a@muc.example.org", "a"), ("b@muc.example.org", "Bee room")],
                         [(i["jid"], i["name"]) for i in reply.query.elements(NS_ITEMS, "item")])

    def test_itemsUnknownNode(self):
        """disco#items of a node is item-not-found."""
        self.assertError("item-not-found", self.ask(disco(ALICE, SERVICE, NS_ITEMS, "x")))


class RoomInfoTests(DiscoTestCase):
    def setUp(self):
        DiscoTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org", name="The Room",
                                          description="About things")

    def test_identity(self):
        """A room is a conference/text named by its configuration."""
        reply = self.ask(disco(BOB, ROOM))
        self.assertEqual(("result", ROOM, BOB), (reply["type"], reply["from"], reply["to"]))
        self.assertEqual([("conference", "text", "The Room")], identities(reply))

    def test_identityUnnamed(self):
        """An unnamed room is named by its node."""
        self.service.makeRoom("plain@muc.example.org", "alice@example.org")
        reply = self.ask(disco(BOB, "plain@muc.example.org"))
        self.assertEqual([("conference", "text", "plain")], identities(reply))

    def test_featuresDefault(self):
        """
        A room with the default configuration shows it, with what every room
        supports: among it, that it keeps the ids of the messages it
        reflects (muc#stable_id) and takes voice requests (muc#request).
        """
        expected = {
            "http://jabber.org/protocol/muc", "urn:xmpp:occupant-id:0", "urn:xmpp:sid:0",
            "jabber:iq:register", "urn:xmpp:ping", NS_INFO, NS_ITEMS,
            "http://jabber.org/protocol/muc#self-ping-optimization",
            "http://jabber.org/protocol/muc#stable_id", "http://jabber.org/protocol/muc#request",
            "muc_public", "muc_temporary", "muc_open", "muc_unmoderated", "muc_semianonymous",
            "muc_unsecured", "http://tigase.org/protocol/muc#offline", "urn:xmpp:hats:0",
            "http://jabber.org/protocol/commands", "vcard-temp", "urn:xmpp:mam:2",
            "urn:xmpp:mam:2#extended", "urn:xmpp:message-moderate:1",
            "urn:xmpp:message-moderate:0", "urn:xmpp:message-retract:1",
            "urn:xmpp:message-retract:0", "urn:xmpp:message-retract:1#tombstone",
            "urn:xmpp:message-retract:0#tombstone"}
        self.assertEqual(expected, features(self.ask(disco(BOB, ROOM))))

    def test_featuresConfigured(self):
        """Each configuration flag turns its feature into the opposite one."""
        self.room.config = self.room.config.replace(
            public=False, persistent=True, membersOnly=True, moderated=True, whois="anyone",
            passwordProtected=True, password="pw")
        found = features(self.ask(disco(BOB, ROOM)))
        for name in ("muc_hidden", "muc_persistent", "muc_membersonly", "muc_moderated",
                     "muc_nonanonymous", "muc_passwordprotected"):
            self.assertIn(name, found)
        for name in ("muc_public", "muc_temporary", "muc_open", "muc_unmoderated",
                     "muc_semianonymous", "muc_unsecured"):
            self.assertNotIn(name, found)

    def test_roomInfoForm(self):
        """
        The muc#roominfo form gives description, occupant count, subject and
        owners (to anyone, as the room is public, open and non-anonymous).
        """
        self.room.config = self.room.config.replace(whois="anyone")
        self.room.subject = "Today"
        self.service.join(BOB, ROOM + "/bob")
        fields = formFields(self.ask(disco(CAROL, ROOM)))
        self.assertEqual(["http://jabber.org/protocol/muc#roominfo"], fields["FORM_TYPE"])
        self.assertEqual(["About things"], fields["muc#roominfo_description"])
        self.assertEqual(["1"], fields["muc#roominfo_occupants"])
        self.assertEqual(["Today"], fields["muc#roominfo_subject"])
        self.assertEqual(["alice@example.org"], fields["muc#roominfo_contactjid"])

    def test_unknownRoom(self):
        """disco#info of a room that does not exist is item-not-found."""
        self.assertError("item-not-found", self.ask(disco(BOB, "nowhere@muc.example.org")))

    def test_lockedRoom(self):
        """A room locked for its creation exists for its owner only."""
        self.service.rooms.createRoom(JID("new@muc.example.org"), JID(ALICE))
        self.assertError("item-not-found", self.ask(disco(BOB, "new@muc.example.org")))
        self.assertEqual("result", self.ask(disco(ALICE, "new@muc.example.org"))["type"])

    def test_unknownNode(self):
        """disco#info of an unknown node of a room is item-not-found."""
        self.assertError("item-not-found", self.ask(disco(BOB, ROOM, node="nope")))


class ReservedNickTests(DiscoTestCase):
    def setUp(self):
        DiscoTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org")

    def test_registered(self):
        """The x-roomuser-item node names the requester's reserved nick (section 7.12)."""
        self.room.affiliations[JID("bob@example.org")] = Affiliation("member", {"nick": "Bobby"})
        reply = self.ask(disco(BOB, ROOM, node="x-roomuser-item"))
        self.assertEqual("result", reply["type"])
        self.assertEqual("x-roomuser-item", reply.query["node"])
        self.assertEqual([("conference", "text", "Bobby")], identities(reply))
        self.assertEqual(set(), features(reply))

    def test_notRegistered(self):
        """Without a reserved nick, the x-roomuser-item node is empty."""
        reply = self.ask(disco(CAROL, ROOM, node="x-roomuser-item"))
        self.assertEqual("result", reply["type"])
        self.assertEqual([], list(reply.query.elements()))


class RoomItemsTests(DiscoTestCase):
    def setUp(self):
        DiscoTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org", whois="anyone")
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")

    def items(self, sender):
        reply = self.ask(disco(sender, ROOM, NS_ITEMS))
        self.assertEqual("result", reply["type"])
        return sorted(i["jid"] for i in reply.query.elements(NS_ITEMS, "item"))

    def test_occupantsOfNonAnonymousRoom(self):
        """Occupants of a non-anonymous room get its occupants' JIDs, and no real JID."""
        self.assertEqual([ROOM + "/alice", ROOM + "/bob"], self.items(BOB))

    def test_strangers(self):
        """Who is not in the room gets no items."""
        self.assertEqual([], self.items(CAROL))

    def test_semiAnonymous(self):
        """Nobody gets the occupants of a semi-anonymous room, not even its occupants."""
        self.room.config = self.room.config.replace(whois="moderators")
        self.assertEqual([], self.items(ALICE))

    def test_unbroadcastRolesHidden(self):
        """Occupants whose presence the room does not broadcast are not listed either."""
        self.room.config = self.room.config.replace(presenceBroadcast=("moderator",))
        self.assertEqual([ROOM + "/alice"], self.items(BOB))

    def test_unknownRoom(self):
        """disco#items of a room that does not exist is item-not-found."""
        self.assertError("item-not-found",
                         self.ask(disco(BOB, "nowhere@muc.example.org", NS_ITEMS)))

    def test_node(self):
        """disco#items of a node of a room is item-not-found."""
        self.assertError("item-not-found", self.ask(disco(BOB, ROOM, NS_ITEMS, "x")))

    def test_occupantDiscoForwarded(self):
        """disco#info to an occupant JID is not answered by the room but passed on."""
        out = self.service.send(disco(BOB, ROOM + "/alice"))
        self.assertEqual([(ALICE, ROOM + "/bob", "get")],
                         [(s["to"], s["from"], s["type"]) for s in out])
