"""
The SQLite L{IRoomStore}: rooms in the C{--db sqlite:PATH} file, in WAL mode,
surviving restarts. The default room store.

The reactor never waits for the disk. Every database call is a function
C{func(connection, *args)} handed to a I{runner}, which runs it in one
transaction and returns a Deferred of its result. The default runner,
L{ThreadedRunner}, runs them in order on one dedicated thread that owns the
only connection: SQLite allows one writer at a time anyway, and one thread
keeps changes in the order asked, with no C{check_same_thread=False} and no
connection pool (hence not L{twisted.enterprise.adbapi}). Reads take the same
queue, so a read sees every change asked before it. L{SynchronousRunner} runs
them in the calling thread, for tests and tools. Values are serialized in the
caller's thread, before the call is queued.
"""

import json
import os
import sqlite3
import threading
from datetime import datetime, timezone

from twisted.application import service
from twisted.internet import defer, threads
from twisted.logger import Logger
from twisted.python.threadpool import ThreadPool
from twisted.words.protocols.jabber import jid
from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IRoomStore
from mucservice.room.records import AFFILIATIONS, Affiliation, HistoryEntry, RoomRecord

STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# MIGRATIONS[n] is the statements that bring a database from schema version n
# (PRAGMA user_version; 0 is a new file) to n + 1, run in one transaction.
MIGRATIONS = ((
    "CREATE TABLE IF NOT EXISTS rooms (jid TEXT PRIMARY KEY, config TEXT NOT NULL,"
    " subject TEXT NOT NULL DEFAULT '', subject_nick TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS affiliations ("
    " room_jid TEXT NOT NULL REFERENCES rooms (jid) ON DELETE CASCADE,"
    " user_jid TEXT NOT NULL, affiliation TEXT NOT NULL, data TEXT NOT NULL,"
    " PRIMARY KEY (room_jid, user_jid))",
    "CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " room_jid TEXT NOT NULL REFERENCES rooms (jid) ON DELETE CASCADE,"
    " stamp TEXT NOT NULL, nick TEXT NOT NULL, real_jid TEXT, stanza TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS history_room ON history (room_jid, id)",
),)
SCHEMA_VERSION = len(MIGRATIONS)


def transact(connection, func, *args):
    """
    Run C{func(connection, *args)} in one transaction of C{connection}
    (opened by L{connect}): committed if it returns, rolled back if it raises.

    @return: what C{func} returned.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = func(connection, *args)
    except BaseException:
        # SQLite has already rolled back after some errors (e.g. a full disk).
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return result


def schemaVersion(connection):
    """
    @return: the schema version of the database of C{connection}.
    """
    return connection.execute("PRAGMA user_version").fetchone()[0]


def _migrate(connection):
    version = schemaVersion(connection)
    if version > SCHEMA_VERSION:
        raise RuntimeError("the room database has schema version %d; this mucservice knows "
                           "versions up to %d" % (version, SCHEMA_VERSION))
    for statements in MIGRATIONS[version:]:
        for statement in statements:
            connection.execute(statement)
    connection.execute("PRAGMA user_version = %d" % (SCHEMA_VERSION,))


def connect(path):
    """
    Open the database file at C{path}, creating it and its schema if needed
    and migrating an older schema.

    The connection is in autocommit mode: L{transact} opens and closes every
    transaction explicitly. It must be used in the thread that opened it.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA synchronous = NORMAL")
        transact(connection, _migrate)
    except BaseException:
        connection.close()
        raise
    return connection


class SynchronousRunner:
    """
    Runs every transaction in the calling thread, at once; the connection is
    opened on the first one.

    @ivar path: the database file.
    """

    def __init__(self, path):
        self.path = path
        self._connection = None

    def __call__(self, func, *args):
        try:
            if self._connection is None:
                self._connection = connect(self.path)
            return defer.succeed(transact(self._connection, func, *args))
        except Exception:
            return defer.fail()

    def close(self):
        """
        Close the connection; the next transaction opens a new one.
        """
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        return defer.succeed(None)


