"""
The service alone, behind a real socket: L{socketharness} plays the XMPP
server's side of XEP-0114 on loopback, starts the real C{twistd mucservice}
against it, and multiplexes synthetic occupants over the one stream.

    .venv/bin/python bench/component.py [--sizes 10,100,1000,10000]
        [--rooms 1000] [--empty-rooms 1000] [--messages 200]
        [--max-users-presence N|none] [--uncapped-joins 10]
        [--json PATH] [--plot PATH]

For each room size: the join latency against occupancy (presence in, the
newcomer's self-presence out; p50/p99 over each tenth of the fill), wall
and CPU seconds to fill the room, sustained groupchat deliveries/s at
saturation (one sender, messages sent back to back; and per CPU second of
the service, which is one thread: what one core does), the latency to the
first and the last copy of one message, resident memory per occupant (all
it grew by, divided by the occupants; and what each occupant of the second
half of the fill added, which leaves out what is paid once, such as the
address cache filling up), CPU seconds per 1,000 deliveries, bytes per
delivery, and the worst reactor stall seen meanwhile: measured from
outside, as the longest round trip of pings (XEP-0199, answered by the
service on the reactor's thread) sent every 10 ms during the burst. A room
larger than the presence cap (the service's default, 1,000) is filled with
the cap on; then its owner turns the cap off and a few more occupants
join, each told to everybody and given everybody: what the join costs
without the cap. Then many rooms of ten (resident memory per room and per
occupant), and empty persistent rooms (each configured persistent in the
SQLite room store, then left by its owner).

The figures go to stdout, and as JSON to C{--json}; C{--plot} draws
throughput and latency against room size (needs matplotlib, the extra
C{bench} of setup.cfg). Everything runs on loopback, bounded in count and
time. Memory stores and no pinger unless said: what is measured is the
service's own work, not a database's.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.socketharness import (  # noqa: E402
    SERVICE,
    Harness,
    configure,
    createRoom,
    join,
    leave,
    user,
    warmUp,
)

CAP_FIELD = "mucservice#roomconfig_maxuserspresence"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def latencyFigures(seconds):
    """
    @return: p50, p99 and max of C{seconds}, in ms.
    """
    seconds = seconds or [0]
    return {"p50": 1e3 * statistics.median(seconds), "p99": 1e3 * percentile(seconds, 0.99),
            "max": 1e3 * max(seconds)}


def groupchat(stream, room, sender, count, occupants):
    """
    Send C{count} messages back to back and read every copy, pinging the
    service every 10 ms meanwhile.

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
        if now >= nextPing and len(pending) < 3:
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


