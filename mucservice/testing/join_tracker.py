"""
The L{IJoinTracker} contract: what every join tracker promises, as tests,
with the recording observer they use.
"""

from zope.interface import implementer
from zope.interface.verify import verifyObject

from mucservice import errors
from mucservice.address import parseJID
from mucservice.interfaces import IJoinObserver, IJoinTracker

#: Two rooms; two sessions of alice and one of bob, of another domain.
ROOM = parseJID("room@muc.example.org")
ROOM2 = parseJID("other@muc.example.org")
ALICE1 = parseJID("alice@example.org/phone")
ALICE2 = parseJID("alice@example.org/laptop")
BOB = parseJID("bob@remote.test/x")

_ALICE = parseJID("alice@example.org")


@implementer(IJoinObserver)
class RecordingJoinObserver:
    """
    An L{IJoinObserver} that keeps what it is told.

    @ivar events: in order, C{("joined", realJID, roomJID, nick)},
        C{("left", realJID, roomJID, nick)} and C{("nick", realJID, roomJID,
        oldNick, newNick)}.
    """

    def __init__(self):
        self.events = []

    def occupantJoined(self, realJID, roomJID, nick):
        self.events.append(("joined", realJID, roomJID, nick))

    def occupantLeft(self, realJID, roomJID, nick):
        self.events.append(("left", realJID, roomJID, nick))

    def nickChanged(self, realJID, roomJID, oldNick, newNick):
        self.events.append(("nick", realJID, roomJID, oldNick, newNick))


