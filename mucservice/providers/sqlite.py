"""
What the stores in the C{--db sqlite:PATH} file share: opening the file,
running transactions off the reactor's thread, the service life cycle, and
the path from C{--db}.

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

Several stores may share one file; each one creates and migrates its own
schema (see L{SQLiteStore}), and opening a connection touches none.
"""

import os
import sqlite3
import time
from urllib.request import pathname2url

from mucservice.providers import database


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


def connect(path):
    """
    Open the database file at C{path}, creating it if needed, in WAL mode,
    with foreign keys on and C{synchronous=NORMAL}. It creates no schema:
    every store sees to its own.

    The connection is in autocommit mode: L{transact} opens and closes every
    transaction explicitly. It must be used in the thread that opened it.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        _switchToWAL(connection)
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        connection.close()
        raise
    return connection


#: How long opening a database waits for another connection to let the file
#: switch to WAL mode, in seconds.
WAL_SWITCH_TIMEOUT = 10.0


def _switchToWAL(connection):
    """
    Put the database in WAL mode. The switch takes the file for itself, and
    SQLite does not wait for that: when two stores open a file that is not
    in WAL mode yet at once, one of them is told the database is locked. It
    tries again until the other is done.
    """
    deadline = time.monotonic() + WAL_SWITCH_TIMEOUT
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SynchronousRunner(database.SynchronousRunner):
    """
    Runs every transaction in the calling thread, at once, on a connection
    to the file opened by the first one (L{connect}).

    @ivar path: the database file.
    """

    def __init__(self, path):
        database.SynchronousRunner.__init__(self, lambda: connect(path), transact)
        self.path = path


class ThreadedRunner(database.ThreadedRunner):
    """
    Runs every transaction on one dedicated thread, in the order asked, on
    a connection to the file that the thread opens (L{connect}).

    @ivar path: the database file.
    """

    threadName = "mucservice-sqlite"

    def __init__(self, path, reactor=None):
        database.ThreadedRunner.__init__(self, lambda: connect(path), transact, reactor)
        self.path = path


class SQLiteStore(database.DatabaseStore):
    """
    A store in an SQLite file, with a schema of its own in it: a
    L{DatabaseStore<mucservice.providers.database.DatabaseStore>} whose
    runner is a L{ThreadedRunner} of the file unless told otherwise.

    @ivar path: the database file.
    """

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
        database.DatabaseStore.__init__(
            self, path, runner if runner is not None else ThreadedRunner(path, reactor))


def databasePath(database, needsSQLite, needsFile):
    """
    The absolute path of the file of C{--db sqlite:PATH}; a relative C{PATH}
    is taken from the working directory the command was started in.

    @param database: the C{--db} value (C{context.database}); may be L{None}.
    @param needsSQLite: the message when C{database} is not C{sqlite:}.
    @param needsFile: what follows C{--db DATABASE is not supported: } in
        the message when C{database} names no file (C{sqlite::memory:},
        which would lose what the store is meant to keep, or C{sqlite:}).

    @raise ValueError: C{database} is not an SQLite file, or its folder does
        not exist.
    """
    database = database or ""
    if not database.startswith("sqlite:"):
        raise ValueError(needsSQLite)
    path = database[len("sqlite:"):]
    if path in ("", ":memory:"):
        raise ValueError("--db %s is not supported: %s" % (database, needsFile))
    path = os.path.abspath(path)
    if not os.path.isdir(os.path.dirname(path)):
        raise ValueError("--db %s: no folder %s" % (database, os.path.dirname(path)))
    return path


def checkDatabaseFile(database, path, what, readVersion, knownVersion):
    """
    Check, before the service starts, that the file of C{--db} can serve a
    store: a file that does not exist yet can be made in its folder; one
    that exists is an SQLite database, readable and writable, not locked by
    another process, with a schema of C{what} this mucservice knows. A
    service that starts past this check does not run connected but unable
    to keep anything.

    @param database: the C{--db} value, for the messages.
    @param path: the file, as from L{databasePath}.
    @param what: the schema's name (C{"rooms"}, C{"hats"}).
    @param readVersion: reads that schema's version through a connection.
    @param knownVersion: the newest version this mucservice knows.
    @raise ValueError: the file cannot serve; the message says why, in one
        line.
    """
    if not os.path.exists(path):
        folder = os.path.dirname(path)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ValueError("--db %s: the folder %s is not writable: the database cannot be "
                             "made there" % (database, folder))
        return
    try:
        connection = sqlite3.connect("file:%s?mode=rw" % (pathname2url(path),), uri=True,
                                     isolation_level=None, timeout=1)
    except sqlite3.Error as e:
        raise ValueError("--db %s: the database cannot be opened for writing (%s)"
                         % (database, e))
    try:
        try:
            version = readVersion(connection)
        except sqlite3.DatabaseError as e:
            raise ValueError("--db %s: not a usable SQLite database (%s)" % (database, e))
        if version > knownVersion:
            raise ValueError("--db %s: its %s have schema version %d; this mucservice knows "
                             "versions up to %d" % (database, what, version, knownVersion))
        try:
            # A write, undone: opening a file for writing can quietly give a
            # read-only connection (a read-only file system).
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("CREATE TABLE mucservice_write_check (x)")
            connection.execute("ROLLBACK")
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise ValueError("--db %s: the database is locked: is another mucservice "
                                 "using it?" % (database,))
            raise ValueError("--db %s: the database is read-only or cannot be written (%s)"
                             % (database, e))
    finally:
        connection.close()
