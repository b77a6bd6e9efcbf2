"""
What no handler should see: stanzas nested too deep, IQ requests to
addresses that are none or with other than one child; and what no handler
took.

domish serialises elements recursively: a payload of some thousand nested
elements makes C{toXml()} raise L{RecursionError}, and anything that walks
it recursively is as exposed. L{StanzaGuard} is the first observer of every
stanza on the component stream: it measures the depth without recursion,
marks every stanza as not handled yet (so that a child named C{handled}
cannot pass for the flag), and takes a stanza whose payload is nested
deeper than L{MAX_DEPTH} levels, answering it with C{policy-violation}
as RFC 6120 wants (never an error to an error, nor to a result).

It also answers an IQ request to a malformed address with C{jid-malformed}
from the service itself, which the XMPP server would refuse from that
address; and an IQ request with no child or several (RFC 6120 section
8.2.3 wants exactly one), which some servers (ejabberd) pass on to
components, with C{bad-request}, to the service, its rooms and their
occupants alike, rather than answering one of the children.

Last of all observers, it answers an IQ request no handler took with
C{service-unavailable}, as wokkel's fallback handler would, but naming the
room or service that answers (C{by}), as every error of the service does.
"""

from mucservice import errors
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.traffic import TRAFFIC

#: The deepest payload accepted: the stanza's children are at level 1.
MAX_DEPTH = 64

#: Above every other observer's priority, so that the guard sees each
#: stanza first (the occupant IQ router's is 100, the link watcher's 200).
GUARD_PRIORITY = 1000

#: Below every other observer's priority, so that the guard answers an IQ
#: request only once every handler has passed it by.
FALLBACK_PRIORITY = -1


def nestedDeeper(element, limit=MAX_DEPTH):
    """
    @return: whether an element below C{element} is more than C{limit}
        levels down (its children being at level 1), found without
        recursion and without walking further than needed.
    """
    stack = [iter(element.children)]
    while stack:
        for child in stack[-1]:
            if not isinstance(child, str):
                if len(stack) > limit:
                    return True
                stack.append(iter(child.children))
                break
        else:
            stack.pop()
    return False


class StanzaGuard(RoomHandler):
    """
    Sees every stanza first; takes and refuses those nested deeper than
    L{MAX_DEPTH}, IQ requests to malformed addresses and IQ requests with
    no child or several; and answers the IQ requests nobody took.
    """

    def connectionInitialized(self):
        for kind in ("presence", "message", "iq"):
            self.xmlstream.addObserver("/" + kind, self.onStanza, GUARD_PRIORITY)
        for kind in ("get", "set"):
            self.xmlstream.addObserver("/iq[@type='%s']" % (kind,), self.unhandled,
                                       FALLBACK_PRIORITY)

    def onStanza(self, stanza):
        TRAFFIC.received[stanza.name] += 1
        stanza.handled = False
        kind = stanza.getAttribute("type")
        if nestedDeeper(stanza):
            stanza.handled = True
            if kind != "error" and (stanza.name != "iq" or kind in ("get", "set")):
                self.replyError(stanza, errors.PolicyViolation(
                    "the stanza is nested deeper than %d levels" % (MAX_DEPTH,)))
        elif stanza.name == "iq" and kind in ("get", "set"):
            try:
                parseJID(stanza.getAttribute("to"))
                children = sum(1 for _ in stanza.elements())
                if children != 1:
                    raise errors.BadRequest("an IQ request has exactly one child, not %d"
                                            % (children,))
            except errors.Error as e:
                stanza.handled = True
                self.replyError(stanza, e)

    def unhandled(self, iq):
        """
        An IQ request that no handler took: C{service-unavailable}.
        """
        if not iq.handled:
            iq.handled = True
            self.replyError(iq, errors.ServiceUnavailable())
