"""
The options of the limits (C{tap.LIMIT_OPTIONS}): their defaults, how they
are read, and that they reach the room service.
"""

import pathlib
import re

import pytest
from twisted.internet.testing import MemoryReactorClock
from twisted.python import usage

from mucservice import tap
from mucservice.room.buckets import Rate
from mucservice.room.limits import LimitSettings
from mucservice.room.service import RoomService

BASE = ("--jid", "muc.example.org", "--secret", "s", "--room-store", "memory",
        "--hat-store", "memory")


def parse(*args):
    config = tap.Options()
    config.parseOptions(list(BASE + args))
    return config


def test_everySetting():
    """Every limit setting has exactly one option."""
    assert sorted(attribute for _, attribute, _ in tap.LIMIT_OPTIONS) == sorted(
        LimitSettings.__dataclass_fields__)


def test_defaults():
    """With no option given, the limits are the documented defaults, on."""
    settings = tap.limitSettings(parse())
    assert settings == LimitSettings()
    assert (settings.messageRate, settings.maxAdminItems, settings.maxNickSessions) == (
        Rate(20, 10), 100, 10)


def test_given():
    """Given values are read: rates as COUNT/SECONDS, the others as whole numbers."""
    settings = tap.limitSettings(parse("--message-rate", "5/2.5", "--max-body-length", "42",
                                       "--room-creation-rate", "1/86400"))
    assert settings.messageRate == Rate(5, 2.5)
    assert settings.roomCreationRate == Rate(1, 86400)
    assert settings.maxBodyLength == 42


@pytest.mark.parametrize("args, message", [
    (("--message-rate", "5"), "COUNT/SECONDS"),
    (("--join-rate", "0/10"), "COUNT/SECONDS"),
    (("--max-affiliations", "0"), "positive whole number"),
    (("--max-history-bytes", "lots"), "invalid literal"),
])
def test_refused(args, message):
    """A value that is not a rate, or not a whole number of 1 or more, is a usage error."""
    with pytest.raises(usage.UsageError, match=message):
        parse(*args)


def test_reachRoomService():
    """The service tree's room service applies the limits given."""
    root = tap.makeService(parse("--max-nick-sessions", "3"), MemoryReactorClock())
    rooms = next(s for s in root if isinstance(s, RoomService))
    assert rooms.limits.settings.maxNickSessions == 3


def test_help():
    """--help shows each limit's default as it is written on the command line."""
    text = str(tap.Options())
    assert "--message-rate=" in text
    assert "20/10" in text
    assert "262144" in text


def readmeSection(title):
    """
    @return: the text of a section of README.rst, up to the next one.
    """
    text = (pathlib.Path(__file__).parent.parent / "README.rst").read_text(encoding="utf-8")
    start = text.index("\n%s\n%s\n" % (title, "-" * len(title)))
    following = re.search(r"\n[^\n]+\n-{3,}\n", text[start + len(title) + 2:])
    return text[start:start + len(title) + 2 + following.start()]


@pytest.mark.parametrize("name, attribute", [(n, a) for n, a, _ in tap.LIMIT_OPTIONS])
def test_readme(name, attribute):
    """The README gives each limit option with its default in Options and in Limits."""
    default = getattr(LimitSettings, attribute)
    inOptions = re.search(r"``--%s`` \((default )?``%s``\)" % (name, default),
                          readmeSection("Options"))
    assert inOptions is not None
    assert "``--%s`` (default ``%s``)" % (name, default) in readmeSection("Limits")
