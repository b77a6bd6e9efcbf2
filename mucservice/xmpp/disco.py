"""
Service Discovery (XEP-0030) of the MUC service itself.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

from twisted.words.protocols.jabber.error import StanzaError
from wokkel import disco
from wokkel.iwokkel import IDisco
from wokkel.subprotocols import XMPPHandler
from zope.interface import implementer

NS_MUC = "http://jabber.org/protocol/muc"


@implementer(IDisco)
class ServiceDiscovery(XMPPHandler):
    """
    Answers disco#info and disco#items for the service's JID: a
    C{conference}/C{text} identity with the MUC feature.

    @ivar rooms: the room service, asked whether an address is a room.
    """

    def __init__(self, serviceJID, rooms, name="Chatrooms"):
        XMPPHandler.__init__(self)
        self.serviceJID = serviceJID
        self.rooms = rooms
        self.name = name

    def _isService(self, target, nodeIdentifier):
        if target == self.serviceJID:
            return not nodeIdentifier
        if not self.rooms.hasRoom(target.userhostJID()):
            raise StanzaError("item-not-found")
        return False

    def getDiscoInfo(self, requestor, target, nodeIdentifier=""):
        if not self._isService(target, nodeIdentifier):
            return []
        return [
            disco.DiscoIdentity("conference", "text", self.name),
            disco.DiscoFeature(NS_MUC),
            disco.DiscoFeature(disco.NS_DISCO_INFO),
            disco.DiscoFeature(disco.NS_DISCO_ITEMS),
        ]

    def getDiscoItems(self, requestor, target, nodeIdentifier=""):
        self._isService(target, nodeIdentifier)
        return []
