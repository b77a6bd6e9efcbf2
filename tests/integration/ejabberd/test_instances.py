"""
Three instances of the service behind one ejabberd, which spreads the rooms
over their component connections (C{domain_balancing} by the bare
destination), sharing one PostgreSQL database (C{--instance-id}), all on
loopback: every room is served by exactly one instance; an instance killed
and restarted tells its former occupants to join again (333) and keeps
configurations and affiliations; a clean stop says 332 and frees its
leases; what each instance records of its occupants is in one table.
"""


import time

import pytest

from mucservice.devserver.ejabberd import LocalEjabberd
from mucservice.devserver.run import ServiceProcess
from tests.integration.conftest import SERVICE
from tests.integration.muc import createRoom, join, mucItem, statuses
from tests.postgres import execute, freshSchema, skipUnlessPostgres

skipUnlessPostgres()

INSTANCES = ("one", "two", "three")
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"


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
def instances(ejabberd, database, tmp_path):
    """
    The three instances, started and connected; each stopped after the
    test.
    """
    secretFile = tmp_path / "component.secret"
    secretFile.write_text(ejabberd.componentSecret)
    started = {}
    for name in INSTANCES:
        started[name] = ServiceProcess(
            str(tmp_path / name), SERVICE, str(secretFile), ejabberd.componentPort, database,
            extraArgs=("--room-store", "postgresql", "--hat-store", "postgresql",
                       "--join-tracker", "postgresql", "--instance-id", name,
                       "--lease-time", "3", "--offline-delivery", "none",
                       # One user makes the 300 rooms of a test.
                       "--join-rate", "1000/1", "--room-creation-rate", "1000/1",
                       "--max-rooms-per-user", "1000"))
        started[name].start()
    for service in started.values():
        service.waitConnected()
    yield started
    for service in started.values():
        service.stop()


def waitForRows(database, query, expected, timeout=10):
    """
    Wait until C{query} gives C{expected}: the instances write some records
    right after they answer.
    """
    deadline = time.monotonic() + timeout
    while True:
        rows = execute(database, query)
        if rows == expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def holderOf(database, room):
    rows = execute(database, "SELECT instance_id FROM room_leases WHERE room_jid = %s", (room,))
    return rows[0][0] if rows else None


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


def test_roomsSpread(instances, database, clients):
    """
    300 rooms joined through ejabberd are each claimed by exactly one
    instance, all three instances serve some, and the occupants' records
    (which the join trackers answer from) name the instance of each room.
    """
    alice = clients("alice")
    rooms = ["room%d@%s" % (n, SERVICE) for n in range(300)]
    for room in rooms:
        alice.send("<presence to='%s/alice'><x xmlns='http://jabber.org/protocol/muc'/>"
                   "</presence>" % (room,))
    for room in rooms:
        alice.expect(lambda s, room=room: s.get("from") == room + "/alice"
                     and 201 in statuses(s), timeout=30)
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
    110 and 333 and join again, the room's configuration and
    affiliations are as they were, and no room ever shows two owners.
    """
    alice, bob, carol = clients("alice"), clients("bob"), clients("carol")
    room = "keep@" + SERVICE
    createRoom(alice, room, "alice", persistentroom=1, roomname="Kept")
    answer = alice.iq("<iq type='set' to='%s'><query xmlns='http://jabber.org/protocol/"
                      "muc#admin'><item affiliation='member' jid='bob@localhost'/></query>"
                      "</iq>" % (room,))
    assert answer.get("type") == "result"
    join(bob, room + "/bob")
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


