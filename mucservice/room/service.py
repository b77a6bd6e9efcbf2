"""
The room service: the rooms of this MUC service and the providers they use.
"""

from twisted.application import service
from twisted.internet import defer
from twisted.logger import Logger
from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IRoomDirectory


@implementer(IRoomDirectory)
class RoomService(service.Service):
    """
    Keeps the rooms and hands the providers to them.

    The providers are made after the room service, since they may be given
    it as their L{IRoomDirectory}; L{setProviders} hands them over.

    @ivar store: the L{IRoomStore}; its rooms are loaded when the service
        starts.
    @ivar admins: bare JIDs of the service administrators.
    """

    log = Logger()
    store = joinTracker = hatStore = pinger = offlineDelivery = None

    def __init__(self, serviceJID, admins=()):
        self.serviceJID = serviceJID
        self.admins = frozenset(jid.userhostJID() for jid in admins)
        self.rooms = {}

    def setProviders(self, store, joinTracker, hatStore, pinger, offlineDelivery):
        self.store = store
        self.joinTracker = joinTracker
        self.hatStore = hatStore
        self.pinger = pinger
        self.offlineDelivery = offlineDelivery

    def startService(self):
        service.Service.startService(self)
        self.joinTracker.forgetAll()
        d = self.store.loadRooms()
        d.addCallback(self._roomsLoaded)
        d.addErrback(lambda f: self.log.failure("loading the stored rooms failed", f))
        return d

    def _roomsLoaded(self, records):
        self.rooms = {record.jid: record for record in records}
        self.log.info("{count} stored rooms loaded", count=len(self.rooms))

    def hasRoom(self, roomJID):
        return roomJID in self.rooms

    def getAffiliation(self, roomJID, userJID):
        room = self.rooms.get(roomJID.userhostJID())
        if room is None:
            return defer.fail(errors.ItemNotFound("room not found"))
        entry = room.affiliations.get(userJID.userhostJID())
        return defer.succeed(entry.affiliation if entry else "none")