class ThreadedRunner:
    """
    Runs every transaction on one dedicated thread, in the order asked.

    The thread is started and its connection opened on the first
    transaction; L{close} ends both after the transactions already queued,
    and a transaction asked for later starts new ones.

    @ivar path: the database file.
    """

    def __init__(self, path, reactor=None):
        self.path = path
        self._reactor = reactor
        self._pool = self._trigger = None
        self._local = threading.local()

    def __call__(self, func, *args):
        if self._pool is None:
            if self._reactor is None:
                from twisted.internet import reactor as globalReactor

                self._reactor = globalReactor
            self._pool = ThreadPool(1, 1, "mucservice-sqlite")
            self._pool.start()
            # Should the reactor stop without closing this, the queued
            # transactions finish and the thread ends, so the process can exit.
            self._trigger = self._reactor.addSystemEventTrigger(
                "during", "shutdown", self._pool.stop)
        return threads.deferToThreadPool(self._reactor, self._pool, self._transact, func, *args)

    def _transact(self, func, *args):
        if getattr(self._local, "connection", None) is None:
            self._local.connection = connect(self.path)
        return transact(self._local.connection, func, *args)

    def _closeConnection(self):
        connection, self._local.connection = getattr(self._local, "connection", None), None
        if connection is not None:
            connection.close()

    def close(self):
        """
        @return: a Deferred that fires when the queued transactions are done
            and the connection and the thread are closed.
        """
        pool, self._pool = self._pool, None
        if pool is None:
            return defer.succeed(None)
        self._reactor.removeSystemEventTrigger(self._trigger)

        def stopPool(result):
            pool.stop()
            return result

        d = threads.deferToThreadPool(self._reactor, pool, self._closeConnection)
        return d.addBoth(stopPool)


def _formatStamp(stamp):
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc).strftime(STAMP_FORMAT)


def _parseStamp(text):
    return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=timezone.utc)


def _requireRoom(connection, roomJID):
    if connection.execute("SELECT 1 FROM rooms WHERE jid = ?", (roomJID,)).fetchone() is None:
        raise errors.ItemNotFound("room %s is not stored" % (roomJID,))


def _readRooms(connection, roomJID=None):
    """
    @return: the records of every room, or of C{roomJID} only if given.
    """
    where, params = ("", ()) if roomJID is None else (" WHERE {} = ?", (roomJID,))
    roomRows = connection.execute("SELECT jid, config, subject, subject_nick FROM rooms"
                                  + where.format("jid"), params).fetchall()
    affiliationRows = connection.execute("SELECT room_jid, user_jid, affiliation, data "
                                         "FROM affiliations" + where.format("room_jid"),
                                         params).fetchall()
    rooms = {}
    for roomText, config, subject, subjectNick in roomRows:
        rooms[roomText] = RoomRecord(jid.internJID(roomText), json.loads(config),
                                     subject, subjectNick)
    for roomText, userText, affiliation, data in affiliationRows:
        rooms[roomText].affiliations[jid.internJID(userText)] = Affiliation(
            affiliation, json.loads(data))
    return list(rooms.values())


def _saveRoom(connection, roomJID, config):
    connection.execute("INSERT INTO rooms (jid, config) VALUES (?, ?) "
                       "ON CONFLICT (jid) DO UPDATE SET config = excluded.config",
                       (roomJID, config))


def _deleteRoom(connection, roomJID):
    connection.execute("DELETE FROM rooms WHERE jid = ?", (roomJID,))


def _setAffiliation(connection, roomJID, userJID, affiliation, data):
    _requireRoom(connection, roomJID)
    if data is None:
        connection.execute("DELETE FROM affiliations WHERE room_jid = ? AND user_jid = ?",
                           (roomJID, userJID))
    else:
        connection.execute(
            "INSERT INTO affiliations (room_jid, user_jid, affiliation, data) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (room_jid, user_jid) DO UPDATE SET "
            "affiliation = excluded.affiliation, data = excluded.data",
            (roomJID, userJID, affiliation, data))


def _setSubject(connection, roomJID, subject, nick):
    cursor = connection.execute("UPDATE rooms SET subject = ?, subject_nick = ? WHERE jid = ?",
                                (subject, nick, roomJID))
    if cursor.rowcount == 0:
        raise errors.ItemNotFound("room %s is not stored" % (roomJID,))


def _appendHistory(connection, roomJID, row, maxLength):
    _requireRoom(connection, roomJID)
    connection.execute("INSERT INTO history (room_jid, stamp, nick, real_jid, stanza) "
                       "VALUES (?, ?, ?, ?, ?)", (roomJID,) + row)
    # Delete from the newest entry past the first maxLength, and all older.
    connection.execute(
        "DELETE FROM history WHERE room_jid = ? AND id <= (SELECT id FROM history "
        "WHERE room_jid = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
        (roomJID, roomJID, max(maxLength, 0)))


