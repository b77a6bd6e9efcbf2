"""
The SQLite L{IRoomStore}: rooms in the C{--db sqlite:PATH} file, in WAL mode,
surviving restarts. The default room store.

Its transactions run through a runner of L{mucservice.providers.sqlite}, on
a thread of their own. The room schema's version is the file's C{PRAGMA
user_version}.
"""

import json
import re
from xml.sax.saxutils import unescape

from twisted.internet import defer
from zope.interface import implementer

from mucservice import errors
from mucservice.address import parseJID
from mucservice.interfaces import IRoomStore
from mucservice.providers import sqlite_archive as archive
from mucservice.providers.database import applyMigrations
from mucservice.providers.sqlite import SQLiteStore, checkDatabaseFile, databasePath
from mucservice.providers.sqlite_avatars import AVATAR_MIGRATION, readAvatars, setAvatar
from mucservice.providers.sqlite_batches import AppendBatches
from mucservice.records import AFFILIATIONS, Affiliation, RoomRecord

_ATTRIBUTE = re.compile(r" ([\w:]+)='([^']*)'")
_STANZA_ID = re.compile(r"<stanza-id xmlns='[^']*' id='([^']*)'[^>]*/>")
_OCCUPANT_ID = re.compile(r"<occupant-id xmlns='[^']*' id='([^']*)'/>")


def renderedToFields(stanza):
    """
    Read the fields of a history message kept by schema version 1, which
    kept the message as the room had rendered it: C{<message from='room/nick'
    type='groupchat' id=... xml:lang=...>}, the sender's children, then the
    room's C{<stanza-id/>} and C{<occupant-id/>}.

    @return: C{(payload, stanzaID, occupantID, messageID, lang)}; a text of
        another shape is kept whole as the payload.
    """
    head, close, rest = stanza.partition(">")
    tail = _STANZA_ID.search(rest)
    if not close or not head.startswith("<message") or tail is None:
        return stanza, None, None, None, None
    attrs = {name: unescape(value, {"&apos;": "'", "&quot;": '"'})
             for name, value in _ATTRIBUTE.findall(head)}
    occupant = _OCCUPANT_ID.search(rest, tail.end())
    return (rest[:tail.start()], unescape(tail.group(1)),
            unescape(occupant.group(1)) if occupant else None, attrs.get("id"),
            attrs.get("xml:lang"))


def _convertRenderedHistory(connection):
    rows = connection.execute("SELECT id, room_jid, stamp, nick, real_jid, stanza "
                              "FROM history_1 ORDER BY id").fetchall()
    connection.executemany(
        "INSERT INTO history (id, room_jid, stamp, nick, real_jid, payload, stanza_id,"
        " occupant_id, message_id, lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row[:5] + renderedToFields(row[5]) for row in rows])


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
), (
    # Version 2: history keeps the fields of a message, not its rendering.
    "DROP INDEX IF EXISTS history_room",
    "ALTER TABLE history RENAME TO history_1",
    "CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " room_jid TEXT NOT NULL REFERENCES rooms (jid) ON DELETE CASCADE,"
    " stamp TEXT NOT NULL, nick TEXT NOT NULL, real_jid TEXT, payload TEXT NOT NULL,"
    " stanza_id TEXT, occupant_id TEXT, message_id TEXT, lang TEXT)",
    _convertRenderedHistory,
    "DROP TABLE history_1",
    "CREATE INDEX IF NOT EXISTS history_room ON history (room_jid, id)",
),
    # Version 3: room avatars (sqlite_avatars).
    AVATAR_MIGRATION,
    # Version 4: history and archive, one table (sqlite_archive).
    archive.MIGRATION_TO_ARCHIVE,
)
SCHEMA_VERSION = len(MIGRATIONS)


def schemaVersion(connection):
    """
    @return: the schema version of the database of C{connection}.
    """
    return connection.execute("PRAGMA user_version").fetchone()[0]


def migrateRooms(connection):
    """
    Create or bring up to date the room schema, inside the caller's
    transaction.

    @raise RuntimeError: the database has a newer room schema than this
        mucservice knows.
    """
    if applyMigrations(connection, "rooms", MIGRATIONS, schemaVersion(connection)):
        connection.execute("PRAGMA user_version = %d" % (SCHEMA_VERSION,))


def _requireRoom(connection, roomJID):
    if connection.execute("SELECT 1 FROM rooms WHERE jid = ?", (roomJID,)).fetchone() is None:
        raise errors.ItemNotFound("room %s is not stored" % (roomJID,))


