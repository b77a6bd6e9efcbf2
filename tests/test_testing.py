"""
L{mucservice.testing} as a third party uses it: a provider written against
the public API alone passes a contract suite in three lines, and the suites
fail providers that break the contract.
"""

import pathlib
import re
import textwrap
import unittest

from twisted.internet import defer
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer

from mucservice import errors
from mucservice.interfaces import IHatStore
from mucservice.providers.memory_rooms import MemoryRoomStore
from mucservice.providers.memory_tracker import MemoryJoinTracker
from mucservice.providers.offline import TigaseOfflineDelivery
from mucservice.testing import (
    HatStoreContract,
    JoinTrackerContract,
    OfflineDeliveryContract,
    RoomStoreContract,
)


@implementer(IHatStore)
class DictHatStore:
    """
    A throwaway L{IHatStore} that keeps hats in a L{dict}, written with the
    public API only: no base class of mucservice's.
    """

    def __init__(self, rooms):
        self.rooms = rooms
        self.hats = {}
        self.observers = []

    def _change(self, userJID, roomJID, change):
        userJID, roomJID = userJID.userhostJID(), roomJID.userhostJID()

        def changeIfWearer(wears):
            if not wears:
                raise errors.ItemNotFound("user not affiliated")
            before = self.hats.get((roomJID, userJID), {})
            after = change(dict(before))
            if after != before:
                self._store(userJID, roomJID, after)
            return dict(before)

        return self.rooms.mayWearHats(roomJID, userJID).addCallback(changeIfWearer)

    def _store(self, userJID, roomJID, hats):
        if hats:
            self.hats[(roomJID, userJID)] = hats
        else:
            self.hats.pop((roomJID, userJID), None)
        for observer in self.observers:
            observer.hatsChanged(userJID, roomJID, dict(hats))

    def checkHat(self, hatURI, attachment):
        """
        @return: C{attachment} without its false flags.
        @raise errors.BadRequest: C{hatURI} is no URI or a flag no boolean.
        """
        flags = [attachment.get(flag, False) for flag in ("active", "required")]
        if ":" not in hatURI or " " in hatURI or not all(isinstance(f, bool) for f in flags):
            raise errors.BadRequest("bad hat %r" % (hatURI,))
        return {key: value for key, value in attachment.items() if value is not False}

    def addUserHat(self, userJID, roomJID, hatURI, attachment=None):
        try:
            attachment = self.checkHat(hatURI, attachment or {})
        except errors.BadRequest:
            return defer.fail()
        d = self._change(userJID, roomJID, lambda hats: dict(hats, **{hatURI: attachment}))
        return d.addCallback(lambda _: None)

    def removeUserHat(self, userJID, roomJID, hatURI):
        def remove(hats):
            hats.pop(hatURI, None)
            return hats

        return self._change(userJID, roomJID, remove).addCallback(lambda was: hatURI in was)

    def setUserHats(self, userJID, roomJID, hats):
        try:
            new = {uri: self.checkHat(uri, attachment or {}) for uri, attachment in hats.items()}
        except errors.BadRequest:
            return defer.fail()
        return self._change(userJID, roomJID, lambda _: new).addCallback(lambda _: None)

    def getUserHats(self, userJID, roomJID):
        return self._change(userJID, roomJID, lambda hats: hats)

    def getRoomHats(self, roomJID):
        roomJID = roomJID.userhostJID()
        return defer.succeed({user: dict(hats) for (room, user), hats in self.hats.items()
                              if room == roomJID})

    def forgetUser(self, userJID, roomJID):
        userJID, roomJID = userJID.userhostJID(), roomJID.userhostJID()
        if (roomJID, userJID) in self.hats:
            self._store(userJID, roomJID, {})
        return defer.succeed(None)

    def forgetRoom(self, roomJID):
        for room, user in list(self.hats):
            if room == roomJID.userhostJID():
                del self.hats[(room, user)]
        return defer.succeed(None)

    def addObserver(self, observer):
        self.observers.append(observer)


# What a third party writes to check its hat store: three lines.
class DictHatStoreTests(HatStoreContract, SynchronousTestCase):
    def makeStore(self, rooms):
        return DictHatStore(rooms)


