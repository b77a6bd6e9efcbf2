"""
The in-memory L{IJoinTracker}: the default, and the only one a single
service process needs.
"""

from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IJoinTracker
from mucservice.providers.observers import ObserverList


@implementer(IJoinTracker)
class MemoryJoinTracker:
    """
    Four indexes kept in step: real JID to rooms, room to occupants, bare JID
    to the real JIDs it has in rooms, domain to real JIDs.
    """

    def __init__(self):
        self._roomsByReal = {}
        self._occupantsByRoom = {}
        self._resourcesByUser = {}
        self._realsByDomain = {}
        self._observers = ObserverList()

    def recordJoin(self, realJID, roomJID, nick):
        rooms = self._roomsByReal.setdefault(realJID, {})
        oldNick = rooms.get(roomJID)
        if oldNick == nick:
            return
        if oldNick is not None:
            self.recordNickChange(realJID, roomJID, nick)
            return
        rooms[roomJID] = nick
        self._occupantsByRoom.setdefault(roomJID, {})[realJID] = nick
        self._resourcesByUser.setdefault(realJID.userhostJID(), set()).add(realJID)
        self._realsByDomain.setdefault(realJID.host, set()).add(realJID)
        self._observers.notify("occupantJoined", realJID, roomJID, nick)

    def recordLeave(self, realJID, roomJID):
        rooms = self._roomsByReal.get(realJID)
        if not rooms or roomJID not in rooms:
            return
        nick = rooms.pop(roomJID)
        occupants = self._occupantsByRoom[roomJID]
        del occupants[realJID]
        if not occupants:
            del self._occupantsByRoom[roomJID]
        if not rooms:
            self._forgetReal(realJID)
        self._observers.notify("occupantLeft", realJID, roomJID, nick)

    def _forgetReal(self, realJID):
        del self._roomsByReal[realJID]
        for index, key in ((self._resourcesByUser, realJID.userhostJID()),
                           (self._realsByDomain, realJID.host)):
            members = index[key]
            members.discard(realJID)
            if not members:
                del index[key]

    def recordNickChange(self, realJID, roomJID, newNick):
        rooms = self._roomsByReal.get(realJID, {})
        if roomJID not in rooms:
            raise errors.ItemNotFound("%s is not in %s" % (realJID.full(), roomJID.full()))
        oldNick = rooms[roomJID]
        if oldNick == newNick:
            return
        rooms[roomJID] = newNick
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
        return dict(self._roomsByReal.get(realJID, {}))

    def occupantsFrom(self, domain):
        return set(self._realsByDomain.get(domain, ()))

    def realJIDs(self):
        return set(self._roomsByReal)

    def isPresent(self, userJID, roomJID):
        for realJID in self._resourcesByUser.get(userJID.userhostJID(), ()):
            if roomJID in self._roomsByReal[realJID]:
                return True
        return False

    def addObserver(self, observer):
        self._observers.add(observer)

    def removeObserver(self, observer):
        self._observers.remove(observer)


def makeMemoryJoinTracker(argstring, context):
    return MemoryJoinTracker()
