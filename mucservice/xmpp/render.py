"""
Render once, send many: stanzas as text templates whose only per-recipient
part is the C{to} attribute.

A L{Template} is the text of a stanza cut where C{to} goes. A broadcast
renders its template once and writes C{head + to + tail} for each
recipient, in batches of many recipients (L{mucservice.xmpp.outbox}).
"""

from mucservice.xmpp.namespaces import NS_COMPONENT


def quote(text):
    """
    @return: C{text} escaped for an attribute value or character data.

    Most text has nothing to escape: five substring tests (faster than any
    loop or regular expression) find that, and only then is it rewritten.
    """
    if "&" in text or "<" in text or ">" in text or "'" in text or '"' in text:
        return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("'", "&apos;").replace('"', "&quot;"))
    return text


def attributes(**attrs):
    """
    @return: C{ name='value'} pairs for the attributes that are not L{None};
        a trailing underscore of a name is dropped (C{from_}, C{type_}).
    """
    return "".join(" %s='%s'" % (name.rstrip("_"), quote(value))
                   for name, value in attrs.items() if value is not None)


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


class Template:
    """
    A stanza's text with a hole for the C{to} attribute.
    """

    __slots__ = ("head", "tail")

    def __init__(self, name, inner="", **attrs):
        self.head = "<%s to='" % (name,)
        self.tail = "'%s>%s</%s>" % (attributes(**attrs), inner, name)

    def unaddressed(self):
        """
        @return: the stanza's text with no C{to} (for a stanza inside
            another one).
        """
        return self.head[:-len(" to='")] + self.tail[1:]

    def to(self, recipient):
        """
        @param recipient: the JID, as L{str}.
        """
        return self.head + quote(recipient) + self.tail
