"""
Ad-hoc commands (XEP-0050): what every command handler of the service
shares.

A command runs either in two steps (executed, the entity answers with a
form and a session id, the form comes back submitted with that session id)
or in one (the execute carries the submitted form); a command that needs
no form completes at once. A session belongs to the full JID that began
it, for one command on one entity, and is forgotten after
L{SESSION_TIMEOUT} seconds. Subclasses of L{AdHocCommands} say who may run
which command where, what form it shows, and what it does.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

import uuid
from dataclasses import dataclass

from twisted.internet import defer

from mucservice import errors
from mucservice.xmpp import margins
from mucservice.xmpp.handler import RoomHandler
from mucservice.xmpp.namespaces import NS_COMMANDS, NS_DATA
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
    @ivar target: the JID of the entity it runs on (a room, the service).
    @ivar timeout: the delayed call that forgets it.
    """

    node: str
    requester: object
    target: object
    timeout: object = None


def commandElement(node, sessionID, status, inner=""):
    """
    @return: the C{<command/>} of an answer, as text.
    """
    return "<command%s>%s</command>" % (
        attributes(xmlns=NS_COMMANDS, node=node, sessionid=sessionID, status=status), inner)


def note(text, kind="info"):
    """
    @return: a C{<note/>} of a command's answer, as text.
    """
    return "<note type='%s'>%s</note>" % (kind, quote(text))


def formValues(form, formType):
    """
    Read a submitted command form.

    @param form: the C{<x xmlns='jabber:x:data' type='submit'/>}.
    @param formType: the C{FORM_TYPE} the command's forms have; a form
        without one is taken too.
    @return: field name to its values, stripped (an empty list if it has
        none). A field that carries C{<option/>}s instead of values, as the
        doff example of XEP-0317 does, gives the options' values.
    @raise errors.BadRequest: the form is of another C{FORM_TYPE}.
    """
    values = {}
    for field in form.elements(NS_DATA, "field"):
        found = [str(v) for v in field.elements(NS_DATA, "value")]
        if not found:
            found = [str(v) for option in field.elements(NS_DATA, "option")
                     for v in option.elements(NS_DATA, "value")]
        values[field.getAttribute("var")] = [value.strip() for value in found]
    if values.get("FORM_TYPE", [formType]) != [formType]:
        raise errors.BadRequest("expected a form of type %s" % (formType,))
    return values


def required(values, var):
    """
    @param values: as from L{formValues}.
    @return: the first value of the field C{var}.
    @raise errors.BadRequest: it has none, or an empty one.
    """
    value = optional(values, var)
    if not value:
        raise errors.BadRequest("the field %s is required" % (var,))
    return value


def optional(values, var):
    """
    @param values: as from L{formValues}.
    @return: the first value of the field C{var}, or C{""}.
    """
    return (values.get(var) or [""])[0]


def resultTable(title, formType, columns, rows, warning):
    """
    A result form of several items (XEP-0004 section 3.4), with as many of
    C{rows} as one answer carries.

    @param columns: C{(var, label, type)} of each field of an item.
    @param rows: the items, each a tuple of the texts of its fields, in
        the order they are shown.
    @param warning: called, if some rows are left out, with how many and
        the last row shown (L{None} if none is); returns the text of a
        warning note that comes before the form.
    @return: the note and the form, as text.
    """
    reported = "".join("<field%s/>" % attributes(var=var, label=label, type_=kind)
                       for var, label, kind in columns)
    items, size, more, last = [], 0, 0, None
    budget = margins.allowance() - margins.fieldBudget()  # the form's fixed parts, the note
    for row in rows:
        item = "<item>%s</item>" % "".join(
            "<field var='%s'><value>%s</value></field>" % (var, quote(value))
            for (var, _, _), value in zip(columns, row))
        size += utf8len(item)
        if size > budget:
            more += 1
        else:
            items.append(item)
            last = row
    return (note(warning(more, last), "warn") if more else "") + (
        "<x xmlns='%s' type='result'><title>%s</title>"
        "<field type='hidden' var='FORM_TYPE'><value>%s</value></field>"
        "<reported>%s</reported>%s</x>"
        % (NS_DATA, quote(title), formType, reported, "".join(items)))


