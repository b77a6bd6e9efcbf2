"""
What the room service did, for the protocol edge to tell: plain records of
who must be told what. The edge renders each kind once
(L{mucservice.xmpp.occupancy}); nothing here knows XML.
"""

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Entered:
    """
    A session entered a room, or sent its join again.

    @ivar room: the L{Room<mucservice.room.room.Room>}.
    @ivar occupant: its L{Occupant<mucservice.room.occupant.Occupant>}.
    @ivar realJID: the session that joined.
    @ivar statuses: the status codes of its own presence, besides 110.
    @ivar changed: whether what the others see of the occupant changed (a
        new occupant, or a rejoin or new session with another presence):
        they are told; otherwise only the session gets its own presence.
    @ivar otherSessions: the occupant's other sessions, which see its new
        presence too.
    @ivar history: the L{HistoryEntry<mucservice.records.HistoryEntry>}s the
        session asked for, oldest first.
    @ivar audience: the occupants told, or L{None} for every occupant: in
        a room over its presence cap, the moderators and the user's own
        occupants (L{mucservice.room.audience}).
    @ivar shown: the occupants whose presence the session gets, or L{None}
        for every one whose presence the room broadcasts.
    """

    room: object
    occupant: object
    realJID: object
    statuses: tuple = ()
    changed: bool = True
    otherSessions: tuple = ()
    history: list = field(default_factory=list)
    audience: Optional[list] = None
    shown: Optional[list] = None


@dataclass
class PresenceChanged:
    """
    An occupant sent a new presence (show, status): everyone sees it.

    @ivar audience: the occupants told, or L{None} for every occupant: in
        a room over its presence cap, the moderators and the user's own
        occupants (L{mucservice.room.audience}).
    """

    room: object
    occupant: object
    audience: Optional[list] = None


@dataclass
class NickChanged:
    """
    An occupant, with all its sessions, is now known by another nick.

    @ivar audience: the occupants told, or L{None} for every occupant: in
        a room over its presence cap, the moderators and the user's own
        occupants (L{mucservice.room.audience}).
    """

    room: object
    occupant: object
    oldNick: str
    audience: Optional[list] = None


@dataclass
class Probed:
    """
    An occupant asked for another's presence (a probe): it gets it as the
    room shows it to it.

    @ivar viewer: the asking occupant.
    @ivar realJID: the session that asked, which the presence goes to.
    @ivar occupant: the occupant whose presence it gets.
    """

    room: object
    viewer: object
    realJID: object
    occupant: object


@dataclass
class Left:
    """
    A session left a room, by itself or removed as gone.

    @ivar gone: whether it was the occupant's last session, so that the
        occupant is out of the room (the others are told; otherwise only
        the session is, and the others see the occupant's remaining
        presence).
    @ivar payload: what its unavailable presence carried (its status).
    @ivar previousRole: the occupant's role before it went.
    @ivar status: the status code of a removal (333 for a gone link), or
        L{None} for a leave.
    @ivar reason: why it was removed, or L{None}.
    @ivar audience: the occupants told, or L{None} for every occupant: in
        a room over its presence cap, the moderators and the user's own
        occupants (L{mucservice.room.audience}).
    """

    room: object
    occupant: object
    realJID: object
    gone: bool
    payload: str
    previousRole: str
    status: Optional[int] = None
    reason: Optional[str] = None
    audience: Optional[list] = None


@dataclass
class Announced:
    """
    The affiliation of a user who is not in the room changed: the occupants
    who may see real JIDs are told (XEP-0045 section 9.3; clients keep
    their list of the room's members, as OMEMO needs, up to date with it).

    @ivar userJID: the user's bare JID.
    @ivar affiliation: its new affiliation.
    @ivar reason: the reason given, or L{None}.
    """

    userJID: object
    affiliation: str
    reason: Optional[str] = None


