"""
Messages taken back through the fake component stream: a moderator's
retraction (XEP-0425, C{urn:xmpp:message-moderate:1} and C{:0}), an
occupant's own (XEP-0424, C{urn:xmpp:message-retract:1} and C{:0}), the
tombstones the archive and the history keep, and the messages that refer
to others and pass unchanged (corrections, reactions, replies).
"""

from tests.fakeservice import errorCondition
from tests.test_mam import (
    GUS,
    MIA,
    NS_MAM,
    NS_SID,
    OLIVIA,
    OTTO,
    ROOM,
    ArchiveTestCase,
    child,
    forwarded,
    text,
)

NS_MODERATE = "urn:xmpp:message-moderate:1"
NS_MODERATE_0 = "urn:xmpp:message-moderate:0"
NS_RETRACT = "urn:xmpp:message-retract:1"
NS_RETRACT_0 = "urn:xmpp:message-retract:0"
NS_FASTEN = "urn:xmpp:fasten:0"
NS_OCCUPANT_ID = "urn:xmpp:occupant-id:0"
NS_INFO = "http://jabber.org/protocol/disco#info"


def moderate(stanzaID, reason="spam"):
    """
    @return: the C{:1} request to retract a message, as text.
    """
    return ("<moderate xmlns='%s' id='%s'><retract xmlns='%s'/><reason>%s</reason></moderate>"
            % (NS_MODERATE, stanzaID, NS_RETRACT, reason))


def moderateLegacy(stanzaID, reason="spam"):
    """
    @return: the C{:0} request to retract a message, as text.
    """
    return ("<apply-to xmlns='%s' id='%s'><moderate xmlns='%s'><retract xmlns='%s'/>"
            "<reason>%s</reason></moderate></apply-to>"
            % (NS_FASTEN, stanzaID, NS_MODERATE_0, NS_RETRACT_0, reason))


def payloadOf(message):
    """
    @return: the children of a message but those the room stamps, as text.
    """
    return "".join(c.toXml(defaultUri=message.uri) for c in message.elements()
                   if c.uri not in (NS_SID, NS_OCCUPANT_ID))


class ModerationTestCase(ArchiveTestCase):
    def setUp(self):
        ArchiveTestCase.setUp(self)
        self.room = self.makeRoom(persistentroom=1)
        self.ids = self.talk(3)

    def moderation(self, sender, request):
        """
        @return: what a moderation request caused.
        """
        return self.service.send("<iq type='set' id='mod1' from='%s' to='%s'>%s</iq>"
                                 % (sender, ROOM, request))

    def archived(self, sender=GUS):
        """
        @return: the messages of the archive, as found.
        """
        results, _ = self.query(sender)
        return [forwarded(r) for r in results]


