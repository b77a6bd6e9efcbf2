"""
Three instances of the service behind one ejabberd, which spreads the rooms
over their component connections (C{domain_balancing} by the bare
destination), sharing one PostgreSQL database (C{--instance-id}), all on
loopback: every room is served by exactly one instance; an instance killed
and restarted tells its former occupants to join again (333) and keeps
configurations, affiliations and hats; a clean stop says 332 and frees its
leases; what each instance records of its occupants is in one table, which
the join tracker of any instance reads; a second process with a running
instance's id does not start. The instances reach ejabberd through relays
(L{ComponentRelay}) that a test can cut, as a network would.
"""


import re
import socket
import time
from xml.sax.saxutils import quoteattr

import psycopg
import pytest
from twisted.internet.task import Clock
from twisted.words.protocols.jabber.jid import JID

from mucservice.devserver.ejabberd import LocalEjabberd
from mucservice.devserver.run import ServiceProcess
from mucservice.providers.postgresql import SynchronousRunner
from mucservice.providers.postgresql_leases import Leases
from mucservice.providers.postgresql_tracker import SharedJoinTracker
from tests.integration.conftest import SERVICE
from tests.integration.linkcut import ComponentRelay
from tests.integration.muc import NS_DATA, configure, createRoom, join, mucItem, statuses
from tests.postgres import execute, freshSchema, skipUnlessPostgres

skipUnlessPostgres()

INSTANCES = ("one", "two", "three")
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_COMMANDS = "http://jabber.org/protocol/commands"
NS_HATS = "urn:xmpp:hats:0"
TEACHER = "http://schools.example/hats#Teacher"


@pytest.fixture
def ejabberd(tmp_path):
    with LocalEjabberd(str(tmp_path / "ejabberd"), componentJID=SERVICE,
                       componentNumber=len(INSTANCES)) as server:
        yield server


@pytest.fixture
def database():
    url = freshSchema()
    yield url


@pytest.fixture
def relays(ejabberd):
    """
    A relay to ejabberd's component port for each instance.
    """
    made = {name: ComponentRelay(ejabberd.componentPort) for name in INSTANCES}
    yield made
    for relay in made.values():
        relay.close()


def instanceProcess(tmp_path, ejabberd, database, name, port=None):
    """
    @return: the L{ServiceProcess} of the instance C{name}, not started.
    """
    tmp_path.mkdir(parents=True, exist_ok=True)
    secretFile = tmp_path / "component.secret"
    secretFile.write_text(ejabberd.componentSecret)
    return ServiceProcess(
        str(tmp_path / name), SERVICE, str(secretFile), port or ejabberd.componentPort,
        database,
        extraArgs=("--room-store", "postgresql", "--hat-store", "postgresql",
                   "--join-tracker", "postgresql", "--instance-id", name,
                   "--lease-time", "3", "--offline-delivery", "none",
                   # One user makes the 300 rooms of a test.
                   "--join-rate", "1000/1", "--room-creation-rate", "1000/1",
                   "--max-rooms-per-user", "1000"))


@pytest.fixture
def instances(ejabberd, relays, database, tmp_path):
    """
    The three instances, started and connected, each through its relay;
    each stopped after the test.
    """
    started = {}
    for name in INSTANCES:
        started[name] = instanceProcess(tmp_path, ejabberd, database, name, relays[name].port)
        started[name].start()
    for service in started.values():
        service.waitConnected()
    yield started
    for service in started.values():
        service.resume()
        service.stop()


def waitForRows(database, query, expected, timeout=10, args=()):
    """
    Wait until C{query} gives C{expected}: the instances write some records
    right after they answer.
    """
    deadline = time.monotonic() + timeout
    while True:
        rows = execute(database, query, args)
        if rows == expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def holderOf(database, room):
    rows = execute(database, "SELECT instance_id FROM room_leases WHERE room_jid = %s", (room,))
    return rows[0][0] if rows else None


def epochOf(database, room):
    rows = execute(database, "SELECT epoch FROM room_leases WHERE room_jid = %s", (room,))
    return rows[0][0] if rows else None


def hatsOf(stanza):
    """@return: the (uri, title) of each hat a presence shows."""
    return [(h.get("uri"), h.get("title"))
            for h in stanza.findall("{%s}hats/{%s}hat" % (NS_HATS, NS_HATS))]


