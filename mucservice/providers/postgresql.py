"""
What the providers in a C{--db postgresql://...} database share: the
connection (psycopg 3), transactions off the reactor's thread, the
versions of their schemas, and the checks of C{--db} made while the
options are parsed.

As with SQLite (L{mucservice.providers.database}), every database call is a
function C{func(connection, *args)} run in one transaction by a runner: a
L{ThreadedRunner} on a thread of its own, never a callback into the
reactor's thread. The connection is in autocommit mode, and L{transact}
opens each transaction; a connection the server dropped (a restart of
PostgreSQL) is opened again by the next transaction. The statements are
those the SQLite stores run (C{?} placeholders, which L{Connection}
rewrites for psycopg), so that both databases keep rooms alike.

The PostgreSQL providers of one process share one runner (L{sharedRunner}):
one connection, one thread, their transactions in the order asked, as the
leases of several instances need (L{mucservice.providers.postgresql_leases}).

Each schema (C{rooms}, C{hats}) keeps its version in the table
C{mucservice_schema}; its migrations are Python lists of SQL statements in
the modules that use them, applied in one transaction while holding an
advisory lock, so that instances started at once migrate once.
"""

import functools
import os
import socket

import psycopg
from psycopg import conninfo
from twisted.internet import defer

from mucservice.providers import database as base

#: The beginnings of a C{--db} that names a PostgreSQL database.
URL_PREFIXES = ("postgresql://", "postgres://")

#: How long opening a connection may take, in seconds.
CONNECT_TIMEOUT = 10

#: The key of the advisory lock held while a schema is migrated.
MIGRATION_LOCK = 0x6D7563  # "muc"

_VERSIONS = ("CREATE TABLE IF NOT EXISTS mucservice_schema ("
             " name TEXT PRIMARY KEY, version INTEGER NOT NULL)")


def isPostgreSQL(database):
    """
    @return: whether the C{--db} value C{database} names a PostgreSQL
        database.
    """
    return (database or "").startswith(URL_PREFIXES)


def describe(url):
    """
    @return: C{url} as the log may show it: without its password.
    """
    try:
        parts = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(an unreadable URL)"
    host = parts.get("host", "")
    if parts.get("port"):
        host += ":" + parts["port"]
    user = parts["user"] + "@" if parts.get("user") else ""
    return "postgresql://%s%s/%s" % (user, host, parts.get("dbname", ""))


@functools.lru_cache(maxsize=1024)
def _psycopgSQL(sql):
    """
    @return: C{sql}, written with C{?} placeholders, as psycopg wants it.
    """
    return sql.replace("%", "%%").replace("?", "%s")


class Connection:
    """
    A psycopg connection that speaks as an L{sqlite3} connection does to the
    statements both databases share: C{execute(sql, args)} with C{?}
    placeholders returns a cursor, and so does C{executemany}.

    @ivar url: the database's URL.
    @ivar applicationName: what PostgreSQL shows of the connection in
        C{pg_stat_activity}, or L{None}.
    @ivar idleTimeout: after how many seconds of silence in the middle of
        a transaction the server ends the session (and so the
        transaction, with its locks), or L{None} for never: for an
        instance of several, so that a paused process cannot keep the
        lease of a room locked (L{mucservice.providers.postgresql_leases}).
    """

    def __init__(self, url, applicationName=None, idleTimeout=None):
        self.url = url
        self.applicationName = applicationName
        self.idleTimeout = idleTimeout
        self._connection = None
        self.open()

    def open(self):
        """
        Open the connection, unless it is open and sound.
        """
        if self._connection is not None and not (self._connection.closed
                                                 or self._connection.broken):
            return
        options = {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT}
        if self.applicationName:
            options["application_name"] = self.applicationName
        self._connection = psycopg.connect(self.url, **options)
        if self.idleTimeout:
            # SET takes no parameter; the value is a number.
            self._connection.execute("SET idle_in_transaction_session_timeout = %d"
                                     % (int(self.idleTimeout * 1000),))

    def execute(self, sql, args=()):
        return self._connection.execute(_psycopgSQL(sql), args)

    def executemany(self, sql, rows):
        cursor = self._connection.cursor()
        cursor.executemany(_psycopgSQL(sql), list(rows))
        return cursor

    def transaction(self):
        return self._connection.transaction()

    def close(self):
        if self._connection is not None:
            self._connection.close()


def transact(connection, func, *args):
    """
    Run C{func(connection, *args)} in one transaction of a L{Connection}:
    committed if it returns, rolled back if it raises. A connection the
    server dropped is opened again first.

    @return: what C{func} returned.
    """
    connection.open()
    with connection.transaction():
        return func(connection, *args)


def applicationName(instanceID=None):
    """
    @return: the name this process gives its connections: the program, the
        instance if any, and the process id.
    """
    parts = ["mucservice"]
    if instanceID:
        parts.append(instanceID)
    parts.append("%s:%d" % (socket.gethostname(), os.getpid()))
    return " ".join(parts)


class SynchronousRunner(base.SynchronousRunner):
    """
    Runs every transaction in the calling thread, for tests and tools.
    """

    def __init__(self, url, applicationName=None):
        base.SynchronousRunner.__init__(
            self, lambda: Connection(url, applicationName), transact)
        self.url = url


