"""
What an occupant of a room over its presence cap keeps in its list of the
others (L{mucservice.room.audience}): nobody that it no longer hears of
stays in it as a ghost, after a demotion, a change of the roles whose
presence the room broadcasts, or a probe. Through the fake component
stream.
"""

import dataclasses

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from tests.fakeservice import NS_MUC, FakeService, item, statuses
from tests.test_owner import form, ownerIQ
from tests.test_presence_cap import GUS, LENA, MIA, OLIVIA, ROOM, ZOE, fromOccupant, shownTo

ADMIN_NS = NS_MUC + "#admin"
ADAM = "adam@example.org/desk"


def setRole(service, actor, nick, role):
    """
    Send a role change of C{nick} by C{actor} and return what the service
    wrote.
    """
    return service.send("<iq type='set' id='r' from='%s' to='%s'><query xmlns='%s'>"
                        "<item nick='%s' role='%s'/></query></iq>"
                        % (actor, ROOM, ADMIN_NS, nick, role))


def presenceTo(out, realJID, nick):
    """
    @return: the presence stanzas from C{nick} to C{realJID}, in order.
    """
    return [s for s in out if s.name == "presence" and s["to"] == realJID
            and s["from"] == "%s/%s" % (ROOM, nick)]


class CappedRoomTestCase(SynchronousTestCase):
    """
    A room with a presence cap of 2, owned by olivia (a moderator): mia
    enters under the cap (announced), gus and zoe over it, so that the
    participants hear neither of gus nor of zoe.

    @cvar whois: who may see the occupants' real JIDs.
    @cvar gusModerator: whether gus is made moderator before zoe comes, so
        that he has her in his list.
    """

    whois = "moderators"
    gusModerator = False

    def setUp(self):
        self.service = FakeService()
        self.room = self.service.makeRoom(ROOM, "olivia@example.org", maxUsersPresence=2,
                                          whois=self.whois)
        for realJID, nick in ((OLIVIA, "olivia"), (MIA, "mia"), (GUS, "gus")):
            self.service.join(realJID, "%s/%s" % (ROOM, nick))
        if self.gusModerator:
            setRole(self.service, OLIVIA, "gus", "moderator")
        out = self.service.join(ZOE, ROOM + "/zoe")
        self.assertEqual(self.gusModerator, GUS in fromOccupant(out, "zoe"))


class DemotionTests(CappedRoomTestCase):
    """
    Gus, a moderator with zoe in his list, is made participant again.
    """

    gusModerator = True

    def test_demotedLosesUnannounced(self):
        """
        A moderator made participant over the cap gets, after the presence
        telling it of its new role, an unavailable presence without status
        codes for every occupant it no longer hears of (zoe, who came over
        the cap): not for those announced to everyone (mia) nor for the
        moderators (olivia).
        """
        out = setRole(self.service, OLIVIA, "gus", "participant")
        toGus = [s for s in out if s.name == "presence" and s["to"] == GUS]
        self.assertEqual(ROOM + "/gus", toGus[0]["from"])
        self.assertEqual("participant", item(toGus[0])["role"])
        [gone] = presenceTo(out, GUS, "zoe")
        self.assertEqual("unavailable", gone.getAttribute("type"))
        self.assertEqual(set(), statuses(gone))
        self.assertNotIn("unavailable", [s.getAttribute("type")
                                         for s in presenceTo(out, GUS, "mia")
                                         + presenceTo(out, GUS, "olivia")])
        out = self.service.send("<presence from='%s' to='%s/zoe' type='unavailable'/>"
                                % (ZOE, ROOM))
        self.assertEqual([OLIVIA, ZOE], fromOccupant(out, "zoe"))

    def test_inOneRequest(self):
        """
        Of several role changes in one request, the occupants that the
        demoted moderator no longer hears of leave its view, and nobody
        else's.
        """
        out = self.service.send(
            "<iq type='set' id='r' from='%s' to='%s'><query xmlns='%s'>"
            "<item nick='gus' role='participant'/><item nick='mia' role='visitor'/>"
            "</query></iq>" % (OLIVIA, ROOM, ADMIN_NS))
        [gone] = presenceTo(out, GUS, "zoe")
        self.assertEqual("unavailable", gone.getAttribute("type"))
        self.assertEqual([], presenceTo(out, MIA, "zoe"))

    def test_adminMadeMember(self):
        """
        An admin made member, and so participant, over the cap is told the
        same: those it no longer hears of leave its view.
        """
        self.room.setAffiliationEntry(JID("adam@example.org"), "admin")
        out = self.service.join(ADAM, ROOM + "/adam")
        self.assertIn("zoe", shownTo(out, ADAM))
        out = self.service.send(
            "<iq type='set' id='a' from='%s' to='%s'><query xmlns='%s'>"
            "<item jid='adam@example.org' affiliation='member'/></query></iq>"
            % (OLIVIA, ROOM, ADMIN_NS))
        [gone] = presenceTo(out, ADAM, "zoe")
        self.assertEqual("unavailable", gone.getAttribute("type"))

    def test_sameAsOverCapNewcomer(self):
        """
        What the demoted moderator keeps of zoe, who came over the cap, is
        what a participant entering now gets: nothing.
        """
        out = setRole(self.service, OLIVIA, "gus", "participant")
        available = [s["from"] for s in out if s.name == "presence" and s["to"] == GUS
                     and not s.hasAttribute("type")]
        self.assertNotIn(ROOM + "/zoe", available)
        out = self.service.join("lena@example.org/desk", ROOM + "/lena")
        self.assertNotIn("zoe", shownTo(out, "lena@example.org/desk"))

    def test_promotedAgain(self):
        """
        Made moderator again, it gets everyone's presence anew, zoe's too,
        and hears of her again.
        """
        setRole(self.service, OLIVIA, "gus", "participant")
        out = setRole(self.service, OLIVIA, "gus", "moderator")
        [shown] = presenceTo(out, GUS, "zoe")
        self.assertFalse(shown.hasAttribute("type"))
        out = self.service.send("<presence from='%s' to='%s/zoe' type='unavailable'/>"
                                % (ZOE, ROOM))
        self.assertEqual([GUS, OLIVIA, ZOE], fromOccupant(out, "zoe"))


