"""
The one table that turns domain errors into XMPP stanza errors (RFC 6120
section 8.3), and the error replies built from it.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.words.protocols.jabber.error import StanzaError

from mucservice import errors
from mucservice.xmpp.namespaces import NS_STANZAS
from mucservice.xmpp.render import Template, attributes, quote
from mucservice.xmpp.traffic import TRAFFIC

#: The most characters of an error's text sent: texts may quote what a
#: client sent (a malformed address), which must not make the error large.
MAX_ERROR_TEXT = 1024

#: Domain error class to (condition, type).
CONDITIONS = {
    errors.BadRequest: ("bad-request", "modify"),
    errors.Conflict: ("conflict", "cancel"),
    errors.FeatureNotImplemented: ("feature-not-implemented", "cancel"),
    errors.Forbidden: ("forbidden", "auth"),
    errors.ItemNotFound: ("item-not-found", "cancel"),
    errors.JIDMalformed: ("jid-malformed", "modify"),
    errors.NotAcceptable: ("not-acceptable", "modify"),
    errors.NotAllowed: ("not-allowed", "cancel"),
    errors.NotAuthorized: ("not-authorized", "auth"),
    errors.PolicyViolation: ("policy-violation", "modify"),
    errors.RegistrationRequired: ("registration-required", "auth"),
    errors.ResourceConstraint: ("resource-constraint", "wait"),
    errors.InternalServerError: ("internal-server-error", "wait"),
    errors.ServiceUnavailable: ("service-unavailable", "cancel"),
}


def toStanzaError(error):
    """
    @param error: a L{mucservice.errors.Error} or a L{StanzaError}.
    @return: the L{StanzaError} to send.
    """
    if isinstance(error, StanzaError):
        return error
    for cls in type(error).__mro__:
        if cls in CONDITIONS:
            condition, kind = CONDITIONS[cls]
            return StanzaError(condition, kind, error.text)
    raise TypeError("not a domain error: %r" % (error,))


def generatedBy(fromJID):
    """
    @param fromJID: the address an error is sent from, as text: the service,
        a room or an occupant of it.
    @return: the C{by} of the error (RFC 6120 section 8.3.2): the room's
        bare JID, or the service's, that generated it.
    """
    return fromJID.partition("/")[0]


def errorReply(stanza, error, fromJID=None, extra="", by=None):
    """
    The error reply to a received stanza, as text.

    @param stanza: the received element.
    @param error: a domain error or L{StanzaError}.
    @param fromJID: the address to answer from (default: the stanza's C{to}).
    @param extra: serialized children to include before the error (e.g. the
        MUC C{<x/>} of a refused join).
    @param by: the JID that generated the error, as text (default: the room
        or service it is sent from, L{generatedBy}).
    """
    fromJID = fromJID or stanza.getAttribute("to")
    return Template(stanza.name, extra + errorElement(error, by or generatedBy(fromJID)),
                    from_=fromJID, type_="error", id=stanza.getAttribute("id")).to(stanza["from"])


def errorElement(error, by=None):
    """
    @param error: a domain error or L{StanzaError}.
    @param by: the JID that generated the error (the room or the service),
        as text, or L{None}.
    @return: the C{<error/>} child of an error stanza, as text; its text,
        which may quote what a client sent, at most L{MAX_ERROR_TEXT}
        characters of it. It is counted as sent (L{mucservice.xmpp.traffic}).
    """
    error = toStanzaError(error)
    TRAFFIC.errors[error.condition] += 1
    text = ""
    if error.text:
        text = "<text xmlns='%s'>%s</text>" % (NS_STANZAS, quote(error.text[:MAX_ERROR_TEXT]))
    return "<error%s><%s xmlns='%s'/>%s</error>" % (
        attributes(type=error.type, by=by), error.condition, NS_STANZAS, text)


def errorCondition(stanza):
    """
    @return: the RFC 6120 condition of an error stanza (e.g.
        C{"remote-server-not-found"}), or L{None} if it names none.
    """
    for child in stanza.elements():
        if child.name == "error":
            for condition in child.elements():
                if condition.uri == NS_STANZAS and condition.name != "text":
                    return condition.name
    return None
