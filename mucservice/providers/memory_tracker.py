"""
The in-memory L{IJoinTracker}: the default, and the only one a single
service process needs.
"""

from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IJoinTracker
from mucservice.memory import compacted
from mucservice.providers.observers import ObserverList


def _pairs(rooms):
    """
    @param rooms: a session's rooms as the tracker keeps them: a flat
        tuple C{(room, nick, room, nick, ...)}.
    @return: C{(room, nick)} pairs.
    """
    return zip(rooms[::2], rooms[1::2])


@implementer(IJoinTracker)
class MemoryJoinTracker:
    """
    Four indexes kept in step: real JID to rooms, room to occupants, bare JID
    to the real JIDs it has in rooms, domain to real JIDs.

    A session is in a room or two, a user has a session or two: their
    indexes are flat tuples (a session's C{(room, nick, room, nick, ...)},
    a user's real JIDs), made again on each change, and not a dictionary
    and a set each, which would take some 440 bytes more per occupant.
    The indexes are made again once a crowd has left them (L{compacted}).
    """

    def __init__(self):
        self._roomsByReal = {}
        self._occupantsByRoom = {}
        self._resourcesByUser = {}
        self._realsByDomain = {}
        self._observers = ObserverList()

    def _nickIn(self, realJID, roomJID):
        for room, nick in _pairs(self._roomsByReal.get(realJID, ())):
            if room == roomJID:
                return nick
        return None

    def _setNick(self, realJID, roomJID, nick):
        """
        Record C{realJID} in C{roomJID} as C{nick}, or as in no room there
        if C{nick} is L{None}.
        """
        rooms = ()
        for room, otherNick in _pairs(self._roomsByReal.get(realJID, ())):
            if room != roomJID:
                rooms += (room, otherNick)
        if nick is not None:
            rooms += (roomJID, nick)
        if rooms:
            self._roomsByReal[realJID] = rooms
        else:
            del self._roomsByReal[realJID]
            self._roomsByReal = compacted(self._roomsByReal)

    def recordJoin(self, realJID, roomJID, nick):
        oldNick = self._nickIn(realJID, roomJID)
        if oldNick == nick:
            return
        if oldNick is not None:
            self.recordNickChange(realJID, roomJID, nick)
            return
        first = realJID not in self._roomsByReal
        self._setNick(realJID, roomJID, nick)
        self._occupantsByRoom.setdefault(roomJID, {})[realJID] = nick
        if first:
            userJID = realJID.userhostJID()
            self._resourcesByUser[userJID] = self._resourcesByUser.get(userJID, ()) + (realJID,)
            self._realsByDomain.setdefault(realJID.host, set()).add(realJID)
        self._observers.notify("occupantJoined", realJID, roomJID, nick)

    def recordLeave(self, realJID, roomJID):
        nick = self._nickIn(realJID, roomJID)
        if nick is None:
            return
        self._setNick(realJID, roomJID, None)
        occupants = self._occupantsByRoom[roomJID]
        del occupants[realJID]
        if occupants:
            self._occupantsByRoom[roomJID] = compacted(occupants)
        else:
            del self._occupantsByRoom[roomJID]
            self._occupantsByRoom = compacted(self._occupantsByRoom)
        if realJID not in self._roomsByReal:
            self._forgetReal(realJID)
        self._observers.notify("occupantLeft", realJID, roomJID, nick)

    def _forgetReal(self, realJID):
        userJID = realJID.userhostJID()
        others = tuple(other for other in self._resourcesByUser[userJID] if other != realJID)
        if others:
            self._resourcesByUser[userJID] = others
        else:
            del self._resourcesByUser[userJID]
            self._resourcesByUser = compacted(self._resourcesByUser)
        members = self._realsByDomain[realJID.host]
        members.discard(realJID)
        if members:
            self._realsByDomain[realJID.host] = compacted(members)
        else:
            del self._realsByDomain[realJID.host]
            self._realsByDomain = compacted(self._realsByDomain)

    def recordNickChange(self, realJID, roomJID, newNick):
        oldNick = self._nickIn(realJID, roomJID)
        if oldNick is None:
            raise errors.ItemNotFound("%s is not in %s" % (realJID.full(), roomJID.full()))
        if oldNick == newNick:
            return
        self._setNick(realJID, roomJID, newNick)
        self._occupantsByRoom[roomJID][realJID] = newNick
        self._observers.notify("nickChanged", realJID, roomJID, oldNick, newNick)

    def forgetRoom(self, roomJID):
        reals = set(self._occupantsByRoom.get(roomJID, ()))
        for realJID in reals:
            self.recordLeave(realJID, roomJID)
        return reals

    def forgetAll(self):
        self._roomsByReal.clear()
        self._occupantsByRoom.clear()
        self._resourcesByUser.clear()
        self._realsByDomain.clear()

    def roomsOf(self, realJID):
        return dict(_pairs(self._roomsByReal.get(realJID, ())))

    def occupantsFrom(self, domain):
        return set(self._realsByDomain.get(domain, ()))

    def realJIDs(self):
        return set(self._roomsByReal)

    def isPresent(self, userJID, roomJID):
        for realJID in self._resourcesByUser.get(userJID.userhostJID(), ()):
            if self._nickIn(realJID, roomJID) is not None:
                return True
        return False

    def addObserver(self, observer):
        self._observers.add(observer)

    def removeObserver(self, observer):
        self._observers.remove(observer)


def makeMemoryJoinTracker(argstring, context):
    return MemoryJoinTracker()
