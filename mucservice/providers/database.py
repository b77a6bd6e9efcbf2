"""
What the database stores share, SQLite's (L{mucservice.providers.sqlite})
and PostgreSQL's (L{mucservice.providers.postgresql}): running transactions
off the reactor's thread, creating or migrating a store's schema on its
first transaction, and the service life cycle.

The reactor never waits for the database. Every database call is a function
C{func(connection, *args)} handed to a I{runner}, which runs it in one
transaction and returns a Deferred of its result. L{ThreadedRunner} runs
them in order on one dedicated thread that owns the only connection, so
that changes are made in the order asked and a read sees every change asked
before it; L{SynchronousRunner} runs them in the calling thread, for tests
and tools. Both are given how to open a connection and how to run one
transaction on it; values are serialized in the caller's thread, before
the call is queued.

The statements that both databases run alike (the rooms, their messages,
the hats) call C{connection.execute(sql, args)} with C{?} placeholders and
read the cursor it returns (C{fetchone}, C{fetchall}, C{rowcount}), as
L{sqlite3} connections do; the PostgreSQL connection offers the same.
"""

import threading
import time

from twisted.application import service
from twisted.internet import defer, threads
from twisted.logger import Logger
from twisted.python.threadpool import ThreadPool
from zope.interface import implementer

from mucservice.measures import GAUGE, HISTOGRAM, Durations, IMeasured, Measure


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

    @ivar connect: opens a connection, with no argument.
    @ivar transact: C{transact(connection, func, *args)} runs C{func} in
        one transaction of the connection and returns what it returned.
    """

    def __init__(self, connect, transact):
        self.connect = connect
        self.transact = transact
        self._connection = None

    def __call__(self, func, *args):
        try:
            if self._connection is None:
                self._connection = self.connect()
            return defer.succeed(self.transact(self._connection, func, *args))
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

    @ivar connect: as for L{SynchronousRunner}; called on the thread.
    @ivar transact: as for L{SynchronousRunner}; called on the thread.
    """

    #: The name of the thread, as tools show it.
    threadName = "mucservice-db"

    def __init__(self, connect, transact, reactor=None):
        self.connect = connect
        self.transact = transact
        self._reactor = reactor
        self._pool = self._trigger = None
        self._local = threading.local()

    def __call__(self, func, *args):
        if self._pool is None:
            if self._reactor is None:
                from twisted.internet import reactor as globalReactor

                self._reactor = globalReactor
            self._pool = ThreadPool(1, 1, self.threadName)
            self._pool.start()
            # Should the reactor stop without closing this, the queued
            # transactions finish and the thread ends, so the process can exit.
            self._trigger = self._reactor.addSystemEventTrigger(
                "during", "shutdown", self._pool.stop)
        return threads.deferToThreadPool(self._reactor, self._pool, self._transact, func, *args)

    def _transact(self, func, *args):
        if getattr(self._local, "connection", None) is None:
            self._local.connection = self.connect()
        return self.transact(self._local.connection, func, *args)

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
class DatabaseStore(service.Service):
    """
    A store in a database, with a schema of its own in it.

    It needs no starting: its first transaction opens the database and, in
    the same transaction, creates or migrates its schema (and only its
    own), until one has succeeded. As a service, it opens the database when
    it starts, so that a bad database shows in the log at once, and it
    closes the database and its thread when it stops, after the pending
    changes; a call after stopping opens it again (stop or L{close} again
    to release it). Nothing touches the database before either.

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

    @ivar path: the database, as the log names it (a file, or a URL without
        its password).
    @ivar durations: the L{Durations} of its transactions, from being asked
        for to being done, for the metrics.
    """

    log = Logger()
    migrateSchema = None
    readSchemaVersion = None
    openedMessage = "database {path} open, schema version {version}"
    failedMessage = "cannot open the database {path}"

    def __init__(self, path, runner):
        """
        @param path: the database, as the log names it.
        @param runner: a callable that runs C{func(connection, *args)} in one
            transaction and returns a Deferred of the result, and may have a
            C{close()} method returning a Deferred.
        """
        self.path = path
        self._runner = runner
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