class ModeratorTests(ModerationTestCase):
    def assertAnnounced(self, out, target):
        """
        Every occupant is told, from the room, in both forms, before the
        IQ's empty result.
        """
        told = [s for s in out if s.name == "message"]
        self.assertEqual({OLIVIA, MIA, GUS}, {s["to"] for s in told})
        announcement = told[0]
        self.assertEqual((ROOM, "groupchat"), (announcement["from"], announcement["type"]))
        retract = child(announcement, NS_RETRACT, "retract")
        self.assertEqual(target, retract["id"])
        moderated = child(retract, NS_MODERATE, "moderated")
        self.assertEqual(ROOM + "/olivia", moderated["by"])
        self.assertEqual(self.room.occupantID(self.room.occupants["olivia"].userJID),
                         child(moderated, NS_OCCUPANT_ID, "occupant-id")["id"])
        self.assertEqual("spam", text(retract, "reason"))
        applyTo = child(announcement, NS_FASTEN, "apply-to")
        legacy = child(applyTo, NS_MODERATE_0, "moderated")
        self.assertEqual((target, ROOM + "/olivia"), (applyTo["id"], legacy["by"]))
        self.assertIsNotNone(child(legacy, NS_RETRACT_0, "retract"))
        self.assertEqual("spam", text(legacy, "reason"))
        self.assertEqual(("iq", "result", "mod1"), (out[-1].name, out[-1]["type"], out[-1]["id"]))

    def assertTombstone(self, message, target):
        """
        The message has no body; a tombstone says who retracted it, when
        and why, in both forms.
        """
        self.assertIsNone(child(message, message.uri, "body"))
        self.assertEqual(target, child(message, NS_SID, "stanza-id")["id"])
        retracted = child(message, NS_RETRACT, "retracted")
        self.assertEqual(ROOM + "/olivia", retracted["by"])
        self.assertTrue(retracted["stamp"].startswith("2027-01-15T08:00:00"))
        self.assertEqual(ROOM + "/olivia", child(retracted, NS_MODERATE, "moderated")["by"])
        self.assertEqual("spam", text(retracted, "reason"))
        legacy = child(message, NS_MODERATE_0, "moderated")
        self.assertIsNotNone(child(legacy, NS_RETRACT_0, "retracted"))

    def test_retract(self):
        """
        A moderator's retraction is told to everyone, and the archive keeps
        a tombstone of the message, followed by the announcement.
        """
        out = self.moderation(OLIVIA, moderate(self.ids[1]))
        self.assertAnnounced(out, self.ids[1])
        archived = self.archived()
        self.assertEqual(4, len(archived))
        self.assertEqual("m0", text(archived[0], "body"))
        self.assertTombstone(archived[1], self.ids[1])
        self.assertEqual(ROOM, archived[3]["from"])
        self.assertEqual(self.ids[1], child(archived[3], NS_RETRACT, "retract")["id"])

    def test_retractLegacy(self):
        """The older request, wrapped in apply-to, does the same."""
        out = self.moderation(OLIVIA, moderateLegacy(self.ids[0]))
        self.assertAnnounced(out, self.ids[0])
        self.assertTombstone(self.archived()[0], self.ids[0])

    def test_historyShowsTombstone(self):
        """A newcomer's history has the tombstone and the announcement."""
        self.moderation(OLIVIA, moderate(self.ids[2]))
        out = self.service.join(OTTO, ROOM + "/otto")
        history = [s for s in out if s.name == "message" and s.subject is None]
        self.assertEqual(["m0", "m1", None], [text(s, "body") for s in history[:3]])
        self.assertTombstone(history[2], self.ids[2])
        self.assertEqual(ROOM, history[3]["from"])

    def test_beyondHistory(self):
        """A message only the archive still holds is retracted there."""
        self.configure(historylength=1)
        self.talk(2)
        out = self.moderation(OLIVIA, moderate(self.ids[0]))
        self.assertAnnounced(out, self.ids[0])
        self.assertTombstone(self.archived()[0], self.ids[0])

    def test_notModerator(self):
        """Only moderators retract others' messages: nobody is told anything."""
        out = self.moderation(GUS, moderate(self.ids[0]))
        self.assertEqual(["iq"], [s.name for s in out])
        self.assertEqual("forbidden", errorCondition(out[0]))
        self.assertEqual("m0", text(self.archived()[0], "body"))

    def test_unknownMessage(self):
        """A stanza id the room does not keep is item-not-found."""
        out = self.moderation(OLIVIA, moderate("no-such-id"))
        self.assertEqual(["item-not-found"], [errorCondition(s) for s in out])

    def test_badRequests(self):
        """A request without an id, or for another moderation, is refused."""
        out = self.moderation(OLIVIA, "<moderate xmlns='%s'><retract xmlns='%s'/></moderate>"
                              % (NS_MODERATE, NS_RETRACT))
        self.assertEqual(["bad-request"], [errorCondition(s) for s in out])
        out = self.moderation(OLIVIA, "<moderate xmlns='%s' id='%s'><edit/></moderate>"
                              % (NS_MODERATE, self.ids[0]))
        self.assertEqual(["feature-not-implemented"], [errorCondition(s) for s in out])

    def test_features(self):
        """Rooms advertise retraction and moderation, old and new; the archive only if kept."""
        answer = self.ask("<iq type='get' id='d' from='%s' to='%s'><query xmlns='%s'/></iq>"
                          % (GUS, ROOM, NS_INFO))
        features = {f["var"] for f in child(answer, NS_INFO, "query").elements(NS_INFO,
                                                                               "feature")}
        for feature in (NS_MODERATE, NS_MODERATE_0, NS_RETRACT, NS_RETRACT_0, NS_MAM,
                        NS_MAM + "#extended", NS_RETRACT + "#tombstone"):
            self.assertIn(feature, features)
        self.configure(enablearchiving=0)
        answer = self.ask("<iq type='get' id='d' from='%s' to='%s'><query xmlns='%s'/></iq>"
                          % (GUS, ROOM, NS_INFO))
        features = {f["var"] for f in child(answer, NS_INFO, "query").elements(NS_INFO,
                                                                               "feature")}
        self.assertNotIn(NS_MAM, features)
        self.assertIn(NS_MODERATE, features)


