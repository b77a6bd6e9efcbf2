"""
The data forms (XEP-0004) of the MUC protocol (XEP-0045).

Builders return L{wokkel.data_form.Form}s, ready for C{toElement()}.
Parsers take the domish element a client sent (the C{<x
xmlns='jabber:x:data'/>} itself or the element that carries it) and raise
domain errors (L{mucservice.errors}) that name the faulty field; they read
submitted values by what each field means here, not by the field type the
client put on it, which XEP-0004 lets it leave out.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

from wokkel import data_form

from mucservice import address, errors
from mucservice.room.config import (
    ALLOW_PM,
    FIELD_NAMES,
    MAX_HISTORY_LENGTH,
    ROLES,
    WHOIS,
    parseBoolean,
)
from mucservice.xmpp.namespaces import NS_REGISTER, NS_REQUEST, NS_ROOMCONFIG, NS_ROOMINFO

FIELD_ADMINS = "muc#roomconfig_roomadmins"
FIELD_OWNERS = "muc#roomconfig_roomowners"
FIELD_ROOMNICK = "muc#register_roomnick"

MAX_USERS_OPTIONS = (10, 20, 30, 50, 100, 500, 1000)
"""The room sizes the configuration form offers, besides C{"none"} (no limit)."""

# The labels of the options of WHOIS, ALLOW_PM and ROLES.
_OPTION_LABELS = {"moderators": "Moderators only", "anyone": "Anyone",
                  "participants": "Anyone with voice", "none": "Nobody",
                  "moderator": "Moderators", "participant": "Participants",
                  "visitor": "Visitors"}

# RoomConfig attribute, field type, label, the values offered (lists but maxUsers).
_CONFIG_FIELDS = (
    ("name", "text-single", "Room name", None),
    ("description", "text-single", "Room description", None),
    ("language", "text-single", "Language of the discussion", None),
    ("persistent", "boolean", "Keep the room when the last occupant leaves", None),
    ("public", "boolean", "List the room in the public directory", None),
    ("membersOnly", "boolean", "Only members may enter", None),
    ("moderated", "boolean", "Only occupants with voice may speak", None),
    ("passwordProtected", "boolean", "Entering needs a password", None),
    ("password", "text-private", "Password", None),
    ("whois", "list-single", "Who may see occupants' real addresses", WHOIS),
    ("maxUsers", "list-single", "Maximum number of occupants", None),
    ("allowPM", "list-single", "Who may send private messages", ALLOW_PM),
    ("changeSubject", "boolean", "Participants may change the subject", None),
    ("allowInvites", "boolean", "Participants may invite others", None),
    ("presenceBroadcast", "list-multi", "Roles whose presence is broadcast", ROLES),
    ("getMemberList", "list-multi", "Roles that may retrieve the member list", ROLES),
    ("historyLength", "text-single", "Number of messages of discussion history", None),
    ("logging", "boolean", "Log the discussion publicly", None),
    ("registeredNicksOnly", "boolean", "Members must use their registered nick", None),
    ("offlineDelivery", "boolean",
     "Members who asked for it at registration receive messages while absent", None),
    ("archiving", "boolean", "Archive the messages for those who may read them", None),
    ("maxUsersPresence", "text-single",
     "Above this many occupants, only moderators see participants come and go", None),
)

#: The descriptions of the fields that have one.
_DESCRIPTIONS = {
    "historyLength": "From 0 to %d." % (MAX_HISTORY_LENGTH,),
    "maxUsersPresence": "A whole number, or none for no cap. Moderators, and the joins and "
                        "leaves of moderators, are always seen.",
}


# Finding a form.


def _parseForm(element):
    """
    Parse a C{jabber:x:data} element, also taking a C{FORM_TYPE} that has
    no C{type='hidden'} (clients leave the type out of submitted forms, as
    the examples of XEP-0045 do).
    """
    try:
        form = data_form.Form.fromElement(element)
    except data_form.Error as e:
        raise errors.BadRequest("malformed data form: %s" % (e,))
    field = form.fields.get("FORM_TYPE")
    if form.formNamespace is None and field is not None:
        form.formNamespace = field.value or None
        form.removeField(field)
    return form


def formFrom(element, formType, requireType=False):
    """
    Find and parse a data form.

    Missing C{FORM_TYPE}s are tolerated unless C{requireType} is set: XEP-0045
    itself makes an instant room with a bare C{<x type='submit'/>}.

    @param element: the C{<x xmlns='jabber:x:data'/>} element itself, or an
        element with one or more of them as children.
    @param formType: the C{FORM_TYPE} wanted, e.g. L{NS_ROOMCONFIG}.
    @param requireType: whether a form without C{FORM_TYPE} is refused.
    @return: the L{data_form.Form} with that C{FORM_TYPE}, else one with
        none (if allowed). Its C{formType} (C{"submit"}, C{"cancel"}, ...) is
        not checked.
    @raise errors.BadRequest: there is no data form, or none of that type.
    """
    candidates = [child for child in [element] + list(element.elements())
                  if (child.uri, child.name) == (data_form.NS_X_DATA, "x")]
    if not candidates:
        raise errors.BadRequest("a data form is required")
    forms = [_parseForm(candidate) for candidate in candidates]
    for wanted in (formType, None):
        for form in forms:
            if form.formNamespace == wanted and (wanted or not requireType):
                return form
    others = [form.formNamespace for form in forms if form.formNamespace]
    if others:
        raise errors.BadRequest("expected a %s form, not %s" % (formType, others[0]))
    raise errors.BadRequest("the data form needs the FORM_TYPE %s" % (formType,))


def _submitted(element, formType, requireType=False):
    form = formFrom(element, formType, requireType)
    if form.formType != "submit":
        raise errors.BadRequest("expected a submitted form, not one of type %r"
                                % (form.formType,))
    return form


# Reading submitted values.


def _single(field):
    """The one value of a single-valued field, C{""} if it has none."""
    if len(field.values) > 1:
        raise errors.BadRequest("%s takes a single value" % (field.var,))
    return field.values[0] if field.values else ""


def readBoolean(var, text):
    """
    A submitted boolean: XEP-0004 gives false as a boolean field's default,
    so an empty value is false.

    @param var: the field's name, for the error.
    @raise errors.BadRequest: C{text} is no boolean.
    """
    if not text.strip():
        return False
    try:
        return parseBoolean(text)
    except ValueError:
        raise errors.BadRequest("%s is not a boolean: %r" % (var, text))


def _boolean(field):
    return readBoolean(field.var, _single(field))


def _choice(field, options):
    value = _single(field)
    if value not in options:
        raise errors.BadRequest("%s does not offer %r" % (field.var, value))
    return value


def _choices(field, options):
    for value in field.values:
        if value not in options:
            raise errors.BadRequest("%s does not offer %r" % (field.var, value))
    return tuple(option for option in options if option in field.values)


def _integer(field):
    value = _single(field).strip()
    try:
        return int(value)
    except ValueError:
        raise errors.BadRequest("%s is not a whole number: %r" % (field.var, value))


def _maxUsers(field):
    # Any number is taken, not only those offered: the form also offers the
    # current value, and a limit set otherwise must survive a resubmission.
    # The presence cap is read the same way.
    if _single(field).strip().lower() in ("", "none"):
        return None
    return _integer(field)


def _bareJIDs(field):
    """The L{set} of bare JIDs of a C{jid-multi} field; L{None} for no field."""
    if field is None:
        return None
    result = set()
    for value in filter(None, (value.strip() for value in field.values)):
        try:
            result.add(address.parseJID(value).userhostJID())
        except errors.JIDMalformed as e:
            raise errors.BadRequest("%s: not a JID: %r (%s)" % (field.var, value, e.text))
    return result


def _readConfigField(attribute, fieldType, offered, field):
    if attribute in ("maxUsers", "historyLength", "maxUsersPresence"):
        return (_integer if attribute == "historyLength" else _maxUsers)(field)
    if fieldType in ("list-single", "list-multi"):
        return (_choice if fieldType == "list-single" else _choices)(field, offered)
    return _boolean(field) if fieldType == "boolean" else _single(field)


# The room configuration form (XEP-0045 section 10.2).


def _maxUsersOptions(current):
    sizes = set(MAX_USERS_OPTIONS)
    if current is not None:
        sizes.add(current)
    options = [data_form.Option(str(size), str(size)) for size in sorted(sizes)]
    options.append(data_form.Option("none", "No limit"))
    return options


def _formValue(attribute, fieldType, value):
    if attribute in ("maxUsers", "maxUsersPresence"):
        return {"value": "none" if value is None else str(value)}
    if fieldType == "list-multi":
        return {"values": list(value)}
    if attribute == "historyLength":
        return {"value": str(value)}
    return {"value": value}


def _jidField(var, label, jids):
    values = sorted((j.userhostJID() for j in jids), key=lambda j: j.full())
    return data_form.Field("jid-multi", var, values=values, label=label)


def configForm(config, admins, owners):
    """
    Build the room configuration form an owner fills in.

    @param config: the room's current L{RoomConfig
        <mucservice.room.config.RoomConfig>}, giving the values.
    @param admins: the bare JIDs of the room's admins, or L{None} to leave
        their field out.
    @param owners: the bare JIDs of the room's owners, or L{None} to leave
        their field out.
    @return: a L{data_form.Form} of type C{"form"} with the C{FORM_TYPE}
        L{NS_ROOMCONFIG}.
    """
    form = data_form.Form("form", title="Room configuration", formNamespace=NS_ROOMCONFIG)
    for attribute, fieldType, label, offered in _CONFIG_FIELDS:
        if attribute == "maxUsers":
            options = _maxUsersOptions(config.maxUsers)
        elif offered is not None:
            options = [data_form.Option(value, _OPTION_LABELS[value]) for value in offered]
        else:
            options = None
        form.addField(data_form.Field(
            fieldType, FIELD_NAMES[attribute], label=label, options=options,
            desc=_DESCRIPTIONS.get(attribute),
            **_formValue(attribute, fieldType, getattr(config, attribute))))
    for var, label, jids in ((FIELD_ADMINS, "Room admins", admins),
                             (FIELD_OWNERS, "Room owners", owners)):
        if jids is not None:
            form.addField(_jidField(var, label, jids))
    return form


def parseConfigForm(element, current):
    """
    Read a submitted room configuration form.

    Fields that are not submitted keep their current value: clients often
    submit only what changed, and an empty C{<x type='submit'/>} accepts the
    current configuration (an instant room). Unknown fields are ignored.

    A form of type C{"cancel"} is the caller's to recognize first (it
    leaves the configuration as it is, or destroys a room still locked for
    creation); this function refuses anything but C{"submit"}.

    @param element: the submitted C{<x xmlns='jabber:x:data'/>} (or the
        C{<query/>} that carries it).
    @param current: the room's current L{RoomConfig
        <mucservice.room.config.RoomConfig>}.
    @return: C{(newConfig, admins, owners)}: the validated new
        configuration and the L{set}s of bare JIDs of the submitted
        C{muc#roomconfig_roomadmins} and C{muc#roomconfig_roomowners}, each
        L{None} if that field was not submitted.
    @raise errors.BadRequest: the form is of another C{FORM_TYPE} or not
        submitted, or a value cannot be read or is impossible.
    @raise errors.NotAcceptable: the room would be password-protected
        without a password.
    """
    form = _submitted(element, NS_ROOMCONFIG)
    changes = {}
    for attribute, fieldType, _label, offered in _CONFIG_FIELDS:
        field = form.fields.get(FIELD_NAMES[attribute])
        if field is not None:
            changes[attribute] = _readConfigField(attribute, fieldType, offered, field)
    if "password" in changes and "passwordProtected" not in changes:
        # Setting a password alone turns protection on, as Prosody does;
        # clearing it alone turns protection off (our choice, for symmetry).
        changes["passwordProtected"] = bool(changes["password"])
    newConfig = current.replace(**changes)
    newConfig.validate()
    admins = _bareJIDs(form.fields.get(FIELD_ADMINS))
    owners = _bareJIDs(form.fields.get(FIELD_OWNERS))
    return newConfig, admins, owners


# Extended room information (XEP-0045 section 15.5.4).


def roomInfoForm(config, occupantCount, subject, contacts):
    """
    Build the C{muc#roominfo} form that extends a room's disco#info.

    It carries the registered C{muc#roominfo_} fields description,
    occupants, subject, lang and contactjid, and whether participants may
    change the subject, under both the registered name
    C{muc#roominfo_subjectmod} and C{muc#roomconfig_changesubject}, which
    some clients read instead; and, as Prosody's rooms do, the room's name
    (C{muc#roomconfig_roomname}) and whether its occupants may invite
    others (C{muc#roomconfig_allowinvites}, the name the registry gives
    it for this form): in an open room anyone in it may, in a
    members-only room its admins, and everyone with voice if the room
    allows it. A room with a presence cap gives it too (the field of its
    configuration form): a client learns there that it will not see every
    participant come and go.

    @param config: the room's L{RoomConfig
        <mucservice.room.config.RoomConfig>}.
    @param occupantCount: how many occupants are in the room.
    @param subject: the room's current subject, or C{""}; L{None} leaves
        its field out.
    @param contacts: the bare JIDs to give as contacts (normally the
        owners); L{None} leaves their field out.
    @return: a L{data_form.Form} of type C{"result"} with the C{FORM_TYPE}
        L{NS_ROOMINFO}.
    """
    form = data_form.Form("result", formNamespace=NS_ROOMINFO)
    form.addField(data_form.Field("text-single", "muc#roomconfig_roomname",
                                  value=config.name or None, label="Name"))
    for var, label, value in (("description", "Description", config.description),
                              ("occupants", "Number of occupants", str(occupantCount)),
                              ("subject", "Subject", subject),
                              ("lang", "Language", config.language)):
        if value is not None:
            form.addField(data_form.Field("text-single", "muc#roominfo_" + var,
                                          value=value, label=label))
    if contacts is not None:
        form.addField(_jidField("muc#roominfo_contactjid", "Contact addresses", contacts))
    for var in ("muc#roominfo_subjectmod", "muc#roomconfig_changesubject"):
        form.addField(data_form.Field("boolean", var, value=config.changeSubject,
                                      label="Participants may change the subject"))
    form.addField(data_form.Field("boolean", "muc#roomconfig_allowinvites",
                                  value=not config.membersOnly or config.allowInvites,
                                  label="Occupants may invite others"))
    if config.maxUsersPresence is not None:
        form.addField(data_form.Field("text-single", FIELD_NAMES["maxUsersPresence"],
                                      value=str(config.maxUsersPresence),
                                      label="Above this many occupants, only moderators see "
                                            "participants come and go"))
    return form


# Registration with a room (XEP-0045 section 7.10).


def registerForm(nick="", extraFields=()):
    """
    Build the form a user fills in to register with a room.

    @param nick: the user's current registered nick, if any.
    @param extraFields: further L{data_form.Field}s to add after the nick
        (e.g. a boolean C{{http://tigase.org/protocol/muc}offline}).
    @return: a L{data_form.Form} of type C{"form"} with the C{FORM_TYPE}
        L{NS_REGISTER}.
    """
    form = data_form.Form("form", title="Register with the room",
                          instructions=["Choose the nick you want to keep in this room."],
                          formNamespace=NS_REGISTER)
    form.addField(data_form.Field("text-single", FIELD_ROOMNICK, value=nick or None,
                                  label="Nick", required=True))
    for field in extraFields:
        form.addField(field)
    return form


def parseRegisterForm(element):
    """
    Read a submitted registration form.

    @param element: the submitted C{<x xmlns='jabber:x:data'/>} (or the
        C{<query/>} that carries it).
    @return: a L{dict} of every submitted field name (but C{FORM_TYPE}) to
        its value: a L{str}, C{""} for none, or a L{list} of L{str} if the
        field has several. The nick is under L{FIELD_ROOMNICK}, unprepared.
        Which other fields to keep is the caller's choice.
    @raise errors.BadRequest: the form is of another C{FORM_TYPE} or not
        submitted.
    @raise errors.NotAcceptable: the nick is missing or empty.
    """
    form = _submitted(element, NS_REGISTER)
    values = {field.var: list(field.values) if len(field.values) > 1 else _single(field)
              for field in form.fieldList if field.var is not None}
    nick = values.get(FIELD_ROOMNICK)
    if not isinstance(nick, str) or not nick:
        raise errors.NotAcceptable("a nick is required")
    return values


# Requesting voice (XEP-0045 section 8.6).


def voiceRequestForm(roomJID, nick, realJID=None):
    """
    Build the voice request form the room sends to its moderators.

    @param roomJID: the room's bare JID, named in the instructions.
    @param nick: the nick of the occupant asking for voice.
    @param realJID: the occupant's real JID, if the room gives it.
    @return: a L{data_form.Form} of type C{"form"} with the C{FORM_TYPE}
        L{NS_REQUEST}.
    """
    form = data_form.Form(
        "form", title="Voice request", formNamespace=NS_REQUEST,
        instructions=["%s asks for voice in %s. To grant it, tick the box and submit "
                      "the form; to ignore the request, cancel." % (nick, roomJID.full())])
    form.addField(data_form.Field("list-single", "muc#role", value="participant",
                                  options=[data_form.Option("participant", "Participant")],
                                  label="Requested role"))
    if realJID is not None:
        form.addField(data_form.Field("jid-single", "muc#jid", value=realJID, label="User address"))
    form.addField(data_form.Field("text-single", "muc#roomnick", value=nick, label="Nick"))
    form.addField(data_form.Field("boolean", "muc#request_allow", value=False,
                                  label="Grant voice to this person?"))
    return form


def parseVoiceRequest(element):
    """
    Read a submitted voice request form: the occupant's request (with
    C{muc#role} C{participant}) or a moderator's answer (with
    C{muc#roomnick} and C{muc#request_allow}). Unlike the other parsers,
    this one requires the C{FORM_TYPE}: a message may carry other forms.

    @param element: the C{<message/>} that carries the form, or the form.
    @return: C{(role, nick, allow)}: the requested role and nick, each
        L{None} if not submitted, and whether the request is granted
        (C{False} if not submitted).
    @raise errors.BadRequest: the form is missing, of another C{FORM_TYPE}
        or not submitted, or a value cannot be read.
    """
    fields = _submitted(element, NS_REQUEST, requireType=True).fields
    role = _choice(fields["muc#role"], ROLES + ("none",)) if "muc#role" in fields else None
    nick = _single(fields["muc#roomnick"]) if "muc#roomnick" in fields else None
    allow = "muc#request_allow" in fields and _boolean(fields["muc#request_allow"])
    return role, nick, allow

