"""
A room as plain, JSON-able data: what a service administrator exports and
imports (L{mucservice.room.serviceadmin}), and what the migration from
Prosody makes of Prosody's rooms (L{mucservice.admin.prosody}).

The data of a room is a L{dict}::

    {"version": 1,
     "jid": "lobby@muc.example.org",
     "config": {"muc#roomconfig_roomname": "Lobby", ...},
     "salt": "...",
     "subject": "Welcome", "subjectNick": "olivia",
     "affiliations": {"olivia@example.org": {"affiliation": "owner",
                                             "data": {"nick": "olivia"}}},
     "hats": {"olivia@example.org": {"urn:example:hats:host":
                                     {"title": "Host", "active": true}}}}

C{config} is the dictionary of L{RoomConfig.toDict
<mucservice.room.config.RoomConfig.toDict>}; keys it lacks take the
service's defaults. C{salt} (what makes the room's occupant ids) and
C{hats} may be left out, and so may C{subject}, C{subjectNick} and
C{affiliations}. The history is not part of it.
"""

import dataclasses
import re
from dataclasses import dataclass, field

from mucservice import address, errors
from mucservice.records import AFFILIATIONS, Affiliation, RoomRecord
from mucservice.room import nicks, roles
from mucservice.room.config import RoomConfig

#: The version of the data this module writes and reads.
VERSION = 1

# RFC 3986: a scheme, a colon, then no whitespace.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")


@dataclass
class RoomData:
    """
    A room read from its data and checked.

    @ivar record: the L{RoomRecord}, with the configuration as the store
        keeps it (persistent) and the salt in it, if given.
    @ivar config: the configuration, a L{RoomConfig}.
    @ivar hats: bare JID to the user's hats (hat URI to attachment).
    """

    record: RoomRecord
    config: RoomConfig
    hats: dict = field(default_factory=dict)


def roomData(room, hats=None):
    """
    @param room: a L{Room<mucservice.room.room.Room>}.
    @param hats: bare JID to the user's hats, as from L{IHatStore.getRoomHats
        <mucservice.interfaces.IHatStore.getRoomHats>}; the room's own cache
        if L{None}.
    @return: the data of C{room}.
    """
    worn = room.hats if hats is None else hats
    return {
        "version": VERSION,
        "jid": room.jid.full(),
        "config": room.config.toDict(),
        "salt": room.salt,
        "subject": room.subject or "",
        "subjectNick": room.subjectNick or "",
        "affiliations": {userJID.full(): {"affiliation": entry.affiliation,
                                          "data": dict(entry.data)}
                         for userJID, entry in sorted(room.affiliations.items(),
                                                      key=lambda item: item[0].full())},
        "hats": {userJID.full(): {uri: dict(attachment) for uri, attachment in userHats.items()}
                 for userJID, userHats in sorted(worn.items(), key=lambda item: item[0].full())
                 if userHats},
    }


def _mapping(data, key):
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise errors.BadRequest("%s must be an object" % (key,))
    return value


def _text(data, key):
    value = data.get(key, "")
    if not isinstance(value, str):
        raise errors.BadRequest("%s must be a string" % (key,))
    return value


def _bareJID(text, what, needsUser=True):
    """
    @param needsUser: whether the JID must have a local part (a room's
        does; an affiliation may name a whole server).
    @raise errors.BadRequest: C{text} is no bare JID (with a local part if
        C{needsUser}).
    """
    try:
        jid = address.parseJID(text) if isinstance(text, str) else None
    except errors.JIDMalformed as e:
        raise errors.BadRequest("%s: not an address: %r (%s)" % (what, text, e.text))
    if jid is None or (needsUser and not jid.user) or jid.resource:
        raise errors.BadRequest("%s must be a bare address%s: %r"
                                % (what, " user@domain" if needsUser else "", text))
    return jid


def _affiliation(userJID, entry):
    """
    @return: the L{Affiliation} of an entry of C{affiliations}.
    @raise errors.BadRequest: it is not one.
    """
    if not isinstance(entry, dict) or entry.get("affiliation") not in AFFILIATIONS:
        raise errors.BadRequest("the affiliation of %s must be one of %s"
                                % (userJID.full(), ", ".join(AFFILIATIONS)))
    data = _mapping(entry, "data")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise errors.BadRequest("the data of %s must map strings to strings" % (userJID.full(),))
    data = dict(data)
    if data.get("nick"):
        data["nick"] = nicks.storedNick(data["nick"])
    return Affiliation(entry["affiliation"], data)


