"""
A restart of mucservice keeps persistent rooms, their configuration,
affiliations, subject and history; temporary rooms vanish.
"""

from tests.integration.muc import admin, createRoom, join, joinRefused, mucItem
from tests.integration.xmppclient import stanzaType

ROOM = "keep@muc.localhost"


def body(stanza):
    return stanza.find("{jabber:client}body").text


def test_restartKeepsPersistentRoom(mucservice, clients):
    """Room, name, affiliations, subject and history survive a restart of the service."""
    alice, bob = clients("alice"), clients("bob")
    createRoom(alice, ROOM, "alice", persistentroom=1, roomname="Kept", membersonly=1)
    answer = admin(alice, ROOM, "<item jid='bob@localhost' affiliation='member'/>"
                   "<item jid='mallory@localhost' affiliation='outcast'/>")
    assert stanzaType(answer) == "result"
    alice.send("<message to='%s' type='groupchat'><subject>Kept subject</subject></message>"
               % ROOM)
    for n in range(3):
        alice.send("<message to='%s' type='groupchat'><body>m%d</body></message>" % (ROOM, n))
        alice.expect(tag="message", frm=ROOM + "/alice",
                     predicate=lambda s, n=n: s.find("{jabber:client}body") is not None
                     and body(s) == "m%d" % n)
    createRoom(alice, "temporary@muc.localhost", "alice")

    mucservice.stop()
    mucservice.start()
    mucservice.waitConnected()

    joined = join(bob, ROOM + "/bob")
    assert mucItem(joined.own).get("affiliation") == "member"
    assert [body(m) for m in joined.history] == ["m0", "m1", "m2"]
    assert joined.subject.find("{jabber:client}subject").text == "Kept subject"
    mallory = clients("mallory")
    assert joinRefused(mallory, ROOM + "/mallory") == "forbidden"
    info = bob.iq("<iq type='get' to='%s'><query xmlns='http://jabber.org/protocol/disco#info'/>"
                  "</iq>" % ROOM)
    names = [i.get("name") for i in info.iter("{http://jabber.org/protocol/disco#info}identity")]
    assert names == ["Kept"]
    gone = bob.iq("<iq type='get' to='temporary@muc.localhost'><query "
                  "xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    assert stanzaType(gone) == "error"
