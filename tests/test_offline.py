"""
Offline delivery: which groupchat messages are copied to which absent
registrants, what the C{tigase} and C{forward} providers send, and what a
bounce does (nothing but one log line), through the fake component stream.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from datetime import datetime, timezone

from twisted.logger import capturedLogs
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID
from zope.interface import implementer
from zope.interface.verify import verifyObject

from mucservice import tap
from mucservice.interfaces import IOfflineDelivery, IOfflineHost
from mucservice.providers.none import NoOfflineDelivery
from mucservice.providers.offline import ForwardOfflineDelivery, TigaseOfflineDelivery
from mucservice.records import Affiliation, HistoryEntry
from mucservice.room.config import RoomConfig
from mucservice.room.offline import FIELD
from mucservice.room.room import Room
from mucservice.testing import OfflineDeliveryContract
from mucservice.xmpp.namespaces import FEATURE_OFFLINE as FEATURE
from mucservice.xmpp.offline import OfflineLink
from tests.fakeservice import SERVICE, FakeService, ServiceTestCase

NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_FORWARD = "urn:xmpp:forward:0"
NS_DELAY = "urn:xmpp:delay"
NS_HINTS = "urn:xmpp:hints"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"

ROOM = "room@muc.example.org"
OLIVIA = "olivia@example.org/desk"
MIA = "mia@example.org"
ADAM = "adam@example.org"
OTTO = "otto@example.org"
GUS = "gus@example.org"
STAMP = datetime(2027, 1, 15, 9, 30, 0, 123000, tzinfo=timezone.utc)
ENTRY = HistoryEntry(STAMP, "olivia", JID(OLIVIA), "<body>it&apos;s late</body>", "s1", "o1",
                     "m1")


def groupchat(body="hello", extra="", sender=OLIVIA):
    inner = ("<body>%s</body>" % body if body is not None else "") + extra
    return ("<message from='%s' to='%s' type='groupchat' id='m1'>%s</message>"
            % (sender, ROOM, inner))


def bounce(sender, to=ROOM + "/olivia", condition="service-unavailable"):
    return ("<message type='error' from='%s' to='%s' id='m1'><error type='cancel'>"
            "<%s xmlns='%s'/></error></message>" % (sender, to, condition, NS_STANZAS))


def toBare(stanzas):
    """@return: the stanzas sent to bare JIDs, by recipient."""
    return {s["to"]: s for s in stanzas if "/" not in s["to"]}


class OfflineTestCase(ServiceTestCase):
    """
    A room owned by olivia, who is in it; mia (member), adam (admin) and otto
    (owner) registered with the offline flag, gus (member) without; nobody
    but olivia is in the room.
    """

    config = {}

    def setUp(self):
        ServiceTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "olivia@example.org", **self.config)
        for bare, affiliation, flag in ((MIA, "member", "1"), (ADAM, "admin", "1"),
                                        (OTTO, "owner", "true"), (GUS, "member", "0")):
            self.room.setAffiliationEntry(JID(bare), affiliation,
                                          {"nick": bare.partition("@")[0], FIELD: flag})
        self.service.join(OLIVIA, ROOM + "/olivia")

    @property
    def provider(self):
        return self.service.rooms.offlineDelivery


class WhoReceivesTests(OfflineTestCase):
    def test_absentRegistrants(self):
        """Every absent member, admin and owner that asked gets a copy; the others do not."""
        copies = toBare(self.service.send(groupchat()))
        self.assertEqual({MIA, ADAM, OTTO}, set(copies))

    def test_presentThroughAnyResource(self):
        """A registrant with any resource in the room gets no copy, whatever its other ones."""
        self.service.join(MIA + "/phone", ROOM + "/mia")
        self.assertNotIn(MIA, toBare(self.service.send(groupchat())))

    def test_leftGetsCopies(self):
        """Once its last resource has left, a registrant gets copies again."""
        self.service.join(MIA + "/phone", ROOM + "/mia")
        self.service.send("<presence type='unavailable' from='%s/phone' to='%s/mia'/>"
                          % (MIA, ROOM))
        self.assertIn(MIA, toBare(self.service.send(groupchat())))

    def test_outcast(self):
        """A registrant banned afterwards gets nothing, and loses the flag."""
        self.service.send("<iq type='set' id='b' from='%s' to='%s'><query xmlns="
                          "'http://jabber.org/protocol/muc#admin'><item jid='%s' "
                          "affiliation='outcast'/></query></iq>" % (OLIVIA, ROOM, MIA))
        self.assertNotIn(MIA, toBare(self.service.send(groupchat())))
        self.assertNotIn(FIELD, self.room.affiliations[JID(MIA)].data)

    def test_outcastWithStaleFlag(self):
        """An outcast stored with the flag (by anything) is no recipient."""
        room = Room(JID(ROOM), RoomConfig(), {
            JID(MIA): Affiliation("outcast", {FIELD: "1"}),
            JID(GUS): Affiliation("member", {FIELD: "1"})})
        self.assertEqual({JID(GUS)}, room.offlineUsers)
        room.setAffiliationEntry(JID(GUS), "outcast", {FIELD: "1"})
        self.assertEqual(set(), room.offlineUsers)

    def test_onlyHistoryMessages(self):
        """Chat states, no-store messages and subject changes are not copied; store hints are."""
        for stanza in (groupchat(None, "<active xmlns='http://jabber.org/protocol/chatstates'/>"),
                       groupchat("x", "<no-store xmlns='urn:xmpp:hints'/>"),
                       groupchat(None, "<subject>Topic</subject>")):
            self.assertEqual({}, toBare(self.service.send(stanza)), stanza)
        copies = toBare(self.service.send(groupchat(None, "<store xmlns='%s'/>" % NS_HINTS)))
        self.assertEqual({MIA, ADAM, OTTO}, set(copies))

    def test_privateMessage(self):
        """Private messages are nobody's to copy."""
        self.service.join(GUS + "/x", ROOM + "/gus")
        out = self.service.send("<message from='%s' to='%s/gus' type='chat'><body>psst</body>"
                                "</message>" % (OLIVIA, ROOM))
        self.assertEqual({}, toBare(out))

    def test_nobodyAsked(self):
        """A room without registrants that asked never asks the join tracker."""
        for bare in (MIA, ADAM, OTTO):
            self.room.setAffiliationEntry(JID(bare), "member", {FIELD: "0"})
        self.assertEqual(set(), self.room.offlineUsers)
        self.service.rooms.joinTracker.isPresent = None  # would fail if called
        self.assertEqual({}, toBare(self.service.send(groupchat())))

    def test_copiesAfterReflection(self):
        """The copies leave after the reflection, and carry the same stanza."""
        out = self.service.send(groupchat())
        self.assertEqual(OLIVIA, out[0]["to"])
        copy = toBare(out)[MIA]
        self.assertEqual(out[0].toXml().replace(OLIVIA, MIA), copy.toXml())

    def test_failingProvider(self):
        """A provider that raises is logged; the room goes on."""
        def broken(*args):
            raise RuntimeError("boom")

        self.provider.deliver = broken
        with capturedLogs() as logs:
            out = self.service.send(groupchat())
        self.assertEqual([OLIVIA], [s["to"] for s in out])
        self.assertEqual(1, len([e for e in logs if "log_failure" in e]))
        self.assertEqual(1, len(self.flushLoggedErrors(RuntimeError)))


