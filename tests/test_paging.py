"""
Answers that can grow are paged (XEP-0059) or capped, and never larger
than C{--max-stanza-size}: disco#items of the service and of a room, the
muc#admin lists, the hat list, the configuration form and disco#info.
"""

from twisted.words.protocols.jabber.jid import JID

from mucservice.room.config import RoomConfig
from mucservice.room.room import Room
from mucservice.xmpp import margins, sizes
from tests.fakeservice import ServiceTestCase

SERVICE = "muc.example.org"
ASKER = "asker@example.org/x"
NS_ITEMS = "http://jabber.org/protocol/disco#items"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_ADMIN = "http://jabber.org/protocol/muc#admin"
NS_OWNER = "http://jabber.org/protocol/muc#owner"
NS_COMMANDS = "http://jabber.org/protocol/commands"
NS_DATA = "jabber:x:data"


def rsmSet(**fields):
    """
    @return: a request's C{<set/>}: field name to its text.
    """
    return "<set xmlns='%s'>%s</set>" % (NS_RSM, "".join(
        "<%s>%s</%s>" % (name, text, name) for name, text in fields.items()))


class PageTestCase(ServiceTestCase):
    def setUp(self):
        ServiceTestCase.setUp(self)
        self.patch(sizes.LIMIT, "dropped", 0)

    def addRooms(self, count, name=""):
        """
        Add C{count} public rooms, named C{r00000}, C{r00001}... in order.
        """
        rooms = self.service.rooms.rooms
        for n in range(count):
            room = Room(JID("r%05d@%s" % (n, SERVICE)), RoomConfig(name=name))
            rooms[room.jid] = room

    def items(self, inner="", to=SERVICE):
        """
        @return: the item JIDs of a disco#items answer, and its C{<set/>}
            as a dict (C{None} if it has none): C{first}, C{index},
            C{last}, C{count}.
        """
        answer = self.ask("<iq type='get' id='i' from='%s' to='%s'><query xmlns='%s'>%s"
                          "</query></iq>" % (ASKER, to, NS_ITEMS, inner))
        self.assertEqual("result", answer["type"], answer.toXml())
        jids = [i["jid"] for i in answer.query.elements(NS_ITEMS, "item")]
        found = next(answer.query.elements(NS_RSM, "set"), None)
        if found is None:
            return jids, None
        result = {child.name: str(child) for child in found.elements()}
        if found.first is not None:
            result["index"] = found.first.getAttribute("index")
        return jids, result

    def jid(self, n):
        return "r%05d@%s" % (n, SERVICE)


