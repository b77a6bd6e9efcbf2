"""
The L{IOfflineDelivery} contract: what every offline delivery provider
promises, as tests, with the recording host they use.
"""

from datetime import datetime, timezone
from unittest import SkipTest

from zope.interface import implementer
from zope.interface.verify import verifyObject

from mucservice.address import parseJID
from mucservice.interfaces import IOfflineDelivery, IOfflineHost
from mucservice.records import HistoryEntry

#: The room the suite's message was said in, and two absent members.
ROOM = parseJID("room@muc.example.org")
MIA = parseJID("mia@example.org")
GUS = parseJID("gus@example.org")
#: The message the suite has copied.
ENTRY = HistoryEntry(datetime(2027, 1, 15, 9, 30, tzinfo=timezone.utc), "olivia",
                     parseJID("olivia@example.org/desk"), "<body>hello</body>", "s1", "o1", "m1")


@implementer(IOfflineHost)
class RecordingOfflineHost:
    """
    An L{IOfflineHost} that keeps what it is asked to send.

    @ivar sent: in order, C{("groupchat", roomJID, entry, recipients)} and
        C{("forwarded", roomJID, entry, recipients)}, the recipients as a
        L{list}.
    """

    def __init__(self):
        self.sent = []

    def sendGroupchat(self, roomJID, entry, recipients):
        self.sent.append(("groupchat", roomJID, entry, list(recipients)))

    def sendForwarded(self, roomJID, entry, recipients):
        self.sent.append(("forwarded", roomJID, entry, list(recipients)))


class OfflineDeliveryContract:
    """
    Tests of the L{IOfflineDelivery} contract, mixed into a
    L{SynchronousTestCase<twisted.trial.unittest.SynchronousTestCase>}.

    The test case provides C{makeDelivery()}: a new provider, not started.
    The provider is C{self.delivery}; the L{RecordingOfflineHost} the tests
    start it with is C{self.host}. The copies must have reached the host
    when C{deliver} returns. The tests of L{IOfflineDelivery.deliver} are
    skipped for a provider that does not send copies, as the service never
    calls it then.
    """

    def setUp(self):
        self.host = RecordingOfflineHost()
        self.delivery = self.makeDelivery()

    def requireCopies(self):
        """
        Skip the test if the provider sends no copies.
        """
        if not self.delivery.sendsCopies:
            raise SkipTest("the provider sends no copies: deliver is never called")

    def test_interface(self):
        """The provider and the host provide their interfaces; sendsCopies is a bool."""
        verifyObject(IOfflineDelivery, self.delivery)
        verifyObject(IOfflineHost, self.host)
        self.assertIsInstance(self.delivery.sendsCopies, bool)

    def test_deliver(self):
        """
        Once started, the provider sends each recipient one copy of the
        message through the host before deliver returns, and returns None.
        """
        self.requireCopies()
        self.delivery.start(self.host)
        self.assertIsNone(self.delivery.deliver(ROOM, ENTRY, [MIA, GUS]))
        self.assertEqual([(ROOM, ENTRY)] * len(self.host.sent),
                         [(roomJID, entry) for _, roomJID, entry, _ in self.host.sent])
        self.assertEqual(sorted([MIA.full(), GUS.full()]),
                         sorted(recipient.full() for *_, recipients in self.host.sent
                                for recipient in recipients))

    def test_notBeforeStart(self):
        """Before it is started, the provider sends nothing, neither then nor later."""
        self.requireCopies()
        self.assertIsNone(self.delivery.deliver(ROOM, ENTRY, [MIA]))
        self.delivery.start(self.host)
        self.assertEqual([], self.host.sent)

    def test_notAfterStop(self):
        """Once stopped, the provider sends nothing."""
        self.requireCopies()
        self.delivery.start(self.host)
        self.delivery.stop()
        self.assertIsNone(self.delivery.deliver(ROOM, ENTRY, [MIA]))
        self.assertEqual([], self.host.sent)

    def test_bounced(self):
        """Bounces, with a condition or none, again and again, never raise."""
        self.delivery.start(self.host)
        for userJID, condition in ((MIA, "service-unavailable"), (MIA, "service-unavailable"),
                                   (GUS, None), (MIA, "remote-server-not-found")):
            self.delivery.bounced(ROOM, userJID, condition)
        self.delivery.stop()
