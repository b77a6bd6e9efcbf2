"""
The archive of a room (XEP-0313), and messages taken back: by their
senders (XEP-0424) and by moderators (XEP-0425). Mixed into the
L{RoomService<mucservice.room.service.RoomService>}.

A room's archive and its history are one sequence of messages: a
persistent room that archives keeps every message in the room store (until
it expires, L{mucservice.room.retention}), a temporary room its history, in
memory; the history a newcomer receives is the newest of them either way.
A query runs in the store for a persistent room and over the history
(L{ArchiveQuery.select<mucservice.records.ArchiveQuery.select>}) for a
temporary one.

A message taken back becomes a tombstone wherever the room keeps it
(L{HistoryEntry.tombstone<mucservice.records.HistoryEntry.tombstone>}): in
the history, in the store, and so in what queries and newcomers receive. A
moderation is acknowledged: the tombstone and the room's announcement are
stored first, then applied and told. A sender's own retraction is a
groupchat message like any other, told first and written after, with its
tombstone.
"""

from datetime import timedelta

from twisted.internet import defer

from mucservice import errors
from mucservice.records import ArchiveQuery, HistoryEntry, Retraction
from mucservice.room import roles
from mucservice.room.history import newStanzaID
from mucservice.room.outcomes import ArchiveResult, Reflected

#: The messages of a page of the archive when the query names no C{max}.
DEFAULT_PAGE = 100
#: The most messages of a page, whatever the query asks.
MAX_PAGE = 250


def mayReadArchive(room, realJID):
    """
    Whether C{realJID} may read the archive of C{room}: its members,
    admins and owners; in an open room also its occupants; never those
    it bans.
    """
    affiliation = room.affiliationOf(realJID)
    if affiliation == roles.OUTCAST:
        return False
    if affiliation in roles.AFFILIATED:
        return True
    return not room.config.membersOnly and realJID in room.sessions


def seesSenders(room, realJID):
    """
    Whether C{realJID} learns the real JIDs of the senders of archived
    messages: those the room shows real JIDs in presence (everyone in a
    non-anonymous room, moderators in a semi-anonymous one), and its owners
    and admins, who are moderators whenever they are in it.
    """
    return (room.mayDiscoverJIDs(room.sessions.get(realJID))
            or room.affiliationOf(realJID) in (roles.OWNER, roles.ADMIN))


