"""
Room avatars (XEP-0486): the image a room's owners give it, kept with the
room, which anyone may fetch.

Mixed into the L{RoomService<mucservice.room.service.RoomService>}. Setting
or removing an avatar is an acknowledged change like a configuration
(L{StoredChanges<mucservice.room.persistence.StoredChanges>}): checked,
stored, and only then applied and told to the occupants with status 104,
so that their clients fetch the room's disco#info (and its new avatar
hash) again.
"""

from mucservice import errors
from mucservice.room import status
from mucservice.room.outcomes import Changed

#: The default of C{--max-avatar-bytes}: the largest image, in bytes.
DEFAULT_MAX_AVATAR_BYTES = 64 * 1024


class Avatars:
    """
    Expects of the class it is mixed into: C{visibleRoom}, C{writer} and
    C{changes}.

    @ivar maxAvatarBytes: the largest image a room may have, in bytes
        (C{--max-avatar-bytes}).
    """

    maxAvatarBytes = DEFAULT_MAX_AVATAR_BYTES

    def avatarOf(self, requester, roomJID):
        """
        @param requester: the real JID asking; anyone may.
        @return: the room's L{RoomAvatar<mucservice.records.RoomAvatar>}, or
            L{None} if it has none.
        @raise errors.ItemNotFound: there is no such room (for
            C{requester}).
        """
        return self.visibleRoom(roomJID, requester).avatar

    def setAvatar(self, actorJID, roomJID, avatar):
        """
        Give a room an avatar, or remove its avatar, once stored. Only its
        owners may.

        @param avatar: a L{RoomAvatar<mucservice.records.RoomAvatar>}, or
            L{None} to remove it.
        @return: a Deferred of a L{Changed} that tells the occupants, with
            status 104, when the avatar is another than it was.
        @raise errors.ItemNotFound: there is no such room (for C{actorJID}).
        """
        room = self.visibleRoom(roomJID, actorJID)

        def change():
            room.checkOwner(actorJID)
            if avatar is not None and len(avatar.data) > self.maxAvatarBytes:
                raise errors.PolicyViolation("a room avatar may have at most %d bytes"
                                             % (self.maxAvatarBytes,))
            return (lambda: self.writer.storeAvatar(room, avatar),
                    lambda: self._avatarSet(room, avatar))

        return self.changes.run(room, change)

    def _avatarSet(self, room, avatar):
        changed = room.avatar != avatar
        room.avatar = avatar
        return Changed(room, statuses=(status.CONFIG_CHANGED,) if changed else ())
