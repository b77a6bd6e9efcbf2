"""
The SQLite room store: the contract against a real file, what only SQLite
does (WAL, transactions, schema), the thread it runs on and its factory.
"""

import os
import shutil
import sqlite3
import tempfile
import threading
from datetime import datetime, timedelta, timezone

from twisted.application.service import IService
from twisted.internet import defer
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase, TestCase
from twisted.words.protocols.jabber.jid import JID
from zope.interface.verify import verifyObject

from mucservice import errors, registry, tap
from mucservice.providers import sqlite_archive
from mucservice.providers.sqlite import SynchronousRunner, ThreadedRunner
from mucservice.providers.sqlite_archive import appendMessages
from mucservice.providers.sqlite_rooms import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SQLiteRoomStore,
    makeSQLiteRoomStore,
)
from mucservice.records import Affiliation, ArchiveQuery, HistoryEntry
from mucservice.testing import ArchiveContract, RoomStoreContract, storedRoom
from mucservice.testing.room_store import ALICE, ROOM, historyEntry

OTHER = JID("other@muc.example.org")


def temporaryDatabase(case):
    """
    @return: the path of a database file, not yet created, in a folder
        removed when C{case} ends.
    """
    folder = tempfile.mkdtemp(prefix="mucservice-test-")
    case.addCleanup(shutil.rmtree, folder, True)
    return os.path.join(folder, "rooms.sqlite")


def count(path, table):
    """
    @return: the number of rows of C{table}, read through a connection of
        its own.
    """
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT COUNT(*) FROM " + table).fetchone()[0]
    finally:
        connection.close()


