"""
The one address parser (L{mucservice.address}): RFC 7622 with the PRECIS
profiles, its fast paths against precis-i18n itself, and its L{JID}
against Twisted's.
"""

import random

import pytest
from precis_i18n import get_profile
from twisted.words.protocols.jabber import jid as twistedJID

from mucservice import address, errors
from mucservice.address import JID, parseJID

#: Addresses that parse, and what they become.
VALID = [
    ("example.org", (None, "example.org", None)),
    ("juliet@example.org", ("juliet", "example.org", None)),
    ("Juliet@EXAMPLE.org/Balcony", ("juliet", "example.org", "Balcony")),
    ("juliet@example.org/foo bar", ("juliet", "example.org", "foo bar")),
    ("juliet@example.org/foo@bar", ("juliet", "example.org", "foo@bar")),
    ("juliet@example.org/a/b", ("juliet", "example.org", "a/b")),
    ("example.org/😀", (None, "example.org", "😀")),
    ("room@muc.example.org/Juliet 🌹", ("room", "muc.example.org", "Juliet 🌹")),
    ("room@muc.example.org/🤖", ("room", "muc.example.org", "🤖")),
    ("foo\\20bar@example.com", ("foo\\20bar", "example.com", None)),
    ("fussball@example.com", ("fussball", "example.com", None)),
    ("fu\u00dfball@example.com", ("fu\u00dfball", "example.com", None)),
    ("\u03c0@example.com", ("\u03c0", "example.com", None)),
    ("\u03a3@example.com/foo", ("\u03c3", "example.com", "foo")),
    ("\u03c3@example.com/foo", ("\u03c3", "example.com", "foo")),
    ("\u03c2@example.com/foo", ("\u03c2", "example.com", "foo")),
    ("king@example.com/\u265a", ("king", "example.com", "\u265a")),
    ("example.com.", (None, "example.com", None)),
    ("a@b\u3002c", ("a", "b.c", None)),
    ("a@b\uff0ec\uff61d", ("a", "b.c.d", None)),
    ("a@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.org", ("a", "example.org", None)),
    ("a@B\u00dcCHER.example", ("a", "b\u00fccher.example", None)),
    ("a@xn--bcher-kva.example", ("a", "b\u00fccher.example", None)),
    ("a@[::1]", ("a", "[::1]", None)),
    ("a@[2001:DB8:0:0::1]/r", ("a", "[2001:db8::1]", "r")),
    ("a@127.0.0.1", ("a", "127.0.0.1", None)),
    ("a@" + "x" * 63 + ".org", ("a", "x" * 63 + ".org", None)),
    ("%s@example.org" % ("u" * 1023,), ("u" * 1023, "example.org", None)),
    ("example.org/%s" % ("\u00e9" * 511,), (None, "example.org", "\u00e9" * 511)),
    # Composed by NFC: two code points become one.
    ("example.org/e\u0301", (None, "example.org", "\u00e9")),
    ("example.org/ ", (None, "example.org", " ")),
]

#: Addresses that are refused, and a word of why.
INVALID = [
    ("", "missing"),
    ("user@a..b", "empty labels"),
    ("user@.b", "empty labels"),
    ("user@\u3002", "domainpart is empty"),
    ("user@.", "domainpart is empty"),
    ("@example.org", "localpart is empty"),
    ("example.org/", "resourcepart is empty"),
    ("user@", "domainpart is empty"),
    ("/r", "domainpart is empty"),
    ("a b@example.org", "spaces"),
    ("\U0001f600@example.org", "symbols"),
    ("a\x00@example.org", "controls"),
    ("example.org/a\x00b", "controls"),
    ("example.org/a\u0378", "unassigned"),
    ("a@b@example.org", "letters, digits and hyphens"),
    ("a\"b@example.org", "may not have any of"),
    ("a&b@example.org", "may not have any of"),
    ("a:b@example.org", "may not have any of"),
    ("a<b@example.org", "may not have any of"),
    ("a@exa mple.org", "letters, digits and hyphens"),
    ("a@exa_mple.org", "letters, digits and hyphens"),
    ("a@\U0001f600.org", "letters, digits and hyphens"),
    ("a@-example.org", "hyphen"),
    ("a@example-.org", "hyphen"),
    ("a@ab--c.org", "A-label"),
    ("a@xn--.org", "hyphen"),
    ("a@xn--a.org", "A-label"),
    ("a@\u0301x.org", "combining mark"),
    ("a@" + "x" * 64 + ".org", "longer than 63"),
    ("a@" + "\u00fc" * 60 + ".org", "longer than 63"),
    ("a@[::1", "ends with ]"),
    ("a@[nope]", "IPv6"),
    ("a@[fe80::1%eth0]", "IPv6"),
    ("%s@example.org" % ("u" * 1024,), "longer than 1023"),
    ("example.org/%s" % ("\u00e9" * 512,), "longer than 1023"),
    ("example.org/%s" % ("x" * 100000,), "longer than 1023"),
    (("a" * 64 + ".") * 20 + "org", "longer than 63"),
    (("a" * 60 + ".") * 17 + "org", "longer than 1023"),
]


