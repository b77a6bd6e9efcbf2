"""
The XMPP side of C{mucservice-admin}: log in to the XMPP server as a
service administrator, run one of the service's ad-hoc commands
(L{mucservice.xmpp.servicecommands}) in one step, and read its answer.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

from twisted.internet import defer
from twisted.words.protocols.jabber import client, error, sasl, xmlstream

from mucservice.xmpp.namespaces import ADMIN_FORM_TYPE, NS_COMMANDS, NS_DATA

#: Seconds to wait for the connection, the login, and each answer.
DEFAULT_TIMEOUT = 30


class CommandFailed(Exception):
    """
    The server or the service refused: a stanza error, a failed login, a
    lost connection, a timeout. The message says which.
    """


class _Authenticator(client.XMPPAuthenticator):
    """
    Twisted's client authenticator, with TLS required or only used when the
    server offers it (a test server on loopback has no certificate).
    """

    def __init__(self, jid, password, requireTLS):
        client.XMPPAuthenticator.__init__(self, jid, password)
        self.requireTLS = requireTLS

    def associateWithStream(self, xs):
        client.XMPPAuthenticator.associateWithStream(self, xs)
        for initializer in xs.initializers:
            if isinstance(initializer, xmlstream.TLSInitiatingInitializer):
                initializer.required = self.requireTLS


class _Factory(xmlstream.XmlStreamFactory):
    """
    Connects once: a failed or lost connection fails the session.
    """

    continueTrying = False

    def __init__(self, authenticator, lost):
        xmlstream.XmlStreamFactory.__init__(self, authenticator)
        self.lost = lost

    def clientConnectionFailed(self, connector, reason):
        self.lost(reason)

    def clientConnectionLost(self, connector, reason):
        self.lost(reason)


class AdminSession:
    """
    One login of a service administrator.

    @ivar serviceJID: the MUC service's JID (a L{JID}).
    @ivar xmlstream: the authenticated stream, once L{connect} fired.
    """

    def __init__(self, reactor, jid, password, serviceJID, requireTLS=True,
                 timeout=DEFAULT_TIMEOUT):
        """
        @param jid: the administrator's JID (a L{JID}); a resource is
            asked for if it has one.
        """
        self.reactor = reactor
        self.jid = jid
        self.password = password
        self.serviceJID = serviceJID
        self.requireTLS = requireTLS
        self.timeout = timeout
        self.xmlstream = None
        self._ready = defer.Deferred()

    def connect(self, host, port):
        """
        Connect and log in.

        @return: a Deferred that fires once the stream is authenticated and
            bound, or fails with L{CommandFailed}.
        """
        factory = _Factory(_Authenticator(self.jid, self.password, self.requireTLS),
                           self._lost)
        factory.addBootstrap(xmlstream.STREAM_AUTHD_EVENT, self._authenticated)
        factory.addBootstrap(xmlstream.INIT_FAILED_EVENT, self._initFailed)
        self.reactor.connectTCP(host, port, factory, timeout=self.timeout)
        return self._ready.addTimeout(self.timeout, self.reactor, self._timedOut)

    def _timedOut(self, result, timeout):
        raise CommandFailed("no answer from the XMPP server in %ss" % (timeout,))

    def _authenticated(self, xs):
        self.xmlstream = xs
        if not self._ready.called:
            self._ready.callback(self)

    def _initFailed(self, failure):
        if failure.check(sasl.SASLError):
            why = "the server refused the login of %s" % (self.jid.full(),)
        elif failure.check(xmlstream.FeatureNotAdvertized):
            why = ("the server does not offer TLS; --tls optional allows a plain connection "
                   "(on loopback only, please)")
        else:
            why = "the login failed: %s" % (failure.getErrorMessage(),)
        self._fail(why)
        failure.trap(Exception)

    def _lost(self, reason):
        self._fail("the connection to the XMPP server failed: %s" % (reason.getErrorMessage(),))

    def _fail(self, why):
        if not self._ready.called:
            self._ready.errback(CommandFailed(why))

    def close(self):
        """
        End the stream politely.
        """
        if self.xmlstream is not None and self.xmlstream.transport is not None:
            self.xmlstream.sendFooter()
            self.xmlstream.transport.loseConnection()

    def execute(self, node, fields=None):
        """
        Run a command of the service in one step: the execute carries the
        submitted form (or none, for a command without a form).

        @param fields: field name to a value or a L{list} of values, or
            L{None} for no form.
        @return: a Deferred of the completed C{<command/>} element; it fails
            with L{CommandFailed} on an error, or when the answer is no
            completed command.
        """
        iq = xmlstream.IQ(self.xmlstream, "set")
        command = iq.addElement((NS_COMMANDS, "command"))
        command["node"] = node
        command["action"] = "execute"
        if fields is not None:
            form = command.addElement((NS_DATA, "x"))
            form["type"] = "submit"
            for var, values in [("FORM_TYPE", ADMIN_FORM_TYPE)] + list(fields.items()):
                field = form.addElement("field")
                field["var"] = var
                for value in values if isinstance(values, list) else [values]:
                    field.addElement("value", content=value)
        d = iq.send(self.serviceJID.full())
        d.addTimeout(self.timeout, self.reactor, self._timedOut)
        return d.addCallbacks(_completed, _refused)


def _completed(iq):
    command = next(iq.elements(NS_COMMANDS, "command"), None)
    if command is None or command.getAttribute("status") != "completed":
        raise CommandFailed("the service did not complete the command")
    return command


def _refused(failure):
    failure.trap(error.StanzaError)
    stanzaError = failure.value
    raise CommandFailed("%s%s" % (stanzaError.condition,
                                  ": " + stanzaError.text if stanzaError.text else ""))


def notes(command):
    """
    @return: C{(type, text)} of each note of a completed command.
    """
    return [(n.getAttribute("type", "info"), str(n)) for n in command.elements(NS_COMMANDS, "note")]


def _value(kind, values):
    """
    @return: the values of a field as JSON has them: a boolean for a
        boolean, a list for a multi-valued field, else text.
    """
    if kind == "boolean":
        return bool(values) and values[0].strip().lower() in ("1", "true")
    if kind in ("jid-multi", "text-multi", "list-multi"):
        return values
    return values[0] if values else ""


def _fields(element, kinds):
    result = {}
    for field in element.elements(NS_DATA, "field"):
        var = field.getAttribute("var")
        if var is None or var == "FORM_TYPE":
            continue
        kind = field.getAttribute("type") or kinds.get(var, "text-single")
        result[var] = _value(kind, [str(v) for v in field.elements(NS_DATA, "value")])
    return result


def formData(command):
    """
    Read the result form of a completed command as JSON-able data.

    @return: for a form of items (XEP-0004 section 3.4), a L{list} of
        L{dict}s, field name to value; for a form of fields, a L{dict};
        L{None} if the command carries no form.
    """
    form = next(command.elements(NS_DATA, "x"), None)
    if form is None:
        return None
    reported = next(form.elements(NS_DATA, "reported"), None)
    if reported is None:
        return _fields(form, {})
    kinds = {f.getAttribute("var"): f.getAttribute("type", "text-single")
             for f in reported.elements(NS_DATA, "field")}
    return [_fields(item, kinds) for item in form.elements(NS_DATA, "item")]


def isError(noted):
    """
    @return: whether a note of L{notes} tells of an error.
    """
    return noted[0] == "error"
