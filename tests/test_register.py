"""
Registering with a room (XEP-0045 section 7.10), through the fake component
stream.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.words.protocols.jabber.jid import JID
from wokkel import data_form

from mucservice.records import Affiliation
from mucservice.testing import storedRoom
from mucservice.xmpp.register import RegisterHandler
from tests.fakeservice import SERVICE, ServiceTestCase, item

NS_REGISTER = "jabber:iq:register"
NS_X_DATA = "jabber:x:data"
NS_MUC_REGISTER = "http://jabber.org/protocol/muc#register"

ROOM = "room@muc.example.org"
ALICE = "alice@example.org/phone"
BOB = "bob@example.org/laptop"
CAROL = "carol@remote.test/x"


def getForm(sender, to=ROOM):
    return ("<iq type='get' id='r1' from='%s' to='%s'><query xmlns='%s'/></iq>"
            % (sender, to, NS_REGISTER))


def submit(sender, nick, extra="", to=ROOM, formType="submit"):
    return ("<iq type='set' id='r2' from='%s' to='%s'><query xmlns='%s'>"
            "<x xmlns='%s' type='%s'><field var='FORM_TYPE'><value>%s</value></field>"
            "<field var='muc#register_roomnick'><value>%s</value></field>%s</x>"
            "</query></iq>" % (sender, to, NS_REGISTER, NS_X_DATA, formType, NS_MUC_REGISTER,
                               nick, extra))


def remove(sender):
    return ("<iq type='set' id='r3' from='%s' to='%s'><query xmlns='%s'><remove/></query></iq>"
            % (sender, ROOM, NS_REGISTER))


def nickField(reply):
    form = next(reply.query.elements(NS_X_DATA, "x"))
    for field in form.elements(NS_X_DATA, "field"):
        if field["var"] == "muc#register_roomnick":
            return [str(v) for v in field.elements(NS_X_DATA, "value")]


class RegisterTestCase(ServiceTestCase):
    def setUp(self):
        ServiceTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org")

    def affiliation(self, userJID):
        """@return: the stored L{Affiliation} of a bare JID, or L{None}."""
        return self.room.affiliations.get(JID(userJID))


class GetTests(RegisterTestCase):
    def test_form(self):
        """A user not registered gets instructions and an empty muc#register form."""
        reply = self.ask(getForm(BOB))
        self.assertEqual(("result", "r1", ROOM), (reply["type"], reply["id"], reply["from"]))
        self.assertEqual(NS_REGISTER, reply.query.uri)
        self.assertIsNotNone(reply.query.instructions)
        self.assertIsNone(reply.query.registered)
        self.assertIsNone(reply.query.username)
        self.assertEqual([], nickField(reply))

    def test_registered(self):
        """A registered user is told so, with its nick, also in the form."""
        self.room.affiliations[JID("bob@example.org")] = Affiliation("member", {"nick": "Bobby"})
        reply = self.ask(getForm(BOB))
        self.assertIsNotNone(reply.query.registered)
        self.assertEqual("Bobby", str(reply.query.username))
        self.assertEqual(["Bobby"], nickField(reply))

    def test_unknownRoom(self):
        """Registering with a room that does not exist is item-not-found."""
        self.assertError("item-not-found", self.ask(getForm(BOB, "nowhere@muc.example.org")))

    def test_lockedRoom(self):
        """A room locked for its creation does not exist for others than its owner."""
        self.service.rooms.createRoom(JID("new@muc.example.org"), JID(ALICE))
        self.assertError("item-not-found", self.ask(getForm(BOB, "new@muc.example.org")))

    def test_service(self):
        """The service itself takes no registrations."""
        self.assertError("service-unavailable", self.ask(getForm(BOB, SERVICE)))


