"""
What a room tells whom of its people: the affiliation lists (XEP-0045
sections 9 and 10) and what service discovery shows of it (section 6.4).

The rule under all of them: nobody learns through a list or through disco
a real JID the room would not show them in presence. A semi-anonymous room
shows real JIDs to its moderators only; a non-anonymous room to everyone in
it; a members-only room admits only those on its lists, who know one
another as members.
"""

from mucservice.room import roles

_STAFF = (roles.OWNER, roles.ADMIN)


def mayReadAffiliations(room, actorJID, affiliation):
    """
    Whether C{actorJID} may read the list of the users with C{affiliation}.

      - Owners and admins (and service administrators) read every list.
      - The outcast list is theirs alone.
      - In a members-only room, its members read the member list; in a
        members-only non-anonymous room also the admin and owner lists, so
        that every member can know every other's JID, as OMEMO group chats
        need.
      - An occupant whose role the room's C{muc#roomconfig_getmemberlist}
        names reads the member list, where it may see real JIDs anyway: in
        a non-anonymous room, or as a moderator. So the option still
        chooses who reads it, but never lets a participant of a
        semi-anonymous room learn the real JIDs and reserved nicks the room
        hides.

    @param room: the L{Room<mucservice.room.room.Room>}.
    @param actorJID: the real full JID asking.
    @param affiliation: the list asked for: C{member}, C{admin}, C{owner}
        or C{outcast}.
    """
    held = room.affiliationOf(actorJID)
    if held in _STAFF:
        return True
    if affiliation == roles.OUTCAST:
        return False
    if room.config.membersOnly and held == roles.MEMBER:
        return affiliation == roles.MEMBER or room.config.whois == "anyone"
    if affiliation != roles.MEMBER:
        return False
    occupant = room.sessions.get(actorJID)
    return (occupant is not None and occupant.role in room.config.getMemberList
            and room.mayDiscoverJIDs(occupant))


def showsContacts(room, userJID):
    """
    Whether disco#info shows C{userJID} the room's contact addresses (its
    owners' bare JIDs, C{muc#roominfo_contactjid}).

    XEP-0045 section 6.4 calls them public information; they are shown to
    everyone only where they reveal nothing the room hides: in a public
    (listed), open, non-anonymous room, whose occupants all see real JIDs.
    A members-only room shows them to its members; any other room to its
    owners and admins, and to its members if it is non-anonymous.

    @param userJID: who asks.
    """
    held = room.affiliationOf(userJID)
    if held in _STAFF:
        return True
    if room.config.membersOnly:
        return held == roles.MEMBER
    return room.config.whois == "anyone" and (room.config.public or held == roles.MEMBER)


def showsSubject(room, userJID):
    """
    Whether disco#info shows C{userJID} the room's subject: the subject of
    a members-only room is for its members; that of an open room anyone
    could read by entering.

    @param userJID: who asks.
    """
    return not room.config.membersOnly or room.affiliationOf(userJID) in roles.AFFILIATED


def invitesByNick(room):
    """
    Whether the room's invitations name the inviter by its occupant JID
    (C{room@service/nick}) rather than its real JID: in a semi-anonymous
    room, whose participants do not see one another's real JIDs, an
    invitee, who is not even in the room yet, does not learn the inviter's.

    @param room: the L{Room<mucservice.room.room.Room>}.
    """
    return room.config.whois != "anyone"
