"""
A room's configuration, as plain data.

L{RoomConfig} holds the settings an owner changes through the
C{muc#roomconfig} form (XEP-0045 section 10.2). It knows nothing of XML:
L{mucservice.xmpp.forms} turns it into data forms and back, and the room
store keeps it as the dictionary of L{RoomConfig.toDict}.

The defaults follow those of Prosody 0.12's MUC, so that rooms behave as
users of that server expect.
"""

import dataclasses
from dataclasses import dataclass
from typing import Optional, Tuple

from mucservice import errors

MAX_HISTORY_LENGTH = 200
"""The longest discussion history a room may keep, in messages."""

WHOIS = ("moderators", "anyone")
"""Who may discover occupants' real JIDs."""

ALLOW_PM = ("anyone", "participants", "moderators", "none")
"""Who may send private messages to other occupants."""

ROLES = ("moderator", "participant", "visitor")
"""The roles that L{RoomConfig.presenceBroadcast} and L{RoomConfig.getMemberList} name."""

OFFLINE_DELIVERY_FIELD = "mucservice#roomconfig_offlinedelivery"
"""The field of L{RoomConfig.offlineDelivery}: not a registered C{muc#roomconfig} one."""

MAX_USERS_PRESENCE_FIELD = "mucservice#roomconfig_maxuserspresence"
"""The field of L{RoomConfig.maxUsersPresence}: an option of this service's own."""

DEFAULT_MAX_USERS_PRESENCE = 1000
"""The presence cap of rooms, unless the service or the room says otherwise."""

FIELD_NAMES = {
    "name": "muc#roomconfig_roomname",
    "description": "muc#roomconfig_roomdesc",
    "language": "muc#roomconfig_lang",
    "persistent": "muc#roomconfig_persistentroom",
    "public": "muc#roomconfig_publicroom",
    "membersOnly": "muc#roomconfig_membersonly",
    "moderated": "muc#roomconfig_moderatedroom",
    "passwordProtected": "muc#roomconfig_passwordprotectedroom",
    "password": "muc#roomconfig_roomsecret",
    "whois": "muc#roomconfig_whois",
    "maxUsers": "muc#roomconfig_maxusers",
    "allowPM": "muc#roomconfig_allowpm",
    "changeSubject": "muc#roomconfig_changesubject",
    "allowInvites": "muc#roomconfig_allowinvites",
    "presenceBroadcast": "muc#roomconfig_presencebroadcast",
    "getMemberList": "muc#roomconfig_getmemberlist",
    "historyLength": "muc#roomconfig_historylength",
    "logging": "muc#roomconfig_enablelogging",
    "registeredNicksOnly": "muc#roomconfig_registerednicksonly",
    "offlineDelivery": OFFLINE_DELIVERY_FIELD,
    "archiving": "muc#roomconfig_enablearchiving",
    "maxUsersPresence": MAX_USERS_PRESENCE_FIELD,
}
"""
Attribute of L{RoomConfig} to the C{muc#roomconfig} field name that carries
it, both in the configuration form and in the dictionary of
L{RoomConfig.toDict}. Options of this service's own have names outside the
C{muc#roomconfig_} prefix, which is the XMPP Registrar's.
"""

_TUPLES = ("presenceBroadcast", "getMemberList")

#: The words of an XML Schema boolean (XEP-0004), and those a person may
#: also type on a command line.
_WORDS = {True: frozenset(["1", "true"]), False: frozenset(["0", "false"])}
_SPOKEN = {True: frozenset(["yes", "on"]), False: frozenset(["no", "off"])}


def parseBoolean(text, spoken=False):
    """
    The one reader of yes/no values, wherever they come from: data forms
    and registration data kept with an affiliation take the XML Schema
    booleans of XEP-0004 (C{1}/C{true}, C{0}/C{false}); command-line options
    also C{yes}/C{on} and C{no}/C{off}. Case and surrounding space do not
    matter.

    @param text: the value, as L{str}.
    @param spoken: whether the words of a person are taken too.
    @return: L{True} or L{False}.
    @raise ValueError: C{text} is none of those.
    """
    value = text.strip().lower()
    for result in (True, False):
        if value in _WORDS[result] or (spoken and value in _SPOKEN[result]):
            return result
    raise ValueError("not a boolean: %r" % (text,))


