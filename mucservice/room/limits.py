"""
The limits of the service: how often one user may do what, and how much
one request, room or user may hold. On by default; each is an option of
C{twistd mucservice} (see the README's section "Limits").

The room service consults L{Limits} at its entry points, one call each,
before it changes anything. A rate that is exhausted raises
L{errors.ResourceConstraint} (C{resource-constraint}, type C{wait}) with
when to try again; a size or a count over its limit raises
L{errors.PolicyViolation} (C{policy-violation}, type C{modify}) naming the
limit; either is counted and logged as a hit of the limit, by the name of
its option (L{LimitHits}). Plain Python on a clock; nothing here knows XML.
What a rate remembers of a user lasts one period of the rate after its
last use: a sweep on the reactor's clock (L{Limits.startSweeping}) forgets
it even when nobody takes from a bucket again, so that sessions gone and
addresses named once cost nothing.
"""

from dataclasses import dataclass

from twisted.internet import task

from mucservice import errors
from mucservice.room import audience, roles
from mucservice.room.buckets import Buckets, Rate
from mucservice.room.limithits import LimitHits


@dataclass(frozen=True)
class LimitSettings:
    """
    Every limit, with its default.

    @ivar messageRate: messages per occupant (groupchat, subject changes,
        private messages, invitations, voice requests), per room.
    @ivar presenceRate: presence changes (new status, nick changes) per
        occupant, per room.
    @ivar joinRate: joins per real (full) JID, in all rooms.
    @ivar passwordRate: wrong passwords per user (bare JID) per room;
        once they are used up, the user may not try again, even with the
        right password, until the bucket fills.
    @ivar roomCreationRate: rooms created per user (bare JID).
    @ivar maxRoomsPerUser: rooms a user may hold at once: those it created
        that still exist, and the persistent rooms it owned when the
        service started.
    @ivar maxBodyLength: characters in the body of a groupchat message.
    @ivar maxSubjectLength: characters in a subject.
    @ivar maxRoomNameLength: characters in a room's name.
    @ivar maxRoomDescriptionLength: characters in a room's description.
    @ivar maxHistoryMessages: messages of discussion history kept per room
        (a room may ask for fewer).
    @ivar maxHistoryBytes: bytes (UTF-8) of the messages kept as history
        per room; the oldest are dropped when over either limit.
    @ivar maxAffiliations: affiliations a room holds (owners, admins,
        members, outcasts), however they are made: changes, registrations,
        the lists of the configuration form and invitations to a
        members-only room.
    @ivar maxAdminItems: items in one C{muc#admin} request.
    @ivar maxNickSessions: sessions (resources) of one user on one nick.
    @ivar maxWatched: occupants one occupant of a room over its presence
        cap may follow by probes (L{PresenceAudience.watch
        <mucservice.room.audience.PresenceAudience.watch>}).
    @ivar maxWatchesPerRoom: such follows a room keeps, for all its
        occupants together.
    """

    messageRate: Rate = Rate(20, 10)
    presenceRate: Rate = Rate(10, 10)
    joinRate: Rate = Rate(60, 60)
    passwordRate: Rate = Rate(5, 60)
    roomCreationRate: Rate = Rate(10, 3600)
    maxRoomsPerUser: int = 100
    maxBodyLength: int = 10000
    maxSubjectLength: int = 1000
    maxRoomNameLength: int = 200
    maxRoomDescriptionLength: int = 1000
    maxHistoryMessages: int = 200
    maxHistoryBytes: int = 256 * 1024
    maxAffiliations: int = 2000
    maxAdminItems: int = 100
    maxNickSessions: int = 10
    maxWatched: int = audience.MAX_WATCHED
    maxWatchesPerRoom: int = audience.MAX_WATCHES_PER_ROOM


#: Seconds between two sweeps of the buckets that are full again
#: (L{Limits.expire}), so that those of sessions that left go even when
#: nobody takes from their buckets any more.
SWEEP_INTERVAL = 10


def utf8Length(text):
    """
    @return: the length of C{text} in UTF-8, without encoding ASCII.
    """
    return len(text) if text.isascii() else len(text.encode("utf-8"))


