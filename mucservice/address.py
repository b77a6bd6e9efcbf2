"""
Addresses as RFC 7622 defines them today: the one parser of every JID the
service reads, from the wire, from a payload or from its store.

Twisted's L{twisted.words.protocols.jabber.jid} applies the stringprep
profiles of 2003 (Unicode 3.2): it refuses emoji and every character added
to Unicode since, raises L{IndexError} on C{user@a..b}, and interns every
address it has seen in a cache that never shrinks. This module prepares
the parts with the PRECIS profiles of RFC 7622 instead (the
C{precis-i18n} package): the localpart with UsernameCaseMapped, the
resourcepart with OpaqueString, the domainpart as IDNA2008 wants a U-label
(see L{prepareDomainpart}). Each part is at most 1023 bytes of UTF-8.

The L{JID} it makes has Twisted's API (C{user}, C{host}, C{resource},
C{userhost()}, C{userhostJID()}, C{full()}) and is equal to, and hashes
like, a Twisted JID with the same parts, so that both may meet in sets and
dictionaries. Nothing is interned: a parsed address lives as long as what
refers to it.
"""

import ipaddress
import sys
import unicodedata
from collections import OrderedDict

from precis_i18n import get_profile

from mucservice import errors

#: The most bytes (UTF-8) of each part (RFC 7622 section 3).
MAX_PART_BYTES = 1023

#: The most bytes of a domain label, as an A-label (RFC 5890).
MAX_LABEL_BYTES = 63

#: The most code points a part may have before it is prepared: NFC
#: composes at most four code points into one (U+1F8F is the longest
#: canonical decomposition), so a longer text is too long whatever the
#: preparation does, and is refused before the costly part of it.
MAX_PART_CHARS = 4 * MAX_PART_BYTES

_USERNAME = get_profile("UsernameCaseMapped")
_OPAQUE = get_profile("OpaqueString")

#: Characters RFC 7622 section 3.3.1 excludes from localparts.
_LOCAL_EXCLUDED = frozenset("\"&'/:<>@")

#: What IDNA2008 takes for a label separator (RFC 3490 section 3.1).
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})

#: Printable ASCII but the space: what a localpart keeps as it is, but
#: for case.
_ASCII_VISIBLE = frozenset(chr(c) for c in range(0x21, 0x7f))

#: What an ASCII domain label is made of (NR-LDH labels, RFC 5890).
_ASCII_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class JID:
    """
    An address whose parts are prepared: C{user} (localpart, or L{None}),
    C{host} (domainpart) and C{resource} (resourcepart, or L{None}).

    Make one with L{parseJID} or L{fromParts}; the constructor checks
    nothing, and the parts are never changed once it is made.
    """

    __slots__ = ("user", "host", "resource", "_full", "_bare")

    def __init__(self, user, host, resource=None):
        self.user = user
        self.host = host
        self.resource = resource
        self._full = self._bare = None

    def userhost(self):
        """
        @return: the bare address, as text.
        """
        return "%s@%s" % (self.user, self.host) if self.user else self.host

    def userhostJID(self):
        """
        @return: the bare address: this one if it has no resource.
        """
        if self.resource is None:
            return self
        bare = self._bare
        if bare is None:
            bare = self._bare = JID(self.user, self.host)
        return bare

    def full(self):
        """
        @return: the address, as text.
        """
        full = self._full
        if full is None:
            full = self.userhost()
            if self.resource is not None:
                full = "%s/%s" % (full, self.resource)
            self._full = full
        return full

    def __eq__(self, other):
        try:
            return (self.user == other.user and self.host == other.host
                    and self.resource == other.resource)
        except AttributeError:
            return NotImplemented

    def __hash__(self):
        # As Twisted's JID hashes, so that both meet in sets and dicts.
        return hash((self.user, self.host, self.resource))

    __str__ = full

    def __repr__(self):
        return "JID(%r)" % (self.full(),)


def _checkLength(part, what):
    if len(part.encode("utf-8")) > MAX_PART_BYTES:
        raise errors.JIDMalformed("the %s is longer than %d bytes" % (what, MAX_PART_BYTES))


def _checkInput(text, what):
    if not text:
        raise errors.JIDMalformed("the %s is empty" % (what,))
    if len(text) > MAX_PART_CHARS:
        raise errors.JIDMalformed("the %s is longer than %d bytes" % (what, MAX_PART_BYTES))


def why(error):
    """
    @param error: what a precis-i18n profile raised.
    @return: what it says is wrong, in words (C{"spaces"},
        C{"controls"}, C{"unassigned"}...).
    """
    reason = getattr(error, "reason", None) or str(error)
    return reason.rpartition("/")[2].replace("_", " ")


