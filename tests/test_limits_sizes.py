"""
The limits of sizes and counts (README, Limits), through the fake
component stream: under the limit a request passes, over it it is refused
with C{policy-violation} (type C{modify}) and a text naming the limit, and
once there is room again it passes again.
"""

from datetime import datetime, timezone

from twisted.words.protocols.jabber.jid import JID

from mucservice.records import Affiliation, HistoryEntry
from tests.fakeservice import NS_MUC_USER, errorCondition
from tests.test_limits_rates import ALICE, BOB, ROOM, LimitTestCase, groupchat
from tests.test_owner import form, ownerIQ, reply
from tests.test_register import submit

NS_ADMIN = "http://jabber.org/protocol/muc#admin"


def adminSet(sender, items, to=ROOM):
    return ("<iq type='set' id='a1' from='%s' to='%s'><query xmlns='%s'>%s</query></iq>"
            % (sender, to, NS_ADMIN, "".join(items)))


class MessageSizeTests(LimitTestCase):
    serviceArgs = ("--max-body-length", "5", "--max-subject-length", "4")

    def test_body(self):
        """A body of 5 characters (not bytes) passes; one of 6 is refused and not kept."""
        self.assertEqual(2, len(self.service.send(groupchat(BOB, "h\u00e9llo"))))
        (refused,) = self.service.send(groupchat(BOB, "hello!"))
        self.assertPolicy(refused, "a message body may have at most 5 characters")
        self.assertEqual(1, len(self.room.history))

    def test_subject(self):
        """A subject of 4 characters passes; one of 5 is refused and the subject stays."""
        subject = ("<message from='%s' to='%s' type='groupchat'><subject>%s</subject></message>")
        self.service.send(subject % (ALICE, ROOM, "News"))
        (refused,) = self.service.send(subject % (ALICE, ROOM, "Newer"))
        self.assertPolicy(refused, "the subject may have at most 4 characters")
        self.assertEqual("News", self.room.subject)


class RoomTextTests(LimitTestCase):
    serviceArgs = ("--max-room-name-length", "4", "--max-room-description-length", "6")

    def test_nameAndDescription(self):
        """A name of 4 and a description of 6 characters pass; longer ones change nothing."""
        answer = reply(ownerIQ(self.service, ALICE, "set", form({"roomname": "Cave",
                                                                  "roomdesc": "Dark!!"})))
        self.assertEqual("result", answer["type"])
        (refused,) = ownerIQ(self.service, ALICE, "set", form({"roomname": "Caves"}))
        self.assertPolicy(refused, "the room name may have at most 4 characters")
        (refused,) = ownerIQ(self.service, ALICE, "set", form({"roomdesc": "Darker!"}))
        self.assertPolicy(refused, "the room description may have at most 6 characters")
        self.assertEqual(("Cave", "Dark!!"), (self.room.config.name,
                                              self.room.config.description))


