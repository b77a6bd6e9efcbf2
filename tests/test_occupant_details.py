"""
Details of XEP-0045 that clients rely on: history requests, roles whose
presence the room does not broadcast, occupants with several sessions, and
private messages, through the fake component stream.
"""

from twisted.words.protocols.jabber.jid import JID

from tests.fakeservice import NS_MUC, PopulatedRoomTestCase, ServiceTestCase, item, statuses

NS_ADMIN = NS_MUC + "#admin"
NS_XML = "http://www.w3.org/XML/1998/namespace"
ROOM = "room@muc.example.org"
ALICE = "alice@example.org/phone"
BOB = "bob@example.org/laptop"
BOB_PHONE = "bob@example.org/phone"
CAROL = "carol@example.org/x"


def presencesTo(stanzas, recipient):
    return [s for s in stanzas if s.name == "presence" and s["to"] == recipient]


class HistoryRequestTests(ServiceTestCase):
    """
    A C{<history/>} a service cannot use is ignored: the newcomer still
    enters with the whole join sequence.
    """

    def setUp(self):
        ServiceTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join(ALICE, ROOM + "/alice")
        self.service.send("<message from='%s' to='%s' type='groupchat'><body>hi</body></message>"
                          % (ALICE, ROOM))
        self.service.reactor.advance(60)

    def enter(self, history):
        out = self.service.send("<presence from='%s' to='%s/bob'><x xmlns='%s'>%s</x></presence>"
                                % (BOB, ROOM, NS_MUC, history))
        return [s for s in out if s["to"] == BOB]

    def test_sinceWithoutTimezone(self):
        """A since without a timezone is taken as UTC, and the newcomer enters."""
        toBob = self.enter("<history since='2000-01-01T00:00:00'/>")
        self.assertEqual(["presence", "presence", "message", "message"],
                         [s.name for s in toBob])
        self.assertEqual("hi", str(toBob[2].body))
        self.assertIn("bob", self.room.occupants)

    def test_sinceWithoutTimezoneLimits(self):
        """A since without a timezone still limits the history (as UTC)."""
        toBob = self.enter("<history since='2100-01-01T00:00:00'/>")
        self.assertEqual(["presence", "presence", "message"], [s.name for s in toBob])
        self.assertIsNotNone(toBob[-1].subject)

    def test_hugeSeconds(self):
        """Seconds reaching back beyond any date give all the history."""
        toBob = self.enter("<history seconds='99999999999999999'/>")
        self.assertEqual(["presence", "presence", "message", "message"],
                         [s.name for s in toBob])
        self.assertEqual("hi", str(toBob[2].body))


class PresenceBroadcastTestCase(PopulatedRoomTestCase):
    """
    A moderated room that broadcasts the presence of moderators and
    participants only; carol enters as a visitor.
    """

    config = {"moderated": True, "presenceBroadcast": ("moderator", "participant")}

    def setUp(self):
        PopulatedRoomTestCase.setUp(self)
        self.joined = self.service.join(CAROL, ROOM + "/carol")

    def iq(self, sender, items):
        return self.service.send(
            "<iq type='set' id='a1' from='%s' to='%s'><query xmlns='%s'>%s</query></iq>"
            % (sender, ROOM, NS_ADMIN, items))


