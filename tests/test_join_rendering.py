"""
How a join is rendered: the newcomer's own sequence before the others hear
of it (XEP-0045 section 7.2 orders only what the newcomer receives), and
each occupant's presence rendered once and reused for later newcomers,
always as it is now.
"""

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from mucservice.xmpp import broadcast
from mucservice.xmpp.broadcast import PresenceBroadcast
from mucservice.xmpp.render import Template
from tests.fakeservice import FakeService, item, statuses
from tests.test_hats_presence import GUS, MIA, NS_ADMIN, OLIVIA, TEACHER, HatsTestCase, hatsOf

ROOM = "room@muc.example.org"
OTHERS = ["alice@example.org/a", "bob@example.org/b", "carol@example.org/c"]
NEWCOMER = "dave@example.org/d"


class NewcomerFirstTests(SynchronousTestCase):
    def setUp(self):
        self.service = FakeService()
        self.room = self.service.makeRoom(ROOM, "alice@example.org")
        for realJID in OTHERS:
            self.service.join(realJID, "%s/%s" % (ROOM, realJID.split("@")[0]))

    def test_selfPresenceBeforeFanout(self):
        """
        The newcomer's self-presence (110), its history and the subject are
        written before any copy of its presence to another occupant, and
        each other occupant still gets exactly one copy.
        """
        out = self.service.join(NEWCOMER, ROOM + "/dave")
        toNewcomer = [n for n, s in enumerate(out) if s["to"] == NEWCOMER]
        copies = [n for n, s in enumerate(out)
                  if s["to"] != NEWCOMER and s["from"] == ROOM + "/dave"]
        selfPresence = next(n for n in toNewcomer if 110 in statuses(out[n]))
        self.assertEqual(["presence"] * 4 + ["message"], [out[n].name for n in toNewcomer])
        self.assertEqual(toNewcomer, list(range(len(toNewcomer))))
        self.assertLess(selfPresence, min(copies))
        self.assertEqual(sorted(OTHERS), sorted(out[n]["to"] for n in copies))
        self.assertEqual(len(out), len(toNewcomer) + len(copies))

    def test_newSessionFirst(self):
        """
        A second session of an occupant, with another presence, gets its
        own sequence before the occupant's other session and the others
        hear of the change.
        """
        second = OTHERS[0].replace("/a", "/other")
        out = self.service.join(second, ROOM + "/alice", extra="<show>away</show>")
        toSecond = [n for n, s in enumerate(out) if s["to"] == second]
        rest = [n for n, s in enumerate(out) if s["to"] != second]
        self.assertLess(max(toSecond), min(rest))
        self.assertEqual(sorted(OTHERS), sorted(out[n]["to"] for n in rest))
        self.assertEqual(["away"] * len(rest), [str(out[n].show) for n in rest])