class HistoryTests(LimitTestCase):
    serviceArgs = ("--max-history-messages", "3", "--max-history-bytes", "200")

    def setUp(self):
        LimitTestCase.setUp(self)
        self.room.config = self.room.config.replace(historyLength=10)
        self.room.history = type(self.room.history)(maxlen=10)

    def bodies(self):
        return [entry.payload for entry in self.room.history]

    def test_messages(self):
        """A room keeps the newest 3 messages although it asks for 10."""
        for n in range(5):
            self.service.send(groupchat(BOB, "m%d" % n))
        self.assertEqual(["<body>m%d</body>" % n for n in (2, 3, 4)], self.bodies())

    def test_bytes(self):
        """The oldest messages go once the history holds more than 200 bytes of UTF-8."""
        self.service.send(groupchat(BOB, "x" * 80))
        self.service.send(groupchat(BOB, "y" * 80))
        self.assertEqual(2, len(self.room.history))
        self.service.send(groupchat(BOB, "\u00e9" * 20))
        self.assertEqual(["<body>%s</body>" % ("y" * 80), "<body>%s</body>" % ("\u00e9" * 20)],
                         self.bodies())

    def test_newcomer(self):
        """A newcomer gets only what was kept."""
        for n in range(5):
            self.service.send(groupchat(BOB, "m%d" % n))
        out = self.service.join("carol@example.org/x", ROOM + "/carol")
        history = [str(s.body) for s in out if s.name == "message" and s.body is not None]
        self.assertEqual(["m2", "m3", "m4"], history)

    def test_loaded(self):
        """A stored room keeps, once loaded, no more history than the limits allow."""
        store = self.service.rooms.store
        stored = JID("stored@muc.example.org")
        store.saveRoom(stored, {"muc#roomconfig_persistentroom": True,
                                "muc#roomconfig_historylength": 10})
        for n in range(5):
            store.appendHistory(stored, HistoryEntry(datetime.now(timezone.utc), "bob", None,
                                                     "<body>m%d</body>" % n), 10)
        self.service.rooms.loadRooms()
        self.assertEqual(["<body>m%d</body>" % n for n in (2, 3, 4)],
                         [e.payload for e in self.service.rooms.getRoom(stored).history])

class AffiliationTests(LimitTestCase):
    """
    At most 3 affiliations: the room holds alice (owner) and one member.
    """

    serviceArgs = ("--max-affiliations", "3")

    def setUp(self):
        LimitTestCase.setUp(self)
        self.room.affiliations[JID("mia@example.org")] = Affiliation("member")

    def member(self, userJID):
        return adminSet(ALICE, ["<item affiliation='member' jid='%s'/>" % (userJID,)])

    def test_adminChange(self):
        """A third affiliation passes, a fourth is refused until one is removed."""
        self.assertEqual("result", self.answer(self.member("carol@example.org"))["type"])
        refused = self.answer(self.member("dave@example.org"))
        self.assertPolicy(refused, "a room may hold at most 3 affiliations; remove some first")
        self.assertNotIn(JID("dave@example.org"), self.room.affiliations)
        self.answer(adminSet(ALICE, ["<item affiliation='none' jid='mia@example.org'/>"]))
        self.assertEqual("result", self.answer(self.member("dave@example.org"))["type"])

    def test_changesOfHolders(self):
        """Changing the affiliation of users who have one adds none and passes."""
        self.answer(self.member("carol@example.org"))
        answer = self.answer(adminSet(ALICE, ["<item affiliation='admin' "
                                              "jid='mia@example.org'/>",
                                              "<item affiliation='outcast' "
                                              "jid='carol@example.org'/>"]))
        self.assertEqual("result", answer["type"])

    def test_invitations(self):
        """Invitations to a members-only room make members only while there is room."""
        self.room.config = self.room.config.replace(membersOnly=True)
        invite = ("<message from='%s' to='%s'><x xmlns='%s'><invite to='%s'/></x></message>")
        self.service.send(invite % (ALICE, ROOM, NS_MUC_USER, "carol@remote.test"))
        self.assertEqual("member", self.room.affiliationOf(JID("carol@remote.test")))
        (refused,) = self.service.send(invite % (ALICE, ROOM, NS_MUC_USER, "dave@remote.test"))
        self.assertPolicy(refused, "a room may hold at most 3 affiliations; remove some first")
        self.assertEqual("none", self.room.affiliationOf(JID("dave@remote.test")))
        (again,) = self.service.send(invite % (ALICE, ROOM, NS_MUC_USER, "carol@remote.test"))
        self.assertEqual("carol@remote.test", again["to"])

    def test_openRoomInvitations(self):
        """Invitations to a room that is not members-only make no member and are not limited."""
        self.answer(self.member("carol@example.org"))
        (invite,) = self.service.send("<message from='%s' to='%s'><x xmlns='%s'>"
                                      "<invite to='dave@remote.test'/></x></message>"
                                      % (ALICE, ROOM, NS_MUC_USER))
        self.assertEqual("dave@remote.test", invite["to"])

    def test_registration(self):
        """Registering makes a member only while there is room."""
        self.assertEqual("result", self.answer(submit("carol@example.org/x", "carol"))["type"])
        refused = self.answer(submit("dave@example.org/x", "dave"))
        self.assertPolicy(refused, "a room may hold at most 3 affiliations; remove some first")

    def test_configurationLists(self):
        """The admin list of the configuration form adds affiliations only while there is room."""
        answer = reply(ownerIQ(self.service, ALICE, "set",
                               form({"roomadmins": ["carol@example.org"]})))
        self.assertEqual("result", answer["type"])
        (refused,) = ownerIQ(self.service, ALICE, "set", form(
            {"roomadmins": ["carol@example.org", "dave@example.org"]}))
        self.assertPolicy(refused, "a room may hold at most 3 affiliations; remove some first")


