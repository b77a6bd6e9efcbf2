"""
Owning a room through C{muc#owner} (XEP-0045 section 10): the
configuration form, instant rooms, cancelling a new room, and destroying
a room.
"""

from mucservice import errors
from mucservice.room import roles
from mucservice.xmpp import forms, margins, occupancy
from mucservice.xmpp.admin import reasonOf
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import NS_DATA, NS_MUC_OWNER


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
        owner lists; a list longer than a kept text's budget is left out
        (the muc#admin lists give it a page at a time), and a form
        submitted without it leaves it as it is.
        """
        room = self.rooms.ownedRoom(fromJID, toJID)
        admins, owners = (room.usersWith(affiliation) for affiliation in (roles.ADMIN, roles.OWNER))
        form = forms.configForm(room.config,
                                admins if margins.jidsWithin(admins) == admins else None,
                                owners if margins.jidsWithin(owners) == owners else None)
        return "<query xmlns='%s'>%s</query>" % (NS_MUC_OWNER, form.toElement().toXml())

    def setOwner(self, iq, fromJID, toJID):
        """
        A submitted or cancelled configuration form, or a destruction.

        A submitted form (an empty one accepts the current configuration,
        which is how an instant room is made) is applied; a cancelled one
        destroys a room still locked for its creation.
        """
        room = self.rooms.ownedRoom(fromJID, toJID)
        query = next(iq.elements(NS_MUC_OWNER, "query"))
        destroy = next(query.elements(NS_MUC_OWNER, "destroy"), None)
        if destroy is not None:
            alternate = destroy.getAttribute("jid")
            if alternate:
                alternate = parseJID(alternate).full()
            # A <password/> for the alternate venue is accepted, not passed on.
            d = self.rooms.destroy(fromJID, room, alternate or None, reasonOf(destroy))
        else:
            form = next(query.elements(NS_DATA, "x"), None)
            if form is None:
                raise errors.BadRequest("expected a data form or a <destroy/>")
            if form.getAttribute("type") == "cancel":
                d = self.rooms.cancelConfiguration(fromJID, room)
            else:
                config, admins, owners = forms.parseConfigForm(query, room.config)
                margins.checkFields(name=config.name, description=config.description,
                                    language=config.language, password=config.password)
                d = self.rooms.configure(fromJID, room, config, admins, owners)
        return d.addCallback(lambda outcome: self.sendText(occupancy.render(outcome)))
