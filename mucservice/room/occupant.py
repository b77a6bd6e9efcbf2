"""
Occupants of a room.
"""


class Occupant:
    """
    Somebody in a room under a nick, through one or more sessions of one
    bare JID (Prosody allows such multi-session nicks; so do we).

    @ivar nick: the occupant's nick.
    @ivar userJID: the bare JID behind it.
    @ivar role: C{moderator}, C{participant} or C{visitor}.
    @ivar sessions: the full JIDs of its sessions, a tuple, the one whose
        presence came last at the end. Change it only with L{setPayload}
        and L{removeSession}.
    @ivar _payloads: the presence payload (serialized children, opaque to
        the room) its one session sent, or with several sessions a
        L{dict} of full JID to payload. Nearly every occupant has one
        session: a table for it (224 bytes, against a tuple's 48) would be
        the largest part of what an occupant costs.
    @ivar rendered: what the protocol edge keeps of the occupant's presence
        as rendered (L{mucservice.xmpp.broadcast.shownPresence}), opaque to
        the room, or L{None}; it goes with the occupant.
    @ivar capFlags: who may have it in its list, and what its own list
        holds, in a room over its presence cap: flags of
        L{mucservice.room.audience} (C{TOLD_FULL_VIEWS}, C{TOLD_EVERYONE},
        C{PARTIAL_VIEW}).
    @ivar watch: L{None}, or the L{Watch<mucservice.room.audience.Watch>}
        of the occupants it probed, or that probed it, in a room over its
        presence cap.
    """

    __slots__ = ("nick", "userJID", "role", "sessions", "_payloads", "rendered", "capFlags",
                 "watch")

    def __init__(self, nick, userJID, role):
        self.nick = nick
        self.userJID = userJID
        self.role = role
        self.sessions = ()
        self._payloads = ""
        self.rendered = None
        self.capFlags = 0
        self.watch = None

    def __repr__(self):
        return "<Occupant %s (%s) %s>" % (self.nick, self.userJID.full(), self.role)

    @property
    def payload(self):
        """
        The presence payload shown to others: the latest session's.
        """
        payloads = self._payloads
        if type(payloads) is dict:
            return payloads[self.sessions[-1]]
        return payloads

    def setPayload(self, realJID, payload):
        """
        Record a session's presence, making it the latest.
        """
        sessions = self.sessions
        if not sessions or sessions == (realJID,):
            self.sessions, self._payloads = (realJID,), payload
            return
        payloads = self._payloads
        if type(payloads) is not dict:
            payloads = {sessions[0]: payloads}
        payloads[realJID] = payload
        self.sessions = tuple(j for j in sessions if j != realJID) + (realJID,)
        self._payloads = payloads

    def removeSession(self, realJID):
        """
        Forget a session (and its presence), if it is one of the occupant's.
        """
        sessions = self.sessions
        if realJID not in sessions:
            return
        others = tuple(j for j in sessions if j != realJID)
        payloads = self._payloads
        self.sessions = others
        if not others:
            self._payloads = ""
        elif len(others) == 1:
            self._payloads = payloads[others[0]]
        else:
            del payloads[realJID]

    def shown(self):
        """
        @return: what the others see of the occupant: its payload and real
            JID (the latest session's).
        """
        return self.payload, self.sessions[-1]
