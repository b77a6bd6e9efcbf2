"""
Giving freed memory back to the system.

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
"""

import ctypes

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
