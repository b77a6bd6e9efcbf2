"""
The in-memory join tracker.
"""

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID
from zope.interface import implementer
from zope.interface.verify import verifyObject

from mucservice import errors
from mucservice.interfaces import IJoinObserver, IJoinTracker
from mucservice.providers.memory_tracker import MemoryJoinTracker

ROOM = JID("room@muc.example.org")
ROOM2 = JID("other@muc.example.org")
ALICE1 = JID("alice@example.org/phone")
ALICE2 = JID("alice@example.org/laptop")
BOB = JID("bob@remote.test/x")


@implementer(IJoinObserver)
class RecordingObserver:
    def __init__(self):
        self.events = []

    def occupantJoined(self, realJID, roomJID, nick):
        self.events.append(("joined", realJID, roomJID, nick))

    def occupantLeft(self, realJID, roomJID, nick):
        self.events.append(("left", realJID, roomJID, nick))

    def nickChanged(self, realJID, roomJID, oldNick, newNick):
        self.events.append(("nick", realJID, roomJID, oldNick, newNick))


class MemoryJoinTrackerTests(SynchronousTestCase):
    def setUp(self):
        self.tracker = MemoryJoinTracker()
        self.observer = RecordingObserver()
        self.tracker.addObserver(self.observer)

    def test_interface(self):
        """The tracker and the test observer provide their interfaces."""
        verifyObject(IJoinTracker, self.tracker)
        verifyObject(IJoinObserver, self.observer)

    def test_join(self):
        """A join is visible from every index and told to observers."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.assertEqual({ROOM: "alice"}, self.tracker.roomsOf(ALICE1))
        self.assertEqual({ALICE1: "alice"}, self.tracker.occupantsOf(ROOM))
        self.assertEqual({ALICE1}, self.tracker.resourcesOf(JID("alice@example.org")))
        self.assertEqual({ALICE1}, self.tracker.occupantsFrom("example.org"))
        self.assertEqual({ALICE1}, self.tracker.realJIDs())
        self.assertTrue(self.tracker.isPresent(JID("alice@example.org"), ROOM))
        self.assertFalse(self.tracker.isPresent(JID("alice@example.org"), ROOM2))
        self.assertEqual([("joined", ALICE1, ROOM, "alice")], self.observer.events)

    def test_rejoin(self):
        """Recording the same join twice is a rejoin: no second event."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.assertEqual(1, len(self.observer.events))

    def test_joinUnderOtherNick(self):
        """A join of a known JID under another nick is a nick change."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.tracker.recordJoin(ALICE1, ROOM, "al")
        self.assertEqual({ALICE1: "al"}, self.tracker.occupantsOf(ROOM))
        self.assertEqual(("nick", ALICE1, ROOM, "alice", "al"), self.observer.events[-1])

    def test_multiSession(self):
        """Two resources of one user share a nick; one leaving keeps the user present."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.tracker.recordJoin(ALICE2, ROOM, "alice")
        self.tracker.recordLeave(ALICE1, ROOM)
        self.assertTrue(self.tracker.isPresent(JID("alice@example.org/any"), ROOM))
        self.assertEqual({ALICE2}, self.tracker.resourcesOf(JID("alice@example.org")))
        self.tracker.recordLeave(ALICE2, ROOM)
        self.assertFalse(self.tracker.isPresent(JID("alice@example.org"), ROOM))
        self.assertEqual(set(), self.tracker.resourcesOf(JID("alice@example.org")))
        self.assertEqual({}, self.tracker.occupantsOf(ROOM))

    def test_leaveOneRoomOfTwo(self):
        """Leaving one room keeps the JID indexed for the other."""
        self.tracker.recordJoin(BOB, ROOM, "bob")
        self.tracker.recordJoin(BOB, ROOM2, "bobby")
        self.tracker.recordLeave(BOB, ROOM)
        self.assertEqual({ROOM2: "bobby"}, self.tracker.roomsOf(BOB))
        self.assertEqual({BOB}, self.tracker.occupantsFrom("remote.test"))
        self.assertEqual(("left", BOB, ROOM, "bob"), self.observer.events[-1])

    def test_leaveUnknown(self):
        """Leaving a room one is not in changes nothing and tells nobody."""
        self.tracker.recordLeave(BOB, ROOM)
        self.assertEqual([], self.observer.events)

    def test_nickChangeUnknown(self):
        """A nick change for a JID not in the room fails with ItemNotFound."""
        self.assertRaises(errors.ItemNotFound, self.tracker.recordNickChange, BOB, ROOM, "x")

    def test_forgetRoom(self):
        """Forgetting a room removes its occupants, tells observers, returns them."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.tracker.recordJoin(BOB, ROOM, "bob")
        self.tracker.recordJoin(BOB, ROOM2, "bob")
        self.assertEqual({ALICE1, BOB}, self.tracker.forgetRoom(ROOM))
        self.assertEqual({}, self.tracker.occupantsOf(ROOM))
        self.assertEqual({ROOM2: "bob"}, self.tracker.roomsOf(BOB))
        self.assertEqual(set(), self.tracker.occupantsFrom("example.org"))
        left = [e for e in self.observer.events if e[0] == "left"]
        self.assertEqual(2, len(left))

    def test_forgetAll(self):
        """Forgetting everything empties every index without events."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        events = len(self.observer.events)
        self.tracker.forgetAll()
        self.assertEqual({}, self.tracker.roomsOf(ALICE1))
        self.assertEqual(set(), self.tracker.occupantsFrom("example.org"))
        self.assertEqual(events, len(self.observer.events))

    def test_failingObserver(self):
        """An observer that raises does not keep the next one from being told."""
        class Broken(RecordingObserver):
            def occupantJoined(self, *args):
                raise RuntimeError("boom")

        tracker = MemoryJoinTracker()
        tracker.addObserver(Broken())
        tracker.addObserver(self.observer)
        tracker.recordJoin(ALICE1, ROOM, "alice")
        self.assertEqual(1, len(self.observer.events))
        self.assertEqual(1, len(self.flushLoggedErrors(RuntimeError)))

    def test_removeObserver(self):
        """A removed observer hears nothing more."""
        self.tracker.removeObserver(self.observer)
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.assertEqual([], self.observer.events)