class ThreadedRunner(base.ThreadedRunner):
    """
    Runs every transaction on one thread of its own, in the order asked.
    """

    threadName = "mucservice-postgresql"

    def __init__(self, url, reactor=None, applicationName=None, idleTimeout=None):
        base.ThreadedRunner.__init__(
            self, lambda: Connection(url, applicationName, idleTimeout), transact, reactor)
        self.url = url


class SharedRunner:
    """
    A runner lent to every PostgreSQL provider of a process that uses one
    database: it is closed when the last of them closes it, and opened
    again by a transaction asked for after that.

    @ivar runner: the runner lent.
    @ivar users: how many providers use it and have not closed it.
    """

    def __init__(self, runner):
        self.runner = runner
        self.users = 0

    def __call__(self, func, *args):
        return self.runner(func, *args)

    def close(self):
        self.users = max(self.users - 1, 0)
        if self.users:
            return defer.succeed(None)
        return self.runner.close()


_shared = {}


def sharedRunner(url, reactor, instanceID=None, idleTimeout=None):
    """
    @param idleTimeout: as for L{Connection}, when the runner is made.
    @return: the L{SharedRunner} of C{url} for the providers of this
        process, made on first use, with one more user.
    """
    key = (url, instanceID, id(reactor))
    shared = _shared.get(key)
    if shared is None:
        shared = _shared[key] = SharedRunner(
            ThreadedRunner(url, reactor, applicationName(instanceID), idleTimeout))
    shared.users += 1
    return shared


def schemaVersion(connection, name):
    """
    @return: the version of the schema C{name} in the database; 0 if it has
        none.
    """
    # Whether the table of versions exists is read from pg_class as any
    # table is, with the statement's snapshot, not looked up by name (as
    # to_regclass does): a session keeps what a name lookup found, and
    # after waiting for the migrations' lock it would not see the table
    # another instance made meanwhile, and would make it again.
    exists = connection.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relname = 'mucservice_schema'"
        " AND relnamespace = (SELECT oid FROM pg_catalog.pg_namespace"
        " WHERE nspname = current_schema()))").fetchone()[0]
    if not exists:
        return 0
    row = connection.execute("SELECT version FROM mucservice_schema WHERE name = ?",
                             (name,)).fetchone()
    return row[0] if row else 0


def migrate(connection, name, migrations):
    """
    Create or bring up to date the schema C{name}, inside the caller's
    transaction, holding an advisory lock so that instances started at
    once do it once.

    @param migrations: per version, the steps to the next (see
        L{applyMigrations<mucservice.providers.base.applyMigrations>}).
    @raise RuntimeError: the database has a newer schema than this
        mucservice knows.
    """
    if schemaVersion(connection, name) == len(migrations):
        return
    connection.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
    if base.applyMigrations(connection, name, migrations,
                                schemaVersion(connection, name)):
        connection.execute(_VERSIONS)
        connection.execute("INSERT INTO mucservice_schema (name, version) VALUES (?, ?) "
                           "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
                           (name, len(migrations)))


class PostgreSQLStore(base.DatabaseStore):
    """
    A store in a PostgreSQL database, with a schema of its own there: a
    L{DatabaseStore<mucservice.providers.base.DatabaseStore>} whose
    runner is a L{ThreadedRunner} of the URL unless told otherwise.

    A subclass sets L{schemaName} and L{migrations}.

    @cvar schemaName: the name of its schema in C{mucservice_schema}.
    @cvar migrations: the steps from each version to the next.
    @ivar url: the database's URL.
    """

    schemaName = None
    migrations = ()

    def __init__(self, url, runner=None, reactor=None):
        """
        @param url: the C{postgresql://} URL.
        @param runner: as for L{DatabaseStore
            <mucservice.providers.base.DatabaseStore>}; a
            L{ThreadedRunner} of C{url} if L{None}.
        """
        base.DatabaseStore.__init__(
            self, describe(url), runner if runner is not None else ThreadedRunner(url, reactor))
        self.url = url

    def migrateSchema(self, connection):
        migrate(connection, self.schemaName, self.migrations)

    def readSchemaVersion(self, connection):
        return schemaVersion(connection, self.schemaName)


def checkDatabase(database, what, name, knownVersion):
    """
    Check, before the service starts, that the database of C{--db} can
    serve a store: it answers, it is not read-only, and its schema C{name}
    is one this mucservice knows (or none yet). A service that starts past
    this check does not run connected but unable to keep anything.

    @param what: the store, for the messages (C{"the postgresql room
        store"}).
    @raise ValueError: it cannot serve; the message says why, in one line.
    """
    if not isPostgreSQL(database):
        raise ValueError("%s needs --db postgresql://..." % (what,))
    shown = describe(database)
    try:
        connection = Connection(database, "mucservice check")
    except psycopg.Error as e:
        raise ValueError("--db %s: the database cannot be reached (%s)"
                         % (shown, " ".join(str(e).split())))
    try:
        version = schemaVersion(connection, name)
        readOnly = connection.execute("SELECT current_setting('transaction_read_only') = 'on'"
                                      " OR pg_is_in_recovery()").fetchone()[0]
    except psycopg.Error as e:
        raise ValueError("--db %s: the database cannot be read (%s)"
                         % (shown, " ".join(str(e).split())))
    finally:
        connection.close()
    if version > knownVersion:
        raise ValueError("--db %s: its %s have schema version %d; this mucservice knows "
                         "versions up to %d" % (shown, name, version, knownVersion))
    if readOnly:
        raise ValueError("--db %s: the database is read-only (a standby?)" % (shown,))
