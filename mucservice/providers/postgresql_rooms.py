"""
The PostgreSQL L{IRoomStore}: rooms in the C{--db postgresql://...}
database, for deployments that outgrow one file, and the rooms of several
instances of the service that share it (C{--instance-id}, L{IRoomClaims}).

It keeps what the SQLite store keeps, with the same statements
(L{SQLRoomStore<mucservice.providers.sqlite_rooms.SQLRoomStore>}), under
the schema of L{mucservice.providers.postgresql_schema}. Made for an instance, it also keeps
the leases of the rooms (L{mucservice.providers.postgresql_leases}) and the
occupants of the instance's rooms
(L{mucservice.providers.postgresql_occupants}), and checks the lease in
every write of a room's state.
"""

from twisted.application import service
from zope.interface import implementer

from mucservice.interfaces import IRoomClaims, IRoomStore
from mucservice.providers import postgresql, postgresql_leases
from mucservice.providers.postgresql_leases import parseOccupants
from mucservice.providers.postgresql_occupants import OccupantLog
from mucservice.providers.postgresql_schema import MIGRATIONS, SCHEMA_VERSION
from mucservice.providers.sqlite_rooms import SQLRoomStore, readRooms
from mucservice.records import RoomClaim


def claimRoom(connection, roomText, instanceID, holder, seconds):
    """
    Claim a room's lease and read the room, in one transaction.

    @return: the epoch, the former occupants (text) and the room's
        records (none, or one).
    """
    epoch, former = postgresql_leases.claimLease(connection, roomText, instanceID, holder,
                                                 seconds)
    return epoch, former, readRooms(connection, roomText)[0]


@implementer(IRoomStore, IRoomClaims)
class PostgreSQLRoomStore(SQLRoomStore, postgresql.PostgreSQLStore):
    """
    Rooms, their affiliations and their messages in a PostgreSQL database.
    L{PostgreSQLStore<mucservice.providers.postgresql.PostgreSQLStore>}
    says when the database is opened and closed, and on which thread the
    transactions run; L{SQLRoomStore} what they do.

    Made with L{Leases} (for an instance of several), it provides
    L{IRoomClaims} too, and each change of a room's state is made only
    under the room's lease; without, its L{IRoomClaims} methods must not be
    called.

    @ivar leases: the L{Leases} of the instance, or L{None}.
    @ivar occupantLog: the L{OccupantLog} that records the instance's
        occupants, or L{None}.
    """

    schemaName = "rooms"
    migrations = MIGRATIONS
    openedMessage = "room database {path} open, schema version {version}"
    failedMessage = "cannot open the room database {path}"

    def __init__(self, url, runner=None, reactor=None, leases=None):
        postgresql.PostgreSQLStore.__init__(self, url, runner, reactor)
        self._startBatches()
        if reactor is None:
            from twisted.internet import reactor
        self.reactor = reactor
        self.leases = leases
        self.occupantLog = OccupantLog(leases) if leases is not None else None

    @property
    def instanceID(self):
        return self.leases.instanceID

    def startService(self):
        postgresql.PostgreSQLStore.startService(self)
        if self.leases is not None:
            self.leases.start()

    def stopService(self):
        """
        For an instance, give up its leases after the pending changes; then
        close, and let another process run as the instance.
        """
        if self.leases is None:
            return postgresql.PostgreSQLStore.stopService(self)
        service.Service.stopService(self)
        self.leases.stop()
        d = self.releaseAll()
        d.addErrback(lambda f: self.log.failure("the leases could not be given up", f,
                                                event="store.failed"))
        d.addBoth(lambda _: self.close())
        return d.addBoth(lambda _: self.leases.unlock())

    def _write(self, roomText, func, *args):
        if self.leases is None:
            return self._run(func, *args)
        return self._run(postgresql_leases.guarded, roomText, self.leases.holder,
                         self.leases.epochOf(roomText), func, *args)

    def _runBatch(self, func, messages):
        if self.leases is None:
            return self._runNow(func, messages)
        epochs = {message[0]: self.leases.epochOf(message[0]) for message in messages}
        return self._runNow(postgresql_leases.guardedBatch, self.leases.holder, epochs, func,
                            messages)

    # IRoomClaims

    def holds(self, roomJID):
        return self.leases.holds(roomJID.full())

    def claim(self, roomJID):
        roomText = roomJID.full()
        started = self.reactor.seconds()
        d = self._run(claimRoom, roomText, self.leases.instanceID, self.leases.holder,
                      self.leases.leaseTime)

        def claimed(result):
            epoch, former, records = result
            self.leases.claimed(roomText, epoch, started)
            return RoomClaim(epoch, records[0] if records else None, parseOccupants(former))

        return d.addCallback(claimed)

    def confirm(self):
        return self.leases.confirm()

    def release(self, roomJID):
        self._batches.flush()
        return self.leases.release(roomJID.full())

    def releaseAll(self):
        self._batches.flush()
        return self.leases.releaseAll()

    def addClaimObserver(self, observer):
        self.leases.addObserver(observer)


def checkPostgreSQLRoomStore(database):
    """
    The store's check of C{--db} while the options are parsed: a
    PostgreSQL database that answers, is writable, and has a room schema
    this mucservice knows, or none yet.

    @raise ValueError: the database cannot serve; the message says why.
    """
    postgresql.checkDatabase(database, "the postgresql room store", "rooms", SCHEMA_VERSION)


def makePostgreSQLRoomStore(argstring, context):
    """
    Make the store of the C{--db postgresql://...} database, on the runner
    the PostgreSQL providers of this process share; for an instance
    (C{--instance-id}), with its leases, and recording the occupants its
    join tracker records.
    """
    shared = postgresql_leases.sharedDatabase(context)
    store = PostgreSQLRoomStore(context.database, shared.runner, context.reactor,
                                shared.leases)
    if store.occupantLog is not None:
        context.joinTracker.addObserver(store.occupantLog)
    return store
