"""
Governance: roles and affiliations and their lists, configuration,
destruction, registration (XEP-0045 sections 7.10, 8, 9 and 10) and the
hats of XEP-0317. Mixed into the L{RoomService
<mucservice.room.service.RoomService>}, which records what each change did:
the join tracker, the room store and the hat store.

Every change that is acknowledged (affiliations, configuration,
destruction, registration) goes through L{StoredChanges
<mucservice.room.persistence.StoredChanges>}: checked, stored, and only
then applied and told; the methods making them return Deferreds.
"""

from twisted.internet import defer

from mucservice import errors
from mucservice.room import roles, status
from mucservice.room.outcomes import Changed, Destroyed


class Governance:
    """
    Who may do what in a room. Expects of the class it is mixed into:
    C{visibleRoom}, C{occupantGone}, C{removeRoom}, C{writer}, C{changes},
    C{joinTracker}, C{hatStore}, C{limits} and C{_write}.
    """

    def applied(self, room, effects, **more):
        """
        Record what changes did to occupants: a removed occupant leaves the
        join tracker (and an emptied temporary room goes away).

        @param effects: L{Effect<mucservice.room.administration.Effect>}s.
        @param more: further attributes of the L{Changed}.
        @return: a L{Changed}, with the occupants whose view of real JIDs
            changed, those a role change made moderators of a room over its
            presence cap, and the occupants that those it made participants
            or visitors there no longer hear of (L{mucservice.room.audience}).
        """
        removed = False
        revealed = []
        for effect in effects:
            # Told to everyone: from now on its presence is (audience.py).
            room.toldEveryone(effect.occupant)
            if effect.occupant.role == roles.MODERATOR:
                room.grantFullView(effect.occupant)
            if effect.removed:
                removed = True
                for realJID in effect.occupant.sessions:
                    self.joinTracker.recordLeave(realJID, room.jid)
            elif (room.seesJIDsDifferently(effect.occupant, effect.previousRole)
                  or room.showsEveryoneAnew(effect.occupant, effect.previousRole)):
                revealed.append(effect.occupant)
        # Once every effect is applied: those told of now are announced.
        unfollowed = [(effect.occupant, room.unfollowed(effect.occupant, effect.previousRole))
                      for effect in effects if not effect.removed]
        if removed:
            self.occupantGone(room)
        return Changed(room, list(effects), revealed,
                       unfollowed=[pair for pair in unfollowed if pair[1]], **more)

    def forgetHats(self, room, changed):
        """
        Users who lost their affiliation (none or outcast) lose their hats.

        @param changed: bare JID to the new L{Affiliation
            <mucservice.records.Affiliation>} or L{None}.
        """
        for userJID, entry in changed.items():
            if entry is None or entry.affiliation not in roles.AFFILIATED:
                # Dropped from the cache at once, so that the presence telling
                # of the change shows no hats.
                room.hats.pop(userJID, None)
                self._write(self.hatStore.forgetUser(userJID, room.jid), "forgetting hats in",
                            room)

    def _affiliationsApplied(self, room, outcome, **more):
        """
        What affiliation changes, now stored and applied, did.

        @param outcome: an L{AffiliationOutcome
            <mucservice.room.administration.AffiliationOutcome>}.
        @return: a L{Changed}.
        """
        self.forgetHats(room, outcome.changed)
        return self.applied(room, outcome.effects, announced=outcome.absent, **more)

    # Roles and affiliations

    def setRoles(self, actorJID, roomJID, items):
        """
        Apply role changes in order. They are not all-or-nothing: if one is
        refused, those before it stand and are told, and the refusal is the
        answer (L{Changed.refusal}).

        @param items: C{(nick, userJID, role, reason)} tuples; an item that
            names no nick names the occupant by address (real or bare JID),
            which only those who may see addresses may do.
        @return: a L{Changed}.
        """
        room = self.visibleRoom(roomJID, actorJID)
        self.limits.adminItems(items)
        effects = []
        refusal = None
        try:
            for nick, userJID, role, reason in items:
                nick = room.targetNick(actorJID, nick, userJID)
                effects.append(room.setRole(actorJID, nick, role, reason))
        except errors.Error as e:
            refusal = e
        return self.applied(room, effects, refusal=refusal)

    def setAffiliations(self, actorJID, roomJID, changes):
        """
        Make affiliation changes as one batch, all or none, once stored.

        @param changes: L{AffiliationChange
            <mucservice.room.administration.AffiliationChange>}s.
        @return: a Deferred of a L{Changed}.
        """
        room = self.visibleRoom(roomJID, actorJID)

        def plan():
            self.limits.affiliationChanges(room, changes)
            return room.planAffiliations(actorJID, changes)

        return self._changeAffiliations(room, plan)

    def roleList(self, actorJID, roomJID, role):
        """
        @return: C{(occupant, affiliation, realJID)} for every occupant with
            C{role}, the real JID L{None} unless the asker may see it.
        """
        room = self.visibleRoom(roomJID, actorJID)
        occupants = room.roleList(actorJID, role)
        showJIDs = room.mayDiscoverJIDs(room.sessions.get(actorJID))
        return [(o, room.affiliationOf(o.userJID),
                 o.sessions[-1] if showJIDs and o.sessions else None) for o in occupants]

    def affiliationList(self, actorJID, roomJID, affiliation):
        """
        @return: C{(userJID, Affiliation)} for every user with
            C{affiliation}, to those allowed to see them.
        """
        return self.visibleRoom(roomJID, actorJID).affiliationList(actorJID, affiliation)

    # Owning a room

    def ownedRoom(self, actorJID, roomJID):
        """
        @return: the room, if C{actorJID} owns it.
        @raise errors.ItemNotFound: no such room (for C{actorJID}).
        @raise errors.Forbidden: C{actorJID} is no owner.
        """
        room = self.visibleRoom(roomJID, actorJID)
        room.checkOwner(actorJID)
        return room

    def configure(self, actorJID, room, config, admins=None, owners=None):
        """
        Apply a submitted configuration (an unchanged one accepts the
        current configuration, which is how an instant room is made), with
        the admin and owner lists of the form if given, once stored.

        @param room: the room, as from L{ownedRoom}.
        @return: a Deferred of a L{Changed}: removals of non-members when
            the room became members-only, occupants shown or hidden by a new
            C{presencebroadcast} (to those that hear of their presence, as
            L{Room.presenceAudience
            <mucservice.room.audience.PresenceAudience.presenceAudience>}
            gives them), and the status codes of the change.
        """
        def change():
            self.limits.configuration(room, config, admins, owners)
            plan = room.planConfiguration(actorJID, config, admins, owners)
            return (lambda: self.writer.storeConfiguration(room, config,
                                                           plan.affiliations.entries),
                    lambda: self._configured(room, plan))

        return self.changes.run(room, change)

    def _configured(self, room, plan):
        old = room.config
        outcome = room.applyConfiguration(plan)
        room.capConfigured(old.maxUsersPresence)
        visibility = []
        if old.presenceBroadcast != room.config.presenceBroadcast:
            for occupant in list(room.occupants.values()):
                shown = room.broadcastsPresenceOf(occupant)
                if shown != (occupant.role in old.presenceBroadcast):
                    visibility.append((occupant, shown, room.presenceAudience(occupant)))
        changed = self._affiliationsApplied(room, outcome, visibility=visibility,
                                            statuses=status.configChangeCodes(old, room.config))
        if not room.config.persistent and room.empty:
            self.occupantGone(room)
        return changed

    def cancelConfiguration(self, actorJID, room):
        """
        A cancelled configuration form destroys a room still locked for its
        creation, and leaves any other room as it is.

        @return: a Deferred of a L{Destroyed}, or of L{None}.
        """
        if room.locked:
            return self.destroy(actorJID, room)
        return defer.succeed(None)

    def destroy(self, actorJID, room, alternate=None, reason=None):
        """
        Send every occupant away and forget the room everywhere, once its
        removal is stored.

        @param room: the room, as from L{ownedRoom}.
        @return: a Deferred of a L{Destroyed}.
        """
        def change():
            room.checkOwner(actorJID)
            return lambda: self.writer.storeDeletion(room), destroyed

        def destroyed():
            occupants = room.destroy(actorJID)
            self.removeRoom(room)
            return Destroyed(room, occupants, alternate, reason)

        return self.changes.run(room, change)

    # Registration (section 7.10)

    def register(self, userJID, room, nick, data=None):
        """
        Reserve C{nick} for the bare C{userJID}, which becomes a member if
        it was none, keeping C{data} with the registration, once stored.

        @return: a Deferred of a L{Changed}.
        """
        def plan():
            self.limits.affiliations(room, [userJID])
            return room.planRegistration(userJID, nick, data)

        return self._changeAffiliations(room, plan)

    def unregister(self, userJID, room):
        """
        Cancel a registration, once stored.

        @return: a Deferred of a L{Changed}.
        """
        return self._changeAffiliations(room, lambda: room.planUnregistration(userJID))

    def _changeAffiliations(self, room, plan):
        """
        @param plan: a callable returning the L{AffiliationPlan
            <mucservice.room.administration.AffiliationPlan>} to store and
            apply (called in turn, after the room's earlier changes).
        """
        def change():
            planned = plan()
            return (lambda: self.writer.storeAffiliations(room, planned.entries),
                    lambda: self._affiliationsApplied(room, room.applyAffiliations(planned)))

        return self.changes.run(room, change)

    # Hats (XEP-0317)

    def hatRoom(self, actorJID, roomJID):
        """
        @return: the room, if C{actorJID} may manage its hats (its owners
            and admins).
        @raise errors.Forbidden: C{actorJID} may not.
        """
        room = self.visibleRoom(roomJID, actorJID)
        if not room.managesHats(actorJID):
            raise errors.Forbidden("only owners and admins of the room manage its hats")
        return room

    @defer.inlineCallbacks
    def giveHat(self, room, userJID, uri, title=None):
        """
        Give C{userJID} the hat C{uri}, active (so shown in presence),
        keeping what else the user's attachment of it said; a hat the room
        knows keeps its title unless another is given.

        @return: a Deferred that fires with the hat's title (its URI if it
            has none) once it is stored.
        """
        title = title or room.knownHats().get(uri)
        current = yield self.hatStore.getUserHats(userJID, room.jid)
        attachment = dict(current.get(uri, {}), active=True)
        if title:
            attachment["title"] = title
        yield self.hatStore.addUserHat(userJID, room.jid, uri, attachment)
        return title or uri

    @defer.inlineCallbacks
    def takeHat(self, room, userJID, uri):
        """
        Take the hat C{uri} off C{userJID}.

        @return: a Deferred that fires once it is stored.
        @raise errors.ItemNotFound: the user does not wear it.
        """
        worn = yield self.hatStore.removeUserHat(userJID, room.jid, uri)
        if not worn:
            raise errors.ItemNotFound("%s does not wear that hat" % (userJID.full(),))

    def roomHats(self, room):
        """
        @return: a Deferred that fires with who wears which hat in C{room},
            as from L{IHatStore.getRoomHats
            <mucservice.interfaces.IHatStore.getRoomHats>}.
        """
        return self.hatStore.getRoomHats(room.jid)

    @defer.inlineCallbacks
    def loadHats(self, room):
        """
        Fill the room's hat cache (L{Room.hats}) from the hat store. A
        failure is logged: the room then shows no hats until they change.

        Hats of users that may not wear any (no longer members, admins or
        owners: their hats were not forgotten, as a write failed or the
        service stopped first) are forgotten.
        """
        try:
            worn = yield self.hatStore.getRoomHats(room.jid)
        except Exception:
            self.log.failure("loading the hats of room {room} failed", event="store.failed",
                             room=room.jid.full())
            return
        room.hats = {}
        for userJID, hats in worn.items():
            if room.affiliationOf(userJID) in roles.AFFILIATED:
                room.hats[userJID] = hats
            else:
                self._write(self.hatStore.forgetUser(userJID, room.jid), "forgetting hats in",
                            room)

    def hatsChanged(self, userJID, roomJID, hats):
        """
        The hat store changed a user's hats: the room's cache follows at
        once.

        @return: the room if what its presence shows of the user's hats
            changed (the edge tells the room), else L{None}.
        """
        room = self.getRoom(roomJID)
        if room is None:
            return None
        return room if room.setHats(userJID, hats) else None
