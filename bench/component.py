"""
The service alone, behind a real socket: this harness plays the XMPP
server's side of XEP-0114 on loopback (it accepts the handshake, then counts
what it receives), starts the real C{twistd mucservice} against it, and
multiplexes synthetic occupants over the one stream.

    .venv/bin/python bench/component.py [--sizes 10,100,1000,10000]
        [--rooms 1000] [--messages 200] [--json PATH] [--plot PATH]

For each room size: the join latency against occupancy (presence in, the
newcomer's self-presence out; p50/p99 over the joins of each tenth of the
fill), wall and CPU seconds to fill the room, sustained groupchat
deliveries/s at saturation (one sender, messages sent back to back), the
latency to the first and the last copy of one message, resident memory per
occupant, CPU seconds per 1,000 deliveries, and the worst reactor stall seen
meanwhile (the longest round trip of pings to the service sent every 10 ms).
Then many rooms of ten: resident memory per room and per occupant. The
figures go to stdout, and as JSON to C{--json}; C{--plot} draws throughput
and latency against room size (needs matplotlib).

Everything runs on loopback, bounded in count and time. Memory stores and no
pinger: what is measured is the service's own work, not a database's.
"""

import argparse
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from mucservice.devserver.run import twistdCommand  # noqa: E402

SERVICE = "muc.bench"
USERS = "bench.example"
NS_MUC = "http://jabber.org/protocol/muc"
NS_OWNER = NS_MUC + "#owner"
NS_DATA = "jabber:x:data"
SELF = b"code='110'"

#: Limits raised out of the way: one sender says everything, users join fast.
LIMITS = ["--message-rate", "1000000000/1", "--presence-rate", "1000000000/1",
          "--join-rate", "1000000000/1", "--max-body-length", "100000"]


