"""
Who hears of an occupant's presence in a large room.

In a room of N occupants every join, presence change and leave takes N
stanzas, and every newcomer gets the presence of all N: filling the room
takes N² stanzas, and a room of 10,000 spends its time telling everybody
who came and went. Above its presence cap (L{RoomConfig.maxUsersPresence
<mucservice.room.config.RoomConfig.maxUsersPresence>}, a room option whose
service default is C{--max-users-presence}), a room no longer broadcasts
the presence of its ordinary occupants (participants and visitors) to
everybody, an idea of ejabberd's C{max_users_presence}:

 - moderators still see everything: every join, change and leave, and the
   whole occupant list when they enter or become moderators;
 - the joins, changes and leaves of moderators go to everyone;
 - an occupant's own sessions, and its user's other occupants (other nicks
   of the same bare JID), always hear of it;
 - a participant or visitor that enters a room over its cap gets the
   presence of the moderators and of its user's other occupants, then its
   own (110), the history and the subject, as XEP-0045 wants them; not the
   other participants and visitors, which it learns of by their messages
   (which carry their nick) or by a probe.

An occupant whose presence may be in the list of participants and
visitors is I{announced}: its changes and its leave go on reaching them,
so that no client keeps in its list an occupant that has gone. Those that
never were go to the moderators and their own user alone, the cheap case a
large room is made of. Announced comes in two degrees (C{Occupant.capFlags},
L{TOLD_FULL_VIEWS} and L{TOLD_EVERYONE}), because occupants come in two
kinds:

 - one that entered under the cap, or a moderator (now or once), has the
   I{full view}: it got every occupant there was, and heard of every join
   while the room was under its cap;
 - a participant or visitor that entered over the cap has a I{partial view}
   (L{PARTIAL_VIEW}): the moderators, its user's occupants, those it
   probed, and those whose presence reached every occupant since.

An occupant that came in the list of a newcomer under the cap, or whose
presence reached every occupant while none had a partial view (it joined
under the cap), is known to the full views only: its changes and leave go
to the occupants with the full view (and the moderators, its user's
occupants and its watchers), not to the thousands that came over the cap
and never heard of it. Only one whose presence reached every occupant while
some had a partial view (a moderator's, a role change, any presence while
the room was back under its cap) goes on reaching everyone. In a room of
10,000 filled past a cap of 1,000, the leave of one of the first thousand
is some 1,000 stanzas, not 10,000.

No occupant is to keep a ghost, an occupant in its list whose leave it
will not hear of. So whoever gets the presence of one never announced
also hears of its changes and leave, or is told that it left its view:

 - a participant or visitor that probes it becomes its I{watcher}
   (L{PresenceAudience.watch}), which hears of it from then on; the probed
   occupant is not announced, or a participant probing every occupant
   would turn the room back into a full broadcast. Watchers are kept in a
   L{Watch} made only when such a probe happens and dropped when either
   occupant leaves, within bounds (C{--max-watched} per occupant and
   C{--max-watches-per-room} per room, by default L{MAX_WATCHED} and
   L{MAX_WATCHES_PER_ROOM}) past which such a probe is refused;
 - a moderator made participant or visitor is told, after its new role,
   that those it no longer hears of are unavailable
   (L{PresenceAudience.unfollowed}), which leaves it with the full view of
   a participant that entered under the cap; made moderator again, it gets
   everyone anew (L{PresenceAudience.showsEveryoneAnew});
 - a change of the roles the room broadcasts (C{presencebroadcast}) shows
   or hides an occupant to those L{PresenceAudience.presenceAudience}
   gives, not to every occupant.

Over its cap, a room finds who is always told of an occupant (the
moderators, its user's occupants, and the full views for one known to
them) in an L{AudienceIndex} it keeps up to date as occupants come, go,
change role and get the full view, not by a pass over every occupant on
each join, change and leave; it forgets the index once it holds no more
than half its cap.

The room decides here who is told; the outcomes of
L{mucservice.room.outcomes} carry the list, and the protocol edge renders
for those listed.
"""

