"""
mucservice through a real Prosody with slixmpp as the client: its
C{xep_0045} plugin for joins, messages, configuration, affiliations, roles
and invitations, its C{xep_0313} plugin for the room archive and its
C{xep_0425} plugin for moderation (L{tests.integration.slix}).

The archive and moderation are being built on another branch: their tests
ask the room's disco#info first, and are skipped, saying why, while the
room does not advertise C{urn:xmpp:mam:2} or
C{urn:xmpp:message-moderate:1}; they run as soon as it does.
"""

import pytest
from slixmpp import JID

from tests.integration.slix import IqError, PresenceError

ROOM = "plaza@muc.localhost"
NS_MAM = "urn:xmpp:mam:2"
NS_MODERATE = "urn:xmpp:message-moderate:1"
NS_MUC = "http://jabber.org/protocol/muc"


def statusCodes(stanza):
    return stanza["muc"]["status_codes"]


def mucItem(stanza):
    """
    @return: the attributes of the muc#user C{<item/>} of a stanza, read
        from its XML.
    """
    item = stanza.xml.find("{%s#user}x/{%s#user}item" % (NS_MUC, NS_MUC))
    return dict(item.attrib) if item is not None else {}


def createRoom(client, room=ROOM, nick="alice", **fields):
    """
    Create a room with xep_0045: join (status 201), fetch the configuration
    form, fill in C{fields} (short names, as C{roomname} for
    C{muc#roomconfig_roomname}) and submit it.
    """
    own = client.join(room, nick)[0]
    assert 201 in statusCodes(own), "the room existed already"
    configure(client, room, **fields)


def configure(client, room=ROOM, **fields):
    muc = client.plugin("xep_0045")
    form = client.run(muc.get_room_config(JID(room)))
    client.call(form.set_values, {"muc#roomconfig_" + name: value
                                  for name, value in fields.items()})
    client.run(muc.set_room_config(JID(room), form))


def groupchat(client, body, room=ROOM):
    client.call(lambda: client.xmpp.send_message(mto=JID(room), mbody=body, mtype="groupchat"))


def received(client, body, sender):
    """
    @return: the groupchat message with C{body} from the occupant C{sender}
        (nick), as C{client} receives it.
    """
    return client.expect(lambda s: s.name == "message" and s["type"] == "groupchat"
                         and s["from"].resource == sender and s["body"] == body,
                         what="message %r from %s" % (body, sender))


def requireFeature(client, feature, work, room=ROOM):
    """
    Skip the test unless the room's disco#info, asked now, lists C{feature}.
    """
    if feature not in client.features(room):
        pytest.skip("%s does not advertise %s in disco#info: %s is not in this build yet"
                    % (room, feature, work))


def test_joinAndTalk(mucservice, slixClients):
    """
    xep_0045 joins a room it creates (201) and one that exists, sees the
    occupants and its own presence (110), and groupchat messages reach
    everyone with a stanza id; the history comes with a later join.
    """
    alice, bob = slixClients("alice", ["xep_0359"]), slixClients("bob")
    createRoom(alice)
    own, subject, occupants, history = bob.join(ROOM, "bob")
    assert 110 in statusCodes(own)
    assert mucItem(own)["role"] == "participant"
    # slixmpp counts its own presence among the occupants'.
    assert sorted(p["from"].resource for p in occupants) == ["alice", "bob"]
    groupchat(bob, "Hello from slixmpp")
    for client in (alice, bob):
        message = received(client, "Hello from slixmpp", "bob")
    assert message["stanza_id"]["by"] == JID(ROOM) and message["stanza_id"]["id"]
    carol = slixClients("carol")
    history = carol.join(ROOM, "carol")[3]
    assert [m["body"] for m in history] == ["Hello from slixmpp"]


def test_configuration(mucservice, slixClients):
    """
    xep_0045 reads the configuration form and submits it: the room takes the
    values (they come back in the form and disco#info), and occupants get
    status 104.
    """
    alice, bob = slixClients("alice"), slixClients("bob")
    createRoom(alice)
    bob.join(ROOM, "bob")
    configure(alice, roomname="The Plaza", moderatedroom=True, persistentroom=True)
    changed = bob.expect(lambda s: s.name == "message" and 104 in statusCodes(s),
                         what="status 104")
    assert changed["from"] == JID(ROOM)
    form = alice.run(alice.plugin("xep_0045").get_room_config(JID(ROOM)))
    values = alice.call(form.get_values)
    assert values["muc#roomconfig_roomname"] == "The Plaza"
    assert values["muc#roomconfig_moderatedroom"] in (True, "1", "true")
    features = bob.features(ROOM)
    assert {"muc_moderated", "muc_persistent"} <= features


