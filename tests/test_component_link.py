"""
The component link against a fake XMPP server (L{tests.fakeserver}) on the
fake clock: what a refusal, a lost link and an unreachable server log, how
the reconnection backs off, and C{--exit-on-auth-failure}'s hook.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.logger import LogLevel, capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from mucservice.xmpp.component import MUCComponent
from mucservice.xmpp.link import (
    MAX_RECONNECT_DELAY,
    MAX_REFUSED_DELAY,
    REPEAT_INTERVAL,
    STREAM_LANG,
)
from mucservice.xmpp.namespaces import NS_XML
from tests.fakeserver import FakeNetwork, FakeXMPPServer

JID = "muc.example.org"


class LinkTestCase(SynchronousTestCase):
    """
    A component (with no handlers) and a fake server that knows the secret
    C{right}.
    """

    secret = "right"

    def setUp(self):
        self.server = FakeXMPPServer("right")
        self.network = FakeNetwork(self.server)
        self.component = MUCComponent("127.0.0.1", 5347, JID, self.secret, reactor=self.network)
        self.component.factory.jitter = 0
        self.addCleanup(self.component.stopService)

    def start(self):
        """
        Start the component and capture the log from then on.

        @return: the list the log's events go to.
        """
        capture = capturedLogs()
        events = capture.__enter__()
        self.addCleanup(capture.__exit__, None, None, None)
        self.component.startService()
        return events

    def runFor(self, seconds):
        """
        Let C{seconds} pass on the fake clock, a second at a time.
        """
        for _ in range(int(seconds)):
            self.network.advance(1)

    def waits(self):
        """
        @return: the seconds between one connection attempt and the next.
        """
        dialed = self.network.dialed
        return [round(b - a, 3) for a, b in zip(dialed, dialed[1:])]


def linkEvents(events, name=None):
    """
    @return: the formatted messages of the link's events (of the event
        C{name} if given).
    """
    return [formatEvent(e) for e in events
            if str(e.get("event", "")).startswith("link.") and name in (None, e["event"])]


class HeaderTests(LinkTestCase):
    def test_declaresLanguage(self):
        """
        The stream header the component writes declares its language
        (C{xml:lang='en'}), which every stanza without one inherits (RFC
        6120 section 4.7.4), next to what Twisted writes: the component
        namespace and the JID it asks for.
        """
        self.start()
        header = self.network.current().header
        self.assertEqual("en", STREAM_LANG)
        self.assertEqual(STREAM_LANG, header.getAttribute((NS_XML, "lang")))
        self.assertEqual(("jabber:component:accept", JID),
                         (header.defaultUri, header.getAttribute("to")))
        self.assertTrue(self.component.link.up)


class RefusedTests(LinkTestCase):
    secret = "wrong"

    def test_wrongSecretSaysWhy(self):
        """
        A handshake refused with not-authorized is logged as an error that
        names the condition and --secret, once however often it repeats.
        """
        events = self.start()
        self.runFor(300)
        self.assertGreater(len(self.network.dialed), 5)
        (down,) = [e for e in events if e.get("event") == "link.down"]
        self.assertEqual(LogLevel.error, down["log_level"])
        text = formatEvent(down)
        self.assertIn("refused the component muc.example.org with the stream error "
                      "not-authorized", text)
        self.assertIn("--secret", text)
        self.assertIn("component_secret", text)

    def test_stillDownLoggedRarely(self):
        """
        A link refused for the same reason is logged again, with how long
        and how many attempts, once every REPEAT_INTERVAL seconds.
        """
        events = self.start()
        self.runFor(REPEAT_INTERVAL + 60)
        messages = linkEvents(events, "link.down")
        self.assertEqual(2, len(messages), messages)
        self.assertIn("still down after 10 min", messages[1])
        self.assertIn("not-authorized", messages[1])

    def test_backsOffToTheCap(self):
        """
        Refused handshakes are retried after waits that grow from 1 s up to
        MAX_REFUSED_DELAY, not once a second: a TCP connection alone does
        not reset the delay.
        """
        self.start()
        self.runFor(600)
        waits = self.waits()
        self.assertEqual(1.0, waits[0])
        self.assertEqual(sorted(waits), waits)
        self.assertEqual(MAX_REFUSED_DELAY, waits[-1])
        self.assertLess(len(waits), 20)

    def test_unknownHostAtHeader(self):
        """
        A server that does not know the component (host-unknown, as soon as
        the stream starts) is logged with advice about --jid.
        """
        self.server.refusal, self.server.atHeader = "host-unknown", True
        events = self.start()
        (message,) = linkEvents(events, "link.down")
        self.assertIn("host-unknown", message)
        self.assertIn("--jid", message)
        self.assertIn('Component "muc.example.org"', message)

    def test_authFailureHook(self):
        """
        A refusal for a reason no retry cures calls the link's authFailed
        (what --exit-on-auth-failure sets), with the condition and advice.
        """
        calls = []
        self.component.link.authFailed = calls.append
        self.start()
        self.assertEqual(1, len(calls))
        self.assertIn("not-authorized", calls[0])
        self.assertIn("--secret", calls[0])

    def test_shutdownIsNoAuthFailure(self):
        """
        A server that is shutting down (system-shutdown) before the handshake
        does not call authFailed: retrying cures it.
        """
        self.server.refusal = "system-shutdown"
        calls = []
        self.component.link.authFailed = calls.append
        events = self.start()
        self.assertEqual([], calls)
        (message,) = linkEvents(events, "link.down")
        self.assertIn("shutting down", message)

    def test_acceptedAtLast(self):
        """
        Once the secret is right, the link comes up with how long it was
        down and after how many attempts; the delay is 1 s again.
        """
        events = self.start()
        self.runFor(30)
        attempts = len(self.network.dialed)
        self.server.secret = "wrong"
        self.runFor(MAX_REFUSED_DELAY)
        self.assertTrue(self.component.link.up)
        (up,) = linkEvents(events, "link.up")
        self.assertIn("component muc.example.org is connected after", up)
        self.assertIn("%d failed attempts" % (attempts,), up)
        self.assertEqual(1.0, self.component.factory.delay)


class LostTests(LinkTestCase):
    def test_lostAndBack(self):
        """
        A link that was up and is lost is logged with how long it was up
        and why; it comes back a second later, logged with how long it was
        down, and counted as a reconnection.
        """
        events = self.start()
        self.assertTrue(self.component.link.up)
        self.runFor(7200)
        self.network.current().streamError("system-shutdown")
        self.network.flush(self.component._connection)
        self.assertFalse(self.component.link.up)
        self.runFor(1)
        self.assertTrue(self.component.link.up)
        (lost,) = linkEvents(events, "link.lost")
        self.assertIn("link to the XMPP server is lost after 2 h 0 min up", lost)
        self.assertIn("system-shutdown", lost)
        self.assertIn("reconnecting in 1.0 s", lost)
        up = linkEvents(events, "link.up")
        self.assertEqual(["component muc.example.org is connected",
                          "component muc.example.org is connected again after 1.0 s down "
                          "(0 failed attempts)"], up)
        self.assertEqual(1, self.component.link.reconnects)
        self.assertEqual({"system-shutdown": 1}, self.component.link.streamErrors)

    def test_unreachable(self):
        """
        A server that cannot be reached is logged with the address and what
        to check, and retried up to MAX_RECONNECT_DELAY apart.
        """
        self.server.reachable = False
        events = self.start()
        self.runFor(600)
        messages = linkEvents(events, "link.down")
        self.assertEqual(1, len(messages), messages)
        self.assertIn("cannot connect to 127.0.0.1:5347", messages[0])
        self.assertIn("component_ports", messages[0])
        self.assertEqual(MAX_RECONNECT_DELAY, self.waits()[-1])
        self.assertEqual(len(self.network.dialed), self.component.link.failedAttempts)