def roomScenario(folder, size, messages, cap, uncappedJoins):
    """
    One room filled to C{size} occupants, then a burst of groupchat; over
    the cap, a few joins with the cap turned off.
    """
    harness = Harness(folder, ["--max-users-presence", cap])
    try:
        stream = harness.stream
        room = "bench@" + SERVICE
        warmUp(stream)
        baseline = harness.rss()
        cpu0, wall0 = harness.cpuSeconds(), time.perf_counter()
        createRoom(stream, room)
        latencies, half = [], None
        for n in range(1, size):
            latencies.append(join(stream, room, n)[0])
            if n == size // 2:
                half = harness.rss()
        fillWall, fillCPU = time.perf_counter() - wall0, harness.cpuSeconds() - cpu0
        filled = harness.rss()
        firstCopy, lastCopy = oneMessage(stream, room, user(1), size)
        cpu1, received, ownCPU = harness.cpuSeconds(), stream.received, time.process_time()
        seconds, stall = groupchat(stream, room, user(1), messages, size)
        deliveries = messages * size
        burstCPU = harness.cpuSeconds() - cpu1
        harnessCPU = time.process_time() - ownCPU
        tenth = max(1, len(latencies) // 10)
        figures = {
            "occupants": size,
            "capped": cap != "none" and size > int(cap),
            "join_ms": dict(latencyFigures(latencies),
                            **{"last_tenth_" + k: v
                               for k, v in latencyFigures(latencies[-tenth:]).items()}),
            "join_ms_by_occupancy": [
                dict(latencyFigures(latencies[start:start + tenth]),
                     occupancy=min(size, start + tenth + 1))
                for start in range(0, len(latencies), tenth)],
            "fill_seconds": {"wall": fillWall, "cpu": fillCPU},
            "messages": messages,
            "deliveries_per_second": deliveries / seconds,
            "deliveries_per_cpu_second": deliveries / burstCPU if burstCPU else None,
            "burst_seconds": {"wall": seconds, "service_cpu": burstCPU,
                              "harness_cpu": harnessCPU},
            "bytes_per_delivery": (stream.received - received) / deliveries,
            "copy_latency_ms": {"first": 1e3 * firstCopy, "last": 1e3 * lastCopy},
            "rss_bytes": {"before": baseline, "filled": filled,
                          "per_occupant": (filled - baseline) / size,
                          "marginal_per_occupant": (filled - half) / (size - size // 2)
                          if half else None},
            "cpu_seconds_per_1000_deliveries": 1e3 * burstCPU / deliveries,
            "worst_stall_ms": 1e3 * stall,
        }
        if figures["capped"] and uncappedJoins:
            configure(stream, room, **{CAP_FIELD: "none"})
            uncapped = [join(stream, room, size + n)[0] for n in range(uncappedJoins)]
            figures["uncapped_join_ms"] = dict(latencyFigures(uncapped), joins=uncappedJoins)
        return figures
    finally:
        harness.stop()


def manyRoomsScenario(folder, rooms, perRoom=10):
    """
    C{rooms} rooms of C{perRoom} occupants: memory per room.
    """
    harness = Harness(folder)
    try:
        stream = harness.stream
        warmUp(stream)
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


def emptyRoomsScenario(folder, rooms):
    """
    C{rooms} persistent rooms in the SQLite room store, each configured by
    its owner, who then leaves: memory per empty room.
    """
    harness = Harness(folder, ["--room-store", "sqlite", "--hat-store", "sql"])
    try:
        stream = harness.stream
        # One room first, so that the store's connection and caches are there.
        createRoom(stream, "warm@" + SERVICE, rooms, **{"muc#roomconfig_persistentroom": "1"})
        baseline = harness.rss()
        start = time.perf_counter()
        for r in range(rooms):
            room = "empty%d@%s" % (r, SERVICE)
            createRoom(stream, room, r, **{"muc#roomconfig_persistentroom": "1"})
            leave(stream, room, 0, r)
        filled = harness.rss()
        return {"rooms": rooms, "store": "sqlite", "seconds": time.perf_counter() - start,
                "rss_bytes": {"before": baseline, "filled": filled,
                              "per_room": (filled - baseline) / rooms}}
    finally:
        harness.stop()


def describe(figures):
    line = "room of %(occupants)d%(cap)s: %(deliveries_per_second).0f deliveries/s" % dict(
        figures, cap=" (presence cap on)" if figures["capped"] else "")
    join = figures["join_ms"]
    line += "; join p50 %.2f ms, p99 %.2f ms (last tenth: %.2f / %.2f)" % (
        join["p50"], join["p99"], join["last_tenth_p50"], join["last_tenth_p99"])
    if "uncapped_join_ms" in figures:
        line += "; without the cap %.1f ms p50" % figures["uncapped_join_ms"]["p50"]
    line += "; fill %.1f s wall, %.1f s CPU" % (figures["fill_seconds"]["wall"],
                                                 figures["fill_seconds"]["cpu"])
    line += "; copies %.2f / %.2f ms" % (figures["copy_latency_ms"]["first"],
                                         figures["copy_latency_ms"]["last"])
    line += "; %.0f B RSS per occupant (%.0f B each in the second half)" % (
        figures["rss_bytes"]["per_occupant"], figures["rss_bytes"]["marginal_per_occupant"] or 0)
    line += "; %.4f CPU s per 1,000 deliveries" % figures["cpu_seconds_per_1000_deliveries"]
    line += "; %.0f B per delivery" % figures["bytes_per_delivery"]
    return line + "; worst stall %.1f ms" % figures["worst_stall_ms"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,10000", help="room sizes, comma-separated")
    parser.add_argument("--rooms", type=int, default=1000, help="rooms of ten (0: skip)")
    parser.add_argument("--empty-rooms", type=int, default=1000,
                        help="empty persistent rooms (0: skip)")
    parser.add_argument("--messages", type=int, default=200,
                        help="messages of the burst (fewer in large rooms: 200,000 deliveries "
                             "at most)")
    parser.add_argument("--max-users-presence", default="1000",
                        help="the service's presence cap (none: no cap)")
    parser.add_argument("--uncapped-joins", type=int, default=10,
                        help="joins with the cap turned off, in rooms over it")
    parser.add_argument("--json", help="write the figures there")
    parser.add_argument("--plot", help="draw them there (PNG; needs matplotlib)")
    options = parser.parse_args(argv)
    results = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                           "system": platform.platform(), "processor": processorName(),
                           "load_average": os.getloadavg()},
               "date": time.strftime("%Y-%m-%d %H:%M"), "max_users_presence":
               options.max_users_presence, "rooms": []}
    with tempfile.TemporaryDirectory(prefix="mucservice-bench-") as folder:
        for size in [int(s) for s in options.sizes.split(",") if s]:
            figures = roomScenario(folder, size, max(1, min(options.messages, 200_000 // size)),
                                   options.max_users_presence, options.uncapped_joins)
            results["rooms"].append(figures)
            print(describe(figures), flush=True)
        if options.rooms:
            many = results["many_rooms"] = manyRoomsScenario(folder, options.rooms)
            print("%d rooms of 10: %.0f B RSS per room, %.0f B per occupant; fill %.1f s"
                  % (many["rooms"], many["rss_bytes"]["per_room"],
                     many["rss_bytes"]["per_occupant"], many["fill_seconds"]["wall"]),
                  flush=True)
        if options.empty_rooms:
            empty = results["empty_rooms"] = emptyRoomsScenario(folder, options.empty_rooms)
            print("%d empty persistent rooms: %.0f B RSS per room"
                  % (empty["rooms"], empty["rss_bytes"]["per_room"]), flush=True)
    if options.json:
        with open(options.json, "w") as f:
            json.dump(results, f, indent=2)
    if options.plot:
        from bench.plot import plotRooms

        plotRooms(results, options.plot)
    return results


def processorName():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
