"""
Never harm the link: no stanza the service writes is larger than
C{--max-stanza-size}, whatever renders it.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import pytest
from twisted.logger import globalLogPublisher
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.xish import domish

from mucservice import tap
from mucservice.xmpp import margins, sizes
from mucservice.xmpp.broadcast import HATS_SHOWN, hatsText
from mucservice.xmpp.handler import RoomHandler
from mucservice.xmpp.render import Template
from tests.fakeservice import FakeService, ServiceTestCase, errorText

BASE = ("--jid", "muc.example.org", "--secret", "s")


def capturedErrors(testCase):
    """
    @return: a list that receives the text of every error logged until the
        end of C{testCase}.
    """
    events = []

    def observer(event):
        if event.get("log_level") is not None and event["log_level"].name == "error":
            events.append(event)

    globalLogPublisher.addObserver(observer)
    testCase.addCleanup(globalLogPublisher.removeObserver, observer)
    return events


class TemplateLimitTests(SynchronousTestCase):
    def setUp(self):
        self.patch(sizes.LIMIT, "maxSize", 200)
        self.patch(sizes.LIMIT, "dropped", 0)

    def test_sizeWithoutTo(self):
        """A template's size is the bytes of UTF-8 of its stanza less the to's value."""
        template = Template("message", "<body>h\u00e9 \u2603 &amp;</body>", from_="r@m/\u00f1")
        text = template.to("a@b/c")
        self.assertEqual(len(text.encode("utf-8")) - len("a@b/c"), template.size)

    def test_fits(self):
        """A stanza exactly as large as the limit is written."""
        template = Template("message", "<body>%s</body>" % ("x" * 100,))
        recipient = "a" * (200 - template.size)
        self.assertEqual(200, len(template.to(recipient)))
        self.assertEqual(0, sizes.LIMIT.dropped)

    def test_dropped(self):
        """
        A stanza one byte over the limit is not written, for that recipient
        only, and is counted.
        """
        template = Template("message", "<body>%s</body>" % ("x" * 100,))
        self.assertEqual("", template.to("a" * (201 - template.size)))
        self.assertEqual(1, sizes.LIMIT.dropped)
        self.assertTrue(template.to("a@b"))

    def test_escapedRecipientCounts(self):
        """The recipient is measured as written: escaped."""
        template = Template("message", "<body>%s</body>" % ("x" * 100,))
        self.assertEqual("", template.to("a@b/" + "'" * ((200 - template.size) // 6 + 1)))

    def test_loggedOncePerTemplate(self):
        """A template too large for many recipients is one error in the log, all counted."""
        errors = capturedErrors(self)
        template = Template("message", "<body>%s</body>" % ("x" * 300,))
        for n in range(5):
            self.assertEqual("", template.to("u%d@example.org" % (n,)))
        self.assertEqual(5, sizes.LIMIT.dropped)
        self.assertEqual(1, len(errors))
        self.assertIn("larger than --max-stanza-size", errors[0]["log_format"])


class SendGuardTests(ServiceTestCase):
    def test_elementOverLimitDropped(self):
        """
        An element that wokkel or Twisted write themselves over the limit
        (a payload of quotes, which serialising escapes six times larger) is
        dropped and counted, and the link stays up.
        """
        self.patch(sizes.LIMIT, "dropped", 0)
        element = domish.Element((None, "iq"), attribs={"to": "a@example.org/x", "type": "get"})
        element.addElement(("urn:example:big", "query"))["v"] = '"' * 50_000
        self.service.stream.xmlstream.send(element)
        self.assertEqual([], self.service.stream.sent())
        self.assertEqual(1, sizes.LIMIT.dropped)
        self.assertFalse(self.service.stream.transport.disconnecting)

    def test_unknownIQNotEchoed(self):
        """
        The service-unavailable answer to an unknown IQ no longer echoes its
        payload (wokkel's fallback handler did): a payload that would be
        over the limit echoed gets a small answer.
        """
        self.patch(sizes.LIMIT, "dropped", 0)
        (answer,) = self.service.send(
            "<iq type='get' id='q' from='a@example.org/x' to='muc.example.org'>"
            "<query xmlns='urn:example:big' v='%s'/></iq>" % ('"' * 50_000,))
        self.assertEqual("service-unavailable", answer.error.firstChildElement().name)
        self.assertIsNone(answer.query)
        self.assertEqual(0, sizes.LIMIT.dropped)

    def test_smallElementsPass(self):
        """An element within the limit is written as before."""
        (answer,) = self.service.send(
            "<iq type='get' id='q' from='a@example.org/x' to='muc.example.org'>"
            "<query xmlns='urn:example:small'/></iq>")
        self.assertEqual("service-unavailable", answer.error.firstChildElement().name)


class LargeAnswer(RoomHandler):
    """
    Answers an IQ of its own namespace with C{size} bytes.
    """

    iqHandlers = {"/iq[@type='get']/large[@xmlns='urn:example:large']": "answer"}
    size = 0

    def answer(self, iq, fromJID, toJID):
        return "<large xmlns='urn:example:large'>%s</large>" % ("x" * self.size,)


class OversizedAnswerTests(ServiceTestCase):
    def setUp(self):
        ServiceTestCase.setUp(self)
        self.handler = LargeAnswer(self.service.rooms)
        self.handler.setHandlerParent(self.service.component)

    def ask(self):
        return ServiceTestCase.ask(self, "<iq type='get' id='l' from='a@example.org/x' "
                                   "to='muc.example.org'><large xmlns='urn:example:large'/></iq>")

    def test_answerFits(self):
        """An answer within the limit is sent."""
        self.handler.size = 1000
        self.assertEqual("result", self.ask()["type"])

    def test_answerTooLarge(self):
        """An answer over the limit becomes resource-constraint: the asker hears of it."""
        self.handler.size = sizes.LIMIT.maxSize
        self.assertError("resource-constraint", self.ask(), id="l")


class OptionTests(SynchronousTestCase):
    def test_default(self):
        """--max-stanza-size is 256 KiB unless given."""
        self.assertEqual(262144, self._parse()["max-stanza-size"])

    def _parse(self, *args):
        config = tap.Options()
        config.parseOptions(list(BASE + args))
        return config

    def test_given(self):
        """--max-stanza-size takes bytes and sets the link's limit when the service is made."""
        self.patch(sizes.LIMIT, "maxSize", sizes.LIMIT.maxSize)
        FakeService("--max-stanza-size", "100000")
        self.assertEqual(100000, sizes.LIMIT.maxSize)

    def test_tooSmall(self):
        """A limit that leaves too little beyond the room's margin is a usage error."""
        with pytest.raises(usage.UsageError, match="at least %d bytes" % (
                margins.MIN_STANZA_SIZE,)):
            self._parse("--max-stanza-size", str(margins.MIN_STANZA_SIZE - 1))
        self._parse("--max-stanza-size", str(margins.MIN_STANZA_SIZE))


class ErrorTextTests(ServiceTestCase):
    def test_errorTextShortened(self):
        """An error's text that quotes a huge value is cut to 1024 characters."""
        self.service.makeRoom("r@muc.example.org", "a@example.org")
        (error,) = self.service.send(
            "<iq type='set' id='q' from='a@example.org/x' to='r@muc.example.org'>"
            "<query xmlns='http://jabber.org/protocol/muc#admin'><item jid='b@example.org' "
            "affiliation='%s'/></query></iq>" % ("k" * 100_000,))
        self.assertEqual(1024, len(errorText(error)))


def test_hatsBounded():
    """
    Presence shows at most HATS_SHOWN bytes of hats in each namespace,
    wrapper included within 64 more, as the margin counts them; the hats
    that do not fit are left out.
    """
    hats = {"urn:example:hat:%04d" % (n,): {"title": "Hat %d" % (n,), "active": True}
            for n in range(1000)}
    text = hatsText(hats, legacy=True)
    assert 0 < len(text) <= 2 * (HATS_SHOWN + 64)
    assert "urn:example:hat:0000" in text
    assert "urn:example:hat:0999" not in text