class Stream:
    """
    The server's end of the component stream: sends text and reads what the
    service writes, counting stanzas without parsing them (a count of
    C{<message} and C{<presence} openings, kept right across reads).

    @ivar buffer: what was read and not yet passed by L{waitFor}.
    """

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()
        self.messages = 0
        self.presences = 0
        self.received = 0

    def send(self, text):
        self.sock.sendall(text.encode("utf-8"))

    def read(self, timeout=30.0):
        """
        Read what has come, adding it to L{buffer}.

        @return: the bytes read, with the few before them (so that a marker
            cut in two is found).
        """
        self.sock.settimeout(timeout)
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("the service closed the stream")
        self.received += len(chunk)
        before = bytes(self.buffer[-16:])
        self.buffer += chunk
        data = before + chunk
        self.messages += data.count(b"<message") - before.count(b"<message")
        self.presences += data.count(b"<presence") - before.count(b"<presence")
        return data

    def waitFor(self, marker, timeout=60.0):
        """
        Read until C{marker} (bytes) has come, and pass it.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.buffer.find(marker)
            if found >= 0:
                del self.buffer[:found + len(marker)]
                return
            # What cannot hold the start of the marker is done with.
            del self.buffer[:max(0, len(self.buffer) - len(marker))]
            if time.monotonic() > deadline:
                raise RuntimeError("waited in vain for %r" % (marker,))
            self.read(max(0.01, deadline - time.monotonic()))

    def forget(self):
        """
        Drop what was read and not waited for (a burst counted, not
        searched).
        """
        del self.buffer[:max(0, len(self.buffer) - 16)]


class Harness:
    """
    A listening socket playing the server, and the real service connected to
    it.
    """

    def __init__(self, folder, extraArgs=()):
        self.folder = folder
        self.secret = uuid.uuid4().hex
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        port = self.listener.getsockname()[1]
        args = twistdCommand() + [
            "-n", "--pidfile=", "--logfile=" + os.path.join(folder, "mucservice.log"),
            "mucservice", "--jid", SERVICE, "--secret", self.secret, "--port", str(port),
            "--room-store", "memory", "--hat-store", "memory", "--pinger", "none",
            "--offline-delivery", "none", "--db", "sqlite:" + os.path.join(folder, "x")]
        self.process = subprocess.Popen(args + LIMITS + list(extraArgs), cwd=folder,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.stream = self.accept()

    def accept(self, timeout=30):
        self.listener.settimeout(timeout)
        sock, _ = self.listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = Stream(sock)
        stream.waitFor(b"<stream:stream")
        streamID = uuid.uuid4().hex
        stream.send("<stream:stream xmlns='jabber:component:accept' xmlns:stream="
                    "'http://etherx.jabber.org/streams' from='%s' id='%s'>" % (SERVICE, streamID))
        expected = hashlib.sha1((streamID + self.secret).encode("utf-8")).hexdigest()
        stream.waitFor(b">%s</handshake>" % expected.encode("ascii"))
        stream.send("<handshake/>")
        return stream

    def stop(self):
        self.process.terminate()
        self.process.wait(30)
        self.listener.close()

    def cpuSeconds(self):
        """
        @return: the service's user and system CPU seconds so far.
        """
        with open("/proc/%d/stat" % self.process.pid) as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss(self):
        """
        @return: the service's resident memory, in bytes.
        """
        with open("/proc/%d/status" % self.process.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0


def user(n, room=0):
    return "u%d-%d@%s/r" % (room, n, USERS)


def join(stream, room, n, roomIndex=0):
    """
    A synthetic occupant joins (no history); @return: the seconds until its
    self-presence came, and until its join ended (the subject).
    """
    start = time.perf_counter()
    stream.send("<presence from='%s' to='%s/u%d'><x xmlns='%s'><history maxstanzas='0'/></x>"
                "</presence>" % (user(n, roomIndex), room, n, NS_MUC))
    stream.waitFor(SELF)
    own = time.perf_counter() - start
    stream.waitFor(b"<subject")
    return own, time.perf_counter() - start


def createRoom(stream, room, roomIndex=0):
    """
    The first occupant creates the room and accepts the instant room.
    """
    join(stream, room, 0, roomIndex)
    stream.send("<iq type='set' id='c' from='%s' to='%s'><query xmlns='%s'><x xmlns='%s' "
                "type='submit'/></query></iq>" % (user(0, roomIndex), room, NS_OWNER, NS_DATA))
    stream.waitFor(b"id='c'")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def groupchat(stream, room, sender, count, occupants, pings=True):
    """
    Send C{count} messages back to back and read every copy.

    @return: seconds taken, the worst ping round trip meanwhile.
    """
    expected = stream.messages + count * occupants
    text = "".join("<message from='%s' to='%s' type='groupchat' id='m%d'><body>Message %d, of "
                   "an ordinary length for a chat in a room.</body></message>"
                   % (sender, room, k, k) for k in range(count))
    start = time.perf_counter()
    stream.send(text)
    worst, nextPing, pending, sequence = 0.0, start, {}, 0
    while stream.messages < expected or pending:
        now = time.perf_counter()
        if pings and now >= nextPing and len(pending) < 3:
            sequence += 1
            pending[b"id='p%d'" % sequence] = now
            stream.send("<iq type='get' id='p%d' from='%s' to='%s'><ping xmlns='urn:xmpp:ping'/>"
                        "</iq>" % (sequence, sender, SERVICE))
            nextPing = now + 0.01
        data = stream.read()
        for marker, sent in list(pending.items()):
            if marker in data:
                worst = max(worst, time.perf_counter() - sent)
                del pending[marker]
        stream.forget()
    return time.perf_counter() - start, worst


def oneMessage(stream, room, sender, occupants):
    """
    @return: the seconds to the first and to the last copy of one message.
    """
    first = stream.messages
    start = time.perf_counter()
    stream.send("<message from='%s' to='%s' type='groupchat' id='one'><body>one</body>"
                "</message>" % (sender, room))
    firstAt = None
    while stream.messages < first + occupants:
        stream.read()
        stream.forget()
        if firstAt is None and stream.messages > first:
            firstAt = time.perf_counter() - start
    return firstAt, time.perf_counter() - start


def roomScenario(folder, size, messages):
    """
    One room filled to C{size} occupants, then a burst of groupchat.
    """
    harness = Harness(folder)
    try:
        stream = harness.stream
        room = "bench@" + SERVICE
        baseline = harness.rss()
        cpu0, wall0 = harness.cpuSeconds(), time.perf_counter()
        createRoom(stream, room)
        latencies = []
        for n in range(1, size):
            latencies.append(join(stream, room, n)[0])
        fillWall, fillCPU = time.perf_counter() - wall0, harness.cpuSeconds() - cpu0
        filled = harness.rss()
        firstCopy, lastCopy = oneMessage(stream, room, user(1), size)
        cpu1 = harness.cpuSeconds()
        seconds, stall = groupchat(stream, room, user(1), messages, size)
        deliveries = messages * size
        burstCPU = harness.cpuSeconds() - cpu1
        tenth = max(1, len(latencies) // 10)
        return {
            "occupants": size,
            "join_ms": {"p50": 1e3 * statistics.median(latencies or [0]),
                        "p99": 1e3 * percentile(latencies or [0], 0.99),
                        "last_tenth_p50": 1e3 * statistics.median(latencies[-tenth:] or [0]),
                        "last_tenth_p99": 1e3 * percentile(latencies[-tenth:] or [0], 0.99),
                        "last": 1e3 * (latencies[-1] if latencies else 0)},
            "fill_seconds": {"wall": fillWall, "cpu": fillCPU},
            "deliveries_per_second": deliveries / seconds,
            "copy_latency_ms": {"first": 1e3 * firstCopy, "last": 1e3 * lastCopy},
            "rss_bytes": {"before": baseline, "filled": filled,
                          "per_occupant": (filled - baseline) / size},
            "cpu_seconds_per_1000_deliveries": 1e3 * burstCPU / deliveries,
            "worst_stall_ms": 1e3 * stall,
            "bytes_received": stream.received,
        }
    finally:
        harness.stop()


def manyRoomsScenario(folder, rooms, perRoom=10):
    """
    C{rooms} rooms of C{perRoom} occupants: memory per room.
    """
    harness = Harness(folder)
    try:
        stream = harness.stream
        baseline = harness.rss()
        start, cpu0 = time.perf_counter(), harness.cpuSeconds()
        for r in range(rooms):
            room = "room%d@%s" % (r, SERVICE)
            createRoom(stream, room, r)
            for n in range(1, perRoom):
                join(stream, room, n, r)
        filled = harness.rss()
        return {"rooms": rooms, "occupants_per_room": perRoom,
                "fill_seconds": {"wall": time.perf_counter() - start,
                                 "cpu": harness.cpuSeconds() - cpu0},
                "rss_bytes": {"before": baseline, "filled": filled,
                              "per_room": (filled - baseline) / rooms,
                              "per_occupant": (filled - baseline) / (rooms * perRoom)}}
    finally:
        harness.stop()


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    sizes = [r["occupants"] for r in results]
    figure, (left, right) = pyplot.subplots(1, 2, figsize=(11, 4))
    left.plot(sizes, [r["deliveries_per_second"] for r in results], marker="o")
    left.set(xscale="log", xlabel="occupants", ylabel="deliveries/s",
             title="groupchat throughput")
    for key in ("p50", "p99"):
        right.plot(sizes, [r["join_ms"]["last_tenth_" + key] for r in results], marker="o",
                   label="join " + key)
    right.plot(sizes, [r["copy_latency_ms"]["last"] for r in results], marker="o",
               label="last copy")
    right.set(xscale="log", yscale="log", xlabel="occupants", ylabel="ms", title="latency")
    right.legend()
    figure.tight_layout()
    figure.savefig(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000",
                        help="room sizes, comma-separated (10000 needs the presence cap)")
    parser.add_argument("--rooms", type=int, default=1000, help="rooms of ten (0: skip)")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--json", help="write the figures there")
    parser.add_argument("--plot", help="draw them there (PNG; needs matplotlib)")
    options = parser.parse_args(argv)
    results = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
               "date": time.strftime("%Y-%m-%d"), "rooms": []}
    with tempfile.TemporaryDirectory(prefix="mucservice-bench-") as folder:
        for size in [int(s) for s in options.sizes.split(",") if s]:
            figures = roomScenario(folder, size, max(1, min(options.messages,
                                                            200_000 // size)))
            results["rooms"].append(figures)
            print("room of %(occupants)d: %(deliveries_per_second).0f deliveries/s" % figures
                  + "; join p50 %.2f ms, p99 %.2f ms (last tenth: %.2f / %.2f)"
                  % tuple(figures["join_ms"][k] for k in ("p50", "p99", "last_tenth_p50",
                                                          "last_tenth_p99"))
                  + "; fill %.1f s wall, %.1f s CPU" % (figures["fill_seconds"]["wall"],
                                                         figures["fill_seconds"]["cpu"])
                  + "; copies %.2f / %.2f ms" % (figures["copy_latency_ms"]["first"],
                                                  figures["copy_latency_ms"]["last"])
                  + "; %.0f B RSS per occupant" % figures["rss_bytes"]["per_occupant"]
                  + "; %.3f CPU s per 1,000 deliveries"
                  % figures["cpu_seconds_per_1000_deliveries"]
                  + "; worst stall %.1f ms" % figures["worst_stall_ms"])
        if options.rooms:
            many = manyRoomsScenario(folder, options.rooms)
            results["many_rooms"] = many
            print("%d rooms of 10: %.0f B RSS per room, %.0f B per occupant; fill %.1f s"
                  % (many["rooms"], many["rss_bytes"]["per_room"],
                     many["rss_bytes"]["per_occupant"], many["fill_seconds"]["wall"]))
    if options.json:
        with open(options.json, "w") as f:
            json.dump(results, f, indent=2)
    if options.plot:
        plot(results["rooms"], options.plot)
    return results


if __name__ == "__main__":
    main()
