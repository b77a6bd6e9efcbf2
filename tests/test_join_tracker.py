"""
The L{IJoinTracker} contract (L{mucservice.testing.JoinTrackerContract}) run
against the in-memory join tracker.
"""

from twisted.trial.unittest import SynchronousTestCase

from mucservice.providers.memory_tracker import MemoryJoinTracker
from mucservice.testing import JoinTrackerContract


class MemoryJoinTrackerTests(JoinTrackerContract, SynchronousTestCase):
    def makeTracker(self):
        return MemoryJoinTracker()
