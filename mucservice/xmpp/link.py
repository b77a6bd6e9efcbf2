"""
The component link's health (XEP-0114): why the XMPP server closed or
refused it, how long it was down, and when to try again.

Twisted's reconnecting factory resets its delay on every TCP connection: a
server that accepts the connection and then refuses the handshake (a wrong
secret) was tried once a second for ever, and the stream error that said
why was dropped. Here:

  - every stream error is recorded with its condition and logged once, with
    what to check (L{ADVICE}), for as long as it repeats;
  - the delay between attempts grows from 1 s with every failed attempt (a
    TCP connection alone no longer resets it), up to L{MAX_RECONNECT_DELAY}
    when the server could not be reached and L{MAX_REFUSED_DELAY} when it
    refused the component, and is 1 s again only once the handshake
    succeeds;
  - a refusal that only a change of configuration cures (L{AUTH_FAILURES})
    may end the process (C{--exit-on-auth-failure}, for systemd);
  - every reconnection logs how long the link was down, and a link that
    stays down is logged again every L{REPEAT_INTERVAL} seconds, not at
    every attempt.

L{LinkState} holds what the metrics read. The stream's header declares its
language (L{STREAM_LANG}), which Twisted's does not.
"""

from twisted.logger import Logger, LogLevel
from twisted.words.protocols.jabber import xmlstream
from twisted.words.protocols.jabber.component import ConnectComponentAuthenticator
from twisted.words.xish import domish
from twisted.words.xish.xmlstream import XmlStreamFactoryMixin

from mucservice.xmpp.namespaces import NS_XML

#: The language of the component stream, which its header declares: every
#: stanza the service writes without an C{xml:lang} is in it (RFC 6120
#: section 4.7.4), so the room's messages leave out an C{xml:lang} that says
#: the same (L{copiedLang}). Prosody stamps every stanza that has none with
#: its stream's language, so its clients get it back; ejabberd (23.01)
#: passes such stanzas on without one, as it does its own clients' stanzas
#: that have none.
STREAM_LANG = "en"


def copiedLang(lang):
    """
    The C{xml:lang} of what the service writes from a stanza it received:
    a groupchat copy, a history replay or archive result, a private
    message, an IQ passed on to an occupant or its answer.

    @param lang: the received stanza's C{xml:lang}, or L{None}.
    @return: C{lang}, or L{None} when it is L{STREAM_LANG}, which the copy
        inherits from the stream (14 bytes less for the server to parse).
    """
    return lang if lang != STREAM_LANG else None

#: Seconds before the first reconnection attempt after the link is lost.
INITIAL_RECONNECT_DELAY = 1.0

#: The longest wait between two attempts, in seconds, while the server
#: cannot be reached or closed the link. Twisted's default (an hour) is far
#: too long for a chat service whose server restarted.
MAX_RECONNECT_DELAY = 30.0

#: The longest wait while the server refuses the component: nothing changes
#: until somebody mends the configuration, and the server logs each try.
MAX_REFUSED_DELAY = 60.0

#: Seconds between two log lines that say the link is still down for the
#: same reason.
REPEAT_INTERVAL = 600.0

#: Stream error conditions (RFC 6120 section 4.9.3) received before the
#: handshake succeeded that no retry cures: C{--exit-on-auth-failure} ends
#: the process on them.
AUTH_FAILURES = frozenset(["not-authorized", "host-unknown", "host-gone", "invalid-from",
                           "improper-addressing"])

_CHECK_JID = ("check --jid against the component declared in the server's configuration "
              "(Prosody: Component \"{jid}\"; ejabberd: the hosts of the ejabberd_service "
              "listener; Openfire: External Components)")

#: Stream error condition to what to check, for the log.
ADVICE = {
    "not-authorized": "the secret does not match: check --secret or --secret-file against the "
                      "component's secret in the server's configuration (Prosody: "
                      "component_secret; ejabberd: the password of the ejabberd_service "
                      "listener; Openfire: the shared secret)",
    "host-unknown": "the server has no component {jid}: " + _CHECK_JID,
    "host-gone": "the server no longer serves {jid}: " + _CHECK_JID,
    "invalid-from": "the server does not accept {jid} from this connection: " + _CHECK_JID,
    "improper-addressing": "the server expected another address: " + _CHECK_JID,
    "conflict": "another connection already uses {jid}: is a second mucservice, or another "
                "component of that name, connected?",
    "system-shutdown": "the server is shutting down; the service reconnects once it is back",
    "policy-violation": "the server refused something the service sent (a stanza over its "
                        "size limit?): check --max-stanza-size against the server's limit, and "
                        "the server's log",
    "connection-timeout": "the server closed a link it found idle; the server's log says more",
}

