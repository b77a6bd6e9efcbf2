"""
End to end through a real Prosody on loopback: the same workload against
four MUCs behind the same server, in one run, interleaved:

 - Prosody's own MUC (C{muc-p.localhost}),
 - mucservice (C{muc-m.localhost}, the real C{twistd mucservice}),
 - the null component of C{bench/nullcomponent.py} (C{muc-n.localhost}),
   which only answers joins and fans groupchat out from pre-rendered
   strings: the most any component gets through Prosody, which parses every
   stanza a component sends;
 - the same null component with C{--ids} (C{muc-i.localhost}, "null+ids"),
   whose copies also carry the XEP-0359 stanza id and the XEP-0421 occupant
   id, in the shortest honest form: the floor for a MUC that marks its
   messages as those XEPs require, as mucservice does. The plain null's
   copies lack those two elements (about 180 bytes with these rooms'
   addresses), which Prosody parses again for every recipient: so
   mucservice/(null+ids) says what our process costs, and mucservice/null
   what the protocol and our process cost together.

    .venv/bin/python bench/e2e.py [--clients 50,100,200] [--messages 100]
        [--rounds 3] [--json PATH]

For each room size and MUC: the time each client's join takes (presence
sent, self-presence back), and groupchat deliveries/s (one sender, messages
sent back to back, every client's copies counted on its own socket), and
Prosody's CPU time per delivery during the burst with the share of the
burst it was busy (at 100 %, Prosody is what bounds the rate, and its CPU
per delivery is what each MUC's copies cost it). Medians over the rounds,
and the ratios mucservice/null, mucservice/(null+ids), mucservice/Prosody
and (null+ids)/null (what the ids alone cost). A ratio is the median of the
rounds' own ratios, with the lowest and the highest: the runs of a round
come within seconds of each other, so a machine whose speed changes from
one minute to the next (a shared virtual machine) moves both sides of a
round's ratio alike, where it would move a ratio of medians taken from
different rounds.

What must not decide the result, and how it is kept out: authentication
(clients log in with PLAIN before anything is timed; Prosody's SCRAM hashing
of stored passwords happens then), Prosody's c2s rate limits (mod_limits is
not loaded; nothing throttles a client), and the order of runs (each round
runs the four MUCs one after the other, the order turning each round).
"""

import argparse
import json
import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from mucservice.devserver.prosody import LocalProsody, luaString  # noqa: E402
from mucservice.devserver.run import ServiceProcess  # noqa: E402
from tests.integration.xmppclient import XMPPClient  # noqa: E402

DOMAIN = "localhost"
PASSWORD = "bench-password"
NS_MUC = "http://jabber.org/protocol/muc"
#: Each MUC's address. They are all as long, and so are the rooms' (the same
#: name at each): every copy carries its room's address once or twice, and
#: the server parses every byte a component sends.
MUCS = {"prosody": "muc-p.localhost", "mucservice": "muc-m.localhost",
        "null": "muc-n.localhost", "null+ids": "muc-i.localhost"}
#: The null components, each with the options of bench/nullcomponent.py it
#: runs with.
NULLS = {"null": [], "null+ids": ["--ids"]}
#: Ratio name to the MUCs whose deliveries/s it divides, one by the other.
RATIOS = {"mucservice/null": ("mucservice", "null"),
          "mucservice/null+ids": ("mucservice", "null+ids"),
          "mucservice/Prosody": ("mucservice", "prosody"),
          "null+ids/null": ("null+ids", "null")}
#: Limits of mucservice raised out of the way: one sender says everything, and
#: one user makes the room of every run (more than --room-creation-rate allows).
LIMITS = ["--message-rate", "1000000000/1", "--presence-rate", "1000000000/1",
          "--join-rate", "1000000000/1", "--room-creation-rate", "1000000000/1",
          "--pinger", "none", "--offline-delivery", "none",
          "--room-store", "memory", "--hat-store", "memory"]


