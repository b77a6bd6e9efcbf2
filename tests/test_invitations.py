"""
Mediated invitations (XEP-0045 section 7.8.2): what the invitee receives;
and declines only from those invited, at most one per invitation, to the
one that invited: the room keeps pending invitations.
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


class InvitationFormTests(InvitationTestCase):
    """
    What the invitee receives of a mediated invitation.
    """

    NS_CONFERENCE = "jabber:x:conference"

    def send(self, sender, inner="", id="inv-1"):
        (invitation,) = self.service.send(
            "<message from='%s' to='%s' id='%s'><x xmlns='%s'><invite to='%s'>%s</invite></x>"
            "</message>" % (sender, self.ROOM, id, NS_MUC_USER, INVITEE, inner))
        return invitation

    def invited(self, invitation):
        return next(next(invitation.elements(NS_MUC_USER, "x")).elements(NS_MUC_USER, "invite"))

    def test_keepsID(self):
        """The invitation keeps the id of the message that asked for it."""
        invitation = self.send(self.GUS)
        self.assertEqual(("inv-1", INVITEE), (invitation["id"], invitation["to"]))

    def test_reason(self):
        """The reason is passed on; without one, the invitation carries an empty <reason/>."""
        self.assertEqual("come", str(self.invited(self.send(self.GUS, "<reason>come</reason>"))
                                     .reason))
        reason = self.invited(self.send(self.GUS)).reason
        self.assertIsNotNone(reason)
        self.assertEqual("", str(reason))

    def test_directInvitation(self):
        """It carries XEP-0249's <x xmlns='jabber:x:conference'/>, naming the room and reason."""
        conference = next(self.send(self.GUS, "<reason>come</reason>").elements(
            self.NS_CONFERENCE, "x"))
        self.assertEqual({"jid": self.ROOM, "reason": "come"}, dict(conference.attributes))

    def test_password(self):
        """A protected room's password goes in both forms of the invitation."""
        self.room.config = self.room.config.replace(passwordProtected=True, password="sesame")
        invitation = self.send(self.GUS)
        self.assertEqual("sesame", str(next(invitation.elements(NS_MUC_USER, "x")).password))
        conference = next(invitation.elements(self.NS_CONFERENCE, "x"))
        self.assertEqual("sesame", conference["password"])

    def test_semiAnonymous(self):
        """In a semi-anonymous room the invitee learns the inviter's occupant JID only."""
        invitation = self.send(self.GUS)
        self.assertEqual(self.ROOM + "/gus", self.invited(invitation)["from"])
        self.assertNotIn("gus@example.org", invitation.toXml())

    def test_nonAnonymous(self):
        """In a non-anonymous room the invitation names the inviter's real JID."""
        self.room.config = self.room.config.replace(whois="anyone")
        self.assertEqual(self.GUS, self.invited(self.send(self.GUS))["from"])

    def test_declineStillToInviter(self):
        """Named by nick, the inviter still gets the decline at its real JID."""
        self.send(self.GUS)
        (declined,) = self.decline(INVITEE + "/phone", self.ROOM + "/gus")
        self.assertEqual(self.GUS, declined["to"])


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
