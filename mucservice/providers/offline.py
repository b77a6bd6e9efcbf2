"""
The offline delivery providers that send copies: C{tigase} and C{forward}.

Both have the host render each copy once and write the copies for every
recipient in one go. Both log a bounce once per member and room and do
nothing else about it: no retry, no kick, no ping.

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

from twisted.logger import Logger
from zope.interface import implementer

from mucservice.interfaces import IOfflineDelivery
from mucservice.measures import COUNTER, IMeasured, Measure


class _CopyingDelivery:
    """
    What both providers share: the host, and logging a bounce once per
    member and room.

    @ivar host: the L{IOfflineHost<mucservice.interfaces.IOfflineHost>}, or
        L{None} when not started or stopped.
    @ivar sent: how many copies were sent.
    @ivar bounces: how many came back as errors.
    """

    log = Logger()
    sendsCopies = True
    bounceAdvice = ""

    def __init__(self):
        self.host = None
        self._bounced = set()
        self.sent = self.bounces = 0

    def start(self, host):
        self.host = host

    def stop(self):
        self.host = None

    def deliver(self, roomJID, entry, recipients):
        if self.host is not None and recipients:
            self.sent += len(recipients)
            self.send(roomJID, entry, recipients)

    def send(self, roomJID, entry, recipients):
        """
        Send the copies through the host; for subclasses to give.
        """
        raise NotImplementedError()

    def bounced(self, roomJID, userJID, condition):
        self.bounces += 1
        key = (roomJID.userhostJID(), userJID.userhostJID())
        if key in self._bounced:
            return
        self._bounced.add(key)
        self.log.warn("copies of the messages of {room} to {user} bounce ({condition}); "
                      "later bounces of the same are not logged{advice}", event="offline.bounce",
                      room=key[0].full(), user=key[1].full(), condition=condition,
                      advice=self.bounceAdvice)

    def measures(self):
        yield Measure("offline_copies_sent", COUNTER,
                      "Copies of room messages sent to absent members.", self.sent)
        yield Measure("offline_copies_bounced", COUNTER,
                      "Copies that came back as errors.", self.bounces)


@implementer(IOfflineDelivery, IMeasured)
class TigaseOfflineDelivery(_CopyingDelivery):
    """
    The groupchat message itself, to the member's bare JID.
    """

    bounceAdvice = ("; the member's server does not take groupchat messages for a bare JID "
                    "(--offline-delivery forward suits RFC 6121 servers)")

    def send(self, roomJID, entry, recipients):
        self.host.sendGroupchat(roomJID, entry, recipients)


@implementer(IOfflineDelivery, IMeasured)
class ForwardOfflineDelivery(_CopyingDelivery):
    """
    The groupchat message forwarded (XEP-0297) in a normal message from the
    room.
    """

    def send(self, roomJID, entry, recipients):
        self.host.sendForwarded(roomJID, entry, recipients)


def makeTigaseOfflineDelivery(argstring, context):
    return TigaseOfflineDelivery()


def makeForwardOfflineDelivery(argstring, context):
    return ForwardOfflineDelivery()
