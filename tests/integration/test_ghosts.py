"""
No ghost occupants, through a real Prosody: the service pings occupants that
may be gone (after the component link came back, or after an error bounce
from their session) and removes the ones that do not answer with status 333.
"""

import re

import pytest

from tests.integration.muc import NS_STANZAS, createRoom, join, mucItem, statuses
from tests.integration.xmppclient import stanzaType

NS_PING = "urn:xmpp:ping"
ROOM = "haunted@muc.localhost"

#: Seconds from a trigger to the ping, and for its answer.
DELAY, TIMEOUT = 1, 2

#: Long enough for a ping and its outcome to happen, with room to spare.
WAIT = DELAY + TIMEOUT + 10


@pytest.fixture
def pinging(startService):
    """
    The real service, with a short ping delay and timeout.
    """
    return startService("--ping-delay", str(DELAY), "--ping-timeout", str(TIMEOUT))


def bounce(client, to=ROOM, condition="recipient-unavailable"):
    """Send an error message from the client's full JID, as a broken client would."""
    client.send("<message type='error' to='%s'><error type='cancel'><%s xmlns='%s'/>"
                "</error></message>" % (to, condition, NS_STANZAS))


def expectPing(client):
    """@return: the ping the room sends the client."""
    ping = client.expect(tag="iq", type="get", ns=NS_PING, frm=ROOM, timeout=WAIT)
    assert ping.get("to") == client.jid
    return ping


def test_ghostsAfterLinkLoss(prosody, pinging, clients):
    """
    Sessions that vanished while the component link was down are removed
    after the delay: the nick is free and nobody sees a ghost.
    """
    alice = clients("alice")
    oldJID = alice.jid
    createRoom(alice, ROOM, "alice", persistentroom=1)

    prosody.kill()
    prosody.start()
    pinging.waitConnected()
    pinging.waitFor(re.escape(oldJID) + " is gone: ", timeout=WAIT)

    bob = clients("bob")
    joined = join(bob, ROOM + "/bob")
    assert 201 not in statuses(joined.own)
    assert joined.nicks() == []

    alice = clients("alice", resource="again")
    joined = join(alice, ROOM + "/alice")
    assert 110 in statuses(joined.own)
    assert mucItem(joined.own).get("affiliation") == "owner"
    assert joined.nicks() == ["bob"]
    entered = bob.expect(tag="presence", frm=ROOM + "/alice")
    assert stanzaType(entered) is None


def test_answeringSurvivesBounce(pinging, clients):
    """
    An occupant that answers the ping the room sends after its error
    bounce stays, and a newcomer still sees it.
    """
    alice = clients("alice")
    createRoom(alice, ROOM, "alice")
    bounce(alice)
    ping = expectPing(alice)
    alice.send("<iq type='result' to='%s' id='%s'/>" % (ROOM, ping.get("id")))
    pinging.waitFor(re.escape(alice.jid) + " answered the ping")

    carol = clients("carol")
    joined = join(carol, ROOM + "/carol")
    assert joined.nicks() == ["alice"]
    entered = alice.expect(tag="presence", frm=ROOM + "/carol")
    assert stanzaType(entered) is None


def test_silentIsRemoved(pinging, clients):
    """
    An occupant that does not answer the ping is removed: 110 and 333 for
    itself, 333 for the others; it can then rejoin cleanly.
    """
    alice, bob = clients("alice"), clients("bob")
    createRoom(alice, ROOM, "alice")
    join(bob, ROOM + "/bob")
    alice.expect(tag="presence", frm=ROOM + "/bob")

    bounce(alice)
    expectPing(alice)
    gone = alice.expect(tag="presence", type="unavailable", frm=ROOM + "/alice", timeout=WAIT)
    assert statuses(gone) == {110, 333}
    assert mucItem(gone).get("role") == "none"
    assert "connection to the room was lost" in mucItem(gone).findtext(
        "{http://jabber.org/protocol/muc#user}reason")
    seen = bob.expect(tag="presence", type="unavailable", frm=ROOM + "/alice")
    assert statuses(seen) == {333}

    joined = join(alice, ROOM + "/alice")
    assert statuses(joined.own) >= {110}
    assert 201 not in statuses(joined.own)
    assert stanzaType(joined.own) is None
    assert joined.nicks() == ["bob"]
    entered = bob.expect(tag="presence", frm=ROOM + "/alice")
    assert stanzaType(entered) is None
