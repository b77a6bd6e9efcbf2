"""
Administering a room through C{muc#admin} (XEP-0045 sections 8 and 9): the
lists of roles and affiliations, and changing them: kicking, voice,
moderation, banning, membership, admins and owners.
"""

from mucservice import errors
from mucservice.room import roles
from mucservice.room.administration import AffiliationChange
from mucservice.xmpp import broadcast
from mucservice.xmpp.disco import visibleRoom
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.render import attributes

NS_MUC_ADMIN = broadcast.NS_MUC + "#admin"


def reasonOf(element):
    """
    @return: the text of the C{<reason/>} child of C{element}, or L{None}
        if it has none or an empty one.
    """
    reason = element.reason
    return (str(reason) or None) if reason is not None else None


def tellEffects(handler, room, effects):
    """
    Tell the room what changes did to its occupants: a removed occupant
    leaves (its own sessions get the copy with status 110) and the join
    tracker forgets it; the others' new presence goes to everyone.

    @param handler: the L{RoomHandler} that writes and reaches the room
        service.
    @param effects: L{Effect<mucservice.room.administration.Effect>}s.
    """
    parts = []
    removed = False
    for effect in effects:
        occupant = effect.occupant
        # A removed occupant's last show and status do not go with it.
        presence = broadcast.PresenceBroadcast(
            room, occupant, unavailable=effect.removed, statuses=effect.statuses,
            actorNick=effect.actorNick, reason=effect.reason,
            payload="" if effect.removed else None, previousRole=effect.previousRole)
        parts.append(presence.toRoom())
        if not effect.removed and _seesJIDsNow(room, occupant, effect.previousRole):
            parts.append(_othersAgain(room, occupant))
        if effect.removed:
            removed = True
            for realJID in occupant.realJIDs:
                handler.rooms.joinTracker.recordLeave(realJID, room.jid)
    handler.sendText("".join(parts))
    if removed:
        handler.rooms.occupantGone(room)


def _seesJIDsNow(room, occupant, previousRole):
    """
    Whether a role change changed what the occupant may see of others' real
    JIDs (moderation in a semi-anonymous room).
    """
    if room.config.whois == "anyone" or previousRole is None:
        return False
    return (previousRole == roles.MODERATOR) != (occupant.role == roles.MODERATOR)


def _othersAgain(room, occupant):
    """
    The other occupants' presence once more, as the occupant may see them
    now: a new moderator learns their real JIDs (clients need them to ban),
    a former one gets them without. Prosody does the same.
    """
    return "".join(broadcast.PresenceBroadcast(room, other).forOccupant(occupant)
                   for other in list(room.occupants.values())
                   if other is not occupant and room.broadcastsPresenceOf(other))


def _itemKind(item):
    """
    @return: C{"affiliation"} or C{"role"}: what an item of a set changes.
    @raise errors.BadRequest: it changes neither, or does not say whom.
    """
    if item.getAttribute("affiliation") is not None:
        if not item.getAttribute("jid"):
            raise errors.BadRequest("an affiliation change needs the user's jid")
        return "affiliation"
    if item.getAttribute("role") is not None:
        if not (item.getAttribute("nick") or item.getAttribute("jid")):
            raise errors.BadRequest("a role change needs the occupant's nick")
        return "role"
    raise errors.BadRequest("an item needs an affiliation or a role")


class AdminHandler(RoomHandler):
    """
    Answers C{muc#admin} IQs to a room's bare JID (those to an occupant JID
    are the L{OccupantIQRouter<mucservice.xmpp.ping.OccupantIQRouter>}'s).
    A room still locked for its creation exists only for its owners.
    """

    iqHandlers = {
        "/iq[@type='get']/query[@xmlns='%s']" % (NS_MUC_ADMIN,): "getList",
        "/iq[@type='set']/query[@xmlns='%s']" % (NS_MUC_ADMIN,): "setItems",
    }

    def _items(self, iq):
        query = next(iq.elements(NS_MUC_ADMIN, "query"))
        items = list(query.elements(NS_MUC_ADMIN, "item"))
        if not items:
            raise errors.BadRequest("the query needs an item")
        return items

    # Lists

    def getList(self, iq, fromJID, toJID):
        """
        The occupants with a role, or the users with an affiliation, as
        the first item asks.
        """
        room = visibleRoom(self.rooms, toJID, fromJID)
        item = self._items(iq)[0]
        affiliation, role = item.getAttribute("affiliation"), item.getAttribute("role")
        if affiliation is not None:
            rows = [attributes(affiliation=entry.affiliation, jid=userJID.full(),
                               nick=entry.data.get("nick"))
                    for userJID, entry in room.affiliationList(fromJID, affiliation)]
        elif role is not None:
            occupants = room.roleList(fromJID, role)
            showJIDs = room.mayDiscoverJIDs(room.sessions.get(fromJID))
            rows = [attributes(nick=o.nick, role=o.role,
                               affiliation=room.affiliationOf(o.userJID),
                               jid=o.realJIDs[-1].full() if showJIDs and o.sessions else None)
                    for o in occupants]
        else:
            raise errors.BadRequest("ask for an affiliation or a role")
        return "<query xmlns='%s'>%s</query>" % (
            NS_MUC_ADMIN, "".join("<item%s/>" % row for row in rows))

    # Changes

    def setItems(self, iq, fromJID, toJID):
        """
        Change roles (items with a nick and a role) or affiliations (items
        with a jid and an affiliation), not both in one IQ.
        """
        room = visibleRoom(self.rooms, toJID, fromJID)
        items = self._items(iq)
        kinds = {_itemKind(item) for item in items}
        if len(kinds) > 1:
            raise errors.BadRequest("change either roles or affiliations, not both at once")
        if kinds == {"role"}:
            self.setRoles(room, fromJID, items)
        else:
            self.setAffiliations(room, fromJID, items)

    def setRoles(self, room, fromJID, items):
        """
        Apply role changes in order. They are not all-or-nothing: if one is
        refused, those before it stand and are told, and the refusal is the
        answer.
        """
        effects = []
        try:
            for item in items:
                nick = self._targetNick(room, fromJID, item)
                effects.append(room.setRole(fromJID, nick, item.getAttribute("role"),
                                            reasonOf(item)))
        finally:
            tellEffects(self, room, effects)

    def _targetNick(self, room, fromJID, item):
        """
        The nick an item names, or that of the occupant whose address it
        gives (the moderator list of XEP-0045 section 9.8 names occupants
        by JID), for those who may see addresses.
        """
        nick = item.getAttribute("nick")
        if nick:
            return nick
        if not room.mayDiscoverJIDs(room.sessions.get(fromJID)):
            raise errors.Forbidden("you may not name occupants by address")
        target = parseJID(item.getAttribute("jid"))
        for occupant in room.occupants.values():
            if target in occupant.sessions or target == occupant.userJID:
                return occupant.nick
        raise errors.ItemNotFound("nobody in the room has that address")

    def setAffiliations(self, room, fromJID, items):
        """
        Apply affiliation changes as one batch, all or none.
        """
        changes = [AffiliationChange(parseJID(item.getAttribute("jid")),
                                     item.getAttribute("affiliation"), reasonOf(item),
                                     item.getAttribute("nick"))
                   for item in items]
        outcome = room.setAffiliations(fromJID, changes)
        self.rooms.saveAffiliations(room, outcome.changed)
        tellEffects(self, room, outcome.effects)