class AdHocCommands(RoomHandler):
    """
    Executes ad-hoc commands: sessions, actions, forms. A subclass sets
    L{formType} and implements L{authorize}, L{formFor} and L{complete}.

    @ivar sessions: session id to the L{Session} waiting for its form.
    """

    iqHandlers = {"/iq[@type='set']/command[@xmlns='%s']" % NS_COMMANDS: "execute"}

    #: The C{FORM_TYPE} of the forms of the commands.
    formType = None

    def __init__(self, rooms, reactor=None):
        RoomHandler.__init__(self, rooms, reactor)
        self.sessions = {}

    def authorize(self, node, fromJID, toJID):
        """
        @return: what the command runs on (a room, for instance), if
            C{fromJID} may run C{node} on C{toJID}.
        @raise errors.Error: there is no such command there, or
            C{fromJID} may not run it.
        """
        raise NotImplementedError()

    def formFor(self, node, target):
        """
        @return: the form C{node} asks for, as an element, or L{None} if it
            completes at once, without one.
        """
        raise NotImplementedError()

    def complete(self, node, target, fromJID, values):
        """
        Do what the command does.

        @param values: the submitted form, as from L{formValues}; empty for
            a command without a form.
        @return: the children of the completed C{<command/>} (notes, a
            result form), as text, or a Deferred of them.
        """
        raise NotImplementedError()

    def execute(self, iq, fromJID, toJID):
        """
        Begin, continue, complete or cancel a command.
        """
        command = next(iq.elements(NS_COMMANDS, "command"))
        node = command.getAttribute("node")
        target = self.authorize(node, fromJID, toJID)
        targetJID = getattr(target, "jid", toJID)
        action = command.getAttribute("action") or "execute"
        sessionID = command.getAttribute("sessionid")
        if sessionID is not None:
            session = self.sessions.get(sessionID)
            if session is None or (session.node, session.requester, session.target) != (
                    node, fromJID, targetJID):
                raise errors.BadRequest("no such command session; it may have expired")
        if action == "cancel":
            self._end(sessionID)
            return commandElement(node, sessionID, "canceled")
        if action not in ("execute", "complete"):
            raise errors.BadRequest("these commands have a single step: execute, complete "
                                    "or cancel them")
        form = next((x for x in command.elements(NS_DATA, "x")
                     if x.getAttribute("type") == "submit"), None)
        if form is None:
            shown = self.formFor(node, target)
            if shown is not None:
                if sessionID is not None:
                    raise errors.BadRequest("submit the form")
                return self._begin(node, fromJID, targetJID, shown)
        self._end(sessionID)
        values = formValues(form, self.formType) if form is not None else {}
        d = defer.maybeDeferred(self.complete, node, target, fromJID, values)
        d.addCallback(lambda inner: commandElement(node, sessionID or uuid.uuid4().hex,
                                                   "completed", inner))
        return d

    def _begin(self, node, fromJID, targetJID, form):
        """
        Open a session and answer with the command's form.
        """
        sessionID = uuid.uuid4().hex
        session = Session(node, fromJID, targetJID)
        session.timeout = self.reactor.callLater(SESSION_TIMEOUT, self.sessions.pop,
                                                 sessionID, None)
        self.sessions[sessionID] = session
        return commandElement(node, sessionID, "executing",
                              "<actions execute='complete'><complete/></actions>"
                              + serialize(form))

    def _end(self, sessionID):
        session = self.sessions.pop(sessionID, None) if sessionID is not None else None
        if session is not None and session.timeout.active():
            session.timeout.cancel()
