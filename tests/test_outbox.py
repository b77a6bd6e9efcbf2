"""
The L{Outbox} on its own: lanes, batches, turns, and what happens when
rendering fails or the link goes.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.xish import xmlstream

from mucservice.xmpp.outbox import Fanout, Outbox


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
        self.assertEqual(100, len(self.turn()))
