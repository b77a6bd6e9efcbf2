"""
The messages of rooms in the SQLite file, for L{SQLiteRoomStore
<mucservice.providers.sqlite_rooms.SQLiteRoomStore>}: one table,
C{history}, holds every message the service keeps of a room. It is the
room's archive (XEP-0313); its newest rows, from the room's
C{history_from} on, are the room's discussion history. A row that leaves
the history (the history is kept short, or an owner shortens it) is
deleted unless it is C{archived}: a room that does not archive keeps only
its history.

The archive's order is C{(stamp, id)}: the stamps, then the order the rows
were added in (C{history_time}). A stanza id names one row of a room
(C{history_stanza}); retention reads the stamps of every room
(C{history_expiry}); the history reads the newest rows (C{history_room}).

The functions here run inside a transaction on the store's thread, taking
the connection first. L{AppendBatches} gathers the messages added while a
write of them is under way into the next single transaction.
"""

import json
from datetime import datetime, timezone

from twisted.internet import defer

from mucservice import errors
from mucservice.address import parseJID
from mucservice.records import ArchivePage, HistoryEntry, Retraction

STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

#: Schema version 3: the history becomes the archive. Its rows stay where
#: they are (each keeps the stanza id its occupants saw live); tombstones
#: get their columns; a stanza id names one message of a room.
MIGRATION_TO_ARCHIVE = (
    "ALTER TABLE history ADD COLUMN retracted TEXT",
    "ALTER TABLE history ADD COLUMN moderation TEXT",
    "ALTER TABLE history ADD COLUMN archived INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE rooms ADD COLUMN history_from INTEGER NOT NULL DEFAULT 0",
    "DELETE FROM history WHERE stanza_id IS NOT NULL AND id NOT IN"
    " (SELECT MAX(id) FROM history WHERE stanza_id IS NOT NULL GROUP BY room_jid, stanza_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS history_stanza ON history (room_jid, stanza_id)",
    "CREATE INDEX IF NOT EXISTS history_time ON history (room_jid, stamp)",
    "CREATE INDEX IF NOT EXISTS history_expiry ON history (stamp)",
)

#: The columns of a message, as L{entryRow} gives them and L{rowEntry} reads them.
COLUMNS = ("stamp, nick, real_jid, payload, stanza_id, occupant_id, message_id, lang,"
           " retracted, moderation")


def formatStamp(stamp):
    """
    @return: C{stamp} as the table keeps it: UTC, to the microsecond, in a
        text that sorts as the moments do.
    """
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc).strftime(STAMP_FORMAT)


def parseStamp(text):
    return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=timezone.utc)


def storedAddress(text):
    """
    @return: the address kept with a message, or L{None} if there is none
        or the parser refuses it now.
    """
    try:
        return parseJID(text) if text is not None else None
    except errors.JIDMalformed:
        return None


def retractionText(retraction):
    """
    @return: a L{Retraction} (or L{None}) as the table keeps it: JSON.
    """
    if retraction is None:
        return None
    fields = dict(vars(retraction), stamp=formatStamp(retraction.stamp))
    return json.dumps(fields)


def _retraction(text):
    if text is None:
        return None
    fields = json.loads(text)
    return Retraction(**dict(fields, stamp=parseStamp(fields["stamp"])))


def entryRow(entry):
    """
    @return: the columns (L{COLUMNS}) of a L{HistoryEntry}, serialized in
        the caller's thread.
    """
    realJID = entry.realJID.full() if entry.realJID is not None else None
    return (formatStamp(entry.stamp), entry.nick, realJID, entry.payload, entry.stanzaID,
            entry.occupantID, entry.messageID, entry.lang, retractionText(entry.retracted),
            retractionText(entry.moderation))


def rowEntry(row):
    """
    @return: the L{HistoryEntry} of the columns (L{COLUMNS}) of a row.
    """
    stamp, nick, realJID, payload, stanzaID, occupantID, messageID, lang, retracted, \
        moderation = row
    return HistoryEntry(parseStamp(stamp), nick, storedAddress(realJID), payload, stanzaID,
                        occupantID, messageID, lang, _retraction(retracted),
                        _retraction(moderation))


def _roomIsStored(connection, roomJID):
    return connection.execute("SELECT 1 FROM rooms WHERE jid = ?",
                              (roomJID,)).fetchone() is not None


