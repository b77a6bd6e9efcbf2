"""
The occupants of every instance's rooms in the shared PostgreSQL
database (C{--instance-id}), in the table C{occupants}: one row per session
and room, with the instance that serves the room.

An instance writes its own rows (L{OccupantLog}, an L{IJoinObserver} of its
join tracker, in group commits off the reactor's thread), each change
under the room's lease (L{postgresql_leases.leaseHeld
<mucservice.providers.postgresql_leases.leaseHeld>}). They serve twice:
an instance that takes a room over reads and removes the rows the former
one left (L{postgresql_leases.claimLease
<mucservice.providers.postgresql_leases.claimLease>}), and tells each of
those sessions it was removed; and the C{postgresql} join tracker answers
for every instance from them (L{readOthers}).
"""

from zope.interface import implementer

from mucservice.interfaces import IJoinObserver
from mucservice.providers.postgresql_leases import leaseHeld


def applyChanges(connection, instanceID, holder, changes):
    """
    Apply recorded changes in one transaction: C{(roomText, epoch, realText,
    nick)}, a join or nick change when C{nick} is a L{str}, a leave when it
    is L{None}. A change of a room whose lease is not C{holder}'s with its
    epoch (anymore) is left out.
    """
    held = {}
    for roomText, epoch, realText, nick in changes:
        key = (roomText, epoch)
        if key not in held:
            held[key] = leaseHeld(connection, roomText, holder, epoch)
        if not held[key]:
            continue
        if nick is None:
            connection.execute("DELETE FROM occupants WHERE room_jid = ? AND real_jid = ?"
                               " AND holder = ?", (roomText, realText, holder))
        else:
            connection.execute(
                "INSERT INTO occupants (room_jid, real_jid, nick, instance_id, holder)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (room_jid, real_jid) DO UPDATE SET"
                " nick = excluded.nick, instance_id = excluded.instance_id,"
                " holder = excluded.holder", (roomText, realText, nick, instanceID, holder))


def readOthers(connection, holder):
    """
    @return: C{(roomText, realText, nick)} of every session in the rooms of
        the other instances, whose leases are still alive.
    """
    return connection.execute(
        "SELECT o.room_jid, o.real_jid, o.nick FROM occupants o JOIN room_leases l"
        " ON l.room_jid = o.room_jid AND l.holder = o.holder"
        " WHERE o.holder <> ? AND l.expires > now()", (holder,)).fetchall()


@implementer(IJoinObserver)
class OccupantLog:
    """
    Writes what the join tracker records of this instance's rooms to the
    table C{occupants}: changes that come while a write is under way go
    together in the next one.

    @ivar leases: the L{Leases<mucservice.providers.postgresql_leases.Leases>}
        of this instance, whose epochs the changes are written under.
    @ivar failures: how many writes failed.
    """

    def __init__(self, leases):
        self.leases = leases
        self._waiting = []
        self._writing = None
        self.failures = 0

    def _record(self, roomJID, realJID, nick):
        roomText = roomJID.full()
        epoch = self.leases.epochOf(roomText)
        if epoch is not None:
            self._waiting.append((roomText, epoch, realJID.full(), nick))
            if self._writing is None:
                self.flush()

    def occupantJoined(self, realJID, roomJID, nick):
        self._record(roomJID, realJID, nick)

    def occupantLeft(self, realJID, roomJID, nick):
        self._record(roomJID, realJID, None)

    def nickChanged(self, realJID, roomJID, oldNick, newNick):
        self._record(roomJID, realJID, newNick)

    def flush(self):
        """
        Write what waits, if anything, unless a write is under way (then
        it is written right after). A change queued after its room's lease
        was given up is refused by the database, as every write is.
        """
        if self._writing is not None or not self._waiting:
            return
        changes, self._waiting = self._waiting, []

        def failed(failure):
            self.failures += 1
            self.leases.log.failure("the occupants could not be recorded", failure,
                                    event="store.failed")

        def done(_):
            self._writing = None
            self.flush()

        self._writing = self.leases.run(applyChanges, self.leases.instanceID,
                                        self.leases.holder, changes)
        self._writing.addErrback(failed).addBoth(done)
