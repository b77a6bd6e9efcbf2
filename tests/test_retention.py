"""
How long the archive keeps messages (C{--archive-expires}): the option,
the sweep on the reactor's clock, and what rooms show of expired messages
before they are swept.
"""

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase

from mucservice import tap
from mucservice.providers.memory_rooms import MemoryRoomStore
from mucservice.records import ArchiveQuery
from mucservice.room.retention import FIRST_SWEEP, ArchiveSweep, parseExpiry
from mucservice.testing.archive import at
from mucservice.testing.room_store import ROOM, historyEntry
from tests.test_mam import GUS, OTTO, ArchiveTestCase
from tests.test_mam import ROOM as LIVE


class ParseTests(SynchronousTestCase):
    def test_values(self):
        """Hours, days, weeks, months and years, or never."""
        self.assertEqual([12 * 3600, 86400, 7 * 86400, 6 * 30 * 86400, 365 * 86400, None],
                         [parseExpiry(t) for t in ("12h", "1d", "1w", "6m", "1Y", "never")])

    def test_refused(self):
        """Anything else is refused, and so is a zero."""
        for text in ("1", "y", "0d", "1.5y", "1 y", "forever", "-1d"):
            self.assertRaises(ValueError, parseExpiry, text)

    def test_option(self):
        """--archive-expires defaults to a year; a bad value is a usage error."""
        options = tap.Options()
        options.parseOptions(["--jid", "muc.example.org", "--secret", "s"])
        self.assertEqual(365 * 86400, options["archive-expires"])
        options = tap.Options()
        self.assertRaises(usage.UsageError, options.parseOptions,
                          ["--jid", "muc.example.org", "--secret", "s",
                           "--archive-expires", "soon"])


class FailingStore:
    def __init__(self):
        self.calls = 0

    def expireArchive(self, before, limit):
        self.calls += 1
        return defer.fail(OSError("disk gone"))


class SweepTests(SynchronousTestCase):
    """
    The sweep, on a fake clock, over the memory store.
    """

    def setUp(self):
        self.clock = Clock()
        self.store = MemoryRoomStore()
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        for n in range(25):
            self.successResultOf(self.store.archiveMessage(ROOM, historyEntry(n)))
        self.cutoff = at(20)
        self.sweep = ArchiveSweep(self.store, lambda: self.cutoff, self.clock, interval=600,
                                  batch=8)

    def left(self):
        return self.successResultOf(self.store.queryArchive(ROOM, ArchiveQuery())).count

    def test_batches(self):
        """
        The first sweep comes after a minute; it forgets the expired
        messages a bounded batch at a time, each asked for in a later turn
        of the reactor once the one before is done, then sleeps.
        """
        asked = []
        store = self.store

        class Watched:
            def expireArchive(self, before, limit):
                asked.append(defer.Deferred())
                return asked[-1].addCallback(lambda _: store.expireArchive(before, limit))

        sweep = ArchiveSweep(Watched(), lambda: self.cutoff, self.clock, interval=600, batch=8)
        sweep.start()
        self.clock.advance(FIRST_SWEEP - 1)
        self.assertEqual([], asked)
        self.clock.advance(1)
        self.assertEqual(1, len(asked))
        asked[0].callback(None)
        self.assertEqual((17, 1), (self.left(), len(asked)))
        self.assertEqual([0], [c.getTime() - self.clock.seconds()
                               for c in self.clock.getDelayedCalls()])
        for n, left in ((1, 9), (2, 5)):
            self.clock.advance(0)
            asked[n].callback(None)
            self.assertEqual(left, self.left())
        self.assertEqual([600], [c.getTime() - self.clock.seconds()
                                 for c in self.clock.getDelayedCalls()])
        self.cutoff = at(30)
        self.clock.advance(600)
        asked[3].callback(None)
        self.assertEqual((0, 25), (self.left(), sweep.forgotten))

    def test_stop(self):
        """A stopped sweep leaves no timer."""
        self.sweep.start()
        self.sweep.stop()
        self.assertEqual([], self.clock.getDelayedCalls())

    def test_never(self):
        """Messages that never expire are never swept."""
        ArchiveSweep(self.store, lambda: None, self.clock).start()
        self.assertEqual([], self.clock.getDelayedCalls())

    def test_failure(self):
        """A failed sweep is logged and tried again after the interval."""
        store = FailingStore()
        sweep = ArchiveSweep(store, lambda: self.cutoff, self.clock, interval=600)
        sweep.start()
        self.clock.advance(FIRST_SWEEP)
        self.assertEqual(1, len(self.flushLoggedErrors(OSError)))
        self.clock.advance(599)
        self.assertEqual(1, store.calls)
        self.clock.advance(1)
        self.assertEqual(2, store.calls)
        self.flushLoggedErrors(OSError)


class ExpiredTests(ArchiveTestCase):
    """
    Rooms never show expired messages, swept or not.
    """

    serviceArgs = ArchiveTestCase.serviceArgs + ("--archive-expires", "1d")

    def test_expired(self):
        """
        Messages older than the archive keeps them are in neither history
        nor queries, and the sweep forgets them in the store.
        """
        self.makeRoom(persistentroom=1)
        old = self.talk(2)
        # Up to just before the sweep that follows their expiry (sweeps come
        # a minute after the start, then every hour).
        self.service.reactor.advance(FIRST_SWEEP)
        for _ in range(23):
            self.service.reactor.advance(3600)
        self.service.reactor.advance(3541)
        recent = self.talk(1)
        self.assertEqual(recent, self.found(GUS)[0])
        out = self.service.join(OTTO, LIVE + "/otto")
        history = [str(s.body) for s in out if s.name == "message" and s.body is not None]
        self.assertEqual(["m0"], history)
        self.assertEqual(old + recent, self.stored())
        self.service.reactor.advance(FIRST_SWEEP - 1)
        self.assertEqual(recent, self.stored())

    def stored(self):
        """
        @return: the stanza ids the room store holds for the room.
        """
        rooms = self.service.rooms
        page = self.successResultOf(rooms.store.queryArchive(next(iter(rooms.rooms)),
                                                             ArchiveQuery()))
        return [entry.stanzaID for entry in page.entries]
