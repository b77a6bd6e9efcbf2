"""
The L{IHatStore} contract: what every hat store promises, as tests, with
the fake room directory and the recording observer they use.
"""

from twisted.internet import defer
from zope.interface import implementer
from zope.interface.verify import verifyObject

from mucservice import errors
from mucservice.address import parseJID
from mucservice.interfaces import IHatObserver, IHatStore, IRoomDirectory

#: The room the suite gives hats in; L{ALICE} is a member of it.
ROOM = parseJID("room@muc.example.org")
ALICE = parseJID("alice@example.org")
#: Two hat URIs.
TEACHER = "http://schools.example/hats/teacher"
HOST = "urn:example:hats:host"

_WEARERS = ("owner", "admin", "member")


@implementer(IRoomDirectory)
class FakeRoomDirectory:
    """
    An L{IRoomDirectory} whose rooms and affiliations are a L{dict}.

    @ivar rooms: room JID to a L{dict} of bare user JID to affiliation;
        change it to change what the directory says.
    """

    def __init__(self, rooms):
        self.rooms = rooms

    def getAffiliation(self, roomJID, userJID):
        if roomJID not in self.rooms:
            return defer.fail(errors.ItemNotFound("room not found"))
        return defer.succeed(self.rooms[roomJID].get(userJID.userhostJID(), "none"))

    def mayWearHats(self, roomJID, userJID):
        d = self.getAffiliation(roomJID, userJID)
        return d.addCallback(lambda affiliation: affiliation in _WEARERS)


@implementer(IHatObserver)
class RecordingHatObserver:
    """
    An L{IHatObserver} that keeps what it is told.

    @ivar changes: C{(userJID, roomJID, hats)} of every call, in order.
    """

    def __init__(self):
        self.changes = []

    def hatsChanged(self, userJID, roomJID, hats):
        self.changes.append((userJID, roomJID, hats))


