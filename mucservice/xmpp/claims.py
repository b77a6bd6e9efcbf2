"""
The edge of an instance of several (C{--instance-id}): no stanza reaches a
room this instance does not serve.

L{ClaimGate} sees every stanza sent to a room right after the guard. A
room this instance serves (L{RoomClaims.holds
<mucservice.room.claims.RoomClaims.holds>}) lets it pass at the cost of
one look-up. Any other room's stanzas are held back, in order, while the
room is claimed (L{RoomClaims.claim
<mucservice.room.claims.RoomClaims.claim>}); once it is, the sessions that
were in the room under the former instance are told they were removed
(unavailable, 110 and 333, so that their clients join again), and the
stanzas held are dispatched again, through every handler, in the order
they came. A claim that fails answers them with its error. When the
service stops, every occupant is told the service shuts down (110 and
332) before the link closes, and stanzas to rooms are refused from then
on.
"""

from twisted.internet import defer

from mucservice import errors
from mucservice.room import status
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import NS_MUC_USER
from mucservice.xmpp.render import Template, attributes
from mucservice.xmpp.traffic import TRAFFIC

#: Below the guard's priority (1000), so that it has counted, measured and
#: marked each stanza; above every handler's and the link watcher's (200).
GATE_PRIORITY = 500

#: The most stanzas of one room held back while it is claimed; more are
#: refused with resource-constraint.
MAX_HELD = 200


def removalPresence(removal, code):
    """
    @param removal: a L{Removal<mucservice.room.claims.Removal>}.
    @param code: the status code that says why (333, 332).
    @return: the unavailable presence that tells the session it is no
        longer in the room, with 110 and C{code}.
    """
    inner = "<x xmlns='%s'><item%s/><status code='%d'/><status code='%d'/></x>" % (
        NS_MUC_USER, attributes(affiliation=removal.affiliation, role="none"), status.SELF,
        code)
    return Template("presence", inner, from_="%s/%s" % (removal.roomJID.full(), removal.nick),
                    type_="unavailable").to(removal.realJID.full())


class ClaimGate(RoomHandler):
    """
    Holds back the stanzas of rooms this instance does not serve until it
    does.

    @ivar claims: the L{RoomClaims<mucservice.room.claims.RoomClaims>}.
    @ivar closing: whether the service stops: stanzas to rooms are refused.
    """

    def __init__(self, rooms, claims, reactor=None):
        RoomHandler.__init__(self, rooms, reactor)
        self.claims = claims
        self.closing = False
        self._held = {}

    def connectionInitialized(self):
        for kind in ("presence", "message", "iq"):
            self.xmlstream.addObserver("/" + kind, self.onStanza, GATE_PRIORITY)

    def roomOf(self, stanza):
        """
        @return: the room a stanza is sent to, or L{None} if it goes to the
            service itself or to no valid address.
        """
        try:
            to = parseJID(stanza.getAttribute("to"))
        except errors.Error:
            return None
        if not to.user or to.host != self.rooms.serviceJID.host:
            return None
        return to.userhostJID()

    def onStanza(self, stanza):
        if stanza.handled or stanza.getAttribute("type") in ("error", "result"):
            return
        roomJID = self.roomOf(stanza)
        if roomJID is None:
            return
        held = self._held.get(roomJID)
        if held is None and not self.closing and self.claims.holds(roomJID):
            return
        stanza.handled = True
        if self.closing:
            self.replyError(stanza, errors.ServiceUnavailable(
                "the service is shutting down; try again in a moment"))
            return
        if held is None:
            held = self._held[roomJID] = [stanza]
            self.claims.claim(roomJID).addCallbacks(
                self._claimed, self._refused, callbackArgs=(roomJID,), errbackArgs=(roomJID,))
        elif len(held) >= MAX_HELD:
            self.replyError(stanza, errors.ResourceConstraint(
                "the room is being loaded; try again in a moment"))
        else:
            held.append(stanza)

    def _claimed(self, takenOver, roomJID):
        if takenOver.removals:
            self.sendText("".join(removalPresence(removal, status.GONE)
                                  for removal in takenOver.removals), roomJID)
        held = self._held.pop(roomJID, ())
        xmlstream = self.xmlstream
        for stanza in held:
            if xmlstream is None:
                break
            # The guard counts it again as it passes.
            TRAFFIC.received[stanza.name] -= 1
            xmlstream.dispatch(stanza)
            # A claim that was at once (nothing to wait for) is dispatched
            # within the first dispatch: the handlers after the gate there
            # must pass it by.
            stanza.handled = True
        self.claims.settle(roomJID)

    def _refused(self, failure, roomJID):
        error = failure.value
        if not isinstance(error, errors.Error):
            self.log.failure("claiming room {room} failed", failure, event="store.failed",
                             room=roomJID.full())
            error = errors.InternalServerError("the room cannot be served now")
        for stanza in self._held.pop(roomJID, ()):
            self.replyError(stanza, error)

    def shutDown(self):
        """
        Tell every occupant the service shuts down, and refuse stanzas to
        rooms from now on.

        @return: a Deferred that fires once the presences are written.
        """
        self.closing = True
        removals = self.claims.shuttingDown().removals
        d = defer.Deferred()
        if not removals or self.xmlstream is None:
            d.callback(None)
            return d
        self.sendText("".join(removalPresence(removal, status.SHUTDOWN)
                              for removal in removals), then=lambda: d.callback(None))
        return d
