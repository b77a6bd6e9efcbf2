"""
Keeping persistent rooms in the room store (L{IRoomStore
<mucservice.interfaces.IRoomStore>}), on behalf of the room service.
"""

from twisted.logger import Logger

from mucservice import errors
from mucservice.room import roles


class RoomWriter:
    """
    Writes every change of a persistent room to the store, and catches up
    after a write failed.

    Writes are not waited for: the room answers first, the store catches up
    (in order, on its own thread). A room a write of which failed is written
    again, whole, with the next change of any room once a write succeeded,
    and when the service stops.

    @ivar store: the L{IRoomStore<mucservice.interfaces.IRoomStore>}.
    """

    log = Logger()

    def __init__(self, store, getRoom):
        """
        @param getRoom: returns the live room of a room JID, or L{None}.
        """
        self.store = store
        self._getRoom = getRoom
        # Room JID to the users whose affiliation in it may not be stored as
        # it is (a set, maybe empty), for every room a write of which failed;
        # and whether the last write of the room store did not (see catchUp).
        self._unsaved = {}
        self._storeWorks = True

    def _store(self, d, what, roomJID, userJID=None):
        """
        Watch a write of the room store: a failure is logged and the room
        remembered for L{catchUp}; a success shows that the store works.

        @param userJID: the user whose affiliation is written, if any.
        """
        def succeeded(result):
            self._storeWorks = True
            return result

        def failed(f):
            self.log.failure("{what} room {room} failed; it will be written again", f,
                             what=what, room=roomJID.full())
            users = self._unsaved.setdefault(roomJID, set())
            if userJID is not None:
                users.add(userJID)
            # A room that is not stored says nothing of whether writes work.
            if not f.check(errors.ItemNotFound):
                self._storeWorks = False

        return d.addCallbacks(succeeded, failed)

    def catchUp(self, force=False):
        """
        Write again the rooms a write of which failed, so that the store
        has what is live: a persistent room of this service whole (which
        includes any change being saved now), any other deleted. Nothing
        is tried while the last write failed (a store that is down is not
        flooded), unless C{force}.

        @return: the JIDs of those rooms.
        """
        if not self._unsaved or not (self._storeWorks or force):
            return ()
        pending, self._unsaved = self._unsaved, {}
        for roomJID, users in pending.items():
            room = self._getRoom(roomJID)
            if room is not None and room.config.persistent:
                self._saveWhole(room, users)
            else:
                self._store(self.store.deleteRoom(roomJID), "deleting", roomJID)
        return pending

    def _saveWhole(self, room, users=()):
        """
        Write the whole live room over what the store has of it, if
        anything: its configuration (with the salt of its occupant ids),
        affiliations, subject and history. Nothing is deleted first, so
        that a write that fails now leaves no less than there was.

        @param users: more users whose affiliation may be stored wrongly:
            those without one now have theirs removed.
        """
        roomJID = room.jid
        config = dict(room.config.toDict(), salt=room.salt)
        self._store(self.store.saveRoom(roomJID, config), "saving", roomJID)
        for userJID, entry in room.affiliations.items():
            self._store(self.store.setAffiliation(roomJID, userJID, entry.affiliation,
                                                  entry.data), "saving", roomJID, userJID)
        for userJID in users:
            if userJID not in room.affiliations:
                self._store(self.store.setAffiliation(roomJID, userJID, roles.NONE),
                            "saving", roomJID, userJID)
        if room.subject or room.subjectNick:
            self._store(self.store.setSubject(roomJID, room.subject, room.subjectNick),
                        "saving the subject of", roomJID)
        self._store(self.store.trimHistory(roomJID, 0), "saving history of", roomJID)
        if room.config.historyLength:
            for entry in room.history:
                self._store(self.store.appendHistory(roomJID, entry, room.config.historyLength),
                            "saving history of", roomJID)

    def saveRoom(self, room, wasPersistent=True, historyShortened=False):
        """
        Store the room's configuration (the whole room when it just became
        persistent), or forget it when it just stopped being persistent.

        @param historyShortened: the room now keeps fewer messages than
            before: the stored history is shortened too, so that the
            messages dropped do not come back with a restart once the
            history is made longer.
        """
        if room.jid in self.catchUp():
            return
        if not room.config.persistent:
            if wasPersistent:
                self._store(self.store.deleteRoom(room.jid), "deleting", room.jid)
            return
        if not wasPersistent:
            self._saveWhole(room)
            return
        config = dict(room.config.toDict(), salt=room.salt)
        self._store(self.store.saveRoom(room.jid, config), "saving", room.jid)
        if historyShortened:
            self._store(self.store.trimHistory(room.jid, room.config.historyLength),
                        "shortening the history of", room.jid)

    def deleteRoom(self, roomJID):
        """
        Forget a destroyed room in the store.
        """
        if roomJID not in self.catchUp():
            self._store(self.store.deleteRoom(roomJID), "deleting", roomJID)

    def saveAffiliations(self, room, changed):
        """
        @param changed: bare JID to the new L{Affiliation
            <mucservice.records.Affiliation>} or L{None}.
        """
        if room.jid in self.catchUp() or not room.config.persistent:
            return
        for userJID, entry in changed.items():
            affiliation, data = (entry.affiliation, entry.data) if entry else ("none", {})
            self._store(self.store.setAffiliation(room.jid, userJID, affiliation, data),
                        "saving an affiliation of", room.jid, userJID)

    def saveSubject(self, room):
        if room.jid in self.catchUp():
            return
        if room.config.persistent:
            self._store(self.store.setSubject(room.jid, room.subject, room.subjectNick),
                        "saving the subject of", room.jid)

    def saveHistory(self, room, entry):
        """
        Store a message the room just added to its history.
        """
        if room.jid in self.catchUp():
            return
        if room.config.persistent and room.config.historyLength:
            self._store(self.store.appendHistory(room.jid, entry, room.config.historyLength),
                        "saving history of", room.jid)