def prepareLocalpart(text):
    """
    @return: C{text} as a localpart (UsernameCaseMapped, RFC 8265).
    @raise errors.JIDMalformed: it is empty, too long, or has a character
        a localpart may not have.
    """
    _checkInput(text, "localpart")
    if text.isascii() and _ASCII_VISIBLE.issuperset(text):
        prepared = text.lower()
    else:
        try:
            prepared = _USERNAME.enforce(text)
        except UnicodeError as e:
            raise errors.JIDMalformed("the localpart may not have %s" % (why(e),))
    if not _LOCAL_EXCLUDED.isdisjoint(prepared):
        raise errors.JIDMalformed("a localpart may not have any of %s"
                                  % " ".join(sorted(_LOCAL_EXCLUDED)))
    _checkLength(prepared, "localpart")
    return prepared


def prepareResourcepart(text):
    """
    @return: C{text} as a resourcepart (OpaqueString, RFC 8265).
    @raise errors.JIDMalformed: it is empty, too long, or has a character
        a resourcepart may not have (controls, unassigned code points).
    """
    _checkInput(text, "resourcepart")
    if not (text.isascii() and text.isprintable()):
        try:
            text = _OPAQUE.enforce(text)
        except UnicodeError as e:
            raise errors.JIDMalformed("the resourcepart may not have %s" % (why(e),))
    _checkLength(text, "resourcepart")
    return text


def _widthMapped(c):
    """
    @return: the character C{c} stands for if it is a fullwidth or
        halfwidth form (RFC 5895 section 2), else C{c}.
    """
    decomposition = unicodedata.decomposition(c)
    if decomposition.startswith(("<wide>", "<narrow>")):
        return chr(int(decomposition.split()[1], 16))
    return c


def _prepareULabel(label):
    """
    @return: a non-ASCII label as a U-label: width-mapped, lower case, NFC.
    @raise errors.JIDMalformed: it has what no domain name has.
    """
    label = unicodedata.normalize("NFC", "".join(map(_widthMapped, label)).lower())
    if label.isascii():
        return _checkLDH(label)
    if unicodedata.category(label[0])[0] == "M":
        raise errors.JIDMalformed("a domain label may not begin with a combining mark")
    for c in label:
        if unicodedata.category(c)[0] not in "LMN" and c != "-":
            raise errors.JIDMalformed("a domain name has letters, digits and hyphens only")
    try:
        size = len(b"xn--" + label.encode("punycode"))
    except UnicodeError:
        raise errors.JIDMalformed("not a valid domain label: %r" % (label,))
    if size > MAX_LABEL_BYTES:
        raise errors.JIDMalformed("a domain label is longer than %d bytes" % (MAX_LABEL_BYTES,))
    return label


def _checkLDH(label):
    if not _ASCII_LDH.issuperset(label):
        raise errors.JIDMalformed("a domain name has letters, digits and hyphens only")
    if label[0] == "-" or label[-1] == "-":
        raise errors.JIDMalformed("a domain label may not begin or end with a hyphen")
    if len(label) > MAX_LABEL_BYTES:
        raise errors.JIDMalformed("a domain label is longer than %d bytes" % (MAX_LABEL_BYTES,))
    if label[2:4] == "--":
        return _fromALabel(label)
    return label


def _fromALabel(label):
    """
    @return: the U-label of the A-label C{label} (RFC 7622 section 3.2.2
        wants U-labels in addresses).
    @raise errors.JIDMalformed: C{label} is not an A-label.
    """
    if not label.startswith("xn--") or len(label) == 4:
        raise errors.JIDMalformed("a domain label has no -- in its third and fourth places, "
                                  "unless it is an A-label")
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
        if not decoded.isascii() and _prepareULabel(decoded) == decoded:
            return decoded
    except (UnicodeError, errors.JIDMalformed):
        pass
    raise errors.JIDMalformed("not a valid A-label: %r" % (label,))


def prepareDomainpart(text):
    """
    @return: C{text} as a domainpart: an IPv6 literal in brackets in its
        short form; a name with its label separators made dots, one final
        dot dropped, each label an NR-LDH label or a U-label (an A-label
        becomes its U-label; fullwidth and halfwidth forms are mapped,
        then lower case and NFC, as RFC 5895 maps them).
    @raise errors.JIDMalformed: it is empty, has an empty label, a label
        too long, or a character no domain name has.
    """
    _checkInput(text, "domainpart")
    if text[0] == "[":
        if text[-1] != "]":
            raise errors.JIDMalformed("an IPv6 address ends with ]")
        try:
            if "%" not in text:
                return "[%s]" % (ipaddress.IPv6Address(text[1:-1]).compressed,)
        except ValueError:
            pass
        raise errors.JIDMalformed("not an IPv6 address: %r" % (text,))
    domain = text.lower() if text.isascii() else text.translate(_DOTS).lower()
    if domain[-1] == ".":
        domain = domain[:-1]
    if not domain:
        raise errors.JIDMalformed("the domainpart is empty")
    labels = domain.split(".")
    for i, label in enumerate(labels):
        if not label:
            raise errors.JIDMalformed("a domain name has no empty labels")
        labels[i] = _checkLDH(label) if label.isascii() else _prepareULabel(label)
    domain = ".".join(labels)
    _checkLength(domain, "domainpart")
    # The addresses of a server's users share one text of its name, not
    # one each: an interned text lives only as long as what refers to it.
    return sys.intern(domain)


