"""
How a join is rendered: the newcomer's own sequence before the others hear
of it (XEP-0045 section 7.2 orders only what the newcomer receives), and
each occupant's presence rendered once and reused for later newcomers,
always as it is now.
"""

from twisted.trial.unittest import SynchronousTestCase

from tests.fakeservice import FakeService, statuses

ROOM = "room@muc.example.org"
OTHERS = ["alice@example.org/a", "bob@example.org/b", "carol@example.org/c"]
NEWCOMER = "dave@example.org/d"


class NewcomerFirstTests(SynchronousTestCase):
    def setUp(self):
        self.service = FakeService()
        self.room = self.service.makeRoom(ROOM, "alice@example.org")
        for realJID in OTHERS:
            self.service.join(realJID, "%s/%s" % (ROOM, realJID.split("@")[0]))

    def test_selfPresenceBeforeFanout(self):
        """
        The newcomer's self-presence (110), its history and the subject are
        written before any copy of its presence to another occupant, and
        each other occupant still gets exactly one copy.
        """
        out = self.service.join(NEWCOMER, ROOM + "/dave")
        toNewcomer = [n for n, s in enumerate(out) if s["to"] == NEWCOMER]
        copies = [n for n, s in enumerate(out)
                  if s["to"] != NEWCOMER and s["from"] == ROOM + "/dave"]
        selfPresence = next(n for n in toNewcomer if 110 in statuses(out[n]))
        self.assertEqual(["presence"] * 4 + ["message"], [out[n].name for n in toNewcomer])
        self.assertEqual(toNewcomer, list(range(len(toNewcomer))))
        self.assertLess(selfPresence, min(copies))
        self.assertEqual(sorted(OTHERS), sorted(out[n]["to"] for n in copies))
        self.assertEqual(len(out), len(toNewcomer) + len(copies))

    def test_newSessionFirst(self):
        """
        A second session of an occupant, with another presence, gets its
        own sequence before the occupant's other session and the others
        hear of the change.
        """
        second = OTHERS[0].replace("/a", "/other")
        out = self.service.join(second, ROOM + "/alice", extra="<show>away</show>")
        toSecond = [n for n, s in enumerate(out) if s["to"] == second]
        rest = [n for n, s in enumerate(out) if s["to"] != second]
        self.assertLess(max(toSecond), min(rest))
        self.assertEqual(sorted(OTHERS), sorted(out[n]["to"] for n in rest))
        self.assertEqual(["away"] * len(rest), [str(out[n].show) for n in rest])
