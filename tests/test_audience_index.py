"""
The index a room over its presence cap keeps of its moderators and of its
occupants by user (L{mucservice.room.audience.AudienceIndex}), so that a
join, change or leave over the cap finds who is always told without a pass
over every occupant: it answers as that pass did, through every way an
occupant comes, goes or changes role, and is dropped once the room is far
under its cap. Through the fake component stream.
"""

import random
import sys

from twisted.trial.unittest import SynchronousTestCase

from mucservice.address import JID
from mucservice.memory import SPARSE_MIN_BYTES
from mucservice.room.audience import PARTIAL_VIEW, AudienceIndex
from mucservice.room.occupant import Occupant
from mucservice.room.roles import MODERATOR, PARTICIPANT
from tests.fakeservice import FakeService
from tests.test_presence_cap import GUS, GUS_PHONE, MIA, OLIVIA, ROOM, ZOE, fromOccupant, shownTo
from tests.test_presence_views import setRole

NS_ADMIN = "http://jabber.org/protocol/muc#admin"
ADAM = "adam@example.org/desk"


def setAffiliation(service, actor, userJID, affiliation):
    """
    Send an affiliation change of C{userJID} by C{actor}; return what the
    service wrote.
    """
    return service.send("<iq type='set' id='a' from='%s' to='%s'><query xmlns='%s'>"
                        "<item jid='%s' affiliation='%s'/></query></iq>"
                        % (actor, ROOM, NS_ADMIN, userJID, affiliation))


def scanned(room, occupant, fullViews=False):
    """
    @return: who is always told of C{occupant}, found by a pass over every
        occupant: the moderators and the occupants of its user, and with
        C{fullViews} those without the partial view.
    """
    return {o for o in room.occupants.values()
            if o.role == MODERATOR or (fullViews and not o.capFlags & PARTIAL_VIEW)
            or (o.userJID.user == occupant.userJID.user
                and o.userJID.host == occupant.userJID.host)}


class IndexedRoomTestCase(SynchronousTestCase):
    """
    A room with a presence cap of 2, owned by olivia: mia comes under the
    cap, gus and zoe over it, so that the room keeps its index.
    """

    def setUp(self):
        self.service = FakeService()
        self.room = self.service.makeRoom(ROOM, "olivia@example.org", maxUsersPresence=2)
        for realJID, nick in ((OLIVIA, "olivia"), (MIA, "mia"), (GUS, "gus"), (ZOE, "zoe")):
            self.service.join(realJID, "%s/%s" % (ROOM, nick))
        self.assertIsNotNone(self.room._index)

    def join(self, realJID, nick):
        return self.service.join(realJID, "%s/%s" % (ROOM, nick))


class IndexTests(IndexedRoomTestCase):

    def test_moderatorEnteringLater(self):
        """
        An admin entering over the cap after the index was made is a
        moderator: a participant entering after it gets its presence, and
        it hears of that participant's join.
        """
        setAffiliation(self.service, OLIVIA, "adam@example.org", "admin")
        self.join(ADAM, "adam")
        out = self.join("kim@example.org/desk", "kim")
        self.assertIn("adam", shownTo(out, "kim@example.org/desk"))
        self.assertIn(ADAM, fromOccupant(out, "kim"))

    def test_promotedByAffiliation(self):
        """
        Zoe, made admin, becomes a moderator: the joins over the cap reach
        her from then on; made member again, a participant, they do not.
        """
        setAffiliation(self.service, OLIVIA, "zoe@example.org", "admin")
        self.assertIn(ZOE, fromOccupant(self.join(ADAM, "adam"), "adam"))
        setAffiliation(self.service, OLIVIA, "zoe@example.org", "member")
        self.assertNotIn(ZOE, fromOccupant(self.join("kim@example.org/desk", "kim"), "kim"))

    def test_fullViewByPromotion(self):
        """
        Zoe, who came over the cap, made moderator and participant again,
        keeps the full view: the leave of mia, known to the full views,
        reaches her.
        """
        setRole(self.service, OLIVIA, "zoe", "moderator")
        setRole(self.service, OLIVIA, "zoe", "participant")
        out = self.service.send("<presence from='%s' to='%s/mia' type='unavailable'/>"
                                % (MIA, ROOM))
        self.assertEqual(sorted([MIA, OLIVIA, ZOE]), fromOccupant(out, "mia"))

    def test_otherNickOfSameUser(self):
        """
        Gus entering again from his phone under another nick, over the
        cap, gets his desk's occupant and is heard of by it, and his desk's
        leave reaches the phone; once the phone has left too, neither is
        kept.
        """
        out = self.join(GUS_PHONE, "gus-phone")
        self.assertIn("gus", shownTo(out, GUS_PHONE))
        self.assertIn(GUS, fromOccupant(out, "gus-phone"))
        out = self.service.send("<presence from='%s' to='%s/gus' type='unavailable'/>"
                                % (GUS, ROOM))
        self.assertIn(GUS_PHONE, fromOccupant(out, "gus"))
        self.service.send("<presence from='%s' to='%s/gus-phone' type='unavailable'/>"
                          % (GUS_PHONE, ROOM))
        self.assertEqual(["mia@example.org", "olivia@example.org", "zoe@example.org"],
                         sorted(u.full() for u in self.room._index.byUser))

    def test_droppedFarUnderCap(self):
        """
        The index is kept while the room holds more than half its cap, and
        dropped at half of it: a room emptied keeps nothing of its crowd.
        """
        self.service.send("<presence from='%s' to='%s/zoe' type='unavailable'/>" % (ZOE, ROOM))
        self.service.send("<presence from='%s' to='%s/gus' type='unavailable'/>" % (GUS, ROOM))
        self.assertIsNotNone(self.room._index)
        self.service.send("<presence from='%s' to='%s/mia' type='unavailable'/>" % (MIA, ROOM))
        self.assertIsNone(self.room._index)


