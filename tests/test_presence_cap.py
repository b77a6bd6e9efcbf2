"""
The presence cap of large rooms (L{mucservice.room.audience}): above it,
the presence of participants and visitors goes to the moderators and to
the user's own sessions only, through the fake component stream; the room
option in the configuration form, disco#info, the service option and the
room store.
"""

from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from mucservice import tap
from mucservice.room.config import MAX_USERS_PRESENCE_FIELD, RoomConfig
from tests.fakeservice import SERVICE, FakeService, item, statuses
from tests.test_restart import NS_DATA, NS_OWNER, NS_ROOMCONFIG, RestartTestCase, field

ROOM = "room@muc.example.org"
OLIVIA = "olivia@example.org/desk"
ADAM = "adam@example.org/desk"
MIA = "mia@example.org/desk"
GUS = "gus@example.org/desk"
GUS_PHONE = "gus@example.org/phone"
ZOE = "zoe@example.org/desk"
LENA = "lena@example.org/desk"


def fromOccupant(out, nick):
    """
    @return: the recipients (C{to}) of the presence stanzas from C{nick}.
    """
    return sorted(s["to"] for s in out
                  if s.name == "presence" and s["from"] == "%s/%s" % (ROOM, nick))


def shownTo(out, realJID):
    """
    @return: the nicks whose presence C{realJID} received, in order.
    """
    return [s["from"].split("/", 1)[1] for s in out
            if s.name == "presence" and s["to"] == realJID]


