"""
Owning a room through C{muc#owner} (XEP-0045 section 10): the configuration
form, instant rooms, cancelling a new room and destroying a room, through
the fake component stream.
"""

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from mucservice.testing import storedRoom
from tests.fakeservice import (
    NS_MUC_USER,
    FakeService,
    PopulatedRoomTestCase,
    errorCondition,
    item,
    statuses,
)

NS_OWNER = "http://jabber.org/protocol/muc#owner"
NS_DATA = "jabber:x:data"
NS_ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"
ROOM = "room@muc.example.org"
OLIVIA = "olivia@example.org/desk"  # owner
ADAM = "adam@example.org/desk"  # admin
MIA = "mia@example.org/desk"  # member
GUS = "gus@example.org/desk"  # no affiliation
OTTO = "otto@example.org/x"  # not in the room


def ownerIQ(service, sender, kind, inner="", to=ROOM):
    """
    Send a muc#owner IQ and return what the service wrote.
    """
    return service.send("<iq type='%s' id='o1' from='%s' to='%s'><query xmlns='%s'>%s</query>"
                        "</iq>" % (kind, sender, to, NS_OWNER, inner))


def form(fields=None, kind="submit"):
    """
    @param fields: C{muc#roomconfig} field name (without the prefix) to a
        value or a list of values.
    @return: a data form of C{kind}, as text.
    """
    parts = []
    if fields is not None:
        parts.append("<field var='FORM_TYPE'><value>%s</value></field>" % NS_ROOMCONFIG)
        for name, values in fields.items():
            if not isinstance(values, list):
                values = [values]
            var = name if name.startswith("muc#") else "muc#roomconfig_" + name
            parts.append("<field var='%s'>%s</field>"
                         % (var, "".join("<value>%s</value>" % v for v in values)))
    return "<x xmlns='%s' type='%s'>%s</x>" % (NS_DATA, kind, "".join(parts))


def reply(stanzas):
    (answer,) = [s for s in stanzas if s.name == "iq"]
    return answer


def to(stanzas, recipient, name=None):
    return [s for s in stanzas if s["to"] == recipient and (name is None or s.name == name)]


class OwnerTestCase(PopulatedRoomTestCase):
    def assertRefused(self, condition, stanzas):
        answer = reply(stanzas)
        self.assertEqual("error", answer["type"])
        self.assertEqual(condition, errorCondition(answer))

    def assertResult(self, stanzas):
        self.assertEqual("result", reply(stanzas)["type"])

    def stored(self):
        return self.successResultOf(storedRoom(self.service.rooms.store, JID(ROOM)))

    def fields(self, stanzas):
        """
        @return: the fields of the form in an IQ result, name to values.
        """
        x = next(reply(stanzas).query.elements(NS_DATA, "x"))
        return {f.getAttribute("var"): [str(v) for v in f.elements(NS_DATA, "value")]
                for f in x.elements(NS_DATA, "field")}


class ConfigFormTests(OwnerTestCase):
    def test_getForm(self):
        """The owner gets the form with the current values and the admin and owner lists."""
        self.room.config = self.room.config.replace(name="Cave", maxUsers=30)
        out = ownerIQ(self.service, OLIVIA, "get")
        self.assertResult(out)
        fields = self.fields(out)
        self.assertEqual([NS_ROOMCONFIG], fields["FORM_TYPE"])
        self.assertEqual(["Cave"], fields["muc#roomconfig_roomname"])
        self.assertEqual(["30"], fields["muc#roomconfig_maxusers"])
        self.assertEqual(["adam@example.org"], fields["muc#roomconfig_roomadmins"])
        self.assertEqual(["olivia@example.org"], fields["muc#roomconfig_roomowners"])
        self.assertEqual(NS_OWNER, reply(out).query.uri)

    def test_getFormForbidden(self):
        """Admins, members, occupants and strangers may not get the form: forbidden."""
        for sender in (ADAM, MIA, GUS, OTTO):
            out = ownerIQ(self.service, sender, "get")
            self.assertRefused("forbidden", out)
            self.assertNotIn(NS_ROOMCONFIG, reply(out).toXml())

    def test_serviceAdmin(self):
        """A service admin is an owner of every room and gets the form."""
        self.assertResult(ownerIQ(self.service, "boss@example.org/x", "get"))

    def test_unknownRoom(self):
        """A form asked of a room that does not exist: item-not-found."""
        self.assertRefused("item-not-found",
                           ownerIQ(self.service, OLIVIA, "get", to="nowhere@muc.example.org"))