from mucservice import errors
from mucservice.memory import compacted, entryOf, several
from mucservice.room.roles import MODERATOR, NO_ROLE

#: A flag of C{Occupant.capFlags}: every occupant with the full view may
#: have it in its list (its presence reached every occupant while none had
#: a partial view, or it came in the list of a newcomer under the cap).
TOLD_FULL_VIEWS = 1

#: A flag of C{Occupant.capFlags}: any occupant may have it in its list (its
#: presence reached every occupant while some had a partial view).
TOLD_EVERYONE = 2

#: A flag of C{Occupant.capFlags}: it entered over the cap as a participant
#: or visitor, and has the partial view.
PARTIAL_VIEW = 4

#: The default of C{--max-watched}: the most occupants one occupant may
#: watch (L{PresenceAudience.watch}). A watch costs some 300 bytes until
#: either leaves, and a client that follows more than this many of a large
#: room's participants one by one had better be a moderator.
MAX_WATCHED = 100

#: The default of C{--max-watches-per-room}: the most watches a room keeps,
#: for all its occupants together (some 3 MB). Past it, or past
#: C{--max-watched}, a probe that would make one is refused, so that the
#: participants of a room of 10,000 cannot make it keep one for each pair
#: of them.
MAX_WATCHES_PER_ROOM = 10000


