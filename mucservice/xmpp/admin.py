"""
Administering a room through C{muc#admin} (XEP-0045 sections 8 and 9): the
lists of roles and affiliations, and changing them: kicking, voice,
moderation, banning, membership, admins and owners.
"""

from mucservice import errors
from mucservice.room.administration import AffiliationChange
from mucservice.xmpp import margins, occupancy, rsm
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import NS_MUC_ADMIN
from mucservice.xmpp.render import attributes


def reasonOf(element):
    """
    @return: the text of the C{<reason/>} child of C{element}, or L{None}
        if it has none or an empty one.
    @raise errors.PolicyViolation: it is longer than a reason may be.
    """
    reason = element.reason
    return margins.checkReason((str(reason) or None) if reason is not None else None)


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
        the first item asks: as many as one stanza carries, paged with
        RSM (L{rsm}) when there are more.
        """
        self.rooms.visibleRoom(toJID, fromJID)
        item = self._items(iq)[0]
        request = rsm.parseRequest(next(iq.elements(NS_MUC_ADMIN, "query")))
        affiliation, role = item.getAttribute("affiliation"), item.getAttribute("role")
        if affiliation is not None:
            users = self.rooms.affiliationList(fromJID, toJID, affiliation)
            keys = [userJID.full() for userJID, _ in users]

            def row(n):
                userJID, entry = users[n]
                return attributes(affiliation=entry.affiliation, jid=userJID.full(),
                                  nick=entry.data.get("nick"))
        elif role is not None:
            occupants = self.rooms.roleList(fromJID, toJID, role)
            keys = [occupant.nick for occupant, _, _ in occupants]

            def row(n):
                occupant, held, realJID = occupants[n]
                return attributes(nick=occupant.nick, role=occupant.role, affiliation=held,
                                  jid=realJID.full() if realJID is not None else None)
        else:
            raise errors.BadRequest("ask for an affiliation or a role")
        return "<query xmlns='%s'>%s</query>" % (
            NS_MUC_ADMIN, rsm.page(keys, lambda n: "<item%s/>" % row(n), request))

    # Changes

    def setItems(self, iq, fromJID, toJID):
        """
        Change roles (items with a nick and a role) or affiliations (items
        with a jid and an affiliation), not both in one IQ.
        """
        self.rooms.visibleRoom(toJID, fromJID)
        items = self._items(iq)
        kinds = {_itemKind(item) for item in items}
        if len(kinds) > 1:
            raise errors.BadRequest("change either roles or affiliations, not both at once")
        if kinds == {"role"}:
            roleItems = [(item.getAttribute("nick"),
                          None if item.getAttribute("nick") else parseJID(item.getAttribute("jid")),
                          item.getAttribute("role"), reasonOf(item)) for item in items]
            self.tell(self.rooms.setRoles(fromJID, toJID, roleItems))
            return None
        for item in items:
            margins.checkFields(nick=item.getAttribute("nick"))
        changes = [AffiliationChange(parseJID(item.getAttribute("jid")),
                                     item.getAttribute("affiliation"), reasonOf(item),
                                     item.getAttribute("nick"))
                   for item in items]
        return self.rooms.setAffiliations(fromJID, toJID, changes).addCallback(self.tell)

    def tell(self, outcome):
        """
        Tell the room what changes did, then answer: the refusal that
        stopped them part way, if any, is the answer.
        """
        self.sendText(occupancy.render(outcome))
        if outcome.refusal is not None:
            raise outcome.refusal
