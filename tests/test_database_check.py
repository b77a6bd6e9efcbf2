"""
The database must serve before the service starts: a file that is no
SQLite database, of a schema newer than this mucservice, read-only or
locked by another process, is a one-line error at start and a non-zero
exit, never a service that runs connected but refuses every room.
"""

import os
import sqlite3
import subprocess
import sys

import pytest
from twisted.python import usage

from mucservice import tap
from mucservice.providers.sql_hats import HAT_SCHEMA_VERSION, migrateHats
from mucservice.providers.sqlite_rooms import SCHEMA_VERSION, migrateRooms
from tests.filesystems import mounted

TWISTD = os.path.join(os.path.dirname(sys.executable), "twistd")


def parse(path, *args):
    options = tap.Options()
    options.parseOptions(["--jid", "muc.example.org", "--secret", "s",
                          "--db", "sqlite:" + str(path)] + list(args))
    return options


def makeDatabase(path, roomVersion=SCHEMA_VERSION, hatVersion=HAT_SCHEMA_VERSION):
    """
    A database of the current schemas, with the versions recorded as asked.
    """
    connection = sqlite3.connect(str(path), isolation_level=None)
    migrateRooms(connection)
    migrateHats(connection)
    connection.execute("PRAGMA user_version = %d" % (roomVersion,))
    connection.execute("UPDATE hat_schema SET version = ?", (hatVersion,))
    connection.close()


def test_newAndCurrentAccepted(tmp_path):
    """A file not made yet, and one of the current schemas, are accepted."""
    parse(tmp_path / "new.sqlite")
    makeDatabase(tmp_path / "current.sqlite")
    parse(tmp_path / "current.sqlite")


def test_notADatabase(tmp_path):
    """A file that is no SQLite database is refused, saying so."""
    (tmp_path / "m.sqlite").write_bytes(b"this is no database" * 100)
    with pytest.raises(usage.UsageError, match=r": not a usable SQLite database \(file is not "
                                               r"a database\)$"):
        parse(tmp_path / "m.sqlite")


@pytest.mark.parametrize("versions, what", [((SCHEMA_VERSION + 1, HAT_SCHEMA_VERSION), "rooms"),
                                            ((SCHEMA_VERSION, HAT_SCHEMA_VERSION + 1), "hats")])
def test_newerSchema(tmp_path, versions, what):
    """A database of a newer mucservice is refused, naming the schema and the versions."""
    makeDatabase(tmp_path / "m.sqlite", *versions)
    newer = versions[0] if what == "rooms" else versions[1]
    with pytest.raises(usage.UsageError, match=r"its %s have schema version %d; this mucservice "
                                               r"knows versions up to %d$"
                       % (what, newer, newer - 1)):
        parse(tmp_path / "m.sqlite")


def test_memoryStoresDoNotLook(tmp_path):
    """With no store of the file chosen, the file is not looked at."""
    (tmp_path / "m.sqlite").write_bytes(b"garbage")
    parse(tmp_path / "m.sqlite", "--room-store", "memory", "--hat-store", "memory")


def test_locked(tmp_path):
    """A database another process writes to is refused: two services must not share it."""
    makeDatabase(tmp_path / "m.sqlite")
    other = sqlite3.connect(str(tmp_path / "m.sqlite"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(usage.UsageError, match="is another mucservice using it"):
            parse(tmp_path / "m.sqlite")
    finally:
        other.close()


def twistd(folder, path):
    return subprocess.run(
        [TWISTD, "--nodaemon", "--logfile", "-", "mucservice", "--jid", "muc.example.org",
         "--secret", "s", "--db", "sqlite:" + str(path)],
        capture_output=True, text=True, timeout=60, cwd=str(folder),
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(sys.path)})


def assertOneLineExit(out, message):
    assert out.returncode != 0
    assert "Traceback" not in out.stdout + out.stderr
    lines = [line for line in (out.stdout + out.stderr).splitlines() if message in line]
    assert len(lines) == 1, out.stdout + out.stderr
    assert "connecting" not in out.stdout


def test_twistdExitsOnGarbage(tmp_path):
    """
    The real command started on a file that is no database says so in one
    line and exits non-zero, without a traceback and without connecting.
    """
    (tmp_path / "m.sqlite").write_bytes(b"garbage" * 1000)
    assertOneLineExit(twistd(tmp_path, tmp_path / "m.sqlite"),
                      "not a usable SQLite database (file is not a database)")


def test_twistdExitsOnReadOnly(tmp_path, readOnlyFolder):
    """
    The real command started on a database it cannot write (on a file
    system mounted read-only) says so in one line and exits non-zero.
    """
    assertOneLineExit(twistd(tmp_path, readOnlyFolder / "m.sqlite"),
                      "the database is read-only or cannot be written")


@pytest.fixture
def readOnlyFolder(tmp_path):
    """
    A folder on a file system of its own, holding a database of the current
    schemas, remounted read-only (as after a disk error); root only.
    """
    with mounted(tmp_path / "ro") as folder:
        makeDatabase(folder / "m.sqlite")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder




def test_twistdExitsWhenRoomsCannotLoad(tmp_path):
    """
    A database that passes the checks but whose rooms cannot be loaded (a
    damaged row) ends the real command with one line and a non-zero status
    before it connects: it never runs connected but refusing every room.
    """
    makeDatabase(tmp_path / "m.sqlite")
    connection = sqlite3.connect(str(tmp_path / "m.sqlite"), isolation_level=None)
    connection.execute("INSERT INTO rooms (jid, config) VALUES ('r@muc.example.org', '{oops')")
    connection.close()
    assertOneLineExit(twistd(tmp_path, tmp_path / "m.sqlite"),
                      "the stored rooms cannot be loaded (JSONDecodeError")
