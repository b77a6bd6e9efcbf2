"""
The PostgreSQL room and hat stores: the contract suites the SQLite stores
pass, against a real PostgreSQL (one cluster for the test run, a schema of
its own for each test), and what only PostgreSQL does: its schema versions,
its collation, a connection the server dropped, the checks of C{--db}.
"""

from twisted.application.service import IService
from twisted.internet import defer
from twisted.trial.unittest import SynchronousTestCase, TestCase
from zope.interface.verify import verifyObject

from mucservice.address import parseJID
from mucservice.providers import postgresql
from mucservice.providers.postgresql import SynchronousRunner, ThreadedRunner
from mucservice.providers.postgresql_hats import HAT_SCHEMA_VERSION, PostgreSQLHatStore
from mucservice.providers.postgresql_rooms import SCHEMA_VERSION, PostgreSQLRoomStore
from mucservice.records import Affiliation, ArchiveQuery
from mucservice.testing import (
    ArchiveContract,
    HatStoreContract,
    RoomStoreContract,
)
from mucservice.testing.archive import OTHER
from mucservice.testing.hat_store import ALICE, ROOM, TEACHER
from mucservice.testing.room_store import historyEntry
from tests.postgres import execute, freshSchema, skipUnlessPostgres

skipUnlessPostgres()


class PostgreSQLCase:
    """
    Stores over a fresh schema through synchronous runners; the reopened
    stores read through a second connection, as after a restart.
    """

    def makeStore(self):
        self.url = freshSchema(self)
        self.other = None
        return self.openStore()

    def runner(self):
        runner = SynchronousRunner(self.url)
        self.addCleanup(runner.close)
        return runner

    def openStore(self):
        return PostgreSQLRoomStore(self.url, runner=self.runner())

    def reopen(self, store):
        if self.other is None:
            self.other = self.runner()
        return PostgreSQLRoomStore(self.url, runner=self.other)

    def sql(self, sql, args=()):
        return execute(self.url, sql, args)


class PostgreSQLRoomStoreTests(PostgreSQLCase, RoomStoreContract, SynchronousTestCase):
    """
    The room store contract, and what is particular to PostgreSQL.
    """

    def test_service(self):
        """The store is also a service, to be started and stopped with the rest."""
        verifyObject(IService, self.store)

    def test_schemaVersion(self):
        """The room schema's version is kept in mucservice_schema."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.assertEqual([("rooms", SCHEMA_VERSION)],
                         self.sql("SELECT name, version FROM mucservice_schema"))

    def test_newerSchema(self):
        """A database from a newer mucservice is refused, not misread."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.sql("UPDATE mucservice_schema SET version = 99 WHERE name = 'rooms'")
        f = self.failureResultOf(self.reopen(self.store).loadRooms(), RuntimeError)
        self.assertIn("schema version 99", str(f.value))

    def test_bytesOrder(self):
        """
        Addresses are compared by their bytes whatever the database's
        locale: an archive query by a bare JID finds its resources and only
        them ('/' sorts before '0' as in SQLite).
        """
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        for n, sender in enumerate(("a@example.org/x", "a@example.org0", "a@example.orga/y")):
            entry = historyEntry(n)
            entry = type(entry)(**dict(vars(entry), realJID=parseJID(sender)))
            self.successResultOf(self.store.archiveMessage(ROOM, entry))
        page = self.successResultOf(self.store.queryArchive(
            ROOM, ArchiveQuery(realJID=parseJID("a@example.org"))))
        self.assertEqual(["stanza-0"], [e.stanzaID for e in page.entries])

    def test_reconnects(self):
        """
        A connection the server dropped (PostgreSQL restarted, or an
        administrator ended it) fails its transaction, and the next one
        opens a new connection.
        """
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                   " WHERE pid <> pg_backend_pid() AND datname = current_database()"
                   " AND application_name = ''")
        self.failureResultOf(self.store.setSubject(ROOM, "x", "y"))
        self.successResultOf(self.store.setSubject(ROOM, "again", "alice"))
        self.assertEqual("again", self.load(ROOM).subject)

    def test_loadOneRoom(self):
        """Affiliations and avatars are read for every room stored, not one only."""
        for room in (ROOM, OTHER):
            self.successResultOf(self.store.saveRoom(room, {}, {ALICE: Affiliation("owner")}))
        owner = {ALICE: Affiliation("owner")}
        self.assertEqual({ROOM: owner, OTHER: owner}, {r.jid: r.affiliations
                          for r in self.successResultOf(self.store.loadRooms())})


class PostgreSQLArchiveTests(PostgreSQLCase, ArchiveContract, SynchronousTestCase):
    """
    The archive contract against PostgreSQL.
    """