def _historyFrom(connection, roomJID):
    return connection.execute("SELECT history_from FROM rooms WHERE jid = ?",
                              (roomJID,)).fetchone()[0]


def keepNewest(connection, roomJID, maxLength):
    """
    The room's history keeps its newest C{maxLength} rows; older ones leave
    it, and are deleted unless archived.
    """
    start = _historyFrom(connection, roomJID)
    if maxLength > 0:
        row = connection.execute("SELECT id FROM history WHERE room_jid = ? AND id >= ?"
                                 " ORDER BY id DESC LIMIT 1 OFFSET ?",
                                 (roomJID, start, maxLength - 1)).fetchone()
    else:
        row = connection.execute("SELECT MAX(id) + 1 FROM history WHERE room_jid = ?",
                                 (roomJID,)).fetchone()
    if row is None or row[0] is None or row[0] <= start:
        return
    connection.execute("DELETE FROM history WHERE room_jid = ? AND id >= ? AND id < ?"
                       " AND archived = 0", (roomJID, start, row[0]))
    connection.execute("UPDATE rooms SET history_from = ? WHERE jid = ?", (row[0], roomJID))


def appendMessages(connection, messages):
    """
    Add messages, of any rooms, in one transaction: a message whose stanza
    id its room holds already replaces it, as if added now; a message given the length of
    its room's history is not archived, and the history keeps only its
    newest messages.

    @param messages: C{(roomJID, row, maxLength)}: the room as text, the
        columns of L{entryRow}, and the length of its history, or L{None}
        for a message archived.
    @return: for each message, L{None}, or the L{errors.ItemNotFound} of a
        room not stored.
    """
    stored = {}
    outcomes = []
    for roomJID, row, maxLength in messages:
        if roomJID not in stored:
            stored[roomJID] = _roomIsStored(connection, roomJID)
        if not stored[roomJID]:
            outcomes.append(errors.ItemNotFound("room %s is not stored" % (roomJID,)))
            continue
        archived = maxLength is None
        if row[4] is not None:
            old = connection.execute("SELECT id, archived FROM history WHERE room_jid = ?"
                                     " AND stanza_id = ?", (roomJID, row[4])).fetchone()
            if old is not None:
                connection.execute("DELETE FROM history WHERE id = ?", (old[0],))
                archived = archived or bool(old[1])
        connection.execute("INSERT INTO history (room_jid, archived, %s)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" % (COLUMNS,),
                           (roomJID, archived) + row)
        if maxLength is not None:
            keepNewest(connection, roomJID, maxLength)
        outcomes.append(None)
    return outcomes


def getHistory(connection, roomJID, limit):
    rows = connection.execute(
        "SELECT %s FROM history WHERE room_jid = ? AND id >= (SELECT history_from FROM rooms"
        " WHERE jid = ?) ORDER BY id DESC LIMIT ?" % (COLUMNS,),
        (roomJID, roomJID, limit)).fetchall()
    return [rowEntry(row) for row in reversed(rows)]


def findMessage(connection, roomJID, stanzaID):
    row = connection.execute("SELECT %s FROM history WHERE room_jid = ? AND stanza_id = ?"
                             % (COLUMNS,), (roomJID, stanzaID)).fetchone()
    return rowEntry(row) if row is not None else None


def retractMessage(connection, roomJID, stanzaID, retracted):
    """
    @param retracted: the L{Retraction}, as JSON.
    """
    cursor = connection.execute("UPDATE history SET payload = '', retracted = ?"
                                " WHERE room_jid = ? AND stanza_id = ?",
                                (retracted, roomJID, stanzaID))
    if cursor.rowcount == 0:
        raise errors.ItemNotFound("no message %r in room %s" % (stanzaID, roomJID))


def expireArchive(connection, before, limit):
    """
    @param before: a stamp, as L{formatStamp} gives it.
    @return: how many messages were deleted (at most C{limit}).
    """
    return connection.execute(
        "DELETE FROM history WHERE id IN (SELECT id FROM history WHERE stamp < ?"
        " ORDER BY stamp LIMIT ?)", (before, limit)).rowcount


