"""
Offline delivery, the protocol edge's side: what a room offers (the disco
feature, the registration field), which messages are copied to whom, and
the host lent to the L{IOfflineDelivery} provider, which also routes the
bounces of copies back to it.

The room keeps the set of its registrants that asked for copies
(L{Room.offlineUsers<mucservice.room.room.Room>}); a groupchat message
costs nothing more than a look at that set unless it is non-empty, and then
one L{IJoinTracker.isPresent<mucservice.interfaces.IJoinTracker>} per
registrant.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from wokkel import data_form
from zope.interface import implementer

from mucservice.interfaces import IOfflineHost
from mucservice.providers.none import NoOfflineDelivery
from mucservice.room.offline import FEATURE, FIELD, absentRegistrants
from mucservice.xmpp.errors import errorCondition
from mucservice.xmpp.handler import RoomHandler, parseJID

#: The label of the registration field.
LABEL = "Receive messages while not in the room"


def enabled(rooms):
    """
    @param rooms: the L{RoomService<mucservice.room.service.RoomService>}.
    @return: whether the service sends copies at all: its provider is not
        the C{none} one.
    """
    provider = rooms.offlineDelivery
    return provider is not None and not isinstance(provider, NoOfflineDelivery)


def offered(rooms, room):
    """
    @return: whether C{room} offers offline delivery: the service sends
        copies and the room's C{offlineDelivery} option is on.
    """
    return room.config.offlineDelivery and enabled(rooms)


def roomFeatures(rooms, room):
    """
    @return: the disco features offline delivery adds to C{room}'s, a
        L{tuple}.
    """
    return (FEATURE,) if offered(rooms, room) else ()


def formField():
    """
    @return: the registration field of the C{muc#register} form, without a
        value.
    """
    return data_form.Field("boolean", FIELD, label=LABEL)


def deliver(rooms, room, entry):
    """
    Copy a groupchat message that went into C{room}'s history to the
    registrants that asked for it and are absent.

    A provider that fails is logged; the message has been reflected already
    and nothing else depends on the copies.

    @param entry: the message's L{HistoryEntry
        <mucservice.records.HistoryEntry>}.
    """
    if not room.offlineUsers or not offered(rooms, room):
        return
    recipients = absentRegistrants(room, rooms.joinTracker)
    if not recipients:
        return
    try:
        rooms.offlineDelivery.deliver(room.jid, entry.nick, entry.stanza, entry.stamp,
                                      recipients)
    except Exception:
        RoomHandler.log.failure("offline delivery in {room} failed", room=room.jid.full())


@implementer(IOfflineHost)
class OfflineLink(RoomHandler):
    """
    Starts the provider when the component stream is first up and lends it
    L{send} (L{XMPPHandler.send<wokkel.subprotocols.XMPPHandler.send>}:
    queued while the link is down); hands it the message errors that come
    from the bare JID of one of a room's recipients to the room or one of
    its occupants.

    Those errors are nothing else's business: the message handler ignores
    errors, and the pinger's link watcher ignores those from bare JIDs.
    """

    def __init__(self, rooms, reactor=None):
        RoomHandler.__init__(self, rooms, reactor)
        self._started = False

    def connectionInitialized(self):
        self.xmlstream.addObserver("/message[@type='error']", self.onError)
        if not self._started:
            self._started = True
            self.rooms.offlineDelivery.start(self)

    def onError(self, message):
        """
        Pass a bounce on to the provider.
        """
        try:
            userJID = parseJID(message.getAttribute("from") or "")
            roomJID = parseJID(message.getAttribute("to") or "")
        except Exception:
            return
        if userJID.resource or userJID.user is None or roomJID.user is None:
            return
        room = self.rooms.getRoom(roomJID)
        if room is None or userJID not in room.offlineUsers:
            return
        self.rooms.offlineDelivery.bounced(room.jid, userJID, errorCondition(message))
