"""
Giving freed memory back to the system, and keeping the garbage collector's
passes short.

When occupants leave, CPython frees their objects, but the C library's
allocator keeps in its heap what it lent for the larger ones (dictionary
tables, buffers, texts of more than 512 bytes) and by itself returns only
the top of the heap. After a crowd has come and gone, the service's
resident memory would stay near its peak. glibc's C{malloc_trim} returns
every free page of the heap; the service calls it every C{--trim-memory}
seconds, which costs well under a millisecond for a heap of tens of
megabytes. Where the C library has no C{malloc_trim} (musl, macOS), there
is nothing to call and nothing is done.

What this cannot return: CPython's own allocator gives one of its 1 MiB
arenas of small objects back only once every object in it is gone (see
bench/README.rst, C{churn.py}).

Nor can it return a table still in use. A dictionary or a set never
shrinks when entries leave it: one that held the sessions of a crowd keeps
a table sized for the crowd (some 300 KB for 10,000 sessions) once they
have gone. The tables that grow with the sessions (the join tracker's, a
room's sessions and occupants, the pinger's) are made again for what they
hold once they have become sparse (L{compacted}). Not the cache of
addresses: C{--address-cache} bounds its table, and making it again would
copy one small node per address it keeps.

CPython's cyclic garbage collector looks, now and then, at every object
that may hold others: a full pass over the 51,000 objects of the service
just started takes some 25 ms, and one with a room of 10,000 occupants
(4.4 more per occupant) 45 to 63 ms, during which the reactor serves
nobody. The objects of the start-up (modules, classes, the service tree)
stay for the life of the process; L{freezeStartup} takes them out of those
passes once, before the service connects. With a room of 10,000, a full
pass then takes 15 to 33 ms in-process (44,000 objects left to look at
instead of 98,000).
"""

import ctypes
import gc
import sys

from twisted.application import service
from twisted.internet import task


def findTrim():
    """
    @return: a callable returning freed heap memory to the system (glibc's
        C{malloc_trim(0)}), or L{None} if the C library has none.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


#: A table is sparse once it takes more than this many bytes per entry
#: it holds (a table made for its entries takes 40 to 150: a dictionary,
#: a set, an ordered dictionary)...
SPARSE_BYTES_PER_ENTRY = 320

#: ... and more than this many bytes in all: small tables are left as they
#: are, so that rooms of a few occupants never make theirs again.
SPARSE_MIN_BYTES = 16 * 1024


def sparse(table):
    """
    @param table: a L{dict} or a L{set} (or a subclass).
    @return: whether C{table} takes far more memory than its entries need:
        it was grown for many more than it holds now.
    """
    size = sys.getsizeof(table)
    return size > SPARSE_MIN_BYTES and size > SPARSE_BYTES_PER_ENTRY * len(table)


def compacted(table):
    """
    Call on a table that entries have just left, and keep what it gives.
    A table is made again only after it has lost more than half its
    entries since it was last made: the copies cost a constant time per
    entry removed.

    @param table: a L{dict}, an L{OrderedDict<collections.OrderedDict>} or
        a L{set}, which nothing else refers to.
    @return: C{table}, or if it is L{sparse} a new one of its type with the
        same entries (in the same order), sized for them.
    """
    if not sparse(table):
        return table
    if isinstance(table, (set, frozenset)):
        return type(table)(table)
    return type(table)(table.items())


def several(entry):
    """
    @param entry: a table's entry kept as one item alone, or as a tuple of
        several (L{entryOf}).
    @return: its items, as a tuple.
    """
    return entry if type(entry) is tuple else (entry,)


def entryOf(items):
    """
    How a table that nearly always holds one item per key keeps them: the
    one item alone, and a tuple only for several. A tuple of one would cost
    an object more per key (48 bytes, and one more for the garbage
    collector to look at).

    @param items: a tuple of one item or more (none of them a tuple).
    @return: the entry.
    """
    return items[0] if len(items) == 1 else items


class Trimmer(service.Service):
    """
    Calls C{trim} every C{interval} seconds of C{reactor}'s clock while it
    runs (a service stopped before it started stops nothing).
    """

    name = "trim-memory"

    def __init__(self, reactor, interval, trim):
        self.reactor = reactor
        self.interval = interval
        self.trim = trim
        self._call = None

    def startService(self):
        service.Service.startService(self)
        self._call = task.LoopingCall(self.trim)
        self._call.clock = self.reactor
        self._call.start(self.interval, now=False)

    def stopService(self):
        service.Service.stopService(self)
        if self._call is not None and self._call.running:
            self._call.stop()


def trimmer(reactor, interval, trim=None):
    """
    @param interval: seconds between two calls; 0 for none.
    @param trim: what to call (default: L{findTrim}'s).
    @return: a L{Trimmer} calling C{trim} every C{interval} seconds of
        C{reactor}'s clock, or L{None} if there is nothing to call.
    """
    trim = trim if trim is not None else findTrim()
    if not interval or trim is None:
        return None
    return Trimmer(reactor, interval, trim)


def freezeStartup(collect=gc.collect, freeze=gc.freeze):
    """
    Collect what is garbage already, then move every object alive into the
    collector's permanent generation (C{gc.freeze}), which its passes skip:
    what the start-up made, before anything of a connection, a room or an
    occupant exists. Such objects are still freed when nothing refers to
    them; only a cycle among them that became garbage later would stay:
    at most some of what the start-up made, once, never anything that
    grows with the rooms or the occupants.

    Called once, by the process that C{twistd} runs; not by tests, which
    build many services in one process.
    """
    collect()
    freeze()
