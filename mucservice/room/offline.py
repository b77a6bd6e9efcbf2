"""
Offline delivery, the room's side: who asked to receive the room's messages
while absent, and which of them are absent now.

A member asks at registration, with the boolean field L{FIELD} of the
C{muc#register} form; the answer is kept with the affiliation, under the
same name, as C{"1"} or C{"0"}. Plain Python: the protocol edge
(L{mucservice.xmpp.register}) reads the form, the room service picks the
recipients of each message, and the provider sends the copies.
"""

from mucservice.room import roles
from mucservice.room.config import parseBoolean

#: The registration field, and the key of the affiliation data that keeps it.
FIELD = "{http://tigase.org/protocol/muc}offline"


def isSet(value):
    """
    @param value: a registration value as kept with an affiliation (text),
        or L{None}.
    @return: whether it says yes; a value that is no boolean says no.
    """
    try:
        return value is not None and parseBoolean(value)
    except ValueError:
        return False


def wantsCopies(entry):
    """
    @param entry: an L{Affiliation<mucservice.records.Affiliation>}, or
        L{None}.
    @return: whether its user is to receive copies: a member, admin or owner
        that registered with L{FIELD} set.
    """
    return (entry is not None and entry.affiliation in roles.AFFILIATED
            and isSet(entry.data.get(FIELD)))


def registrants(affiliations):
    """
    @param affiliations: bare JID to L{Affiliation
        <mucservice.records.Affiliation>}.
    @return: the L{set} of bare JIDs that L{wantsCopies}.
    """
    return {userJID for userJID, entry in affiliations.items() if wantsCopies(entry)}


def absentRegistrants(room, joinTracker):
    """
    @param room: a L{Room<mucservice.room.room.Room>}.
    @param joinTracker: the L{IJoinTracker
        <mucservice.interfaces.IJoinTracker>}, asked whether any resource of
        a registrant is in the room.
    @return: the bare JIDs of the room's L{registrants} that have no
        resource in it, as a L{list} (empty when there are none).
    """
    if not room.offlineUsers:
        return []
    return [userJID for userJID in room.offlineUsers
            if not joinTracker.isPresent(userJID, room.jid)]
