"""
One process per instance id (C{--instance-id}) in a shared PostgreSQL
database.

The leases let an instance take back at once the rooms its own id held, so
that a process restarted after a crash need not wait for them to expire
(L{postgresql_leases.claimLease
<mucservice.providers.postgresql_leases.claimLease>}). Two live processes
started with one id would thus take each other's rooms back and forth. To
prevent it, a process takes a session-level advisory lock on its id (and
the schema it uses, so that deployments in different schemas of one
database stay apart) before it makes anything else of the database, on a
connection of its own that it keeps open while it runs. A second process
with the id finds the lock taken and exits with one line that names the
process holding it. PostgreSQL frees the lock when the session ends: at a
clean stop, or when the process dies (its connection closes with it), so
that a restarted process gets it; a paused process keeps it, and no other
process serves as that instance meanwhile. A session that ends under a
running process (PostgreSQL restarted, the connection cut) frees the lock
too: the process checks its lock at each renewal of its leases
(L{InstanceLock.check}), takes it again, and stops if another process
took it meanwhile.

Blocking code: it runs while the service is built, before the reactor
runs, and then on the thread of the database's transactions.
"""

import time

import psycopg

from mucservice.providers import postgresql

#: The first key of the advisory lock (the second is a hash of the schema
#: and the instance id); the two-key form keeps it apart from the
#: migrations' lock (L{postgresql.MIGRATION_LOCK}).
INSTANCE_LOCK = 0x6D756369  # "muci"

#: How long a process waits for the lock before it gives up, in seconds:
#: enough for PostgreSQL to end the session of a predecessor that was just
#: killed.
PATIENCE = 3.0

#: Seconds between two tries.
INTERVAL = 0.1

_KEY = "hashtext(current_schema() || '/' || ?)"


class InstanceRunning(Exception):
    """
    Another live process holds the instance's lock.
    """


def tryLock(connection, instanceID):
    """
    @return: whether the lock of C{instanceID} is now this session's.
    """
    return connection.execute("SELECT pg_try_advisory_lock(?, %s)" % (_KEY,),
                              (INSTANCE_LOCK, instanceID)).fetchone()[0]


def lockSession(connection, instanceID):
    """
    @return: the session that holds the lock of C{instanceID}: its server
        process id, its application name and its client's address; or
        L{None} if no session holds it.
    """
    return connection.execute(
        "SELECT a.pid, a.application_name, host(a.client_addr) FROM pg_locks l"
        " JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND l.classid = ?::bigint::oid AND l.objid = (%s)::bigint::oid"
        % ("(" + _KEY + " & 4294967295)",), (INSTANCE_LOCK, instanceID)).fetchone()


def lockHolder(connection, instanceID):
    """
    @return: how PostgreSQL names the session that holds the lock of
        C{instanceID} (its application name, which says the host and the
        process id), or L{None} if no session does.
    """
    row = lockSession(connection, instanceID)
    if row is None:
        return None
    _, name, address = row
    return "%s, from %s" % (name or "a session without a name", address or "a local socket")


class InstanceLock:
    """
    The lock of one instance id, held on a connection of its own.

    @ivar url: the database's URL.
    @ivar instanceID: the instance's id.
    @ivar connection: the connection that holds the lock, or L{None}.
    """

    def __init__(self, url, instanceID):
        self.url = url
        self.instanceID = instanceID
        self.connection = None

    def acquire(self, patience=PATIENCE, sleep=time.sleep, clock=time.monotonic):
        """
        Take the lock, waiting up to C{patience} seconds for it.

        @raise InstanceRunning: another session holds it; the message says
            which.
        @raise psycopg.Error: the database did not answer.
        """
        connection = postgresql.Connection(self.url,
                                           postgresql.applicationName(self.instanceID))
        deadline = clock() + patience
        try:
            while not tryLock(connection, self.instanceID):
                if clock() >= deadline:
                    raise InstanceRunning(
                        "--instance-id %s: another process runs as this instance (%s); "
                        "two processes cannot share an id"
                        % (self.instanceID, lockHolder(connection, self.instanceID)
                           or "it has just stopped: try again"))
                sleep(INTERVAL)
        except BaseException:
            connection.close()
            raise
        self.connection = connection

    def check(self):
        """
        Make sure this process still holds the lock: if its session ended,
        take the lock again on a new connection.

        @return: whether this process holds the lock.
        @raise psycopg.Error: the database cannot be reached; nothing is
            known.
        """
        try:
            self.connection.execute("SELECT 1")
            return True
        except psycopg.Error:
            self.connection.close()
        connection = postgresql.Connection(self.url,
                                           postgresql.applicationName(self.instanceID))
        if tryLock(connection, self.instanceID):
            self.connection = connection
            return True
        connection.close()
        return False

    def release(self):
        """
        Give the lock up, closing its connection.
        """
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()


def lockInstance(url, instanceID):
    """
    Take the lock of C{instanceID} in the database of C{url} for this
    process.

    @return: the L{InstanceLock}, held.
    @raise SystemExit: another process runs as C{instanceID}, or the
        database cannot be reached; with one line that says so.
    """
    lock = InstanceLock(url, instanceID)
    try:
        lock.acquire()
    except InstanceRunning as e:
        raise SystemExit("mucservice: %s" % (e,))
    except psycopg.Error as e:
        raise SystemExit("mucservice: --instance-id %s: the database %s cannot be reached (%s)"
                         % (instanceID, postgresql.describe(url), " ".join(str(e).split())))
    return lock