class RoomOptionOffTests(OfflineTestCase):
    config = {"offlineDelivery": False}

    def test_noCopies(self):
        """A room whose option is off copies nothing and does not advertise the feature."""
        self.assertEqual({}, toBare(self.service.send(groupchat())))
        self.assertNotIn(FEATURE, self.service.send(
            "<iq type='get' id='d' from='%s' to='%s'><query xmlns="
            "'http://jabber.org/protocol/disco#info'/></iq>" % (OLIVIA, ROOM))[0].toXml())


class NoneProviderTests(OfflineTestCase):
    serviceArgs = ("--offline-delivery", "none")

    def test_noCopies(self):
        """With the none provider, nothing is copied and the feature is not advertised."""
        self.assertIsInstance(self.provider, NoOfflineDelivery)
        self.assertEqual({}, toBare(self.service.send(groupchat())))
        self.assertNotIn(FEATURE, self.service.send(
            "<iq type='get' id='d' from='%s' to='%s'><query xmlns="
            "'http://jabber.org/protocol/disco#info'/></iq>" % (OLIVIA, ROOM))[0].toXml())


@implementer(IOfflineDelivery)
class QuietDelivery:
    """A third party's provider that sends nothing (and is no L{NoOfflineDelivery})."""

    sendsCopies = False

    def start(self, host):
        pass

    def stop(self):
        pass

    def deliver(self, roomJID, entry, recipients):
        raise AssertionError("never asked")

    def bounced(self, roomJID, userJID, condition):
        pass


