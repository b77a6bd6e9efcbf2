"""
Groupchat, subject, private messages, invitations and voice requests
(XEP-0045 sections 7.4 to 7.8 and 8.6), through the fake component stream.
"""

import string
from datetime import datetime, timedelta, timezone

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from mucservice.records import HistoryEntry
from mucservice.room.history import selectHistory
from mucservice.xmpp.link import STREAM_LANG
from mucservice.xmpp.namespaces import NS_XML
from tests.fakeservice import NS_MUC_USER, FakeService, errorCondition, errorText, item

ROOM = "room@muc.example.org"
ALICE = "alice@example.org/phone"
BOB = "bob@example.org/laptop"
CAROL = "carol@remote.test/x"


def groupchat(sender, body, extra="", id="m1"):
    return ("<message from='%s' to='%s' type='groupchat' id='%s'><body>%s</body>%s</message>"
            % (sender, ROOM, id, body, extra))


class RoomMessageTests(SynchronousTestCase):
    def setUp(self):
        self.service = FakeService()
        self.room = self.service.makeRoom(ROOM, "alice@example.org")
        self.service.join(ALICE, ROOM + "/alice")
        self.service.join(BOB, ROOM + "/bob")

    def test_reflected(self):
        """Groupchat is reflected to every occupant and the sender, with stanza and occupant ids."""
        out = self.service.send(groupchat(BOB, "hello"))
        self.assertEqual({ALICE, BOB}, {s["to"] for s in out})
        ids = set()
        for stanza in out:
            self.assertEqual((ROOM + "/bob", "groupchat", "m1"),
                             (stanza["from"], stanza["type"], stanza["id"]))
            self.assertEqual("hello", str(stanza.body))
            sid = next(stanza.elements("urn:xmpp:sid:0", "stanza-id"))
            self.assertEqual(ROOM, sid["by"])
            ids.add(sid["id"])
            oid = next(stanza.elements("urn:xmpp:occupant-id:0", "occupant-id"))
            self.assertEqual(self.room.occupantID(self.room.occupants["bob"].userJID), oid["id"])
        self.assertEqual(1, len(ids))

    def test_stanzaIDsShort(self):
        """
        Each message gets its own stanza id of 128 random bits in 22
        characters of base64url, which need no escaping.
        """
        ids = set()
        for n in range(20):
            out = self.service.send(groupchat(BOB, "hello %d" % (n,), id="m%d" % (n,)))
            ids.add(next(out[0].elements("urn:xmpp:sid:0", "stanza-id"))["id"])
        self.assertEqual(20, len(ids))
        for stanzaID in ids:
            self.assertEqual(22, len(stanzaID))
            self.assertEqual("", stanzaID.strip(string.ascii_letters + string.digits + "-_"))

    def test_language(self):
        """The message's xml:lang is kept on the reflection and in history, well-formed."""
        out = self.service.send(groupchat(BOB, "hallo").replace(
            "type='groupchat'", "type='groupchat' xml:lang='de'"))
        for stanza in out:
            self.assertEqual("de", stanza[(NS_XML, "lang")])
            self.assertEqual("hallo", str(stanza.body))
        self.assertEqual("de", self.room.history[-1].lang)

    def test_streamLanguageLeftOut(self):
        """
        An xml:lang that is the component stream's own (STREAM_LANG, 'en')
        is left out of every reflected copy, which inherits it from the
        stream (RFC 6120 section 4.7.4); the history keeps it as sent.
        """
        out = self.service.send(groupchat(BOB, "hello").replace(
            "type='groupchat'", "type='groupchat' xml:lang='%s'" % (STREAM_LANG,)))
        self.assertEqual({ALICE, BOB}, {s["to"] for s in out})
        for stanza in out:
            self.assertFalse(stanza.hasAttribute((NS_XML, "lang")), stanza.toXml())
            self.assertNotIn("xml:lang", stanza.toXml())
            self.assertEqual("hello", str(stanza.body))
        self.assertEqual(STREAM_LANG, self.room.history[-1].lang)

    def test_historyLanguage(self):
        """
        The history a newcomer gets leaves out an xml:lang that is the
        stream's and keeps any other.
        """
        for lang, body in ((STREAM_LANG, "hello"), ("de", "hallo"), (None, "hi")):
            attribute = " xml:lang='%s'" % (lang,) if lang else ""
            self.service.send(groupchat(BOB, body, id=body).replace(
                "type='groupchat'", "type='groupchat'" + attribute))
        out = self.service.send("<presence from='%s' to='%s/carol'><x xmlns='http://jabber.org"
                                "/protocol/muc'/></presence>" % (CAROL, ROOM))
        replayed = [s for s in out if s.name == "message" and s.body]
        self.assertEqual([("hello", None), ("hallo", "de"), ("hi", None)],
                         [(str(s.body), s.getAttribute((NS_XML, "lang"))) for s in replayed])
        self.assertEqual([STREAM_LANG, "de", None], [e.lang for e in self.room.history])

    def test_spoofedIDsStripped(self):
        """A client's own stanza-id by the room and occupant-id are replaced."""
        out = self.service.send(groupchat(
            BOB, "x", "<stanza-id xmlns='urn:xmpp:sid:0' id='fake' by='%s'/>"
            "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='fake'/>" % ROOM))
        for stanza in out:
            sids = list(stanza.elements("urn:xmpp:sid:0", "stanza-id"))
            self.assertEqual(1, len(sids))
            self.assertNotEqual("fake", sids[0]["id"])
            oids = list(stanza.elements("urn:xmpp:occupant-id:0", "occupant-id"))
            self.assertEqual(1, len(oids))
            self.assertNotEqual("fake", oids[0]["id"])

    def test_occupantIDStable(self):
        """
        The occupant id on a user's messages is the same from every one of
        its sessions, and differs between users.
        """
        self.service.join("bob@example.org/phone", ROOM + "/bob")

        def idOn(sender):
            copy = self.service.send(groupchat(sender, "hi"))[0]
            return next(copy.elements("urn:xmpp:occupant-id:0", "occupant-id"))["id"]

        fromLaptop, fromPhone = idOn(BOB), idOn("bob@example.org/phone")
        self.assertEqual(fromLaptop, fromPhone)
        self.assertNotEqual(idOn(ALICE), fromLaptop)
        self.assertEqual(self.room.occupantID(JID("bob@example.org")), fromLaptop)

    def test_history(self):
        """Messages with a body go to history; chat states and no-store ones do not."""
        self.service.send(groupchat(BOB, "kept"))
        self.service.send("<message from='%s' to='%s' type='groupchat'><active xmlns="
                          "'http://jabber.org/protocol/chatstates'/></message>" % (BOB, ROOM))
        self.service.send(groupchat(BOB, "secret", "<no-store xmlns='urn:xmpp:hints'/>"))
        self.assertEqual(1, len(self.room.history))
        self.assertIn("kept", self.room.history[0].payload)

    def test_historyLimits(self):
        """maxstanzas, maxchars and seconds limit the history a newcomer gets."""
        for n in range(5):
            self.service.send(groupchat(BOB, "m%d" % n, id="i%d" % n))
            self.service.reactor.advance(10)

        def bodies(history):
            out = self.service.send("<presence from='%s' to='%s/carol'><x xmlns='http://jabber"
                                    ".org/protocol/muc'>%s</x></presence>"
                                    % (CAROL, ROOM, history))
            self.service.send("<presence from='%s' to='%s/carol' type='unavailable'/>"
                              % (CAROL, ROOM))
            return [str(s.body) for s in out if s.name == "message" and s.body]

        self.assertEqual(["m3", "m4"], bodies("<history maxstanzas='2'/>"))
        self.assertEqual([], bodies("<history maxchars='0'/>"))
        self.assertEqual(["m3", "m4"], bodies("<history seconds='25'/>"))
        self.assertEqual(["m0", "m1", "m2", "m3", "m4"], bodies(""))

    def test_notOccupant(self):
        """Non-occupants get not-acceptable; unknown rooms item-not-found."""
        (error,) = self.service.send(groupchat(CAROL, "hi"))
        self.assertEqual("not-acceptable", errorCondition(error))
        (error,) = self.service.send(groupchat(CAROL, "hi").replace(ROOM, "nope@muc.example.org"))
        self.assertEqual("item-not-found", errorCondition(error))

    def test_visitor(self):
        """
        Visitors may not speak. The error's text says the room is moderated
        only when it is (in an unmoderated room a visitor is an occupant
        whose voice was taken away).
        """
        self.room.occupants["bob"].role = "visitor"
        (error,) = self.service.send(groupchat(BOB, "hi"))
        self.assertEqual(("forbidden", BOB), (errorCondition(error), error["to"]))
        self.assertFalse(self.room.config.moderated)
        self.assertEqual("you have no voice in this room", errorText(error))
        self.room.config = self.room.config.replace(moderated=True)
        (error,) = self.service.send(groupchat(BOB, "hi"))
        self.assertEqual("this room is moderated: only occupants with voice may speak",
                         errorText(error))

    def test_subject(self):
        """Moderators change the subject; participants only if the room allows it."""
        (error,) = self.service.send("<message from='%s' to='%s' type='groupchat'>"
                                     "<subject>mine</subject></message>" % (BOB, ROOM))
        self.assertEqual("forbidden", errorCondition(error))
        out = self.service.send("<message from='%s' to='%s' type='groupchat'>"
                                "<subject>Plans</subject></message>" % (ALICE, ROOM))
        self.assertEqual({ALICE, BOB}, {s["to"] for s in out})
        self.assertEqual(("Plans", "alice"), (self.room.subject, self.room.subjectNick))
        self.room.config = self.room.config.replace(changeSubject=True)
        self.service.send("<message from='%s' to='%s' type='groupchat'>"
                          "<subject>Mine</subject></message>" % (BOB, ROOM))
        self.assertEqual("Mine", self.room.subject)

    def test_privateMessage(self):
        """
        A private message reaches the occupant from the sender's room JID,
        with the sender's occupant id (XEP-0421 section 5: every message a
        MUC sends), the one a client put there replaced.
        """
        out = self.service.send("<message from='%s' to='%s/alice' type='chat'><body>psst</body>"
                                "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='fake'/>"
                                "</message>" % (BOB, ROOM))
        (pm,) = out
        self.assertEqual((ALICE, ROOM + "/bob", "chat"), (pm["to"], pm["from"], pm["type"]))
        self.assertEqual(1, len(list(pm.elements(NS_MUC_USER, "x"))))
        self.assertEqual([self.room.occupantID(self.room.occupants["bob"].userJID)],
                         [o["id"] for o in pm.elements("urn:xmpp:occupant-id:0", "occupant-id")])

    def test_privateMessageLanguage(self):
        """
        A private message keeps its xml:lang, unless it is the component
        stream's (STREAM_LANG), which the copy inherits from the stream.
        """
        for lang, expected in (("de", "de"), (STREAM_LANG, None), (None, None)):
            attribute = " xml:lang='%s'" % (lang,) if lang else ""
            (pm,) = self.service.send("<message from='%s' to='%s/alice' type='chat'%s><body>psst"
                                      "</body></message>" % (BOB, ROOM, attribute))
            self.assertEqual(expected, pm.getAttribute((NS_XML, "lang")), pm.toXml())
            self.assertEqual(expected is not None, "xml:lang" in pm.toXml())

    def test_privateMessageRefused(self):
        """allowpm none refuses; an unknown nick is item-not-found; non-occupants not-acceptable."""
        (error,) = self.service.send("<message from='%s' to='%s/nobody' type='chat'><body>x"
                                     "</body></message>" % (BOB, ROOM))
        self.assertEqual("item-not-found", errorCondition(error))
        (error,) = self.service.send("<message from='%s' to='%s/alice' type='chat'><body>x"
                                     "</body></message>" % (CAROL, ROOM))
        self.assertEqual("not-acceptable", errorCondition(error))
        self.room.config = self.room.config.replace(allowPM="none")
        (error,) = self.service.send("<message from='%s' to='%s/alice' type='chat'><body>x"
                                     "</body></message>" % (BOB, ROOM))
        self.assertEqual("forbidden", errorCondition(error))

    def test_invite(self):
        """
        A mediated invitation goes from the room to the invitee, naming the
        inviter (by its occupant JID in this semi-anonymous room: see
        tests/test_invitations.py for the rest).
        """
        (invite,) = self.service.send(
            "<message from='%s' to='%s'><x xmlns='%s'><invite to='carol@remote.test'>"
            "<reason>join us</reason></invite></x></message>" % (BOB, ROOM, NS_MUC_USER))
        self.assertEqual(("carol@remote.test", ROOM), (invite["to"], invite["from"]))
        inner = next(next(invite.elements(NS_MUC_USER, "x")).elements(NS_MUC_USER, "invite"))
        self.assertEqual(ROOM + "/bob", inner["from"])
        self.assertEqual("join us", str(inner.reason))

    def test_subjectKeepsPayload(self):
        """
        A subject change is reflected with the sender's id and its other
        children; a newcomer gets the subject alone.
        """
        out = self.service.send(
            "<message from='%s' to='%s' type='groupchat' id='s1'><subject>Plans</subject>"
            "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/><store xmlns='urn:xmpp:hints'/>"
            "</message>" % (ALICE, ROOM))
        self.assertEqual({ALICE, BOB}, {s["to"] for s in out})
        for stanza in out:
            self.assertEqual(("s1", "Plans"), (stanza["id"], str(stanza.subject)))
            self.assertEqual(["subject", "origin-id", "store"],
                             [child.name for child in stanza.elements()])
        self.assertEqual("Plans", self.room.subject)
        (subject,) = [s for s in self.service.join(CAROL, ROOM + "/carol")
                      if s.name == "message" and s["to"] == CAROL]
        self.assertEqual(["subject"], [child.name for child in subject.elements()])

    def test_subjectWithThread(self):
        """
        A subject with a thread is a message, not a subject change (XEP-0045
        section 8.1): reflected whole, from a participant who may not change
        the subject, and the subject stays.
        """
        out = self.service.send(
            "<message from='%s' to='%s' type='groupchat' id='t1'><subject>Topic</subject>"
            "<thread>th-1</thread></message>" % (BOB, ROOM))
        self.assertEqual({ALICE, BOB}, {s["to"] for s in out})
        for stanza in out:
            self.assertEqual(("t1", "Topic", "th-1"),
                             (stanza["id"], str(stanza.subject), str(stanza.thread)))
            self.assertEqual(ROOM + "/bob", stanza["from"])
            self.assertEqual(1, len(list(stanza.elements("urn:xmpp:sid:0", "stanza-id"))))
        self.assertEqual("", self.room.subject)

    def test_inviteMembersOnly(self):
        """In members-only rooms only admins invite, unless allowinvites, which adds a member."""
        self.room.affiliations[JID("bob@example.org")] = \
            type(self.room.affiliations[JID("alice@example.org")])("member")
        self.room.config = self.room.config.replace(membersOnly=True)
        invite = ("<message from='%s' to='%s'><x xmlns='%s'><invite to='carol@remote.test'/>"
                  "</x></message>" % (BOB, ROOM, NS_MUC_USER))
        (error,) = self.service.send(invite)
        self.assertEqual("forbidden", errorCondition(error))
        self.room.config = self.room.config.replace(allowInvites=True)
        self.service.send(invite)
        self.assertEqual("member", self.room.affiliationOf(JID("carol@remote.test")))

    def test_decline(self):
        """A decline of an invitation is passed on to the inviter from the room."""
        self.service.send("<message from='%s' to='%s'><x xmlns='%s'><invite to='%s'/></x>"
                          "</message>" % (BOB, ROOM, NS_MUC_USER, CAROL))
        (decline,) = self.service.send(
            "<message from='%s' to='%s'><x xmlns='%s'><decline to='%s'><reason>busy</reason>"
            "</decline></x></message>" % (CAROL, ROOM, NS_MUC_USER, BOB))
        self.assertEqual((BOB, ROOM), (decline["to"], decline["from"]))

    def test_voiceRequest(self):
        """A visitor's voice request goes to moderators; their approval grants voice."""
        self.room.config = self.room.config.replace(moderated=True)
        self.room.occupants["bob"].role = "visitor"
        request = ("<message from='%s' to='%s'><x xmlns='jabber:x:data' type='submit'>"
                   "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value>"
                   "</field><field var='muc#role'><value>participant</value></field></x>"
                   "</message>" % (BOB, ROOM))
        (forwarded,) = self.service.send(request)
        self.assertEqual(ALICE, forwarded["to"])
        approval = ("<message from='%s' to='%s'><x xmlns='jabber:x:data' type='submit'>"
                    "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value>"
                    "</field><field var='muc#role'><value>participant</value></field>"
                    "<field var='muc#roomnick'><value>bob</value></field>"
                    "<field var='muc#request_allow'><value>true</value></field></x></message>"
                    % (ALICE, ROOM))
        out = self.service.send(approval)
        self.assertEqual("participant", self.room.occupants["bob"].role)
        self.assertEqual({"participant"}, {item(s)["role"] for s in out})


