"""
The archive (XEP-0313) and moderation (XEP-0425) through a real Prosody:
a query after a restart of the service finds the messages under the
stanza ids occupants saw live; a moderator's retraction reaches another
client, and a later query shows the tombstone.
"""

from tests.integration.muc import createRoom, join
from tests.integration.xmppclient import stanzaType

ROOM = "archive@muc.localhost"
NS_MAM = "urn:xmpp:mam:2"
NS_FORWARD = "urn:xmpp:forward:0"
NS_SID = "urn:xmpp:sid:0"
NS_RETRACT = "urn:xmpp:message-retract:1"
NS_MODERATE = "urn:xmpp:message-moderate:1"


def body(stanza):
    found = stanza.find("{jabber:client}body")
    return found.text if found is not None else None


def say(client, text, nick):
    """
    Send a groupchat message and wait for its reflection.

    @return: the stanza id the room gave it.
    """
    client.send("<message to='%s' type='groupchat'><body>%s</body></message>" % (ROOM, text))
    echo = client.expect(tag="message", frm=ROOM + "/" + nick,
                         predicate=lambda s: body(s) == text)
    return echo.find("{%s}stanza-id" % NS_SID).get("id")


def archive(client, queryID="q1"):
    """
    Query the room's whole archive.

    @return: the messages found (the forwarded ones) with their result ids,
        and the IQ answer.
    """
    answer = client.iq("<iq type='set' to='%s'><query xmlns='%s' queryid='%s'/></iq>"
                       % (ROOM, NS_MAM, queryID))
    found = []
    for stanza in client.pending():
        result = stanza.find("{%s}result" % NS_MAM)
        if result is not None and result.get("queryid") == queryID:
            message = result.find("{%s}forwarded/{jabber:client}message" % NS_FORWARD)
            found.append((result.get("id"), message))
    return found, answer


def test_archiveAfterRestart(startService, clients):
    """
    After the service restarts, a query finds every message, beyond the
    history, with the stanza ids occupants saw live.
    """
    service = startService()
    alice, bob = clients("alice"), clients("bob")
    createRoom(alice, ROOM, "alice", persistentroom=1, historylength=2)
    join(bob, ROOM + "/bob")
    ids = [say(alice, "m%d" % n, "alice") for n in range(4)]

    service.stop()
    service.start()
    service.waitConnected()

    join(bob, ROOM + "/bob")
    found, answer = archive(bob)
    assert stanzaType(answer) == "result"
    assert [(i, "m%d" % n) for n, i in enumerate(ids)] == [(i, body(m)) for i, m in found]
    assert [m.find("{%s}stanza-id" % NS_SID).get("id") for _, m in found] == ids
    assert answer.find("{%s}fin" % NS_MAM).get("complete") == "true"


def test_moderation(mucservice, clients):
    """
    A moderator's retraction reaches another occupant; a later query shows
    the message as a tombstone, and the announcement.
    """
    alice, bob = clients("alice"), clients("bob")
    createRoom(alice, ROOM, "alice", persistentroom=1)
    join(bob, ROOM + "/bob")
    alice.pending()
    target = say(bob, "buy cheap potions", "bob")
    answer = alice.iq("<iq type='set' to='%s'><moderate xmlns='%s' id='%s'>"
                      "<retract xmlns='%s'/><reason>spam</reason></moderate></iq>"
                      % (ROOM, NS_MODERATE, target, NS_RETRACT))
    assert stanzaType(answer) == "result"
    told = bob.expect(tag="message", frm=ROOM,
                      predicate=lambda s: s.find("{%s}retract" % NS_RETRACT) is not None)
    retract = told.find("{%s}retract" % NS_RETRACT)
    assert retract.get("id") == target
    assert retract.find("{%s}moderated" % NS_MODERATE).get("by") == ROOM + "/alice"

    found, _ = archive(bob, "q2")
    tombstone = dict(found)[target]
    assert body(tombstone) is None
    retracted = tombstone.find("{%s}retracted" % NS_RETRACT)
    assert retracted.get("by") == ROOM + "/alice"
    assert retracted.find("{%s}reason" % NS_RETRACT).text == "spam"
    assert found[-1][1].find("{%s}retract" % NS_RETRACT).get("id") == target