class QuietProviderTests(OfflineTestCase):
    def test_notAdvertised(self):
        """A provider that says it sends no copies is never asked, and rooms do not offer it."""
        provider = QuietDelivery()
        verifyObject(IOfflineDelivery, provider)
        self.service.rooms.offlineDelivery = provider
        self.assertEqual({}, toBare(self.service.send(groupchat())))
        self.assertNotIn(FEATURE, self.service.send(
            "<iq type='get' id='d' from='%s' to='%s'><query xmlns="
            "'http://jabber.org/protocol/disco#info'/></iq>" % (OLIVIA, ROOM))[0].toXml())
        form = self.service.send("<iq type='get' id='r' from='%s' to='%s'><query xmlns="
                                 "'jabber:iq:register'/></iq>" % (OLIVIA, ROOM))[0].toXml()
        self.assertNotIn(FIELD, form)


class NoneProviderContractTests(OfflineDeliveryContract, SynchronousTestCase):
    """
    The contract, against the none provider.
    """

    def makeDelivery(self):
        return NoOfflineDelivery()

    def test_sendsNoCopies(self):
        """The none provider says it sends no copies."""
        self.assertIs(False, self.delivery.sendsCopies)


class TigaseProviderTests(OfflineDeliveryContract, SynchronousTestCase):
    """
    The contract, and the copies of the tigase provider.
    """

    def makeDelivery(self):
        return TigaseOfflineDelivery()

    def test_copy(self):
        """It sends copies: the message itself to every recipient, in one request to the host."""
        self.assertTrue(self.delivery.sendsCopies)
        self.delivery.start(self.host)
        self.delivery.deliver(JID(ROOM), ENTRY, [JID(MIA), JID(GUS)])
        self.assertEqual([("groupchat", JID(ROOM), ENTRY, [JID(MIA), JID(GUS)])],
                         self.host.sent)


class ForwardProviderTests(OfflineDeliveryContract, SynchronousTestCase):
    """
    The contract, and the copies of the forward provider.
    """

    def makeDelivery(self):
        return ForwardOfflineDelivery()

    def test_forwarded(self):
        """It sends copies: the message forwarded to every recipient, in one request."""
        self.assertTrue(self.delivery.sendsCopies)
        self.delivery.start(self.host)
        self.delivery.deliver(JID(ROOM), ENTRY, [JID(MIA), JID(GUS)])
        self.assertEqual([("forwarded", JID(ROOM), ENTRY, [JID(MIA), JID(GUS)])],
                         self.host.sent)

    def test_throughService(self):
        """Chosen with --offline-delivery forward, the room's message travels forwarded."""
        service = FakeService("--offline-delivery", "forward")
        room = service.makeRoom(ROOM, "olivia@example.org")
        room.setAffiliationEntry(JID(MIA), "member", {FIELD: "1"})
        service.join(OLIVIA, ROOM + "/olivia")
        copy = toBare(service.send(groupchat()))[MIA]
        self.assertEqual(("normal", ROOM), (copy["type"], copy["from"]))
        self.assertEqual(1, len(list(copy.elements(NS_FORWARD, "forwarded"))))


