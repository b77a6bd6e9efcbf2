"""
Room features beyond entering and talking, through a real Prosody:
invitations, voice requests, destruction, registration, service discovery,
pings and IQs passed on between occupants.
"""

from tests.integration.muc import (
    NS_DATA,
    NS_MUC,
    NS_MUC_OWNER,
    NS_MUC_USER,
    admin,
    condition,
    createRoom,
    form,
    join,
    joinRefused,
    mucItem,
    statuses,
)
from tests.integration.xmppclient import stanzaType, toXML

ROOM = "hall@muc.localhost"
SERVICE = "muc.localhost"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
NS_REQUEST = NS_MUC + "#request"
NS_REGISTER = "jabber:iq:register"
NS_PING = "urn:xmpp:ping"
NS_VERSION = "jabber:iq:version"


def bare(client):
    return client.jid.partition("/")[0]


def becomeAvailable(client):
    """
    Send initial presence, so that Prosody delivers messages to the bare
    JID to this client; the roster answer that follows shows Prosody has
    handled it.
    """
    client.send("<presence/>")
    assert stanzaType(client.iq("<iq type='get'><query xmlns='jabber:iq:roster'/></iq>")) \
        == "result"


def formValues(element):
    """@return: var to the list of values of the first data form in C{element}."""
    x = next(element.iter("{%s}x" % NS_DATA))
    return {f.get("var"): [v.text or "" for v in f.findall("{%s}value" % NS_DATA)]
            for f in x.findall("{%s}field" % NS_DATA)}


def discoInfo(client, to, node=None):
    attribute = " node='%s'" % node if node else ""
    return client.iq("<iq type='get' to='%s'><query xmlns='%s'%s/></iq>"
                     % (to, NS_DISCO_INFO, attribute))


def say(client, text):
    client.send("<message to='%s' type='groupchat'><body>%s</body></message>" % (ROOM, text))


def test_mediatedInvitationAndDecline(mucservice, clients):
    """
    An invitation reaches the invitee from the room naming the inviter (by
    its occupant JID, in this semi-anonymous room); its decline returns.
    """
    alice, bob = clients(), clients()
    createRoom(alice, ROOM, "alice")
    becomeAvailable(bob)
    alice.send("<message to='%s'><x xmlns='%s'><invite to='%s'><reason>Join us</reason>"
               "</invite></x></message>" % (ROOM, NS_MUC_USER, bare(bob)))
    invitation = bob.expect(tag="message", frm=ROOM, ns=NS_MUC_USER)
    invite = invitation.find("{%s}x/{%s}invite" % (NS_MUC_USER, NS_MUC_USER))
    assert invite.get("from") == ROOM + "/alice"
    assert invite.findtext("{%s}reason" % NS_MUC_USER) == "Join us"
    bob.send("<message to='%s'><x xmlns='%s'><decline to='%s'><reason>Busy</reason></decline>"
             "</x></message>" % (ROOM, NS_MUC_USER, invite.get("from")))
    declined = alice.expect(tag="message", frm=ROOM, ns=NS_MUC_USER)
    decline = declined.find("{%s}x/{%s}decline" % (NS_MUC_USER, NS_MUC_USER))
    assert decline.get("from") == bob.jid
    assert decline.findtext("{%s}reason" % NS_MUC_USER) == "Busy"
    # Only occupants invite.
    bob.send("<message to='%s'><x xmlns='%s'><invite to='%s'/></x></message>"
             % (ROOM, NS_MUC_USER, bare(alice)))
    assert condition(bob.expect(tag="message", frm=ROOM, type="error")) == "not-acceptable"


def test_voiceRequest(mucservice, clients):
    """A visitor's voice request reaches the moderator as a form; approving it gives voice."""
    alice, bob = clients(), clients()
    createRoom(alice, ROOM, "alice", moderatedroom=1)
    assert mucItem(join(bob, ROOM + "/bob").own).get("role") == "visitor"
    bob.send("<message to='%s'>%s</message>"
             % (ROOM, form({"muc#role": "participant"}, NS_REQUEST)))
    request = alice.expect(tag="message", frm=ROOM, ns=NS_DATA)
    values = formValues(request)
    assert values["FORM_TYPE"] == [NS_REQUEST]
    assert values["muc#roomnick"] == ["bob"] and values["muc#role"] == ["participant"]
    assert values["muc#request_allow"] in (["0"], ["false"])
    alice.send("<message to='%s'>%s</message>" % (ROOM, form(
        {"muc#role": "participant", "muc#roomnick": "bob", "muc#request_allow": "true"},
        NS_REQUEST)))
    own = bob.expect(tag="presence", frm=ROOM + "/bob", type="")
    assert 110 in statuses(own) and mucItem(own).get("role") == "participant"
    say(bob, "thanks")
    alice.expect(lambda s: s.findtext("{jabber:client}body") == "thanks",
                 tag="message", frm=ROOM + "/bob", type="groupchat")


