"""
The L{IJoinTracker} contract (L{mucservice.testing.JoinTrackerContract}) run
against the in-memory join tracker, and what the in-memory one keeps per
session.
"""

import gc

from twisted.trial.unittest import SynchronousTestCase

from mucservice.address import parseJID
from mucservice.providers.memory_tracker import MemoryJoinTracker
from mucservice.testing import JoinTrackerContract


class MemoryJoinTrackerTests(JoinTrackerContract, SynchronousTestCase):
    def makeTracker(self):
        return MemoryJoinTracker()


class KeptPerSessionTests(SynchronousTestCase):

    def test_noObjectPerSessionInOneRoom(self):
        """
        A session in one room, of a user with one session, costs the
        tracker entries in its tables and no object of its own (no tuple of
        one room or one real JID), which the garbage collector would have
        to look at; a second room and a second session each make one.
        """
        tracker = MemoryJoinTracker()
        rooms = [parseJID("room%d@muc.example.org" % (n,)) for n in range(10)]
        reals = [parseJID("u%d@example.org/r" % (n,)) for n in range(1000)]
        for realJID in reals:
            realJID.userhostJID()
        gc.collect()
        before = len(gc.get_objects())
        for n, realJID in enumerate(reals):
            tracker.recordJoin(realJID, rooms[n % 10], "nick%d" % (n,))
        gc.collect()
        self.assertLess(len(gc.get_objects()) - before, 50)
        tracker.recordJoin(reals[0], rooms[1], "again")
        tracker.recordJoin(parseJID("u1@example.org/phone"), rooms[1], "phone")
        self.assertEqual({rooms[0]: "nick0", rooms[1]: "again"}, tracker.roomsOf(reals[0]))
        self.assertTrue(tracker.isPresent(parseJID("u1@example.org"), rooms[1]))