class PresenceCacheTests(HatsTestCase):
    """
    Each occupant's presence is rendered once per change and reused for
    later newcomers, who always see it as it is now, with the real JID only
    if they may see it.
    """

    joined = 0

    def newcomer(self, nick=None, user=None):
        """
        A new user joins.

        @param user: its bare JID (default: a new one).
        @return: its full JID and what it was sent, by occupant JID.
        """
        self.joined += 1
        realJID = "%s/r%d" % (user or "new%d@example.org" % (self.joined,), self.joined)
        out = self.service.join(realJID, "%s/%s" % (ROOM, nick or "new%d" % (self.joined,)))
        return {s["from"]: s for s in out if s["to"] == realJID and s.name == "presence"}

    def seen(self, nick, **kwargs):
        """
        @return: the presence of C{nick} a newcomer gets.
        """
        return self.newcomer(**kwargs)[ROOM + "/" + nick]

    def setUp(self):
        HatsTestCase.setUp(self)
        first = self.seen("gus")
        self.assertEqual(("none", "participant"), (item(first)["affiliation"], item(first)["role"]))
        self.assertIsNone(first.show)
        self.assertIsNone(hatsOf(first))

    def admin(self, itemXML):
        answer = self.answer("<iq type='set' id='a1' from='%s' to='%s'><query xmlns='%s'>%s"
                             "</query></iq>" % (OLIVIA, ROOM, NS_ADMIN, itemXML))
        self.assertEqual("result", answer["type"], answer.toXml())

    def test_renderedOnce(self):
        """
        A second newcomer gets the presence the first one got, rendered
        then, not again.
        """
        made = []
        self.patch(broadcast, "PresenceBroadcast",
                   lambda room, occupant, **kw: made.append(occupant.nick)
                   or PresenceBroadcast(room, occupant, **kw))
        self.seen("gus")
        self.assertNotIn("gus", made)
        self.assertEqual(set(), {"olivia", "adam", "mia"} & set(made))

    def test_roleChange(self):
        """A later newcomer sees an occupant's new role."""
        self.admin("<item nick='gus' role='visitor'/>")
        self.assertEqual("visitor", item(self.seen("gus"))["role"])

    def test_affiliationChange(self):
        """A later newcomer sees an occupant's new affiliation."""
        self.admin("<item jid='gus@example.org' affiliation='member'/>")
        self.assertEqual("member", item(self.seen("gus"))["affiliation"])

    def test_nickChange(self):
        """A later newcomer sees the occupant under its new nick only."""
        self.service.send("<presence from='%s' to='%s/gustav'/>" % (GUS, ROOM))
        seen = self.newcomer()
        self.assertNotIn(ROOM + "/gus", seen)
        self.assertEqual("participant", item(seen[ROOM + "/gustav"])["role"])

    def test_statusChange(self):
        """A later newcomer sees an occupant's new show and status."""
        self.service.send("<presence from='%s' to='%s/gus'><show>away</show>"
                          "<status>lunch</status></presence>" % (GUS, ROOM))
        seen = self.seen("gus")
        self.assertEqual(("away", "lunch"), (str(seen.show), str(seen.status)))

    def test_hatChange(self):
        """A later newcomer sees the hats an occupant wears now, and not those it took off."""
        self.assertIsNone(hatsOf(self.seen("mia")))
        self.wear(MIA, TEACHER, "Teacher")
        self.assertEqual([(TEACHER, "Teacher")], hatsOf(self.seen("mia")))
        self.successResultOf(self.store.removeUserHat(JID(MIA), JID(ROOM), TEACHER))
        self.turn()
        self.assertIsNone(hatsOf(self.seen("mia")))

    def test_realJIDPerViewer(self):
        """
        In a semi-anonymous room, a moderator newcomer sees the real JID and
        others do not, whoever came first.
        """
        self.assertEqual("moderators", self.room.config.whois)
        self.room.setAffiliationEntry(JID("boss2@example.org"), "admin")
        self.assertEqual(GUS, item(self.seen("gus", user="boss2@example.org"))["jid"])
        self.assertIsNone(item(self.seen("gus")).getAttribute("jid"))

    def test_latestSession(self):
        """
        A later session of an occupant with another presence is what later
        newcomers see: its show, and its real JID to moderators.
        """
        second = "gus@example.org/phone"
        self.service.join(second, ROOM + "/gus", extra="<show>dnd</show>")
        self.room.setAffiliationEntry(JID("boss2@example.org"), "admin")
        seen = self.seen("gus", user="boss2@example.org")
        self.assertEqual((second, "dnd"), (item(seen)["jid"], str(seen.show)))

    def test_keptForMostViewers(self):
        """
        In a semi-anonymous room an occupant keeps its presence as the
        participants see it, without the real JID; the moderators' variant,
        with it, is rendered when they need it and not kept. In a
        non-anonymous room, where everyone sees real JIDs, that one is
        kept.
        """
        gus = self.room.occupants["gus"]
        self.assertIsNotNone(gus.rendered.get("anonymous"))
        self.assertIsNone(gus.rendered.get("withjid"))
        self.room.config = self.room.config.replace(whois="anyone")
        self.assertEqual(GUS, item(self.seen("gus"))["jid"])
        self.assertIsNotNone(gus.rendered.get("withjid"))
        self.assertIsNone(gus.rendered.get("anonymous"))

    def test_unkeptOncePerBroadcast(self):
        """
        A presence change renders the moderators' variant once for all of
        them, however many there are: one rendering per kind, and the
        occupant's own copy.
        """
        made = []
        self.patch(broadcast, "Template",
                   lambda name, inner="", **kw: made.append(name) or Template(name, inner, **kw))
        withRealJID = broadcast._withRealJID
        self.patch(broadcast, "_withRealJID",
                   lambda template, realJID: made.append("derived")
                   or withRealJID(template, realJID))

        def change(show):
            del made[:]
            self.service.send("<presence from='%s' to='%s/gus'><show>%s</show></presence>"
                              % (GUS, ROOM, show))
            return len(made)

        withTwo = change("away")
        for n in range(3):
            self.room.setAffiliationEntry(JID("mod%d@example.org" % (n,)), "admin")
            self.newcomer(nick="mod%d" % (n,), user="mod%d@example.org" % (n,))
        self.assertEqual(withTwo, change("dnd"))
        self.assertEqual(3, withTwo)

    def test_moderatorListFromKept(self):
        """
        A moderator newcomer of a semi-anonymous room gets the others'
        presence made from the variant they keep, with the real JID added,
        and not rendered again.
        """
        made = []
        self.patch(broadcast, "PresenceBroadcast",
                   lambda room, occupant, **kw: made.append(occupant.nick)
                   or PresenceBroadcast(room, occupant, **kw))
        self.room.setAffiliationEntry(JID("boss2@example.org"), "admin")
        seen = self.newcomer(nick="boss", user="boss2@example.org")
        self.assertEqual(["boss"], made)
        self.assertEqual(GUS, item(seen[ROOM + "/gus"])["jid"])
        self.assertEqual(MIA, item(seen[ROOM + "/mia"])["jid"])


