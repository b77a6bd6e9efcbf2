"""
How long one request holds the reactor, and how long a message to another
room waits meanwhile, for the worst requests a user can make.

    .venv/bin/python bench/stall.py [--scenario NAME ...] [--runs 3]

Each scenario drives the real handlers on an in-memory component stream
with a simulated reactor loop on a fake clock, as Twisted's reactor runs
it: every iteration first runs the delayed calls that were due when it
began (each a turn of the reactor), then reads the next stanza of the
stream (a turn). A groupchat message to another room, of one occupant,
follows the scenario's stanzas in the stream.

Printed per scenario: what was written (stanzas, MB), the longest single
turn, the whole time until everything was written, and the latency of the
other room's message (from the moment the first stanza of the scenario
is read to the moment its reflection is written), each the median of
C{--runs} runs. Figures, never pass/fail.
"""

import argparse
import statistics
import time

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.internet.testing import MemoryReactorClock
from twisted.words.protocols.jabber.jid import internJID

from mucservice import tap
from mucservice.room.config import RoomConfig
from mucservice.room.service import RoomService
from mucservice.xmpp.component import MUCComponent
from tests.fakestream import FakeComponentStream

SERVICE = "muc.example.org"
ROOM = "big@" + SERVICE
QUIET = "quiet@" + SERVICE
OTHER = "other@example.org/r"
OWNER = "owner@example.org/r"
NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_ADMIN = NS_MUC + "#admin"
STARTS = (b"<presence to='", b"<message to='", b"<iq to='")


class Bench:
    """
    The service on a fake stream, a big room (owner inside) and a quiet
    room with one occupant, and the simulated reactor loop.

    @ivar turns: the duration of every turn run, in seconds.
    """

    def __init__(self, occupants):
        self.reactor = MemoryReactorClock()
        config = tap.Options()
        config.parseOptions(["--jid", SERVICE, "--secret", "s", "--room-store", "memory",
                             "--hat-store", "memory", "--pinger", "none"])
        root = tap.makeService(config, self.reactor)
        component = next(s for s in root if isinstance(s, MUCComponent))
        self.rooms = next(s for s in root if isinstance(s, RoomService))
        self.rooms.startService()
        self.stream = FakeComponentStream(component, SERVICE)
        for roomJID in (ROOM, QUIET):
            room = self.rooms.createRoom(internJID(roomJID), internJID(OWNER))
            # No presence cap: the worst case, every join told to everyone.
            room.config = RoomConfig(maxUsersPresence=None)
            room.locked = False
        self.enter(OWNER, ROOM + "/owner")
        for n in range(occupants):
            self.enter("user%d@example.org/r" % (n,), "%s/user%d" % (ROOM, n))
        self.stream.receive("<presence from='%s' to='%s/other'><x xmlns='%s'/></presence>"
                            % (OTHER, QUIET, NS_MUC))
        self.stream.transport.clear()
        self.turns = []
        self.stanzas = self.written = 0

    def enter(self, realJID, occupantJID):
        """
        Put a session into a room through the room service, without
        rendering anything (filling a room through the stream would cost
        the square of its size).
        """
        self.rooms.presence(internJID(realJID), internJID(occupantJID), "", joining=True)

    def turn(self, action, *args):
        """
        Run one turn of the reactor and count what it wrote.

        @return: the text written.
        """
        start = time.perf_counter()
        action(*args)
        self.turns.append(time.perf_counter() - start)
        data = self.stream.transport.value()
        self.stream.transport.clear()
        self.written += len(data)
        self.stanzas += sum(data.count(start) for start in STARTS)
        return data

    def dueCalls(self):
        now = self.reactor.seconds()
        return [call for call in self.reactor.getDelayedCalls() if call.getTime() <= now]

    def runCall(self, call):
        self.reactor.calls.remove(call)
        call.called = 1
        call.func(*call.args, **call.kw)

    def run(self, stanzas):
        """
        Read C{stanzas} and then the other room's message, one per
        iteration of the loop, until nothing is left to do.

        @return: the latency of the other room's message, and the time
            until everything was written, in seconds of reactor time (the
            turns only: counting what was written is left out).
        """
        incoming = list(stanzas) + [
            "<message from='%s' to='%s' type='groupchat'><body>still there?</body></message>"
            % (OTHER, QUIET)]
        latency = None
        while incoming or self.dueCalls():
            for call in self.dueCalls():
                self.turn(self.runCall, call)
            if incoming:
                stanza = incoming.pop(0)
                data = self.turn(self.stream.receive, stanza)
                if not incoming and ("to='%s'" % (OTHER,)).encode() in data:
                    latency = sum(self.turns)
        return latency, sum(self.turns)


