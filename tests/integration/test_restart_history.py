"""
A restart gives a persistent room the history it had live, after its
history was shortened and made longer again.
"""

from tests.integration.muc import configure, createRoom, join
from tests.integration.xmppclient import stanzaType

ROOM = "shrunk@muc.localhost"


def body(stanza):
    return stanza.find("{jabber:client}body").text


def say(client, text):
    client.send("<message to='%s' type='groupchat'><body>%s</body></message>" % (ROOM, text))
    client.expect(tag="message", frm=ROOM + "/alice",
                  predicate=lambda s: s.find("{jabber:client}body") is not None
                  and body(s) == text)


def test_shortenedHistoryStaysShort(mucservice, clients):
    """Messages dropped by a shorter history do not come back with a restart."""
    alice, bob = clients("alice"), clients("bob")
    createRoom(alice, ROOM, "alice", persistentroom=1, historylength=10)
    for n in range(4):
        say(alice, "m%d" % n)
    assert stanzaType(configure(alice, ROOM, historylength=1)) == "result"
    assert stanzaType(configure(alice, ROOM, historylength=10)) == "result"
    say(alice, "later")

    mucservice.stop()
    mucservice.start()
    mucservice.waitConnected()

    assert [body(m) for m in join(bob, ROOM + "/bob").history] == ["m3", "later"]
