"""
The room service: the rooms of this MUC service, their life cycle and their
persistence, and the providers they use.
"""

from twisted.application import service
from twisted.internet import defer
from twisted.logger import Logger
from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IRoomDirectory
from mucservice.room import roles
from mucservice.room.config import RoomConfig
from mucservice.room.room import Room

#: Who may create rooms (C{--restrict-room-creation}).
CREATION_POLICIES = ("none", "local", "admins")


@implementer(IRoomDirectory)
class RoomService(service.Service):
    """
    Keeps the rooms and hands the providers to them.

    The providers are made after the room service, since they may be given
    it as their L{IRoomDirectory}; L{setProviders} hands them over.

    Rooms are created on first join, locked, and owned by their creator.
    A persistent room is written to the store on every change and loaded
    when the service starts; a temporary room vanishes when its last
    occupant leaves. Writes are not waited for: the room answers first,
    the store catches up (in order, on its own thread).

    @ivar store: the L{IRoomStore}.
    @ivar admins: bare JIDs of the service administrators: owners of every
        room.
    @ivar creation: who may create rooms, one of L{CREATION_POLICIES}.
    @ivar localDomain: the domain whose users are local for C{creation}.
    @ivar rooms: room JID to L{Room}.
    """

    log = Logger()
    store = joinTracker = hatStore = pinger = offlineDelivery = None

    #: Whether rooms also show hats in Prosody 0.12's namespace
    #: (C{--hats-legacy-namespace}); set before the service starts.
    legacyHats = False

    def __init__(self, serviceJID, admins=(), creation="none", localDomain=None,
                 defaultConfig=None):
        self.serviceJID = serviceJID
        self.admins = frozenset(jid.userhostJID() for jid in admins)
        self.creation = creation
        self.localDomain = localDomain or serviceJID.host.partition(".")[2] or serviceJID.host
        self.defaultConfig = defaultConfig or RoomConfig()
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
        return self.loadRooms()

    def stopService(self):
        service.Service.stopService(self)
        self.pinger.stop()
        self.offlineDelivery.stop()

    @defer.inlineCallbacks
    def loadRooms(self):
        """
        Load every stored room with its history.
        """
        try:
            records = yield self.store.loadRooms()
            for record in records:
                room = self._roomFromRecord(record)
                entries = yield self.store.getHistory(room.jid, room.config.historyLength)
                room.history.extend(entries)
                room.legacyHats = self.legacyHats
                yield self.loadHats(room)
                self.rooms[room.jid] = room
        except Exception:
            self.log.failure("loading the stored rooms failed")
            return
        self.log.info("{count} stored rooms loaded", count=len(self.rooms))

    @defer.inlineCallbacks
    def loadHats(self, room):
        """
        Fill the room's hat cache (L{Room.hats}) from the hat store. A
        failure is logged: the room then shows no hats until they change.
        """
        try:
            room.hats = dict((yield self.hatStore.getRoomHats(room.jid)))
        except Exception:
            self.log.failure("loading the hats of room {room} failed", room=room.jid.full())

    def _roomFromRecord(self, record):
        stored = dict(record.config)
        salt = stored.pop("salt", None)
        return Room(record.jid, RoomConfig.fromDict(stored, self.defaultConfig),
                    record.affiliations,
                    record.subject, record.subjectNick, serviceAdmins=self.admins, salt=salt)

    # Finding and creating rooms

    def getRoom(self, roomJID):
        return self.rooms.get(roomJID.userhostJID())

    def hasRoom(self, roomJID):
        return roomJID.userhostJID() in self.rooms

    def mayCreate(self, userJID):
        if self.creation == "none" or userJID.userhostJID() in self.admins:
            return True
        return self.creation == "local" and userJID.host == self.localDomain

    def createRoom(self, roomJID, creatorJID):
        """
        Make a locked room owned by C{creatorJID}.

        @raise errors.NotAllowed: the creator may not create rooms.
        """
        if not self.mayCreate(creatorJID):
            raise errors.NotAllowed("you may not create rooms on this service")
        room = Room(roomJID.userhostJID(), self.defaultConfig, locked=True,
                    serviceAdmins=self.admins)
        room.setAffiliationEntry(creatorJID, roles.OWNER)
        room.legacyHats = self.legacyHats
        # A new room wears no hats, whatever an earlier room of that name left.
        self._write(self.hatStore.forgetRoom(room.jid), "forgetting old hats of", room)
        self.rooms[room.jid] = room
        return room

    def publicRooms(self):
        return [room for room in self.rooms.values()
                if room.config.public and not room.locked]

    # Life cycle

    def occupantGone(self, room):
        """
        Called after an occupant left: a temporary (or still locked) room
        that is now empty goes away.
        """
        if room.empty and (room.locked or not room.config.persistent):
            self.rooms.pop(room.jid, None)
            self._write(self.hatStore.forgetRoom(room.jid), "forgetting hats of", room)

    def removeRoom(self, room):
        """
        Forget a destroyed room everywhere.
        """
        self.rooms.pop(room.jid, None)
        self.joinTracker.forgetRoom(room.jid)
        self._write(self.store.deleteRoom(room.jid), "deleting", room)
        self._write(self.hatStore.forgetRoom(room.jid), "forgetting hats of", room)

    # Persistence

    def _write(self, d, what, room):
        d.addErrback(lambda f: self.log.failure("{what} room {room} failed", f,
                                                what=what, room=room.jid.full()))
        return d

    def saveRoom(self, room, wasPersistent=True):
        """
        Store the room's configuration (with its affiliations, subject and
        history when it just became persistent), or forget it when it just
        stopped being persistent.
        """
        if not room.config.persistent:
            if wasPersistent:
                self._write(self.store.deleteRoom(room.jid), "deleting", room)
            return
        config = dict(room.config.toDict(), salt=room.salt)
        self._write(self.store.saveRoom(room.jid, config), "saving", room)
        if not wasPersistent:
            for userJID, entry in room.affiliations.items():
                self._write(self.store.setAffiliation(room.jid, userJID, entry.affiliation,
                                                      entry.data), "saving", room)
            if room.subject or room.subjectNick:
                self.saveSubject(room)
            for entry in room.history:
                self.saveHistory(room, entry)

    def saveAffiliations(self, room, changed):
        """
        @param changed: bare JID to the new L{Affiliation} or L{None}.
        """
        for userJID, entry in changed.items():
            if entry is None or entry.affiliation in (roles.NONE, roles.OUTCAST):
                # Dropped from the cache at once, so that the presence telling
                # of the change shows no hats.
                room.hats.pop(userJID, None)
                self._write(self.hatStore.forgetUser(userJID, room.jid), "forgetting hats in",
                            room)
            if room.config.persistent:
                affiliation, data = (entry.affiliation, entry.data) if entry else ("none", {})
                self._write(self.store.setAffiliation(room.jid, userJID, affiliation, data),
                            "saving an affiliation of", room)

    def saveSubject(self, room):
        if room.config.persistent:
            self._write(self.store.setSubject(room.jid, room.subject, room.subjectNick),
                        "saving the subject of", room)

    def saveHistory(self, room, entry):
        if room.config.persistent and room.config.historyLength:
            self._write(self.store.appendHistory(room.jid, entry, room.config.historyLength),
                        "saving history of", room)

    # IRoomDirectory

    def getAffiliation(self, roomJID, userJID):
        room = self.getRoom(roomJID)
        if room is None:
            return defer.fail(errors.ItemNotFound("room not found"))
        return defer.succeed(room.affiliationOf(userJID))