@dataclass
class Changed:
    """
    What administrative changes (roles, affiliations, configuration,
    registration) did to a room's occupants.

    @ivar effects: L{Effect<mucservice.room.administration.Effect>}s, in
        order: each occupant's new presence, or its removal.
    @ivar revealed: occupants whose view of the others' real JIDs changed
        (moderation in a semi-anonymous room), or who became moderators of
        a room over its presence cap: they get everyone's presence again,
        as they may see it now.
    @ivar unfollowed: C{(occupant, others)} pairs: occupants that a role
        change made participants or visitors of a room over its presence
        cap, and the others they no longer hear of (L{Room.unfollowed
        <mucservice.room.audience.PresenceAudience.unfollowed>}), which
        leave their view.
    @ivar visibility: C{(occupant, shown, audience)} triples: occupants
        whose presence the room now broadcasts (shown) or no longer does,
        and the occupants told, or L{None} for every occupant (in a room
        over its presence cap, those that hear of the occupant's presence,
        L{mucservice.room.audience}).
    @ivar statuses: status codes told to everyone in a message from the
        room (a configuration change).
    @ivar refusal: the domain error that stopped a series of changes part
        way; those before it stand and are told, and it is the answer.
    @ivar announced: L{Announced} changes of users not in the room.
    """

    room: object
    effects: list = field(default_factory=list)
    revealed: list = field(default_factory=list)
    unfollowed: list = field(default_factory=list)
    visibility: list = field(default_factory=list)
    statuses: tuple = ()
    refusal: Optional[Exception] = None
    announced: list = field(default_factory=list)


@dataclass
class Destroyed:
    """
    A room was destroyed: each former occupant is told, with the alternate
    venue (a JID as text, or L{None}) and the reason (or L{None}).
    """

    room: object
    occupants: list
    alternate: Optional[str] = None
    reason: Optional[str] = None


@dataclass
class Reflected:
    """
    A groupchat message the room sends to every occupant.

    @ivar entry: the message, a L{HistoryEntry<mucservice.records.HistoryEntry>}
        (in the history or not).
    @ivar afterTelling: what the room service does once the message is
        written (offline copies), a callable taking no argument, or
        L{None}.
    """

    room: object
    entry: object
    afterTelling: Optional[object] = None


@dataclass
class SubjectChanged:
    """
    The subject changed: everyone gets it, from the occupant that set it.

    @ivar payload: the other children of the message that set it,
        serialized (opaque to the room): the reflected change carries them,
        the subject a newcomer gets does not.
    """

    room: object
    occupant: object
    messageID: Optional[str] = None
    payload: str = ""


@dataclass
class Invited:
    """
    An occupant invites somebody (a mediated invitation).

    @ivar inviterNick: the inviter's nick when the invitation names it by
        its occupant JID (a semi-anonymous room), else L{None}: it names
        the inviter's real JID.
    @ivar announced: L{Announced} memberships the invitation gave (in a
        members-only room).
    """

    room: object
    inviterJID: object
    inviteeJID: object
    reason: Optional[str] = None
    inviterNick: Optional[str] = None
    announced: list = field(default_factory=list)


@dataclass
class Declined:
    """
    An invitee declines; the inviter is told.
    """

    room: object
    declinerJID: object
    inviterJID: object
    reason: Optional[str] = None


@dataclass
class VoiceRequested:
    """
    A visitor asks for voice: the room's moderators are asked.
    """

    room: object
    requester: object
    realJID: object
    moderators: list


@dataclass
class Relayed:
    """
    A private message from one occupant to another (all its sessions).
    """

    room: object
    sender: object
    recipient: object


@dataclass
class ArchiveResult:
    """
    A page of a room's archive (XEP-0313), for the one that asked.

    @ivar page: the L{ArchivePage<mucservice.records.ArchivePage>}.
    @ivar showSenders: whether the asker may see the senders' real JIDs.
    """

    room: object
    page: object
    showSenders: bool = False