README = pathlib.Path(__file__).parent.parent / "README.rst"


def readmeThreeLines():
    """
    @return: the README's literal block that checks a hat store with
        L{HatStoreContract}.
    """
    blocks = re.findall(r"::\n\n((?:(?: {4}[^\n]*)?\n)+)", README.read_text(encoding="utf-8"))
    (block,) = [b for b in blocks if "import HatStoreContract" in b]
    return textwrap.dedent(block)


def failedTests(contract, **makers):
    """
    Run every test of a contract suite in a test case of its own.

    @param contract: the suite, or a test case class that mixes it in
        already (then without C{makers}).
    @param makers: the method the suite asks for, by name, as a callable
        taking its arguments: C{makeStore=DictHatStore}.
    @return: the names of the tests that failed or raised, sorted.
    """
    case = type("ContractTests", (contract, SynchronousTestCase),
                {name: staticmethod(maker) for name, maker in makers.items()})
    result = unittest.TestResult()
    unittest.TestLoader().loadTestsFromTestCase(case).run(result)
    if result.testsRun < 5:
        raise AssertionError("only %d tests ran" % (result.testsRun,))
    return sorted(test._testMethodName for test, _ in result.failures + result.errors)


class SuitesFailTests(SynchronousTestCase):
    """
    The suites against providers that each break one promise.
    """

    def test_passing(self):
        """A provider that keeps the contract passes every test of the suite."""
        self.assertEqual([], failedTests(HatStoreContract, makeStore=DictHatStore))

    def test_readme(self):
        """The README's three lines, with DictHatStore as AcmeHatStore, pass the contract."""
        namespace = {"AcmeHatStore": DictHatStore}
        exec(compile(readmeThreeLines(), str(README), "exec"), namespace)
        self.assertEqual([], failedTests(namespace["AcmeHatStoreTests"]))

    def test_hatStoreTakesAnyId(self):
        """A hat store that takes a hat id that is no URI fails the test of that."""
        class Lax(DictHatStore):
            def checkHat(self, hatURI, attachment):
                return DictHatStore.checkHat(self, "urn:any", attachment)

        self.assertEqual(["test_notURI"], failedTests(HatStoreContract, makeStore=Lax))

    def test_roomStoreTakesAnyAffiliation(self):
        """A room store that takes an affiliation XEP-0045 does not know fails."""
        class Lax(MemoryRoomStore):
            def setAffiliation(self, roomJID, userJID, affiliation, data=None):
                affiliation = "member" if affiliation == "king" else affiliation
                return MemoryRoomStore.setAffiliation(self, roomJID, userJID, affiliation, data)

        self.assertEqual(["test_badAffiliation"],
                         failedTests(RoomStoreContract, makeStore=Lax))

    def test_trackerTellsOfForgetAll(self):
        """A join tracker that tells observers when it forgets everything fails."""
        class Telling(MemoryJoinTracker):
            def forgetAll(self):
                for realJID in self.realJIDs():
                    for roomJID in self.roomsOf(realJID):
                        self.recordLeave(realJID, roomJID)

        self.assertEqual(["test_forgetAll"],
                         failedTests(JoinTrackerContract, makeTracker=Telling))

    def test_sendsAfterStop(self):
        """An offline delivery provider that goes on sending once stopped fails."""
        class Unstoppable(TigaseOfflineDelivery):
            def stop(self):
                pass

        self.assertEqual(["test_notAfterStop"],
                         failedTests(OfflineDeliveryContract, makeDelivery=Unstoppable))

    def test_deliverWaits(self):
        """An offline delivery provider whose deliver returns a Deferred fails."""
        class Waiting(TigaseOfflineDelivery):
            def deliver(self, roomJID, entry, recipients):
                TigaseOfflineDelivery.deliver(self, roomJID, entry, recipients)
                return defer.succeed(None)

        self.assertEqual(["test_deliver", "test_notAfterStop", "test_notBeforeStart"],
                         failedTests(OfflineDeliveryContract, makeDelivery=Waiting))
