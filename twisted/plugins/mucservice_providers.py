"""
The providers that come with mucservice, as twisted plugins.

Each module is imported only when its provider is chosen: while the options
are parsed, for the check of its class (C{providerClass}) and of C{--db}
(C{databaseChecker}), and when the service is built, for its maker. None of
them takes ARGS; only the xmpp pinger and the PostgreSQL providers read
settings, and only their own.
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
    providerClass=_P + "memory_tracker.MemoryJoinTracker",
    longHelp="Who is in which room under which nick, indexed in the service's memory.\n"
             "Occupants are not kept across restarts: clients join again.")

#: What the PostgreSQL providers read: whether they serve one instance of
#: several, and how long its leases last.
_INSTANCE = ("instance-id", "lease-time")

postgresqlJoinTracker = ProviderFactory(
    IJoinTrackerFactory, "postgresql",
    "Occupants of every instance (--instance-id) sharing the --db PostgreSQL database",
    _P + "postgresql_tracker.makeSharedJoinTracker",
    providerClass=_P + "postgresql_tracker.SharedJoinTracker", settings=_INSTANCE,
    longHelp="Who is in which room under which nick, across every instance of the service\n"
             "that shares the --db postgresql://... database (--instance-id): this\n"
             "instance's occupants in memory, the others' read from the table occupants\n"
             "every few seconds. Needs --instance-id and --room-store postgresql, which\n"
             "records each instance's occupants.")

memoryRoomStore = ProviderFactory(
    IRoomStoreFactory, "memory", "Rooms kept in memory only: lost on restart",
    _P + "memory_rooms.makeMemoryRoomStore",
    providerClass=_P + "memory_rooms.MemoryRoomStore",
    longHelp="Rooms, their configuration, affiliations and history kept in memory only.\n"
             "Every room, persistent ones included, is lost when the service stops.\n"
             "For tests and throwaway services; --db is not used.")

sqliteRoomStore = ProviderFactory(
    IRoomStoreFactory, "sqlite", "Rooms in the --db SQLite file (WAL); survive restarts",
    _P + "sqlite_rooms.makeSQLiteRoomStore",
    providerClass=_P + "sqlite_rooms.SQLiteRoomStore",
    databaseChecker=_P + "sqlite_rooms.checkSQLiteRoomStore",
    longHelp="Persistent rooms, their configuration, affiliations and history in the\n"
             "file of --db sqlite:PATH, in WAL mode (keep the -wal file with it).\n"
             "Needs a file in a folder that exists: not postgresql://, not sqlite::memory:.\n"
             "Every write runs on one thread of its own; the reactor never waits for the disk.")

postgresqlRoomStore = ProviderFactory(
    IRoomStoreFactory, "postgresql",
    "Rooms in the --db PostgreSQL database; survive restarts, shared by instances",
    _P + "postgresql_rooms.makePostgreSQLRoomStore",
    providerClass=_P + "postgresql_rooms.PostgreSQLRoomStore",
    databaseChecker=_P + "postgresql_rooms.checkPostgreSQLRoomStore", settings=_INSTANCE,
    longHelp="Persistent rooms, their configuration, affiliations, history and archive in\n"
             "the database of --db postgresql://..., through psycopg on a thread of its own.\n"
             "With --instance-id, several instances share the database: each room is\n"
             "served by the instance that holds its lease (renewed every --lease-time / 3\n"
             "seconds), and no other can write it.")

sqlHatStore = ProviderFactory(
    IHatStoreFactory, "sql", "Hats in the --db SQLite file, beside the rooms; survive restarts",
    _P + "sql_hats.makeSQLHatStore",
    providerClass=_P + "sql_hats.SQLHatStore",
    databaseChecker=_P + "sql_hats.checkSQLHatStore",
    longHelp="The hats users wear in rooms, in the file of --db sqlite:PATH, beside the\n"
             "rooms, with a schema version of their own. Works with any room store.\n"
             "Needs a file in a folder that exists: not postgresql://, not sqlite::memory:.")

memoryHatStore = ProviderFactory(
    IHatStoreFactory, "memory", "Hats kept in memory only: lost on restart",
    _P + "memory_hats.makeMemoryHatStore",
    providerClass=_P + "memory_hats.MemoryHatStore",
    longHelp="The hats users wear in rooms, kept in memory only: lost when the service\n"
             "stops. --db is not used.")

postgresqlHatStore = ProviderFactory(
    IHatStoreFactory, "postgresql", "Hats in the --db PostgreSQL database, beside the rooms",
    _P + "postgresql_hats.makePostgreSQLHatStore",
    providerClass=_P + "postgresql_hats.PostgreSQLHatStore",
    databaseChecker=_P + "postgresql_hats.checkPostgreSQLHatStore", settings=_INSTANCE,
    longHelp="The hats users wear in rooms, in the database of --db postgresql://..., with\n"
             "a schema version of their own. Works with any room store; with --instance-id,\n"
             "a room's hats change only under the room's lease.")

xmppPinger = ProviderFactory(
    IPingerFactory, "xmpp", "Ping occupants that may be gone, after --ping-delay; remove the dead",
    _P + "xmpp_pinger.makeXMPPPinger",
    providerClass=_P + "xmpp_pinger.XMPPPinger",
    settings=("ping-delay", "ping-timeout", "ping-idle", "ping-concurrency",
              "ping-service-unavailable"),
    longHelp="Pings (XEP-0199, from the room) an occupant that may be gone: after an\n"
             "error bounced by its full JID that suggests a dead link, after the component\n"
             "link comes back, and, with --ping-idle, after silence. The ping waits\n"
             "--ping-delay; no answer within --ping-timeout, or an error, means gone, and\n"
             "the occupant is removed from every room with status 333.\n"
             "--ping-service-unavailable says what that answer means; at most\n"
             "--ping-concurrency pings are outstanding.")

noPinger = ProviderFactory(
    IPingerFactory, "none", "Never ping occupants; they leave only when they say so",
    _P + "none.makeNoPinger",
    providerClass=_P + "none.NoPinger",
    longHelp="Never pings anyone: an occupant whose client or server vanished stays in\n"
             "its rooms until it sends unavailable presence.")

noOfflineDelivery = ProviderFactory(
    IOfflineDeliveryFactory, "none", "Send no copies of room messages to absent members",
    _P + "none.makeNoOfflineDelivery",
    providerClass=_P + "none.NoOfflineDelivery",
    longHelp="Sends no copies of room messages to absent members, whatever the room's\n"
             "offline delivery option says.")

tigaseOfflineDelivery = ProviderFactory(
    IOfflineDeliveryFactory, "tigase",
    "Copy room messages to absent members' bare JIDs as groupchat, as Tigase does",
    _P + "offline.makeTigaseOfflineDelivery",
    providerClass=_P + "offline.TigaseOfflineDelivery",
    longHelp="In rooms with offline delivery on, copies each message to the bare JID of\n"
             "every absent member who asked for it at registration, as a groupchat\n"
             "message from the room, as Tigase does. Servers that store groupchat\n"
             "messages offline keep them for the member.")

forwardOfflineDelivery = ProviderFactory(
    IOfflineDeliveryFactory, "forward",
    "Forward room messages (XEP-0297) in normal messages that RFC 6121 servers store",
    _P + "offline.makeForwardOfflineDelivery",
    providerClass=_P + "offline.ForwardOfflineDelivery",
    longHelp="In rooms with offline delivery on, forwards each message (XEP-0297) inside a\n"
             "normal message to the bare JID of every absent member who asked for it at\n"
             "registration: the kind of message every RFC 6121 server stores offline.")