class SQLiteRoomStoreTests(RoomStoreContract, SynchronousTestCase):
    """
    The contract, and what is particular to SQLite, on a real file through
    the synchronous runner; every reopened store has a connection of its own,
    as after a restart.
    """

    def makeStore(self):
        self.path = temporaryDatabase(self)
        return self.openStore()

    def openStore(self):
        self.runner = SynchronousRunner(self.path)
        self.addCleanup(self.runner.close)
        return SQLiteRoomStore(self.path, runner=self.runner)

    def reopen(self, store):
        return self.openStore()

    def pragma(self, name):
        return self.successResultOf(
            self.runner(lambda c: c.execute("PRAGMA " + name).fetchone()[0]))

    def test_service(self):
        """The store is also a service, to be started and stopped with the rest."""
        verifyObject(IService, self.store)

    def test_settings(self):
        """Connections use WAL, foreign keys and synchronous=NORMAL; the schema is current."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.assertEqual("wal", self.pragma("journal_mode"))
        self.assertEqual(1, self.pragma("foreign_keys"))
        self.assertEqual(1, self.pragma("synchronous"))
        self.assertEqual(SCHEMA_VERSION, self.pragma("user_version"))

    def test_newerSchema(self):
        """A database from a newer mucservice is refused, not misread."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.successResultOf(self.runner(lambda c: c.execute("PRAGMA user_version = 99")))
        f = self.failureResultOf(self.reopen(self.store).loadRooms(), RuntimeError)
        self.assertIn("schema version 99", str(f.value))

    def test_historyOfVersionOne(self):
        """
        A database of schema version 1, which kept history messages as the
        room had rendered them, gives the same messages, field by field,
        once migrated; a row of another shape is kept whole.
        """
        connection = sqlite3.connect(self.path)
        for statement in MIGRATIONS[0]:
            connection.execute(statement)
        connection.execute("PRAGMA user_version = 1")
        connection.execute("INSERT INTO rooms (jid, config) VALUES (?, '{}')", (ROOM.full(),))
        rendered = ("<message from='room@muc.example.org/o&apos;neil' type='groupchat' "
                    "id='m&amp;1' xml:lang='de'><body>it&apos;s &lt;late&gt;</body>"
                    "<stanza-id xmlns='urn:xmpp:sid:0' id='s1' by='room@muc.example.org'/>"
                    "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='o1'/></message>")
        for stanza in (rendered, "<odd/>"):
            connection.execute("INSERT INTO history (room_jid, stamp, nick, real_jid, stanza) "
                               "VALUES (?, '2026-01-01T00:00:00.000000Z', 'o''neil', "
                               "'a@b/c', ?)", (ROOM.full(), stanza))
        connection.commit()
        connection.close()
        first, odd = self.successResultOf(self.openStore().getHistory(ROOM, 10))
        self.assertEqual(HistoryEntry(datetime(2026, 1, 1, tzinfo=timezone.utc), "o'neil",
                                      JID("a@b/c"), "<body>it&apos;s &lt;late&gt;</body>",
                                      "s1", "o1", "m&1", "de"), first)
        self.assertEqual(("<odd/>", None), (odd.payload, odd.stanzaID))
        self.assertEqual(SCHEMA_VERSION, self.pragma("user_version"))
        self.assertEqual([("history_room", "history")], self.successResultOf(self.runner(
            lambda c: c.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' "
                                "AND name = 'history_room'").fetchall())))

    def test_historyOfVersionTwo(self):
        """
        A database of schema version 2, which kept each room's history, gives
        those messages as the room's archive once migrated, each under the
        stanza id its occupants saw live (a row written twice counts once);
        the indexes of the archive are made.
        """
        connection = sqlite3.connect(self.path)
        for statement in MIGRATIONS[0] + MIGRATIONS[1]:
            if not callable(statement):
                connection.execute(statement)
        connection.execute("PRAGMA user_version = 2")
        connection.execute("INSERT INTO rooms (jid, config) VALUES (?, '{}')", (ROOM.full(),))
        for n in (1, 2, 2, 3):
            entry = historyEntry(n)
            connection.execute(
                "INSERT INTO history (room_jid, stamp, nick, real_jid, payload, stanza_id,"
                " occupant_id, message_id, lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ROOM.full(), entry.stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), entry.nick,
                 entry.realJID.full(), entry.payload, entry.stanzaID, entry.occupantID,
                 entry.messageID, entry.lang))
        connection.commit()
        connection.close()
        store = self.openStore()
        page = self.successResultOf(store.queryArchive(ROOM, ArchiveQuery()))
        self.assertEqual([historyEntry(n) for n in (1, 2, 3)], page.entries)
        self.assertEqual([historyEntry(2), historyEntry(3)],
                         self.successResultOf(store.getHistory(ROOM, 2)))
        self.assertEqual(SCHEMA_VERSION, self.pragma("user_version"))
        self.assertEqual(4, SCHEMA_VERSION)
        indexes = self.successResultOf(self.runner(lambda c: c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'history'"
            " AND name LIKE 'history_%'").fetchall()))
        self.assertEqual({"history_room", "history_stanza", "history_time", "history_expiry"},
                         {name for (name,) in indexes})

    def test_addressesRefusedNow(self):
        """
        A room or an affiliation whose address the parser now refuses (kept
        by a mucservice whose rules were looser) is left out and logged; the
        rest loads, and the row stays in the file.
        """
        self.successResultOf(self.store.saveRoom(ROOM, {}, {ALICE: Affiliation("owner")}))
        self.successResultOf(self.runner(lambda c: (
            c.execute("INSERT INTO affiliations VALUES (?, 'x@a..b', 'member', '{}')",
                      (ROOM.full(),)),
            c.execute("INSERT INTO rooms (jid, config) VALUES ('bad@muc..org', '{}')"))))
        with capturedLogs() as logs:
            rooms = self.successResultOf(self.reopen(self.store).loadRooms())
        self.assertEqual([(ROOM, {ALICE: Affiliation("owner")})],
                         [(r.jid, r.affiliations) for r in rooms])
        self.assertEqual(2, len([e for e in logs if "left out" in e.get("log_format", "")]))
        self.assertEqual(2, count(self.path, "rooms"))

    def test_rollback(self):
        """A transaction that fails after writing leaves nothing of its writes."""
        self.successResultOf(self.store.saveRoom(ROOM, {"a": "1"}))

        def failing(connection):
            connection.execute("DELETE FROM rooms")
            connection.execute("INSERT INTO rooms (jid, config) VALUES ('x@y', '{}')")
            raise ValueError("boom")

        self.failureResultOf(self.runner(failing), ValueError)
        self.assertEqual([ROOM], [r.jid for r in self.successResultOf(self.store.loadRooms())])

    def test_failedChangeKeepsData(self):
        """Changes to a missing room fail and leave the stored rooms as they were."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.successResultOf(self.store.appendHistory(ROOM, historyEntry(1), 5))
        self.failureResultOf(self.store.appendHistory(OTHER, historyEntry(2), 5),
                             errors.ItemNotFound)
        self.failureResultOf(self.store.setAffiliation(OTHER, ALICE, "none", {"nick": "a"}),
                             errors.ItemNotFound)
        self.assertEqual(1, count(self.path, "history"))
        self.assertEqual(0, count(self.path, "affiliations"))
        self.assertEqual([historyEntry(1)], self.successResultOf(
            self.reopen(self.store).getHistory(ROOM, 10)))

    def test_deleteCascades(self):
        """Deleting a room deletes its affiliation and history rows, not another room's."""
        for room in (ROOM, OTHER):
            self.successResultOf(self.store.saveRoom(room, {}))
            self.successResultOf(self.store.setAffiliation(room, ALICE, "owner"))
            self.successResultOf(self.store.appendHistory(room, historyEntry(1), 5))
        self.successResultOf(self.store.deleteRoom(ROOM))
        self.assertEqual((1, 1), (count(self.path, "affiliations"), count(self.path, "history")))
        self.assertEqual(1, len(self.successResultOf(self.store.getHistory(OTHER, 5))))

    def test_saveKeepsAffiliations(self):
        """Saving an existing room's configuration keeps its affiliations and history."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.successResultOf(self.store.setAffiliation(ROOM, ALICE, "owner"))
        self.successResultOf(self.store.appendHistory(ROOM, historyEntry(1), 5))
        self.successResultOf(self.store.saveRoom(ROOM, {"a": "2"}))
        self.assertEqual({ALICE: Affiliation("owner", {})}, self.load(ROOM).affiliations)
        self.assertEqual([historyEntry(1)], self.successResultOf(self.store.getHistory(ROOM, 5)))

    def test_configValues(self):
        """Strings, booleans, integers, None and lists come back as they went in."""
        config = {"s": "x", "t": True, "f": False, "i": 30, "n": None, "l": ["a", "b"], "e": []}
        self.successResultOf(self.store.saveRoom(ROOM, config))
        loaded = self.load(ROOM).config
        self.assertEqual(config, loaded)
        self.assertEqual({k: type(v) for k, v in config.items()},
                         {k: type(v) for k, v in loaded.items()})

    def test_badConfig(self):
        """A configuration that is no JSON fails, and stores nothing."""
        self.failureResultOf(self.store.saveRoom(ROOM, {"x": object()}), TypeError)
        self.assertIsNone(self.load(ROOM))

    def test_loadRooms(self):
        """loadRooms returns every room with its own affiliations and subject."""
        self.successResultOf(self.store.saveRoom(ROOM, {"r": 1}))
        self.successResultOf(self.store.saveRoom(OTHER, {"r": 2}))
        self.successResultOf(self.store.setAffiliation(ROOM, ALICE, "owner"))
        self.successResultOf(self.store.setAffiliation(OTHER, ALICE, "outcast", {"why": "x"}))
        self.successResultOf(self.store.setSubject(OTHER, "Hi", "bob"))
        rooms = {r.jid: r for r in self.successResultOf(self.reopen(self.store).loadRooms())}
        self.assertEqual({ALICE: Affiliation("owner", {})}, rooms[ROOM].affiliations)
        self.assertEqual({ALICE: Affiliation("outcast", {"why": "x"})},
                         rooms[OTHER].affiliations)
        self.assertEqual(({"r": 2}, "Hi", "bob"),
                         (rooms[OTHER].config, rooms[OTHER].subject, rooms[OTHER].subjectNick))
        self.assertEqual(("", ""), (rooms[ROOM].subject, rooms[ROOM].subjectNick))

    def test_historyFields(self):
        """Stamps keep microseconds and come back in UTC; an unknown real JID stays None."""
        tz = timezone(timedelta(hours=2))
        stamp = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=tz)
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.successResultOf(self.store.appendHistory(
            ROOM, HistoryEntry(stamp, "n", None, "<body/>"), 5))
        (loaded,) = self.successResultOf(self.reopen(self.store).getHistory(ROOM, 5))
        self.assertEqual(stamp, loaded.stamp)
        self.assertEqual(timezone.utc, loaded.stamp.tzinfo)
        self.assertEqual(123456, loaded.stamp.microsecond)
        self.assertIsNone(loaded.realJID)

    def test_historyPerRoom(self):
        """Trimming one room's history leaves the other rooms' alone."""
        for room in (ROOM, OTHER):
            self.successResultOf(self.store.saveRoom(room, {}))
        for n in range(4):
            self.successResultOf(self.store.appendHistory(OTHER, historyEntry(n), 10))
            self.successResultOf(self.store.appendHistory(ROOM, historyEntry(n), 1))
        self.assertEqual([historyEntry(3)], self.successResultOf(self.store.getHistory(ROOM, 10)))
        self.assertEqual(4, len(self.successResultOf(self.store.getHistory(OTHER, 10))))
        self.successResultOf(self.store.appendHistory(ROOM, historyEntry(9), 0))
        self.assertEqual([], self.successResultOf(self.store.getHistory(ROOM, 10)))

    def test_lazyOpen(self):
        """Making a store touches no file: the database is created on first use."""
        path = temporaryDatabase(self)
        store = SQLiteRoomStore(path)
        self.assertFalse(os.path.exists(path))
        self.successResultOf(store.close())
        self.assertFalse(os.path.exists(path))


class SQLiteArchiveTests(ArchiveContract, SynchronousTestCase):
    """
    The archive part of the contract, on a real file.
    """

    makeStore = SQLiteRoomStoreTests.makeStore
    openStore = SQLiteRoomStoreTests.openStore

    def reopen(self, store):
        return self.openStore()


class SQLiteCountTests(SynchronousTestCase):
    """
    Counts of queries of a large archive, with a small L{COUNT_LIMIT}.
    """

    makeStore = SQLiteRoomStoreTests.makeStore
    openStore = SQLiteRoomStoreTests.openStore

    def setUp(self):
        self.patch(sqlite_archive, "COUNT_LIMIT", 5)
        self.store = self.makeStore()
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        for n in range(20):
            self.successResultOf(self.store.archiveMessage(ROOM, historyEntry(n)))

    def count(self, **query):
        return self.successResultOf(self.store.queryArchive(ROOM, ArchiveQuery(**query))).count

    def test_cheapCounts(self):
        """
        What leaves few messages out, or keeps few, is counted; so is an
        archive that small for queries by sender.
        """
        start = historyEntry(2).stamp
        self.assertEqual([20, 20, 18, 3, 4],
                         [self.count(), self.count(before=""), self.count(start=start),
                          self.count(afterID="stanza-16"), self.count(beforeID="stanza-4")])

    def test_costlyCountsLeftOut(self):
        """
        A query that would count much of a large archive leaves its count
        out, and its page index; the page is whole.
        """
        page = self.successResultOf(self.store.queryArchive(
            ROOM, ArchiveQuery(start=historyEntry(10).stamp, max=3)))
        self.assertEqual((None, 0), (page.count, page.firstIndex))
        self.assertEqual(["stanza-10", "stanza-11", "stanza-12"],
                         [e.stanzaID for e in page.entries])
        self.assertIsNone(self.count(nick="nick3"))


class ThreadedRunnerTests(TestCase):
    """
    The default runner, on its thread, with the real reactor.
    """

    def setUp(self):
        self.path = temporaryDatabase(self)

    def threadNames(self):
        return {t.name for t in threading.enumerate() if "mucservice-sqlite" in t.name}

    @defer.inlineCallbacks
    def test_oneThread(self):
        """Transactions run on one thread that is not the reactor's, which stop ends."""
        runner = ThreadedRunner(self.path)
        self.addCleanup(runner.close)
        names = yield defer.gatherResults(
            [runner(lambda c: threading.current_thread().name) for _ in range(5)])
        self.assertEqual(1, len(set(names)))
        self.assertNotEqual(threading.current_thread().name, names[0])
        self.assertIn(names[0], self.threadNames())
        yield runner.close()
        self.assertNotIn(names[0], self.threadNames())

    @defer.inlineCallbacks
    def test_store(self):
        """The store works through the default runner, in the order things were asked."""
        store = SQLiteRoomStore(self.path)
        store.startService()
        self.addCleanup(store.close)
        store.saveRoom(ROOM, {"a": "1"})
        store.setAffiliation(ROOM, ALICE, "owner", {"nick": "al"})
        appended = [store.appendHistory(ROOM, historyEntry(n), 30) for n in range(50)]
        history = yield store.getHistory(ROOM, 100)
        self.assertEqual([historyEntry(n) for n in range(20, 50)], history)
        yield defer.gatherResults(appended)
        room = yield storedRoom(store, ROOM)
        self.assertEqual({ALICE: Affiliation("owner", {"nick": "al"})}, room.affiliations)
        yield self.assertFailure(store.setSubject(OTHER, "s", "n"), errors.ItemNotFound)
        yield self.assertFailure(store.setAffiliation(ROOM, ALICE, "king"), errors.BadRequest)

    @defer.inlineCallbacks
    def test_batches(self):
        """
        Messages added while a write of messages is under way go together in
        the next transaction, in order; one for a room not stored fails
        alone.
        """
        runner = ThreadedRunner(self.path)
        written = []

        class Counting:
            def __call__(self, func, *args):
                if func is appendMessages:
                    written.append(len(args[0]))
                return runner(func, *args)

            close = runner.close

        store = SQLiteRoomStore(self.path, runner=Counting())
        self.addCleanup(store.close)
        yield store.saveRoom(ROOM, {})
        added = [store.archiveMessage(ROOM, historyEntry(n)) for n in range(50)]
        added.append(store.archiveMessage(OTHER, historyEntry(50)))
        added += [store.archiveMessage(ROOM, historyEntry(n)) for n in range(51, 100)]
        results = yield defer.DeferredList(added, consumeErrors=True)
        self.assertEqual([1, 99], written)
        failed = [n for n, (ok, _) in enumerate(results) if not ok]
        self.assertEqual([50], failed)
        results[50][1].trap(errors.ItemNotFound)
        history = yield store.getHistory(ROOM, 200)
        self.assertEqual([historyEntry(n) for n in range(100) if n != 50], history)

    @defer.inlineCallbacks
    def test_closeWritesWaiting(self):
        """Closing the store writes the messages still waiting for a group commit first."""
        store = SQLiteRoomStore(self.path)
        yield store.saveRoom(ROOM, {})
        for n in range(20):
            store.archiveMessage(ROOM, historyEntry(n))
        yield store.close()
        again = SQLiteRoomStore(self.path)
        self.addCleanup(again.close)
        history = yield again.getHistory(ROOM, 100)
        self.assertEqual([historyEntry(n) for n in range(20)], history)

    @defer.inlineCallbacks
    def test_survivesRestart(self):
        """What a stopped store wrote is there for a new store on the same file."""
        store = SQLiteRoomStore(self.path)
        store.startService()
        store.saveRoom(ROOM, {"l": ["x"]})
        store.setSubject(ROOM, "Hello", "alice")
        store.appendHistory(ROOM, historyEntry(1), 10)
        yield store.stopService()
        self.assertEqual(set(), self.threadNames())
        again = SQLiteRoomStore(self.path)
        self.addCleanup(again.close)
        rooms = yield again.loadRooms()
        self.assertEqual([(ROOM, {"l": ["x"]}, "Hello")],
                         [(r.jid, r.config, r.subject) for r in rooms])
        history = yield again.getHistory(ROOM, 10)
        self.assertEqual([historyEntry(1)], history)

    @defer.inlineCallbacks
    def test_useAfterStop(self):
        """A stopped store opens the database again when it is used."""
        store = SQLiteRoomStore(self.path)
        store.startService()
        yield store.saveRoom(ROOM, {})
        yield store.stopService()
        yield store.saveRoom(OTHER, {})
        rooms = yield store.loadRooms()
        self.assertEqual({ROOM, OTHER}, {r.jid for r in rooms})
        yield store.close()
        self.assertEqual(set(), self.threadNames())


