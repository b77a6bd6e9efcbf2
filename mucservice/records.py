"""
The plain records that stores and the room service exchange: part of the
contracts of L{mucservice.interfaces}, so that providers import them from here
and never from the room logic.
"""

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, Optional, Tuple

from mucservice import errors

AFFILIATIONS = ("owner", "admin", "member", "outcast", "none")


@dataclass
class Affiliation:
    """
    A user's affiliation with a room and the data attached to it.

    @ivar affiliation: one of L{AFFILIATIONS}.
    @ivar data: L{str} to L{str}: the reserved nick under C{"nick"},
        registration fields, anything a provider attaches.
    """

    affiliation: str
    data: Dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomAvatar:
    """
    A room's avatar (XEP-0486): the image of the C{PHOTO} of its vCard.

    @ivar mimeType: the image's media type, e.g. C{"image/png"}.
    @ivar data: the image, as L{bytes}.
    """

    mimeType: str
    data: bytes

    @property
    def hash(self):
        """
        The SHA-1 of the image, in lowercase hex: how XEP-0153 (and so
        XEP-0486) names an avatar.
        """
        return hashlib.sha1(self.data).hexdigest()


@dataclass
class RoomRecord:
    """
    A stored room.

    @ivar jid: the room's bare JID.
    @ivar config: C{muc#roomconfig} field names to values.
    @ivar affiliations: bare user JID to L{Affiliation}.
    @ivar avatar: the room's L{RoomAvatar}, or L{None}.
    """

    jid: object
    config: dict = field(default_factory=dict)
    subject: str = ""
    subjectNick: str = ""
    affiliations: Dict[object, Affiliation] = field(default_factory=dict)
    avatar: Optional[RoomAvatar] = None


@dataclass(frozen=True)
class Retraction:
    """
    A message taken back: by its sender (XEP-0424) or by a moderator
    (XEP-0425). The room keeps the message as a tombstone that carries this
    record (L{HistoryEntry.retracted}), and a moderation is announced by a
    message of the room itself that carries it too (L{HistoryEntry.moderation}).

    @ivar target: the stanza id of the message taken back.
    @ivar stamp: when it was taken back, timezone-aware UTC.
    @ivar nick: the nick of the occupant that took it back.
    @ivar occupantID: that occupant's XEP-0421 occupant id, or L{None}.
    @ivar reason: why (a moderator's reason), or L{None}.
    @ivar moderated: whether a moderator took it back (XEP-0425) rather than
        its sender (XEP-0424).
    @ivar retractionID: the stanza id of the message that took it back: the
        sender's retraction, or the room's announcement of a moderation.
    """

    target: str
    stamp: datetime
    nick: str
    occupantID: Optional[str] = None
    reason: Optional[str] = None
    moderated: bool = False
    retractionID: Optional[str] = None


@dataclass(frozen=True)
class HistoryEntry:
    """
    One groupchat message of a room, as the room reflected it and keeps it
    in its discussion history.

    The room decides everything but the payload, which is the sender's and
    opaque to the room and the stores; the protocol edge renders the
    message from these fields, live, as history for a newcomer, and in
    offline copies.

    @ivar stamp: when the room received it, timezone-aware UTC.
    @ivar nick: the sender's nick at that time.
    @ivar realJID: the sender's full JID, or L{None} if unknown.
    @ivar payload: the message's child elements as the sender wrote them,
        less those only the room may stamp, as serialized XML.
    @ivar stanzaID: the XEP-0359 id the room gave it, or L{None}.
    @ivar occupantID: the sender's XEP-0421 occupant id, or L{None}.
    @ivar messageID: the C{id} the sender gave the message, or L{None}.
    @ivar lang: the message's C{xml:lang}, or L{None}.
    @ivar retracted: the L{Retraction} of a message taken back (a
        tombstone: its payload is gone), or L{None}.
    @ivar moderation: for the room's own announcement of a moderation, the
        L{Retraction} it announces (the payload is empty, the nick is
        C{""}: the message comes from the room itself), or L{None}.
    """

    stamp: datetime
    nick: str
    realJID: Optional[object]
    payload: str
    stanzaID: Optional[str] = None
    occupantID: Optional[str] = None
    messageID: Optional[str] = None
    lang: Optional[str] = None
    retracted: Optional[Retraction] = None
    moderation: Optional[Retraction] = None

    def tombstone(self, retraction):
        """
        @return: this message taken back by C{retraction}: its payload
            gone, the rest kept.
        """
        return dataclasses.replace(self, payload="", retracted=retraction)