class CappedRoomTests(SynchronousTestCase):
    """
    A room with a presence cap of 2, owned by olivia (a moderator), with
    adam as admin (a moderator when he comes in): olivia and mia enter
    under the cap, gus over it.
    """

    def setUp(self):
        self.service = FakeService()
        self.room = self.service.makeRoom(ROOM, "olivia@example.org", maxUsersPresence=2)
        self.room.setAffiliationEntry(JID("adam@example.org"), "admin")
        self.service.join(OLIVIA, ROOM + "/olivia")
        self.service.join(MIA, ROOM + "/mia")
        self.gusJoined = self.service.join(GUS, ROOM + "/gus")

    def test_participantJoinOverCap(self):
        """
        Over the cap, a participant's join goes to the moderators, not to
        the other participants; it gets its own presence (110) all the same.
        """
        self.assertEqual([GUS, OLIVIA], fromOccupant(self.gusJoined, "gus"))
        own = [s for s in self.gusJoined if s["to"] == GUS and s["from"] == ROOM + "/gus"]
        self.assertEqual({110}, statuses(own[0]))

    def test_newcomerOverCap(self):
        """
        A participant entering over the cap gets the moderators' presence
        and its own, then the subject: not the other participants'.
        """
        self.assertEqual(["olivia", "gus"], shownTo(self.gusJoined, GUS))
        toGus = [s for s in self.gusJoined if s["to"] == GUS]
        self.assertEqual("subject", toGus[-1].firstChildElement().name)

    def test_notKeptOverCap(self):
        """
        The rendering of a presence that reaches only the moderators is not
        kept on the occupant; that of those announced to everyone is, and
        a moderator entering later still gets the presence of the one not
        kept.
        """
        occupants = self.room.occupants
        self.assertIsNone(occupants["gus"].rendered)
        self.assertIsNotNone(occupants["mia"].rendered)
        self.assertIsNotNone(occupants["olivia"].rendered)
        out = self.service.join(ADAM, ROOM + "/adam")
        self.assertIn("gus", shownTo(out, ADAM))
        self.assertIsNone(occupants["gus"].rendered)

    def test_moderatorJoinOverCap(self):
        """
        A moderator's join goes to everyone, and the moderator gets every
        occupant's presence.
        """
        out = self.service.join(ADAM, ROOM + "/adam")
        self.assertEqual(sorted([ADAM, GUS, MIA, OLIVIA]), fromOccupant(out, "adam"))
        self.assertEqual(["olivia", "mia", "gus", "adam"], shownTo(out, ADAM))
        self.assertEqual("moderator", item(out[-2])["role"])

    def test_ownOtherSession(self):
        """
        A participant's other session on the same nick sees the new
        session's presence, as does the user's occupant under another nick.
        """
        out = self.service.join(GUS_PHONE, ROOM + "/gus")
        self.assertIn(GUS, fromOccupant(out, "gus"))
        self.assertNotIn(MIA, fromOccupant(out, "gus"))
        out = self.service.join("gus@example.org/tablet", ROOM + "/gus2")
        self.assertEqual(sorted([GUS, GUS_PHONE, OLIVIA, "gus@example.org/tablet"]),
                         fromOccupant(out, "gus2"))
        self.assertEqual(["olivia", "gus", "gus2"], shownTo(out, "gus@example.org/tablet"))

    def test_leaveOverCap(self):
        """
        The leave of a participant that came over the cap goes to the
        moderators only; that of one that came under the cap goes to those
        that entered under the cap (and the moderators), which have it in
        their list: not to zoe, who came over the cap and never got it.
        """
        out = self.service.send("<presence from='%s' to='%s/gus' type='unavailable'/>"
                                % (GUS, ROOM))
        self.assertEqual([GUS, OLIVIA], fromOccupant(out, "gus"))
        joined = self.service.join(ZOE, ROOM + "/zoe")
        self.assertEqual(["olivia", "zoe"], shownTo(joined, ZOE))
        out = self.service.send("<presence from='%s' to='%s/mia' type='unavailable'/>"
                                % (MIA, ROOM))
        self.assertEqual(sorted([MIA, OLIVIA]), fromOccupant(out, "mia"))

    def test_moderatorLeaves(self):
        """A moderator's leave goes to everyone, even over the cap."""
        self.service.join(ADAM, ROOM + "/adam")
        out = self.service.send("<presence from='%s' to='%s/adam' type='unavailable'/>"
                                % (ADAM, ROOM))
        self.assertEqual(sorted([ADAM, GUS, MIA, OLIVIA]), fromOccupant(out, "adam"))

    def test_presenceChangeOverCap(self):
        """
        A new status of a participant that came over the cap goes to the
        moderators and itself; so does its nick change.
        """
        out = self.service.send("<presence from='%s' to='%s/gus'><show>away</show></presence>"
                                % (GUS, ROOM))
        self.assertEqual([GUS, OLIVIA], fromOccupant(out, "gus"))
        out = self.service.send("<presence from='%s' to='%s/gustav'/>" % (GUS, ROOM))
        self.assertEqual([GUS, OLIVIA], fromOccupant(out, "gus"))
        self.assertEqual([GUS, OLIVIA], fromOccupant(out, "gustav"))

    def test_hatsOverCap(self):
        """
        The presence that shows a new hat of a participant that came over
        the cap goes to the moderators and its own sessions only.
        """
        self.room.setAffiliationEntry(JID("lena@example.org"), "member")
        self.service.join(LENA, ROOM + "/lena")
        self.successResultOf(self.service.rooms.hatStore.addUserHat(
            JID(LENA), JID(ROOM), "urn:example:hats:teacher", {"active": True}))
        self.service.reactor.advance(0)
        self.assertEqual([LENA, OLIVIA], fromOccupant(self.service.stream.sent(), "lena"))

    def test_madeModerator(self):
        """
        A participant made moderator over the cap gets every occupant's
        presence, which it did not get on entering; everyone hears of the
        change (in a non-anonymous room, where it sees no more real JIDs
        than before).
        """
        self.room.config = self.room.config.replace(whois="anyone")
        out = self.service.send(
            "<iq type='set' id='r' from='%s' to='%s'><query xmlns='%s#admin'>"
            "<item nick='gus' role='moderator'/></query></iq>"
            % (OLIVIA, ROOM, "http://jabber.org/protocol/muc"))
        self.assertEqual(sorted([GUS, MIA, OLIVIA]), fromOccupant(out, "gus"))
        self.assertIn("mia", shownTo(out, GUS))

    def test_underCap(self):
        """
        Under its cap again, the room shows a newcomer everyone; from then
        on those it was shown are told to those that entered under the cap
        (zoe), their leave too, though not to mia, who came over the cap
        again and never had gus in her list.
        """
        self.service.send("<presence from='%s' to='%s/mia' type='unavailable'/>" % (MIA, ROOM))
        self.room.config = self.room.config.replace(maxUsersPresence=3)
        out = self.service.join(ZOE, ROOM + "/zoe")
        self.assertEqual(["olivia", "gus", "zoe"], shownTo(out, ZOE))
        self.assertEqual(sorted([GUS, OLIVIA, ZOE]), fromOccupant(out, "zoe"))
        self.assertEqual(["olivia", "mia"], shownTo(self.service.join(MIA, ROOM + "/mia"), MIA))
        out = self.service.send("<presence from='%s' to='%s/gus' type='unavailable'/>"
                                % (GUS, ROOM))
        self.assertEqual(sorted([GUS, OLIVIA, ZOE]), fromOccupant(out, "gus"))

    def test_noCap(self):
        """A room without a cap tells everyone of every join."""
        self.room.config = self.room.config.replace(maxUsersPresence=None)
        out = self.service.join(ZOE, ROOM + "/zoe")
        self.assertEqual(sorted([GUS, MIA, OLIVIA, ZOE]), fromOccupant(out, "zoe"))

    def test_roomInfo(self):
        """disco#info of the room gives its cap in its roominfo form."""
        out = self.service.send("<iq type='get' id='d' from='%s' to='%s'><query xmlns="
                                "'http://jabber.org/protocol/disco#info'/></iq>" % (ZOE, ROOM))
        values = [str(v) for f in out[0].query.x.elements(NS_DATA, "field")
                  if f.getAttribute("var") == MAX_USERS_PRESENCE_FIELD
                  for v in f.elements(NS_DATA, "value")]
        self.assertEqual(["2"], values)


