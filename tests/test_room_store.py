"""
The L{IRoomStore} contract (L{mucservice.testing.RoomStoreContract}) run
against the in-memory store; the SQLite store runs it in
L{tests.test_sqlite_rooms}.
"""

from twisted.trial.unittest import SynchronousTestCase

from mucservice.providers.memory_rooms import MemoryRoomStore
from mucservice.testing import RoomStoreContract


class MemoryRoomStoreTests(RoomStoreContract, SynchronousTestCase):
    def makeStore(self):
        return MemoryRoomStore()
