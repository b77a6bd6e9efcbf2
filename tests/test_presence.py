"""
Entering, rejoining, changing nick, updating presence and leaving
(XEP-0045 section 7), through the fake component stream.
"""

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from mucservice.records import Affiliation
from tests.fakeservice import NS_MUC_USER, FakeService, errorCondition, item, statuses

ROOM = "room@muc.example.org"
ALICE = "alice@example.org/phone"
BOB = "bob@example.org/laptop"
CAROL = "carol@remote.test/x"


def addressed(stanzas):
    """@return: (from, to, type) of each stanza."""
    return [(s.getAttribute("from"), s.getAttribute("to"), s.getAttribute("type"))
            for s in stanzas]


class JoinTests(SynchronousTestCase):
    def setUp(self):
        self.service = FakeService()

    def test_createRoom(self):
        """The first join creates a locked room owned by the joiner: 110 and 201."""
        out = self.service.join(ALICE, ROOM + "/alice")
        presence, subject = out
        self.assertEqual((ROOM + "/alice", ALICE, None), addressed([presence])[0])
        self.assertEqual({110, 201}, statuses(presence))
        self.assertEqual(("owner", "moderator", ALICE),
                         (item(presence)["affiliation"], item(presence)["role"],
                          item(presence)["jid"]))
        self.assertEqual("subject", subject.firstChildElement().name)
        self.assertTrue(self.service.rooms.getRoom(JID(ROOM)).locked)

    def test_lockedRoom(self):
        """Others get item-not-found while the room is locked, with the MUC x echoed."""
        self.service.join(ALICE, ROOM + "/alice")
        (error,) = self.service.join(BOB, ROOM + "/bob")
        self.assertEqual("error", error["type"])
        self.assertEqual("item-not-found", errorCondition(error))
        self.assertEqual(ROOM + "/bob", error["from"])
        self.assertEqual(1, len(list(error.elements("http://jabber.org/protocol/muc", "x"))))

    def test_joinSequence(self):
        """A newcomer gets others' presence, then its own (110), history, then the subject."""
        room = self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join(ALICE, ROOM + "/alice")
        self.service.send("<message from='%s' to='%s' type='groupchat'><body>hi</body></message>"
                          % (ALICE, ROOM))
        room.subject, room.subjectNick = "Topic", "alice"
        out = self.service.join(BOB, ROOM + "/bob")
        toBob = [s for s in out if s["to"] == BOB]
        toAlice = [s for s in out if s["to"] == ALICE]
        self.assertEqual(["presence", "presence", "message", "message"], [s.name for s in toBob])
        self.assertEqual(ROOM + "/alice", toBob[0]["from"])
        self.assertEqual({110}, statuses(toBob[1]))
        self.assertEqual("hi", str(toBob[2].body))
        delay = next(toBob[2].elements("urn:xmpp:delay", "delay"))
        self.assertEqual(ROOM, delay["from"])
        self.assertEqual("Topic", str(toBob[3].subject))
        self.assertEqual(ROOM + "/alice", toBob[3]["from"])
        self.assertEqual([ROOM + "/bob"], [s["from"] for s in toAlice])
        self.assertEqual(set(), statuses(toAlice[0]))

    def test_semiAnonymous(self):
        """Real JIDs go to moderators only in semi-anonymous rooms."""
        self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join(ALICE, ROOM + "/alice")
        out = self.service.join(BOB, ROOM + "/bob")
        aliceSees = next(s for s in out if s["to"] == ALICE)
        bobSees = next(s for s in out if s["to"] == BOB and s["from"] == ROOM + "/alice")
        self.assertEqual(BOB, item(aliceSees).getAttribute("jid"))
        self.assertIsNone(item(bobSees).getAttribute("jid"))

    def test_nonAnonymous(self):
        """In non-anonymous rooms everyone sees real JIDs and the newcomer gets 100."""
        self.service.makeRoom(ROOM, "alice@example.org", whois="anyone")
        self.service.join(ALICE, ROOM + "/alice")
        out = self.service.join(BOB, ROOM + "/bob")
        bobSees = next(s for s in out if s["to"] == BOB and s["from"] == ROOM + "/alice")
        own = next(s for s in out if s["to"] == BOB and s["from"] == ROOM + "/bob")
        self.assertEqual(ALICE, item(bobSees)["jid"])
        self.assertEqual({100, 110}, statuses(own))

    def test_logged(self):
        """A logged room says so with 170."""
        self.service.makeRoom(ROOM, "alice@example.org", logging=True)
        own = self.service.join(ALICE, ROOM + "/alice")[0]
        self.assertEqual({110, 170}, statuses(own))

    def test_refusals(self):
        """Password, members-only, ban, nick conflict and a full room are refused."""
        cases = [
            (dict(passwordProtected=True, password="pw"), "", "not-authorized"),
            (dict(membersOnly=True), "", "registration-required"),
            (dict(maxUsers=1), "", "service-unavailable"),
        ]
        for n, (config, extra, condition) in enumerate(cases):
            room = "r%d@muc.example.org" % n
            self.service.makeRoom(room, "alice@example.org", **config)
            self.service.join(ALICE, room + "/alice")
            (error,) = self.service.join(BOB, room + "/bob", extra)
            self.assertEqual(condition, errorCondition(error), config)

    def test_password(self):
        """The right password admits."""
        self.service.makeRoom(ROOM, "alice@example.org", passwordProtected=True, password="pw")
        out = self.service.join(BOB, ROOM + "/bob", "")
        self.assertEqual("not-authorized", errorCondition(out[0]))
        out = self.service.send(
            "<presence from='%s' to='%s/bob'><x xmlns='http://jabber.org/protocol/muc'>"
            "<password>pw</password></x></presence>" % (BOB, ROOM))
        self.assertEqual({110}, statuses(out[0]))

    def test_banned(self):
        """Outcasts get forbidden."""
        room = self.service.makeRoom(ROOM, "alice@example.org")
        room.affiliations[JID("bob@example.org")] = Affiliation("outcast")
        (error,) = self.service.join(BOB, ROOM + "/bob")
        self.assertEqual("forbidden", errorCondition(error))

    def test_nickConflict(self):
        """A nick held by another bare JID, or registered by one, is a conflict."""
        room = self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join(ALICE, ROOM + "/alice")
        (error,) = self.service.join(BOB, ROOM + "/alice")
        self.assertEqual("conflict", errorCondition(error))
        room.affiliations[JID("carol@remote.test")] = Affiliation("member", {"nick": "cc"})
        (error,) = self.service.join(BOB, ROOM + "/cc")
        self.assertEqual("conflict", errorCondition(error))

    def test_noNick(self):
        """A join without a nick is jid-malformed."""
        (error,) = self.service.send("<presence from='%s' to='%s'><x xmlns="
                                     "'http://jabber.org/protocol/muc'/></presence>"
                                     % (ALICE, ROOM))
        self.assertEqual("jid-malformed", errorCondition(error))

    def test_rejoin(self):
        """A join from a session already in the room is answered with the whole sequence."""
        self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")
        out = self.service.join(BOB, ROOM + "/bob")
        self.assertEqual({BOB}, {s["to"] for s in out})
        self.assertEqual([ROOM + "/alice", ROOM + "/bob", ROOM],
                         [s["from"] for s in out])
        self.assertEqual({110}, statuses(out[1]))

    def test_multiSession(self):
        """Two resources of one user share a nick; the second one gets the join sequence."""
        self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join(ALICE, ROOM + "/alice")
        out = self.service.join("alice@example.org/laptop", ROOM + "/alice")
        self.assertIn({110}, [statuses(s) for s in out if s.name == "presence"])
        room = self.service.rooms.getRoom(JID(ROOM))
        self.assertEqual(1, len(room.occupants))
        self.assertEqual(2, len(room.sessions))

    def test_registeredNickAssigned(self):
        """A room that enforces registered nicks renames the joiner: 210, and it is tracked."""
        room = self.service.makeRoom(ROOM, "alice@example.org", registeredNicksOnly=True)
        room.affiliations[JID("bob@example.org")] = Affiliation("member", {"nick": "bobby"})
        own = self.service.join(BOB, ROOM + "/bob")[0]
        self.assertEqual((ROOM + "/bobby", {110, 210}), (own["from"], statuses(own)))
        self.assertEqual({JID(ROOM): "bobby"},
                         self.service.rooms.joinTracker.roomsOf(JID(BOB)))

    def test_tracked(self):
        """Joins, nick changes and leaves are recorded in the join tracker."""
        self.service.makeRoom(ROOM, "alice@example.org")
        tracker = self.service.rooms.joinTracker
        self.service.join(ALICE, ROOM + "/alice")
        self.assertEqual({JID(ROOM): "alice"}, tracker.roomsOf(JID(ALICE)))
        self.service.send("<presence from='%s' to='%s/ally'/>" % (ALICE, ROOM))
        self.assertEqual({JID(ROOM): "ally"}, tracker.roomsOf(JID(ALICE)))
        self.service.send("<presence from='%s' to='%s/ally' type='unavailable'/>" % (ALICE, ROOM))
        self.assertEqual({}, tracker.roomsOf(JID(ALICE)))


