"""
What the migration from Prosody makes of Prosody's stored rooms and
archives (the whole migration, through a real Prosody, is in
C{tests/integration/test_import_prosody.py}).
"""

from mucservice import _compat  # noqa: F401

# isort: split

from datetime import datetime, timezone

import pytest

from mucservice import address, errors
from mucservice.admin.prosody import (
    elementFrom,
    historyFrom,
    mucHosts,
    readRooms,
    roomFromProsody,
    writeRoom,
)
from mucservice.providers.memory_rooms import MemoryRoomStore
from mucservice.room.config import RoomConfig
from mucservice.room.room import Room

FROZEN = {
    "_jid": "lounge@conference.example.org",
    "_data": {"name": "The Lounge", "description": "Sofas", "language": "en",
              "persistent": True, "hidden": True, "members_only": True, "moderated": True,
              "password": "s3cret", "whois": "anyone", "changesubject": True,
              "allow_member_invites": True, "history_length": 500, "allow_pm": "moderators",
              "max_occupants": 50, "presence_broadcast": {"moderator": True, "visitor": False},
              "subject": "Today", "subject_from": "lounge@conference.example.org/boss",
              "occupant_id_salt": "prosody's own"},
    "owner@example.org": "owner",
    "member@example.org": "member",
    "_affiliation_data": {"member@example.org": {"reserved_nickname": "Memo"}},
}


def archived(body, kind="groupchat", key="k1", extra=None):
    """@return: an archive entry as mod_muc_mam keeps it."""
    message = {1: {1: body, "name": "body", "attr": {}} if body is not None else
               {"name": "active", "attr": {"xmlns": "http://jabber.org/protocol/chatstates"}},
               2: {"name": "occupant-id", "attr": {"xmlns": "urn:xmpp:occupant-id:0", "id": "x"}},
               3: {1: {"name": "item", "attr": {"jid": "owner@example.org", "role": "moderator"}},
                   "name": "x", "attr": {"xmlns": "http://jabber.org/protocol/muc#user"}},
               "name": "message", "key": key, "when": 1795979251,
               "attr": {"from": "lounge@conference.example.org/boss", "type": kind,
                        "id": "m-" + key, "xml:lang": "en", "stamp": "2026-11-29T19:07:31Z"}}
    if extra:
        message[4] = extra
    return message


def test_config():
    """Prosody's options become the room's configuration; hidden is not public."""
    config = RoomConfig.fromDict(roomFromProsody(FROZEN)["config"])
    assert config == RoomConfig(
        name="The Lounge", description="Sofas", language="en", persistent=True, public=False,
        membersOnly=True, moderated=True, passwordProtected=True, password="s3cret",
        whois="anyone", changeSubject=True, allowInvites=True, historyLength=200,
        allowPM="moderators", maxUsers=50, presenceBroadcast=("moderator",))


def test_affiliationsAndDomain():
    """Affiliations keep their reserved nicks; the room moves to the new domain."""
    data = roomFromProsody(FROZEN, "muc.example.net")
    assert data["jid"] == "lounge@muc.example.net"
    assert data["affiliations"] == {
        "owner@example.org": {"affiliation": "owner", "data": {}},
        "member@example.org": {"affiliation": "member", "data": {"nick": "Memo"}}}
    assert (data["subject"], data["subjectNick"]) == ("Today", "boss")


def test_olderAffiliations():
    """Rooms of older Prosody versions, with _affiliations, are read too."""
    frozen = {"_jid": "old@conference.example.org", "_data": {"persistent": True},
              "_affiliations": {"owner@example.org": "owner"}}
    assert roomFromProsody(frozen)["affiliations"] == {
        "owner@example.org": {"affiliation": "owner", "data": {}}}


def test_notARoom():
    """What has no room options is refused."""
    with pytest.raises(errors.BadRequest):
        roomFromProsody({"_jid": "x@conference.example.org"})


