"""
The administrative side of a room: roles, affiliations and their lists,
configuration and destruction (XEP-0045 sections 8, 9 and 10). Mixed into
L{Room}; registration, invitations and voice requests are in
L{mucservice.room.membership}.
"""

from dataclasses import dataclass, field
from typing import Optional

from mucservice import errors
from mucservice.records import Affiliation
from mucservice.room import nicks, privacy, roles
from mucservice.room.outcomes import Announced
from mucservice.room.status import AFFILIATION_CHANGED, BANNED, KICKED, MEMBERS_ONLY


@dataclass
class Effect:
    """
    What a change did to an occupant, for the edge to tell the room.

    @ivar removed: the occupant is out of the room.
    @ivar statuses: status codes for the presence that tells it.
    @ivar previousRole: the occupant's role before the change.
    """

    occupant: object
    removed: bool = False
    statuses: tuple = ()
    actorNick: Optional[str] = None
    reason: Optional[str] = None
    previousRole: Optional[str] = None


@dataclass
class AffiliationChange:
    userJID: object
    affiliation: str
    reason: Optional[str] = None
    nick: Optional[str] = None


@dataclass
class AffiliationPlan:
    """
    Affiliation changes that passed every check, ready to be stored and
    then applied (L{Administration.applyAffiliations}): nothing has changed
    yet.

    @ivar entries: bare JID to its new L{Affiliation}, or L{None} when
        nothing is left of it (affiliation none, no data).
    @ivar told: the bare JIDs whose occupants are told (their affiliation
        changes, or an admin gave them a nick); those with no occupant in
        the room are announced (L{Announced}).
    @ivar actorNick: the nick of who made the changes, if in the room.
    @ivar reasons: bare JID to the reason given.
    """

    entries: dict = field(default_factory=dict)
    told: set = field(default_factory=set)
    actorNick: Optional[str] = None
    reasons: dict = field(default_factory=dict)


@dataclass
class ConfigurationPlan:
    """
    A configuration that passed every check, with the affiliation changes of
    the form's admin and owner lists, ready to be stored and then applied
    (L{Administration.applyConfiguration}).
    """

    config: object
    affiliations: AffiliationPlan = field(default_factory=AffiliationPlan)


@dataclass
class AffiliationOutcome:
    """
    @ivar changed: bare JID to the new L{Affiliation} entry or L{None}.
    @ivar effects: L{Effect}s on occupants.
    @ivar absent: L{Announced} changes of users not in the room.
    """

    changed: dict = field(default_factory=dict)
    effects: list = field(default_factory=list)
    absent: list = field(default_factory=list)