class Server:
    """
    Prosody with the four MUCs, and the three external components connected.
    """

    def __init__(self, folder):
        secrets = {name: uuid.uuid4().hex for name in NULLS}
        extra = ('Component "%s" "muc"\n'
                 '    restrict_room_creation = false\n'
                 '    muc_room_default_history_length = 0\n' % (MUCS["prosody"],))
        extra += "".join('Component "%s"\n    component_secret = %s\n'
                         % (MUCS[name], luaString(secret)) for name, secret in secrets.items())
        self.prosody = LocalProsody(os.path.join(folder, "prosody"), domain=DOMAIN,
                                    componentJID=MUCS["mucservice"], extraConfig=extra,
                                    logLevel="warn")
        self.prosody.start()
        secretFile = os.path.join(folder, "secret")
        with open(secretFile, "w") as f:
            f.write(self.prosody.componentSecret)
        self.service = ServiceProcess(os.path.join(folder, "service"), MUCS["mucservice"],
                                      secretFile, self.prosody.componentPort,
                                      "sqlite:" + os.path.join(folder, "m.sqlite"),
                                      extraArgs=LIMITS)
        self.service.start()
        self.service.waitConnected()
        self.nulls = [subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "bench", "nullcomponent.py"), "--jid",
             MUCS[name], "--secret", secret, "--port", str(self.prosody.componentPort)]
            + NULLS[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, secret in secrets.items()]
        self.clients = []

    def connect(self, count):
        """
        Log in C{count} clients (more than before if need be), each an
        account of its own made by in-band registration.
        """
        while len(self.clients) < count:
            user = "bench%d" % (len(self.clients),)
            XMPPClient.register("127.0.0.1", self.prosody.c2sPort, DOMAIN, user, PASSWORD)
            client = XMPPClient.connect("127.0.0.1", self.prosody.c2sPort, DOMAIN, user,
                                        PASSWORD, resource="r")
            client.send("<presence/>")
            self.clients.append(client)
        return self.clients[:count]

    def stop(self):
        for client in self.clients:
            client.sock.close()
        for null in self.nulls:
            null.terminate()
            null.wait()
        self.service.stop()
        self.prosody.stop()


#: Client to what it has read past the last marker waited for.
_unread = {}


def drain(client, marker, timeout=30):
    """
    Read the client's socket until C{marker} has come, and pass it.

    What arrives is acknowledged at once: a client waiting for data has
    nothing to send, so Linux would hold its acknowledgements back (40 ms),
    and the server, holding its next small write until the last is
    acknowledged (Nagle), would wait as long. Clients do not time that; the
    joins should not either.
    """
    sock, data = client.sock, _unread.pop(client, b"")
    sock.settimeout(timeout)
    while marker not in data:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise RuntimeError("%s: the server closed the stream" % (client.jid,))
        data = data[-len(marker):] + chunk
    _unread[client] = data[data.index(marker) + len(marker):]


def joinAll(clients, room, instant=True):
    """
    Each client joins in turn (the first makes the room and, if C{instant},
    accepts it as an instant room: the null component has no rules to
    configure); @return: each join's seconds.
    """
    times = []
    for n, client in enumerate(clients):
        start = time.perf_counter()
        client.send("<presence to='%s/c%d'><x xmlns='%s'><history maxstanzas='0'/></x>"
                    "</presence>" % (room, n, NS_MUC))
        drain(client, b"code='110'")
        times.append(time.perf_counter() - start)
        drain(client, b"subject")
        if n == 0 and instant:
            client.send("<iq type='set' id='instant' to='%s'><query xmlns='%s#owner'>"
                        "<x xmlns='jabber:x:data' type='submit'/></query></iq>" % (room, NS_MUC))
            drain(client, b"instant")
    return times


def burst(clients, room, messages):
    """
    The first client sends C{messages} messages back to back; @return: the
    seconds until every client has every copy.
    """
    text = "".join("<message to='%s' type='groupchat' id='b%d'><body>Message %d, of an "
                   "ordinary length for a chat in a room.</body></message>" % (room, k, k)
                   for k in range(messages))
    start = time.perf_counter()
    clients[0].sock.sendall(text.encode("utf-8"))
    awaitCopies([client.sock for client in clients], messages, start + 300)
    return time.perf_counter() - start


def awaitCopies(socks, messages, deadline):
    """
    Read each socket until C{messages} message bodies have come to it,
    acknowledging at once what arrives (as L{drain} does: else the server's
    Nagle algorithm and the client's delayed acknowledgements would add
    40 ms to a burst of a few copies).

    @param deadline: the L{time.perf_counter} by which they must have.
    @raise RuntimeError: some are still missing at the deadline.
    """
    expected = {sock: messages for sock in socks}
    tails = {sock: b"" for sock in socks}
    selector = selectors.DefaultSelector()
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    try:
        while any(left > 0 for left in expected.values()):
            if time.perf_counter() > deadline:
                raise RuntimeError("copies still missing at the deadline")
            for key, _ in selector.select(1):
                sock = key.fileobj
                try:
                    chunk = sock.recv(1 << 18)
                except BlockingIOError:
                    continue
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                data = tails[sock] + chunk
                expected[sock] -= data.count(b"</body>") - tails[sock].count(b"</body>")
                tails[sock] = data[-8:]
    finally:
        selector.close()
        for sock in socks:
            sock.setblocking(True)


def leaveAll(clients, room):
    for n, client in enumerate(clients):
        client.send("<presence type='unavailable' to='%s/c%d'/>" % (room, n))
        _unread.pop(client, None)


