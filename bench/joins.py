"""
Joins into big rooms through a real Prosody on loopback, mucservice next to
Prosody's own MUC, in one run, interleaved:

    .venv/bin/python bench/joins.py [--sizes 100,1000] [--probes 60]
        [--rounds 3] [--json PATH]

For each size, a room of each MUC is filled with that many occupants (real
c2s sessions, each an account of its own, every one of them read by a
thread that throws away what comes) and left until it is at rest (nothing
more for the fillers for half a second); then a probe client joins and
leaves C{--probes} times. A join is timed from the probe's presence sent
to its self-presence (status 110) read: what the user waits for; the
occupant list comes before it. Reported: p50 and p99 of those joins, each
MUC, and the ratio mucservice/Prosody.

The presence cap of mucservice (C{--max-users-presence}) is turned off in
the rooms of the sizes Prosody's MUC is measured at (the room option), so
that both send the newcomer every occupant. A size given with C{--capped}
(10,000, say) is run against mucservice with its default cap, next to
Prosody's MUC in its cheapest mode for a large room: the presence of
moderators alone broadcast (C{muc#roomconfig_presencebroadcast}), so that
a participant's join goes to nobody else and a newcomer gets the
moderators (where mucservice's cap still tells the moderators of every
join). Broadcasting every presence, Prosody's MUC would send every join to
every occupant, ten thousand squared presences to fill the room.
Prosody's c2s rate limits are not loaded and the clients log in with PLAIN
before anything is timed (as in C{bench/e2e.py}).
"""

import argparse
import json
import os
import queue
import resource
import selectors
import statistics
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import e2e  # noqa: E402
from bench.component import percentile  # noqa: E402

NS_MUC = "http://jabber.org/protocol/muc"
SELF = b"code='110'"
#: Fillers whose joins are on their way at once.
WAVE = 100
#: Seconds without anything for the fillers that make a room at rest.
QUIET = 0.5
#: The room option of mucservice's presence cap.
CAP_FIELD = "mucservice#roomconfig_maxuserspresence"
#: The room option of the roles whose presence a room broadcasts.
BROADCAST_FIELD = "muc#roomconfig_presencebroadcast"
#: What each kind of run measures, for the summary.
NAMES = {"prosody": "prosody", "mucservice": "mucservice", "capped": "mucservice, cap on",
         "prosody-moderators": "prosody, moderators"}


class Drainer(threading.Thread):
    """
    Reads every filler's socket and throws it away, counting the
    self-presences (110) each filler got.
    """

    def __init__(self):
        threading.Thread.__init__(self, daemon=True)
        self.selector = selectors.DefaultSelector()
        self.added = queue.Queue()
        self.tails = {}
        self.known = set()
        self.selves = 0
        self.reads = 0
        self.lock = threading.Lock()
        self.stopping = False

    def add(self, sock):
        """
        Read C{sock} from now on (once only, however often it is added).
        """
        if sock not in self.known:
            self.known.add(sock)
            sock.setblocking(False)
            self.added.put(sock)

    def run(self):
        while not self.stopping:
            while not self.added.empty():
                sock = self.added.get()
                self.tails[sock] = b""
                self.selector.register(sock, selectors.EVENT_READ)
            for key, _ in self.selector.select(0.05):
                sock = key.fileobj
                try:
                    chunk = sock.recv(1 << 18)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    # Closed under it as the run ends.
                    chunk = b""
                if not chunk:
                    self.selector.unregister(sock)
                    continue
                self.reads += 1
                data = self.tails[sock] + chunk
                found = data.count(SELF) - self.tails[sock].count(SELF)
                self.tails[sock] = data[-len(SELF):]
                if found:
                    with self.lock:
                        self.selves += found

    def waitSelves(self, count, timeout=600):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.selves >= count:
                    return
            time.sleep(0.01)
        raise RuntimeError("only %d of %d self-presences came" % (self.selves, count))

    def waitQuiet(self, quiet=QUIET, sleep=time.sleep, timeout=600):
        """
        Wait until no filler has received anything for C{quiet} seconds.

        A filler's self-presence is not the end of what its join makes:
        mucservice answers the newcomer first and tells the others after
        (Prosody's MUC tells them first), so when the last wave's
        self-presences have come, the copies of those joins to the rest of
        the room are still on their way. A probe sent then waits behind
        them: it took 363 ms, against 144 to 227 for the 59 after it (a
        room of 1,000). The probes time joins into a room at rest.
        """
        for _ in range(int(timeout / quiet)):
            before = self.reads
            sleep(quiet)
            if self.reads == before:
                return
        raise RuntimeError("the fillers were still receiving after %d s" % (timeout,))


def send(sock, text):
    """
    Write a small stanza on a filler's socket, which the drainer reads (so
    it stays non-blocking).
    """
    data = text.encode("utf-8")
    while data:
        try:
            data = data[sock.send(data):]
        except BlockingIOError:
            time.sleep(0.001)


def fill(drainer, creator, fillers, room, form):
    """
    Fill C{room}: C{creator} (a client used for nothing else) makes it and
    submits C{form} (the fields of its configuration, or none: an instant
    room), then the fillers join, C{WAVE} joins on their way at once.
    """
    creator.send("<presence to='%s/f0'><x xmlns='%s'><history maxstanzas='0'/></x></presence>"
                 % (room, NS_MUC))
    e2e.drain(creator, SELF)
    creator.send("<iq type='set' id='instant' to='%s'><query xmlns='%s#owner'>"
                 "<x xmlns='jabber:x:data' type='submit'>%s</x></query></iq>"
                 % (room, NS_MUC, form))
    e2e.drain(creator, b"instant")
    e2e._unread.pop(creator, None)
    drainer.add(creator.sock)
    base = drainer.selves
    for start in range(0, len(fillers), WAVE):
        wave = fillers[start:start + WAVE]
        for n, client in enumerate(wave, start + 1):
            drainer.add(client.sock)
            send(client.sock, "<presence to='%s/f%d'><x xmlns='%s'><history maxstanzas='0'/>"
                              "</x></presence>" % (room, n, NS_MUC))
        drainer.waitSelves(base + start + len(wave))
    drainer.waitQuiet()


