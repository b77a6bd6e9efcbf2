"""
The last check on the component stream for what is not rendered by the
edge's templates: elements that wokkel or Twisted write themselves (an
answer of theirs that echoes a request's children is as large as the
request, or larger once escaped again).
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

from twisted.words.xish import domish
from wokkel.subprotocols import XMPPHandler

from mucservice.xmpp.errors import errorCondition
from mucservice.xmpp.sizes import LIMIT, utf8len
from mucservice.xmpp.traffic import KINDS, TRAFFIC


class SendGuard(XMPPHandler):
    """
    Wraps the stream's C{send}: an element is serialized, measured against
    the link's limit (L{LIMIT}) and written as text, or dropped, logged and
    counted. Text goes through untouched: the edge renders it with
    L{Template<mucservice.xmpp.render.Template>}s, which measure every
    stanza for its recipient. An element written is counted as sent
    (L{mucservice.xmpp.traffic}), with its error condition if it is one.
    """

    def connectionMade(self):
        send = self.xmlstream.send

        def guardedSend(obj):
            if domish.IElement.providedBy(obj):
                text = obj.toXml()
                size = utf8len(text)
                if size > LIMIT.maxSize:
                    LIMIT.drop(obj, obj.name, obj.getAttribute("to") or "", size)
                    return
                _count(obj)
                obj = text
            send(obj)

        self.xmlstream.send = guardedSend


def _count(element):
    if element.name in KINDS:
        TRAFFIC.sent[element.name] += 1
        if element.getAttribute("type") == "error":
            TRAFFIC.errors[errorCondition(element) or "undefined-condition"] += 1
