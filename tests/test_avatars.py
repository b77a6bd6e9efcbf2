"""
Room avatars (XEP-0486): a room's vCard (XEP-0054) through the fake
component stream: who may read and set it, what disco#info says of it, how
occupants are told, and how it is stored.
"""

import base64
import hashlib

from twisted.python import usage
from twisted.words.protocols.jabber.jid import JID

from mucservice import tap
from mucservice.providers.sqlite import SynchronousRunner
from mucservice.records import RoomAvatar
from mucservice.room.avatars import DEFAULT_MAX_AVATAR_BYTES
from mucservice.testing import storedRoom
from mucservice.xmpp import margins
from mucservice.xmpp.vcard import largestAvatar
from tests.fakeservice import PopulatedRoomTestCase, ServiceTestCase, errorText, statuses
from tests.test_restart import FailingRunner, StoredService, configForm
from tests.test_sqlite_rooms import temporaryDatabase

NS_VCARD = "vcard-temp"
NS_INFO = "http://jabber.org/protocol/disco#info"
NS_DATA = "jabber:x:data"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
ROOM = PopulatedRoomTestCase.ROOM
STRANGER = "stranger@elsewhere.example/x"


def vcardIQ(sender, kind="get", inner="", to=ROOM):
    return ("<iq type='%s' id='v1' from='%s' to='%s'><vCard xmlns='%s'>%s</vCard></iq>"
            % (kind, sender, to, NS_VCARD, inner))


def photo(data=PNG, mimeType="image/png"):
    """
    @return: the C{PHOTO} of a vCard with C{data}, base64-encoded with line
        breaks every 76 characters, as XEP-0153 examples wrap it.
    """
    encoded = base64.encodebytes(data).decode("ascii")
    return "<PHOTO><TYPE>%s</TYPE><BINVAL>%s</BINVAL></PHOTO>" % (mimeType, encoded)


def answerOf(stanzas):
    (answer,) = [s for s in stanzas if s.name == "iq"]
    return answer


def avatarOf(answer):
    """
    @return: C{(TYPE, image bytes)} of a vCard answer's C{PHOTO}, or L{None}
        if the vCard has none.
    """
    vcard = next(answer.elements(NS_VCARD, "vCard"))
    found = next(vcard.elements(NS_VCARD, "PHOTO"), None)
    if found is None:
        return None
    binval = next(found.elements(NS_VCARD, "BINVAL"))
    return (str(next(found.elements(NS_VCARD, "TYPE"))),
            base64.b64decode(str(binval), validate=True))


class AvatarTestCase(PopulatedRoomTestCase):
    def setAvatar(self, sender, inner=None):
        """
        Set the room's vCard; return what the service wrote.
        """
        return self.service.send(vcardIQ(sender, "set", photo() if inner is None else inner))

    def hashes(self, sender=STRANGER):
        """
        @return: the values of the room's C{muc#roominfo_avatarhash}, or
            L{None} if its disco#info has no such field.
        """
        reply = self.ask("<iq type='get' id='d1' from='%s' to='%s'><query xmlns='%s'/></iq>"
                         % (sender, ROOM, NS_INFO))
        form = next(reply.query.elements(NS_DATA, "x"))
        for field in form.elements(NS_DATA, "field"):
            if field["var"] == "muc#roominfo_avatarhash":
                self.assertEqual("text-multi", field["type"])
                return [str(v) for v in field.elements(NS_DATA, "value")]
        return None

    def assertUnchanged(self, stanzas, condition):
        """
        The request was refused with C{condition}, nobody was told, and the
        room has no avatar.
        """
        self.assertEqual([], [s for s in stanzas if s.name != "iq"])
        self.assertError(condition, answerOf(stanzas))
        self.assertIsNone(self.room.avatar)
        self.assertIsNone(self.hashes())


class ReadTests(AvatarTestCase):
    def test_noAvatar(self):
        """A room without avatar answers anyone an empty vCard, and its disco#info no hash."""
        answer = self.ask(vcardIQ(STRANGER))
        self.assertEqual(("result", ROOM, STRANGER), (answer["type"], answer["from"],
                                                      answer["to"]))
        vcard = next(answer.elements(NS_VCARD, "vCard"))
        self.assertEqual([], list(vcard.elements()))
        self.assertIsNone(self.hashes())

    def test_unknownRoom(self):
        """The vCard of a room that does not exist is item-not-found, as Prosody answers."""
        self.assertError("item-not-found",
                         self.ask(vcardIQ(STRANGER, to="nowhere@muc.example.org")))

    def test_service(self):
        """The service has an empty vCard, which nobody may change."""
        answer = self.ask(vcardIQ(STRANGER, to="muc.example.org"))
        self.assertEqual("result", answer["type"])
        self.assertEqual([], list(next(answer.elements(NS_VCARD, "vCard")).elements()))
        self.assertError("forbidden", self.ask(vcardIQ("boss@example.org/x", "set", photo(),
                                                       to="muc.example.org")))