class HostTests(SynchronousTestCase):
    """
    What the edge's host (L{OfflineLink}) writes when a provider asks it.
    """

    def setUp(self):
        self.service = FakeService()
        self.link = next(h for h in self.service.component if isinstance(h, OfflineLink))
        self.writes = []
        send = self.link.send
        self.link.send = lambda text: (self.writes.append(text), send(text))

    def test_groupchat(self):
        """The message as the room reflects it, addressed to each bare JID, in one write."""
        self.link.sendGroupchat(JID(ROOM), ENTRY, [JID(MIA), JID(GUS)])
        self.assertEqual(1, len(self.writes))
        mia, gus = self.service.stream.sent()
        self.assertEqual((MIA, GUS), (mia["to"], gus["to"]))
        self.assertEqual(mia.toXml().replace(MIA, GUS), gus.toXml())
        self.assertEqual((ROOM + "/olivia", "groupchat", "m1", "it's late"),
                         (mia["from"], mia["type"], mia["id"], str(mia.body)))
        stanzaID = next(mia.elements("urn:xmpp:sid:0", "stanza-id"))
        self.assertEqual(("s1", ROOM), (stanzaID["id"], stanzaID["by"]))

    def test_forwarded(self):
        """A normal message from the room carries the groupchat message, delayed, forwarded."""
        self.link.sendForwarded(JID(ROOM), ENTRY, [JID(MIA)])
        [outer] = self.service.stream.sent()
        self.assertEqual((ROOM, MIA, "normal"), (outer["from"], outer["to"], outer["type"]))
        self.assertTrue(outer["id"])
        forwarded = next(outer.elements(NS_FORWARD, "forwarded"))
        delay = next(forwarded.elements(NS_DELAY, "delay"))
        self.assertEqual((ROOM, "2027-01-15T09:30:00.123000Z"), (delay["from"], delay["stamp"]))
        inner = next(forwarded.elements("jabber:client", "message"))
        self.assertEqual((ROOM + "/olivia", "groupchat", "m1", None),
                         (inner["from"], inner["type"], inner["id"], inner.getAttribute("to")))
        self.assertEqual("it's late", str(next(inner.elements("jabber:client", "body"))))
        self.assertEqual(1, len(list(outer.elements(NS_HINTS, "store"))))

    def test_renderedOnce(self):
        """Every recipient gets the same text but for the to attribute, in one write."""
        self.link.sendForwarded(JID(ROOM), ENTRY, [JID(MIA), JID(GUS)])
        [text] = self.writes
        mia, gus = text.split("</message></forwarded><store xmlns='urn:xmpp:hints'/></message>",
                              1)
        self.assertEqual(mia.replace(MIA, GUS) + "</message></forwarded>"
                         "<store xmlns='urn:xmpp:hints'/></message>", gus)


class HostSenderTests(SynchronousTestCase):
    """
    A copy names the sender's real JID (C{<x xmlns='...muc#user'><item
    jid=.../></x>}) to the recipients who may see it, as the room's archive
    does: in a non-anonymous room every member, in a semi-anonymous one its
    owners and admins. Clients that decrypt OMEMO messages need it.
    """

    def setUp(self):
        self.service = FakeService()
        self.link = next(h for h in self.service.component if isinstance(h, OfflineLink))

    def senders(self, send):
        """
        Have the host send C{ENTRY} to MIA (a member) and ADAM (an admin)
        with C{send} (its method's name).

        @return: recipient to the real JIDs the groupchat message it got
            names (forwarded or not).
        """
        getattr(self.link, send)(JID(ROOM), ENTRY, [JID(MIA), JID(ADAM)])
        named = {}
        for copy in self.service.stream.sent():
            message = copy
            for forwarded in copy.elements(NS_FORWARD, "forwarded"):
                message = next(forwarded.elements("jabber:client", "message"))
            named[copy["to"]] = [item["jid"] for x in message.elements(NS_MUC_USER, "x")
                                 for item in x.elements(NS_MUC_USER, "item")]
        return named

    def makeRoom(self, whois):
        room = self.service.makeRoom(ROOM, "olivia@example.org", whois=whois)
        room.setAffiliationEntry(JID(MIA), "member", {FIELD: "1"})
        room.setAffiliationEntry(JID(ADAM), "admin", {FIELD: "1"})

    def test_nonAnonymous(self):
        """In a non-anonymous room every recipient learns who sent the message."""
        self.makeRoom("anyone")
        for send in ("sendGroupchat", "sendForwarded"):
            self.assertEqual({MIA: [OLIVIA], ADAM: [OLIVIA]}, self.senders(send))

    def test_semiAnonymous(self):
        """In a semi-anonymous room a member learns nothing; an admin does."""
        self.makeRoom("moderators")
        for send in ("sendGroupchat", "sendForwarded"):
            self.assertEqual({MIA: [], ADAM: [OLIVIA]}, self.senders(send))

    def test_roomGone(self):
        """Nobody learns a real JID from a copy of a room the service no longer has."""
        for send in ("sendGroupchat", "sendForwarded"):
            self.assertEqual({MIA: [], ADAM: []}, self.senders(send))


