"""
The migration from Prosody: C{mucservice-admin import-prosody PATH} reads
the persistent rooms of a Prosody data directory (C{internal} storage) and
writes them into mucservice's database through the room store
(L{IRoomStore<mucservice.interfaces.IRoomStore>}), while mucservice is
stopped.

What it reads of a MUC host's folder (C{conference%2eexample%2eorg}):

  - C{config/ROOM.dat}: what Prosody's rooms keep (C{room:freeze()}): the
    room's JID (C{_jid}), its options (C{_data}: name, description,
    language, password, members only, moderated, hidden, who sees real
    JIDs, subject, history length, ...), every affiliation (a top-level
    key per bare JID, or C{_affiliations} in older versions), and the
    data of affiliations (C{_affiliation_data}: the reserved nicks);
  - where mod_muc_mam kept an archive (C{muc_log/ROOM.list}, or
    C{archive/}), the newest messages of it, as many as the room's
    history keeps, as its history.

Each room becomes room data (L{mucservice.room.roomdata}), checked by the
rules an imported room meets, its JID moved to C{--domain}; Prosody's
occupant-id salt is not taken (the ids are computed otherwise here).
Nothing is executed: the files are read as data (L{luadata}).
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

import json
import os
from datetime import datetime, timezone
from urllib.parse import unquote

from twisted.internet import defer
from twisted.words.xish import domish

from mucservice import address, errors, registry, tap
from mucservice.admin.luadata import LuaDataError, readDat, readList, sequence
from mucservice.records import HistoryEntry
from mucservice.room.config import ALLOW_PM, MAX_HISTORY_LENGTH, ROLES, RoomConfig
from mucservice.room.room import Room
from mucservice.room.roomdata import readRoomData
from mucservice.xmpp.message import STRIPPED, goesToHistory
from mucservice.xmpp.namespaces import NS_COMPONENT, NS_MUC_USER, NS_XML
from mucservice.xmpp.render import childrenText
from mucservice.xmpp.servicecommands import checkRoomData

#: Prosody's option of C{_data} to the attribute of L{RoomConfig} it sets,
#: and how its value is read.
_OPTIONS = {
    "name": ("name", str), "description": ("description", str),
    "language": ("language", str), "persistent": ("persistent", bool),
    "members_only": ("membersOnly", bool), "moderated": ("moderated", bool),
    "whois": ("whois", str), "changesubject": ("changeSubject", bool),
    "allow_member_invites": ("allowInvites", bool), "logging": ("logging", bool),
}

#: The keys of a frozen room that are no affiliations.
_ROOM_KEYS = ("_jid", "_data", "_affiliation_data", "_affiliations", "jid")

#: The archive stores of mod_muc_mam, the first one found used.
_ARCHIVES = ("muc_log", "archive")


def _configFrom(options):
    """
    @param options: the C{_data} of a frozen Prosody room.
    @return: its configuration, as L{RoomConfig.toDict} has it.
    """
    config = RoomConfig(persistent=True)
    changes = {attribute: convert(options[key]) for key, (attribute, convert) in _OPTIONS.items()
               if key in options}
    changes["public"] = not options.get("hidden", False)
    password = options.get("password") or ""
    changes.update(password=str(password), passwordProtected=bool(password))
    if isinstance(options.get("history_length"), int):
        changes["historyLength"] = max(0, min(options["history_length"], MAX_HISTORY_LENGTH))
    if options.get("allow_pm") in ALLOW_PM:
        changes["allowPM"] = options["allow_pm"]
    if isinstance(options.get("max_occupants"), int) and options["max_occupants"] > 0:
        changes["maxUsers"] = options["max_occupants"]
    broadcast = options.get("presence_broadcast")
    if isinstance(broadcast, dict):
        changes["presenceBroadcast"] = tuple(role for role in ROLES if broadcast.get(role))
    return config.replace(**changes).toDict()


def _mapJID(text, domain):
    """
    @return: the bare JID C{text} with its domain replaced by C{domain}
        (if given).
    """
    jid = address.parseJID(text)
    return "%s@%s" % (jid.user, domain or jid.host)


def roomFromProsody(frozen, domain=None):
    """
    @param frozen: what Prosody stored of a room (C{config/ROOM.dat}).
    @param domain: the domain of the room's new JID; Prosody's if L{None}.
    @return: the room's data (L{mucservice.room.roomdata}), without hats.
    @raise errors.Error: it is no room, or one this service refuses.
    """
    if not isinstance(frozen, dict) or not isinstance(frozen.get("_data"), dict):
        raise errors.BadRequest("no room: no _data")
    options = frozen["_data"]
    roomJID = _mapJID(frozen.get("_jid") or frozen.get("jid"), domain)
    affiliations = frozen.get("_affiliations")
    if not isinstance(affiliations, dict):
        affiliations = {key: value for key, value in frozen.items() if key not in _ROOM_KEYS}
    extra = frozen.get("_affiliation_data") or {}
    entries = {}
    for userJID, affiliation in affiliations.items():
        data = extra.get(userJID) if isinstance(extra.get(userJID), dict) else {}
        nick = data.get("reserved_nickname")
        entries[address.parseJID(userJID).userhost()] = {
            "affiliation": affiliation, "data": {"nick": nick} if isinstance(nick, str) else {}}
    subjectFrom = options.get("subject_from") or ""
    return {"jid": roomJID, "config": _configFrom(options),
            "subject": str(options.get("subject") or ""),
            "subjectNick": subjectFrom.partition("/")[2] if options.get("subject") else "",
            "affiliations": entries}


def elementFrom(table, uri=NS_COMPONENT):
    """
    @param table: a stanza as Prosody stores it (C{st.preserialize}):
        C{name}, C{attr}, and its children, texts or such tables, in order.
    @param uri: the namespace in scope.
    @return: the L{domish.Element}; attributes of other namespaces but
        C{xml:lang} are left out.
    """
    attributes = dict(table.get("attr") or {})
    uri = attributes.pop("xmlns", uri)
    element = domish.Element((uri, table["name"]))
    for name, value in attributes.items():
        if name == "xml:lang":
            element[(NS_XML, "lang")] = value
        elif isinstance(value, str) and ":" not in name and "\x01" not in name:
            element[name] = value
    for child in sequence(table):
        if isinstance(child, str):
            element.addContent(child)
        elif isinstance(child, dict) and isinstance(child.get("name"), str):
            element.addChild(elementFrom(child, uri))
    return element


def _realJID(message):
    for x in message.elements(NS_MUC_USER, "x"):
        for item in x.elements(NS_MUC_USER, "item"):
            try:
                return address.parseJID(item.getAttribute("jid"))
            except errors.Error:
                return None
    return None


def _stamp(entry, message):
    text = message.getAttribute("stamp")
    if text:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
        except ValueError:
            pass
    return datetime.fromtimestamp(float(entry.get("when", 0)), timezone.utc)


def historyFrom(items, room, limit):
    """
    @param items: the entries of a room's archive (C{muc_log/ROOM.list}).
    @param room: the L{Room} they go into, whose salt makes occupant ids.
    @param limit: how many of the newest to keep.
    @return: the L{HistoryEntry}s of the groupchat messages of the
        archive that go into a history, oldest first.
    """
    entries = []
    for item in items:
        if not isinstance(item, dict) or item.get("name") != "message":
            continue
        message = elementFrom(item)
        if message.getAttribute("type") != "groupchat" or not goesToHistory(message):
            continue
        realJID = _realJID(message)
        entries.append(HistoryEntry(
            _stamp(item, message), (message.getAttribute("from") or "").partition("/")[2],
            realJID, childrenText(message, STRIPPED), item.get("key"),
            room.occupantID(realJID.userhostJID()) if realJID is not None else None,
            message.getAttribute("id"), message.getAttribute((NS_XML, "lang"))))
    return entries[-limit:] if limit else []


def mucHosts(path):
    """
    @param path: a Prosody data directory, or the folder of one of its
        hosts.
    @return: the folders of its hosts that keep rooms (with C{config/}),
        host name to folder.
    """
    candidates = [path] + [os.path.join(path, name) for name in sorted(os.listdir(path))]
    return {unquote(os.path.basename(folder.rstrip(os.sep))): folder for folder in candidates
            if os.path.isdir(os.path.join(folder, "config"))}


def _archive(hostFolder, node):
    for store in _ARCHIVES:
        folder = os.path.join(hostFolder, store)
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if name.endswith(".list") and unquote(name[:-len(".list")]) == node:
                    with open(os.path.join(folder, name), "rb") as f:
                        return readList(f.read(), os.path.join(folder, name))
    return []


def readRooms(hostFolder, domain=None, history=True):
    """
    Read every persistent room of a MUC host's folder.

    @return: C{(data, history, None)} for each room read, and
        C{(None, None, why)} for each file that could not be, by file name.
    """
    config = os.path.join(hostFolder, "config")
    for name in sorted(os.listdir(config)):
        if not name.endswith(".dat"):
            continue
        path = os.path.join(config, name)
        try:
            with open(path, "rb") as f:
                frozen = readDat(f.read(), path)
            if not (isinstance(frozen, dict) and isinstance(frozen.get("_data"), dict)
                    and frozen["_data"].get("persistent")):
                continue
            data = roomFromProsody(frozen, domain)
            imported = readRoomData(data)
            checkRoomData(imported)
            room = Room(imported.record.jid, imported.config, salt=None)
            data["salt"] = room.salt
            entries = []
            if history:
                node = unquote(name[:-len(".dat")])
                entries = historyFrom(_archive(hostFolder, node), room,
                                      imported.config.historyLength)
            yield data, entries, None
        except (LuaDataError, errors.Error, OSError) as e:
            yield None, None, "%s: %s" % (path, getattr(e, "text", None) or e)


def addImportCommand(commands):
    """
    Add C{import-prosody} to the subcommands of C{mucservice-admin}.
    """
    parser = commands.add_parser(
        "import-prosody", help="import the persistent rooms of a Prosody data directory",
        description="Write the persistent rooms of Prosody (internal storage) into the "
                    "database of a stopped mucservice.")
    parser.add_argument("path", metavar="PATH",
                        help="Prosody's data directory (e.g. /var/lib/prosody)")
    parser.add_argument("--db", required=True, help="mucservice's --db, e.g. sqlite:PATH")
    parser.add_argument("--domain", help="the service's JID: the rooms' new domain "
                                         "[default: Prosody's MUC host]")
    parser.add_argument("--muc-host", help="which MUC host of PATH, if it has several")
    parser.add_argument("--room-store", default=registry.serviceFor("room-store").default,
                        help="mucservice's --room-store [default: %(default)s]")
    parser.add_argument("--replace", action="store_true",
                        help="replace rooms the database has already")
    parser.add_argument("--no-history", action="store_true",
                        help="leave the archives: import no history")


def _hostFolder(options):
    hosts = mucHosts(options.path)
    if options.muc_host:
        if options.muc_host not in hosts:
            raise OSError("%s keeps no rooms of %s" % (options.path, options.muc_host))
        return options.muc_host, hosts[options.muc_host]
    if len(hosts) != 1:
        raise OSError("%s keeps rooms of %s: choose one with --muc-host" % (
            options.path, ", ".join(sorted(hosts)) or "no host"))
    return next(iter(hosts.items()))


@defer.inlineCallbacks
def runImport(reactor, options, out):
    """
    Import the rooms, and print what was done as JSON: one object per room
    (C{room}, C{from}, C{affiliations}, C{history}, C{status}).
    """
    host, folder = _hostFolder(options)
    domain = options.domain or host
    tap.checkDatabase(options.db)
    service = registry.serviceFor("room-store")
    context = registry.ProviderContext(reactor, address.parseJID(domain), options.db, {})
    store = registry.makeProvider(service, options.room_store, context)
    if hasattr(store, "startService"):
        store.startService()
    report = []
    try:
        existing = {record.jid.full() for record in (yield store.loadRooms())}
        for data, history, why in readRooms(folder, domain, not options.no_history):
            if data is None:
                report.append({"status": "not read: " + why})
                continue
            row = {"room": data["jid"], "affiliations": len(data["affiliations"]),
                   "history": len(history)}
            report.append(row)
            if data["jid"] in existing and not options.replace:
                row["status"] = "skipped: the database has it (--replace replaces it)"
                continue
            yield writeRoom(store, data, history, data["jid"] in existing)
            row["status"] = "imported"
    finally:
        if hasattr(store, "stopService"):
            yield store.stopService()
    json.dump(report, out, indent=2, sort_keys=True, ensure_ascii=False)
    out.write("\n")
    if any(not row["status"].startswith(("imported", "skipped")) for row in report):
        raise errors.BadRequest("some rooms could not be read")


@defer.inlineCallbacks
def writeRoom(store, data, history, replace=False):
    """
    Write a room and its history through the room store.
    """
    imported = readRoomData(data).record
    if replace:
        yield store.deleteRoom(imported.jid)
    yield store.saveRoom(imported.jid, imported.config, imported.affiliations)
    if imported.subject:
        yield store.setSubject(imported.jid, imported.subject, imported.subjectNick)
    limit = RoomConfig.fromDict(imported.config).historyLength
    for entry in history:
        yield store.appendHistory(imported.jid, entry, limit)
