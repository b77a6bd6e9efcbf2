"""
A restart loses no persistent room, affiliation, hat, registration or
history: every change made through the protocol to a persistent room is
written to the SQLite file, and a new service started on that file has the
room as it was live.

Each test runs the whole service (L{StoredService}) on a real SQLite file
through synchronous runners, changes a room through the fake component
stream, then starts a second service on the same file and compares.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import os
import pathlib

from twisted.internet import defer
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import LogLevel, capturedLogs
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from mucservice import errors, tap
from mucservice.providers.sql_hats import SQLHatStore
from mucservice.providers.sqlite import SynchronousRunner
from mucservice.room.service import RoomService
from mucservice.testing import FakeRoomDirectory
from mucservice.testing.hat_store import ALICE, TEACHER
from mucservice.testing.room_store import ROOM as STORED
from mucservice.xmpp.component import MUCComponent
from tests.fakeservice import SERVICE, FakeService, errorCondition
from tests.fakestream import FakeComponentStream
from tests.filesystems import fill, mounted
from tests.test_sql_hats import ManualRunner
from tests.test_sqlite_rooms import count, temporaryDatabase

NS_OWNER = "http://jabber.org/protocol/muc#owner"
NS_ADMIN = "http://jabber.org/protocol/muc#admin"
NS_DATA = "jabber:x:data"
NS_ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"
NS_REGISTER = "jabber:iq:register"
NS_MUC_REGISTER = "http://jabber.org/protocol/muc#register"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
NS_COMMANDS = "http://jabber.org/protocol/commands"
OFFLINE = "{http://tigase.org/protocol/muc}offline"

ROOM = "room@muc.example.org"
OLIVIA = "olivia@example.org/desk"
ADAM = "adam@example.org/desk"
MIA = "mia@example.org/desk"
GUS = "gus@example.org/desk"
HOST = "urn:example:hats:host"


class StoredService(FakeService):
    """
    A L{FakeService} whose rooms and hats are kept, as by default, in an
    SQLite file (C{--db sqlite:PATH}), through synchronous runners unless
    told otherwise: every write is on the file when the call returns.

    @ivar runners: the runners of the room store and of the hat store.
    """

    def __init__(self, path, *args, roomRunner=SynchronousRunner, hatRunner=SynchronousRunner):
        """
        @param path: the database file.
        @param args: more command-line options.
        @param roomRunner: makes the runner of the room store from C{path}.
        @param hatRunner: makes the runner of the hat store from C{path}.
        """
        self.reactor = MemoryReactorClock()
        self.reactor.advance(1_800_000_000)
        config = tap.Options()
        config.parseOptions(["--jid", SERVICE, "--secret", "s", "--db", "sqlite:" + path]
                            + list(args))
        self.root = tap.makeService(config, self.reactor)
        self.component = next(s for s in self.root if isinstance(s, MUCComponent))
        self.rooms = next(s for s in self.root if isinstance(s, RoomService))
        self.runners = []
        for store, runner in ((self.rooms.store, roomRunner), (self.rooms.hatStore, hatRunner)):
            store._runner = runner(path)
            self.runners.append(store._runner)
        self.rooms.startService()
        self.stream = FakeComponentStream(self.component, SERVICE)

    def stop(self):
        """
        Stop the service tree, as C{twistd} does on its way out: the room
        service, then the stores.
        """
        self.root.stopService()

    def close(self):
        """
        Close the database connections, as if the process had died.
        """
        for runner in self.runners:
            getattr(runner, "runner", runner).close()


def snapshot(room):
    """
    @return: what a restart must keep of C{room}, comparable with C{==}.
    """
    return {
        "config": room.config.toDict(),
        "salt": room.salt,
        "locked": room.locked,
        "affiliations": {j.full(): (e.affiliation, e.data) for j, e in room.affiliations.items()},
        "subject": (room.subject, room.subjectNick),
        "history": list(room.history),
        "historyLength": room.history.maxlen,
        "hats": {j.full(): hats for j, hats in room.hats.items()},
        "offlineUsers": sorted(j.full() for j in room.offlineUsers),
        "avatar": room.avatar,
    }


def field(var, *values):
    return "<field var='%s'>%s</field>" % (var, "".join("<value>%s</value>" % v for v in values))


def configForm(**fields):
    """
    @param fields: C{muc#roomconfig} field name (without the prefix) to a
        value or a list of values.
    @return: a submitted C{muc#owner} query, as text.
    """
    parts = [field("FORM_TYPE", NS_ROOMCONFIG)]
    for name, values in fields.items():
        parts.append(field("muc#roomconfig_" + name,
                           *(values if isinstance(values, list) else [values])))
    return ("<query xmlns='%s'><x xmlns='%s' type='submit'>%s</x></query>"
            % (NS_OWNER, NS_DATA, "".join(parts)))


class RestartTestCase(SynchronousTestCase):
    """
    A service on a fresh SQLite file, and the means to restart it.
    """

    serviceArgs = ("--admin", "boss@example.org")

    def setUp(self):
        self.path = temporaryDatabase(self)
        self.service = self.start()

    def start(self, **kwargs):
        service = StoredService(self.path, *self.serviceArgs, **kwargs)
        self.addCleanup(service.close)
        return service

    def restarted(self, **kwargs):
        """
        Stop the service and start a new one on the same file.

        @return: the new service.
        """
        self.service.stop()
        return self.start(**kwargs)

    def send(self, xml, service=None):
        return (service or self.service).send(xml)

    def iq(self, sender, kind, inner, to=ROOM):
        """
        Send an IQ and return its answer.
        """
        out = self.send("<iq type='%s' id='q1' from='%s' to='%s'>%s</iq>"
                        % (kind, sender, to, inner))
        answers = [s for s in out if s.name == "iq"]
        self.assertEqual(1, len(answers), [s.toXml() for s in out])
        return answers[0]

    def assertResult(self, answer):
        self.assertEqual("result", answer["type"], answer.toXml())

    def configure(self, sender=OLIVIA, **fields):
        self.assertResult(self.iq(sender, "set", configForm(**fields)))

    def admin(self, sender, items):
        self.assertResult(self.iq(sender, "set", "<query xmlns='%s'>%s</query>"
                                  % (NS_ADMIN, items)))

    def say(self, sender, body):
        self.send("<message from='%s' to='%s' type='groupchat'><body>%s</body></message>"
                  % (sender, ROOM, body))

    def don(self, sender, userJID, uri=HOST):
        """
        Give a hat through the don command.
        """
        answer = self.iq(sender, "set", "<command xmlns='%s' node='urn:xmpp:hats:commands:don'>"
                         "<x xmlns='%s' type='submit'>%s%s%s</x></command>"
                         % (NS_COMMANDS, NS_DATA, field("FORM_TYPE", "urn:xmpp:hats:commands"),
                            field("accountjid", userJID), field("hat", uri)))
        self.assertResult(answer)
        self.service.reactor.advance(0)

    def makeRoom(self, **fields):
        """
        Olivia creates the room, configures it with C{fields}, and adam,
        mia and gus join.
        """
        self.service.join(OLIVIA, ROOM + "/olivia")
        self.configure(**fields)
        for realJID in (ADAM, MIA, GUS):
            self.service.join(realJID, ROOM + "/" + realJID.split("@")[0])
        return self.service.rooms.getRoom(JID(ROOM))

    def assertSurvives(self, crash=False):
        """
        A restarted service has the room as the live one has it.

        @param crash: the service dies rather than stopping.
        @return: the restarted service.
        """
        live = self.service.rooms.getRoom(JID(ROOM))
        if crash:
            self.service.close()
            again = self.start()
        else:
            again = self.restarted()
        loaded = again.rooms.getRoom(JID(ROOM))
        self.assertIsNotNone(loaded, "the room did not survive the restart")
        self.assertEqual(snapshot(live), snapshot(loaded))
        return again


class ConfigurationTests(RestartTestCase):
    """
    The owner's configuration form.
    """

    def test_persistentRoom(self):
        """A room configured persistent comes back unlocked, with its configuration and salt."""
        self.makeRoom(persistentroom=1, roomname="Kept", maxusers=30, whois="anyone")
        again = self.assertSurvives()
        room = again.rooms.getRoom(JID(ROOM))
        self.assertFalse(room.locked)
        self.assertEqual("Kept", room.config.name)

    def test_occupantIDStable(self):
        """Occupant ids are the same after a restart."""
        room = self.makeRoom(persistentroom=1)
        before = room.occupantID(JID(MIA))
        again = self.restarted()
        self.assertEqual(before, again.rooms.getRoom(JID(ROOM)).occupantID(JID(MIA)))

    def test_becamePersistent(self):
        """
        A temporary room that becomes persistent is written whole: its
        affiliations with their data, its subject and its history.
        """
        self.makeRoom(historylength=5)
        self.admin(OLIVIA, "<item jid='adam@example.org' affiliation='admin'/>"
                           "<item jid='mia@example.org' affiliation='member' nick='mia'/>"
                           "<item jid='otto@example.org' affiliation='outcast'/>")
        self.send("<message from='%s' to='%s' type='groupchat'><subject>Topic</subject>"
                  "</message>" % (OLIVIA, ROOM))
        for n in range(7):
            self.say(MIA, "m%d" % n)
        self.configure(persistentroom=1)
        self.assertSurvives()

    def test_becameTemporary(self):
        """A persistent room made temporary is not there after a restart."""
        self.makeRoom(persistentroom=1)
        self.configure(persistentroom=0)
        self.assertIsNone(self.restarted().rooms.getRoom(JID(ROOM)))
        self.assertEqual(0, count(self.path, "rooms"))

    def test_historyShrunk(self):
        """Shortening the history keeps only as much of it after a restart."""
        self.makeRoom(persistentroom=1, historylength=10)
        for n in range(6):
            self.say(MIA, "m%d" % n)
        self.configure(historylength=2)
        self.assertSurvives()

    def test_historyShrunkThenGrown(self):
        """
        Messages dropped from a shortened history stay dropped when it is
        made longer again, after a restart as in the live room.
        """
        self.makeRoom(persistentroom=1, historylength=10)
        for n in range(6):
            self.say(MIA, "m%d" % n)
        self.configure(historylength=2)
        self.configure(historylength=10)
        self.say(MIA, "later")
        self.assertSurvives()

    def test_historySwitchedOffAndOn(self):
        """History switched off is gone for good, after a restart as in the live room."""
        self.makeRoom(persistentroom=1, historylength=10)
        for n in range(3):
            self.say(MIA, "m%d" % n)
        self.configure(historylength=0)
        self.configure(historylength=10)
        self.assertSurvives()

    def test_adminAndOwnerLists(self):
        """The admin and owner lists of the form are kept."""
        self.makeRoom(persistentroom=1)
        self.configure(roomadmins=["adam@example.org"],
                       roomowners=["olivia@example.org", "mia@example.org"])
        self.configure(roomadmins=[], roomowners=["olivia@example.org"])
        self.assertSurvives()

    def test_listsWhileBecomingPersistent(self):
        """Lists submitted with the switch to persistent are kept."""
        self.makeRoom()
        self.configure(persistentroom=1, roomadmins=["adam@example.org"],
                       roomowners=["olivia@example.org", "mia@example.org"])
        self.assertSurvives()

    def test_persistentAgain(self):
        """
        A room made temporary and persistent again is kept as it is then,
        without what changed while it was temporary being lost.
        """
        self.makeRoom(persistentroom=1)
        self.configure(persistentroom=0)
        self.admin(OLIVIA, "<item jid='gus@example.org' affiliation='member'/>")
        self.say(MIA, "while temporary")
        self.configure(persistentroom=1)
        self.assertSurvives()

    def test_destroyed(self):
        """A destroyed room and its hats are gone after a restart."""
        self.makeRoom(persistentroom=1)
        self.don(OLIVIA, "olivia@example.org")
        self.assertEqual(1, count(self.path, "hats"))
        self.assertResult(self.iq(OLIVIA, "set", "<query xmlns='%s'><destroy/></query>"
                                  % NS_OWNER))
        again = self.restarted()
        self.assertIsNone(again.rooms.getRoom(JID(ROOM)))
        self.assertEqual((0, 0, 0), (count(self.path, "rooms"), count(self.path, "affiliations"),
                                     count(self.path, "hats")))


class AffiliationTests(RestartTestCase):
    """
    Affiliations and registrations.
    """

    def setUp(self):
        RestartTestCase.setUp(self)
        self.room = self.makeRoom(persistentroom=1)

    def test_admin(self):
        """Every kind of muc#admin change is kept."""
        self.admin(OLIVIA, "<item jid='adam@example.org' affiliation='admin'/>"
                           "<item jid='mia@example.org' affiliation='member' nick='mia'/>"
                           "<item jid='otto@example.org' affiliation='outcast'/>")
        self.admin(OLIVIA, "<item jid='gus@example.org' affiliation='owner'/>")
        self.admin(ADAM, "<item jid='otto@example.org' affiliation='none'/>")
        self.admin(OLIVIA, "<item jid='mia@example.org' affiliation='outcast'/>")
        self.assertSurvives()

    def register(self, sender, nick, offline=None):
        extra = field(OFFLINE, offline) if offline is not None else ""
        self.assertResult(self.iq(sender, "set", "<query xmlns='%s'><x xmlns='%s' type='submit'>"
                                  "%s%s%s</x></query>"
                                  % (NS_REGISTER, NS_DATA, field("FORM_TYPE", NS_MUC_REGISTER),
                                     field("muc#register_roomnick", nick), extra)))

    def test_registration(self):
        """A registration keeps its nick and the offline flag."""
        self.register(GUS, "gus", offline="1")
        self.register(ADAM, "adam", offline="0")
        again = self.assertSurvives()
        self.assertEqual({JID("gus@example.org")}, again.rooms.getRoom(JID(ROOM)).offlineUsers)

    def test_unregistration(self):
        """Cancelled registrations stay cancelled."""
        self.register(GUS, "gus", offline="1")
        self.register(ADAM, "adam")
        for sender in (GUS, ADAM):
            self.assertResult(self.iq(sender, "set", "<query xmlns='%s'><remove/></query>"
                                      % NS_REGISTER))
        self.assertSurvives()

    def test_invitation(self):
        """Membership granted by an invitation to a members-only room is kept."""
        self.configure(membersonly=1, allowinvites=1)
        self.send("<message from='%s' to='%s'><x xmlns='%s'><invite to='zed@example.org'/>"
                  "</x></message>" % (OLIVIA, ROOM, NS_MUC_USER))
        self.assertEqual("member", self.room.affiliationOf(JID("zed@example.org")))
        self.assertSurvives()

    def test_subject(self):
        """The subject and who set it are kept."""
        self.send("<message from='%s' to='%s' type='groupchat'><subject>One</subject>"
                  "</message>" % (OLIVIA, ROOM))
        self.send("<message from='%s' to='%s' type='groupchat'><subject>Two</subject>"
                  "</message>" % (ADAM, ROOM))
        self.assertSurvives()

    def test_partialBatch(self):
        """
        A muc#admin batch refused for a nick taken is refused whole: none
        of its changes is live, so none is lost with a restart.
        """
        self.admin(OLIVIA, "<item jid='mia@example.org' affiliation='member' nick='mia'/>")
        answer = self.iq(OLIVIA, "set", "<query xmlns='%s'>"
                         "<item jid='otto@example.org' affiliation='outcast'/>"
                         "<item jid='gus@example.org' affiliation='member' nick='mia'/>"
                         "</query>" % NS_ADMIN)
        self.assertEqual("error", answer["type"])
        self.assertEqual("none", self.room.affiliationOf(JID("otto@example.org")))
        self.assertSurvives()


class HatTests(RestartTestCase):
    """
    Hats in the sql hat store.
    """

    def setUp(self):
        RestartTestCase.setUp(self)
        self.room = self.makeRoom(persistentroom=1)
        self.admin(OLIVIA, "<item jid='mia@example.org' affiliation='member'/>"
                           "<item jid='adam@example.org' affiliation='admin'/>")

    def test_kept(self):
        """Hats given are there after a restart."""
        self.don(OLIVIA, "mia@example.org")
        self.don(OLIVIA, "adam@example.org")
        self.assertSurvives()

    def test_lostWithAffiliation(self):
        """Hats of users who lost their affiliation stay lost."""
        self.don(OLIVIA, "mia@example.org")
        self.don(OLIVIA, "adam@example.org")
        self.admin(OLIVIA, "<item jid='mia@example.org' affiliation='none'/>"
                           "<item jid='adam@example.org' affiliation='outcast'/>")
        self.assertEqual({}, self.room.hats)
        self.assertSurvives()
        self.assertEqual(0, count(self.path, "hats"))


class QueuedWriteTests(RestartTestCase):
    """
    Writes wait in the store's queue, as they do for its thread: an
    acknowledged change is answered, applied and told once its write is
    done, in the order asked; what occupants say is told at once.
    """

    def setUp(self):
        RestartTestCase.setUp(self)
        self.service.stop()
        self.service = self.start(roomRunner=ManualRunner)
        self.queue = self.service.runners[0]
        self.queue.runAll()

    def ban(self, jid="otto@example.org", affiliation="outcast"):
        """
        @return: what the service wrote at once for an affiliation change.
        """
        return self.send("<iq type='set' id='a-%s' from='%s' to='%s'><query xmlns='%s'>"
                         "<item jid='%s' affiliation='%s'/></query></iq>"
                         % (affiliation, OLIVIA, ROOM, NS_ADMIN, jid, affiliation))

    def makeQueuedRoom(self):
        self.service.join(OLIVIA, ROOM + "/olivia")
        self.send("<iq type='set' id='c' from='%s' to='%s'>%s</iq>"
                  % (OLIVIA, ROOM, configForm(persistentroom=1, historylength=10)))
        self.queue.runAll()
        self.service.stream.sent()
        for realJID in (ADAM, MIA, GUS):
            self.service.join(realJID, ROOM + "/" + realJID.split("@")[0])
        return self.service.rooms.getRoom(JID(ROOM))

    def test_answeredOnceStored(self):
        """
        A ban is neither answered nor applied nor told before its write is
        done; then it is all three.
        """
        room = self.makeQueuedRoom()
        self.assertEqual([], self.ban(MIA.split("/")[0]))
        self.assertEqual("none", room.affiliationOf(JID(MIA)))
        self.assertIn("mia", room.occupants)
        self.queue.runAll()
        out = self.service.stream.sent()
        self.assertEqual([("iq", "result")], [(s.name, s["type"]) for s in out
                                              if s.name == "iq"])
        self.assertEqual("outcast", room.affiliationOf(JID(MIA)))
        self.assertNotIn("mia", room.occupants)
        self.assertEqual(1, len([s for s in out if s.name == "presence"
                                 and s["to"] == MIA and s.getAttribute("type") == "unavailable"]))

    def test_announcedOnceStored(self):
        """
        The affiliation change of a user not in the room is announced to
        those who see real JIDs once its write is done, not before.
        """
        self.makeQueuedRoom()
        self.assertEqual([], self.ban())
        self.queue.runAll()
        out = self.service.stream.sent()
        (announced,) = [s for s in out if s.name == "message"]
        self.assertEqual((ROOM, OLIVIA), (announced["from"], announced["to"]))
        self.assertEqual(["message", "iq"], [s.name for s in out])

    def test_order(self):
        """Changes queued one after the other end as the last one left the room."""
        room = self.makeQueuedRoom()
        for affiliation in ("outcast", "member", "admin", "none", "member"):
            self.assertEqual([], self.ban(affiliation=affiliation))
        for n in range(5):
            self.say(MIA, "m%d" % n)
            self.send("<message from='%s' to='%s' type='groupchat'><subject>s%d</subject>"
                      "</message>" % (OLIVIA, ROOM, n))
        self.send("<iq type='set' id='h' from='%s' to='%s'>%s</iq>"
                  % (OLIVIA, ROOM, configForm(historylength=3)))
        self.say(MIA, "last")
        self.assertEqual("none", room.affiliationOf(JID("otto@example.org")))
        self.queue.runAll()
        answers = [s for s in self.service.stream.sent() if s.name == "iq"]
        self.assertEqual(["a-outcast", "a-member", "a-admin", "a-none", "a-member", "h"],
                         [s["id"] for s in answers])
        self.assertEqual({"result"}, {s["type"] for s in answers})
        self.assertEqual("member", room.affiliationOf(JID("otto@example.org")))
        self.assertEqual(3, room.history.maxlen)
        self.assertSurvives()


class FailingRunner(SynchronousRunner):
    """
    A synchronous runner whose transactions fail while C{failing}.

    @ivar attempts: how many transactions were asked for while failing.
    @ivar allowed: if not L{None}, how many more transactions succeed
        before it starts failing.
    """

    failing = False
    attempts = 0
    allowed = None

    def __call__(self, func, *args):
        if self.allowed is not None:
            self.failing = self.allowed <= 0
            self.allowed -= 1
        if self.failing:
            self.attempts += 1
            return defer.fail(OSError("disk full"))
        return SynchronousRunner.__call__(self, func, *args)


class DownRunner(FailingRunner):
    """
    A L{FailingRunner} that fails from the start.
    """

    failing = True


class FailedWriteTests(RestartTestCase):
    """
    A write of the room store that fails is logged at once. An acknowledged
    change that could not be stored is answered internal-server-error and
    changes nothing, live or stored; a message that could not be kept is
    written again, with the whole room, once the store works again, and
    while the store fails, new messages are kept before they are told, or
    refused.
    """

    def setUp(self):
        self.path = temporaryDatabase(self)
        self.service = self.start(roomRunner=FailingRunner)
        self.runner = self.service.runners[0]

    def whileFailing(self, action):
        """
        Run C{action} while the room store fails.

        @return: what C{action} returned.
        """
        self.runner.failing = True
        try:
            result = action()
        finally:
            self.runner.failing = False
        self.assertTrue(self.flushLoggedErrors(OSError))
        return result

    def assertUnstored(self, answer):
        self.assertEqual("internal-server-error", errorCondition(answer), answer.toXml())

    def test_becomingPersistent(self):
        """
        A room whose switch to persistent could not be written stays
        temporary, and is stored whole when the switch is made again.
        """
        room = self.makeRoom()
        self.admin(OLIVIA, "<item jid='otto@example.org' affiliation='outcast'/>")
        self.assertUnstored(self.whileFailing(lambda: self.iq(
            OLIVIA, "set", configForm(persistentroom=1))))
        self.assertFalse(room.config.persistent)
        self.assertEqual(0, count(self.path, "rooms"))
        self.say(MIA, "hello")
        self.configure(persistentroom=1, roomname="Later")
        self.say(MIA, "again")
        self.assertSurvives(crash=True)

    def test_configuration(self):
        """A new name that could not be written is not taken, live or stored."""
        room = self.makeRoom(persistentroom=1, roomname="Kept")
        out = self.whileFailing(lambda: self.send(
            "<iq type='set' id='q1' from='%s' to='%s'>%s</iq>"
            % (OLIVIA, ROOM, configForm(roomname="Lost"))))
        self.assertEqual(["iq"], [s.name for s in out])
        self.assertUnstored(out[0])
        self.assertEqual("Kept", room.config.name)
        self.assertSurvives(crash=True)

    def test_affiliation(self):
        """
        A ban that could not be written bans nobody: the occupant stays, the
        room is told nothing, and the store keeps the affiliation it had.
        """
        room = self.makeRoom(persistentroom=1)
        out = self.whileFailing(lambda: self.send(
            "<iq type='set' id='q1' from='%s' to='%s'><query xmlns='%s'><item "
            "jid='mia@example.org' affiliation='outcast'/></query></iq>"
            % (OLIVIA, ROOM, NS_ADMIN)))
        self.assertEqual(["iq"], [s.name for s in out])
        self.assertUnstored(out[0])
        self.assertEqual("none", room.affiliationOf(JID(MIA)))
        self.assertIn("mia", room.occupants)
        self.admin(OLIVIA, "<item jid='otto@example.org' affiliation='member'/>")
        self.assertSurvives(crash=True)

    def test_registration(self):
        """A registration with the offline flag that could not be written is not made."""
        room = self.makeRoom(persistentroom=1)
        answer = self.whileFailing(lambda: self.iq(
            GUS, "set", "<query xmlns='%s'><x xmlns='%s' type='submit'>%s%s%s</x></query>"
            % (NS_REGISTER, NS_DATA, field("FORM_TYPE", NS_MUC_REGISTER),
               field("muc#register_roomnick", "gus"), field(OFFLINE, "1"))))
        self.assertUnstored(answer)
        self.assertEqual(("none", set()), (room.affiliationOf(JID(GUS)), room.offlineUsers))
        self.assertSurvives(crash=True)

    def test_destroyed(self):
        """A destruction that could not be written destroys nothing."""
        self.makeRoom(persistentroom=1)
        answer = self.whileFailing(lambda: self.iq(
            OLIVIA, "set", "<query xmlns='%s'><destroy/></query>" % NS_OWNER))
        self.assertUnstored(answer)
        self.assertIn("mia", self.service.rooms.getRoom(JID(ROOM)).occupants)
        self.assertSurvives(crash=True)

    def test_invitation(self):
        """
        An invitation that would make the invitee a member is not sent when
        the membership could not be written; the inviter gets the error.
        """
        room = self.makeRoom(persistentroom=1, membersonly=1)
        out = self.whileFailing(lambda: self.send(
            "<message from='%s' to='%s' id='i1'><x xmlns='%s'><invite to='zed@example.org'/>"
            "</x></message>" % (OLIVIA, ROOM, NS_MUC_USER)))
        self.assertEqual([(OLIVIA, "error", "internal-server-error")],
                         [(s["to"], s["type"], errorCondition(s)) for s in out])
        self.assertEqual("none", room.affiliationOf(JID("zed@example.org")))
        self.assertSurvives(crash=True)

    def test_hat(self):
        """A hat that could not be written is answered internal-server-error, and not worn."""
        self.service.stop()
        self.service = self.start(hatRunner=FailingRunner)
        room = self.makeRoom(persistentroom=1)
        self.admin(OLIVIA, "<item jid='mia@example.org' affiliation='member'/>")
        self.service.runners[1].failing = True
        answer = self.iq(OLIVIA, "set", "<command xmlns='%s' node='urn:xmpp:hats:commands:don'>"
                         "<x xmlns='%s' type='submit'>%s%s%s</x></command>"
                         % (NS_COMMANDS, NS_DATA, field("FORM_TYPE", "urn:xmpp:hats:commands"),
                            field("accountjid", "mia@example.org"), field("hat", HOST)))
        self.service.runners[1].failing = False
        self.assertTrue(self.flushLoggedErrors(OSError))
        self.assertUnstored(answer)
        self.assertEqual({}, room.hats)
        self.assertEqual(0, count(self.path, "hats"))

    def test_cutShort(self):
        """
        A whole write cut short by the store failing again leaves the room
        stored, as it was or newer: nothing is deleted before it is written.
        (The message that could not be written is lost in the crash; the
        next one was kept first.)
        """
        self.makeRoom(persistentroom=1, roomname="Kept")
        self.whileFailing(lambda: self.say(MIA, "hello"))
        self.runner.allowed = 1
        self.say(MIA, "again")
        self.assertTrue(self.flushLoggedErrors(OSError))
        self.runner.allowed = None
        self.runner.failing = False
        self.service.close()
        room = self.start().rooms.getRoom(JID(ROOM))
        self.assertEqual("Kept", room.config.name)
        self.assertEqual("owner", room.affiliationOf(JID(OLIVIA)))
        self.assertEqual(["<body>again</body>"], [e.payload for e in room.history])

    def test_onStop(self):
        """A message that could not be written is written when the service stops."""
        self.makeRoom(persistentroom=1)
        self.whileFailing(lambda: self.say(MIA, "hello"))
        self.assertSurvives()

    def test_keptFirstWhileFailing(self):
        """
        Once a write failed, a new message is written before it is told:
        refused (resource-constraint, to the sender only) while the store
        still fails, told and kept once it works again.
        """
        self.makeRoom(persistentroom=1)
        self.whileFailing(lambda: self.say(MIA, "told"))
        out = self.whileFailing(lambda: self.send(
            "<message from='%s' to='%s' type='groupchat' id='m2'><body>lost</body></message>"
            % (MIA, ROOM)))
        self.assertEqual([(MIA, "error", "resource-constraint")],
                         [(s["to"], s["type"], errorCondition(s)) for s in out])
        out = self.send("<message from='%s' to='%s' type='groupchat'><body>kept</body>"
                        "</message>" % (MIA, ROOM))
        self.assertEqual(4, len([s for s in out if s.name == "message"]))
        again = self.assertSurvives(crash=True)
        self.assertEqual(["<body>told</body>", "<body>kept</body>"],
                         [e.payload for e in again.rooms.getRoom(JID(ROOM)).history])

    def test_notFlooded(self):
        """
        While the store fails, every change is one write, as before: rooms
        are written whole only once a write succeeded again.
        """
        self.makeRoom(persistentroom=1)
        self.runner.failing = True
        self.iq(OLIVIA, "set", "<query xmlns='%s'><item jid='otto@example.org' "
                "affiliation='outcast'/></query>" % NS_ADMIN)
        for n in range(3):
            self.say(MIA, "m%d" % n)
        self.assertEqual(4, self.runner.attempts)
        self.runner.failing = False
        self.flushLoggedErrors(OSError)
        self.say(MIA, "back")
        self.say(MIA, "again")
        self.assertSurvives(crash=True)

    def test_counted(self):
        """Every failed write is counted at once."""
        self.makeRoom(persistentroom=1)
        self.whileFailing(lambda: (self.say(MIA, "a"), self.say(MIA, "b")))
        self.assertEqual(2, self.service.rooms.writer.failures)

    def test_hatsNotForgotten(self):
        """
        Hats of a user who lost the affiliation, left in the store by a
        failed write, are not worn after a restart, and are forgotten then.
        """
        self.service.stop()
        self.service = self.start(hatRunner=FailingRunner)
        self.makeRoom(persistentroom=1)
        self.admin(OLIVIA, "<item jid='mia@example.org' affiliation='member'/>")
        self.don(OLIVIA, "mia@example.org")
        hats = self.service.runners[1]
        hats.failing = True
        self.admin(OLIVIA, "<item jid='mia@example.org' affiliation='none'/>")
        hats.failing = False
        self.assertTrue(self.flushLoggedErrors(OSError))
        self.assertEqual(1, count(self.path, "hats"))
        self.assertSurvives()
        self.assertEqual(0, count(self.path, "hats"))


class FullDiskTests(RestartTestCase):
    """
    The database on a file system that fills up (a tmpfs of its own): no
    message is told and then silently lost.
    """

    def setUp(self):
        self.mount = mounted(pathlib.Path(temporaryDatabase(self)).parent / "disk")
        folder = self.mount.__enter__()
        self.addCleanup(self.mount.__exit__, None, None, None)
        self.path = str(folder / "rooms.sqlite")
        self.service = self.start()

    def test_fullDisk(self):
        """
        Once the disk is full, the first message whose write fails is told
        and counted; every later one is refused with resource-constraint
        until there is room again, and then kept and told. After a crash,
        the stored history is what the room told.
        """
        room = self.makeRoom(persistentroom=1)
        filler = fill(os.path.dirname(self.path))
        told = refused = 0
        for n in range(200):
            out = self.send("<message from='%s' to='%s' type='groupchat' id='m%d'>"
                            "<body>%s</body></message>" % (MIA, ROOM, n, "x" * 2000))
            if [s for s in out if s["type"] == "error"]:
                self.assertEqual([(MIA, "resource-constraint")],
                                 [(s["to"], errorCondition(s)) for s in out])
                refused += 1
                break
            told += 1
        self.assertEqual(1, refused)
        self.assertTrue(self.flushLoggedErrors())
        self.assertGreater(self.service.rooms.writer.failures, 0)
        os.remove(filler)
        out = self.send("<message from='%s' to='%s' type='groupchat'><body>room again</body>"
                        "</message>" % (MIA, ROOM))
        self.assertEqual(4, len([s for s in out if s.getAttribute("type") == "groupchat"]))
        self.assertEqual(told + 1, len(room.history))
        self.assertSurvives(crash=True)


class LoadingTests(RestartTestCase):
    """
    No room is created before the stored rooms are loaded.
    """

    def setUp(self):
        RestartTestCase.setUp(self)
        self.makeRoom(persistentroom=1)
        self.admin(OLIVIA, "<item jid='mia@example.org' affiliation='member'/>")
        self.don(OLIVIA, "mia@example.org")
        self.service.stop()

    def test_joinWhileLoading(self):
        """
        Joining a stored room before it is loaded is refused (the service is
        unavailable): no new room of that name is made, which would forget
        the stored room's hats and then be replaced by it.
        """
        service = self.start(roomRunner=ManualRunner)
        (refusal,) = service.join(GUS, ROOM + "/gus")
        self.assertEqual("error", refusal["type"])
        self.assertEqual("service-unavailable", errorCondition(refusal))
        service.runners[0].runAll()
        room = service.rooms.getRoom(JID(ROOM))
        self.assertEqual({JID("mia@example.org"): {HOST: {"active": True}}}, room.hats)
        self.assertEqual(1, count(self.path, "hats"))
        self.assertEqual("none", room.affiliationOf(JID(GUS)))
        self.assertEqual({}, room.occupants)

    def test_loadingFailed(self):
        """
        When the stored rooms cannot be loaded, that is fatal (one critical
        line; under twistd the process exits), and meanwhile no room is
        created: a new one would take the place of a stored one.
        """
        with capturedLogs() as logs:
            service = self.start(roomRunner=DownRunner)
        self.assertEqual(["the stored rooms cannot be loaded (OSError: disk full); "
                          "no room can be served"],
                         [e["why"] for e in logs if e["log_level"] == LogLevel.critical])
        self.failureResultOf(service.rooms.whenLoaded(), OSError)
        service.runners[0].failing = False
        (refusal,) = service.join(GUS, "new@muc.example.org/gus")
        self.assertEqual("service-unavailable", errorCondition(refusal))
        self.assertIsNone(service.rooms.getRoom(JID("new@muc.example.org")))


class SteppedRunner(ManualRunner):
    """
    A L{ManualRunner} that also runs its transactions one at a time.
    """

    def runOne(self):
        d, func, args = self.queue.pop(0)
        self.runner(func, *args).chainDeferred(d)


class ForgottenRoomTests(SynchronousTestCase):
    """
    The SQL hat store, its transactions waiting for its thread: a change
    under way when its room's hats are forgotten.
    """

    def setUp(self):
        path = temporaryDatabase(self)
        self.runner = ManualRunner(path)
        self.addCleanup(self.runner.runner.close)
        self.store = SQLHatStore(FakeRoomDirectory({STORED: {ALICE: "member"}}), path,
                                 runner=self.runner)

    def test_changeUnderWay(self):
        """It writes nothing and fails as for a room that is not there."""
        d = self.store.addUserHat(ALICE, STORED, TEACHER)
        self.store.forgetRoom(STORED)
        self.runner.runAll()
        self.failureResultOf(d, errors.ItemNotFound)
        hats = self.store.getRoomHats(STORED)
        self.runner.runAll()
        self.assertEqual({}, self.successResultOf(hats))

    def test_changeAfter(self):
        """A change asked after the room's hats were forgotten is made."""
        self.store.forgetRoom(STORED)
        d = self.store.addUserHat(ALICE, STORED, TEACHER)
        self.runner.runAll()
        self.successResultOf(d)
        hats = self.store.getRoomHats(STORED)
        self.runner.runAll()
        self.assertEqual({ALICE: {TEACHER: {}}}, self.successResultOf(hats))


class HatRaceTests(RestartTestCase):
    """
    Hats given while their room goes away, with the hat store's writes
    waiting in its queue.
    """

    def setUp(self):
        RestartTestCase.setUp(self)
        self.service.stop()
        self.service = self.start(hatRunner=SteppedRunner)
        self.queue = self.service.runners[1]
        self.makeRoom(persistentroom=1)
        self.admin(OLIVIA, "<item jid='mia@example.org' affiliation='member'/>")
        self.queue.runAll()

    def donStarted(self):
        """
        Send a don command for mia, and let it go as far as reading mia's
        hats before it writes them.

        @return: what the service wrote.
        """
        out = self.send("<iq type='set' id='d1' from='%s' to='%s'><command xmlns='%s' "
                        "node='urn:xmpp:hats:commands:don'><x xmlns='%s' type='submit'>%s%s%s"
                        "</x></command></iq>"
                        % (OLIVIA, ROOM, NS_COMMANDS, NS_DATA,
                           field("FORM_TYPE", "urn:xmpp:hats:commands"),
                           field("accountjid", "mia@example.org"), field("hat", HOST)))
        self.queue.runOne()
        self.assertEqual(1, len(self.queue.queue))
        return out

    def test_destroyedAndMadeAnew(self):
        """
        A hat given in a room destroyed and made anew before the hat was
        written is not worn in the new room, live or after a restart.
        """
        self.donStarted()
        self.assertResult(self.iq(OLIVIA, "set", "<query xmlns='%s'><destroy/></query>"
                                  % NS_OWNER))
        self.service.join(OLIVIA, ROOM + "/olivia")
        self.configure(persistentroom=1)
        self.admin(OLIVIA, "<item jid='mia@example.org' affiliation='member'/>")
        self.queue.runAll()
        self.service.reactor.advance(0)
        self.assertEqual({}, self.service.rooms.getRoom(JID(ROOM)).hats)
        self.assertEqual(0, count(self.path, "hats"))
        self.assertSurvives()

    def test_destroyed(self):
        """A hat given in a room destroyed before the hat was written is not kept."""
        self.donStarted()
        self.assertResult(self.iq(OLIVIA, "set", "<query xmlns='%s'><destroy/></query>"
                                  % NS_OWNER))
        self.queue.runAll()
        self.assertEqual(0, count(self.path, "hats"))