class SetTests(RegisterTestCase):
    def test_register(self):
        """A submitted form reserves the nick and makes the user a member."""
        reply = self.ask(submit(BOB, "Bobby"))
        self.assertEqual(("result", "r2", ROOM), (reply["type"], reply["id"], reply["from"]))
        self.assertEqual(Affiliation("member", {"nick": "Bobby"}),
                         self.affiliation("bob@example.org"))

    def test_nickPrepared(self):
        """The nick is kept as the PRECIS Nickname profile (RFC 8266) enforces it."""
        self.ask(submit(BOB, "\u2168"))
        self.assertEqual("IX", self.room.reservedNick(JID(BOB)))

    def test_nickMalformed(self):
        """A nick that cannot be an occupant JID's resource is jid-malformed."""
        self.assertError("jid-malformed", self.ask(submit(BOB, "\ue000")))
        self.assertIsNone(self.affiliation("bob@example.org"))

    def test_nickMissing(self):
        """A form without a nick is not-acceptable."""
        self.assertError("not-acceptable", self.ask(submit(BOB, "")))

    def test_saved(self):
        """The registration of a persistent room is stored."""
        self.room.config = self.room.config.replace(persistent=True)
        self.service.rooms.writer.saveWhole(self.room)
        self.ask(submit(BOB, "Bobby"))
        record = self.successResultOf(storedRoom(self.service.rooms.store, JID(ROOM)))
        self.assertEqual(Affiliation("member", {"nick": "Bobby"}),
                         record.affiliations[JID("bob@example.org")])

    def test_onlyKnownFieldsKept(self):
        """Only the fields the form offers are kept with the registration, as text."""
        handler = next(h for h in self.service.component if isinstance(h, RegisterHandler))
        handler.extraFields = (data_form.Field("text-multi", "muc#register_faqentry"),)
        self.ask(submit(BOB, "Bobby", "<field var='muc#register_faqentry'><value>a</value>"
                        "<value>b</value></field><field var='other'><value>x</value></field>"))
        self.assertEqual({"nick": "Bobby", "muc#register_faqentry": "a\nb"},
                         self.affiliation("bob@example.org").data)

    def test_conflictRegistered(self):
        """A nick someone else registered is a conflict."""
        self.ask(submit(CAROL, "Bobby"))
        self.assertError("conflict", self.ask(submit(BOB, "Bobby")))
        self.assertIsNone(self.affiliation("bob@example.org"))

    def test_conflictInRoom(self):
        """A nick someone else is in the room as is a conflict."""
        self.service.join(CAROL, ROOM + "/Bobby")
        self.assertError("conflict", self.ask(submit(BOB, "Bobby")))

    def test_banned(self):
        """A banned user may not register."""
        self.room.affiliations[JID("bob@example.org")] = Affiliation("outcast")
        self.assertError("forbidden", self.ask(submit(BOB, "Bobby")))

    def test_membersOnly(self):
        """In a members-only room, only members register (registration-required)."""
        self.room.config = self.room.config.replace(membersOnly=True)
        self.assertError("registration-required", self.ask(submit(BOB, "Bobby")))

    def test_cancel(self):
        """A cancelled form changes nothing."""
        reply = self.ask(submit(BOB, "Bobby", formType="cancel"))
        self.assertEqual("result", reply["type"])
        self.assertIsNone(self.affiliation("bob@example.org"))

    def test_neither(self):
        """A set with neither a form nor <remove/> is bad-request."""
        self.assertError("bad-request", self.ask(
            "<iq type='set' id='r4' from='%s' to='%s'><query xmlns='%s'/></iq>"
            % (BOB, ROOM, NS_REGISTER)))

    def test_remove(self):
        """<remove/> cancels the registration: the member is none again."""
        self.ask(submit(BOB, "Bobby"))
        self.assertEqual("result", self.ask(remove(BOB))["type"])
        self.assertIsNone(self.affiliation("bob@example.org"))

    def test_removeOwnerKeepsAffiliation(self):
        """An owner that cancels its registration stays owner, without the nick."""
        self.ask(submit(ALICE, "Al"))
        self.ask(remove(ALICE))
        self.assertEqual(Affiliation("owner", {}), self.affiliation("alice@example.org"))

    def test_removeNotRegistered(self):
        """Cancelling a registration that does not exist is item-not-found."""
        self.assertError("item-not-found", self.ask(remove(BOB)))


class PresenceTests(RegisterTestCase):
    def setUp(self):
        RegisterTestCase.setUp(self)
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")

    def test_becameMember(self):
        """An occupant that becomes a member by registering is shown as one to the room."""
        out = self.service.send(submit(BOB, "Bobby"))
        presences = [s for s in out if s.name == "presence"]
        self.assertEqual({ALICE, BOB}, {p["to"] for p in presences})
        for presence in presences:
            self.assertEqual(ROOM + "/bob", presence["from"])
            self.assertEqual("member", item(presence)["affiliation"])
        self.assertEqual(["result"], [s["type"] for s in out if s.name == "iq"])

    def test_becameNone(self):
        """An occupant that cancels its membership is shown without it."""
        self.service.send(submit(BOB, "Bobby"))
        out = self.service.send(remove(BOB))
        presences = [s for s in out if s.name == "presence"]
        self.assertEqual({ALICE, BOB}, {p["to"] for p in presences})
        self.assertEqual({"none"}, {item(p)["affiliation"] for p in presences})

    def test_unchanged(self):
        """An owner that registers stays owner: no presence is sent."""
        out = self.service.send(submit(ALICE, "Al"))
        self.assertEqual(["iq"], [s.name for s in out])
