"""
No log line holds the component secret, a room password or a message
body: the whole service, built by C{twistd mucservice}'s C{makeService}
from a configuration file that holds the secret (readable by others, so
that it warns), is linked to a fake XMPP server (first refused, then
accepted), carries
traffic meant to make it log (wrong passwords, limits, a failing store, a
ghost, a lost link), and every event it logged is formatted as the text
and JSON log would write it.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import os
import shutil
import tempfile

from twisted.internet import defer
from twisted.logger import capturedLogs, eventAsText
from twisted.trial.unittest import SynchronousTestCase

from mucservice import logs, tap
from mucservice.room.service import RoomService
from mucservice.xmpp.component import MUCComponent
from tests.fakeserver import FakeNetwork, FakeXMPPServer

SECRET = "S3cr3t-of-the-component"
PASSWORD = "Pa55word-of-the-room"
BODY = "B0dy-of-a-message"
SERVICE = "muc.example.org"
ROOM = "vault@muc.example.org"
ALICE = "alice@example.org/desk"
BOB = "bob@example.org/phone"
NS_MUC = "http://jabber.org/protocol/muc"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


class NothingSecretLoggedTests(SynchronousTestCase):
    def setUp(self):
        self.server = FakeXMPPServer("not-" + SECRET)
        self.network = FakeNetwork(self.server)
        folder = tempfile.mkdtemp(prefix="mucservice-test-")
        self.addCleanup(shutil.rmtree, folder, True)
        path = os.path.join(folder, "mucservice.toml")
        with open(path, "w") as f:
            f.write('jid = "%s"\nsecret = "%s"\n' % (SERVICE, SECRET))
        os.chmod(path, 0o644)
        capture = capturedLogs()
        self.events = capture.__enter__()
        self.addCleanup(capture.__exit__, None, None, None)
        config = tap.Options()
        config.parseOptions(["--config", path, "--room-store", "memory", "--hat-store",
                             "memory", "--max-body-length", "100", "--password-rate", "2/60"])
        self.root = tap.makeService(config, self.network)
        self.component = next(s for s in self.root if isinstance(s, MUCComponent))
        self.rooms = next(s for s in self.root if isinstance(s, RoomService))
        self.root.startService()
        self.addCleanup(self.root.stopService)

    def deliver(self, xml):
        """
        Have the fake server send a stanza to the service, and deliver what
        the service answers.
        """
        self.network.current().deliver(xml)
        self.network.flush(self.component._connection)

    def traffic(self):
        """
        Everything that makes the service log, with the secret, the room's
        password and message bodies in play.
        """
        self.network.advance(2)
        self.server.secret = SECRET
        self.network.advance(60)
        self.assertTrue(self.component.link.up)
        self.deliver("<presence from='%s' to='%s/alice'><x xmlns='%s'/></presence>"
                     % (ALICE, ROOM, NS_MUC))
        self.deliver("<iq type='set' id='c1' from='%s' to='%s'><query xmlns='%s#owner'>"
                     "<x xmlns='jabber:x:data' type='submit'>"
                     "<field var='FORM_TYPE'><value>%s#roomconfig</value></field>"
                     "<field var='muc#roomconfig_persistentroom'><value>1</value></field>"
                     "<field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field>"
                     "<field var='muc#roomconfig_roomsecret'><value>%s</value></field>"
                     "</x></query></iq>" % (ALICE, ROOM, NS_MUC, NS_MUC, PASSWORD))
        for password in ("wrong-1", "wrong-2", "wrong-3"):
            self.deliver("<presence from='%s' to='%s/bob'><x xmlns='%s'><password>%s"
                         "</password></x></presence>" % (BOB, ROOM, NS_MUC, password))
        self.network.advance(61)
        self.deliver("<presence from='%s' to='%s/bob'><x xmlns='%s'><password>%s</password>"
                     "</x></presence>" % (BOB, ROOM, NS_MUC, PASSWORD))
        store = self.rooms.store
        writes = {name: getattr(store, name) for name in ("appendHistory", "archiveMessage")}
        for name in writes:
            setattr(store, name, lambda *args: defer.fail(OSError("disk I/O error")))
        for body in (BODY, BODY * 10):
            self.deliver("<message type='groupchat' from='%s' to='%s'><body>%s</body>"
                         "</message>" % (ALICE, ROOM, body))
        for name, write in writes.items():
            setattr(store, name, write)
        self.deliver("<message type='chat' from='%s' to='%s/alice'><body>%s</body></message>"
                     % (BOB, ROOM, BODY))
        self.deliver("<message type='error' from='%s' to='%s/alice'><error type='cancel'>"
                     "<recipient-unavailable xmlns='%s'/></error></message>"
                     % (BOB, ROOM, NS_STANZAS))
        for _ in range(100):
            self.network.advance(1)
        self.network.current().streamError("system-shutdown")
        self.network.flush(self.component._connection)
        self.network.advance(2)
        self.assertTrue(self.component.link.up)

    def test_nothingSecretLogged(self):
        """
        With every event of that traffic formatted as text (with its
        traceback) and as JSON, none holds the secret, the password or the
        body; the events that could have held them were logged.
        """
        self.traffic()
        self.assertTrue(self.flushLoggedErrors(OSError))
        named = {event.get("event") for event in self.events}
        self.assertTrue({"config.readable", "link.down", "link.up", "link.lost", "room.created",
                         "limit.hit", "store.failed", "occupant.gone"} <= named, named)
        for event in self.events:
            for text in (eventAsText(event, includeTraceback=True), logs.eventAsJSON(event)):
                for secret in (SECRET, PASSWORD, BODY):
                    self.assertNotIn(secret, text)
