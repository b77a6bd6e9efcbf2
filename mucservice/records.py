"""
The plain records that stores and the room service exchange: part of the
contracts of L{mucservice.interfaces}, so that providers import them from here
and never from the room logic.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, Optional

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
    """

    stamp: datetime
    nick: str
    realJID: Optional[object]
    payload: str
    stanzaID: Optional[str] = None
    occupantID: Optional[str] = None
    messageID: Optional[str] = None
    lang: Optional[str] = None
