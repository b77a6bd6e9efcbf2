"""
Presence that clients send elsewhere than to their own occupant JID, and
what the room answers: presence to the room's bare JID, probes of an
occupant, and what a refused presence echoes.
"""

from tests.fakeservice import NS_MUC, PopulatedRoomTestCase, item, statuses

NS_MUC_USER = NS_MUC + "#user"


class BareRoomPresenceTests(PopulatedRoomTestCase):
    """
    Presence an occupant sends to the room's bare JID is for its own
    occupant JID, as Prosody takes it.
    """

    def test_leave(self):
        """Unavailable to the room makes the occupant leave; everyone sees its status."""
        out = self.service.send("<presence from='%s' to='%s' type='unavailable'>"
                                "<status>gone fishing</status></presence>" % (self.GUS, self.ROOM))
        self.assertEqual({self.OLIVIA, self.ADAM, self.MIA, self.GUS}, {s["to"] for s in out})
        for stanza in out:
            self.assertEqual((self.ROOM + "/gus", "unavailable", "gone fishing"),
                             (stanza["from"], stanza["type"], str(stanza.status)))
        self.assertEqual({110}, statuses(next(s for s in out if s["to"] == self.GUS)))
        self.assertNotIn("gus", self.room.occupants)

    def test_update(self):
        """Available presence to the room is a presence update of the occupant."""
        out = self.service.send("<presence from='%s' to='%s'><show>away</show></presence>"
                                % (self.GUS, self.ROOM))
        self.assertEqual(4, len(out))
        self.assertEqual({self.ROOM + "/gus"}, {s["from"] for s in out})
        self.assertEqual({"away"}, {str(s.show) for s in out})

    def test_strangerLeave(self):
        """Unavailable to the room from somebody not in it is ignored."""
        self.assertEqual([], self.service.send(
            "<presence from='x@example.org/y' to='%s' type='unavailable'/>" % (self.ROOM,)))

    def test_strangerJoin(self):
        """A join to the room's bare JID from somebody not in it still needs a nick."""
        reply = self.ask("<presence from='x@example.org/y' to='%s'><x xmlns='%s'/></presence>"
                         % (self.ROOM, NS_MUC))
        self.assertError("jid-malformed", reply)
        self.assertIsNotNone(reply.x)


class ErrorEchoTests(PopulatedRoomTestCase):
    """
    An error presence carries the MUC C{<x/>} only if the presence did.
    """

    def mucX(self, stanza):
        return next(stanza.elements(NS_MUC, "x"), None)

    def test_refusedNickChange(self):
        """A refused nick change carries no MUC <x/>: clients read one as a failed join."""
        reply = self.ask("<presence from='%s' to='%s/mia'/>" % (self.GUS, self.ROOM))
        self.assertError("conflict", reply)
        self.assertIsNone(self.mucX(reply))
        self.assertEqual([], list(reply.elements(NS_MUC_USER, "x")))

    def test_refusedJoin(self):
        """A refused join carries the MUC <x/>, as XEP-0045 shows it."""
        reply = self.ask("<presence from='x@example.org/y' to='%s/mia'><x xmlns='%s'/>"
                         "</presence>" % (self.ROOM, NS_MUC))
        self.assertError("conflict", reply)
        self.assertIsNotNone(self.mucX(reply))

    def test_refusedJoinWithoutX(self):
        """A join without the MUC <x/> that is refused is answered without one."""
        reply = self.ask("<presence from='x@example.org/y' to='%s/mia'/>" % (self.ROOM,))
        self.assertError("conflict", reply)
        self.assertIsNone(self.mucX(reply))


class ProbeTests(PopulatedRoomTestCase):
    """
    A presence probe to an occupant JID.
    """

    def probe(self, sender, nick):
        return self.service.send("<presence type='probe' from='%s' to='%s/%s'/>"
                                 % (sender, self.ROOM, nick))

    def test_occupantPresence(self):
        """An occupant gets the other's current presence, as the room shows it to it."""
        self.service.send("<presence from='%s' to='%s/mia'><show>dnd</show></presence>"
                          % (self.MIA, self.ROOM))
        (presence,) = self.probe(self.GUS, "mia")
        self.assertEqual((self.ROOM + "/mia", self.GUS, None),
                         (presence["from"], presence["to"], presence.getAttribute("type")))
        self.assertEqual("dnd", str(presence.show))
        self.assertEqual(("member", "participant", None),
                         (item(presence)["affiliation"], item(presence)["role"],
                          item(presence).getAttribute("jid")))
        self.assertEqual(set(), statuses(presence))
        self.assertEqual(self.room.occupantID(self.room.occupants["mia"].userJID),
                         next(presence.elements("urn:xmpp:occupant-id:0", "occupant-id"))["id"])

    def test_moderatorSeesJID(self):
        """A moderator of a semi-anonymous room sees the real JID, as in the room."""
        (presence,) = self.probe(self.ADAM, "mia")
        self.assertEqual(self.MIA, item(presence)["jid"])

    def test_ownPresence(self):
        """An occupant probing itself gets its own presence, marked 110."""
        (presence,) = self.probe(self.GUS, "gus")
        self.assertEqual({110}, statuses(presence))
        self.assertEqual(self.GUS, item(presence)["jid"])

    def test_bareRoom(self):
        """A probe of the room's bare JID is a probe of the sender itself."""
        (presence,) = self.service.send("<presence type='probe' from='%s' to='%s'/>"
                                        % (self.GUS, self.ROOM))
        self.assertEqual((self.ROOM + "/gus", {110}), (presence["from"], statuses(presence)))

    def test_nobody(self):
        """A probe of a nick nobody has is not answered."""
        self.assertEqual([], self.probe(self.GUS, "nobody"))

    def test_stranger(self):
        """Somebody not in the room gets not-acceptable, whether or not the nick exists."""
        for nick in ("mia", "nobody"):
            (reply,) = self.probe("x@example.org/y", nick)
            self.assertError("not-acceptable", reply)
        (reply,) = self.service.send("<presence type='probe' from='x@example.org/y' "
                                     "to='nowhere@muc.example.org/a'/>")
        self.assertError("not-acceptable", reply)


class HiddenProbeTests(PopulatedRoomTestCase):
    """
    A room that broadcasts the presence of moderators only.
    """

    config = {"presenceBroadcast": ("moderator",)}

    def test_hidden(self):
        """The presence of an occupant the room does not show is not given on a probe."""
        self.assertEqual([], self.service.send("<presence type='probe' from='%s' to='%s/mia'/>"
                                               % (self.GUS, self.ROOM)))
        (presence,) = self.service.send("<presence type='probe' from='%s' to='%s/olivia'/>"
                                        % (self.GUS, self.ROOM))
        self.assertEqual(self.ROOM + "/olivia", presence["from"])
