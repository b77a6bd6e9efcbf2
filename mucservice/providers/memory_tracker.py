"""
The in-memory L{IJoinTracker}: the default, and the only one a single
service process needs.
"""

from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IJoinTracker
from mucservice.memory import compacted
from mucservice.providers.observers import ObserverList


def _items(entry):
    """
    @param entry: an index's entry as the tracker keeps it: one item alone
        (a JID), or a tuple of several.
    @return: its items, as a tuple.
    """
    return entry if type(entry) is tuple else (entry,)


def _entry(items):
    """
    @param items: a tuple of one item or more.
    @return: how the tracker keeps them: the one item alone, else the tuple.
    """
    return items[0] if len(items) == 1 else items


@implementer(IJoinTracker)
class MemoryJoinTracker:
    """
    Four indexes kept in step: real JID to rooms, room to occupants, bare JID
    to the real JIDs it has in rooms, domain to real JIDs.

    A session is in a room or two, a user has a session or two: their
    entries are the one room (or real JID) alone, or a tuple of several
    made again on each change, and not a dictionary and a set each, which
    would take some 440 bytes more per occupant; a session's nick in a room
    is read from the room's occupants. A tuple of one would cost an object
    more per session and per user: 48 bytes each, and one more for the
    garbage collector to look at. The indexes are made again once a crowd
    has left them (L{compacted}).
    """

    def __init__(self):
        self._roomsByReal = {}
        self._occupantsByRoom = {}
        self._resourcesByUser = {}
        self._realsByDomain = {}
        self._observers = ObserverList()

    def _nickIn(self, realJID, roomJID):
        if roomJID in _items(self._roomsByReal.get(realJID, ())):
            return self._occupantsByRoom[roomJID][realJID]
        return None

    def _setIn(self, realJID, roomJID, present):
        """
        Record C{realJID} as in C{roomJID}, or if not C{present} as not.
        """
        rooms = tuple(room for room in _items(self._roomsByReal.get(realJID, ()))
                      if room != roomJID)
        if present:
            rooms += (roomJID,)
        if rooms:
            self._roomsByReal[realJID] = _entry(rooms)
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
            self._resourcesByUser[userJID] = _entry(
                _items(self._resourcesByUser.get(userJID, ())) + (realJID,))
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
        others = tuple(other for other in _items(self._resourcesByUser[userJID])
                       if other != realJID)
        if others:
            self._resourcesByUser[userJID] = _entry(others)
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
                for room in _items(self._roomsByReal.get(realJID, ()))}

    def occupantsFrom(self, domain):
        return set(self._realsByDomain.get(domain, ()))

    def realJIDs(self):
        return set(self._roomsByReal)

    def isPresent(self, userJID, roomJID):
        for realJID in _items(self._resourcesByUser.get(userJID.userhostJID(), ())):
            if self._nickIn(realJID, roomJID) is not None:
                return True
        return False

    def addObserver(self, observer):
        self._observers.add(observer)

    def removeObserver(self, observer):
        self._observers.remove(observer)


def makeMemoryJoinTracker(argstring, context):
    return MemoryJoinTracker()