class IndexAgreesTests(SynchronousTestCase):
    """
    Through a long run of joins (second sessions and second nicks among
    them), leaves, nick changes, role and affiliation changes and kicks,
    the index answers after every step what a pass over every occupant
    answers, for every occupant, with the full views and without.
    """

    def test_agrees(self):
        rng = random.Random(7)
        service = FakeService()
        room = service.makeRoom(ROOM, "olivia@example.org", maxUsersPresence=4)
        service.join(OLIVIA, ROOM + "/olivia")
        users = ["u%d@example.org" % n for n in range(8)]
        steps = 0
        for _ in range(3000):
            user = rng.choice(users)
            realJID = "%s/r%d" % (user, rng.randrange(2))
            nick = "%s-%d" % (user.split("@")[0], rng.randrange(2))
            present = [o for o in room.occupants.values() if o.nick != "olivia"]
            action = rng.randrange(6)
            if action <= 1 or not present:
                service.join(realJID, "%s/%s" % (ROOM, nick))
            elif action == 2:
                target = rng.choice(present)
                service.send("<presence from='%s' to='%s/%s' type='unavailable'/>"
                             % (target.sessions[0].full(), ROOM, target.nick))
            elif action == 3:
                setRole(service, OLIVIA, rng.choice(present).nick,
                        rng.choice(["moderator", "participant", "visitor", "none"]))
            elif action == 4:
                setAffiliation(service, OLIVIA, user, rng.choice(["admin", "member", "none"]))
            else:
                target = rng.choice(present)
                service.send("<presence from='%s' to='%s/%s'/>"
                             % (target.sessions[0].full(), ROOM, nick + "x"))
            for occupant in room.occupants.values():
                if room._index is None:
                    continue
                steps += 1
                for fullViews in (False, True):
                    told = room._index.alwaysTold(occupant, fullViews)
                    self.assertEqual(scanned(room, occupant, fullViews), set(told))
                    self.assertEqual(len(told), len(set(told)))
        self.assertGreater(steps, 500)

    def test_fromOccupants(self):
        """
        An index made from a room's occupants answers as one that had them
        added one by one.
        """
        service = FakeService()
        room = service.makeRoom(ROOM, "olivia@example.org", maxUsersPresence=1)
        for realJID, nick in ((OLIVIA, "olivia"), (MIA, "mia"), (GUS, "gus"), (GUS_PHONE, "g2")):
            service.join(realJID, "%s/%s" % (ROOM, nick))
        made = AudienceIndex(room.occupants.values())
        for occupant in room.occupants.values():
            for fullViews in (False, True):
                self.assertEqual(set(room._index.alwaysTold(occupant, fullViews)),
                                 set(made.alwaysTold(occupant, fullViews)))
                self.assertEqual(scanned(room, occupant, fullViews),
                                 set(made.alwaysTold(occupant, fullViews)))


class IndexMemoryTests(SynchronousTestCase):

    def test_crowdGivesTableBack(self):
        """
        Once 10,000 users have left an index that held them, its table of
        users is no longer sized for them: what it keeps is within the
        16 KiB a table may keep before it is made again.
        """
        occupants = [Occupant("n%d" % n, JID("u%d" % n, "example.org"), PARTICIPANT)
                     for n in range(10010)]
        index = AudienceIndex(occupants)
        full = sys.getsizeof(index.byUser)
        for occupant in occupants[10:]:
            index.remove(occupant)
        self.assertEqual(10, len(index.byUser))
        self.assertGreater(full, 10 * SPARSE_MIN_BYTES)
        self.assertLessEqual(sys.getsizeof(index.byUser), SPARSE_MIN_BYTES)
        self.assertEqual([occupants[3]], index.alwaysTold(occupants[3]))
