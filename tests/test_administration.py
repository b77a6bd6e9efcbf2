"""
Room rules for affiliations and registration, on L{Room} itself.
"""

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID

from mucservice import errors
from mucservice.room.administration import AffiliationChange
from mucservice.room.config import RoomConfig
from mucservice.room.room import Room

OWNER = JID("owner@example.org/r")
ADMIN = JID("admin@example.org")
BOB = JID("bob@example.org/r")


def makeRoom(**config):
    room = Room(JID("room@muc.example.org"), RoomConfig(**config))
    room.setAffiliationEntry(OWNER, "owner")
    room.setAffiliationEntry(ADMIN, "admin")
    return room


class AffiliationTests(SynchronousTestCase):
    def test_unchanged(self):
        """Setting the affiliation a user already has changes nothing, roles included."""
        room = makeRoom()
        room.setAffiliationEntry(BOB, "member")
        room.join(BOB, "bob")
        room.occupants["bob"].role = "moderator"
        outcome = room.setAffiliations(OWNER, [AffiliationChange(BOB, "member")])
        self.assertEqual(({}, []), (outcome.changed, outcome.effects))
        self.assertEqual("moderator", room.occupants["bob"].role)

    def test_nickReserved(self):
        """An affiliation item with a nick reserves it; a nick in use by another is a conflict."""
        room = makeRoom()
        room.setAffiliations(OWNER, [AffiliationChange(BOB, "member", nick="bobby")])
        self.assertEqual("bobby", room.reservedNick(BOB))
        self.assertRaises(errors.Conflict, room.setAffiliations, OWNER,
                          [AffiliationChange(JID("eve@example.org"), "member", nick="bobby")])

    def test_lastOwner(self):
        """Nobody removes the last owner."""
        room = makeRoom()
        self.assertRaises(errors.Conflict, room.setAffiliations, OWNER,
                          [AffiliationChange(OWNER, "admin")])

    def test_configureDropsOneStep(self):
        """Dropped from the form's lists, an owner becomes admin and an admin member."""
        room = makeRoom()
        second = JID("second@example.org")
        room.setAffiliationEntry(second, "owner")
        room.configure(OWNER, RoomConfig(), admins=[], owners=[OWNER])
        self.assertEqual("admin", room.affiliationOf(second))
        self.assertEqual("member", room.affiliationOf(ADMIN))

    def test_becameMembersOnly(self):
        """A room that becomes members-only removes non-members with 322."""
        room = makeRoom()
        room.join(BOB, "bob")
        outcome = room.configure(OWNER, RoomConfig(membersOnly=True))
        (effect,) = outcome.effects
        self.assertEqual((True, (322,)), (effect.removed, effect.statuses))
        self.assertEqual({}, room.occupants)


class RegistrationTests(SynchronousTestCase):
    def test_registerGivesVoice(self):
        """A visitor in a moderated room who registers becomes a member with voice."""
        room = makeRoom(moderated=True)
        room.join(BOB, "bob")
        self.assertEqual("visitor", room.occupants["bob"].role)
        outcome = room.register(BOB, "bob")
        self.assertEqual("member", outcome.changed[BOB.userhostJID()].affiliation)
        self.assertEqual("participant", room.occupants["bob"].role)
        self.assertEqual(1, len(outcome.effects))

    def test_reRegisterKeepsAffiliation(self):
        """An admin who registers keeps admin and reserves the nick."""
        room = makeRoom()
        outcome = room.register(ADMIN, "boss")
        self.assertEqual("admin", outcome.changed[ADMIN].affiliation)
        self.assertEqual("boss", room.reservedNick(ADMIN))

    def test_unregisterMembersOnly(self):
        """A member who unregisters in a members-only room leaves it with 321."""
        room = makeRoom(membersOnly=True)
        room.setAffiliationEntry(BOB, "member", {"nick": "bob"})
        room.join(BOB, "bob")
        outcome = room.unregister(BOB)
        self.assertEqual([(True, (321,))], [(e.removed, e.statuses) for e in outcome.effects])
        self.assertEqual("none", room.affiliationOf(BOB))

    def test_unregisterUnknown(self):
        """Unregistering without a registration is item-not-found."""
        self.assertRaises(errors.ItemNotFound, makeRoom().unregister, BOB)

    def test_registerBanned(self):
        """Outcasts cannot register."""
        room = makeRoom()
        room.setAffiliationEntry(BOB, "outcast")
        self.assertRaises(errors.Forbidden, room.register, BOB, "bob")
