"""
XEP-0045 roles and affiliations through a real Prosody, with several
clients: kicking, banning, voice, the privacy of the affiliation lists,
the limits of admins and of the last owner, granting moderation, and the
removal of non-members from members-only rooms.
"""

from tests.integration.muc import (
    NS_MUC_ADMIN,
    NS_MUC_USER,
    admin,
    condition,
    configure,
    createRoom,
    join,
    joinRefused,
    mucItem,
    statuses,
)
from tests.integration.xmppclient import stanzaType

ROOM = "office@muc.localhost"


def bare(client):
    return client.jid.partition("/")[0]


def listed(answer):
    """@return: the items of a muc#admin list answer, as dicts of their attributes."""
    assert stanzaType(answer) == "result", answer
    return [dict(item.attrib) for item in answer.iter("{%s}item" % NS_MUC_ADMIN)]


def say(client, text, room=ROOM):
    client.send("<message to='%s' type='groupchat'><body>%s</body></message>" % (room, text))


def isBody(text):
    return lambda s: s.findtext("{jabber:client}body") == text


def actorAndReason(stanza):
    item = mucItem(stanza)
    actor = item.find("{%s}actor" % NS_MUC_USER)
    return (actor.get("nick") if actor is not None else None,
            item.findtext("{%s}reason" % NS_MUC_USER))


def test_kick(mucservice, clients):
    """A kick (role none) removes the occupant: 307 with actor and reason, 110 for itself."""
    alice, bob, carol = clients(), clients(), clients()
    createRoom(alice, ROOM, "alice")
    join(bob, ROOM + "/bob")
    join(carol, ROOM + "/carol")
    answer = admin(alice, ROOM, "<item nick='bob' role='none'><reason>Be nice</reason></item>")
    assert stanzaType(answer) == "result", answer
    own = bob.expect(tag="presence", frm=ROOM + "/bob", type="unavailable")
    assert {110, 307} <= statuses(own)
    assert mucItem(own).get("role") == "none"
    assert actorAndReason(own) == ("alice", "Be nice")
    seen = carol.expect(tag="presence", frm=ROOM + "/bob", type="unavailable")
    assert 307 in statuses(seen) and 110 not in statuses(seen)
    assert actorAndReason(seen) == ("alice", "Be nice")
    alice.expect(tag="presence", frm=ROOM + "/bob", type="unavailable",
                 predicate=lambda s: 307 in statuses(s))
    # Kicked, bob is no occupant any more: the room refuses his groupchat.
    say(bob, "still here?")
    assert condition(bob.expect(tag="message", type="error")) == "not-acceptable"
    # A participant cannot kick.
    assert condition(admin(carol, ROOM, "<item nick='alice' role='none'/>")) == "forbidden"


def test_ban(mucservice, clients):
    """A ban (outcast) removes the occupant with 301, and the banned user cannot come back."""
    alice, bob, carol = clients(), clients(), clients()
    createRoom(alice, ROOM, "alice")
    join(bob, ROOM + "/bob")
    join(carol, ROOM + "/carol")
    answer = admin(alice, ROOM, "<item jid='%s' affiliation='outcast'><reason>Spam</reason>"
                   "</item>" % bare(bob))
    assert stanzaType(answer) == "result", answer
    own = bob.expect(tag="presence", frm=ROOM + "/bob", type="unavailable")
    assert {110, 301} <= statuses(own)
    assert mucItem(own).get("affiliation") == "outcast"
    assert actorAndReason(own) == ("alice", "Spam")
    seen = carol.expect(tag="presence", frm=ROOM + "/bob", type="unavailable")
    assert 301 in statuses(seen) and 110 not in statuses(seen)
    assert joinRefused(bob, ROOM + "/bob") == "forbidden"
    assert joinRefused(bob, ROOM + "/other-nick") == "forbidden"
    # Another resource of the same account is banned too.
    assert joinRefused(clients(bare(bob).partition("@")[0], "second"),
                       ROOM + "/bob2") == "forbidden"


