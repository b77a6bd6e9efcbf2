"""
Room administration through C{muc#admin} (XEP-0045 sections 8 and 9): the
lists and who may see them, kicking, voice, moderation, banning and
membership, through the fake component stream.
"""

from twisted.words.protocols.jabber.jid import JID

from mucservice.records import Affiliation
from mucservice.testing import storedRoom
from tests.fakeservice import PopulatedRoomTestCase, errorCondition, item, statuses

NS_ADMIN = "http://jabber.org/protocol/muc#admin"
ROOM = "room@muc.example.org"
OLIVIA = "olivia@example.org/desk"  # owner
ADAM = "adam@example.org/desk"  # admin
MIA = "mia@example.org/desk"  # member, reserved nick "mia"
GUS = "gus@example.org/desk"  # no affiliation
OTTO = "otto@example.org/x"  # not in the room
BOSS = "boss@example.org/x"  # service admin, not in the room


def reply(stanzas):
    """
    @return: the one IQ among C{stanzas}.
    """
    (answer,) = [s for s in stanzas if s.name == "iq"]
    return answer


def presencesTo(stanzas, recipient):
    return [s for s in stanzas if s.name == "presence" and s["to"] == recipient]


class AdminTestCase(PopulatedRoomTestCase):
    def iq(self, sender, kind, items, to=ROOM):
        """
        Send a muc#admin IQ and return what the service wrote.
        """
        return self.service.send(
            "<iq type='%s' id='a1' from='%s' to='%s'><query xmlns='%s'>%s</query></iq>"
            % (kind, sender, to, NS_ADMIN, items))

    def listed(self, sender, items):
        """
        @return: the items of the list asked for, as dicts of attributes.
        """
        answer = reply(self.iq(sender, "get", items))
        self.assertEqual("result", answer["type"], answer.toXml())
        return [dict(i.attributes) for i in answer.query.elements(NS_ADMIN, "item")]

    def assertRefused(self, condition, stanzas):
        answer = reply(stanzas)
        self.assertEqual(("error", condition), (answer["type"], errorCondition(answer)))

    def assertResult(self, stanzas):
        self.assertEqual("result", reply(stanzas)["type"])

    def tracked(self, realJID):
        return JID(ROOM) in self.service.rooms.joinTracker.roomsOf(JID(realJID))


class ListTests(AdminTestCase):
    def test_memberList(self):
        """
        Admins get the member list with affiliation, bare jid and reserved
        nick; so do participants of a non-anonymous room, as getMemberList
        names them by default.
        """
        self.room.config = self.room.config.replace(whois="anyone")
        for sender in (ADAM, GUS):
            self.assertEqual([{"affiliation": "member", "jid": "mia@example.org", "nick": "mia"}],
                             self.listed(sender, "<item affiliation='member'/>"))

    def test_memberListRefusedByConfig(self):
        """The member list is forbidden to participants when only moderators may get it."""
        self.room.config = self.room.config.replace(getMemberList=("moderator",))
        for sender in (GUS, MIA, OTTO):
            self.assertRefused("forbidden", self.iq(sender, "get", "<item affiliation='member'/>"))
        self.assertEqual(1, len(self.listed(ADAM, "<item affiliation='member'/>")))

    def test_memberListRefusedToStranger(self):
        """Somebody neither affiliated nor in the room may not get the member list."""
        self.assertRefused("forbidden", self.iq(OTTO, "get", "<item affiliation='member'/>"))

    def test_privateListsRefused(self):
        """
        The outcast, admin and owner lists are for admins and owners only:
        members and participants get forbidden (CVE-2021-37601 leaked them).
        """
        for affiliation in ("outcast", "admin", "owner"):
            for sender in (MIA, GUS, OTTO):
                out = self.iq(sender, "get", "<item affiliation='%s'/>" % affiliation)
                self.assertRefused("forbidden", out)
                self.assertNotIn("olivia@example.org", reply(out).toXml())

    def test_privateListsToAdmins(self):
        """Admins, owners and service admins get the outcast, admin and owner lists."""
        self.room.setAffiliationEntry(JID("troll@example.org"), "outcast")
        for sender in (ADAM, OLIVIA, BOSS):
            self.assertEqual([{"affiliation": "outcast", "jid": "troll@example.org"}],
                             self.listed(sender, "<item affiliation='outcast'/>"))
            for affiliation, jid in (("admin", "adam@example.org"),
                                     ("owner", "olivia@example.org")):
                self.assertEqual([jid], [i["jid"] for i in self.listed(
                    sender, "<item affiliation='%s'/>" % affiliation)])

    def test_roleList(self):
        """Moderators get the occupants with a role: nick, role, affiliation, real jid."""
        self.assertEqual([{"nick": "mia", "role": "participant", "affiliation": "member",
                           "jid": MIA},
                          {"nick": "gus", "role": "participant", "affiliation": "none",
                           "jid": GUS}], self.listed(ADAM, "<item role='participant'/>"))
        self.assertEqual(["olivia", "adam"],
                         [i["nick"] for i in self.listed(OLIVIA, "<item role='moderator'/>")])

    def test_roleListRefused(self):
        """Participants and strangers may not list roles."""
        for sender in (MIA, GUS, OTTO):
            self.assertRefused("forbidden", self.iq(sender, "get", "<item role='participant'/>"))

    def test_noJIDsWithoutDiscovery(self):
        """The role list carries real JIDs only if the requester may discover them."""
        self.room.mayDiscoverJIDs = lambda occupant: False
        self.assertEqual([None, None], [i.get("jid") for i in self.listed(
            ADAM, "<item role='participant'/>")])

    def test_badQueries(self):
        """A get without an item, naming neither list, or an unknown one: bad-request."""
        for items in ("", "<item/>", "<item role='king'/>", "<item affiliation='king'/>"):
            self.assertRefused("bad-request", self.iq(OLIVIA, "get", items))

    def test_unknownRoom(self):
        """An IQ to a room that does not exist gets item-not-found."""
        self.assertRefused("item-not-found", self.iq(OLIVIA, "get", "<item affiliation='member'/>",
                                                     to="nowhere@muc.example.org"))

    def test_lockedRoom(self):
        """A room locked for its creation does not exist for others than its owner."""
        self.service.join("zed@example.org/z", "new@muc.example.org/zed")
        self.assertRefused("item-not-found", self.iq(
            GUS, "get", "<item affiliation='member'/>", to="new@muc.example.org"))
        self.assertResult(self.iq("zed@example.org/z", "get", "<item affiliation='owner'/>",
                                  to="new@muc.example.org"))