class ServiceItemsTests(PageTestCase):
    def test_fewRoomsUnpaged(self):
        """A directory within one page is answered whole, without a <set/>, as before."""
        self.addRooms(3)
        self.assertEqual(([self.jid(n) for n in range(3)], None), self.items())

    def test_tenThousandRooms(self):
        """
        Without a <set/>, 10,000 public rooms give the first 100 and a
        <set/> that says how many there are and where the page ends.
        """
        self.addRooms(10_000)
        jids, found = self.items()
        self.assertEqual([self.jid(n) for n in range(100)], jids)
        self.assertEqual({"first": self.jid(0), "index": "0", "last": self.jid(99),
                          "count": "10000"}, found)
        self.assertEqual(0, sizes.LIMIT.dropped)

    def test_pageForwards(self):
        """<max/> and <after/> give the next page."""
        self.addRooms(30)
        jids, found = self.items(rsmSet(max="10", after=self.jid(9)))
        self.assertEqual([self.jid(n) for n in range(10, 20)], jids)
        self.assertEqual(("10", self.jid(19)), (found["index"], found["last"]))

    def test_pageBackwards(self):
        """<before/> gives the page before an item; an empty one the last page."""
        self.addRooms(30)
        jids, found = self.items(rsmSet(max="10", before=self.jid(15)))
        self.assertEqual([self.jid(n) for n in range(5, 15)], jids)
        self.assertEqual("5", found["index"])
        jids, found = self.items(rsmSet(max="10", before=""))
        self.assertEqual([self.jid(n) for n in range(20, 30)], jids)

    def test_index(self):
        """<index/> jumps to a position."""
        self.addRooms(30)
        jids, found = self.items(rsmSet(max="5", index="25"))
        self.assertEqual([self.jid(n) for n in range(25, 30)], jids)

    def test_countOnly(self):
        """<max>0</max> gives the count alone."""
        self.addRooms(30)
        self.assertEqual(([], {"count": "30"}), self.items(rsmSet(max="0")))

    def test_maxCapped(self):
        """A page never holds more than 100 items, whatever is asked."""
        self.addRooms(300)
        jids, found = self.items(rsmSet(max="1000"))
        self.assertEqual(100, len(jids))

    def test_givenSetAnswered(self):
        """A request with a <set/> gets one, even when the page is the whole list."""
        self.addRooms(3)
        self.assertEqual({"first": self.jid(0), "index": "0", "last": self.jid(2),
                          "count": "3"}, self.items(rsmSet(max="10"))[1])

    def test_unknownKey(self):
        """An <after/> naming no item is item-not-found (XEP-0059 section 2.4)."""
        self.addRooms(3)
        self.assertError("item-not-found", self.ask(
            "<iq type='get' id='i' from='%s' to='%s'><query xmlns='%s'>%s</query></iq>"
            % (ASKER, SERVICE, NS_ITEMS, rsmSet(after="gone@" + SERVICE))))

    def test_badNumbers(self):
        """A <max/> or <index/> that is no whole number is bad-request."""
        for inner in (rsmSet(max="ten"), rsmSet(index="-1")):
            self.assertError("bad-request", self.ask(
                "<iq type='get' id='i' from='%s' to='%s'><query xmlns='%s'>%s</query></iq>"
                % (ASKER, SERVICE, NS_ITEMS, inner)))

    def test_pageCutByBytes(self):
        """
        Rooms whose names take a kept text's whole budget make shorter
        pages: as many as fit under the limit, the <set/> saying where the
        next starts; paging on reaches every room.
        """
        self.addRooms(50, name="&" * (margins.fieldBudget() // 5))
        seen, after = [], None
        while True:
            jids, found = self.items(rsmSet(after=after) if after else "")
            self.assertLess(len(jids), 50)
            seen.extend(jids)
            if len(seen) == 50:
                break
            after = found["last"]
        self.assertEqual([self.jid(n) for n in range(50)], seen)
        self.assertEqual(0, sizes.LIMIT.dropped)


class RoomItemsTests(PageTestCase):
    def test_occupantsPaged(self):
        """The occupants a room lists are paged as the rooms of the service are."""
        room = self.service.makeRoom("big@" + SERVICE, "owner@example.org", whois="anyone")
        self.service.join(ASKER, "big@%s/asker" % (SERVICE,))
        for n in range(150):
            self.service.join("u%d@example.org/x" % (n,), "big@%s/u%03d" % (SERVICE, n))
        jids, found = self.items(to=room.jid.full())
        self.assertEqual(100, len(jids))
        self.assertEqual("151", found["count"])
        more, found = self.items(rsmSet(after=found["last"]), to=room.jid.full())
        self.assertEqual(51, len(more))
        self.assertEqual(151, len(set(jids + more)))


class ListTests(PageTestCase):
    """
    The muc#admin lists, the hat list, the configuration form and the
    room's disco#info stay under the limit however many users a room has.
    """

    ROOM = "big@" + SERVICE
    OWNER = "owner@example.org/x"

    def setUp(self):
        PageTestCase.setUp(self)
        self.room = self.service.makeRoom(self.ROOM, "owner@example.org")
        self.many = [JID("user%05d-%s@example.org" % (n, "x" * 40)) for n in range(3000)]

    def iq(self, namespace, inner, kind="get", element="query", attributes=""):
        return self.ask("<iq type='%s' id='l' from='%s' to='%s'><%s xmlns='%s'%s>%s</%s></iq>"
                        % (kind, self.OWNER, self.ROOM, element, namespace, attributes, inner,
                           element))

    def test_memberListPaged(self):
        """
        3,000 members (over 250 kB of list) come as many as fit,
        with a <set/> to page on, and paging on reaches them all.
        """
        for user in self.many:
            self.room.setAffiliationEntry(user, "member")
        seen, after = [], ""
        while len(seen) < len(self.many):
            answer = self.iq(NS_ADMIN, "<item affiliation='member'/>" + rsmSet(after=after)
                             if after else "<item affiliation='member'/>")
            items = [i["jid"] for i in answer.query.elements(NS_ADMIN, "item")]
            self.assertTrue(0 < len(items) < len(self.many))
            rsm = next(answer.query.elements(NS_RSM, "set"))
            self.assertEqual("3000", str(rsm.count))
            seen.extend(items)
            after = str(rsm.last)
        self.assertEqual(sorted(j.full() for j in self.many), seen)
        self.assertEqual(0, sizes.LIMIT.dropped)

    def test_hatListCapped(self):
        """The hat list lists as many hats as fit, and says how many more there are."""
        for user in self.many:
            self.room.setAffiliationEntry(user, "member")
            self.service.rooms.hatStore.addUserHat(user, self.room.jid, "urn:example:h",
                                                   {"title": "Hat", "active": True})
        answer = self.iq(NS_COMMANDS, "", kind="set", element="command",
                         attributes=" node='urn:xmpp:hats:commands:list'")
        listed = list(answer.command.x.elements(NS_DATA, "item"))
        self.assertTrue(0 < len(listed) < len(self.many))
        self.assertEqual("%d more hats are worn than one answer can list"
                         % (len(self.many) - len(listed),), str(answer.command.note))
        self.assertEqual(0, sizes.LIMIT.dropped)

    def test_configFormWithoutLongLists(self):
        """
        The configuration form leaves out an admin list too long to show;
        a form submitted without it leaves the admins as they are.
        """
        for user in self.many:
            self.room.setAffiliationEntry(user, "admin")
        form = self.iq(NS_OWNER, "")
        fields = {f["var"] for f in form.query.x.elements(NS_DATA, "field")}
        self.assertNotIn("muc#roomconfig_roomadmins", fields)
        self.assertIn("muc#roomconfig_roomowners", fields)
        self.assertEqual("result", self.iq(NS_OWNER, "<x xmlns='%s' type='submit'/>"
                                           % (NS_DATA,), kind="set")["type"])
        self.assertEqual(3000, len(self.room.usersWith("admin")))
        self.assertEqual(0, sizes.LIMIT.dropped)

    def test_contactsCapped(self):
        """disco#info names as many owners as contacts as fit in a kept text's budget."""
        for user in self.many:
            self.room.setAffiliationEntry(user, "owner")
        answer = self.iq("http://jabber.org/protocol/disco#info", "")
        (field,) = [f for f in answer.query.x.elements(NS_DATA, "field")
                    if f["var"] == "muc#roominfo_contactjid"]
        self.assertTrue(0 < len(list(field.elements(NS_DATA, "value"))) < len(self.many))
        self.assertEqual(0, sizes.LIMIT.dropped)