def giveHat(client, room, userJID, uri, title):
    """
    Give a hat with the room's XEP-0317 command, in one step.

    @return: the status of the command.
    """
    fields = (("FORM_TYPE", "urn:xmpp:hats:commands"), ("accountjid", userJID), ("hat", uri),
              ("title", title))
    form = "<x xmlns='%s' type='submit'>%s</x>" % (NS_DATA, "".join(
        "<field var='%s'><value>%s</value></field>" % field for field in fields))
    answer = client.iq("<iq type='set' to=%s><command xmlns='%s' action='execute'"
                       " node='urn:xmpp:hats:commands:don'>%s</command></iq>"
                       % (quoteattr(room), NS_COMMANDS, form))
    command = answer.find("{%s}command" % (NS_COMMANDS,))
    return None if command is None else command.get("status")


def assertOneOwnerEach(database):
    """
    No room has occupants recorded by two processes, and every room with
    occupants is held by the process that recorded them.
    """
    assert execute(database, "SELECT room_jid FROM occupants GROUP BY room_jid"
                             " HAVING count(DISTINCT holder) > 1") == []
    assert execute(database, "SELECT o.room_jid FROM occupants o LEFT JOIN room_leases l"
                             " ON l.room_jid = o.room_jid AND l.holder = o.holder"
                             " WHERE l.room_jid IS NULL") == []


def createRooms(client, rooms, nick):
    """
    Make new rooms, all at once: the joins are sent before their answers
    are read.
    """
    for room in rooms:
        client.send("<presence to='%s/%s'><x xmlns='http://jabber.org/protocol/muc'/>"
                    "</presence>" % (room, nick))
    for room in rooms:
        client.expect(lambda s, room=room: s.get("from") == "%s/%s" % (room, nick)
                      and 201 in statuses(s), timeout=30)


def test_roomsSpread(instances, database, clients):
    """
    300 rooms joined through ejabberd are each claimed by exactly one
    instance, all three instances serve some, and the occupants' records
    (which the join trackers answer from) name the instance of each room.
    """
    alice = clients("alice")
    rooms = ["room%d@%s" % (n, SERVICE) for n in range(300)]
    createRooms(alice, rooms, "alice")
    counts = dict(execute(database, "SELECT instance_id, count(*) FROM room_leases"
                                    " GROUP BY instance_id"))
    assert sum(counts.values()) == 300
    assert set(counts) == set(INSTANCES), counts
    assert waitForRows(database, "SELECT count(*) FROM occupants", [(300,)]) == [(300,)]
    assert dict(execute(database, "SELECT instance_id, count(*) FROM occupants"
                                  " GROUP BY instance_id")) == counts
    assertOneOwnerEach(database)


def test_killedAndRestarted(instances, database, clients):
    """
    An instance killed with SIGKILL and restarted (as systemd does) takes
    its rooms back when they are next spoken to: its former occupants get
    110 and 333 and join again, the room's configuration, affiliations and
    hats are as they were, and no room ever shows two owners.
    """
    alice, bob, carol = clients("alice"), clients("bob"), clients("carol")
    room = "keep@" + SERVICE
    createRoom(alice, room, "alice", persistentroom=1, roomname="Kept")
    answer = alice.iq("<iq type='set' to='%s'><query xmlns='http://jabber.org/protocol/"
                      "muc#admin'><item affiliation='member' jid='bob@localhost'/></query>"
                      "</iq>" % (room,))
    assert answer.get("type") == "result"
    join(bob, room + "/bob")
    assert giveHat(alice, room, "bob@localhost", TEACHER, "Teacher") == "completed"
    alice.expect(lambda s: hatsOf(s) == [(TEACHER, "Teacher")], tag="presence",
                 frm=room + "/bob")
    owner = holderOf(database, room)
    assertOneOwnerEach(database)

    instances[owner].kill()
    instances[owner].start()
    instances[owner].waitConnected()
    join(carol, room + "/carol")
    for client in (alice, bob):
        removed = client.expect(lambda s: s.get("type") == "unavailable"
                                and 333 in statuses(s), timeout=20)
        assert 110 in statuses(removed)
    rejoined = join(bob, room + "/bob")
    assert mucItem(rejoined.own).get("affiliation") == "member"
    assert 201 not in statuses(rejoined.own)
    assert hatsOf(rejoined.own) == [(TEACHER, "Teacher")]
    seen = carol.expect(tag="presence", frm=room + "/bob")
    assert hatsOf(seen) == [(TEACHER, "Teacher")]
    info = alice.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>" % (room, NS_DISCO_INFO))
    identity = info.find("{%s}query/{%s}identity" % (NS_DISCO_INFO, NS_DISCO_INFO))
    assert identity.get("name") == "Kept"
    assert holderOf(database, room) == owner
    assertOneOwnerEach(database)