class SetTests(AvatarTestCase):
    def test_ownerSets(self):
        """
        An owner's PHOTO becomes the room's avatar: anyone fetches it whole,
        and disco#info names it by the SHA-1 of the image.
        """
        self.assertEqual("result", answerOf(self.setAvatar(self.OLIVIA))["type"])
        self.assertEqual(("image/png", PNG), avatarOf(self.ask(vcardIQ(STRANGER))))
        self.assertEqual([hashlib.sha1(PNG).hexdigest()], self.hashes())
        self.assertEqual([hashlib.sha1(PNG).hexdigest()], self.hashes(self.GUS))

    def test_occupantsTold(self):
        """
        Every occupant gets a message from the room with status 104 (as for
        a configuration change), before the owner gets the result.
        """
        out = self.setAvatar(self.OLIVIA)
        told = [s for s in out if s.name == "message"]
        self.assertEqual(sorted([self.OLIVIA, self.ADAM, self.MIA, self.GUS]),
                         sorted(s["to"] for s in told))
        for message in told:
            self.assertEqual((ROOM, "groupchat", {104}),
                             (message["from"], message["type"], statuses(message)))
        self.assertEqual("iq", out[-1].name)

    def test_sameAgain(self):
        """Setting the avatar the room has already is answered, and tells nobody."""
        self.setAvatar(self.OLIVIA)
        out = self.setAvatar(self.OLIVIA)
        self.assertEqual(["iq"], [s.name for s in out])
        self.assertEqual("result", out[0]["type"])

    def test_replaced(self):
        """Another image replaces the avatar, with its own type and hash."""
        self.setAvatar(self.OLIVIA)
        self.setAvatar(self.OLIVIA, photo(b"<svg/>", "image/svg+xml"))
        self.assertEqual(("image/svg+xml", b"<svg/>"), avatarOf(self.ask(vcardIQ(self.MIA))))
        self.assertEqual([hashlib.sha1(b"<svg/>").hexdigest()], self.hashes())

    def test_removed(self):
        """A vCard without PHOTO removes the avatar, and occupants are told."""
        self.setAvatar(self.OLIVIA)
        out = self.setAvatar(self.OLIVIA, "<FN>The room</FN>")
        self.assertEqual({104}, statuses([s for s in out if s["to"] == self.GUS][0]))
        self.assertIsNone(avatarOf(self.ask(vcardIQ(STRANGER))))
        self.assertIsNone(self.hashes())

    def test_serviceAdmin(self):
        """A service administrator, an owner of every room, may set it."""
        self.assertEqual("result", answerOf(self.setAvatar("boss@example.org/x"))["type"])
        self.assertEqual(PNG, self.room.avatar.data)

    def test_othersForbidden(self):
        """Admins, members, other occupants and strangers may not set it: forbidden."""
        for sender in (self.ADAM, self.MIA, self.GUS, STRANGER):
            self.assertUnchanged(self.setAvatar(sender), "forbidden")

    def test_othersForbiddenWhateverTheyAsk(self):
        """A non-owner's malformed vCard is forbidden too, not judged."""
        self.assertUnchanged(self.setAvatar(self.GUS, "<PHOTO><BINVAL>!</BINVAL></PHOTO>"),
                             "forbidden")

    def test_unknownRoom(self):
        """Setting the vCard of a room that does not exist is item-not-found."""
        self.assertError("item-not-found", answerOf(self.service.send(
            vcardIQ(self.OLIVIA, "set", photo(), to="nowhere@muc.example.org"))))

    def test_malformed(self):
        """A PHOTO without an image type, base64 image or with only a link is bad-request."""
        for inner in (photo(mimeType=""), photo(mimeType="text/html"),
                      "<PHOTO><TYPE>image/png</TYPE><BINVAL>not base64!</BINVAL></PHOTO>",
                      "<PHOTO><TYPE>image/png</TYPE><BINVAL></BINVAL></PHOTO>",
                      "<PHOTO><TYPE>image/png</TYPE><EXTVAL>https://x.example/a.png</EXTVAL>"
                      "</PHOTO>"):
            self.assertUnchanged(self.setAvatar(self.OLIVIA, inner), "bad-request")


class SizeTests(AvatarTestCase):
    serviceArgs = PopulatedRoomTestCase.serviceArgs + ("--max-avatar-bytes", "1024")

    def test_tooLarge(self):
        """An image over --max-avatar-bytes is policy-violation, naming the limit."""
        out = self.setAvatar(self.OLIVIA, photo(b"x" * 1025))
        self.assertUnchanged(out, "policy-violation")
        self.assertIn("1024 bytes", errorText(answerOf(out)))

    def test_atTheLimit(self):
        """An image of exactly --max-avatar-bytes is taken."""
        self.assertEqual("result", answerOf(self.setAvatar(self.OLIVIA,
                                                           photo(b"x" * 1024)))["type"])


