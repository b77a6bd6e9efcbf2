"""
A small blocking XMPP client for the integration tests.

It speaks to a real server over plain TCP (no TLS: loopback only) as a
client does: stream header, SASL PLAIN, stream restart, resource binding.
Stanzas arrive as L{ElementTree.Element}s with Clark names
(C{{jabber:client}message}); the ones no test has asked for yet stay
buffered in arrival order until L{XMPPClient.expect} picks them.
"""

import base64
import itertools
import re
import select
import socket
import time
import uuid
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

NS_CLIENT = "jabber:client"
NS_STREAMS = "http://etherx.jabber.org/streams"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_SESSION = "urn:ietf:params:xml:ns:xmpp-session"
NS_REGISTER = "jabber:iq:register"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_XML = "http://www.w3.org/XML/1998/namespace"

STREAM_HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
                 " xmlns:stream='http://etherx.jabber.org/streams' to=%s version='1.0'>")


class XMPPClientError(Exception):
    """
    The server refused something: an error stanza, a SASL failure or a
    stream error.

    @ivar condition: the error condition's local name (C{"conflict"},
        C{"not-authorized"}, ...), or L{None}.
    @ivar element: the element that said so.
    """

    def __init__(self, message, element=None):
        self.element = element
        self.condition = errorCondition(element) if element is not None else None
        if self.condition:
            message = "%s: %s" % (message, self.condition)
        if element is not None:
            message = "%s\n%s" % (message, toXML(element))
        Exception.__init__(self, message)


def localName(tag):
    """@return: the tag without its namespace: C{"message"} for C{"{jabber:client}message"}."""
    return tag.rpartition("}")[2]


def namespace(tag):
    """@return: the namespace of a Clark name, or C{""} if it has none."""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def fromJID(stanza):
    """@return: the stanza's C{from}, or L{None}."""
    return stanza.get("from")


def toJID(stanza):
    """@return: the stanza's C{to}, or L{None}."""
    return stanza.get("to")


def stanzaType(stanza):
    """@return: the stanza's C{type}, or L{None}."""
    return stanza.get("type")


def errorCondition(element):
    """
    The defined condition of an error stanza, a stream error or a SASL
    failure.

    @return: its local name, such as C{"conflict"}, or L{None}.
    """
    holder = element.find("{%s}error" % (NS_CLIENT,))
    if holder is None:
        holder = element
    for child in holder:
        if namespace(child.tag) in (NS_STANZAS, NS_SASL,
                                    "urn:ietf:params:xml:ns:xmpp-streams"):
            if localName(child.tag) != "text":
                return localName(child.tag)
    return None


def toXML(element, parentNamespace=NS_CLIENT):
    """
    Serialize an element as a stanza of a C{jabber:client} stream: no
    C{ns0:} prefixes, an C{xmlns} only where the namespace changes. Tags
    without a namespace take their parent's; of namespaced attributes, only
    C{xml:} ones (C{xml:lang}) are supported.

    @param element: the element.
    @param parentNamespace: the namespace in scope where it goes.
    @return: the XML text.
    @rtype: L{str}
    """
    ns = namespace(element.tag) if element.tag.startswith("{") else parentNamespace
    parts = ["<", localName(element.tag)]
    if ns != parentNamespace:
        parts.append(" xmlns=%s" % (quoteattr(ns),))
    for key, value in element.attrib.items():
        name = "xml:" + localName(key) if namespace(key) == NS_XML else key
        parts.append(" %s=%s" % (name, quoteattr(value)))
    if element.text is None and len(element) == 0:
        parts.append("/>")
    else:
        parts.append(">")
        parts.append(escape(element.text or ""))
        for child in element:
            parts.append(toXML(child, ns))
            parts.append(escape(child.tail or ""))
        parts.append("</%s>" % (localName(element.tag),))
    return "".join(parts)


def matches(stanza, tag=None, frm=None, to=None, type=None, id=None, ns=None):
    """
    Whether a stanza has all the given properties; the ones left to
    L{None} are not checked.

    @param tag: the local name (C{"message"}, C{"presence"}, C{"iq"}).
    @param frm: the exact C{from}.
    @param to: the exact C{to}.
    @param type: the exact C{type}; C{""} means no C{type} at all (an
        available presence, a normal message).
    @param id: the exact C{id}.
    @param ns: a namespace that one of the stanza's children has.
    @rtype: L{bool}
    """
    if tag is not None and localName(stanza.tag) != tag:
        return False
    for name, wanted in (("from", frm), ("to", to), ("type", type), ("id", id)):
        if wanted is not None and stanza.get(name, "") != wanted:
            return False
    if ns is not None and not any(namespace(child.tag) == ns for child in stanza):
        return False
    return True


