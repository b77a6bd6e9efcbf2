"""
The SQL L{IHatStore}: hats in the C{--db sqlite:PATH} file, beside the rooms,
so that they survive restarts. The default hat store.

It shares the machinery of the SQLite room store
(L{mucservice.providers.sqlite}): a runner that puts every transaction on
one thread of its own, in the order asked. The room schema's version is that
file's C{PRAGMA user_version}; the hats table keeps its own version in the
one-row table C{hat_schema}, so that neither schema's migrations touch the
other's. Hats do not reference the rooms table: the hat store works with any
room store.
"""


from mucservice import errors
from mucservice.address import parseJID
from mucservice.providers.database import applyMigrations
from mucservice.providers.hats import HatStoreBase
from mucservice.providers.sqlite import SQLiteStore, checkDatabaseFile, databasePath

# HAT_MIGRATIONS[n] brings the hats from version n (0: no table yet) to n + 1.
HAT_MIGRATIONS = ((
    "CREATE TABLE IF NOT EXISTS hats (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " room_jid TEXT NOT NULL, user_jid TEXT NOT NULL, uri TEXT NOT NULL,"
    " active INTEGER NOT NULL DEFAULT 0, required INTEGER NOT NULL DEFAULT 0, title TEXT,"
    " UNIQUE (room_jid, user_jid, uri))",
),)
HAT_SCHEMA_VERSION = len(HAT_MIGRATIONS)


def hatSchemaVersion(connection):
    """
    @return: the version of the hats schema of the database of
        C{connection}; 0 if it has none.
    """
    exists = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                "AND name = 'hat_schema'").fetchone()
    if exists is None:
        return 0
    row = connection.execute("SELECT version FROM hat_schema").fetchone()
    return row[0] if row else 0


def migrateHats(connection):
    """
    Create or bring up to date the hats schema, inside the caller's
    transaction.

    @raise RuntimeError: the database has a newer hats schema than this
        mucservice knows.
    """
    if not applyMigrations(connection, "hats", HAT_MIGRATIONS, hatSchemaVersion(connection)):
        return
    connection.execute("CREATE TABLE IF NOT EXISTS hat_schema (version INTEGER NOT NULL)")
    connection.execute("DELETE FROM hat_schema")
    connection.execute("INSERT INTO hat_schema (version) VALUES (?)", (HAT_SCHEMA_VERSION,))


def _attachment(active, required, title):
    attachment = {}
    if active:
        attachment["active"] = True
    if required:
        attachment["required"] = True
    if title is not None:
        attachment["title"] = title
    return attachment


def _readUserHats(connection, roomJID, userJID):
    rows = connection.execute(
        "SELECT uri, active, required, title FROM hats WHERE room_jid = ? AND user_jid = ? "
        "ORDER BY id", (roomJID, userJID)).fetchall()
    return {uri: _attachment(*rest) for uri, *rest in rows}


def _writeUserHats(connection, roomJID, userJID, rows):
    connection.execute("DELETE FROM hats WHERE room_jid = ? AND user_jid = ?",
                       (roomJID, userJID))
    connection.executemany(
        "INSERT INTO hats (room_jid, user_jid, uri, active, required, title) "
        "VALUES (?, ?, ?, ?, ?, ?)", [(roomJID, userJID) + row for row in rows])


def _readRoomHats(connection, roomJID):
    rows = connection.execute(
        "SELECT user_jid, uri, active, required, title FROM hats WHERE room_jid = ? "
        "ORDER BY id", (roomJID,)).fetchall()
    hats = {}
    for userText, uri, *rest in rows:
        try:
            userJID = parseJID(userText)
        except errors.JIDMalformed:
            # Kept under looser rules; nobody with that address can be here.
            continue
        hats.setdefault(userJID, {})[uri] = _attachment(*rest)
    return hats


def _deleteRoomHats(connection, roomJID):
    connection.execute("DELETE FROM hats WHERE room_jid = ?", (roomJID,))


class HatTable(HatStoreBase):
    """
    The storage primitives of L{HatStoreBase} over the table C{hats}, with
    the statements of this module, which SQLite and PostgreSQL run alike:
    mixed into a L{DatabaseStore
    <mucservice.providers.database.DatabaseStore>}, whose C{_run} runs
    them. Every change goes through L{_write}, which a store may guard.
    """

    def _write(self, roomText, func, *args):
        """
        Run a change of the hats of C{roomText}, as C{_run} does.
        """
        return self._run(func, *args)

    def _readUserHats(self, userJID, roomJID):
        return self._run(_readUserHats, roomJID.full(), userJID.full())

    def _writeUserHats(self, userJID, roomJID, hats):
        rows = [(uri, int(bool(a.get("active"))), int(bool(a.get("required"))), a.get("title"))
                for uri, a in hats.items()]
        return self._write(roomJID.full(), _writeUserHats, roomJID.full(), userJID.full(), rows)

    def _readRoomHats(self, roomJID):
        return self._run(_readRoomHats, roomJID.full())

    def _deleteRoomHats(self, roomJID):
        return self._write(roomJID.full(), _deleteRoomHats, roomJID.full())


class SQLHatStore(HatTable, SQLiteStore):
    """
    Hats in the table C{hats} of an SQLite file, whose version is kept in
    C{hat_schema}: the checks, the order of changes and the observers are
    L{HatStoreBase}'s, the statements L{HatTable}'s; the file's life cycle
    and the runner are L{SQLiteStore}'s.
    """

    migrateSchema = staticmethod(migrateHats)
    readSchemaVersion = staticmethod(hatSchemaVersion)
    openedMessage = "hats in {path}, schema version {version}"
    failedMessage = "cannot open the hat database {path}"

    def __init__(self, rooms, path, runner=None, reactor=None):
        """
        @param rooms: the L{IRoomDirectory}.
        @param path: the database file; created if missing.
        @param runner: what runs C{func(connection, *args)} in one
            transaction (see L{SQLiteStore.__init__}); a
            L{ThreadedRunner<mucservice.providers.sqlite.ThreadedRunner>} of
            C{path} if L{None}.
        @param reactor: the reactor the default runner reports through.
        """
        HatStoreBase.__init__(self, rooms)
        SQLiteStore.__init__(self, path, runner, reactor)


def sqlHatStorePath(database):
    """
    The file of the C{--db sqlite:PATH} the hat store keeps hats in (the one
    the rooms are in); a relative C{PATH} is taken from the working
    directory. Also the store's check of C{--db} while the options are
    parsed.

    @raise ValueError: C{--db} is no SQLite file, or its folder does not
        exist.
    """
    return databasePath(database, "the sql hat store needs --db sqlite:PATH "
                        "(--hat-store memory keeps hats in memory)",
                        "the sql hat store needs a file "
                        "(--hat-store memory keeps hats in memory)")


def checkSQLHatStore(database):
    """
    The store's check of C{--db} while the options are parsed: the path
    (L{sqlHatStorePath}), and the file if there is one (readable, writable,
    a hats schema this mucservice knows).

    @raise ValueError: the database cannot serve; the message says why.
    """
    path = sqlHatStorePath(database)
    checkDatabaseFile(database, path, "hats", hatSchemaVersion, HAT_SCHEMA_VERSION)


def makeSQLHatStore(argstring, context):
    """
    Make the store of the C{--db sqlite:PATH} file (L{sqlHatStorePath}).

    @raise ValueError: as L{sqlHatStorePath}.
    """
    return SQLHatStore(context.rooms, sqlHatStorePath(context.database), reactor=context.reactor)
