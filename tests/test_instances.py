"""
Several instances sharing one PostgreSQL database (C{--instance-id}), each
the whole service on a fake component stream with a clock of its own, and
transactions run at once: rooms claimed on their first stanza, under a
lease no other instance can write past; rooms taken over from an instance
that stopped renewing, their former occupants told to join again (333);
rooms lost, given up, and the service's shutdown (332).

Time in the database is real: a lease that must have expired is made to
by the test, in SQL, as if its instance had been gone that long.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from mucservice import errors, tap
from mucservice.providers.postgresql import SynchronousRunner
from mucservice.providers.postgresql_leases import TRUST, Leases
from mucservice.room.service import RoomService
from mucservice.xmpp.claims import ClaimGate
from mucservice.xmpp.component import MUCComponent
from tests.fakeservice import NS_MUC, SERVICE, errorCondition, statuses
from tests.fakestream import FakeComponentStream
from tests.postgres import execute, freshSchema, skipUnlessPostgres

skipUnlessPostgres()

ROOM = "room@" + SERVICE
ALICE = "alice@example.org/phone"
BOB = "bob@example.org/desk"
NS_OWNER = "http://jabber.org/protocol/muc#owner"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"


class Instance:
    """
    One instance: the real service tree of C{twistd mucservice} with the
    PostgreSQL providers, on a fake component stream.
    """

    def __init__(self, url, instanceID, *args):
        self.url = url
        self.reactor = MemoryReactorClock()
        self.reactor.advance(1_800_000_000)
        config = tap.Options()
        config.parseOptions(["--jid", SERVICE, "--secret", "s", "--db", url,
                             "--room-store", "postgresql", "--hat-store", "postgresql",
                             "--join-tracker", "postgresql", "--instance-id", instanceID]
                            + list(args))
        self.root = tap.makeService(config, self.reactor)
        self.component = next(s for s in self.root if isinstance(s, MUCComponent))
        self.rooms = next(s for s in self.root if isinstance(s, RoomService))
        self.shared = self.rooms.store._runner
        self.shared.runner = SynchronousRunner(url)
        self.leases = self.rooms.store.leases
        self.root.startService()
        self.stream = FakeComponentStream(self.component, SERVICE)
        self.gate = next(h for h in self.component if isinstance(h, ClaimGate))

    def send(self, xml):
        self.stream.receive(xml)
        self.component.outbox.flush()
        return self.stream.sent()

    def join(self, realJID, occupantJID):
        return self.send("<presence from='%s' to='%s'><x xmlns='%s'/></presence>"
                         % (realJID, occupantJID, NS_MUC))

    def createPersistent(self, realJID, nick):
        """
        Make the room, persistent, owned by C{realJID}.
        """
        self.join(realJID, "%s/%s" % (ROOM, nick))
        self.send("<iq from='%s' to='%s' type='set' id='c'><query xmlns='%s'>"
                  "<x xmlns='jabber:x:data' type='submit'>"
                  "<field var='muc#roomconfig_persistentroom'><value>1</value></field>"
                  "<field var='muc#roomconfig_roomname'><value>Lobby</value></field>"
                  "</x></query></iq>" % (realJID, ROOM, NS_OWNER))

    def advance(self, seconds):
        self.reactor.advance(seconds)
        self.component.outbox.flush()
        return self.stream.sent()

    def stop(self):
        self.root.stopService()
        self.shared.runner.close()


class InstanceTestCase(SynchronousTestCase):

    def setUp(self):
        self.url = freshSchema(self)
        self.instances = []

    def start(self, instanceID, *args):
        instance = Instance(self.url, instanceID, *args)
        self.instances.append(instance)
        self.addCleanup(instance.shared.runner.close)
        self.addCleanup(instance.leases.unlock)
        return instance

    def sql(self, query, args=()):
        return execute(self.url, query, args)

    def expire(self, instanceID):
        """
        Make the leases of C{instanceID} expired, as if it had not renewed
        them for the lease time.
        """
        self.sql("UPDATE room_leases SET expires = now() - interval '1 second'"
                 " WHERE instance_id = %s", (instanceID,))


class ClaimTests(InstanceTestCase):
    """
    A room is served by the one instance that claimed its lease.
    """

    def test_claimedOnFirstStanza(self):
        """
        The first stanza to a room makes its instance claim it: the lease
        and the occupant are recorded with the instance, and the join is
        answered as a single service answers it.
        """
        a = self.start("a")
        sent = a.join(ALICE, ROOM + "/alice")
        self.assertEqual([{110, 201}], [statuses(s) for s in sent if s.name == "presence"])
        self.assertEqual([("a",)], self.sql("SELECT instance_id FROM room_leases"))
        self.assertEqual([(ROOM, ALICE, "alice", "a")], self.sql(
            "SELECT room_jid, real_jid, nick, instance_id FROM occupants"))

    def test_heldElsewhere(self):
        """
        Another instance holds the room: a stanza waits until that lease
        expires, then the room is claimed, its former occupants are told
        they were removed (110 and 333, from the room), and the stanza is
        handled.
        """
        a, b = self.start("a"), self.start("b")
        a.createPersistent(ALICE, "alice")
        self.assertEqual([], b.join(BOB, ROOM + "/bob"))
        self.expire("a")
        sent = b.advance(15)
        removed = [s for s in sent if s["to"] == ALICE]
        self.assertEqual(1, len(removed))
        self.assertEqual(("unavailable", ROOM + "/alice"), (removed[0]["type"], removed[0]["from"]))
        self.assertEqual({110, 333}, statuses(removed[0]))
        own = [s for s in sent if s["to"] == BOB and s.name == "presence"]
        self.assertIn(110, statuses(own[-1]))
        self.assertEqual("Lobby", b.rooms.getRoom(JID(ROOM)).config.name)
        self.assertEqual([("b",)], self.sql("SELECT instance_id FROM room_leases"))
        self.assertEqual([(BOB, "b")], self.sql("SELECT real_jid, instance_id FROM occupants"))

    def test_keptElsewhere(self):
        """
        A room another instance keeps renewing is not claimed: the stanzas
        that waited are refused with resource-constraint.
        """
        a, b = self.start("a"), self.start("b")
        a.join(ALICE, ROOM + "/alice")
        self.assertEqual([], b.join(BOB, ROOM + "/bob"))
        sent = []
        for _ in range(40):
            sent += b.advance(1)
            a.advance(1)
        self.assertEqual(["resource-constraint"], [errorCondition(s) for s in sent])

    def test_notStoredGivenUp(self):
        """
        A stanza to a room that does not exist claims it, and its lease is
        given up once the stanza is answered.
        """
        a = self.start("a")
        sent = a.send("<iq from='%s' to='nothing@%s' type='get' id='d'>"
                      "<query xmlns='%s'/></iq>" % (ALICE, SERVICE, NS_DISCO_INFO))
        self.assertEqual(["item-not-found"], [errorCondition(s) for s in sent])
        self.assertEqual([], self.sql("SELECT room_jid FROM room_leases"))

    def test_temporaryRoomGivenUp(self):
        """A temporary room that empties gives its lease and occupants up."""
        a = self.start("a")
        a.join(ALICE, ROOM + "/alice")
        a.send("<presence from='%s' to='%s/alice' type='unavailable'/>" % (ALICE, ROOM))
        self.assertEqual([], self.sql("SELECT room_jid FROM room_leases"))
        self.assertEqual([], self.sql("SELECT room_jid FROM occupants"))


class TakeoverTests(InstanceTestCase):
    """
    A room moves to another instance, or to the same instance restarted.
    """

    def test_restartedSameInstance(self):
        """
        A process that restarts an instance (same id) takes its former
        leases at once, without waiting for them to expire, and tells the
        sessions of its former life they were removed.
        """
        a = self.start("a")
        a.createPersistent(ALICE, "alice")
        # The process of a dies (SIGKILL): its session, and so its lock of
        # the id, end with it.
        a.leases.unlock()
        again = self.start("a")
        sent = again.join(BOB, ROOM + "/bob")
        self.assertEqual({110, 333}, statuses([s for s in sent if s["to"] == ALICE][0]))
        self.assertNotEqual(a.leases.holder, again.leases.holder)
        self.assertEqual([(again.leases.holder,)], self.sql("SELECT holder FROM room_leases"))

    def test_pausedCannotWrite(self):
        """
        An instance whose lease another took over, and which does not know
        it yet (it was paused), cannot write the room: a configuration
        change it handles is refused by the database, answered
        internal-server-error, and the room stays as the new owner has it.
        """
        a, b = self.start("a"), self.start("b")
        a.createPersistent(ALICE, "alice")
        self.expire("a")
        b.join(BOB, ROOM + "/bob")
        b.advance(15)
        self.assertEqual([("b",)], self.sql("SELECT instance_id FROM room_leases"))
        sent = a.send("<iq from='%s' to='%s' type='set' id='late'><query xmlns='%s'>"
                      "<x xmlns='jabber:x:data' type='submit'>"
                      "<field var='muc#roomconfig_roomname'><value>Stale</value></field>"
                      "</x></query></iq>" % (ALICE, ROOM, NS_OWNER))
        self.assertEqual(["internal-server-error"],
                         [errorCondition(s) for s in sent if s.getAttribute("id") == "late"])
        self.assertIn('"muc#roomconfig_roomname": "Lobby"',
                      self.sql("SELECT config FROM rooms")[0][0])

    def test_renewalFindsLoss(self):
        """
        The renewal of an instance that lost a lease forgets the room at
        once, logged, without a word to its occupants.
        """
        a, b = self.start("a"), self.start("b")
        a.createPersistent(ALICE, "alice")
        self.expire("a")
        b.join(BOB, ROOM + "/bob")
        b.advance(15)
        with capturedLogs() as logs:
            sent = a.advance(4)
        self.assertEqual([], sent)
        self.assertIsNone(a.rooms.getRoom(JID(ROOM)))
        self.assertEqual(["lease.lost"], [e.get("event") for e in logs
                                          if e.get("event", "").startswith("lease.")])


class LeaseTests(SynchronousTestCase):
    """
    The leases on the reactor's side.
    """

    def test_trustedForAPart(self):
        """
        A lease is trusted for part of the lease time after its claim
        began, and no longer without a renewal: a paused instance stops
        serving its rooms before another can take them.
        """
        clock = MemoryReactorClock()
        leases = Leases(lambda *a: None, "a", clock, leaseTime=10)
        leases.claimed("r@m", 7, clock.seconds())
        clock.advance(10 * TRUST - 0.01)
        self.assertTrue(leases.holds("r@m"))
        clock.advance(0.02)
        self.assertFalse(leases.holds("r@m"))
        self.assertEqual(7, leases.epochOf("r@m"))


class ShutdownTests(InstanceTestCase):
    """
    A clean stop tells every occupant, and frees the leases.
    """

    def test_shutdown(self):
        """
        Stopping sends each session its unavailable presence with 110 and
        332, refuses later stanzas to rooms, and gives every lease and
        occupant record up.
        """
        a = self.start("a")
        a.createPersistent(ALICE, "alice")
        a.join(BOB, ROOM + "/bob")
        a.stream.sent()
        self.successResultOf(a.gate.shutDown())
        a.component.outbox.flush()
        sent = a.stream.sent()
        self.assertEqual({ALICE: {110, 332}, BOB: {110, 332}},
                         {s["to"]: statuses(s) for s in sent})
        refused = a.join("carol@example.org/x", ROOM + "/carol")
        self.assertEqual(["service-unavailable"], [errorCondition(s) for s in refused])
        a.stop()
        self.assertEqual([], self.sql("SELECT * FROM room_leases"))
        self.assertEqual([], self.sql("SELECT * FROM occupants"))


class TrackerTests(InstanceTestCase):
    """
    The postgresql join tracker answers for every instance.
    """

    def test_acrossInstances(self):
        """
        An instance's tracker lists the rooms its own occupants are in and,
        once it has read them, those of the other instances.
        """
        a, b = self.start("a"), self.start("b")
        a.join(ALICE, ROOM + "/alice")
        b.join(ALICE, "other@%s/al" % (SERVICE,))
        tracker = b.rooms.joinTracker
        self.assertEqual({JID("other@" + SERVICE): "al"}, tracker.roomsOf(JID(ALICE)))
        b.advance(tracker.refreshInterval)
        self.assertEqual({JID(ROOM): "alice", JID("other@" + SERVICE): "al"},
                         tracker.roomsOf(JID(ALICE)))
        self.assertTrue(tracker.isPresent(JID("alice@example.org"), JID(ROOM)))
        self.assertEqual({JID(ALICE)}, tracker.occupantsFrom("example.org"))


class PingTests(InstanceTestCase):
    """
    Pings go from rooms this instance serves, whose answers come back here.
    """

    def test_pingFromRoomServedHere(self):
        """
        A ping asked from a room another instance serves goes from a room
        this instance serves that the occupant is in; with none, it is not
        sent.
        """
        a = self.start("a")
        a.join(ALICE, ROOM + "/alice")
        host = a.rooms.pinger.host
        host.ping(JID("elsewhere@" + SERVICE), JID(ALICE), 30)
        a.component.outbox.flush()
        sent = a.stream.sent()
        self.assertEqual([(ROOM, ALICE)], [(s["from"], s["to"]) for s in sent])
        self.failureResultOf(host.ping(JID("elsewhere@" + SERVICE), JID(BOB), 30))
        self.assertEqual([], a.stream.sent())


class OptionTests(SynchronousTestCase):
    """
    The options of an instance.
    """

    def parse(self, *args):
        config = tap.Options()
        config.parseOptions(["--jid", SERVICE, "--secret", "s"] + list(args))
        return config

    def test_needsSharedStore(self):
        """--instance-id with a room store the instances cannot share is a usage error."""
        e = self.assertRaises(usage.UsageError, self.parse, "--instance-id", "a",
                              "--room-store", "memory")
        self.assertIn("--room-store postgresql", str(e))

    def test_badId(self):
        """An instance id of other characters is a usage error."""
        e = self.assertRaises(usage.UsageError, self.parse, "--instance-id", "a b")
        self.assertIn("--instance-id must be", str(e))

    def test_leaseTime(self):
        """The lease time is a number of seconds, at least one."""
        self.assertRaises(usage.UsageError, self.parse, "--lease-time", "0.5")
        self.assertEqual(10.0, self.parse()["lease-time"])

    def test_roomNotHeldIsNotFound(self):
        """A write refused for a lease lost is no failure of the store itself."""
        self.assertTrue(issubclass(errors.RoomNotHeld, errors.ItemNotFound))