def test_affiliationsAndRoles(mucservice, slixClients):
    """
    xep_0045 grants and lists affiliations and roles: a member is listed, an
    outcast cannot join, a participant made moderator is listed as one, and
    a non-owner may not change affiliations.
    """
    alice, bob, mallory = slixClients("alice"), slixClients("bob"), slixClients("mallory")
    createRoom(alice)
    bob.join(ROOM, "bob")
    muc = alice.plugin("xep_0045")
    alice.run(muc.set_affiliation(JID(ROOM), "member", jid=JID("bob@localhost")))
    alice.run(muc.set_affiliation(JID(ROOM), "outcast", jid=JID("mallory@localhost"),
                                  reason="spam"))
    assert alice.run(muc.get_affiliation_list(JID(ROOM), "member")) == [JID("bob@localhost")]
    assert alice.run(muc.get_affiliation_list(JID(ROOM), "outcast")) == [
        JID("mallory@localhost")]
    with pytest.raises(PresenceError) as refused:
        mallory.join(ROOM, "mallory")
    assert refused.value.condition == "forbidden"
    alice.run(muc.set_role(JID(ROOM), "bob", "moderator"))
    assert sorted(alice.run(muc.get_roles_list(JID(ROOM), "moderator"))) == ["alice", "bob"]
    with pytest.raises(IqError) as forbidden:
        bob.run(bob.plugin("xep_0045").set_affiliation(JID(ROOM), "owner",
                                                       jid=JID("bob@localhost")))
    assert forbidden.value.condition == "forbidden"


def test_invitations(mucservice, slixClients):
    """
    xep_0045's mediated invitation to a members-only room reaches the
    invitee (naming the inviter by occupant JID, as the room is
    semi-anonymous), who may then enter; another invitee's decline reaches
    the inviter.
    """
    alice, carol, dave = slixClients("alice"), slixClients("carol"), slixClients("dave")
    createRoom(alice, membersonly=True)
    alice.call(alice.plugin("xep_0045").invite, JID(ROOM), JID("carol@localhost"), "Come in")
    invitation = carol.expect(lambda s: s.name == "message" and s["muc"]["invite"]["from"],
                              what="invitation")
    assert invitation["from"] == JID(ROOM)
    assert invitation["muc"]["invite"]["from"] == JID(ROOM + "/alice")
    assert invitation["muc"]["invite"]["reason"] == "Come in"
    assert mucItem(carol.join(ROOM, "carol")[0])["affiliation"] == "member"
    alice.call(alice.plugin("xep_0045").invite, JID(ROOM), JID("dave@localhost"))
    dave.expect(lambda s: s.name == "message" and s["muc"]["invite"]["from"],
                what="invitation")
    dave.call(dave.plugin("xep_0045").decline, JID(ROOM), JID(alice.jid), "Busy")
    declined = alice.expect(lambda s: s.name == "message" and s["muc"]["decline"]["from"],
                            what="decline")
    assert (declined["muc"]["decline"]["from"].bare, declined["muc"]["decline"]["reason"]) == (
        "dave@localhost", "Busy")


def test_archive(mucservice, slixClients):
    """
    xep_0313 reads the room's archive (XEP-0313): the messages said, in
    order, with their senders.
    """
    alice = slixClients("alice", ["xep_0313", "xep_0359"])
    createRoom(alice)
    requireFeature(alice, NS_MAM, "the archive (XEP-0313)")
    for n in range(3):
        groupchat(alice, "archived %d" % n)
        received(alice, "archived %d" % n, "alice")

    async def archived():
        found = []
        async for result in alice.plugin("xep_0313").iterate(jid=JID(ROOM), rsm={"max": 2}):
            message = result["mam_result"]["forwarded"]["stanza"]
            found.append((message["from"].resource, message["body"]))
        return found

    assert alice.run(archived()) == [("alice", "archived %d" % n) for n in range(3)]


def test_moderation(mucservice, slixClients):
    """
    xep_0425 retracts an occupant's message as a moderator (XEP-0425): the
    occupants are told which message, by its stanza id.
    """
    alice, bob = slixClients("alice", ["xep_0425", "xep_0359"]), slixClients("bob", ["xep_0359"])
    createRoom(alice)
    requireFeature(alice, NS_MODERATE, "moderation (XEP-0425)")
    bob.join(ROOM, "bob")
    groupchat(bob, "something regrettable")
    stanzaID = received(alice, "something regrettable", "bob")["stanza_id"]["id"]
    alice.run(alice.plugin("xep_0425").moderate(JID(ROOM), stanzaID, "off topic"))
    told = bob.expect(lambda s: s.name == "message" and s.xml.find(
        ".//{urn:xmpp:message-moderate:1}moderated") is not None, what="moderation")
    retract = told.xml.find("{urn:xmpp:message-retract:1}retract")
    assert told["from"] == JID(ROOM) and retract is not None and retract.get("id") == stanzaID
