"""
Registering with a room (XEP-0045 section 7.10, through XEP-0077's
C{jabber:iq:register}): reserving a nick and becoming a member.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

from wokkel import data_form

from mucservice import errors
from mucservice.room.offline import FIELD, isSet
from mucservice.xmpp import forms, margins, occupancy
from mucservice.xmpp.handler import RoomHandler
from mucservice.xmpp.namespaces import NS_DATA, NS_IQ_REGISTER
from mucservice.xmpp.render import quote, serialize

INSTRUCTIONS = ("To register with this room, choose the nick you want to keep in it; "
                "registering makes you a member.")

#: The label of the offline delivery field.
OFFLINE_LABEL = "Receive messages while not in the room"


def _text(value):
    """
    A submitted value as kept with a registration: several values one a
    line.
    """
    return "\n".join(value) if isinstance(value, list) else value


def _kept(field, value):
    """
    A submitted value of an offered field as kept with a registration:
    text, and C{"1"} or C{"0"} for a boolean.

    @raise errors.BadRequest: a boolean field's value is no boolean.
    """
    text = _text(value)
    if field.fieldType != "boolean":
        return text
    return "1" if forms.readBoolean(field.var, text) else "0"


def _filled(field, data):
    """
    @return: C{field} with the value kept in C{data} under its name, if any
        (a copy: the offered fields are shared).
    """
    if field.var not in data:
        return field
    text = data[field.var]
    if field.fieldType == "boolean":
        values = [isSet(text)]
    elif field.fieldType in ("text-multi", "list-multi", "jid-multi"):
        values = text.split("\n") if text else []
    else:
        values = [text]
    return data_form.Field(field.fieldType, field.var, values=values, options=field.options,
                           label=field.label, desc=field.desc, required=field.required)


class RegisterHandler(RoomHandler):
    """
    Answers C{jabber:iq:register} gets and sets to a room's bare JID.

    Registration requests to an occupant (C{room@service/nick}) never get
    here: the occupant IQ router forwards them to the occupant.

    @ivar extraFields: L{data_form.Field<wokkel.data_form.Field>}s the form
        offers after the nick; their submitted values are kept with the
        registration (as text), and those of no other field. L{fieldsFor}
        adds the offline delivery field in the rooms that offer it.
    """

    extraFields = ()

    iqHandlers = {
        "/iq[@type='get']/query[@xmlns='%s']" % NS_IQ_REGISTER: "getRegistration",
        "/iq[@type='set']/query[@xmlns='%s']" % NS_IQ_REGISTER: "setRegistration",
    }

    def _room(self, fromJID, toJID):
        if toJID.user is None:
            raise errors.ServiceUnavailable("register with a room, not with the service")
        return self.rooms.visibleRoom(toJID, fromJID)

    def getRegistration(self, iq, fromJID, toJID):
        """
        The registration form, with the registered nick if there is one.
        """
        room = self._room(fromJID, toJID)
        nick = room.reservedNick(fromJID)
        inner = ""
        fields = self.fieldsFor(room)
        if nick:
            inner = "<registered/><username>%s</username>" % quote(nick)
            data = room.affiliations[fromJID.userhostJID()].data
            fields = [_filled(field, data) for field in fields]
        inner += "<instructions>%s</instructions>" % quote(INSTRUCTIONS)
        inner += serialize(forms.registerForm(nick or "", fields).toElement())
        return "<query xmlns='%s'>%s</query>" % (NS_IQ_REGISTER, inner)

    def setRegistration(self, iq, fromJID, toJID):
        """
        Register (a submitted form), cancel a registration (C{<remove/>}),
        or do nothing (a cancelled form).
        """
        room = self._room(fromJID, toJID)
        query = iq.query
        userJID = fromJID.userhostJID()
        form = next(query.elements(NS_DATA, "x"), None)
        if next(query.elements(NS_IQ_REGISTER, "remove"), None) is not None:
            d = self.rooms.unregister(userJID, room)
        elif form is not None and form.getAttribute("type") == "cancel":
            return None
        elif form is not None:
            nick, data = self.parseRegistration(room, query)
            d = self.rooms.register(userJID, room, nick, data)
        else:
            raise errors.BadRequest("submit the registration form, or <remove/>")
        return d.addCallback(lambda outcome: self.sendText(occupancy.render(outcome)))

    def parseRegistration(self, room, query):
        """
        @return: the nick as submitted (the room prepares it) and the data
            to keep with it.
        """
        values = forms.parseRegisterForm(query)
        nick = values[forms.FIELD_ROOMNICK]
        offered = {field.var: field for field in self.fieldsFor(room)}
        data = {var: _kept(offered[var], value) for var, value in values.items()
                if var in offered}
        margins.checkFields(nick=nick, registration="".join(data.values()))
        return nick, data

    def fieldsFor(self, room):
        """
        @return: the fields C{room}'s form offers after the nick: the
            L{extraFields}, and the offline delivery field if the room
            offers it.
        """
        fields = list(self.extraFields)
        if self.rooms.offersOfflineDelivery(room):
            fields.append(data_form.Field("boolean", FIELD, label=OFFLINE_LABEL))
        return fields
