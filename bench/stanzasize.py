"""
Bytes per delivery: what each copy of a groupchat message and of a presence
costs on the component link, against the least the protocol asks for.

    .venv/bin/python bench/stanzasize.py [--occupants 50]

The XMPP server parses every byte a component sends again (for Prosody that
parsing, not the component, bounds end-to-end throughput), so every byte of
a stanza that goes to every occupant counts as many times as there are
occupants. The stanzas are written by the real handlers on an in-memory
component stream, from what a typical client (Conversations, Gajim) sends:
a message with an id, an C{xml:lang}, a body and an origin id; a presence
with a show, a status and entity capabilities.

The "minimum" column is the same delivery with only what XEP-0045, XEP-0359
and XEP-0421 require: C{to}, C{from}, C{type}, the sender's C{id} and its
payload as it sent it, the muc#user C{<item/>} with its affiliation and
role (and the real JID where the viewer may see it, and the status codes),
a stanza id of 128 random bits and an occupant id of 128 bits, each in the
22 characters of unpadded base64, and no C{xml:lang}: the typical message
is in English, the language our component stream declares, which a copy
without one inherits (RFC 6120 section 4.7.4) and which Prosody stamps
back on it; the service leaves it out too (see bench/README.rst).
"""

import argparse
import sys

from mucservice import _compat  # noqa: F401

# isort: split

from tests.fakeservice import FakeService

ROOM = "bench@muc.example.org"
NS_SID = "urn:xmpp:sid:0"
NS_OCCUPANT_ID = "urn:xmpp:occupant-id:0"
NS_COMPONENT = "jabber:component:accept"

#: The shortest ids XEP-0359 and XEP-0421 allow us, at 128 bits.
SHORTEST_ID = "x" * 22

MESSAGE = ("<message from='user1@example.org/Conversations.AbCd' to='%s' type='groupchat' "
           "id='6a8b2c1e-4f0d-4a7e-9b1c-2d3e4f5a6b7c' xml:lang='en'>"
           "<body>Message number %%d, of an ordinary length for a chat.</body>"
           "<origin-id xmlns='urn:xmpp:sid:0' id='6a8b2c1e-4f0d-4a7e-9b1c-2d3e4f5a6b7c'/>"
           "</message>" % (ROOM,))

PRESENCE = ("<presence from='user1@example.org/Conversations.AbCd' to='%s/user1'>"
            "<show>away</show><status>status %%d</status>"
            "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' "
            "node='http://conversations.im' ver='Jy4HZeJ1QO2XfCHrW5uafkd7+NM='/>"
            "</presence>" % (ROOM,))


def minimal(stanza):
    """
    @param stanza: a delivered stanza, parsed.
    @return: the size in bytes of the least the XEPs require of it.
    """
    attributes = "".join(" %s='%s'" % (name, stanza[name]) for name in ("to", "from", "type", "id")
                         if stanza.hasAttribute(name))
    inner = ""
    for child in stanza.elements():
        if (child.uri, child.name) == (NS_SID, "stanza-id"):
            inner += "<stanza-id xmlns='%s' id='%s' by='%s'/>" % (NS_SID, SHORTEST_ID, child["by"])
        elif (child.uri, child.name) == (NS_OCCUPANT_ID, "occupant-id"):
            inner += "<occupant-id xmlns='%s' id='%s'/>" % (NS_OCCUPANT_ID, SHORTEST_ID)
        else:
            inner += child.toXml(defaultUri=NS_COMPONENT)
    text = "<%s%s>%s</%s>" % (stanza.name, attributes, inner, stanza.name)
    return len(text.encode("utf-8"))


class Measure:
    """
    Written and least bytes of the deliveries of one kind.
    """

    def __init__(self, name):
        self.name = name
        self.count = self.written = self.least = 0

    def add(self, data, stanzas):
        self.count += len(stanzas)
        self.written += len(data)
        self.least += sum(minimal(s) for s in stanzas)

    def row(self):
        written, least = self.written / self.count, self.least / self.count
        return "%-40s %8.1f %8.1f %7.0f %%" % (self.name, written, least,
                                                100 * (written - least) / least)


def deliveries(service, xml):
    """
    @return: the bytes written for C{xml} and the stanzas, parsed.
    """
    service.stream.receive(xml)
    service.component.outbox.flush()
    data = service.stream.transport.value()
    return data, service.stream.sent()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--occupants", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args()
    service = FakeService("--message-rate", "1000000000/1", "--presence-rate", "1000000000/1")
    service.makeRoom(ROOM, "owner@example.org")
    for n in range(options.occupants):
        service.send("<presence from='user%d@example.org/Conversations.AbCd' to='%s/user%d'>"
                     "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>"
                     "</presence>" % (n, ROOM, n))
    groupchat = Measure("groupchat, to each occupant")
    presence = Measure("presence update, to each occupant")
    joins = Measure("occupant list, to a newcomer")
    for n in range(options.rounds):
        groupchat.add(*deliveries(service, MESSAGE % (n,)))
        presence.add(*deliveries(service, PRESENCE % (n,)))
        newcomer = "new%d@example.org/Gajim.XyZ" % (n,)
        data, stanzas = deliveries(
            service, "<presence from='%s' to='%s/new%d'><x xmlns='http://jabber.org/protocol/muc'>"
            "<history maxstanzas='0'/></x></presence>" % (newcomer, ROOM, n))
        listed = [s for s in stanzas if s.name == "presence" and s["to"] == newcomer
                  and s["from"] != "%s/new%d" % (ROOM, n)]
        joins.add(_listBytes(data, len(listed)), listed)
        service.send("<presence type='unavailable' from='%s' to='%s/new%d'/>" % (newcomer, ROOM, n))
    print("%d occupants, %d rounds: bytes per delivery" % (options.occupants, options.rounds))
    print("%-40s %8s %8s %9s" % ("delivery", "written", "minimum", "over"))
    for measure in (groupchat, presence, joins):
        print(measure.row())


def _listBytes(data, count):
    """
    @return: the bytes of the first C{count} presences of C{data} (the
        occupant list comes first in a join).
    """
    text = data.decode("utf-8")
    end = 0
    for _ in range(count):
        end = text.index("</presence>", end) + len("</presence>")
    return text[:end].encode("utf-8")


if __name__ == "__main__":
    sys.exit(main())
