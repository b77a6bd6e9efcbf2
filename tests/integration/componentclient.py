"""
An external component (XEP-0114) as the integration tests speak it: a
stand-in for another server, which sends stanzas from addresses of its
domain straight into the XMPP server, past the checks the server applies
to its own clients' stanzas (ejabberd passes on to a component what
Prosody's client code refuses, such as an IQ request with two children).
"""

import hashlib
import re
import socket
import time
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

from tests.integration.xmppclient import XMPPClient, XMPPClientError, localName

NS_COMPONENT = "jabber:component:accept"

STREAM_HEADER = ("<?xml version='1.0'?><stream:stream xmlns='%s'"
                 " xmlns:stream='http://etherx.jabber.org/streams' to=%%s>" % (NS_COMPONENT,))


class ComponentClient(XMPPClient):
    """
    A component stream on a blocking socket.

    @ivar jid: the address it sends from when a stanza says none: a user
        of its domain.
    """

    def __init__(self, sock, domain, secret, user, timeout=10):
        self.secret = secret
        XMPPClient.__init__(self, sock, domain, timeout)
        self.jid = "%s@%s" % (user, domain)

    @classmethod
    def connect(cls, host, port, domain, secret, user="tester", timeout=10):
        """
        Connect and authenticate with the handshake of XEP-0114.

        @return: the connected component.
        @raise XMPPClientError: the server refused the handshake.
        """
        sock = socket.create_connection((host, port), timeout=timeout)
        try:
            return cls(sock, domain, secret, user, timeout)
        except BaseException:
            sock.close()
            raise

    def _openStream(self, timeout):
        """
        Open the stream, then give the server the hash of its stream id and
        the secret (XEP-0114 section 3).
        """
        self._parser = ElementTree.XMLPullParser(events=("start", "end"))
        self._depth = 0
        self._root = None
        XMPPClient.send(self, STREAM_HEADER % (quoteattr(self.domain),))
        deadline = time.monotonic() + timeout
        while self._root is None and not self.closed and time.monotonic() < deadline:
            self._receive(deadline - time.monotonic())
        if self._root is None:
            raise XMPPClientError("the server opened no stream to %s" % (self.domain,))
        digest = hashlib.sha1((self._root.get("id") + self.secret).encode("utf-8"))
        XMPPClient.send(self, "<handshake>%s</handshake>" % (digest.hexdigest(),))
        answer = self.expect(lambda e: localName(e.tag) in ("handshake", "error"),
                             timeout=timeout)
        if localName(answer.tag) != "handshake":
            raise XMPPClientError("the server refused the component %s" % (self.domain,), answer)

    def send(self, stanza):
        """
        Send a stanza; one without C{from} is sent from L{jid}, as a
        component must say who sends.
        """
        if isinstance(stanza, str) and self.jid and not re.match(
                r"\s*<(iq|message|presence)\b[^>]*\sfrom\s*=", stanza):
            stanza = re.sub(r"^\s*<(iq|message|presence)\b",
                            lambda m: "<%s from='%s'" % (m.group(1), self.jid), stanza, count=1)
        XMPPClient.send(self, stanza)
