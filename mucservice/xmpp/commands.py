"""
Ad-hoc commands (XEP-0050) on rooms: the hat commands of XEP-0317.

C{urn:xmpp:hats:commands:don} gives a user a hat and
C{urn:xmpp:hats:commands:doff} takes it off, each either in two steps (the
command is executed, the room answers with a form and a session id, the
form comes back submitted with that session id) or in one (the execute
carries the submitted form). C{urn:xmpp:hats:commands:list} answers at once
with who wears which hat. Only the room's owners and admins may run them;
they are listed in the room's disco#items node
C{http://jabber.org/protocol/commands} (L{mucservice.xmpp.disco}).
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

import uuid
from dataclasses import dataclass

from twisted.internet import defer
from wokkel import data_form

from mucservice import errors
from mucservice.xmpp import margins
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.hats import COMMANDS
from mucservice.xmpp.namespaces import (
    HATS_FORM_TYPE,
    NODE_HATS_DON,
    NODE_HATS_LIST,
    NS_COMMANDS,
    NS_DATA,
    NS_VALIDATE,
)
from mucservice.xmpp.render import attributes, quote, serialize
from mucservice.xmpp.sizes import utf8len

#: Seconds a two-step command waits for its form.
SESSION_TIMEOUT = 600


@dataclass
class Session:
    """
    A command waiting for its submitted form.

    @ivar node: the command.
    @ivar requester: the full JID that executed it; only it may go on.
    @ivar roomJID: the room it runs in.
    @ivar timeout: the delayed call that forgets it.
    """

    node: str
    requester: object
    roomJID: object
    timeout: object = None


def _hatField(room, label):
    options = [data_form.Option(uri, title or uri)
               for uri, title in sorted(room.knownHats().items(),
                                        key=lambda item: ((item[1] or item[0]).lower(), item[0]))]
    return data_form.Field("list-single", "hat", label=label, required=True, options=options)


def donForm(room):
    """
    @return: the form of C{don}, as an element: whom, which hat (one of the
        room's, or a new URI: the list is open, as XEP-0122 says it), and
        the title of a new hat.
    """
    form = data_form.Form(
        "form", title="Give a hat", formNamespace=HATS_FORM_TYPE,
        instructions=["Choose a hat the room knows, or give the URI of a new one with its "
                      "title. The user must be a member, admin or owner of the room."])
    form.addField(data_form.Field("jid-single", "accountjid", label="User address",
                                  required=True))
    form.addField(_hatField(room, "Hat"))
    form.addField(data_form.Field("text-single", "title", label="Title (for a new hat)"))
    element = form.toElement()
    for field in element.elements(NS_DATA, "field"):
        if field.getAttribute("var") == "hat":
            validate = field.addElement((NS_VALIDATE, "validate"))
            validate["datatype"] = "xs:anyURI"
            validate.addElement("open")
    return element


def doffForm(room):
    """
    @return: the form of C{doff}, as an element: whom, and which hat.
    """
    form = data_form.Form("form", title="Take a hat off", formNamespace=HATS_FORM_TYPE,
                          instructions=["Choose the user and the hat to take off."])
    form.addField(data_form.Field("jid-single", "accountjid", label="User address",
                                  required=True))
    form.addField(_hatField(room, "Hat"))
    return form.toElement()


def parseCommandForm(form):
    """
    Read a submitted hat command form.

    @param form: the C{<x xmlns='jabber:x:data' type='submit'/>}.
    @return: field name to its first value, stripped (C{""} if it has
        none). A field that carries an C{<option/>} instead of a value, as
        the doff example of XEP-0317 does, gives that option's value.
    @raise errors.BadRequest: the form is of another C{FORM_TYPE}.
    """
    values = {}
    for field in form.elements(NS_DATA, "field"):
        found = [str(v) for v in field.elements(NS_DATA, "value")]
        if not found:
            found = [str(v) for option in field.elements(NS_DATA, "option")
                     for v in option.elements(NS_DATA, "value")]
        values[field.getAttribute("var")] = found[0].strip() if found else ""
    if values.get("FORM_TYPE", HATS_FORM_TYPE) != HATS_FORM_TYPE:
        raise errors.BadRequest("expected a form of type %s" % (HATS_FORM_TYPE,))
    return values


def _required(values, var):
    value = values.get(var)
    if not value:
        raise errors.BadRequest("the field %s is required" % (var,))
    return value


def listForm(room, worn):
    """
    @param worn: user JID to hats, as from L{IHatStore.getRoomHats
        <mucservice.interfaces.IHatStore.getRoomHats>}.
    @return: the result form of C{list}, as text: one item per hat worn, as
        many as one stanza carries (by user, then hat), preceded by a
        warning note that says how many more there are, if any.
    """
    columns = (("accountjid", "User address", "jid-single"), ("hat", "Hat", "text-single"),
               ("title", "Title", "text-single"), ("active", "Shown in presence", "boolean"))
    reported = "".join("<field%s/>" % attributes(var=var, label=label, type_=kind)
                       for var, label, kind in columns)
    items, size, more = [], 0, 0
    budget = margins.allowance() - margins.fieldBudget()  # the form's fixed parts, the note
    for userJID in sorted(worn, key=lambda j: j.full()):
        for uri, attachment in sorted(worn[userJID].items()):
            row = (userJID.full(), uri, attachment.get("title") or "",
                   "1" if attachment.get("active") else "0")
            item = "<item>%s</item>" % "".join(
                "<field var='%s'><value>%s</value></field>" % (var, quote(value))
                for (var, _, _), value in zip(columns, row))
            size += utf8len(item)
            if size > budget:
                more += 1
            else:
                items.append(item)
    note = ""
    if more:
        note = ("<note type='warn'>%d more hats are worn than one answer can list</note>"
                % (more,))
    return note + ("<x xmlns='%s' type='result'><title>%s</title>"
            "<field type='hidden' var='FORM_TYPE'><value>%s</value></field>"
            "<reported>%s</reported>%s</x>"
            % (NS_DATA, quote("Hats in " + room.jid.full()), HATS_FORM_TYPE, reported,
               "".join(items)))


def _command(node, sessionID, status, inner=""):
    return "<command%s>%s</command>" % (
        attributes(xmlns=NS_COMMANDS, node=node, sessionid=sessionID, status=status), inner)


def _note(text):
    return "<note type='info'>%s</note>" % quote(text)


class HatCommands(RoomHandler):
    """
    Answers the hat commands sent to a room's bare JID.

    @ivar sessions: session id to the L{Session} waiting for its form.
    """

    iqHandlers = {"/iq[@type='set']/command[@xmlns='%s']" % NS_COMMANDS: "execute"}

    def __init__(self, rooms, reactor=None):
        RoomHandler.__init__(self, rooms, reactor)
        self.sessions = {}

    def execute(self, iq, fromJID, toJID):
        """
        Begin, continue, complete or cancel a command.
        """
        command = next(iq.elements(NS_COMMANDS, "command"))
        node = command.getAttribute("node")
        if toJID.user is None or node not in COMMANDS:
            raise errors.ItemNotFound("no such command")
        room = self.rooms.hatRoom(fromJID, toJID)
        action = command.getAttribute("action") or "execute"
        sessionID = command.getAttribute("sessionid")
        if sessionID is not None:
            session = self.sessions.get(sessionID)
            if session is None or (session.node, session.requester, session.roomJID) != (
                    node, fromJID, room.jid):
                raise errors.BadRequest("no such command session; it may have expired")
        if action == "cancel":
            self._end(sessionID)
            return _command(node, sessionID, "canceled")
        if action not in ("execute", "complete"):
            raise errors.BadRequest("these commands have a single step: execute, complete "
                                    "or cancel them")
        if node == NODE_HATS_LIST:
            self._end(sessionID)
            return self.listHats(room, sessionID or uuid.uuid4().hex)
        form = next((x for x in command.elements(NS_DATA, "x")
                     if x.getAttribute("type") == "submit"), None)
        if form is None:
            if sessionID is not None:
                raise errors.BadRequest("submit the form")
            return self._begin(node, fromJID, room)
        self._end(sessionID)
        values = parseCommandForm(form)
        act = self.don if node == NODE_HATS_DON else self.doff
        d = act(room, values)
        d.addCallback(lambda note: _command(node, sessionID or uuid.uuid4().hex, "completed",
                                            _note(note)))
        return d

    # Sessions

    def _begin(self, node, fromJID, room):
        """
        Open a session and answer with the command's form.
        """
        sessionID = uuid.uuid4().hex
        session = Session(node, fromJID, room.jid)
        session.timeout = self.reactor.callLater(SESSION_TIMEOUT, self.sessions.pop,
                                                 sessionID, None)
        self.sessions[sessionID] = session
        form = donForm(room) if node == NODE_HATS_DON else doffForm(room)
        return _command(node, sessionID, "executing",
                        "<actions execute='complete'><complete/></actions>"
                        + serialize(form))

    def _end(self, sessionID):
        session = self.sessions.pop(sessionID, None) if sessionID is not None else None
        if session is not None and session.timeout.active():
            session.timeout.cancel()

    # The commands

    def _target(self, values):
        return parseJID(_required(values, "accountjid")).userhostJID()

    @defer.inlineCallbacks
    def don(self, room, values):
        """
        Give the hat of the submitted form.

        @return: a Deferred of the completion note.
        """
        userJID, uri = self._target(values), _required(values, "hat")
        margins.checkHat(uri, values.get("title"))
        title = yield self.rooms.giveHat(room, userJID, uri, values.get("title"))
        return "%s now wears %s" % (userJID.full(), title)

    @defer.inlineCallbacks
    def doff(self, room, values):
        """
        Take off the hat of the submitted form.

        @return: a Deferred of the completion note.
        """
        userJID, uri = self._target(values), _required(values, "hat")
        yield self.rooms.takeHat(room, userJID, uri)
        return "%s no longer wears %s" % (userJID.full(), uri)

    @defer.inlineCallbacks
    def listHats(self, room, sessionID):
        """
        @return: a Deferred of the completed command with the list.
        """
        worn = yield self.rooms.roomHats(room)
        return _command(NODE_HATS_LIST, sessionID, "completed", listForm(room, worn))
