"""
The null component: the least a MUC component can do, to measure what the
XMPP server in front of it allows (the routing floor of C{bench/e2e.py}).

It answers a join with the newcomer's self-presence (status 110) and an
empty subject, and fans each groupchat message out to every occupant of its
room from one pre-rendered string, only C{to} differing. Nothing else: no
occupant list, no presence broadcast, no history, no rules, no errors.

With C{--ids}, every copy of a message also carries what a MUC that marks
its messages must add to each: the room's XEP-0359 C{<stanza-id/>} (with
C{by}) and the sender's XEP-0421 C{<occupant-id/>}, each the shortest honest
id, 128 bits in the 22 characters of unpadded base64 (a random stanza id
per message, one occupant id per occupant for as long as it stays), and the
self-presence carries the occupant id too. That is the floor for a MUC that
gives stanza and occupant ids, as mucservice does: what separates it from
the plain null is bytes those XEPs require, which the server parses again
for every recipient.

    .venv/bin/python bench/nullcomponent.py --jid null.localhost --secret S --port P [--ids]
"""

import argparse
import base64
import os
import sys
from xml.sax.saxutils import escape, quoteattr

from twisted.internet import reactor
from twisted.words.protocols.jabber import component, xmlstream

NS_STANZA_ID = "urn:xmpp:sid:0"
NS_OCCUPANT_ID = "urn:xmpp:occupant-id:0"


def shortID():
    """
    @return: 128 random bits in 22 characters of unpadded base64url (no
        character of it needs escaping in XML).
    """
    return base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode("ascii")


class NullMUC:
    """
    @ivar rooms: room JID (text) to the real JIDs in it, in join order,
        each to its nick and occupant id.
    @ivar ids: whether to mark messages with stanza and occupant ids.
    """

    def __init__(self, ids=False):
        self.rooms = {}
        self.stream = None
        self.ids = ids

    def connected(self, stream):
        self.stream = stream
        stream.addObserver("/presence", self.onPresence)
        stream.addObserver("/message", self.onMessage)

    def onPresence(self, presence):
        real, to = presence.getAttribute("from"), presence.getAttribute("to")
        if not real or not to or "/" not in to:
            return
        room = to.partition("/")[0]
        occupants = self.rooms.setdefault(room, {})
        if presence.getAttribute("type") == "unavailable":
            occupants.pop(real, None)
            return
        nick, occupantID = occupants.get(real, (None, shortID() if self.ids else None))
        occupants[real] = to.partition("/")[2], occupantID
        marked = ("<occupant-id xmlns='%s' id='%s'/>" % (NS_OCCUPANT_ID, occupantID)
                  if occupantID else "")
        self.stream.send(
            "<presence from=%s to=%s><x xmlns='http://jabber.org/protocol/muc#user'>"
            "<item affiliation='none' role='participant'/><status code='110'/></x>%s</presence>"
            "<message from=%s to=%s type='groupchat'><subject/></message>"
            % (quoteattr(to), quoteattr(real), marked, quoteattr(room), quoteattr(real)))

    def onMessage(self, message):
        real, room = message.getAttribute("from"), message.getAttribute("to")
        occupants = self.rooms.get(room or "", {})
        if message.getAttribute("type") != "groupchat" or real not in occupants:
            return
        body = message.body
        nick, occupantID = occupants[real]
        marks = ""
        if occupantID:
            marks = ("<stanza-id xmlns='%s' id='%s' by=%s/><occupant-id xmlns='%s' id='%s'/>"
                     % (NS_STANZA_ID, shortID(), quoteattr(room), NS_OCCUPANT_ID, occupantID))
        head = "<message to="
        tail = " from=%s type='groupchat' id=%s><body>%s</body>%s</message>" % (
            quoteattr("%s/%s" % (room, nick)), quoteattr(message.getAttribute("id") or ""),
            escape(str(body) if body else ""), marks)
        self.stream.send("".join(head + quoteattr(j) + tail for j in occupants))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--jid", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ids", action="store_true",
                        help="mark each copy with a stanza id and an occupant id")
    options = parser.parse_args(argv)
    muc = NullMUC(options.ids)
    factory = component.componentFactory(options.jid, options.secret)
    factory.addBootstrap(xmlstream.STREAM_AUTHD_EVENT, muc.connected)
    factory.addBootstrap(xmlstream.INIT_FAILED_EVENT, lambda failure: reactor.stop())
    reactor.connectTCP(options.host, options.port, factory)
    print("null component connecting as %s" % (options.jid,), flush=True)
    reactor.run()


if __name__ == "__main__":
    sys.exit(main())
