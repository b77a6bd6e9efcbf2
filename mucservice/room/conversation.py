"""
Conversation: groupchat messages, the subject, private messages,
invitations and voice requests (XEP-0045 sections 7.4 to 7.8 and 8.6).
Mixed into the L{RoomService<mucservice.room.service.RoomService>}, which
keeps the history and picks who gets offline copies.
"""

from dataclasses import dataclass
from typing import Optional

from twisted.logger import Logger

from mucservice import errors
from mucservice.records import HistoryEntry
from mucservice.room import offline, privacy, roles
from mucservice.room.history import newStanzaID
from mucservice.room.invitations import DEFAULT_MAX_PENDING
from mucservice.room.outcomes import (
    Declined,
    Invited,
    Reflected,
    Relayed,
    SubjectChanged,
    VoiceRequested,
)


@dataclass
class GroupchatMessage:
    """
    A groupchat message to a room, as the protocol edge read it.

    @ivar payload: its children, serialized, less those only the room may
        stamp (opaque to the room); for a subject change, less the subject
        too.
    @ivar messageID: its C{id}, or L{None}.
    @ivar lang: its C{xml:lang}, or L{None}.
    @ivar kept: whether it belongs in the history (a body or a C{store}
        hint, and no C{no-store} hint).
    @ivar subject: the new subject if it changes the subject (a subject and
        no body), else L{None}.
    @ivar bodyLength: the characters of its body (0 if it has none).
    @ivar retracts: the stanza id of the message of its sender it retracts
        (XEP-0424), or L{None}.
    """

    payload: str
    messageID: Optional[str] = None
    lang: Optional[str] = None
    kept: bool = True
    subject: Optional[str] = None
    bodyLength: int = 0
    retracts: Optional[str] = None


