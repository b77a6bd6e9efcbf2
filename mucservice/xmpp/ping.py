"""
Pings (XEP-0199) to the service and its rooms, self-pings (XEP-0410), and
IQs to occupants, which the room passes on (XEP-0045 sections 6.6 and
7.5).
"""

import uuid
from dataclasses import dataclass

from mucservice import errors
from mucservice.xmpp import margins
from mucservice.xmpp.broadcast import occupantJID
from mucservice.xmpp.errors import errorElement, generatedBy
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.link import copiedLang
from mucservice.xmpp.namespaces import NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, NS_XML
from mucservice.xmpp.render import Template, childrenText

#: Seconds an occupant has to answer an IQ passed on to it; the answer is
#: dropped after that.
FORWARD_TIMEOUT = 120

#: The priority of the occupant IQ router's observer: above that of every
#: other handler (0) and of wokkel's fallback (-1), so that it takes every
#: IQ to an occupant before they see it.
ROUTER_PRIORITY = 100


class PingHandler(RoomHandler):
    """
    Answers pings to the service and to rooms (a room still locked for its
    creation only answers its owners).
    """

    iqHandlers = {"/iq[@type='get']/ping[@xmlns='%s']" % NS_PING: "ping"}

    def ping(self, iq, fromJID, toJID):
        if toJID.user is not None:
            self.rooms.visibleRoom(toJID, fromJID)
        return None


@dataclass
class Forward:
    """
    An IQ passed on to an occupant, waiting for its answer.

    @ivar requester: the real JID that sent it.
    @ivar requestID: the id it had.
    @ivar via: the occupant JID of the requester, the answer's C{to}.
    @ivar target: the occupant JID it was sent to, the answer's C{from}
        for the requester.
    @ivar recipient: the real JID it was passed on to.
    @ivar timeout: the delayed call that forgets it.
    """

    requester: object
    requestID: object
    via: object
    target: str
    recipient: object
    timeout: object = None


def _passOn(iq, children, fromJID, stanzaID, to):
    """
    @param children: the serialized children of C{iq}, measured at the door.
    @return: C{iq} as text from C{fromJID} to C{to} with the id
        C{stanzaID}: the same type, language (L{copiedLang}) and children.
    """
    attrs = {"from_": fromJID, "type_": iq["type"], "id": stanzaID,
             "xml:lang": copiedLang(iq.getAttribute((NS_XML, "lang")))}
    return Template("iq", children, **attrs).to(to)


def _isDisco(iq):
    return any(child.uri in (NS_DISCO_INFO, NS_DISCO_ITEMS) for child in iq.elements())


def _isPing(iq):
    return iq.getAttribute("type") == "get" and any(
        (child.uri, child.name) == (NS_PING, "ping") for child in iq.elements())


class OccupantIQRouter(RoomHandler):
    """
    Takes every IQ to an occupant JID (C{room@service/nick}), whatever its
    payload (disco, vCard, version, even MUC admin queries), before any
    other handler does.

    A request from an occupant goes to the latest session of the occupant
    with that nick, from the requester's occupant JID and with a new id
    that says nothing of the requester; the answer that comes back is
    passed to the requester from the target's occupant JID with the
    request's own id. A session that pings its own occupant JID is
    answered by the room itself (XEP-0410's optimization).

    Requests from non-occupants are refused with C{not-acceptable}, which
    tells a self-pinging client that it is no longer in the room, also when
    the room is gone; disco requests with C{bad-request}, as section 6.6
    requires. Either way, a stranger cannot tell whether a nick or the room
    exists. An occupant that addresses a nick nobody has gets
    C{item-not-found}.

    An answer that does not come within L{FORWARD_TIMEOUT} is dropped
    without telling the requester, as it would have had no answer either
    had it sent the request directly.

    @ivar pending: new id to the L{Forward} waiting for its answer.
    """

    def __init__(self, rooms, reactor=None):
        RoomHandler.__init__(self, rooms, reactor)
        self.pending = {}

    def connectionInitialized(self):
        self.xmlstream.addObserver("/iq", self.onIQ, ROUTER_PRIORITY)

    def connectionLost(self, reason):
        for forward in self.pending.values():
            if forward.timeout.active():
                forward.timeout.cancel()
        self.pending.clear()
        RoomHandler.connectionLost(self, reason)

    def onIQ(self, iq):
        if iq.handled or not iq.getAttribute("from"):
            return
        try:
            to = parseJID(iq.getAttribute("to"))
        except errors.Error:
            return
        if to.user is None or not to.resource:
            return
        kind = iq.getAttribute("type")
        if kind in ("result", "error"):
            self.answer(iq, to)
        elif kind in ("get", "set"):
            iq.handled = True
            try:
                self.request(iq, parseJID(iq["from"]), to)
            except errors.Error as e:
                self.replyError(iq, e)

    def request(self, iq, realJID, to):
        """
        Pass a request on to the occupant it is for, or answer a self-ping.
        """
        try:
            room, sender, target = self.rooms.occupantRoute(realJID, to)
        except errors.NotAcceptable:
            if _isDisco(iq):
                raise errors.BadRequest("only occupants may query occupants")
            raise
        if target is sender and _isPing(iq):
            self._result(iq, None)
            return
        children = childrenText(iq)
        margins.checkPayload(children, iq.getAttribute("id"), iq.getAttribute((NS_XML, "lang")))
        newID = uuid.uuid4().hex
        via = parseJID(occupantJID(room, sender.nick))
        forward = Forward(realJID, iq.getAttribute("id"), via,
                          occupantJID(room, target.nick), target.sessions[-1])
        forward.timeout = self.reactor.callLater(FORWARD_TIMEOUT, self.pending.pop, newID, None)
        self.pending[newID] = forward
        self.sendText(_passOn(iq, children, via.full(), newID, forward.recipient.full()))

    def answer(self, iq, to):
        """
        Pass an occupant's answer back to the requester, if it answers a
        request passed on and comes from where that request went.
        """
        newID = iq.getAttribute("id")
        forward = self.pending.get(newID)
        if forward is None or to != forward.via:
            return
        try:
            if parseJID(iq["from"]) != forward.recipient:
                return
        except errors.Error:
            return
        del self.pending[newID]
        forward.timeout.cancel()
        iq.handled = True
        children = childrenText(iq)
        if not margins.fits(children, forward.requestID, iq.getAttribute((NS_XML, "lang"))):
            error = errors.PolicyViolation("the answer is larger than this service passes on")
            self.sendText(Template("iq", errorElement(error, generatedBy(forward.target)),
                                   from_=forward.target,
                                   type_="error", id=forward.requestID)
                          .to(forward.requester.full()))
            return
        self.sendText(_passOn(iq, children, forward.target, forward.requestID,
                              forward.requester.full()))
