"""
Contract suites: what a provider of each swappable service promises, as
tests that a provider's own test module runs against its provider.

Each suite is a mixin of tests, in the manner of idavoll's C{StorageTests}:
mix it into a L{SynchronousTestCase<twisted.trial.unittest.SynchronousTestCase>}
and give it the method that makes the provider, named in the suite's
docstring. A third-party hat store is checked in three lines::

    from twisted.trial.unittest import SynchronousTestCase
    from mucservice.testing import HatStoreContract

    class AcmeHatStoreTests(HatStoreContract, SynchronousTestCase):
        def makeStore(self, rooms):
            return AcmeHatStore(rooms)

The suites read Deferred results with C{successResultOf}: a provider whose
methods return Deferreds must have fired them by the time the methods
return, as the built-in SQLite stores do with a synchronous runner.

This package is for tests only: the service never imports it. It imports
the contracts (L{mucservice.interfaces}, L{mucservice.records},
L{mucservice.errors}) and nothing of the rooms, the edge or the built-in
providers.
"""

from mucservice.testing.archive import ArchiveContract
from mucservice.testing.hat_store import (
    FakeRoomDirectory,
    HatStoreContract,
    RecordingHatObserver,
)
from mucservice.testing.join_tracker import JoinTrackerContract, RecordingJoinObserver
from mucservice.testing.offline_delivery import OfflineDeliveryContract, RecordingOfflineHost
from mucservice.testing.room_store import RoomStoreContract, storedRoom

__all__ = [
    "ArchiveContract",
    "FakeRoomDirectory",
    "HatStoreContract",
    "JoinTrackerContract",
    "OfflineDeliveryContract",
    "RecordingHatObserver",
    "RecordingJoinObserver",
    "RecordingOfflineHost",
    "RoomStoreContract",
    "storedRoom",
]