class KickTests(AdminTestCase):
    def test_kick(self):
        """
        Kicking sends the occupant unavailable presence with 307 and 110, the
        others with 307, all with actor and reason; the occupant is gone.
        """
        out = self.iq(ADAM, "set", "<item nick='gus' role='none'><reason>Spam</reason></item>")
        self.assertResult(out)
        (own,) = presencesTo(out, GUS)
        self.assertEqual(("unavailable", ROOM + "/gus"), (own["type"], own["from"]))
        self.assertEqual({307, 110}, statuses(own))
        self.assertEqual(("none", "none"), (item(own)["affiliation"], item(own)["role"]))
        for recipient in (GUS, OLIVIA, ADAM, MIA):
            (seen,) = presencesTo(out, recipient)
            self.assertEqual("unavailable", seen["type"])
            self.assertEqual(("adam", "Spam"), (item(seen).actor["nick"], str(item(seen).reason)))
            if recipient != GUS:
                self.assertEqual({307}, statuses(seen))
        self.assertNotIn("gus", self.room.occupants)
        self.assertNotIn(JID(GUS), self.room.sessions)
        self.assertFalse(self.tracked(GUS))

    def test_kickEverySession(self):
        """Every session of a kicked occupant gets its own copy and leaves the tracker."""
        self.service.join("gus@example.org/phone", ROOM + "/gus")
        out = self.iq(OLIVIA, "set", "<item nick='gus' role='none'/>")
        for session in (GUS, "gus@example.org/phone"):
            (own,) = presencesTo(out, session)
            self.assertEqual({307, 110}, statuses(own))
            self.assertFalse(self.tracked(session))
        self.assertIsNone(item(own).reason)

    def test_kickDropsStatus(self):
        """The unavailable presence of a kick carries no show or status of the occupant's."""
        self.service.send("<presence from='%s' to='%s/gus'><show>away</show></presence>"
                          % (GUS, ROOM))
        out = self.iq(OLIVIA, "set", "<item nick='gus' role='none'/>")
        for presence in presencesTo(out, GUS) + presencesTo(out, MIA):
            self.assertIsNone(presence.show)

    def test_refused(self):
        """
        A member (a mere participant) may not kick: forbidden; a moderator
        without affiliation may not kick an admin: not-allowed; an unknown
        nick: item-not-found; an owner outside the room: not-acceptable.
        Nothing is sent but the error.
        """
        self.iq(OLIVIA, "set", "<item nick='gus' role='moderator'/>")
        for condition, sender, nick in (("forbidden", MIA, "gus"), ("not-allowed", GUS, "adam"),
                                        ("item-not-found", OLIVIA, "x"),
                                        ("not-acceptable", BOSS, "gus")):
            out = self.iq(sender, "set", "<item nick='%s' role='none'/>" % nick)
            self.assertRefused(condition, out)
            self.assertEqual(1, len(out))
        self.assertEqual(["olivia", "adam", "mia", "gus"], list(self.room.occupants))