@pytest.mark.parametrize("text,parts", VALID)
def test_valid(text, parts):
    """Each valid address parses into its prepared parts."""
    parsed = parseJID(text)
    assert (parsed.user, parsed.host, parsed.resource) == parts


@pytest.mark.parametrize("text,reason", INVALID)
def test_invalid(text, reason):
    """Each invalid address is refused as malformed, saying why."""
    with pytest.raises(errors.JIDMalformed) as caught:
        parseJID(text)
    assert reason in caught.value.text


@pytest.mark.parametrize("value", [None, b"a@b", 3])
def test_notText(value):
    """What is not text is no address."""
    with pytest.raises(errors.JIDMalformed):
        parseJID(value)


def test_idempotent():
    """An address parsed again from its text is the same address."""
    for text, _ in VALID:
        parsed = parseJID(text)
        assert parseJID(parsed.full()) == parsed


def test_fullAndBare():
    """full, userhost and userhostJID give the address, its bare text and its bare JID."""
    parsed = parseJID("Juliet@Example.org/Balcony")
    assert parsed.full() == str(parsed) == "juliet@example.org/Balcony"
    assert parsed.userhost() == "juliet@example.org"
    assert parsed.userhostJID() == JID("juliet", "example.org")
    assert parsed.userhostJID() is parsed.userhostJID()
    bare = parseJID("example.org")
    assert bare.userhostJID() is bare
    assert bare.full() == "example.org"
    assert repr(parsed) == "JID('juliet@example.org/Balcony')"


def test_twistedEquality():
    """Ours and Twisted's JIDs of the same address are equal, hash alike and meet in sets."""
    texts = ["juliet@example.org/balcony", "Romeo@Example.org", "muc.example.org",
             "room@muc.example.org/nick name", "example.org/r"]
    for text in texts:
        ours, theirs = parseJID(text), twistedJID.JID(text)
        assert ours == theirs and theirs == ours
        assert not (ours != theirs) and not (theirs != ours)
        assert hash(ours) == hash(theirs)
        assert {ours: 1}[theirs] == 1 and {theirs: 1}[ours] == 1
        assert theirs in {ours} and ours in {theirs}
    assert len({parseJID(t) for t in texts} | {twistedJID.JID(t) for t in texts}) == len(texts)
    assert parseJID("a@b/c") != twistedJID.JID("a@b/d")
    assert parseJID("a@b") != "a@b"


def test_nothingInterned():
    """Parsing never adds to Twisted's cache of interned JIDs."""
    before = dict(twistedJID.__internJIDs)
    for n in range(100):
        parseJID("user%d@example.org/r" % (n,))
    assert twistedJID.__internJIDs == before


def test_withResource():
    """withResource prepares only the resource it adds to a prepared bare JID."""
    room = parseJID("room@muc.example.org")
    assert address.withResource(room, "Juliet \U0001f339").full() == \
        "room@muc.example.org/Juliet \U0001f339"
    with pytest.raises(errors.JIDMalformed):
        address.withResource(room, "a\x07")


def _sample(seed, count, alphabet):
    rnd = random.Random(seed)
    for _ in range(count):
        yield "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12)))


