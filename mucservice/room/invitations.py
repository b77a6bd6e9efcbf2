"""
Pending mediated invitations (XEP-0045 section 7.8.2), so that a room
passes on a decline only from somebody it invited, once, and only to the
one that invited: otherwise anybody could make the room send a
C{<decline/>} with any text to any JID.
"""

from dataclasses import dataclass

from mucservice import errors

#: Seconds an invitation may be declined: a day, so that an invitee who
#: reads it the next morning still can.
INVITATION_LIFETIME = 24 * 3600

#: The default of C{--max-pending-invitations}: how many invitations one
#: room keeps pending at once.
DEFAULT_MAX_PENDING = 100


@dataclass
class Invitation:
    """
    @ivar inviterJID: the full JID that invited.
    @ivar expires: when it may no longer be declined, in seconds of the
        reactor's clock.
    """

    inviterJID: object
    expires: float


class PendingInvitations:
    """
    The invitations of one room that are neither declined nor expired, by
    invitee's bare JID, the oldest first (one lifetime for all: they expire
    in that order).
    """

    def __init__(self):
        self._pending = {}

    def _expire(self, now):
        for invitee, invitation in list(self._pending.items()):
            if invitation.expires > now:
                break
            del self._pending[invitee]

    def checkRoom(self, inviteeJID, now, limit):
        """
        @param now: the reactor's time.
        @param limit: how many invitations the room keeps pending at most.
        @raise errors.ResourceConstraint: C{limit} are pending, none of them
            to C{inviteeJID}.
        """
        self._expire(now)
        if inviteeJID.userhostJID() not in self._pending and len(self._pending) >= limit:
            raise errors.ResourceConstraint(
                "this room has too many invitations pending; try again later")

    def add(self, inviteeJID, inviterJID, now):
        """
        Keep an invitation sent (again: the latest inviter is the one told).
        """
        invitee = inviteeJID.userhostJID()
        self._pending.pop(invitee, None)
        self._pending[invitee] = Invitation(inviterJID, now + INVITATION_LIFETIME)

    def take(self, declinerJID, now):
        """
        Take the invitation that a decline from C{declinerJID} (any
        resource of the invitee) answers.

        @return: the inviter's full JID.
        @raise errors.NotAcceptable: no invitation to C{declinerJID} is
            pending.
        """
        self._expire(now)
        invitation = self._pending.pop(declinerJID.userhostJID(), None)
        if invitation is None:
            raise errors.NotAcceptable("you have no pending invitation to this room to decline")
        return invitation.inviterJID