class NonAnonymousDemotionTests(DemotionTests):
    """
    The same in a non-anonymous room, where the demoted moderator sees the
    real JIDs as before and gets no occupant list anew.
    """

    whois = "anyone"


class BroadcastRolesTests(CappedRoomTestCase):
    """
    The owner changes the roles whose presence the room broadcasts
    (C{muc#roomconfig_presencebroadcast}).
    """

    def configure(self, *roles):
        return ownerIQ(self.service, OLIVIA, "set", form({"presencebroadcast": list(roles)}))

    def test_hiddenOverCap(self):
        """
        Participants taken out of the broadcast leave the view of those
        that had them: one that came under the cap (mia) that of the
        moderators and those that came under the cap too, not that of
        those that came over it (gus, zoe); one that came over the cap
        (gus) only the moderators' and its user's own.
        """
        out = self.configure("moderator")
        self.assertEqual([OLIVIA], fromOccupant(out, "mia"))
        self.assertEqual([OLIVIA], fromOccupant(out, "gus"))
        self.assertEqual([OLIVIA], fromOccupant(out, "zoe"))

    def test_shownOverCap(self):
        """
        Put back into the broadcast, a participant that came over the cap
        appears to the moderators only, not to all the others.
        """
        self.configure("moderator")
        out = self.configure("moderator", "participant", "visitor")
        self.assertEqual([OLIVIA], fromOccupant(out, "gus"))
        self.assertEqual([OLIVIA], fromOccupant(out, "mia"))
        for stanza in presenceTo(out, OLIVIA, "gus"):
            self.assertFalse(stanza.hasAttribute("type"))


def probe(service, realJID, nick):
    """
    Send a presence probe from C{realJID} to C{nick} and return what the
    service wrote.
    """
    return service.send("<presence type='probe' from='%s' to='%s/%s'/>" % (realJID, ROOM, nick))


