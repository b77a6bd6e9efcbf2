"""
The C{postgresql} L{IJoinTracker}: who is in which room, across every
instance of the service that shares the database (C{--instance-id}).

This instance's occupants are indexed in memory, exactly as the memory
tracker does (the room service records them, the pinger and the offline
delivery ask on hot paths, never waiting for the database); the room store
writes them to the table C{occupants}
(L{mucservice.providers.postgresql_occupants}). The other instances'
occupants are read from that table every few seconds, in the background,
from the rows of rooms whose lease is alive, and the queries answer from
both: this instance's rooms as they are, the others' as of the last
reading. Changes are recorded, and observers told, for this instance's
rooms only: an entry of another instance is never this one's to remove.
"""

from twisted.application import service
from twisted.internet import task
from twisted.logger import Logger
from zope.interface import implementer

from mucservice import errors
from mucservice.address import parseJID
from mucservice.interfaces import IJoinTracker
from mucservice.providers import postgresql_leases
from mucservice.providers.memory_tracker import MemoryJoinTracker
from mucservice.providers.postgresql_occupants import readOthers


def _indexOthers(rows):
    """
    @return: real JID to the rooms of other instances it is in, to its nick
        in each, from rows C{(roomText, realText, nick)}; rows whose
        addresses the parser refuses are left out.
    """
    roomsByReal = {}
    for roomText, realText, nick in rows:
        try:
            realJID, roomJID = parseJID(realText), parseJID(roomText)
        except errors.JIDMalformed:
            continue
        roomsByReal.setdefault(realJID, {})[roomJID] = nick
    return roomsByReal


@implementer(IJoinTracker)
class SharedJoinTracker(MemoryJoinTracker, service.Service):
    """
    This instance's occupants in memory, and the other instances' as read
    from the database every L{refreshInterval} seconds.

    @ivar leases: the instance's L{Leases
        <mucservice.providers.postgresql_leases.Leases>}: its holder, and
        the rooms it serves (whose rows of other instances are stale); or
        L{None} for a service that runs alone, whose own occupants are all
        there are.
    """

    log = Logger()

    #: Seconds between two readings of the other instances' occupants.
    refreshInterval = 5.0

    def __init__(self, leases, reactor):
        MemoryJoinTracker.__init__(self)
        self.leases = leases
        self._others = {}
        self._loop = task.LoopingCall(self.refresh)
        self._loop.clock = reactor

    def startService(self):
        """
        Read the other instances' occupants now and every
        L{refreshInterval} seconds.
        """
        service.Service.startService(self)
        if self.leases is not None:
            self._loop.start(self.refreshInterval, now=True)

    def stopService(self):
        service.Service.stopService(self)
        if self._loop.running:
            self._loop.stop()

    def refresh(self):
        """
        Read the other instances' occupants again.

        @return: a Deferred that fires once they are read (a failure is
            logged, and the last reading kept).
        """
        d = self.leases.run(readOthers, self.leases.holder)

        def read(rows):
            self._others = _indexOthers(rows)

        d.addCallbacks(read, lambda f: self.log.failure(
            "the other instances' occupants could not be read", f, event="store.failed"))
        return d

    def _remote(self, realJID):
        """
        @return: the rooms of other instances C{realJID} is in, less those
            this instance serves now, to its nick in each.
        """
        return {roomJID: nick for roomJID, nick in self._others.get(realJID, {}).items()
                if self.leases.epochOf(roomJID.full()) is None}

    def roomsOf(self, realJID):
        rooms = self._remote(realJID) if self._others else {}
        rooms.update(MemoryJoinTracker.roomsOf(self, realJID))
        return rooms

    def occupantsFrom(self, domain):
        found = MemoryJoinTracker.occupantsFrom(self, domain)
        found.update(realJID for realJID in self._others
                     if realJID.host == domain and self._remote(realJID))
        return found

    def realJIDs(self):
        found = MemoryJoinTracker.realJIDs(self)
        found.update(realJID for realJID in self._others if self._remote(realJID))
        return found

    def isPresent(self, userJID, roomJID):
        if MemoryJoinTracker.isPresent(self, userJID, roomJID):
            return True
        if not self._others or self.leases.epochOf(roomJID.full()) is not None:
            return False
        bare = userJID.userhostJID()
        return any(roomJID in rooms for realJID, rooms in self._others.items()
                   if realJID.userhostJID() == bare)


def makeSharedJoinTracker(argstring, context):
    """
    Make the tracker of an instance (C{--instance-id}) on the database of
    C{--db postgresql://...}; of a service that runs alone, the tracker of
    its own occupants, as the memory one.
    """
    return SharedJoinTracker(postgresql_leases.sharedDatabase(context).leases, context.reactor)