class FactoryTests(SynchronousTestCase):
    """
    The C{sqlite} provider as chosen on the command line.
    """

    def make(self, database):
        context = registry.ProviderContext(object(), JID("muc.example.org"), database, {})
        return registry.makeProvider(registry.serviceFor("room-store"), "sqlite", context)

    def test_path(self):
        """The path follows sqlite:, made absolute, and the context's reactor is used."""
        path = temporaryDatabase(self)
        store = self.make("sqlite:" + path)
        self.assertIsInstance(store, SQLiteRoomStore)
        self.assertEqual(path, store.path)
        self.assertEqual(os.path.abspath("rooms.sqlite"), self.make("sqlite:rooms.sqlite").path)

    def test_refused(self):
        """PostgreSQL URLs, sqlite::memory:, no path or no folder are usage errors."""
        for database, message in [("postgresql://u@h/db", "needs --db sqlite:PATH"),
                                  ("sqlite::memory:", "not supported"),
                                  ("sqlite:", "not supported"),
                                  ("sqlite:/nonexistent/r.sqlite", "no folder /nonexistent")]:
            with self.assertRaisesRegex(usage.UsageError, message):
                self.make(database)

    def test_factoryValueError(self):
        """The factory itself says ValueError, with the message asked for."""
        context = registry.ProviderContext(None, None, "postgresql://x/y", {})
        with self.assertRaisesRegex(ValueError, r"^the sqlite room store needs --db sqlite:PATH$"):
            makeSQLiteRoomStore("", context)


def test_default(tmp_path, monkeypatch):
    """sqlite is the default room store; building the tree creates no file."""
    monkeypatch.chdir(tmp_path)
    assert registry.serviceFor("room-store").default == "sqlite"
    config = tap.Options()
    config.parseOptions(["--jid", "muc.example.org", "--secret", "s"])
    root = tap.makeService(config, MemoryReactorClock())
    (store,) = [s for s in root if isinstance(s, SQLiteRoomStore)]
    assert store.path == str(tmp_path / "mucservice.sqlite")
    assert os.listdir(tmp_path) == []


def test_helpListsSqlite():
    """--help-providers lists the sqlite room store as the default."""
    text = registry.describeProviders()
    line = next(line for line in text.splitlines() if line.strip().startswith("sqlite"))
    assert "survive restarts" in line and "(default)" in line
