"""
The L{IRoomStore} contract: what every room store promises, as tests.
"""

from datetime import datetime, timedelta, timezone

from zope.interface.verify import verifyObject

from mucservice import errors
from mucservice.address import parseJID
from mucservice.interfaces import IRoomStore
from mucservice.records import Affiliation, HistoryEntry, RoomAvatar

#: The room the suite stores.
ROOM = parseJID("room@muc.example.org")
#: The user the suite affiliates with it.
ALICE = parseJID("alice@example.org")
#: An avatar for the suite's room: every byte value, so that none is lost.
AVATAR = RoomAvatar("image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))


def historyEntry(n):
    """
    @return: the C{n}th of a series of distinct L{HistoryEntry}s, every field
        given, one second apart.
    """
    stamp = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=n)
    return HistoryEntry(stamp, "nick%d" % n, parseJID("u@example.org/r"), "<body>%d</body>" % n,
                        "stanza-%d" % n, "occupant-%d" % n, "id-%d" % n, "en")


def storedRoom(store, roomJID):
    """
    Read one room through L{IRoomStore.loadRooms}, which is how the service
    reads rooms.

    @return: a Deferred that fires with the
        L{RoomRecord<mucservice.records.RoomRecord>} of C{roomJID}, or
        L{None} if C{store} does not hold it.
    """
    def pick(rooms):
        for room in rooms:
            if room.jid == roomJID:
                return room
        return None

    return store.loadRooms().addCallback(pick)


