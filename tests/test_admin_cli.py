"""
The command line of C{mucservice-admin} and how it reads the service's
answers (it runs against a real server in
C{tests/integration/test_admin_cli.py}).
"""

from mucservice import _compat  # noqa: F401

# isort: split

import pytest
from twisted.words.xish import domish

from mucservice.admin import cli
from mucservice.admin.cli import _fields, makeParser
from mucservice.admin.client import formData, notes
from mucservice.xmpp.adhoc import commandElement, note, resultTable
from mucservice.xmpp.servicecommands import COMMANDS, ROOM_COLUMNS


def parse(*argv):
    return makeParser().parse_args(list(argv))


def test_oneSubcommandEach():
    """Every command of the service has its subcommand, and import-prosody is one more."""
    commands = makeParser()._subparsers._group_actions[0].choices
    assert set(commands) == {node.rpartition(":")[2] for node in COMMANDS} | {"import-prosody"}


def test_requiredFieldsArePositional():
    """Required fields are arguments in the form's order; the others are options."""
    options = parse("give-hat", "room@muc.example.org", "mia@example.org", "urn:x:host",
                    "--title", "Host")
    assert _fields(options) == {"roomjid": "room@muc.example.org",
                                "accountjid": "mia@example.org", "hat": "urn:x:host",
                                "title": "Host"}
    options = parse("set-owner", "room@muc.example.org", "mia@example.org", "--exclusive")
    assert _fields(options)["exclusive"] == "1"
    assert _fields(parse("announce", "Back", "at", "ten")) == {"body": "Back at ten"}
    assert _fields(parse("list-rooms")) is None
    assert _fields(parse("list-rooms", "--after", "a@muc.example.org")) == {
        "after": "a@muc.example.org"}


def test_importFromFile(tmp_path):
    """import-room reads the room from a file."""
    path = tmp_path / "room.json"
    path.write_text('{"jid": "room@muc.example.org"}')
    assert _fields(parse("import-room", str(path))) == {"json": '{"jid": "room@muc.example.org"}'}


def test_environment(monkeypatch):
    """The connection comes from MUCSERVICE_ADMIN_... when no option gives it."""
    for name, value in (("JID", "boss@example.org"), ("SERVICE", "muc.example.org"),
                        ("PORT", "5223"), ("TLS", "optional")):
        monkeypatch.setenv("MUCSERVICE_ADMIN_" + name, value)
    options = parse("list-rooms")
    assert (options.jid, options.service, options.port, options.tls) == (
        "boss@example.org", "muc.example.org", 5223, "optional")
    assert parse("--jid", "other@example.org", "list-rooms").jid == "other@example.org"


def test_missingConnection(monkeypatch, capsys):
    """Without a JID, the command line is refused (status 2) and says what is missing."""
    monkeypatch.delenv("MUCSERVICE_ADMIN_JID", raising=False)
    with pytest.raises(SystemExit) as raised:
        cli.main(["--password", "p", "--service", "muc.example.org", "list-rooms"])
    assert raised.value.code == 2
    assert "--jid (or MUCSERVICE_ADMIN_JID) is required" in capsys.readouterr().err


def _element(text):
    """@return: the element of serialized XML."""
    stream = domish.elementStream()
    found = []
    stream.DocumentStartEvent = lambda root: None
    stream.ElementEvent = found.append
    stream.DocumentEndEvent = lambda: None
    stream.parse("<wrapper>%s</wrapper>" % (text,))
    return found[0]


def test_items():
    """A list of items becomes a list of objects; booleans become booleans."""
    table = resultTable("Rooms", "urn:mucservice:admin", ROOM_COLUMNS,
                        [("a@muc.example.org", "A", "3", "1", "0", "0", "0", "0")],
                        lambda more, last: "")
    command = _element(commandElement("n", "s", "completed", table))
    assert formData(command) == [{"roomjid": "a@muc.example.org", "name": "A",
                                  "occupants": "3", "persistent": True, "public": False,
                                  "membersonly": False, "passwordprotected": False,
                                  "locked": False}]


def test_fieldsAndNotes():
    """A form of fields becomes an object, multi-valued fields lists; notes keep their type."""
    command = _element(commandElement("n", "s", "completed", note("half", "warn") + (
        "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'>"
        "<value>t</value></field><field var='owners' type='jid-multi'><value>a@b</value>"
        "<value>c@d</value></field><field var='locked' type='boolean'><value>true</value>"
        "</field><field var='name'><value>N</value></field></x>")))
    assert formData(command) == {"owners": ["a@b", "c@d"], "locked": True, "name": "N"}
    assert notes(command) == [("warn", "half")]
    assert formData(_element(commandElement("n", "s", "completed", note("done")))) is None