class PresenceAudience:
    """
    The presence cap of a room. Mixed into L{Room<mucservice.room.room.Room>};
    expects of it C{config}, C{occupants} and C{broadcastsPresenceOf}.

    @ivar partialViewers: how many of its occupants have the partial view.
    @ivar watches: how many watches (a viewer and an occupant it watches)
        the room keeps.
    """

    partialViewers = 0
    watches = 0
    _index = None

    def overPresenceCap(self):
        """
        @return: whether the room holds more occupants than its presence
            cap, so that the presence of its participants and visitors is
            no longer broadcast.
        """
        cap = self.config.maxUsersPresence
        return cap is not None and len(self.occupants) > cap

    def reachesEveryone(self, occupant):
        """
        @return: whether a join, change or leave of C{occupant} is told to
            every occupant: any occupant may have it in its list
            (L{TOLD_EVERYONE}), it is a moderator, or the room is not over
            its cap.
        """
        return (occupant.capFlags & TOLD_EVERYONE or occupant.role == MODERATOR
                or not self.overPresenceCap())

    def announced(self, occupant):
        """
        @return: whether participants or visitors may have C{occupant} in
            their list: it is announced (to the full views or to
            everyone), a moderator, or the room is not over its cap. The
            flags come first: this is asked for each occupant a newcomer
            gets.
        """
        return (occupant.capFlags & (TOLD_FULL_VIEWS | TOLD_EVERYONE)
                or occupant.role == MODERATOR or not self.overPresenceCap())

    def toldEveryone(self, occupant):
        """
        The presence of C{occupant} is going to every occupant: those with
        the partial view, if there are any, have it from now on.
        """
        occupant.capFlags |= TOLD_EVERYONE if self.partialViewers else TOLD_FULL_VIEWS

    def capConfigured(self, previousCap):
        """
        The room's configuration changed. If it had no presence cap and has
        one now, every occupant had every other's presence, and is known to
        the full views.

        @param previousCap: the cap before the change.
        """
        if previousCap is None and self.config.maxUsersPresence is not None:
            for occupant in self.occupants.values():
                occupant.capFlags |= TOLD_FULL_VIEWS
        self._dropIndexUnderCap()

    def occupantAdded(self, occupant):
        """
        C{occupant} is new in the room (in C{occupants} from now on).
        """
        if self._index is not None:
            self._index.add(occupant)

    def changeRole(self, occupant, role):
        """
        Give C{occupant}, which stays in the room, the role C{role}.
        """
        occupant.role = role
        if self._index is not None:
            self._index.roleChanged(occupant)

    def grantFullView(self, occupant):
        """
        C{occupant} gets, or got, every occupant's presence: it entered
        under the cap or as a moderator, or a role change made it one.
        """
        if occupant.capFlags & PARTIAL_VIEW:
            self._setPartialView(occupant, False)

    def _setPartialView(self, occupant, partial):
        """
        Give C{occupant} the partial view, or the full one: its flag, the
        room's count of partial views and the index change together.
        """
        if partial:
            occupant.capFlags |= PARTIAL_VIEW
            self.partialViewers += 1
        else:
            occupant.capFlags &= ~PARTIAL_VIEW
            self.partialViewers -= 1
        if self._index is not None:
            self._index.viewChanged(occupant)

    def forgetOccupant(self, occupant):
        """
        C{occupant} left the room: it is no partial view, and neither
        watches nor is watched, any more.
        """
        self.grantFullView(occupant)
        self.forgetWatches(occupant)
        if self._index is not None:
            self._index.remove(occupant)
            self._dropIndexUnderCap()

    def _dropIndexUnderCap(self):
        """
        Forget the L{AudienceIndex} once the room holds at most half its
        cap, or has none: far enough under it that a room around its cap
        does not build it again on every other join.
        """
        cap = self.config.maxUsersPresence
        if self._index is not None and (cap is None or len(self.occupants) * 2 <= cap):
            self._index = None

    def presenceAudience(self, occupant):
        """
        Who hears of a join, presence change, nick change or leave of
        C{occupant} (besides its own sessions, which always do).

        @return: L{None} for every occupant (the occupant is announced from
            then on), or the L{list} of occupants told: the moderators, the
            user's other occupants and those that probed it (L{watch}), and
            every occupant with the full view if it is known to them
            (L{TOLD_FULL_VIEWS}).
        """
        if self.reachesEveryone(occupant):
            self.toldEveryone(occupant)
            return None
        return _withWatchers(occupant, self._alwaysTold(
            occupant, fullViews=occupant.capFlags & TOLD_FULL_VIEWS))

    def entering(self, newcomer, new=True):
        """
        Whose presence a newcomer gets on entering, before its own, and who
        hears of its entry.

        @param new: whether the newcomer is a new occupant, and not a new
            session or a rejoin of one already in the room (which keeps
            its view).
        @return: C{(shown, audience)}: C{shown} is L{None} for every
            occupant whose presence the room broadcasts (to a moderator, or
            to anybody under the cap: those are known to the full views from
            then on), else the L{list} of the moderators and the newcomer's
            user's other occupants; C{audience} is as L{presenceAudience}
            gives it.
        """
        if newcomer.role == MODERATOR:
            self.grantFullView(newcomer)
            return None, self.presenceAudience(newcomer)
        if self.overPresenceCap():
            if new:
                self._setPartialView(newcomer, True)
            told = self._alwaysTold(newcomer)
            if newcomer.capFlags & (TOLD_FULL_VIEWS | TOLD_EVERYONE):
                return told, self.presenceAudience(newcomer)
            return told, _withWatchers(newcomer, told)
        if self.config.maxUsersPresence is not None:
            self.grantFullView(newcomer)
            for occupant in self.occupants.values():
                occupant.capFlags |= TOLD_FULL_VIEWS
            self.toldEveryone(newcomer)
        return None, None

    def showsEveryoneAnew(self, occupant, previousRole):
        """
        Whether an occupant that a role change made a moderator gets the
        whole occupant list, which it did not get as a participant or
        visitor in a room over its cap.
        """
        return (occupant.role == MODERATOR and previousRole not in (None, MODERATOR)
                and self.overPresenceCap())

    def unfollowed(self, occupant, previousRole):
        """
        The occupants whose presence an occupant stops hearing of when a
        role change makes it no moderator in a room over its cap: those
        whose presence the room broadcasts but that are not announced, not
        moderators and not its user's own. It had them in its list as a
        moderator; as a participant or visitor it would hear neither of
        their changes nor of their leave, and keep them as ghosts. Told
        that they are unavailable, it is left with the full view (it keeps
        the announced occupants, whose changes and leave it goes on hearing
        of), as a participant that entered under the cap.

        The protocol edge tells it with an unavailable presence of each,
        without any status code: each code XEP-0045 gives an unavailable
        presence says why an occupant left (301 banned, 303 new nick, 307
        kicked, 321 and 322 removed by an affiliation change, 332 shutdown,
        333 gone), and none of these happened; the occupant is still in
        the room, which its role in the presence shows (not C{none}).
        That is also how an occupant leaves the view when its role's
        presence is no longer broadcast.

        @param previousRole: the occupant's role before the change.
        @return: a L{list} of occupants, empty unless the change made a
            moderator a participant or visitor over the cap.
        """
        if (previousRole != MODERATOR or occupant.role in (MODERATOR, NO_ROLE)
                or not self.overPresenceCap()):
            return []
        watching = occupant.watch.watching if occupant.watch is not None else ()
        return [o for o in self.occupants.values()
                if self.broadcastsPresenceOf(o) and not self.announced(o)
                and o not in watching and not _sameUser(o, occupant)]

    def watch(self, viewer, occupant, maxWatched=MAX_WATCHED,
              maxWatchesPerRoom=MAX_WATCHES_PER_ROOM):
        """
        C{viewer} got the presence of C{occupant} by a probe. If it would
        not hear of its changes and leave (the room is over its cap, the
        occupant is not announced to the viewer's kind of view, and the
        viewer is neither a moderator nor of the same user), it becomes one
        of the occupant's watchers, which do from then on, so that it keeps
        no ghost.

        A probe does not make the occupant announced: a participant
        probing every occupant of a room of 10,000 would turn it back into
        a full broadcast for everybody. Its watchers are a set of its own,
        made only when somebody probes it, and forgotten when either leaves
        (L{forgetWatches}).

        @param maxWatched: the most occupants one viewer may watch.
        @param maxWatchesPerRoom: the most watches the room keeps.
        @raise errors.ResourceConstraint: the viewer watches C{maxWatched}
            occupants already, or the room keeps C{maxWatchesPerRoom}
            watches: the probe is refused rather than answered with a
            presence whose leave the viewer would not hear of.
        """
        if (viewer is occupant or viewer.role == MODERATOR or self.reachesEveryone(occupant)
                or _sameUser(viewer, occupant)
                or (occupant.capFlags & TOLD_FULL_VIEWS and not viewer.capFlags & PARTIAL_VIEW)):
            return
        watching = viewer.watch.watching if viewer.watch is not None else ()
        if occupant in watching:
            return
        if len(watching) >= maxWatched or self.watches >= maxWatchesPerRoom:
            raise errors.ResourceConstraint(
                "this room is over its presence cap, and you follow as many of its "
                "occupants as it allows: ask a moderator, or wait for some to leave")
        self.watches += 1
        theirs, mine = _watchOf(occupant), _watchOf(viewer)
        theirs.watchers = theirs.watchers or set()
        theirs.watchers.add(viewer)
        mine.watching = mine.watching or set()
        mine.watching.add(occupant)

    def forgetWatches(self, occupant):
        """
        C{occupant} left the room: it watches nobody, and nobody watches it
        (L{watch}), any more.
        """
        watch = occupant.watch
        if watch is None:
            return
        occupant.watch = None
        self.watches -= len(watch.watchers) + len(watch.watching)
        for other in watch.watchers:
            _untie(other, other.watch.watching, occupant)
        for other in watch.watching:
            _untie(other, other.watch.watchers, occupant)

    def _alwaysTold(self, occupant, fullViews=False):
        """
        @param fullViews: whether every occupant with the full view is told
            too.
        @return: the moderators and the occupants of C{occupant}'s user (and
            the full views).
        """
        # Asked on every join, change and leave of an occupant over the
        # cap: from the index, not a pass over every occupant (which took
        # 43 % of the CPU time of filling a room of 10,000 and 57 % of
        # emptying it, and most of each leave of one of its first thousand).
        index = self._index
        if index is None:
            index = self._index = AudienceIndex(self.occupants.values())
        return index.alwaysTold(occupant, fullViews)