class HatStoreContract:
    """
    Tests of the L{IHatStore} contract, mixed into a
    L{SynchronousTestCase<twisted.trial.unittest.SynchronousTestCase>}.

    The test case provides C{makeStore(rooms)}: a new, empty store that asks
    the L{IRoomDirectory} C{rooms} (a L{FakeRoomDirectory}, as
    C{self.rooms}) about rooms and affiliations. The store is
    C{self.store}; a L{RecordingHatObserver} subscribed to it is
    C{self.observer}.

    The suite reads results with C{successResultOf}: the store's Deferreds
    must have fired when its methods return.
    """

    def setUp(self):
        self.rooms = FakeRoomDirectory({ROOM: {ALICE: "member",
                                               parseJID("out@example.org"): "outcast"}})
        self.store = self.makeStore(self.rooms)
        self.observer = RecordingHatObserver()
        self.store.addObserver(self.observer)

    def hats(self, user=ALICE):
        return self.successResultOf(self.store.getUserHats(user, ROOM))

    def test_interface(self):
        """The store and the fakes provide their interfaces."""
        verifyObject(IHatStore, self.store)
        verifyObject(IRoomDirectory, self.rooms)
        verifyObject(IHatObserver, self.observer)

    def test_addAndGet(self):
        """An added hat is read back with its attachment; a full JID means its bare JID."""
        self.successResultOf(self.store.addUserHat(
            parseJID("alice@example.org/phone"), ROOM, TEACHER,
            {"title": "Teacher", "active": True}))
        self.assertEqual({TEACHER: {"title": "Teacher", "active": True}}, self.hats())
        self.assertEqual([(ALICE, ROOM, {TEACHER: {"title": "Teacher", "active": True}})],
                         self.observer.changes)

    def test_missingAttachment(self):
        """A missing attachment is an empty one; false flags are not kept."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, HOST, {"required": False}))
        self.assertEqual({TEACHER: {}, HOST: {}}, self.hats())

    def test_notURI(self):
        """A hat id that is no URI fails with BadRequest and stores nothing."""
        self.failureResultOf(self.store.addUserHat(ALICE, ROOM, "teacher"), errors.BadRequest)
        self.failureResultOf(self.store.addUserHat(ALICE, ROOM, "a b"), errors.BadRequest)
        self.failureResultOf(self.store.setUserHats(ALICE, ROOM, {"a b": None}),
                             errors.BadRequest)
        self.assertEqual({}, self.hats())

    def test_badAttachment(self):
        """A flag that is not a boolean fails with BadRequest."""
        self.failureResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER, {"active": "yes"}),
                             errors.BadRequest)

    def test_roomNotFound(self):
        """Every per-user method fails with ItemNotFound('room not found') for unknown rooms."""
        other = parseJID("nowhere@muc.example.org")
        for d in (self.store.addUserHat(ALICE, other, TEACHER),
                  self.store.removeUserHat(ALICE, other, TEACHER),
                  self.store.setUserHats(ALICE, other, {}),
                  self.store.getUserHats(ALICE, other)):
            f = self.failureResultOf(d, errors.ItemNotFound)
            self.assertEqual("room not found", f.value.text)

    def test_notAffiliated(self):
        """Users without affiliation, and outcasts, cannot wear hats."""
        for user in (parseJID("stranger@example.org"), parseJID("out@example.org")):
            f = self.failureResultOf(self.store.addUserHat(user, ROOM, TEACHER),
                                     errors.ItemNotFound)
            self.assertEqual("user not affiliated", f.value.text)

    def test_remove(self):
        """Removing tells whether the hat was worn, and only changes what was."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.assertTrue(self.successResultOf(self.store.removeUserHat(ALICE, ROOM, TEACHER)))
        self.assertFalse(self.successResultOf(self.store.removeUserHat(ALICE, ROOM, TEACHER)))
        self.assertEqual({}, self.hats())
        self.assertEqual(2, len(self.observer.changes))

    def test_replaceAttachment(self):
        """Adding a hat the user wears replaces its attachment and keeps the other hats."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, HOST, {"title": "Host"}))
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, HOST, {"active": True}))
        self.assertEqual({TEACHER: {}, HOST: {"active": True}}, self.hats())
        self.assertEqual((ALICE, ROOM, {TEACHER: {}, HOST: {"active": True}}),
                         self.observer.changes[-1])

    def test_set(self):
        """Setting makes the hats exactly the given ones."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.successResultOf(self.store.setUserHats(ALICE, ROOM, {HOST: {"title": "Host"}}))
        self.assertEqual({HOST: {"title": "Host"}}, self.hats())
        self.successResultOf(self.store.setUserHats(ALICE, ROOM, {}))
        self.assertEqual({}, self.hats())

    def test_noChangeNoEvent(self):
        """Setting the hats a user already wears tells nobody."""
        self.successResultOf(self.store.setUserHats(ALICE, ROOM, {HOST: None}))
        self.successResultOf(self.store.setUserHats(ALICE, ROOM, {HOST: {}}))
        self.assertEqual(1, len(self.observer.changes))

    def test_roomHats(self):
        """The room's hats list every wearer."""
        bob = parseJID("bob@example.org")
        self.rooms.rooms[ROOM][bob] = "admin"
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.successResultOf(self.store.addUserHat(bob, ROOM, HOST, {"title": "Host"}))
        self.assertEqual({ALICE: {TEACHER: {}}, bob: {HOST: {"title": "Host"}}},
                         self.successResultOf(self.store.getRoomHats(ROOM)))

    def test_forgetUser(self):
        """Forgetting a user drops their hats, even once they are no longer affiliated."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.rooms.rooms[ROOM][ALICE] = "none"
        self.successResultOf(self.store.forgetUser(ALICE, ROOM))
        self.assertEqual({}, self.successResultOf(self.store.getRoomHats(ROOM)))
        self.assertEqual((ALICE, ROOM, {}), self.observer.changes[-1])

    def test_forgetRoom(self):
        """Forgetting a room drops every hat worn in it."""
        self.successResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER))
        self.successResultOf(self.store.forgetRoom(ROOM))
        self.assertEqual({}, self.successResultOf(self.store.getRoomHats(ROOM)))
