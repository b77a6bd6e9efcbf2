"""
The whole service on a fake component stream, for unit tests of the
protocol handlers: the real service tree of C{twistd mucservice} (rooms and
hats in memory), a L{MemoryReactorClock} for time and timers.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID, internJID

from mucservice import tap
from mucservice.room.config import RoomConfig
from mucservice.room.service import RoomService
from mucservice.xmpp.component import MUCComponent
from mucservice.xmpp.errors import errorCondition  # noqa: F401  (for the tests)
from tests.fakestream import FakeComponentStream, parseStanzas

SERVICE = "muc.example.org"
NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = NS_MUC + "#user"


def errorText(stanza):
    """
    @return: the human-readable text of an error stanza, or L{None}.
    """
    for error in stanza.elements():
        if error.name == "error":
            for text in error.elements("urn:ietf:params:xml:ns:xmpp-stanzas", "text"):
                return str(text)
    return None


class FakeService:
    """
    @ivar reactor: the clock and the (unused) network.
    @ivar rooms: the L{RoomService}.
    @ivar stream: the L{FakeComponentStream}.
    """

    def __init__(self, *args):
        self.reactor = MemoryReactorClock()
        self.reactor.advance(1_800_000_000)
        config = tap.Options()
        config.parseOptions(["--jid", SERVICE, "--secret", "s", "--room-store", "memory",
                             "--hat-store", "memory"] + list(args))
        self.root = tap.makeService(config, self.reactor)
        self.component = next(s for s in self.root if isinstance(s, MUCComponent))
        self.rooms = next(s for s in self.root if isinstance(s, RoomService))
        self.rooms.startService()
        self.stream = FakeComponentStream(self.component, SERVICE)

    def send(self, xml):
        """
        Deliver a stanza (XML text) to the service and return what it wrote.
        """
        self.stream.receive(xml)
        self.component.outbox.flush()
        return self.stream.sent()

    def makeRoom(self, room, owner, **config):
        """
        Make an unlocked room owned by C{owner} (bare JID text), with the
        given configuration, without anyone in it.
        """
        made = self.rooms.createRoom(internJID(room), internJID(owner))
        made.config = RoomConfig(**config)
        made.history = type(made.history)(maxlen=made.config.historyLength)
        made.locked = False
        return made

    def join(self, realJID, occupantJID, extra=""):
        """
        Send a join presence and return what the service wrote.
        """
        return self.send("<presence from='%s' to='%s'><x xmlns='%s'/>%s</presence>"
                         % (realJID, occupantJID, NS_MUC, extra))


def statuses(stanza):
    """
    @return: the MUC status codes of a stanza, as a set of ints.
    """
    codes = set()
    for x in stanza.elements(NS_MUC_USER, "x"):
        codes.update(int(s["code"]) for s in x.elements(NS_MUC_USER, "status"))
    return codes


def item(stanza):
    """
    @return: the muc#user C{<item/>} of a stanza, or L{None}.
    """
    for x in stanza.elements(NS_MUC_USER, "x"):
        for element in x.elements(NS_MUC_USER, "item"):
            return element
    return None


class ServiceTestCase(SynchronousTestCase):
    """
    A test case with a fresh L{FakeService} started with C{serviceArgs}.
    """

    serviceArgs = ()

    def setUp(self):
        self.service = FakeService(*self.serviceArgs)

    def ask(self, xml):
        """
        Send a stanza that must be answered with exactly one stanza.
        """
        out = self.service.send(xml)
        self.assertEqual(1, len(out), [s.toXml() for s in out])
        return out[0]

    def answer(self, xml):
        """
        Send a stanza and return the one stanza that answers it (of its
        kind, with its id, to its sender), whatever else the service says
        meanwhile (such as the announcement of an affiliation change).
        """
        (sent,) = parseStanzas(xml.encode("utf-8"))
        out = self.service.send(xml)
        answers = [s for s in out if (s.name, s.getAttribute("id"), s.getAttribute("to"))
                   == (sent.name, sent.getAttribute("id"), sent.getAttribute("from"))]
        self.assertEqual(1, len(answers), [s.toXml() for s in out])
        return answers[0]

    def assertError(self, condition, reply, id=None):
        self.assertEqual("error", reply["type"], reply.toXml())
        if id is not None:
            self.assertEqual(id, reply["id"])
        self.assertEqual(condition, errorCondition(reply))


class PopulatedRoomTestCase(ServiceTestCase):
    """
    A room owned by olivia, with adam as admin and mia as member (nick
    reserved), all of them and gus (no affiliation) inside; boss is a
    service admin.
    """

    ROOM = "room@muc.example.org"
    OLIVIA = "olivia@example.org/desk"
    ADAM = "adam@example.org/desk"
    MIA = "mia@example.org/desk"
    GUS = "gus@example.org/desk"
    serviceArgs = ("--admin", "boss@example.org")
    config = {}

    def setUp(self):
        ServiceTestCase.setUp(self)
        self.room = self.service.makeRoom(self.ROOM, "olivia@example.org", **self.config)
        self.room.setAffiliationEntry(JID("adam@example.org"), "admin")
        self.room.setAffiliationEntry(JID("mia@example.org"), "member", {"nick": "mia"})
        for realJID, nick in ((self.OLIVIA, "olivia"), (self.ADAM, "adam"), (self.MIA, "mia"),
                              (self.GUS, "gus")):
            self.service.join(realJID, "%s/%s" % (self.ROOM, nick))
