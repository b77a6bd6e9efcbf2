"""
The migration from Prosody, end to end: rooms made in a real Prosody's own
MUC (with mod_muc_mam) are imported from its data directory by
C{mucservice-admin import-prosody}, and mucservice, started on that
database, serves them with the same configuration, affiliations, reserved
nicks, subject and history.
"""

import json
import subprocess

import pytest

from mucservice.devserver.prosody import LocalProsody
from tests.integration.conftest import SERVICE
from tests.integration.muc import (
    NS_MUC_ADMIN,
    NS_MUC_OWNER,
    admin,
    condition,
    createRoom,
    form,
    join,
    joinRefused,
)
from tests.integration.test_admin_cli import adminCommand
from tests.integration.xmppclient import stanzaType

PROSODY_MUC = "conference.localhost"
LOUNGE = "lounge"
DESCRIPTION = 'Sofa talk, "quoted", ünïcode\nand a second line'


@pytest.fixture
def server(tmp_path):
    """
    A Prosody that hosts a MUC of its own beside the service's component.
    """
    prosody = LocalProsody(str(tmp_path / "prosody"), componentJID=SERVICE, extraConfig="""
Component "%s" "muc"
    modules_enabled = { "muc_mam" }
""" % PROSODY_MUC)
    prosody.start()
    yield prosody
    prosody.stop()


def ok(answer):
    assert stanzaType(answer) == "result", answer
    return answer


def makeProsodyRooms(clients):
    """
    In Prosody's MUC: a persistent lounge with everything set, a
    persistent moderated room, and a temporary room.
    """
    owner = clients("owner")
    lounge = "%s@%s" % (LOUNGE, PROSODY_MUC)
    createRoom(owner, lounge, "boss", roomname="The Lounge", roomdesc=DESCRIPTION,
               persistentroom=1, publicroom=0, membersonly=1, passwordprotectedroom=1,
               roomsecret="s3cret", whois="anyone", changesubject=1, historylength=30)
    # Prosody 0.12 takes one item per muc#admin request.
    for item in ("<item jid='helper@localhost' affiliation='admin'/>",
                 "<item jid='member@localhost' affiliation='member' nick='Memo'/>",
                 "<item jid='spammer@localhost' affiliation='outcast'/>",
                 "<item jid='regular@localhost' affiliation='member'/>"):
        ok(admin(owner, lounge, item))
    regular = clients("regular")
    ok(regular.iq("<iq type='set' to='%s'><query xmlns='jabber:iq:register'>%s</query></iq>"
                  % (lounge, form({"muc#register_roomnick": "Reggie"},
                                  "http://jabber.org/protocol/muc#register"))))
    owner.send("<message to='%s' type='groupchat'><subject>Sofas today</subject></message>"
               % lounge)
    for text in ("first & foremost", "second"):
        owner.send("<message to='%s' type='groupchat' id='m-%s'><body>%s</body></message>"
                   % (lounge, text[:5], text.replace("&", "&amp;")))
        owner.expect(tag="message", frm=lounge + "/boss",
                     predicate=lambda s, t=text: s.findtext("{jabber:client}body") == t)
    createRoom(owner, "studio@" + PROSODY_MUC, "boss", persistentroom=1, moderatedroom=1)
    createRoom(owner, "passing@" + PROSODY_MUC, "boss")


def configOf(client, room):
    """@return: the room configuration form's fields, var to its values."""
    answer = ok(client.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>"
                          % (room, NS_MUC_OWNER)))
    return {f.get("var"): [v.text or "" for v in f.findall("{jabber:x:data}value")]
            for f in answer.iter("{jabber:x:data}field")}


def affiliations(client, room, affiliation):
    answer = ok(admin(client, room, "<item affiliation='%s'/>" % affiliation, kind="get"))
    return {item.get("jid"): item.get("nick") for item in answer.iter("{%s}item" % NS_MUC_ADMIN)}


def test_importProsodyRooms(server, startService, clients, tmp_path):
    """
    Prosody's persistent rooms are served by mucservice after the import,
    under the new domain, as Prosody kept them; its temporary room is not.
    """
    makeProsodyRooms(clients)
    server.stop()
    database = tmp_path / "service" / "muc.sqlite"
    database.parent.mkdir()
    imported = subprocess.run(
        adminCommand() + ["import-prosody", server.dataPath, "--muc-host", PROSODY_MUC,
                           "--db", "sqlite:%s" % database, "--domain", SERVICE],
        capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr
    report = {row["room"]: row for row in json.loads(imported.stdout)}
    assert set(report) == {"lounge@" + SERVICE, "studio@" + SERVICE}
    assert (report["lounge@" + SERVICE]["status"], report["lounge@" + SERVICE]["history"]) == (
        "imported", 2)

    server.start()
    startService()
    lounge = "lounge@" + SERVICE
    owner = clients("owner", resource="back")
    joined = join(owner, lounge + "/boss")
    assert [m.findtext("{jabber:client}body") for m in joined.history] == [
        "first & foremost", "second"]
    assert joined.subject.findtext("{jabber:client}subject") == "Sofas today"
    assert joined.history[0].get("id") == "m-first"

    config = configOf(owner, lounge)
    assert config["muc#roomconfig_roomname"] == ["The Lounge"]
    assert config["muc#roomconfig_roomdesc"] == [DESCRIPTION]
    assert config["muc#roomconfig_roomsecret"] == ["s3cret"]
    for var, value in (("persistentroom", "true"), ("publicroom", "false"),
                       ("membersonly", "true"), ("passwordprotectedroom", "true"),
                       ("changesubject", "true")):
        assert config["muc#roomconfig_" + var] == [value], var
    assert config["muc#roomconfig_whois"] == ["anyone"]
    assert config["muc#roomconfig_historylength"] == ["30"]

    assert affiliations(owner, lounge, "owner") == {"owner@localhost": None}
    assert affiliations(owner, lounge, "admin") == {"helper@localhost": None}
    assert affiliations(owner, lounge, "member") == {"member@localhost": "Memo",
                                                     "regular@localhost": "Reggie"}
    assert affiliations(owner, lounge, "outcast") == {"spammer@localhost": None}

    assert joinRefused(clients("spammer"), lounge + "/spam", "s3cret") == "forbidden"
    assert joinRefused(clients("stranger"), lounge + "/who", "s3cret") == "registration-required"
    assert joinRefused(clients("member"), lounge + "/Reggie", "s3cret") == "conflict"
    assert join(clients("member", resource="again"), lounge + "/Memo", "s3cret").own is not None

    studio = configOf(owner, "studio@" + SERVICE)
    assert studio["muc#roomconfig_moderatedroom"] == ["true"]
    answer = owner.iq("<iq type='get' to='passing@%s'><query xmlns='%s'/></iq>"
                      % (SERVICE, NS_MUC_OWNER))
    assert condition(answer) == "item-not-found"
