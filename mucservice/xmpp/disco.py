"""
Service Discovery (XEP-0030) of the MUC service and its rooms (XEP-0045
sections 6 and 7.12).

Disco requests to an occupant (C{room@service/nick}) never get here: the
occupant IQ router of L{mucservice.xmpp.ping} takes them first.
"""

from mucservice import errors
from mucservice.room import privacy, roles
from mucservice.xmpp import archive, forms, margins, rsm, servicecommands
from mucservice.xmpp.handler import RoomHandler
from mucservice.xmpp.hats import COMMANDS
from mucservice.xmpp.namespaces import (
    FEATURE_OFFLINE,
    FEATURE_STABLE_ID,
    FEATURE_TOMBSTONE,
    FEATURE_TOMBSTONE_LEGACY,
    NS_COMMANDS,
    NS_DATA,
    NS_DISCO_INFO,
    NS_DISCO_ITEMS,
    NS_HATS,
    NS_IQ_REGISTER,
    NS_MODERATE,
    NS_MODERATE_LEGACY,
    NS_MUC,
    NS_OCCUPANT_ID,
    NS_PING,
    NS_REQUEST,
    NS_RETRACT,
    NS_RETRACT_LEGACY,
    NS_SELF_PING,
    NS_STANZA_ID,
    NS_VCARD,
)
from mucservice.xmpp.render import attributes, quote, serialize
from mucservice.xmpp.vcard import avatarHashField

#: The node of XEP-0045 section 7.12: a user's reserved nick in a room.
NODE_ROOMUSER = "x-roomuser-item"

#: What the service itself supports.
#: XEP-0317 asks the service, not only its rooms, to advertise hats.
#: XEP-0486 asks it to advertise vcard-temp, the room avatars.
#: XEP-0421 asks a service whose every room gives occupant ids to say so.
SERVICE_FEATURES = (NS_MUC, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, NS_HATS, NS_VCARD,
                    NS_OCCUPANT_ID)

#: What every room supports, whatever its configuration; messages taken
#: back (XEP-0424, XEP-0425) in the current and the older namespaces.
ROOM_FEATURES = (NS_MUC, FEATURE_STABLE_ID, NS_REQUEST, NS_OCCUPANT_ID, NS_STANZA_ID,
                 NS_IQ_REGISTER, NS_PING, NS_SELF_PING, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_HATS,
                 NS_COMMANDS, NS_VCARD, NS_MODERATE, NS_MODERATE_LEGACY, NS_RETRACT,
                 NS_RETRACT_LEGACY, FEATURE_TOMBSTONE, FEATURE_TOMBSTONE_LEGACY)


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
    archived = archive.FEATURES if config.archiving else ()
    return ROOM_FEATURES + archived + tuple(yes if flag else no for flag, yes, no in flags)


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

    The items of a room are the occupants it lists to the requester
    (L{Room.listedOccupants<mucservice.room.room.Room.listedOccupants>}),
    as C{room@service/nick}.

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
                return servicecommands.commandInfo(self.rooms, fromJID, node)
            return _query(NS_DISCO_INFO, _identity(self.name) + _features(
                SERVICE_FEATURES + servicecommands.commandFeatures(self.rooms, fromJID)))
        room = self.rooms.visibleRoom(toJID, fromJID)
        if not node:
            return _query(NS_DISCO_INFO, self.roomInfo(room, fromJID))
        if node == NODE_ROOMUSER:
            nick = room.reservedNick(fromJID)
            return _query(NS_DISCO_INFO, _identity(nick) if nick else "", node)
        if node in COMMANDS and room.managesHats(fromJID):
            # XEP-0050 section 2.2: what a command node is.
            return _query(NS_DISCO_INFO, "<identity category='automation' type='command-node'"
                          "%s/>" % attributes(name=COMMANDS[node])
                          + _features((NS_COMMANDS, NS_DATA)), node)
        raise errors.ItemNotFound("no such node")

    def roomInfo(self, room, requester):
        """
        @return: the identity, features and C{muc#roominfo} form of a room,
            as text, with the contacts and subject if C{requester} may see
            them (L{privacy}), and the hash of its avatar if it has one.
        """
        contacts = subject = None
        if privacy.showsContacts(room, requester):
            contacts = margins.jidsWithin(room.usersWith(roles.OWNER))
        if privacy.showsSubject(room, requester):
            subject = room.subject
        form = forms.roomInfoForm(room.config, len(room.occupants), subject, contacts)
        if room.avatar is not None:
            form.addField(avatarHashField(room.avatar))
        offline = (FEATURE_OFFLINE,) if self.rooms.offersOfflineDelivery(room) else ()
        return (_identity(room.config.name or room.jid.user)
                + _features(roomFeatures(room.config) + offline)
                + serialize(form.toElement()))

    def getItems(self, iq, fromJID, toJID):
        """
        The public rooms of the service, or the occupants a room lists, a
        page at a time (L{rsm}).
        """
        if iq.query.getAttribute("node") == NS_COMMANDS and toJID.user is None:
            return servicecommands.commandItems(self.rooms, fromJID, toJID)
        if iq.query.getAttribute("node") == NS_COMMANDS and toJID.user is not None:
            return self.commandItems(self.rooms.visibleRoom(toJID, fromJID), fromJID)
        if iq.query.getAttribute("node"):
            raise errors.ItemNotFound("no such node")
        request = rsm.parseRequest(iq.query)
        if toJID.user is None:
            rooms = self.rooms.publicRooms()
            return _query(NS_DISCO_ITEMS, rsm.page(
                [room.jid.full() for room in rooms],
                lambda n: _item(rooms[n].jid.full(), rooms[n].config.name or rooms[n].jid.user),
                request, rsm.DISCO_PAGE))
        room = self.rooms.visibleRoom(toJID, fromJID)
        jids = ["%s/%s" % (room.jid.userhost(), o.nick) for o in room.listedOccupants(fromJID)]
        return _query(NS_DISCO_ITEMS, rsm.page(jids, lambda n: _item(jids[n]), request,
                                               rsm.DISCO_PAGE))

    def commandItems(self, room, fromJID):
        """
        The room's ad-hoc commands (XEP-0050 section 2.1): the hat commands,
        for its owners and admins; nothing for the others.
        """
        items = ""
        if room.managesHats(fromJID):
            items = "".join("<item%s/>" % attributes(jid=room.jid.full(), node=node, name=name)
                            for node, name in COMMANDS.items())
        return _query(NS_DISCO_ITEMS, items, NS_COMMANDS)
