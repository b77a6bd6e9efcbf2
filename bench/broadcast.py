"""
How fast a room reflects groupchat messages and broadcasts presence, through
the real handlers on an in-memory component stream.

    .venv/bin/python bench/broadcast.py [--occupants 1000] [--messages 200]

Prints stanzas written per second for groupchat reflection and for a
presence update, and, for comparison, how fast domish serializes the same
stanzas one recipient at a time (what a per-recipient toXml() would cost).
The XMPP server's parsing, not this, bounds end-to-end throughput.
"""

import argparse
import time

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.internet.testing import MemoryReactorClock
from twisted.words.xish import domish

from mucservice import tap
from mucservice.address import parseJID
from mucservice.room.config import RoomConfig
from mucservice.room.service import RoomService
from mucservice.xmpp.component import MUCComponent
from tests.fakestream import FakeComponentStream

SERVICE = "muc.example.org"
ROOM = "bench@" + SERVICE


def makeService(occupants):
    reactor = MemoryReactorClock()
    config = tap.Options()
    config.parseOptions(["--jid", SERVICE, "--secret", "s", "--room-store", "memory",
                         "--hat-store", "memory", "--pinger", "none",
                         # One sender says everything: the limits are out of the way.
                         "--message-rate", "1000000000/1", "--presence-rate", "1000000000/1"])
    root = tap.makeService(config, reactor)
    component = next(s for s in root if isinstance(s, MUCComponent))
    rooms = next(s for s in root if isinstance(s, RoomService))
    rooms.startService()
    stream = FakeComponentStream(component, SERVICE)
    room = rooms.createRoom(parseJID(ROOM), parseJID("owner@example.org"))
    # No presence cap: presence goes to every occupant, as in any room under it.
    room.config = RoomConfig(presenceBroadcast=("moderator", "participant", "visitor"),
                             maxUsersPresence=None)
    room.locked = False
    for n in range(occupants):
        stream.receive("<presence from='user%d@example.org/r' to='%s/user%d'>"
                       "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>"
                       "</presence>" % (n, ROOM, n))
        component.outbox.flush()
        stream.transport.clear()
    return stream, component.outbox


def timeIt(action, count):
    start = time.perf_counter()
    for n in range(count):
        action(n)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--occupants", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=200)
    options = parser.parse_args()
    stream, outbox = makeService(options.occupants)
    written = [0]

    def message(n):
        stream.receive("<message from='user1@example.org/r' to='%s' type='groupchat' id='m%d'>"
                       "<body>Message number %d, of an ordinary length for a chat.</body>"
                       "</message>" % (ROOM, n, n))
        outbox.flush()
        written[0] += len(stream.transport.value())
        stream.transport.clear()

    seconds = timeIt(message, options.messages)
    stanzas = options.messages * options.occupants
    print("groupchat: %d messages to %d occupants: %.0f stanzas/s, %.1f MB/s written"
          % (options.messages, options.occupants, stanzas / seconds,
             written[0] / seconds / 1e6))

    def presence(n):
        stream.receive("<presence from='user1@example.org/r' to='%s/user1'><show>away</show>"
                       "<status>status %d</status></presence>" % (ROOM, n))
        outbox.flush()
        stream.transport.clear()

    seconds = timeIt(presence, options.messages)
    print("presence update: %.0f stanzas/s" % (stanzas / seconds,))

    element = domish.Element(("jabber:component:accept", "message"))
    element["from"] = ROOM + "/user1"
    element["type"] = "groupchat"
    element.addElement("body", content="Message number 1, of an ordinary length for a chat.")

    def perRecipient(n):
        element["to"] = "user%d@example.org/r" % (n % options.occupants,)
        element.toXml()

    count = min(stanzas, 100000)
    seconds = timeIt(perRecipient, count)
    print("baseline, domish toXml() per recipient: %.0f stanzas/s" % (count / seconds,))


if __name__ == "__main__":
    main()
