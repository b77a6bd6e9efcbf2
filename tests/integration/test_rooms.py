"""
XEP-0045 through a real Prosody: rooms, joining, talking, nick changes,
leaving, with several client connections.
"""

from tests.integration.muc import (
    condition,
    configure,
    createRoom,
    join,
    joinRefused,
    mucItem,
    statuses,
)
from tests.integration.xmppclient import fromJID, stanzaType

ROOM = "lobby@muc.localhost"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def body(stanza):
    element = stanza.find("{jabber:client}body")
    return element.text if element is not None else None


def test_creationAndLock(mucservice, clients):
    """The first join creates a locked room (201); others get item-not-found until configured."""
    owner, other = clients(), clients()
    joined = join(owner, ROOM + "/boss")
    assert {110, 201} <= statuses(joined.own)
    assert mucItem(joined.own).get("affiliation") == "owner"
    assert joinRefused(other, ROOM + "/other") == "item-not-found"
    assert stanzaType(configure(owner, ROOM)) == "result"
    assert join(other, ROOM + "/other").nicks() == ["boss"]


def test_joinSequenceAndTalk(mucservice, clients):
    """Three clients: presences, own presence, history with delay, subject; groupchat reflected."""
    alice, bob, carol = clients(), clients(), clients()
    createRoom(alice, ROOM, "alice")
    join(bob, ROOM + "/bob")
    alice.pending()
    bob.send("<message to='%s' type='groupchat' id='g1'><body>hello all</body></message>" % ROOM)
    for client in (alice, bob):
        echo = client.expect(tag="message", frm=ROOM + "/bob", type="groupchat")
        assert body(echo) == "hello all" and echo.get("id") == "g1"
        assert echo.find("{urn:xmpp:sid:0}stanza-id").get("by") == ROOM
        assert echo.find("{urn:xmpp:occupant-id:0}occupant-id") is not None
    alice.send("<message to='%s' type='groupchat'><subject>Today</subject></message>" % ROOM)
    alice.expect(tag="message", frm=ROOM + "/alice",
                 predicate=lambda s: s.find("{jabber:client}subject") is not None)
    joined = join(carol, ROOM + "/carol")
    assert sorted(joined.nicks()) == ["alice", "bob"]
    assert [body(m) for m in joined.history] == ["hello all"]
    assert joined.history[0].find("{urn:xmpp:delay}delay").get("from") == ROOM
    assert joined.subject.find("{jabber:client}subject").text == "Today"
    assert fromJID(bob.expect(tag="presence", frm=ROOM + "/carol")) == ROOM + "/carol"


#: Messages in three languages, and the language each should reach
#: clients in: the one it said, or the stream's.
LANGUAGES_SENT = [("plain", ""), ("english", " xml:lang='en'"), ("deutsch", " xml:lang='de'")]
LANGUAGES_READ = [("plain", "en"), ("english", "en"), ("deutsch", "de")]


def stanzaLanguage(client, stanza):
    """
    @return: the C{xml:lang} of a stanza C{client} got, L{None} if it has
        none.
    """
    return stanza.get(XML_LANG)


def languagesRead(room, alice, bob, carol, language=stanzaLanguage):
    """
    C{alice} makes C{room}, C{bob} joins and says L{LANGUAGES_SENT}, then
    C{carol} joins.

    @param language: gives the language of a stanza a client got, as
        L{stanzaLanguage}.
    @return: for C{alice} and C{bob} the copies they got, then for C{carol}
        the history, each as a list of C{(body, language)}.
    """
    createRoom(alice, room, "alice")
    join(bob, room + "/bob")
    alice.pending()
    for text, lang in LANGUAGES_SENT:
        bob.send("<message to='%s' type='groupchat'%s><body>%s</body></message>"
                 % (room, lang, text))

    def read(client, messages):
        return [(body(m), language(client, m)) for m in messages]

    seen = [read(client, [client.expect(tag="message", frm=room + "/bob", type="groupchat")
                          for _ in LANGUAGES_SENT])
            for client in (alice, bob)]
    return seen + [read(carol, join(carol, room + "/carol").history)]


def test_languageOfReflections(mucservice, clients):
    """
    The service leaves out an xml:lang that is its stream's ('en') and
    Prosody gives it back: a message from a sender whose stream is in
    English (Prosody's default: the test client's header declares none)
    reaches the others with xml:lang='en', as one that said so; one that
    said 'de' keeps 'de'; the history a newcomer gets shows the same.
    """
    alice, bob, carol = clients(), clients(), clients()
    for seen in languagesRead(ROOM, alice, bob, carol):
        assert seen == LANGUAGES_READ


def test_refusals(mucservice, clients):
    """Password, members-only and nick conflicts are refused with their conditions."""
    owner, other = clients(), clients()
    createRoom(owner, "secret@muc.localhost", "o", passwordprotectedroom=1, roomsecret="pw")
    assert joinRefused(other, "secret@muc.localhost/x") == "not-authorized"
    assert join(other, "secret@muc.localhost/x", password="pw").own is not None
    createRoom(owner, "club@muc.localhost", "o", membersonly=1)
    assert joinRefused(other, "club@muc.localhost/x") == "registration-required"
    createRoom(owner, "open@muc.localhost", "o")
    assert joinRefused(other, "open@muc.localhost/o") == "conflict"


def test_rejoinAndMultiSession(mucservice, clients):
    """A rejoin gets the full sequence again; a second resource shares the nick."""
    alice, bob = clients(), clients("bob")
    createRoom(alice, ROOM, "alice")
    join(bob, ROOM + "/bob")
    again = join(bob, ROOM + "/bob")
    assert again.nicks() == ["alice"] and 110 in statuses(again.own)
    bob2 = clients("bob", resource="second")
    assert join(bob2, ROOM + "/bob").nicks() == ["alice"]


def test_privateMessageNickChangeLeave(mucservice, clients):
    """Private messages, nick change (303) and leaving with a status (110 to self)."""
    alice, bob = clients(), clients()
    createRoom(alice, ROOM, "alice")
    join(bob, ROOM + "/bob")
    alice.pending()
    bob.send("<message to='%s/alice' type='chat'><body>psst</body></message>" % ROOM)
    pm = alice.expect(tag="message", frm=ROOM + "/bob", type="chat")
    assert body(pm) == "psst"
    bob.send("<presence to='%s/robert'/>" % ROOM)
    gone = alice.expect(tag="presence", frm=ROOM + "/bob", type="unavailable")
    assert 303 in statuses(gone) and mucItem(gone).get("nick") == "robert"
    alice.expect(tag="presence", frm=ROOM + "/robert")
    bob.send("<presence to='%s/robert' type='unavailable'><status>bye</status></presence>"
             % ROOM)
    left = alice.expect(tag="presence", frm=ROOM + "/robert", type="unavailable")
    assert left.find("{jabber:client}status").text == "bye"
    own = bob.expect(tag="presence", frm=ROOM + "/robert", type="unavailable",
                     predicate=lambda s: 110 in statuses(s))
    assert own is not None


def test_nonOccupantCannotTalk(mucservice, clients):
    """A groupchat message from a non-occupant is refused with not-acceptable."""
    alice, stranger = clients(), clients()
    createRoom(alice, ROOM, "alice")
    stranger.send("<message to='%s' type='groupchat'><body>hi</body></message>" % ROOM)
    error = stranger.expect(tag="message", type="error")
    assert condition(error) == "not-acceptable"
