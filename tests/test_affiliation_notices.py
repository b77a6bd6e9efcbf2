"""
The affiliation change of a user who is not in the room is announced to the
occupants who may see real JIDs (XEP-0045 section 9.3): clients keep their
list of the room's members up to date with it, as OMEMO group chats need.
"""

from twisted.words.protocols.jabber.jid import JID

from tests.fakeservice import NS_MUC, PopulatedRoomTestCase, item

NS_MUC_USER = NS_MUC + "#user"
NS_ADMIN = NS_MUC + "#admin"
NS_OWNER = NS_MUC + "#owner"


class AnnouncementTestCase(PopulatedRoomTestCase):
    def admin(self, items, sender=None):
        """
        @return: what the service wrote for a muc#admin set, less the answer.
        """
        out = self.service.send("<iq type='set' id='a' from='%s' to='%s'><query xmlns='%s'>%s"
                                "</query></iq>" % (sender or self.OLIVIA, self.ROOM, NS_ADMIN,
                                                   items))
        (answer,) = [s for s in out if s.name == "iq"]
        self.assertEqual("result", answer["type"], answer.toXml())
        return [s for s in out if s.name != "iq"]

    def assertAnnounced(self, out, recipients, affiliation, jid, reason=None):
        self.assertEqual(sorted(recipients), sorted(s["to"] for s in out))
        for message in out:
            self.assertEqual(("message", self.ROOM, None, None),
                             (message.name, message["from"], message.getAttribute("type"),
                              message.getAttribute("id")))
            announced = item(message)
            self.assertEqual({"affiliation": affiliation, "jid": jid},
                             dict(announced.attributes))
            self.assertEqual(reason, str(announced.reason) if announced.reason else None)


class NonAnonymousTests(AnnouncementTestCase):
    """
    In a non-anonymous members-only room, everybody in it sees real JIDs.
    """

    config = {"whois": "anyone"}

    def setUp(self):
        AnnouncementTestCase.setUp(self)
        # Made members-only once everybody is in; gus is made a member.
        self.room.config = self.room.config.replace(membersOnly=True)
        self.room.setAffiliationEntry(JID("gus@example.org"), "member")
        self.everyone = [self.OLIVIA, self.ADAM, self.MIA, self.GUS]

    def test_member(self):
        """Making an absent user a member tells every occupant, with its bare JID."""
        out = self.admin("<item affiliation='member' jid='otto@example.org/x'/>")
        self.assertAnnounced(out, self.everyone, "member", "otto@example.org")

    def test_reason(self):
        """The reason given goes with it."""
        out = self.admin("<item affiliation='outcast' jid='otto@example.org'>"
                         "<reason>spam</reason></item>")
        self.assertAnnounced(out, self.everyone, "outcast", "otto@example.org", "spam")

    def test_removed(self):
        """Losing an affiliation is announced as none."""
        self.room.setAffiliationEntry(JID("otto@example.org"), "member")
        out = self.admin("<item affiliation='none' jid='otto@example.org'/>")
        self.assertAnnounced(out, self.everyone, "none", "otto@example.org")

    def test_present(self):
        """A user in the room is told through its presence, not announced."""
        out = self.admin("<item affiliation='admin' jid='mia@example.org'/>")
        self.assertEqual({"presence"}, {s.name for s in out})

    def test_several(self):
        """Each absent user of one request is announced once; those present are not."""
        out = self.admin("<item affiliation='member' jid='otto@example.org'/>"
                         "<item affiliation='member' jid='ida@example.org'/>"
                         "<item affiliation='admin' jid='mia@example.org'/>")
        messages = [s for s in out if s.name == "message"]
        self.assertEqual({"otto@example.org": 4, "ida@example.org": 4},
                         {jid: [item(m)["jid"] for m in messages].count(jid)
                          for jid in ("otto@example.org", "ida@example.org")})

    def test_refused(self):
        """A refused change announces nothing."""
        out = self.service.send("<iq type='set' id='a' from='%s' to='%s'><query xmlns='%s'>"
                                "<item affiliation='owner' jid='otto@example.org'/></query></iq>"
                                % (self.ADAM, self.ROOM, NS_ADMIN))
        self.assertEqual(["iq"], [s.name for s in out])

    def test_invitation(self):
        """An invitation that makes the invitee a member announces it."""
        out = self.service.send("<message from='%s' to='%s' id='i'><x xmlns='%s'>"
                                "<invite to='otto@example.org'/></x></message>"
                                % (self.ADAM, self.ROOM, NS_MUC_USER))
        announced = [s for s in out if s["to"] != "otto@example.org"]
        self.assertAnnounced(announced, self.everyone, "member", "otto@example.org")

    def test_registration(self):
        """A registration that makes the user a member announces it."""
        self.room.config = self.room.config.replace(membersOnly=False)
        out = self.service.send(
            "<iq type='set' id='r' from='otto@example.org/x' to='%s'><query xmlns="
            "'jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var="
            "'FORM_TYPE'><value>%s#register</value></field><field var='muc#register_roomnick'>"
            "<value>otto</value></field></x></query></iq>" % (self.ROOM, NS_MUC))
        self.assertAnnounced([s for s in out if s.name == "message"], self.everyone, "member",
                             "otto@example.org")

    def test_configurationList(self):
        """An admin added through the configuration form is announced."""
        out = self.service.send(
            "<iq type='set' id='c' from='%s' to='%s'><query xmlns='%s'><x xmlns='jabber:x:data'"
            " type='submit'><field var='muc#roomconfig_roomadmins'><value>adam@example.org"
            "</value><value>otto@example.org</value></field></x></query></iq>"
            % (self.OLIVIA, self.ROOM, NS_OWNER))
        self.assertAnnounced([s for s in out if s.name == "message"], self.everyone, "admin",
                             "otto@example.org")


class SemiAnonymousTests(AnnouncementTestCase):
    """
    In a semi-anonymous room only moderators see real JIDs.
    """

    def test_moderatorsOnly(self):
        """Only the moderators (olivia and adam) are told."""
        out = self.admin("<item affiliation='member' jid='otto@example.org'/>")
        self.assertAnnounced(out, [self.OLIVIA, self.ADAM], "member", "otto@example.org")