def empty(drainer, occupants, room):
    """
    Every occupant leaves C{room}; wait for the self-presence of each leave.
    """
    base = drainer.selves
    for n, client in enumerate(occupants):
        send(client.sock, "<presence type='unavailable' to='%s/f%d'/>" % (room, n))
    drainer.waitSelves(base + len(occupants))
    drainer.waitQuiet()


def probe(client, room, probes):
    """
    @return: the seconds each of C{probes} joins of C{client} took.
    """
    times = []
    for n in range(probes):
        start = time.perf_counter()
        client.send("<presence to='%s/probe%d'><x xmlns='%s'><history maxstanzas='0'/></x>"
                    "</presence>" % (room, n, NS_MUC))
        e2e.drain(client, SELF)
        times.append(time.perf_counter() - start)
        e2e.drain(client, b"<subject")
        client.send("<presence type='unavailable' to='%s/probe%d'/>" % (room, n))
        e2e.drain(client, SELF)
    e2e._unread.pop(client, None)
    return times


def raiseFileLimit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--sizes", default="100,1000",
                        help="room sizes, each measured against both MUCs")
    parser.add_argument("--capped", default="",
                        help="room sizes measured against mucservice with its cap on, and "
                             "Prosody's MUC broadcasting moderators' presence alone")
    parser.add_argument("--probes", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the figures there")
    options = parser.parse_args(argv)
    sizes = [int(s) for s in options.sizes.split(",") if s]
    capped = [int(s) for s in options.capped.split(",") if s]
    biggest = max(sizes + capped)
    raiseFileLimit(2 * biggest + 256)
    runs = [(size, muc) for size in sizes for muc in ("prosody", "mucservice")]
    runs += [(size, muc) for size in capped for muc in ("prosody-moderators", "capped")]
    joins = {run: [] for run in runs}
    forms = {"prosody": "", "capped": "",
             "mucservice": "<field var='%s'><value>none</value></field>" % (CAP_FIELD,),
             "prosody-moderators":
                 "<field var='FORM_TYPE'><value>%s#roomconfig</value></field>"
                 "<field var='%s'><value>moderator</value></field>" % (NS_MUC, BROADCAST_FIELD)}
    with tempfile.TemporaryDirectory(prefix="mucservice-joins-") as folder:
        server = e2e.Server(folder)
        drainer = Drainer()
        drainer.start()
        try:
            # The prober, a creator for each room, and the fillers.
            clients = server.connect(1 + options.rounds * len(runs) + biggest - 1)
            prober, creators = clients[0], clients[1:1 + options.rounds * len(runs)]
            fillers = clients[1 + len(creators):]
            order = [(round, run) for round in range(options.rounds)
                     for run in (runs if round % 2 == 0 else runs[::-1])]
            for n, (round, (size, muc)) in enumerate(order, 1):
                domain = e2e.MUCS["prosody" if muc.startswith("prosody") else "mucservice"]
                room = "joins-%d-%d-%s@%s" % (round, size, muc, domain)
                creator = creators.pop()
                fill(drainer, creator, fillers[:size - 1], room, forms[muc])
                times = probe(prober, room, options.probes)
                joins[(size, muc)].extend(times)
                print("round %d, %s, %d occupants: join p50 %.2f ms, p99 %.2f ms"
                      % (round + 1, muc, size, 1e3 * statistics.median(times),
                         1e3 * percentile(times, 0.99)), flush=True)
                if n < len(order):
                    # The fillers are needed again; after the last run,
                    # the server's end lets them all go at once.
                    start = time.perf_counter()
                    empty(drainer, [creator] + fillers[:size - 1], room)
                    print("  emptied in %.1f s" % (time.perf_counter() - start,), flush=True)
        finally:
            drainer.stopping = True
            server.stop()
    summary = {}
    print("%-22s %8s %12s %12s" % ("MUC", "occupants", "join p50 ms", "join p99 ms"))
    for size, muc in runs:
        times = joins[(size, muc)]
        row = {"join_ms_p50": 1e3 * statistics.median(times),
               "join_ms_p99": 1e3 * percentile(times, 0.99), "probes": len(times)}
        summary.setdefault(muc, {})[size] = row
        print("%-22s %8d %12.2f %12.2f"
              % (NAMES[muc], size, row["join_ms_p50"], row["join_ms_p99"]))
    for kinds, label, ours, theirs in ((sizes, "", "mucservice", "prosody"),
                                       (capped, ", cap on / moderators alone", "capped",
                                        "prosody-moderators")):
        for size in kinds:
            mine, other = summary[ours][size], summary[theirs][size]
            print("%d occupants%s: mucservice/Prosody p50 %.2f, p99 %.2f"
                  % (size, label, mine["join_ms_p50"] / other["join_ms_p50"],
                     mine["join_ms_p99"] / other["join_ms_p99"]))
    if options.json:
        with open(options.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "machine": {"cpus": os.cpu_count()},
                       "probes": options.probes, "rounds": options.rounds,
                       "figures": {muc: {str(k): v for k, v in rows.items()}
                                   for muc, rows in summary.items()}}, f, indent=2)
    return summary


if __name__ == "__main__":
    main()
