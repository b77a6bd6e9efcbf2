"""
Reading Prosody's stored data (Lua source written by util.serialization) as
data, never as code.
"""

import math

import pytest

from mucservice.admin.luadata import LuaDataError, readDat, readList, sequence

#: A room as Prosody 0.12 writes it, escapes and all.
ROOM = rb"""return {
	["_data"] = {
		["description"] = "Sofa \"talk\" \195\188n\195\175code\nline2";
		["history_length"] = 30;
		["hidden"] = true;
	};
	["owner@localhost"] = "owner";
	["_jid"] = "lounge@conference.localhost";
	["_affiliation_data"] = {};
};
"""


def test_prosodyRoom():
    """A room file gives nested dicts, with quotes, line breaks and UTF-8 bytes decoded."""
    room = readDat(ROOM)
    assert room["_jid"] == "lounge@conference.localhost"
    assert room["owner@localhost"] == "owner"
    assert room["_data"] == {"description": 'Sofa "talk" ünïcode\nline2',
                             "history_length": 30, "hidden": True}
    assert room["_affiliation_data"] == {}


@pytest.mark.parametrize("text,value", [
    (b"return 30;", 30),
    (b"return -1.5", -1.5),
    (b"return 0x1F;", 31),
    (b"return 1e3;", 1000.0),
    (b"return (1/0);", math.inf),
    (b"return -(1/0);", -math.inf),
    (b"return false;", False),
    (b"return nil;", None),
    (b"return 'single \\'quoted\\'';", "single 'quoted'"),
    (b'return "\\x41\\65\\u{e9}\\t\\\\";', "AA\u00e9\t\\"),
    (b'return "a\\z   \n  b";', "ab"),
    (b'return "line\\\nbreak";', "line\nbreak"),
    (b"return { 1; 2, [3] = 'c'; name = 'n' } -- a comment", {1: 1, 2: 2, 3: "c", "name": "n"}),
    (b"return { [true] = 1, [2.5] = 2 };", {True: 1, 2.5: 2}),
])
def test_values(text, value):
    """Every form of value the serializer writes is read."""
    assert readDat(text) == value


@pytest.mark.parametrize("text", [
    b'return os.execute("rm -rf /");',
    b"return { a = b };",
    b"return dofile('x');",
    b'return "a" .. "b";',
    b"return function() end;",
    b"x = 1",
    b'return "unterminated;',
    b'return "a\nb";',
    b"return {1, 2;",
    b"return 1; return 2;",
    b'return "\\q";',
    b'return "\\300";',
    b'return "\\255";',
    b"return { [nil] = 1 };",
    b"return " + b"{" * 101 + b"}" * 101,
    b"item(1); os.exit();",
])
def test_refused(text):
    """What is not data as the serializer writes it (code, names, bad strings) is refused."""
    with pytest.raises(LuaDataError):
        readDat(text) if text.startswith(b"return") or b"=" in text else readList(text)


def test_errorNamesPlace():
    """An error names the file and the line."""
    with pytest.raises(LuaDataError, match=r"^lounge\.dat, line 3: "):
        readDat(b"return {\n  [1] = 1;\n  oops\n};", "lounge.dat")


def test_list():
    """An archive is a sequence of item(...) entries, in order."""
    items = readList(b"item({\n\t[\"key\"] = \"a\";\n});\nitem({[\"key\"] = \"b\"});\n")
    assert [item["key"] for item in items] == ["a", "b"]
    assert readList(b"") == []


def test_sequence():
    """The positional values of a table, in order, without its keyed ones."""
    assert sequence({1: "a", 2: "b", "name": "body", 4: "d"}) == ["a", "b"]