class BounceTests(OfflineTestCase):
    serviceArgs = ("--ping-delay", "10")

    def watch(self, stanza, seconds=60):
        """Receive C{stanza}; @return: what was written then and C{seconds} later."""
        out = self.service.send(stanza)
        self.service.reactor.advance(seconds)
        return out + self.service.stream.sent()

    def test_loggedOncePerMemberAndRoom(self):
        """A bounce is logged once per member and room, and nothing is sent."""
        with capturedLogs() as logs:
            for sender, to in ((MIA, ROOM + "/olivia"), (MIA, ROOM), (ADAM, ROOM)):
                self.assertEqual([], self.watch(bounce(sender, to)))
        logged = [e for e in logs if e.get("log_format", "").startswith("copies of")]
        self.assertEqual([MIA, ADAM], [e["user"] for e in logged])
        self.assertEqual("service-unavailable", logged[0]["condition"])

    def test_nobodyKicked(self):
        """A bounce from a registrant that is in the room changes nothing in the room."""
        self.service.join(MIA + "/phone", ROOM + "/mia")
        self.assertEqual([], self.watch(bounce(MIA)))
        self.assertEqual({"olivia", "mia"}, set(self.room.occupants))

    def test_neverPings(self):
        """A bounce from a bare JID never makes the service ping; one from a full JID does."""
        self.service.join(MIA + "/phone", ROOM + "/mia")
        self.assertEqual([], self.watch(bounce(MIA)))
        later = self.watch(bounce(MIA + "/phone", ROOM))
        self.assertEqual([("iq", MIA + "/phone")], [(s.name, s["to"]) for s in later])

    def test_onlyRecipients(self):
        """Errors from bare JIDs that are no recipient there are not the provider's."""
        calls = []
        self.provider.bounced = lambda *args: calls.append(args)
        for stanza in (bounce(GUS), bounce("stranger@example.org"), bounce("example.org"),
                       bounce(MIA, "nowhere@" + SERVICE), bounce(MIA, SERVICE)):
            self.assertEqual([], self.watch(stanza, 0))
        self.assertEqual([], calls)
        self.service.send(bounce(MIA, condition="remote-server-not-found"))
        self.assertEqual([(JID(ROOM), JID(MIA), "remote-server-not-found")], calls)


class LifeTests(SynchronousTestCase):
    def test_startedAndStopped(self):
        """The provider is started with the edge as its host, and stopped with the service."""
        service = FakeService()
        provider = service.rooms.offlineDelivery
        self.assertIsInstance(provider, TigaseOfflineDelivery)
        link = next(h for h in service.component if isinstance(h, OfflineLink))
        self.assertIs(link, provider.host)
        verifyObject(IOfflineHost, link)
        service.rooms.stopService()
        self.assertIsNone(provider.host)

    def test_defaultOption(self):
        """--offline-delivery-default sets the option of new rooms; it is on by default."""
        self.assertTrue(FakeService().rooms.defaultConfig.offlineDelivery)
        service = FakeService("--offline-delivery-default", "off")
        self.assertFalse(service.rooms.defaultConfig.offlineDelivery)
        service.join(OLIVIA, ROOM + "/olivia")
        self.assertFalse(service.rooms.getRoom(JID(ROOM)).config.offlineDelivery)
        config = tap.Options()
        self.assertRaises(usage.UsageError, config.parseOptions,
                          ["--jid", SERVICE, "--secret", "s", "--offline-delivery-default", "x"])

    def test_storedRoomsTakeServiceDefault(self):
        """A room stored without the option takes the service's default; with it, its own."""
        field = "mucservice#roomconfig_offlinedelivery"
        off = RoomConfig(offlineDelivery=False)
        self.assertFalse(RoomConfig.fromDict({}, off).offlineDelivery)
        self.assertTrue(RoomConfig.fromDict({field: True}, off).offlineDelivery)
        self.assertEqual(False, RoomConfig(offlineDelivery=False).toDict()[field])
