"""
The archive of rooms (XEP-0313) through the fake component stream: what a
query finds, how it is paged, who may read it and what they see of the
senders, the query form and metadata, and the bounds every answer keeps.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID
from wokkel.generic import parseXml

from mucservice.records import ArchivePage
from mucservice.xmpp import margins
from mucservice.xmpp.link import STREAM_LANG
from mucservice.xmpp.mam import fin
from mucservice.xmpp.namespaces import NS_XML
from mucservice.xmpp.sizes import LIMIT
from tests.fakeservice import NS_MUC, ServiceTestCase, errorCondition

ROOM = "room@muc.example.org"
OLIVIA = "olivia@example.org/desk"
MIA = "mia@example.org/desk"
GUS = "gus@example.org/desk"
OTTO = "otto@example.org/desk"

NS_MAM = "urn:xmpp:mam:2"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_FORWARD = "urn:xmpp:forward:0"
NS_DELAY = "urn:xmpp:delay"
NS_CLIENT = "jabber:client"
NS_SID = "urn:xmpp:sid:0"
NS_DATA = "jabber:x:data"
NS_MUC_USER = NS_MUC + "#user"
NS_OWNER = NS_MUC + "#owner"
NS_ROOMCONFIG = NS_MUC + "#roomconfig"


def child(element, uri, name):
    return next((c for c in element.elements() if (c.uri, c.name) == (uri, name)), None)


def forwarded(result):
    """
    @return: the message inside a result message.
    """
    return child(child(child(result, NS_MAM, "result"), NS_FORWARD, "forwarded"),
                 NS_CLIENT, "message")


def text(element, name):
    found = child(element, element.uri, name) if element is not None else None
    return str(found) if found is not None else None


def form(**fields):
    """
    @param fields: var (underscores for dashes) to a value or list of values.
    @return: a submitted C{urn:xmpp:mam:2} form, as text.
    """
    parts = ["<field var='FORM_TYPE' type='hidden'><value>%s</value></field>" % NS_MAM]
    for var, values in fields.items():
        values = values if isinstance(values, list) else [values]
        parts.append("<field var='%s'>%s</field>" % (
            var.replace("_", "-"), "".join("<value>%s</value>" % v for v in values)))
    return "<x xmlns='%s' type='submit'>%s</x>" % (NS_DATA, "".join(parts))


def rsm(**items):
    return "<set xmlns='%s'>%s</set>" % (NS_RSM, "".join(
        "<%s>%s</%s>" % (name, value, name) for name, value in items.items()))


class ArchiveTestCase(ServiceTestCase):
    """
    A room made through the protocol by olivia (its owner), with mia and
    gus in it, configured as each test asks.
    """

    serviceArgs = ("--message-rate", "100000/1")

    def makeRoom(self, **fields):
        self.service.join(OLIVIA, ROOM + "/olivia")
        self.configure(**fields)
        for realJID in (MIA, GUS):
            self.service.join(realJID, ROOM + "/" + realJID.split("@")[0])
        return self.service.rooms.getRoom(JID(ROOM))

    def configure(self, **fields):
        values = "".join("<field var='muc#roomconfig_%s'><value>%s</value></field>" % item
                         for item in fields.items())
        out = self.service.send("<iq type='set' id='c1' from='%s' to='%s'><query xmlns='%s'>"
                                "<x xmlns='%s' type='submit'><field var='FORM_TYPE'><value>%s"
                                "</value></field>%s</x></query></iq>"
                                % (OLIVIA, ROOM, NS_OWNER, NS_DATA, NS_ROOMCONFIG, values))
        self.assertEqual(("iq", "result"), (out[-1].name, out[-1]["type"]), out[-1].toXml())

    def say(self, sender, inner, id=None):
        """
        Send a groupchat message; return the copy it reflected to its sender.
        """
        attrs = " id='%s'" % (id,) if id else ""
        out = self.service.send("<message from='%s' to='%s' type='groupchat'%s>%s</message>"
                                % (sender, ROOM, attrs, inner))
        return next(s for s in out if s.getAttribute("to") == sender)

    def talk(self, count, sender=MIA):
        """
        @return: the stanza ids of C{count} messages C{sender} says.
        """
        return [child(self.say(sender, "<body>m%d</body>" % n), NS_SID, "stanza-id")["id"]
                for n in range(count)]

    def query(self, sender, inner="", queryID="q", kind="set", to=ROOM):
        """
        Query the archive.

        @return: the result messages and the IQ answer.
        """
        attrs = " queryid='%s'" % (queryID,) if queryID else ""
        out = self.service.send("<iq type='%s' id='mam1' from='%s' to='%s'><query xmlns='%s'%s>"
                                "%s</query></iq>" % (kind, sender, to, NS_MAM, attrs, inner))
        self.assertEqual("iq", out[-1].name, [s.toXml() for s in out])
        return out[:-1], out[-1]

    def found(self, sender, inner=""):
        """
        @return: the stanza ids of the messages a query finds, and its
            C{<fin/>}.
        """
        results, answer = self.query(sender, inner)
        self.assertEqual("result", answer["type"], answer.toXml())
        return ([child(r, NS_MAM, "result")["id"] for r in results],
                child(answer, NS_MAM, "fin"))

    def assertRefused(self, condition, sender, inner="", **kwargs):
        results, answer = self.query(sender, inner, **kwargs)
        self.assertEqual([], results)
        self.assertEqual(condition, errorCondition(answer), answer.toXml())


class QueryTests(ArchiveTestCase):
    def setUp(self):
        ArchiveTestCase.setUp(self)
        self.makeRoom()
        self.ids = self.talk(5)

    def test_results(self):
        """
        Every message found is a message from the room to the asker, with
        the queryid and the stanza id seen live, the message as reflected
        in a forwarded with the delay; the IQ's result follows with the fin.
        """
        results, answer = self.query(GUS)
        self.assertEqual(5, len(results))
        first = results[0]
        self.assertEqual((ROOM, GUS), (first["from"], first["to"]))
        result = child(first, NS_MAM, "result")
        self.assertEqual(("q", self.ids[0]), (result["queryid"], result["id"]))
        fwd = child(result, NS_FORWARD, "forwarded")
        self.assertIsNotNone(child(fwd, NS_DELAY, "delay"))
        message = forwarded(first)
        self.assertEqual((ROOM + "/mia", "groupchat", None),
                         (message["from"], message["type"], message.getAttribute("to")))
        self.assertEqual("m0", text(message, "body"))
        self.assertEqual(self.ids[0], child(message, NS_SID, "stanza-id")["id"])
        self.assertEqual(("mam1", "result"), (answer["id"], answer["type"]))
        fin = child(answer, NS_MAM, "fin")
        self.assertEqual("true", fin["complete"])
        found = child(fin, NS_RSM, "set")
        self.assertEqual((self.ids[0], "0", self.ids[-1], "5"),
                         (text(found, "first"), child(found, NS_RSM, "first")["index"],
                          text(found, "last"), text(found, "count")))

    def test_language(self):
        """
        A message found keeps its xml:lang unless it is the component
        stream's (STREAM_LANG), which the message inherits from the result
        it travels in, as that does from the stream; the history keeps it.
        """
        for lang in (STREAM_LANG, "de"):
            self.service.send("<message from='%s' to='%s' type='groupchat' xml:lang='%s'>"
                              "<body>in %s</body></message>" % (MIA, ROOM, lang, lang))
        results, answer = self.query(GUS)
        found = [forwarded(r) for r in results[-2:]]
        self.assertEqual([("in en", None), ("in de", "de")],
                         [(text(m, "body"), m.getAttribute((NS_XML, "lang"))) for m in found])
        for result in results[-2:]:
            self.assertIsNone(result.getAttribute((NS_XML, "lang")))
        room = self.service.rooms.getRoom(JID(ROOM))
        self.assertEqual([STREAM_LANG, "de"], [e.lang for e in list(room.history)[-2:]])

    def test_pages(self):
        """
        max bounds a page, after names where the next starts, an empty
        before asks for the last page; only the last page is complete.
        """
        ids, fin = self.found(GUS, rsm(max=2))
        self.assertEqual((self.ids[:2], None), (ids, fin.getAttribute("complete")))
        ids, fin = self.found(GUS, rsm(max=2, after=self.ids[1]))
        self.assertEqual(self.ids[2:4], ids)
        ids, fin = self.found(GUS, rsm(max=2, after=self.ids[3]))
        self.assertEqual((self.ids[4:], "true"), (ids, fin["complete"]))
        ids, fin = self.found(GUS, "<set xmlns='%s'><max>2</max><before/></set>" % NS_RSM)
        self.assertEqual(self.ids[3:], ids)
        ids, fin = self.found(GUS, rsm(max=2, before=self.ids[2]))
        self.assertEqual((self.ids[:2], "true"), (ids, fin["complete"]))
        ids, fin = self.found(GUS, rsm(max=0))
        self.assertEqual(([], "5"), (ids, text(child(fin, NS_RSM, "set"), "count")))

    def test_flipPage(self):
        """A flipped page sends the same messages, newest first."""
        results, _ = self.query(GUS, rsm(max=3) + "<flip-page/>")
        self.assertEqual(list(reversed(self.ids[:3])),
                         [child(r, NS_MAM, "result")["id"] for r in results])

    def test_byIDs(self):
        """after-id and before-id bound the messages found; ids picks some."""
        ids, fin = self.found(GUS, form(after_id=self.ids[0], before_id=self.ids[3]))
        self.assertEqual(self.ids[1:3], ids)
        ids, _ = self.found(GUS, form(ids=[self.ids[4], self.ids[1]]))
        self.assertEqual([self.ids[1], self.ids[4]], ids)

    def test_unknownIDs(self):
        """An id the archive does not hold, wherever the query names it, is item-not-found."""
        for inner in (form(after_id="x"), form(before_id="x"), form(ids=[self.ids[0], "x"]),
                      rsm(after="x"), rsm(before="x")):
            self.assertRefused("item-not-found", GUS, inner)

    def test_byTime(self):
        """start and end keep the messages received between them."""
        self.service.reactor.advance(3600)
        later = self.talk(2)
        ids, _ = self.found(GUS, form(start="2027-01-15T07:59:00Z"))
        self.assertEqual(self.ids + later, ids)
        ids, _ = self.found(GUS, form(start="2027-01-15T08:30:00Z"))
        self.assertEqual(later, ids)
        ids, _ = self.found(GUS, form(end="2027-01-15T09:00:00+01:00"))
        self.assertEqual(self.ids, ids)
        self.assertRefused("bad-request", GUS, form(start="yesterday"))

    def test_withOccupant(self):
        """with an occupant JID of the room keeps what was sent under that nick."""
        (gus,) = self.talk(1, sender=GUS)
        ids, _ = self.found(GUS, form(**{"with": ROOM + "/gus"}))
        self.assertEqual([gus], ids)

    def test_unknownField(self):
        """A field the archive does not know is feature-not-implemented."""
        self.assertRefused("feature-not-implemented", GUS,
                           form(**{"{urn:example}free-text-search": "x"}))

    def test_queryIDBound(self):
        """A queryid longer than every result may carry is refused."""
        self.assertRefused("policy-violation", GUS,
                           queryID="q" * (margins.QUERY_ID_BUDGET + 1))

    def test_form(self):
        """The query form names the fields of urn:xmpp:mam:2 and #extended."""
        results, answer = self.query(GUS, queryID=None, kind="get")
        x = child(child(answer, NS_MAM, "query"), NS_DATA, "x")
        self.assertEqual(["FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"],
                         [f["var"] for f in x.elements(NS_DATA, "field")])

    def test_metadata(self):
        """The metadata names the first and last messages of the archive."""
        answer = self.ask("<iq type='get' id='m' from='%s' to='%s'><metadata xmlns='%s'/></iq>"
                          % (GUS, ROOM, NS_MAM))
        metadata = child(answer, NS_MAM, "metadata")
        self.assertEqual((self.ids[0], self.ids[-1]),
                         (child(metadata, NS_MAM, "start")["id"],
                          child(metadata, NS_MAM, "end")["id"]))


