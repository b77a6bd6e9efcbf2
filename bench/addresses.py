"""
What parsing every address costs: the RFC 7622 parser of
L{mucservice.address} against Twisted's stringprep JIDs (interned, as the
service parsed them before, and not), per address and per stanza through
the real handlers.

    .venv/bin/python bench/addresses.py [--stanzas 20000]

The per-stanza figure is a groupchat message to a room of two occupants
from a session that is in it: the edge parses its C{from} and C{to} (and the
link watcher its C{from} again), so the difference between the two runs is
what the parser adds to the cheapest stanza the service answers; the
third run has the edge's cache of parsed addresses (C{--address-cache}).
"""

import argparse
import time
import timeit
from types import SimpleNamespace

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.words.protocols.jabber import jid as twistedJID

from mucservice import address
from mucservice.xmpp import handler
from tests.fakeservice import FakeService

ASCII = ["juliet@example.org/balcony", "room@muc.example.org/Romeo", "room@muc.example.org"]
UNICODE = ["juliet@example.org/Balcony \U0001f339", "room@muc.example.org/\u0420\u043e\u043c"
           "\u0435\u043e"]
ROOM = "bench@muc.example.org"


def perAddress(parse, texts, number=50000):
    """
    @return: microseconds per address.
    """
    return timeit.timeit(lambda: [parse(t) for t in texts], number=number) / (
        number * len(texts)) * 1e6


def perStanza(stanzas, parse):
    """
    @param parse: what the edge parses addresses with.
    @return: microseconds per groupchat message through the handlers (the
        best of three runs).
    """
    service = FakeService("--pinger", "none")
    handler.addressCache = SimpleNamespace(parse=parse)
    service.makeRoom(ROOM, "juliet@example.org")
    service.join("juliet@example.org/balcony", ROOM + "/juliet")
    service.join("romeo@example.org/orchard", ROOM + "/romeo")
    message = ("<message from='juliet@example.org/balcony' to='%s' type='groupchat'>"
               "<body>hi</body></message>" % (ROOM,))
    receive, transport = service.stream.receive, service.stream.transport
    best = None
    for _ in range(3):
        start = time.perf_counter()
        for n in range(stanzas):
            receive(message)
            if n % 1000 == 0:
                transport.clear()
        took = (time.perf_counter() - start) / stanzas * 1e6
        best = took if best is None else min(best, took)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--stanzas", type=int, default=20000)
    args = parser.parse_args()
    print("per address, microseconds:")
    print("  twisted internJID, cached       %6.2f" % perAddress(twistedJID.internJID, ASCII))
    print("  twisted JID, not cached         %6.2f" % perAddress(twistedJID.JID, ASCII, 2000))
    print("  mucservice.address, ASCII       %6.2f" % perAddress(address.parseJID, ASCII))
    print("  mucservice.address, non-ASCII   %6.2f" % perAddress(address.parseJID, UNICODE))
    print("  mucservice.address, LRU hit     %6.2f" % perAddress(
        address.AddressCache().parse, ASCII))
    print("per groupchat message through the handlers, microseconds:")
    for name, parse in (("twisted internJID (before)", twistedJID.internJID),
                        ("mucservice.address, no cache", address.AddressCache(0).parse),
                        ("mucservice.address, LRU 4096", address.AddressCache().parse)):
        print("  %-31s %6.2f" % (name, perStanza(args.stanzas, parse)))


if __name__ == "__main__":
    main()
