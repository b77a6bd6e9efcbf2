"""
Room avatars (XEP-0486) through a real Prosody: an owner sets the room's
vCard, occupants are told with status 104, anyone fetches it and finds its
hash in disco#info, and a persistent room keeps it through a restart.
"""

import base64
import hashlib
import os

from tests.integration.muc import condition, createRoom, join, statuses
from tests.integration.xmppclient import stanzaType

ROOM = "gallery@muc.localhost"
NS_VCARD = "vcard-temp"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DATA = "jabber:x:data"
#: The largest image the default --max-avatar-bytes lets an owner set.
IMAGE = b"\x89PNG\r\n\x1a\n" + os.urandom(64 * 1024 - 8)


def setVCard(client, image=IMAGE):
    return client.iq("<iq type='set' to='%s'><vCard xmlns='%s'><PHOTO><TYPE>image/png</TYPE>"
                     "<BINVAL>%s</BINVAL></PHOTO></vCard></iq>"
                     % (ROOM, NS_VCARD, base64.encodebytes(image).decode("ascii")))


def fetchedImage(client):
    """
    @return: the image of the room's vCard as C{client} fetches it, or
        L{None} if it has none.
    """
    answer = client.iq("<iq type='get' to='%s'><vCard xmlns='%s'/></iq>" % (ROOM, NS_VCARD))
    assert stanzaType(answer) == "result", condition(answer)
    binval = answer.find("{%s}vCard/{%s}PHOTO/{%s}BINVAL" % ((NS_VCARD,) * 3))
    return None if binval is None else base64.b64decode(binval.text)


def avatarHashes(client):
    answer = client.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>" % (ROOM, NS_DISCO_INFO))
    features = {f.get("var") for f in answer.iter("{%s}feature" % NS_DISCO_INFO)}
    assert NS_VCARD in features
    for field in answer.iter("{%s}field" % NS_DATA):
        if field.get("var") == "muc#roominfo_avatarhash":
            return [v.text for v in field.findall("{%s}value" % NS_DATA)]
    return None


def test_avatar(mucservice, clients):
    """
    Only the owner sets the avatar; the occupants get status 104; a
    stranger fetches the image whole and its SHA-1 in disco#info; it
    survives a restart.
    """
    alice, bob, carol = clients("alice"), clients("bob"), clients("carol")
    createRoom(alice, ROOM, "alice", persistentroom=1)
    join(bob, ROOM + "/bob")
    assert fetchedImage(carol) is None and avatarHashes(carol) is None

    assert condition(setVCard(bob)) == "forbidden"
    assert stanzaType(setVCard(alice)) == "result"
    told = bob.expect(tag="message", frm=ROOM, type="groupchat")
    assert statuses(told) == {104}
    assert fetchedImage(carol) == IMAGE
    assert avatarHashes(carol) == [hashlib.sha1(IMAGE).hexdigest()]

    mucservice.stop()
    mucservice.start()
    mucservice.waitConnected()
    assert fetchedImage(carol) == IMAGE
    assert condition(setVCard(alice, IMAGE + b"!")) == "policy-violation"


def test_killedAfterAvatar(mucservice, clients):
    """
    An avatar, and its removal, survive a SIGKILL that follows their
    acknowledgement at once.
    """
    alice, carol = clients("alice"), clients("carol")
    createRoom(alice, ROOM, "alice", persistentroom=1)
    assert stanzaType(setVCard(alice)) == "result"
    mucservice.kill()
    mucservice.start()
    mucservice.waitConnected()
    assert fetchedImage(carol) == IMAGE
    removed = alice.iq("<iq type='set' to='%s'><vCard xmlns='%s'/></iq>" % (ROOM, NS_VCARD))
    assert stanzaType(removed) == "result"
    mucservice.kill()
    mucservice.start()
    mucservice.waitConnected()
    assert fetchedImage(carol) is None and avatarHashes(carol) is None
