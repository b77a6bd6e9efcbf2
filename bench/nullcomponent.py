"""
The null component: the least a MUC component can do, to measure what the
XMPP server in front of it allows (the routing floor of C{bench/e2e.py}).

It answers a join with the newcomer's self-presence (status 110) and an
empty subject, and fans each groupchat message out to every occupant of its
room from one pre-rendered string, only C{to} differing. Nothing else: no
occupant list, no presence broadcast, no history, no rules, no errors.

    .venv/bin/python bench/nullcomponent.py --jid null.localhost --secret S --port P
"""

import argparse
import sys
from xml.sax.saxutils import escape, quoteattr

from twisted.internet import reactor
from twisted.words.protocols.jabber import component, xmlstream


class NullMUC:
    """
    @ivar rooms: room JID (text) to the real JIDs in it, in join order.
    """

    def __init__(self):
        self.rooms = {}
        self.stream = None

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
        occupants[real] = to.partition("/")[2]
        self.stream.send(
            "<presence from=%s to=%s><x xmlns='http://jabber.org/protocol/muc#user'>"
            "<item affiliation='none' role='participant'/><status code='110'/></x></presence>"
            "<message from=%s to=%s type='groupchat'><subject/></message>"
            % (quoteattr(to), quoteattr(real), quoteattr(room), quoteattr(real)))

    def onMessage(self, message):
        real, room = message.getAttribute("from"), message.getAttribute("to")
        occupants = self.rooms.get(room or "", {})
        if message.getAttribute("type") != "groupchat" or real not in occupants:
            return
        body = message.body
        head = "<message to="
        tail = " from=%s type='groupchat' id=%s><body>%s</body></message>" % (
            quoteattr("%s/%s" % (room, occupants[real])),
            quoteattr(message.getAttribute("id") or ""), escape(str(body) if body else ""))
        self.stream.send("".join(head + quoteattr(j) + tail for j in occupants))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--jid", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args(argv)
    muc = NullMUC()
    factory = component.componentFactory(options.jid, options.secret)
    factory.addBootstrap(xmlstream.STREAM_AUTHD_EVENT, muc.connected)
    factory.addBootstrap(xmlstream.INIT_FAILED_EVENT, lambda failure: reactor.stop())
    reactor.connectTCP(options.host, options.port, factory)
    print("null component connecting as %s" % (options.jid,), flush=True)
    reactor.run()


if __name__ == "__main__":
    sys.exit(main())
