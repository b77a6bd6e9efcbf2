"""
The in-memory L{IRoomStore}: rooms live as long as the process.

For tests and for services that want no disk at all. It hands out copies,
so that nothing a caller does to a record changes what is stored, just as
with a database.
"""

import copy
from collections import deque

from twisted.internet import defer
from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IRoomStore
from mucservice.records import AFFILIATIONS, Affiliation, RoomRecord


@implementer(IRoomStore)
class MemoryRoomStore:
    def __init__(self):
        self._rooms = {}
        self._history = {}

    def _room(self, roomJID):
        try:
            return self._rooms[roomJID]
        except KeyError:
            raise errors.ItemNotFound("room %s is not stored" % roomJID.full())

    def loadRooms(self):
        return defer.succeed([copy.deepcopy(room) for room in self._rooms.values()])

    def saveRoom(self, roomJID, config, affiliations=None):
        affiliations = dict(affiliations or {})
        for entry in affiliations.values():
            if entry is not None and entry.affiliation not in AFFILIATIONS:
                return defer.fail(errors.BadRequest("no such affiliation: %r"
                                                    % (entry.affiliation,)))
        room = self._rooms.get(roomJID)
        if room is None:
            room = self._rooms[roomJID] = RoomRecord(jid=roomJID)
            self._history[roomJID] = deque()
        room.config = copy.deepcopy(config)
        for userJID, entry in affiliations.items():
            if entry is None:
                room.affiliations.pop(userJID.userhostJID(), None)
            else:
                room.affiliations[userJID.userhostJID()] = copy.deepcopy(entry)
        return defer.succeed(None)

    def deleteRoom(self, roomJID):
        self._rooms.pop(roomJID, None)
        self._history.pop(roomJID, None)
        return defer.succeed(None)

    def setAffiliation(self, roomJID, userJID, affiliation, data=None):
        if affiliation not in AFFILIATIONS:
            return defer.fail(errors.BadRequest("no such affiliation: %r" % (affiliation,)))
        try:
            room = self._room(roomJID)
        except errors.ItemNotFound:
            return defer.fail()
        userJID = userJID.userhostJID()
        if affiliation == "none" and not data:
            room.affiliations.pop(userJID, None)
        else:
            room.affiliations[userJID] = Affiliation(affiliation, dict(data or {}))
        return defer.succeed(None)

    def setSubject(self, roomJID, subject, nick):
        try:
            room = self._room(roomJID)
        except errors.ItemNotFound:
            return defer.fail()
        room.subject, room.subjectNick = subject, nick
        return defer.succeed(None)

    def setAvatar(self, roomJID, avatar):
        try:
            room = self._room(roomJID)
        except errors.ItemNotFound:
            return defer.fail()
        room.avatar = avatar
        return defer.succeed(None)

    def appendHistory(self, roomJID, entry, maxLength):
        try:
            self._room(roomJID)
        except errors.ItemNotFound:
            return defer.fail()
        history = self._history[roomJID]
        history.append(entry)
        return self.trimHistory(roomJID, maxLength)

    def trimHistory(self, roomJID, maxLength):
        """
        Keep only the newest C{maxLength} entries of the room's history.
        """
        try:
            self._room(roomJID)
        except errors.ItemNotFound:
            return defer.fail()
        history = self._history[roomJID]
        while len(history) > max(maxLength, 0):
            history.popleft()
        return defer.succeed(None)

    def getHistory(self, roomJID, limit):
        history = self._history.get(roomJID, ())
        if limit <= 0:
            return defer.succeed([])
        return defer.succeed(list(history)[-limit:])


def makeMemoryRoomStore(argstring, context):
    return MemoryRoomStore()