@dataclass
class RoomConfig:
    """
    The configuration of one room.

    Instances are not checked when made; call L{validate} before using
    values that come from outside.

    @ivar name: the room's natural-language name, or C{""}.
    @ivar description: a short description of the room, or C{""}.
    @ivar language: the language of the discussion (a language tag), or
        C{""}.
    @ivar persistent: whether the room outlives its last occupant.
    @ivar public: whether the room is listed in service discovery.
    @ivar membersOnly: whether only members (and above) may enter.
    @ivar moderated: whether visitors need voice to speak.
    @ivar passwordProtected: whether entering needs L{password}.
    @ivar password: the room password; only checked if
        L{passwordProtected}.
    @ivar whois: who may see occupants' real JIDs: one of L{WHOIS}.
    @ivar maxUsers: the most occupants the room admits, an L{int} of at
        least 1, or L{None} for no limit.
    @ivar allowPM: who may send private messages: one of L{ALLOW_PM}.
    @ivar changeSubject: whether participants may change the subject
        (moderators always may).
    @ivar allowInvites: whether participants may invite others to a
        members-only room.
    @ivar presenceBroadcast: the roles whose presence is broadcast to
        the room, a L{tuple} of L{ROLES}.
    @ivar getMemberList: the roles that may retrieve the member list, a
        L{tuple} of L{ROLES}.
    @ivar historyLength: how many messages of discussion history the room
        keeps, from 0 to L{MAX_HISTORY_LENGTH}.
    @ivar logging: whether the room is logged publicly (status code 170).
    @ivar registeredNicksOnly: whether members must use the nick they
        registered with the room.
    @ivar offlineDelivery: whether members who asked for it at
        registration receive the room's messages while absent (see
        L{mucservice.room.offline}); the service's default comes from
        C{--offline-delivery-default}.
    @ivar archiving: whether the room keeps an archive of its messages that
        those who may read it query (XEP-0313): a persistent room keeps
        every message in the room store until it expires, a temporary room
        its history; the room's history is the newest of them either way.
    @ivar maxUsersPresence: the presence cap: above this many occupants,
        the presence of participants and visitors goes to the moderators
        only (see L{mucservice.room.audience}); an L{int} of 0 or more, or
        L{None} for no cap. Unlike Prosody, whose rooms have no such cap,
        rooms have one of L{DEFAULT_MAX_USERS_PRESENCE} by default; the
        service's default comes from C{--max-users-presence}.
    """

    name: str = ""
    description: str = ""
    language: str = ""
    persistent: bool = False
    public: bool = True
    membersOnly: bool = False
    moderated: bool = False
    passwordProtected: bool = False
    password: str = ""
    whois: str = "moderators"
    maxUsers: Optional[int] = None
    allowPM: str = "anyone"
    changeSubject: bool = False
    allowInvites: bool = False
    presenceBroadcast: Tuple[str, ...] = ("moderator", "participant", "visitor")
    getMemberList: Tuple[str, ...] = ("moderator", "participant")
    historyLength: int = 20
    logging: bool = False
    registeredNicksOnly: bool = False
    offlineDelivery: bool = True
    archiving: bool = True
    maxUsersPresence: Optional[int] = DEFAULT_MAX_USERS_PRESENCE

    def toDict(self):
        """
        Give the configuration as the room store keeps it.

        @return: a L{dict} of C{muc#roomconfig} field names (see
            L{FIELD_NAMES}) to JSON-able values: the tuples become lists,
            L{maxUsers} stays L{None} when there is no limit.
        """
        result = {}
        for attribute, fieldName in FIELD_NAMES.items():
            value = getattr(self, attribute)
            if attribute in _TUPLES:
                value = list(value)
            result[fieldName] = value
        return result

    @classmethod
    def fromDict(cls, data, defaults=None):
        """
        Make a configuration from what L{toDict} gave.

        Unknown keys are ignored and missing ones take their default, so
        that rooms stored by older or newer versions still load. The values
        are not checked (a stored room must load even if the rules have
        become stricter since); call L{validate} for that.

        @param data: a L{dict} of C{muc#roomconfig} field names to values.
        @param defaults: the L{RoomConfig} whose values the missing keys
            take (e.g. the service's defaults); the class defaults if
            L{None}.
        @return: a new L{RoomConfig}.
        """
        kwargs = dataclasses.asdict(defaults) if defaults is not None else {}
        for attribute, fieldName in FIELD_NAMES.items():
            if fieldName in data:
                value = data[fieldName]
                if attribute in _TUPLES:
                    value = tuple(value)
                kwargs[attribute] = value
        return cls(**kwargs)

    def replace(self, **changes):
        """
        Copy this configuration, changing some attributes.

        @param changes: attribute names to their new values.
        @return: a new L{RoomConfig}; this one is left as it is.
        """
        return dataclasses.replace(self, **changes)

    def validate(self):
        """
        Check that the values make sense together.

        @raise errors.BadRequest: a value is impossible (unknown choice,
            unknown role, number out of range).
        @raise errors.NotAcceptable: the room is password-protected but has
            no password.
        """
        if self.whois not in WHOIS:
            raise errors.BadRequest(
                "whois must be one of %s, not %r" % (", ".join(WHOIS), self.whois))
        if self.allowPM not in ALLOW_PM:
            raise errors.BadRequest(
                "allowPM must be one of %s, not %r" % (", ".join(ALLOW_PM), self.allowPM))
        for attribute in _TUPLES:
            for role in getattr(self, attribute):
                if role not in ROLES:
                    raise errors.BadRequest(
                        "%s names an unknown role: %r" % (attribute, role))
        if not _isInt(self.historyLength) or not (
                0 <= self.historyLength <= MAX_HISTORY_LENGTH):
            raise errors.BadRequest(
                "historyLength must be a whole number from 0 to %d, not %r"
                % (MAX_HISTORY_LENGTH, self.historyLength))
        if self.maxUsers is not None and (not _isInt(self.maxUsers) or self.maxUsers < 1):
            raise errors.BadRequest(
                "maxUsers must be at least 1 (or None for no limit), not %r"
                % (self.maxUsers,))
        if self.maxUsersPresence is not None and (not _isInt(self.maxUsersPresence)
                                                  or self.maxUsersPresence < 0):
            raise errors.BadRequest(
                "maxUsersPresence must be 0 or more (or None for no cap), not %r"
                % (self.maxUsersPresence,))
        if self.passwordProtected and not self.password:
            raise errors.NotAcceptable("a password-protected room needs a password")


def _isInt(value):
    """
    @return: whether C{value} is an L{int} proper (L{bool} is not one here).
    """
    return isinstance(value, int) and not isinstance(value, bool)
