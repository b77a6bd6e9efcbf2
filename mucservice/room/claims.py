"""
The rooms of one instance of several that share one room store
(C{--instance-id}): the room service serves a room only while it holds the
room's lease (L{IRoomClaims<mucservice.interfaces.IRoomClaims>}), claimed
when the room's first stanza reaches this instance.

A claim loads the room as stored (a room not stored starts as a new one
would), and yields the sessions that were in it under the instance that
served it before, which the edge tells they were removed (status 333) so
that their clients join again (L{TakenOver}); only then are the stanzas
that waited for the claim handled. A room whose lease another instance
holds is claimed again when that lease would expire, for a while
(L{PATIENCE}). A room lost (this instance's lease lapsed and another took
it) is forgotten at once, without a word or a write. A room that goes away
here gives its lease up; and when the service stops cleanly, every
occupant is told the service shuts down (status 332, L{ShuttingDown}) and
the leases are given up.
"""

from dataclasses import dataclass
from typing import Tuple

from twisted.internet import defer, task
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IClaimObserver

#: How long stanzas of a room another instance holds wait for its lease to
#: expire before they are refused, in seconds.
PATIENCE = 30.0

#: How long after a lease's expiry the claim is tried again, in seconds.
RETRY_MARGIN = 0.1


@dataclass(frozen=True)
class Removal:
    """
    A session removed from a room without leaving it.

    @ivar roomJID: the room.
    @ivar realJID: the session.
    @ivar nick: its nick there.
    @ivar affiliation: the user's affiliation with the room.
    """

    roomJID: object
    realJID: object
    nick: str
    affiliation: str


@dataclass(frozen=True)
class TakenOver:
    """
    This instance claimed a room: the sessions of the instance that served
    it before, each to be told it was removed (110 and 333).

    @ivar removals: the L{Removal}s.
    """

    removals: Tuple[Removal, ...] = ()


@dataclass(frozen=True)
class ShuttingDown:
    """
    The service stops: every session of every room, each to be told it is
    removed because the service shuts down (110 and 332).

    @ivar removals: the L{Removal}s.
    """

    removals: Tuple[Removal, ...] = ()


@implementer(IClaimObserver)
class RoomClaims:
    """
    Which rooms this instance serves, for the room service.

    @ivar service: the L{RoomService<mucservice.room.service.RoomService>}.
    @ivar store: the room store's L{IRoomClaims
        <mucservice.interfaces.IRoomClaims>}.
    """

    log = Logger()

    def __init__(self, service, store, reactor):
        self.service = service
        self.store = store
        self.reactor = reactor
        self._waiting = {}
        store.addClaimObserver(self)

    def holds(self, roomJID):
        """
        I{Hot path}: every stanza to a room.

        @return: whether this instance serves C{roomJID} now.
        """
        return self.store.holds(roomJID)

    def claim(self, roomJID):
        """
        Make sure this instance serves C{roomJID}: renew its lease if it
        held it, or claim it, waiting while another instance holds it.

        @return: a Deferred that fires with a L{TakenOver} once this
            instance serves the room; fails with L{errors.RoomHeldElsewhere}
            when another instance kept it for L{PATIENCE} seconds, or with
            the store's failure.
        """
        d = defer.Deferred()
        waiting = self._waiting.get(roomJID)
        if waiting is not None:
            waiting.append(d)
            return d
        self._waiting[roomJID] = [d]
        self._claim(roomJID).addBoth(self._claimed, roomJID)
        return d

    def _claimed(self, result, roomJID):
        for d in self._waiting.pop(roomJID, ()):
            if isinstance(result, Failure):
                d.errback(result)
            else:
                d.callback(result)

    @defer.inlineCallbacks
    def _claim(self, roomJID):
        if self.service.getRoom(roomJID) is not None:
            yield self.store.confirm()
            if self.store.holds(roomJID):
                return TakenOver()
            # Lost meanwhile (the store told roomLost): claimed afresh below.
        waited = 0.0
        while True:
            try:
                claim = yield self.store.claim(roomJID)
                break
            except errors.RoomHeldElsewhere as e:
                if waited + e.retryAfter > PATIENCE:
                    raise
                delay = e.retryAfter + RETRY_MARGIN
                waited += delay
                yield task.deferLater(self.reactor, delay, lambda: None)
        room = None
        if claim.room is not None:
            room = yield self.service.loadRoom(claim.room)
        self.log.info("claimed room {room} (epoch {epoch}); {count} former sessions removed",
                      event="room.claimed", room=roomJID.full(), epoch=claim.epoch,
                      count=len(claim.formerOccupants))
        return TakenOver(tuple(
            Removal(roomJID, realJID, nick,
                    room.affiliationOf(realJID) if room is not None else "none")
            for realJID, nick in claim.formerOccupants))

    def settle(self, roomJID):
        """
        The stanzas that waited for a claim of C{roomJID} are handled: if
        they made no room (the room does not exist), the lease is given up.
        """
        if self.service.getRoom(roomJID) is None and roomJID not in self._waiting:
            self.release(roomJID)

    def release(self, roomJID):
        """
        Give up the lease of a room gone from this instance.
        """
        d = self.store.release(roomJID)
        d.addErrback(lambda f: self.log.failure("giving up the lease of {room} failed", f,
                                                event="store.failed", room=roomJID.full()))

    def shuttingDown(self):
        """
        @return: the L{ShuttingDown} of every session of every room.
        """
        return ShuttingDown(tuple(
            Removal(room.jid, realJID, occupant.nick, room.affiliationOf(realJID))
            for room in list(self.service.rooms.values())
            for occupant in list(room.occupants.values())
            for realJID in occupant.sessions))

    # IClaimObserver

    def roomLost(self, roomJID):
        """
        Forget the room at once: its occupants are another instance's now.
        """
        service = self.service
        room = service.rooms.pop(roomJID, None)
        if room is None:
            return
        service.limits.roomGone(roomJID)
        service.writer.forget(roomJID)
        service.joinTracker.forgetRoom(roomJID)
