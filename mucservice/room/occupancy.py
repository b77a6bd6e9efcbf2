"""
Occupancy: entering a room, changing nick or presence, leaving, and the
removal of occupants whose link is gone (XEP-0045 section 7). Mixed into
the L{RoomService<mucservice.room.service.RoomService>}, which is the only
writer of the join tracker.
"""

from mucservice import errors
from mucservice.room import roles, status
from mucservice.room.history import selectHistory
from mucservice.room.outcomes import Entered, Left, NickChanged, PresenceChanged, Probed


class Occupancy:
    """
    Who is in which room. Expects of the class it is mixed into:
    C{getRoom}, C{createRoom}, C{occupantGone}, C{now}, C{unexpired},
    C{joinTracker} and C{limits}.
    """

    def presence(self, realJID, occupantJID, payload, joining=False, password=None,
                 historyRequest=None):
        """
        Available presence from the session C{realJID} to an occupant JID:
        a join (also a rejoin, when it carries the MUC C{<x/>}), a nick
        change, or a new presence.

        @param payload: the presence's children that the others see, as
            serialized XML (opaque to the room).
        @param joining: whether it carried the MUC C{<x/>} of a join.
        @param password: the room password it gave, or L{None}.
        @param historyRequest: keyword arguments of L{selectHistory}: the
            history the session asks for on joining.
        @return: an L{Entered}, L{NickChanged} or L{PresenceChanged}.
        @raise errors.Error: the room refuses.
        """
        room = self.getRoom(occupantJID)
        nick = occupantJID.resource
        occupant = room.sessions.get(realJID) if room is not None else None
        if occupant is None or (joining and occupant.nick == nick):
            return self._enter(room, realJID, occupantJID, password, payload,
                               historyRequest or {})
        self.limits.presenceChange(room, occupant)
        if occupant.nick != nick:
            oldNick = room.changeNick(realJID, nick)
            occupant.setPayload(realJID, payload)
            for session in occupant.sessions:
                self.joinTracker.recordNickChange(session, room.jid, nick)
            return NickChanged(room, occupant, oldNick, room.presenceAudience(occupant))
        room.updatePresence(realJID, payload)
        return PresenceChanged(room, occupant, room.presenceAudience(occupant))

    def _enter(self, room, realJID, occupantJID, password, payload, historyRequest):
        """
        Admit a session, making the room if there is none (and undoing
        that if the room refuses the session).
        """
        created = room is None
        self.limits.entering(room, realJID, occupantJID.resource)
        if created:
            room = self.createRoom(occupantJID, realJID)
        current = room.sessions.get(realJID)
        shownBefore = current.shown() if current is not None else None
        try:
            joined = room.join(realJID, occupantJID.resource, password, payload)
        except errors.Error as e:
            self.limits.refused(room, realJID, e)
            if created:
                self.occupantGone(room)
            raise
        occupant = joined.occupant
        self.joinTracker.recordJoin(realJID, room.jid, occupant.nick)
        statuses = []
        if room.config.whois == "anyone":
            statuses.append(status.NON_ANONYMOUS)
        if room.config.logging:
            statuses.append(status.LOGGING_ON)
        if created:
            statuses.append(status.CREATED)
        if joined.nickRewritten:
            statuses.append(status.NICK_ASSIGNED)
        changed = not (joined.rejoin and occupant.shown() == shownBefore)
        others = ()
        if changed and (joined.rejoin or joined.newSession):
            others = tuple(j for j in occupant.sessions if j != realJID)
        history = selectHistory(self.unexpired(room.history), now=self.now(), **historyRequest)
        shown, audience = room.entering(occupant, new=not (joined.rejoin or joined.newSession))
        return Entered(room, occupant, realJID, tuple(statuses), changed, others, history,
                       audience, shown)

    def nickOf(self, realJID, roomJID):
        """
        @return: the nick of the session C{realJID} in the room C{roomJID},
            or L{None} if it is not in that room.
        """
        room = self.getRoom(roomJID)
        occupant = room.sessions.get(realJID) if room is not None else None
        return occupant.nick if occupant is not None else None

    def probe(self, realJID, occupantJID):
        """
        A presence probe from the session C{realJID} to an occupant JID:
        an occupant gets the presence the room shows it of that occupant
        (its own, or one whose role the room broadcasts); nobody gets the
        presence of a nick nobody has, or whose presence the room does not
        show it. In a room over its presence cap, a prober that would not
        hear of the occupant's changes and leave becomes its watcher, which
        does (L{Room.watch<mucservice.room.audience.PresenceAudience.watch>}).

        @return: a L{Probed}, or L{None} for no answer.
        @raise errors.NotAcceptable: C{realJID} is not in the room (or there
            is no such room: a stranger cannot tell).
        """
        room = self.getRoom(occupantJID)
        viewer = room.sessions.get(realJID) if room is not None else None
        if viewer is None:
            raise errors.NotAcceptable("you are not in the room")
        occupant = room.occupants.get(occupantJID.resource)
        if occupant is None or (occupant is not viewer
                                and not room.broadcastsPresenceOf(occupant)):
            return None
        self.limits.watch(room, viewer, occupant)
        return Probed(room, viewer, realJID, occupant)

    def leave(self, realJID, roomJID, payload=""):
        """
        Unavailable presence from the session C{realJID} to a room.

        @param payload: what it carried (its status), serialized.
        @return: a L{Left}, or L{None} if the session was not in the room.
        """
        room = self.getRoom(roomJID)
        if room is None or realJID not in room.sessions:
            return None
        return self._leave(room, realJID, payload)

    def removeGone(self, realJID, reason):
        """
        Remove the session C{realJID} from every room it is in, as gone
        (status 333): its link is dead.

        @return: a L{Left} for each room.
        """
        removed = []
        for roomJID in self.joinTracker.roomsOf(realJID):
            room = self.getRoom(roomJID)
            if room is None or realJID not in room.sessions:
                self.joinTracker.recordLeave(realJID, roomJID)
                continue
            removed.append(self._leave(room, realJID, "", status.GONE, reason))
        return removed

    def _leave(self, room, realJID, payload, code=None, reason=None):
        # Decided while the occupant, with its role, is still counted in.
        audience = room.presenceAudience(room.sessions[realJID])
        occupant, gone = room.leave(realJID)
        previousRole = occupant.role
        if gone:
            occupant.role = roles.NO_ROLE
        self.joinTracker.recordLeave(realJID, room.jid)
        self.occupantGone(room)
        return Left(room, occupant, realJID, gone, payload, previousRole, code, reason, audience)