def test_voiceInModeratedRoom(mucservice, clients):
    """A visitor may not talk in a moderated room until a moderator grants it voice."""
    alice, bob = clients(), clients()
    createRoom(alice, ROOM, "alice", moderatedroom=1)
    joined = join(bob, ROOM + "/bob")
    assert mucItem(joined.own).get("role") == "visitor"
    say(bob, "may I?")
    assert condition(bob.expect(tag="message", type="error")) == "forbidden"
    answer = admin(alice, ROOM, "<item nick='bob' role='participant'/>")
    assert stanzaType(answer) == "result", answer
    own = bob.expect(tag="presence", frm=ROOM + "/bob", type="")
    assert 110 in statuses(own) and mucItem(own).get("role") == "participant"
    assert mucItem(own).find("{%s}actor" % NS_MUC_USER).get("nick") == "alice"
    say(bob, "thank you")
    for client in (alice, bob):
        client.expect(isBody("thank you"), tag="message", frm=ROOM + "/bob", type="groupchat")
    # Revoked again, the voice is gone.
    assert stanzaType(admin(alice, ROOM, "<item nick='bob' role='visitor'/>")) == "result"
    assert mucItem(bob.expect(tag="presence", frm=ROOM + "/bob")).get("role") == "visitor"
    say(bob, "again")
    assert condition(bob.expect(tag="message", type="error")) == "forbidden"


def test_listPrivacy(mucservice, clients):
    """Occupants without affiliation may not read the outcast or admin lists; the owner may."""
    alice, bob = clients(), clients()
    createRoom(alice, ROOM, "alice")
    join(bob, ROOM + "/bob")
    answer = admin(alice, ROOM, "<item jid='mallory@localhost' affiliation='outcast'/>"
                   "<item jid='dave@localhost' affiliation='admin'/>")
    assert stanzaType(answer) == "result", answer
    for affiliation in ("outcast", "admin", "owner"):
        refused = admin(bob, ROOM, "<item affiliation='%s'/>" % affiliation, "get")
        assert stanzaType(refused) == "error" and condition(refused) == "forbidden", affiliation
    outcasts = listed(admin(alice, ROOM, "<item affiliation='outcast'/>", "get"))
    assert [(i["jid"], i["affiliation"]) for i in outcasts] == [("mallory@localhost", "outcast")]
    admins = listed(admin(alice, ROOM, "<item affiliation='admin'/>", "get"))
    assert [(i["jid"], i["affiliation"]) for i in admins] == [("dave@localhost", "admin")]
    owners = listed(admin(alice, ROOM, "<item affiliation='owner'/>", "get"))
    assert [i["jid"] for i in owners] == [bare(alice)]


def test_adminCannotTouchOwner(mucservice, clients):
    """An admin changing an owner's affiliation, or making an admin, gets not-allowed."""
    alice, bob, carol = clients(), clients(), clients()
    createRoom(alice, ROOM, "alice")
    answer = admin(alice, ROOM, "<item jid='%s' affiliation='admin'/>" % bare(bob))
    assert stanzaType(answer) == "result", answer
    join(bob, ROOM + "/bob")
    for target, affiliation in ((bare(alice), "member"), (bare(alice), "none"),
                                (bare(alice), "outcast"), (bare(carol), "admin"),
                                (bare(carol), "owner")):
        refused = admin(bob, ROOM, "<item jid='%s' affiliation='%s'/>" % (target, affiliation))
        assert condition(refused) == "not-allowed", (target, affiliation)
    owners = listed(admin(alice, ROOM, "<item affiliation='owner'/>", "get"))
    assert [i["jid"] for i in owners] == [bare(alice)]
    # What an admin may do: grant membership.
    answer = admin(bob, ROOM, "<item jid='%s' affiliation='member'/>" % bare(carol))
    assert stanzaType(answer) == "result", answer


def test_lastOwnerCannotStepDown(mucservice, clients):
    """The last owner making itself admin gets conflict; with a second owner it may."""
    alice, bob = clients(), clients()
    createRoom(alice, ROOM, "alice")
    stepDown = "<item jid='%s' affiliation='admin'/>" % bare(alice)
    refused = admin(alice, ROOM, stepDown)
    assert stanzaType(refused) == "error" and condition(refused) == "conflict"
    owners = listed(admin(alice, ROOM, "<item affiliation='owner'/>", "get"))
    assert [i["jid"] for i in owners] == [bare(alice)]
    answer = admin(alice, ROOM, "<item jid='%s' affiliation='owner'/>" % bare(bob))
    assert stanzaType(answer) == "result", answer
    assert stanzaType(admin(alice, ROOM, stepDown)) == "result"
    own = alice.expect(tag="presence", frm=ROOM + "/alice", type="",
                       predicate=lambda s: mucItem(s).get("affiliation") == "admin")
    assert mucItem(own).get("role") == "moderator"


