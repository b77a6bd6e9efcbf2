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
    @ivar occupantID: the XEP-0421 id: stable for this bare JID in this room.
    @ivar sessions: full JID to the presence payload that session sent
        (serialized children, opaque to the room); the latest last.
    @ivar rendered: what the protocol edge keeps of the occupant's presence
        as rendered (L{mucservice.xmpp.broadcast.shownPresence}), opaque to
        the room, or L{None}; it goes with the occupant.
    @ivar capFlags: who may have it in its list, and what its own list
        holds, in a room over its presence cap: flags of
        L{mucservice.room.audience} (C{TOLD_FULL_VIEWS}, C{TOLD_EVERYONE},
        C{PARTIAL_VIEW}).
    @ivar watch: L{None}, or the L{Watch<mucservice.room.audience.Watch>}
        of the occupants it probed, or that probed it, in a room over its
        presence cap. The slot costs no memory: an occupant takes the same
        96-byte block of CPython's allocator with it as without it.
    """

    __slots__ = ("nick", "userJID", "role", "occupantID", "sessions", "rendered", "capFlags",
                 "watch")

    def __init__(self, nick, userJID, role, occupantID):
        self.nick = nick
        self.userJID = userJID
        self.role = role
        self.occupantID = occupantID
        self.sessions = {}
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
        for payload in reversed(self.sessions.values()):
            return payload
        return ""

    def setPayload(self, realJID, payload):
        """
        Record a session's presence, making it the latest.
        """
        self.sessions.pop(realJID, None)
        self.sessions[realJID] = payload

    def shown(self):
        """
        @return: what the others see of the occupant: its payload and real
            JID (the latest session's).
        """
        return self.payload, self.realJIDs[-1]

    @property
    def realJIDs(self):
        return list(self.sessions)
