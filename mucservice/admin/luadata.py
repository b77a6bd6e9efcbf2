"""
Prosody's stored data, read without running Lua.

Prosody's C{internal} storage writes each store with its serializer
(C{util.serialization}) as Lua source: a C{.dat} file is C{return VALUE;},
a C{.list} file (an archive) is one C{item(VALUE);} per entry. A VALUE is
a table constructor (C{{["key"] = value; value; ...}}), a string in double
or single quotes with Lua's escapes (C{\\n}, C{\\"}, C{\\195} for a byte,
C{\\x41}, C{\\u{...}}, a backslash before a line break, C{\\z}), a number
(C{30}, C{-1.5}, C{0x1F}, C{1e9}, the C{(1/0)} and C{(0/0)} of infinities
and NaN), C{true}, C{false} or C{nil}.

This module reads exactly that grammar, a data format, and nothing else:
no name is looked up, no function is called (C{item} and C{return} are
words of the format), nothing is evaluated. Anything else is an error
naming its place in the file.

A table becomes a L{dict}: its positional values under the keys 1, 2, ...
as in Lua, its other entries under their keys. Strings are bytes in Lua;
they are given as text, decoded from UTF-8.
"""

import math
import re

_SPACE = re.compile(rb"(?:\s+|--[^\n]*)*")
_NUMBER = re.compile(rb"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL = {b"(1/0)": math.inf, b"(-1/0)": -math.inf, b"-(1/0)": -math.inf,
            b"(0/0)": math.nan, b"(-0/0)": math.nan}
_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("f"): 12, ord("n"): 10, ord("r"): 13, ord("t"): 9,
            ord("v"): 11, ord("\\"): 92, ord('"'): 34, ord("'"): 39, ord("\n"): 10}
_WORDS = {b"true": True, b"false": False, b"nil": None}

#: How deep tables may nest: more is no data Prosody writes.
MAX_DEPTH = 100


class LuaDataError(ValueError):
    """
    The text is not data as Prosody's serializer writes it.
    """


