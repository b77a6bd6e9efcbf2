"""
What every L{IHatStore} provider shares: checking hat ids, attachments, the
room and the user's affiliation, and telling observers.

A provider subclasses L{HatStoreBase} and supplies four storage primitives;
each may return a value or a Deferred. Changes of one user's hats in one room
run one after the other, so that a change waiting for its storage never
overwrites another's; a change under way when its room's hats are forgotten
writes nothing.
"""

import re

from twisted.internet import defer
from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IHatStore
from mucservice.providers.observers import ObserverList

# RFC 3986: a scheme, a colon, then no whitespace.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")


def checkHatURI(hatURI):
    """
    @raise errors.BadRequest: C{hatURI} is not a URI.
    """
    if not isinstance(hatURI, str) or not _URI.match(hatURI):
        raise errors.BadRequest("hat id must be a URI: %r" % (hatURI,))


def normalizeAttachment(attachment):
    """
    @return: a copy of C{attachment} with only the keys that mean something
        (C{active}, C{required}, C{title}); false flags are left out.
    @raise errors.BadRequest: a flag is not a boolean or the title not a string.
    """
    attachment = attachment or {}
    result = {}
    for flag in ("active", "required"):
        value = attachment.get(flag, False)
        if not isinstance(value, bool):
            raise errors.BadRequest("hat attachment %r must be a boolean" % (flag,))
        if value:
            result[flag] = True
    title = attachment.get("title")
    if title is not None:
        if not isinstance(title, str):
            raise errors.BadRequest("hat title must be a string")
        result["title"] = title
    return result


@implementer(IHatStore)
class HatStoreBase:
    """
    @ivar rooms: the L{IRoomDirectory} that says whether a room exists and
        whom it affiliates.
    """

    def __init__(self, rooms):
        self.rooms = rooms
        self._observers = ObserverList()
        self._locks = {}
        # Room JID to a token that forgetRoom replaces: a change that began
        # with another token began before its room's hats were forgotten.
        self._epochs = {}

    def _serialized(self, userJID, roomJID, func, *args):
        """
        Run C{func(*args)} (which returns a Deferred) after every change of
        the same user's hats in the same room asked for before: each change
        reads and then writes, and two at once must not lose one's write.
        """
        key = (userJID, roomJID)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = defer.DeferredLock()

        def release(result):
            if not lock.locked and not lock.waiting:
                self._locks.pop(key, None)
            return result

        return lock.run(func, *args).addBoth(release)

    # Storage primitives for subclasses.

    def _readUserHats(self, userJID, roomJID):
        raise NotImplementedError()

    def _writeUserHats(self, userJID, roomJID, hats):
        """Replace the user's hats; an empty mapping removes them all."""
        raise NotImplementedError()

    def _readRoomHats(self, roomJID):
        raise NotImplementedError()

    def _deleteRoomHats(self, roomJID):
        raise NotImplementedError()

    # IHatStore

    @defer.inlineCallbacks
    def _checkAffiliated(self, userJID, roomJID):
        wears = yield self.rooms.mayWearHats(roomJID, userJID)
        if not wears:
            raise errors.ItemNotFound("user not affiliated")

    def _change(self, userJID, roomJID, change):
        userJID, roomJID = userJID.userhostJID(), roomJID.userhostJID()
        return self._serialized(userJID, roomJID, self._changeNow, userJID, roomJID, change)

    @defer.inlineCallbacks
    def _changeNow(self, userJID, roomJID, change):
        yield self._checkAffiliated(userJID, roomJID)
        epoch = self._epochs.setdefault(roomJID, object())
        before = yield defer.maybeDeferred(self._readUserHats, userJID, roomJID)
        if self._epochs.get(roomJID) is not epoch:
            # The room was destroyed or emptied meanwhile, and its hats
            # forgotten: written now, this change would outlive them.
            raise errors.ItemNotFound("room not found")
        after = change(dict(before))
        if after != before:
            yield defer.maybeDeferred(self._writeUserHats, userJID, roomJID, after)
            self._observers.notify("hatsChanged", userJID, roomJID, dict(after))
        return before

    def addUserHat(self, userJID, roomJID, hatURI, attachment=None):
        try:
            checkHatURI(hatURI)
            attachment = normalizeAttachment(attachment)
        except errors.BadRequest:
            return defer.fail()

        def add(hats):
            hats[hatURI] = attachment
            return hats

        return self._change(userJID, roomJID, add).addCallback(lambda _: None)

    def removeUserHat(self, userJID, roomJID, hatURI):
        def remove(hats):
            hats.pop(hatURI, None)
            return hats

        d = self._change(userJID, roomJID, remove)
        d.addCallback(lambda before: hatURI in before)
        return d

    def setUserHats(self, userJID, roomJID, hats):
        try:
            new = {}
            for hatURI, attachment in hats.items():
                checkHatURI(hatURI)
                new[hatURI] = normalizeAttachment(attachment)
        except errors.BadRequest:
            return defer.fail()
        return self._change(userJID, roomJID, lambda _: new).addCallback(lambda _: None)

    @defer.inlineCallbacks
    def getUserHats(self, userJID, roomJID):
        userJID, roomJID = userJID.userhostJID(), roomJID.userhostJID()
        yield self._checkAffiliated(userJID, roomJID)
        hats = yield defer.maybeDeferred(self._readUserHats, userJID, roomJID)
        return dict(hats)

    def getRoomHats(self, roomJID):
        return defer.maybeDeferred(self._readRoomHats, roomJID.userhostJID())

    def forgetUser(self, userJID, roomJID):
        userJID, roomJID = userJID.userhostJID(), roomJID.userhostJID()
        return self._serialized(userJID, roomJID, self._forgetUserNow, userJID, roomJID)

    @defer.inlineCallbacks
    def _forgetUserNow(self, userJID, roomJID):
        before = yield defer.maybeDeferred(self._readUserHats, userJID, roomJID)
        if before:
            yield defer.maybeDeferred(self._writeUserHats, userJID, roomJID, {})
            self._observers.notify("hatsChanged", userJID, roomJID, {})

    def forgetRoom(self, roomJID):
        self._epochs.pop(roomJID.userhostJID(), None)
        d = defer.maybeDeferred(self._deleteRoomHats, roomJID.userhostJID())
        return d.addCallback(lambda _: None)

    def addObserver(self, observer):
        self._observers.add(observer)