class RoomStoreContract:
    """
    Tests of the L{IRoomStore} contract, mixed into a
    L{SynchronousTestCase<twisted.trial.unittest.SynchronousTestCase>}.

    The test case provides:
      - C{makeStore()}: a new, empty store, as C{self.store};
      - C{reopen(store)} (optional): a store over the same data as another
        process would see it, e.g. after a restart; by default C{store}
        itself.

    The suite reads results with C{successResultOf}: the store's Deferreds
    must have fired when its methods return (give a database store a
    runner that works synchronously).
    """

    def setUp(self):
        self.store = self.makeStore()

    def reopen(self, store):
        return store

    def load(self, roomJID):
        """
        @return: the record of C{roomJID} as a reopened store loads it, or
            L{None} if it is not stored.
        """
        return self.successResultOf(storedRoom(self.reopen(self.store), roomJID))

    def test_interface(self):
        """The store provides IRoomStore."""
        verifyObject(IRoomStore, self.store)

    def test_saveAndLoad(self):
        """A saved room comes back with its configuration."""
        self.successResultOf(self.store.saveRoom(ROOM, {"muc#roomconfig_roomname": "Room"}))
        room = self.load(ROOM)
        self.assertEqual(ROOM, room.jid)
        self.assertEqual({"muc#roomconfig_roomname": "Room"}, room.config)
        rooms = self.successResultOf(self.reopen(self.store).loadRooms())
        self.assertEqual([ROOM], [r.jid for r in rooms])

    def test_unknownRoom(self):
        """An unknown room is not loaded, and changing it fails with ItemNotFound."""
        self.assertEqual([], self.successResultOf(self.store.loadRooms()))
        self.failureResultOf(self.store.setSubject(ROOM, "s", "n"), errors.ItemNotFound)
        self.failureResultOf(self.store.setAffiliation(ROOM, ALICE, "member"),
                             errors.ItemNotFound)
        self.failureResultOf(self.store.appendHistory(ROOM, historyEntry(1), 10),
                             errors.ItemNotFound)
        self.failureResultOf(self.store.setAvatar(ROOM, AVATAR), errors.ItemNotFound)
        self.assertIsNone(self.load(ROOM))

    def test_replaceConfig(self):
        """Saving again replaces the configuration and keeps the rest."""
        self.successResultOf(self.store.saveRoom(ROOM, {"a": "1"}))
        self.successResultOf(self.store.setSubject(ROOM, "Hello", "alice"))
        self.successResultOf(self.store.saveRoom(ROOM, {"b": ["x", "y"]}))
        room = self.load(ROOM)
        self.assertEqual({"b": ["x", "y"]}, room.config)
        self.assertEqual(("Hello", "alice"), (room.subject, room.subjectNick))

    def test_copies(self):
        """Changing a loaded record or a saved dict does not change what is stored."""
        config = {"a": "1"}
        self.successResultOf(self.store.saveRoom(ROOM, config))
        config["a"] = "2"
        self.load(ROOM).config["a"] = "3"
        self.assertEqual({"a": "1"}, self.load(ROOM).config)

    def test_affiliations(self):
        """Affiliations are stored per bare JID with their data, replaced and removed."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.successResultOf(self.store.setAffiliation(ROOM, parseJID("alice@example.org/r"),
                                                       "member", {"nick": "al"}))
        self.assertEqual({ALICE: Affiliation("member", {"nick": "al"})},
                         self.load(ROOM).affiliations)
        self.successResultOf(self.store.setAffiliation(ROOM, ALICE, "admin"))
        self.assertEqual({ALICE: Affiliation("admin", {})}, self.load(ROOM).affiliations)
        self.successResultOf(self.store.setAffiliation(ROOM, ALICE, "none"))
        self.assertEqual({}, self.load(ROOM).affiliations)

    def test_noneWithData(self):
        """Affiliation none with data is kept: the data outlives the affiliation."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.successResultOf(self.store.setAffiliation(ROOM, ALICE, "none", {"nick": "al"}))
        self.assertEqual({ALICE: Affiliation("none", {"nick": "al"})},
                         self.load(ROOM).affiliations)

    def test_affiliationsWithConfig(self):
        """Saving a room stores the affiliations given with it, replaced and removed."""
        bob = parseJID("bob@example.org")
        self.successResultOf(self.store.saveRoom(ROOM, {}, {
            ALICE: Affiliation("owner"), bob: Affiliation("member", {"nick": "bob"})}))
        self.assertEqual({ALICE: Affiliation("owner"), bob: Affiliation("member", {"nick": "bob"})},
                         self.load(ROOM).affiliations)
        self.successResultOf(self.store.saveRoom(ROOM, {"a": "1"}, {bob: None,
                                                                   ALICE: Affiliation("admin")}))
        room = self.load(ROOM)
        self.assertEqual(({"a": "1"}, {ALICE: Affiliation("admin")}),
                         (room.config, room.affiliations))

    def test_batchWholeOrNothing(self):
        """A room saved with a bad affiliation stores nothing of the batch."""
        self.successResultOf(self.store.saveRoom(ROOM, {"a": "1"}, {ALICE: Affiliation("member")}))
        self.failureResultOf(self.store.saveRoom(ROOM, {"a": "2"}, {
            parseJID("bob@example.org"): Affiliation("member"), ALICE: Affiliation("king")}),
            errors.BadRequest)
        room = self.load(ROOM)
        self.assertEqual(({"a": "1"}, {ALICE: Affiliation("member")}),
                         (room.config, room.affiliations))

    def test_badAffiliation(self):
        """An affiliation outside XEP-0045's five is refused."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.failureResultOf(self.store.setAffiliation(ROOM, ALICE, "king"), errors.BadRequest)

    def test_history(self):
        """History is kept up to the room's length, and read newest last."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        for n in range(5):
            self.successResultOf(self.store.appendHistory(ROOM, historyEntry(n), 3))
        store = self.reopen(self.store)
        self.assertEqual([historyEntry(2), historyEntry(3), historyEntry(4)],
                         self.successResultOf(store.getHistory(ROOM, 10)))
        self.assertEqual([historyEntry(3), historyEntry(4)],
                         self.successResultOf(store.getHistory(ROOM, 2)))
        self.assertEqual([], self.successResultOf(store.getHistory(ROOM, 0)))

    def test_trimHistory(self):
        """Trimming keeps only the newest entries; the others are gone for good."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        for n in range(5):
            self.successResultOf(self.store.appendHistory(ROOM, historyEntry(n), 10))
        self.successResultOf(self.store.trimHistory(ROOM, 2))
        store = self.reopen(self.store)
        self.assertEqual([historyEntry(3), historyEntry(4)],
                         self.successResultOf(store.getHistory(ROOM, 10)))
        self.successResultOf(self.store.trimHistory(ROOM, 0))
        self.assertEqual([], self.successResultOf(self.store.getHistory(ROOM, 10)))
        self.failureResultOf(self.store.trimHistory(parseJID("nowhere@muc.example.org"), 2),
                             errors.ItemNotFound)

    def test_delete(self):
        """A deleted room is gone with its history; deleting it again is harmless."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.successResultOf(self.store.appendHistory(ROOM, historyEntry(1), 3))
        self.successResultOf(self.store.deleteRoom(ROOM))
        self.successResultOf(self.store.deleteRoom(ROOM))
        self.assertIsNone(self.load(ROOM))
        self.assertEqual([], self.successResultOf(self.store.getHistory(ROOM, 10)))

    def test_avatar(self):
        """A room's avatar is stored, comes back whole with the room, and is replaced."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.assertIsNone(self.load(ROOM).avatar)
        self.successResultOf(self.store.setAvatar(ROOM, AVATAR))
        self.assertEqual(AVATAR, self.load(ROOM).avatar)
        other = RoomAvatar("image/svg+xml", b"<svg/>")
        self.successResultOf(self.store.setAvatar(ROOM, other))
        self.assertEqual(other, self.load(ROOM).avatar)

    def test_avatarRemoved(self):
        """Setting no avatar removes the one there was; removing none is harmless."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.successResultOf(self.store.setAvatar(ROOM, AVATAR))
        self.successResultOf(self.store.setAvatar(ROOM, None))
        self.assertIsNone(self.load(ROOM).avatar)
        self.successResultOf(self.store.setAvatar(ROOM, None))
        self.assertIsNone(self.load(ROOM).avatar)

    def test_avatarKeptBySave(self):
        """Saving a room's configuration and subject again keeps its avatar."""
        self.successResultOf(self.store.saveRoom(ROOM, {"a": "1"}))
        self.successResultOf(self.store.setAvatar(ROOM, AVATAR))
        self.successResultOf(self.store.saveRoom(ROOM, {"a": "2"}, {ALICE: Affiliation("owner")}))
        self.successResultOf(self.store.setSubject(ROOM, "Hello", "alice"))
        room = self.load(ROOM)
        self.assertEqual(({"a": "2"}, AVATAR), (room.config, room.avatar))

    def test_avatarDeletedWithRoom(self):
        """A deleted room loses its avatar: a room saved again under its name has none."""
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.successResultOf(self.store.setAvatar(ROOM, AVATAR))
        self.successResultOf(self.store.deleteRoom(ROOM))
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.assertIsNone(self.load(ROOM).avatar)