class InRoomPresenceTests(SynchronousTestCase):
    def setUp(self):
        self.service = FakeService()
        self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")

    def test_update(self):
        """A presence update is broadcast with its show and status, spoofed hats stripped."""
        out = self.service.send(
            "<presence from='%s' to='%s/bob'><show>away</show><status>lunch</status>"
            "<hats xmlns='urn:xmpp:hats:0'><hat uri='urn:x:boss' title='Boss'/></hats>"
            "</presence>" % (BOB, ROOM))
        self.assertEqual({ALICE, BOB}, {s["to"] for s in out})
        for stanza in out:
            self.assertEqual("away", str(stanza.show))
            self.assertEqual("lunch", str(stanza.status))
            self.assertEqual([], list(stanza.elements("urn:xmpp:hats:0", "hats")))

    def test_nickChange(self):
        """A nick change sends unavailable with 303 and the new nick, then the new presence."""
        out = self.service.send("<presence from='%s' to='%s/robert'/>" % (BOB, ROOM))
        toAlice = [s for s in out if s["to"] == ALICE]
        self.assertEqual((ROOM + "/bob", "unavailable"), (toAlice[0]["from"], toAlice[0]["type"]))
        self.assertEqual({303}, statuses(toAlice[0]))
        self.assertEqual("robert", item(toAlice[0])["nick"])
        self.assertEqual(ROOM + "/robert", toAlice[1]["from"])
        toBob = [s for s in out if s["to"] == BOB]
        self.assertEqual([{110, 303}, {110}], [statuses(s) for s in toBob])

    def test_nickChangeConflict(self):
        """Changing to a nick in use is a conflict and changes nothing."""
        (error,) = self.service.send("<presence from='%s' to='%s/alice'/>" % (BOB, ROOM))
        self.assertEqual("conflict", errorCondition(error))
        self.assertIn("bob", self.service.rooms.getRoom(JID(ROOM)).occupants)

    def test_leave(self):
        """Leaving tells the others and the leaver (110), carrying the status text."""
        out = self.service.send("<presence from='%s' to='%s/bob' type='unavailable'>"
                                "<status>bye</status></presence>" % (BOB, ROOM))
        self.assertEqual({ALICE, BOB}, {s["to"] for s in out})
        for stanza in out:
            self.assertEqual(("unavailable", "bye"), (stanza["type"], str(stanza.status)))
            self.assertEqual("none", item(stanza)["role"])
        self.assertEqual({110}, statuses(next(s for s in out if s["to"] == BOB)))

    def test_temporaryRoomVanishes(self):
        """A temporary room goes away with its last occupant."""
        for who, nick in ((ALICE, "alice"), (BOB, "bob")):
            self.service.send("<presence from='%s' to='%s/%s' type='unavailable'/>"
                              % (who, ROOM, nick))
        self.assertIsNone(self.service.rooms.getRoom(JID(ROOM)))

    def test_leaveUnknown(self):
        """Unavailable presence from a non-occupant is ignored."""
        out = self.service.send("<presence from='%s' to='%s/carol' type='unavailable'/>"
                                % (CAROL, ROOM))
        self.assertEqual([], out)

    def test_noMUCUserSpoofing(self):
        """A client's own muc#user x is not passed on."""
        out = self.service.send("<presence from='%s' to='%s/bob'><x xmlns='%s'><item "
                                "affiliation='owner' role='moderator'/></x></presence>"
                                % (BOB, ROOM, NS_MUC_USER))
        for stanza in out:
            self.assertEqual("participant", item(stanza)["role"])
            self.assertEqual(1, len(list(stanza.elements(NS_MUC_USER, "x"))))


