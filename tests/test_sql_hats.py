"""
The SQL hat store: the hat store contract against a real SQLite file, what
only it does (its own schema version beside the rooms', surviving a
reopen), changes that overlap, the thread it runs on, and its factory.
"""

import os
import threading

from twisted.application.service import IService
from twisted.internet import defer
from twisted.internet.testing import MemoryReactorClock
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase, TestCase
from twisted.words.protocols.jabber.jid import JID
from zope.interface.verify import verifyObject

from mucservice import registry, tap
from mucservice.providers.sql_hats import HAT_SCHEMA_VERSION, SQLHatStore, makeSQLHatStore
from mucservice.providers.sqlite import SynchronousRunner
from mucservice.providers.sqlite_rooms import SCHEMA_VERSION, SQLiteRoomStore
from mucservice.testing import FakeRoomDirectory, HatStoreContract
from mucservice.testing.hat_store import ALICE, HOST, ROOM, TEACHER
from tests.test_sqlite_rooms import count, temporaryDatabase


class ManualRunner:
    """
    A runner whose transactions wait in a queue until the test runs them,
    as they would wait for the store's thread.
    """

    def __init__(self, path):
        self.runner = SynchronousRunner(path)
        self.queue = []

    def __call__(self, func, *args):
        d = defer.Deferred()
        self.queue.append((d, func, args))
        return d

    def runAll(self):
        while self.queue:
            d, func, args = self.queue.pop(0)
            self.runner(func, *args).chainDeferred(d)


class SQLHatStoreTests(HatStoreContract, SynchronousTestCase):
    """
    The contract, and what is particular to SQLite, through the synchronous
    runner; each reopened store has a connection of its own, as after a
    restart.
    """

    def makeStore(self, rooms):
        self.path = temporaryDatabase(self)
        return self.openStore(rooms)

    def openStore(self, rooms):
        self.runner = SynchronousRunner(self.path)
        self.addCleanup(self.runner.close)
        return SQLHatStore(rooms, self.path, runner=self.runner)

    def scalar(self, sql):
        return self.successResultOf(self.runner(lambda c: c.execute(sql).fetchone()[0]))

    def test_service(self):
        """The store is also a service, to be started and stopped with the rest."""
        verifyObject(IService, self.store)

    def test_survivesReopen(self):
        """Hats, with every part of their attachment and in their order, outlive the store."""
        self.successResultOf(self.store.setUserHats(ALICE, ROOM, {
            TEACHER: {"active": True, "required": True, "title": "Teacher"},
            HOST: {"title": ""}}))
        again = self.openStore(self.rooms)
        self.assertEqual([TEACHER, HOST], list(self.successResultOf(
            again.getUserHats(ALICE, ROOM))))
        self.assertEqual({ALICE: {TEACHER: {"active": True, "required": True, "title": "Teacher"},
                                  HOST: {"title": ""}}},
                         self.successResultOf(again.getRoomHats(ROOM)))

    def test_ownSchemaVersion(self):
        """The hats keep their version in hat_schema and leave the rooms' user_version alone."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.assertEqual(HAT_SCHEMA_VERSION, self.scalar("SELECT version FROM hat_schema"))
        self.assertEqual(1, self.scalar("SELECT COUNT(*) FROM hat_schema"))
        self.assertEqual(0, self.scalar("PRAGMA user_version"))
        self.assertEqual(0, self.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'rooms'"))

    def test_roomsAfterHats(self):
        """The room store creates its schema in a file where the hats came first."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        rooms = SQLiteRoomStore(self.path, runner=self.runner)
        self.successResultOf(rooms.saveRoom(ROOM, {"a": 1}))
        self.assertEqual(SCHEMA_VERSION, self.scalar("PRAGMA user_version"))
        self.assertEqual(HAT_SCHEMA_VERSION, self.scalar("SELECT version FROM hat_schema"))
        self.assertEqual((1, 1), (count(self.path, "rooms"), count(self.path, "hats")))

    def test_besideRooms(self):
        """The room store and the hat store share one file, each with its own tables."""
        rooms = SQLiteRoomStore(self.path, runner=self.runner)
        self.successResultOf(rooms.saveRoom(ROOM, {"a": 1}))
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.successResultOf(rooms.deleteRoom(ROOM))
        self.assertEqual(1, count(self.path, "hats"))
        self.assertEqual(0, count(self.path, "rooms"))

    def test_newerSchema(self):
        """Hats from a newer mucservice are refused, not misread."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.successResultOf(self.runner(
            lambda c: c.execute("UPDATE hat_schema SET version = 99")))
        f = self.failureResultOf(self.openStore(self.rooms).getRoomHats(ROOM), RuntimeError)
        self.assertIn("schema version 99", str(f.value))

    def test_perRoomAndUser(self):
        """Replacing one user's hats in one room leaves other rooms and users alone."""
        other, bob = JID("other@muc.example.org"), JID("bob@example.org")
        self.rooms.rooms[other] = {ALICE: "owner"}
        self.rooms.rooms[ROOM][bob] = "member"
        self.successResultOf(self.store.addUserHat(ALICE, other, HOST))
        self.successResultOf(self.store.addUserHat(bob, ROOM, HOST))
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.successResultOf(self.store.setUserHats(ALICE, ROOM, {}))
        self.assertEqual({ALICE: {HOST: {}}}, self.successResultOf(self.store.getRoomHats(other)))
        self.assertEqual({bob: {HOST: {}}}, self.successResultOf(self.store.getRoomHats(ROOM)))

    def test_lazyOpen(self):
        """Making a store touches no file: the database is created on first use."""
        path = temporaryDatabase(self)
        store = SQLHatStore(FakeRoomDirectory({}), path)
        self.successResultOf(store.close())
        self.assertFalse(os.path.exists(path))