def settle(clients, quiet=0.5):
    """
    Read and drop what comes to the clients (the leaves) until none of them
    has received anything for C{quiet} seconds.
    """
    selector = selectors.DefaultSelector()
    for client in clients:
        client.sock.setblocking(False)
        selector.register(client.sock, selectors.EVENT_READ)
    try:
        while True:
            events = selector.select(quiet)
            if not events:
                return
            for key, _ in events:
                try:
                    if not key.fileobj.recv(1 << 18):
                        raise RuntimeError("the server closed a client's stream")
                except (BlockingIOError, InterruptedError):
                    pass
    finally:
        selector.close()
        for client in clients:
            client.sock.setblocking(True)


def cpuSeconds(pid):
    """
    @return: the CPU time process C{pid} has run for, in seconds, to the
        nanosecond the scheduler counts (C{/proc/PID/schedstat}), where
        C{/proc/PID/stat} counts in ticks of 10 ms.
    """
    with open("/proc/%d/schedstat" % (pid,)) as f:
        return int(f.read().split()[0]) / 1e9


def run(server, muc, count, messages, tag):
    clients = server.connect(count)
    room = "bench-%s@%s" % (tag, MUCS[muc])
    joins = joinAll(clients, room, instant=muc not in NULLS)
    cpu = cpuSeconds(server.prosody.process.pid)
    seconds = burst(clients, room, messages)
    cpu = cpuSeconds(server.prosody.process.pid) - cpu
    leaveAll(clients, room)
    settle(clients)
    return {"join_ms_p50": 1e3 * statistics.median(joins),
            "join_ms_max": 1e3 * max(joins),
            "deliveries_per_second": count * messages / seconds,
            "prosody_cpu_us_per_delivery": 1e6 * cpu / (count * messages),
            "prosody_busy": cpu / seconds}


def pairedRatio(runs, over, under):
    """
    @param runs: MUC to its runs at one room size, one per round, in order.
    @return: the median over the rounds of each round's ratio of the
        deliveries/s of C{over} to those of C{under}, then the lowest and
        the highest of those ratios.
    """
    each = sorted(a["deliveries_per_second"] / b["deliveries_per_second"]
                  for a, b in zip(runs[over], runs[under], strict=True))
    return statistics.median(each), each[0], each[-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--clients", default="50,100,200")
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the figures there")
    options = parser.parse_args(argv)
    sizes = [int(s) for s in options.clients.split(",") if s]
    figures = {muc: {size: [] for size in sizes} for muc in MUCS}
    with tempfile.TemporaryDirectory(prefix="mucservice-e2e-") as folder:
        server = Server(folder)
        try:
            order = list(MUCS)
            for round in range(options.rounds):
                for size in sizes:
                    for muc in order:
                        tag = "%d-%d" % (round, size)
                        figures[muc][size].append(run(server, muc, size, options.messages, tag))
                order = order[1:] + order[:1]
        finally:
            server.stop()
    summary = {}
    print("%-10s %8s %14s %12s %12s %16s %14s" % (
        "MUC", "clients", "deliveries/s", "join p50 ms", "join max ms",
        "Prosody CPU us", "Prosody busy"))
    for muc in MUCS:
        for size in sizes:
            runs = figures[muc][size]
            row = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            summary.setdefault(muc, {})[size] = row
            print("%-10s %8d %14.0f %12.2f %12.2f %16.1f %13.0f%%" % (
                muc, size, row["deliveries_per_second"], row["join_ms_p50"],
                row["join_ms_max"], row["prosody_cpu_us_per_delivery"],
                100 * row["prosody_busy"]))
    ratios, ranges = {}, {}
    for size in sizes:
        runs = {muc: figures[muc][size] for muc in MUCS}
        paired = {name: pairedRatio(runs, *mucs) for name, mucs in RATIOS.items()}
        ratios[size] = {name: median for name, (median, _, _) in paired.items()}
        ranges[size] = {name: [low, high] for name, (_, low, high) in paired.items()}
        print("%d clients: %s" % (size, ", ".join(
            "%s %.2f (%.2f to %.2f)" % ((name,) + paired[name]) for name in RATIOS)))
    if options.json:
        with open(options.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "machine": {"cpus": os.cpu_count()},
                       "messages": options.messages, "rounds": options.rounds,
                       "figures": summary, "ratios": ratios, "ratio_ranges": ranges,
                       "deliveries_per_round": {
                           muc: {size: [r["deliveries_per_second"] for r in figures[muc][size]]
                                 for size in sizes} for muc in MUCS}}, f, indent=2)
    return summary


if __name__ == "__main__":
    main()
