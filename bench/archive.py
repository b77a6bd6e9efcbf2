"""
What the archive of rooms (XEP-0313) costs in the SQLite room store: the
latency of queries in a room of a million archived messages, and what
adding a message costs, one transaction each and in group commits.

    .venv/bin/python bench/archive.py [--messages 1000000] [--runs 200] [--appends 5000]

The archive is made quickly with executemany on the store's own schema
(one room of --messages messages, and a neighbour of a tenth as many), then
queried through the store with a synchronous runner (the transaction on
the calling thread: SQL and reading rows, no thread hop). Appends go
through the store: one transaction per message with the synchronous
runner, and through the store's thread with the real reactor, where
messages added while a write is under way share the next transaction.
Prints figures, never a verdict.
"""

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

from twisted.internet import defer, task

from mucservice.address import parseJID
from mucservice.providers import sqlite_archive
from mucservice.providers.sqlite import SynchronousRunner, ThreadedRunner
from mucservice.providers.sqlite_rooms import SQLiteRoomStore
from mucservice.records import ArchiveQuery, HistoryEntry

ROOM = parseJID("big@muc.example.org")
NEIGHBOUR = parseJID("neighbour@muc.example.org")
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
PAYLOAD = "<body>An ordinary message of an ordinary length, number %d.</body>"


def stanzaID(room, n):
    return str(uuid.UUID(int=(room << 64) | n))


def entry(room, n):
    return HistoryEntry(START + timedelta(seconds=n), "nick%d" % (n % 50),
                        parseJID("user%d@example.org/phone" % (n % 50)), PAYLOAD % (n,),
                        stanzaID(room, n), "occupant%d" % (n % 50), "m%d" % (n,), None)


def row(roomJID, room, n):
    """
    @return: the columns of L{entry}C{(room, n)} as the store writes them,
        made without its addresses and dates (fast).
    """
    stamp = (START + timedelta(seconds=n)).strftime(sqlite_archive.STAMP_FORMAT)
    return (roomJID.full(), stamp, "nick%d" % (n % 50), "user%d@example.org/phone" % (n % 50),
            PAYLOAD % (n,), stanzaID(room, n), "occupant%d" % (n % 50), "m%d" % (n,), None,
            None, None)


def fill(path, messages):
    """
    Make the archive: the schema through the store, the rows with
    executemany in batches of one transaction each.
    """
    store = SQLiteRoomStore(path, runner=SynchronousRunner(path))
    for room in (ROOM, NEIGHBOUR):
        store.saveRoom(room, {})
    store.close()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    began = time.perf_counter()
    for room, count, number in ((ROOM, messages, 1), (NEIGHBOUR, messages // 10, 2)):
        for first in range(0, count, 100000):
            connection.execute("BEGIN")
            connection.executemany(
                "INSERT INTO history (room_jid, archived, %s) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?)" % (sqlite_archive.COLUMNS,),
                (row(room, number, n) for n in range(first, min(first + 100000, count))))
            connection.execute("COMMIT")
    connection.close()
    return time.perf_counter() - began


def latencies(store, queries, runs):
    """
    @return: the milliseconds each of C{runs} queries took, each made by
        C{queries()}.
    """
    times = []
    for _ in range(runs):
        query = queries()
        began = time.perf_counter()
        results = []
        store.queryArchive(ROOM, query).addBoth(results.append)
        times.append((time.perf_counter() - began) * 1000)
        if not results or not results[0].entries:
            raise RuntimeError("the query found nothing: %r" % (results,))
    return times


def percentiles(times):
    ordered = sorted(times)
    return (statistics.median(ordered), ordered[min(len(ordered) - 1,
                                                    int(len(ordered) * 0.99))])


def appendOneByOne(path, count):
    """
    @return: microseconds per message, each in its own transaction.
    """
    store = SQLiteRoomStore(path, runner=SynchronousRunner(path))
    entries = [entry(3, n) for n in range(count)]
    began = time.perf_counter()
    for made in entries:
        store.archiveMessage(ROOM, made)
    elapsed = time.perf_counter() - began
    store.close()
    return elapsed / count * 1e6


@defer.inlineCallbacks
def appendBatched(reactor, path, count):
    """
    @return: a Deferred of the microseconds per message on the reactor's
        thread (handing the store its messages) and in all (until the last
        is written), and how many transactions they took.
    """
    runner = ThreadedRunner(path, reactor)
    transactions = []

    def counting(func, *args):
        transactions.append(func)
        return runner(func, *args)

    counting.close = runner.close
    store = SQLiteRoomStore(path, runner=counting)
    yield store.saveRoom(ROOM, {})
    entries = [entry(4, n) for n in range(count)]
    began = time.perf_counter()
    written = [store.archiveMessage(ROOM, made) for made in entries]
    handed = time.perf_counter() - began
    yield defer.gatherResults(written)
    elapsed = time.perf_counter() - began
    yield store.close()
    batches = transactions.count(sqlite_archive.appendMessages)
    return handed / count * 1e6, elapsed / count * 1e6, batches


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--appends", type=int, default=5000)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="mucservice-bench-")
    path = os.path.join(folder, "archive.sqlite")
    made = fill(path, options.messages)
    print("archive of %d messages (and %d next door) made in %.1f s, %.0f MB"
          % (options.messages, options.messages // 10, made, os.path.getsize(path) / 1e6))
    store = SQLiteRoomStore(path, runner=SynchronousRunner(path))
    rng = random.Random(313)
    middle = options.messages // 2
    cases = (
        ("last 50 (empty <before/>)", lambda: ArchiveQuery(before="", max=50)),
        # What the service asks: the retention's start, --archive-expires back.
        ("last 50, from a start long ago", lambda: ArchiveQuery(
            start=START - timedelta(days=1), before="", max=50)),
        ("50 after an id deep inside", lambda: ArchiveQuery(
            after=stanzaID(1, rng.randrange(middle // 2, middle + middle // 2)), max=50)),
        ("50 before an id deep inside", lambda: ArchiveQuery(
            before=stanzaID(1, rng.randrange(middle // 2, middle + middle // 2)), max=50)),
        ("50 after an id, from a start long ago", lambda: ArchiveQuery(
            start=START - timedelta(days=1),
            after=stanzaID(1, rng.randrange(middle // 2, middle + middle // 2)), max=50)),
        ("50 from a start time deep inside", lambda: ArchiveQuery(
            start=START + timedelta(seconds=rng.randrange(middle // 2, middle)), max=50)),
        ("50 sent by one nick, last page", lambda: ArchiveQuery(nick="nick7", before="",
                                                               max=50)),
    )
    for name, queries in cases:
        latencies(store, queries, 3)
        p50, p99 = percentiles(latencies(store, queries, options.runs))
        print("query %-40s p50 %7.2f ms   p99 %7.2f ms" % (name + ":", p50, p99))
    store.close()
    perMessage = appendOneByOne(path, options.appends)
    print("append, one transaction per message: %.1f microseconds per message" % (perMessage,))
    handed, total, batches = batchedAppends(path, options.appends)
    shutil.rmtree(folder, True)
    print("append, %d messages at once through the store's thread: %.1f microseconds per "
          "message on the reactor, %.1f in all, in %d transactions"
          % (options.appends, handed, total, batches))


def batchedAppends(path, count):
    """
    Run L{appendBatched} on the real reactor.

    @return: what it found.
    """
    found = []

    def run(reactor):
        return appendBatched(reactor, path, count).addCallback(found.append)

    try:
        task.react(run)
    except SystemExit as e:
        if e.code:
            raise
    return found[0]


if __name__ == "__main__":
    main()
