"""
Privacy as XEP-0045's tables say it: who reads the affiliation lists, and
what disco#info shows of a room to whom.
"""

from twisted.words.protocols.jabber.jid import JID

from tests.fakeservice import PopulatedRoomTestCase, errorCondition

NS_ADMIN = "http://jabber.org/protocol/muc#admin"
NS_INFO = "http://jabber.org/protocol/disco#info"
NS_DATA = "jabber:x:data"
OTTO = "otto@example.org/x"  # a stranger
TROLL = "troll@example.org/x"  # an outcast
LISTS = ("member", "admin", "owner", "outcast")


class PrivacyTestCase(PopulatedRoomTestCase):
    """
    olivia owns the room, adam is an admin, mia a member, gus nobody; all
    four are in it. troll is banned, otto a stranger.
    """

    def setUp(self):
        PopulatedRoomTestCase.setUp(self)
        self.room.setAffiliationEntry(JID(TROLL), "outcast")

    def configure(self, **changes):
        self.room.config = self.room.config.replace(**changes)

    def readable(self, sender):
        """
        @return: the affiliation lists C{sender} gets, in L{LISTS} order;
            the others must be refused with forbidden.
        """
        got = []
        for affiliation in LISTS:
            (answer,) = self.service.send(
                "<iq type='get' id='l' from='%s' to='%s'><query xmlns='%s'>"
                "<item affiliation='%s'/></query></iq>" % (sender, self.ROOM, NS_ADMIN,
                                                          affiliation))
            if answer["type"] == "result":
                got.append(affiliation)
            else:
                self.assertEqual("forbidden", errorCondition(answer))
        return got


class AffiliationListTests(PrivacyTestCase):
    def test_ownersAndAdminsReadAll(self):
        """Owners, admins and service admins read every list, in every kind of room."""
        for config in ({}, {"membersOnly": True}, {"whois": "anyone"}):
            self.configure(**config)
            for sender in (self.OLIVIA, self.ADAM, "boss@example.org/x"):
                self.assertEqual(list(LISTS), self.readable(sender))

    def test_openSemiAnonymous(self):
        """
        In an open semi-anonymous room nobody else reads a list, though the
        room lets participants get the member list: it would tell them real
        JIDs and reserved nicks the room hides.
        """
        self.assertIn("participant", self.room.config.getMemberList)
        for sender in (self.MIA, self.GUS, OTTO, TROLL):
            self.assertEqual([], self.readable(sender))

    def test_openSemiAnonymousModerator(self):
        """A moderator the room names in getmemberlist reads the member list: it sees JIDs."""
        self.room.occupants["gus"].role = "moderator"
        self.assertEqual(["member"], self.readable(self.GUS))

    def test_openNonAnonymous(self):
        """In an open non-anonymous room, the roles getmemberlist names read the member list."""
        self.configure(whois="anyone")
        self.assertEqual(["member"], self.readable(self.GUS))
        self.assertEqual(["member"], self.readable(self.MIA))
        self.assertEqual([], self.readable(OTTO))
        self.configure(getMemberList=("moderator",))
        self.assertEqual([], self.readable(self.GUS))

    def test_membersOnly(self):
        """In a members-only room, members read the member list, wherever they are."""
        self.configure(membersOnly=True)
        self.assertEqual(["member"], self.readable(self.MIA))
        self.assertEqual(["member"], self.readable("mia@example.org/elsewhere"))
        for sender in (self.GUS, OTTO, TROLL):
            self.assertEqual([], self.readable(sender))

    def test_membersOnlyNonAnonymous(self):
        """
        In a members-only non-anonymous room members also read the admin and
        owner lists (OMEMO group chats need every member's JID); never the
        outcast list.
        """
        self.configure(membersOnly=True, whois="anyone")
        self.assertEqual(["member", "admin", "owner"], self.readable(self.MIA))
        self.assertEqual([], self.readable(TROLL))


class RoomInfoTests(PrivacyTestCase):
    def shown(self, sender):
        """
        @return: whether disco#info shows C{sender} the contacts, and the
            subject.
        """
        self.room.subject = "Plans"
        answer = self.ask("<iq type='get' id='i' from='%s' to='%s'><query xmlns='%s'/></iq>"
                          % (sender, self.ROOM, NS_INFO))
        fields = {f["var"]: [str(v) for v in f.elements(NS_DATA, "value")]
                  for f in answer.query.x.elements(NS_DATA, "field")}
        contacts = fields.get("muc#roominfo_contactjid")
        if contacts is not None:
            self.assertEqual(["olivia@example.org"], contacts)
        subject = fields.get("muc#roominfo_subject")
        if subject is not None:
            self.assertEqual(["Plans"], subject)
        return contacts is not None, subject is not None

    def test_membersOnly(self):
        """
        A members-only room shows its contacts and subject to its members
        only: not to outcasts, strangers or occupants without affiliation.
        """
        self.configure(membersOnly=True)
        for sender in (self.OLIVIA, self.ADAM, self.MIA):
            self.assertEqual((True, True), self.shown(sender))
        for sender in (TROLL, OTTO, self.GUS):
            self.assertEqual((False, False), self.shown(sender))

    def test_openSemiAnonymous(self):
        """
        An open semi-anonymous room shows everyone its subject, but its
        owners' JIDs only to its owners and admins: they are what the room
        hides.
        """
        for sender in (self.OLIVIA, self.ADAM):
            self.assertEqual((True, True), self.shown(sender))
        for sender in (self.MIA, self.GUS, OTTO, TROLL):
            self.assertEqual((False, True), self.shown(sender))

    def test_publicNonAnonymous(self):
        """
        A public, open, non-anonymous room shows everyone its contacts, the
        public information of XEP-0045 section 6.4.
        """
        self.configure(whois="anyone")
        for sender in (self.MIA, self.GUS, OTTO):
            self.assertEqual((True, True), self.shown(sender))

    def test_hiddenNonAnonymous(self):
        """A hidden room shows its contacts to its members, not to strangers."""
        self.configure(whois="anyone", public=False)
        self.assertEqual((True, True), self.shown(self.MIA))
        self.assertEqual((False, True), self.shown(OTTO))
