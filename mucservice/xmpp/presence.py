"""
Presence to rooms: entering, rejoining, nick changes, presence updates and
leaving (XEP-0045 section 7). The handler reads the stanza into one call of
the room service and renders what it returns.
"""

from datetime import datetime, timezone

from mucservice import errors
from mucservice.xmpp import margins, occupancy
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import (
    NS_HATS,
    NS_HATS_LEGACY,
    NS_MUC,
    NS_MUC_USER,
    NS_OCCUPANT_ID,
)
from mucservice.xmpp.render import childrenText

#: Children of a client's presence that the room never passes on: the MUC
#: elements (the room writes its own) and hats and occupant ids (no spoofing).
STRIPPED = frozenset([(NS_MUC, "x"), (NS_MUC_USER, "x"), (NS_HATS, "hats"),
                      (NS_HATS_LEGACY, "hats"), (NS_OCCUPANT_ID, "occupant-id")])

#: The longest C{seconds} of a history request that is kept as asked: any
#: longer reaches back past all history, and past what dates can express.
MAX_HISTORY_SECONDS = 10 ** 10

#: What a refused join carries back, as XEP-0045 shows it.
_JOIN_X = "<x xmlns='%s'/>" % (NS_MUC,)


def _int(value):
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def historyRequest(mucX):
    """
    @return: the keyword arguments of L{selectHistory
        <mucservice.room.history.selectHistory>} asked for by the
        C{<history/>} of a join (unparsable values are ignored; a C{since}
        without a timezone is in UTC, as XEP-0045 wants it).
    """
    request = {}
    history = mucX.history if mucX is not None else None
    if history is None:
        return request
    for attribute, key in (("maxstanzas", "maxStanzas"), ("maxchars", "maxChars"),
                           ("seconds", "seconds")):
        value = _int(history.getAttribute(attribute))
        if value is not None and value >= 0:
            request[key] = min(value, MAX_HISTORY_SECONDS) if key == "seconds" else value
    since = history.getAttribute("since")
    if since:
        try:
            since = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            return request
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        request["since"] = since
    return request


class PresenceHandler(RoomHandler):
    """
    Reads presence addressed to C{room/nick} into a call of the room
    service (L{presence<mucservice.room.occupancy.Occupancy.presence>},
    L{leave<mucservice.room.occupancy.Occupancy.leave>} or L{probe
    <mucservice.room.occupancy.Occupancy.probe>}) and renders its outcome.

    Presence an occupant sends to the room's bare JID is taken as sent to
    its own occupant JID, as Prosody takes it (some clients leave that
    way): an update, a rejoin, a leave or a probe of itself.

    An error answers only what the presence said: it carries the MUC
    C{<x/>} if the presence did (a refused join, as XEP-0045 shows it),
    and not otherwise (a refused nick change or update, which a client
    reading the C{<x/>} would take for a failed join).
    """

    def connectionInitialized(self):
        self.xmlstream.addObserver("/presence", self.onPresence)

    def onPresence(self, presence):
        kind = presence.getAttribute("type")
        if presence.handled or kind not in (None, "unavailable", "probe"):
            return
        mucX = next(presence.elements(NS_MUC, "x"), None)
        echo = _JOIN_X if mucX is not None else ""
        try:
            realJID = parseJID(presence.getAttribute("from"))
            to = self.occupantAddress(realJID, parseJID(presence.getAttribute("to")))
        except errors.Error as e:
            if kind != "unavailable":
                self.replyError(presence, e, extra=echo)
            return
        if kind == "probe":
            try:
                self.sendText(occupancy.render(self.rooms.probe(realJID, to)))
            except errors.Error as e:
                self.replyError(presence, e)
            return
        payload = childrenText(presence, STRIPPED)
        if kind == "unavailable":
            # A leave too large to pass on still leaves, without its status.
            payload = payload if margins.fits(payload) else ""
            self.sendText(occupancy.render(self.rooms.leave(realJID, to, payload)))
            return
        password = None
        if mucX is not None and mucX.password is not None:
            password = str(mucX.password)
        try:
            margins.checkPayload(payload)
            outcome = self.rooms.presence(realJID, to, payload, joining=mucX is not None,
                                          password=password,
                                          historyRequest=historyRequest(mucX))
        except errors.Error as e:
            self.replyError(presence, e, extra=echo)
            return
        self.sendText(occupancy.render(outcome))

    def occupantAddress(self, realJID, to):
        """
        @return: the occupant JID presence to C{to} from C{realJID} is for:
            C{to} itself, or for the room's bare JID, the sender's own
            occupant JID.
        @raise errors.JIDMalformed: C{to} is no occupant JID, and the sender
            is in no room there.
        """
        if to.user is not None and not to.resource:
            nick = self.rooms.nickOf(realJID, to)
            if nick is not None:
                return parseJID("%s/%s" % (to.userhost(), nick))
        if to.user is None or not to.resource:
            raise errors.JIDMalformed("join a room as room@service/nick")
        return to
