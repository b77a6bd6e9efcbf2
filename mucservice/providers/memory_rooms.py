"""
The in-memory L{IRoomStore}: rooms live as long as the process.

For tests and for services that want no disk at all. It hands out copies,
so that nothing a caller does to a record changes what is stored, just as
with a database. A room's messages (history and archive) are one list, in
the order they were added, each marked archived or not and in the history
or not; queries run the reference semantics of L{ArchiveQuery.select
<mucservice.records.ArchiveQuery.select>} over it.
"""

import copy
import heapq

from twisted.internet import defer
from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IRoomStore
from mucservice.records import AFFILIATIONS, Affiliation, RoomRecord


class _Kept:
    """
    A message of a room, as the store keeps it.

    @ivar archived: whether it stays when it leaves the history.
    @ivar inHistory: whether it is in the history (those that are are the
        newest of the room).
    """

    __slots__ = ("entry", "archived", "inHistory")

    def __init__(self, entry, archived):
        self.entry, self.archived, self.inHistory = entry, archived, True


@implementer(IRoomStore)
class MemoryRoomStore:
    def __init__(self):
        self._rooms = {}
        # Room JID to its messages (_Kept) in the order added, and to their
        # stanza ids.
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

    def setAvatar(self, roomJID, avatar):
        try:
            room = self._room(roomJID)
        except errors.ItemNotFound:
            return defer.fail()
        room.avatar = avatar
        return defer.succeed(None)

    def appendHistory(self, roomJID, entry, maxLength):
        d = self._add(roomJID, entry, archived=False)
        return d.addCallback(lambda _: self.trimHistory(roomJID, maxLength))

    def trimHistory(self, roomJID, maxLength):
        """
        The room's history keeps only its newest C{maxLength} messages: the
        others leave it, and are forgotten unless archived.
        """
        try:
            self._room(roomJID)
        except errors.ItemNotFound:
            return defer.fail()
        kept = [k for k in self._history[roomJID] if k.inHistory]
        leaving = kept[:max(len(kept) - max(maxLength, 0), 0)]
        for k in leaving:
            k.inHistory = False
        self._forget(roomJID, lambda k: k in leaving and not k.archived)
        return defer.succeed(None)

    def _forget(self, roomJID, gone):
        """
        Forget the room's messages C{gone} says yes to.
        """
        history, ids = self._history[roomJID], self._ids[roomJID]
        for k in history:
            if gone(k):
                ids.discard(k.entry.stanzaID)
        history[:] = [k for k in history if not gone(k)]

    def getHistory(self, roomJID, limit):
        if limit <= 0:
            return defer.succeed([])
        kept = [k.entry for k in self._history.get(roomJID, ()) if k.inHistory]
        return defer.succeed(kept[-limit:])

    # The archive

    def _find(self, roomJID, stanzaID):
        """
        @return: the room's L{_Kept} message of that stanza id, or L{None}.
        """
        if stanzaID not in self._ids.get(roomJID, ()):
            return None
        return next(k for k in self._history[roomJID] if k.entry.stanzaID == stanzaID)

    def _add(self, roomJID, entry, archived):
        try:
            self._room(roomJID)
        except errors.ItemNotFound:
            return defer.fail()
        old = self._find(roomJID, entry.stanzaID) if entry.stanzaID is not None else None
        if old is not None:
            # Replaced, as if added now.
            self._forget(roomJID, lambda k: k is old)
            archived = archived or old.archived
        self._history[roomJID].append(_Kept(entry, archived))
        if entry.stanzaID is not None:
            self._ids[roomJID].add(entry.stanzaID)
        return defer.succeed(None)

    def archiveMessage(self, roomJID, entry):
        return self._add(roomJID, entry, archived=True)

    def queryArchive(self, roomJID, query):
        entries = [k.entry for k in self._history.get(roomJID, ())]
        return defer.maybeDeferred(query.select, entries)

    def findMessage(self, roomJID, stanzaID):
        kept = self._find(roomJID, stanzaID)
        return defer.succeed(kept.entry if kept is not None else None)

    def retractMessage(self, roomJID, stanzaID, retraction, announcement=None, maxLength=None):
        kept = self._find(roomJID, stanzaID)
        if kept is None:
            return defer.fail(errors.ItemNotFound("no message %r in room %s"
                                                  % (stanzaID, roomJID.full())))
        kept.entry = kept.entry.tombstone(retraction)
        if announcement is None:
            return defer.succeed(None)
        if maxLength is None:
            return self.archiveMessage(roomJID, announcement)
        return self.appendHistory(roomJID, announcement, maxLength)

    def expireArchive(self, before, limit):
        rooms = list(self._history)
        expired = heapq.nsmallest(limit, ((k.entry.stamp, r, n)
                                          for r, roomJID in enumerate(rooms)
                                          for n, k in enumerate(self._history[roomJID])
                                          if k.entry.stamp < before))
        gone = {}
        for _, r, n in expired:
            gone.setdefault(rooms[r], set()).add(id(self._history[rooms[r]][n]))
        for roomJID, kept in gone.items():
            self._forget(roomJID, lambda k, kept=kept: id(k) in kept)
        return defer.succeed(len(expired))


def makeMemoryRoomStore(argstring, context):
    return MemoryRoomStore()
