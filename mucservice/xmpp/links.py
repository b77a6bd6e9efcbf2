"""
Watching occupants' links: what the room service hears of them for the
pinger (L{IPinger}), and what the pinger may do (L{IPingHost}): ping an
occupant from its room, and remove an occupant that is gone with status 333.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import itertools

from twisted.internet import defer
from twisted.words.protocols.jabber import error as jabberError
from zope.interface import implementer

from mucservice.interfaces import IPingHost
from mucservice.xmpp import occupancy
from mucservice.xmpp.errors import errorCondition
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import NS_PING
from mucservice.xmpp.render import Template


@implementer(IPingHost)
class LinkWatcher(RoomHandler):
    """
    Tells the room service of every stanza (activity), every error that
    is not the answer to a ping of its own, and the component link coming
    up; and lends the pinger L{ping} and L{removeGone}. The room service
    decides what the pinger hears of them.
    """

    _ids = itertools.count(1)

    def __init__(self, rooms, reactor=None):
        RoomHandler.__init__(self, rooms, reactor)
        self._pings = {}
        self._up = False

    @property
    def joinTracker(self):
        return self.rooms.joinTracker

    def connectionInitialized(self):
        for kind in ("presence", "message", "iq"):
            self.xmlstream.addObserver("/" + kind, self.onStanza, 200)
        self.xmlstream.addObserver("/iq[@type='result']", self.onPingAnswer, 150)
        self.xmlstream.addObserver("/iq[@type='error']", self.onPingAnswer, 150)
        self._up = True
        # Pings held back while the link was down tell nothing: give them up.
        for _, d, _ in list(self._pings.values()):
            d.cancel()
        self.rooms.pingerLinkUp(self)

    def connectionLost(self, reason):
        # Answers cannot come over a lost link: these pings tell nothing.
        self._up = False
        for _, d, _ in list(self._pings.values()):
            d.cancel()
        RoomHandler.connectionLost(self, reason)

    def onStanza(self, stanza):
        sender = stanza.getAttribute("from")
        if not sender:
            return
        try:
            realJID = parseJID(sender)
        except Exception:
            return
        if stanza.getAttribute("type") != "error":
            self.rooms.stanzaFrom(realJID)
        elif stanza.getAttribute("id") not in self._pings:
            self.rooms.errorFrom(realJID, errorCondition(stanza))

    # IPingHost

    def ping(self, roomJID, realJID, timeout):
        if self.rooms.claims is not None and self.rooms.getRoom(roomJID) is None:
            # Another instance serves that room (--instance-id), and would
            # get the answer: ping from a room served here, or not at all.
            here = [r for r in self.joinTracker.roomsOf(realJID) if self.rooms.getRoom(r)]
            if not here:
                return defer.fail(defer.CancelledError())
            roomJID = here[0]
        pingID = "ghost-%d" % (next(self._ids),)

        def cancel(d):
            self._forget(pingID)

        d = defer.Deferred(cancel)
        if not self._up:
            # Nothing can be sent now: hold the ping until the link is back.
            self._pings[pingID] = (realJID, d, None)
            return d
        call = self.reactor.callLater(timeout, self._timedOut, pingID)
        self._pings[pingID] = (realJID, d, call)
        self.sendText(Template("iq", "<ping xmlns='%s'/>" % NS_PING, from_=roomJID.full(),
                               type_="get", id=pingID).to(realJID.full()))
        return d

    def _forget(self, pingID):
        realJID, d, call = self._pings.pop(pingID)
        if call is not None and call.active():
            call.cancel()
        return d

    def _timedOut(self, pingID):
        self._forget(pingID).errback(defer.TimeoutError())

    def onPingAnswer(self, iq):
        pending = self._pings.get(iq.getAttribute("id"))
        if pending is None or iq.getAttribute("from") != pending[0].full():
            return
        iq.handled = True
        d = self._forget(iq["id"])
        if iq["type"] == "result":
            d.callback(None)
        else:
            d.errback(jabberError.exceptionFromStanza(iq))

    def removeGone(self, realJID, reason):
        for left in self.rooms.removeGone(realJID, reason):
            self.sendText(occupancy.render(left))