class JoinTrackerContract:
    """
    Tests of the L{IJoinTracker} contract, and of how it tells its
    L{IJoinObserver}s, mixed into a
    L{SynchronousTestCase<twisted.trial.unittest.SynchronousTestCase>}.

    The test case provides C{makeTracker()}: a new, empty tracker. The
    tracker is C{self.tracker}; a L{RecordingJoinObserver} subscribed to it
    is C{self.observer}. Everything is checked through the interface's
    queries: C{roomsOf}, C{occupantsFrom}, C{realJIDs} and C{isPresent}.
    """

    def setUp(self):
        self.tracker = self.makeTracker()
        self.observer = RecordingJoinObserver()
        self.tracker.addObserver(self.observer)

    def assertEmpty(self):
        """
        Fail unless the tracker says that nobody is in any room.
        """
        for realJID in (ALICE1, ALICE2, BOB):
            self.assertEqual({}, self.tracker.roomsOf(realJID))
        self.assertEqual(set(), self.tracker.realJIDs())
        self.assertEqual(set(), self.tracker.occupantsFrom("example.org"))
        self.assertFalse(self.tracker.isPresent(_ALICE, ROOM))

    def test_interface(self):
        """The tracker and the test observer provide their interfaces."""
        verifyObject(IJoinTracker, self.tracker)
        verifyObject(IJoinObserver, self.observer)

    def test_empty(self):
        """A new tracker knows nobody."""
        self.assertEmpty()

    def test_join(self):
        """A join is visible through every query and told to observers."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.assertEqual({ROOM: "alice"}, self.tracker.roomsOf(ALICE1))
        self.assertEqual({}, self.tracker.roomsOf(ALICE2))
        self.assertEqual({ALICE1}, self.tracker.occupantsFrom("example.org"))
        self.assertEqual(set(), self.tracker.occupantsFrom("remote.test"))
        self.assertEqual({ALICE1}, self.tracker.realJIDs())
        self.assertTrue(self.tracker.isPresent(_ALICE, ROOM))
        self.assertFalse(self.tracker.isPresent(_ALICE, ROOM2))
        self.assertFalse(self.tracker.isPresent(parseJID("bob@remote.test"), ROOM))
        self.assertEqual([("joined", ALICE1, ROOM, "alice")], self.observer.events)

    def test_copies(self):
        """What a query returns is the caller's: changing it changes nothing tracked."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.tracker.roomsOf(ALICE1)[ROOM2] = "x"
        self.tracker.occupantsFrom("example.org").add(BOB)
        self.tracker.realJIDs().add(BOB)
        self.assertEqual({ROOM: "alice"}, self.tracker.roomsOf(ALICE1))
        self.assertEqual({ALICE1}, self.tracker.occupantsFrom("example.org"))
        self.assertEqual({ALICE1}, self.tracker.realJIDs())

    def test_rejoin(self):
        """Recording the same join twice is a rejoin: no second event."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.assertEqual({ROOM: "alice"}, self.tracker.roomsOf(ALICE1))
        self.assertEqual(1, len(self.observer.events))

    def test_joinUnderOtherNick(self):
        """A join of a known JID under another nick is a nick change."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.tracker.recordJoin(ALICE1, ROOM, "al")
        self.assertEqual({ROOM: "al"}, self.tracker.roomsOf(ALICE1))
        self.assertEqual([("joined", ALICE1, ROOM, "alice"), ("nick", ALICE1, ROOM, "alice", "al")],
                         self.observer.events)

    def test_nickChange(self):
        """A nick change is kept for that room only, and told to observers."""
        self.tracker.recordJoin(BOB, ROOM, "bob")
        self.tracker.recordJoin(BOB, ROOM2, "bob")
        self.tracker.recordNickChange(BOB, ROOM, "bobby")
        self.assertEqual({ROOM: "bobby", ROOM2: "bob"}, self.tracker.roomsOf(BOB))
        self.assertEqual(("nick", BOB, ROOM, "bob", "bobby"), self.observer.events[-1])

    def test_nickChangeUnknown(self):
        """A nick change for a JID not in the room fails with ItemNotFound."""
        self.assertRaises(errors.ItemNotFound, self.tracker.recordNickChange, BOB, ROOM, "x")
        self.tracker.recordJoin(BOB, ROOM2, "bob")
        self.assertRaises(errors.ItemNotFound, self.tracker.recordNickChange, BOB, ROOM, "x")
        self.assertEqual({ROOM2: "bob"}, self.tracker.roomsOf(BOB))

    def test_multiSession(self):
        """Two resources of one user share a nick; one leaving keeps the user present."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.tracker.recordJoin(ALICE2, ROOM, "alice")
        self.assertEqual({ALICE1, ALICE2}, self.tracker.realJIDs())
        self.tracker.recordLeave(ALICE1, ROOM)
        self.assertTrue(self.tracker.isPresent(parseJID("alice@example.org/any"), ROOM))
        self.assertEqual({ALICE2}, self.tracker.occupantsFrom("example.org"))
        self.assertEqual({ALICE2}, self.tracker.realJIDs())
        self.tracker.recordLeave(ALICE2, ROOM)
        self.assertEmpty()

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
        self.tracker.recordJoin(BOB, ROOM2, "bob")
        self.tracker.recordLeave(BOB, ROOM)
        self.assertEqual({ROOM2: "bob"}, self.tracker.roomsOf(BOB))
        self.assertEqual([("joined", BOB, ROOM2, "bob")], self.observer.events)

    def test_forgetRoom(self):
        """Forgetting a room removes its occupants, tells observers, returns them."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.tracker.recordJoin(BOB, ROOM, "bob")
        self.tracker.recordJoin(BOB, ROOM2, "bob")
        del self.observer.events[:]
        self.assertEqual({ALICE1, BOB}, self.tracker.forgetRoom(ROOM))
        self.assertEqual({}, self.tracker.roomsOf(ALICE1))
        self.assertEqual({ROOM2: "bob"}, self.tracker.roomsOf(BOB))
        self.assertEqual(set(), self.tracker.occupantsFrom("example.org"))
        self.assertFalse(self.tracker.isPresent(_ALICE, ROOM))
        self.assertEqual({("left", ALICE1, ROOM, "alice"), ("left", BOB, ROOM, "bob")},
                         set(self.observer.events))
        self.assertEqual(2, len(self.observer.events))

    def test_forgetEmptyRoom(self):
        """Forgetting a room nobody is in returns no JID and tells nobody."""
        self.assertEqual(set(), self.tracker.forgetRoom(ROOM))
        self.assertEqual([], self.observer.events)

    def test_forgetAll(self):
        """Forgetting everything empties every query without events."""
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.tracker.recordJoin(BOB, ROOM2, "bob")
        events = len(self.observer.events)
        self.tracker.forgetAll()
        self.assertEmpty()
        self.assertEqual(events, len(self.observer.events))

    def test_observersSeeTheChange(self):
        """Observers are called once the change is recorded: a query shows it."""
        seen = []
        tracker = self.tracker

        class Querying(RecordingJoinObserver):
            def occupantJoined(self, realJID, roomJID, nick):
                seen.append(tracker.roomsOf(realJID))

            def occupantLeft(self, realJID, roomJID, nick):
                seen.append(tracker.roomsOf(realJID))

            def nickChanged(self, realJID, roomJID, oldNick, newNick):
                seen.append(tracker.roomsOf(realJID))

        tracker.addObserver(Querying())
        tracker.recordJoin(ALICE1, ROOM, "alice")
        tracker.recordNickChange(ALICE1, ROOM, "al")
        tracker.recordLeave(ALICE1, ROOM)
        self.assertEqual([{ROOM: "alice"}, {ROOM: "al"}, {}], seen)

    def test_observerOrder(self):
        """Observers are called in the order they subscribed."""
        calls = []

        class Named(RecordingJoinObserver):
            def __init__(self, name):
                RecordingJoinObserver.__init__(self)
                self.name = name

            def occupantJoined(self, realJID, roomJID, nick):
                calls.append(self.name)

        for name in ("first", "second", "third"):
            self.tracker.addObserver(Named(name))
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.assertEqual(["first", "second", "third"], calls)

    def test_failingObserver(self):
        """An observer that raises is logged and does not keep the next one from being told."""
        class Broken(RecordingJoinObserver):
            def occupantJoined(self, *args):
                raise RuntimeError("boom")

        tracker = self.makeTracker()
        tracker.addObserver(Broken())
        tracker.addObserver(self.observer)
        tracker.recordJoin(ALICE1, ROOM, "alice")
        self.assertEqual(1, len(self.observer.events))
        self.assertEqual({ROOM: "alice"}, tracker.roomsOf(ALICE1))
        self.assertEqual(1, len(self.flushLoggedErrors(RuntimeError)))

    def test_removeObserver(self):
        """A removed observer hears nothing more; removing an unknown one is harmless."""
        self.tracker.removeObserver(self.observer)
        self.tracker.removeObserver(RecordingJoinObserver())
        self.tracker.recordJoin(ALICE1, ROOM, "alice")
        self.assertEqual([], self.observer.events)
