"""
The L{IHatStore} contract, run against every hat store provider.
"""

from twisted.internet import defer
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID
from zope.interface import implementer
from zope.interface.verify import verifyObject

from mucservice import errors
from mucservice.interfaces import IHatObserver, IHatStore, IRoomDirectory
from mucservice.providers.memory_hats import MemoryHatStore

ROOM = JID("room@muc.example.org")
ALICE = JID("alice@example.org")
TEACHER = "http://schools.example/hats/teacher"
HOST = "urn:example:hats:host"


@implementer(IRoomDirectory)
class FakeRooms:
    """Rooms and affiliations as a dict: {roomJID: {userJID: affiliation}}."""

    def __init__(self, rooms):
        self.rooms = rooms

    def getAffiliation(self, roomJID, userJID):
        if roomJID not in self.rooms:
            return defer.fail(errors.ItemNotFound("room not found"))
        return defer.succeed(self.rooms[roomJID].get(userJID.userhostJID(), "none"))

    def mayWearHats(self, roomJID, userJID):
        d = self.getAffiliation(roomJID, userJID)
        return d.addCallback(lambda affiliation: affiliation in ("owner", "admin", "member"))


@implementer(IHatObserver)
class RecordingObserver:
    def __init__(self):
        self.changes = []

    def hatsChanged(self, userJID, roomJID, hats):
        self.changes.append((userJID, roomJID, hats))


class HatStoreContract:
    """
    Mixed into a L{SynchronousTestCase} whose C{makeStore(rooms)} returns a
    fresh store using the L{IRoomDirectory} C{rooms}.
    """

    def setUp(self):
        self.rooms = FakeRooms({ROOM: {ALICE: "member", JID("out@example.org"): "outcast"}})
        self.store = self.makeStore(self.rooms)
        self.observer = RecordingObserver()
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
            JID("alice@example.org/phone"), ROOM, TEACHER, {"title": "Teacher", "active": True}))
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
        self.failureResultOf(self.store.setUserHats(ALICE, ROOM, {"a b": None}),
                             errors.BadRequest)
        self.assertEqual({}, self.hats())

    def test_badAttachment(self):
        """A flag that is not a boolean fails with BadRequest."""
        self.failureResultOf(self.store.addUserHat(ALICE, ROOM, TEACHER, {"active": "yes"}),
                             errors.BadRequest)

    def test_roomNotFound(self):
        """Every per-user method fails with ItemNotFound('room not found') for unknown rooms."""
        other = JID("nowhere@muc.example.org")
        for d in (self.store.addUserHat(ALICE, other, TEACHER),
                  self.store.removeUserHat(ALICE, other, TEACHER),
                  self.store.setUserHats(ALICE, other, {}),
                  self.store.getUserHats(ALICE, other)):
            f = self.failureResultOf(d, errors.ItemNotFound)
            self.assertEqual("room not found", f.value.text)

    def test_notAffiliated(self):
        """Users without affiliation, and outcasts, cannot wear hats."""
        for user in (JID("stranger@example.org"), JID("out@example.org")):
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
        bob = JID("bob@example.org")
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


class MemoryHatStoreTests(HatStoreContract, SynchronousTestCase):
    def makeStore(self, rooms):
        return MemoryHatStore(rooms)