def test_grantModerator(mucservice, clients):
    """Only admins and owners grant moderation; a participant made moderator shows it and acts."""
    alice, bob, carol = clients(), clients(), clients()
    createRoom(alice, ROOM, "alice")
    join(bob, ROOM + "/bob")
    join(carol, ROOM + "/carol")
    # Not yet a moderator: bob may neither grant moderation nor list roles.
    assert condition(admin(bob, ROOM, "<item nick='carol' role='moderator'/>")) == "forbidden"
    assert condition(admin(bob, ROOM, "<item role='participant'/>", "get")) == "forbidden"
    answer = admin(alice, ROOM, "<item nick='bob' role='moderator'/>")
    assert stanzaType(answer) == "result", answer
    own = bob.expect(tag="presence", frm=ROOM + "/bob", type="")
    assert 110 in statuses(own)
    assert (mucItem(own).get("role"), mucItem(own).get("affiliation")) == ("moderator", "none")
    seen = carol.expect(tag="presence", frm=ROOM + "/bob", type="")
    assert mucItem(seen).get("role") == "moderator"
    # A moderator without affiliation: lists roles, still may not grant moderation.
    participants = listed(admin(bob, ROOM, "<item role='participant'/>", "get"))
    assert [i["nick"] for i in participants] == ["carol"]
    assert condition(admin(bob, ROOM, "<item nick='carol' role='moderator'/>")) == "forbidden"
    # ... but it may kick a participant.
    assert stanzaType(admin(bob, ROOM, "<item nick='carol' role='none'/>")) == "result"
    kicked = carol.expect(tag="presence", frm=ROOM + "/carol", type="unavailable")
    assert 307 in statuses(kicked)


def test_revokedMembershipLeavesMembersOnlyRoom(mucservice, clients):
    """In a members-only room, losing membership removes the occupant with 321."""
    alice, bob, carol = clients(), clients(), clients()
    createRoom(alice, ROOM, "alice", membersonly=1)
    answer = admin(alice, ROOM, "<item jid='%s' affiliation='member'/><item jid='%s' "
                   "affiliation='member'/>" % (bare(bob), bare(carol)))
    assert stanzaType(answer) == "result", answer
    join(bob, ROOM + "/bob")
    join(carol, ROOM + "/carol")
    answer = admin(alice, ROOM, "<item jid='%s' affiliation='none'/>" % bare(bob))
    assert stanzaType(answer) == "result", answer
    own = bob.expect(tag="presence", frm=ROOM + "/bob", type="unavailable")
    assert {110, 321} <= statuses(own)
    assert mucItem(own).get("affiliation") == "none"
    seen = carol.expect(tag="presence", frm=ROOM + "/bob", type="unavailable")
    assert 321 in statuses(seen) and 110 not in statuses(seen)
    assert joinRefused(bob, ROOM + "/bob") == "registration-required"


def test_becomingMembersOnlyRemovesNonMembers(mucservice, clients):
    """Switching a room to members-only removes non-members with 322; members stay."""
    alice, bob, carol = clients(), clients(), clients()
    createRoom(alice, ROOM, "alice")
    answer = admin(alice, ROOM, "<item jid='%s' affiliation='member'/>" % bare(bob))
    assert stanzaType(answer) == "result", answer
    join(bob, ROOM + "/bob")
    join(carol, ROOM + "/carol")
    assert stanzaType(configure(alice, ROOM, membersonly=1)) == "result"
    own = carol.expect(tag="presence", frm=ROOM + "/carol", type="unavailable")
    assert {110, 322} <= statuses(own)
    for client in (alice, bob):
        seen = client.expect(tag="presence", frm=ROOM + "/carol", type="unavailable")
        assert 322 in statuses(seen)
        client.expect(lambda s: 104 in statuses(s), tag="message", frm=ROOM)
    # Bob, a member, is still in the room; carol is not and may not come back.
    say(bob, "still here")
    for client in (alice, bob):
        client.expect(isBody("still here"), tag="message", frm=ROOM + "/bob", type="groupchat")
    assert joinRefused(carol, ROOM + "/carol") == "registration-required"