class HistorySenderTests(SynchronousTestCase):
    """
    The discussion history a newcomer gets names each sender's real JID
    (C{<x xmlns='...muc#user'><item jid=.../></x>}) when the newcomer may
    see real JIDs in the room: clients that decrypt OMEMO history need it.
    """

    def setUp(self):
        self.service = FakeService()

    def replayed(self, whois, newcomer, nick):
        """
        Make a room with C{whois}, let bob speak in it (with a muc#user item
        of his own making), and let C{newcomer} join as C{nick}.

        @return: the history messages C{newcomer} got, each with the
            muc#user items it carries.
        """
        self.service.makeRoom(ROOM, "alice@example.org", whois=whois)
        self.service.join(BOB, ROOM + "/bob")
        self.service.send(groupchat(BOB, "hello", "<x xmlns='%s'><item jid='forged@example.org'"
                                    "/></x>" % (NS_MUC_USER,)))
        out = self.service.join(newcomer, ROOM + "/" + nick)
        return [(str(s.body), [item["jid"] for x in s.elements(NS_MUC_USER, "x")
                               for item in x.elements(NS_MUC_USER, "item")])
                for s in out if s.name == "message" and s.body]

    def test_nonAnonymous(self):
        """In a non-anonymous room every newcomer learns who said what."""
        self.assertEqual([("hello", [BOB])], self.replayed("anyone", CAROL, "carol"))

    def test_semiAnonymousParticipant(self):
        """In a semi-anonymous room a participant learns no real JID from history."""
        self.assertEqual([("hello", [])], self.replayed("moderators", CAROL, "carol"))

    def test_semiAnonymousModerator(self):
        """In a semi-anonymous room a moderator (here the owner) does."""
        self.assertEqual([("hello", [BOB])], self.replayed("moderators", ALICE, "alice"))


class HistorySelectionTests(SynchronousTestCase):
    def test_since(self):
        """since keeps only messages after that moment, and combines with the other limits."""
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        entries = [HistoryEntry(start + timedelta(minutes=n), "n", None, "<body>%d</body>"
                                % n) for n in range(5)]
        since = start + timedelta(minutes=2)
        self.assertEqual(entries[3:], selectHistory(entries, since=since))
        self.assertEqual(entries[4:], selectHistory(entries, since=since, maxStanzas=1))
        self.assertEqual(entries[4:], selectHistory(entries, since=start, seconds=30,
                                                    now=start + timedelta(minutes=4, seconds=10)))
