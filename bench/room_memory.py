"""
What an idle persistent room costs in memory, as the room service holds it
after loading: configuration, a few affiliations, a full history.

    .venv/bin/python bench/room_memory.py [--rooms 10000] [--history 20]

Prints bytes per room measured with tracemalloc.
"""

import argparse
import tracemalloc
from datetime import datetime, timezone

from twisted.words.protocols.jabber.jid import JID

from mucservice.records import Affiliation, HistoryEntry
from mucservice.room.config import RoomConfig
from mucservice.room.room import Room

PAYLOAD = "<body>An ordinary message of an ordinary length.</body>"


def makeRoom(n, history):
    jid = JID("room%d@muc.example.org" % n)
    affiliations = {JID("user%d@example.org" % (n * 5 + k)): Affiliation("member", {"nick": "u%d"
                    % k}) for k in range(5)}
    room = Room(jid, RoomConfig(name="Room %d" % n, persistent=True), affiliations,
                subject="Subject of room %d" % n, subjectNick="u0")
    stamp = datetime.now(timezone.utc)
    for _ in range(history):
        room.addHistory(HistoryEntry(stamp, "u0", None, PAYLOAD,
                                     "0a1b2c3d-0000-4000-8000-%012d" % n, room.occupantID(jid),
                                     "abc"))
    return room


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=10000)
    parser.add_argument("--history", type=int, default=20)
    options = parser.parse_args()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    rooms = [makeRoom(n, options.history) for n in range(options.rooms)]
    after = tracemalloc.get_traced_memory()[0]
    perRoom = (after - before) / len(rooms)
    print("%d idle rooms with %d history messages each: %.1f kB per room, %.1f MB in all"
          % (len(rooms), options.history, perRoom / 1024, (after - before) / 1e6))
    empty = [makeRoom(n, 0) for n in range(options.rooms)]
    print("without history: %.1f kB per room"
          % ((tracemalloc.get_traced_memory()[0] - after) / len(empty) / 1024))


if __name__ == "__main__":
    main()
