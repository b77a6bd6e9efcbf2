"""
Several instances of the service behind one XMPP server, sharing one
PostgreSQL database (C{--instance-id}): their options, and what
L{setUp} adds to the service tree of one of them.

ejabberd's C{domain_balancing} hands each instance the rooms of its slots
(C{bare_destination}: one room always reaches one instance); each instance
serves a room while it holds the room's lease in the database
(L{IRoomClaims<mucservice.interfaces.IRoomClaims>}, provided by the
C{postgresql} room store), loads it when it claims it, and tells the
occupants of a room it took over from an instance that died to join
again (L{mucservice.room.claims}, L{mucservice.xmpp.claims}).
"""

import re

from twisted.python import usage
from twisted.python.reflect import namedAny

from mucservice import registry
from mucservice.interfaces import IRoomClaims
from mucservice.room.claims import RoomClaims
from mucservice.xmpp.claims import ClaimGate

#: What an instance id may be: it names the instance in the database and in
#: C{pg_stat_activity}, and a systemd template unit gives it (C{%i}).
INSTANCE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

#: The lease time when C{--lease-time} is not given, in seconds.
DEFAULT_LEASE_TIME = 10.0


def _leaseTime(value):
    seconds = float(value)
    if not seconds >= 1:
        raise ValueError("must be 1 second or more")
    return seconds


_leaseTime.coerceDoc = "Seconds, 1 or more."


class InstanceOptions:
    """
    A mixin for L{usage.Options<twisted.python.usage.Options>}: the options
    of one instance of several.
    """

    optParameters = [
        ["instance-id", None, None,
         "Run as this instance of several that share the --db PostgreSQL database behind "
         "ejabberd's component balancing (letters, digits, _ . -)."],
        ["lease-time", None, DEFAULT_LEASE_TIME,
         "Seconds a room's lease lasts unless its instance renews it (every third of it); "
         "the longest a dead instance's rooms wait for another.", _leaseTime],
    ]

    def checkInstance(self):
        """
        Check the options of an instance, once every option is parsed: an
        id of the allowed form, and a room store the instances can share.

        @raise usage.UsageError: they cannot serve.
        """
        instanceID = self["instance-id"]
        if instanceID is None:
            return
        if not INSTANCE_ID.match(instanceID):
            raise usage.UsageError("--instance-id must be 1 to 64 letters, digits, '_', '.' or "
                                   "'-', not %r" % (instanceID,))
        choice = self["providers"]["room-store"]
        factory = registry.checkChoice(registry.serviceFor("room-store"), choice)
        providerClass = namedAny(factory.providerClass) if factory.providerClass else None
        if providerClass is None or not IRoomClaims.implementedBy(providerClass):
            raise usage.UsageError("--instance-id needs a room store the instances share "
                                   "(--room-store postgresql), not %s" % (choice,))


def setUp(config, reactor, rooms, component, providers):
    """
    Make the service of C{config} one instance of several, if it is one:
    the room service claims its rooms through the room store, and the
    component's gate holds back the stanzas of rooms not claimed yet. Before
    the reactor stops, every occupant is told the service shuts down; the
    room store gives the leases up when it stops.

    @raise SystemExit: the room store made provides no L{IRoomClaims}.
    """
    if config["instance-id"] is None:
        return
    store = providers["room-store"]
    if not IRoomClaims.providedBy(store):
        raise SystemExit("mucservice: --instance-id: the room store %s cannot be shared "
                         "by instances" % (config["providers"]["room-store"],))
    rooms.claims = RoomClaims(rooms, store, reactor)
    gate = ClaimGate(rooms, rooms.claims, reactor)
    gate.setHandlerParent(component)
    reactor.addSystemEventTrigger("before", "shutdown", gate.shutDown)