def readRooms(connection, only=None):
    """
    @param only: the one room to read (its JID as text), or L{None} for
        every room.
    @return: the records of the rooms, and what was left out: rooms and
        affiliations whose address the parser refuses (kept by an older
        mucservice whose rules were looser), as text for the log.
    """
    where, args = (" WHERE jid = ?", (only,)) if only is not None else ("", ())
    roomRows = connection.execute("SELECT jid, config, subject, subject_nick "
                                  "FROM rooms" + where, args).fetchall()
    where = " WHERE room_jid = ?" if only is not None else ""
    affiliationRows = connection.execute("SELECT room_jid, user_jid, affiliation, data "
                                         "FROM affiliations" + where, args).fetchall()
    avatars = readAvatars(connection, only)
    rooms = {}
    skipped = []
    for roomText, config, subject, subjectNick in roomRows:
        try:
            roomJID = parseJID(roomText)
        except errors.JIDMalformed as e:
            skipped.append("room %r (%s)" % (roomText, e.text))
            continue
        rooms[roomText] = RoomRecord(roomJID, json.loads(config), subject, subjectNick,
                                     avatar=avatars.get(roomText))
    for roomText, userText, affiliation, data in affiliationRows:
        if roomText not in rooms:
            continue
        try:
            userJID = parseJID(userText)
        except errors.JIDMalformed as e:
            skipped.append("the %s %r of room %r (%s)" % (affiliation, userText, roomText,
                                                           e.text))
            continue
        rooms[roomText].affiliations[userJID] = Affiliation(affiliation, json.loads(data))
    return list(rooms.values()), skipped


def _saveRoom(connection, roomJID, config, affiliations=()):
    connection.execute("INSERT INTO rooms (jid, config) VALUES (?, ?) "
                       "ON CONFLICT (jid) DO UPDATE SET config = excluded.config",
                       (roomJID, config))
    for userJID, affiliation, data in affiliations:
        _setAffiliation(connection, roomJID, userJID, affiliation, data)


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


def _affiliationRow(userJID, affiliation, data):
    """
    @return: the columns of an affiliation as stored: the bare JID, the
        affiliation and its data as JSON, or L{None} for data when the
        entry is to be removed (none without data).
    @raise errors.BadRequest: C{affiliation} is none.
    """
    if affiliation not in AFFILIATIONS:
        raise errors.BadRequest("no such affiliation: %r" % (affiliation,))
    if affiliation == "none" and not data:
        return userJID.userhost(), affiliation, None
    return userJID.userhost(), affiliation, json.dumps(dict(data or {}))


def _setSubject(connection, roomJID, subject, nick):
    cursor = connection.execute("UPDATE rooms SET subject = ?, subject_nick = ? WHERE jid = ?",
                                (subject, nick, roomJID))
    if cursor.rowcount == 0:
        raise errors.ItemNotFound("room %s is not stored" % (roomJID,))


def _trimHistory(connection, roomJID, maxLength):
    _requireRoom(connection, roomJID)
    archive.keepNewest(connection, roomJID, maxLength)