def _getHistory(connection, roomJID, limit):
    rows = connection.execute(
        "SELECT stamp, nick, real_jid, stanza FROM history WHERE room_jid = ? "
        "ORDER BY id DESC LIMIT ?", (roomJID, limit)).fetchall()
    return [HistoryEntry(_parseStamp(stamp), nick,
                         jid.internJID(realJID) if realJID is not None else None, stanza)
            for stamp, nick, realJID, stanza in reversed(rows)]


@implementer(IRoomStore)
class SQLiteRoomStore(service.Service):
    """
    Rooms in an SQLite file.

    As a service, it opens (and if needed creates) the database when it
    starts, so that a bad path shows in the log at once, and it closes the
    database and its thread when it stops, after the pending changes. It
    does not need starting: the first call opens the database, and a call
    after stopping opens it again (stop or L{close} again to release it).
    Nothing touches the file before either.

    @ivar path: the database file.
    """

    log = Logger()

    def __init__(self, path, runner=None, reactor=None):
        """
        @param path: the database file; created if missing.
        @param runner: a callable that runs C{func(connection, *args)} in one
            transaction and returns a Deferred of the result, and may have a
            C{close()} method returning a Deferred; a L{ThreadedRunner} of
            C{path} if L{None}.
        @param reactor: the reactor the default runner reports through; the
            global reactor if L{None}.
        """
        self.path = path
        self._runner = runner if runner is not None else ThreadedRunner(path, reactor)

    def startService(self):
        service.Service.startService(self)
        d = self._runner(schemaVersion)
        d.addCallbacks(
            lambda version: self.log.info("room database {path} open, schema version "
                                          "{version}", path=self.path, version=version),
            lambda f: self.log.failure("cannot open the room database {path}", f,
                                       path=self.path))

    def stopService(self):
        service.Service.stopService(self)
        return self.close()

    def close(self):
        """
        Close the database after the pending changes.

        @return: a Deferred that fires when it is closed.
        """
        close = getattr(self._runner, "close", None)
        return close() if close is not None else defer.succeed(None)

    def loadRooms(self):
        return self._runner(_readRooms)

    def loadRoom(self, roomJID):
        d = self._runner(_readRooms, roomJID.full())
        d.addCallback(lambda rooms: rooms[0] if rooms else None)
        return d

    def saveRoom(self, roomJID, config):
        try:
            config = json.dumps(config)
        except (TypeError, ValueError):
            return defer.fail()
        return self._runner(_saveRoom, roomJID.full(), config)

    def deleteRoom(self, roomJID):
        return self._runner(_deleteRoom, roomJID.full())

    def setAffiliation(self, roomJID, userJID, affiliation, data=None):
        if affiliation not in AFFILIATIONS:
            return defer.fail(errors.BadRequest("no such affiliation: %r" % (affiliation,)))
        if affiliation == "none" and not data:
            data = None
        else:
            data = json.dumps(dict(data or {}))
        return self._runner(_setAffiliation, roomJID.full(), userJID.userhost(),
                            affiliation, data)

    def setSubject(self, roomJID, subject, nick):
        return self._runner(_setSubject, roomJID.full(), subject, nick)

    def appendHistory(self, roomJID, entry, maxLength):
        realJID = entry.realJID.full() if entry.realJID is not None else None
        row = (_formatStamp(entry.stamp), entry.nick, realJID, entry.stanza)
        return self._runner(_appendHistory, roomJID.full(), row, maxLength)

    def getHistory(self, roomJID, limit):
        if limit <= 0:
            return defer.succeed([])
        return self._runner(_getHistory, roomJID.full(), limit)


def makeSQLiteRoomStore(argstring, context):
    """
    Make the store of the C{--db sqlite:PATH} file; a relative C{PATH} is
    taken from the working directory the command was started in.

    @raise ValueError: C{--db} is not an SQLite file (a PostgreSQL URL, or
        C{sqlite::memory:}, which would lose the rooms it is meant to keep),
        or its folder does not exist.
    """
    database = context.database or ""
    if not database.startswith("sqlite:"):
        raise ValueError("the sqlite room store needs --db sqlite:PATH")
    path = database[len("sqlite:"):]
    if path in ("", ":memory:"):
        raise ValueError("--db %s is not supported: the sqlite room store needs a file "
                         "(--room-store memory keeps rooms in memory)" % (database,))
    path = os.path.abspath(path)
    if not os.path.isdir(os.path.dirname(path)):
        raise ValueError("--db %s: no folder %s" % (database, os.path.dirname(path)))
    return SQLiteRoomStore(path, reactor=context.reactor)
