"""
The rate limits (README, Limits), through the fake component stream on the
fake clock: under the limit a request passes, over it it is refused with
C{resource-constraint} (type C{wait}) and a text that says when to try
again, and once the clock has moved on that long it passes again.
"""

from twisted.words.protocols.jabber.jid import JID

from tests.fakeservice import NS_MUC, NS_MUC_USER, ServiceTestCase, errorCondition, errorText

ROOM = "room@muc.example.org"
ALICE = "alice@example.org/phone"
BOB = "bob@example.org/laptop"


def groupchat(sender, body, to=ROOM):
    return ("<message from='%s' to='%s' type='groupchat'><body>%s</body></message>"
            % (sender, to, body))


def errorOf(stanza):
    """
    @return: the type, condition and text of an error stanza.
    """
    error = next(e for e in stanza.elements() if e.name == "error")
    return error["type"], errorCondition(stanza), errorText(stanza)


class LimitTestCase(ServiceTestCase):
    """
    An open room, alice (its owner) and bob inside.
    """

    def setUp(self):
        ServiceTestCase.setUp(self)
        self.room = self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")

    def advance(self, seconds):
        self.service.reactor.advance(seconds)

    def assertWait(self, stanza, text):
        """
        C{stanza} is a resource-constraint error of type wait with C{text}.
        """
        self.assertEqual(("wait", "resource-constraint", text), errorOf(stanza))

    def assertPolicy(self, stanza, text):
        """
        C{stanza} is a policy-violation error of type modify with C{text}.
        """
        self.assertEqual(("modify", "policy-violation", text), errorOf(stanza))


class MessageRateTests(LimitTestCase):
    serviceArgs = ("--message-rate", "3/30")

    def test_groupchat(self):
        """An occupant sends 3 messages at once, the 4th waits 10 seconds, then passes."""
        for n in range(3):
            self.assertEqual(2, len(self.service.send(groupchat(BOB, "m%d" % n))))
        (refused,) = self.service.send(groupchat(BOB, "too fast"))
        self.assertWait(refused, "too many messages; try again in 10 seconds")
        self.assertEqual(3, len(self.room.history))
        self.advance(10)
        self.assertEqual(2, len(self.service.send(groupchat(BOB, "later"))))

    def test_perOccupant(self):
        """One occupant's burst leaves the others' messages alone."""
        for n in range(3):
            self.service.send(groupchat(BOB, "m%d" % n))
        self.assertEqual(2, len(self.service.send(groupchat(ALICE, "mine"))))

    def test_otherMessages(self):
        """Private messages, invitations and subject changes draw on the same bucket."""
        self.room.config = self.room.config.replace(changeSubject=True)
        (private,) = self.service.send("<message from='%s' to='%s/alice' type='chat'>"
                                       "<body>psst</body></message>" % (BOB, ROOM))
        (invite,) = self.service.send("<message from='%s' to='%s'><x xmlns='%s'>"
                                      "<invite to='carol@remote.test'/></x></message>"
                                      % (BOB, ROOM, NS_MUC_USER))
        self.assertEqual((ALICE, "carol@remote.test"), (private["to"], invite["to"]))
        self.service.send("<message from='%s' to='%s' type='groupchat'><subject>Hi</subject>"
                          "</message>" % (BOB, ROOM))
        self.assertEqual("Hi", self.room.subject)
        (refused,) = self.service.send(groupchat(BOB, "fourth"))
        self.assertWait(refused, "too many messages; try again in 10 seconds")


class PresenceRateTests(LimitTestCase):
    serviceArgs = ("--presence-rate", "2/20")

    def status(self, text, nick="bob"):
        return self.service.send("<presence from='%s' to='%s/%s'><status>%s</status></presence>"
                                 % (BOB, ROOM, nick, text))

    def test_statusAndNick(self):
        """Status and nick changes count; the 3rd waits 10 seconds, then passes."""
        self.assertEqual(2, len(self.status("one")))
        self.assertEqual(4, len(self.status("two", nick="robert")))
        (refused,) = self.status("three", nick="robert")
        self.assertWait(refused, "too many presence changes; try again in 10 seconds")
        self.assertEqual("<status>two</status>", self.room.occupants["robert"].payload)
        self.advance(10)
        self.assertEqual(2, len(self.status("four", nick="robert")))
        self.assertEqual("<status>four</status>", self.room.occupants["robert"].payload)

    def test_leavingIsFree(self):
        """Leaving is never limited."""
        self.status("one")
        self.status("two")
        self.service.send("<presence from='%s' to='%s/bob' type='unavailable'/>" % (BOB, ROOM))
        self.assertNotIn(JID(BOB), self.room.sessions)