#: Characters for the comparison with precis-i18n: all of ASCII, and some
#: of Latin, Greek, fullwidth, combining marks, spaces, emoji and controls.
_ALPHABET = ([chr(c) for c in range(0x80)] + list("\u00e9\u00df\u03a3\u03c2\uff21\uff41\u0301"
                                                  "\u00a0\u2003\u200d\U0001f600\u0085\u212b"))


def test_fastPathsAgreeWithPRECIS():
    """
    On thousands of random texts the localpart and resourcepart preparation
    gives what precis-i18n's profiles give, or refuses what they refuse.
    """
    for prepare, profile in ((address.prepareLocalpart, "UsernameCaseMapped"),
                             (address.prepareResourcepart, "OpaqueString")):
        profile = get_profile(profile)
        for text in _sample(profile.name, 5000, _ALPHABET):
            try:
                expected = profile.enforce(text)
            except UnicodeError:
                expected = None
            if expected is not None and prepare is address.prepareLocalpart:
                if not address._LOCAL_EXCLUDED.isdisjoint(expected):
                    expected = None
            try:
                got = prepare(text)
            except errors.JIDMalformed:
                got = None
            assert got == expected, (profile.name, text)


def test_cacheKeepsValidAddresses():
    """The cache gives the same JID for the same text, and keeps at most its size."""
    cache = address.AddressCache(2)
    first = cache.parse("a@example.org/r")
    assert cache.parse("a@example.org/r") is first
    cache.parse("b@example.org")
    cache.parse("c@example.org")
    assert cache.parse("a@example.org/r") is not first
    assert cache.parse("a@example.org/r") == first
    assert len(cache) == 2


def test_cacheRefusesAsParserDoes():
    """Invalid addresses are refused every time and never kept; long ones are parsed anew."""
    cache = address.AddressCache(10)
    for _ in range(2):
        with pytest.raises(errors.JIDMalformed):
            cache.parse("user@a..b")
        with pytest.raises(errors.JIDMalformed):
            cache.parse(None)
    assert len(cache) == 0
    long = "a@example.org/" + "r" * address.MAX_CACHED_CHARS
    assert cache.parse(long) is not cache.parse(long)
    assert len(cache) == 0


def test_cacheForgets():
    """A forgotten address is parsed anew; forgetting one not kept does nothing."""
    cache = address.AddressCache(10)
    first = cache.parse("a@example.org/r")
    other = cache.parse("b@example.org/r")
    cache.forget("a@example.org/r")
    cache.forget("never@example.org/r")
    assert "a@example.org/r" not in cache and "b@example.org/r" in cache
    assert len(cache) == 1
    assert cache.parse("b@example.org/r") is other
    again = cache.parse("a@example.org/r")
    assert again == first and again is not first


def test_cacheKeepsRecentlyUsed():
    """A lookup makes an address the most recent: the least recently used goes first."""
    cache = address.AddressCache(2)
    first = cache.parse("a@example.org")
    cache.parse("b@example.org")
    cache.parse("a@example.org")
    cache.parse("c@example.org")
    assert cache.parse("a@example.org") is first
    assert len(cache) == 2


def test_cacheSkipsOccupantAddresses():
    """Addresses with a resource on the service's own domain are parsed anew each time."""
    cache = address.AddressCache(10, own="muc.example.org")
    assert cache.parse("room@muc.example.org/nick") is not cache.parse("room@muc.example.org/nick")
    assert cache.parse("room@muc.example.org") is cache.parse("room@muc.example.org")
    assert cache.parse("a@example.org/r") is cache.parse("a@example.org/r")
    assert len(cache) == 2


def test_noCache():
    """A cache of size 0 parses every time."""
    cache = address.AddressCache(0)
    assert cache.parse("a@example.org") is not cache.parse("a@example.org")
    assert len(cache) == 0


def test_domainTextShared():
    """Addresses of the same domain share one text of it, however it was written."""
    first = address.parseJID("a@Example.ORG/r")
    second = address.parseJID("b@example.org")
    assert first.host == "example.org"
    assert first.host is second.host


def test_cachedAddressSharesItsText():
    """A kept address written as it is prepared keeps the text it was read from as its own."""
    cache = address.AddressCache(10)
    text = "".join(["a@example.org", "/r"])
    assert cache.parse(text).full() is text
    assert cache.parse("B@example.org/r").full() == "b@example.org/r"