class SubmitTests(OwnerTestCase):
    def test_submit(self):
        """Submitted values are applied and the IQ is answered."""
        out = ownerIQ(self.service, OLIVIA, "set", form(
            {"roomname": "A Dark Cave", "changesubject": "1", "maxusers": "10"}))
        self.assertResult(out)
        config = self.room.config
        self.assertEqual(("A Dark Cave", True, 10),
                         (config.name, config.changeSubject, config.maxUsers))

    def test_presenceBroadcastChanged(self):
        """Roles taken out of presencebroadcast leave the others' view; put back, they return."""
        out = ownerIQ(self.service, OLIVIA, "set", form({"presencebroadcast": ["moderator"]}))
        seen = [s for s in out if s.name == "presence" and s["to"] == OLIVIA]
        self.assertEqual({(ROOM + "/mia", "unavailable"), (ROOM + "/gus", "unavailable")},
                         {(s["from"], s.getAttribute("type")) for s in seen})
        self.assertEqual([], [s for s in out if s.name == "presence" and s["to"] == MIA
                              and s["from"] == ROOM + "/olivia"])
        out = ownerIQ(self.service, OLIVIA, "set", form(
            {"presencebroadcast": ["moderator", "participant", "visitor"]}))
        seen = [s for s in out if s.name == "presence" and s["to"] == ADAM]
        self.assertEqual({(ROOM + "/mia", None), (ROOM + "/gus", None)},
                         {(s["from"], s.getAttribute("type")) for s in seen})

    def test_configChangeMessage(self):
        """After a change, every occupant gets a groupchat message from the room with 104."""
        out = ownerIQ(self.service, OLIVIA, "set", form({"roomname": "A Dark Cave"}))
        for recipient in (OLIVIA, ADAM, MIA, GUS):
            (message,) = to(out, recipient, "message")
            self.assertEqual((ROOM, "groupchat"), (message["from"], message["type"]))
            self.assertEqual({104}, statuses(message))
            self.assertEqual(1, len(list(message.elements(NS_MUC_USER, "x"))))
        self.assertEqual([], [s for s in out if s.name == "presence"])

    def test_privacyCodes(self):
        """Becoming non-anonymous adds 172, logging 170; and back, 173 and 171."""
        out = ownerIQ(self.service, OLIVIA, "set",
                      form({"whois": "anyone", "enablelogging": "1"}))
        self.assertEqual({104, 172, 170}, statuses(to(out, GUS, "message")[0]))
        out = ownerIQ(self.service, OLIVIA, "set",
                      form({"whois": "moderators", "enablelogging": "0"}))
        self.assertEqual({104, 173, 171}, statuses(to(out, GUS, "message")[0]))

    def test_unchanged(self):
        """Submitting the current values tells nobody anything."""
        out = ownerIQ(self.service, OLIVIA, "set", form({"roomname": ""}))
        self.assertEqual(["iq"], [s.name for s in out])

    def test_persistent(self):
        """Making the room persistent stores it with its affiliations; undoing it forgets it."""
        self.assertIsNone(self.stored())
        self.assertResult(ownerIQ(self.service, OLIVIA, "set", form({"persistentroom": "1"})))
        stored = self.stored()
        self.assertTrue(stored.config["muc#roomconfig_persistentroom"])
        self.assertEqual("admin", stored.affiliations[JID("adam@example.org")].affiliation)
        self.assertResult(ownerIQ(self.service, OLIVIA, "set", form({"persistentroom": "0"})))
        self.assertIsNone(self.stored())
        self.assertIsNotNone(self.service.rooms.getRoom(JID(ROOM)))

    def test_forbidden(self):
        """Only owners configure: an admin's submission is forbidden and changes nothing."""
        out = ownerIQ(self.service, ADAM, "set", form({"roomname": "Mine"}))
        self.assertRefused("forbidden", out)
        self.assertEqual("", self.room.config.name)
        self.assertEqual(1, len(out))

    def test_badValues(self):
        """An impossible value is bad-request; a password-protected room without one,
        not-acceptable; neither changes anything."""
        self.assertRefused("bad-request", ownerIQ(self.service, OLIVIA, "set",
                                                  form({"whois": "nobody"})))
        self.assertRefused("not-acceptable", ownerIQ(self.service, OLIVIA, "set", form(
            {"passwordprotectedroom": "1", "roomsecret": ""})))
        self.assertEqual("moderators", self.room.config.whois)
        self.assertFalse(self.room.config.passwordProtected)

    def test_noPayload(self):
        """A set with neither a form nor a destroy is a bad request."""
        self.assertRefused("bad-request", ownerIQ(self.service, OLIVIA, "set"))

    def test_adminListChange(self):
        """A new admin named in the form is told to the room: admin and moderator."""
        out = ownerIQ(self.service, OLIVIA, "set", form(
            {"roomadmins": ["adam@example.org", "mia@example.org"]}))
        self.assertResult(out)
        self.assertEqual("admin", self.room.affiliationOf(JID(MIA)))
        (seen,) = to(out, GUS, "presence")
        self.assertEqual(ROOM + "/mia", seen["from"])
        self.assertEqual(("admin", "moderator"), (item(seen)["affiliation"], item(seen)["role"]))
        self.assertEqual([], to(out, GUS, "message"))

    def test_noOwnerLeft(self):
        """A form whose owner list is empty would leave no owner: conflict."""
        out = ownerIQ(self.service, OLIVIA, "set", form({"roomowners": []}))
        self.assertRefused("conflict", out)
        self.assertEqual("owner", self.room.affiliationOf(JID(OLIVIA)))

    def test_membersOnly(self):
        """
        Switching to members-only removes the non-members with 322 (110 for
        themselves); the others stay and get 104.
        """
        out = ownerIQ(self.service, OLIVIA, "set", form({"membersonly": "1"}))
        self.assertResult(out)
        (own,) = to(out, GUS, "presence")
        self.assertEqual(("unavailable", {322, 110}), (own["type"], statuses(own)))
        self.assertEqual([], to(out, GUS, "message"))
        for recipient in (OLIVIA, ADAM, MIA):
            (seen,) = to(out, recipient, "presence")
            self.assertEqual(("unavailable", ROOM + "/gus"), (seen["type"], seen["from"]))
            self.assertEqual({322}, statuses(seen))
            self.assertEqual({104}, statuses(to(out, recipient, "message")[0]))
        self.assertEqual(["olivia", "adam", "mia"], list(self.room.occupants))
        self.assertEqual({}, self.service.rooms.joinTracker.roomsOf(JID(GUS)))

    def test_temporaryAndEmpty(self):
        """A persistent room made temporary while empty goes away, from the store too."""
        self.room.config = self.room.config.replace(persistent=True)
        self.service.rooms.writer.saveWhole(self.room)
        for realJID in (OLIVIA, ADAM, MIA, GUS):
            self.service.send("<presence type='unavailable' from='%s' to='%s/x'/>"
                              % (realJID, ROOM))
        self.assertIsNotNone(self.service.rooms.getRoom(JID(ROOM)))
        self.assertResult(ownerIQ(self.service, OLIVIA, "set", form({"persistentroom": "0"})))
        self.assertIsNone(self.service.rooms.getRoom(JID(ROOM)))
        self.assertIsNone(self.stored())


