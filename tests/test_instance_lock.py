"""
One process per instance id (C{--instance-id}): a second process that
starts with the id of a live one exits, saying which process runs as it;
the id is free again once that process stops or dies. And a paused
process cannot keep a lease locked in a transaction it left open.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.internet.task import Clock
from twisted.logger import capturedLogs
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from mucservice.providers import postgresql_instance, postgresql_leases
from mucservice.providers.postgresql import Connection
from mucservice.providers.postgresql_instance import InstanceLock, InstanceRunning, lockSession
from mucservice.registry import ProviderContext
from tests.fakeservice import SERVICE
from tests.postgres import freshSchema, skipUnlessPostgres
from tests.test_instances import Instance, InstanceTestCase

skipUnlessPostgres()


class FakeClock:
    """
    The time of L{InstanceLock.acquire}, which advances only when it
    sleeps.
    """

    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def heldLock(case, url, instanceID):
    """
    @return: a lock of C{instanceID}, taken, released when C{case} ends.
    """
    lock = InstanceLock(url, instanceID)
    lock.acquire(patience=0)
    case.addCleanup(lock.release)
    return lock


class InstanceLockTests(SynchronousTestCase):
    """
    The lock of an instance id.
    """

    def setUp(self):
        self.url = freshSchema(self)

    def held(self, instanceID):
        return heldLock(self, self.url, instanceID)

    def test_secondRefused(self):
        """
        A second lock of one id waits its patience out, then is refused
        with the application name of the session that holds it (which
        names the host and the process).
        """
        self.held("a")
        self.patch(postgresql_instance, "INTERVAL", 0.25)
        clock = FakeClock()
        e = self.assertRaises(InstanceRunning, InstanceLock(self.url, "a").acquire,
                              patience=1.0, sleep=clock.sleep, clock=clock)
        self.assertIn("--instance-id a: another process runs as this instance (mucservice a ",
                      str(e))
        self.assertEqual([0.25] * 4, clock.slept)

    def test_freedByRelease(self):
        """A lock released, as a process that stops or dies, is free again."""
        self.held("a").release()
        self.held("a")

    def test_otherIdsAndSchemas(self):
        """Other ids, and one id in another schema, are other locks."""
        self.held("a")
        self.held("b")
        lock = InstanceLock(freshSchema(self), "a")
        lock.acquire(patience=0)
        lock.release()


class DuplicateInstanceTests(InstanceTestCase):
    """
    The service of a second process with a running instance's id is never
    built.
    """

    def test_refusedAtStart(self):
        """
        Building the service with the id of a live instance exits with one
        line, before anything is claimed.
        """
        self.patch(postgresql_instance, "PATIENCE", 0)
        a = self.start("a")
        e = self.assertRaises(SystemExit, Instance, self.url, "a")
        self.assertRegex(str(e), r"^mucservice: --instance-id a: another process runs as "
                                 r"this instance \(mucservice a \S+:\d+, from 127\.0\.0\.1\); "
                                 r"two processes cannot share an id$")
        a.stop()
        self.start("a")


class LockCheckTests(InstanceTestCase):
    """
    An instance checks its lock at each renewal of its leases.
    """

    def endLockSession(self, instance):
        """
        End the session that holds the instance's lock, as a restart of
        PostgreSQL would.
        """
        connection = Connection(self.url)
        self.addCleanup(connection.close)
        pid = lockSession(connection, instance.leases.instanceID)[0]
        connection.execute("SELECT pg_terminate_backend(?)", (pid,))

    def renew(self, instance):
        with capturedLogs() as logs:
            instance.advance(instance.leases.leaseTime / 3)
        return [e["why"] for e in logs if e.get("event") == "service.fatal"]

    def test_takenAgain(self):
        """
        A lock lost with its session is taken again at the next renewal,
        and the instance goes on.
        """
        a = self.start("a")
        self.endLockSession(a)
        self.assertEqual([], self.renew(a))
        self.assertRaises(InstanceRunning, InstanceLock(self.url, "a").acquire, patience=0)

    def test_takenByAnother(self):
        """
        A lock lost with its session, which another process took meanwhile,
        is fatal at the next renewal: two processes run as one instance.
        """
        a = self.start("a")
        self.endLockSession(a)
        heldLock(self, self.url, "a")
        self.assertEqual(["another process runs as the instance a now (its lock was lost "
                          "with its session and taken)"], self.renew(a))


class SilentTransactionTests(SynchronousTestCase):
    """
    The connections of an instance end a transaction left silent.
    """

    def test_idleTimeoutIsLeaseTime(self):
        """
        The connections of an instance's runner ask the server to end a
        transaction left silent for the lease time, so that a paused
        process cannot keep a lease's row locked; the lock's own
        connection, never inside a transaction, does not.
        """
        url = freshSchema(self)
        context = ProviderContext(Clock(), JID(SERVICE), url,
                                  {"instance-id": "t", "lease-time": 4})
        shared = postgresql_leases.sharedDatabase(context)
        self.addCleanup(shared.leases.unlock)
        connection = shared.runner.runner.connect()
        self.addCleanup(connection.close)
        show = "SHOW idle_in_transaction_session_timeout"
        self.assertEqual("4s", connection.execute(show).fetchone()[0])
        self.assertEqual("0", shared.leases.instanceLock.connection.execute(show).fetchone()[0])