class Conversation:
    """
    What occupants say. Expects of the class it is mixed into: C{getRoom},
    C{now}, C{reactor}, C{writer}, C{joinTracker}, C{limits}, C{offlineDelivery},
    C{offersOfflineDelivery}, C{applied} and C{retractOwn}.

    @ivar maxPendingInvitations: how many invitations a room keeps pending
        at most (C{--max-pending-invitations}).
    """

    maxPendingInvitations = DEFAULT_MAX_PENDING

    log = Logger()

    def roomFor(self, realJID, roomJID):
        """
        @return: the room a message from C{realJID} goes to.
        @raise errors.ItemNotFound: there is none, or it is still locked for
            its creation and C{realJID} is not in it.
        """
        room = self.getRoom(roomJID)
        if room is None or (room.locked and realJID not in room.sessions):
            raise errors.ItemNotFound("no such room", byService=True)
        return room

    def groupchat(self, realJID, roomJID, message):
        """
        A groupchat message from C{realJID} to the room.

        @param message: a L{GroupchatMessage}.
        @return: a L{Reflected}, or a L{SubjectChanged}; a Deferred of the
            L{Reflected} when the store must be waited for (see L{keep} and
            L{retractOwn<mucservice.room.archive.Archiving.retractOwn>}).
        @raise errors.Error: the sender may not say it.
        """
        room = self.roomFor(realJID, roomJID)
        self.limits.groupchat(room, realJID, message)
        if message.subject is not None:
            occupant = room.checkSubjectChange(realJID)
            room.subject, room.subjectNick = message.subject, occupant.nick
            self.writer.saveSubject(room)
            return SubjectChanged(room, occupant, message.messageID, message.payload)
        occupant = room.checkGroupchat(realJID)
        entry = HistoryEntry(self.now(), occupant.nick, realJID, message.payload,
                             newStanzaID(), room.occupantID(occupant.userJID), message.messageID,
                             message.lang)
        if not message.kept:
            return Reflected(room, entry)
        if message.retracts is not None:
            return self.retractOwn(room, occupant, entry, message.retracts)
        return self.keep(room, entry)

    def keep(self, room, entry):
        """
        Keep a groupchat message in the room's history (and archive), hand
        the store its write, and pick who gets offline copies.

        @return: a L{Reflected}, or a Deferred of it while the store fails.
        """
        if not self.writer.storeWorks and self.writer.keepsMessages(room):
            return self._keptFirst(room, entry)
        room.addHistory(entry)
        self.limits.boundHistory(room)
        self.writer.saveHistory(room, entry)
        return Reflected(room, entry, self._offlineCopies(room, entry))

    def _keptFirst(self, room, entry):
        """
        While the store fails (a full disk, a database gone read-only), a
        message of a room that keeps history is stored before it is told:
        one that cannot be kept is refused, not told and lost.

        @return: a Deferred of the L{Reflected}.
        """
        def stored(_):
            room.addHistory(entry)
            self.limits.boundHistory(room)
            # The store works again: what waits for it is written now.
            self.writer.catchUp()
            return Reflected(room, entry, self._offlineCopies(room, entry))

        def failed(failure):
            raise errors.ResourceConstraint("the room cannot keep messages now; "
                                            "try again in a minute")

        return self.writer.storeHistoryFirst(room, entry).addCallbacks(stored, failed)

    def _offlineCopies(self, room, entry):
        """
        Pick the registrants of C{room} that asked for copies and are
        absent, for a message kept in its history.

        @return: what hands the offline delivery provider the message for
            them, to run once the message is reflected (copies never leave
            before the message itself); L{None} if nobody gets a copy.
        """
        if not room.offlineUsers or not self.offersOfflineDelivery(room):
            return None
        recipients = offline.absentRegistrants(room, self.joinTracker)
        if not recipients:
            return None

        def deliver():
            try:
                self.offlineDelivery.deliver(room.jid, entry, recipients)
            except Exception:
                # The message is reflected anyway; nothing depends on copies.
                self.log.failure("offline delivery in {room} failed", event="offline.failed",
                                 room=room.jid.full())

        return deliver

    def privateMessage(self, realJID, occupantJID):
        """
        A private message from C{realJID} to another occupant.

        @return: a L{Relayed}.
        """
        room = self.roomFor(realJID, occupantJID)
        self.limits.message(room, realJID)
        sender, recipient = room.checkPrivateMessage(realJID, occupantJID.resource)
        return Relayed(room, sender, recipient)

    def occupantRoute(self, realJID, occupantJID):
        """
        An IQ from C{realJID} to an occupant, which the room passes on
        (section 7.5): only occupants may send them.

        @return: the room, the sending occupant and the addressed one.
        @raise errors.NotAcceptable: C{realJID} is not in the room (or
            there is no such room: a stranger cannot tell).
        @raise errors.ItemNotFound: nobody in the room has that nick.
        """
        room = self.getRoom(occupantJID)
        sender = room.sessions.get(realJID) if room is not None else None
        if sender is None:
            raise errors.NotAcceptable("you are not in the room")
        target = room.occupants.get(occupantJID.resource)
        if target is None:
            raise errors.ItemNotFound("nobody in the room has that nick")
        return room, sender, target

    def invite(self, realJID, roomJID, inviteeJID, reason=None):
        """
        A mediated invitation (section 7.8.2); in a members-only room it
        may make the invitee a member, which is stored before the invitation
        is sent. It names the inviter by its real JID, or by its occupant
        JID where the room hides real JIDs (L{privacy.invitesByNick}). The
        room keeps it pending (L{Room.invitations
        <mucservice.room.room.Room.invitations>}), so that the invitee may
        decline it.

        @return: a Deferred of an L{Invited}.
        @raise errors.ResourceConstraint: the room has
            C{maxPendingInvitations} pending already.
        """
        room = self.roomFor(realJID, roomJID)
        self.limits.invitation(room, realJID, inviteeJID)
        # Only occupants invite: checked before the bound, and both before
        # the invitee may be made a member.
        inviter = room.occupantOf(realJID)
        nick = inviter.nick if privacy.invitesByNick(room) else None
        room.invitations.checkRoom(inviteeJID, self.reactor.seconds(),
                                   self.maxPendingInvitations)

        def change():
            plan = room.planInvite(realJID, inviteeJID)
            if plan is None:
                return lambda: None, invited

            def granted():
                return invited(room.applyAffiliations(plan).absent)

            return lambda: self.writer.storeAffiliations(room, plan.entries), granted

        def invited(announced=()):
            room.invitations.add(inviteeJID, realJID, self.reactor.seconds())
            return Invited(room, realJID, inviteeJID, reason, nick, list(announced))

        return self.changes.run(room, change)

    def decline(self, realJID, roomJID, reason=None):
        """
        An invitee declines an invitation (section 7.8.2): the one that
        invited is told, once.

        @return: a L{Declined}.
        @raise errors.NotAcceptable: no invitation to C{realJID} is pending.
        """
        room = self.roomFor(realJID, roomJID)
        inviterJID = room.invitations.take(realJID, self.reactor.seconds())
        return Declined(room, realJID, inviterJID, reason)

    def voiceRequest(self, realJID, roomJID, nick=None, allow=False):
        """
        A visitor asks for voice (section 7.13), or a moderator answers such
        a request (section 8.6) for C{nick}, granting it if C{allow}.

        @return: a L{VoiceRequested} for a request, a L{Changed} for an
            answer.
        """
        room = self.roomFor(realJID, roomJID)
        self.limits.message(room, realJID)
        occupant = room.sessions.get(realJID)
        if occupant is not None and occupant.role == roles.MODERATOR and nick:
            effects = [room.setRole(realJID, nick, roles.PARTICIPANT)] if allow else []
            return self.applied(room, effects)
        requester, moderators = room.checkVoiceRequest(realJID)
        return VoiceRequested(room, requester, realJID, moderators)
