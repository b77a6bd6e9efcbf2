"""
The component connection (XEP-0114) to the XMPP server.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

from twisted.application import service
from twisted.logger import Logger
from twisted.words.protocols.jabber.xmlstream import STREAM_ERROR_EVENT
from wokkel import component
from wokkel.subprotocols import StreamManager

from mucservice.xmpp.link import (  # noqa: F401  (the delays, for those who import them here)
    INITIAL_RECONNECT_DELAY,
    MAX_RECONNECT_DELAY,
    LinkState,
    componentFactory,
)
from mucservice.xmpp.outbox import Outbox


class MUCComponent(component.Component):
    """
    wokkel's external component, with an injectable reactor, a bounded
    reconnection back-off that grows while the server refuses or cannot be
    reached, the link's state logged and counted (L{LinkState}), a
    C{stopService} that works before the first connection, and a first
    connection that waits until the service is ready to serve.

    @ivar ready: L{None}, or a callable returning a Deferred that fires when
        the service may connect (its stored rooms are loaded); if it fails,
        the component never connects.
    @ivar outbox: the L{Outbox} every room handler writes through.
    @ivar link: the L{LinkState} of the link to the server.
    """

    log = Logger()

    def __init__(self, host, port, jid, secret, reactor=None, ready=None):
        if reactor is None:
            from twisted.internet import reactor
        self.host, self.port = host, port
        self.link = LinkState(reactor, jid, host, port)
        # As wokkel's Component.__init__, with a factory of our own.
        StreamManager.__init__(self, componentFactory(jid, secret, self.link), reactor)
        self.factory.clock = reactor
        self.factory.addBootstrap(STREAM_ERROR_EVENT, self._streamError)
        self.ready = ready
        self._connection = None
        self.outbox = Outbox(reactor)
        self.outbox.setHandlerParent(self)

    def startService(self):
        """
        Start, and connect once the service is ready.
        """
        service.Service.startService(self)
        if self.ready is None:
            self._connection = self._getConnection()
            return
        d = self.ready()
        d.addCallback(self._connectIfRunning)
        # Whoever made it fail says why, and stops the process.
        d.addErrback(lambda failure: None)

    def _connectIfRunning(self, _):
        if self.running:
            self._connection = self._getConnection()

    def _getConnection(self):
        self.log.info("connecting to {host}:{port} as {jid}", event="link.connecting",
                      host=self.host, port=self.port, jid=self.factory.authenticator.otherHost)
        return self._reactor.connectTCP(self.host, self.port, self.factory)

    def stopService(self):
        """
        Stop reconnecting and close the link, if there ever was one.
        """
        service.Service.stopService(self)
        if self._connection is None:
            return
        self.factory.stopTrying()
        self._connection.disconnect()

    def _authd(self, xs):
        self.link.authenticated()
        self.factory.resetDelay()
        component.Component._authd(self, xs)

    def _streamError(self, failure):
        error = failure.value
        self.link.streamError(error.condition, error.text, self._initialized)

    def _disconnected(self, reason):
        component.Component._disconnected(self, reason)
        if self.running:
            self.link.ended(reason)

    def initializationFailed(self, reason):
        """
        The server refused the component (usually a wrong secret or JID):
        say so and let the factory try again later, rather than stopping the
        whole service as wokkel does.
        """
        self.log.error("the XMPP server refused the component: {reason}; "
                       "check --jid and --secret against the server's configuration",
                       event="link.refused", reason=reason.getErrorMessage())
        if self.xmlstream is not None and self.xmlstream.transport is not None:
            self.xmlstream.transport.loseConnection()
