"""
Room avatars in the SQLite room store: what only SQLite does (the schema
migration that adds them, the cascade, the bytes as a BLOB). The contract
itself (L{RoomStoreContract}) runs in C{test_sqlite_rooms}.
"""

import sqlite3

from twisted.trial.unittest import SynchronousTestCase

from mucservice.providers.sqlite import SynchronousRunner
from mucservice.providers.sqlite_avatars import AVATAR_MIGRATION
from mucservice.providers.sqlite_rooms import MIGRATIONS, SCHEMA_VERSION, SQLiteRoomStore
from mucservice.testing import storedRoom
from mucservice.testing.room_store import AVATAR, ROOM
from tests.test_sqlite_rooms import count, temporaryDatabase


class SQLiteAvatarTests(SynchronousTestCase):
    def setUp(self):
        self.path = temporaryDatabase(self)
        self.store = self.openStore()

    def openStore(self):
        """
        @return: a store of the file with a connection of its own, as after
            a restart.
        """
        runner = SynchronousRunner(self.path)
        self.addCleanup(runner.close)
        return SQLiteRoomStore(self.path, runner=runner)

    def test_migrationAddsAvatars(self):
        """
        A database of the schema before avatars keeps its rooms when it is
        migrated, and its rooms can then have avatars.
        """
        version = MIGRATIONS.index(AVATAR_MIGRATION)
        connection = sqlite3.connect(self.path)
        for steps in MIGRATIONS[:version]:
            for statement in steps:
                if callable(statement):
                    statement(connection)
                else:
                    connection.execute(statement)
        connection.execute("PRAGMA user_version = %d" % (version,))
        connection.execute("INSERT INTO rooms (jid, config, subject) VALUES (?, '{}', 'Hi')",
                           (ROOM.full(),))
        connection.commit()
        connection.close()
        store = self.openStore()
        room = self.successResultOf(storedRoom(store, ROOM))
        self.assertEqual(("Hi", None), (room.subject, room.avatar))
        connection = sqlite3.connect(self.path)
        self.addCleanup(connection.close)
        self.assertEqual(SCHEMA_VERSION,
                         connection.execute("PRAGMA user_version").fetchone()[0])
        self.successResultOf(store.setAvatar(ROOM, AVATAR))
        self.assertEqual(AVATAR, self.successResultOf(storedRoom(self.openStore(), ROOM)).avatar)

    def test_oneRowCascaded(self):
        """An avatar is one row, replaced in place, and deleting its room deletes it."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.successResultOf(self.store.setAvatar(ROOM, AVATAR))
        self.successResultOf(self.store.setAvatar(ROOM, AVATAR))
        self.assertEqual(1, count(self.path, "room_avatars"))
        self.successResultOf(self.store.deleteRoom(ROOM))
        self.assertEqual(0, count(self.path, "room_avatars"))