class OverlappingChangeTests(SynchronousTestCase):
    """
    Changes whose transactions wait for the store's thread.
    """

    def test_overlappingChangesKept(self):
        """Two changes of one user's hats asked at once both land: neither overwrites."""
        path = temporaryDatabase(self)
        runner = ManualRunner(path)
        self.addCleanup(runner.runner.close)
        store = SQLHatStore(FakeRoomDirectory({ROOM: {ALICE: "member"}}), path, runner=runner)
        first = store.addUserHat(ALICE, ROOM, TEACHER)
        second = store.addUserHat(ALICE, ROOM, HOST)
        runner.runAll()
        self.successResultOf(first)
        self.successResultOf(second)
        hats = store.getUserHats(ALICE, ROOM)
        runner.runAll()
        self.assertEqual({TEACHER: {}, HOST: {}}, self.successResultOf(hats))
        self.assertEqual({}, store._locks)


class ThreadedStoreTests(TestCase):
    """
    The store on its own thread, with the real reactor.
    """

    @defer.inlineCallbacks
    def test_survivesRestart(self):
        """What a stopped store wrote is there for a new store on the same file."""
        path = temporaryDatabase(self)
        rooms = FakeRoomDirectory({ROOM: {ALICE: "admin"}})
        store = SQLHatStore(rooms, path)
        self.addCleanup(store.close)
        store.startService()
        yield store.addUserHat(ALICE, ROOM, TEACHER, {"active": True, "title": "Teacher"})
        yield store.stopService()
        self.assertEqual([], [t for t in threading.enumerate() if "mucservice-sqlite" in t.name])
        again = SQLHatStore(rooms, path)
        self.addCleanup(again.close)
        hats = yield again.getRoomHats(ROOM)
        self.assertEqual({ALICE: {TEACHER: {"active": True, "title": "Teacher"}}}, hats)


class FactoryTests(SynchronousTestCase):
    """
    The C{sql} hat store as chosen on the command line.
    """

    def make(self, database):
        context = registry.ProviderContext(object(), JID("muc.example.org"), database, {})
        context.rooms = FakeRoomDirectory({})
        return registry.makeProvider(registry.serviceFor("hat-store"), "sql", context)

    def test_path(self):
        """The path follows sqlite:, made absolute; the room directory is the context's."""
        path = temporaryDatabase(self)
        store = self.make("sqlite:" + path)
        self.assertIsInstance(store, SQLHatStore)
        self.assertEqual(path, store.path)
        self.assertEqual(os.path.abspath("hats.sqlite"), self.make("sqlite:hats.sqlite").path)

    def test_refused(self):
        """PostgreSQL URLs, sqlite::memory:, no path or no folder are usage errors."""
        for database, message in [("postgresql://u@h/db", "needs --db sqlite:PATH"),
                                  ("sqlite::memory:", "not supported"),
                                  ("sqlite:", "not supported"),
                                  ("sqlite:/nonexistent/h.sqlite", "no folder /nonexistent")]:
            with self.assertRaisesRegex(usage.UsageError, message):
                self.make(database)

    def test_factoryValueError(self):
        """The factory itself says ValueError, naming the memory store as the way out."""
        context = registry.ProviderContext(None, None, "postgresql://x/y", {})
        with self.assertRaisesRegex(ValueError, "--hat-store memory"):
            makeSQLHatStore("", context)


def test_default(tmp_path, monkeypatch):
    """sql is the default hat store, in the --db file; building the tree creates no file."""
    monkeypatch.chdir(tmp_path)
    assert registry.serviceFor("hat-store").default == "sql"
    config = tap.Options()
    config.parseOptions(["--jid", "muc.example.org", "--secret", "s"])
    root = tap.makeService(config, MemoryReactorClock())
    (store,) = [s for s in root if isinstance(s, SQLHatStore)]
    assert store.path == str(tmp_path / "mucservice.sqlite")
    assert os.listdir(tmp_path) == []