class AudienceIndex:
    """
    The moderators of a room over its presence cap, its full views and its
    occupants by user, kept up to date by the room while it is over (or not
    far under) its cap (L{PresenceAudience._dropIndexUnderCap}).

    @ivar moderators: the occupants that are moderators, in a L{dict} used
        as an ordered set.
    @ivar fullViews: the occupants without the partial view (L{PARTIAL_VIEW}),
        likewise: about as many as the cap.
    @ivar byUser: the bare JID of each user with an occupant to its
        occupant, or to the tuple of its occupants if it has several (other
        nicks of the same user, rare; L{entryOf}).
    """

    __slots__ = ("moderators", "fullViews", "byUser")

    def __init__(self, occupants=()):
        self.moderators = {}
        self.fullViews = {}
        self.byUser = {}
        for occupant in occupants:
            self.add(occupant)

    def add(self, occupant):
        self.roleChanged(occupant)
        self.viewChanged(occupant)
        others = self.byUser.get(occupant.userJID)
        self.byUser[occupant.userJID] = (
            occupant if others is None else entryOf(several(others) + (occupant,)))

    def roleChanged(self, occupant):
        """
        C{occupant}'s role changed: it is a moderator, or no longer one.
        """
        if occupant.role == MODERATOR:
            self.moderators[occupant] = None
        else:
            self.moderators.pop(occupant, None)

    def viewChanged(self, occupant):
        """
        C{occupant} got the partial view (L{PARTIAL_VIEW}), or the full one.
        """
        if occupant.capFlags & PARTIAL_VIEW:
            self.fullViews.pop(occupant, None)
        else:
            self.fullViews[occupant] = None

    def remove(self, occupant):
        """
        Forget C{occupant}; once a crowd has left, the table of users is
        made again for those that stay (L{compacted}).
        """
        self.moderators.pop(occupant, None)
        self.fullViews.pop(occupant, None)
        user = occupant.userJID
        rest = tuple(o for o in several(self.byUser.get(user, ())) if o is not occupant)
        if rest:
            self.byUser[user] = entryOf(rest)
        elif self.byUser.pop(user, None) is not None:
            self.byUser = compacted(self.byUser)

    def alwaysTold(self, occupant, fullViews=False):
        """
        @param fullViews: whether the full views are told too.
        @return: the moderators (and the full views), then the occupants
            of C{occupant}'s user that are not among them.
        """
        if fullViews:
            told = dict(self.fullViews)
            told.update(self.moderators)
        else:
            told = self.moderators
        return list(told) + [o for o in several(self.byUser.get(occupant.userJID, ()))
                             if o not in told]


