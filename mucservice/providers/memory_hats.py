"""
The in-memory L{IHatStore}: hats last as long as the process.
"""

from mucservice.providers.hats import HatStoreBase


class MemoryHatStore(HatStoreBase):
    def __init__(self, rooms):
        HatStoreBase.__init__(self, rooms)
        self._hats = {}

    def _readUserHats(self, userJID, roomJID):
        return {uri: dict(a) for uri, a in self._hats.get(roomJID, {}).get(userJID, {}).items()}

    def _writeUserHats(self, userJID, roomJID, hats):
        room = self._hats.setdefault(roomJID, {})
        if hats:
            room[userJID] = {uri: dict(a) for uri, a in hats.items()}
        else:
            room.pop(userJID, None)
            if not room:
                del self._hats[roomJID]

    def _readRoomHats(self, roomJID):
        return {userJID: self._readUserHats(userJID, roomJID)
                for userJID in self._hats.get(roomJID, {})}

    def _deleteRoomHats(self, roomJID):
        self._hats.pop(roomJID, None)


def makeMemoryHatStore(argstring, context):
    return MemoryHatStore(context.rooms)
