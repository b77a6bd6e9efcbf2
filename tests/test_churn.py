"""
Memory that comes back: sessions that join and leave, and requests that
name addresses nobody has, leave nothing behind once they are over.

Any client chooses the addresses the service sees (a new resource for each
join, a new nick in each request), so whatever the service kept per
departed session or per address merely mentioned would grow at the will of
clients. The tests drive the real handlers on the fake component stream
through the stream's own parser, and compare the objects the garbage
collector tracks, by type, before and after.
"""

import gc
import sys
from collections import Counter

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber import jid as twistedJID

from mucservice.xmpp import handler
from tests.fakeservice import NS_MUC, SERVICE, FakeService

LOBBY = "lobby@" + SERVICE
OWNER = "owner@example.org/desk"

#: Seconds after which every rate limit's bucket is full again, whatever
#: was taken from it (the longest period of the default rates: rooms
#: created per user, an hour).
LONGEST_RATE_PERIOD = 3600


def trackedObjects():
    """
    @return: how many objects of each type the garbage collector tracks,
        and the bytes they take themselves (a dict's or a set's table
        included: one that keeps texts, which the collector does not
        track, grows there).
    """
    gc.collect()
    objects = gc.get_objects()
    return Counter(type(o).__name__ for o in objects), sum(map(sys.getsizeof, objects))


def internedJIDs():
    """
    @return: how many addresses Twisted's C{jid.internJID} holds: it keeps
        every one it was ever given.
    """
    return len(vars(twistedJID)["__internJIDs"])


