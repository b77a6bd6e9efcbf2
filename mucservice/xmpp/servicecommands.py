"""
Ad-hoc commands (XEP-0050) on the service's JID, for the administrators of
the service (C{--admin}): list the rooms with their occupancy, show a
room, destroy a room, set a room's owner, kick a user from every room,
give and take hats, export and import a room as JSON, and announce a
message to every room.

They are listed in the service's disco#items node
C{http://jabber.org/protocol/commands} for administrators only, and run in
two steps or one as every command here does (L{mucservice.xmpp.adhoc});
anybody else gets C{forbidden}. The rules are the room service's
(L{mucservice.room.serviceadmin}); the C{mucservice-admin} program
(L{mucservice.admin}) drives these same commands.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

import json

from twisted.internet import defer
from wokkel import data_form

from mucservice import errors
from mucservice.room import roles
from mucservice.xmpp import forms, margins, occupancy
from mucservice.xmpp.adhoc import AdHocCommands, note, optional, required, resultTable
from mucservice.xmpp.broadcast import toEveryone
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import (
    ADMIN_FORM_TYPE,
    NODE_ADMIN_ANNOUNCE,
    NODE_ADMIN_DESTROY_ROOM,
    NODE_ADMIN_EXPORT_ROOM,
    NODE_ADMIN_GIVE_HAT,
    NODE_ADMIN_IMPORT_ROOM,
    NODE_ADMIN_KICK,
    NODE_ADMIN_LIST_ROOMS,
    NODE_ADMIN_SET_OWNER,
    NODE_ADMIN_SHOW_ROOM,
    NODE_ADMIN_TAKE_HAT,
    NS_COMMANDS,
    NS_DATA,
    NS_DISCO_INFO,
    NS_DISCO_ITEMS,
)
from mucservice.xmpp.render import Template, attributes, quote, serialize

_ROOM = ("jid-single", "roomjid", "Room address", True)
_USER = ("jid-single", "accountjid", "User address", True)
_REASON = ("text-single", "reason", "Reason", False)
_HAT = ("text-single", "hat", "Hat (a URI)", True)

#: The commands: node to its name, the method that does it, and the fields
#: of its form (type, var, label, required), or L{None} for a command that
#: completes at once; in the order they are listed.
COMMANDS = {
    NODE_ADMIN_LIST_ROOMS: ("List rooms", "listRooms", None),
    NODE_ADMIN_SHOW_ROOM: ("Show a room", "showRoom", [_ROOM]),
    NODE_ADMIN_DESTROY_ROOM: ("Destroy a room", "destroyRoom", [
        _ROOM, _REASON, ("jid-single", "alternate", "Alternate venue", False)]),
    NODE_ADMIN_SET_OWNER: ("Set a room's owner", "setOwner", [
        _ROOM, _USER, ("boolean", "exclusive", "The only owner: the others become admins",
                       False)]),
    NODE_ADMIN_KICK: ("Kick a user from every room", "kick", [
        ("jid-single", "accountjid", "User address (or one session's)", True), _REASON]),
    NODE_ADMIN_GIVE_HAT: ("Give a hat", "giveHat", [
        _ROOM, _USER, _HAT, ("text-single", "title", "Title", False)]),
    NODE_ADMIN_TAKE_HAT: ("Take a hat off", "takeHat", [_ROOM, _USER, _HAT]),
    NODE_ADMIN_EXPORT_ROOM: ("Export a room as JSON", "exportRoom", [_ROOM]),
    NODE_ADMIN_IMPORT_ROOM: ("Import a room from JSON", "importRoom", [
        ("text-multi", "json", "The room, as exported", True)]),
    NODE_ADMIN_ANNOUNCE: ("Announce a message to every room", "announce", [
        ("text-multi", "body", "Message", True)]),
}

#: The columns of the room list: field name, label, type.
ROOM_COLUMNS = (("roomjid", "Room", "jid-single"), ("name", "Name", "text-single"),
                ("occupants", "Occupants", "text-single"),
                ("persistent", "Persistent", "boolean"), ("public", "Public", "boolean"),
                ("membersonly", "Members only", "boolean"),
                ("passwordprotected", "Password", "boolean"), ("locked", "Locked", "boolean"))

_AFFILIATION_LISTS = (("owners", "Owners", roles.OWNER), ("admins", "Admins", roles.ADMIN),
                      ("members", "Members", roles.MEMBER),
                      ("outcasts", "Outcasts", roles.OUTCAST))


def commandForm(node):
    """
    @return: the form of C{node}, as an element, or L{None} if it has none.
    """
    name, _, fields = COMMANDS[node]
    if fields is None:
        return None
    form = data_form.Form("form", title=name, formNamespace=ADMIN_FORM_TYPE)
    for kind, var, label, isRequired in fields:
        form.addField(data_form.Field(kind, var, label=label, required=isRequired))
    return form.toElement()


def _flag(value):
    return "1" if value else "0"


def _linesWithin(lines):
    """
    @return: the first of C{lines} that fit in a kept text's budget, and
        how many are left out.
    """
    budget, size, shown = margins.fieldBudget(), 0, []
    for line in lines:
        size += margins.escapedSize(line) + len("<value></value>")
        if size > budget:
            break
        shown.append(line)
    return shown, len(lines) - len(shown)


def checkRoomData(imported):
    """
    Refuse a room whose texts would make answers larger than the limit
    (L{margins}), as they are refused when a client sets them.

    @param imported: a L{RoomData<mucservice.room.roomdata.RoomData>}.
    @raise errors.PolicyViolation: one is too long.
    """
    config = imported.config
    margins.checkFields(name=config.name, description=config.description,
                        language=config.language, password=config.password,
                        subject=imported.record.subject)
    for entry in imported.record.affiliations.values():
        margins.checkFields(nick=entry.data.get("nick"),
                            registration="".join(entry.data.values()))
    for hats in imported.hats.values():
        for uri, attachment in hats.items():
            margins.checkHat(uri, attachment.get("title"))


def commandFeatures(rooms, fromJID):
    """
    @return: what the service's disco#info adds for C{fromJID}: ad-hoc
        commands, for its administrators.
    """
    return (NS_COMMANDS,) if fromJID.userhostJID() in rooms.admins else ()


def commandItems(rooms, fromJID, serviceJID):
    """
    @return: the service's disco#items of commands (XEP-0050 section 2.1),
        as text: the commands, for its administrators; nothing for others.
    """
    items = ""
    if commandFeatures(rooms, fromJID):
        items = "".join("<item%s/>" % attributes(jid=serviceJID.full(), node=node, name=name)
                        for node, (name, _, _) in COMMANDS.items())
    return "<query xmlns='%s' node='%s'>%s</query>" % (NS_DISCO_ITEMS, NS_COMMANDS, items)


def commandInfo(rooms, fromJID, node):
    """
    @return: the disco#info of a command node of the service (XEP-0050
        section 2.2), as text, for its administrators.
    @raise errors.ItemNotFound: there is no such node, for C{fromJID}.
    """
    if node not in COMMANDS or not commandFeatures(rooms, fromJID):
        raise errors.ItemNotFound("no such node")
    return ("<query xmlns='%s'%s><identity category='automation' type='command-node'%s/>"
            "<feature var='%s'/><feature var='%s'/></query>"
            % (NS_DISCO_INFO, attributes(node=node), attributes(name=COMMANDS[node][0]),
               NS_COMMANDS, NS_DATA))


class ServiceCommands(AdHocCommands):
    """
    Answers the commands sent to the service's JID; those sent to rooms
    are left to the others (L{HatCommands
    <mucservice.xmpp.commands.HatCommands>}).
    """

    formType = ADMIN_FORM_TYPE

    def handleIQ(self, iq):
        try:
            toJID = parseJID(iq.getAttribute("to"))
        except errors.Error:
            return
        if toJID.user is None:
            RoomHandler.handleIQ(self, iq)

    def authorize(self, node, fromJID, toJID):
        if node not in COMMANDS:
            raise errors.ItemNotFound("no such command")
        self.rooms.checkServiceAdmin(fromJID)
        return None

    def formFor(self, node, target):
        return commandForm(node)

    def complete(self, node, target, fromJID, values):
        return getattr(self, COMMANDS[node][1])(fromJID, values)

    def _room(self, values):
        return parseJID(required(values, "roomjid")).userhostJID()

    def _user(self, values):
        return parseJID(required(values, "accountjid")).userhostJID()

    def _tell(self, outcome):
        self.sendText(occupancy.render(outcome))

    # The commands

    def listRooms(self, fromJID, values):
        """
        Every room, after the room C{after} if the form gives one, as many
        as one answer carries; a warning note says how many more there are.
        """
        after = optional(values, "after")
        rows = [(room.jid.full(), room.config.name, str(len(room.occupants)),
                 _flag(room.config.persistent), _flag(room.config.public),
                 _flag(room.config.membersOnly), _flag(room.config.passwordProtected),
                 _flag(room.locked))
                for room in self.rooms.allRooms(fromJID) if room.jid.full() > after]
        return resultTable("Rooms of " + self.rooms.serviceJID.full(), ADMIN_FORM_TYPE,
                           ROOM_COLUMNS, rows, lambda more, last: "%d more rooms: list again "
                           "after %s" % (more, last[0] if last else after))

    def showRoom(self, fromJID, values):
        """
        A room's state, configuration, affiliations and occupants.
        """
        room = self.rooms.administeredRoom(fromJID, self._room(values))
        form = data_form.Form("result", title="Room " + room.jid.full(),
                              formNamespace=ADMIN_FORM_TYPE)
        for kind, var, label, value in (
                ("jid-single", "roomjid", "Room address", room.jid),
                ("boolean", "locked", "Locked until configured", room.locked),
                ("text-single", "occupants", "Occupants", str(len(room.occupants))),
                ("text-single", "subject", "Subject", room.subject or "")):
            form.addField(data_form.Field(kind, var, label=label, value=value))
        for field in forms.configForm(room.config, None, None).fieldList:
            if field.var != "FORM_TYPE":
                field.options = []
                form.addField(field)
        warnings = []
        for var, label, affiliation in _AFFILIATION_LISTS:
            users = room.usersWith(affiliation)
            shown = margins.jidsWithin(users)
            form.addField(data_form.Field("jid-multi", var, label=label, values=shown))
            if len(shown) < len(users):
                warnings.append("%d more %s" % (len(users) - len(shown), var))
        for var, label, lines in (
                ("nicks", "Reserved nicks", ["%s %s" % (entry.data["nick"], userJID.full())
                                             for userJID, entry in room.affiliations.items()
                                             if entry.data.get("nick")]),
                ("occupantlist", "Occupants: nick (role, affiliation) and sessions",
                 ["%s (%s, %s) %s" % (o.nick, o.role, room.affiliationOf(o.userJID),
                                      " ".join(j.full() for j in o.sessions))
                  for o in room.occupants.values()])):
            shown, more = _linesWithin(lines)
            form.addField(data_form.Field("text-multi", var, label=label, values=shown))
            if more:
                warnings.append("%d more %s" % (more, var))
        warning = note("not shown: " + ", ".join(warnings), "warn") if warnings else ""
        return warning + serialize(form.toElement())

    @defer.inlineCallbacks
    def destroyRoom(self, fromJID, values):
        roomJID = self._room(values)
        reason = margins.checkReason(optional(values, "reason") or None)
        alternate = optional(values, "alternate")
        alternate = parseJID(alternate).userhostJID().full() if alternate else None
        outcome = yield self.rooms.destroyRoom(fromJID, roomJID, alternate, reason)
        self._tell(outcome)
        return note("%s is destroyed" % (roomJID.full(),))

    @defer.inlineCallbacks
    def setOwner(self, fromJID, values):
        roomJID, userJID = self._room(values), self._user(values)
        exclusive = forms.readBoolean("exclusive", optional(values, "exclusive"))
        outcome = yield self.rooms.setOwner(fromJID, roomJID, userJID, exclusive)
        self._tell(outcome)
        return note("%s is %s owner of %s" % (userJID.full(), "the only" if exclusive else "an",
                                              roomJID.full()))

    def kick(self, fromJID, values):
        userJID = parseJID(required(values, "accountjid"))
        reason = margins.checkReason(optional(values, "reason") or None)
        outcomes = self.rooms.kickEverywhere(fromJID, userJID, reason)
        for outcome in outcomes:
            self._tell(outcome)
        return note("%s is kicked from %d rooms" % (userJID.full(), len(outcomes)))

    @defer.inlineCallbacks
    def giveHat(self, fromJID, values):
        room = self.rooms.administeredRoom(fromJID, self._room(values))
        userJID, uri = self._user(values), required(values, "hat")
        title = optional(values, "title") or None
        margins.checkHat(uri, title)
        title = yield self.rooms.giveHat(room, userJID, uri, title)
        return note("%s now wears %s in %s" % (userJID.full(), title, room.jid.full()))

    @defer.inlineCallbacks
    def takeHat(self, fromJID, values):
        room = self.rooms.administeredRoom(fromJID, self._room(values))
        userJID, uri = self._user(values), required(values, "hat")
        yield self.rooms.takeHat(room, userJID, uri)
        return note("%s no longer wears %s in %s" % (userJID.full(), uri, room.jid.full()))

    @defer.inlineCallbacks
    def exportRoom(self, fromJID, values):
        """
        The room's data, as JSON on one line (JSON keeps line breaks of
        texts escaped) of a C{text-multi} field, where a client shows it
        whole and lets it be copied.
        """
        data = yield self.rooms.exportRoom(fromJID, self._room(values))
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        form = data_form.Form("result", title="Room " + data["jid"],
                              formNamespace=ADMIN_FORM_TYPE)
        form.addField(data_form.Field("text-multi", "json", label="The room, as JSON",
                                      values=[text]))
        return serialize(form.toElement())

    @defer.inlineCallbacks
    def importRoom(self, fromJID, values):
        try:
            data = json.loads("\n".join(values.get("json") or []))
        except ValueError as e:
            raise errors.BadRequest("the room is no JSON: %s" % (e,))
        imported = self.rooms.readRoom(data)
        checkRoomData(imported)
        room = yield self.rooms.importRoom(fromJID, imported)
        return note("%s is imported, with %d affiliations" % (room.jid.full(),
                                                               len(room.affiliations)))

    def announce(self, fromJID, values):
        body = "\n".join(values.get("body") or []).strip()
        if not body:
            raise errors.BadRequest("the field body is required")
        payload = "<body>%s</body>" % (quote(body),)
        margins.checkPayload(payload)
        announced = self.rooms.announce(fromJID, body)
        for announcement in announced:
            room = announcement.room
            self.sendText(toEveryone(room, Template("message", payload, from_=room.jid.full(),
                                                    type_="groupchat")))
        return note("announced in %d rooms" % (len(announced),))
