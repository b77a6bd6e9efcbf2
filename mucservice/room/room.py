"""
A room: its occupants, affiliations, subject and history, and the rules of
XEP-0045 for entering, leaving, talking and changing nicks. Plain Python:
the protocol edge parses stanzas into calls and renders what comes back.
"""

import base64
import hashlib
import os
from collections import deque
from dataclasses import dataclass

from mucservice import errors
from mucservice.memory import compacted
from mucservice.records import Affiliation
from mucservice.room import nicks, offline, roles
from mucservice.room.administration import Administration
from mucservice.room.audience import PresenceAudience
from mucservice.room.hats import WornHats
from mucservice.room.invitations import PendingInvitations
from mucservice.room.membership import Membership
from mucservice.room.occupant import Occupant


@dataclass
class JoinOutcome:
    """
    What a join did.

    @ivar rejoin: the session was already in the room under that nick.
    @ivar nickRewritten: the room gave the occupant its registered nick
        (status 210).
    @ivar newSession: another session of an occupant already present.
    """

    occupant: Occupant
    rejoin: bool = False
    nickRewritten: bool = False
    newSession: bool = False


class Room(Administration, Membership, WornHats, PresenceAudience):
    """
    @ivar jid: the room's bare JID.
    @ivar config: its L{RoomConfig<mucservice.room.config.RoomConfig>}.
    @ivar affiliations: bare JID to L{Affiliation}, an L{Affiliations
        <nicks.Affiliations>} that also finds who reserved a nick.
    @ivar occupants: nick to L{Occupant}, a L{NickIndex<nicks.NickIndex>}
        that also finds the occupant whose nick conflicts with another.
    @ivar sessions: real full JID to L{Occupant}.
    @ivar locked: made but not yet configured: only its owner may enter.
    @ivar serviceAdmins: bare JIDs that are owners of every room.
    @ivar history: the newest messages, L{HistoryEntry} records.
    @ivar salt: what makes occupant ids unguessable; kept with the room.
    @ivar offlineUsers: the bare JIDs that asked for the room's messages
        while absent (L{offline.registrants}); kept up to date by
        L{setAffiliationEntry}, through which every change of
        L{affiliations} must go.
    @ivar hats: the XEP-0317 hats worn in the room, bare JID to the user's
        hats (hat URI to attachment, as from L{IHatStore.getUserHats
        <mucservice.interfaces.IHatStore.getUserHats>}): a cache of the hat
        store kept by the room service and the protocol edge, read when
        presence is rendered.
    @ivar legacyHats: whether presence also shows hats in Prosody 0.12's
        namespace (C{--hats-legacy-namespace}).
    @ivar invitations: the L{PendingInvitations} of the room, which its
        invitees may decline.
    @ivar avatar: its L{RoomAvatar<mucservice.records.RoomAvatar>}, or
        L{None}.
    """

    def __init__(self, jid, config, affiliations=None, subject="", subjectNick="",
                 locked=False, serviceAdmins=frozenset(), salt=None):
        self.jid = jid
        self.config = config
        self.affiliations = nicks.Affiliations(affiliations or {})
        self.offlineUsers = offline.registrants(self.affiliations)
        self.subject = subject
        self.subjectNick = subjectNick
        self.locked = locked
        self.serviceAdmins = serviceAdmins
        self.salt = salt or base64.b64encode(os.urandom(12)).decode("ascii")
        self.occupants = nicks.NickIndex()
        self.sessions = {}
        self.history = deque(maxlen=config.historyLength)
        self.hats = {}
        self.legacyHats = False
        self.invitations = PendingInvitations()
        self.avatar = None

    def __repr__(self):
        return "<Room %s: %d occupants>" % (self.jid.full(), len(self.occupants))

    # Affiliations

    def affiliationOf(self, userJID):
        """
        @return: the affiliation of the bare JID of C{userJID}; service
            admins are owners of every room.
        """
        userJID = userJID.userhostJID()
        if userJID in self.serviceAdmins:
            return roles.OWNER
        entry = self.affiliations.get(userJID)
        return entry.affiliation if entry else roles.NONE

    def reservedNick(self, userJID):
        entry = self.affiliations.get(userJID.userhostJID())
        return entry.data.get("nick") if entry else None

    def nickOwner(self, nick):
        """
        @return: the bare JID that registered C{nick}, or a nick that
            conflicts with it, in this room, or L{None}.
        """
        return self.affiliations.reserver(nick)

    def setAffiliationEntry(self, userJID, affiliation, data=None):
        """
        Change the stored affiliation (and data, if given) of a bare JID.

        @return: the new L{Affiliation}, or L{None} if nothing is left.
        """
        userJID = userJID.userhostJID()
        old = self.affiliations.get(userJID)
        if data is None:
            data = dict(old.data) if old else {}
        self.offlineUsers.discard(userJID)
        if affiliation == roles.NONE and not data:
            self.affiliations.pop(userJID, None)
            return None
        entry = Affiliation(affiliation, data)
        self.affiliations[userJID] = entry
        if offline.wantsCopies(entry):
            self.offlineUsers.add(userJID)
        return entry

    def owners(self):
        return [j for j, e in self.affiliations.items() if e.affiliation == roles.OWNER]

    def usersWith(self, affiliation):
        return sorted((j for j, e in self.affiliations.items() if e.affiliation == affiliation),
                      key=lambda j: j.full())

    # Occupants

    def occupantOf(self, realJID):
        """
        @raise errors.NotAcceptable: C{realJID} is not in the room.
        """
        try:
            return self.sessions[realJID]
        except KeyError:
            raise errors.NotAcceptable("you are not in the room")

    def occupantsOfUser(self, userJID):
        """
        @return: the occupants of the bare C{userJID} (usually one).
        """
        return [o for o in self.occupants.values() if o.userJID == userJID]

    def targetNick(self, actorJID, nick=None, userJID=None):
        """
        The nick a change names, or that of the occupant whose address it
        gives (the moderator list of XEP-0045 section 9.8 names occupants
        by JID), for those who may see addresses.

        @param userJID: a real or bare JID, or L{None}.
        @raise errors.Forbidden: C{actorJID} may not name occupants by
            address.
        @raise errors.ItemNotFound: nobody in the room has that address.
        """
        if nick:
            return nick
        if not self.mayDiscoverJIDs(self.sessions.get(actorJID)):
            raise errors.Forbidden("you may not name occupants by address")
        for occupant in self.occupants.values():
            if userJID in occupant.sessions or userJID == occupant.userJID:
                return occupant.nick
        raise errors.ItemNotFound("nobody in the room has that address")

    def occupantID(self, userJID):
        """
        @return: the XEP-0421 occupant id of a user (bare JID) in this
            room, the same for as long as the room keeps its salt. Made
            each time it is asked for (a hash, about a microsecond): an
            occupant keeping its own would take 80 bytes more.
        """
        digest = hashlib.sha256((self.salt + userJID.userhost()).encode("utf-8")).digest()
        return base64.b64encode(digest[:18]).decode("ascii")

    def mayEnter(self, userJID):
        return not self.locked or self.affiliationOf(userJID) == roles.OWNER

    def join(self, realJID, nick, password=None, payload=""):
        """
        Admit a session under a nick (XEP-0045 section 7.2).

        @raise errors.ItemNotFound: the room is locked.
        @raise errors.Forbidden: the user is banned.
        @raise errors.RegistrationRequired: members only.
        @raise errors.NotAuthorized: wrong or missing password.
        @raise errors.Conflict: the nick is someone else's.
        @raise errors.ServiceUnavailable: the room is full.
        @raise errors.JIDMalformed: the nick is no valid nick.
        """
        userJID = realJID.userhostJID()
        current = self.sessions.get(realJID)
        if current is not None and current.nick == nick:
            current.setPayload(realJID, payload)
            return JoinOutcome(current, rejoin=True)
        nicks.checkNick(nick)
        affiliation = self.affiliationOf(userJID)
        if not self.mayEnter(userJID):
            raise errors.ItemNotFound("the room is locked until its owner configures it")
        if affiliation == roles.OUTCAST:
            raise errors.Forbidden("you are banned from this room")
        if self.config.membersOnly and affiliation == roles.NONE:
            raise errors.RegistrationRequired("this room admits members only")
        # Owners configured the password; XEP-0045 asks it of everybody else.
        if (self.config.passwordProtected and affiliation != roles.OWNER
                and password != self.config.password):
            raise errors.NotAuthorized("a password is required to enter this room")
        outcome = JoinOutcome(None)
        registered = self.reservedNick(userJID)
        if self.config.registeredNicksOnly and registered and registered != nick:
            nick, outcome.nickRewritten = registered, True
        self.checkNickFree(nick, userJID)
        occupant = self.occupants.get(nick)
        if occupant is None:
            if (self.config.maxUsers is not None and len(self.occupants) >= self.config.maxUsers
                    and affiliation not in (roles.OWNER, roles.ADMIN)):
                raise errors.ServiceUnavailable("the room is full")
            occupant = Occupant(nick, userJID,
                                roles.defaultRole(affiliation, self.config.moderated))
            self.occupants[nick] = occupant
            self.occupantAdded(occupant)
        else:
            outcome.newSession = True
        if current is not None:
            self._removeSession(realJID)
        occupant.setPayload(realJID, payload)
        self.sessions[realJID] = occupant
        outcome.occupant = occupant
        return outcome

    def checkNickFree(self, nick, userJID, occupant=None):
        """
        @raise errors.Conflict: another bare JID is in the room as C{nick}
            or registered it, or the same bare JID is in it under a nick
            that conflicts with C{nick} (L{nicks.nickKey}), unless it is
            C{occupant}, whose nick that is to be.
        """
        holder = self.occupants.holder(nick)
        if holder is not None and holder is not occupant and (
                holder.userJID != userJID or holder.nick != nick):
            raise errors.Conflict("that nick is in use")
        owner = self.nickOwner(nick)
        if owner is not None and owner != userJID:
            raise errors.Conflict("that nick is registered by someone else")

    def _removeSession(self, realJID):
        occupant = self.sessions.pop(realJID)
        occupant.removeSession(realJID)
        if not occupant.sessions:
            del self.occupants[occupant.nick]
            self.forgetOccupant(occupant)
        self._compact()
        return occupant

    def _compact(self):
        """
        Make the tables of sessions and occupants again once a crowd has
        left them (L{compacted}): a dictionary keeps the table it grew.
        """
        self.sessions = compacted(self.sessions)
        self.occupants = self.occupants.compacted()

    def leave(self, realJID):
        """
        Let a session go.

        @return: the occupant and whether it is gone (its last session left),
            or C{(None, False)} if the session was not in the room.
        """
        if realJID not in self.sessions:
            return None, False
        occupant = self._removeSession(realJID)
        return occupant, not occupant.sessions

    def removeOccupant(self, occupant):
        """
        Take an occupant out with all its sessions (kick, ban, removal).
        """
        for realJID in occupant.sessions:
            self.sessions.pop(realJID, None)
        self.occupants.pop(occupant.nick, None)
        self.forgetOccupant(occupant)
        self._compact()

    def changeNick(self, realJID, newNick):
        """
        Move an occupant (all its sessions) to another nick.

        @return: the old nick.
        @raise errors.Conflict: the nick is someone else's.
        @raise errors.NotAcceptable: the nick is not the registered one in a
            room that enforces registered nicks.
        @raise errors.JIDMalformed: the nick is no valid nick.
        """
        occupant = self.occupantOf(realJID)
        nicks.checkNick(newNick)
        registered = self.reservedNick(occupant.userJID)
        if self.config.registeredNicksOnly and registered and registered != newNick:
            raise errors.NotAcceptable("this room only allows your registered nick")
        self.checkNickFree(newNick, occupant.userJID, occupant)
        if newNick in self.occupants:
            raise errors.Conflict("that nick is in use")
        oldNick = occupant.nick
        del self.occupants[oldNick]
        occupant.nick = newNick
        self.occupants[newNick] = occupant
        return oldNick

    def updatePresence(self, realJID, payload):
        occupant = self.occupantOf(realJID)
        occupant.setPayload(realJID, payload)
        return occupant

    # Talking

    def checkGroupchat(self, realJID):
        """
        @return: the sending occupant.
        @raise errors.NotAcceptable: the sender is not in the room.
        @raise errors.Forbidden: a visitor (an occupant without voice).
        """
        occupant = self.occupantOf(realJID)
        if occupant.role == roles.VISITOR:
            if self.config.moderated:
                raise errors.Forbidden(
                    "this room is moderated: only occupants with voice may speak")
            raise errors.Forbidden("you have no voice in this room")
        return occupant

    def addHistory(self, entry):
        if self.config.historyLength:
            self.history.append(entry)

    def checkSubjectChange(self, realJID):
        occupant = self.checkGroupchat(realJID)
        if occupant.role != roles.MODERATOR and not self.config.changeSubject:
            raise errors.Forbidden("only moderators may change the subject")
        return occupant

    def checkPrivateMessage(self, realJID, nick):
        """
        @return: the sender and the recipient occupants.
        @raise errors.ItemNotFound: nobody has that nick.
        @raise errors.Forbidden: private messages are off for the sender.
        """
        sender = self.occupantOf(realJID)
        allowed = {"anyone": (roles.VISITOR, roles.PARTICIPANT, roles.MODERATOR),
                   "participants": (roles.PARTICIPANT, roles.MODERATOR),
                   "moderators": (roles.MODERATOR,), "none": ()}[self.config.allowPM]
        if sender.role not in allowed:
            raise errors.Forbidden("private messages are not allowed in this room")
        try:
            recipient = self.occupants[nick]
        except KeyError:
            raise errors.ItemNotFound("nobody in the room has that nick")
        return sender, recipient

    # What others may see

    def mayDiscoverJIDs(self, occupant):
        """
        Whether C{occupant} may see others' real JIDs: everyone in
        non-anonymous rooms, moderators in semi-anonymous ones.
        """
        return (self.config.whois == "anyone"
                or (occupant is not None and occupant.role == roles.MODERATOR))

    def broadcastsPresenceOf(self, occupant):
        return occupant.role in self.config.presenceBroadcast

    def seesJIDsDifferently(self, occupant, previousRole):
        """
        Whether a role change changed what C{occupant} may see of others'
        real JIDs (moderation in a semi-anonymous room).
        """
        if self.config.whois == "anyone" or previousRole is None:
            return False
        return (previousRole == roles.MODERATOR) != (occupant.role == roles.MODERATOR)

    def listedOccupants(self, requester):
        """
        The occupants disco#items of the room lists to C{requester}: to an
        occupant of a non-anonymous room, those whose presence the room
        broadcasts (section 6.5 lets a room list them when that is public
        information); to anybody else, none, so that neither a
        semi-anonymous room nor a stranger learns more through disco than
        through the room's presence.
        """
        if self.config.whois != "anyone" or requester not in self.sessions:
            return []
        return [o for o in self.occupants.values() if self.broadcastsPresenceOf(o)]

    @property
    def empty(self):
        return not self.occupants

