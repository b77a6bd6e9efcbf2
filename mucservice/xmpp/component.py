"""
The component connection (XEP-0114) to the XMPP server.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

from twisted.application import service
from twisted.logger import Logger
from wokkel import component

from mucservice.xmpp.outbox import Outbox

#: Seconds before the first reconnection attempt after the link is lost.
INITIAL_RECONNECT_DELAY = 1.0

#: The longest wait between two reconnection attempts, in seconds. Twisted's
#: default (an hour) is far too long for a chat service whose server restarted.
MAX_RECONNECT_DELAY = 30.0


class MUCComponent(component.Component):
    """
    wokkel's external component, with an injectable reactor, a bounded
    reconnection back-off, logging of the link's state, a C{stopService}
    that works before the first connection, and a first connection that
    waits until the service is ready to serve.

    @ivar ready: L{None}, or a callable returning a Deferred that fires when
        the service may connect (its stored rooms are loaded); if it fails,
        the component never connects.
    @ivar outbox: the L{Outbox} every room handler writes through.
    """

    log = Logger()

    def __init__(self, host, port, jid, secret, reactor=None, ready=None):
        component.Component.__init__(self, host, port, jid, secret)
        self.ready = ready
        if reactor is not None:
            self._reactor = reactor
            self.factory.clock = reactor
        self.factory.initialDelay = INITIAL_RECONNECT_DELAY
        self.factory.maxDelay = MAX_RECONNECT_DELAY
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
        self.log.info("connecting to {host}:{port} as {jid}", host=self.host, port=self.port,
                      jid=self.factory.authenticator.otherHost)
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
        self.log.info("component {jid} is connected", jid=xs.thisEntity.full())
        self.factory.resetDelay()
        component.Component._authd(self, xs)

    def _disconnected(self, reason):
        wasUp = self._initialized
        component.Component._disconnected(self, reason)
        if self.running:
            self.log.warn("link to the XMPP server is {state}; reconnecting",
                          state="lost" if wasUp else "down")

    def initializationFailed(self, reason):
        """
        The server refused the component (usually a wrong secret or JID):
        say so and let the factory try again later, rather than stopping the
        whole service as wokkel does.
        """
        self.log.error("the XMPP server refused the component: {reason}; "
                       "check --jid and --secret against the server's configuration",
                       reason=reason.getErrorMessage())
        if self.xmlstream is not None and self.xmlstream.transport is not None:
            self.xmlstream.transport.loseConnection()