class Administration:
    # Roles

    def setRole(self, actorJID, nick, role, reason=None):
        """
        Change an occupant's role; C{none} kicks it.

        @return: an L{Effect}.
        """
        actor = self.occupantOf(actorJID)
        target = self.occupants.get(nick)
        if target is None:
            raise errors.ItemNotFound("nobody in the room has that nick")
        roles.checkRoleChange(self.affiliationOf(actor.userJID), actor.role,
                              self.affiliationOf(target.userJID), target.role, role)
        previous = target.role
        if role == roles.NO_ROLE:
            self.removeOccupant(target)
            target.role = roles.NO_ROLE
            return Effect(target, True, (KICKED,), actor.nick, reason, previous)
        self.changeRole(target, role)
        return Effect(target, actorNick=actor.nick, reason=reason, previousRole=previous)

    def roleList(self, actorJID, role):
        """
        @return: the occupants with C{role}; for moderators only.
        """
        actor = self.sessions.get(actorJID)
        if actor is None or actor.role != roles.MODERATOR:
            raise errors.Forbidden("only moderators may list roles")
        if role not in roles.ROLE_RANK or role == roles.NO_ROLE:
            raise errors.BadRequest("no such role: %r" % (role,))
        return [o for o in self.occupants.values() if o.role == role]

    # Affiliations

    def affiliationList(self, actorJID, affiliation):
        """
        @return: the bare JIDs with C{affiliation}, to those allowed to see
            them (L{privacy.mayReadAffiliations}).
        """
        if affiliation not in roles.AFFILIATION_RANK or affiliation == roles.NONE:
            raise errors.BadRequest("no such affiliation list: %r" % (affiliation,))
        if not privacy.mayReadAffiliations(self, actorJID, affiliation):
            raise errors.Forbidden("you may not see this list")
        return [(j, self.affiliations[j]) for j in self.usersWith(affiliation)]

    def planAffiliations(self, actorJID, changes):
        """
        Check affiliation changes, all or none: a change to the affiliation
        a user already has changes nothing (unless it reserves a nick).

        @param changes: L{AffiliationChange}s; a nick is kept as
            L{nicks.storedNick} makes it.
        @return: an L{AffiliationPlan}.
        @raise errors.Conflict: the room would be left without an owner, or
            a nick would be two users'.
        @raise errors.JIDMalformed: a nick is no valid nick.
        """
        actor = self.affiliationOf(actorJID)
        planned = {}
        for change in changes:
            if change.nick:
                change.nick = nicks.storedNick(change.nick)
            userJID = change.userJID.userhostJID()
            current = self.affiliationOf(userJID)
            roles.checkAffiliationChange(actor, current, change.affiliation)
            if current != change.affiliation or change.nick:
                planned[userJID] = change
        owners = set(self.owners())
        for userJID, change in planned.items():
            (owners.add if change.affiliation == roles.OWNER else owners.discard)(userJID)
        if not owners:
            raise errors.Conflict("a room needs an owner")
        reserved = {}
        for userJID, change in planned.items():
            if change.nick:
                self.checkNickFree(change.nick, userJID)
                if reserved.setdefault(nicks.nickKey(change.nick), userJID) != userJID:
                    raise errors.Conflict("one nick for two users")
        plan = AffiliationPlan(
            actorNick=self.sessions[actorJID].nick if actorJID in self.sessions else None)
        for userJID, change in planned.items():
            plan.entries[userJID] = self.newEntry(userJID, change.affiliation, change.nick)
            plan.told.add(userJID)
            plan.reasons[userJID] = change.reason
        return plan

    def newEntry(self, userJID, affiliation, nick=None, data=None):
        """
        @return: what the entry of C{userJID} would be with C{affiliation}:
            its data kept, with C{data} added and C{nick} reserved, or none of
            it when the affiliation is lost (none or outcast); L{None} when
            nothing would be left.
        """
        old = self.affiliations.get(userJID)
        if affiliation in (roles.NONE, roles.OUTCAST):
            kept = {}
        else:
            kept = dict(old.data) if old else {}
            kept.update(data or {})
            if nick:
                kept["nick"] = nick
        if affiliation == roles.NONE and not kept:
            return None
        return Affiliation(affiliation, kept)

    def applyAffiliations(self, plan):
        """
        Apply checked affiliation changes (once they are stored) and what
        they mean to the users' occupants.

        @param plan: an L{AffiliationPlan}.
        @return: an L{AffiliationOutcome}.
        """
        outcome = AffiliationOutcome()
        for userJID, entry in plan.entries.items():
            if userJID in plan.told:
                self._changeAffiliation(outcome, userJID, entry, plan.actorNick,
                                        plan.reasons.get(userJID))
            else:
                outcome.changed[userJID] = self._setEntry(userJID, entry)
        return outcome

    def setAffiliations(self, actorJID, changes):
        """
        Check and apply affiliation changes at once (a room nothing is
        stored for).

        @return: an L{AffiliationOutcome}.
        """
        return self.applyAffiliations(self.planAffiliations(actorJID, changes))

    def _setEntry(self, userJID, entry):
        if entry is None:
            return self.setAffiliationEntry(userJID, roles.NONE, {})
        return self.setAffiliationEntry(userJID, entry.affiliation, entry.data)

    def _changeAffiliation(self, outcome, userJID, entry, actorNick=None, reason=None):
        """
        Set an affiliation and apply what it means to the user's occupants,
        adding to C{outcome}; a user with no occupant in the room is
        announced.

        A lowered affiliation brings the role down to its default; a raised
        one lifts it to its default, never lowering it (a moderator made
        member stays moderator); an unchanged one leaves it.
        """
        affiliation = entry.affiliation if entry is not None else roles.NONE
        before = roles.AFFILIATION_RANK[self.affiliationOf(userJID)]
        outcome.changed[userJID] = self._setEntry(userJID, entry)
        after = self.affiliationOf(userJID)
        default = roles.defaultRole(after, self.config.moderated)
        present = False
        for occupant in list(self.occupants.values()):
            if occupant.userJID != userJID:
                continue
            present = True
            previous = occupant.role
            if affiliation == roles.OUTCAST:
                status = BANNED
            elif affiliation == roles.NONE and self.config.membersOnly:
                status = AFFILIATION_CHANGED
            else:
                rank = roles.AFFILIATION_RANK[after]
                if rank < before or (rank > before and roles.ROLE_RANK[occupant.role]
                                     < roles.ROLE_RANK[default]):
                    self.changeRole(occupant, default)
                outcome.effects.append(Effect(occupant, actorNick=actorNick, reason=reason,
                                              previousRole=previous))
                continue
            self.removeOccupant(occupant)
            occupant.role = roles.NO_ROLE
            outcome.effects.append(Effect(occupant, True, (status,), actorNick, reason,
                                          previous))
        if not present:
            outcome.absent.append(Announced(userJID, affiliation, reason))

    # Configuration and destruction

    def checkOwner(self, actorJID):
        if self.affiliationOf(actorJID) != roles.OWNER:
            raise errors.Forbidden("only owners may do this")

    def planConfiguration(self, actorJID, config, admins=None, owners=None):
        """
        Check a submitted configuration, and the admin and owner lists of
        the form when given.

        @return: a L{ConfigurationPlan}.
        """
        self.checkOwner(actorJID)
        changes = {}
        # XEP-0045 section 10.2: dropped from the list, an owner becomes an
        # admin and an admin a member.
        for wanted, affiliation, lower in ((admins, roles.ADMIN, roles.MEMBER),
                                           (owners, roles.OWNER, roles.ADMIN)):
            if wanted is None:
                continue
            wanted = {j.userhostJID() for j in wanted}
            for userJID in self.usersWith(affiliation):
                if userJID not in wanted:
                    changes[userJID] = AffiliationChange(userJID, lower)
            for userJID in wanted:
                changes[userJID] = AffiliationChange(userJID, affiliation)
        plan = ConfigurationPlan(config)
        if changes:
            plan.affiliations = self.planAffiliations(actorJID, list(changes.values()))
        return plan

    def applyConfiguration(self, plan):
        """
        Apply a checked configuration (once it is stored). Unlocks the room.

        @return: an L{AffiliationOutcome} whose effects include the removal
            of non-members (322) when the room became members-only.
        """
        config = plan.config
        outcome = self.applyAffiliations(plan.affiliations)
        becameMembersOnly = config.membersOnly and not self.config.membersOnly
        self.config = config
        if self.history.maxlen != config.historyLength:
            self.history = type(self.history)(self.history, maxlen=config.historyLength)
        self.locked = False
        if becameMembersOnly:
            for occupant in list(self.occupants.values()):
                if self.affiliationOf(occupant.userJID) == roles.NONE:
                    previous = occupant.role
                    self.removeOccupant(occupant)
                    occupant.role = roles.NO_ROLE
                    outcome.effects.append(Effect(occupant, True, (MEMBERS_ONLY,),
                                                  previousRole=previous))
        return outcome

    def configure(self, actorJID, config, admins=None, owners=None):
        """
        Check and apply a configuration at once.

        @return: as L{applyConfiguration}.
        """
        return self.applyConfiguration(self.planConfiguration(actorJID, config, admins, owners))

    def destroy(self, actorJID):
        """
        Empty the room for destruction.

        @return: the occupants that were in it.
        """
        self.checkOwner(actorJID)
        occupants = list(self.occupants.values())
        for occupant in occupants:
            self.removeOccupant(occupant)
            occupant.role = roles.NO_ROLE
        return occupants