def test_destroy(mucservice, clients):
    """Destruction sends occupants away with the reason and alternate venue; the room is gone."""
    alice, bob = clients(), clients()
    createRoom(alice, ROOM, "alice", persistentroom=1)
    join(bob, ROOM + "/bob")
    answer = alice.iq("<iq type='set' to='%s'><query xmlns='%s'><destroy jid='new@%s'>"
                      "<reason>Moved</reason></destroy></query></iq>"
                      % (ROOM, NS_MUC_OWNER, SERVICE))
    assert stanzaType(answer) == "result", answer
    for client, nick in ((alice, "alice"), (bob, "bob")):
        gone = client.expect(tag="presence", frm=ROOM + "/" + nick, type="unavailable")
        assert 110 in statuses(gone)
        destroy = gone.find("{%s}x/{%s}destroy" % (NS_MUC_USER, NS_MUC_USER))
        assert destroy.get("jid") == "new@" + SERVICE
        assert destroy.findtext("{%s}reason" % NS_MUC_USER) == "Moved"
        assert mucItem(gone).get("role") == "none"
    info = discoInfo(bob, ROOM)
    assert stanzaType(info) == "error" and condition(info) == "item-not-found"
    # Nobody but an owner destroys a room.
    createRoom(alice, "other@" + SERVICE, "alice")
    join(bob, "other@%s/bob" % SERVICE)
    refused = bob.iq("<iq type='set' to='other@%s'><query xmlns='%s'><destroy/></query></iq>"
                     % (SERVICE, NS_MUC_OWNER))
    assert condition(refused) == "forbidden"


def test_registration(mucservice, clients):
    """Registering reserves a nick (conflict for others, x-roomuser-item); remove frees it."""
    alice, bob, carol = clients(), clients(), clients()
    createRoom(alice, ROOM, "alice")
    empty = bob.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>" % (ROOM, NS_REGISTER))
    assert stanzaType(empty) == "result", empty
    assert "muc#register_roomnick" in formValues(empty)
    assert empty.find("{%s}query/{%s}registered" % (NS_REGISTER, NS_REGISTER)) is None
    submitted = bob.iq("<iq type='set' to='%s'><query xmlns='%s'>%s</query></iq>" % (
        ROOM, NS_REGISTER, form({"muc#register_roomnick": "bobby"}, NS_MUC + "#register")))
    assert stanzaType(submitted) == "result", submitted
    registered = bob.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>" % (ROOM, NS_REGISTER))
    assert registered.find("{%s}query/{%s}registered" % (NS_REGISTER, NS_REGISTER)) is not None
    assert formValues(registered)["muc#register_roomnick"] == ["bobby"]
    assert joinRefused(carol, ROOM + "/bobby") == "conflict"
    node = discoInfo(bob, ROOM, "x-roomuser-item")
    names = [i.get("name") for i in node.iter("{%s}identity" % NS_DISCO_INFO)]
    assert names == ["bobby"]
    members = admin(alice, ROOM, "<item affiliation='member'/>", "get")
    assert [(i.get("jid"), i.get("nick")) for i in members.iter("{%s}item" % (NS_MUC + "#admin"))
            ] == [(bare(bob), "bobby")]
    removed = bob.iq("<iq type='set' to='%s'><query xmlns='%s'><remove/></query></iq>"
                     % (ROOM, NS_REGISTER))
    assert stanzaType(removed) == "result", removed
    node = discoInfo(bob, ROOM, "x-roomuser-item")
    assert list(node.iter("{%s}identity" % NS_DISCO_INFO)) == []
    assert 110 in statuses(join(carol, ROOM + "/bobby").own)


