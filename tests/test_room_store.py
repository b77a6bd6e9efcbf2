"""
The L{IRoomStore} contract (L{mucservice.testing.RoomStoreContract} and
L{mucservice.testing.ArchiveContract}) run against the in-memory store; the
SQLite store runs them in L{tests.test_sqlite_rooms}.
"""

from twisted.trial.unittest import SynchronousTestCase

from mucservice.providers.memory_rooms import MemoryRoomStore
from mucservice.testing import ArchiveContract, RoomStoreContract


class MemoryRoomStoreTests(RoomStoreContract, SynchronousTestCase):
    def makeStore(self):
        return MemoryRoomStore()


class MemoryArchiveTests(ArchiveContract, SynchronousTestCase):
    def makeStore(self):
        return MemoryRoomStore()
