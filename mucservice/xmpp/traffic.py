"""
What crosses the component link, counted where it already passes: stanzas
received (L{StanzaGuard<mucservice.xmpp.guard.StanzaGuard>} sees each one
first), stanzas sent (every one the edge renders goes through
L{Template.to<mucservice.xmpp.render.Template.to>}, every element wokkel
or Twisted write through L{SendGuard<mucservice.xmpp.sendguard.SendGuard>}),
and the stanza errors sent, by condition (each is rendered once by
L{errorElement<mucservice.xmpp.errors.errorElement>}).

Each count is one addition to a dictionary on a path that runs anyway;
the metrics endpoint reads them when it is scraped. As the stanza limit of
L{mucservice.xmpp.sizes}, there is one per process, as there is one
component link; C{twistd mucservice} starts it from zero when it builds the
service.
"""

from collections import Counter

#: The stanzas counted, by their element's name.
KINDS = ("message", "presence", "iq")


class Traffic:
    """
    Each count is a dictionary that keeps its identity, so that a hot path
    may hold it: C{received} and C{sent} are plain dictionaries, which
    count fastest, with a key for every kind (one who counts another kind
    adds its key first); C{errors} is a L{Counter}.

    @ivar received: stanza kind (L{KINDS}) to how many were received.
    @ivar sent: stanza kind to how many were sent.
    @ivar errors: stanza error condition to how many errors were sent.
    """

    def __init__(self):
        self.received = dict.fromkeys(KINDS, 0)
        self.sent = dict.fromkeys(KINDS, 0)
        self.errors = Counter()

    def reset(self):
        """
        Start every count from zero again.
        """
        for counts in (self.received, self.sent):
            for kind in counts:
                counts[kind] = 0
        self.errors.clear()


#: The traffic of this process's component link.
TRAFFIC = Traffic()
