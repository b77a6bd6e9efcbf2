"""
The offline delivery providers that send copies: C{tigase} and C{forward}.

Both render a message's copy once, with a hole for the C{to} attribute, and
write the copies for every recipient in one go. Both log a bounce once per
member and room and do nothing else about it: no retry, no kick, no ping.

C{tigase} sends what Tigase's MUC sends: the groupchat message itself, from
C{room@service/nick}, to the member's bare JID. A Tigase server stores it
or pushes it; RFC 6121 servers (Prosody, ejabberd) bounce groupchat
messages sent to a bare JID (section 8.5.2.1.1) and the member gets
nothing.

C{forward} wraps the message in a message those servers do store and push:
C{type='normal'}, from the room's bare JID, with the groupchat message in a
XEP-0297 C{<forwarded/>} that carries a XEP-0203 C{<delay/>}, and a
XEP-0334 C{<store/>} hint (ejabberd only stores messages without a body
when asked to).
"""

import uuid

from twisted.logger import Logger
from zope.interface import implementer

from mucservice.interfaces import IOfflineDelivery
from mucservice.xmpp.broadcast import NS_DELAY
from mucservice.xmpp.broadcast import stamp as formatStamp
from mucservice.xmpp.namespaces import NS_HINTS
from mucservice.xmpp.render import Template, quote

NS_FORWARD = "urn:xmpp:forward:0"
NS_CLIENT = "jabber:client"


class Addressable:
    """
    A stored stanza (C{<name ...>}, with no C{to}) cut where C{to} goes,
    addressed as L{mucservice.xmpp.render.renderTo} would, but cut once for
    any number of recipients.
    """

    __slots__ = ("head", "tail")

    def __init__(self, stanzaText):
        name, _, rest = stanzaText[1:].partition(" ")
        self.head = "<%s to='" % (name,)
        self.tail = "' " + rest

    def to(self, recipient):
        """
        @param recipient: the JID, as L{str}.
        """
        return self.head + quote(recipient) + self.tail


def inClientNamespace(stanzaText):
    """
    @return: a stored stanza with C{xmlns='jabber:client'}, as a stanza
        that travels inside another one must have (XEP-0297 section 3);
        its children are serialized without one and inherit it.
    """
    name, _, rest = stanzaText[1:].partition(" ")
    return "<%s xmlns='%s' %s" % (name, NS_CLIENT, rest)


class _CopyingDelivery:
    """
    What both providers share: the host, the recipients' addresses, and
    logging a bounce once per member and room.

    @ivar host: the L{IOfflineHost}, or L{None} when not started or stopped.
    """

    log = Logger()
    bounceAdvice = ""

    def __init__(self):
        self.host = None
        self._bounced = set()

    def start(self, host):
        self.host = host

    def stop(self):
        self.host = None

    def deliver(self, roomJID, nick, stanza, stamp, recipients):
        if self.host is None or not recipients:
            return
        template = self.render(roomJID, nick, stanza, stamp)
        self.host.send("".join(template.to(userJID.userhost()) for userJID in recipients))

    def render(self, roomJID, nick, stanza, stamp):
        """
        @return: the copy with a hole for C{to} (a L{Template} or an
            L{Addressable}), for subclasses to give.
        """
        raise NotImplementedError()

    def bounced(self, roomJID, userJID, condition):
        key = (roomJID.userhostJID(), userJID.userhostJID())
        if key in self._bounced:
            return
        self._bounced.add(key)
        self.log.warn("copies of the messages of {room} to {user} bounce ({condition}); "
                      "later bounces of the same are not logged{advice}",
                      room=key[0].full(), user=key[1].full(), condition=condition,
                      advice=self.bounceAdvice)


@implementer(IOfflineDelivery)
class TigaseOfflineDelivery(_CopyingDelivery):
    """
    The groupchat message itself, to the member's bare JID.
    """

    bounceAdvice = ("; the member's server does not take groupchat messages for a bare JID "
                    "(--offline-delivery forward suits RFC 6121 servers)")

    def render(self, roomJID, nick, stanza, stamp):
        return Addressable(stanza)


@implementer(IOfflineDelivery)
class ForwardOfflineDelivery(_CopyingDelivery):
    """
    The groupchat message forwarded (XEP-0297) in a normal message from the
    room.
    """

    def render(self, roomJID, nick, stanza, stamp):
        room = quote(roomJID.full())
        inner = ("<forwarded xmlns='%s'><delay xmlns='%s' from='%s' stamp='%s'/>%s</forwarded>"
                 "<store xmlns='%s'/>"
                 % (NS_FORWARD, NS_DELAY, room, formatStamp(stamp), inClientNamespace(stanza),
                    NS_HINTS))
        return Template("message", inner, from_=roomJID.full(), type_="normal",
                        id="offline-" + uuid.uuid4().hex)


def makeTigaseOfflineDelivery(argstring, context):
    return TigaseOfflineDelivery()


def makeForwardOfflineDelivery(argstring, context):
    return ForwardOfflineDelivery()
