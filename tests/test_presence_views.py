"""
What an occupant of a room over its presence cap keeps in its list of the
others (L{mucservice.room.audience}): nobody that it no longer hears of
stays in it as a ghost, after a demotion, a change of the roles whose
presence the room broadcasts, or a probe. Through the fake component
stream.
"""

from twisted.trial.unittest import SynchronousTestCase

from tests.fakeservice import NS_MUC, FakeService, item, statuses
from tests.test_owner import form, ownerIQ
from tests.test_presence_cap import GUS, MIA, OLIVIA, ROOM, ZOE, fromOccupant, shownTo

ADMIN_NS = NS_MUC + "#admin"


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


class DemotionTests(SynchronousTestCase):
    """
    A room with a presence cap of 2, owned by olivia (a moderator): mia
    enters under the cap (announced), gus and zoe over it; gus is made
    moderator before zoe comes, so he has her in his list.
    """

    whois = "moderators"

    def setUp(self):
        self.service = FakeService()
        self.room = self.service.makeRoom(ROOM, "olivia@example.org", maxUsersPresence=2,
                                          whois=self.whois)
        self.service.join(OLIVIA, ROOM + "/olivia")
        self.service.join(MIA, ROOM + "/mia")
        self.service.join(GUS, ROOM + "/gus")
        setRole(self.service, OLIVIA, "gus", "moderator")
        out = self.service.join(ZOE, ROOM + "/zoe")
        self.assertIn(GUS, fromOccupant(out, "zoe"))

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


class BroadcastRolesTests(SynchronousTestCase):
    """
    The same room (cap 2; mia announced, gus and zoe over the cap) when its
    owner changes the roles whose presence it broadcasts
    (C{muc#roomconfig_presencebroadcast}).
    """

    def setUp(self):
        self.service = FakeService()
        self.room = self.service.makeRoom(ROOM, "olivia@example.org", maxUsersPresence=2)
        self.service.join(OLIVIA, ROOM + "/olivia")
        self.service.join(MIA, ROOM + "/mia")
        self.service.join(GUS, ROOM + "/gus")
        self.service.join(ZOE, ROOM + "/zoe")

    def configure(self, *roles):
        return ownerIQ(self.service, OLIVIA, "set", form({"presencebroadcast": list(roles)}))

    def test_hiddenOverCap(self):
        """
        Participants taken out of the broadcast leave the view of those
        that had them: an announced one (mia) everyone's, one that came
        over the cap (gus) only the moderators' and its user's own.
        """
        out = self.configure("moderator")
        self.assertEqual(sorted([GUS, OLIVIA, ZOE]), fromOccupant(out, "mia"))
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
        self.assertEqual(sorted([GUS, OLIVIA, ZOE]), fromOccupant(out, "mia"))
        for stanza in presenceTo(out, OLIVIA, "gus"):
            self.assertFalse(stanza.hasAttribute("type"))
