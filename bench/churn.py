"""
Memory that comes back: the resident memory of a real C{twistd mucservice}
before sessions churn through it and after each wave, and after a backlog
of the component link.

    .venv/bin/python bench/churn.py [--waves 3] [--sessions 5000]
        [--rooms 500] [--at-once N] [--wait 11] [--backlog-room 1000]
        [--backlog 2000] [--service-args ARGS] [--json PATH]

It reuses L{component}'s harness: a listening socket that plays the XMPP
server's side of XEP-0114 on loopback and multiplexes synthetic occupants
over the one stream. C{--rooms} rooms are made first, each with its creator
inside for good; that is the level before churn. Then each wave:
C{--sessions} new sessions (a new user and resource each; C{--at-once} of
them at a time, by default all) join those rooms in turn, each sends a
groupchat message (with a C{no-store} hint: a room's history keeps its
senders' addresses, and is bounded by its length, not by churn), a private
message and an IQ to nicks nobody has, and all of them leave. The
service's RSS is read once everything it wrote for the wave has come and
the limits' sweep has run (the benchmark raises the rates, so that their
buckets last a second). The target is an RSS after churn within 5% of the
level before it.

The backlog (C{--backlog-room}, 0 to skip): a room of that many occupants
(presence broadcast on), then the server stops reading while C{--backlog}
presence updates of one occupant, each told to every occupant, are sent;
then it reads everything. RSS before the backlog, at its peak, and once it
has drained.

Figures, never pass/fail; stdout, and JSON to C{--json}.
"""

import argparse
import json
import os
import shlex
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from socketharness import NS_MUC, SERVICE, USERS, Harness, createRoom, join  # noqa: E402

from mucservice.room.limits import SWEEP_INTERVAL  # noqa: E402

MIB = 1024 * 1024

#: Stanzas sent before their answers are read: enough to keep the service
#: busy, few enough that neither side's socket buffer fills.
WINDOW = 50


def roomJID(r):
    return "churn%d@%s" % (r, SERVICE)


def settle(harness, seconds=0.3):
    """
    Read until the service has written nothing for C{seconds}.
    """
    stream = harness.stream
    while True:
        try:
            stream.read(seconds)
        except OSError:
            break
        stream.forget()
    stream.sock.settimeout(None)


def countUntil(stream, marker, count, timeout=120.0):
    """
    Read until C{marker} has come C{count} times more.
    """
    deadline = time.monotonic() + timeout
    seen = 0
    while seen < count:
        stream.waitFor(marker, max(0.01, deadline - time.monotonic()))
        seen += 1


def wave(harness, wave, sessions, rooms, atOnce):
    """
    C{sessions} new sessions join the rooms in turn, say something and ask
    for nicks nobody has, then leave, C{atOnce} of them at a time.
    """
    for first in range(0, sessions, atOnce):
        group(harness, wave, range(first, min(sessions, first + atOnce)), rooms)
    settle(harness)


def group(harness, wave, numbers, rooms):
    """
    The sessions C{numbers} join, say something and ask for nicks nobody
    has, then all leave.
    """
    stream = harness.stream
    people = [("w%d-s%d@%s/res%d" % (wave, n, USERS, n), roomJID(n % rooms), "w%ds%d" % (wave, n))
              for n in numbers]
    sessions = len(people)
    for start in range(0, sessions, WINDOW):
        batch = people[start:start + WINDOW]
        stream.send("".join(
            "<presence from='%s' to='%s/%s'><x xmlns='%s'><history maxstanzas='0'/></x>"
            "</presence>" % (real, room, nick, NS_MUC) for real, room, nick in batch))
        countUntil(stream, b"code='110'", len(batch))
        stream.send("".join(
            "<message from='%s' to='%s' type='groupchat' id='g'><body>hello</body>"
            "<no-store xmlns='urn:xmpp:hints'/></message>"
            "<message from='%s' to='%s/ghost-%s' type='chat' id='pm'><body>anyone?</body>"
            "</message><iq from='%s' to='%s/ghost-%s' type='get' id='done-%s'>"
            "<query xmlns='jabber:iq:version'/></iq>"
            % (real, room, real, room, nick, real, room, nick, nick)
            for real, room, nick in batch))
        countUntil(stream, b"id='done-", len(batch))
    for start in range(0, sessions, WINDOW):
        batch = people[start:start + WINDOW]
        stream.send("".join("<presence from='%s' to='%s/%s' type='unavailable'/>"
                            % (real, room, nick) for real, room, nick in batch))
        countUntil(stream, b"code='110'", len(batch))