class ChurnTests(SynchronousTestCase):
    """
    Tens of thousands of sessions through a persistent room and temporary
    rooms of their own.
    """

    def setUp(self):
        # A cache of addresses smaller than the sessions of the first wave
        # mention: full before the count, as a busy service's is.
        self.service = FakeService("--ping-idle", "300", "--address-cache", "300")
        self.service.makeRoom(LOBBY, "owner@example.org")
        self.service.join(OWNER, LOBBY + "/owner")
        self.transport = self.service.stream.transport

    def feed(self, stanzas):
        """
        Hand the service C{stanzas} (XML text) as the server would, through
        the stream's parser, and drop what it writes.
        """
        self.service.stream.dataReceived("".join(stanzas))
        self.service.component.outbox.flush()
        self.transport.clear()

    def session(self, wave, n):
        """
        @return: the stanzas of one session, which joins, asks for nicks
            and rooms nobody has, and leaves.
        """
        real = "user%d-%d@host%d.example/res-%d-%d" % (wave, n, n % 97, wave, n)
        nick = "nick-%d-%d" % (wave, n)
        ghost = "%s/ghost-%d-%d" % (LOBBY, wave, n)
        kind = n % 5
        if kind == 0:
            # A room of its own, made and gone with its only occupant.
            room = "own-%d-%d@%s" % (wave, n, SERVICE)
        else:
            room = LOBBY
        stanzas = ["<presence from='%s' to='%s/%s'><x xmlns='%s'/></presence>"
                   % (real, room, nick, NS_MUC)]
        if kind == 1:
            stanzas.append("<message from='%s' to='%s' type='chat' id='m'><body>hi</body>"
                           "</message>" % (real, ghost))
            stanzas.append("<message from='%s' to='nowhere-%d-%d@%s' type='groupchat'><body>"
                           "x</body></message>" % (real, wave, n, SERVICE))
        elif kind == 2:
            stanzas.append("<iq from='%s' to='%s' type='get' id='v'><query "
                           "xmlns='jabber:iq:version'/></iq>" % (real, ghost))
        elif kind == 3:
            stanzas.append("<presence from='%s' to='%s' type='probe'/>" % (real, ghost))
            stanzas.append("<message from='%s' to='%s' type='groupchat' id='g'><body>hello"
                           "</body></message>" % (real, room))
        elif kind == 4:
            stanzas.append("<presence from='%s' to='%s/%s-new'/>" % (real, room, nick))
            nick += "-new"
        stanzas.append("<presence from='%s' to='%s/%s' type='unavailable'/>"
                       % (real, room, nick))
        return stanzas

    def churn(self, wave, sessions, batch=4):
        """
        C{sessions} sessions, C{batch} at a time in the room, then every
        rate limit's period passes.
        """
        for start in range(0, sessions, batch):
            self.feed(s for n in range(start, start + batch) for s in self.session(wave, n))
        for _ in range(LONGEST_RATE_PERIOD // 60):
            # The owner, who stays, is heard from now and then: not idle.
            self.service.reactor.advance(60)
            self.feed(["<iq from='%s' to='%s' type='get' id='p'><ping xmlns='urn:xmpp:ping'/>"
                       "</iq>" % (OWNER, SERVICE)])

    def test_churnLeavesNothing(self):
        """
        After 20,000 sessions have joined and left, the service tracks as
        many objects of each type as before them, and Twisted's intern
        cache of addresses holds no more.
        """
        self.churn(0, 2000)
        # The first count makes a few objects of its own.
        trackedObjects()
        (before, bytesBefore), interned = trackedObjects(), internedJIDs()
        self.churn(1, 20000)
        after, bytesAfter = trackedObjects()
        grown = {kind: after[kind] - before[kind] for kind in after
                 if after[kind] - before[kind] > 20}
        self.assertEqual({}, grown)
        self.assertLess(bytesAfter - bytesBefore, 64 * 1024)
        self.assertEqual(interned, internedJIDs())
        self.assertEqual(["owner"], list(self.service.rooms.getRoom(
            handler.parseJID(LOBBY)).occupants))

    def test_crowdGivesTablesBack(self):
        """
        After a crowd of 5,000 sessions (from 5,000 users of one domain) has
        filled the room and left it, the tables it grew (the room's, the
        join tracker's, the pinger's) are made again for what they hold:
        the bytes of the objects the service tracks come back to within 128
        KiB of where they were (1.4 to 1.7 MB over without it; tables of
        less than 16 KiB are left as they are, and what other tests left
        behind moves the figure by some 15 KB). The cache of addresses,
        bounded by C{--address-cache}, keeps a table for as many as that:
        300 here.
        """
        self.churn(0, 200)
        trackedObjects()
        _, bytesBefore = trackedObjects()
        for start in range(0, 5000, 500):
            self.feed("<presence from='crowd%d@example.org/r' to='%s/crowd%d'><x xmlns='%s'/>"
                      "</presence>" % (n, LOBBY, n, NS_MUC) for n in range(start, start + 500))
        self.assertEqual(5001, len(self.service.rooms.getRoom(handler.parseJID(LOBBY)).occupants))
        _, bytesFull = trackedObjects()
        self.feed("<presence from='crowd%d@example.org/r' to='%s/crowd%d' type='unavailable'/>"
                  % (n, LOBBY, n) for n in range(5000))
        self.service.reactor.advance(LONGEST_RATE_PERIOD)
        _, bytesAfter = trackedObjects()
        self.assertGreater(bytesFull - bytesBefore, 1024 * 1024)
        self.assertLess(bytesAfter - bytesBefore, 128 * 1024)

    def test_departedSessionsForgotten(self):
        """
        The cache of parsed addresses keeps the address of a session while
        it is in a room, and forgets it once it has left every room; the
        occupant JID a presence goes to is never kept.
        """
        cache = handler.addressCache
        real = "walker@example.org/phone"
        self.feed(["<presence from='%s' to='%s/walker'><x xmlns='%s'/></presence>"
                   % (real, LOBBY, NS_MUC),
                   "<presence from='%s' to='side@%s/walker'><x xmlns='%s'/></presence>"
                   % (real, SERVICE, NS_MUC)])
        self.assertIn(real, cache)
        self.assertNotIn(LOBBY + "/walker", cache)
        self.feed(["<presence from='%s' to='%s/walker' type='unavailable'/>" % (real, LOBBY)])
        self.assertIn(real, cache)
        self.feed(["<presence from='%s' to='side@%s/walker' type='unavailable'/>"
                   % (real, SERVICE)])
        self.assertNotIn(real, cache)
