"""
Room avatars (XEP-0486) in the SQLite room store: their table, the
migration that adds it, and the statements that read and write it, run by
L{SQLiteRoomStore<mucservice.providers.sqlite_rooms.SQLiteRoomStore>}
inside its transactions.

An avatar is kept in a table of its own, one row a room at most, so that
saving a room's configuration never rewrites its image, and deleting the
room deletes it (C{ON DELETE CASCADE}).
"""

from mucservice import errors
from mucservice.records import RoomAvatar

#: The steps that add the avatars to the room schema: one migration of
#: L{MIGRATIONS<mucservice.providers.sqlite_rooms.MIGRATIONS>}.
AVATAR_MIGRATION = (
    "CREATE TABLE IF NOT EXISTS room_avatars ("
    " room_jid TEXT PRIMARY KEY REFERENCES rooms (jid) ON DELETE CASCADE,"
    " mime_type TEXT NOT NULL, data BLOB NOT NULL)",
)


def readAvatars(connection, only=None):
    """
    @param only: the one room to read (its JID as text), or L{None}.
    @return: room JID (as stored, text) to its L{RoomAvatar}, for every
        room that has one.
    """
    where, args = (" WHERE room_jid = ?", (only,)) if only is not None else ("", ())
    rows = connection.execute("SELECT room_jid, mime_type, data FROM room_avatars" + where,
                              args).fetchall()
    return {roomText: RoomAvatar(mimeType, bytes(data)) for roomText, mimeType, data in rows}


def setAvatar(connection, roomText, avatar):
    """
    Store or, if C{avatar} is L{None}, remove the avatar of a stored room.

    @raise errors.ItemNotFound: the room is not stored.
    """
    if connection.execute("SELECT 1 FROM rooms WHERE jid = ?", (roomText,)).fetchone() is None:
        raise errors.ItemNotFound("room %s is not stored" % (roomText,))
    if avatar is None:
        connection.execute("DELETE FROM room_avatars WHERE room_jid = ?", (roomText,))
    else:
        connection.execute(
            "INSERT INTO room_avatars (room_jid, mime_type, data) VALUES (?, ?, ?) "
            "ON CONFLICT (room_jid) DO UPDATE SET mime_type = excluded.mime_type, "
            "data = excluded.data", (roomText, avatar.mimeType, avatar.data))