class CreationTests(SynchronousTestCase):
    def setUp(self):
        self.service = FakeService()
        self.service.join(OLIVIA, "new@muc.example.org/olivia")
        self.room = self.service.rooms.getRoom(JID("new@muc.example.org"))

    def test_instantRoom(self):
        """An empty submitted form accepts the defaults and unlocks the room for others."""
        self.assertTrue(self.room.locked)
        config = self.room.config
        out = ownerIQ(self.service, OLIVIA, "set", form(), to="new@muc.example.org")
        self.assertEqual(["iq"], [s.name for s in out])
        self.assertEqual("result", out[0]["type"])
        self.assertFalse(self.room.locked)
        self.assertEqual(config, self.room.config)
        joined = self.service.join(GUS, "new@muc.example.org/gus")
        self.assertEqual({110}, statuses(to(joined, GUS, "presence")[-1]))

    def test_lockedForOthers(self):
        """While locked, the room answers others' owner IQs with item-not-found."""
        out = ownerIQ(self.service, GUS, "get", to="new@muc.example.org")
        self.assertEqual("item-not-found", errorCondition(reply(out)))

    def test_reservedRoom(self):
        """The creator gets the form of the locked room and its submission unlocks it."""
        out = ownerIQ(self.service, OLIVIA, "get", to="new@muc.example.org")
        self.assertEqual("result", reply(out)["type"])
        ownerIQ(self.service, OLIVIA, "set", form({"roomname": "New"}), to="new@muc.example.org")
        self.assertFalse(self.room.locked)
        self.assertEqual("New", self.room.config.name)

    def test_cancelNewRoom(self):
        """
        Cancelling the first configuration destroys the room: the creator gets
        unavailable presence with a <destroy/> and 110.
        """
        out = ownerIQ(self.service, OLIVIA, "set", form(kind="cancel"), to="new@muc.example.org")
        presence, answer = out
        self.assertEqual(("presence", "unavailable", "new@muc.example.org/olivia", OLIVIA),
                         (presence.name, presence["type"], presence["from"], presence["to"]))
        x = next(presence.elements(NS_MUC_USER, "x"))
        self.assertIsNotNone(x.destroy)
        self.assertIsNone(x.destroy.getAttribute("jid"))
        self.assertEqual({110}, statuses(presence))
        self.assertEqual(("iq", "result"), (answer.name, answer["type"]))
        self.assertIsNone(self.service.rooms.getRoom(JID("new@muc.example.org")))
        self.assertEqual({}, self.service.rooms.joinTracker.roomsOf(JID(OLIVIA)))

    def test_cancelLater(self):
        """Cancelling the form of a configured room changes nothing."""
        ownerIQ(self.service, OLIVIA, "set", form(), to="new@muc.example.org")
        out = ownerIQ(self.service, OLIVIA, "set", form(kind="cancel"), to="new@muc.example.org")
        self.assertEqual(["iq"], [s.name for s in out])
        self.assertEqual("result", out[0]["type"])
        self.assertIn("olivia", self.room.occupants)
        self.assertIs(self.room, self.service.rooms.getRoom(JID("new@muc.example.org")))


