"""
Hats in presence (XEP-0317): which presences carry an occupant's hats, the
presence sent again when they change, client hats stripped, the room's hat
cache through the room's life, through the fake component stream.
"""

from twisted.words.protocols.jabber.jid import JID
from zope.interface import implementer

from mucservice.interfaces import IJoinObserver
from mucservice.xmpp.hats import HatPresence
from tests.fakeservice import PopulatedRoomTestCase, ServiceTestCase, item, statuses

NS_HATS = "urn:xmpp:hats:0"
NS_LEGACY = "xmpp:prosody.im/protocol/hats:1"
NS_ADMIN = "http://jabber.org/protocol/muc#admin"
NS_OWNER = "http://jabber.org/protocol/muc#owner"

ROOM = "room@muc.example.org"
OLIVIA = "olivia@example.org/desk"  # owner
ADAM = "adam@example.org/desk"  # admin
MIA = "mia@example.org/desk"  # member
GUS = "gus@example.org/desk"  # no affiliation
LENA = "lena@example.org/home"  # member, not in the room

TEACHER = "http://schools.example/hats/teacher"
HOST = "urn:example:hats:host"


def hatsOf(stanza, namespace=NS_HATS):
    """
    @return: the (uri, title) of each hat of the stanza's C{<hats/>} of
        that namespace, or L{None} if it has none; several C{<hats/>} fail.
    """
    containers = list(stanza.elements(namespace, "hats"))
    assert len(containers) <= 1, stanza.toXml()
    if not containers:
        return None
    return [(h["uri"], h["title"]) for h in containers[0].elements(namespace, "hat")]


def presences(stanzas, sender=None):
    return [s for s in stanzas if s.name == "presence"
            and (sender is None or s["from"] == ROOM + "/" + sender)]


class HatsTestCase(PopulatedRoomTestCase):
    """
    The populated room with lena as a member who is not in it.
    """

    def setUp(self):
        PopulatedRoomTestCase.setUp(self)
        self.room.setAffiliationEntry(JID("lena@example.org"), "member")
        self.store = self.service.rooms.hatStore
        self.service.stream.sent()

    def wear(self, user, uri, title=None, active=True):
        """
        Give a hat through the API and let the reactor turn.

        @return: what the service wrote.
        """
        attachment = {"active": active}
        if title is not None:
            attachment["title"] = title
        self.successResultOf(self.store.addUserHat(JID(user), JID(ROOM), uri, attachment))
        return self.turn()

    def turn(self):
        self.service.reactor.advance(0)
        return self.service.stream.sent()


