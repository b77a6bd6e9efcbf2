"""
How long archived messages are kept (C{--archive-expires}), and the sweep
that forgets older ones on the reactor's clock.

The sweep asks the room store to forget a bounded batch of expired
messages (L{IRoomStore.expireArchive
<mucservice.interfaces.IRoomStore.expireArchive>}), one transaction on the
store's thread; while a batch is full, the next follows in a later turn of
the reactor, behind whatever the store was asked meanwhile, so that neither
the reactor nor the messages being written wait for a long deletion. Then
it sleeps until the next sweep. Until a message is swept, the rooms already
leave it out of what newcomers and queries receive
(L{Archiving.unexpired<mucservice.room.archive.Archiving.unexpired>}).
"""

import re

from twisted.logger import Logger

#: The units of C{--archive-expires}, in seconds (a month is 30 days, a
#: year 365).
UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}

#: Seconds from the start of the service to the first sweep.
FIRST_SWEEP = 60.0
#: Seconds between two sweeps.
SWEEP_INTERVAL = 3600.0
#: Messages forgotten in one transaction at most.
SWEEP_BATCH = 1000

_EXPIRY = re.compile(r"([0-9]+)([%s])" % ("".join(UNITS),))


def parseExpiry(text):
    """
    Read C{--archive-expires}: C{never}, or a whole number of hours, days,
    weeks, months or years (C{12h}, C{30d}, C{1w}, C{6m}, C{1y}).

    @return: seconds, or L{None} for C{never}.
    @raise ValueError: C{text} is none of those.
    """
    text = text.strip().lower()
    if text == "never":
        return None
    match = _EXPIRY.fullmatch(text)
    if match is None or int(match.group(1)) < 1:
        raise ValueError("must be never, or a whole number followed by h, d, w, m or y "
                         "(e.g. 1y), not %r" % (text,))
    return int(match.group(1)) * UNITS[match.group(2)]


class ArchiveSweep:
    """
    Forgets expired messages of every room, in bounded batches.

    @ivar forgotten: how many messages it forgot since it started.
    """

    log = Logger()

    def __init__(self, store, cutoff, clock, interval=SWEEP_INTERVAL, batch=SWEEP_BATCH):
        """
        @param store: the L{IRoomStore<mucservice.interfaces.IRoomStore>}.
        @param cutoff: returns the moment before which messages have
            expired, or L{None} if they never do.
        @param clock: what schedules the sweeps (the reactor).
        """
        self.store = store
        self.cutoff = cutoff
        self.clock = clock
        self.interval = interval
        self.batch = batch
        self.forgotten = 0
        self._sweeping = 0
        self._call = None
        self._running = False

    def start(self):
        """
        Sweep first after L{FIRST_SWEEP} seconds, then every C{interval};
        never if messages never expire.
        """
        self._running = self.cutoff() is not None
        self._schedule(FIRST_SWEEP)

    def stop(self):
        """
        Sweep no more; a batch under way finishes in the store.
        """
        self._running = False
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None

    def _schedule(self, delay):
        if self._running:
            self._call = self.clock.callLater(delay, self.sweep)

    def sweep(self):
        """
        Forget one batch of expired messages; another follows in a later
        turn while the batches are full.
        """
        self._call = None
        cutoff = self.cutoff()
        if cutoff is None:
            return
        d = self.store.expireArchive(cutoff, self.batch)
        d.addCallbacks(self._swept, self._failed)

    def _swept(self, forgotten):
        self.forgotten += forgotten
        self._sweeping += forgotten
        if forgotten >= self.batch:
            self._schedule(0)
            return
        if self._sweeping:
            self.log.info("{count} archived messages expired", count=self._sweeping)
            self._sweeping = 0
        self._schedule(self.interval)

    def _failed(self, failure):
        self.log.failure("forgetting expired messages failed; trying again in {interval} s",
                         failure, interval=self.interval)
        self._schedule(self.interval)