class LargestAvatarTests(ServiceTestCase):
    serviceArgs = ("--max-stanza-size", str(margins.MIN_STANZA_SIZE + 4096))

    def test_fitsTheLink(self):
        """
        The largest image the default limit leaves, fetched by the longest
        address RFC 7622 allows, comes back whole: its answer is under the
        stanza size limit.
        """
        largest = largestAvatar(margins.MIN_STANZA_SIZE + 4096)
        room = self.service.makeRoom(ROOM, "olivia@example.org")
        self.assertEqual(largest, self.service.rooms.maxAvatarBytes)
        room.avatar = RoomAvatar("image/png", b"\xff" * largest)
        requester = "%s@%s/%s" % ("l" * 1023, ".".join(["d" * 63] * 16), "r" * 1023)
        answer = self.ask(vcardIQ(requester))
        self.assertEqual("result", answer["type"])
        self.assertEqual(b"\xff" * largest, avatarOf(answer)[1])


def parse(*args):
    config = tap.Options()
    config.parseOptions(["--jid", "muc.example.org", "--secret", "s", "--room-store", "memory",
                         "--hat-store", "memory"] + list(args))
    return config


def test_limitOption():
    """
    --max-avatar-bytes is 64 KiB unless given, lowered to what a smaller
    --max-stanza-size leaves, and refused over that.
    """
    assert parse()["max-avatar-bytes"] == DEFAULT_MAX_AVATAR_BYTES == 65536
    assert parse("--max-avatar-bytes", "1000")["max-avatar-bytes"] == 1000
    small = str(margins.MIN_STANZA_SIZE)
    assert parse("--max-stanza-size", small)["max-avatar-bytes"] == largestAvatar(
        margins.MIN_STANZA_SIZE) < 65536
    try:
        parse("--max-stanza-size", small, "--max-avatar-bytes", "65536")
    except usage.UsageError as e:
        assert "at most %d" % (largestAvatar(margins.MIN_STANZA_SIZE),) in str(e)
    else:
        raise AssertionError("--max-avatar-bytes over what the stanza size leaves was taken")


def test_largestAvatarEncoded():
    """What largestAvatar allows, base64-encoded, fits in the limit less the margin."""
    for size in (margins.MIN_STANZA_SIZE, 262144, 262145, 262146, 262147):
        largest = largestAvatar(size)
        assert len(base64.b64encode(b"x" * largest)) <= size - margins.MARGIN
        assert len(base64.b64encode(b"x" * (largest + 3))) > size - margins.MARGIN


class StoredAvatarTests(ServiceTestCase):
    """
    An avatar of a persistent room is an acknowledged change: stored first,
    then applied and told.
    """

    def setUp(self):
        self.path = temporaryDatabase(self)
        self.service = self.start(roomRunner=FailingRunner)

    def start(self, **kwargs):
        service = StoredService(self.path, **kwargs)
        self.addCleanup(service.close)
        return service

    def makePersistentRoom(self):
        self.service.join("olivia@example.org/desk", ROOM + "/olivia")
        self.assertEqual("result", answerOf(self.service.send(
            "<iq type='set' id='c1' from='olivia@example.org/desk' to='%s'>%s</iq>"
            % (ROOM, configForm(persistentroom=1))))["type"])
        return self.service.rooms.getRoom(JID(ROOM))

    def stored(self):
        return self.successResultOf(storedRoom(self.service.rooms.store, JID(ROOM)))

    def test_storedAndRestarted(self):
        """The avatar of a persistent room is stored once answered, and survives a restart."""
        self.makePersistentRoom()
        answerOf(self.service.send(vcardIQ("olivia@example.org/desk", "set", photo())))
        self.assertEqual(RoomAvatar("image/png", PNG), self.stored().avatar)
        self.service.close()
        again = self.start(roomRunner=SynchronousRunner)
        self.assertEqual(PNG, again.rooms.getRoom(JID(ROOM)).avatar.data)

    def test_failedWrite(self):
        """
        An avatar that could not be stored is internal-server-error: the
        room keeps the avatar it had, and nobody is told.
        """
        room = self.makePersistentRoom()
        self.service.runners[0].failing = True
        out = self.service.send(vcardIQ("olivia@example.org/desk", "set", photo()))
        self.service.runners[0].failing = False
        self.flushLoggedErrors(OSError)
        self.assertEqual(["iq"], [s.name for s in out])
        self.assertError("internal-server-error", out[0])
        self.assertIsNone(room.avatar)
        self.assertIsNone(self.stored().avatar)

    def test_becomingPersistent(self):
        """A temporary room's avatar is stored with the room when it becomes persistent."""
        self.service.join("olivia@example.org/desk", ROOM + "/olivia")
        self.service.send("<iq type='set' id='c1' from='olivia@example.org/desk' to='%s'>%s</iq>"
                          % (ROOM, configForm()))
        answerOf(self.service.send(vcardIQ("olivia@example.org/desk", "set", photo())))
        self.assertIsNone(self.successResultOf(storedRoom(self.service.rooms.store,
                                                          JID(ROOM))))
        self.service.send("<iq type='set' id='c2' from='olivia@example.org/desk' to='%s'>%s</iq>"
                          % (ROOM, configForm(persistentroom=1)))
        self.assertEqual(PNG, self.stored().avatar.data)