def queryArchive(connection, roomJID, query):
    """
    Run an L{ArchiveQuery} the way its L{select<ArchiveQuery.select>} does:
    ids become places in the archive's order C{(stamp, id)}, every filter a
    condition, and the page one range of the C{history_time} index.

    @return: an L{ArchivePage}.
    """
    def place(stanzaID):
        row = connection.execute("SELECT stamp, id FROM history WHERE room_jid = ?"
                                 " AND stanza_id = ?", (roomJID, stanzaID)).fetchone()
        if row is None:
            raise errors.ItemNotFound("no message %r in this archive" % (stanzaID,))
        return row

    where, args = ["room_jid = ?", "stanza_id IS NOT NULL"], [roomJID]
    for column, operator, value in (
            ("stamp", ">=", query.start), ("stamp", "<=", query.end), ("nick", "=", query.nick)):
        if value is not None:
            where.append("%s %s ?" % (column, operator))
            args.append(formatStamp(value) if column == "stamp" else value)
    if query.realJID is not None:
        if query.realJID.resource is None:
            # The bare JID, or any of its full JIDs: those between 'bare/' and 'bare0'.
            bare = query.realJID.full()
            where.append("(real_jid = ? OR (real_jid > ? AND real_jid < ?))")
            args.extend([bare, bare + "/", bare + "0"])
        else:
            where.append("real_jid = ?")
            args.append(query.realJID.full())
    for stanzaID, operator in ((query.afterID, ">"), (query.beforeID, "<")):
        if stanzaID is not None:
            where.append("(stamp, id) %s (?, ?)" % (operator,))
            args.extend(place(stanzaID))
    if query.ids is not None:
        for stanzaID in query.ids:
            place(stanzaID)
        where.append("stanza_id IN (%s)" % (", ".join("?" * len(query.ids)),))
        args.extend(query.ids)
    matching = " AND ".join(where)
    count = connection.execute("SELECT COUNT(*) FROM history WHERE " + matching,
                               args).fetchone()[0]
    window, windowArgs = [matching], list(args)
    for stanzaID, operator in ((query.after, ">"), (query.before or None, "<")):
        if stanzaID is not None:
            window.append("(stamp, id) %s (?, ?)" % (operator,))
            windowArgs.extend(place(stanzaID))
    order = "DESC" if query.before is not None else "ASC"
    rows = connection.execute(
        "SELECT stamp, id, %s FROM history WHERE %s ORDER BY stamp %s, id %s LIMIT ?"
        % (COLUMNS, " AND ".join(window), order, order),
        windowArgs + [query.max + 1]).fetchall()
    complete = len(rows) <= query.max
    rows = rows[:query.max]
    if order == "DESC":
        rows.reverse()
    firstIndex = None
    if rows:
        firstIndex = connection.execute(
            "SELECT COUNT(*) FROM history WHERE %s AND (stamp, id) < (?, ?)" % (matching,),
            args + list(rows[0][:2])).fetchone()[0]
    return ArchivePage([rowEntry(row[2:]) for row in rows], complete, count, firstIndex)


class AppendBatches:
    """
    Group commit: messages added while a write of messages is under way
    wait for it, and then go together in the next transaction. A store that
    is idle writes a message at once; a busy one writes many in one
    transaction. Any other transaction first sends on what waits, so that
    the store's order of work is the order asked.

    @ivar run: the store's way to run a transaction, C{run(func, *args)}.
    """

    def __init__(self, run):
        self.run = run
        self._waiting = []
        self._writing = 0

    def append(self, roomJID, row, maxLength):
        """
        @return: a Deferred that fires once the message is written, and
            fails as L{appendMessages} says for it, or with the failure of
            its transaction.
        """
        d = defer.Deferred()
        self._waiting.append((roomJID, row, maxLength, d))
        if not self._writing:
            self.flush()
        return d

    def flush(self):
        """
        Send on the messages that wait, if any, as one transaction.
        """
        if not self._waiting:
            return
        batch, self._waiting = self._waiting, []
        self._writing += 1

        def written(outcomes):
            self._writing -= 1
            for (_, _, _, d), outcome in zip(batch, outcomes):
                if outcome is None:
                    d.callback(None)
                else:
                    d.errback(outcome)
            if not self._writing:
                self.flush()

        def failed(failure):
            self._writing -= 1
            for _, _, _, d in batch:
                d.errback(failure)
            if not self._writing:
                self.flush()

        self.run(appendMessages, [message[:3] for message in batch]).addCallbacks(written,
                                                                                  failed)