class VoiceAndModerationTests(AdminTestCase):
    config = {"moderated": True}

    def test_revokeVoice(self):
        """Revoking voice makes the occupant a visitor, told to all with actor and reason."""
        out = self.iq(ADAM, "set", "<item nick='gus' role='visitor'><reason>Calm</reason></item>")
        self.assertResult(out)
        self.assertEqual("visitor", self.room.occupants["gus"].role)
        for recipient in (OLIVIA, ADAM, MIA, GUS):
            (seen,) = presencesTo(out, recipient)
            self.assertIsNone(seen.getAttribute("type"))
            self.assertEqual("visitor", item(seen)["role"])
            self.assertEqual(("adam", "Calm"), (item(seen).actor["nick"], str(item(seen).reason)))
            self.assertEqual({110} if recipient == GUS else set(), statuses(seen))

    def test_grantVoice(self):
        """Granting voice to a visitor makes it a participant, told to all."""
        self.service.join(OTTO, ROOM + "/otto")
        self.assertEqual("visitor", self.room.occupants["otto"].role)
        out = self.iq(ADAM, "set", "<item nick='otto' role='participant'/>")
        self.assertEqual("participant", self.room.occupants["otto"].role)
        self.assertEqual(5, len([s for s in out if s.name == "presence"]))
        self.assertEqual("participant", item(presencesTo(out, MIA)[0])["role"])

    def test_newModeratorSeesRealJIDs(self):
        """A new moderator of a semi-anonymous room gets the others' presence again, with JIDs;
        losing moderation sends them again without."""
        out = self.iq(ADAM, "set", "<item nick='mia' role='moderator'/>")
        others = [s for s in presencesTo(out, MIA) if s["from"] != ROOM + "/mia"]
        self.assertEqual({ROOM + "/" + n for n in ("olivia", "adam", "gus")},
                         {s["from"] for s in others})
        self.assertEqual({OLIVIA, ADAM, GUS}, {item(s)["jid"] for s in others})
        out = self.iq(OLIVIA, "set", "<item nick='mia' role='participant'/>")
        others = [s for s in presencesTo(out, MIA) if s["from"] != ROOM + "/mia"]
        self.assertEqual(3, len(others))
        self.assertEqual({None}, {item(s).getAttribute("jid") for s in others})
        out = self.iq(ADAM, "set", "<item nick='gus' role='visitor'/>")
        self.assertEqual([ROOM + "/gus"], [s["from"] for s in presencesTo(out, GUS)])

    def test_grantAndRevokeModerator(self):
        """Admins and owners grant and revoke moderation; the room sees each change."""
        out = self.iq(ADAM, "set", "<item nick='mia' role='moderator'/>")
        self.assertEqual(("member", "moderator"), (item(presencesTo(out, GUS)[0])["affiliation"],
                                                   item(presencesTo(out, GUS)[0])["role"]))
        out = self.iq(OLIVIA, "set", "<item nick='mia' role='participant'/>")
        self.assertEqual("participant", item(presencesTo(out, GUS)[0])["role"])
        self.assertEqual("participant", self.room.occupants["mia"].role)

    def test_moderationRefused(self):
        """
        A moderator without affiliation may not make others moderators
        (forbidden); nobody takes moderation from an admin (not-allowed).
        """
        self.iq(OLIVIA, "set", "<item nick='gus' role='moderator'/>")
        self.assertRefused("forbidden", self.iq(GUS, "set", "<item nick='mia' role='moderator'/>"))
        self.assertRefused("not-allowed",
                           self.iq(OLIVIA, "set", "<item nick='adam' role='participant'/>"))

    def test_roleByJID(self):
        """
        An item may name the occupant by real JID (section 9.8); somebody not
        in the room is item-not-found, and who may not see real JIDs may not
        name occupants by them (forbidden).
        """
        self.assertResult(self.iq(OLIVIA, "set", "<item jid='%s' role='moderator'/>" % MIA))
        self.assertEqual("moderator", self.room.occupants["mia"].role)
        self.assertRefused("item-not-found",
                           self.iq(OLIVIA, "set", "<item jid='%s' role='visitor'/>" % OTTO))
        self.assertRefused("forbidden",
                           self.iq(GUS, "set", "<item jid='%s' role='visitor'/>" % ADAM))

    def test_severalRoles(self):
        """Several role items apply in order; a refused one stops the rest, earlier ones stand."""
        out = self.iq(ADAM, "set", "<item nick='gus' role='visitor'/>"
                      "<item nick='olivia' role='visitor'/><item nick='mia' role='visitor'/>")
        self.assertRefused("not-allowed", out)
        self.assertEqual("visitor", self.room.occupants["gus"].role)
        self.assertEqual("visitor", item(presencesTo(out, MIA)[0])["role"])
        self.assertEqual("participant", self.room.occupants["mia"].role)