class HatsInPresenceTests(HatsTestCase):
    def test_changeSentToRoom(self):
        """A new active hat sends the wearer's presence with it to every occupant, 110 to self."""
        out = self.wear(MIA, TEACHER, "Teacher")
        sent = presences(out, "mia")
        self.assertEqual(sorted([OLIVIA, ADAM, MIA, GUS]), sorted(s["to"] for s in sent))
        for stanza in sent:
            self.assertEqual([(TEACHER, "Teacher")], hatsOf(stanza))
            self.assertEqual(("member", "participant"),
                             (item(stanza)["affiliation"], item(stanza)["role"]))
        (own,) = [s for s in sent if s["to"] == MIA]
        self.assertIn(110, statuses(own))
        self.assertEqual(4, len(out))

    def test_changesInOneTurnSentOnce(self):
        """Several changes before the reactor turns make one presence per occupant."""
        self.successResultOf(self.store.addUserHat(JID(MIA), JID(ROOM), TEACHER,
                                                   {"active": True}))
        self.successResultOf(self.store.addUserHat(JID(MIA), JID(ROOM), HOST, {"active": True}))
        self.assertEqual([], self.service.stream.sent())
        out = self.turn()
        self.assertEqual(4, len(out))
        self.assertEqual([(TEACHER, TEACHER), (HOST, HOST)], hatsOf(out[0]))

    def test_titleDefaultsToURI(self):
        """A hat without a title shows its URI as the title, which XEP-0317 requires."""
        (stanza, *_) = self.wear(MIA, TEACHER)
        self.assertEqual([(TEACHER, TEACHER)], hatsOf(stanza))

    def test_inactiveNotShown(self):
        """A hat that is not active is neither shown nor a reason to send presence."""
        self.assertEqual([], self.wear(MIA, TEACHER, "Teacher", active=False))
        self.assertEqual({JID("mia@example.org"): {TEACHER: {"title": "Teacher"}}},
                         self.room.hats)
        out = self.service.send("<presence from='%s' to='%s/mia'/>" % (MIA, ROOM))
        self.assertEqual([None] * 4, [hatsOf(s) for s in out])

    def test_removalSent(self):
        """Taking the last active hat off sends the presence again, without hats."""
        self.wear(MIA, TEACHER, "Teacher")
        self.successResultOf(self.store.removeUserHat(JID(MIA), JID(ROOM), TEACHER))
        out = self.turn()
        self.assertEqual(4, len(out))
        self.assertEqual([None] * 4, [hatsOf(s) for s in out])
        self.assertEqual({}, self.room.hats)

    def test_absentWearer(self):
        """Hats of a user not in the room send nothing, and show when the user joins."""
        self.assertEqual([], self.wear(LENA, HOST, "Host"))
        out = self.service.join(LENA, ROOM + "/lena")
        sent = presences(out, "lena")
        self.assertEqual(5, len(sent))
        self.assertEqual([[(HOST, "Host")]] * 5, [hatsOf(s) for s in sent])

    def test_othersHatsToNewcomer(self):
        """A newcomer sees the hats of those already in the room, and only theirs."""
        self.wear(MIA, TEACHER, "Teacher")
        out = self.service.join(LENA, ROOM + "/lena")
        toLena = {s["from"].rpartition("/")[2]: hatsOf(s)
                  for s in presences(out) if s["to"] == LENA}
        self.assertEqual({"olivia": None, "adam": None, "mia": [(TEACHER, "Teacher")],
                          "gus": None, "lena": None}, toLena)

    def test_presenceUpdate(self):
        """A presence update carries the hats, and the client's own hats are stripped."""
        self.wear(MIA, TEACHER, "Teacher")
        out = self.service.send(
            "<presence from='%s' to='%s/mia'><show>away</show>"
            "<hats xmlns='%s'><hat uri='urn:x:fake' title='Fake'/></hats>"
            "<hats xmlns='%s'><hat uri='urn:x:fake' title='Fake'/></hats></presence>"
            % (MIA, ROOM, NS_HATS, NS_LEGACY))
        self.assertEqual(4, len(out))
        for stanza in out:
            self.assertEqual([(TEACHER, "Teacher")], hatsOf(stanza))
            self.assertIsNone(hatsOf(stanza, NS_LEGACY))
            self.assertEqual("away", str(stanza.show))

    def test_spoofedHatsStripped(self):
        """Hats a client puts in its own presence, in either namespace, never reach others."""
        out = self.service.send(
            "<presence from='%s' to='%s/gus'><hats xmlns='%s'><hat uri='urn:x:boss' "
            "title='Boss'/></hats><hats xmlns='%s'><hat uri='urn:x:boss' title='Boss'/></hats>"
            "</presence>" % (GUS, ROOM, NS_HATS, NS_LEGACY))
        self.assertEqual(4, len(out))
        self.assertEqual([(None, None)] * 4,
                         [(hatsOf(s), hatsOf(s, NS_LEGACY)) for s in out])

    def test_nickChange(self):
        """Both presences of a nick change carry the hats."""
        self.wear(ADAM, HOST, "Host")
        out = self.service.send("<presence from='%s' to='%s/adam2'/>" % (ADAM, ROOM))
        self.assertEqual(8, len(out))
        self.assertEqual([[(HOST, "Host")]] * 8, [hatsOf(s) for s in out])
        self.assertIn(303, statuses(out[0]))

    def test_roleChange(self):
        """The presence telling of a role change carries the hats."""
        self.wear(MIA, TEACHER, "Teacher")
        out = self.service.send(
            "<iq type='set' id='r1' from='%s' to='%s'><query xmlns='%s'>"
            "<item nick='mia' role='visitor'/></query></iq>" % (OLIVIA, ROOM, NS_ADMIN))
        sent = presences(out, "mia")
        self.assertEqual(4, len(sent))
        for stanza in sent:
            self.assertEqual("visitor", item(stanza)["role"])
            self.assertEqual([(TEACHER, "Teacher")], hatsOf(stanza))

    def test_leaving(self):
        """The unavailable presence of an occupant that leaves carries its hats too."""
        self.wear(MIA, TEACHER, "Teacher")
        out = self.service.send("<presence type='unavailable' from='%s' to='%s/mia'/>"
                                % (MIA, ROOM))
        self.assertEqual(4, len(out))
        self.assertEqual([[(TEACHER, "Teacher")]] * 4, [hatsOf(s) for s in out])

    def test_affiliationLost(self):
        """Losing the affiliation drops the hats from the presence telling it, and nothing more."""
        self.wear(MIA, TEACHER, "Teacher")
        out = self.service.send(
            "<iq type='set' id='a1' from='%s' to='%s'><query xmlns='%s'>"
            "<item jid='mia@example.org' affiliation='none'/></query></iq>"
            % (OLIVIA, ROOM, NS_ADMIN))
        sent = presences(out, "mia")
        self.assertEqual(4, len(sent))
        self.assertEqual([("none", None)] * 4,
                         [(item(s)["affiliation"], hatsOf(s)) for s in sent])
        self.assertEqual([], self.turn())
        self.assertEqual({}, self.successResultOf(self.store.getRoomHats(JID(ROOM))))
        self.assertEqual({}, self.room.hats)

    def test_banned(self):
        """A banned user loses their hats, even when not in the room."""
        self.wear(LENA, HOST)
        self.service.send(
            "<iq type='set' id='a1' from='%s' to='%s'><query xmlns='%s'>"
            "<item jid='lena@example.org' affiliation='outcast'/></query></iq>"
            % (OLIVIA, ROOM, NS_ADMIN))
        self.assertEqual({}, self.successResultOf(self.store.getRoomHats(JID(ROOM))))

    def test_joinObserverGivesHat(self):
        """A hat given by a join observer during a join leaves the join sequence in order."""

        @implementer(IJoinObserver)
        class Giver:
            def occupantJoined(observer, realJID, roomJID, nick):
                self.store.addUserHat(realJID, roomJID, HOST, {"active": True})

            def occupantLeft(observer, realJID, roomJID, nick):
                pass

            def nickChanged(observer, realJID, roomJID, oldNick, newNick):
                pass

        self.service.rooms.joinTracker.addObserver(Giver())
        out = self.service.join(LENA, ROOM + "/lena")
        toLena = [s for s in out if s["to"] == LENA]
        self.assertEqual(["presence"] * 5 + ["message"], [s.name for s in toLena])
        self.assertIn(110, statuses(toLena[4]))
        self.assertEqual([(HOST, HOST)], hatsOf(toLena[4]))
        again = self.turn()
        self.assertEqual(5, len(again))
        self.assertEqual([[(HOST, HOST)]] * 5, [hatsOf(s) for s in again])

    def test_linkDown(self):
        """A change while the component link is down updates the cache and sends nothing."""
        handler = next(h for h in self.service.component.handlers if isinstance(h, HatPresence))
        self.service.stream.xmlstream.connectionLost(None)
        self.assertIsNone(handler.xmlstream)
        self.successResultOf(self.store.addUserHat(JID(MIA), JID(ROOM), HOST, {"active": True}))
        self.service.reactor.advance(0)
        self.assertEqual({HOST: {"active": True}}, self.room.hats[JID("mia@example.org")])
        self.assertEqual({}, handler.pending)


