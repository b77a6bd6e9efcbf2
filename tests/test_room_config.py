"""
L{mucservice.room.config}: a room's configuration as plain data.
"""

import json

from twisted.trial.unittest import SynchronousTestCase

from mucservice import errors
from mucservice.room.config import FIELD_NAMES, MAX_HISTORY_LENGTH, RoomConfig, parseBoolean


class DefaultsTests(SynchronousTestCase):
    def test_defaults(self):
        """A new configuration has the defaults of Prosody 0.12's MUC."""
        config = RoomConfig()
        self.assertEqual(("", "", ""), (config.name, config.description, config.language))
        self.assertFalse(config.persistent)
        self.assertTrue(config.public)
        self.assertFalse(config.membersOnly)
        self.assertFalse(config.moderated)
        self.assertFalse(config.passwordProtected)
        self.assertEqual("", config.password)
        self.assertEqual("moderators", config.whois)
        self.assertIsNone(config.maxUsers)
        self.assertEqual("anyone", config.allowPM)
        self.assertFalse(config.changeSubject)
        self.assertFalse(config.allowInvites)
        self.assertEqual(("moderator", "participant", "visitor"), config.presenceBroadcast)
        self.assertEqual(("moderator", "participant"), config.getMemberList)
        self.assertEqual(20, config.historyLength)
        self.assertFalse(config.logging)
        self.assertFalse(config.registeredNicksOnly)

    def test_defaultsAreValid(self):
        """The default configuration passes validation."""
        RoomConfig().validate()

    def test_replace(self):
        """replace() gives a changed copy and leaves the original alone."""
        config = RoomConfig()
        changed = config.replace(name="Lounge", maxUsers=30)
        self.assertEqual(("Lounge", 30), (changed.name, changed.maxUsers))
        self.assertEqual(("", None), (config.name, config.maxUsers))
        self.assertIsNot(config, changed)


class DictTests(SynchronousTestCase):
    def test_keysAreFieldNames(self):
        """toDict() keys the values by their muc#roomconfig field names."""
        data = RoomConfig(name="Lounge").toDict()
        self.assertEqual(set(FIELD_NAMES.values()), set(data))
        self.assertEqual("Lounge", data["muc#roomconfig_roomname"])
        self.assertEqual(20, data["muc#roomconfig_historylength"])

    def test_jsonable(self):
        """toDict() survives JSON, with tuples as lists and no limit as None."""
        data = RoomConfig(presenceBroadcast=("moderator",)).toDict()
        self.assertEqual(["moderator"], data["muc#roomconfig_presencebroadcast"])
        self.assertIsNone(data["muc#roomconfig_maxusers"])
        self.assertEqual(data, json.loads(json.dumps(data)))

    def test_roundTrip(self):
        """fromDict(toDict()) through JSON gives back an equal configuration."""
        config = RoomConfig(name="Lounge", description="Talk", language="en", persistent=True,
                            public=False, membersOnly=True, moderated=True,
                            passwordProtected=True, password="secret", whois="anyone",
                            maxUsers=42, allowPM="none", changeSubject=True,
                            allowInvites=True, presenceBroadcast=("moderator",),
                            getMemberList=(), historyLength=0, logging=True,
                            registeredNicksOnly=True)
        loaded = RoomConfig.fromDict(json.loads(json.dumps(config.toDict())))
        self.assertEqual(config, loaded)
        self.assertIsInstance(loaded.presenceBroadcast, tuple)
        self.assertIsInstance(loaded.getMemberList, tuple)

    def test_unknownKeysIgnored(self):
        """fromDict() ignores keys it does not know (e.g. from a newer version)."""
        config = RoomConfig.fromDict({"muc#roomconfig_roomname": "Lounge",
                                      "muc#roomconfig_somethingnew": True, "salt": "x"})
        self.assertEqual(RoomConfig(name="Lounge"), config)

    def test_missingKeysDefault(self):
        """fromDict() gives missing keys their default (e.g. from an older version)."""
        self.assertEqual(RoomConfig(), RoomConfig.fromDict({}))
        config = RoomConfig.fromDict({"muc#roomconfig_persistentroom": True})
        self.assertEqual(RoomConfig(persistent=True), config)

    def test_fromDictDoesNotValidate(self):
        """fromDict() loads values that no longer validate; validate() finds them."""
        config = RoomConfig.fromDict({"muc#roomconfig_historylength": 5000})
        self.assertEqual(5000, config.historyLength)
        self.assertRaises(errors.BadRequest, config.validate)


