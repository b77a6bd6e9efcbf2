"""
Declines only from those invited, at most one per invitation, to the one
that invited (XEP-0045 section 7.8.2): the room keeps pending invitations.
"""

from twisted.words.protocols.jabber.jid import JID

from mucservice import tap
from mucservice.room.invitations import INVITATION_LIFETIME
from tests.fakeservice import NS_MUC_USER, PopulatedRoomTestCase, errorCondition

TROLL = "troll@example.org/x"
VICTIM = "victim@elsewhere.example/x"
INVITEE = "ivy@example.org"


class InvitationTestCase(PopulatedRoomTestCase):
    def invite(self, sender, invitee=INVITEE):
        return self.service.send(
            "<message from='%s' to='%s'><x xmlns='%s'><invite to='%s'/></x></message>"
            % (sender, self.ROOM, NS_MUC_USER, invitee))

    def decline(self, sender, to, reason="No, thanks"):
        return self.service.send(
            "<message from='%s' to='%s'><x xmlns='%s'><decline to='%s'><reason>%s</reason>"
            "</decline></x></message>" % (sender, self.ROOM, NS_MUC_USER, to, reason))

    def assertRefused(self, out, sender):
        (error,) = out
        self.assertEqual(("error", sender, "not-acceptable"),
                         (error["type"], error["to"], errorCondition(error)))


class DeclineTests(InvitationTestCase):
    def test_uninvitedRefused(self):
        """
        An outcast who was never invited cannot make the room send a decline
        with any text to any JID: it gets not-acceptable, nobody else
        anything.
        """
        self.room.setAffiliationEntry(JID(TROLL), "outcast")
        self.assertRefused(self.decline(TROLL, VICTIM, "Buy now"), TROLL)

    def test_inviterTold(self):
        """The invitee's decline goes to the inviter's full JID, from the room."""
        self.invite(self.GUS)
        (declined,) = self.decline(INVITEE + "/phone", self.GUS)
        self.assertEqual((self.GUS, self.ROOM), (declined["to"], declined["from"]))
        decline = next(next(declined.elements(NS_MUC_USER, "x")).elements(NS_MUC_USER, "decline"))
        self.assertEqual((INVITEE + "/phone", "No, thanks"), (decline["from"], str(decline.reason)))

    def test_onlyTheInviterTold(self):
        """A decline that names someone else than the inviter still goes to the inviter."""
        self.invite(self.GUS)
        (declined,) = self.decline(INVITEE + "/phone", VICTIM)
        self.assertEqual(self.GUS, declined["to"])

    def test_oncePerInvitation(self):
        """A second decline of one invitation is refused."""
        self.invite(self.GUS)
        self.decline(INVITEE + "/phone", self.GUS)
        self.assertRefused(self.decline(INVITEE + "/laptop", self.GUS), INVITEE + "/laptop")

    def test_expired(self):
        """An invitation can be declined for a day, on the reactor's clock, not after."""
        self.invite(self.GUS)
        self.service.reactor.advance(INVITATION_LIFETIME - 1)
        self.assertEqual(1, len(self.decline(INVITEE + "/phone", self.GUS)))
        self.invite(self.GUS)
        self.service.reactor.advance(INVITATION_LIFETIME)
        self.assertRefused(self.decline(INVITEE + "/phone", self.GUS), INVITEE + "/phone")

    def test_latestInviterTold(self):
        """Invited again, by someone else, the invitee's decline goes to the latest inviter."""
        self.invite(self.GUS)
        self.invite(self.MIA)
        (declined,) = self.decline(INVITEE + "/phone", self.GUS)
        self.assertEqual(self.MIA, declined["to"])


class PendingBoundTests(InvitationTestCase):
    serviceArgs = PopulatedRoomTestCase.serviceArgs + ("--max-pending-invitations", "3")

    def test_bound(self):
        """
        A room keeps --max-pending-invitations invitations pending; one more
        to somebody else is refused with resource-constraint and not sent.
        """
        for n in range(3):
            self.assertEqual(1, len(self.invite(self.GUS, "i%d@example.org" % (n,))))
        (error,) = self.invite(self.GUS, "i3@example.org")
        self.assertEqual(("error", "resource-constraint"), (error["type"], errorCondition(error)))
        self.assertEqual(1, len(self.invite(self.GUS, "i0@example.org")))

    def test_boundBeforeMembership(self):
        """An invitation refused for the bound does not make its invitee a member."""
        self.room.config = self.room.config.replace(membersOnly=True)
        for n in range(3):
            self.invite(self.OLIVIA, "i%d@example.org" % (n,))
        self.invite(self.OLIVIA, "i3@example.org")
        self.assertEqual("none", self.room.affiliationOf(JID("i3@example.org")))

    def test_expiredMakeRoom(self):
        """Expired invitations no longer count."""
        for n in range(3):
            self.invite(self.GUS, "i%d@example.org" % (n,))
        self.service.reactor.advance(INVITATION_LIFETIME)
        self.assertEqual(1, len(self.invite(self.GUS, "i3@example.org")))


def test_maxPendingDefault():
    """--max-pending-invitations is 100 unless given."""
    config = tap.Options()
    config.parseOptions(["--jid", "muc.example.org", "--secret", "s"])
    assert config["max-pending-invitations"] == 100
