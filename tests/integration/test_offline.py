"""
Offline delivery through a real Prosody (with mod_offline): members who
asked at registration get the room's messages while absent, as forwarded
messages Prosody stores (C{forward}) or as groupchat copies Prosody bounces
(C{tigase}), and nobody else gets them.
"""

from xml.sax.saxutils import quoteattr

from tests.integration.muc import NS_MUC, admin, createRoom, form, join
from tests.integration.xmppclient import stanzaType

SERVICE = "muc.localhost"
ROOM = "lobby@" + SERVICE
FIELD = "{http://tigase.org/protocol/muc}offline"
FEATURE = "http://tigase.org/protocol/muc#offline"
NS_REGISTER = "jabber:iq:register"
NS_FORWARD = "urn:xmpp:forward:0"
NS_DELAY = "urn:xmpp:delay"
NS_CLIENT = "jabber:client"


def register(client, nick, offline="1"):
    """Register with the room, asking for its messages while absent."""
    fields = {"muc#register_roomnick": nick}
    if offline is not None:
        fields[FIELD] = offline
    answer = client.iq("<iq type='set' to=%s><query xmlns='%s'>%s</query></iq>"
                       % (quoteattr(ROOM), NS_REGISTER, form(fields, NS_MUC + "#register")))
    assert stanzaType(answer) == "result", answer


def say(client, text, nick):
    """Send a groupchat message and wait for its reflection."""
    client.send("<message to='%s' type='groupchat'><body>%s</body></message>" % (ROOM, text))
    client.expect(tag="message", frm=ROOM + "/" + nick, type="groupchat",
                  predicate=lambda s: s.findtext("{%s}body" % NS_CLIENT) == text)


def roundTrip(client):
    """Ping the client's own server: what it was to send before has arrived."""
    answer = client.iq("<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
    assert stanzaType(answer) == "result", answer


def forwardedBody(stanza):
    """@return: the body of the message forwarded in C{stanza}, or L{None}."""
    inner = stanza.find("{%s}forwarded/{%s}message" % (NS_FORWARD, NS_CLIENT))
    return inner.findtext("{%s}body" % NS_CLIENT) if inner is not None else None


def fromRoom(stanzas):
    """@return: the messages among C{stanzas} that come from the room or its occupants."""
    return [s for s in stanzas if s.tag == "{%s}message" % NS_CLIENT
            and s.get("from", "").partition("/")[0] == ROOM]


def absentRegistrant(clients):
    """
    Create the room, and register a member with it who asks for copies
    and goes offline.

    @return: the owner's client, in the room as C{owner}.
    """
    owner = clients("owner")
    createRoom(owner, ROOM, "owner")
    member = clients("member")
    register(member, "member")
    member.close()
    return owner


def test_forwardStoredOffline(startService, clients):
    """With forward, a member who registered with the flag finds the message on reconnect."""
    startService("--offline-delivery", "forward")
    owner = clients("owner")
    createRoom(owner, ROOM, "owner")
    member = clients("member")
    info = member.iq("<iq type='get' to='%s'><query xmlns="
                     "'http://jabber.org/protocol/disco#info'/></iq>" % ROOM)
    assert FEATURE in [f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}"
                                                       "feature")]
    offered = member.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>" % (ROOM, NS_REGISTER))
    assert FIELD in [f.get("var") for f in offered.iter("{jabber:x:data}field")]
    register(member, "member")
    member.close()

    say(owner, "while you were away", "owner")

    back = clients("member", resource="back")
    back.send("<presence/>")
    stored = back.expect(tag="message", frm=ROOM, type="normal",
                         predicate=lambda s: forwardedBody(s) is not None)
    assert forwardedBody(stored) == "while you were away"
    inner = stored.find("{%s}forwarded/{%s}message" % (NS_FORWARD, NS_CLIENT))
    assert (inner.get("from"), inner.get("type")) == (ROOM + "/owner", "groupchat")
    delay = stored.find("{%s}forwarded/{%s}delay" % (NS_FORWARD, NS_DELAY))
    assert delay.get("from") == ROOM and delay.get("stamp")


def test_tigaseBounceHarmsNobody(startService, clients):
    """With tigase, Prosody bounces the copies: logged once, nobody kicked or pinged."""
    service = startService("--ping-delay", "1", "--ping-timeout", "1")
    owner = absentRegistrant(clients)

    say(owner, "one", "owner")
    service.waitFor(r"copies of the messages of %s to member@localhost bounce "
                    r"\(service-unavailable\)" % ROOM)
    say(owner, "two", "owner")
    roundTrip(owner)
    answer = owner.iq("<iq type='get' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>" % ROOM)
    assert stanzaType(answer) == "result"
    assert sum("copies of the messages of" in line for line in service.log) == 1

    # Nobody was pinged or removed for the bounces (that a bare-JID bounce
    # never schedules a ping is proved on a Clock in tests/test_links.py).
    assert [s for s in owner.pending() if s.tag != "{%s}message" % NS_CLIENT] == []
    assert not any(" is gone: " in line for line in service.log)
    say(owner, "three", "owner")


def test_outcastAndPresentGetNothing(startService, clients):
    """With forward, an outcast and a member in the room through any resource get no copy."""
    startService("--offline-delivery", "forward")
    owner = clients("owner")
    createRoom(owner, ROOM, "owner")
    online = clients("online")
    register(online, "online")
    online.send("<presence/>")
    outcast = clients("outcast")
    register(outcast, "outcast")
    outcast.close()
    ban = admin(owner, ROOM, "<item jid='outcast@localhost' affiliation='outcast'/>")
    assert stanzaType(ban) == "result", ban
    inRoom = clients("present", resource="inroom")
    register(inRoom, "present")
    join(inRoom, ROOM + "/present")
    elsewhere = clients("present", resource="elsewhere")
    elsewhere.send("<presence/>")
    roundTrip(elsewhere)
    elsewhere.pending()

    for text in ("first", "second"):
        say(owner, text, "owner")
        copy = online.expect(tag="message", frm=ROOM, type="normal",
                             predicate=lambda s: forwardedBody(s) is not None)
        assert forwardedBody(copy) == text

    roundTrip(elsewhere)
    assert fromRoom(elsewhere.pending()) == []
    roundTrip(inRoom)
    assert [s.get("type") for s in fromRoom(inRoom.pending())] == ["groupchat", "groupchat"]
    back = clients("outcast", resource="back")
    back.send("<presence/>")
    roundTrip(back)
    assert fromRoom(back.pending()) == []
