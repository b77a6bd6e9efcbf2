"""
The room service: the rooms of this MUC service, their life cycle and
persistence, and the one coordinator of what happens in them.

The path of a stanza, in the terms of C{DESIGN.md}: the XMPP server hands
the component stream a stanza; one edge handler of L{mucservice.xmpp}
parses it (addresses through the one address parser, shape, size) into one
call of this service; the service applies the rules of XEP-0045 through
the L{Room}, records what changed (join tracker, room store, history, hat
cache), asks the providers what they decide (offline copies), and returns
a plain outcome of L{mucservice.room.outcomes}: who must be told what; the
edge renders that outcome once and writes it.

A join: C{<presence to='room@service/nick'>} reaches
L{PresenceHandler<mucservice.xmpp.presence.PresenceHandler>}, which reads
the password and the history request and calls L{presence}; that creates
the room if it must (and removes it again if the join is refused), admits
the session (L{Room.join}), records it with the join tracker, picks the
history asked for, and returns an L{Entered}; the edge renders, through
its outbox, first what the newcomer receives (the other occupants'
presence, each rendered once per change of that occupant and reused for
every later newcomer, its own presence with 110, the history and the
subject, in the order XEP-0045 section 7.2 wants), and only then the
newcomer's presence to the others, whose order the XEP leaves free.

A groupchat message: C{<message type='groupchat' to='room@service'>}
reaches L{MessageHandler<mucservice.xmpp.message.MessageHandler>}, which
keeps the sender's payload (less the ids only the room may stamp) and
calls L{groupchat}; that checks the sender may speak, stamps the message
(stanza id, occupant id, time), keeps it in the history and hands the
store the write, sends offline copies to absent registrants through the
offline delivery provider, and returns a L{Reflected}; the edge renders
the message once and writes it to every session in the room.

An archive query: C{<iq type='set'><query xmlns='urn:xmpp:mam:2'/></iq>}
reaches L{ArchiveHandler<mucservice.xmpp.mam.ArchiveHandler>}, which reads
the form and the paging into an L{ArchiveQuery
<mucservice.records.ArchiveQuery>} and calls L{queryArchive}; that checks
who may read the archive and what of the senders they see, bounds the page
and asks the room store (a temporary room: its history), and returns an
L{ArchiveResult}; the edge writes each message found through the room's
lane of the outbox, then the IQ's result with the C{<fin/>}. A moderation
(XEP-0425) reaches L{ModerationHandler
<mucservice.xmpp.moderation.ModerationHandler>}, which calls L{moderate};
that checks the moderator, finds the message, stores its tombstone and the
room's announcement, and only then applies them and returns a
L{Reflected} announcement, which the edge tells everyone before the IQ's
result.
"""

from datetime import datetime, timezone

from twisted.application import service
from twisted.internet import defer
from twisted.logger import Logger
from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IRoomDirectory
from mucservice.room import roles
from mucservice.room.archive import Archiving
from mucservice.room.avatars import Avatars
from mucservice.room.config import RoomConfig
from mucservice.room.conversation import Conversation
from mucservice.room.governance import Governance
from mucservice.room.limits import Limits, LimitSettings
from mucservice.room.occupancy import Occupancy
from mucservice.room.persistence import RoomWriter, StoredChanges
from mucservice.room.retention import ArchiveSweep
from mucservice.room.room import Room
from mucservice.room.serviceadmin import ServiceAdministration

#: Who may create rooms (C{--restrict-room-creation}).
CREATION_POLICIES = ("none", "local", "admins")