def test_element():
    """A stored stanza becomes the element, namespaces inherited, xml:lang kept."""
    element = elementFrom(archived("hi & bye", extra={
        "name": "reply", "attr": {"xmlns": "urn:xmpp:reply:0", "id": "r1"}}))
    assert element.getAttribute(("http://www.w3.org/XML/1998/namespace", "lang")) == "en"
    assert str(element.body) == "hi & bye"
    assert element.body.uri == "jabber:component:accept"


def test_history():
    """
    Groupchat messages with a body become history: the room's own marks
    left out, the archive id as stanza id, the occupant id of this room's
    salt; chat states and other types are not kept; only the newest.
    """
    room = Room(address.parseJID("lounge@muc.example.net"), RoomConfig(), salt="salt")
    items = [archived("one", key="k1"), archived(None, key="k2"),
             archived("private", kind="chat", key="k3"),
             archived("two", key="k4", extra={"name": "reply",
                                              "attr": {"xmlns": "urn:xmpp:reply:0", "id": "k1"}}),
             archived("three", key="k5")]
    entries = historyFrom(items, room, 2)
    assert [e.stanzaID for e in entries] == ["k4", "k5"]
    two = entries[0]
    assert two.payload == "<body>two</body><reply xmlns='urn:xmpp:reply:0' id='k1'/>"
    assert (two.nick, two.messageID, two.lang) == ("boss", "m-k4", "en")
    assert two.realJID == address.parseJID("owner@example.org")
    assert two.occupantID == room.occupantID(address.parseJID("owner@example.org"))
    assert two.stamp == datetime(2026, 11, 29, 19, 7, 31, tzinfo=timezone.utc)
    assert historyFrom(items, room, 0) == []


def test_readRoomsOfAFolder(tmp_path):
    """
    The persistent rooms of a host's folder are read with their archive;
    temporary rooms are left; a file that is no room is reported, not fatal.
    """
    host = tmp_path / "conference%2eexample%2eorg"
    (host / "config").mkdir(parents=True)
    (host / "muc_log").mkdir()
    (host / "config" / "lounge.dat").write_text(
        'return {["_jid"] = "lounge@conference.example.org"; ["_data"] = {["persistent"] = '
        'true; ["history_length"] = 5}; ["owner@example.org"] = "owner"};')
    (host / "config" / "passing.dat").write_text(
        'return {["_jid"] = "passing@conference.example.org"; ["_data"] = {}};')
    (host / "config" / "broken.dat").write_text('return {["_data"] = os.exit()};')
    (host / "muc_log" / "lounge.list").write_text(
        'item({{"hello"; ["name"] = "body"; ["attr"] = {}}; ["name"] = "message"; '
        '["key"] = "k1"; ["when"] = 1795979251; ["attr"] = {["type"] = "groupchat"; '
        '["from"] = "lounge@conference.example.org/boss"}});')
    assert mucHosts(str(tmp_path)) == {"conference.example.org": str(host)}
    read = list(readRooms(str(host), "muc.example.org"))
    assert read[0][0] is None and "broken.dat, line 1" in read[0][2]
    data, history, why = read[1]
    assert (data["jid"], why) == ("lounge@muc.example.org", None)
    assert [entry.payload for entry in history] == ["<body>hello</body>"]
    assert len(read) == 2


def test_writeRoom():
    """A room goes into the store with its affiliations, subject and history."""
    store = MemoryRoomStore()
    data = roomFromProsody(FROZEN, "muc.example.net")
    room = Room(address.parseJID(data["jid"]), RoomConfig(), salt="salt")
    data["salt"] = "salt"
    history = historyFrom([archived("one")], room, 10)
    writeRoom(store, data, history)
    (record,) = store.loadRooms().result
    assert record.jid.full() == "lounge@muc.example.net"
    assert record.config["salt"] == "salt"
    assert record.affiliations[address.parseJID("member@example.org")].data == {"nick": "Memo"}
    assert (record.subject, record.subjectNick) == ("Today", "boss")
    assert store.getHistory(record.jid, 10).result == history