class JoinRateTests(LimitTestCase):
    serviceArgs = ("--join-rate", "3/60")

    def test_joins(self):
        """A real JID joins 3 times at once; the next join waits 20 seconds, then passes."""
        for n in range(1, 3):
            self.service.makeRoom("room%d@muc.example.org" % n, "alice@example.org")
            self.service.join(BOB, "room%d@muc.example.org/bob" % n)
        self.service.makeRoom("room3@muc.example.org", "alice@example.org")
        (refused,) = self.service.join(BOB, "room3@muc.example.org/bob")
        self.assertWait(refused, "too many joins; try again in 20 seconds")
        self.assertEqual(1, len(list(refused.elements(NS_MUC, "x"))))
        self.assertEqual({}, self.service.rooms.getRoom(JID("room3@muc.example.org")).occupants)
        self.advance(20)
        self.service.join(BOB, "room3@muc.example.org/bob")
        self.assertIn("bob", self.service.rooms.getRoom(JID("room3@muc.example.org")).occupants)

    def test_perRealJID(self):
        """Another resource of the same user has joins of its own."""
        self.service.join(BOB, ROOM + "/bob")
        self.service.join(BOB, ROOM + "/bob")
        self.service.join("bob@example.org/phone", ROOM + "/bob")
        self.assertIn(JID("bob@example.org/phone"), self.room.sessions)

    def test_sessionsGoneForgotten(self):
        """
        The join buckets of sessions that left are forgotten on the clock
        once they are full again (at 3/60, 20 seconds after a single join),
        with nobody joining since; until then the bucket is kept.
        """
        joins = self.service.rooms.limits.joins
        self.service.send("<presence from='%s' to='%s/bob' type='unavailable'/>" % (BOB, ROOM))
        self.assertIn(JID(BOB), joins._buckets)
        self.advance(19)
        self.assertIn(JID(BOB), joins._buckets)
        self.advance(10)
        self.assertEqual(0, len(joins))

    def test_noRoomMade(self):
        """A join refused for its rate makes no room."""
        self.service.join(BOB, ROOM + "/bob")
        self.service.join(BOB, ROOM + "/bob")
        (refused,) = self.service.join(BOB, "new@muc.example.org/bob")
        self.assertEqual("resource-constraint", errorCondition(refused))
        self.assertIsNone(self.service.rooms.getRoom(JID("new@muc.example.org")))


class PasswordRateTests(LimitTestCase):
    serviceArgs = ("--password-rate", "2/60")

    def setUp(self):
        LimitTestCase.setUp(self)
        self.room.config = self.room.config.replace(passwordProtected=True, password="secret")

    def enter(self, realJID, password, room=ROOM):
        return self.service.send("<presence from='%s' to='%s/guesser'><x xmlns='%s'>"
                                 "<password>%s</password></x></presence>"
                                 % (realJID, room, NS_MUC, password))

    def test_guesses(self):
        """
        Two wrong passwords are not-authorized; then even the right one waits 30
        seconds, and passes after that.
        """
        for guess in ("a", "b"):
            (refused,) = self.enter("mallory@example.org/x", guess)
            self.assertEqual("not-authorized", errorCondition(refused))
        (refused,) = self.enter("mallory@example.org/x", "secret")
        self.assertWait(refused, "too many wrong passwords; try again in 30 seconds")
        (refused,) = self.enter("mallory@example.org/other", "c")
        self.assertEqual("resource-constraint", errorCondition(refused))
        self.assertNotIn("guesser", self.room.occupants)
        self.advance(30)
        self.enter("mallory@example.org/x", "secret")
        self.assertIn("guesser", self.room.occupants)

    def test_perUserAndRoom(self):
        """Other users, and the same user in another room, keep their tries."""
        for guess in ("a", "b"):
            self.enter("mallory@example.org/x", guess)
        self.enter("trudy@example.org/x", "secret")
        self.assertIn("guesser", self.room.occupants)
        other = self.service.makeRoom("other@muc.example.org", "alice@example.org",
                                      passwordProtected=True, password="pw")
        (refused,) = self.enter("mallory@example.org/x", "wrong", room=other.jid.full())
        self.assertEqual("not-authorized", errorCondition(refused))

    def test_rightPasswordsFree(self):
        """Entering with the right password costs no try."""
        for n in range(3):
            self.enter("mallory@example.org/r%d" % n, "secret")
        self.assertEqual(3, len(self.room.occupants["guesser"].sessions))


class RoomCreationTests(LimitTestCase):
    serviceArgs = ("--room-creation-rate", "2/3600", "--max-rooms-per-user", "3",
                   "--admin", "boss@example.org")

    def create(self, name, realJID="carol@example.org/x"):
        return self.service.join(realJID, "%s@muc.example.org/carol" % (name,))

    def created(self, name):
        return self.service.rooms.getRoom(JID(name + "@muc.example.org")) is not None

    def test_perHour(self):
        """A user creates 2 rooms at once; the 3rd waits half an hour, then passes."""
        self.create("one")
        self.create("two")
        (refused,) = self.create("three")
        self.assertWait(refused, "too many rooms created; try again in 1800 seconds")
        self.assertFalse(self.created("three"))
        self.advance(1800)
        self.create("three")
        self.assertTrue(self.created("three"))

    def test_total(self):
        """
        A user holds 3 rooms at most, whatever the rate: the 4th is a
        policy-violation until one of them is gone.
        """
        for name in ("one", "two", "three"):
            self.create(name)
            self.advance(1800)
        (refused,) = self.create("four")
        self.assertPolicy(refused, "a user may hold at most 3 rooms here; destroy one first")
        self.service.send("<presence from='carol@example.org/x' to='one@muc.example.org/carol' "
                          "type='unavailable'/>")
        self.assertFalse(self.created("one"))
        self.create("four")
        self.assertTrue(self.created("four"))

    def test_storedRoomsCount(self):
        """Persistent rooms a user owned when the service started count toward the total."""
        store = self.service.rooms.store
        for name in ("kept1", "kept2", "kept3"):
            roomJID = JID(name + "@muc.example.org")
            store.saveRoom(roomJID, {"muc#roomconfig_persistentroom": True})
            store.setAffiliation(roomJID, JID("carol@example.org"), "owner")
        self.service.rooms.loadRooms()
        (refused,) = self.create("one")
        self.assertEqual("policy-violation", errorCondition(refused))

    def test_adminsExempt(self):
        """Service administrators create rooms without limit."""
        for n in range(5):
            self.create("admin%d" % n, "boss@example.org/x")
        self.assertTrue(self.created("admin4"))