def test_cleanStop(instances, database, clients):
    """
    SIGTERM tells the occupants of the instance's rooms the service shuts
    down (110 and 332), and gives its leases and occupant records up.
    """
    alice = clients("alice")
    room = "bye@" + SERVICE
    join(alice, room + "/alice")
    owner = holderOf(database, room)
    # twistd ends itself with the signal once it has shut down cleanly.
    assert instances[owner].stop() in (0, -15)
    gone = alice.expect(lambda s: s.get("type") == "unavailable", timeout=20)
    assert {110, 332} <= statuses(gone)
    assert execute(database, "SELECT room_jid FROM room_leases WHERE instance_id = %s",
                   (owner,)) == []
    assert execute(database, "SELECT room_jid FROM occupants WHERE instance_id = %s",
                   (owner,)) == []




def readingTracker(database):
    """
    @return: the C{postgresql} join tracker as an instance that serves no
        room has it, with what the instances recorded read.
    """
    runner = SynchronousRunner(database)
    tracker = SharedJoinTracker(Leases(runner, "reader", Clock()), Clock())
    tracker.refresh()
    runner.close()
    return tracker


def test_joinTrackerAcrossInstances(instances, database, clients):
    """
    The join tracker of the instances (C{postgresql}) lists occupants of
    the rooms of every instance: read as an instance that serves none of
    them, it has alice in each of her rooms, which the three instances
    serve, and bob in his one.
    """
    alice, bob = clients("alice"), clients("bob")
    rooms = ["tracked%d@%s" % (n, SERVICE) for n in range(30)]
    createRooms(alice, rooms, "alice")
    assert configure(alice, rooms[0]).get("type") == "result"
    join(bob, rooms[0] + "/bob")
    assert set(dict(execute(database, "SELECT room_jid, instance_id FROM room_leases"))
               .values()) == set(INSTANCES)
    assert waitForRows(database, "SELECT count(*) FROM occupants", [(31,)]) == [(31,)]

    tracker = readingTracker(database)
    assert tracker.roomsOf(JID(alice.jid)) == {JID(room): "alice" for room in rooms}
    assert tracker.roomsOf(JID(bob.jid)) == {JID(rooms[0]): "bob"}
    assert tracker.isPresent(JID("bob@localhost"), JID(rooms[0]))
    assert not tracker.isPresent(JID("bob@localhost"), JID(rooms[1]))
    assert tracker.occupantsFrom("localhost") == {JID(alice.jid), JID(bob.jid)}


def test_duplicateIdRefused(instances, ejabberd, database, tmp_path):
    """
    A second process started with the id of a running instance exits with
    status 1 and one line that names the process running as that instance;
    the lease of that instance's rooms stays its own.
    """
    second = instanceProcess(tmp_path / "again", ejabberd, database, "two")
    second.start()
    assert second.process.wait(30) == 1
    line = second.waitFor(r"^mucservice: --instance-id two: .*$").group(0)
    assert line == ("mucservice: --instance-id two: another process runs as this instance "
                    "(mucservice two %s:%d, from 127.0.0.1); two processes cannot share an id"
                    % (socket.gethostname(), instances["two"].process.pid))
    assert instances["two"].running


def say(client, room, text):
    client.send("<message to='%s' type='groupchat'><body>%s</body></message>" % (room, text))


def said(text):
    return lambda s: s.findtext("{jabber:client}body") == text


def historyOf(database, room):
    """@return: the bodies of the room's stored messages, oldest first."""
    return [re.search(r"<body>(.*?)</body>", payload).group(1) for (payload,) in execute(
        database, "SELECT payload FROM history WHERE room_jid = %s ORDER BY id", (room,))]