class Archiving:
    """
    Reading archives and taking messages back. Expects of the class it is
    mixed into: C{visibleRoom}, C{roomFor}, C{store}, C{writer}, C{changes},
    C{limits}, C{now}, C{keep} and C{_offlineCopies}.

    @ivar archiveExpires: how long the archive keeps a message, in seconds
        (C{--archive-expires}), or L{None} for ever.
    """

    archiveExpires = None

    def archiveCutoff(self):
        """
        @return: the moment before which messages have expired, or L{None}
            if they never do.
        """
        if self.archiveExpires is None:
            return None
        return self.now() - timedelta(seconds=self.archiveExpires)

    def unexpired(self, entries):
        """
        @param entries: L{HistoryEntry}s, oldest first.
        @return: those that have not expired, as a list: the store forgets
            expired messages in batches, newcomers never see them.
        """
        cutoff = self.archiveCutoff()
        return [e for e in entries if cutoff is None or e.stamp >= cutoff]

    # Reading

    def archivedRoom(self, realJID, roomJID):
        """
        @return: the room whose archive C{realJID} asks for.
        @raise errors.ItemNotFound: there is no such room (for C{realJID}).
        @raise errors.FeatureNotImplemented: the room keeps no archive.
        @raise errors.Forbidden: C{realJID} may not read it.
        """
        room = self.visibleRoom(roomJID, realJID)
        if not room.config.archiving:
            raise errors.FeatureNotImplemented("this room keeps no archive")
        if not mayReadArchive(room, realJID):
            raise errors.Forbidden("the archive of this room is for its occupants and members")
        return room

    def queryArchive(self, realJID, roomJID, query, withJID=None):
        """
        Run a query of a room's archive for C{realJID}: a page of at most
        L{MAX_PAGE} messages (L{DEFAULT_PAGE} if the query's C{max} is
        L{None}), of those that have not expired.

        @param query: an L{ArchiveQuery<mucservice.records.ArchiveQuery>}.
        @param withJID: the XEP-0313 C{with}, or L{None}: an occupant JID of
            the room keeps the messages sent under that nick; any other JID
            those its user sent, for those who may see senders' JIDs.
        @return: a Deferred of an L{ArchiveResult}.
        @raise errors.Forbidden: C{withJID} names a sender the asker may not
            know, or as L{archivedRoom}.
        """
        room = self.archivedRoom(realJID, roomJID)
        self.limits.archiveQuery(room, realJID)
        showSenders = seesSenders(room, realJID)
        if withJID is not None:
            if withJID.userhostJID() == room.jid and withJID.resource:
                query = query.replace(nick=withJID.resource)
            elif showSenders:
                query = query.replace(realJID=withJID)
            else:
                raise errors.Forbidden("this room does not show you who sent its messages")
        if query.ids is not None and len(query.ids) > MAX_PAGE:
            raise errors.PolicyViolation("a query may name at most %d ids" % (MAX_PAGE,))
        cutoff = self.archiveCutoff()
        if cutoff is not None and (query.start is None or query.start < cutoff):
            query = query.replace(start=cutoff)
        query = query.replace(max=min(DEFAULT_PAGE if query.max is None else query.max,
                                      MAX_PAGE))
        d = self._archivePage(room, query)
        return d.addCallback(lambda page: ArchiveResult(room, page, showSenders))

    def archiveBounds(self, realJID, roomJID):
        """
        The first and last messages of a room's archive (XEP-0313 metadata).

        @return: a Deferred of the room and the two L{HistoryEntry}s, each
            L{None} if the archive is empty.
        """
        room = self.archivedRoom(realJID, roomJID)
        self.limits.archiveQuery(room, realJID)
        query = ArchiveQuery(start=self.archiveCutoff(), max=1)
        pages = [self._archivePage(room, query), self._archivePage(room, query.replace(before=""))]
        d = defer.gatherResults(pages, consumeErrors=True)
        d.addErrback(lambda failure: failure.value.subFailure)
        return d.addCallback(lambda pages: (room,) + tuple(
            page.entries[0] if page.entries else None for page in pages))

    def _archivePage(self, room, query):
        if room.config.persistent:
            return self.store.queryArchive(room.jid, query)
        return defer.maybeDeferred(query.select, room.history)

    # Taking messages back

    def findMessage(self, room, stanzaID):
        """
        @return: a Deferred of the room's message of that stanza id (from
            its history, else from the store), or of L{None}.
        """
        for entry in reversed(room.history):
            if entry.stanzaID == stanzaID:
                return defer.succeed(entry)
        if room.config.persistent:
            return self.store.findMessage(room.jid, stanzaID)
        return defer.succeed(None)

    def moderator(self, room, realJID):
        """
        @return: the occupant of C{realJID}, a moderator.
        @raise errors.Forbidden: C{realJID} is no moderator of C{room}.
        """
        occupant = room.sessions.get(realJID)
        if occupant is None or occupant.role != roles.MODERATOR:
            raise errors.Forbidden("only moderators may retract the messages of others")
        return occupant

    def moderate(self, realJID, roomJID, stanzaID, reason=None):
        """
        A moderator retracts a message of the room (XEP-0425): once the
        tombstone and the room's announcement of it are stored, the room
        tells everyone the announcement.

        @return: a Deferred of the L{Reflected} announcement.
        @raise errors.Forbidden: C{realJID} is no moderator.
        @raise errors.ItemNotFound: the room keeps no message of that id
            (through the Deferred).
        """
        room = self.roomFor(realJID, roomJID)
        self.moderator(room, realJID)
        self.limits.message(room, realJID)
        d = self.findMessage(room, stanzaID)

        def change(target):
            moderator = self.moderator(room, realJID)
            if target is None:
                raise errors.ItemNotFound("this room keeps no message %r" % (stanzaID,))
            if target.moderation is not None:
                raise errors.NotAllowed("the room's own messages cannot be retracted")
            now = self.now()
            announcementID = newStanzaID()
            retraction = Retraction(target.stanzaID, now, moderator.nick,
                                    room.occupantID(moderator.userJID),
                                    reason, True, announcementID)
            announcement = HistoryEntry(now, "", None, "", announcementID, None, announcementID,
                                        moderation=retraction)
            return (lambda: self.writer.storeRetraction(room, retraction, announcement),
                    lambda: self._moderated(room, retraction, announcement))

        return d.addCallback(lambda target: self.changes.run(room, lambda: change(target)))

    def _moderated(self, room, retraction, announcement):
        self._tombstone(room, retraction)
        room.addHistory(announcement)
        self.limits.boundHistory(room)
        return Reflected(room, announcement, self._offlineCopies(room, announcement))

    def _tombstone(self, room, retraction):
        """
        Make the message C{retraction} takes back a tombstone in the room's
        history, if it is there.
        """
        for n, entry in enumerate(room.history):
            if entry.stanzaID == retraction.target:
                room.history[n] = entry.tombstone(retraction)

    def retractOwn(self, room, occupant, entry, stanzaID):
        """
        A groupchat message of C{occupant} that retracts one of its own
        (XEP-0424): the message goes on as any other, and the one it takes
        back becomes a tombstone. A message the room does not keep is taken
        back by the clients alone.

        @param entry: the retraction, as a L{HistoryEntry} to keep.
        @param stanzaID: the stanza id of the message it takes back.
        @return: a Deferred of the L{Reflected} retraction.
        @raise errors.Forbidden: that message is someone else's (through the
            Deferred).
        """
        occupantID = room.occupantID(occupant.userJID)

        def found(target):
            if target is not None and (target.occupantID != occupantID
                                       or target.moderation is not None):
                raise errors.Forbidden("you may retract only your own messages")
            kept = self.keep(room, entry)
            if target is None:
                return kept
            retraction = Retraction(target.stanzaID, entry.stamp, occupant.nick, occupantID,
                                    None, False, entry.stanzaID)

            def tombstone(outcome):
                self._tombstone(room, retraction)
                self.writer.saveRetraction(room, retraction)
                return outcome

            return defer.maybeDeferred(lambda: kept).addCallback(tombstone)

        return self.findMessage(room, stanzaID).addCallback(found)

