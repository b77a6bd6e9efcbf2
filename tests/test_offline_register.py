"""
Asking for a room's messages while absent, at registration (the boolean
field C{{http://tigase.org/protocol/muc}offline} of the C{muc#register}
form), through the fake component stream.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.words.protocols.jabber.jid import JID

from mucservice.records import Affiliation
from mucservice.room.administration import AffiliationChange
from mucservice.room.config import RoomConfig
from mucservice.room.offline import FIELD
from mucservice.room.room import Room
from mucservice.testing import storedRoom
from tests.fakeservice import ServiceTestCase
from tests.test_register import ROOM, getForm, remove, submit

NS_X_DATA = "jabber:x:data"

BOB = "bob@example.org/laptop"
BOB_BARE = JID("bob@example.org")


def offlineField(value):
    return "<field var='%s'><value>%s</value></field>" % (FIELD, value)


def formFields(reply):
    """@return: the fields of the form in a registration reply, var to (element, values)."""
    form = next(reply.query.elements(NS_X_DATA, "x"))
    return {f["var"]: (f, [str(v) for v in f.elements(NS_X_DATA, "value")])
            for f in form.elements(NS_X_DATA, "field")}


class OfflineRegisterTestCase(ServiceTestCase):
    config = {}

    def setUp(self):
        ServiceTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org", **self.config)

    def register(self, nick="Bobby", extra=""):
        reply = self.ask(submit(BOB, nick, extra))
        self.assertEqual("result", reply["type"], reply.toXml())

    def data(self):
        entry = self.room.affiliations.get(BOB_BARE)
        return entry.data if entry else None


class FormTests(OfflineRegisterTestCase):
    def test_offered(self):
        """The form offers the boolean field after the nick, with its label, without a value."""
        fields = formFields(self.ask(getForm(BOB)))
        self.assertEqual(["FORM_TYPE", "muc#register_roomnick", FIELD], list(fields))
        element, values = fields[FIELD]
        self.assertEqual(("boolean", "Receive messages while not in the room"),
                         (element["type"], element["label"]))
        self.assertEqual([], values)

    def test_currentValue(self):
        """A registered user sees its current choice in the form."""
        self.register(extra=offlineField("1"))
        self.assertEqual(["true"], formFields(self.ask(getForm(BOB)))[FIELD][1])
        self.register(extra=offlineField("0"))
        self.assertEqual(["false"], formFields(self.ask(getForm(BOB)))[FIELD][1])

    def test_registeredWithout(self):
        """A user registered without the field sees no value."""
        self.register()
        self.assertEqual([], formFields(self.ask(getForm(BOB)))[FIELD][1])


class SetTests(OfflineRegisterTestCase):
    def test_set(self):
        """Registering with the field set keeps it, as 1, and makes the user a recipient."""
        self.register(extra=offlineField("true"))
        self.assertEqual({"nick": "Bobby", FIELD: "1"}, self.data())
        self.assertEqual({BOB_BARE}, self.room.offlineUsers)

    def test_sameNick(self):
        """Submitting the form again with the same nick changes the choice both ways."""
        self.register()
        self.assertEqual(set(), self.room.offlineUsers)
        self.register(extra=offlineField("1"))
        self.assertEqual({BOB_BARE}, self.room.offlineUsers)
        self.register(extra=offlineField("false"))
        self.assertEqual({"nick": "Bobby", FIELD: "0"}, self.data())
        self.assertEqual(set(), self.room.offlineUsers)

    def test_fieldLeftOut(self):
        """A form without the field leaves the earlier choice as it was, even for a new nick."""
        self.register(extra=offlineField("1"))
        self.register("Robert")
        self.assertEqual({"nick": "Robert", FIELD: "1"}, self.data())
        self.assertEqual({BOB_BARE}, self.room.offlineUsers)

    def test_notBoolean(self):
        """A value that is no boolean is a bad request and changes nothing."""
        reply = self.ask(submit(BOB, "Bobby", offlineField("maybe")))
        self.assertError("bad-request", reply)
        self.assertIsNone(self.data())

    def test_remove(self):
        """Cancelling the registration clears the choice."""
        self.register(extra=offlineField("1"))
        self.assertEqual("result", self.ask(remove(BOB))["type"])
        self.assertIsNone(self.data())
        self.assertEqual(set(), self.room.offlineUsers)

    def test_removeAdmin(self):
        """An admin that cancels its registration stays admin and no longer receives copies."""
        self.room.setAffiliationEntry(BOB_BARE, "admin")
        self.register(extra=offlineField("1"))
        self.assertEqual({BOB_BARE}, self.room.offlineUsers)
        self.ask(remove(BOB))
        self.assertEqual(Affiliation("admin", {}), self.room.affiliations[BOB_BARE])
        self.assertEqual(set(), self.room.offlineUsers)

    def test_banned(self):
        """A ban clears the choice with the rest of the registration."""
        self.register(extra=offlineField("1"))
        self.room.setAffiliations(JID("alice@example.org"),
                                  [AffiliationChange(BOB_BARE, "outcast")])
        self.assertEqual(Affiliation("outcast", {}), self.room.affiliations[BOB_BARE])
        self.assertEqual(set(), self.room.offlineUsers)

    def test_saved(self):
        """The choice is stored with the registration and comes back with the room."""
        self.room.config = self.room.config.replace(persistent=True)
        self.service.rooms.writer.saveWhole(self.room)
        self.register(extra=offlineField("1"))
        record = self.successResultOf(storedRoom(self.service.rooms.store, JID(ROOM)))
        self.assertEqual("1", record.affiliations[BOB_BARE].data[FIELD])
        loaded = Room(record.jid, RoomConfig(), record.affiliations)
        self.assertEqual({BOB_BARE}, loaded.offlineUsers)


class NotOfferedTests(OfflineRegisterTestCase):
    config = {"offlineDelivery": False}

    def test_roomOptionOff(self):
        """A room whose option is off offers no field and keeps no submitted value."""
        self.assertNotIn(FIELD, formFields(self.ask(getForm(BOB))))
        self.register(extra=offlineField("1"))
        self.assertEqual({"nick": "Bobby"}, self.data())


class NoneProviderTests(OfflineRegisterTestCase):
    serviceArgs = ("--offline-delivery", "none")

    def test_providerNone(self):
        """With the none provider, no room offers the field."""
        self.assertNotIn(FIELD, formFields(self.ask(getForm(BOB))))
        self.register(extra=offlineField("1"))
        self.assertEqual({"nick": "Bobby"}, self.data())
