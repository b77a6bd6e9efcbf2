"""
Keeping persistent rooms in the room store (L{IRoomStore
<mucservice.interfaces.IRoomStore>}), on behalf of the room service.

Two kinds of writes. Changes that are acknowledged (configuration,
affiliations, registrations, avatars, destruction, moderation) are stored
first and applied in memory only once stored (L{StoredChanges}): a failed
write changes nothing and is an error to the requester. What occupants say
(messages to the history and archive, their own retractions, subject) is
told first and written after; a failed write is logged at once, and the
room is written again whole once the store works again (L{RoomWriter}).
While the store fails, new messages of persistent rooms wait for their
write instead (L{RoomWriter.storeWorks}).
"""

from twisted.internet import defer
from twisted.logger import Logger

from mucservice import errors


class RoomWriter:
    """
    Writes every change of a persistent room to the store, and catches up
    after a write failed.

    The store writes in order, on its own thread. A room a write of which
    failed is written again, whole, with the next change of any room once a
    write succeeded, and when the service stops; a room with an
    acknowledged change under way (L{pending}) waits until it is applied.

    @ivar store: the L{IRoomStore<mucservice.interfaces.IRoomStore>}.
    @ivar pending: the JIDs of the rooms with an acknowledged change that is
        being stored, not yet applied in memory.
    @ivar failures: how many writes failed, since the service started.
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
        self.pending = set()
        self.failures = 0

    @property
    def storeWorks(self):
        """
        Whether the last write of the store succeeded (or there was none).
        """
        return self._storeWorks

    def _store(self, d, what, roomJID, userJID=None, acknowledged=False):
        """
        Watch a write of the room store: a failure is logged and counted at
        once and the room remembered for L{catchUp}; a success shows that
        the store works.

        @param userJID: the user whose affiliation is written, if any.
        @param acknowledged: whether the write is waited for: its failure is
            passed on, else it is consumed.
        """
        def succeeded(result):
            self._storeWorks = True
            return result

        def failed(f):
            if f.check(errors.RoomNotHeld):
                # Another instance serves the room now: not ours to write again.
                self.log.warn("{what} room {room} refused: another instance serves it now",
                              event="lease.lost", what=what, room=roomJID.full())
                return f if acknowledged else None
            self.failures += 1
            self.log.failure("{what} room {room} failed", f, event="store.failed", what=what,
                             room=roomJID.full())
            users = self._unsaved.setdefault(roomJID, set())
            if userJID is not None:
                users.add(userJID)
            # A room that is not stored says nothing of whether writes work.
            if not f.check(errors.ItemNotFound):
                self._storeWorks = False
            return f if acknowledged else None

        return d.addCallbacks(succeeded, failed)

    def _all(self, writes):
        """
        @return: a Deferred that fires when every write succeeded, and fails
            with the first failure once all are done.
        """
        d = defer.DeferredList(writes, fireOnOneErrback=False, consumeErrors=True)

        def check(results):
            for succeeded, result in results:
                if not succeeded:
                    return result
            return None

        return d.addCallback(check)

    def forget(self, roomJID):
        """
        Write nothing more of C{roomJID}: another instance serves it now.
        """
        self._unsaved.pop(roomJID, None)

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
        for roomJID in self.pending.intersection(pending):
            # Written once the change under way is applied.
            self._unsaved[roomJID] = pending.pop(roomJID)
        for roomJID, users in pending.items():
            room = self._getRoom(roomJID)
            if room is not None and room.config.persistent:
                self.saveWhole(room, users)
            else:
                self._store(self.store.deleteRoom(roomJID), "deleting", roomJID)
        return pending

    @staticmethod
    def storedConfig(room, config=None):
        """
        @return: C{config} (the room's own by default) as the store keeps
            it, with the salt of the room's occupant ids.
        """
        return dict((config or room.config).toDict(), salt=room.salt)

    def saveWhole(self, room, users=(), config=None, changed=None, acknowledged=False):
        """
        Write the whole room over what the store has of it, if anything: its
        configuration (with the salt of its occupant ids), affiliations,
        subject, avatar and history. Nothing is deleted first, so that a write that
        fails now leaves no less than there was.

        @param users: more users whose affiliation may be stored wrongly:
            those without one now have theirs removed.
        @param config: the configuration to write instead of the room's.
        @param changed: affiliations to write instead of the room's (bare
            JID to L{Affiliation<mucservice.records.Affiliation>} or
            L{None}).
        @return: a Deferred of all the writes, which fails if one did and
            C{acknowledged}.
        """
        roomJID = room.jid
        config = config or room.config
        affiliations = dict(room.affiliations)
        affiliations.update({userJID: None for userJID in users if userJID not in affiliations})
        affiliations.update(changed or {})
        writes = [self._store(self.store.saveRoom(roomJID, self.storedConfig(room, config),
                                                  affiliations),
                              "saving", roomJID, acknowledged=acknowledged)]
        if room.subject or room.subjectNick:
            writes.append(self._store(
                self.store.setSubject(roomJID, room.subject, room.subjectNick),
                "saving the subject of", roomJID, acknowledged=acknowledged))
        writes.append(self._store(self.store.setAvatar(roomJID, room.avatar),
                                  "saving the avatar of", roomJID, acknowledged=acknowledged))
        if config.archiving:
            # The archive is kept: the messages in memory are written again,
            # each over its stored self (tombstones included), and the
            # history is cut to them.
            entries = list(room.history)
        else:
            writes.append(self._store(self.store.trimHistory(roomJID, 0), "saving history of",
                                      roomJID, acknowledged=acknowledged))
            entries = list(room.history)[-config.historyLength:] if config.historyLength else []
        for entry in entries:
            writes.append(self._store(self._addMessage(room, entry, config),
                                      "saving history of", roomJID, acknowledged=acknowledged))
        if config.archiving:
            writes.append(self._store(self.store.trimHistory(roomJID, len(entries)),
                                      "saving history of", roomJID, acknowledged=acknowledged))
        return self._all(writes)

    def keepsMessages(self, room, config=None):
        """
        @return: whether the store keeps messages of C{room} (so
            configured): it is persistent, and it archives or keeps history.
        """
        config = config or room.config
        return config.persistent and (config.archiving or config.historyLength > 0)

    def _addMessage(self, room, entry, config=None):
        """
        Hand the store a message of C{room} (so configured): to its archive,
        or to its history, which keeps only the newest.

        @return: the store's Deferred, or L{None} if it keeps no messages of
            the room.
        """
        config = config or room.config
        if not self.keepsMessages(room, config):
            return None
        if config.archiving:
            return self.store.archiveMessage(room.jid, entry)
        return self.store.appendHistory(room.jid, entry, config.historyLength)

    # Acknowledged changes: each returns a Deferred that fires once it is
    # stored (and fails if it could not be), or None if nothing is stored.

    def storeAffiliations(self, room, changed):
        """
        Store affiliation changes of a persistent room, in one transaction.

        @param changed: bare JID to the new L{Affiliation
            <mucservice.records.Affiliation>} or L{None}.
        """
        if not room.config.persistent or not changed:
            return None
        self.catchUp()
        return self._store(self.store.saveRoom(room.jid, self.storedConfig(room), changed),
                           "saving affiliations of", room.jid, acknowledged=True)

    def storeConfiguration(self, room, config, changed):
        """
        Store a room's new configuration with the affiliation changes that
        come with it: the whole room when it becomes persistent, its removal
        when it stops being persistent (the history is shortened when the
        configuration keeps fewer messages, so that the messages dropped do
        not come back with a restart once it is made longer; archived ones
        stay in the archive).

        @param config: the new L{RoomConfig<mucservice.room.config.RoomConfig>}.
        @param changed: as for L{storeAffiliations}.
        """
        wasPersistent = room.config.persistent
        if not config.persistent:
            if not wasPersistent:
                return None
            return self._store(self.store.deleteRoom(room.jid), "deleting", room.jid,
                               acknowledged=True)
        self.catchUp()
        if not wasPersistent:
            return self.saveWhole(room, config=config, changed=changed, acknowledged=True)
        writes = [self._store(
            self.store.saveRoom(room.jid, self.storedConfig(room, config), changed),
            "saving", room.jid, acknowledged=True)]
        if config.historyLength < room.config.historyLength:
            writes.append(self._store(self.store.trimHistory(room.jid, config.historyLength),
                                      "shortening the history of", room.jid, acknowledged=True))
        return self._all(writes)

    def storeAvatar(self, room, avatar):
        """
        Store a room's new avatar (a L{RoomAvatar
        <mucservice.records.RoomAvatar>}, or L{None} for none), if the room
        is persistent.
        """
        if not room.config.persistent:
            return None
        self.catchUp()
        return self._store(self.store.setAvatar(room.jid, avatar), "saving the avatar of",
                           room.jid, acknowledged=True)

    def storeDeletion(self, room):
        """
        Forget a destroyed room in the store: waited for if it is
        persistent; otherwise only what failed writes may have left is
        deleted.
        """
        if room.config.persistent:
            return self._store(self.store.deleteRoom(room.jid), "deleting", room.jid,
                               acknowledged=True)
        if room.jid not in self.catchUp():
            self._store(self.store.deleteRoom(room.jid), "deleting", room.jid)
        return None

    def storeHistoryFirst(self, room, entry):
        """
        Store a message before it is told, while the store fails: the
        message is kept (and told) only if this succeeds.
        """
        self.catchUp()
        return self._store(self._addMessage(room, entry), "saving history of", room.jid,
                           acknowledged=True)

    def storeRetraction(self, room, retraction, announcement):
        """
        Store a moderation, in one change: the tombstone of the message it
        takes back, and the room's announcement of it.
        """
        if not room.config.persistent:
            return None
        self.catchUp()
        config = room.config
        maxLength = None if config.archiving else config.historyLength
        return self._store(self.store.retractMessage(
            room.jid, retraction.target, retraction,
            announcement if self.keepsMessages(room) else None, maxLength),
            "retracting a message of", room.jid, acknowledged=True)

    def saveRetraction(self, room, retraction):
        """
        Store the tombstone of a message its sender took back.
        """
        if room.config.persistent:
            self._store(self.store.retractMessage(room.jid, retraction.target, retraction),
                        "retracting a message of", room.jid)

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
        added = self._addMessage(room, entry)
        if added is not None:
            self._store(added, "saving history of", room.jid)


class StoredChanges:
    """
    Changes that are acknowledged only once stored. The changes of one room
    go one after the other: each is checked against the state the one
    before it left, stored, and only then applied in memory, so that a
    change that could not be stored changes nothing.
    """

    def __init__(self, writer):
        """
        @param writer: the L{RoomWriter}.
        """
        self.writer = writer
        self._locks = {}

    def run(self, room, change):
        """
        Make a change of C{room} after those asked for before.

        @param change: a callable that checks the change, raising a domain
            error if it is refused, and returns C{(store, apply)}: a callable
            that writes it and returns a Deferred that fires once it is
            stored (or L{None} if nothing is stored), and a callable that
            applies it in memory and returns the outcome.
        @return: a Deferred that fires with the outcome; it fails with the
            domain error of a refusal, or with
            L{InternalServerError<mucservice.errors.InternalServerError>}
            when the change could not be stored (nothing changed then).
        """
        lock = self._locks.get(room.jid)
        if lock is None:
            lock = self._locks[room.jid] = defer.DeferredLock()

        def release(result):
            if not lock.locked and not lock.waiting:
                self._locks.pop(room.jid, None)
            return result

        return lock.run(self._change, room, change).addBoth(release)

    def _change(self, room, change):
        store, apply = change()
        # Marked before the write: no catch-up may write the room meanwhile.
        self.writer.pending.add(room.jid)
        try:
            stored = store()
        except BaseException:
            self.writer.pending.discard(room.jid)
            raise
        if stored is None:
            self.writer.pending.discard(room.jid)
            return apply()

        def done(result):
            self.writer.pending.discard(room.jid)
            return result

        def failed(failure):
            raise errors.InternalServerError("the change could not be stored; nothing changed")

        return stored.addBoth(done).addCallbacks(lambda _: apply(), failed)