class AdminItemTests(LimitTestCase):
    def test_roleItems(self):
        """
        100 items in one muc#admin request pass (the default); 101 are refused
        before anything changes.
        """
        for n in range(100):
            self.service.join("user%d@example.org/x" % n, "%s/user%d" % (ROOM, n))
        voice = ["<item nick='user%d' role='visitor'/>" % n for n in range(100)]
        self.assertEqual("result", self.service.send(adminSet(ALICE, voice))[-1]["type"])
        back = ["<item nick='user%d' role='participant'/>" % n for n in range(100)]
        refused = self.ask(adminSet(ALICE, back + ["<item nick='bob' role='visitor'/>"]))
        self.assertPolicy(refused, "at most 100 items may be changed in one request")
        self.assertEqual("visitor", self.room.occupants["user0"].role)
        self.assertEqual("participant", self.room.occupants["bob"].role)

    def test_affiliationItems(self):
        """101 affiliation items are refused, and no affiliation is made."""
        items = ["<item affiliation='member' jid='user%d@example.org'/>" % n for n in range(101)]
        refused = self.ask(adminSet(ALICE, items))
        self.assertPolicy(refused, "at most 100 items may be changed in one request")
        self.assertEqual(1, len(self.room.affiliations))


class NickSessionTests(LimitTestCase):
    def join(self, resource, nick="mallory"):
        return self.service.join("mallory@example.org/%s" % (resource,), "%s/%s" % (ROOM, nick))

    def test_sessions(self):
        """
        10 resources of one user share a nick (the default); the 11th is
        refused until one of them leaves.
        """
        for n in range(10):
            self.join("r%d" % n)
        (refused,) = self.join("r10")
        self.assertPolicy(refused, "at most 10 sessions may share a nick; leave with another "
                                   "one first")
        self.assertEqual(10, len(self.room.occupants["mallory"].sessions))
        self.service.send("<presence from='mallory@example.org/r0' to='%s/mallory' "
                          "type='unavailable'/>" % (ROOM,))
        self.join("r10")
        self.assertIn(JID("mallory@example.org/r10"), self.room.occupants["mallory"].sessions)

    def test_rejoinAndOtherNick(self):
        """A session already on the nick may join again, and the 11th may take another nick."""
        for n in range(10):
            self.join("r%d" % n)
        self.assertNotEqual("error", self.join("r3")[0].getAttribute("type"))
        self.join("r10", nick="mallory2")
        self.assertIn("mallory2", self.room.occupants)

    def test_registeredNick(self):
        """The nick a room gives a user in place of the one asked for is counted."""
        self.room.config = self.room.config.replace(registeredNicksOnly=True)
        self.room.affiliations[JID("mallory@example.org")] = Affiliation("member",
                                                                         {"nick": "mal"})
        for n in range(10):
            self.join("r%d" % n, nick="mal")
        (refused,) = self.join("r10", nick="other")
        self.assertEqual("policy-violation", errorCondition(refused))
