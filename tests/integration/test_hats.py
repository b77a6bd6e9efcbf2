"""
Hats (XEP-0317) through a real Prosody: given and taken off with the ad-hoc
commands, shown in live and later presence, refused to those who may not
manage them, stripped from clients' own presence, kept across a restart,
and in Prosody 0.12's namespace when asked.
"""

from xml.sax.saxutils import quoteattr

import pytest

from tests.integration.muc import NS_DATA, admin, condition, createRoom, join
from tests.integration.xmppclient import stanzaType

ROOM = "classroom@muc.localhost"
NS_HATS = "urn:xmpp:hats:0"
NS_LEGACY = "xmpp:prosody.im/protocol/hats:1"
NS_COMMANDS = "http://jabber.org/protocol/commands"
NS_ITEMS = "http://jabber.org/protocol/disco#items"
FORM_TYPE = "urn:xmpp:hats:commands"
DON = "urn:xmpp:hats:commands:don"
DOFF = "urn:xmpp:hats:commands:doff"
LIST = "urn:xmpp:hats:commands:list"
TEACHER = "http://schools.example/hats#Teacher"


def hatsOf(stanza, namespace=NS_HATS):
    """@return: the (uri, title) of each hat a stanza shows in C{namespace}."""
    return [(h.get("uri"), h.get("title"))
            for h in stanza.findall("{%s}hats/{%s}hat" % (namespace, namespace))]


def submitted(**fields):
    parts = ["<field var='FORM_TYPE'><value>%s</value></field>" % FORM_TYPE]
    parts += ["<field var=%s><value>%s</value></field>" % (quoteattr(var), value)
              for var, value in fields.items()]
    return "<x xmlns='%s' type='submit'>%s</x>" % (NS_DATA, "".join(parts))


def command(client, node, inner="", sessionID=None):
    """
    Send an ad-hoc command to the room.

    @return: the answer and its C{<command/>} (L{None} for an error).
    """
    session = " sessionid=%s" % quoteattr(sessionID) if sessionID else ""
    answer = client.iq("<iq type='set' to='%s'><command xmlns='%s' node='%s' action='execute'%s>"
                       "%s</command></iq>" % (ROOM, NS_COMMANDS, node, session, inner))
    return answer, answer.find("{%s}command" % NS_COMMANDS)


def classroom(clients):
    """
    A persistent room owned by alice, bob its member, both in it.
    """
    alice, bob = clients("alice"), clients("bob")
    createRoom(alice, ROOM, "alice", persistentroom=1)
    assert stanzaType(admin(alice, ROOM, "<item jid='bob@localhost' affiliation='member'/>")) \
        == "result"
    join(bob, ROOM + "/bob")
    alice.pending()
    return alice, bob


def withHat(title):
    return lambda s: hatsOf(s) == [(TEACHER, title)]


def test_donShownLiveAndLater(mucservice, clients):
    """The two-step don shows the hat to everyone at once, and to later joiners."""
    alice, bob = classroom(clients)
    answer, form = command(alice, DON)
    assert form.get("status") == "executing"
    fields = {f.get("var") for f in form.iter("{%s}field" % NS_DATA)}
    assert {"FORM_TYPE", "accountjid", "hat", "title"} <= fields
    answer, done = command(alice, DON, submitted(accountjid="bob@localhost", hat=TEACHER,
                                                 title="Teacher"), form.get("sessionid"))
    assert done.get("status") == "completed", answer
    for client in (alice, bob):
        client.expect(withHat("Teacher"), tag="presence", frm=ROOM + "/bob")
    carol = clients("carol")
    joined = join(carol, ROOM + "/carol")
    (bobSeen,) = [p for p in joined.presences if p.get("from") == ROOM + "/bob"]
    assert hatsOf(bobSeen) == [(TEACHER, "Teacher")]
    assert hatsOf(joined.own) == []
    bob.send("<presence to='%s/bob'><show>away</show></presence>" % ROOM)
    carol.expect(withHat("Teacher"), tag="presence", frm=ROOM + "/bob")

    answer, done = command(alice, DOFF, submitted(accountjid="bob@localhost", hat=TEACHER))
    assert done.get("status") == "completed", answer
    carol.expect(lambda s: hatsOf(s) == [], tag="presence", frm=ROOM + "/bob")


def test_othersRefused(mucservice, clients):
    """A member gets forbidden and an empty commands node; the owner sees the commands."""
    alice, bob = classroom(clients)
    answer, _ = command(bob, DON, submitted(accountjid="bob@localhost", hat=TEACHER))
    assert stanzaType(answer) == "error" and condition(answer) == "forbidden"
    items = "<iq type='get' to='%s'><query xmlns='%s' node='%s'/></iq>" % (ROOM, NS_ITEMS,
                                                                         NS_COMMANDS)
    assert bob.iq(items).findall(".//{%s}item" % NS_ITEMS) == []
    nodes = [i.get("node") for i in alice.iq(items).findall(".//{%s}item" % NS_ITEMS)]
    assert nodes == [DON, DOFF, LIST]


def test_spoofedHatsStripped(mucservice, clients):
    """Hats a client puts in its own presence never reach the others."""
    alice, bob = classroom(clients)
    bob.send("<presence to='%s/bob'><hats xmlns='%s'><hat uri='urn:x:boss' title='Boss'/></hats>"
             "<hats xmlns='%s'><hat uri='urn:x:boss' title='Boss'/></hats></presence>"
             % (ROOM, NS_HATS, NS_LEGACY))
    seen = alice.expect(tag="presence", frm=ROOM + "/bob")
    assert (hatsOf(seen), hatsOf(seen, NS_LEGACY)) == ([], [])


def test_hatsSurviveRestart(mucservice, clients):
    """Hats given before a restart of the service are worn after it."""
    alice, bob = classroom(clients)
    answer, done = command(alice, DON, submitted(accountjid="bob@localhost", hat=TEACHER,
                                                 title="Teacher"))
    assert done.get("status") == "completed", answer

    mucservice.stop()
    mucservice.start()
    mucservice.waitConnected()

    dave = clients("dave")
    joined = join(dave, ROOM + "/dave")
    assert joined.presences == []
    assert hatsOf(join(bob, ROOM + "/bob").own) == [(TEACHER, "Teacher")]
    dave.expect(withHat("Teacher"), tag="presence", frm=ROOM + "/bob")
    answer, listed = command(alice, LIST)
    values = [v.text for v in listed.iter("{%s}value" % NS_DATA)]
    assert "bob@localhost" in values and TEACHER in values


@pytest.fixture
def legacyService(startService):
    """
    The real service with --hats-legacy-namespace.
    """
    return startService("--hats-legacy-namespace")


def test_legacyNamespace(legacyService, clients):
    """With --hats-legacy-namespace, hats come in both namespaces."""
    alice, bob = classroom(clients)
    command(alice, DON, submitted(accountjid="bob@localhost", hat=TEACHER, title="Teacher"))
    seen = alice.expect(withHat("Teacher"), tag="presence", frm=ROOM + "/bob")
    assert hatsOf(seen, NS_LEGACY) == [(TEACHER, "Teacher")]
