"""
The PostgreSQL of the tests: one throwaway cluster (L{LocalPostgres}) for
the whole test run, started when a test first asks for it and stopped when
the run ends, and a schema of its own for each test, so that every test
starts from an empty database.

Test modules that need it skip themselves, with the reason, where
PostgreSQL cannot start (L{skipUnlessPostgres}).
"""

import atexit
import itertools
import os
from urllib.parse import quote

import psycopg
import pytest

from mucservice.devserver.postgres import LocalPostgres, cannotStart

_server = None
_schemas = itertools.count(1)


def skipUnlessPostgres():
    """
    Skip the calling test module where no PostgreSQL can start here.
    """
    why = cannotStart()
    if why is not None:
        pytest.skip("PostgreSQL cannot start here: " + why, allow_module_level=True)


def server():
    """
    @return: the L{LocalPostgres} of this test run, started on first use.
    """
    global _server
    if _server is None:
        started = LocalPostgres()
        started.start()
        atexit.register(started.stop)
        _server = started
    return _server


def execute(url, sql, args=()):
    """
    Run one statement on a connection of its own, outside the stores.

    @return: the rows it returned, or L{None}.
    """
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql, args)
        return cursor.fetchall() if cursor.description else None


def freshSchema(case=None):
    """
    Make an empty schema in the test cluster's database.

    @param case: a test case that drops the schema when it ends, or L{None}
        to keep it.
    @return: the URL of the database that uses that schema alone (its
        C{search_path}).
    """
    base = server().url()
    name = "test_%d_%d" % (os.getpid(), next(_schemas))
    execute(base, "CREATE SCHEMA %s" % (name,))
    if case is not None:
        case.addCleanup(execute, base, "DROP SCHEMA %s CASCADE" % (name,))
    return "%s?options=%s" % (base, quote("-csearch_path=%s" % (name,)))