class ProbeTests(CappedRoomTestCase):
    """
    Zoe, a participant, probes gus, whose presence she did not get.
    """

    def test_proberHearsOfChanges(self):
        """
        Having probed gus, zoe hears of his presence changes, his nick
        change and his leave, so that she keeps no ghost; mia, who did not
        probe, hears of none of them.
        """
        out = probe(self.service, ZOE, "gus")
        self.assertEqual([ZOE], fromOccupant(out, "gus"))
        out = self.service.send("<presence from='%s' to='%s/gus'><show>away</show></presence>"
                                % (GUS, ROOM))
        self.assertEqual([GUS, OLIVIA, ZOE], fromOccupant(out, "gus"))
        out = self.service.send("<presence from='%s' to='%s/gustav'/>" % (GUS, ROOM))
        self.assertEqual([GUS, OLIVIA, ZOE], fromOccupant(out, "gustav"))
        out = self.service.send("<presence from='%s' to='%s/gustav' type='unavailable'/>"
                                % (GUS, ROOM))
        self.assertEqual([GUS, OLIVIA, ZOE], fromOccupant(out, "gustav"))
        self.assertIsNone(self.room.occupants["zoe"].watch)

    def test_notAnnounced(self):
        """
        A probe does not make the probed occupant's presence reach
        everyone: a newcomer does not get it, and the others do not hear
        of its changes.
        """
        probe(self.service, ZOE, "gus")
        out = self.service.join("lena@example.org/desk", ROOM + "/lena")
        self.assertNotIn("gus", shownTo(out, "lena@example.org/desk"))
        out = self.service.send("<presence from='%s' to='%s/gus'><show>away</show></presence>"
                                % (GUS, ROOM))
        self.assertEqual([GUS, OLIVIA, ZOE], fromOccupant(out, "gus"))

    def test_proberLeaves(self):
        """
        Once the prober is gone, the probed occupant's changes no longer go
        to it, nor to the same user entering again, and neither keeps
        anything of the probe.
        """
        probe(self.service, ZOE, "gus")
        self.service.send("<presence from='%s' to='%s/zoe' type='unavailable'/>" % (ZOE, ROOM))
        self.assertIsNone(self.room.occupants["gus"].watch)
        self.service.join(ZOE, ROOM + "/zoe")
        out = self.service.send("<presence from='%s' to='%s/gus'><show>away</show></presence>"
                                % (GUS, ROOM))
        self.assertEqual([GUS, OLIVIA], fromOccupant(out, "gus"))

    def test_probedLeaves(self):
        """
        When gus, whom zoe probed and who probed zoe, leaves, she hears of
        it, and neither keeps anything of the probes.
        """
        probe(self.service, ZOE, "gus")
        probe(self.service, GUS, "zoe")
        out = self.service.send("<presence from='%s' to='%s/gus' type='unavailable'/>"
                                % (GUS, ROOM))
        self.assertEqual([GUS, OLIVIA, ZOE], fromOccupant(out, "gus"))
        self.assertIsNone(self.room.occupants["zoe"].watch)

    def test_noWatchNeeded(self):
        """
        Nothing is kept for a probe whose prober hears of the probed
        occupant anyway: of a moderator, by a moderator, or of itself.
        """
        for prober, nick in ((ZOE, "olivia"), (OLIVIA, "gus"), (ZOE, "zoe"), (MIA, "mia")):
            self.assertNotEqual([], probe(self.service, prober, nick))
        for occupant in self.room.occupants.values():
            self.assertIsNone(occupant.watch, occupant)

    def test_demotedKeepsWatched(self):
        """
        A participant that probed gus and was then made moderator and
        participant again keeps him: it gets his presence anew (as it may
        no longer see his real JID), not his leaving its view, and goes on
        hearing of him.
        """
        probe(self.service, ZOE, "gus")
        setRole(self.service, OLIVIA, "zoe", "moderator")
        out = setRole(self.service, OLIVIA, "zoe", "participant")
        self.assertEqual([None], [s.getAttribute("type") for s in presenceTo(out, ZOE, "gus")])
        out = self.service.send("<presence from='%s' to='%s/gus' type='unavailable'/>"
                                % (GUS, ROOM))
        self.assertEqual([GUS, OLIVIA, ZOE], fromOccupant(out, "gus"))


class WatchBoundTests(CappedRoomTestCase):
    """
    What probes may tie up is bounded: per occupant (C{--max-watched}) and
    per room (C{--max-watches-per-room}); past either, a probe that would
    make a watcher is refused with resource-constraint, counted as a hit of
    its option, and no presence is given that the prober would not hear of
    again.
    """

    def setUp(self):
        CappedRoomTestCase.setUp(self)
        self.service.join(LENA, ROOM + "/lena")

    def setLimits(self, **bounds):
        """
        Give the service these bounds, as C{--max-watched} and
        C{--max-watches-per-room} would.
        """
        limits = self.service.rooms.limits
        limits.settings = dataclasses.replace(limits.settings, **bounds)

    def hits(self):
        """
        @return: how often each limit was hit.
        """
        return dict(self.service.rooms.limits.hits.counts)

    def refusal(self, out, prober):
        [error] = [s for s in out if s.name == "presence" and s["to"] == prober]
        self.assertEqual("error", error["type"])
        return error.error.firstChildElement().name

    def test_perOccupant(self):
        """
        With a bound of one, zoe watches gus, and her probe of lena is
        refused; a probe that needs no watch (of olivia) is answered.
        """
        self.setLimits(maxWatched=1)
        self.assertEqual([ZOE], fromOccupant(probe(self.service, ZOE, "gus"), "gus"))
        self.assertEqual("resource-constraint",
                         self.refusal(probe(self.service, ZOE, "lena"), ZOE))
        self.assertEqual({"max-watched": 1}, self.hits())
        self.assertEqual([ZOE], fromOccupant(probe(self.service, ZOE, "olivia"), "olivia"))
        self.assertEqual([ZOE], fromOccupant(probe(self.service, ZOE, "gus"), "gus"))

    def test_perRoom(self):
        """
        With a room bound of two ties, a third probe that would make one is
        refused; once gus leaves, his ties are counted out and it is taken.
        """
        self.setLimits(maxWatchesPerRoom=2)
        probe(self.service, ZOE, "gus")
        probe(self.service, LENA, "gus")
        self.assertEqual(2, self.room.watches)
        self.assertEqual("resource-constraint",
                         self.refusal(probe(self.service, ZOE, "lena"), ZOE))
        self.assertEqual({"max-watches-per-room": 1}, self.hits())
        self.service.send("<presence from='%s' to='%s/gus' type='unavailable'/>" % (GUS, ROOM))
        self.assertEqual(0, self.room.watches)
        self.assertEqual([ZOE], fromOccupant(probe(self.service, ZOE, "lena"), "lena"))
        self.assertEqual(1, self.room.watches)
