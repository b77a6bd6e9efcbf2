"""
Render once, send many: stanzas as text templates whose only per-recipient
part is the C{to} attribute.

A L{Template} is the text of a stanza cut where C{to} goes. A broadcast
renders its template once and writes C{head + to + tail} for each
recipient, in batches of many recipients (L{mucservice.xmpp.outbox}). A
template knows its size, so that each recipient's stanza is measured
against the limit of the link (L{mucservice.xmpp.sizes}) without being
built first.
"""

from datetime import timezone

from mucservice.xmpp.namespaces import NS_COMPONENT, NS_OCCUPANT_ID
from mucservice.xmpp.sizes import LIMIT, utf8len
from mucservice.xmpp.traffic import TRAFFIC

_sent = TRAFFIC.sent


def _escapes():
    """
    @return: the L{str.translate} table of L{quote}: the markup characters
        as references, the white space that attribute values normalise as
        character references, and every character XML 1.0 forbids
        (controls, surrogates, U+FFFE and U+FFFF) as U+FFFD.
    """
    table = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("'"): "&apos;",
             ord("\t"): "&#9;", ord("\n"): "&#10;", ord("\r"): "&#13;"}
    forbidden = [c for c in range(0x20) if c not in table]
    forbidden += list(range(0xD800, 0xE000)) + [0xFFFE, 0xFFFF]
    table.update(dict.fromkeys(forbidden, "\ufffd"))
    return table


_ESCAPES = _escapes()


def quote(text):
    """
    @return: C{text} escaped for an attribute value (between apostrophes,
        as every attribute here is) or character data, so that it parses
        back to C{text}; a character XML forbids becomes U+FFFD, since no
        escape can carry it. C{"} needs no escape in either place and gets
        none (each would cost five more bytes the server parses); no
        character grows to more than six bytes (L{mucservice.xmpp.margins}
        counts on it).

    Most text has nothing to escape: L{str.isprintable} (one pass in C that
    fails on every control, surrogate and noncharacter) and four substring
    tests find that (faster than a regular expression: 85 against 210 ns
    for an address), and only then is it rewritten.
    """
    if (text.isprintable() and "&" not in text and "<" not in text and ">" not in text
            and "'" not in text):
        return text
    return text.translate(_ESCAPES)


def stamp(when):
    """
    @return: a XEP-0082 timestamp in UTC.
    """
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def attributes(**attrs):
    """
    @return: C{ name='value'} pairs for the attributes that are not L{None};
        a trailing underscore of a name is dropped (C{from_}, C{type_}).
    """
    return "".join(" %s='%s'" % (name.rstrip("_"), quote(value))
                   for name, value in attrs.items() if value is not None)


def occupantIDElement(occupantID):
    """
    @return: the XEP-0421 C{<occupant-id/>} of C{occupantID}, which every
        message and presence of an occupant carries.
    """
    return "<occupant-id xmlns='%s' id='%s'/>" % (NS_OCCUPANT_ID, quote(occupantID))


def serialize(element):
    """
    Serialize an element received on the component stream, with no
    redundant namespace declaration for the stream's own namespace.
    """
    return element.toXml(defaultUri=NS_COMPONENT)


def childrenText(element, skip=()):
    """
    @param skip: C{(uri, name)} pairs of children to leave out.
    @return: the serialized child elements of C{element}, in order (text
        between them is dropped, and so is a child nested too deep for
        domish's recursive serializer: the component stream refuses such
        stanzas first, L{mucservice.xmpp.guard}, but nothing here may
        raise L{RecursionError} into the reactor).
    """
    parts = []
    for child in element.elements():
        if (child.uri, child.name) in skip:
            continue
        try:
            parts.append(serialize(child))
        except RecursionError:
            continue
    return "".join(parts)


#: Stanza name to the text before its C{to}: one string for all templates
#: (an occupant's rendered presence is kept, L{mucservice.xmpp.broadcast}).
_HEADS = {}


class Template:
    """
    A stanza's text with a hole for the C{to} attribute.

    @ivar size: the size of the stanza without its C{to}, in bytes.
    """

    __slots__ = ("name", "head", "tail", "size", "_spare")

    def __init__(self, name, inner="", **attrs):
        self.name = name
        head = _HEADS.get(name)
        if head is None:
            head = _HEADS[name] = "<%s to='" % (name,)
        self.head = head
        self.tail = "'%s>%s</%s>" % (attributes(**attrs), inner, name)
        self.size = utf8len(self.head) + utf8len(self.tail)
        _sent.setdefault(name, 0)
        # What the link's limit leaves for the to (a template lives for one
        # broadcast: the limit does not change meanwhile).
        self._spare = LIMIT.maxSize - self.size

    def withTail(self, tail):
        """
        @param tail: the text after the C{to}, from its closing quote on.
        @return: a template of the same stanza with another tail.
        """
        template = Template.__new__(Template)
        template.name, template.head, template.tail = self.name, self.head, tail
        template.size = utf8len(self.head) + utf8len(tail)
        template._spare = LIMIT.maxSize - template.size
        return template

    def unaddressed(self):
        """
        @return: the stanza's text with no C{to} (for a stanza inside
            another one).
        """
        return self.head[:-len(" to='")] + self.tail[1:]

    def toEach(self, recipients):
        """
        The stanza for each of many recipients, their addresses checked
        for escapes and for size once for all (the per-recipient work of
        a fan-out is then one concatenation).

        @param recipients: full JIDs as text, a L{list}.
        @return: an iterator of the text for each, as L{to} would give it,
            each counted as sent when it is taken.
        """
        joined = "".join(recipients)
        if quote(joined) is not joined:
            recipients = [quote(r) for r in recipients]
        if recipients and 4 * max(map(len, recipients)) > self._spare:
            return (text for text in map(self.toQuoted, recipients) if text)
        return self._each(recipients)

    def _each(self, recipients):
        head, tail = self.head, self.tail
        taken = 0
        try:
            for to in recipients:
                taken += 1
                yield head + to + tail
        finally:
            _sent[self.name] += taken

    def toQuoted(self, to):
        """
        @param to: the recipient's JID, as text already escaped (L{quote}).
        @return: the stanza's text for it, as L{to} gives it.
        """
        # A character is at most 4 bytes: most recipients need no counting.
        if 4 * len(to) > self._spare and utf8len(to) > self._spare:
            LIMIT.drop(self, self.name, to, self.size + utf8len(to))
            return ""
        _sent[self.name] += 1
        return self.head + to + self.tail

    def to(self, recipient):
        """
        @param recipient: the JID, as L{str}.
        @return: the stanza's text for C{recipient}, counted as sent (see
            L{mucservice.xmpp.traffic}); C{""} if it would be larger than
            the link's limit (it is dropped, logged and counted: see
            L{StanzaLimit<mucservice.xmpp.sizes.StanzaLimit>}).
        """
        return self.toQuoted(quote(recipient))
