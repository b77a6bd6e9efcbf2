"""
The plain records that stores and the room service exchange: part of the
contracts of L{mucservice.interfaces}, so that providers import them from here
and never from the room logic.
"""

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


@dataclass
class RoomRecord:
    """
    A stored room.

    @ivar jid: the room's bare JID.
    @ivar config: C{muc#roomconfig} field names to values.
    @ivar affiliations: bare user JID to L{Affiliation}.
    """

    jid: object
    config: dict = field(default_factory=dict)
    subject: str = ""
    subjectNick: str = ""
    affiliations: Dict[object, Affiliation] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryEntry:
    """
    One message of a room's discussion history.

    @ivar stamp: when the room received it, timezone-aware UTC.
    @ivar nick: the sender's nick at that time.
    @ivar realJID: the sender's full JID, or L{None} if unknown.
    @ivar stanza: the message as the room reflected it, serialized XML
        without a C{to} attribute.
    """

    stamp: datetime
    nick: str
    realJID: Optional[object]
    stanza: str
