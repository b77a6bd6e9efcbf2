"""
A fake component stream for unit tests: a real L{XmlStream} on a
L{StringTransport}, wired to a stream manager as if the XMPP server had
accepted the component. Tests feed it XML text and read back the stanzas
that were written, parsed from the bytes on the transport.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.internet.testing import StringTransport
from twisted.words.protocols.jabber import xmlstream
from twisted.words.xish import domish

_HEADER = ("<stream:stream xmlns='jabber:component:accept' "
           "xmlns:stream='http://etherx.jabber.org/streams'>")


def parseStanzas(data):
    """
    @param data: serialized stanzas as written on a component stream.
    @return: the top-level elements, in order.
    """
    stanzas = []
    stream = domish.elementStream()
    stream.DocumentStartEvent = lambda root: None
    stream.ElementEvent = stanzas.append
    stream.DocumentEndEvent = lambda: None
    stream.parse(_HEADER.encode("utf-8"))
    stream.parse(data)
    return stanzas


class FakeComponentStream:
    """
    @ivar transport: the L{StringTransport} the stream writes to.
    @ivar xmlstream: the L{XmlStream} the manager's handlers are bound to.
    """

    def __init__(self, manager, serviceJID="muc.example.org"):
        self.transport = StringTransport()
        self.xmlstream = manager.factory.buildProtocol(None)
        self.xmlstream.makeConnection(self.transport)
        self.xmlstream.thisEntity = xmlstream.jid.internJID(serviceJID)
        self.xmlstream.dispatch(self.xmlstream, xmlstream.STREAM_AUTHD_EVENT)
        self.transport.clear()
        self._headerReceived = False

    def receive(self, xml):
        """
        Dispatch a stanza, given as XML text, as if the server had sent it.
        """
        element = parseStanzas(xml.encode("utf-8"))[0]
        self.xmlstream.onElement(element)

    def dataReceived(self, xml):
        """
        Hand the stream's parser C{xml} (text: stanzas, or a part of some)
        as the server would write it, after the server's stream header the
        first time.
        """
        if not self._headerReceived:
            self._headerReceived = True
            self.xmlstream.dataReceived(_HEADER.replace(">", " id='fake'>", 1).encode("utf-8"))
            self.transport.clear()
        self.xmlstream.dataReceived(xml.encode("utf-8"))

    def sent(self):
        """
        @return: the stanzas written since the last call, parsed.
        """
        data = self.transport.value()
        self.transport.clear()
        return parseStanzas(data)
