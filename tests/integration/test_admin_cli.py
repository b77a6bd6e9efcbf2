"""
Service administration through a real Prosody: the commands on the
service's JID as a client with ad-hoc commands runs them (two steps), and
C{mucservice-admin} driving them for scripts (one step, JSON out).
"""

import json
import os
import subprocess
import sys

import pytest

from tests.integration.conftest import PASSWORD, SERVICE
from tests.integration.muc import NS_DATA, NS_MUC_USER, createRoom, join, statuses

NS_COMMANDS = "http://jabber.org/protocol/commands"
NS_ITEMS = "http://jabber.org/protocol/disco#items"
ADMIN = "admin@localhost"
ROOM = "board@" + SERVICE
HOST = "urn:example:hats:host"


def adminCommand():
    """@return: the command line of mucservice-admin, as installed beside this Python."""
    script = os.path.join(os.path.dirname(sys.executable), "mucservice-admin")
    return [script] if os.path.exists(script) else [
        sys.executable, "-c", "from mucservice.admin.cli import main; main()"]


def runAdmin(server, *args, user="admin", stdin=None):
    """
    Run mucservice-admin as that user, connection from the environment.

    @return: the finished process, its output as text.
    """
    env = {"MUCSERVICE_ADMIN_JID": "%s@localhost" % (user,),
           "MUCSERVICE_ADMIN_PASSWORD": PASSWORD, "MUCSERVICE_ADMIN_SERVICE": SERVICE,
           "MUCSERVICE_ADMIN_HOST": "127.0.0.1", "MUCSERVICE_ADMIN_PORT": str(server.c2sPort),
           "MUCSERVICE_ADMIN_TLS": "optional", "PATH": "/usr/bin:/bin"}
    return subprocess.run(adminCommand() + list(args), capture_output=True, text=True,
                          timeout=60, env=env, input=stdin)


def done(process):
    assert process.returncode == 0, process.stderr
    return process.stdout


@pytest.fixture
def administered(startService, clients):
    """
    The service with admin@localhost as its administrator (who has an
    account), and the board room owned by olivia with bob in it.
    """
    startService("--admin", ADMIN)
    clients("admin").close()
    olivia, bob = clients("olivia"), clients("bob")
    createRoom(olivia, ROOM, "olivia", persistentroom=1, roomname="Board")
    join(bob, ROOM + "/bob")
    olivia.expect(tag="presence", frm=ROOM + "/bob")
    return olivia, bob


def showInTwoSteps(admin, room):
    """
    Find the commands in the service's commands node, execute show-room,
    get its form, and complete it with the session id, as a client does.

    @return: the owners the room shows.
    """
    items = admin.iq("<iq type='get' to='%s'><query xmlns='%s' node='%s'/></iq>"
                     % (SERVICE, NS_ITEMS, NS_COMMANDS))
    nodes = [item.get("node") for item in items.iter("{%s}item" % NS_ITEMS)]
    assert "urn:mucservice:admin:show-room" in nodes and len(nodes) == 10
    answer = admin.iq("<iq type='set' to='%s'><command xmlns='%s' node='urn:mucservice:admin:"
                      "show-room' action='execute'/></iq>" % (SERVICE, NS_COMMANDS))
    command = answer.find("{%s}command" % NS_COMMANDS)
    assert command.get("status") == "executing"
    answer = admin.iq(
        "<iq type='set' to='%s'><command xmlns='%s' node='urn:mucservice:admin:show-room' "
        "sessionid='%s'><x xmlns='%s' type='submit'><field var='roomjid'><value>%s</value>"
        "</field></x></command></iq>"
        % (SERVICE, NS_COMMANDS, command.get("sessionid"), NS_DATA, room))
    assert answer.find("{%s}command" % NS_COMMANDS).get("status") == "completed"
    owners = [f for f in answer.iter("{%s}field" % NS_DATA) if f.get("var") == "owners"]
    return [v.text for v in owners[0].iter("{%s}value" % NS_DATA)]


def test_twoStepsAsAClient(administered, clients):
    """
    A client finds the commands in the service's commands node, executes
    one, gets its form, and completes it with the session id; another user
    finds none.
    """
    assert showInTwoSteps(clients("admin", resource="client"), ROOM) == ["olivia@localhost"]
    bob = clients("bob", resource="nosy")
    items = bob.iq("<iq type='get' to='%s'><query xmlns='%s' node='%s'/></iq>"
                   % (SERVICE, NS_ITEMS, NS_COMMANDS))
    assert list(items.iter("{%s}item" % NS_ITEMS)) == []


def test_scriptedAdministration(server, administered, tmp_path):
    """
    mucservice-admin lists and shows rooms as JSON, gives hats, kicks,
    announces, and moves a room out and back in as JSON; occupants see it
    all happen.
    """
    olivia, bob = administered
    rooms = json.loads(done(runAdmin(server, "list-rooms")))
    assert [(r["roomjid"], r["name"], r["occupants"], r["persistent"]) for r in rooms] == [
        (ROOM, "Board", 2, True)]
    shown = json.loads(done(runAdmin(server, "show-room", ROOM)))
    assert (shown["owners"], shown["muc#roomconfig_roomname"]) == (["olivia@localhost"], "Board")

    done(runAdmin(server, "give-hat", ROOM, "olivia@localhost", HOST, "--title", "Host"))
    seen = bob.expect(tag="presence", frm=ROOM + "/olivia")
    assert [h.get("title") for h in seen.iter("{urn:xmpp:hats:0}hat")] == ["Host"]

    assert done(runAdmin(server, "announce", "Maintenance", "at", "ten")).strip() == (
        "announced in 1 rooms")
    notice = bob.expect(tag="message", frm=ROOM, type="groupchat")
    assert notice.findtext("{jabber:client}body") == "Maintenance at ten"

    done(runAdmin(server, "kick", "bob@localhost", "--reason", "Enough"))
    kicked = bob.expect(tag="presence", frm=ROOM + "/bob", type="unavailable")
    assert statuses(kicked) == {110, 307}

    exported = tmp_path / "board.json"
    exported.write_text(done(runAdmin(server, "export-room", ROOM)))
    done(runAdmin(server, "destroy-room", ROOM, "--reason", "Moving"))
    gone = olivia.expect(tag="presence", frm=ROOM + "/olivia", type="unavailable")
    assert gone.find("{%s}x/{%s}destroy" % (NS_MUC_USER, NS_MUC_USER)) is not None
    assert json.loads(done(runAdmin(server, "list-rooms"))) == []
    done(runAdmin(server, "import-room", "-", stdin=exported.read_text()))
    again = json.loads(done(runAdmin(server, "show-room", ROOM)))
    assert {k: v for k, v in again.items() if k not in ("occupants", "occupantlist")} == {
        k: v for k, v in json.loads(json.dumps(shown)).items()
        if k not in ("occupants", "occupantlist")}


def test_refusedToOthers(server, administered):
    """Anybody but an administrator is refused: exit status 1, forbidden on stderr."""
    refused = runAdmin(server, "list-rooms", user="bob")
    assert (refused.returncode, refused.stdout) == (1, "")
    assert "forbidden" in refused.stderr
    wrong = runAdmin(server, "show-room", "nowhere@" + SERVICE)
    assert wrong.returncode == 1 and "item-not-found" in wrong.stderr
