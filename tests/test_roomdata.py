"""
A room as JSON-able data (exported and imported by service
administrators, made of Prosody's rooms by the migration): what is read,
and what is refused before any room is made.
"""

import json

import pytest

from mucservice import address, errors
from mucservice.records import Affiliation
from mucservice.room.config import RoomConfig
from mucservice.room.room import Room
from mucservice.room.roomdata import readRoomData, roomData

ROOM = "lounge@muc.example.org"
HOST = "urn:example:hats:host"


def jid(text):
    return address.parseJID(text)


def makeRoom():
    room = Room(jid(ROOM), RoomConfig(name="Lounge", persistent=True, historyLength=5),
                {jid("olivia@example.org"): Affiliation("owner"),
                 jid("mia@example.org"): Affiliation("member", {"nick": "mia"}),
                 jid("example.net"): Affiliation("outcast")},
                subject="Sofas", subjectNick="olivia", salt="salt")
    room.hats = {jid("olivia@example.org"): {HOST: {"title": "Host", "active": True}}}
    return room


def test_roundTrip():
    """A room's data, through JSON, reads back as the same room, hats and all."""
    room = makeRoom()
    read = readRoomData(json.loads(json.dumps(roomData(room))))
    record = read.record
    assert record.jid == room.jid
    assert read.config == room.config
    assert record.config == dict(room.config.toDict(), salt="salt")
    assert (record.subject, record.subjectNick) == ("Sofas", "olivia")
    assert record.affiliations == dict(room.affiliations)
    assert read.hats == room.hats


def test_defaultsAndPersistent():
    """Options left out take the defaults given; an imported room is always persistent."""
    read = readRoomData({"jid": ROOM, "config": {"muc#roomconfig_persistentroom": False}},
                        RoomConfig(historyLength=7))
    assert (read.config.persistent, read.config.historyLength) == (True, 7)
    assert "salt" not in read.record.config
    assert (read.record.affiliations, read.hats) == ({}, {})


def test_noneWithoutDataDropped():
    """An affiliation none with no data says nothing, and is left out."""
    read = readRoomData({"jid": ROOM, "affiliations": {
        "gus@example.org": {"affiliation": "none", "data": {}}}})
    assert read.record.affiliations == {}


@pytest.mark.parametrize("data,error", [
    ([ROOM], errors.BadRequest),
    ({"jid": ROOM, "version": 2}, errors.BadRequest),
    ({"jid": "muc.example.org"}, errors.BadRequest),
    ({"jid": ROOM + "/nick"}, errors.BadRequest),
    ({"jid": "not an address@@"}, errors.BadRequest),
    ({"jid": ROOM, "config": {"muc#roomconfig_publicroom": "yes"}}, errors.BadRequest),
    ({"jid": ROOM, "config": {"muc#roomconfig_roomname": 5}}, errors.BadRequest),
    ({"jid": ROOM, "config": {"muc#roomconfig_whois": "everybody"}}, errors.BadRequest),
    ({"jid": ROOM, "config": {"muc#roomconfig_historylength": 1000}}, errors.BadRequest),
    ({"jid": ROOM, "config": {"muc#roomconfig_passwordprotectedroom": True}},
     errors.NotAcceptable),
    ({"jid": ROOM, "config": []}, errors.BadRequest),
    ({"jid": ROOM, "affiliations": {"mia@example.org": {"affiliation": "boss"}}},
     errors.BadRequest),
    ({"jid": ROOM, "affiliations": {"mia@example.org/phone": {"affiliation": "member"}}},
     errors.BadRequest),
    ({"jid": ROOM, "affiliations": {"mia@example.org": {"affiliation": "member",
                                                        "data": {"nick": 5}}}},
     errors.BadRequest),
    ({"jid": ROOM, "affiliations": {
        "mia@example.org": {"affiliation": "member", "data": {"nick": "Mia"}},
        "max@example.org": {"affiliation": "member", "data": {"nick": "mia"}}}},
     errors.Conflict),
    ({"jid": ROOM, "affiliations": {"mia@example.org": {"affiliation": "member",
                                                        "data": {"nick": " "}}}},
     errors.JIDMalformed),
    ({"jid": ROOM, "hats": {"gus@example.org": {HOST: {}}}}, errors.BadRequest),
    ({"jid": ROOM, "affiliations": {"mia@example.org": {"affiliation": "member"}},
      "hats": {"mia@example.org": {"not a uri": {}}}}, errors.BadRequest),
    ({"jid": ROOM, "affiliations": {"mia@example.org": {"affiliation": "member"}},
      "hats": {"mia@example.org": {HOST: {"active": "yes"}}}}, errors.BadRequest),
    ({"jid": ROOM, "salt": 5}, errors.BadRequest),
    ({"jid": ROOM, "subject": ["a"]}, errors.BadRequest),
])
def test_refused(data, error):
    """Data that is no room, or a room the rules refuse, is refused with the error that says so."""
    with pytest.raises(error):
        readRoomData(data)