class AffiliationTests(AdminTestCase):
    def test_ban(self):
        """
        Banning an occupant removes it with 301 (and 110 for itself), affiliation
        outcast, actor and reason; it may not come back.
        """
        out = self.iq(ADAM, "set", "<item affiliation='outcast' jid='gus@example.org'>"
                      "<reason>Treason</reason></item>")
        self.assertResult(out)
        (own,) = presencesTo(out, GUS)
        self.assertEqual(("unavailable", {301, 110}), (own["type"], statuses(own)))
        self.assertEqual(("outcast", "none"), (item(own)["affiliation"], item(own)["role"]))
        self.assertEqual(("adam", "Treason"), (item(own).actor["nick"], str(item(own).reason)))
        (seen,) = presencesTo(out, MIA)
        self.assertEqual(({301}, "Treason"), (statuses(seen), str(item(seen).reason)))
        self.assertFalse(self.tracked(GUS))
        self.assertNotIn("gus", self.room.occupants)
        (error,) = self.service.join(GUS, ROOM + "/gus")
        self.assertEqual("forbidden", errorCondition(error))

    def test_absent(self):
        """
        Banning somebody absent, or making it a member, changes the list
        and sends no presence: only the announcement of the change to those
        who see real JIDs (the moderators of this semi-anonymous room; see
        tests/test_affiliation_notices.py), then the answer.
        """
        for affiliation in ("outcast", "member"):
            out = self.iq(ADAM, "set", "<item affiliation='%s' jid='otto@example.org'/>"
                          % affiliation)
            self.assertEqual(["message"] * 2 + ["iq"], [s.name for s in out])
            self.assertEqual(affiliation, self.room.affiliationOf(JID(OTTO)))

    def test_grantMembership(self):
        """Making an occupant a member tells the room its new affiliation."""
        out = self.iq(ADAM, "set", "<item affiliation='member' jid='gus@example.org'/>")
        self.assertEqual(4, len([s for s in out if s.name == "presence"]))
        (seen,) = presencesTo(out, MIA)
        self.assertIsNone(seen.getAttribute("type"))
        self.assertEqual(("member", "participant"), (item(seen)["affiliation"],
                                                      item(seen)["role"]))
        self.assertEqual({110}, statuses(presencesTo(out, GUS)[0]))

    def test_grantAdmin(self):
        """An owner makes a member admin: the room sees affiliation admin, role moderator."""
        out = self.iq(OLIVIA, "set", "<item affiliation='admin' jid='mia@example.org'/>")
        (seen,) = presencesTo(out, GUS)
        self.assertEqual(("admin", "moderator"), (item(seen)["affiliation"], item(seen)["role"]))
        self.assertEqual("olivia", item(seen).actor["nick"])

    def test_adminCannotTouchOwner(self):
        """Admins may neither demote nor ban owners, nor make admins: not-allowed."""
        for items in ("<item affiliation='none' jid='olivia@example.org'/>",
                      "<item affiliation='outcast' jid='olivia@example.org'/>",
                      "<item affiliation='admin' jid='gus@example.org'/>"):
            self.assertRefused("not-allowed", self.iq(ADAM, "set", items))
        self.assertEqual("owner", self.room.affiliationOf(JID(OLIVIA)))
        self.assertEqual("none", self.room.affiliationOf(JID(GUS)))

    def test_memberCannotBan(self):
        """Members and unaffiliated occupants change no affiliation: forbidden."""
        for sender in (MIA, GUS):
            self.assertRefused("forbidden", self.iq(
                sender, "set", "<item affiliation='outcast' jid='otto@example.org'/>"))

    def test_lastOwner(self):
        """The last owner cannot give up ownership (conflict), but may with another owner."""
        self.assertRefused("conflict", self.iq(
            OLIVIA, "set", "<item affiliation='admin' jid='olivia@example.org'/>"))
        self.assertEqual("owner", self.room.affiliationOf(JID(OLIVIA)))
        self.assertResult(self.iq(OLIVIA, "set",
                                  "<item affiliation='owner' jid='adam@example.org'/>"
                                  "<item affiliation='admin' jid='olivia@example.org'/>"))
        self.assertEqual(["adam@example.org"], [j.full() for j in self.room.owners()])

    def test_batch(self):
        """A member list delta (one removed, one added) applies as one IQ, all or nothing."""
        self.assertRefused("not-allowed", self.iq(
            ADAM, "set", "<item affiliation='member' jid='otto@example.org'/>"
            "<item affiliation='none' jid='olivia@example.org'/>"))
        self.assertEqual("none", self.room.affiliationOf(JID(OTTO)))
        out = self.iq(ADAM, "set", "<item affiliation='none' jid='mia@example.org'/>"
                      "<item affiliation='member' jid='otto@example.org'/>")
        self.assertResult(out)
        self.assertEqual(["otto@example.org"],
                         [i["jid"] for i in self.listed(ADAM, "<item affiliation='member'/>")])
        self.assertEqual("none", item(presencesTo(out, GUS)[0])["affiliation"])

    def test_serviceAdmin(self):
        """A service admin bans without being affiliated with or in the room (no actor)."""
        out = self.iq(BOSS, "set", "<item affiliation='outcast' jid='gus@example.org'/>")
        self.assertResult(out)
        self.assertIsNone(item(presencesTo(out, GUS)[0]).actor)

    def test_lastOccupantBanned(self):
        """A temporary room whose last occupant is banned goes away."""
        for realJID in (OLIVIA, ADAM, MIA):
            self.service.send("<presence type='unavailable' from='%s' to='%s/x'/>"
                              % (realJID, ROOM))
        self.assertEqual(["gus"], list(self.room.occupants))
        self.assertResult(self.iq(BOSS, "set",
                                  "<item affiliation='outcast' jid='gus@example.org'/>"))
        self.assertIsNone(self.service.rooms.getRoom(JID(ROOM)))

    def test_badItems(self):
        """
        Mixed role and affiliation items, items without target or kind, or of
        an unknown affiliation: bad-request; an invalid JID: jid-malformed.
        """
        for items in ("<item affiliation='member' jid='otto@example.org'/>"
                      "<item nick='gus' role='visitor'/>",
                      "<item jid='otto@example.org'/>", "<item affiliation='member'/>",
                      "<item role='visitor'/>", "",
                      "<item affiliation='king' jid='otto@example.org'/>"):
            self.assertRefused("bad-request", self.iq(OLIVIA, "set", items))
        self.assertRefused("jid-malformed",
                           self.iq(OLIVIA, "set", "<item affiliation='member' jid='x@'/>"))
        self.assertEqual("none", self.room.affiliationOf(JID(OTTO)))
        self.assertEqual("participant", self.room.occupants["gus"].role)


