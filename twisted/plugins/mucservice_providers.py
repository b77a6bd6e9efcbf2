"""
The providers that come with mucservice, as twisted plugins.

Each module is imported only when its provider is chosen: while the options
are parsed, for the check of its class (C{providerClass}) and of C{--db}
(C{databaseChecker}), and when the service is built, for its maker. None of
them takes ARGS; only the xmpp pinger reads settings, and only its own.
"""

from mucservice.interfaces import (
    IHatStoreFactory,
    IJoinTrackerFactory,
    IOfflineDeliveryFactory,
    IPingerFactory,
    IRoomStoreFactory,
)
from mucservice.registry import ProviderFactory

_P = "mucservice.providers."

memoryJoinTracker = ProviderFactory(
    IJoinTrackerFactory, "memory", "Occupants indexed in the service's memory",
    _P + "memory_tracker.makeMemoryJoinTracker",
    providerClass=_P + "memory_tracker.MemoryJoinTracker")

memoryRoomStore = ProviderFactory(
    IRoomStoreFactory, "memory", "Rooms kept in memory only: lost on restart",
    _P + "memory_rooms.makeMemoryRoomStore",
    providerClass=_P + "memory_rooms.MemoryRoomStore")

sqliteRoomStore = ProviderFactory(
    IRoomStoreFactory, "sqlite", "Rooms in the --db SQLite file (WAL); survive restarts",
    _P + "sqlite_rooms.makeSQLiteRoomStore",
    providerClass=_P + "sqlite_rooms.SQLiteRoomStore",
    databaseChecker=_P + "sqlite_rooms.sqliteRoomStorePath")

sqlHatStore = ProviderFactory(
    IHatStoreFactory, "sql", "Hats in the --db SQLite file, beside the rooms; survive restarts",
    _P + "sql_hats.makeSQLHatStore",
    providerClass=_P + "sql_hats.SQLHatStore",
    databaseChecker=_P + "sql_hats.sqlHatStorePath")

memoryHatStore = ProviderFactory(
    IHatStoreFactory, "memory", "Hats kept in memory only: lost on restart",
    _P + "memory_hats.makeMemoryHatStore",
    providerClass=_P + "memory_hats.MemoryHatStore")

xmppPinger = ProviderFactory(
    IPingerFactory, "xmpp", "Ping occupants that may be gone, after --ping-delay; remove the dead",
    _P + "xmpp_pinger.makeXMPPPinger",
    providerClass=_P + "xmpp_pinger.XMPPPinger",
    settings=("ping-delay", "ping-timeout", "ping-idle", "ping-concurrency",
              "ping-service-unavailable"))

noPinger = ProviderFactory(
    IPingerFactory, "none", "Never ping occupants; they leave only when they say so",
    _P + "none.makeNoPinger",
    providerClass=_P + "none.NoPinger")

noOfflineDelivery = ProviderFactory(
    IOfflineDeliveryFactory, "none", "Send no copies of room messages to absent members",
    _P + "none.makeNoOfflineDelivery",
    providerClass=_P + "none.NoOfflineDelivery")

tigaseOfflineDelivery = ProviderFactory(
    IOfflineDeliveryFactory, "tigase",
    "Copy room messages to absent members' bare JIDs as groupchat, as Tigase does",
    _P + "offline.makeTigaseOfflineDelivery",
    providerClass=_P + "offline.TigaseOfflineDelivery")

forwardOfflineDelivery = ProviderFactory(
    IOfflineDeliveryFactory, "forward",
    "Forward room messages (XEP-0297) in normal messages that RFC 6121 servers store",
    _P + "offline.makeForwardOfflineDelivery",
    providerClass=_P + "offline.ForwardOfflineDelivery")
