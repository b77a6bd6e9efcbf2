"""
Service administration: what the administrators of the service
(C{--admin}) do to any room or to every room at once, through the ad-hoc
commands on the service's JID (L{mucservice.xmpp.servicecommands}) and
the C{mucservice-admin} program that drives them. Mixed into the
L{RoomService<mucservice.room.service.RoomService>}.

Administrators are owners of every room, so most of what they do here is
what an owner does in the room, by the same rules: destruction and
affiliation changes go through L{StoredChanges
<mucservice.room.persistence.StoredChanges>} and are answered once
stored, and so is an imported room. What no owner can do is theirs alone:
seeing every room (hidden and locked ones too), kicking a user from every
room at once, and telling every room something.
"""

from dataclasses import dataclass

from twisted.internet import defer

from mucservice import errors
from mucservice.room import roles, status
from mucservice.room.administration import AffiliationChange, Effect
from mucservice.room.roomdata import readRoomData, roomData


@dataclass
class Announced:
    """
    A service administrator tells a room something: every occupant gets
    it in a groupchat message from the room itself.
    """

    room: object
    text: str


class ServiceAdministration:
    """
    What service administrators do. Expects of the class it is mixed into:
    C{admins}, C{rooms}, C{loaded}, C{defaultConfig}, C{getRoom},
    C{_roomFromRecord}, C{destroy}, C{setAffiliations}, C{applied},
    C{hatStore}, C{changes}, C{writer} and C{limits}.
    """

    def checkServiceAdmin(self, actorJID):
        """
        @raise errors.Forbidden: C{actorJID} is no service administrator.
        """
        if actorJID.userhostJID() not in self.admins:
            raise errors.Forbidden("only administrators of this service may do this")

    def administeredRoom(self, actorJID, roomJID):
        """
        @return: the room C{roomJID}, hidden or locked as it may be, for a
            service administrator.
        @raise errors.Forbidden: C{actorJID} is no service administrator.
        @raise errors.ItemNotFound: there is no such room.
        """
        self.checkServiceAdmin(actorJID)
        room = self.getRoom(roomJID)
        if room is None:
            raise errors.ItemNotFound("no room %s" % (roomJID.userhost(),))
        return room

    def allRooms(self, actorJID):
        """
        @return: every room of the service, by JID.
        @raise errors.Forbidden: C{actorJID} is no service administrator.
        """
        self.checkServiceAdmin(actorJID)
        return sorted(self.rooms.values(), key=lambda room: room.jid.full())

    def destroyRoom(self, actorJID, roomJID, alternate=None, reason=None):
        """
        Destroy a room, as its owner would.

        @return: a Deferred of a L{Destroyed
            <mucservice.room.outcomes.Destroyed>}, once it is stored.
        """
        room = self.administeredRoom(actorJID, roomJID)
        return self.destroy(actorJID, room, alternate, reason)

    def setOwner(self, actorJID, roomJID, ownerJID, exclusive=False):
        """
        Make C{ownerJID} an owner of the room; if C{exclusive}, the only
        one: the other owners become admins, as when an owner takes them
        off the owner list (XEP-0045 section 10.2).

        @return: a Deferred of a L{Changed
            <mucservice.room.outcomes.Changed>}, once it is stored.
        """
        room = self.administeredRoom(actorJID, roomJID)
        ownerJID = ownerJID.userhostJID()
        changes = [AffiliationChange(ownerJID, roles.OWNER)]
        if exclusive:
            changes.extend(AffiliationChange(userJID, roles.ADMIN)
                           for userJID in room.usersWith(roles.OWNER) if userJID != ownerJID)
        return self.setAffiliations(actorJID, room.jid, changes)

    def kickEverywhere(self, actorJID, userJID, reason=None):
        """
        Kick a user from every room it is in (status 307): all the user's
        occupants for a bare JID, or the occupants a session is part of
        for a full JID. Nothing is stored: a kick is no ban.

        @return: a L{Changed<mucservice.room.outcomes.Changed>} for each
            room the user left.
        @raise errors.NotAllowed: C{userJID} is a service administrator.
        """
        self.checkServiceAdmin(actorJID)
        if userJID.userhostJID() in self.admins:
            raise errors.NotAllowed("service administrators cannot be kicked")
        changed = []
        for room in self.allRooms(actorJID):
            effects = []
            for occupant in list(room.occupants.values()):
                if (occupant.userJID == userJID if userJID.resource is None
                        else userJID in occupant.sessions):
                    previous = occupant.role
                    room.removeOccupant(occupant)
                    occupant.role = roles.NO_ROLE
                    effects.append(Effect(occupant, True, (status.KICKED,), None, reason,
                                          previous))
            if effects:
                changed.append(self.applied(room, effects))
        return changed

    def announce(self, actorJID, text):
        """
        @return: an L{Announced} for every room with occupants.
        @raise errors.PolicyViolation: C{text} is longer than a message
            body may be.
        """
        rooms = self.allRooms(actorJID)
        limit = self.limits.settings.maxBodyLength
        if len(text) > limit:
            raise errors.PolicyViolation("a message body may have at most %d characters"
                                         % (limit,))
        return [Announced(room, text) for room in rooms if room.occupants]

    @defer.inlineCallbacks
    def exportRoom(self, actorJID, roomJID):
        """
        @return: a Deferred of the room's data (L{mucservice.room.roomdata}),
            with the hats the hat store keeps.
        """
        room = self.administeredRoom(actorJID, roomJID)
        hats = yield self.hatStore.getRoomHats(room.jid)
        return roomData(room, hats)

    def readRoom(self, data):
        """
        @param data: the data of a room (L{mucservice.room.roomdata}).
        @return: a L{RoomData<mucservice.room.roomdata.RoomData>}, the
            configuration keys it lacks given the service's defaults.
        @raise errors.Error: the data is no room's (see L{readRoomData}).
        """
        return readRoomData(data, self.defaultConfig)

    @defer.inlineCallbacks
    def importRoom(self, actorJID, imported):
        """
        Make a persistent room of its data, answered once it is stored with
        its hats. Until then the room
        exists, locked: nobody but its owners may enter it, and no join can
        make another room of that name meanwhile. If it cannot be stored,
        it goes again (with its last occupant, if an owner entered).

        @param imported: the room, as from L{readRoom}.
        @return: a Deferred of the L{Room<mucservice.room.room.Room>}.
        @raise errors.Conflict: the room exists.
        @raise errors.ServiceUnavailable: the stored rooms are not loaded yet.
        @raise errors.PolicyViolation: the room holds more affiliations than
            a room may.
        """
        self.checkServiceAdmin(actorJID)
        if not self.loaded:
            raise errors.ServiceUnavailable("the rooms of this service are not loaded yet")
        if self.getRoom(imported.record.jid) is not None:
            raise errors.Conflict("the room %s exists; destroy it first"
                                  % (imported.record.jid.full(),))
        limit = self.limits.settings.maxAffiliations
        if len(imported.record.affiliations) > limit:
            raise errors.PolicyViolation("a room may hold at most %d affiliations" % (limit,))
        room = self._roomFromRecord(imported.record)
        self.limits.configuration(room, room.config)
        room.locked = True
        self.rooms[room.jid] = room

        def unlock():
            room.locked = False
            self.limits.roomLoaded(room)
            return room

        try:
            yield self.changes.run(
                room, lambda: (lambda: self.writer.saveWhole(room, acknowledged=True), unlock))
        except Exception:
            room.config = room.config.replace(persistent=False)
            if room.empty:
                self.rooms.pop(room.jid, None)
            raise
        for userJID, hats in imported.hats.items():
            yield self.hatStore.setUserHats(userJID, room.jid, hats)
        return room
