"""
Refused at the door: what a client sends that would make the room send a
stanza over C{--max-stanza-size}, measured as the room renders it again
(escaping makes a C{"} six bytes), is refused before anything is kept or
sent.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.words.protocols.jabber.jid import JID
from wokkel import data_form

from mucservice.room.offline import FIELD as OFFLINE_FIELD
from mucservice.xmpp import margins, sizes
from mucservice.xmpp.namespaces import NODE_HATS_DON, NS_COMMANDS
from mucservice.xmpp.namespaces import NS_MUC_ADMIN as NS_ADMIN
from mucservice.xmpp.namespaces import NS_MUC_OWNER as NS_OWNER
from mucservice.xmpp.register import RegisterHandler
from tests.fakeservice import (
    NS_MUC,
    NS_MUC_USER,
    FakeService,
    PopulatedRoomTestCase,
    ServiceTestCase,
    errorCondition,
)

ROOM = "room@muc.example.org"
ALICE = "alice@example.org/phone"
BOB = "bob@example.org/laptop"



def longJID(name):
    """
    @return: a full JID as long as RFC 7622 allows, its resource all
        apostrophes (which escaping makes six times longer).
    """
    return "%s@%s/%s" % (name * 1023, ".".join([name * 63] * 16), "'" * 1023)


def quotedElement(count):
    """
    @return: an element whose serialization the room keeps is C{count}
        quotes, escaped, plus a few bytes.
    """
    return "<c xmlns='urn:example:c' v='%s'/>" % ('"' * count,)


#: The length limits (the README's Limits) raised past what the door
#: measures: these tests are about stanza sizes.
UNLIMITED = ("--max-subject-length", "1000000", "--max-room-name-length", "1000000",
             "--max-room-description-length", "1000000", "--max-body-length", "1000000")


class DoorTestCase(ServiceTestCase):
    """
    Counts what the last line of the link dropped: a test that expects
    nothing to be dropped shows that the door kept it from coming to that.
    """

    serviceArgs = UNLIMITED

    def setUp(self):
        ServiceTestCase.setUp(self)
        self.patch(sizes.LIMIT, "dropped", 0)

    def assertNothingDropped(self):
        self.assertEqual(0, sizes.LIMIT.dropped)


class PresenceTests(DoorTestCase):
    def setUp(self):
        DoorTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org")

    def test_oversizedJoinRefused(self):
        """
        A join whose presence would be re-rendered over the limit is
        refused with policy-violation: nobody is told, nothing is kept, and
        a later joiner joins normally.
        """
        out = self.service.join(BOB, ROOM + "/bob", quotedElement(100_000))
        (error,) = out
        self.assertEqual(("error", "policy-violation"), (error["type"], errorCondition(error)))
        self.assertEqual(1, len(list(error.elements(NS_MUC, "x"))))
        self.assertNotIn(JID(BOB), self.room.sessions)
        self.assertFalse(self.service.rooms.joinTracker.roomsOf(JID(BOB)))
        out = self.service.join(ALICE, ROOM + "/alice")
        self.assertEqual(["presence", "message"], [s.name for s in out])
        self.assertNothingDropped()

    def test_oversizedCreationRefused(self):
        """A refused join to a room that does not exist does not create it."""
        self.service.join(BOB, "new@muc.example.org/bob", quotedElement(100_000))
        self.assertIsNone(self.service.rooms.getRoom(JID("new@muc.example.org")))

    def test_oversizedUpdateRefused(self):
        """
        An occupant's oversized presence update is refused; it stays in the
        room with the presence it had, and the others hear nothing.
        """
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob", "<status>here</status>")
        (error,) = self.service.send("<presence from='%s' to='%s/bob'>%s</presence>"
                                     % (BOB, ROOM, quotedElement(100_000)))
        self.assertEqual("policy-violation", errorCondition(error))
        self.assertEqual("<status>here</status>", self.room.occupants["bob"].payload)
        self.assertNothingDropped()

    def test_oversizedNickChangeRefused(self):
        """An oversized presence that changes the nick is refused: the nick stays."""
        self.service.join(BOB, ROOM + "/bob")
        (error,) = self.service.send("<presence from='%s' to='%s/robert'>%s</presence>"
                                     % (BOB, ROOM, quotedElement(100_000)))
        self.assertEqual("policy-violation", errorCondition(error))
        self.assertEqual(["bob"], list(self.room.occupants))

    def test_oversizedLeaveLeaves(self):
        """An oversized unavailable presence still leaves, without its status."""
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")
        out = self.service.send("<presence type='unavailable' from='%s' to='%s/bob'>"
                                "<status>%s</status></presence>" % (BOB, ROOM, "x" * 200_000))
        self.assertEqual({ALICE, BOB}, {s["to"] for s in out})
        self.assertEqual([None, None], [s.status for s in out])
        self.assertNotIn(JID(BOB), self.room.sessions)
        self.assertNothingDropped()

    def test_allowanceBoundary(self):
        """
        A payload of exactly the allowance is taken, one byte more is not:
        the allowance is measured on what the room keeps, escaped.
        """
        rest = margins.allowance() - len(quotedElement(0))
        quotes, padding = rest // 6, rest % 6
        fitting = "<c xmlns='urn:example:c' v='%s%s'/>" % ('"' * quotes, "x" * padding)
        self.assertEqual(margins.allowance(), len(fitting.replace('"', "&quot;")))
        out = self.service.join(BOB, ROOM + "/bob", fitting)
        self.assertNotEqual("error", out[0].getAttribute("type"))
        (error,) = self.service.join(ALICE, ROOM + "/alice", fitting.replace("x", "xx", 1))
        self.assertEqual("policy-violation", errorCondition(error))


class MarginTests(DoorTestCase):
    """
    The margin holds: with the largest payload the door lets in and the
    longest addresses RFC 7622 allows, all of quotes where they may be,
    nothing the room sends is over the limit.
    """

    def test_largestPresence(self):
        """The largest presence the door takes, from the longest JIDs, is sent to all."""
        room = self.service.makeRoom(ROOM, "alice@example.org")
        room.setAffiliationEntry(JID("alice@example.org"), "admin")
        element = quotedElement(margins.allowance() // 6 - 10)
        nick = "&apos;" * 1023
        users = [longJID("a"), longJID("b")]
        for n, user in enumerate(users):
            out = self.service.send("<presence from='%s' to='%s/%s%d'><x xmlns='%s'/>%s"
                                    "</presence>" % (user.replace("'", "&apos;"), ROOM,
                                                     nick[:-6], n, NS_MUC, element))
            self.assertNotEqual("error", out[0].getAttribute("type"))
        self.assertNothingDropped()



class MessageTests(DoorTestCase):
    def setUp(self):
        DoorTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org", changeSubject=True)
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")

    def groupchat(self, inner, attributes=""):
        return self.service.send("<message from='%s' to='%s' type='groupchat'%s>%s</message>"
                                 % (BOB, ROOM, attributes, inner))

    def test_oversizedGroupchatRefused(self):
        """
        A groupchat message re-rendered over the limit is refused with
        policy-violation: not reflected, not kept in the history.
        """
        (error,) = self.groupchat("<body>x</body>" + quotedElement(100_000))
        self.assertEqual(("error", BOB, "policy-violation"),
                         (error["type"], error["to"], errorCondition(error)))
        self.assertEqual([], list(self.room.history))
        self.assertNothingDropped()

    def test_oversizedIDRefused(self):
        """The id the room renders again counts: an oversized one is refused."""
        (error,) = self.groupchat("<body>%s</body>" % ("x" * 100_000,),
                                  " id='%s'" % ('"' * 20_000,))
        self.assertEqual("policy-violation", errorCondition(error))
        self.assertEqual([], list(self.room.history))

    def test_oversizedSubjectRefused(self):
        """A subject longer than a kept text may be is refused; the subject stays."""
        self.room.subject = "Old"
        (error,) = self.groupchat("<subject>%s</subject>" % ("&lt;" * margins.fieldBudget(),))
        self.assertEqual("policy-violation", errorCondition(error))
        self.assertEqual("Old", self.room.subject)

    def test_subjectWithinBudget(self):
        """A subject of exactly the budget is taken."""
        subject = "x" * margins.fieldBudget()
        self.groupchat("<subject>%s</subject>" % (subject,))
        self.assertEqual(subject, self.room.subject)

    def test_oversizedPrivateMessageRefused(self):
        """An oversized private message is refused, and not passed on."""
        (error,) = self.service.send("<message from='%s' to='%s/alice' type='chat'><body>%s"
                                     "</body></message>" % (BOB, ROOM, "&amp;" * 50_000))
        self.assertEqual(("error", BOB, "policy-violation"),
                         (error["type"], error["to"], errorCondition(error)))
        self.assertNothingDropped()

    def test_oversizedIQToOccupantRefused(self):
        """An oversized IQ to an occupant is refused and not passed on."""
        (error,) = self.service.send("<iq type='set' id='v' from='%s' to='%s/alice'>%s</iq>"
                                     % (BOB, ROOM, quotedElement(100_000)))
        self.assertEqual(("error", "v", "policy-violation"),
                         (error["type"], error["id"], errorCondition(error)))

    def test_oversizedAnswerNotPassedOn(self):
        """
        An occupant's answer too large to pass on becomes a policy-violation
        error to the requester, from the occupant's JID, with its own id.
        """
        (request,) = self.service.send("<iq type='get' id='v' from='%s' to='%s/alice'>"
                                       "<query xmlns='jabber:iq:version'/></iq>" % (BOB, ROOM))
        (error,) = self.service.send(
            "<iq type='result' id='%s' from='%s' to='%s/bob'>%s</iq>"
            % (request["id"], ALICE, ROOM, quotedElement(100_000)))
        self.assertEqual(("error", "v", BOB, ROOM + "/alice", "policy-violation"),
                         (error["type"], error["id"], error["to"], error["from"],
                          errorCondition(error)))
        self.assertNothingDropped()


class LargestMessageTests(DoorTestCase):
    def test_largestMessage(self):
        """
        The largest groupchat message the door takes, from the longest
        JIDs, is reflected, kept in the history for later joiners and
        forwarded to an absent registrant, none of it over the limit.
        """
        self.service = FakeService("--offline-delivery", "forward")
        room = self.service.makeRoom(ROOM, "alice@example.org")
        room.setAffiliationEntry(JID("carol@example.org"), "member",
                                 {"nick": "carol", OFFLINE_FIELD: "1"})
        sender = longJID("a").replace("'", "&apos;")
        nick = "&apos;" * 1023
        self.service.send("<presence from='%s' to='%s/%s'><x xmlns='%s'/></presence>"
                          % (sender, ROOM, nick, NS_MUC))
        body = "<body>x</body>"
        rest = margins.allowance() - len(body + quotedElement(0)) - 2 * 6
        out = self.service.send(
            "<message from='%s' to='%s' type='groupchat' id='&apos;' xml:lang='&apos;'>%s%s"
            "</message>" % (sender, ROOM, body, quotedElement(rest // 6)))
        self.assertEqual(["message", "message"], [s.name for s in out])
        self.assertEqual(1, len(room.history))
        out = self.service.join(longJID("b").replace("'", "&apos;"),
                                "%s/%s" % (ROOM, "&apos;" * 1022 + "b"))
        self.assertIn("message", [s.name for s in out])
        self.assertNothingDropped()


class KeptTextTests(PopulatedRoomTestCase):
    """
    Texts the room keeps, and shows later beside others, are refused when
    they arrive if longer than a kept text's budget; reasons if longer than
    theirs.
    """

    serviceArgs = PopulatedRoomTestCase.serviceArgs + UNLIMITED

    def setUp(self):
        PopulatedRoomTestCase.setUp(self)
        self.patch(sizes.LIMIT, "dropped", 0)

    def iq(self, sender, namespace, inner, kind="set"):
        out = self.service.send("<iq type='%s' id='k' from='%s' to='%s'><query xmlns='%s'>%s"
                                "</query></iq>" % (kind, sender, self.ROOM, namespace, inner))
        return [s for s in out if s.name == "iq"][0]

    def configure(self, **fields):
        inner = "".join("<field var='muc#roomconfig_%s'><value>%s</value></field>" % item
                        for item in fields.items())
        return self.iq(self.OLIVIA, NS_OWNER, "<x xmlns='jabber:x:data' type='submit'>%s</x>"
                       % (inner,))

    def test_longRoomNameRefused(self):
        """
        A room name of 90,000 quotes (540,000 bytes in disco#info) is
        refused with policy-violation; the room keeps its name and disco
        answers.
        """
        answer = self.configure(roomname='"' * 90_000)
        self.assertEqual("policy-violation", errorCondition(answer))
        self.assertEqual("", self.room.config.name)
        info = self.iq(self.GUS, "http://jabber.org/protocol/disco#info", "", kind="get")
        self.assertEqual("result", info["type"])
        self.assertEqual(0, sizes.LIMIT.dropped)

    def test_roomNameWithinBudget(self):
        """A room name and description of exactly the budget each are taken."""
        text = "x" * margins.fieldBudget()
        self.assertEqual("result", self.configure(roomname=text, roomdesc=text)["type"])
        self.assertEqual(text, self.room.config.description)

    def test_longPasswordRefused(self):
        """The password, sent in invitations and the form, is a kept text too."""
        answer = self.configure(roomsecret="&amp;" * margins.fieldBudget())
        self.assertEqual("policy-violation", errorCondition(answer))
        self.assertFalse(self.room.config.passwordProtected)

    def test_largeRegistrationRefused(self):
        """Registration data larger than a kept text's budget in all is refused."""
        handler = next(h for h in self.service.component if isinstance(h, RegisterHandler))
        handler.extraFields = (data_form.Field("text-multi", "muc#register_faqentry"),)
        half = "<value>%s</value>" % ("x" * (margins.fieldBudget() // 2 + 1),)
        answer = self.iq(self.GUS, "jabber:iq:register",
                         "<x xmlns='jabber:x:data' type='submit'>"
                         "<field var='muc#register_roomnick'><value>gus</value></field>"
                         "<field var='muc#register_faqentry'>%s</field></x>" % (half * 2,))
        self.assertEqual("policy-violation", errorCondition(answer))
        self.assertEqual("none", self.room.affiliationOf(JID(self.GUS)))

    def test_longReservedNickRefused(self):
        """
        A reserved nick longer than a kept text, given by an admin or
        registered, is refused: it would be shown in lists and forms.
        """
        nick = "&quot;" * (margins.fieldBudget() // 6 + 1)
        answer = self.iq(self.OLIVIA, NS_ADMIN, "<item jid='zed@example.org' affiliation='member' "
                         "nick='%s'/>" % (nick,))
        self.assertEqual("policy-violation", errorCondition(answer))
        self.assertEqual("none", self.room.affiliationOf(JID("zed@example.org")))
        answer = self.iq(self.GUS, "jabber:iq:register",
                         "<x xmlns='jabber:x:data' type='submit'>"
                         "<field var='muc#register_roomnick'><value>%s</value></field></x>"
                         % (nick,))
        self.assertEqual("policy-violation", errorCondition(answer))

    def test_longKickReasonRefused(self):
        """A kick whose reason is longer than a reason may be is refused: nobody is kicked."""
        answer = self.iq(self.OLIVIA, NS_ADMIN, "<item nick='gus' role='none'><reason>%s"
                         "</reason></item>" % ("x" * (margins.REASON_BUDGET + 1),))
        self.assertEqual("policy-violation", errorCondition(answer))
        self.assertIn("gus", self.room.occupants)

    def test_longDestroyReasonRefused(self):
        """So is a destruction's: the room stays."""
        answer = self.iq(self.OLIVIA, NS_OWNER, "<destroy><reason>%s</reason></destroy>"
                         % ("&lt;" * margins.REASON_BUDGET,))
        self.assertEqual("policy-violation", errorCondition(answer))
        self.assertIsNotNone(self.service.rooms.getRoom(JID(self.ROOM)))

    def test_longInvitationReasonRefused(self):
        """
        So is an invitation's: the invitee gets nothing, does not become a
        member of a members-only room, and has nothing to decline.
        """
        self.room.config = self.room.config.replace(membersOnly=True)
        (error,) = self.service.send(
            "<message from='%s' to='%s'><x xmlns='%s'><invite to='x@example.org'><reason>%s"
            "</reason></invite></x></message>"
            % (self.OLIVIA, self.ROOM, NS_MUC_USER, "x" * (margins.REASON_BUDGET + 1)))
        self.assertEqual(("error", "policy-violation"), (error["type"], errorCondition(error)))
        self.assertEqual("none", self.room.affiliationOf(JID("x@example.org")))
        self.assertEqual("not-acceptable", errorCondition(self.service.send(
            "<message from='x@example.org/y' to='%s'><x xmlns='%s'><decline to='%s'/></x>"
            "</message>" % (self.ROOM, NS_MUC_USER, self.OLIVIA))[0]))

    def test_longHatTitleRefused(self):
        """A hat command giving a hat a title longer than a hat text may be is refused."""
        (answer,) = self.service.send(
            "<iq type='set' id='h' from='%s' to='%s'><command xmlns='%s' node='%s'>"
            "<x xmlns='jabber:x:data' type='submit'><field var='accountjid'><value>mia@example.org"
            "</value></field><field var='hat'><value>urn:example:hat</value></field>"
            "<field var='title'><value>%s</value></field></x></command></iq>"
            % (self.OLIVIA, self.ROOM, NS_COMMANDS, NODE_HATS_DON,
               "x" * (margins.HAT_TEXT_BUDGET + 1)))
        self.assertEqual("policy-violation", errorCondition(answer))
        self.assertEqual({}, self.room.hats)