def churn(folder, waves, sessions, rooms, atOnce, wait, serviceArgs=()):
    """
    @return: the RSS figures of the churn, in bytes.
    """
    harness = Harness(folder, serviceArgs)
    try:
        started = harness.rss()
        for r in range(rooms):
            createRoom(harness.stream, roomJID(r), r)
        settle(harness)
        before = harness.rss()
        after = []
        for w in range(1, waves + 1):
            wave(harness, w, sessions, rooms, atOnce)
            # Once the limits' sweep has forgotten the rate buckets of the
            # sessions gone (a period of the rate after their last use).
            time.sleep(wait)
            settle(harness)
            after.append(harness.rss())
        return {"started": started, "before": before, "after_waves": after}
    finally:
        harness.stop()


def backlog(folder, occupants, updates):
    """
    A room of C{occupants}; the server stops reading while C{updates}
    presence updates are each told to all of them.

    @return: the RSS figures of the backlog, in bytes.
    """
    harness = Harness(folder)
    try:
        stream = harness.stream
        room = "backlog@" + SERVICE
        createRoom(stream, room)
        for n in range(1, occupants):
            join(stream, room, n)
        settle(harness)
        before = harness.rss()
        sender = "u0-1@%s/r" % (USERS,)
        text = "".join("<presence from='%s' to='%s/u1'><show>away</show><status>update %d, of "
                       "an ordinary length for a status</status></presence>"
                       % (sender, room, k) for k in range(updates))
        # The server reads nothing meanwhile: what the service writes waits
        # in its buffers (and in the kernel's).
        stream.sock.setblocking(False)
        sent, data, peak = 0, text.encode("utf-8"), before
        deadline = time.monotonic() + 60
        while sent < len(data) and time.monotonic() < deadline:
            try:
                sent += stream.sock.send(data[sent:sent + 65536])
            except BlockingIOError:
                peak = max(peak, harness.rss())
                time.sleep(0.05)
        for _ in range(20):
            peak = max(peak, harness.rss())
            time.sleep(0.05)
        stream.sock.setblocking(True)
        if sent < len(data):
            stream.sock.sendall(data[sent:])
        expected = stream.presences + updates * occupants
        while stream.presences < expected:
            stream.read()
            stream.forget()
        settle(harness)
        return {"occupants": occupants, "updates": updates, "sent_while_paused": sent,
                "before": before, "peak": peak, "after": harness.rss()}
    finally:
        harness.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=5000, help="sessions per wave")
    parser.add_argument("--rooms", type=int, default=500, help="rooms the sessions join")
    parser.add_argument("--at-once", type=int, default=0,
                        help="sessions in the rooms at once (0: the whole wave)")
    parser.add_argument("--wait", type=float, default=SWEEP_INTERVAL + 1,
                        help="seconds after a wave before RSS is read (the limits' sweep)")
    parser.add_argument("--service-args", default="",
                        help="more options of the service for the churn, e.g. the default "
                        "rates: '--join-rate 60/60 --message-rate 20/10'")
    parser.add_argument("--backlog-room", type=int, default=1000,
                        help="occupants of the backlog's room (0: skip)")
    parser.add_argument("--backlog", type=int, default=2000, help="presence updates in it")
    parser.add_argument("--json", help="write the figures there")
    options = parser.parse_args(argv)
    results = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
               "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory(prefix="mucservice-churn-") as folder:
        atOnce = options.at_once or options.sessions
        figures = results["churn"] = churn(folder, options.waves, options.sessions,
                                           options.rooms, atOnce, options.wait,
                                           shlex.split(options.service_args))
        figures["at_once"] = atOnce
        before = figures["before"]
        print("RSS: %.1f MiB started, %.1f MiB with %d rooms (before churn)"
              % (figures["started"] / MIB, before / MIB, options.rooms))
        for w, rss in enumerate(figures["after_waves"], 1):
            print("  after wave %d of %d sessions, %d at once: %.1f MiB (%+.1f%%, %+.0f B per "
                  "session)" % (w, options.sessions, atOnce, rss / MIB,
                                100.0 * (rss - before) / before,
                                (rss - before) / (w * options.sessions)))
        if options.backlog_room:
            figures = results["backlog"] = backlog(folder, options.backlog_room,
                                                   options.backlog)
            print("backlog of %d presence updates to a room of %d: RSS %.1f MiB before, "
                  "%.1f MiB at its peak, %.1f MiB once drained (%+.1f MiB)"
                  % (figures["updates"], figures["occupants"], figures["before"] / MIB,
                     figures["peak"] / MIB, figures["after"] / MIB,
                     (figures["after"] - figures["before"]) / MIB))
    if options.json:
        with open(options.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
