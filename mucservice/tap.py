"""
The C{twistd mucservice} command: its options and the service tree they build.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

import os

from twisted.application import service
from twisted.logger import Logger
from twisted.python import usage
from zope.interface.exceptions import Invalid

from mucservice import __version__, address, errors, instances, logs, memory, operations, registry
from mucservice.instances import InstanceOptions
from mucservice.operations import EXIT_CONFIG, OperationOptions
from mucservice.provideroptions import ProviderOptions
from mucservice.room.avatars import DEFAULT_MAX_AVATAR_BYTES
from mucservice.room.buckets import Rate
from mucservice.room.config import DEFAULT_MAX_USERS_PRESENCE, RoomConfig, parseBoolean
from mucservice.room.invitations import DEFAULT_MAX_PENDING
from mucservice.room.limits import LimitSettings
from mucservice.room.retention import parseExpiry
from mucservice.room.service import CREATION_POLICIES, RoomService
from mucservice.xmpp.admin import AdminHandler
from mucservice.xmpp.commands import HatCommands
from mucservice.xmpp.component import MUCComponent
from mucservice.xmpp.disco import ServiceDiscovery
from mucservice.xmpp.guard import StanzaGuard
from mucservice.xmpp.handler import DepartedAddresses, setAddressCache
from mucservice.xmpp.hats import HatPresence
from mucservice.xmpp.links import LinkWatcher
from mucservice.xmpp.mam import ArchiveHandler
from mucservice.xmpp.margins import MIN_STANZA_SIZE
from mucservice.xmpp.message import MessageHandler
from mucservice.xmpp.moderation import ModerationHandler
from mucservice.xmpp.offline import OfflineLink
from mucservice.xmpp.outbox import DEFAULT_LINK_BUFFER
from mucservice.xmpp.owner import OwnerHandler
from mucservice.xmpp.ping import OccupantIQRouter, PingHandler
from mucservice.xmpp.presence import PresenceHandler
from mucservice.xmpp.register import RegisterHandler
from mucservice.xmpp.sendguard import SendGuard
from mucservice.xmpp.servicecommands import ServiceCommands
from mucservice.xmpp.sizes import DEFAULT_MAX_STANZA_SIZE, LIMIT
from mucservice.xmpp.vcard import RoomVCard, avatarLimit

log = Logger()

DB_SCHEMES = ("sqlite:", "postgresql://")


def _number(convert, accepts, doc, error):
    """
    @return: a C{coerce} function for L{usage.Options} that converts with
        C{convert} and accepts what C{accepts} says yes to.
    """
    def coerce(value):
        number = convert(value)
        if not accepts(number):
            raise ValueError(error)
        return number

    coerce.coerceDoc = doc
    return coerce


_positive = _number(float, lambda n: n > 0, "Seconds, a positive number.",
                    "must be a positive number of seconds")
_nonNegative = _number(float, lambda n: n >= 0, "Seconds, 0 or more.",
                       "must be 0 or a positive number of seconds")
_positiveInteger = _number(int, lambda n: n >= 1, "A whole number, 1 or more.",
                           "must be a positive whole number")
_port = _number(int, lambda n: 0 < n < 65536, "A TCP port.", "not a TCP port")
_rate = _number(Rate.parse, lambda rate: True, "COUNT/SECONDS, e.g. 10/60.",
                "must be COUNT/SECONDS")

#: The options of the limits (see the README's section Limits): option name,
#: L{LimitSettings} attribute (whose default is the option's), help.
LIMIT_OPTIONS = (
    ("message-rate", "messageRate",
     "Messages per occupant and room (groupchat, subject, private, invitations)."),
    ("presence-rate", "presenceRate", "Presence changes (status, nick) per occupant and room."),
    ("join-rate", "joinRate", "Joins per real (full) JID."),
    ("password-rate", "passwordRate", "Wrong room passwords per user and room."),
    ("room-creation-rate", "roomCreationRate", "Rooms created per user."),
    ("max-rooms-per-user", "maxRoomsPerUser",
     "Rooms a user holds at most (created and still there, or owned and stored)."),
    ("max-body-length", "maxBodyLength", "Characters in a groupchat message body."),
    ("max-subject-length", "maxSubjectLength", "Characters in a room subject."),
    ("max-room-name-length", "maxRoomNameLength", "Characters in a room name."),
    ("max-room-description-length", "maxRoomDescriptionLength",
     "Characters in a room description."),
    ("max-history-messages", "maxHistoryMessages", "Messages of history kept per room."),
    ("max-history-bytes", "maxHistoryBytes", "Bytes (UTF-8) of history kept per room."),
    ("max-affiliations", "maxAffiliations", "Affiliations a room holds at most."),
    ("max-admin-items", "maxAdminItems", "Items in one muc#admin request."),
    ("max-nick-sessions", "maxNickSessions", "Sessions of one user on one nick."),
    ("max-watched", "maxWatched",
     "Occupants of a room over its presence cap that one occupant may follow by probes."),
    ("max-watches-per-room", "maxWatchesPerRoom",
     "Such follows a room keeps, for all its occupants together."),
)


def _limitOption(name, attribute, description):
    default = getattr(LimitSettings, attribute)
    return [name, None, default, description,
            _rate if isinstance(default, Rate) else _positiveInteger]
_stanzaSize = _number(int, lambda n: n >= MIN_STANZA_SIZE,
                      "Bytes, at least %d." % (MIN_STANZA_SIZE,),
                      "must be at least %d bytes" % (MIN_STANZA_SIZE,))


def _onOff(value):
    try:
        return parseBoolean(value, spoken=True)
    except ValueError:
        raise ValueError("must be on or off")


_onOff.coerceDoc = "on or off."


def _presenceCap(value):
    if str(value).strip().lower() == "none":
        return None
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or more, or none")
    return number


_presenceCap.coerceDoc = "A whole number, 0 or more, or none (no cap)."


def checkDatabase(database):
    """
    Check C{--db} for every provider: a known scheme, and for C{sqlite:PATH}
    a folder that exists. Whether a provider can use it is the provider's
    check (L{registry.checkBeforeMaking}).

    @raise usage.UsageError: it is neither, or the folder is missing.
    """
    if not database.startswith(DB_SCHEMES):
        raise usage.UsageError("--db must be sqlite:PATH or postgresql://...")
    path = database[len("sqlite:"):] if database.startswith("sqlite:") else ""
    if path not in ("", ":memory:"):
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise usage.UsageError("--db %s: no folder %s" % (database, folder))


def parseJID(text, what):
    """
    @raise usage.UsageError: C{text} is not a valid JID.
    """
    try:
        return address.parseJID(text)
    except errors.JIDMalformed as e:
        raise usage.UsageError("%s is not a valid JID: %r (%s)" % (what, text, e.text))


class Options(OperationOptions, InstanceOptions, ProviderOptions, usage.Options):
    synopsis = "--jid JID (--secret SECRET | --secret-file PATH) [options]"
    longdesc = ("An XMPP Multi-User Chat service (XEP-0045) that connects to an XMPP server "
                "as an external component (XEP-0114).")

    optParameters = [
        ["jid", None, None, "The component's JID, as declared in the XMPP server."],
        ["secret", None, None, "The component secret shared with the XMPP server."],
        ["secret-file", None, None, "Read the component secret from this file."],
        ["host", None, "127.0.0.1", "The XMPP server's component address."],
        ["port", None, 5347, "The XMPP server's component port.", _port],
        ["db", None, "sqlite:mucservice.sqlite",
         "The database: sqlite:PATH or postgresql://..."],
        ["name", None, "Chatrooms", "The service's name in service discovery."],
        ["restrict-room-creation", None, "none",
         "Who may create rooms: none (anyone), local (users of --local-domain) or admins."],
        ["local-domain", None, None,
         "The domain whose users are local [default: the --jid domain less its first label]."],
        ["ping-delay", None, 60.0,
         "Seconds between a sign that an occupant may be gone and the ping.", _positive],
        ["ping-timeout", None, 30.0, "Seconds to wait for a ping's answer.", _positive],
        ["ping-idle", None, 0.0,
         "Ping occupants silent for this many seconds (0: never).", _nonNegative],
        ["ping-concurrency", None, 100, "Pings outstanding at most; the others wait.",
         _positiveInteger],
        ["ping-service-unavailable", None, "gone",
         "What a service-unavailable answer to a ping means: gone or alive."],
        ["address-cache", None, 4096, "Parsed addresses kept (an LRU; 0: none).",
         _number(int, lambda n: n >= 0, "A whole number, 0 or more.", "must be 0 or more")],
        ["trim-memory", None, 10.0,
         "Seconds between two returns of freed memory to the system (glibc's malloc_trim; "
         "0: never).", _nonNegative],
        ["link-buffer", None, DEFAULT_LINK_BUFFER,
         "Bytes waiting to be written to the XMPP server past which the service stops "
         "writing and reading the link until they are written.", _positiveInteger],
        ["max-pending-invitations", None, DEFAULT_MAX_PENDING,
         "Invitations a room keeps pending (that their invitees may decline) at most.",
         _positiveInteger],
        ["max-stanza-size", None, DEFAULT_MAX_STANZA_SIZE,
         "The largest stanza the service sends, in bytes; what could make a larger one is "
         "refused.", _stanzaSize],
        ["max-avatar-bytes", None, None,
         "The largest room avatar, in bytes of image [default: %d, or what --max-stanza-size "
         "leaves if less]." % (DEFAULT_MAX_AVATAR_BYTES,), _positiveInteger],
        ["offline-delivery-default", None, "on",
         "Whether new rooms copy messages to absent members who asked for it at "
         "registration (a room option).", _onOff],
        ["max-users-presence", None, DEFAULT_MAX_USERS_PRESENCE,
         "Above this many occupants, new rooms tell participants' and visitors' comings, "
         "goings and changes to moderators only (a room option).", _presenceCap],
        ["archive-expires", None, "1y",
         "How long archived messages are kept: a whole number of h, d, w, m (30 days) or "
         "y (365 days), or never."],
    ] + [_limitOption(*option) for option in LIMIT_OPTIONS]
    optFlags = [
        ["log-traffic", None, "Log every byte exchanged with the XMPP server."],
        ["hats-legacy-namespace", None,
         "Also show hats in presence in Prosody 0.12's namespace "
         "(xmpp:prosody.im/protocol/hats:1)."],
    ]

    def __init__(self):
        usage.Options.__init__(self)
        ProviderOptions.__init__(self)
        self["admins"] = []

    def opt_admin(self, value):
        """
        A service administrator's JID (repeatable).
        """
        self["admins"].append(parseJID(value, "--admin").userhostJID())

    def opt_version(self):
        print("mucservice %s" % (__version__,))
        raise SystemExit(0)

    def postOptions(self):
        if not self["jid"]:
            raise usage.UsageError("--jid is required: the component's JID, e.g. muc.example.org")
        serviceJID = parseJID(self["jid"], "--jid")
        if serviceJID.user or serviceJID.resource:
            raise usage.UsageError("--jid must be a bare domain, e.g. muc.example.org")
        self["jid"] = serviceJID
        if self["secret"] and self["secret-file"]:
            raise usage.UsageError("give either --secret or --secret-file, not both")
        if self["secret-file"]:
            try:
                with open(self["secret-file"], encoding="utf-8") as f:
                    self["secret"] = f.read().strip()
            except OSError as e:
                raise usage.UsageError("cannot read --secret-file: %s" % (e,))
        if not self["secret"]:
            raise usage.UsageError("a component secret is required: --secret or --secret-file")
        if self["restrict-room-creation"] not in CREATION_POLICIES:
            raise usage.UsageError("--restrict-room-creation must be one of: "
                                   + ", ".join(CREATION_POLICIES))
        if self["ping-service-unavailable"] not in ("gone", "alive"):
            raise usage.UsageError("--ping-service-unavailable must be gone or alive")
        try:
            self["max-avatar-bytes"] = avatarLimit(self["max-avatar-bytes"],
                                                   self["max-stanza-size"],
                                                   DEFAULT_MAX_AVATAR_BYTES)
        except ValueError as e:
            raise usage.UsageError(str(e))
        checkDatabase(self["db"])
        self.checkProviders(self["db"])
        self.checkInstance()
        self.checkOperations()
        # The default is text, as --help shows it; given values are coerced already.
        self["offline-delivery-default"] = _onOff(str(self["offline-delivery-default"]))
        try:
            self["archive-expires"] = parseExpiry(self["archive-expires"])
        except ValueError as e:
            raise usage.UsageError("--archive-expires %s" % (e,))


def makeProviders(config, context):
    """
    Make every chosen provider, the join tracker first so that the others
    can be given it.

    @param context: the context of every setting but the component secret;
        each provider gets it narrowed to the settings its factory declares.
    @return: L{dict} of service option name to provider.
    @raise SystemExit: a provider could not be made, or does not provide its
        service's interface; with one line that says why, and no traceback.
    """
    providers = {}
    for service_ in registry.SERVICES:
        choice = config["providers"][service_.option]
        try:
            provider = registry.makeProvider(service_, choice, context)
        except usage.UsageError as e:
            raise SystemExit("mucservice: %s" % (e,))
        except Invalid as e:
            raise SystemExit("mucservice: --%s %s: the provider made does not provide %s: %s"
                             % (service_.option, choice, service_.interface.__name__,
                                registry.describeInvalid(e)))
        providers[service_.option] = provider
        if service_.option == "join-tracker":
            context.joinTracker = provider
    return providers


def limitSettings(config):
    """
    @return: the L{LimitSettings} of the parsed options.
    """
    return LimitSettings(**{attribute: config[name] for name, attribute, _ in LIMIT_OPTIONS})


def exitWithStatus(reactor, why, status=1):
    """
    End the process with a non-zero status after saying why in one line:
    the services stop as on any shutdown, then the process exits with
    C{status} (twistd itself would exit with 0).
    """
    log.critical("mucservice cannot go on: {why}", event="service.exit", why=why)
    reactor.addSystemEventTrigger("after", "shutdown", os._exit, status)
    reactor.stop()


def makeService(config, reactor=None):
    """
    Build the service tree: providers, the room service, the component
    connection and its protocol handlers.

    @raise SystemExit: a provider could not be made (see L{makeProviders}).
    """
    # Made for the process twistd runs (tests give a reactor of their own).
    byTwistd = reactor is None
    if reactor is None:
        from twisted.internet import reactor
    settingNames = config.settingNames()
    settings = {key: value for key, value in config.items() if key in settingNames}
    context = registry.ProviderContext(reactor, config["jid"], config["db"], settings)
    root = logs.ServiceRoot()

    rooms = RoomService(config["jid"], config["admins"], config["restrict-room-creation"],
                        config["local-domain"],
                        RoomConfig(offlineDelivery=config["offline-delivery-default"],
                                   maxUsersPresence=config["max-users-presence"]),
                        reactor=reactor, limits=limitSettings(config))
    context.rooms = rooms
    rooms.legacyHats = config["hats-legacy-namespace"]
    if byTwistd:
        rooms.fatal = lambda why: exitWithStatus(reactor, why)
    rooms.maxPendingInvitations = config["max-pending-invitations"]
    rooms.maxAvatarBytes = config["max-avatar-bytes"]
    rooms.archiveExpires = config["archive-expires"]
    providers = makeProviders(config, context)
    rooms.setProviders(store=providers["room-store"], joinTracker=providers["join-tracker"],
                       hatStore=providers["hat-store"], pinger=providers["pinger"],
                       offlineDelivery=providers["offline-delivery"])
    for provider in providers.values():
        if service.IService.providedBy(provider):
            provider.setServiceParent(root)
    rooms.setServiceParent(root)

    component = MUCComponent(config["host"], config["port"], config["jid"].full(),
                             config["secret"], reactor=reactor, ready=rooms.whenLoaded)
    component.logTraffic = config["log-traffic"]
    component.outbox.linkBuffer = config["link-buffer"]
    if byTwistd and config["exit-on-auth-failure"]:
        component.link.authFailed = lambda why: exitWithStatus(reactor, why, EXIT_CONFIG)
    setAddressCache(config["address-cache"], config["jid"].host)
    rooms.joinTracker.addObserver(DepartedAddresses(rooms.joinTracker))
    LIMIT.maxSize = config["max-stanza-size"]
    SendGuard().setHandlerParent(component)
    for handler in (StanzaGuard(rooms, reactor), PresenceHandler(rooms, reactor),
                    MessageHandler(rooms, reactor),
                    AdminHandler(rooms, reactor), OwnerHandler(rooms, reactor),
                    ServiceDiscovery(rooms, reactor, config["name"]),
                    RegisterHandler(rooms, reactor), PingHandler(rooms, reactor),
                    OccupantIQRouter(rooms, reactor), LinkWatcher(rooms, reactor),
                    OfflineLink(rooms, reactor), RoomVCard(rooms, reactor),
                    ArchiveHandler(rooms, reactor), ModerationHandler(rooms, reactor)):
        handler.setHandlerParent(component)
    hatPresence = HatPresence(rooms, reactor)
    rooms.hatStore.addObserver(hatPresence)
    for handler in (hatPresence, ServiceCommands(rooms, reactor), HatCommands(rooms, reactor)):
        handler.setHandlerParent(component)
    instances.setUp(config, reactor, rooms, component, providers)
    component.setServiceParent(root)
    trimming = memory.trimmer(reactor, config["trim-memory"])
    if trimming is not None:
        trimming.setServiceParent(root)
    operations.setUp(root, config, reactor, rooms, component, providers)
    if byTwistd:
        # Its reactor not yet running, nothing of a connection made yet.
        memory.freezeStartup()
    return root
