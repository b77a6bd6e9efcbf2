"""
Stanzas nested too deep (L{mucservice.xmpp.guard}): refused with
policy-violation before any handler sees them, answered as RFC 6120 wants,
and nothing that serialises a client's XML raises L{RecursionError}.
"""

from mucservice.xmpp import guard as depth
from mucservice.xmpp.render import childrenText
from tests.fakeservice import NS_MUC, PopulatedRoomTestCase, errorCondition
from tests.fakestream import parseStanzas

NS_MUC_ADMIN = NS_MUC + "#admin"


def nested(levels, name="x"):
    """
    @return: XML text of C{levels} elements, each inside the one before.
    """
    return "<%s xmlns='urn:example:deep'>" % (name,) + "<%s>" % (name,) * (levels - 1) + \
        "</%s>" % (name,) * levels


def element(levels):
    (stanza,) = parseStanzas(("<message>%s</message>" % (nested(levels),)).encode("utf-8"))
    return stanza


def test_nestedDeeper():
    """A payload of 64 levels is accepted; one of 65 is too deep."""
    assert not depth.nestedDeeper(element(64))
    assert depth.nestedDeeper(element(65))
    assert not depth.nestedDeeper(element(1))
    assert depth.nestedDeeper(element(5000))


def test_nestedDeeperWide():
    """Width is no depth: many siblings with text between them are accepted."""
    (stanza,) = parseStanzas(("<message>%s</message>"
                              % ("text<a><b/>tail</a>" * 1000,)).encode("utf-8"))
    assert not depth.nestedDeeper(stanza)


def test_childrenTextNeverRecurses():
    """Serialising a payload too deep for domish drops that child and raises nothing."""
    stanza = element(5000)
    stanza.addElement("body", content="kept")
    assert childrenText(stanza) == "<body>kept</body>"


class DepthGuardTests(PopulatedRoomTestCase):
    """
    The guard refuses deep stanzas of every kind in a populated room.
    """

    def test_groupchatRefused(self):
        """A groupchat message 1,200 levels deep is refused with policy-violation, not lost."""
        reply = self.ask("<message from='%s' to='%s' type='groupchat' id='m1'><body>x</body>%s"
                         "</message>" % (self.GUS, self.ROOM, nested(1200)))
        self.assertError("policy-violation", reply, "m1")
        self.assertEqual(self.GUS, reply["to"])
        self.assertEqual([], self.flushLoggedErrors())

    def test_eachKindAnswered(self):
        """Presence, messages and IQ requests too deep get an error of their own kind."""
        for stanza in ("<presence from='%s' to='%s/gus'>%s</presence>",
                       "<message from='%s' to='%s/mia' type='chat'>%s</message>",
                       "<iq type='get' id='q' from='%s' to='%s'><query xmlns='"
                       + NS_MUC_ADMIN + "'>%s</query></iq>",
                       "<iq type='set' id='q' from='%s' to='%s/mia'>%s</iq>"):
            reply = self.ask(stanza % (self.GUS, self.ROOM, nested(100)))
            self.assertEqual(("error", "policy-violation"), (reply["type"],
                                                            errorCondition(reply)))
            self.assertEqual(stanza[1:stanza.index(" ")], reply.name)

    def test_errorsAndResultsDropped(self):
        """Errors and IQ results too deep are dropped: nobody answers an answer."""
        for stanza in ("<presence type='error' from='%s' to='%s/gus'>%s</presence>",
                       "<message type='error' from='%s' to='%s'>%s</message>",
                       "<iq type='result' id='r' from='%s' to='%s'>%s</iq>",
                       "<iq type='error' id='r' from='%s' to='%s'>%s</iq>"):
            self.assertEqual([], self.service.send(stanza % (self.GUS, self.ROOM, nested(100))))

    def test_roomCarriesOn(self):
        """After a deep stanza the room still reflects messages."""
        self.service.send("<message from='%s' to='%s' type='groupchat'>%s</message>"
                          % (self.GUS, self.ROOM, nested(3000)))
        out = self.service.send("<message from='%s' to='%s' type='groupchat'><body>hi</body>"
                                "</message>" % (self.GUS, self.ROOM))
        self.assertEqual(4, len(out))

    def test_handledChildIsNoFlag(self):
        """
        A child named handled does not make a request pass for handled: it is
        answered (an IQ request has one child only, so the child is the
        request's own, which the room does not know).
        """
        reply = self.ask("<iq type='get' id='h' from='%s' to='%s'><handled/></iq>"
                         % (self.OLIVIA, self.ROOM))
        self.assertError("service-unavailable", reply, "h")
        out = self.service.send("<presence from='%s' to='%s/gus'><handled/></presence>"
                                % (self.GUS, self.ROOM))
        self.assertEqual(4, len(out))

    def test_requestToMalformedAddress(self):
        """An IQ request no handler takes, to a malformed address, is answered by the service."""
        reply = self.ask("<iq type='get' id='e' from='%s' to='user@a..b'/>" % (self.GUS,))
        self.assertError("jid-malformed", reply, "e")
        self.assertEqual("muc.example.org", reply["from"])