@implementer(IRoomDirectory)
class RoomService(Occupancy, Conversation, Governance, Archiving, Avatars, ServiceAdministration,
                  service.Service):
    """
    Keeps the rooms, coordinates what happens in them and hands the
    providers their work.

    The providers are made after the room service, since they may be given
    it as their L{IRoomDirectory}; L{setProviders} hands them over.

    Rooms are created on first join, locked, and owned by their creator;
    none is created before the stored rooms are loaded. A persistent room
    is written to the store on every change (L{RoomWriter}; changes that
    are acknowledged only once stored go through L{StoredChanges}) and
    loaded when the service starts; a temporary room vanishes when its last
    occupant leaves.

    @ivar admins: bare JIDs of the service administrators: owners of every
        room.
    @ivar creation: who may create rooms, one of L{CREATION_POLICIES}.
    @ivar localDomain: the domain whose users are local for C{creation}.
    @ivar rooms: room JID to L{Room}.
    @ivar loaded: whether the stored rooms are loaded; rooms are created
        only then.
    @ivar writer: the L{RoomWriter} of the room store.
    @ivar changes: the L{StoredChanges} of every room.
    @ivar limits: the L{Limits} in force.
    @ivar sweep: the L{ArchiveSweep} that forgets expired messages.
    """

    log = Logger()
    store = writer = changes = sweep = joinTracker = hatStore = pinger = offlineDelivery = None

    #: The L{RoomClaims<mucservice.room.claims.RoomClaims>} of an instance
    #: of several (C{--instance-id}), which loads rooms as they are
    #: claimed; L{None} when the service runs alone and loads them all.
    claims = None

    #: Whether rooms also show hats in Prosody 0.12's namespace
    #: (C{--hats-legacy-namespace}); set before the service starts.
    legacyHats = False

    def __init__(self, serviceJID, admins=(), creation="none", localDomain=None,
                 defaultConfig=None, reactor=None, limits=None):
        if reactor is None:
            from twisted.internet import reactor
        self.serviceJID = serviceJID
        self.admins = frozenset(jid.userhostJID() for jid in admins)
        self.creation = creation
        self.localDomain = localDomain or serviceJID.host.partition(".")[2] or serviceJID.host
        self.defaultConfig = defaultConfig or RoomConfig()
        self.reactor = reactor
        self.limits = Limits(limits or LimitSettings(), reactor.seconds, self.admins)
        self.rooms = {}
        self.loaded = False
        self._waitingForLoad = []
        self._loadFailure = None
        self._pingerStarted = self._offlineStarted = False

    def setProviders(self, store, joinTracker, hatStore, pinger, offlineDelivery):
        self.store = store
        self.writer = RoomWriter(store, self.getRoom)
        self.changes = StoredChanges(self.writer)
        self.sweep = ArchiveSweep(store, self.archiveCutoff, self.reactor)
        self.joinTracker = joinTracker
        self.hatStore = hatStore
        self.pinger = pinger
        self.offlineDelivery = offlineDelivery

    def startService(self):
        service.Service.startService(self)
        self.joinTracker.forgetAll()
        self.sweep.start()
        self.limits.startSweeping(self.reactor)
        return self.loadRooms()

    def stopService(self):
        service.Service.stopService(self)
        self.sweep.stop()
        self.limits.stopSweeping()
        # The stores stop after this service, once the writes queued are done.
        self.writer.catchUp(force=True)
        self.pinger.stop()
        self.offlineDelivery.stop()

    def now(self):
        """
        @return: the time, as a timezone-aware UTC L{datetime}.
        """
        return datetime.fromtimestamp(self.reactor.seconds(), timezone.utc)

    # Loading

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
            if self.claims is None:
                records = yield self.store.loadRooms()
            else:
                # Rooms come as they are claimed; the store must serve first.
                records = yield self.claims.store.confirm().addCallback(lambda _: [])
            for record in records:
                yield self.loadRoom(record)
        except Exception as e:
            self._loadFailure = e
            waiting, self._waitingForLoad = self._waitingForLoad, []
            for d in waiting:
                d.errback(e)
            self.fatal("the stored rooms cannot be loaded (%s: %s); no room can be served"
                       % (type(e).__name__, e))
            return
        self.loaded = True
        self.log.info("{count} stored rooms loaded", event="rooms.loaded", count=len(self.rooms))
        waiting, self._waitingForLoad = self._waitingForLoad, []
        for d in waiting:
            d.callback(None)

    @defer.inlineCallbacks
    def loadRoom(self, record):
        """
        Make a stored room live, with its history and hats.

        @param record: its L{RoomRecord<mucservice.records.RoomRecord>}.
        @return: a Deferred that fires with the L{Room}.
        """
        room = self._roomFromRecord(record)
        entries = yield self.store.getHistory(room.jid, room.config.historyLength)
        room.history.extend(entries)
        self.limits.roomLoaded(room)
        yield self.loadHats(room)
        self.rooms[room.jid] = room
        return room

    def whenLoaded(self):
        """
        @return: a Deferred that fires when the stored rooms are loaded (at
            once if they are), and fails if they cannot be.
        """
        if self.loaded:
            return defer.succeed(None)
        if self._loadFailure is not None:
            return defer.fail(self._loadFailure)
        d = defer.Deferred()
        self._waitingForLoad.append(d)
        return d

    def fatal(self, why):
        """
        Something without which the service cannot serve failed. Here it is
        logged; under C{twistd} (L{mucservice.tap}) the process also exits
        with a non-zero status.

        @param why: what failed, in one line.
        """
        self.log.critical("{why}", event="service.fatal", why=why)

    def _roomFromRecord(self, record):
        stored = dict(record.config)
        salt = stored.pop("salt", None)
        room = Room(record.jid, RoomConfig.fromDict(stored, self.defaultConfig),
                    record.affiliations, record.subject, record.subjectNick,
                    serviceAdmins=self.admins, salt=salt)
        room.legacyHats = self.legacyHats
        room.avatar = record.avatar
        return room

    # Finding and creating rooms

    def getRoom(self, roomJID):
        return self.rooms.get(roomJID.userhostJID())

    def visibleRoom(self, roomJID, requester):
        """
        Find a room as C{requester} may see it: a room still locked for its
        creation exists only for its owners.

        @param roomJID: the room's JID (a resource is ignored).
        @param requester: the real JID asking.
        @return: the L{Room}.
        @raise errors.ItemNotFound: there is no such room, or not for
            C{requester}.
        """
        room = self.getRoom(roomJID)
        if room is None or not room.mayEnter(requester):
            raise errors.ItemNotFound("no such room", byService=True)
        return room

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
                                            "try again later", byService=True)
        if not self.mayCreate(creatorJID):
            raise errors.NotAllowed("you may not create rooms on this service", byService=True)
        self.limits.creating(creatorJID)
        room = Room(roomJID.userhostJID(), self.defaultConfig, locked=True,
                    serviceAdmins=self.admins)
        room.setAffiliationEntry(creatorJID, roles.OWNER)
        room.legacyHats = self.legacyHats
        # A new room wears no hats, whatever an earlier room of that name left.
        self._write(self.hatStore.forgetRoom(room.jid), "forgetting old hats of", room)
        self.rooms[room.jid] = room
        self.limits.roomHeld(room.jid, [creatorJID])
        self.log.info("room {room} created by {user}", event="room.created",
                      room=room.jid.full(), user=creatorJID.full())
        return room

    def publicRooms(self):
        """
        @return: the rooms listed in service discovery, by JID.
        """
        return sorted((room for room in self.rooms.values()
                       if room.config.public and not room.locked),
                      key=lambda room: room.jid.full())

    # Life cycle

    def occupantGone(self, room):
        """
        Called after an occupant left: a temporary (or still locked) room
        that is now empty goes away.
        """
        if room.empty and (room.locked or not room.config.persistent):
            self.log.info("room {room} is gone with its last occupant", event="room.gone",
                          room=room.jid.full())
            self.rooms.pop(room.jid, None)
            self.limits.roomGone(room.jid)
            self._write(self.hatStore.forgetRoom(room.jid), "forgetting hats of", room)
            if self.claims is not None:
                self.claims.release(room.jid)

    def removeRoom(self, room):
        """
        Forget a destroyed room everywhere but in the room store, which has
        forgotten it already.
        """
        self.log.info("room {room} destroyed", event="room.destroyed", room=room.jid.full())
        self.rooms.pop(room.jid, None)
        self.limits.roomGone(room.jid)
        self.joinTracker.forgetRoom(room.jid)
        self._write(self.hatStore.forgetRoom(room.jid), "forgetting hats of", room)
        if self.claims is not None:
            self.claims.release(room.jid)

    def _write(self, d, what, room):
        d.addErrback(lambda f: self.log.failure("{what} room {room} failed", f,
                                                event="store.failed", what=what,
                                                room=room.jid.full()))
        return d

    # The providers' links

    def pingerLinkUp(self, host):
        """
        The component stream is up: the pinger starts with its
        L{IPingHost<mucservice.interfaces.IPingHost>} the first time, and
        later learns that the stream came back (any occupant may be gone).
        """
        if self._pingerStarted:
            self.pinger.streamRestored()
        else:
            self._pingerStarted = True
            self.pinger.start(host)

    def offlineLinkUp(self, host):
        """
        The component stream is up: the offline delivery provider starts
        with its L{IOfflineHost<mucservice.interfaces.IOfflineHost>}, once.
        """
        if not self._offlineStarted:
            self._offlineStarted = True
            self.offlineDelivery.start(host)

    def stanzaFrom(self, realJID):
        """
        A stanza that is not an error came from C{realJID}: it is alive.
        """
        self.pinger.activity(realJID)

    def errorFrom(self, realJID, condition):
        """
        An error stanza came from C{realJID}. The pinger hears of it if it
        comes from the full JID of an occupant: errors from bare JIDs are
        bounces of copies sent to accounts (Prosody bounces groupchat
        messages to bare JIDs, RFC 6121 section 8.5.2), never a sign of a
        gone session.
        """
        if realJID.resource and self.joinTracker.roomsOf(realJID):
            self.pinger.errorReceived(realJID, condition)

    def offersOfflineDelivery(self, room):
        """
        @return: whether C{room} offers offline delivery: the provider sends
            copies and the room's C{offlineDelivery} option is on.
        """
        return room.config.offlineDelivery and self.offlineDelivery.sendsCopies

    def offlineBounce(self, roomJID, userJID, condition):
        """
        A message error came from the bare C{userJID} to C{roomJID} or one
        of its occupants: if C{userJID} receives copies there, the provider
        hears of it. Nothing else happens: nobody is kicked or pinged.
        """
        room = self.getRoom(roomJID)
        if room is not None and userJID in room.offlineUsers:
            self.offlineDelivery.bounced(room.jid, userJID, condition)

    # IRoomDirectory

    def getAffiliation(self, roomJID, userJID):
        room = self.getRoom(roomJID)
        if room is None:
            return defer.fail(errors.ItemNotFound("room not found"))
        return defer.succeed(room.affiliationOf(userJID))

    def mayWearHats(self, roomJID, userJID):
        d = self.getAffiliation(roomJID, userJID)
        return d.addCallback(lambda affiliation: affiliation in roles.AFFILIATED)
