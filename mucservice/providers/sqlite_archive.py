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
were added in (C{history_time}, which holds only rows with a stanza id,
those of the archive). A stanza id names one row of a room
(C{history_stanza}); retention reads the stamps of every room
(C{history_expiry}); the history reads the newest rows (C{history_room}).
Triggers keep each room's C{archive_count}, so that a query need not count
a whole archive to say how many messages it matches.

The functions here run inside a transaction on the store's thread, taking
the connection first; L{AppendBatches
<mucservice.providers.sqlite_batches.AppendBatches>} hands them messages
in group commits.
"""

import json
from datetime import datetime, timezone

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
    "CREATE INDEX IF NOT EXISTS history_time ON history (room_jid, stamp)"
    " WHERE stanza_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS history_expiry ON history (stamp)",
    "ALTER TABLE rooms ADD COLUMN archive_count INTEGER NOT NULL DEFAULT 0",
    "UPDATE rooms SET archive_count = (SELECT COUNT(*) FROM history"
    " WHERE room_jid = rooms.jid AND stanza_id IS NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS history_counted AFTER INSERT ON history"
    " WHEN NEW.stanza_id IS NOT NULL BEGIN"
    " UPDATE rooms SET archive_count = archive_count + 1 WHERE jid = NEW.room_jid; END",
    "CREATE TRIGGER IF NOT EXISTS history_uncounted AFTER DELETE ON history"
    " WHEN OLD.stanza_id IS NOT NULL BEGIN"
    " UPDATE rooms SET archive_count = archive_count - 1 WHERE jid = OLD.room_jid; END",
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
                           (roomJID, int(archived)) + row)
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


def retractMessage(connection, roomJID, stanzaID, retracted, announcement=None):
    """
    @param retracted: the L{Retraction}, as JSON.
    @param announcement: the columns and history length of the message to
        add with it, as for L{appendMessages}, or L{None}.
    """
    cursor = connection.execute("UPDATE history SET payload = '', retracted = ?"
                                " WHERE room_jid = ? AND stanza_id = ?",
                                (retracted, roomJID, stanzaID))
    if cursor.rowcount == 0:
        raise errors.ItemNotFound("no message %r in room %s" % (stanzaID, roomJID))
    if announcement is not None:
        appendMessages(connection, [(roomJID,) + announcement])


def expireArchive(connection, before, limit):
    """
    @param before: a stamp, as L{formatStamp} gives it.
    @return: how many messages were deleted (at most C{limit}).
    """
    return connection.execute(
        "DELETE FROM history WHERE id IN (SELECT id FROM history WHERE stamp < ?"
        " ORDER BY stamp LIMIT ?)", (before, limit)).rowcount


#: The bounds of the archive's order C{(stamp, id)}, below and above every row.
LOWEST, HIGHEST = ("", 0), ("~", 2 ** 63 - 1)

#: The most rows a query counts: those outside its bounds (when fewer, the
#: room's count less them is the count) or those inside. A query that would
#: have to count more leaves its count out.
COUNT_LIMIT = 10000

_ARCHIVED = "room_jid = ? AND stanza_id IS NOT NULL"


def _place(connection, roomJID, stanzaID):
    """
    @return: the place C{(stamp, id)} in the archive's order of the room's
        message of that stanza id.
    @raise errors.ItemNotFound: the room holds no such message.
    """
    row = connection.execute("SELECT stamp, id FROM history WHERE room_jid = ?"
                             " AND stanza_id = ?", (roomJID, stanzaID)).fetchone()
    if row is None:
        raise errors.ItemNotFound("no message %r in this archive" % (stanzaID,))
    return row


def _count(connection, where, args, limit=None):
    sql = "SELECT 1 FROM history WHERE " + where
    if limit is not None:
        sql += " LIMIT %d" % (limit,)
    return connection.execute("SELECT COUNT(*) FROM (%s) AS counted" % (sql,),
                              args).fetchone()[0]


def _bounds(connection, roomJID, query):
    """
    @return: the first and last places C{(stamp, id)}, both included, that
        the query's C{start}, C{end}, C{afterID} and C{beforeID} allow.
    """
    low, high = LOWEST, HIGHEST
    if query.start is not None:
        low = max(low, (formatStamp(query.start), 0))
    if query.afterID is not None:
        stamp, rowID = _place(connection, roomJID, query.afterID)
        low = max(low, (stamp, rowID + 1))
    if query.end is not None:
        high = min(high, (formatStamp(query.end), HIGHEST[1]))
    if query.beforeID is not None:
        stamp, rowID = _place(connection, roomJID, query.beforeID)
        high = min(high, (stamp, rowID - 1))
    return low, high


def _filters(connection, roomJID, query):
    """
    @return: the conditions of the query's sender and C{ids}, and their
        arguments.
    """
    where, args = [], []
    if query.nick is not None:
        where.append("nick = ?")
        args.append(query.nick)
    if query.realJID is not None:
        if query.realJID.resource is None:
            # The bare JID, or any of its full JIDs: those between 'bare/' and 'bare0'.
            bare = query.realJID.full()
            where.append("(real_jid = ? OR (real_jid > ? AND real_jid < ?))")
            args.extend([bare, bare + "/", bare + "0"])
        else:
            where.append("real_jid = ?")
            args.append(query.realJID.full())
    if query.ids is not None:
        for stanzaID in query.ids:
            _place(connection, roomJID, stanzaID)
        where.append("stanza_id IN (%s)" % (", ".join("?" * len(query.ids)),))
        args.extend(query.ids)
    return where, args


def _matching(connection, roomJID, where, args, low, high, filtered):
    """
    @return: how many messages match: the room's count (C{archive_count})
        less the rows outside the bounds, for a query that only bounds the
        places, when those are few; else the rows that match, when they are
        few (or the whole archive is, for a query by sender or ids); else
        L{None} (L{COUNT_LIMIT}).
    """
    if low > high:
        return 0
    total = connection.execute("SELECT archive_count FROM rooms WHERE jid = ?",
                               (roomJID,)).fetchone()
    total = total[0] if total else 0
    if filtered:
        # Senders are no part of an index: count only an archive that small.
        return _count(connection, where, args) if total <= COUNT_LIMIT else None
    outside = []
    for operator, place in (("<", low), (">", high)):
        if place in (LOWEST, HIGHEST):
            outside.append(0)
        else:
            outside.append(_count(connection, "%s AND (stamp, id) %s (?, ?)"
                                  % (_ARCHIVED, operator), [roomJID, *place], COUNT_LIMIT))
    if max(outside) < COUNT_LIMIT:
        return total - sum(outside)
    inside = _count(connection, where, args, COUNT_LIMIT + 1)
    return inside if inside <= COUNT_LIMIT else None


def _range(low, high):
    """
    @return: the conditions that keep the places from C{low} to C{high},
        both included, and their arguments: one bound each at most, none
        where there is no bound, so that the index is read from the right
        place.
    """
    where, args = [], []
    if low != LOWEST:
        where.append("(stamp, id) >= (?, ?)")
        args.extend(low)
    if high != HIGHEST:
        where.append("(stamp, id) <= (?, ?)")
        args.extend(high)
    return where, args


def queryArchive(connection, roomJID, query):
    """
    Run an L{ArchiveQuery} the way its L{select<ArchiveQuery.select>} does:
    ids become places C{(stamp, id)} in the archive's order, the bounds one
    range of the C{history_time} index, which the page is read from.

    The page's index is given where it costs nothing: for a page at the
    start or at the end of the messages that match; the count where it
    costs little (L{_matching}).

    @return: an L{ArchivePage}.
    """
    low, high = _bounds(connection, roomJID, query)
    filters, filterArgs = _filters(connection, roomJID, query)
    bounds, boundArgs = _range(low, high)
    count = _matching(connection, roomJID, " AND ".join([_ARCHIVED] + bounds + filters),
                      [roomJID] + boundArgs + filterArgs, low, high, bool(filters))
    if query.after is not None:
        stamp, rowID = _place(connection, roomJID, query.after)
        low = max(low, (stamp, rowID + 1))
    if query.before:
        stamp, rowID = _place(connection, roomJID, query.before)
        high = min(high, (stamp, rowID - 1))
    bounds, boundArgs = _range(low, high)
    forward = query.before is None
    order = "ASC" if forward else "DESC"
    rows = connection.execute(
        "SELECT %s FROM history WHERE %s ORDER BY stamp %s, id %s LIMIT ?"
        % (COLUMNS, " AND ".join([_ARCHIVED] + bounds + filters), order, order),
        [roomJID] + boundArgs + filterArgs + [query.max + 1]).fetchall()
    complete = len(rows) <= query.max
    rows = rows[:query.max]
    if not forward:
        rows.reverse()
    firstIndex = None
    last = count - len(rows) if count is not None else None
    if rows and forward:
        firstIndex = 0 if query.after is None else last if complete else None
    elif rows:
        firstIndex = last if query.before == "" else 0 if complete and query.after is None \
            else None
    return ArchivePage([rowEntry(row) for row in rows], complete, count, firstIndex)
