"""
A fake XMPP server for the component link's tests: the server side of
XEP-0114 as a Twisted protocol, reached through iosim's fake transports
from a clock whose C{connectTCP} dials it, so that reconnection and its
back-off run on the fake clock.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.internet import protocol, task
from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionRefusedError
from twisted.python.failure import Failure
from twisted.test import iosim
from twisted.words.protocols.jabber.xmlstream import hashPassword
from twisted.words.xish import domish

NS_STREAMS = "http://etherx.jabber.org/streams"
NS_XMPP_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"


class ComponentServerProtocol(protocol.Protocol):
    """
    One component stream, as the server sees it: it answers the stream
    header, then accepts the handshake (C{<handshake/>}) or refuses it with
    a stream error and closes the stream, as its L{FakeXMPPServer} says.

    @ivar header: the root element of the component's stream header, as
        parsed, once it has come.
    """

    def __init__(self, server, sid):
        self.server = server
        self.sid = sid
        self.received = []
        self.header = None

    def connectionMade(self):
        self.parser = domish.elementStream()
        self.parser.DocumentStartEvent = self._streamStarted
        self.parser.ElementEvent = self._element
        self.parser.DocumentEndEvent = lambda: None

    def dataReceived(self, data):
        self.parser.parse(data)

    def _streamStarted(self, root):
        self.header = root
        self.transport.write(("<?xml version='1.0'?><stream:stream xmlns:stream='%s' "
                              "xmlns='jabber:component:accept' id='%s' from='%s'>"
                              % (NS_STREAMS, self.sid, root.getAttribute("to"))).encode())
        if self.server.refusal and self.server.atHeader:
            self.streamError(self.server.refusal)

    def _element(self, element):
        if element.name != "handshake":
            self.received.append(element)
            return
        if self.server.refusal:
            self.streamError(self.server.refusal)
        elif str(element) != hashPassword(self.sid, self.server.secret):
            self.streamError("not-authorized")
        else:
            self.transport.write(b"<handshake/>")

    def deliver(self, xml):
        """
        Send a stanza (XML text) to the component, as from a client.
        """
        self.transport.write(xml.encode("utf-8"))

    def streamError(self, condition, text=None):
        """
        Send a stream error and close the stream, as a server does.
        """
        inner = "<text xmlns='%s'>%s</text>" % (NS_XMPP_STREAMS, text) if text else ""
        self.transport.write(("<stream:error><%s xmlns='%s'/>%s</stream:error></stream:stream>"
                              % (condition, NS_XMPP_STREAMS, inner)).encode())
        self.transport.loseConnection()


class FakeXMPPServer(protocol.Factory):
    """
    @ivar secret: the component secret it accepts.
    @ivar refusal: L{None}, or the condition of a stream error with which
        it refuses every handshake, right or wrong.
    @ivar atHeader: refuse (with C{refusal}) as soon as the stream starts,
        as Prosody does for a component it does not know.
    @ivar reachable: whether connections reach it; if not, they are refused
        as by a closed port.
    @ivar streams: the L{ComponentServerProtocol} of every connection made.
    """

    def __init__(self, secret):
        self.secret = secret
        self.refusal = None
        self.atHeader = False
        self.reachable = True
        self.streams = []

    def buildProtocol(self, addr):
        stream = ComponentServerProtocol(self, "sid%d" % (len(self.streams) + 1,))
        self.streams.append(stream)
        return stream


class FakeConnector:
    """
    The L{IConnector} of L{FakeNetwork.connectTCP}: each C{connect} dials
    the server again.
    """

    def __init__(self, network, host, port, factory):
        self.network = network
        self.factory = factory
        self.address = IPv4Address("TCP", host, port)
        self.pump = None

    def connect(self):
        self.network.dial(self)

    def disconnect(self):
        if self.pump is not None:
            self.pump.clientIO.loseConnection()
            self.network.flush(self)

    def stopConnecting(self):
        pass

    def getDestination(self):
        return self.address


class FakeNetwork(task.Clock):
    """
    A clock whose C{connectTCP} reaches one L{FakeXMPPServer}; what the
    two ends write is delivered at once, and a closed connection is
    reported to the client's factory, as a reactor does.

    @ivar dialed: the clock's time at each connection attempt.
    """

    def __init__(self, server):
        task.Clock.__init__(self)
        self.server = server
        self.dialed = []

    def connectTCP(self, host, port, factory, timeout=30, bindAddress=None):
        connector = FakeConnector(self, host, port, factory)
        factory.startedConnecting(connector)
        connector.connect()
        return connector

    def dial(self, connector):
        self.dialed.append(self.seconds())
        if not self.server.reachable:
            connector.factory.clientConnectionFailed(connector, Failure(ConnectionRefusedError()))
            return
        client = connector.factory.buildProtocol(connector.address)
        server = self.server.buildProtocol(connector.address)
        connector.pump = iosim.connect(server, iosim.makeFakeServer(server),
                                       client, iosim.makeFakeClient(client), greet=False)
        self.flush(connector)

    def flush(self, connector):
        """
        Deliver what both ends wrote; report a closed connection.
        """
        pump = connector.pump
        pump.flush(advanceClock=False)
        if pump.clientIO.disconnected:
            connector.pump = None
            connector.factory.clientConnectionLost(connector, Failure(
                pump.clientIO.disconnectReason))

    def current(self):
        """
        @return: the server's side of the last connection.
        """
        return self.server.streams[-1]