class PostgreSQLHatStoreTests(HatStoreContract, SynchronousTestCase):
    """
    The hat store contract against PostgreSQL, and its schema version.
    """

    def makeStore(self, rooms):
        self.url = freshSchema(self)
        self.runner = SynchronousRunner(self.url)
        self.addCleanup(self.runner.close)
        return PostgreSQLHatStore(rooms, self.url, runner=self.runner)

    def test_ownSchemaVersion(self):
        """The hats keep their own version, beside the rooms', in mucservice_schema."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        rooms = PostgreSQLRoomStore(self.url, runner=self.runner)
        self.successResultOf(rooms.saveRoom(ROOM, {}))
        self.assertEqual([("hats", HAT_SCHEMA_VERSION), ("rooms", SCHEMA_VERSION)],
                         execute(self.url, "SELECT name, version FROM mucservice_schema"
                                           " ORDER BY name"))

    def test_survivesReopen(self):
        """Hats are read back by a store with a connection of its own."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER, {"title": "T"}))
        runner = SynchronousRunner(self.url)
        self.addCleanup(runner.close)
        again = PostgreSQLHatStore(self.rooms, self.url, runner=runner)
        self.assertEqual({TEACHER: {"title": "T"}},
                         self.successResultOf(again.getUserHats(ALICE, ROOM)))


class ThreadedRunnerTests(TestCase):
    """
    The default runner: transactions on a thread of their own, in order.
    """

    @defer.inlineCallbacks
    def test_survivesRestart(self):
        """
        Rooms written through the threaded runner are there for a store
        started afresh; the thread and connection close with the store.
        """
        url = freshSchema(self)
        store = PostgreSQLRoomStore(url)
        store.startService()
        writes = [store.saveRoom(ROOM, {"n": n}) for n in range(20)]
        yield defer.gatherResults(writes)
        yield store.stopService()
        again = PostgreSQLRoomStore(url, runner=ThreadedRunner(url))
        rooms = yield again.loadRooms()
        yield again.close()
        self.assertEqual([(ROOM, {"n": 19})], [(r.jid, r.config) for r in rooms])


class DatabaseCheckTests(SynchronousTestCase):
    """
    The checks of C{--db} made while the options are parsed.
    """

    def test_fresh(self):
        """An empty database that answers is accepted."""
        postgresql.checkDatabase(freshSchema(self), "the store", "rooms", SCHEMA_VERSION)

    def test_unreachable(self):
        """A database that does not answer is refused in one line, without its password."""
        e = self.assertRaises(ValueError, postgresql.checkDatabase,
                              "postgresql://u:hunter2@127.0.0.1:1/db?connect_timeout=2",
                              "the store", "rooms", SCHEMA_VERSION)
        self.assertIn("cannot be reached", str(e))
        self.assertNotIn("hunter2", str(e))
        self.assertNotIn("\n", str(e))

    def test_newer(self):
        """A database whose schema is newer than this mucservice knows is refused."""
        url = freshSchema(self)
        self.successResultOf(PostgreSQLRoomStore(url, runner=SynchronousRunner(url))
                             .saveRoom(ROOM, {}))
        execute(url, "UPDATE mucservice_schema SET version = 7")
        e = self.assertRaises(ValueError, postgresql.checkDatabase, url, "the store", "rooms",
                              SCHEMA_VERSION)
        self.assertIn("schema version 7", str(e))

    def test_notPostgreSQL(self):
        """An SQLite --db is refused by the PostgreSQL stores."""
        e = self.assertRaises(ValueError, postgresql.checkDatabase, "sqlite:x.sqlite",
                              "the postgresql room store", "rooms", SCHEMA_VERSION)
        self.assertIn("needs --db postgresql://", str(e))

    def test_describe(self):
        """The log shows a URL without its password."""
        self.assertEqual("postgresql://u@h:5/db",
                         postgresql.describe("postgresql://u:secret@h:5/db"))


class DefaultProvidersTests(SynchronousTestCase):
    """
    C{--db postgresql://...} alone chooses the PostgreSQL providers of the
    services left at their default; a choice given stays.
    """

    def parse(self, *args):
        from mucservice import tap
        config = tap.Options()
        config.parseOptions(["--jid", "muc.example.org", "--secret", "s"] + list(args))
        return config["providers"]

    def test_followed(self):
        """The storing services take their postgresql providers; the others keep theirs."""
        providers = self.parse("--db", freshSchema(self))
        self.assertEqual(("postgresql", "postgresql", "postgresql"),
                         (providers["room-store"], providers["hat-store"],
                          providers["join-tracker"]))
        from mucservice import registry
        for option in ("pinger", "offline-delivery"):
            self.assertEqual(registry.serviceFor(option).default, providers[option])

    def test_chosen(self):
        """A provider chosen on the command line is not replaced."""
        providers = self.parse("--db", freshSchema(self), "--hat-store", "memory",
                               "--join-tracker", "memory")
        self.assertEqual(("postgresql", "memory", "memory"),
                         (providers["room-store"], providers["hat-store"],
                          providers["join-tracker"]))

    def test_sqlite(self):
        """An SQLite --db keeps the default providers."""
        providers = self.parse("--db", "sqlite:" + self.mktemp() + ".sqlite")
        self.assertEqual(("sqlite", "sql", "memory"),
                         (providers["room-store"], providers["hat-store"],
                          providers["join-tracker"]))
