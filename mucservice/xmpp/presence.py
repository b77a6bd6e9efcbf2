"""
Presence to rooms: entering, rejoining, nick changes, presence updates and
leaving (XEP-0045 section 7).
"""

from datetime import datetime, timezone

from mucservice import errors
from mucservice.room import roles
from mucservice.room.history import selectHistory
from mucservice.xmpp import broadcast
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.render import childrenText

NS_MUC = broadcast.NS_MUC
NS_HATS = broadcast.NS_HATS
NS_HATS_LEGACY = broadcast.NS_HATS_LEGACY

#: Children of a client's presence that the room never passes on: the MUC
#: elements (the room writes its own) and hats and occupant ids (no spoofing).
STRIPPED = frozenset([(NS_MUC, "x"), (broadcast.NS_MUC_USER, "x"), (NS_HATS, "hats"),
                      (NS_HATS_LEGACY, "hats"), (broadcast.NS_OCCUPANT_ID, "occupant-id")])


#: The longest C{seconds} of a history request that is kept as asked: any
#: longer reaches back past all history, and past what dates can express.
MAX_HISTORY_SECONDS = 10 ** 10


def _int(value):
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def historyRequest(mucX):
    """
    @return: the keyword arguments of L{selectHistory} asked for by the
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


def _shown(occupant):
    """
    @return: what the others see of an occupant's presence: its payload
        and real JID (its latest session's).
    """
    return occupant.payload, occupant.realJIDs[-1]


class PresenceHandler(RoomHandler):
    """
    Routes presence addressed to C{room/nick} to the room, and tells the
    room what changed.
    """

    def connectionInitialized(self):
        self.xmlstream.addObserver("/presence", self.onPresence)

    def onPresence(self, presence):
        kind = presence.getAttribute("type")
        if kind not in (None, "unavailable"):
            return
        try:
            realJID = parseJID(presence.getAttribute("from"))
            to = parseJID(presence.getAttribute("to"))
            if to.user is None or not to.resource:
                raise errors.JIDMalformed("join a room as room@service/nick")
        except errors.Error as e:
            if kind is None:
                self.replyError(presence, e, extra="<x xmlns='%s'/>" % NS_MUC)
            return
        room = self.rooms.getRoom(to)
        payload = childrenText(presence, STRIPPED)
        if kind == "unavailable":
            if room is not None and realJID in room.sessions:
                self.leave(room, realJID, payload)
            return
        occupant = room.sessions.get(realJID) if room is not None else None
        mucX = next(presence.elements(NS_MUC, "x"), None)
        try:
            if occupant is None:
                self.join(presence, room, realJID, to, mucX, payload)
            elif occupant.nick != to.resource:
                self.changeNick(room, realJID, to.resource, payload)
            elif mucX is not None:
                self.join(presence, room, realJID, to, mucX, payload)
            else:
                room.updatePresence(realJID, payload)
                self.sendText(broadcast.PresenceBroadcast(room, occupant).toRoom())
        except errors.Error as e:
            self.replyError(presence, e, extra="<x xmlns='%s'/>" % NS_MUC)

    def join(self, presence, room, realJID, to, mucX, payload):
        created = room is None
        if created:
            room = self.rooms.createRoom(to, realJID)
        password = None
        if mucX is not None and mucX.password is not None:
            password = str(mucX.password)
        current = room.sessions.get(realJID)
        shownBefore = _shown(current) if current is not None else None
        try:
            outcome = room.join(realJID, to.resource, password, payload)
        except errors.Error:
            if created:
                self.rooms.occupantGone(room)
            raise
        occupant = outcome.occupant
        self.rooms.joinTracker.recordJoin(realJID, room.jid, occupant.nick)
        statuses = []
        if room.config.whois == "anyone":
            statuses.append(broadcast.NON_ANONYMOUS)
        if room.config.logging:
            statuses.append(broadcast.LOGGED)
        if created:
            statuses.append(broadcast.CREATED)
        if outcome.nickRewritten:
            statuses.append(broadcast.NICK_ASSIGNED)
        parts = [self.occupantList(room, occupant, realJID)]
        own = broadcast.PresenceBroadcast(room, occupant, selfStatuses=statuses)
        if outcome.rejoin and _shown(occupant) == shownBefore:
            parts.append(own.forSelf(realJID))
        else:
            if outcome.rejoin or outcome.newSession:
                # The occupant's presence changed: its other sessions see it too.
                again = broadcast.PresenceBroadcast(room, occupant)
                parts.extend(again.forSelf(j) for j in occupant.realJIDs if j != realJID)
            parts.append(own.toRoom(selfSessions=[realJID]))
        entries = selectHistory(list(room.history), now=self.now(), **historyRequest(mucX))
        parts.append(broadcast.historyMessages(room, entries, realJID))
        parts.append(broadcast.subjectMessage(room, realJID))
        self.sendText("".join(parts))

    def occupantList(self, room, newcomer, realJID):
        """
        The presence of every other occupant, as the newcomer may see it.
        """
        return "".join(
            broadcast.PresenceBroadcast(room, other).forSession(newcomer, realJID)
            for other in list(room.occupants.values())
            if other is not newcomer and room.broadcastsPresenceOf(other))

    def changeNick(self, room, realJID, newNick, payload):
        occupant = room.sessions[realJID]
        oldNick = room.changeNick(realJID, newNick)
        occupant.setPayload(realJID, payload)
        for session in occupant.realJIDs:
            self.rooms.joinTracker.recordNickChange(session, room.jid, newNick)
        gone = broadcast.PresenceBroadcast(room, occupant, unavailable=True, nick=oldNick,
                                           statuses=(broadcast.NICK_CHANGED,), newNick=newNick)
        self.sendText(gone.toRoom() + broadcast.PresenceBroadcast(room, occupant).toRoom())

    def leave(self, room, realJID, payload):
        occupant, gone = room.leave(realJID)
        self.rooms.joinTracker.recordLeave(realJID, room.jid)
        left = broadcast.PresenceBroadcast(room, occupant, unavailable=True, payload=payload,
                                           realJID=realJID, role=roles.NO_ROLE)
        if gone:
            text = left.toRoom(selfSessions=[realJID])
        else:
            text = left.forSelf(realJID) + broadcast.PresenceBroadcast(room, occupant).toRoom()
        self.sendText(text)
        self.rooms.occupantGone(room)