def splitJID(text):
    """
    Cut an address into its parts as RFC 7622 section 3.1 does: the
    resourcepart after the first C{/}, the localpart before the first C{@}
    of what comes before.

    @return: C{(localpart, domainpart, resourcepart)}, the first and last
        L{None} when absent (an empty one is C{""}).
    """
    bare, slash, resource = text.partition("/")
    local, at, domain = bare.partition("@")
    if not at:
        local, domain = None, bare
    return local, domain, resource if slash else None


def parseJID(text):
    """
    The one parser of addresses.

    @param text: an address, or L{None} if there was none.
    @return: a L{JID}.
    @raise errors.JIDMalformed: C{text} is missing or no valid address;
        the message says why.
    """
    if not text:
        raise errors.JIDMalformed("an address is missing")
    if not isinstance(text, str):
        raise errors.JIDMalformed("not an address: %r" % (text,))
    return fromParts(*splitJID(text))


def isAddress(text, parse=parseJID):
    """
    @param parse: the parser to ask (L{parseJID}, or a cache's).
    @return: whether C{text} is a valid address.
    """
    try:
        parse(text)
    except errors.JIDMalformed:
        return False
    return True


def fromParts(user, host, resource=None):
    """
    @param user: the localpart to prepare, or L{None}.
    @param host: the domainpart to prepare.
    @param resource: the resourcepart to prepare, or L{None}.
    @return: the L{JID} of these parts.
    @raise errors.JIDMalformed: a part is not valid.
    """
    return JID(prepareLocalpart(user) if user is not None else None,
               prepareDomainpart(host),
               prepareResourcepart(resource) if resource is not None else None)


def withResource(bare, resource):
    """
    @param bare: a L{JID} already prepared (its resource is ignored).
    @param resource: the resourcepart to prepare, e.g. a nick.
    @return: the L{JID} C{bare/resource}.
    @raise errors.JIDMalformed: C{resource} is no valid resourcepart.
    """
    return JID(bare.user, bare.host, prepareResourcepart(resource))


#: How many addresses an L{AddressCache} keeps by default (C{--address-cache}).
DEFAULT_CACHE_SIZE = 4096

#: The longest text an L{AddressCache} keeps the address of: longer ones,
#: rare in honest traffic, are parsed each time, so that a full cache holds
#: little memory whatever clients send.
MAX_CACHED_CHARS = 256


class AddressCache:
    """
    The addresses parsed last, at most C{size} of them (least recently
    used first out), for the hot path that parses the C{from} and C{to} of
    every stanza: parsing an ASCII address costs about 2.5 microseconds, a
    lookup here about a tenth of one. Only valid addresses are kept, and
    one may be forgotten before its turn (L{forget}: a session that left
    every room), so that what the cache holds follows who is here.

    Occupant addresses (C{room@service/nick}, on the domain C{own}) are
    parsed each time and never kept: every occupant has one, any client
    may name new ones, and stanzas go to a room far more often than to an
    occupant.

    @ivar size: how many it keeps; 0 keeps none.
    @ivar own: the service's domain, or L{None}.
    """

    def __init__(self, size=DEFAULT_CACHE_SIZE, own=None):
        self.size = size
        self.own = own
        self._entries = OrderedDict()

    def __len__(self):
        return len(self._entries)

    def __contains__(self, text):
        return text in self._entries

    def parse(self, text):
        """
        @return: L{parseJID}C{(text)}, from the cache if it is there.
        @raise errors.JIDMalformed: as L{parseJID} does.
        """
        entries = self._entries
        jid = entries.get(text)
        if jid is not None:
            entries.move_to_end(text)
            return jid
        jid = parseJID(text)
        if (self.size and type(text) is str and len(text) <= MAX_CACHED_CHARS
                and (jid.resource is None or jid.host != self.own)):
            if len(entries) >= self.size:
                entries.popitem(last=False)
            entries[text] = jid
            if jid.full() == text:
                # One text for the key and the address's own, not two.
                jid._full = text
        return jid

    def forget(self, text):
        """
        Drop the address parsed from C{text}, if it is kept.
        """
        self._entries.pop(text, None)
