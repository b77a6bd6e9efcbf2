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
import threading
import time
from urllib.request import pathname2url

from twisted.application import service
from twisted.internet import defer, threads
from twisted.logger import Logger
from twisted.python.threadpool import ThreadPool
from zope.interface import implementer

from mucservice.measures import GAUGE, HISTOGRAM, Durations, IMeasured, Measure


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


def applyMigrations(connection, what, migrations, version):
    """
    Bring a schema from C{version} up to date, inside the caller's
    transaction.

    @param what: the schema's name, for the error message.
    @param migrations: per version, the steps that lead to the next: SQL
        statements, or callables taking the connection for what SQL alone
        cannot do (converting values).
    @return: whether anything had to be done.
    @raise RuntimeError: the database is newer than this mucservice.
    """
    if version > len(migrations):
        raise RuntimeError("the %s in the database have schema version %d; this mucservice "
                           "knows versions up to %d" % (what, version, len(migrations)))
    for steps in migrations[version:]:
        for step in steps:
            if callable(step):
                step(connection)
            else:
                connection.execute(step)
    return version < len(migrations)


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


def _withSchema(connection, migrate, func, *args):
    migrate(connection)
    return func(connection, *args)


@implementer(IMeasured)
class SQLiteStore(service.Service):
    """
    A store in an SQLite file, with a schema of its own in it.

    It needs no starting: its first transaction opens the database and, in
    the same transaction, creates or migrates its schema (and only its
    own), until one has succeeded. As a service, it opens the database when
    it starts, so that a bad path shows in the log at once, and it closes the
    database and its thread when it stops, after the pending changes; a
    call after stopping opens it again (stop or L{close} again to release
    it). Nothing touches the file before either.

    A subclass sets L{migrateSchema} and L{readSchemaVersion} (as static
    methods) and the two log messages, and runs its transactions through
    L{_run}.

    @cvar migrateSchema: C{migrateSchema(connection)}, that creates or brings
        up to date the store's schema inside the caller's transaction, and
        raises L{RuntimeError} if it is newer than this mucservice knows.
    @cvar readSchemaVersion: C{readSchemaVersion(connection)}, the version
        of the store's schema.
    @cvar openedMessage: what is logged when the service has opened the
        database, with the fields C{path} and C{version}.
    @cvar failedMessage: what is logged when it cannot, with C{path}.

    @ivar path: the database file.
    @ivar durations: the L{Durations} of its transactions, from being asked
        for to being done, for the metrics.
    """

    log = Logger()
    migrateSchema = None
    readSchemaVersion = None
    openedMessage = "database {path} open, schema version {version}"
    failedMessage = "cannot open the database {path}"

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
        self._schemaReady = False
        self.durations = Durations(time.monotonic)

    def _run(self, func, *args):
        """
        Run C{func(connection, *args)} in one transaction, making sure of the
        store's schema first until that has once succeeded.

        @return: a Deferred of what C{func} returned.
        """
        if self._schemaReady:
            return self.durations.track(self._runner(func, *args))
        d = self.durations.track(self._runner(_withSchema, self.migrateSchema, func, *args))

        def ready(result):
            self._schemaReady = True
            return result

        return d.addCallback(ready)

    def startService(self):
        service.Service.startService(self)
        d = self._run(self.readSchemaVersion)
        d.addCallbacks(
            lambda version: self.log.info(self.openedMessage, event="store.opened",
                                          path=self.path, version=version),
            lambda f: self.log.failure(self.failedMessage, f, event="store.failed",
                                       path=self.path))

    def stopService(self):
        service.Service.stopService(self)
        return self.close()

    def measures(self):
        yield Measure("store_transaction_seconds", HISTOGRAM,
                      "Time from asking the store for a transaction (nearly all are writes) to "
                      "its commit, the wait in its queue included.", self.durations.histogram)
        yield Measure("store_queue_depth", GAUGE,
                      "Store transactions asked for and not done yet.", self.durations.underWay)

    def close(self):
        """
        Close the database after the pending changes.

        @return: a Deferred that fires when it is closed.
        """
        close = getattr(self._runner, "close", None)
        return close() if close is not None else defer.succeed(None)


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
