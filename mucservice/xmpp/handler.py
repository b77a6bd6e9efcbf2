"""
What every protocol handler of the service shares: the room service, the
clock, sending text, and one place where IQ outcomes become answers.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.internet import defer
from twisted.logger import Logger
from twisted.words.protocols.jabber.error import StanzaError
from twisted.words.xish import xpath
from wokkel.subprotocols import XMPPHandler
from zope.interface import implementer

from mucservice import address, errors
from mucservice.interfaces import IJoinObserver
from mucservice.xmpp.errors import errorReply
from mucservice.xmpp.render import Template, quote
from mucservice.xmpp.sizes import LIMIT, utf8len

#: The addresses the edge parsed last (C{--address-cache}).
addressCache = address.AddressCache()


def setAddressCache(size, own=None):
    """
    Keep the last C{size} addresses parsed (0: none), but no occupant
    address of the domain C{own}; see L{AddressCache
    <mucservice.address.AddressCache>}.
    """
    global addressCache
    addressCache = address.AddressCache(size, own)


@implementer(IJoinObserver)
class DepartedAddresses:
    """
    Forgets from the L{addressCache} the address of a session that is in no
    room any more, so that the cache holds the addresses of those who are
    here, not of those who came by: each departed session would otherwise
    keep some 500 bytes until the cache got round to dropping it.

    @ivar tracker: the L{IJoinTracker} it observes.
    """

    def __init__(self, tracker):
        self.tracker = tracker

    def occupantJoined(self, realJID, roomJID, nick):
        pass

    def occupantLeft(self, realJID, roomJID, nick):
        if not self.tracker.roomsOf(realJID):
            addressCache.forget(realJID.full())

    def nickChanged(self, realJID, roomJID, oldNick, newNick):
        pass


def laneOf(stanza):
    """
    @return: the bare JID a received stanza was sent to (the room whose
        lane its answer takes), or L{None} if it has no valid one.
    """
    try:
        return parseJID(stanza.getAttribute("to")).userhostJID()
    except errors.Error:
        return None


def parseJID(text):
    """
    The edge's entry to the one address parser, L{mucservice.address},
    through the L{addressCache}.

    @param text: an address, or L{None} if the stanza had none.
    @return: a L{JID<mucservice.address.JID>}.
    @raise errors.JIDMalformed: C{text} is missing or no valid JID.
    """
    return addressCache.parse(text)


def _parses(text):
    return address.isAddress(text, parseJID)


class RoomHandler(XMPPHandler):
    """
    @ivar rooms: the L{RoomService}.
    @ivar reactor: what schedules timeouts (a L{task.Clock} in tests).
    @ivar iqHandlers: for subclasses: XPath query to the name of a method
        taking C{(iq, fromJID, toJID)}, returning the children of the
        result (text, or L{None} for none) or a Deferred of them; domain
        errors it raises become the error reply.
    """

    log = Logger()
    iqHandlers = {}

    def __init__(self, rooms, reactor=None):
        XMPPHandler.__init__(self)
        if reactor is None:
            from twisted.internet import reactor
        self.rooms = rooms
        self.reactor = reactor

    def sendText(self, text, lane=None, then=None):
        """
        Write serialized stanzas through the stream's L{Outbox
        <mucservice.xmpp.outbox.Outbox>}, after what their room has queued.

        @param text: a serialized stanza (or several), or a L{Fanout
            <mucservice.xmpp.outbox.Fanout>}, which names its room's lane.
        @param lane: the lane of text that is no L{Fanout}: the room it
            comes from, or L{None}.
        @param then: what to run once it is written, or L{None}.
        """
        self.parent.outbox.send(getattr(text, "lane", lane), text, then)

    def replyError(self, stanza, error, fromJID=None, extra=""):
        """
        Answer C{stanza} with an error, unless it came from no valid address
        (nothing to answer to), or is a message or presence that said
        nowhere it went. An answer to a missing or malformed C{to} comes
        from the service: an IQ request is always answered. The error names
        the room that generated it (C{by}), or the service when it says so
        (L{byService<mucservice.errors.Error>}).
        """
        if _parses(stanza.getAttribute("from")) and (
                fromJID or stanza.getAttribute("to") or stanza.name == "iq"):
            if fromJID is None and not _parses(stanza.getAttribute("to")):
                fromJID = self.rooms.serviceJID.full()
            by = self.rooms.serviceJID.full() if getattr(error, "byService", False) else None
            self.sendText(errorReply(stanza, error, fromJID, extra, by), laneOf(stanza))

    def connectionInitialized(self):
        for query in self.iqHandlers:
            self.xmlstream.addObserver(query, self.handleIQ)

    def handleIQ(self, iq):
        """
        Run the method for C{iq} and answer it, unless another handler
        already took it.
        """
        if iq.handled:
            return
        iq.handled = True
        method = None
        for query, name in self.iqHandlers.items():
            if xpath.internQuery(query).matches(iq):
                method = getattr(self, name)
                break
        d = defer.maybeDeferred(self._callIQ, method, iq)
        d.addCallbacks(lambda inner: self._result(iq, inner), lambda f: self._failed(iq, f))

    def _callIQ(self, method, iq):
        return method(iq, parseJID(iq.getAttribute("from")), parseJID(iq.getAttribute("to")))

    def _result(self, iq, inner):
        result = Template("iq", inner or "", from_=iq["to"], type_="result",
                          id=iq.getAttribute("id"))
        if result.size + utf8len(quote(iq["from"])) > LIMIT.maxSize:
            self.log.error("an answer of {size} bytes is too large to send",
                           event="stanza.dropped", size=result.size)
            error = errors.ResourceConstraint("the answer would be larger than this service sends")
            self.replyError(iq, error)
            return
        self.sendText(result.to(iq["from"]), laneOf(iq))

    def _failed(self, iq, failure):
        error = failure.value
        if not isinstance(error, (StanzaError, errors.Error)):
            if isinstance(error, NotImplementedError):
                error = StanzaError("feature-not-implemented")
            else:
                self.log.failure("handling an IQ failed", failure, event="bug")
                error = StanzaError("internal-server-error")
        self.replyError(iq, error)