class Limits:
    """
    The limits in force, with the buckets of who used how much.

    @ivar settings: the L{LimitSettings}.
    @ivar exempt: bare JIDs the room creation limits do not apply to (the
        service administrators).
    @ivar hits: the L{LimitHits}.
    """

    def __init__(self, settings, clock, exempt=frozenset()):
        """
        @param clock: returns the time in seconds (the reactor's
            C{seconds}).
        """
        self.settings = settings
        self.exempt = exempt
        self.messages = Buckets(settings.messageRate, clock, "messages")
        self.presences = Buckets(settings.presenceRate, clock, "presence changes")
        self.joins = Buckets(settings.joinRate, clock, "joins")
        self.passwords = Buckets(settings.passwordRate, clock, "wrong passwords")
        self.creations = Buckets(settings.roomCreationRate, clock, "rooms created")
        self.hits = LimitHits(clock)
        self._options = {self.messages: "message-rate", self.presences: "presence-rate",
                         self.joins: "join-rate", self.passwords: "password-rate",
                         self.creations: "room-creation-rate"}
        self._sweep = None
        # Bare JID to the rooms it holds, and room JID to who holds it.
        self._roomsOf = {}
        self._holders = {}

    def expire(self):
        """
        Forget the buckets that are full again: those not used for a
        whole period of their rate (see L{Buckets.expire}).
        """
        now = self.hits.clock()
        for buckets in self._options:
            buckets.expire(now)

    def startSweeping(self, reactor):
        """
        L{expire} every L{SWEEP_INTERVAL} seconds of C{reactor}'s clock.
        """
        self._sweep = task.LoopingCall(self.expire)
        self._sweep.clock = reactor
        self._sweep.start(SWEEP_INTERVAL, now=False)

    def stopSweeping(self):
        """
        Stop what L{startSweeping} started.
        """
        if self._sweep is not None and self._sweep.running:
            self._sweep.stop()

    def _spend(self, buckets, key, who, room=None, check=False):
        """
        Take a token of C{key}'s bucket (only look, if C{check}); a refusal
        is a hit of the rate's limit.
        """
        try:
            (buckets.check if check else buckets.take)(key)
        except errors.ResourceConstraint:
            self.hits.hit(self._options[buckets], who, room)
            raise

    def _refuse(self, option, text, who=None, room=None):
        """
        @return: the L{errors.PolicyViolation} of C{text}, counted and
            logged as a hit of the limit of C{option}.
        """
        self.hits.hit(option, who, room)
        return errors.PolicyViolation(text)

    def _checkLength(self, text, limit, what, option, who=None, room=None):
        """
        @raise errors.PolicyViolation: C{text} has more than C{limit}
            characters.
        """
        if text is not None and len(text) > limit:
            raise self._refuse(option, "%s may have at most %d characters" % (what, limit),
                               who, room)

    # Occupancy

    def entering(self, room, realJID, nick):
        """
        A session asks to enter C{room} (L{None}: a room to be made) as
        C{nick}: a join, counted for its real JID.

        @raise errors.ResourceConstraint: too many joins from C{realJID},
            or the user's wrong passwords for the room are used up.
        @raise errors.PolicyViolation: the user has the most sessions a
            nick may have on it already.
        """
        self._spend(self.joins, realJID, realJID)
        if room is None:
            return
        userJID = realJID.userhostJID()
        if room.config.passwordProtected:
            self._spend(self.passwords, (room.jid, userJID), realJID, room.jid, check=True)
        registered = room.reservedNick(userJID) if room.config.registeredNicksOnly else None
        occupant = room.occupants.get(registered or nick)
        limit = self.settings.maxNickSessions
        if (occupant is not None and occupant.userJID == userJID
                and realJID not in occupant.sessions and len(occupant.sessions) >= limit):
            raise self._refuse("max-nick-sessions", "at most %d sessions may share a nick; "
                               "leave with another one first" % (limit,), realJID, room.jid)

    def refused(self, room, realJID, error):
        """
        The room refused a session's join with C{error}: a wrong password
        costs the user one of its tries.
        """
        if isinstance(error, errors.NotAuthorized):
            self._spend(self.passwords, (room.jid, realJID.userhostJID()), realJID, room.jid)

    def watch(self, room, viewer, occupant):
        """
        C{viewer} probed C{occupant}: in a room over its presence cap it may
        have to follow it (L{PresenceAudience.watch
        <mucservice.room.audience.PresenceAudience.watch>}), within
        C{maxWatched} and C{maxWatchesPerRoom}.

        @raise errors.ResourceConstraint: past either (a hit of its option).
        """
        settings = self.settings
        try:
            room.watch(viewer, occupant, settings.maxWatched, settings.maxWatchesPerRoom)
        except errors.ResourceConstraint:
            option = ("max-watches-per-room" if room.watches >= settings.maxWatchesPerRoom
                      else "max-watched")
            self.hits.hit(option, viewer.userJID, room.jid)
            raise

    def presenceChange(self, room, occupant):
        """
        @raise errors.ResourceConstraint: C{occupant} changed its presence
            too often.
        """
        self._spend(self.presences, (room.jid, occupant.userJID), occupant.userJID, room.jid)

    # Conversation

    def message(self, room, realJID):
        """
        A message from C{realJID} to C{room} or one of its occupants,
        counted for its occupant (others are refused by the room anyway).

        @raise errors.ResourceConstraint: the occupant sent too many.
        """
        occupant = room.sessions.get(realJID)
        if occupant is not None:
            self._spend(self.messages, (room.jid, occupant.userJID), realJID, room.jid)

    def groupchat(self, room, realJID, message):
        """
        A groupchat message or subject change (a L{GroupchatMessage
        <mucservice.room.conversation.GroupchatMessage>}).

        @raise errors.PolicyViolation: its body or subject is too long.
        @raise errors.ResourceConstraint: the occupant sent too many.
        """
        if message.bodyLength > self.settings.maxBodyLength:
            raise self._refuse("max-body-length", "a message body may have at most %d "
                               "characters" % (self.settings.maxBodyLength,), realJID, room.jid)
        self._checkLength(message.subject, self.settings.maxSubjectLength, "the subject",
                          "max-subject-length", realJID, room.jid)
        self.message(room, realJID)

    def archiveQuery(self, room, realJID):
        """
        A query of the room's archive, counted as a message of its user,
        whether in the room or not: a query may read many messages.

        @raise errors.ResourceConstraint: the user sent too many.
        """
        self.messages.take((room.jid, realJID.userhostJID()))

    def invitation(self, room, realJID, inviteeJID):
        """
        An invitation: a message, and in a members-only room maybe a new
        member.

        @raise errors.ResourceConstraint: the occupant sent too many
            messages.
        @raise errors.PolicyViolation: the room holds the most affiliations
            it may.
        """
        self.message(room, realJID)
        if room.config.membersOnly:
            self.affiliations(room, [inviteeJID])

    def boundHistory(self, room):
        """
        Drop the oldest messages of the room's history while it keeps more
        than L{LimitSettings.maxHistoryMessages} or more than
        L{LimitSettings.maxHistoryBytes}.
        """
        history = room.history
        while len(history) > self.settings.maxHistoryMessages:
            history.popleft()
        size = sum(utf8Length(entry.payload) for entry in history)
        while history and size > self.settings.maxHistoryBytes:
            size -= utf8Length(history.popleft().payload)

    # Governance

    def adminItems(self, items):
        """
        @raise errors.PolicyViolation: a C{muc#admin} request has too many
            items.
        """
        if len(items) > self.settings.maxAdminItems:
            raise self._refuse("max-admin-items", "at most %d items may be changed in one "
                               "request" % (self.settings.maxAdminItems,))

    def affiliations(self, room, userJIDs):
        """
        @param userJIDs: users about to get an affiliation with C{room}.
        @raise errors.PolicyViolation: the room would hold more
            affiliations than it may.
        """
        new = {userJID.userhostJID() for userJID in userJIDs} - room.affiliations.keys()
        limit = self.settings.maxAffiliations
        if new and len(room.affiliations) + len(new) > limit:
            raise self._refuse("max-affiliations", "a room may hold at most %d affiliations; "
                               "remove some first" % (limit,), room=room.jid)

    def affiliationChanges(self, room, changes):
        """
        A C{muc#admin} request of L{AffiliationChange
        <mucservice.room.administration.AffiliationChange>}s.

        @raise errors.PolicyViolation: it has too many items, or the room
            would hold too many affiliations.
        """
        self.adminItems(changes)
        self.affiliations(room, [change.userJID for change in changes
                                 if change.affiliation != roles.NONE])

    def configuration(self, room, config, admins=None, owners=None):
        """
        A submitted configuration, with the admin and owner lists of the
        form if given.

        @raise errors.PolicyViolation: the name or description is too long,
            or the room would hold too many affiliations.
        """
        self._checkLength(config.name, self.settings.maxRoomNameLength, "the room name",
                          "max-room-name-length", room=room.jid)
        self._checkLength(config.description, self.settings.maxRoomDescriptionLength,
                          "the room description", "max-room-description-length", room=room.jid)
        self.affiliations(room, list(admins or ()) + list(owners or ()))

    # Rooms per user

    def roomLoaded(self, room):
        """
        A stored room is loaded, with its history: it counts for its
        owners, and keeps no more history than it may.
        """
        self.boundHistory(room)
        self.roomHeld(room.jid, room.owners())

    def creating(self, userJID):
        """
        @raise errors.PolicyViolation: the user holds the most rooms a user
            may.
        @raise errors.ResourceConstraint: the user created too many rooms
            lately.
        """
        userJID = userJID.userhostJID()
        if userJID in self.exempt:
            return
        limit = self.settings.maxRoomsPerUser
        if len(self._roomsOf.get(userJID, ())) >= limit:
            raise self._refuse("max-rooms-per-user", "a user may hold at most %d rooms here; "
                               "destroy one first" % (limit,), userJID)
        self._spend(self.creations, userJID, userJID)

    def roomHeld(self, roomJID, userJIDs):
        """
        Count C{roomJID} among the rooms of C{userJIDs}: its creator, or
        the owners of a stored room.
        """
        holders = {j.userhostJID() for j in userJIDs} - self.exempt
        if holders:
            self._holders[roomJID] = holders
        for userJID in holders:
            self._roomsOf.setdefault(userJID, set()).add(roomJID)

    def roomGone(self, roomJID):
        """
        C{roomJID} no longer counts for anybody.
        """
        for userJID in self._holders.pop(roomJID, ()):
            rooms = self._roomsOf[userJID]
            rooms.discard(roomJID)
            if not rooms:
                del self._roomsOf[userJID]
