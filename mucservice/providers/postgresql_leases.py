"""
Leases of rooms, for several instances of the service that share one
PostgreSQL database (C{--instance-id}).

Each room is served by the one instance that holds the row of the room in
C{room_leases}: its instance id, the I{holder} (the instance id and a token
of the process, new at each start) and an I{epoch} (from the sequence
C{room_lease_epochs}, so that every claim gets a larger one than any
before it). An instance claims a room when the room's first stanza
reaches it (L{claimLease}): only if the lease is free, expired, or held
under its own instance id (by itself, or by the process it restarts). It
renews every lease it holds in one statement every third of the lease
time (L{renewLeases}), on the reactor's clock; a lease that is not renewed
expires after C{--lease-time} seconds, and another instance may take it.

Every write of a room's state checks, in its own transaction, that the
lease is still this process's with the epoch it claimed (L{checkLease}),
and locks the lease's row while it writes (C{FOR SHARE}), so that a claim
waits for the write and then sees it. A process paused in the middle of
such a transaction would keep the row locked, and its rooms from every
other instance: its connections ask the server to end a transaction left
silent for the lease time (C{idle_in_transaction_session_timeout}), which
undoes the write. A paused instance that resumes
after its rooms moved can thus never overwrite the new owner; and it stops
serving a room as soon as the lease's time, counted on its own clock from
its last renewal, is up (L{Leases.holds}), before it knows more.
"""

import secrets

from twisted.internet import defer, task
from twisted.logger import Logger
from twisted.python.failure import Failure

from mucservice import errors
from mucservice.address import parseJID
from mucservice.providers import postgresql, postgresql_instance
from mucservice.providers.observers import ObserverList
from mucservice.providers.postgresql_schema import withRoomSchema

#: The part of the lease time an instance serves a room after its last
#: renewal began: the rest is the margin for the renewal's own round trip.
TRUST = 0.75

#: The lease time, in seconds, when C{--lease-time} is not given.
DEFAULT_LEASE_TIME = 10.0


def claimLease(connection, roomText, instanceID, holder, seconds):
    """
    Claim the lease of a room with a new epoch, and take away the records
    of the room's former occupants.

    @return: the epoch, and the former occupants' C{(realJID, nick)} as
        stored (text).
    @raise errors.RoomHeldElsewhere: another instance holds the lease.
    """
    row = connection.execute(
        "INSERT INTO room_leases (room_jid, instance_id, holder, epoch, expires)"
        " VALUES (?, ?, ?, nextval('room_lease_epochs'), now() + make_interval(secs => ?))"
        " ON CONFLICT (room_jid) DO UPDATE SET instance_id = excluded.instance_id,"
        " holder = excluded.holder, epoch = excluded.epoch, expires = excluded.expires"
        " WHERE room_leases.expires < now() OR room_leases.instance_id = excluded.instance_id"
        " RETURNING epoch", (roomText, instanceID, holder, float(seconds))).fetchone()
    if row is None:
        other, left = connection.execute(
            "SELECT instance_id, GREATEST(EXTRACT(EPOCH FROM expires - now()), 0)::float8"
            " FROM room_leases WHERE room_jid = ?", (roomText,)).fetchone()
        raise errors.RoomHeldElsewhere("the instance %s serves this room now" % (other,),
                                       retryAfter=left, holder=other)
    former = connection.execute("DELETE FROM occupants WHERE room_jid = ?"
                                " RETURNING real_jid, nick", (roomText,)).fetchall()
    return row[0], former


def leaseHeld(connection, roomText, holder, epoch):
    """
    @return: whether the room's lease is C{holder}'s with C{epoch}; if so,
        its row is locked until the transaction ends.
    """
    return epoch is not None and connection.execute(
        "SELECT 1 FROM room_leases WHERE room_jid = ? AND holder = ? AND epoch = ? FOR SHARE",
        (roomText, holder, epoch)).fetchone() is not None


def checkLease(connection, roomText, holder, epoch):
    """
    @raise errors.RoomNotHeld: the room's lease is not C{holder}'s with
        C{epoch} (anymore).
    """
    if not leaseHeld(connection, roomText, holder, epoch):
        raise errors.RoomNotHeld("this instance no longer serves %s" % (roomText,))


def guarded(connection, roomText, holder, epoch, func, *args):
    """
    Run C{func(connection, *args)}, a change of the room's state, if the
    room's lease is still C{holder}'s with C{epoch} (L{checkLease}).
    """
    checkLease(connection, roomText, holder, epoch)
    return func(connection, *args)