class Watch:
    """
    What probes tied an occupant to in a room over its presence cap
    (L{PresenceAudience.watch}): C{occupant.watch}, or L{None} while there
    is nothing, as for nearly every occupant.

    @ivar watchers: the occupants that probed it, and hear of it.
    @ivar watching: the occupants it probed, and hears of.

    Each is a L{set} once it holds anybody, and the empty tuple until then
    (a set costs 216 bytes: most occupants that are one are not the other).
    """

    __slots__ = ("watchers", "watching")

    def __init__(self):
        self.watchers = self.watching = ()


def _sameUser(one, other):
    """
    @return: whether two occupants are of the same bare JID (compared as
        text, as L{PresenceAudience._alwaysTold} does).
    """
    return (one.userJID.user == other.userJID.user
            and one.userJID.host == other.userJID.host)


def _watchOf(occupant):
    if occupant.watch is None:
        occupant.watch = Watch()
    return occupant.watch


def _untie(other, ties, occupant):
    """
    Take C{occupant}, which left, out of C{ties}, the watchers or watching
    of C{other}'s L{Watch}, which is dropped once empty.
    """
    ties.discard(occupant)
    if not (other.watch.watchers or other.watch.watching):
        other.watch = None


def _withWatchers(occupant, told):
    """
    @param told: the occupants always told of C{occupant}.
    @return: C{told}, with the occupant's watchers (L{PresenceAudience.watch})
        that are not among them.
    """
    if occupant.watch is None or not occupant.watch.watchers:
        return told
    already = set(told)
    return told + [w for w in occupant.watch.watchers if w not in already]
