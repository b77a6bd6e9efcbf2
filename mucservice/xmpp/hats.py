"""
Hats (XEP-0317) at the protocol edge: who may manage them, the ad-hoc
commands that do (their nodes and names, for service discovery), and the
observer that keeps every room's hat cache current and tells the room when
an occupant's hats change.

The hats themselves are rendered into presence by
L{PresenceBroadcast<mucservice.xmpp.broadcast.PresenceBroadcast>}, from the
room's cache (L{Room.hats<mucservice.room.room.Room.hats>}); the commands
are answered by L{mucservice.xmpp.commands}.
"""

from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IHatObserver
from mucservice.room import roles
from mucservice.xmpp import broadcast
from mucservice.xmpp.handler import RoomHandler

NS_HATS = broadcast.NS_HATS
NS_COMMANDS = "http://jabber.org/protocol/commands"

#: The FORM_TYPE of the forms of the hat commands.
FORM_TYPE = "urn:xmpp:hats:commands"

NODE_DON = "urn:xmpp:hats:commands:don"
NODE_DOFF = "urn:xmpp:hats:commands:doff"
NODE_LIST = "urn:xmpp:hats:commands:list"

#: The ad-hoc commands of a room, node to name, in the order listed.
COMMANDS = {
    NODE_DON: "Give a hat",
    NODE_DOFF: "Take a hat off",
    NODE_LIST: "List who wears which hat",
}


def mayManageHats(room, userJID):
    """
    Whether C{userJID} may give and take hats in C{room}: its owners and
    admins (service administrators are owners of every room).
    """
    return room.affiliationOf(userJID) in (roles.OWNER, roles.ADMIN)


def checkManager(room, userJID):
    """
    @raise errors.Forbidden: C{userJID} may not manage hats in C{room}.
    """
    if not mayManageHats(room, userJID):
        raise errors.Forbidden("only owners and admins of the room manage its hats")


@implementer(IHatObserver)
class HatPresence(RoomHandler):
    """
    Told of every change of hats by the hat store: keeps the room's cache
    current at once and, when what presence shows of the user's hats
    changed, sends the presence of the user's occupant to the room.

    That presence is sent on the next turn of the reactor, one for any
    number of changes made meanwhile: a change may be made while a join is
    being handled (e.g. by a join observer), and the room must finish
    telling that join first. Changes for a user with no occupant in the
    room, or in a room this service does not have, only touch the cache.

    @ivar pending: C{(room JID, user JID)} to the delayed call that will
        send the presence.
    """

    def __init__(self, rooms, reactor=None):
        RoomHandler.__init__(self, rooms, reactor)
        self.pending = {}

    def hatsChanged(self, userJID, roomJID, hats):
        room = self.rooms.getRoom(roomJID)
        if room is None:
            return
        userJID = userJID.userhostJID()
        before = broadcast.hatsText(room.hats.get(userJID))
        if hats:
            room.hats[userJID] = {uri: dict(a) for uri, a in hats.items()}
        else:
            room.hats.pop(userJID, None)
        if broadcast.hatsText(hats) == before:
            return
        key = (room.jid, userJID)
        if key not in self.pending:
            self.pending[key] = self.reactor.callLater(0, self.tellRoom, *key)

    def tellRoom(self, roomJID, userJID):
        """
        Send the presence of C{userJID}'s occupant in the room, if it has
        one, to every occupant, with the hats it wears now.
        """
        self.pending.pop((roomJID, userJID), None)
        room = self.rooms.getRoom(roomJID)
        if room is None or self.xmlstream is None:
            return
        self.sendText("".join(broadcast.PresenceBroadcast(room, occupant).toRoom()
                              for occupant in list(room.occupants.values())
                              if occupant.userJID == userJID))