@implementer(IRoomStore)
class SQLRoomStore:
    """
    The L{IRoomStore} over the statements of this module and of
    L{mucservice.providers.sqlite_archive}, which SQLite and PostgreSQL run
    alike: mixed into a L{DatabaseStore
    <mucservice.providers.database.DatabaseStore>}, whose C{_run} it runs
    them through. Messages are written in batches (L{AppendBatches}), and
    any other transaction first sends on those that wait.

    Every change of a room's state goes through L{_write}, and every batch
    of messages through L{_runBatch}, which a store may guard (the
    PostgreSQL store of one of several instances checks its lease there).
    """

    def _startBatches(self):
        self._batches = AppendBatches(self._runBatch)

    def _runNow(self, func, *args):
        return super()._run(func, *args)

    def _run(self, func, *args):
        # Messages added before this transaction are written before it.
        self._batches.flush()
        return self._runNow(func, *args)

    def _write(self, roomJID, func, *args):
        """
        Run a change of the state of C{roomJID} (text), as C{_run} does.
        """
        return self._run(func, *args)

    def _runBatch(self, func, messages):
        """
        Run C{func(connection, messages)}, a batch of messages
        (L{appendMessages<mucservice.providers.sqlite_archive.appendMessages>}).
        """
        return self._runNow(func, messages)

    def close(self):
        """
        Close the database after the pending changes, messages waiting for
        their group commit included.
        """
        self._batches.flush()
        return super().close()

    def loadRooms(self):
        def logSkipped(result):
            records, skipped = result
            for what in skipped:
                self.log.warn("left out of the stored rooms: {what}; it stays in the file",
                              event="store.row-skipped", what=what)
            return records

        return self._run(readRooms).addCallback(logSkipped)

    def saveRoom(self, roomJID, config, affiliations=None):
        try:
            config = json.dumps(config)
            rows = [_affiliationRow(userJID, entry.affiliation, entry.data) if entry else
                    (userJID.userhost(), "none", None)
                    for userJID, entry in (affiliations or {}).items()]
        except (TypeError, ValueError, errors.BadRequest):
            return defer.fail()
        return self._write(roomJID.full(), _saveRoom, roomJID.full(), config, rows)

    def deleteRoom(self, roomJID):
        return self._write(roomJID.full(), _deleteRoom, roomJID.full())

    def setAffiliation(self, roomJID, userJID, affiliation, data=None):
        try:
            row = _affiliationRow(userJID, affiliation, data)
        except errors.BadRequest:
            return defer.fail()
        return self._write(roomJID.full(), _setAffiliation, roomJID.full(), *row)

    def setSubject(self, roomJID, subject, nick):
        return self._write(roomJID.full(), _setSubject, roomJID.full(), subject, nick)

    def setAvatar(self, roomJID, avatar):
        return self._write(roomJID.full(), setAvatar, roomJID.full(), avatar)

    def appendHistory(self, roomJID, entry, maxLength):
        return self._batches.append(roomJID.full(), archive.entryRow(entry), maxLength)

    def trimHistory(self, roomJID, maxLength):
        """
        Keep only the newest C{maxLength} entries of the room's history.
        """
        return self._write(roomJID.full(), _trimHistory, roomJID.full(), maxLength)

    def getHistory(self, roomJID, limit):
        if limit <= 0:
            return defer.succeed([])
        return self._run(archive.getHistory, roomJID.full(), limit)

    # The archive (sqlite_archive)

    def archiveMessage(self, roomJID, entry):
        return self._batches.append(roomJID.full(), archive.entryRow(entry), None)

    def queryArchive(self, roomJID, query):
        return self._run(archive.queryArchive, roomJID.full(), query)

    def findMessage(self, roomJID, stanzaID):
        return self._run(archive.findMessage, roomJID.full(), stanzaID)

    def retractMessage(self, roomJID, stanzaID, retraction, announcement=None, maxLength=None):
        added = (archive.entryRow(announcement), maxLength) if announcement is not None else None
        return self._write(roomJID.full(), archive.retractMessage, roomJID.full(), stanzaID,
                           archive.retractionText(retraction), added)

    def expireArchive(self, before, limit):
        return self._run(archive.expireArchive, archive.formatStamp(before), limit)


class SQLiteRoomStore(SQLRoomStore, SQLiteStore):
    """
    Rooms, their affiliations and their messages (history and archive,
    L{mucservice.providers.sqlite_archive}) in an SQLite file, under the
    schema of L{MIGRATIONS}, whose version is the file's C{PRAGMA
    user_version}. L{SQLiteStore} says when the file is opened and closed,
    and on which thread the transactions run; L{SQLRoomStore} what they do.
    """

    migrateSchema = staticmethod(migrateRooms)
    readSchemaVersion = staticmethod(schemaVersion)
    openedMessage = "room database {path} open, schema version {version}"
    failedMessage = "cannot open the room database {path}"

    def __init__(self, path, runner=None, reactor=None):
        SQLiteStore.__init__(self, path, runner, reactor)
        self._startBatches()


def sqliteRoomStorePath(database):
    """
    The file of the C{--db sqlite:PATH} the room store keeps rooms in; a
    relative C{PATH} is taken from the working directory the command was
    started in. Also the store's check of C{--db} while the options are
    parsed.

    @raise ValueError: C{--db} is not an SQLite file (a PostgreSQL URL, or
        C{sqlite::memory:}, which would lose the rooms it is meant to keep),
        or its folder does not exist.
    """
    return databasePath(database, "the sqlite room store needs --db sqlite:PATH",
                        "the sqlite room store needs a file "
                        "(--room-store memory keeps rooms in memory)")


def checkSQLiteRoomStore(database):
    """
    The store's check of C{--db} while the options are parsed: the path
    (L{sqliteRoomStorePath}), and the file if there is one (readable,
    writable, a room schema this mucservice knows).

    @raise ValueError: the database cannot serve; the message says why.
    """
    path = sqliteRoomStorePath(database)
    checkDatabaseFile(database, path, "rooms", schemaVersion, SCHEMA_VERSION)


def makeSQLiteRoomStore(argstring, context):
    """
    Make the store of the C{--db sqlite:PATH} file (L{sqliteRoomStorePath}).

    @raise ValueError: as L{sqliteRoomStorePath}.
    """
    return SQLiteRoomStore(sqliteRoomStorePath(context.database), reactor=context.reactor)
