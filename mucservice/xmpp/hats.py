"""
Hats (XEP-0317) at the protocol edge: the ad-hoc commands that manage them
(their nodes and names, for service discovery), and the observer that
tells a room when an occupant's hats change.

The hats themselves are rendered into presence by
L{PresenceBroadcast<mucservice.xmpp.broadcast.PresenceBroadcast>}, from the
room's cache (L{Room.hats<mucservice.room.room.Room.hats>}), which the room
service keeps; the commands are answered by L{mucservice.xmpp.commands}.
"""

import itertools

from zope.interface import implementer

from mucservice.interfaces import IHatObserver
from mucservice.xmpp.broadcast import shownPresence
from mucservice.xmpp.handler import RoomHandler
from mucservice.xmpp.namespaces import NODE_HATS_DOFF, NODE_HATS_DON, NODE_HATS_LIST
from mucservice.xmpp.outbox import Fanout

#: The ad-hoc commands of a room, node to name, in the order listed.
COMMANDS = {
    NODE_HATS_DON: "Give a hat",
    NODE_HATS_DOFF: "Take a hat off",
    NODE_HATS_LIST: "List who wears which hat",
}


@implementer(IHatObserver)
class HatPresence(RoomHandler):
    """
    Told of every change of hats by the hat store: hands it to the room
    service, which keeps the room's cache current at once, and, when what
    presence shows of the user's hats changed, sends the presence of the
    user's occupant to the room.

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
        room = self.rooms.hatsChanged(userJID, roomJID, hats)
        if room is None:
            return
        key = (room.jid, userJID.userhostJID())
        if key not in self.pending:
            self.pending[key] = self.reactor.callLater(0, self.tellRoom, *key)

    def tellRoom(self, roomJID, userJID):
        """
        Send the presence of C{userJID}'s occupant in the room, if it has
        one, to every occupant (those the room's presence cap leaves, see
        L{mucservice.room.audience}), with the hats it wears now.
        """
        self.pending.pop((roomJID, userJID), None)
        room = self.rooms.getRoom(roomJID)
        if room is None or self.xmlstream is None:
            return
        self.sendText(Fanout(room.jid, itertools.chain.from_iterable(
            [shownPresence(room, occupant).toRoom(occupants=room.presenceAudience(occupant))
             for occupant in room.occupantsOfUser(userJID)])))
