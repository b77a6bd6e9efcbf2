"""
Offline delivery at the protocol edge: the host lent to the
L{IOfflineDelivery} provider, which renders the copies it sends, and the
bounces of copies, which go back to the room service.

The room service decides which messages are copied to whom
(L{mucservice.room.offline}); the provider decides how a copy travels and
asks this host to send it.
"""

import uuid

from zope.interface import implementer

from mucservice.interfaces import IOfflineHost
from mucservice.room.archive import seesSenders
from mucservice.xmpp.broadcast import delay, groupchatTemplate, senderItem
from mucservice.xmpp.errors import errorCondition
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import NS_CLIENT, NS_FORWARD, NS_HINTS
from mucservice.xmpp.render import Template


@implementer(IOfflineHost)
class OfflineLink(RoomHandler):
    """
    Has the room service start the provider when the component stream is
    first up, and sends the copies the provider asks for (through
    L{XMPPHandler.send<wokkel.subprotocols.XMPPHandler.send>}: queued while
    the link is down); hands the room service the message errors that come
    from a bare JID to a room or one of its occupants.

    Those errors are nothing else's business: the message handler ignores
    errors, and the room service never tells the pinger of those from bare
    JIDs.
    """

    def connectionInitialized(self):
        self.xmlstream.addObserver("/message[@type='error']", self.onError)
        self.rooms.offlineLinkUp(self)

    def onError(self, message):
        """
        Pass a bounce from a bare JID on to the room service.
        """
        try:
            userJID = parseJID(message.getAttribute("from"))
            roomJID = parseJID(message.getAttribute("to"))
        except Exception:
            return
        if userJID.resource or userJID.user is None or roomJID.user is None:
            return
        self.rooms.offlineBounce(roomJID, userJID, errorCondition(message))

    # IOfflineHost

    def _sendAll(self, roomJID, entry, recipients, render):
        """
        Write every copy at once, each rendered by C{render}, given whether
        its recipient may learn the sender's real JID: where the room's
        archive would show it to them (L{seesSenders}), and the room is
        still here to tell.
        """
        room = self.rooms.getRoom(roomJID) if entry.realJID is not None else None
        # A non-anonymous room shows everyone: no need to ask per recipient.
        everyone = room is not None and room.mayDiscoverJIDs(None)
        templates = {}
        copies = []
        for userJID in recipients:
            shown = everyone or (room is not None and seesSenders(room, userJID))
            template = templates.get(shown)
            if template is None:
                template = templates[shown] = render(shown)
            copies.append(template.to(userJID.userhost()))
        self.send("".join(copies))

    def sendGroupchat(self, roomJID, entry, recipients):
        self._sendAll(roomJID, entry, recipients, lambda shown: groupchatTemplate(
            roomJID, entry, senderItem(entry) if shown else ""))

    def sendForwarded(self, roomJID, entry, recipients):
        self._sendAll(roomJID, entry, recipients,
                      lambda shown: forwardedTemplate(roomJID, entry, shown))


def forwardedTemplate(roomJID, entry, showSender=False):
    """
    The copy of a groupchat message that the C{forward} provider sends: a
    C{type='normal'} message from the room carrying the message as the room
    reflected it in a XEP-0297 C{<forwarded/>} with the room's XEP-0203
    C{<delay/>}, and a XEP-0334 C{<store/>} hint.

    @param entry: the message, a L{HistoryEntry<mucservice.records.HistoryEntry>}.
    @param showSender: whether to name the sender's real JID (L{senderItem}).
    @return: a L{Template}.
    """
    forwarded = groupchatTemplate(roomJID, entry, senderItem(entry) if showSender else "",
                                  xmlns=NS_CLIENT)
    inner = ("<forwarded xmlns='%s'>%s%s</forwarded><store xmlns='%s'/>"
             % (NS_FORWARD, delay(roomJID, entry.stamp), forwarded.unaddressed(), NS_HINTS))
    return Template("message", inner, from_=roomJID.userhost(), type_="normal",
                    id="offline-" + uuid.uuid4().hex)
