"""
Watching occupants' links: what the pinger (L{IPinger}) is told, and what
it may do (L{IPingHost}): ping an occupant from its room, and remove an
occupant that is gone with status 333.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import itertools

from twisted.internet import defer
from twisted.words.protocols.jabber import error as jabberError
from zope.interface import implementer

from mucservice.interfaces import IPingHost
from mucservice.room import roles
from mucservice.xmpp import broadcast
from mucservice.xmpp.errors import errorCondition
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import NS_PING
from mucservice.xmpp.render import Template

#: The status code of an occupant removed because of a technical problem.
GONE = 333


@implementer(IPingHost)
class LinkWatcher(RoomHandler):
    """
    Tells the pinger about every stanza from an occupant (activity), every
    error bounced by an occupant's full JID, and the component link coming
    back; and lends it L{ping} and L{removeGone}.

    Errors from bare JIDs are never a sign of a gone occupant: they are
    bounces of copies sent to accounts (Prosody bounces groupchat messages to
    bare JIDs, RFC 6121 section 8.5.2), not of an occupant's session.
    """

    _ids = itertools.count(1)

    def __init__(self, rooms, reactor=None):
        RoomHandler.__init__(self, rooms, reactor)
        self._pings = {}
        self._started = False
        self._up = False

    @property
    def pinger(self):
        return self.rooms.pinger

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
        if self._started:
            self.pinger.streamRestored()
        else:
            self._started = True
            self.pinger.start(self)

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
        if stanza.getAttribute("type") == "error":
            if realJID.resource and stanza.getAttribute("id") not in self._pings \
                    and self.joinTracker.roomsOf(realJID):
                self.pinger.errorReceived(realJID, errorCondition(stanza))
        else:
            self.pinger.activity(realJID)

    # IPingHost

    def ping(self, roomJID, realJID, timeout):
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
        for roomJID in self.joinTracker.roomsOf(realJID):
            room = self.rooms.getRoom(roomJID)
            if room is None or realJID not in room.sessions:
                self.joinTracker.recordLeave(realJID, roomJID)
                continue
            occupant, gone = room.leave(realJID)
            self.joinTracker.recordLeave(realJID, room.jid)
            if gone:
                left = broadcast.PresenceBroadcast(room, occupant, unavailable=True,
                                                   statuses=(GONE,), reason=reason, payload="",
                                                   realJID=realJID, role=roles.NO_ROLE,
                                                   previousRole=occupant.role)
                occupant.role = roles.NO_ROLE
                text = left.toRoom(selfSessions=[realJID])
            else:
                # Other sessions stay: only this one is told it is out.
                left = broadcast.PresenceBroadcast(room, occupant, unavailable=True,
                                                   selfStatuses=(GONE,), reason=reason,
                                                   payload="", realJID=realJID,
                                                   role=roles.NO_ROLE)
                text = left.forSelf(realJID) + broadcast.PresenceBroadcast(
                    room, occupant).toRoom()
            self.sendText(text)
            self.rooms.occupantGone(room)

