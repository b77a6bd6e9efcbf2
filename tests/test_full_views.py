"""
Who hears of an occupant that came in under the presence cap, once the
room is over it (L{mucservice.room.audience}): those that have it in their
list, the full views (the occupants that came under the cap, and the
moderators), and not the many that came over the cap and never got it;
but everyone, as soon as its presence has reached those too. Through the
fake component stream.
"""

from mucservice.room.config import MAX_USERS_PRESENCE_FIELD
from tests.fakeservice import NS_MUC, FakeService
from tests.test_owner import ownerIQ
from tests.test_presence_cap import ADAM, GUS, MIA, OLIVIA, ROOM, ZOE, fromOccupant, shownTo
from tests.test_presence_views import CappedRoomTestCase, probe, setRole

NS_DATA = "jabber:x:data"
NS_ROOMCONFIG = NS_MUC + "#roomconfig"


def capForm(cap):
    """
    @return: a submitted configuration form that sets the presence cap.
    """
    return ("<x xmlns='%s' type='submit'><field var='FORM_TYPE'><value>%s</value></field>"
            "<field var='%s'><value>%s</value></field></x>"
            % (NS_DATA, NS_ROOMCONFIG, MAX_USERS_PRESENCE_FIELD, cap))


def leave(service, realJID, nick):
    """
    @return: what the service wrote for the leave of C{realJID} as C{nick}.
    """
    return service.send("<presence from='%s' to='%s/%s' type='unavailable'/>"
                        % (realJID, ROOM, nick))


class FullViewTests(CappedRoomTestCase):
    """
    Olivia (a moderator) and mia came under the cap of 2, gus and zoe over
    it: gus and zoe never got mia's presence.
    """

    def test_changeToFullViews(self):
        """
        Mia's new status and her leave go to olivia, who has her in her
        list, not to gus and zoe, who do not.
        """
        out = self.service.send("<presence from='%s' to='%s/mia'><show>away</show></presence>"
                                % (MIA, ROOM))
        self.assertEqual([MIA, OLIVIA], fromOccupant(out, "mia"))
        self.assertEqual([MIA, OLIVIA], fromOccupant(leave(self.service, MIA, "mia"), "mia"))

    def test_newcomerUnderCapHasFullView(self):
        """
        Once the room is under its cap again, a newcomer gets everyone, and
        hears of mia from then on, after the room is over its cap again.
        """
        leave(self.service, GUS, "gus")
        self.room.config = self.room.config.replace(maxUsersPresence=4)
        self.assertIn("mia", shownTo(self.service.join(ADAM, ROOM + "/adam"), ADAM))
        self.room.config = self.room.config.replace(maxUsersPresence=2)
        self.assertEqual(sorted([ADAM, MIA, OLIVIA]),
                         fromOccupant(leave(self.service, MIA, "mia"), "mia"))

    def test_toldToPartialViewsToldEveryone(self):
        """
        A presence that reached every occupant while some had come over the
        cap (mia's, while the room was under its cap again) put her in
        their lists: her leave reaches them later, the room over its cap
        again.
        """
        leave(self.service, GUS, "gus")
        self.room.config = self.room.config.replace(maxUsersPresence=3)
        out = self.service.send("<presence from='%s' to='%s/mia'><show>away</show></presence>"
                                % (MIA, ROOM))
        self.assertEqual(sorted([MIA, OLIVIA, ZOE]), fromOccupant(out, "mia"))
        self.service.join(ADAM, ROOM + "/adam")
        self.assertIn(ZOE, fromOccupant(leave(self.service, MIA, "mia"), "mia"))

    def test_roleChangeToldEveryone(self):
        """
        A role change is told to every occupant: mia, made visitor, is in
        zoe's list from then on, and her leave reaches zoe.
        """
        out = setRole(self.service, OLIVIA, "mia", "visitor")
        self.assertIn(ZOE, fromOccupant(out, "mia"))
        self.assertIn(ZOE, fromOccupant(leave(self.service, MIA, "mia"), "mia"))

    def test_partialViewProbes(self):
        """
        Zoe, who came over the cap, probes mia: she becomes mia's watcher
        and hears of her leave; gus does not.
        """
        self.assertEqual([ZOE], fromOccupant(probe(self.service, ZOE, "mia"), "mia"))
        self.assertEqual([MIA, OLIVIA, ZOE], fromOccupant(leave(self.service, MIA, "mia"), "mia"))

    def test_promotedHasFullView(self):
        """
        Zoe, made moderator, gets everyone, and keeps the full view when
        made participant again: she is told that gus (who came over the cap)
        leaves her view, not mia, whose leave she hears of later.
        """
        self.assertEqual(2, self.room.partialViewers)
        self.assertIn("mia", shownTo(setRole(self.service, OLIVIA, "zoe", "moderator"), ZOE))
        self.assertEqual(1, self.room.partialViewers)
        out = setRole(self.service, OLIVIA, "zoe", "participant")
        gone = [s["from"] for s in out if s.name == "presence" and s["to"] == ZOE
                and s.getAttribute("type") == "unavailable"]
        self.assertEqual([ROOM + "/gus"], gone)
        self.assertIn(ZOE, fromOccupant(leave(self.service, MIA, "mia"), "mia"))

    def test_partialViewersCounted(self):
        """
        The room counts the occupants with the partial view: gus and zoe,
        until they leave; a new session of one keeps its view.
        """
        self.service.join("zoe@example.org/phone", ROOM + "/zoe")
        self.assertEqual(2, self.room.partialViewers)
        leave(self.service, GUS, "gus")
        leave(self.service, ZOE, "zoe")
        self.assertEqual(1, self.room.partialViewers)
        leave(self.service, "zoe@example.org/phone", "zoe")
        self.assertEqual(0, self.room.partialViewers)


class CapTurnedOnTests(CappedRoomTestCase):
    """
    A room without a cap, in which everyone got everyone, is given one.
    """

    def setUp(self):
        self.service = FakeService()
        self.room = self.service.makeRoom(ROOM, "olivia@example.org", maxUsersPresence=None)
        for realJID, nick in ((OLIVIA, "olivia"), (MIA, "mia"), (GUS, "gus"), (ZOE, "zoe")):
            self.service.join(realJID, "%s/%s" % (ROOM, nick))

    def test_leaveReachesEveryone(self):
        """
        With a cap of 1 from now on, the room is over it; gus's leave still
        reaches everyone, who all had him in their list.
        """
        self.assertEqual("result", ownerIQ(self.service, OLIVIA, "set", capForm(1))[-1]["type"])
        self.assertEqual(1, self.room.config.maxUsersPresence)
        self.assertEqual(sorted([GUS, MIA, OLIVIA, ZOE]),
                         fromOccupant(leave(self.service, GUS, "gus"), "gus"))
