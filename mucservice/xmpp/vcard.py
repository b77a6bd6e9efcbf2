"""
Room avatars (XEP-0486) through vCards (XEP-0054) on the room's bare JID.

Anyone may fetch a room's vCard: its C{PHOTO} (C{TYPE} and C{BINVAL}) if
it has an avatar, an empty vCard if not. Its owners set it with a vCard
whose first C{PHOTO} carries the image, and remove it with a vCard
without one; the other fields of a vCard are not kept. The room's
disco#info names the avatar by the SHA-1 of its image
(C{muc#roominfo_avatarhash}, as XEP-0153 computes it).

A vCard request to an occupant (C{room@service/nick}) is no business of
this handler: the occupant IQ router of L{mucservice.xmpp.ping} passes it
on first.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

import base64
import binascii
import re

from wokkel import data_form

from mucservice import errors
from mucservice.records import RoomAvatar
from mucservice.xmpp import margins, occupancy
from mucservice.xmpp.handler import RoomHandler
from mucservice.xmpp.namespaces import FIELD_AVATAR_HASH, NS_VCARD
from mucservice.xmpp.render import quote

#: An image's media type (RFC 6838 section 4.2, at most 127 characters a
#: part), as a vCard's C{TYPE} must give it.
IMAGE_TYPE = re.compile(r"image/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\Z")

#: A vCard without any field: what a room without an avatar answers.
EMPTY_VCARD = "<vCard xmlns='%s'/>" % (NS_VCARD,)


def largestAvatar(maxStanzaSize):
    """
    @param maxStanzaSize: the C{--max-stanza-size}, in bytes.
    @return: the most bytes an image may have so that the vCard carrying
        it, base64-encoded, stays within what that limit leaves a client's
        content (L{margins.MARGIN} covers the answer's addresses, its
        C{TYPE} and the vCard around it many times over).
    """
    return (maxStanzaSize - margins.MARGIN) // 4 * 3


def avatarLimit(given, maxStanzaSize, default):
    """
    The C{--max-avatar-bytes} in force.

    @param given: the option's value, or L{None} if it was not given.
    @param default: the limit when none is given, lowered to
        L{largestAvatar} if that is less.
    @return: the largest image a room may have, in bytes.
    @raise ValueError: C{given} is larger than L{largestAvatar}.
    """
    largest = largestAvatar(maxStanzaSize)
    if given is None:
        return min(default, largest)
    if given > largest:
        raise ValueError("--max-avatar-bytes %d: an image that large would not fit in "
                         "--max-stanza-size %d once base64-encoded; at most %d"
                         % (given, maxStanzaSize, largest))
    return given


def parseAvatar(vcard):
    """
    Read the avatar of a vCard an owner sets.

    @param vcard: the C{<vCard xmlns='vcard-temp'/>} element.
    @return: the L{RoomAvatar} of its first C{PHOTO}, or L{None} if it has
        none (the avatar is removed).
    @raise errors.BadRequest: the C{PHOTO} has no image type, or no image
        in base64 (C{EXTVAL}, a link to one, is not supported).
    """
    photo = next(vcard.elements(NS_VCARD, "PHOTO"), None)
    if photo is None:
        return None
    mimeType = next(photo.elements(NS_VCARD, "TYPE"), None)
    mimeType = str(mimeType).strip() if mimeType is not None else ""
    binval = next(photo.elements(NS_VCARD, "BINVAL"), None)
    if binval is None:
        raise errors.BadRequest("a room avatar is an image in BINVAL; EXTVAL is not supported")
    if not IMAGE_TYPE.match(mimeType):
        raise errors.BadRequest("a room avatar needs its TYPE: an image type, e.g. image/png")
    try:
        data = base64.b64decode("".join(str(binval).split()), validate=True)
    except (binascii.Error, ValueError):
        raise errors.BadRequest("the BINVAL of a room avatar must be base64")
    if not data:
        raise errors.BadRequest("the BINVAL of a room avatar is empty")
    return RoomAvatar(mimeType, data)


def renderVCard(avatar):
    """
    @param avatar: a L{RoomAvatar}, or L{None}.
    @return: the vCard of a room with C{avatar}, as text.
    """
    if avatar is None:
        return EMPTY_VCARD
    return ("<vCard xmlns='%s'><PHOTO><TYPE>%s</TYPE><BINVAL>%s</BINVAL></PHOTO></vCard>"
            % (NS_VCARD, quote(avatar.mimeType), base64.b64encode(avatar.data).decode("ascii")))


def avatarHashField(avatar):
    """
    @param avatar: a room's L{RoomAvatar}.
    @return: the C{muc#roominfo_avatarhash} field of its disco#info form.
    """
    return data_form.Field("text-multi", FIELD_AVATAR_HASH, values=[avatar.hash],
                           label="Avatar hash")


class RoomVCard(RoomHandler):
    """
    Answers vCard requests to rooms (their avatars) and to the service
    (which has an empty vCard, that nobody may change).
    """

    iqHandlers = {
        "/iq[@type='get']/vCard[@xmlns='%s']" % (NS_VCARD,): "getVCard",
        "/iq[@type='set']/vCard[@xmlns='%s']" % (NS_VCARD,): "setVCard",
    }

    def getVCard(self, iq, fromJID, toJID):
        if toJID.user is None:
            return EMPTY_VCARD
        return renderVCard(self.rooms.avatarOf(fromJID, toJID))

    def setVCard(self, iq, fromJID, toJID):
        """
        An owner sets the room's avatar, or removes it; the occupants are
        told with status 104 before the owner gets the result.
        """
        if toJID.user is None:
            raise errors.Forbidden("the service's vCard cannot be changed")
        self.rooms.ownedRoom(fromJID, toJID)  # a stranger learns no more than forbidden
        avatar = parseAvatar(next(iq.elements(NS_VCARD, "vCard")))
        d = self.rooms.setAvatar(fromJID, toJID, avatar)
        return d.addCallback(lambda outcome: self.sendText(occupancy.render(outcome)))
