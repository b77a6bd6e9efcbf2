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

from twisted.internet import defer
from wokkel import data_form

from mucservice import errors
from mucservice.xmpp import margins
from mucservice.xmpp.adhoc import AdHocCommands, note, optional, required, resultTable
from mucservice.xmpp.handler import parseJID
from mucservice.xmpp.hats import COMMANDS
from mucservice.xmpp.namespaces import (
    HATS_FORM_TYPE,
    NODE_HATS_DON,
    NODE_HATS_LIST,
    NS_DATA,
    NS_VALIDATE,
)


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


#: The columns of the hat list: field name, label, type.
LIST_COLUMNS = (("accountjid", "User address", "jid-single"), ("hat", "Hat", "text-single"),
                ("title", "Title", "text-single"), ("active", "Shown in presence", "boolean"))


def listForm(room, worn):
    """
    @param worn: user JID to hats, as from L{IHatStore.getRoomHats
        <mucservice.interfaces.IHatStore.getRoomHats>}.
    @return: the result form of C{list}, as text: one item per hat worn, as
        many as one stanza carries (by user, then hat), preceded by a
        warning note that says how many more there are, if any.
    """
    rows = [(userJID.full(), uri, attachment.get("title") or "",
             "1" if attachment.get("active") else "0")
            for userJID in sorted(worn, key=lambda j: j.full())
            for uri, attachment in sorted(worn[userJID].items())]
    return resultTable("Hats in " + room.jid.full(), HATS_FORM_TYPE, LIST_COLUMNS, rows,
                       lambda more, last: "%d more hats are worn than one answer can list"
                       % (more,))


class HatCommands(AdHocCommands):
    """
    Answers the hat commands sent to a room's bare JID.
    """

    formType = HATS_FORM_TYPE

    def authorize(self, node, fromJID, toJID):
        """
        @return: the room, if C{fromJID} manages its hats.
        """
        if toJID.user is None or node not in COMMANDS:
            raise errors.ItemNotFound("no such command")
        return self.rooms.hatRoom(fromJID, toJID)

    def formFor(self, node, room):
        if node == NODE_HATS_LIST:
            return None
        return donForm(room) if node == NODE_HATS_DON else doffForm(room)

    def complete(self, node, room, fromJID, values):
        if node == NODE_HATS_LIST:
            return self.listHats(room)
        act = self.don if node == NODE_HATS_DON else self.doff
        return act(room, values).addCallback(note)

    # The commands

    def _target(self, values):
        return parseJID(required(values, "accountjid")).userhostJID()

    @defer.inlineCallbacks
    def don(self, room, values):
        """
        Give the hat of the submitted form.

        @return: a Deferred of the completion note's text.
        """
        userJID, uri = self._target(values), required(values, "hat")
        title = optional(values, "title") or None
        margins.checkHat(uri, title)
        title = yield self.rooms.giveHat(room, userJID, uri, title)
        return "%s now wears %s" % (userJID.full(), title)

    @defer.inlineCallbacks
    def doff(self, room, values):
        """
        Take off the hat of the submitted form.

        @return: a Deferred of the completion note's text.
        """
        userJID, uri = self._target(values), required(values, "hat")
        yield self.rooms.takeHat(room, userJID, uri)
        return "%s no longer wears %s" % (userJID.full(), uri)

    @defer.inlineCallbacks
    def listHats(self, room):
        """
        @return: a Deferred of the list, as the children of the completed
            command.
        """
        worn = yield self.rooms.roomHats(room)
        return listForm(room, worn)