class _Reader:
    def __init__(self, text, name):
        self.text = text
        self.name = name
        self.at = 0

    def fail(self, what):
        line = self.text.count(b"\n", 0, self.at) + 1
        raise LuaDataError("%s, line %d: %s" % (self.name, line, what))

    def skip(self):
        self.at = _SPACE.match(self.text, self.at).end()

    def peek(self, token):
        self.skip()
        return self.text.startswith(token, self.at)

    def take(self, token):
        if not self.peek(token):
            self.fail("expected %r" % (token.decode("ascii"),))
        self.at += len(token)

    def done(self):
        self.skip()
        return self.at >= len(self.text)

    def value(self, depth=0):
        self.skip()
        char = self.text[self.at:self.at + 1]
        if char == b"{":
            return self.table(depth + 1)
        if char in (b'"', b"'"):
            return self.string()
        for text, number in _SPECIAL.items():
            if self.text.startswith(text, self.at):
                self.at += len(text)
                return number
        if char == b"-" or _NUMBER.match(self.text, self.at):
            return self.number()
        found = _NAME.match(self.text, self.at)
        if found and found.group() in _WORDS:
            self.at = found.end()
            return _WORDS[found.group()]
        self.fail("no value here")

    def number(self):
        negative = self.text.startswith(b"-", self.at)
        if negative:
            self.at += 1
        found = _NUMBER.match(self.text, self.at)
        if found is None:
            self.fail("a malformed number")
        self.at = found.end()
        text = found.group().decode("ascii")
        if text[:2].lower() == "0x":
            number = int(text, 16)
        elif any(c in text for c in ".eE"):
            number = float(text)
        else:
            number = int(text)
        return -number if negative else number

    def string(self):
        quote = self.text[self.at]
        self.at += 1
        out = bytearray()
        while True:
            if self.at >= len(self.text):
                self.fail("a string does not end")
            byte = self.text[self.at]
            self.at += 1
            if byte == quote:
                break
            if byte == ord("\n"):
                self.fail("a line break in a string")
            if byte != ord("\\"):
                out.append(byte)
                continue
            self.escape(out)
        try:
            return out.decode("utf-8")
        except UnicodeDecodeError:
            self.fail("a string that is no UTF-8")

    def escape(self, out):
        byte = self.text[self.at:self.at + 1]
        if not byte:
            self.fail("a string does not end")
        if byte[0] in _ESCAPES:
            self.at += 1
            out.append(_ESCAPES[byte[0]])
        elif byte.isdigit():
            digits = re.match(rb"\d{1,3}", self.text[self.at:]).group()
            self.at += len(digits)
            if int(digits) > 255:
                self.fail("an escape beyond a byte")
            out.append(int(digits))
        elif byte == b"x":
            digits = self.text[self.at + 1:self.at + 3]
            if not re.fullmatch(rb"[0-9a-fA-F]{2}", digits):
                self.fail("a malformed \\x escape")
            self.at += 3
            out.append(int(digits, 16))
        elif byte == b"z":
            self.at = _SPACE.match(self.text, self.at + 1).end()
        elif byte == b"u":
            found = re.match(rb"u\{([0-9a-fA-F]{1,8})\}", self.text[self.at:])
            if found is None or int(found.group(1), 16) > 0x10FFFF:
                self.fail("a malformed \\u escape")
            self.at += found.end()
            out.extend(chr(int(found.group(1), 16)).encode("utf-8", "surrogatepass"))
        else:
            self.fail("an unknown escape")

    def table(self, depth):
        if depth > MAX_DEPTH:
            self.fail("tables nested deeper than %d" % (MAX_DEPTH,))
        self.take(b"{")
        result = {}
        position = 0
        while not self.peek(b"}"):
            if self.peek(b"["):
                self.take(b"[")
                key = self.value(depth)
                self.take(b"]")
                self.take(b"=")
            else:
                found = _NAME.match(self.text, self.at)
                rest = self.text[found.end():] if found else b""
                if found and found.group() not in _WORDS and re.match(rb"\s*=(?!=)", rest):
                    self.at = found.end()
                    self.take(b"=")
                    key = found.group().decode("ascii")
                else:
                    position += 1
                    key = position
            if key is None or (isinstance(key, float) and math.isnan(key)):
                self.fail("a table key that Lua refuses")
            result[key] = self.value(depth)
            if not self.peek(b"}"):
                if self.peek(b";"):
                    self.take(b";")
                else:
                    self.take(b",")
        self.take(b"}")
        return result


def _bytes(text):
    return text.encode("utf-8") if isinstance(text, str) else text


def readDat(text, name="data"):
    """
    Read a C{.dat} file: C{return VALUE;}.

    @param text: its content, as bytes (or text).
    @param name: what to call it in errors (its path).
    @return: the value.
    @raise LuaDataError: it is not such a file.
    """
    reader = _Reader(_bytes(text), name)
    reader.take(b"return")
    value = reader.value()
    if reader.peek(b";"):
        reader.take(b";")
    if not reader.done():
        reader.fail("more after the value")
    return value


def readList(text, name="data"):
    """
    Read a C{.list} file: C{item(VALUE);} for each entry.

    @param text: its content, as bytes (or text).
    @param name: what to call it in errors (its path).
    @return: a L{list} of the values, in order.
    @raise LuaDataError: it is not such a file.
    """
    reader = _Reader(_bytes(text), name)
    items = []
    while not reader.done():
        reader.take(b"item")
        reader.take(b"(")
        items.append(reader.value())
        reader.take(b")")
        if reader.peek(b";"):
            reader.take(b";")
    return items


def sequence(table):
    """
    @return: the positional values of a table (keys 1, 2, ... without a
        gap), as a L{list}.
    """
    values = []
    while len(values) + 1 in table:
        values.append(table[len(values) + 1])
    return values
