"""
What a MUC client does, for the integration tests: join, create and
configure rooms, read statuses.
"""

from xml.sax.saxutils import escape, quoteattr

from tests.integration.xmppclient import fromJID, stanzaType

NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = NS_MUC + "#user"
NS_MUC_ADMIN = NS_MUC + "#admin"
NS_MUC_OWNER = NS_MUC + "#owner"
NS_DATA = "jabber:x:data"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def statuses(stanza):
    """@return: the MUC status codes of a stanza, as a set of ints."""
    return {int(s.get("code")) for s in stanza.iter("{%s}status" % NS_MUC_USER)}


def mucItem(stanza):
    """@return: the muc#user C{<item/>} of a stanza, or L{None}."""
    return next(stanza.iter("{%s}item" % NS_MUC_USER), None)


def condition(stanza):
    """@return: the stanza error condition's name, or L{None}."""
    for child in stanza.iter():
        if child.tag.startswith("{%s}" % NS_STANZAS) and not child.tag.endswith("}text"):
            return child.tag.rpartition("}")[2]
    return None


class Joined:
    """
    What a join brought, in order.

    @ivar presences: the occupants' presence before one's own.
    @ivar own: one's own presence (status 110).
    @ivar history: the history messages.
    @ivar subject: the subject message.
    """

    def __init__(self, presences, own, history, subject):
        self.presences, self.own, self.history, self.subject = presences, own, history, subject

    def nicks(self):
        return [fromJID(p).rpartition("/")[2] for p in self.presences]


def join(client, occupant, password=None, history="", timeout=10):
    """
    Enter a room and collect the join sequence up to the subject.

    @raise AssertionError: the room refused (the message names the condition).
    """
    room = occupant.partition("/")[0]
    inner = history
    if password is not None:
        inner += "<password>%s</password>" % escape(password)
    client.send("<presence to=%s><x xmlns='%s'>%s</x></presence>"
                % (quoteattr(occupant), NS_MUC, inner))
    presences, own, messages = [], None, []
    while True:
        stanza = client.expect(lambda s: fromJID(s).partition("/")[0] == room, timeout=timeout)
        if stanzaType(stanza) == "error":
            raise AssertionError("join refused: %s" % (condition(stanza),))
        if stanza.tag.endswith("presence"):
            if 110 in statuses(stanza):
                own = stanza
            else:
                presences.append(stanza)
        elif stanza.find("{jabber:client}subject") is not None and \
                stanza.find("{jabber:client}body") is None:
            return Joined(presences, own, messages, stanza)
        else:
            messages.append(stanza)


def joinRefused(client, occupant, password=None):
    """
    @return: the condition of a refused join.
    """
    inner = "<password>%s</password>" % escape(password) if password is not None else ""
    client.send("<presence to=%s><x xmlns='%s'>%s</x></presence>"
                % (quoteattr(occupant), NS_MUC, inner))
    error = client.expect(tag="presence", frm=occupant, type="error")
    return condition(error)


def form(fields, formType=NS_MUC + "#roomconfig"):
    """
    @param fields: var to a value or a list of values.
    @return: a submitted data form as XML text.
    """
    parts = ["<field var='FORM_TYPE'><value>%s</value></field>" % formType]
    for var, values in fields.items():
        if not isinstance(values, (list, tuple)):
            values = [values]
        parts.append("<field var=%s>%s</field>" % (
            quoteattr(var), "".join("<value>%s</value>" % escape(str(v)) for v in values)))
    return "<x xmlns='%s' type='submit'>%s</x>" % (NS_DATA, "".join(parts))


def configure(client, room, **fields):
    """
    Submit the room configuration form (no fields: accept the instant room).

    @param fields: short names, e.g. C{persistentroom=1} for
        C{muc#roomconfig_persistentroom}.
    @return: the answer.
    """
    values = {"muc#roomconfig_" + name: value for name, value in fields.items()}
    body = form(values) if values else "<x xmlns='%s' type='submit'/>" % NS_DATA
    return client.iq("<iq type='set' to=%s><query xmlns='%s'>%s</query></iq>"
                     % (quoteattr(room), NS_MUC_OWNER, body))


def createRoom(client, room, nick, **fields):
    """
    Create a room, configure it, and return the join sequence.
    """
    joined = join(client, room + "/" + nick)
    assert 201 in statuses(joined.own), "room existed already"
    answer = configure(client, room, **fields)
    assert stanzaType(answer) == "result", answer
    return joined


def admin(client, room, items, kind="set"):
    """
    Send a muc#admin query with the given C{<item/>} text.
    """
    return client.iq("<iq type='%s' to=%s><query xmlns='%s'>%s</query></iq>"
                     % (kind, quoteattr(room), NS_MUC_ADMIN, items))