@dataclass(frozen=True)
class ArchivePage:
    """
    What a query of a room's archive (XEP-0313) found.

    @ivar entries: the L{HistoryEntry}s of the page, in the archive's order
        (oldest first).
    @ivar complete: whether the page holds the last of the messages that
        match (the first, when paging backwards): no further page.
    @ivar count: how many messages match the query, on every page; or
        L{None} where a store would have to read much of a large archive to
        tell (XEP-0059 makes it optional; the SQLite store counts up to
        10,000 messages, and more when few are left out).
    @ivar firstIndex: the position of the page's first message among them,
        or L{None} for an empty page. A store may leave it L{None} for a
        page in the middle (XEP-0059 makes it optional, and finding it may
        mean counting half an archive); it gives it for a page that starts
        at the first message that matches or ends at the last.
    """

    entries: list
    complete: bool
    count: Optional[int]
    firstIndex: Optional[int] = None


@dataclass(frozen=True)
class ArchiveQuery:
    """
    A query of a room's archive (XEP-0313 with XEP-0059 paging), and what it
    means, as the reference every room store follows (L{select}).

    The archive's order is the messages' stamps, then the order they were
    added in. Messages are named by their stanza id; a message without one
    is not in the archive. Every filter given must match: a stamp within
    C{start} and C{end} (both included), the sender's C{nick}, the sender's
    C{realJID} (a bare JID matches each of its resources), after C{afterID}
    and before C{beforeID}, one of C{ids}. Of the messages that match, the
    page is the first C{max} after C{after} (if given), or, when C{before}
    is given, the last C{max} before it (C{""}: the last page).

    @raise errors.ItemNotFound: C{afterID}, C{beforeID}, C{after},
        C{before} or one of C{ids} names no message of the archive.
    """

    start: Optional[datetime] = None
    end: Optional[datetime] = None
    nick: Optional[str] = None
    realJID: Optional[object] = None
    afterID: Optional[str] = None
    beforeID: Optional[str] = None
    ids: Optional[Tuple[str, ...]] = None
    after: Optional[str] = None
    before: Optional[str] = None
    max: int = 100

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def matches(self, entry):
        """
        @return: whether C{entry} passes the filters that do not depend on
            its place in the archive.
        """
        if self.start is not None and entry.stamp < self.start:
            return False
        if self.end is not None and entry.stamp > self.end:
            return False
        if self.nick is not None and entry.nick != self.nick:
            return False
        if self.ids is not None and entry.stanzaID not in self.ids:
            return False
        if self.realJID is not None:
            sender = entry.realJID
            if sender is None:
                return False
            if self.realJID.resource is None:
                sender = sender.userhostJID()
            return sender == self.realJID
        return True

    def select(self, entries):
        """
        Run the query over a whole archive held in memory.

        @param entries: the room's L{HistoryEntry}s, in the order they were
            added.
        @return: an L{ArchivePage}.
        @raise errors.ItemNotFound: see the class.
        """
        archived = sorted((e for e in entries if e.stanzaID is not None),
                          key=lambda e: e.stamp)
        positions = {e.stanzaID: n for n, e in enumerate(archived)}

        def at(stanzaID):
            try:
                return positions[stanzaID]
            except KeyError:
                raise errors.ItemNotFound("no message %r in this archive" % (stanzaID,))

        low = at(self.afterID) if self.afterID is not None else -1
        high = at(self.beforeID) if self.beforeID is not None else len(archived)
        for stanzaID in self.ids or ():
            at(stanzaID)
        matching = [n for n in range(low + 1, high) if self.matches(archived[n])]
        window = matching
        if self.after is not None:
            after = at(self.after)
            window = [n for n in window if n > after]
        if self.before:
            before = at(self.before)
            window = [n for n in window if n < before]
        if self.before is not None:
            page = window[max(len(window) - self.max, 0):] if self.max else []
        else:
            page = window[:self.max]
        firstIndex = matching.index(page[0]) if page else None
        return ArchivePage([archived[n] for n in page], len(page) == len(window),
                           len(matching), firstIndex)


@dataclass(frozen=True)
class RoomClaim:
    """
    What an instance of the service gets when it claims a room
    (L{IRoomClaims.claim<mucservice.interfaces.IRoomClaims.claim>}): the
    room as stored when the claim was made, and who was in it under the
    instance that served it before.

    @ivar epoch: the lease's epoch, one more than any before it: the writes
        of an instance with an older one are refused.
    @ivar room: the L{RoomRecord} of the room, or L{None} if it is not
        stored (a new room, or a temporary one).
    @ivar formerOccupants: C{(realJID, nick)} for each session the former
        instance recorded in the room and nobody removed: the new instance
        tells each it was removed (status 333) so that its client joins
        again.
    """

    epoch: int
    room: Optional[RoomRecord]
    formerOccupants: Tuple[Tuple[object, str], ...] = ()
