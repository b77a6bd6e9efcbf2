"""
What a sender could forge is removed before the room passes a message on:
a XEP-0297 C{<forwarded/>} claiming to come from the room's owner, a
XEP-0203 (or XEP-0091) C{<delay/>} claiming to be the room's, XEP-0033
C{<addresses/>}.
"""

from tests.fakeservice import PopulatedRoomTestCase

FORGED = ("<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' "
          "from='room@muc.example.org/olivia' type='groupchat'><body>I hereby resign</body>"
          "</message></forwarded>"
          "<delay xmlns='urn:xmpp:delay' from='room@muc.example.org' "
          "stamp='2020-01-01T00:00:00Z'/>"
          "<x xmlns='jabber:x:delay' from='room@muc.example.org' stamp='20200101T00:00:00'/>"
          "<addresses xmlns='http://jabber.org/protocol/address'>"
          "<address type='ofrom' jid='olivia@example.org'/></addresses>")
KEPT = "<x xmlns='jabber:x:oob'><url>https://example.org/a</url></x>"
FORGED_NAMESPACES = {"urn:xmpp:forward:0", "urn:xmpp:delay", "jabber:x:delay",
                     "http://jabber.org/protocol/address"}


class ForgeryTests(PopulatedRoomTestCase):
    def assertCleaned(self, stanzas):
        """
        Each stanza kept its body and out-of-band URL and carries nothing
        of the forged namespaces.
        """
        self.assertTrue(stanzas)
        for stanza in stanzas:
            namespaces = {child.uri for child in stanza.elements()}
            self.assertEqual(set(), namespaces & FORGED_NAMESPACES, stanza.toXml())
            self.assertEqual("hi", str(stanza.body))
            self.assertIn("jabber:x:oob", namespaces)

    def test_groupchat(self):
        """A groupchat message is reflected, and kept in history, without them."""
        out = self.service.send("<message from='%s' to='%s' type='groupchat'><body>hi</body>"
                                "%s%s</message>" % (self.GUS, self.ROOM, FORGED, KEPT))
        self.assertCleaned(out)
        later = self.service.join("zed@example.org/z", self.ROOM + "/zed")
        history = [s for s in later if s.name == "message" and s.body is not None]
        self.assertEqual(1, len(history))
        self.assertEqual(["urn:xmpp:delay"], [d.uri for d in history[0].elements()
                                              if d.name == "delay"])
        self.assertEqual(self.ROOM, next(history[0].elements("urn:xmpp:delay", "delay"))["from"])
        self.assertEqual(0, len(list(history[0].elements("urn:xmpp:forward:0", "forwarded"))))

    def test_privateMessage(self):
        """A private message is passed on without them too."""
        out = self.service.send("<message from='%s' to='%s/mia' type='chat'><body>hi</body>"
                                "%s%s</message>" % (self.GUS, self.ROOM, FORGED, KEPT))
        self.assertCleaned(out)