class HiddenRoleTests(PresenceBroadcastTestCase):
    def test_join(self):
        """A visitor's entrance goes to itself only, with 110."""
        self.assertEqual({CAROL}, {s["to"] for s in self.joined})
        self.assertEqual({110}, statuses(presencesTo(self.joined, CAROL)[-1]))

    def test_nickChange(self):
        """A visitor's nick change goes to itself only: 303 then 110."""
        out = self.service.send("<presence from='%s' to='%s/caz'/>" % (CAROL, ROOM))
        self.assertEqual({CAROL}, {s["to"] for s in out})
        self.assertEqual([{110, 303}, {110}], [statuses(s) for s in out])

    def test_leave(self):
        """A visitor's exit goes to itself only."""
        out = self.service.send("<presence from='%s' to='%s/carol' type='unavailable'/>"
                                % (CAROL, ROOM))
        self.assertEqual({CAROL}, {s["to"] for s in out})
        self.assertEqual(("unavailable", {110}), (out[0]["type"], statuses(out[0])))

    def test_kick(self):
        """A kicked visitor is told (307 and 110); nobody else had seen it."""
        out = self.iq(self.OLIVIA, "<item nick='carol' role='none'/>")
        self.assertEqual([CAROL], [s["to"] for s in out if s.name == "presence"])
        self.assertEqual({110, 307}, statuses(presencesTo(out, CAROL)[0]))

    def test_banned(self):
        """A banned visitor is told (301 and 110); nobody else had seen it."""
        out = self.iq(self.OLIVIA, "<item jid='carol@example.org' affiliation='outcast'/>")
        self.assertEqual([CAROL], [s["to"] for s in out if s.name == "presence"])
        self.assertEqual({110, 301}, statuses(presencesTo(out, CAROL)[0]))

    def test_voiceShows(self):
        """A visitor given voice appears to everyone as a participant."""
        out = self.iq(self.OLIVIA, "<item nick='carol' role='participant'/>")
        for recipient in (self.OLIVIA, self.ADAM, self.MIA, self.GUS, CAROL):
            (seen,) = presencesTo(out, recipient)
            self.assertEqual((None, "participant"), (seen.getAttribute("type"), item(seen)["role"]))

    def test_devoiceHides(self):
        """
        A participant made visitor leaves the others' view (unavailable)
        and is told its new role itself; its exit then goes to itself only.
        """
        out = self.iq(self.OLIVIA, "<item nick='mia' role='visitor'/>")
        for recipient in (self.OLIVIA, self.ADAM, self.GUS, CAROL):
            (seen,) = presencesTo(out, recipient)
            self.assertEqual((ROOM + "/mia", "unavailable"), (seen["from"], seen["type"]))
        (own,) = presencesTo(out, self.MIA)
        self.assertEqual((None, "visitor", {110}),
                         (own.getAttribute("type"), item(own)["role"], statuses(own)))
        out = self.service.send("<presence from='%s' to='%s/mia' type='unavailable'/>"
                                % (self.MIA, ROOM))
        self.assertEqual({self.MIA}, {s["to"] for s in out})

    def test_visibleLeave(self):
        """A participant's exit still goes to everyone, visitors too."""
        out = self.service.send("<presence from='%s' to='%s/mia' type='unavailable'/>"
                                % (self.MIA, ROOM))
        self.assertEqual({self.OLIVIA, self.ADAM, self.MIA, self.GUS, CAROL},
                         {s["to"] for s in out})


