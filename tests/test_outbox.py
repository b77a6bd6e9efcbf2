"""
The L{Outbox} on its own: lanes, batches, turns, and what happens when
rendering fails or the link goes.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.internet.abstract import FileDescriptor
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.xish import xmlstream

from mucservice.xmpp.outbox import STALL_SECONDS, Fanout, Outbox, bufferedBytes


def stanzas(lane, count, size=10):
    """
    @return: C{count} pieces of C{size} characters, marked with C{lane}.
    """
    return ["<%s%s/>" % (lane, "x" * (size - len(lane) - 3)) for _ in range(count)]


class OutboxTests(SynchronousTestCase):
    def setUp(self):
        self.clock = Clock()
        self.outbox = Outbox(self.clock)
        self.outbox.batchChars = 100
        self.transport = StringTransport()
        stream = xmlstream.XmlStream()
        stream.makeConnection(self.transport)
        self.outbox.makeConnection(stream)
        self.outbox.connectionInitialized()

    def written(self):
        data = self.transport.value().decode("utf-8")
        self.transport.clear()
        return data

    def turn(self):
        """
        Run the one delayed call the outbox may have: a turn.
        """
        (call,) = self.clock.getDelayedCalls()
        self.clock.calls.remove(call)
        call.called = 1
        call.func(*call.args, **call.kw)
        return self.written()

    def test_idleLaneAtOnce(self):
        """A lane with nothing queued writes its first batch at once, the rest a turn later."""
        self.outbox.send("a", Fanout("a", stanzas("a", 15)))
        self.assertEqual(100, len(self.written()))
        self.assertEqual(50, len(self.turn()))
        self.assertEqual([], self.clock.getDelayedCalls())

    def test_lanesTakeTurns(self):
        """Two busy lanes write a batch each, in turn; each in its own order."""
        self.outbox.send("a", iter(stanzas("a", 30)))
        self.outbox.send("b", iter(stanzas("b", 30)))
        self.written()
        self.outbox.send("b", "<b-last/>")
        turns = [self.turn() for _ in range(4)]
        self.assertEqual(["a", "b", "a", "b"], [t[1] for t in turns])
        while self.clock.getDelayedCalls():
            turns.append(self.turn())
        self.assertTrue("".join(turns).endswith("<b-last/>"))

    def test_renderingFails(self):
        """A broadcast whose rendering fails is logged and left; the lane goes on."""
        def broken():
            yield "<a1/>"
            raise RuntimeError("bug")

        self.outbox.send("a", broken())
        self.outbox.send("a", "<a2/>")
        self.assertEqual("<a1/><a2/>", self.written())
        self.assertEqual(1, len(self.flushLoggedErrors(RuntimeError)))
        self.outbox.send("a", "<a3/>")
        self.assertEqual("<a3/>", self.written())

    def test_thenAfterText(self):
        """What follows a broadcast runs once its last stanza is written."""
        ran = []
        self.outbox.send("a", stanzas("a", 25), then=lambda: ran.append(self.transport.value()))
        self.turn()
        self.assertEqual([], ran)
        self.turn()
        self.assertEqual(["".join(stanzas("a", 5)).encode()], ran)

    def test_linkLost(self):
        """A lost link drops what was left, runs what follows it, and writes nothing more."""
        ran = []
        self.outbox.send("a", stanzas("a", 25), then=lambda: ran.append(True))
        self.written()
        self.outbox.connectionLost(None)
        self.assertEqual(([True], []), (ran, self.clock.getDelayedCalls()))
        self.outbox.send("a", "<a/>", then=lambda: ran.append(False))
        self.assertEqual(("", [True, False]), (self.written(), ran))

    def test_producer(self):
        """The outbox is the transport's producer; paused, it waits for the resume."""
        self.assertIs(self.outbox, self.transport.producer)
        self.outbox.send("a", stanzas("a", 25))
        self.written()
        self.outbox.pauseProducing()
        self.clock.advance(0)
        self.assertEqual("", self.written())
        self.outbox.resumeProducing()
        # The first turn lets the reactor read what came while it did not.
        self.assertEqual("", self.turn())
        self.assertEqual(100, len(self.turn()))

    def test_idleLaneWaitsWhilePaused(self):
        """While the transport has paused the outbox, even a lane with nothing queued waits."""
        self.outbox.pauseProducing()
        self.outbox.send("b", "<b/>")
        self.clock.advance(0)
        self.assertEqual("", self.written())
        self.outbox.resumeProducing()
        self.assertEqual("", self.turn())
        self.assertEqual("<b/>", self.turn())