def _hats(worn, affiliations):
    """
    @return: the hats of C{worn}, bare JID to hat URI to attachment, each
        user one that may wear hats.
    @raise errors.BadRequest: they are not hats, or a user may not wear
        them.
    """
    result = {}
    for text, userHats in worn.items():
        userJID = _bareJID(text, "a hat wearer", needsUser=False)
        entry = affiliations.get(userJID)
        if entry is None or entry.affiliation not in roles.AFFILIATED:
            raise errors.BadRequest("%s wears hats but is no member, admin or owner"
                                    % (userJID.full(),))
        if not isinstance(userHats, dict):
            raise errors.BadRequest("the hats of %s must map URIs to attachments"
                                    % (userJID.full(),))
        result[userJID] = {uri: _attachment(uri, attachment)
                           for uri, attachment in userHats.items()}
    return result


def _attachment(uri, attachment):
    """
    @return: a copy of the attachment of the hat C{uri}.
    @raise errors.BadRequest: C{uri} is no URI, or the attachment no
        attachment (C{title} a string, C{active} and C{required} booleans).
    """
    if not isinstance(uri, str) or not _URI.match(uri):
        raise errors.BadRequest("a hat must be named by a URI, not %r" % (uri,))
    if not isinstance(attachment, dict) or not isinstance(attachment.get("title", ""), str) or \
            not all(isinstance(attachment.get(flag, False), bool)
                    for flag in ("active", "required")):
        raise errors.BadRequest("the hat %s needs a title (a string) and booleans active "
                                "and required" % (uri,))
    return dict(attachment)


def _checkTypes(config):
    """
    @raise errors.BadRequest: an option that is a yes or no, or a text, is
        given as something else (L{RoomConfig.validate} checks the rest).
    """
    for option in dataclasses.fields(RoomConfig):
        value = getattr(config, option.name)
        for kind in (bool, str):
            if isinstance(option.default, kind) and not isinstance(value, kind):
                raise errors.BadRequest("%s must be a %s, not %r" % (
                    option.name, "boolean" if kind is bool else "string", value))


def readRoomData(data, defaults=None):
    """
    Read and check the data of a room. The room is made persistent: it is
    to be stored.

    @param data: as described in this module's docstring.
    @param defaults: the L{RoomConfig} whose values the keys C{config}
        lacks take; the class defaults if L{None}.
    @return: a L{RoomData}.
    @raise errors.BadRequest: the data is not that of a room, or a value
        is impossible.
    @raise errors.NotAcceptable: the room would need a password it lacks.
    @raise errors.Conflict: two users reserved one nick.
    @raise errors.JIDMalformed: a reserved nick is no valid nick.
    """
    if not isinstance(data, dict):
        raise errors.BadRequest("the data of a room must be an object")
    if data.get("version", VERSION) != VERSION:
        raise errors.BadRequest("room data of version %r; this service reads version %d"
                                % (data.get("version"), VERSION))
    roomJID = _bareJID(data.get("jid"), "the room's jid")
    try:
        config = RoomConfig.fromDict(_mapping(data, "config"), defaults)
        config = config.replace(persistent=True)
        _checkTypes(config)
        config.validate()
    except (TypeError, ValueError) as e:
        raise errors.BadRequest("the configuration cannot be read: %s" % (e,))
    affiliations = nicks.Affiliations()
    for text, entry in _mapping(data, "affiliations").items():
        userJID = _bareJID(text, "an affiliated user", needsUser=False)
        if userJID in affiliations:
            raise errors.BadRequest("%s is affiliated twice" % (userJID.full(),))
        affiliation = _affiliation(userJID, entry)
        if affiliation.affiliation == roles.NONE and not affiliation.data:
            continue
        nick = affiliation.data.get("nick")
        if nick and affiliations.reserver(nick) is not None:
            raise errors.Conflict("two users reserved the nick %r" % (nick,))
        affiliations[userJID] = affiliation
    stored = config.toDict()
    salt = data.get("salt")
    if salt is not None:
        if not isinstance(salt, str) or not salt:
            raise errors.BadRequest("salt must be a string")
        stored["salt"] = salt
    record = RoomRecord(roomJID, stored, _text(data, "subject"), _text(data, "subjectNick"),
                        dict(affiliations))
    return RoomData(record, config, _hats(_mapping(data, "hats"), affiliations))