#: What to check when no stream error says more.
DEFAULT_ADVICE = "the server's log says more"

#: What to check when the server could not be reached at all.
UNREACHABLE_ADVICE = ("is the XMPP server running and accepting components on {host}:{port} "
                      "(Prosody: component_ports and component_interfaces; ejabberd: a listener "
                      "with module ejabberd_service)? Check --host and --port")


def describeSeconds(seconds):
    """
    @return: a duration for people: C{"0.4 s"}, C{"42 s"}, C{"3 min 20 s"},
        C{"2 h 5 min"}, C{"3 d 4 h"}.
    """
    if seconds < 10:
        return "%.1f s" % (seconds,)
    seconds = int(seconds)
    for unit, size, smaller, smallerSize in (("d", 86400, "h", 3600), ("h", 3600, "min", 60),
                                             ("min", 60, "s", 1)):
        if seconds >= size:
            whole, rest = divmod(seconds, size)
            return "%d %s %d %s" % (whole, unit, rest // smallerSize, smaller)
    return "%d s" % (seconds,)


class LinkState:
    """
    What the component link is doing, told by the component and its
    factory. It logs one line per change: the link up (with how long it
    was down), lost, or down with why and what to check; a link that stays
    down for the same reason is logged again only every
    L{REPEAT_INTERVAL} seconds. The metrics read its numbers.

    @ivar up: whether the handshake succeeded and the link is open.
    @ivar since: when the link last went up or down (the reactor's time).
    @ivar reconnects: how often the link came up again after being up.
    @ivar failedAttempts: attempts that did not end with a link, in all.
    @ivar attempts: failed attempts since the link was last up.
    @ivar streamErrors: stream error condition to how often it came.
    @ivar refused: the condition of the stream error that refused the last
        attempt before its handshake succeeded, or L{None}.
    @ivar authFailed: L{None}, or a callable of one line of text, called
        when the server refuses the component for a reason in
        L{AUTH_FAILURES} (C{--exit-on-auth-failure}).
    """

    log = Logger()

    def __init__(self, clock, jid, host, port):
        """
        @param clock: what tells the time (the reactor).
        """
        self.clock = clock
        self.names = {"jid": jid, "host": host, "port": port}
        self.up = self.everUp = False
        self.since = clock.seconds()
        self.reconnects = self.failedAttempts = self.attempts = 0
        self.streamErrors = {}
        self.refused = self.authFailed = None
        # Why the current stream or attempt ended, what to check, and how
        # long the link had been up if it had.
        self._why = self._advice = self._uptime = None
        # Why the link was last said to be down, and when.
        self._logged = self._loggedAt = None

    def _fill(self, text):
        return text.format(**self.names)

    def streamError(self, condition, text, authenticated):
        """
        The server sent a stream error; it closes the link next.

        @param text: the error's text, or L{None}.
        @param authenticated: whether the handshake had succeeded.
        """
        self.streamErrors[condition] = self.streamErrors.get(condition, 0) + 1
        detail = condition + (" (%s)" % (text,) if text else "")
        self._advice = self._fill(ADVICE.get(condition, DEFAULT_ADVICE))
        if authenticated:
            self._why = "the server closed it with the stream error " + detail
            return
        self.refused = condition
        self._why = self._fill("the server refused the component {jid} with the stream error "
                               + detail)
        if condition in AUTH_FAILURES and self.authFailed is not None:
            self.authFailed("%s: %s" % (self._why, self._advice))

    def authenticated(self):
        """
        The handshake succeeded: the link is up.
        """
        now = self.clock.seconds()
        again, fields = "", {}
        if self.everUp:
            again = " again after %s down (%d failed attempts)"
        elif self.attempts:
            again = " after %s and %d failed attempts"
        if again:
            fields["downtime"] = now - self.since
            again %= (describeSeconds(now - self.since), self.attempts)
        if self.everUp:
            self.reconnects += 1
        self.log.info("component {jid} is connected{again}", event="link.up", again=again,
                      attempts=self.attempts, jid=self.names["jid"], **fields)
        self.up = self.everUp = True
        self.since = now
        self.attempts = 0
        self.refused = self._why = self._advice = self._logged = None

    def ended(self, reason):
        """
        The stream ended (the factory hears of it next, and tries again).

        @param reason: the L{Failure<twisted.python.failure.Failure>} of the
            lost connection.
        """
        now = self.clock.seconds()
        if self.up:
            self.up = False
            self._uptime = now - self.since
            self.since = now
        else:
            self.attempts += 1
            self.failedAttempts += 1
        if self._why is None:
            self._why = "the connection was closed (%s)" % (reason.getErrorMessage(),)
            self._advice = self._fill(DEFAULT_ADVICE)

    def attemptFailed(self, reason):
        """
        No TCP connection could be made.
        """
        self.attempts += 1
        self.failedAttempts += 1
        self.refused = None
        self._why = "cannot connect to %s:%s (%s)" % (self.names["host"], self.names["port"],
                                                      reason.getErrorMessage())
        self._advice = self._fill(UNREACHABLE_ADVICE)

    def retrying(self, delay):
        """
        The factory tries again in C{delay} seconds: say why the link is
        down, unless that was said less than L{REPEAT_INTERVAL} ago.
        """
        why, advice, uptime = self._why, self._advice, self._uptime
        self._why = self._advice = self._uptime = None
        now = self.clock.seconds()
        fields = dict(why=why, advice=advice, wait=describeSeconds(delay), delay=delay,
                      attempts=self.attempts, downtime=now - self.since,
                      down=describeSeconds(now - self.since), jid=self.names["jid"])
        if uptime is not None:
            self.log.warn("link to the XMPP server is lost after {uptime} up: {why}; {advice}; "
                          "reconnecting in {wait}", event="link.lost",
                          uptime=describeSeconds(uptime), **fields)
        elif why != self._logged:
            self.log.emit(self._level(), "link to the XMPP server is down: {why}; {advice}; "
                          "next attempt in {wait}", event="link.down", **fields)
        elif now - self._loggedAt >= REPEAT_INTERVAL:
            self.log.emit(self._level(), "link to the XMPP server is still down after {down} "
                          "and {attempts} failed attempts: {why}; {advice}; next attempt in "
                          "{wait}", event="link.down", **fields)
        else:
            return
        self._logged, self._loggedAt = why, now

    def _level(self):
        return LogLevel.error if self.refused else LogLevel.warn


class LinkStream(xmlstream.XmlStream):
    """
    The component stream, whose header declares its language,
    L{STREAM_LANG}.

    Twisted's L{sendHeader<xmlstream.XmlStream.sendHeader>} builds the
    header from the stream's fields and has no place for a language; the
    header of a component that connects (XEP-0114) carries only its
    namespace and the JID it asks for (no C{from}, C{id} or C{version}),
    so it is written here whole, with the language.
    """

    def sendHeader(self):
        header = domish.Element((xmlstream.NS_STREAMS, "stream"), self.namespace)
        header["to"] = self.otherEntity.userhost()
        header[(NS_XML, "lang")] = STREAM_LANG
        self.send(header.toXml(prefixes=self.prefixes, closeElement=0))
        self._headerSent = True


class LinkFactory(xmlstream.XmlStreamFactory):
    """
    The component's stream factory: its delay grows with every failed
    attempt, TCP connection or not, and is reset by the component once the
    handshake succeeds; it tells the L{LinkState} of every attempt. Its
    streams are L{LinkStream}s.

    @ivar link: the L{LinkState}.
    """

    protocol = LinkStream
    noisy = False
    initialDelay = delay = INITIAL_RECONNECT_DELAY
    maxDelay = MAX_RECONNECT_DELAY

    def __init__(self, authenticator, link):
        xmlstream.XmlStreamFactory.__init__(self, authenticator)
        self.link = link

    def buildProtocol(self, addr):
        # Not XmlStreamFactory's, which resets the delay on every connection.
        return XmlStreamFactoryMixin.buildProtocol(self, addr)

    def clientConnectionFailed(self, connector, reason):
        if self.continueTrying:
            self.link.attemptFailed(reason)
        xmlstream.XmlStreamFactory.clientConnectionFailed(self, connector, reason)

    def retry(self, connector=None):
        self.maxDelay = MAX_REFUSED_DELAY if self.link.refused else MAX_RECONNECT_DELAY
        self.delay = min(self.delay, self.maxDelay)
        xmlstream.XmlStreamFactory.retry(self, connector)
        if self._callID is not None and self._callID.active():
            self.link.retrying(self._callID.getTime() - self.clock.seconds())


def componentFactory(jid, secret, link):
    """
    @return: the L{LinkFactory} of a component C{jid} that authenticates
        with C{secret}.
    """
    return LinkFactory(ConnectComponentAuthenticator(jid, secret), link)
