"""
Owning a room through C{muc#owner} (XEP-0045 section 10): the
configuration form, instant rooms, cancelling a new room, and destroying
a room.
"""

from mucservice import errors
from mucservice.room import roles
from mucservice.xmpp import broadcast, forms
from mucservice.xmpp.admin import reasonOf, tellEffects
from mucservice.xmpp.disco import visibleRoom
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import NS_DATA
from mucservice.xmpp.render import Template

NS_MUC_OWNER = broadcast.NS_MUC + "#owner"

# Status codes of a configuration change (XEP-0045 section 10.2.1).
CONFIG_CHANGED, LOGGING_ON, LOGGING_OFF = 104, 170, 171
NOW_NON_ANONYMOUS, NOW_SEMI_ANONYMOUS = 172, 173


def configChangeCodes(old, new):
    """
    @param old: the L{RoomConfig<mucservice.room.config.RoomConfig>} before.
    @param new: the one after.
    @return: the status codes that tell occupants of the change: 104 for
        any change, with 170/171 when logging was switched on/off and
        172/173 when the room became non-anonymous/semi-anonymous; none if
        nothing changed.
    """
    if old == new:
        return ()
    codes = [CONFIG_CHANGED]
    if old.logging != new.logging:
        codes.append(LOGGING_ON if new.logging else LOGGING_OFF)
    if old.whois != new.whois:
        codes.append(NOW_NON_ANONYMOUS if new.whois == "anyone" else NOW_SEMI_ANONYMOUS)
    return tuple(codes)


def visibilityChanges(room, oldBroadcast):
    """
    After C{presencebroadcast} changed: occupants whose role is now
    broadcast appear to the others, and those whose role no longer is leave
    their view (unavailable presence), as Prosody does.

    @param oldBroadcast: the roles broadcast before.
    @return: the presences, as text.
    """
    parts = []
    for occupant in list(room.occupants.values()):
        shown = room.broadcastsPresenceOf(occupant)
        if shown == (occupant.role in oldBroadcast):
            continue
        presence = broadcast.PresenceBroadcast(room, occupant)
        parts.extend(presence.forOccupant(other, hidden=not shown)
                     for other in room.occupants.values() if other is not occupant)
    return "".join(parts)


class OwnerHandler(RoomHandler):
    """
    Answers C{muc#owner} IQs to a room's bare JID; only owners (and the
    service admins, owners of every room) get past the first check.
    """

    iqHandlers = {
        "/iq[@type='get']/query[@xmlns='%s']" % (NS_MUC_OWNER,): "getConfig",
        "/iq[@type='set']/query[@xmlns='%s']" % (NS_MUC_OWNER,): "setOwner",
    }

    def getConfig(self, iq, fromJID, toJID):
        """
        The configuration form, with the current values and the admin and
        owner lists.
        """
        room = visibleRoom(self.rooms, toJID, fromJID)
        room.checkOwner(fromJID)
        form = forms.configForm(room.config, room.usersWith(roles.ADMIN),
                                room.usersWith(roles.OWNER))
        return "<query xmlns='%s'>%s</query>" % (NS_MUC_OWNER, form.toElement().toXml())

    def setOwner(self, iq, fromJID, toJID):
        """
        A submitted or cancelled configuration form, or a destruction.
        """
        room = visibleRoom(self.rooms, toJID, fromJID)
        room.checkOwner(fromJID)
        query = next(iq.elements(NS_MUC_OWNER, "query"))
        destroy = next(query.elements(NS_MUC_OWNER, "destroy"), None)
        if destroy is not None:
            alternate = destroy.getAttribute("jid")
            if alternate:
                alternate = parseJID(alternate).full()
            # A <password/> for the alternate venue is accepted, not passed on.
            self.destroy(room, fromJID, alternate or None, reasonOf(destroy))
            return None
        form = next(query.elements(NS_DATA, "x"), None)
        if form is None:
            raise errors.BadRequest("expected a data form or a <destroy/>")
        if form.getAttribute("type") == "cancel":
            self.cancel(room, fromJID)
        else:
            self.configure(room, fromJID, query)
        return None

    def configure(self, room, fromJID, query):
        """
        Apply a submitted form (an empty one accepts the current
        configuration, which is how an instant room is made), then tell
        the occupants and store the room.
        """
        old = room.config
        config, admins, owners = forms.parseConfigForm(query, old)
        outcome = room.configure(fromJID, config, admins, owners)
        self.rooms.saveRoom(room, old.persistent,
                            room.config.historyLength < old.historyLength)
        self.rooms.saveAffiliations(room, outcome.changed)
        tellEffects(self, room, outcome.effects)
        if old.presenceBroadcast != room.config.presenceBroadcast:
            self.sendText(visibilityChanges(room, old.presenceBroadcast))
        codes = configChangeCodes(old, room.config)
        if codes:
            inner = "<x xmlns='%s'>%s</x>" % (
                broadcast.NS_MUC_USER, "".join("<status code='%d'/>" % c for c in codes))
            self.sendText(broadcast.toEveryone(room, Template(
                "message", inner, from_=room.jid.full(), type_="groupchat")))
        if not room.config.persistent and room.empty:
            self.rooms.occupantGone(room)

    def cancel(self, room, fromJID):
        """
        Cancelling the form destroys a room still locked for creation and
        leaves any other room as it is.
        """
        if room.locked:
            self.destroy(room, fromJID, None, None)

    def destroy(self, room, fromJID, alternate, reason):
        """
        Send every occupant away, each with only its own unavailable
        presence carrying the C{<destroy/>}, and forget the room.

        @param alternate: the JID of the alternate venue, as text, or
            L{None}.
        @param reason: why, or L{None}.
        """
        occupants = room.destroy(fromJID)
        parts = []
        for occupant in occupants:
            # Nobody has an affiliation with a destroyed room any more.
            presence = broadcast.PresenceBroadcast(room, occupant, unavailable=True,
                                                   destroy=(alternate, reason), payload="",
                                                   affiliation=roles.NONE)
            parts.extend(presence.forSelf(realJID) for realJID in occupant.realJIDs)
        self.sendText("".join(parts))
        # Also forgets the room's occupants in the join tracker.
        self.rooms.removeRoom(room)