def guardedBatch(connection, holder, epochs, func, messages):
    """
    Run C{func(connection, messages)} (a batch of messages, as
    L{appendMessages<mucservice.providers.sqlite_archive.appendMessages>}
    takes it) on the messages of the rooms whose lease is still
    C{holder}'s with the epoch of C{epochs}.

    @return: an outcome for each message, as C{func} gives them: a room
        no longer held gets L{errors.RoomNotHeld}.
    """
    held = {roomText: leaseHeld(connection, roomText, holder, epoch)
            for roomText, epoch in epochs.items()}
    allowed = [message for message in messages if held[message[0]]]
    outcomes = iter(func(connection, allowed) if allowed else ())
    return [next(outcomes) if held[message[0]] else
            errors.RoomNotHeld("this instance no longer serves %s" % (message[0],))
            for message in messages]


def renewLeases(connection, holder, seconds):
    """
    @return: the rooms whose lease C{holder} holds, renewed, to their epoch.
    """
    return dict(connection.execute(
        "UPDATE room_leases SET expires = now() + make_interval(secs => ?) WHERE holder = ?"
        " RETURNING room_jid, epoch", (float(seconds), holder)).fetchall())


def releaseLeases(connection, holder, rooms=None):
    """
    Give up C{holder}'s leases of C{rooms} (room text to epoch), or all of
    them, with the records of their occupants.
    """
    if rooms is None:
        connection.execute("DELETE FROM occupants WHERE holder = ?", (holder,))
        connection.execute("DELETE FROM room_leases WHERE holder = ?", (holder,))
        return
    for roomText, epoch in rooms.items():
        connection.execute("DELETE FROM occupants WHERE room_jid = ? AND holder = ?",
                           (roomText, holder))
        connection.execute("DELETE FROM room_leases WHERE room_jid = ? AND holder = ?"
                           " AND epoch = ?", (roomText, holder, epoch))


def parseOccupants(rows):
    """
    @return: C{(realJID, nick)} of stored rows, less those whose address
        the parser refuses.
    """
    occupants = []
    for realText, nick in rows:
        try:
            occupants.append((parseJID(realText), nick))
        except errors.JIDMalformed:
            continue
    return tuple(occupants)


