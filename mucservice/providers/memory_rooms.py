"""
The in-memory L{IRoomStore}: rooms live as long as the process.

For tests and for services that want no disk at all. It hands out copies,
so that nothing a caller does to a record changes what is stored, just as
with a database. A room's messages (history and archive) are one list, in
the order they were added; queries run the reference semantics of
L{ArchiveQuery.select<mucservice.records.ArchiveQuery.select>} over it.
"""

import copy
import heapq

from twisted.internet import defer
from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IRoomStore
from mucservice.records import AFFILIATIONS, Affiliation, RoomRecord


@implementer(IRoomStore)
class MemoryRoomStore:
    def __init__(self):
        self._rooms = {}
        # Room JID to its messages in the order added, and to their stanza ids.
        self._history = {}
        self._ids = {}

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
            self._history[roomJID] = []
            self._ids[roomJID] = set()
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
        self._ids.pop(roomJID, None)
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

    def appendHistory(self, roomJID, entry, maxLength):
        d = self.archiveMessage(roomJID, entry)
        return d.addCallback(lambda _: self.trimHistory(roomJID, maxLength))

    def trimHistory(self, roomJID, maxLength):
        """
        Keep only the newest C{maxLength} entries of the room's history.
        """
        try:
            self._room(roomJID)
        except errors.ItemNotFound:
            return defer.fail()
        self._drop(roomJID, range(len(self._history[roomJID]) - max(maxLength, 0)))
        return defer.succeed(None)

    def _drop(self, roomJID, positions):
        """
        Forget the room's messages at C{positions}.
        """
        history, ids = self._history[roomJID], self._ids[roomJID]
        positions = set(positions)
        for n in positions:
            ids.discard(history[n].stanzaID)
        history[:] = [e for n, e in enumerate(history) if n not in positions]

    def getHistory(self, roomJID, limit):
        history = self._history.get(roomJID, ())
        if limit <= 0:
            return defer.succeed([])
        return defer.succeed(list(history)[-limit:])

    # The archive

    def _position(self, roomJID, stanzaID):
        """
        @return: the index of the room's message of that stanza id, or
            L{None}.
        """
        if stanzaID not in self._ids.get(roomJID, ()):
            return None
        for n, entry in enumerate(self._history.get(roomJID, ())):
            if entry.stanzaID == stanzaID:
                return n
        return None

    def archiveMessage(self, roomJID, entry):
        try:
            self._room(roomJID)
        except errors.ItemNotFound:
            return defer.fail()
        history = self._history[roomJID]
        n = self._position(roomJID, entry.stanzaID) if entry.stanzaID is not None else None
        if n is None:
            history.append(entry)
            if entry.stanzaID is not None:
                self._ids[roomJID].add(entry.stanzaID)
        else:
            history[n] = entry
        return defer.succeed(None)

    def queryArchive(self, roomJID, query):
        return defer.maybeDeferred(query.select, self._history.get(roomJID, ()))

    def findMessage(self, roomJID, stanzaID):
        n = self._position(roomJID, stanzaID)
        return defer.succeed(None if n is None else self._history[roomJID][n])

    def retractMessage(self, roomJID, stanzaID, retraction):
        n = self._position(roomJID, stanzaID)
        if n is None:
            return defer.fail(errors.ItemNotFound("no message %r in room %s"
                                                  % (stanzaID, roomJID.full())))
        history = self._history[roomJID]
        history[n] = history[n].tombstone(retraction)
        return defer.succeed(None)

    def expireArchive(self, before, limit):
        rooms = list(self._history)
        expired = heapq.nsmallest(limit, ((entry.stamp, r, n)
                                          for r, roomJID in enumerate(rooms)
                                          for n, entry in enumerate(self._history[roomJID])
                                          if entry.stamp < before))
        gone = {}
        for _, r, n in expired:
            gone.setdefault(rooms[r], []).append(n)
        for roomJID, positions in gone.items():
            self._drop(roomJID, positions)
        return defer.succeed(len(expired))


def makeMemoryRoomStore(argstring, context):
    return MemoryRoomStore()