class LegacyNamespaceTests(HatsTestCase):
    serviceArgs = PopulatedRoomTestCase.serviceArgs + ("--hats-legacy-namespace",)

    def test_both(self):
        """With --hats-legacy-namespace, presence carries the hats in both namespaces."""
        out = self.wear(MIA, TEACHER, "Teacher")
        self.assertEqual(4, len(out))
        for stanza in out:
            self.assertEqual([(TEACHER, "Teacher")], hatsOf(stanza))
            self.assertEqual([(TEACHER, "Teacher")], hatsOf(stanza, NS_LEGACY))

    def test_loadedRoomsToo(self):
        """Rooms loaded from the store show the legacy namespace as well."""
        self.successResultOf(self.service.rooms.store.saveRoom(JID("kept@muc.example.org"), {}))
        self.successResultOf(self.service.rooms.loadRooms())
        self.assertTrue(self.service.rooms.getRoom(JID("kept@muc.example.org")).legacyHats)


class HatCacheTests(ServiceTestCase):
    """
    The room's hat cache and the stored hats through the life of rooms.
    """

    def setUp(self):
        ServiceTestCase.setUp(self)
        self.rooms = self.service.rooms
        self.store = self.rooms.hatStore

    def test_loadedWithRooms(self):
        """Stored rooms come with their hats when the service starts."""
        room = self.service.makeRoom(ROOM, "olivia@example.org", persistent=True)
        self.rooms.writer.saveWhole(room)
        self.successResultOf(self.store.addUserHat(JID(OLIVIA), JID(ROOM), HOST,
                                                   {"title": "Host"}))
        self.rooms.rooms.clear()
        self.successResultOf(self.rooms.loadRooms())
        loaded = self.rooms.getRoom(JID(ROOM))
        self.assertIsNot(room, loaded)
        self.assertEqual({JID("olivia@example.org"): {HOST: {"title": "Host"}}}, loaded.hats)

    def test_newRoomStartsBare(self):
        """Hats left in the store by an earlier room of the same name are dropped."""
        self.store._writeUserHats(JID("olivia@example.org"), JID(ROOM), {HOST: {}})
        self.service.join(OLIVIA, ROOM + "/olivia")
        self.assertEqual({}, self.successResultOf(self.store.getRoomHats(JID(ROOM))))

    def test_emptiedTemporaryRoom(self):
        """A temporary room that vanishes with its last occupant takes its hats with it."""
        self.service.makeRoom(ROOM, "olivia@example.org")
        self.service.join(OLIVIA, ROOM + "/olivia")
        self.successResultOf(self.store.addUserHat(JID(OLIVIA), JID(ROOM), HOST))
        self.service.send("<presence type='unavailable' from='%s' to='%s/olivia'/>"
                          % (OLIVIA, ROOM))
        self.assertIsNone(self.rooms.getRoom(JID(ROOM)))
        self.assertEqual({}, self.successResultOf(self.store.getRoomHats(JID(ROOM))))

    def test_destroyed(self):
        """A destroyed room takes its hats with it."""
        self.service.makeRoom(ROOM, "olivia@example.org", persistent=True)
        self.successResultOf(self.store.addUserHat(JID(OLIVIA), JID(ROOM), HOST))
        self.service.send("<iq type='set' id='d1' from='%s' to='%s'><query xmlns='%s'>"
                          "<destroy/></query></iq>" % (OLIVIA, ROOM, NS_OWNER))
        self.assertEqual({}, self.successResultOf(self.store.getRoomHats(JID(ROOM))))

    def test_unknownRoom(self):
        """A change for a room this service does not have touches no room."""
        handler = next(h for h in self.service.component.handlers if isinstance(h, HatPresence))
        handler.hatsChanged(JID("alice@example.org"), JID("nowhere@muc.example.org"),
                            {HOST: {"active": True}})
        self.service.reactor.advance(0)
        self.assertEqual({}, handler.pending)
        self.assertEqual([], self.service.stream.sent())
