"""
The one table that turns domain errors into XMPP stanza errors (RFC 6120
section 8.3), and the error replies built from it.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from twisted.words.protocols.jabber.error import StanzaError

from mucservice import errors
from mucservice.xmpp.namespaces import NS_STANZAS
from mucservice.xmpp.render import Template, quote

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


def errorReply(stanza, error, fromJID=None, extra=""):
    """
    The error reply to a received stanza, as text.

    @param stanza: the received element.
    @param error: a domain error or L{StanzaError}.
    @param fromJID: the address to answer from (default: the stanza's C{to}).
    @param extra: serialized children to include before the error (e.g. the
        MUC C{<x/>} of a refused join).
    """
    return Template(stanza.name, extra + errorElement(error),
                    from_=fromJID or stanza.getAttribute("to"), type_="error",
                    id=stanza.getAttribute("id")).to(stanza["from"])


def errorElement(error):
    """
    @param error: a domain error or L{StanzaError}.
    @return: the C{<error/>} child of an error stanza, as text; its text,
        which may quote what a client sent, at most L{MAX_ERROR_TEXT}
        characters of it.
    """
    error = toStanzaError(error)
    text = ""
    if error.text:
        text = "<text xmlns='%s'>%s</text>" % (NS_STANZAS, quote(error.text[:MAX_ERROR_TEXT]))
    return "<error type='%s'><%s xmlns='%s'/>%s</error>" % (
        error.type, error.condition, NS_STANZAS, text)




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