class FinTests(SynchronousTestCase):
    def test_noCount(self):
        """A page the store did not count says so by leaving the count out."""
        element = parseXml(fin(ArchivePage([], True, None)))
        self.assertEqual(("true", []), (element["complete"], list(
            child(element, NS_RSM, "set").elements())))


class AccessTests(ArchiveTestCase):
    """
    Who may read the archive, and what of the senders they see.
    """

    def test_openRoom(self):
        """Occupants and members of an open room read it; others and outcasts do not."""
        room = self.makeRoom()
        self.talk(1)
        self.assertEqual(1, len(self.found(GUS)[0]))
        self.assertRefused("forbidden", OTTO)
        room.setAffiliationEntry(JID("otto@example.org"), "member")
        self.assertEqual(1, len(self.found(OTTO)[0]))
        room.setAffiliationEntry(JID("otto@example.org"), "outcast")
        self.assertRefused("forbidden", OTTO)

    def test_membersOnly(self):
        """A members-only room's archive is for its members, joined or not."""
        room = self.makeRoom(membersonly=1)
        room.setAffiliationEntry(JID("otto@example.org"), "member")
        self.assertEqual("result", self.query(OTTO)[1]["type"])
        self.assertRefused("forbidden", "stranger@example.org/x")

    def test_noArchive(self):
        """A room that keeps no archive says so."""
        self.makeRoom(enablearchiving=0)
        self.assertRefused("feature-not-implemented", GUS)

    def test_noRoom(self):
        """The archive of no room is item-not-found."""
        self.assertRefused("item-not-found", GUS, to="none@muc.example.org")

    def test_sendersHidden(self):
        """
        In a semi-anonymous room, only moderators, owners and admins learn
        the senders' real JIDs, and only they may filter by them.
        """
        self.makeRoom()
        self.talk(1)
        results, _ = self.query(GUS)
        self.assertIsNone(child(forwarded(results[0]), NS_MUC_USER, "x"))
        results, _ = self.query(OLIVIA)
        item = child(child(forwarded(results[0]), NS_MUC_USER, "x"), NS_MUC_USER, "item")
        self.assertEqual(MIA, item["jid"])
        self.assertRefused("forbidden", GUS, form(**{"with": "mia@example.org"}))
        ids, _ = self.found(OLIVIA, form(**{"with": "mia@example.org"}))
        self.assertEqual(1, len(ids))

    def test_sendersShown(self):
        """In a non-anonymous room, everyone who reads the archive sees the senders."""
        self.makeRoom(whois="anyone")
        self.talk(1)
        results, _ = self.query(GUS)
        item = child(child(forwarded(results[0]), NS_MUC_USER, "x"), NS_MUC_USER, "item")
        self.assertEqual(MIA, item["jid"])


