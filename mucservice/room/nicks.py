"""
Nicks as RFC 8266 defines them, and when two of them are the same.

A nick is the resourcepart of an occupant JID: the room shows it as the
client gave it (prepared as a resourcepart, L{mucservice.address}). It must
also pass the PRECIS Nickname profile, whose comparison (lower case, NFKC,
spaces trimmed and collapsed) makes C{"Juliet"}, C{"juliet "} and
C{"\\uff4a\\uff55\\uff4c\\uff49\\uff45\\uff54"} one nick; and two nicks whose
skeletons (Unicode Technical Standard #39) are the same look alike, as the
Cyrillic C{"\\u0430lice"} and the Latin C{"alice"} do. Either way they
conflict: L{nickKey} is what rooms compare.

A nick the room keeps (a registration, the nick of an affiliation) is kept
as the Nickname profile enforces it (L{storedNick}), so that nothing
stored can later give an address the server would refuse.

The skeleton's data is Unicode's own C{confusables.txt} (its mappings
ship beside this module); it is read once, when first needed.
"""

import importlib.resources
import importlib.util
import unicodedata

from precis_i18n import get_profile

from mucservice import address, errors
from mucservice.memory import sparse

_ENFORCED = get_profile("NicknameCasePreserved")
_COMPARED = get_profile("NicknameCaseMapped")

#: The confusable code point to its prototype, once read.
_prototypes = None


def _confusablesText():
    """
    @return: the text of the mappings of Unicode's C{confusables.txt} that
        ship with this package (C{confusables.txt} beside this module: the
        file's mappings and its header, without the names of its lines).
    """
    return (importlib.resources.files("mucservice.room") / "confusables.txt").read_text(
        encoding="utf-8")


def parseConfusables(text):
    """
    Read the mappings of a C{confusables.txt} (UTS #39 section 4): lines
    of C{source ; prototype ; type # comment}, each a code point and the
    code points of its prototype in hexadecimal.

    @return: a L{dict} of source character to prototype text.
    """
    prototypes = {}
    for line in text.splitlines():
        fields = line.partition("#")[0].split(";")
        if len(fields) < 2:
            continue
        source = fields[0].split()
        if len(source) != 1:
            continue
        prototypes[chr(int(source[0], 16))] = "".join(
            chr(int(code, 16)) for code in fields[1].split())
    return prototypes


def prototypes():
    """
    @return: the confusable characters and their prototypes, read once.
    """
    global _prototypes
    if _prototypes is None:
        _prototypes = parseConfusables(_confusablesText())
    return _prototypes


def skeleton(text):
    """
    @return: the skeleton of C{text} (UTS #39 section 4): NFD, each
        character replaced by its prototype, NFD again.
    """
    mapping = prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(mapping.get(c, c) for c in decomposed))


def _why(nick, error):
    return errors.JIDMalformed("not a valid nick: %s %r" % (address.why(error), nick))


def checkNick(nick):
    """
    @param nick: a resourcepart, as L{mucservice.address} prepared it.
    @raise errors.JIDMalformed: the Nickname profile refuses it (only
        spaces, controls, symbols it has no room for...); the text says
        why.
    """
    if nick.isascii() and nick.isprintable() and nick.strip():
        return
    try:
        _ENFORCED.enforce(nick)
    except UnicodeError as e:
        raise _why(nick, e)


def storedNick(text):
    """
    @param text: a nick as submitted (a registration, an affiliation).
    @return: the nick as the room keeps it: as the Nickname profile
        enforces it, and a valid resourcepart.
    @raise errors.JIDMalformed: it is no valid nick.
    """
    if not text:
        raise errors.JIDMalformed("the nick is empty")
    if len(text) > address.MAX_PART_CHARS:
        raise errors.JIDMalformed("the nick is longer than %d bytes" % (address.MAX_PART_BYTES,))
    try:
        nick = _ENFORCED.enforce(text)
    except UnicodeError as e:
        raise _why(text, e)
    return address.prepareResourcepart(nick)


def nickKey(nick):
    """
    @return: what two nicks that conflict have in common: the skeleton of
        the Nickname profile's comparison form, in lower case (so that
        C{"b0b"} meets C{"bob"}, whose skeletons differ only by case). A
        nick the profile refuses (one stored before it was checked) is
        its own key.
    """
    if nick.isascii() and nick.isalnum():
        compared = nick.lower()
    else:
        try:
            compared = _COMPARED.enforce(nick)
        except UnicodeError:
            return nick
    key = skeleton(compared).lower()
    # Most nicks are their own key: the index then keeps one text, not two.
    return nick if key == nick else key


class _Indexed(dict):
    """
    A L{dict} whose subclass keeps an index of its entries up to date in
    C{__setitem__} and C{__delitem__}; L{pop} goes through them too.
    """

    def pop(self, key, *default):
        if key in self:
            value = self[key]
            del self[key]
            return value
        return dict.pop(self, key, *default)


class Affiliations(_Indexed):
    """
    The affiliations of a room, bare JID to L{Affiliation
    <mucservice.records.Affiliation>}, which also finds who reserved a nick
    or one that conflicts with it (L{reserver}).

    Change it only with C{affiliations[userJID] = entry},
    C{del affiliations[userJID]} and L{pop}.
    """

    def __init__(self, entries=()):
        dict.__init__(self)
        self._reserved = {}
        for userJID, entry in dict(entries).items():
            self[userJID] = entry

    def __setitem__(self, userJID, entry):
        if userJID in self:
            del self[userJID]
        dict.__setitem__(self, userJID, entry)
        nick = entry.data.get("nick")
        if nick:
            self._reserved.setdefault(nickKey(nick), set()).add(userJID)

    def __delitem__(self, userJID):
        nick = self[userJID].data.get("nick")
        dict.__delitem__(self, userJID)
        if nick:
            users = self._reserved.get(nickKey(nick), set())
            users.discard(userJID)
            if not users:
                self._reserved.pop(nickKey(nick), None)

    def reserver(self, nick):
        """
        @return: a bare JID that reserved C{nick} or a nick that conflicts
            with it, or L{None}.
        """
        return next(iter(self._reserved.get(nickKey(nick), ())), None)


class NickIndex(_Indexed):
    """
    The occupants of a room by the nick they show, which also finds the
    occupant whose nick conflicts with another (L{holder}).

    Change it only with C{index[nick] = occupant}, C{del index[nick]} and
    L{pop}.
    """

    def __init__(self, entries=()):
        dict.__init__(self)
        self._byKey = {}
        for nick, occupant in entries:
            self[nick] = occupant

    def compacted(self):
        """
        @return: this index, or once a crowd has left it (L{sparse
            <mucservice.memory.sparse>}) a new one of the same occupants,
            sized for them.
        """
        if sparse(self) or sparse(self._byKey):
            return NickIndex(self.items())
        return self

    def __setitem__(self, nick, occupant):
        dict.__setitem__(self, nick, occupant)
        self._byKey[nickKey(nick)] = nick

    def __delitem__(self, nick):
        dict.__delitem__(self, nick)
        key = nickKey(nick)
        if self._byKey.get(key) == nick:
            del self._byKey[key]

    def holder(self, nick):
        """
        @return: the occupant whose nick is C{nick} or conflicts with it,
            or L{None}.
        """
        occupant = self.get(nick)
        if occupant is None:
            shown = self._byKey.get(nickKey(nick))
            if shown is not None:
                occupant = self.get(shown)
        return occupant
