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

#: The affiliations whose users may wear hats.
HAT_WEARERS = (roles.OWNER, roles.ADMIN, roles.MEMBER)


@implementer(IRoomDirectory)
class RoomService(service.Service):
    """
    Keeps the rooms and hands the providers to them.

    The providers are made after the room service, since they may be given
    it as their L{IRoomDirectory}; L{setProviders} hands them over.

    Rooms are created on first join, locked, and owned by their creator;
    none is created before the stored rooms are loaded. A persistent room
    is written to the store on every change and loaded when the service
    starts; a temporary room vanishes when its last occupant leaves. Writes
    are not waited for: the room answers first, the store catches up (in
    order, on its own thread). A room a write of which failed is written
    again, whole, with the next change of any room once a write succeeded,
    and when the service stops.

    @ivar store: the L{IRoomStore}.
    @ivar admins: bare JIDs of the service administrators: owners of every
        room.
    @ivar creation: who may create rooms, one of L{CREATION_POLICIES}.
    @ivar localDomain: the domain whose users are local for C{creation}.
    @ivar rooms: room JID to L{Room}.
    @ivar loaded: whether the stored rooms are loaded; rooms are created
        only then.
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
        self.loaded = False
        # Room JID to the users whose affiliation in it may not be stored as
        # it is (a set, maybe empty), for every room a write of which failed;
        # and whether the last write of the room store did not (see _catchUp).
        self._unsaved = {}
        self._storeWorks = True

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
        # The stores stop after this service, once the writes queued are done.
        self._catchUp(force=True)
        self.pinger.stop()
        self.offlineDelivery.stop()

    @defer.inlineCallbacks
    def loadRooms(self):
        """
        Load every stored room with its history, then allow rooms to be
        created. Until then, joining a stored room not loaded yet would make
        a new room of that name, forget the stored room's hats, and be
        replaced by the stored room; if loading fails, rooms are never
        created, so that none shadows or overwrites a stored one.
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
            self.log.failure("loading the stored rooms failed; no room will be created until "
                             "the service is restarted")
            return
        self.loaded = True
        self.log.info("{count} stored rooms loaded", count=len(self.rooms))

    @defer.inlineCallbacks
    def loadHats(self, room):
        """
        Fill the room's hat cache (L{Room.hats}) from the hat store. A
        failure is logged: the room then shows no hats until they change.

        Hats of users that may not wear any (no longer members, admins or
        owners: their hats were not forgotten, as a write failed or the
        service stopped first) are forgotten.
        """
        try:
            worn = yield self.hatStore.getRoomHats(room.jid)
        except Exception:
            self.log.failure("loading the hats of room {room} failed", room=room.jid.full())
            return
        room.hats = {}
        for userJID, hats in worn.items():
            if room.affiliationOf(userJID) in HAT_WEARERS:
                room.hats[userJID] = hats
            else:
                self._write(self.hatStore.forgetUser(userJID, room.jid), "forgetting hats in",
                            room)

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
        @raise errors.ServiceUnavailable: the stored rooms are not loaded
            (yet).
        """
        if not self.loaded:
            raise errors.ServiceUnavailable("the rooms of this service are not loaded yet; "
                                            "try again later")
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
        if room.jid not in self._catchUp():
            self._store(self.store.deleteRoom(room.jid), "deleting", room.jid)
        self._write(self.hatStore.forgetRoom(room.jid), "forgetting hats of", room)

    # Persistence

    def _write(self, d, what, room):
        d.addErrback(lambda f: self.log.failure("{what} room {room} failed", f,
                                                what=what, room=room.jid.full()))
        return d

    def _store(self, d, what, roomJID, userJID=None):
        """
        Watch a write of the room store: a failure is logged and the room
        remembered for L{_catchUp}; a success shows that the store works.

        @param userJID: the user whose affiliation is written, if any.
        """
        def succeeded(result):
            self._storeWorks = True
            return result

        def failed(f):
            self.log.failure("{what} room {room} failed; it will be written again", f,
                             what=what, room=roomJID.full())
            users = self._unsaved.setdefault(roomJID, set())
            if userJID is not None:
                users.add(userJID)
            # A room that is not stored says nothing of whether writes work.
            if not f.check(errors.ItemNotFound):
                self._storeWorks = False

        return d.addCallbacks(succeeded, failed)

    def _catchUp(self, force=False):
        """
        Write again the rooms a write of which failed, so that the store
        has what is live: a persistent room of this service whole (which
        includes any change being saved now), any other deleted. Nothing
        is tried while the last write failed (a store that is down is not
        flooded), unless C{force}.

        @return: the JIDs of those rooms.
        """
        if not self._unsaved or not (self._storeWorks or force):
            return ()
        pending, self._unsaved = self._unsaved, {}
        for roomJID, users in pending.items():
            room = self.rooms.get(roomJID)
            if room is not None and room.config.persistent:
                self._saveWhole(room, users)
            else:
                self._store(self.store.deleteRoom(roomJID), "deleting", roomJID)
        return pending

    def _saveWhole(self, room, users=()):
        """
        Write the whole live room over what the store has of it, if
        anything: its configuration (with the salt of its occupant ids),
        affiliations, subject and history. Nothing is deleted first, so
        that a write that fails now leaves no less than there was.

        @param users: more users whose affiliation may be stored wrongly:
            those without one now have theirs removed.
        """
        roomJID = room.jid
        config = dict(room.config.toDict(), salt=room.salt)
        self._store(self.store.saveRoom(roomJID, config), "saving", roomJID)
        for userJID, entry in room.affiliations.items():
            self._store(self.store.setAffiliation(roomJID, userJID, entry.affiliation,
                                                  entry.data), "saving", roomJID, userJID)
        for userJID in users:
            if userJID not in room.affiliations:
                self._store(self.store.setAffiliation(roomJID, userJID, roles.NONE),
                            "saving", roomJID, userJID)
        if room.subject or room.subjectNick:
            self._store(self.store.setSubject(roomJID, room.subject, room.subjectNick),
                        "saving the subject of", roomJID)
        self._store(self.store.trimHistory(roomJID, 0), "saving history of", roomJID)
        if room.config.historyLength:
            for entry in room.history:
                self._store(self.store.appendHistory(roomJID, entry, room.config.historyLength),
                            "saving history of", roomJID)

    def saveRoom(self, room, wasPersistent=True, historyShortened=False):
        """
        Store the room's configuration (the whole room when it just became
        persistent), or forget it when it just stopped being persistent.

        @param historyShortened: the room now keeps fewer messages than
            before: the stored history is shortened too, so that the
            messages dropped do not come back with a restart once the
            history is made longer.
        """
        if room.jid in self._catchUp():
            return
        if not room.config.persistent:
            if wasPersistent:
                self._store(self.store.deleteRoom(room.jid), "deleting", room.jid)
            return
        if not wasPersistent:
            self._saveWhole(room)
            return
        config = dict(room.config.toDict(), salt=room.salt)
        self._store(self.store.saveRoom(room.jid, config), "saving", room.jid)
        if historyShortened:
            self._store(self.store.trimHistory(room.jid, room.config.historyLength),
                        "shortening the history of", room.jid)

    def saveAffiliations(self, room, changed):
        """
        @param changed: bare JID to the new L{Affiliation} or L{None}.
        """
        caughtUp = room.jid in self._catchUp()
        for userJID, entry in changed.items():
            if entry is None or entry.affiliation in (roles.NONE, roles.OUTCAST):
                # Dropped from the cache at once, so that the presence telling
                # of the change shows no hats.
                room.hats.pop(userJID, None)
                self._write(self.hatStore.forgetUser(userJID, room.jid), "forgetting hats in",
                            room)
            if room.config.persistent and not caughtUp:
                affiliation, data = (entry.affiliation, entry.data) if entry else ("none", {})
                self._store(self.store.setAffiliation(room.jid, userJID, affiliation, data),
                            "saving an affiliation of", room.jid, userJID)

    def saveSubject(self, room):
        if room.jid in self._catchUp():
            return
        if room.config.persistent:
            self._store(self.store.setSubject(room.jid, room.subject, room.subjectNick),
                        "saving the subject of", room.jid)

    def saveHistory(self, room, entry):
        """
        Store a message the room just added to its history.
        """
        if room.jid in self._catchUp():
            return
        if room.config.persistent and room.config.historyLength:
            self._store(self.store.appendHistory(room.jid, entry, room.config.historyLength),
                        "saving history of", room.jid)

    # IRoomDirectory

    def getAffiliation(self, roomJID, userJID):
        room = self.getRoom(roomJID)
        if room is None:
            return defer.fail(errors.ItemNotFound("room not found"))
        return defer.succeed(room.affiliationOf(userJID))