class XMPPClient:
    """
    One client stream on a blocking socket.

    @ivar jid: the full JID bound, or L{None} before binding.
    @ivar domain: the server domain.
    @ivar features: the last C{<stream:features/>} received.
    @ivar closed: whether the server closed the stream or the connection.
    """

    _ids = itertools.count(1)

    def __init__(self, sock, domain, timeout=10):
        """
        Open a stream and read its features.

        @param sock: a connected socket.
        @param domain: the domain to open streams to.
        """
        self.sock = sock
        self.domain = domain
        self.jid = None
        self.features = None
        self.closed = False
        self._eof = False
        self._buffer = []
        self._prefix = uuid.uuid4().hex[:6]
        self._openStream(timeout)

    @classmethod
    def _open(cls, host, port, domain, timeout):
        sock = socket.create_connection((host, port), timeout=timeout)
        try:
            return cls(sock, domain, timeout)
        except BaseException:
            sock.close()
            raise

    @classmethod
    def connect(cls, host, port, domain, user, password, resource="test", timeout=10):
        """
        Connect, authenticate with SASL PLAIN and bind a resource.

        @param host: the address to connect to.
        @param port: the client port.
        @param domain: the server domain.
        @param user: the account's local part.
        @param password: its password.
        @param resource: the resource to ask for.
        @param timeout: seconds allowed for each step.
        @return: the connected client; its C{jid} is the full JID bound.
        @rtype: L{XMPPClient}
        @raise XMPPClientError: authentication or binding failed.
        """
        client = cls._open(host, port, domain, timeout)
        try:
            client._authenticate(user, password, timeout)
            client._bind(resource, timeout)
        except BaseException:
            client.close()
            raise
        return client

    @classmethod
    def register(cls, host, port, domain, user, password, timeout=10):
        """
        Make an account by in-band registration (XEP-0077) on a stream of
        its own, closed afterwards.

        @return: the bare JID registered.
        @rtype: L{str}
        @raise XMPPClientError: the server refused (its C{condition} is
            C{"conflict"} when the account exists).
        """
        with cls._open(host, port, domain, timeout) as client:
            if client.features.find("{http://jabber.org/features/iq-register}register") is None:
                raise XMPPClientError("the server does not offer in-band registration",
                                      client.features)
            reply = client.iq(
                "<iq type='set'><query xmlns='%s'><username>%s</username>"
                "<password>%s</password></query></iq>"
                % (NS_REGISTER, escape(user), escape(password)), timeout)
            if reply.get("type") != "result":
                raise XMPPClientError("registration of %s@%s refused" % (user, domain), reply)
        return "%s@%s" % (user, domain)

    def _openStream(self, timeout):
        """Send a stream header; read the answer with a new parser."""
        self._parser = ElementTree.XMLPullParser(events=("start", "end"))
        self._depth = 0
        self._root = None
        self.send(STREAM_HEADER % (quoteattr(self.domain),))
        self.features = self.expect(
            lambda e: e.tag == "{%s}features" % (NS_STREAMS,), timeout=timeout)

    def _authenticate(self, user, password, timeout):
        mechanisms = [m.text for m in self.features.iter("{%s}mechanism" % (NS_SASL,))]
        if "PLAIN" not in mechanisms:
            raise XMPPClientError("the server does not offer SASL PLAIN (%s)"
                                  % (", ".join(mechanisms),), self.features)
        token = base64.b64encode(("\0%s\0%s" % (user, password)).encode("utf-8"))
        self.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>"
                  % (NS_SASL, token.decode("ascii")))
        outcome = self.expect(lambda e: namespace(e.tag) == NS_SASL
                              and localName(e.tag) in ("success", "failure"), timeout=timeout)
        if localName(outcome.tag) == "failure":
            raise XMPPClientError("authentication of %s@%s failed" % (user, self.domain),
                                  outcome)
        self._openStream(timeout)

    def _bind(self, resource, timeout):
        reply = self.iq("<iq type='set'><bind xmlns='%s'><resource>%s</resource></bind></iq>"
                        % (NS_BIND, escape(resource)), timeout)
        if reply.get("type") != "result":
            raise XMPPClientError("resource binding failed", reply)
        self.jid = reply.findtext("{%s}bind/{%s}jid" % (NS_BIND, NS_BIND))
        session = self.features.find("{%s}session" % (NS_SESSION,))
        if session is not None and session.find("{%s}optional" % (NS_SESSION,)) is None:
            reply = self.iq("<iq type='set'><session xmlns='%s'/></iq>" % (NS_SESSION,),
                            timeout)
            if reply.get("type") != "result":
                raise XMPPClientError("session establishment failed", reply)

    def send(self, stanza):
        """
        @param stanza: a stanza to send, as XML text or as an element (see
            L{toXML}).
        """
        if not isinstance(stanza, str):
            stanza = toXML(stanza)
        self.sock.sendall(stanza.encode("utf-8"))

    @property
    def streamLanguage(self):
        """
        The language the server's stream header declares (C{xml:lang}), that
        of every stanza on the stream that declares none (RFC 6120
        §4.7.4), or L{None}.
        """
        if self._root is None:
            return None
        return self._root.get("{%s}lang" % (NS_XML,))

    def _feed(self, data):
        """Parse received bytes, buffering each complete top-level element."""
        self._parser.feed(data)
        for event, element in self._parser.read_events():
            if event == "start":
                self._depth += 1
                if self._depth == 1:
                    self._root = element
            else:
                self._depth -= 1
                if self._depth == 1:
                    self._buffer.append(element)
                    self._root.remove(element)
                elif self._depth == 0:
                    self.closed = True

    def _receive(self, timeout):
        """@return: whether data came in C{timeout} seconds (it is parsed)."""
        if self._eof:
            return False
        # poll, not select: a benchmark's thousands of clients have file
        # descriptors past select's 1,024.
        waiting = select.poll()
        waiting.register(self.sock, select.POLLIN)
        if not waiting.poll(max(timeout, 0) * 1000):
            return False
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._eof = self.closed = True
            return False
        self._feed(data)
        return True

    def expect(self, predicate=None, timeout=10, **criteria):
        """
        Wait for a stanza, and take it out of the buffer; the others stay
        there, in the order they came.

        @param predicate: a callable taking an element and returning
            whether it is the one, or L{None}.
        @param timeout: seconds to wait.
        @param criteria: keywords of L{matches} (C{tag}, C{frm}, C{to},
            C{type}, C{id}, C{ns}) that the stanza must also satisfy.
        @return: the first stanza, buffered or new, that satisfies both.
        @rtype: L{ElementTree.Element}
        @raise AssertionError: none came in C{timeout} seconds or the
            stream ended first; the message lists what was received.
        """
        deadline = time.monotonic() + timeout
        checked = 0
        while True:
            for index in range(checked, len(self._buffer)):
                stanza = self._buffer[index]
                if matches(stanza, **criteria) and (predicate is None or predicate(stanza)):
                    return self._buffer.pop(index)
            checked = len(self._buffer)
            remaining = deadline - time.monotonic()
            if self.closed or remaining <= 0:
                break
            self._receive(remaining)
        what = " ".join(filter(None, [getattr(predicate, "__name__", None)]
                               + ["%s=%r" % item for item in sorted(criteria.items())]))
        raise AssertionError("%s: no stanza matching %s %s; received:\n%s" % (
            self.jid or self.domain, what or "anything",
            "before the stream closed" if self.closed else "in %ss" % (timeout,),
            "\n".join(toXML(s) for s in self._buffer) or "(nothing)"))

    def iq(self, stanza, timeout=10):
        """
        Send an iq and wait for its answer.

        @param stanza: the C{<iq/>} as XML text; an C{id} is added if it has
            none.
        @return: the C{result} or C{error} iq with the same C{id}.
        @rtype: L{ElementTree.Element}
        """
        if not isinstance(stanza, str):
            stanza = toXML(stanza)
        found = re.match(r"\s*<iq\b[^>]*?\sid\s*=\s*(['\"])(.*?)\1", stanza)
        if found:
            iqID = found.group(2)
        else:
            iqID = self.newID()
            stanza = re.sub(r"^\s*<iq\b", "<iq id='%s'" % (iqID,), stanza, count=1)
        self.send(stanza)
        return self.expect(lambda e: e.get("type") in ("result", "error"),
                           timeout=timeout, tag="iq", id=iqID)

    def newID(self):
        """@return: a stanza id unique to this process."""
        return "%s-%d" % (self._prefix, next(self._ids))

    def pending(self):
        """
        @return: the stanzas not yet taken by L{expect}, in arrival order,
            including what has arrived but was not read yet (this does not
            wait); the buffer is empty afterwards.
        """
        while self._receive(0):
            pass
        stanzas, self._buffer = self._buffer, []
        return stanzas

    def close(self, timeout=2):
        """
        End the stream and the connection politely: send
        C{</stream:stream>}, shut the sending side, and read until the
        server closes its side too (at most C{timeout} seconds). When this
        returns, the server has seen the client go. Safe to call twice.
        """
        if self.sock is None:
            return
        try:
            if not self._eof:
                if not self.closed:
                    self.send("</stream:stream>")
                self.sock.shutdown(socket.SHUT_WR)
                deadline = time.monotonic() + timeout
                while not self._eof and time.monotonic() < deadline:
                    self._receive(deadline - time.monotonic())
        except (OSError, ElementTree.ParseError):
            pass
        finally:
            self.sock.close()
            self.sock = None
            self._eof = self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *excInfo):
        self.close()

    def __repr__(self):
        return "<XMPPClient %s>" % (self.jid or self.domain,)
