"""
The largest stanza the service sends (C{--max-stanza-size}), and the last
check on the way out: a stanza over it is dropped, logged and counted,
never written, so that no bug can make the XMPP server close the component
stream.

Prosody closes a component stream that sends a stanza over 512 KiB
(C{component_stanza_size_limit}) with C{not-well-formed}; the default here,
256 KiB, stays well below that and below ejabberd's limits. What clients
send is refused at the door long before (L{mucservice.xmpp.margins}); the
check here is the last line, for what a bug would let through.

Sizes are in bytes of UTF-8, as the server counts them.
"""

from twisted.logger import Logger

#: The default of C{--max-stanza-size}, in bytes.
DEFAULT_MAX_STANZA_SIZE = 256 * 1024


def utf8len(text):
    """
    @return: the length of C{text} in bytes of UTF-8; for ASCII text (most
        text) without encoding it.
    """
    return len(text) if text.isascii() else len(text.encode("utf-8"))


class StanzaLimit:
    """
    The one limit of the component link: every stanza the edge writes is
    measured against it (L{Template.to<mucservice.xmpp.render.Template.to>}
    for text, L{SendGuard<mucservice.xmpp.sendguard.SendGuard>} for
    elements).

    There is one per process, as there is one component link: C{twistd
    mucservice} sets it from its options before the link is made.

    @ivar maxSize: the largest stanza sent, in bytes.
    @ivar dropped: how many stanzas were dropped for being larger.
    """

    log = Logger()

    def __init__(self, maxSize=DEFAULT_MAX_STANZA_SIZE):
        self.maxSize = maxSize
        self.dropped = 0
        self._lastDropped = None

    def drop(self, source, name, recipient, size):
        """
        Count a stanza that is not sent; log it once per C{source} (a
        template addressed to many is one mistake).

        @param source: what rendered it (a template, an element).
        @param name: its name (C{message}, C{presence}, C{iq}).
        @param recipient: its C{to}, as text.
        @param size: its size in bytes.
        """
        self.dropped += 1
        if source is self._lastDropped:
            return
        self._lastDropped = source
        self.log.error("dropped a {name} of {size} bytes to {to}: it is larger than "
                       "--max-stanza-size ({limit} bytes); {dropped} dropped so far",
                       event="stanza.dropped",
                       name=name, size=size, to=recipient[:200], limit=self.maxSize,
                       dropped=self.dropped)


#: The limit of this process's component link.
LIMIT = StanzaLimit()