def test_pausedCannotWrite(instances, relays, ejabberd, database, clients, tmp_path):
    """
    An instance frozen (SIGSTOP) in the middle of writing a room, and cut
    off from ejabberd, loses the room to the instance that takes its place
    at ejabberd (a fourth one, with an id of its own) once its lease runs
    out: the server ends the frozen one's silent transaction, which undoes
    its write and frees the lease; the new owner tells the occupants to
    join again (333), and they change the room there. Resumed
    (SIGCONT), the former owner finds its write failed (the server undid
    it), the message it had queued refused for its old epoch, and the lease
    lost at its renewal, and it forgets the room without a word: the room
    in SQL is as the new owner keeps it, and the former owner, back on the
    link and then stopped, tells nobody anything of it.
    """
    alice, bob, carol = clients("alice"), clients("bob"), clients("carol")
    room = "paused@" + SERVICE
    createRoom(alice, room, "alice", persistentroom=1, roomname="Before")
    join(bob, room + "/bob")
    say(alice, room, "before the pause")
    bob.expect(said("before the pause"), tag="message")
    owner = holderOf(database, room)
    frozen = instances[owner]
    assert waitForRows(database, "SELECT count(*) FROM history", [(1,)]) == [(1,)]

    # The test holds the room's row: the owner's next message waits to be
    # stored, in its transaction, the lease's row locked for it, and the
    # one after waits behind it.
    with psycopg.connect(database) as blocker:
        blocker.execute("SELECT 1 FROM rooms WHERE jid = %s FOR UPDATE", (room,))
        say(alice, room, "first")
        say(alice, room, "second")
        bob.expect(said("first"), tag="message")
        bob.expect(said("second"), tag="message")
        assert waitForRows(database, "SELECT count(*) FROM pg_stat_activity WHERE"
                                     " application_name LIKE %s AND wait_event_type = 'Lock'",
                           [(1,)], args=("mucservice %s %%" % (owner,),)) == [(1,)]
        frozen.pause()
    relays[owner].cut()
    # ejabberd drops the stanzas of the frozen instance's slot until
    # another connection takes the slot.
    instances["four"] = instanceProcess(tmp_path, ejabberd, database, "four")
    instances["four"].start()
    instances["four"].waitConnected()

    # The room's stanzas reach the fourth instance, which takes the room
    # over once the lease is free.
    carol.send("<presence to='%s/carol'><x xmlns='http://jabber.org/protocol/muc'/>"
               "</presence>" % (room,))
    for client in (alice, bob):
        removed = client.expect(lambda s: s.get("type") == "unavailable"
                                and 333 in statuses(s), timeout=30)
        assert 110 in statuses(removed)
    carol.expect(tag="presence", frm=room + "/carol")
    newOwner = holderOf(database, room)
    assert newOwner == "four"
    join(alice, room + "/alice")
    assert configure(alice, room, roomname="After").get("type") == "result"
    say(alice, room, "after the move")
    carol.expect(said("after the move"), tag="message")
    epoch = epochOf(database, room)

    frozen.resume()
    # In the order they happen: the write under way fails (the server ended
    # its transaction), the renewal finds the lease lost, and the queued
    # message is refused for its old epoch.
    logged = r"(saving history of|lost the lease of) room %s(?: (failed|refused))?" % (
        re.escape(room),)
    told = {frozen.waitFor(logged, timeout=30).group(2) or "lost" for _ in range(3)}
    assert told == {"failed", "lost", "refused"}
    relays[owner].mend()
    frozen.waitConnected(timeout=30)
    assert frozen.stop() in (0, -15)
    # Whatever the former owner sent came before this answer.
    alice.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>" % (room, NS_DISCO_INFO))
    assert [s for s in alice.pending() if s.get("from", "").startswith(room)
            and s.get("type") == "unavailable"] == []

    assert (holderOf(database, room), epochOf(database, room)) == (newOwner, epoch)
    assert '"muc#roomconfig_roomname": "After"' in execute(
        database, "SELECT config FROM rooms WHERE jid = %s", (room,))[0][0]
    assert waitForRows(database, "SELECT count(*) FROM history", [(2,)]) == [(2,)]
    assert historyOf(database, room) == ["before the pause", "after the move"]
    assert execute(database, "SELECT DISTINCT instance_id FROM occupants WHERE room_jid = %s",
                   (room,)) == [(newOwner,)]
