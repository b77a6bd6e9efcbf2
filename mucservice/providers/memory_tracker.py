"""
The in-memory L{IJoinTracker}: the default, and the only one a single
service process needs.
"""

from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IJoinTracker
from mucservice.memory import compacted, entryOf, several
from mucservice.providers.observers import ObserverList


@implementer(IJoinTracker)
class MemoryJoinTracker:
    """
    Four indexes kept in step: real JID to rooms, room to occupants, bare JID
    to the real JIDs it has in rooms, domain to real JIDs.

    A session is in a room or two, a user has a session or two: their
    entries are the one room (or real JID) alone, or a tuple of several
    made again on each change, and not a dictionary and a set each, which
    would take some 440 bytes more per occupant (L{entryOf}); a session's
    nick in a room is read from the room's occupants. The indexes are made
    again once a crowd has left them (L{compacted}).
    """

    def __init__(self):
        self._roomsByReal = {}
        self._occupantsByRoom = {}
        self._resourcesByUser = {}
        self._realsByDomain = {}
        self._observers = ObserverList()

    def _nickIn(self, realJID, roomJID):
        if roomJID in several(self._roomsByReal.get(realJID, ())):
            return self._occupantsByRoom[roomJID][realJID]
        return None

    def _setIn(self, realJID, roomJID, present):
        """
        Record C{realJID} as in C{roomJID}, or if not C{present} as not.
        """
        rooms = tuple(room for room in several(self._roomsByReal.get(realJID, ()))
                      if room != roomJID)
        if present:
            rooms += (roomJID,)
        if rooms:
            self._roomsByReal[realJID] = entryOf(rooms)
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
        self._setIn(realJID, roomJID, True)
        self._occupantsByRoom.setdefault(roomJID, {})[realJID] = nick
        if first:
            userJID = realJID.userhostJID()
            self._resourcesByUser[userJID] = entryOf(
                several(self._resourcesByUser.get(userJID, ())) + (realJID,))
            self._realsByDomain.setdefault(realJID.host, set()).add(realJID)
        self._observers.notify("occupantJoined", realJID, roomJID, nick)

    def recordLeave(self, realJID, roomJID):
        nick = self._nickIn(realJID, roomJID)
        if nick is None:
            return
        self._setIn(realJID, roomJID, False)
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
        others = tuple(other for other in several(self._resourcesByUser[userJID])
                       if other != realJID)
        if others:
            self._resourcesByUser[userJID] = entryOf(others)
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
        return {room: self._occupantsByRoom[room][realJID]
                for room in several(self._roomsByReal.get(realJID, ()))}

    def occupantsFrom(self, domain):
        return set(self._realsByDomain.get(domain, ()))

    def realJIDs(self):
        return set(self._roomsByReal)

    def isPresent(self, userJID, roomJID):
        for realJID in several(self._resourcesByUser.get(userJID.userhostJID(), ())):
            if self._nickIn(realJID, roomJID) is not None:
                return True
        return False

    def addObserver(self, observer):
        self._observers.add(observer)

    def removeObserver(self, observer):
        self._observers.remove(observer)


def makeMemoryJoinTracker(argstring, context):
    return MemoryJoinTracker()
