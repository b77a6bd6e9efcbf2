"""
Service Discovery (XEP-0030) of the MUC service and its rooms (XEP-0045
sections 6 and 7.12).

Disco requests to an occupant (C{room@service/nick}) never get here: the
occupant IQ router of L{mucservice.xmpp.ping} takes them first.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

from wokkel.disco import NS_DISCO_INFO, NS_DISCO_ITEMS

from mucservice import errors
from mucservice.xmpp import forms, hats, offline
from mucservice.xmpp.broadcast import NS_MUC, NS_OCCUPANT_ID, NS_STANZA_ID, occupantJID
from mucservice.xmpp.handler import RoomHandler
from mucservice.xmpp.namespaces import NS_DATA, NS_IQ_REGISTER, NS_PING
from mucservice.xmpp.render import attributes, quote, serialize

NS_SELF_PING = NS_MUC + "#self-ping-optimization"

#: The node of XEP-0045 section 7.12: a user's reserved nick in a room.
NODE_ROOMUSER = "x-roomuser-item"

#: What the service itself supports.
#: XEP-0317 asks the service, not only its rooms, to advertise hats.
SERVICE_FEATURES = (NS_MUC, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, hats.NS_HATS)

#: What every room supports, whatever its configuration.
ROOM_FEATURES = (NS_MUC, NS_OCCUPANT_ID, NS_STANZA_ID, NS_IQ_REGISTER, NS_PING, NS_SELF_PING,
                 NS_DISCO_INFO, NS_DISCO_ITEMS, hats.NS_HATS, hats.NS_COMMANDS)


def visibleRoom(rooms, roomJID, requester):
    """
    Find a room as C{requester} may see it: a room still locked for its
    creation exists only for its owners.

    @param rooms: the L{RoomService<mucservice.room.service.RoomService>}.
    @param roomJID: the room's JID (a resource is ignored).
    @param requester: the real JID asking.
    @return: the L{Room<mucservice.room.room.Room>}.
    @raise errors.ItemNotFound: there is no such room, or not for
        C{requester}.
    """
    room = rooms.getRoom(roomJID)
    if room is None or not room.mayEnter(requester):
        raise errors.ItemNotFound("no such room")
    return room


def roomFeatures(config):
    """
    @param config: a room's L{RoomConfig<mucservice.room.config.RoomConfig>}.
    @return: the disco features of a room so configured, in order.
    """
    flags = ((config.public, "muc_public", "muc_hidden"),
             (config.persistent, "muc_persistent", "muc_temporary"),
             (config.membersOnly, "muc_membersonly", "muc_open"),
             (config.moderated, "muc_moderated", "muc_unmoderated"),
             (config.whois == "anyone", "muc_nonanonymous", "muc_semianonymous"),
             (config.passwordProtected, "muc_passwordprotected", "muc_unsecured"))
    return ROOM_FEATURES + tuple(yes if flag else no for flag, yes, no in flags)


def _query(namespace, inner="", node=None):
    return "<query xmlns='%s'%s>%s</query>" % (namespace, attributes(node=node), inner)


def _identity(name):
    return "<identity category='conference' type='text'%s/>" % attributes(name=name or None)


def _features(names):
    return "".join("<feature var='%s'/>" % quote(name) for name in names)


def _item(jid, name=None):
    return "<item%s/>" % attributes(jid=jid, name=name)


class ServiceDiscovery(RoomHandler):
    """
    Answers disco#info and disco#items for the service and its rooms.

    The items of a room are its occupants (C{room@service/nick}), listed
    only to occupants of a non-anonymous room, and only those whose
    presence the room broadcasts: section 6.5 lets a room list them when
    that is public information. Everybody else gets an empty list, so that
    neither a semi-anonymous room nor a stranger learns more through disco
    than through the room's presence.

    @ivar name: the service's natural-language name.
    """

    iqHandlers = {
        "/iq[@type='get']/query[@xmlns='%s']" % NS_DISCO_INFO: "getInfo",
        "/iq[@type='get']/query[@xmlns='%s']" % NS_DISCO_ITEMS: "getItems",
    }

    def __init__(self, rooms, reactor=None, name="Chatrooms"):
        RoomHandler.__init__(self, rooms, reactor)
        self.name = name

    def getInfo(self, iq, fromJID, toJID):
        node = iq.query.getAttribute("node")
        if toJID.user is None:
            if node:
                raise errors.ItemNotFound("no such node")
            return _query(NS_DISCO_INFO, _identity(self.name) + _features(SERVICE_FEATURES))
        room = visibleRoom(self.rooms, toJID, fromJID)
        if not node:
            return _query(NS_DISCO_INFO, self.roomInfo(room))
        if node == NODE_ROOMUSER:
            nick = room.reservedNick(fromJID)
            return _query(NS_DISCO_INFO, _identity(nick) if nick else "", node)
        if node in hats.COMMANDS and hats.mayManageHats(room, fromJID):
            # XEP-0050 section 2.2: what a command node is.
            return _query(NS_DISCO_INFO, "<identity category='automation' type='command-node'"
                          "%s/>" % attributes(name=hats.COMMANDS[node])
                          + _features((hats.NS_COMMANDS, NS_DATA)), node)
        raise errors.ItemNotFound("no such node")

    def roomInfo(self, room):
        """
        @return: the identity, features and C{muc#roominfo} form of a room,
            as text.
        """
        form = forms.roomInfoForm(room.config, len(room.occupants), room.subject,
                                  room.owners())
        return (_identity(room.config.name or room.jid.user)
                + _features(roomFeatures(room.config) + offline.roomFeatures(self.rooms, room))
                + serialize(form.toElement()))

    def getItems(self, iq, fromJID, toJID):
        if iq.query.getAttribute("node") == hats.NS_COMMANDS and toJID.user is not None:
            return self.commandItems(visibleRoom(self.rooms, toJID, fromJID), fromJID)
        if iq.query.getAttribute("node"):
            raise errors.ItemNotFound("no such node")
        if toJID.user is None:
            rooms = sorted(self.rooms.publicRooms(), key=lambda room: room.jid.full())
            return _query(NS_DISCO_ITEMS, "".join(
                _item(room.jid.full(), room.config.name or room.jid.user) for room in rooms))
        room = visibleRoom(self.rooms, toJID, fromJID)
        items = ""
        if room.config.whois == "anyone" and fromJID in room.sessions:
            items = "".join(_item(occupantJID(room, occupant.nick))
                            for occupant in room.occupants.values()
                            if room.broadcastsPresenceOf(occupant))
        return _query(NS_DISCO_ITEMS, items)

    def commandItems(self, room, fromJID):
        """
        The room's ad-hoc commands (XEP-0050 section 2.1): the hat commands,
        for its owners and admins; nothing for the others.
        """
        items = ""
        if hats.mayManageHats(room, fromJID):
            items = "".join("<item%s/>" % attributes(jid=room.jid.full(), node=node, name=name)
                            for node, name in hats.COMMANDS.items())
        return _query(NS_DISCO_ITEMS, items, hats.NS_COMMANDS)