class DestroyTests(OwnerTestCase):
    config = {"persistent": True}

    def setUp(self):
        OwnerTestCase.setUp(self)
        self.service.rooms.writer.saveWhole(self.room)

    def test_destroy(self):
        """
        Each occupant gets one unavailable presence, its own (110), with
        affiliation and role none, the alternate venue and the reason; the
        room is gone, from the store and the join tracker too.
        """
        out = ownerIQ(self.service, OLIVIA, "set",
                      "<destroy jid='cave@muc.example.org'><reason>Macbeth doth come.</reason>"
                      "<password>secret</password></destroy>")
        self.assertEqual(("iq", "result"), (out[-1].name, out[-1]["type"]))
        for realJID, nick in ((OLIVIA, "olivia"), (ADAM, "adam"), (MIA, "mia"), (GUS, "gus")):
            (presence,) = to(out, realJID, "presence")
            self.assertEqual(("unavailable", "%s/%s" % (ROOM, nick)),
                             (presence["type"], presence["from"]))
            self.assertEqual({110}, statuses(presence))
            self.assertEqual(("none", "none"),
                             (item(presence)["affiliation"], item(presence)["role"]))
            destroy = next(presence.elements(NS_MUC_USER, "x")).destroy
            self.assertEqual("cave@muc.example.org", destroy["jid"])
            self.assertEqual("Macbeth doth come.", str(destroy.reason))
        self.assertEqual(5, len(out))
        self.assertNotIn("secret", "".join(s.toXml() for s in out))
        self.assertIsNone(self.service.rooms.getRoom(JID(ROOM)))
        self.assertIsNone(self.stored())
        self.assertEqual(set(), self.service.rooms.joinTracker.realJIDs())

    def test_destroyPlain(self):
        """A destroy without venue or reason still carries an empty <destroy/>."""
        out = ownerIQ(self.service, OLIVIA, "set", "<destroy/>")
        (presence,) = to(out, GUS, "presence")
        destroy = next(presence.elements(NS_MUC_USER, "x")).destroy
        self.assertEqual((None, None), (destroy.getAttribute("jid"), destroy.reason))

    def test_destroyByServiceAdmin(self):
        """A service admin destroys any room without being in it."""
        out = ownerIQ(self.service, "boss@example.org/x", "set", "<destroy/>")
        self.assertEqual("result", reply(out)["type"])
        self.assertIsNone(self.service.rooms.getRoom(JID(ROOM)))

    def test_destroyForbidden(self):
        """Only owners destroy rooms: forbidden to an admin, and the room stays."""
        out = ownerIQ(self.service, ADAM, "set", "<destroy><reason>mine now</reason></destroy>")
        self.assertRefused("forbidden", out)
        self.assertEqual(1, len(out))
        self.assertIs(self.room, self.service.rooms.getRoom(JID(ROOM)))
        self.assertEqual(4, len(self.room.occupants))

    def test_badAlternate(self):
        """An alternate venue that is no JID is jid-malformed; the room stays."""
        out = ownerIQ(self.service, OLIVIA, "set", "<destroy jid='x@'/>")
        self.assertRefused("jid-malformed", out)
        self.assertIs(self.room, self.service.rooms.getRoom(JID(ROOM)))