def adminItems(bench, items, occupants):
    """
    One muc#admin IQ from the owner with C{items} role items: each mutes or
    gives voice back to one of the occupants, in turn.
    """
    rows = "".join("<item nick='user%d' role='%s'/>"
                   % (n % occupants, "visitor" if (n // occupants) % 2 == 0 else "participant")
                   for n in range(items))
    return ["<iq from='%s' to='%s' type='set' id='admin'><query xmlns='%s'>%s</query></iq>"
            % (OWNER, ROOM, NS_MUC_ADMIN, rows)]


def resources(bench, count, occupants):
    """
    C{count} resources of one user join one nick, then all leave.
    """
    joins = ["<presence from='mallory@example.org/r%d' to='%s/mallory'><x xmlns='%s'/>"
             "</presence>" % (n, ROOM, NS_MUC) for n in range(count)]
    leaves = ["<presence from='mallory@example.org/r%d' to='%s/mallory' type='unavailable'/>"
              % (n, ROOM) for n in range(count)]
    return joins + leaves


def groupchat(bench, count, occupants):
    return ["<message from='user1@example.org/r' to='%s' type='groupchat' id='m%d'>"
            "<body>Message number %d, of an ordinary length for a chat.</body></message>"
            % (ROOM, n, n) for n in range(count)]


def newcomer(bench, count, occupants):
    return ["<presence from='newcomer%d@example.org/r' to='%s/newcomer%d'>"
            "<x xmlns='%s'><history maxstanzas='0'/></x></presence>" % (n, ROOM, n, NS_MUC)
            for n in range(count)]


def presenceUpdate(bench, count, occupants):
    return ["<presence from='user1@example.org/r' to='%s/user1'><show>away</show>"
            "<status>update %d</status></presence>" % (ROOM, n) for n in range(count)]


#: Name to (what it is, occupants of the big room, the stanzas, how many).
SCENARIOS = {
    "admin-1000": ("one muc#admin IQ of 1,000 role items, room of 500", 500, adminItems, 1000),
    "admin-100": ("one muc#admin IQ of 100 role items, room of 5,000", 5000, adminItems, 100),
    "resources-1000": ("1,000 resources of one user join one nick, then leave, room of 10",
                       10, resources, 1000),
    "groupchat": ("one groupchat message, room of 10,000", 10000, groupchat, 1),
    "join": ("a newcomer joins a room of 10,000", 10000, newcomer, 1),
    "presence": ("a presence update, room of 10,000", 10000, presenceUpdate, 1),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each scenario; the figures are their medians")
    options = parser.parse_args()
    for name in options.scenario or list(SCENARIOS):
        what, occupants, stanzas, count = SCENARIOS[name]
        runs = []
        for _ in range(options.runs):
            bench = Bench(occupants)
            latency, total = bench.run(stanzas(bench, count, occupants))
            runs.append((max(bench.turns), latency, total))
        longest, latency, total = (statistics.median(figures) for figures in zip(*runs))
        print("%s: %s" % (name, what))
        print("  written: %d stanzas, %.1f MB in %d turns; all written after %.3f s"
              % (bench.stanzas, bench.written / 1e6, len(bench.turns), total))
        print("  longest turn: %.1f ms; the other room's message waited %.1f ms"
              % (longest * 1e3, latency * 1e3))


if __name__ == "__main__":
    main()