class ValidateTests(SynchronousTestCase):
    def assertBad(self, expected, **changes):
        """
        Assert that the default configuration with C{changes} fails
        validation with BadRequest, with C{expected} in the message.
        """
        e = self.assertRaises(errors.BadRequest, RoomConfig(**changes).validate)
        self.assertIn(expected, e.text)

    def test_whois(self):
        """An unknown whois value is a bad request; both known values pass."""
        self.assertBad("whois", whois="everybody")
        RoomConfig(whois="anyone").validate()
        RoomConfig(whois="moderators").validate()

    def test_allowPM(self):
        """An unknown allowPM value is a bad request; the four known values pass."""
        self.assertBad("allowPM", allowPM="members")
        for value in ("anyone", "participants", "moderators", "none"):
            RoomConfig(allowPM=value).validate()

    def test_roles(self):
        """Unknown role names in presenceBroadcast or getMemberList are bad requests."""
        self.assertBad("presenceBroadcast", presenceBroadcast=("moderator", "owner"))
        self.assertBad("getMemberList", getMemberList=("none",))
        RoomConfig(presenceBroadcast=(), getMemberList=("visitor",)).validate()

    def test_historyLength(self):
        """historyLength must be a whole number from 0 to MAX_HISTORY_LENGTH."""
        self.assertBad("historyLength", historyLength=-1)
        self.assertBad("historyLength", historyLength=MAX_HISTORY_LENGTH + 1)
        self.assertBad("historyLength", historyLength="20")
        self.assertBad("historyLength", historyLength=True)
        RoomConfig(historyLength=0).validate()
        RoomConfig(historyLength=MAX_HISTORY_LENGTH).validate()

    def test_maxUsers(self):
        """maxUsers must be None or at least 1."""
        self.assertBad("maxUsers", maxUsers=0)
        self.assertBad("maxUsers", maxUsers=-5)
        self.assertBad("maxUsers", maxUsers="10")
        RoomConfig(maxUsers=1).validate()
        RoomConfig(maxUsers=None).validate()

    def test_passwordProtectedNeedsPassword(self):
        """A password-protected room without a password is not acceptable."""
        e = self.assertRaises(errors.NotAcceptable,
                              RoomConfig(passwordProtected=True).validate)
        self.assertEqual("a password-protected room needs a password", e.text)
        RoomConfig(passwordProtected=True, password="secret").validate()

    def test_passwordWithoutProtection(self):
        """A password kept while protection is off is allowed."""
        RoomConfig(passwordProtected=False, password="secret").validate()


class BooleanTests(SynchronousTestCase):
    def test_schemaWords(self):
        """XEP-0004's booleans are read whatever their case and surrounding space."""
        for text, value in (("1", True), ("true", True), (" TRUE\n", True), ("0", False),
                            ("false", False), ("False", False)):
            self.assertIs(value, parseBoolean(text), text)
            self.assertIs(value, parseBoolean(text, spoken=True), text)

    def test_spokenWords(self):
        """yes/on and no/off are read only where a person types them."""
        for text, value in (("yes", True), ("ON", True), ("no", False), ("off", False)):
            self.assertIs(value, parseBoolean(text, spoken=True), text)
            self.assertRaises(ValueError, parseBoolean, text)

    def test_others(self):
        """Anything else is no boolean."""
        for text in ("", "2", "y", "truthy", "nein"):
            self.assertRaises(ValueError, parseBoolean, text, spoken=True)
