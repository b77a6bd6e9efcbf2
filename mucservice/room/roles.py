"""
Affiliations, roles and who may change them: the privilege tables of
XEP-0045 section 5, as plain functions.
"""

from mucservice import errors

OWNER, ADMIN, MEMBER, NONE, OUTCAST = "owner", "admin", "member", "none", "outcast"
MODERATOR, PARTICIPANT, VISITOR = "moderator", "participant", "visitor"
NO_ROLE = "none"

#: The affiliations of users who belong to a room: they may wear hats
#: (XEP-0317) and receive its messages while absent (offline delivery).
AFFILIATED = frozenset([OWNER, ADMIN, MEMBER])

AFFILIATION_RANK = {OUTCAST: 0, NONE: 1, MEMBER: 2, ADMIN: 3, OWNER: 4}
ROLE_RANK = {NO_ROLE: 0, VISITOR: 1, PARTICIPANT: 2, MODERATOR: 3}


def defaultRole(affiliation, moderated):
    """
    The role an occupant gets on entering (XEP-0045 section 5.1.2).
    """
    if affiliation in (OWNER, ADMIN):
        return MODERATOR
    if affiliation == OUTCAST:
        return NO_ROLE
    if affiliation == MEMBER or not moderated:
        return PARTICIPANT
    return VISITOR


def checkAffiliationChange(actor, current, new):
    """
    May an entity affiliated as C{actor} change an affiliation from
    C{current} to C{new}? (XEP-0045 sections 9 and 10.)

    Owners may make any change. Admins may ban, grant and revoke membership,
    but touch neither admins nor owners. Nobody else may change anything.

    @raise errors.BadRequest: C{new} is no affiliation.
    @raise errors.NotAllowed: an admin tried to touch an admin or owner.
    @raise errors.Forbidden: the actor lacks the privilege.
    """
    if new not in AFFILIATION_RANK:
        raise errors.BadRequest("no such affiliation: %r" % (new,))
    if actor == OWNER:
        return
    if actor != ADMIN:
        raise errors.Forbidden("only owners and admins change affiliations")
    if current in (OWNER, ADMIN) or new in (OWNER, ADMIN):
        raise errors.NotAllowed("admins cannot grant or revoke admin or owner status")


def checkRoleChange(actorAffiliation, actorRole, targetAffiliation, targetRole, new):
    """
    May an occupant change another's role from C{targetRole} to C{new}?
    (XEP-0045 sections 8 and 9.)

    Moderators kick, and grant or revoke voice, for occupants of no higher
    affiliation than their own; only admins and owners grant or revoke
    moderation, and nobody revokes it from an admin or owner, whose role
    comes with their affiliation.

    @raise errors.BadRequest: C{new} is no role.
    @raise errors.Forbidden: the actor is not a moderator, or lacks the
        privilege for this change.
    @raise errors.NotAllowed: the target's affiliation protects it.
    """
    if new not in ROLE_RANK:
        raise errors.BadRequest("no such role: %r" % (new,))
    if actorRole != MODERATOR:
        raise errors.Forbidden("only moderators change roles")
    if targetAffiliation in (OWNER, ADMIN) and new != MODERATOR:
        raise errors.NotAllowed("the role of an admin or owner cannot be lowered")
    if MODERATOR in (new, targetRole) and actorAffiliation not in (OWNER, ADMIN):
        raise errors.Forbidden("only admins and owners grant or revoke moderation")
    if (new in (NO_ROLE, VISITOR)
            and AFFILIATION_RANK[targetAffiliation] > AFFILIATION_RANK[actorAffiliation]):
        raise errors.NotAllowed("a moderator cannot kick or silence an occupant "
                                "of higher affiliation")