class CreationTests(SynchronousTestCase):
    def test_restrictedToAdmins(self):
        """With --restrict-room-creation admins, others get not-allowed and no room is made."""
        service = FakeService("--restrict-room-creation", "admins", "--admin", "boss@example.org")
        (error,) = service.join(ALICE, ROOM + "/alice")
        self.assertEqual("not-allowed", errorCondition(error))
        self.assertIsNone(service.rooms.getRoom(JID(ROOM)))
        own = service.join("boss@example.org/x", ROOM + "/boss")[0]
        self.assertEqual({110, 201}, statuses(own))

    def test_restrictedToLocalUsers(self):
        """With local, users of the --local-domain create rooms and others do not."""
        service = FakeService("--restrict-room-creation", "local")
        (error,) = service.join(CAROL, ROOM + "/carol")
        self.assertEqual("not-allowed", errorCondition(error))
        self.assertEqual({110, 201}, statuses(service.join(ALICE, ROOM + "/alice")[0]))

    def test_existingRoomsOpenToAll(self):
        """The restriction is on creation only: others may join existing rooms."""
        service = FakeService("--restrict-room-creation", "admins", "--admin", "boss@example.org")
        service.makeRoom(ROOM, "boss@example.org")
        self.assertEqual({110}, statuses(service.join(CAROL, ROOM + "/carol")[0]))

    def test_malformedRoomJID(self):
        """A room address whose node fails nodeprep is jid-malformed."""
        service = FakeService()
        (error,) = service.send("<presence from='%s' to='bad\u00a0room@muc.example.org/x'>"
                                "<x xmlns='http://jabber.org/protocol/muc'/></presence>" % ALICE)
        self.assertEqual("jid-malformed", errorCondition(error))
        self.assertEqual({}, service.rooms.rooms)