class RateTests(ArchiveTestCase):
    serviceArgs = ("--message-rate", "3/10")

    def test_queriesCounted(self):
        """Queries count as messages of their user, in the room or not."""
        room = self.makeRoom()
        room.setAffiliationEntry(JID("otto@example.org"), "member")
        for _ in range(3):
            self.assertEqual("result", self.query(OTTO)[1]["type"])
        self.assertRefused("resource-constraint", OTTO)
        self.service.reactor.advance(10)
        self.assertEqual("result", self.query(OTTO)[1]["type"])


class PersistentArchiveTests(ArchiveTestCase):
    """
    A persistent room keeps every message in the room store; its history
    is the newest of them.
    """

    def test_archiveBeyondHistory(self):
        """The archive has every message; newcomers get the newest as history."""
        self.makeRoom(persistentroom=1, historylength=2)
        ids = self.talk(5)
        self.assertEqual(ids, self.found(GUS)[0])
        out = self.service.join(OTTO, ROOM + "/otto")
        history = [s for s in out if s.name == "message" and s.body is not None]
        self.assertEqual(["m3", "m4"], [str(s.body) for s in history])

    def test_pageCap(self):
        """A page holds 100 messages when the query names no max, 250 at most."""
        self.makeRoom(persistentroom=1)
        self.talk(300)
        ids, fin = self.found(GUS)
        self.assertEqual((100, None), (len(ids), fin.getAttribute("complete")))
        ids, fin = self.found(GUS, rsm(max=1000))
        self.assertEqual(250, len(ids))

    def test_resultsTakeTheOutbox(self):
        """
        A large page is written by the room's lane of the outbox in bounded
        batches, a turn of the reactor each, with the IQ's result last.
        """
        self.makeRoom(persistentroom=1)
        self.talk(200)
        outbox = self.service.component.outbox
        outbox.batchChars = 4096
        self.service.stream.receive("<iq type='set' id='big' from='%s' to='%s'><query xmlns='%s'"
                                    "/></iq>" % (GUS, ROOM, NS_MAM))
        first = self.service.stream.sent()
        self.assertLess(len(first), 100)
        self.assertNotIn("iq", [s.name for s in first])
        self.service.reactor.advance(0)
        outbox.flush()
        rest = self.service.stream.sent()
        self.assertEqual(100, len(first) + len(rest) - 1)
        self.assertEqual("iq", rest[-1].name)

    def test_largestMessage(self):
        """
        A message as large as the door lets in comes back from the archive
        to a moderator, real JID and all, under the stanza size limit.
        """
        self.makeRoom(persistentroom=1)
        payload = "<x xmlns='urn:example'>%s</x><store xmlns='urn:xmpp:hints'/>" % (
            "a" * (margins.allowance() - 100),)
        self.say(MIA, payload)
        dropped = LIMIT.dropped
        results, _ = self.query(OLIVIA, queryID="q" * margins.QUERY_ID_BUDGET)
        self.assertEqual(1, len(results))
        self.assertEqual(dropped, LIMIT.dropped)


class BadQueryTests(ArchiveTestCase):
    """
    Queries no archive can answer are refused, each with its condition.
    """

    def setUp(self):
        ArchiveTestCase.setUp(self)
        self.makeRoom()
        self.talk(1)

    def test_refused(self):
        """Bad numbers, dates, addresses and forms, and too many ids, are refused."""
        cases = (
            ("bad-request", rsm(max="-1")),
            ("bad-request", rsm(max="many")),
            ("bad-request", form(end="2027-13-45T00:00:00Z")),
            ("jid-malformed", form(**{"with": "a@b..c"})),
            ("bad-request", "<x xmlns='%s' type='submit'><field var='FORM_TYPE'><value>"
                            "urn:xmpp:mam:1</value></field></x>" % (NS_DATA,)),
            ("policy-violation", form(ids=["id%d" % n for n in range(251)])),
        )
        for condition, inner in cases:
            self.assertRefused(condition, GUS, inner)
