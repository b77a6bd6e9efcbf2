"""
What every hostile stanza must leave behind, checked the same way for the
corpus (C{test_hostile}) and the fuzzer (C{test_fuzz}): no exception
logged, every request answered with a result or a sensible stanza error
(never an error to an error), only addresses that parse in what the
service sends, and a service that still answers.
"""

from mucservice.address import isAddress as _parses
from tests.fakeservice import PopulatedRoomTestCase, errorCondition
from tests.fakestream import parseStanzas

#: The stanza error conditions of RFC 6120 section 8.3.3.
CONDITIONS = frozenset([
    "bad-request", "conflict", "feature-not-implemented", "forbidden", "gone",
    "internal-server-error", "item-not-found", "jid-malformed", "not-acceptable",
    "not-allowed", "not-authorized", "policy-violation", "recipient-unavailable", "redirect",
    "registration-required", "remote-server-not-found", "remote-server-timeout",
    "resource-constraint", "service-unavailable", "subscription-required",
    "undefined-condition", "unexpected-request"])

#: Conditions that say the service failed, not the request.
FAILURES = frozenset(["internal-server-error", "undefined-condition"])

PING = ("<iq type='get' id='still-there' from='olivia@example.org/desk' "
        "to='muc.example.org'><ping xmlns='urn:xmpp:ping'/></iq>")


class HostileTestCase(PopulatedRoomTestCase):
    """
    A populated room (L{PopulatedRoomTestCase}) that hostile stanzas are
    sent to through L{check}.
    """

    def setUp(self):
        PopulatedRoomTestCase.setUp(self)
        self.service.stream.sent()

    def check(self, xml):
        """
        Send C{xml} and return what is wrong with what happened, as a list
        of complaints (empty if all is well).
        """
        (stanza,) = parseStanzas(xml.encode("utf-8"))
        out = self.service.send(xml)
        wrong = ["logged: %s" % (f.getTraceback(),) for f in self.flushLoggedErrors()]
        sender, kind = stanza.getAttribute("from"), stanza.getAttribute("type")
        for sent in out:
            for name in ("from", "to"):
                if not _parses(sent.getAttribute(name)):
                    wrong.append("sent %s=%r" % (name, sent.getAttribute(name)))
            if sent.getAttribute("type") == "error" and sent.getAttribute("to") == sender:
                condition = errorCondition(sent)
                if kind == "error":
                    wrong.append("an error answered an error")
                if condition not in CONDITIONS or condition in FAILURES:
                    wrong.append("answered with %r" % (condition,))
        if stanza.name == "iq" and kind in ("get", "set") and _parses(sender):
            answers = [s for s in out if s.name == "iq" and s.getAttribute("to") == sender
                       and s.getAttribute("id") == stanza.getAttribute("id")
                       and s.getAttribute("type") in ("result", "error")]
            forwarded = [s for s in out if s.name == "iq" and s.getAttribute("type") == kind]
            if len(answers) + len(forwarded) != 1:
                wrong.append("%d answers" % (len(answers),))
        if stanza.name == "iq" and kind in ("result", "error"):
            if any(s.getAttribute("type") == "error" for s in out):
                wrong.append("an error answered an IQ %s" % (kind,))
        pong = self.service.send(PING)
        if [s.getAttribute("type") for s in pong] != ["result"]:
            wrong.append("the service no longer answers a ping")
        return wrong