class MultiSessionTests(ServiceTestCase):
    """
    Bob is in a non-anonymous room from two resources under one nick.
    """

    def setUp(self):
        ServiceTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org", whois="anyone")
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")
        self.second = self.service.join(BOB_PHONE, ROOM + "/bob")

    def test_newSessionToldToOtherSessions(self):
        """
        The occupant's presence after a second session entered goes to
        every occupant, the first session too (with 110 alone); the new
        session gets its own last, with the entrance's statuses.
        """
        (first,) = presencesTo(self.second, BOB)
        self.assertEqual((ROOM + "/bob", {110}), (first["from"], statuses(first)))
        own = presencesTo(self.second, BOB_PHONE)
        self.assertEqual((ROOM + "/bob", {100, 110}), (own[-1]["from"], statuses(own[-1])))
        self.assertEqual(1, len(presencesTo(self.second, ALICE)))

    def test_selfPresenceShowsOwnJID(self):
        """Each session's copy of its own presence carries that session's full JID."""
        out = self.service.send("<presence from='%s' to='%s/bob'><show>away</show></presence>"
                                % (BOB, ROOM))
        for session in (BOB, BOB_PHONE):
            (own,) = presencesTo(out, session)
            self.assertEqual(({110}, session), (statuses(own), item(own)["jid"]))

    def test_kickShowsOwnJID(self):
        """A kicked occupant's sessions each get 307 and 110 with their own full JID."""
        out = self.service.send(
            "<iq type='set' id='k' from='%s' to='%s'><query xmlns='%s'>"
            "<item nick='bob' role='none'/></query></iq>" % (ALICE, ROOM, NS_ADMIN))
        for session in (BOB, BOB_PHONE):
            (own,) = presencesTo(out, session)
            self.assertEqual(({110, 307}, session), (statuses(own), item(own)["jid"]))
        self.assertEqual({}, self.service.rooms.joinTracker.roomsOf(JID(BOB)))
        self.assertEqual({}, self.service.rooms.joinTracker.roomsOf(JID(BOB_PHONE)))

    def test_privateMessageLanguage(self):
        """A private message keeps its xml:lang, to every session of the recipient."""
        out = self.service.send("<message from='%s' to='%s/bob' type='chat' xml:lang='de'>"
                                "<body>hallo</body></message>" % (ALICE, ROOM))
        self.assertEqual({BOB, BOB_PHONE}, {s["to"] for s in out})
        for stanza in out:
            self.assertEqual("de", stanza[(NS_XML, "lang")])

    def test_rejoinTold(self):
        """
        A session entering again (a rejoin) gets the join sequence, and the
        presence it entered with goes to the others and to the occupant's
        other session like any update.
        """
        out = self.service.join(BOB, ROOM + "/bob", "<show>away</show>")
        toBob = [s for s in out if s["to"] == BOB]
        self.assertEqual([ROOM + "/alice", ROOM + "/bob", ROOM], [s["from"] for s in toBob])
        self.assertEqual({100, 110}, statuses(toBob[1]))
        (seen,) = presencesTo(out, ALICE)
        self.assertEqual((ROOM + "/bob", "away", set()), (seen["from"], str(seen.show),
                                                          statuses(seen)))
        (other,) = presencesTo(out, BOB_PHONE)
        self.assertEqual(("away", {110}), (str(other.show), statuses(other)))


class AffiliationRoleTests(PopulatedRoomTestCase):
    """
    A raised affiliation never lowers a role (XEP-0045 lowers roles with
    affiliations only), and a registration changes no role.
    """

    def iq(self, sender, items):
        return self.service.send(
            "<iq type='set' id='a1' from='%s' to='%s'><query xmlns='%s'>%s</query></iq>"
            % (sender, ROOM, NS_ADMIN, items))

    def test_membershipKeepsModeration(self):
        """A moderator made member stays moderator; all see the new affiliation."""
        self.iq(self.OLIVIA, "<item nick='gus' role='moderator'/>")
        out = self.iq(self.OLIVIA, "<item jid='gus@example.org' affiliation='member'/>")
        self.assertEqual("moderator", self.room.occupants["gus"].role)
        for recipient in (self.OLIVIA, self.ADAM, self.MIA, self.GUS):
            (seen,) = presencesTo(out, recipient)
            self.assertEqual(("member", "moderator"),
                             (item(seen)["affiliation"], item(seen)["role"]))

    def test_nickReservationKeepsRole(self):
        """Reserving a nick for a silenced member leaves it a visitor."""
        self.iq(self.ADAM, "<item nick='mia' role='visitor'/>")
        out = self.iq(self.ADAM, "<item jid='mia@example.org' affiliation='member' nick='mia'/>")
        self.assertEqual("visitor", self.room.occupants["mia"].role)
        (seen,) = presencesTo(out, self.GUS)
        self.assertEqual(("member", "visitor"), (item(seen)["affiliation"], item(seen)["role"]))

    def test_revokedAdminLosesModeration(self):
        """An admin made member becomes a participant."""
        out = self.iq(self.OLIVIA, "<item jid='adam@example.org' affiliation='member'/>")
        self.assertEqual("participant", self.room.occupants["adam"].role)
        (seen,) = presencesTo(out, self.GUS)
        self.assertEqual(("member", "participant"),
                         (item(seen)["affiliation"], item(seen)["role"]))