class SlowPeer(FileDescriptor):
    """
    A transport with Twisted's own write buffer, whose peer (the XMPP
    server) takes at most L{window} bytes each time the reactor finds it
    writable, as a socket whose reader is slow does.

    @ivar taken: what the peer read.
    """

    connected = 1
    noDelay = False

    def __init__(self, reactor):
        FileDescriptor.__init__(self, reactor)
        self.window = 0
        self.taken = b""
        self.startReading()

    def writeSomeData(self, data):
        count = min(self.window, len(data))
        self.taken += bytes(data[:count])
        return count

    def reading(self):
        return self in self.reactor.getReaders()

    def setTcpNoDelay(self, enabled):
        self.noDelay = enabled


class LinkBackPressureTests(SynchronousTestCase):
    """
    The service stops reading from the link while the link's write buffer
    holds more than C{--link-buffer} bytes, on a transport with Twisted's
    own buffers (L{FileDescriptor}).
    """

    def setUp(self):
        self.clock = MemoryReactorClock()
        self.outbox = Outbox(self.clock)
        self.outbox.batchChars = 100
        self.outbox.linkBuffer = 250
        self.transport = SlowPeer(self.clock)
        stream = xmlstream.XmlStream()
        stream.makeConnection(self.transport)
        self.outbox.makeConnection(stream)
        self.outbox.connectionInitialized()

    def turns(self):
        """
        Run the outbox's turns (the calls due now) until it has none left.
        """
        while any(call.getTime() <= self.clock.seconds()
                  for call in self.clock.getDelayedCalls()):
            self.clock.advance(0)

    def test_readingPausedAndResumed(self):
        """
        Past the bound, the outbox waits and the link is not read; once the
        server has read everything, reading resumes, the lanes go on, and
        the transport's buffers are empty.
        """
        self.outbox.send("a", Fanout("a", stanzas("a", 40)))
        self.turns()
        self.assertEqual((True, True, False), (self.outbox.paused, self.outbox.readingPaused,
                                                self.transport.reading()))
        self.assertEqual(300, bufferedBytes(self.transport))
        self.outbox.send("b", "<b/>")
        self.turns()
        self.assertEqual(300, bufferedBytes(self.transport))
        self.transport.window = 10 ** 6
        self.transport.doWrite()
        self.assertEqual((False, False, True), (self.outbox.paused, self.outbox.readingPaused,
                                                self.transport.reading()))
        self.assertEqual((b"", []), (self.transport.dataBuffer,
                                     self.transport._tempDataBuffer))
        # The reactor's next timed calls write nothing: it reads first.
        self.runDue()
        self.assertEqual((0, True), (bufferedBytes(self.transport), self.transport.reading()))
        self.turns()
        self.transport.doWrite()
        self.assertEqual("".join(stanzas("a", 40)) + "<b/>", self.transport.taken.decode())
        self.assertEqual(1, self.outbox.readPauses)

    def runDue(self):
        """
        Run the calls due now once, as one iteration of the reactor does
        before it looks for input.
        """
        for call in [c for c in self.clock.getDelayedCalls()
                     if c.getTime() <= self.clock.seconds()]:
            self.clock.calls.remove(call)
            call.func(*call.args, **call.kw)

    def test_muchQueuedReadsNothing(self):
        """
        While the lanes hold more than C{maxQueued} texts, a drained link
        gets its next batch at once, before the reactor may read: what it
        would read would queue more.
        """
        self.outbox.maxQueued = 2
        self.transport.bufferSize = 40
        for lane in "abcd":
            self.outbox.send(lane, Fanout(lane, stanzas(lane, 15)))
        self.turns()
        self.assertEqual((True, 4), (self.outbox.readingPaused, self.outbox.queued))
        self.transport.window = 10 ** 6
        self.transport.doWrite()
        self.runDue()
        self.assertEqual((True, False), (self.outbox.readingPaused, self.transport.reading()))
        while self.outbox.queued:
            self.transport.doWrite()
            self.turns()
        self.transport.doWrite()
        self.assertEqual(4 * 150, len(self.transport.taken))

    def test_stalledServer(self):
        """
        A server that reads nothing for a while, while the service does not
        read, may be waiting to write to us: the service reads again.
        """
        self.outbox.send("a", Fanout("a", stanzas("a", 40)))
        self.turns()
        self.assertFalse(self.transport.reading())
        self.transport.window = 10
        self.transport.doWrite()
        self.clock.advance(STALL_SECONDS)
        self.assertFalse(self.transport.reading())
        self.clock.advance(STALL_SECONDS)
        self.assertTrue(self.transport.reading())
        self.assertTrue(self.outbox.paused)

    def test_linkBufferOption(self):
        """The transport's bound is the outbox's C{linkBuffer}."""
        self.assertEqual(250, self.transport.bufferSize)

    def test_noDelay(self):
        """
        The link writes at once (C{TCP_NODELAY}): a join's last stanzas do
        not wait for the server to acknowledge the first ones.
        """
        self.assertTrue(self.transport.noDelay)
