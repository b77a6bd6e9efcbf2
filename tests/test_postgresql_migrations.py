"""
Instances started at once migrate the schema once: one waits for another's
migration, and then sees it done instead of making the tables again.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import threading
import time

from twisted.trial.unittest import SynchronousTestCase

from mucservice.providers import postgresql
from mucservice.providers.postgresql_schema import MIGRATIONS, SCHEMA_VERSION
from tests.postgres import execute, freshSchema, skipUnlessPostgres

skipUnlessPostgres()


class ConcurrentMigrationTests(SynchronousTestCase):

    def connect(self, url):
        connection = postgresql.Connection(url)
        self.addCleanup(connection.close)
        return connection

    def waitForLockWaiter(self, url):
        """
        Wait until a session waits for the migrations' lock.
        """
        deadline = time.monotonic() + 10
        while not execute(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                               " AND NOT granted AND objid = %s",
                          (postgresql.MIGRATION_LOCK,))[0][0]:
            self.assertLess(time.monotonic(), deadline, "nobody waits for the lock")
            time.sleep(0.01)

    def test_waiterSeesMigration(self):
        """
        A session that found no schema, and waited for the lock while
        another made it, finds it made (though it had looked for the table
        of versions before) and makes nothing.
        """
        url = freshSchema(self)
        first, second = self.connect(url), self.connect(url)
        self.assertEqual(0, postgresql.schemaVersion(second, "hats"))
        outcome = []

        def migrateSecond():
            try:
                with second.transaction():
                    postgresql.migrate(second, "rooms", MIGRATIONS)
                outcome.append(None)
            except Exception as e:
                outcome.append(e)

        with first.transaction():
            first.execute("SELECT pg_advisory_xact_lock(?)", (postgresql.MIGRATION_LOCK,))
            waiter = threading.Thread(target=migrateSecond)
            waiter.start()
            self.waitForLockWaiter(url)
            postgresql.migrate(first, "rooms", MIGRATIONS)
        waiter.join(30)
        self.assertEqual([None], outcome)
        self.assertEqual(SCHEMA_VERSION, postgresql.schemaVersion(second, "rooms"))
