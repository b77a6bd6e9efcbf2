"""
Never harm the link, through a real Prosody: Prosody closes the stream of a
component that sends a stanza over 512 KiB, and with it every room.
"""

from tests.integration.muc import NS_MUC, condition, createRoom, join

ROOM = "hall@muc.localhost"


def test_oversizedPresenceKeepsTheLink(mucservice, clients):
    """
    A presence with a 100 kB attribute of quotes (600 kB once escaped, as
    Prosody and the room write it) is refused with policy-violation; the
    service stays connected, and a later joiner joins normally.
    """
    alice, bob, carol = clients(), clients(), clients()
    createRoom(alice, ROOM, "alice")
    bob.send("<presence to='%s/bob'><x xmlns='%s'/><c xmlns='urn:example:c' v='%s'/></presence>"
             % (ROOM, NS_MUC, '"' * 100_000))
    error = bob.expect(tag="presence", frm=ROOM + "/bob", type="error", timeout=20)
    assert condition(error) == "policy-violation"
    joined = join(carol, ROOM + "/carol")
    assert joined.nicks() == ["alice"]
    assert joined.own is not None
    assert mucservice.running
    assert not any("link to the XMPP server is lost" in line for line in mucservice.log)