class OwnRetractionTests(ModerationTestCase):
    def retract(self, sender, inner):
        out = self.service.send("<message from='%s' to='%s' type='groupchat' id='r1'>%s"
                                "<body>retracted</body><store xmlns='urn:xmpp:hints'/></message>"
                                % (sender, ROOM, inner))
        return out

    def test_ownMessage(self):
        """
        An occupant's retraction of its own message is reflected, and the
        archive keeps the message as a tombstone, followed by the retraction.
        """
        out = self.retract(MIA, "<retract xmlns='%s' id='%s'/>" % (NS_RETRACT, self.ids[0]))
        self.assertEqual({OLIVIA, MIA, GUS}, {s["to"] for s in out})
        self.assertEqual(self.ids[0], child(out[0], NS_RETRACT, "retract")["id"])
        archived = self.archived()
        retracted = child(archived[0], NS_RETRACT, "retracted")
        self.assertEqual(ROOM + "/mia", retracted["by"])
        self.assertIsNone(child(retracted, NS_MODERATE, "moderated"))
        self.assertIsNotNone(child(archived[0], NS_RETRACT_0, "retracted"))
        self.assertIsNone(child(archived[0], archived[0].uri, "body"))
        self.assertEqual("retracted", text(archived[-1], "body"))

    def test_ownMessageLegacy(self):
        """The older form, wrapped in apply-to, does the same."""
        self.retract(MIA, "<apply-to xmlns='%s' id='%s'><retract xmlns='%s'/></apply-to>"
                     % (NS_FASTEN, self.ids[1], NS_RETRACT_0))
        self.assertIsNotNone(child(self.archived()[1], NS_RETRACT, "retracted"))

    def test_someoneElses(self):
        """Retracting someone else's message is refused and not reflected."""
        out = self.retract(GUS, "<retract xmlns='%s' id='%s'/>" % (NS_RETRACT, self.ids[0]))
        self.assertEqual([(GUS, "forbidden")], [(s["to"], errorCondition(s)) for s in out])
        self.assertEqual("m0", text(self.archived()[0], "body"))
        self.assertEqual(3, len(self.archived()))

    def test_bare(self):
        """A retraction with neither body nor store hint is archived too."""
        self.service.send("<message from='%s' to='%s' type='groupchat'><retract xmlns='%s' "
                          "id='%s'/></message>" % (MIA, ROOM, NS_RETRACT, self.ids[2]))
        archived = self.archived()
        self.assertIsNotNone(child(archived[2], NS_RETRACT, "retracted"))
        self.assertEqual(self.ids[2], child(archived[3], NS_RETRACT, "retract")["id"])

    def test_unknown(self):
        """A retraction of a message the room does not keep goes on unchanged."""
        out = self.retract(MIA, "<retract xmlns='%s' id='elsewhere'/>" % (NS_RETRACT,))
        self.assertEqual(3, len(out))
        self.assertEqual(4, len(self.archived()))


class ReferencesTests(ModerationTestCase):
    def test_passUnchanged(self):
        """
        Corrections (XEP-0308), reactions (XEP-0444) and replies (XEP-0461)
        pass unchanged and are archived as they were sent.
        """
        payloads = (
            "<body>m0!</body><replace xmlns='urn:xmpp:message-correct:0' id='m0'/>",
            "<reactions xmlns='urn:xmpp:reactions:0' id='%s'><reaction>\U0001f44d</reaction>"
            "</reactions><store xmlns='urn:xmpp:hints'/>" % (self.ids[0],),
            "<body>yes</body><reply xmlns='urn:xmpp:reply:0' to='%s/mia' id='%s'/>"
            % (ROOM, self.ids[0]))
        for payload in payloads:
            self.assertEqual(payload, payloadOf(self.say(GUS, payload)))
        self.assertEqual(list(payloads), [payloadOf(m) for m in self.archived()[3:]])
        self.assertEqual("m0", text(self.archived()[0], "body"))
