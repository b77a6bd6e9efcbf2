"""
The core of the service behind ejabberd instead of Prosody: joining and
talking, the removal of a ghost whose link died while the component link was
down, offline copies stored by ejabberd's mod_offline, and what the service
answers to IQs that ejabberd passes on where Prosody would answer itself.
"""

import re
import socket
import struct

import pytest

from tests.integration.linkcut import ComponentRelay
from tests.integration.muc import NS_STANZAS, condition, createRoom, join, mucItem, statuses
from tests.integration.test_offline import ROOM, absentRegistrant, forwardedBody, say
from tests.integration.test_rooms import LANGUAGES_READ, XML_LANG, languagesRead
from tests.integration.xmppclient import stanzaType

NS_PING = "urn:xmpp:ping"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"


def killSocket(client):
    """
    End a client's connection with a reset, without closing its stream,
    as a phone that loses its network does.
    """
    client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.sock.close()
    client.sock = None


def test_joinAndTalk(mucservice, clients):
    """
    Through ejabberd, a room is created and configured, a second user joins
    and sees the first, and a groupchat message reaches both with the
    room's stanza id.
    """
    alice, bob = clients("alice"), clients("bob")
    joined = createRoom(alice, ROOM, "alice", persistentroom=1)
    assert mucItem(joined.own).get("affiliation") == "owner"
    joined = join(bob, ROOM + "/bob")
    assert joined.nicks() == ["alice"]
    assert 201 not in statuses(joined.own)
    alice.expect(tag="presence", frm=ROOM + "/bob", type="")

    say(bob, "hello from ejabberd", "bob")
    seen = alice.expect(tag="message", frm=ROOM + "/bob", type="groupchat")
    assert seen.findtext("{jabber:client}body") == "hello from ejabberd"
    assert seen.find("{urn:xmpp:sid:0}stanza-id").get("by") == ROOM


def test_languageOfReflections(mucservice, clients):
    """
    Through ejabberd, which stamps no language on what it passes on, a
    groupchat copy that leaves out the service's stream language ('en')
    still reads as English to the recipient: its own stream's header says
    'en', and a stanza without C{xml:lang} is in the stream's language. A
    message that said 'de' keeps 'de'; the history a newcomer gets reads
    the same.
    """
    def read(client, stanza):
        assert client.streamLanguage == "en"
        return stanza.get(XML_LANG, client.streamLanguage)

    people = clients("alice"), clients("bob"), clients("carol")
    for seen in languagesRead(ROOM, *people, language=read):
        assert seen == LANGUAGES_READ


def test_deadSocketLeaves(mucservice, clients):
    """
    When a client's connection dies, ejabberd sends the room its
    unavailable presence: the occupant leaves at once, without 333, and
    its nick is free.
    """
    alice, bob = clients("alice"), clients("bob")
    createRoom(alice, ROOM, "alice")
    join(bob, ROOM + "/bob")
    alice.expect(tag="presence", frm=ROOM + "/bob")

    killSocket(alice)
    gone = bob.expect(tag="presence", frm=ROOM + "/alice", type="unavailable")
    assert 333 not in statuses(gone)
    assert mucItem(gone).get("role") == "none"
    assert joinedAs(clients("carol"), "alice") == ["bob"]


def joinedAs(client, nick):
    """@return: the nicks a client sees on joining the room as C{nick}."""
    return join(client, ROOM + "/" + nick).nicks()


def test_ghostRemovedAfterLinkCut(ejabberd, startService, clients):
    """
    A client whose connection dies while the component link is down is a
    ghost: ejabberd had nowhere to send its unavailable presence. When the
    link is back the service pings every occupant; ejabberd answers the
    ghost's ping with an error, and the ghost is removed with 333, while
    an occupant that answers stays.
    """
    relay = ComponentRelay(ejabberd.componentPort)
    try:
        service = startService("--ping-delay", "1", "--ping-timeout", "2", port=relay.port)
        alice, bob = clients("alice"), clients("bob")
        createRoom(alice, ROOM, "alice")
        join(bob, ROOM + "/bob")
        alice.expect(tag="presence", frm=ROOM + "/bob")
        oldJID = alice.jid

        relay.cut()
        service.waitFor("link to the XMPP server is lost")
        killSocket(alice)
        ejabberd.waitForLog("Closing c2s session for %s" % (oldJID,))
        relay.mend()
        service.waitConnected()

        ping = bob.expect(tag="iq", type="get", ns=NS_PING, frm=ROOM, timeout=10)
        bob.send("<iq type='result' to='%s' id='%s'/>" % (ROOM, ping.get("id")))
        gone = bob.expect(tag="presence", frm=ROOM + "/alice", type="unavailable", timeout=10)
        assert statuses(gone) == {333}
        service.waitFor(re.escape(oldJID) + " is gone: ")
        assert joinedAs(clients("alice", resource="again"), "alice") == ["bob"]
    finally:
        relay.close()


def test_forwardStoredByModOffline(startService, clients):
    """
    With C{forward}, the copy for a registered member who is offline is
    stored by ejabberd's mod_offline and delivered at the member's next
    login, forwarded with the original sender and a delay.
    """
    startService("--offline-delivery", "forward")
    owner = absentRegistrant(clients)

    say(owner, "while you were away", "owner")
    # ejabberd handles what the component sends in order, the copy before
    # this answer: once it arrives, the copy is stored.
    answer = owner.iq("<iq type='get' to='%s'><ping xmlns='%s'/></iq>" % (ROOM, NS_PING))
    assert stanzaType(answer) == "result", answer

    back = clients("member", resource="back")
    back.send("<presence/>")
    # ejabberd leaves out type='normal', the default, when it delivers.
    stored = back.expect(tag="message", frm=ROOM,
                         predicate=lambda s: forwardedBody(s) is not None)
    assert stored.get("type", "normal") == "normal"
    assert forwardedBody(stored) == "while you were away"
    inner = stored.find("{urn:xmpp:forward:0}forwarded/{jabber:client}message")
    assert (inner.get("from"), inner.get("type")) == (ROOM + "/owner", "groupchat")
    delay = stored.find("{urn:xmpp:forward:0}forwarded/{urn:xmpp:delay}delay")
    assert delay.get("from") == ROOM and delay.get("stamp")


@pytest.mark.parametrize("to", ["muc.localhost", ROOM])
def test_twoChildrenRefused(mucservice, clients, to):
    """
    An IQ with two children, which RFC 6120 forbids and ejabberd passes
    on, is answered bad-request, by the service and by a room.
    """
    alice = clients("alice")
    createRoom(alice, ROOM, "alice")
    answer = alice.iq("<iq type='get' to='%s'><query xmlns='%s'/><query xmlns='%s'/></iq>"
                      % (to, NS_DISCO_INFO, NS_DISCO_ITEMS))
    assert stanzaType(answer) == "error", answer
    assert condition(answer) == "bad-request"
    assert answer.find("{jabber:client}error/{%s}bad-request" % NS_STANZAS) is not None