class Leases:
    """
    The leases this process holds, on the reactor's side: their epochs, how
    long each may be trusted on the reactor's clock, and their renewal.

    @ivar instanceID: the instance's id.
    @ivar holder: the instance's id and a token of this process.
    @ivar leaseTime: how long a lease lasts unless renewed, in seconds.
    @ivar epochs: room JID (text) to the epoch of its lease.
    @ivar instanceLock: the L{InstanceLock
        <mucservice.providers.postgresql_instance.InstanceLock>} that keeps
        other processes from running as this instance, or L{None}.
    @ivar lockLost: called with one line that says why, when another
        process took the instance's lock: this one must stop.
    """

    log = Logger()

    def __init__(self, run, instanceID, reactor, leaseTime=DEFAULT_LEASE_TIME):
        """
        @param run: runs C{func(connection, *args)} in one transaction, and
            returns a Deferred of its result.
        """
        self.run = run
        self.instanceID = instanceID
        self.holder = "%s/%s" % (instanceID, secrets.token_hex(6))
        self.reactor = reactor
        self.leaseTime = leaseTime
        self.epochs = {}
        self.instanceLock = None
        self.lockLost = lambda why: None
        self._trusted = {}
        self._observers = ObserverList()
        self._renewing = None
        self._loop = task.LoopingCall(self.renew)
        self._loop.clock = reactor

    def start(self):
        """
        Renew the leases every third of the lease time.
        """
        if not self._loop.running:
            self._loop.start(self.leaseTime / 3.0, now=False)

    def stop(self):
        if self._loop.running:
            self._loop.stop()

    def addObserver(self, observer):
        self._observers.add(observer)

    def holds(self, roomText):
        """
        @return: whether this process may serve the room now: it holds its
            lease, renewed recently enough that nobody can have taken it.
        """
        return self.reactor.seconds() < self._trusted.get(roomText, 0)

    def epochOf(self, roomText):
        """
        @return: the epoch of the room's lease, or L{None} if not held.
        """
        return self.epochs.get(roomText)

    def claimed(self, roomText, epoch, started):
        """
        A claim begun at C{started} (the reactor's time) got the room's
        lease with C{epoch}.
        """
        self.epochs[roomText] = epoch
        self._trusted[roomText] = started + self.leaseTime * TRUST

    def forget(self, roomText):
        """
        @return: the epoch of a lease given up, or L{None}.
        """
        self._trusted.pop(roomText, None)
        return self.epochs.pop(roomText, None)

    def renew(self):
        """
        Renew every lease held, in one statement; one renewal at a time. A
        lease that was not renewed is lost: its observers are told. Then
        check the instance's lock (L{checkLock}).

        @return: a Deferred that fires when done; a failure is logged.
        """
        d = self.confirm().addErrback(lambda f: self.log.failure(
            "the leases could not be renewed", f, event="lease.failed"))
        return d.addCallback(lambda _: self.checkLock())

    def checkLock(self):
        """
        Make sure this process still holds the instance's lock, on the
        thread of the transactions; if another process holds it now, call
        L{lockLost}.

        @return: a Deferred that fires when done; a failure (the database
            cannot be reached) is logged.
        """
        lock = self.instanceLock
        if lock is None:
            return defer.succeed(None)

        def checked(held):
            if not held:
                self.lockLost("another process runs as the instance %s now (its lock was "
                              "lost with its session and taken)" % (self.instanceID,))

        d = self.run(lambda connection: lock.check())
        return d.addCallbacks(checked, lambda f: self.log.failure(
            "the lock of the instance could not be checked", f, event="lease.failed"))

    def confirm(self):
        """
        Renew every lease held now, as L{renew} does.

        @return: a Deferred that fires when done, and fails if the database
            did not answer.
        """
        if self._renewing is not None:
            d = defer.Deferred()

            def passOn(result):
                if isinstance(result, Failure):
                    d.errback(result)
                    return None
                d.callback(None)
                return result

            self._renewing.addBoth(passOn)
            return d
        started = self.reactor.seconds()

        def renewed(held):
            for roomText, epoch in list(self.epochs.items()):
                if held.get(roomText) == epoch:
                    self._trusted[roomText] = started + self.leaseTime * TRUST
                else:
                    self.forget(roomText)
                    self.log.warn("lost the lease of room {room}: another instance serves "
                                  "it now", event="lease.lost", room=roomText)
                    self._observers.notify("roomLost", parseJID(roomText))

        def done(result):
            self._renewing = None
            return result

        d = self._renewing = self.run(renewLeases, self.holder, self.leaseTime)
        d.addCallback(renewed)
        d.addBoth(done)
        return d

    def release(self, roomText):
        epoch = self.forget(roomText)
        if epoch is None:
            return defer.succeed(None)
        return self.run(releaseLeases, self.holder, {roomText: epoch})

    def releaseAll(self):
        self.epochs.clear()
        self._trusted.clear()
        return self.run(releaseLeases, self.holder)

    def unlock(self):
        """
        Let another process run as this instance: the last step of a stop.
        """
        if self.instanceLock is not None:
            self.instanceLock.release()


class SharedDatabase:
    """
    What the PostgreSQL providers of one process share: the runner of the
    database, and the instance's L{Leases} (or L{None} when the service runs
    alone).
    """

    def __init__(self, runner, leases):
        self.runner = runner
        self.leases = leases


_databases = {}


def sharedDatabase(context):
    """
    @param context: the L{IProviderContext
        <mucservice.interfaces.IProviderContext>} of a provider whose
        factory reads the settings C{instance-id} and C{lease-time}.
    @return: the L{SharedDatabase} of the context's database, reactor and
        instance; the provider is one more user of its runner.
    @raise SystemExit: another process runs as the instance
        (L{postgresql_instance.lockInstance
        <mucservice.providers.postgresql_instance.lockInstance>}).
    """
    instanceID = context.settings.get("instance-id") or None
    leaseTime = float(context.settings.get("lease-time") or DEFAULT_LEASE_TIME)
    key = (context.database, instanceID, id(context.reactor))
    runner = postgresql.sharedRunner(context.database, context.reactor, instanceID,
                                     leaseTime if instanceID is not None else None)
    shared = _databases.get(key)
    if shared is None:
        leases = None
        if instanceID is not None:
            leases = Leases(withRoomSchema(runner), instanceID, context.reactor, leaseTime)
            leases.instanceLock = postgresql_instance.lockInstance(context.database,
                                                                   instanceID)
            rooms = context.rooms
            if rooms is not None:
                leases.lockLost = lambda why: rooms.fatal(why)
        shared = _databases[key] = SharedDatabase(runner, leases)
    return shared