def test_serviceItems(mucservice, clients):
    """The service lists a public configured room with its name, not a hidden or locked one."""
    alice = clients()
    createRoom(alice, ROOM, "alice", roomname="The Hall")
    createRoom(alice, "hidden@" + SERVICE, "alice", publicroom=0, roomname="Hidden")
    join(alice, "locked@%s/alice" % SERVICE)
    answer = alice.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>"
                      % (SERVICE, NS_DISCO_ITEMS))
    assert stanzaType(answer) == "result", answer
    items = [(i.get("jid"), i.get("name")) for i in answer.iter("{%s}item" % NS_DISCO_ITEMS)]
    assert items == [(ROOM, "The Hall")]


def test_roomInfo(mucservice, clients):
    """Room disco#info: conference/text, muc_* features of the config, roominfo occupants."""
    alice, bob = clients(), clients()
    createRoom(alice, ROOM, "alice", membersonly=1, persistentroom=1, roomname="Club",
               roomdesc="For members")
    assert stanzaType(admin(alice, ROOM, "<item jid='%s' affiliation='member'/>"
                            % bare(bob))) == "result"
    join(bob, ROOM + "/bob")
    info = discoInfo(bob, ROOM)
    assert stanzaType(info) == "result", info
    identities = [(i.get("category"), i.get("type"), i.get("name"))
                  for i in info.iter("{%s}identity" % NS_DISCO_INFO)]
    assert identities == [("conference", "text", "Club")]
    features = {f.get("var") for f in info.iter("{%s}feature" % NS_DISCO_INFO)}
    assert {NS_MUC, "muc_membersonly", "muc_persistent", "muc_public", "muc_unmoderated",
            "muc_semianonymous", "muc_unsecured"} <= features
    assert not features & {"muc_open", "muc_temporary", "muc_hidden", "muc_moderated"}
    values = formValues(info)
    assert values["FORM_TYPE"] == [NS_MUC + "#roominfo"]
    assert values["muc#roominfo_occupants"] == ["2"]
    assert values["muc#roominfo_description"] == ["For members"]
    bob.send("<presence to='%s/bob' type='unavailable'/>" % ROOM)
    bob.expect(tag="presence", frm=ROOM + "/bob", type="unavailable")
    assert formValues(discoInfo(bob, ROOM))["muc#roominfo_occupants"] == ["1"]


def test_pings(mucservice, clients):
    """Self-ping is answered by the room, refused for non-occupants; the service answers pings."""
    alice, stranger = clients(), clients()
    createRoom(alice, ROOM, "alice")
    ping = "<iq type='get' to='%s'><ping xmlns='%s'/></iq>"
    mine = alice.iq(ping % (ROOM + "/alice", NS_PING))
    assert stanzaType(mine) == "result" and mine.get("from") == ROOM + "/alice"
    refused = stranger.iq(ping % (ROOM + "/alice", NS_PING))
    assert stanzaType(refused) == "error" and condition(refused) == "not-acceptable"
    service = stranger.iq(ping % (SERVICE, NS_PING))
    assert stanzaType(service) == "result" and service.get("from") == SERVICE
    room = stranger.iq(ping % (ROOM, NS_PING))
    assert stanzaType(room) == "result" and room.get("from") == ROOM


def test_iqForwarding(mucservice, clients):
    """An IQ to an occupant goes to it from the sender's occupant JID, and its answer back."""
    alice, bob = clients(), clients()
    createRoom(alice, ROOM, "alice")
    join(bob, ROOM + "/bob")
    alice.send("<iq type='get' id='ver-1' to='%s/bob'><query xmlns='%s'/></iq>"
               % (ROOM, NS_VERSION))
    request = bob.expect(tag="iq", frm=ROOM + "/alice", type="get", ns=NS_VERSION)
    assert request.get("to") == bob.jid
    assert request.get("id") and request.get("id") != "ver-1"
    assert bare(alice) not in toXML(request)
    bob.send("<iq type='result' id='%s' to='%s/alice'><query xmlns='%s'><name>Bot</name>"
             "<version>1.0</version></query></iq>" % (request.get("id"), ROOM, NS_VERSION))
    reply = alice.expect(tag="iq", id="ver-1")
    assert stanzaType(reply) == "result" and reply.get("from") == ROOM + "/bob"
    assert reply.findtext("{%s}query/{%s}name" % (NS_VERSION, NS_VERSION)) == "Bot"
    # An unknown nick gets item-not-found from the room.
    missing = alice.iq("<iq type='get' to='%s/nobody'><query xmlns='%s'/></iq>"
                       % (ROOM, NS_VERSION))
    assert condition(missing) == "item-not-found"