class OptionTests(SynchronousTestCase):
    def test_default(self):
        """New rooms have a presence cap of 1,000 unless --max-users-presence says otherwise."""
        self.assertEqual(1000, FakeService().rooms.defaultConfig.maxUsersPresence)
        self.assertEqual(1000, RoomConfig().maxUsersPresence)
        service = FakeService("--max-users-presence", "50")
        service.join(OLIVIA, ROOM + "/olivia")
        self.assertEqual(50, service.rooms.getRoom(JID(ROOM)).config.maxUsersPresence)
        none = FakeService("--max-users-presence", "none")
        self.assertIsNone(none.rooms.defaultConfig.maxUsersPresence)

    def test_refused(self):
        """A negative or unreadable cap is a usage error."""
        for value in ("-1", "many"):
            config = tap.Options()
            self.assertRaises(usage.UsageError, config.parseOptions,
                              ["--jid", SERVICE, "--secret", "s", "--max-users-presence", value])

    def test_storedRoomsTakeServiceDefault(self):
        """A room stored without the option takes the service's default; with it, its own."""
        default = RoomConfig(maxUsersPresence=300)
        self.assertEqual(300, RoomConfig.fromDict({}, default).maxUsersPresence)
        self.assertIsNone(RoomConfig.fromDict({MAX_USERS_PRESENCE_FIELD: None},
                                              default).maxUsersPresence)


class RestartTests(RestartTestCase):
    def test_survives(self):
        """
        The cap an owner sets in the configuration form is stored, and a
        restarted service with another default keeps it.
        """
        self.service.join(OLIVIA, ROOM + "/olivia")
        answer = self.iq(OLIVIA, "set", "<query xmlns='%s'><x xmlns='%s' type='submit'>%s%s%s"
                         "</x></query>" % (NS_OWNER, NS_DATA, field("FORM_TYPE", NS_ROOMCONFIG),
                                           field("muc#roomconfig_persistentroom", "1"),
                                           field(MAX_USERS_PRESENCE_FIELD, "25")))
        self.assertResult(answer)
        self.service.stop()
        again = self.start()
        self.assertEqual(1000, again.rooms.defaultConfig.maxUsersPresence)
        self.assertEqual(25, again.rooms.getRoom(JID(ROOM)).config.maxUsersPresence)
