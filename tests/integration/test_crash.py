"""
Nothing acknowledged is lost: the real service is killed with SIGKILL right
after each kind of acknowledgement a client gets, restarted on the same
database, and found to have the change.
"""

from xml.sax.saxutils import quoteattr

from tests.integration.muc import NS_MUC, NS_MUC_OWNER, admin, configure, createRoom, form, join
from tests.integration.test_hats import DON, LIST, NS_COMMANDS, submitted
from tests.integration.xmppclient import stanzaType, toXML

ROOM = "crash@muc.localhost"
NS_REGISTER = "jabber:iq:register"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
OFFLINE = "{http://tigase.org/protocol/muc}offline"
HAT = "urn:example:hats:host"


def crashed(service):
    """
    Kill the service the moment the test has its acknowledgement, then start
    it again on the same database.
    """
    service.kill()
    service.start()
    service.waitConnected()


def acknowledged(answer):
    assert stanzaType(answer) == "result", toXML(answer)
    return answer


def command(client, node, inner=""):
    """
    @return: the answer to an ad-hoc command executed in the room, and its
        C{<command/>}.
    """
    answer = client.iq("<iq type='set' to='%s'><command xmlns='%s' node='%s' "
                       "action='execute'>%s</command></iq>" % (ROOM, NS_COMMANDS, node, inner))
    return answer, answer.find("{%s}command" % NS_COMMANDS)


def roomName(client):
    info = client.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>" % (ROOM, NS_DISCO_INFO))
    return [i.get("name") for i in info.iter("{%s}identity" % NS_DISCO_INFO)]


def test_killedAfterEachAcknowledgement(mucservice, clients):
    """
    A configuration, an affiliation, a registration with its offline flag,
    a hat, the messages before an acknowledged change, and a destruction
    each survive a SIGKILL that follows their acknowledgement at once.
    """
    alice, bob = clients("alice"), clients("bob")
    createRoom(alice, ROOM, "alice", persistentroom=1)
    crashed(mucservice)
    assert roomName(bob) == ["crash"]

    acknowledged(configure(alice, ROOM, roomname="After the crash"))
    crashed(mucservice)
    assert roomName(bob) == ["After the crash"]

    acknowledged(admin(alice, ROOM, "<item jid='bob@localhost' affiliation='member'/>"))
    crashed(mucservice)
    members = admin(alice, ROOM, "<item affiliation='member'/>", kind="get")
    assert [i.get("jid") for i in members.iter("{%s#admin}item" % NS_MUC)] == ["bob@localhost"]

    acknowledged(bob.iq("<iq type='set' to=%s><query xmlns='%s'>%s</query></iq>" % (
        quoteattr(ROOM), NS_REGISTER,
        form({"muc#register_roomnick": "bobby", OFFLINE: "1"}, NS_MUC + "#register"))))
    crashed(mucservice)
    registration = bob.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>"
                          % (ROOM, NS_REGISTER))
    assert registration.findtext("{%s}query/{%s}username" % (NS_REGISTER, NS_REGISTER)) == "bobby"
    flag = [f for f in registration.iter("{jabber:x:data}field") if f.get("var") == OFFLINE]
    assert [f.findtext("{jabber:x:data}value") for f in flag] in (["1"], ["true"])

    answer, _ = command(alice, DON, submitted(accountjid="bob@localhost", hat=HAT))
    acknowledged(answer)
    crashed(mucservice)
    answer, listed = command(alice, LIST)
    assert HAT in [v.text for v in listed.iter("{jabber:x:data}value")]

    join(alice, ROOM + "/alice")
    for n in range(3):
        alice.send("<message to='%s' type='groupchat'><body>m%d</body></message>" % (ROOM, n))
    acknowledged(configure(alice, ROOM, roomdesc="After the messages"))
    crashed(mucservice)
    joined = join(bob, ROOM + "/bobby")
    assert [m.findtext("{jabber:client}body") for m in joined.history] == ["m0", "m1", "m2"]

    acknowledged(alice.iq("<iq type='set' to='%s'><query xmlns='%s'><destroy/></query></iq>"
                          % (ROOM, NS_MUC_OWNER)))
    crashed(mucservice)
    gone = bob.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>" % (ROOM, NS_DISCO_INFO))
    assert stanzaType(gone) == "error"