class WithRealJIDTests(SynchronousTestCase):
    """
    The variant of a presence with the real JID, made from the one without
    it (L{broadcast._withRealJID}), is the text a full rendering gives.
    """

    def setUp(self):
        self.service = FakeService()
        self.room = self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join("alice@example.org/a", ROOM + "/alice")
        self.service.join("neil@example.org/x&lt;y&apos;&amp;z", ROOM + "/o&apos;ne&amp;il",
                          extra="<show>away</show><status>a &lt;b&gt; 'c'</status>"
                                "<c xmlns='urn:example'><item role='moderator'"
                                " jid='x@y'/></c>")
        self.occupant = self.room.occupants["o'ne&il"]

    def assertSameTemplate(self, **kwargs):
        for hidden in (False, True):
            rendered = PresenceBroadcast(self.room, self.occupant, **kwargs)
            expected = rendered._template("withjid", hidden=hidden)
            anonymous = PresenceBroadcast(self.room, self.occupant, **kwargs)
            base = anonymous._template("anonymous", hidden=hidden)
            self.assertNotIn(" jid='neil", base.tail)
            derived = anonymous._template("withjid", hidden=hidden)
            self.assertIsNot(expected, derived)
            self.assertEqual((expected.head, expected.tail, expected.size, expected._spare),
                             (derived.head, derived.tail, derived.size, derived._spare))
            self.assertIn(" jid='neil@example.org/x&lt;y&apos;&amp;z'", derived.tail)

    def test_presence(self):
        """A presence as it is now, its payload holding an C{<item/>} of its own."""
        self.assertSameTemplate()

    def test_withEverything(self):
        """
        With statuses, an actor, a reason and a new nick, which
        L{broadcast._mucUser} writes after the real JID.
        """
        self.assertSameTemplate(unavailable=True, statuses=(303, 307), actorNick="al'ice",
                                reason="be <nice>", newNick="o'neil2",
                                affiliation="member", role="visitor")
