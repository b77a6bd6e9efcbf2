"""
The component stream's writer: what the rooms say, in bounded batches.

A broadcast to a large room is many stanzas (a message to 10,000
occupants, an admin change told to all of them, the occupant list a
newcomer receives). Rendered and written in one go, it would hold the
reactor while every other room waits. So the edge hands the L{Outbox} a
L{Fanout}: the stanzas of one room, rendered lazily (each template once,
only C{to} differing per recipient), which the outbox writes in batches of
about L{BATCH_CHARS}, one batch per turn of the reactor (C{callLater(0)}),
so that other stanzas are handled in between.

Order: each room has a lane, a queue written strictly in order, so that
what XEP-0045 orders (a newcomer's occupant list before its own presence,
the copies of one message before those of the next, an admin change before
its result) stays in order. Lanes with work take turns, one batch each; a
lane with nothing queued writes its first batch at once, in the turn the
stanza that caused it is handled, so small rooms see no delay at all.

The outbox is the link transport's streaming producer: when the XMPP
server reads slower than we write, and the transport's write buffer holds
more than C{--link-buffer} bytes, the transport pauses it and the lanes
wait (rendered lazily, they hold no text meanwhile), and so does a lane
that had nothing queued. The service also stops I{reading} from the link
meanwhile: the server's stanzas wait in the kernel's buffers and in the
server, instead of becoming more work queued here. Twisted resumes the
outbox once its buffer is written out whole (its low-water mark is the
empty buffer, and Twisted then lets go of the buffer's memory); the
service reads again at once, and while the lanes hold at most
L{MAX_QUEUED} texts and broadcasts, the outbox writes its next batch only
once the reactor has read what came meanwhile, so that a backlog does not
keep other rooms' stanzas waiting in the kernel until it is written. A
server that reads nothing at all for L{STALL_SECONDS} while the service
does not read either may itself be waiting to write to us (ejabberd's
component process does not read while its write blocks): the service
reads again then, rather than let both sides wait for ever. A lost link
drops what was left to write.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from collections import deque

from twisted.internet.interfaces import IPushProducer
from twisted.logger import Logger
from wokkel.subprotocols import XMPPHandler
from zope.interface import implementer

#: Characters written per batch, about: a batch ends with the stanza that
#: reaches it (about a millisecond of rendering and writing).
BATCH_CHARS = 128 * 1024

#: The default of C{--link-buffer}: the bytes the link's write buffer may
#: hold before the outbox waits and the service stops reading the link.
#: Twisted's own default. Larger is no faster, and costs memory that stays:
#: Twisted joins what waits into one string before it writes it, and the
#: C library keeps the heap that strings of a megabyte grew.
DEFAULT_LINK_BUFFER = 64 * 1024

#: Seconds the service goes on not reading while the server reads nothing
#: of what waits for it.
STALL_SECONDS = 5.0

#: Texts and broadcasts queued in all lanes past which, while the link is
#: slow, the reactor reads nothing between two batches: what it would read
#: would queue more work (a broadcast holds its recipients meanwhile), as
#: fast as the server sends it.
MAX_QUEUED = 256


def bufferedBytes(transport):
    """
    @return: the bytes a Twisted transport holds that are not written yet
        (its C{FileDescriptor} buffers: C{dataBuffer} past C{offset}, and
        C{_tempDataBuffer}); 0 for a transport that keeps none.
    """
    return (len(getattr(transport, "dataBuffer", b"")) - getattr(transport, "offset", 0)
            + getattr(transport, "_tempDataLen", 0))


class Fanout:
    """
    Stanzas a room sends, as an iterable of serialized stanzas (each piece
    whole), rendered as it is iterated.

    @ivar lane: the room's JID: what keeps its stanzas in order.
    """

    __slots__ = ("lane", "pieces")

    def __init__(self, lane, pieces):
        self.lane = lane
        self.pieces = pieces

    def __iter__(self):
        return iter(self.pieces)


@implementer(IPushProducer)
class Outbox(XMPPHandler):
    """
    Writes text on the component stream, in order per lane, a bounded
    batch per turn of the reactor.

    @ivar batchChars: characters written per batch, about.
    @ivar linkBuffer: the bytes the transport's write buffer may hold before
        it pauses the outbox and the service stops reading (C{--link-buffer}).
    @ivar paused: whether the transport asked us to stop writing for now.
    @ivar readingPaused: whether the service stopped reading from the link
        meanwhile.
    @ivar readPauses: how often it stopped reading, in all.
    @ivar queued: the texts and broadcasts the lanes hold, not yet written
        whole.
    @ivar maxQueued: past that many, the reactor does not read between two
        batches while the link is slow (L{MAX_QUEUED}).
    """

    log = Logger()
    batchChars = BATCH_CHARS
    linkBuffer = DEFAULT_LINK_BUFFER
    maxQueued = MAX_QUEUED

    def __init__(self, reactor=None):
        XMPPHandler.__init__(self)
        if reactor is None:
            from twisted.internet import reactor
        self.reactor = reactor
        self.paused = self.readingPaused = self._yielding = False
        self.readPauses = self.queued = 0
        self._watch = None
        # Lane to what it has left to write: iterators of text, and
        # callables to run when the lane reaches them.
        self._lanes = {}
        # The lanes with something to write, in the order they take turns.
        self._ready = deque()
        self._call = None

    def connectionInitialized(self):
        self.paused = self.readingPaused = self._yielding = False
        transport = self.xmlstream.transport
        transport.bufferSize = self.linkBuffer
        # Each batch is written whole, at once: Nagle's algorithm would hold
        # its last small segment until the server acknowledges the one
        # before, and a server that is only reading acknowledges late
        # (delayed acknowledgements, 40 ms on Linux).
        if hasattr(transport, "setTcpNoDelay"):
            transport.setTcpNoDelay(True)
        if getattr(transport, "producer", False) is None:
            transport.registerProducer(self, True)

    def connectionLost(self, reason):
        self._drop()
        self.readingPaused = False
        self._unwatch()
        XMPPHandler.connectionLost(self, reason)

    def send(self, lane, text, then=None):
        """
        Write C{text} after what C{lane} has queued: at once, up to a
        batch, if it has nothing queued.

        @param lane: what keeps it in order (a room JID), or L{None}.
        @param text: a serialized stanza (or several), or an iterable of
            them, such as a L{Fanout}.
        @param then: a callable to run once C{text} is written (e.g. what
            sends offline copies of a message), or L{None}.
        """
        if self.xmlstream is None:
            if then is not None:
                then()
            return
        queue = self._lanes.get(lane)
        idle = queue is None
        if idle:
            queue = self._lanes[lane] = deque()
        queue.append(iter((text,)) if isinstance(text, str) else iter(text))
        self.queued += 1
        if then is not None:
            queue.append(then)
        if idle and self.paused:
            self._ready.append(lane)
        elif idle:
            self._serve(lane)

    def _serve(self, lane):
        """
        Write one batch of C{lane}; queue it for another turn if it has
        more.
        """
        queue = self._lanes[lane]
        parts = []
        size = 0
        while queue and size < self.batchChars:
            head = queue[0]
            if callable(head):
                queue.popleft()
                self._write(parts)
                parts = []
                self._run(head)
                continue
            try:
                for piece in head:
                    parts.append(piece)
                    size += len(piece)
                    if size >= self.batchChars:
                        break
                else:
                    queue.popleft()
                    self.queued -= 1
            except Exception:
                queue.popleft()
                self.queued -= 1
                self.log.failure("rendering stanzas of {lane} failed", event="bug", lane=lane)
        self._write(parts)
        if queue:
            self._ready.append(lane)
            self._schedule()
        else:
            del self._lanes[lane]

    def _write(self, parts):
        if parts and self.xmlstream is not None:
            self.xmlstream.send("".join(parts))

    def _run(self, then):
        try:
            then()
        except Exception:
            self.log.failure("running what follows a broadcast failed", event="bug")

    def _schedule(self):
        if self._call is None and self._ready and not self.paused:
            self._call = self.reactor.callLater(0, self._turn)

    def _turn(self):
        """
        One turn of the reactor: the next lane writes one batch.
        """
        self._call = None
        if self._yielding:
            # Reading has just resumed: the reactor runs its timed calls
            # before it looks for input, and the batch written now would
            # most likely stop reading again before any was read. One turn
            # later, what came from the server has been read (unless the
            # lanes held too much to read more: see resumeProducing).
            self._yielding = False
            self._schedule()
            return
        if self._ready and not self.paused:
            self._serve(self._ready.popleft())
        self._schedule()

    def flush(self):
        """
        Write everything queued, every lane to its end, now (what the fake
        stream of the unit tests does after each stanza, so that a test
        reads all a stanza caused).
        """
        while self._ready and not self.paused:
            self._serve(self._ready.popleft())
        if self._call is not None and not self._ready:
            self._call.cancel()
            self._call = None

    def _drop(self):
        """
        Forget what was left to write, but still run what follows it (what
        sends offline copies queues them for the next link itself).
        """
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
        lanes, self._lanes = self._lanes, {}
        self.queued = 0
        self._ready.clear()
        for queue in lanes.values():
            for item in queue:
                if callable(item):
                    self._run(item)

    # Reading from the link

    def _transport(self):
        return self.xmlstream.transport if self.xmlstream is not None else None

    def _pauseReading(self):
        transport = self._transport()
        if self.readingPaused or transport is None:
            return
        self.readingPaused = True
        self.readPauses += 1
        transport.pauseProducing()
        self._watch = self.reactor.callLater(STALL_SECONDS, self._stalled,
                                             bufferedBytes(transport))

    def _resumeReading(self):
        self._unwatch()
        transport = self._transport()
        if self.readingPaused and transport is not None:
            self.readingPaused = False
            transport.resumeProducing()

    def _unwatch(self):
        if self._watch is not None and self._watch.active():
            self._watch.cancel()
        self._watch = None

    def _stalled(self, before):
        """
        L{STALL_SECONDS} after reading stopped, or after the last look:
        read again if the server read nothing meanwhile.
        """
        self._watch = None
        waiting = bufferedBytes(self._transport())
        if waiting < before:
            self._watch = self.reactor.callLater(STALL_SECONDS, self._stalled, waiting)
            return
        self.log.warn("the XMPP server read nothing of the {waiting} bytes waiting for it in "
                      "{seconds} s: reading from the link again, lest both sides wait for "
                      "each other", event="link.stalled", waiting=waiting,
                      seconds=STALL_SECONDS)
        self._resumeReading()

    # IPushProducer

    def pauseProducing(self):
        self.paused = True
        self._pauseReading()

    def resumeProducing(self):
        self.paused = False
        self._yielding = self.readingPaused and self.queued <= self.maxQueued
        self._resumeReading()
        self._schedule()

    def stopProducing(self):
        self._drop()
