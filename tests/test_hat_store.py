"""
The L{IHatStore} contract (L{mucservice.testing.HatStoreContract}) run
against the in-memory store; the SQL store runs it in
L{tests.test_sql_hats}.
"""

from twisted.trial.unittest import SynchronousTestCase

from mucservice.providers.memory_hats import MemoryHatStore
from mucservice.testing import HatStoreContract


class MemoryHatStoreTests(HatStoreContract, SynchronousTestCase):
    def makeStore(self, rooms):
        return MemoryHatStore(rooms)