class MembersOnlyTests(AdminTestCase):
    """
    The room is persistent and members-only: gus could not enter.
    """

    config = {"membersOnly": True, "persistent": True}

    def setUp(self):
        AdminTestCase.setUp(self)
        self.service.rooms.writer.saveWhole(self.room)

    def test_revokeMembership(self):
        """Revoking membership in a members-only room removes the occupant with 321."""
        out = self.iq(ADAM, "set", "<item affiliation='none' jid='mia@example.org'/>")
        (own,) = presencesTo(out, MIA)
        self.assertEqual(("unavailable", {321, 110}), (own["type"], statuses(own)))
        self.assertEqual({321}, statuses(presencesTo(out, OLIVIA)[0]))
        self.assertNotIn("mia", self.room.occupants)
        self.assertFalse(self.tracked(MIA))

    def test_saved(self):
        """Affiliation changes of a persistent room reach the store."""
        self.iq(ADAM, "set", "<item affiliation='outcast' jid='otto@example.org'/>"
                "<item affiliation='none' jid='mia@example.org'/>")
        stored = self.successResultOf(
            storedRoom(self.service.rooms.store, JID(ROOM))).affiliations
        self.assertEqual(Affiliation("outcast"), stored[JID("otto@example.org")])
        self.assertNotIn(JID("mia@example.org"), stored)
