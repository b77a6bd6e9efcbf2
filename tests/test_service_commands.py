"""
The ad-hoc commands on the service's JID, for its administrators, through
the fake component stream: who sees and runs them, the two-step and the
one-step flow, and what each command does to the rooms.
"""

import json

from twisted.words.protocols.jabber.jid import JID

from tests.fakeservice import (
    NS_MUC_USER,
    SERVICE,
    errorCondition,
    item,
    statuses,
)
from tests.test_hat_commands import (
    NS_COMMANDS,
    NS_DATA,
    NS_INFO,
    NS_ITEMS,
    CommandTestCase,
    fieldsOf,
)
from tests.test_restart import ROOM, FailingRunner, RestartTestCase, snapshot
from tests.test_sqlite_rooms import temporaryDatabase

FORM_TYPE = "urn:mucservice:admin"
NODES = ["list-rooms", "show-room", "destroy-room", "set-owner", "kick", "give-hat",
         "take-hat", "export-room", "import-room", "announce"]
BOSS = "boss@example.org/x"
HOST = "urn:example:hats:host"
OTHER = "other@muc.example.org"


def node(name):
    return "%s:%s" % (FORM_TYPE, name)


def submitted(**fields):
    """
    @param fields: var to a value or a list of values.
    @return: a submitted form of the admin commands.
    """
    inner = "".join("<field var='%s'>%s</field>" % (var, "".join(
        "<value>%s</value>" % v for v in (values if isinstance(values, list) else [values])))
        for var, values in fields.items())
    return ("<x xmlns='%s' type='submit'><field var='FORM_TYPE'><value>%s</value></field>"
            "%s</x>" % (NS_DATA, FORM_TYPE, inner))


def notes(command):
    return [str(n) for n in command.elements(NS_COMMANDS, "note")]


def items(form):
    """@return: the items of a result form, as dicts of var to first value."""
    return [{f["var"]: str(next(f.elements(NS_DATA, "value")))
             for f in i.elements(NS_DATA, "field")} for i in form.elements(NS_DATA, "item")]


class ServiceCommandTestCase(CommandTestCase):
    def execute(self, name, inner="", sender=BOSS, sessionID=None, action=None):
        """
        Send a command IQ to the service.

        @return: the answer, and the other stanzas the service wrote.
        """
        return CommandTestCase.execute(self, sender, node(name), inner, action, sessionID,
                                       to=SERVICE)

    def completed(self, name, sender=BOSS, **fields):
        """
        Run a command in one step.

        @return: the completed C{<command/>} and the other stanzas sent.
        """
        answer, sent = self.execute(name, submitted(**fields) if fields else "", sender)
        self.assertEqual("result", answer["type"], answer.toXml())
        command = next(answer.elements(NS_COMMANDS, "command"))
        self.assertEqual("completed", command["status"])
        return command, sent

    def ask(self, xml):
        (answer,) = self.service.send(xml)
        return answer


class DiscoveryTests(ServiceCommandTestCase):
    def discoItems(self, sender):
        return self.ask("<iq type='get' id='d1' from='%s' to='%s'><query xmlns='%s' node='%s'/>"
                        "</iq>" % (sender, SERVICE, NS_ITEMS, NS_COMMANDS))

    def test_listedForAdmins(self):
        """Administrators find every command in the service's commands node, with its name."""
        answer = self.discoItems(BOSS)
        listed = [(i["jid"], i["node"], i.getAttribute("name")) for i in answer.query.elements()]
        self.assertEqual([node(name) for name in NODES], [n for _, n, _ in listed])
        self.assertEqual({SERVICE}, {j for j, _, _ in listed})
        self.assertTrue(all(name for _, _, name in listed))

    def test_hiddenFromOthers(self):
        """Anybody else, a room owner too, finds no command there."""
        for sender in (self.GUS, self.OLIVIA):
            answer = self.discoItems(sender)
            self.assertEqual(("result", NS_COMMANDS), (answer["type"], answer.query["node"]))
            self.assertEqual([], list(answer.query.elements()))

    def test_featureForAdmins(self):
        """The service's disco#info names ad-hoc commands to administrators only."""
        def features(sender):
            answer = self.ask("<iq type='get' id='d2' from='%s' to='%s'><query xmlns='%s'/></iq>"
                              % (sender, SERVICE, NS_INFO))
            return {f["var"] for f in answer.query.elements(NS_INFO, "feature")}

        self.assertIn(NS_COMMANDS, features(BOSS))
        self.assertNotIn(NS_COMMANDS, features(self.GUS))

    def test_nodeInfo(self):
        """A command node is a command-node to administrators, and unknown to others."""
        query = ("<iq type='get' id='d3' from='%%s' to='%s'><query xmlns='%s' node='%s'/></iq>"
                 % (SERVICE, NS_INFO, node("kick")))
        answer = self.ask(query % BOSS)
        identity = next(answer.query.elements(NS_INFO, "identity"))
        self.assertEqual(("automation", "command-node"), (identity["category"], identity["type"]))
        self.assertEqual("item-not-found", errorCondition(self.ask(query % self.OLIVIA)))


class FlowTests(ServiceCommandTestCase):
    def test_forbiddenToOthers(self):
        """Every command, in either flow, is forbidden to anybody but an administrator."""
        for name in NODES:
            for inner in ("", submitted(roomjid=self.ROOM)):
                answer, sent = self.execute(name, inner, sender=self.OLIVIA)
                self.assertRefused("forbidden", answer)
                self.assertEqual([], sent)

    def test_unknownCommand(self):
        """An unknown node of the service is item-not-found."""
        answer, _ = self.execute("no-such-command")
        self.assertRefused("item-not-found", answer)

    def test_twoSteps(self):
        """Executed without a form, a command answers its form; submitted, it completes."""
        answer, _ = self.execute("show-room")
        command = next(answer.elements(NS_COMMANDS, "command"))
        self.assertEqual("executing", command["status"])
        form = next(command.elements(NS_DATA, "x"))
        fields = fieldsOf(form)
        self.assertEqual(("hidden", [FORM_TYPE], []), fields["FORM_TYPE"])
        self.assertEqual("jid-single", fields["roomjid"][0])
        answer, _ = self.execute("show-room", submitted(roomjid=self.ROOM),
                                 sessionID=command["sessionid"])
        done = next(answer.elements(NS_COMMANDS, "command"))
        self.assertEqual((command["sessionid"], "completed"), (done["sessionid"], done["status"]))
        self.assertEqual([self.ROOM], fieldsOf(next(done.elements(NS_DATA, "x")))["roomjid"][1])

    def test_sessionOfAnother(self):
        """A session goes on only from the JID that began it."""
        answer, _ = self.execute("show-room")
        sessionID = next(answer.elements(NS_COMMANDS, "command"))["sessionid"]
        other, _ = self.execute("show-room", submitted(roomjid=self.ROOM),
                                sender="boss@example.org/other", sessionID=sessionID)
        self.assertRefused("bad-request", other)

    def test_cancel(self):
        """A cancelled session is forgotten."""
        answer, _ = self.execute("kick")
        sessionID = next(answer.elements(NS_COMMANDS, "command"))["sessionid"]
        answer, _ = self.execute("kick", sessionID=sessionID, action="cancel")
        self.assertEqual("canceled", next(answer.elements(NS_COMMANDS, "command"))["status"])
        answer, _ = self.execute("kick", submitted(accountjid="gus@example.org"),
                                 sessionID=sessionID)
        self.assertRefused("bad-request", answer)
        self.assertIn(JID(self.GUS), self.room.sessions)

    def test_roomCommandsStayRooms(self):
        """A room's own commands still answer at the room, and the service's only at the service."""
        out = self.service.send("<iq type='set' id='c2' from='%s' to='%s'><command xmlns='%s' "
                                "node='urn:xmpp:hats:commands:list'/></iq>"
                                % (BOSS, self.ROOM, NS_COMMANDS))
        self.assertEqual("result", out[0]["type"], out[0].toXml())
        out = self.service.send("<iq type='set' id='c3' from='%s' to='%s'><command xmlns='%s' "
                                "node='%s'/></iq>" % (BOSS, self.ROOM, NS_COMMANDS,
                                                      node("list-rooms")))
        self.assertEqual("item-not-found", errorCondition(out[0]))


class RoomListTests(ServiceCommandTestCase):
    def test_everyRoom(self):
        """The list has every room, hidden and locked too, with its occupants and options."""
        hidden = self.service.makeRoom(OTHER, "olivia@example.org", public=False,
                                       persistent=True, name="Back office")
        hidden.locked = True
        command, _ = self.completed("list-rooms")
        listed = items(next(command.elements(NS_DATA, "x")))
        self.assertEqual([OTHER, self.ROOM], [i["roomjid"] for i in listed])
        self.assertEqual(("Back office", "0", "1", "0", "1"), tuple(
            listed[0][k] for k in ("name", "occupants", "persistent", "public", "locked")))
        self.assertEqual(("4", "1", "0"), tuple(
            listed[1][k] for k in ("occupants", "public", "locked")))
        self.assertEqual([], notes(command))

    def test_after(self):
        """A form with after lists the rooms after that one only (the next page)."""
        self.service.makeRoom(OTHER, "olivia@example.org")
        command, _ = self.completed("list-rooms", after=OTHER)
        self.assertEqual([self.ROOM], [i["roomjid"] for i in
                                       items(next(command.elements(NS_DATA, "x")))])


class RoomCommandTests(ServiceCommandTestCase):
    def test_show(self):
        """A room is shown with its configuration, affiliations, nicks and occupants."""
        command, _ = self.completed("show-room", roomjid=self.ROOM)
        fields = fieldsOf(next(command.elements(NS_DATA, "x")))
        self.assertEqual(["4"], fields["occupants"][1])
        self.assertEqual(["olivia@example.org"], fields["owners"][1])
        self.assertEqual(["adam@example.org"], fields["admins"][1])
        self.assertEqual(["mia@example.org"], fields["members"][1])
        self.assertEqual(["mia mia@example.org"], fields["nicks"][1])
        self.assertIn("gus (participant, none) " + self.GUS, fields["occupantlist"][1])
        self.assertEqual(["true"], fields["muc#roomconfig_publicroom"][1])
        self.assertEqual(["moderators"], fields["muc#roomconfig_whois"][1])

    def test_showUnknown(self):
        """An unknown room is item-not-found."""
        answer, _ = self.execute("show-room", submitted(roomjid=OTHER))
        self.assertRefused("item-not-found", answer)

    def test_destroy(self):
        """A destroyed room is gone; every occupant is told, with the reason and venue."""
        command, sent = self.completed("destroy-room", roomjid=self.ROOM, reason="Closing",
                                       alternate=OTHER)
        self.assertIsNone(self.service.rooms.getRoom(JID(self.ROOM)))
        self.assertEqual({self.OLIVIA, self.ADAM, self.MIA, self.GUS},
                         {s["to"] for s in sent if s.name == "presence"})
        x = next(sent[0].elements(NS_MUC_USER, "x"))
        destroy = next(x.elements(NS_MUC_USER, "destroy"))
        self.assertEqual((OTHER, "Closing"), (destroy["jid"], str(destroy.reason)))
        self.assertEqual(["%s is destroyed" % self.ROOM], notes(command))

    def test_setOwner(self):
        """A new owner is added; the room is told of the change."""
        command, sent = self.completed("set-owner", roomjid=self.ROOM,
                                       accountjid="gus@example.org")
        self.assertEqual("owner", self.room.affiliationOf(JID("gus@example.org")))
        self.assertEqual("owner", self.room.affiliationOf(JID("olivia@example.org")))
        told = [s for s in sent if s.name == "presence" and s["from"] == self.ROOM + "/gus"]
        self.assertEqual(4, len(told))
        self.assertEqual({"owner"}, {item(s)["affiliation"] for s in told})

    def test_setOnlyOwner(self):
        """With exclusive, the other owners become admins."""
        self.completed("set-owner", roomjid=self.ROOM, accountjid="gus@example.org",
                       exclusive="1")
        self.assertEqual(["gus@example.org"], [j.full() for j in self.room.owners()])
        self.assertEqual("admin", self.room.affiliationOf(JID("olivia@example.org")))

    def test_kickEverywhere(self):
        """A user is kicked from every room it is in, 307 to all; other rooms are left alone."""
        other = self.service.makeRoom(OTHER, "olivia@example.org")
        self.service.join("gus@example.org/phone", OTHER + "/gus")
        self.service.join(self.OLIVIA, OTHER + "/olivia")
        self.service.stream.sent()
        command, sent = self.completed("kick", accountjid="gus@example.org", reason="Spam")
        self.assertEqual(["gus@example.org is kicked from 2 rooms"], notes(command))
        self.assertEqual([], other.occupantsOfUser(JID("gus@example.org")))
        self.assertNotIn(JID(self.GUS), self.room.sessions)
        gone = [s for s in sent if s["to"] == self.GUS]
        self.assertEqual({110, 307}, statuses(gone[0]))
        self.assertEqual("Spam", str(item(gone[0]).reason))
        seen = [s for s in sent if s["to"] == self.MIA]
        self.assertEqual([{307}], [statuses(s) for s in seen])

    def test_kickSession(self):
        """A full JID kicks the occupant that session is part of, in the rooms it is in."""
        self.service.makeRoom(OTHER, "olivia@example.org")
        self.service.join("gus@example.org/phone", OTHER + "/gus")
        command, _ = self.completed("kick", accountjid="gus@example.org/phone")
        self.assertEqual(["gus@example.org/phone is kicked from 1 rooms"], notes(command))
        self.assertIn(JID(self.GUS), self.room.sessions)

    def test_kickAdmin(self):
        """A service administrator cannot be kicked."""
        answer, _ = self.execute("kick", submitted(accountjid="boss@example.org"))
        self.assertRefused("not-allowed", answer)

    def test_hats(self):
        """A hat given is shown in the wearer's presence, and taken off again."""
        command, sent = self.completed("give-hat", roomjid=self.ROOM,
                                       accountjid="mia@example.org", hat=HOST, title="Host")
        self.assertEqual(["mia@example.org now wears Host in %s" % self.ROOM], notes(command))
        hats = self.successResultOf(self.service.rooms.hatStore.getUserHats(
            JID("mia@example.org"), JID(self.ROOM)))
        self.assertEqual({HOST: {"title": "Host", "active": True}}, hats)
        self.assertTrue(any(s.name == "presence" and s["from"] == self.ROOM + "/mia"
                            for s in sent))
        self.completed("take-hat", roomjid=self.ROOM, accountjid="mia@example.org", hat=HOST)
        self.assertEqual({}, self.successResultOf(self.service.rooms.hatStore.getUserHats(
            JID("mia@example.org"), JID(self.ROOM))))

    def test_hatForNobody(self):
        """A hat for a user without affiliation is refused, as in the room's own command."""
        answer, _ = self.execute("give-hat", submitted(roomjid=self.ROOM,
                                                       accountjid="gus@example.org", hat=HOST))
        self.assertEqual("error", answer["type"])

    def test_announce(self):
        """Every occupant of every room with occupants gets the message from its room."""
        self.service.makeRoom(OTHER, "olivia@example.org")
        command, sent = self.completed("announce", body=["Maintenance", "at ten"])
        self.assertEqual(["announced in 1 rooms"], notes(command))
        self.assertEqual({self.OLIVIA, self.ADAM, self.MIA, self.GUS}, {s["to"] for s in sent})
        for message in sent:
            self.assertEqual((self.ROOM, "groupchat", "Maintenance\nat ten"),
                             (message["from"], message["type"], str(message.body)))

    def test_announceTooLong(self):
        """A message longer than a body may be is refused, and nobody gets it."""
        answer, sent = self.execute("announce", submitted(body="x" * 10001))
        self.assertRefused("policy-violation", answer)
        self.assertEqual([], sent)


class TransferTests(ServiceCommandTestCase):
    def exported(self):
        command, _ = self.completed("export-room", roomjid=self.ROOM)
        (text,) = fieldsOf(next(command.elements(NS_DATA, "x")))["json"][1]
        return json.loads(text)

    def test_export(self):
        """A room exports its configuration, salt, affiliations with nicks, and hats."""
        self.completed("give-hat", roomjid=self.ROOM, accountjid="adam@example.org", hat=HOST,
                       title="Host")
        data = self.exported()
        self.assertEqual(self.ROOM, data["jid"])
        self.assertEqual(self.room.salt, data["salt"])
        self.assertEqual({"affiliation": "member", "data": {"nick": "mia"}},
                         data["affiliations"]["mia@example.org"])
        self.assertEqual({HOST: {"title": "Host", "active": True}},
                         data["hats"]["adam@example.org"])
        self.assertEqual(self.room.config.toDict(), data["config"])

    def test_roundTrip(self):
        """A room destroyed and imported again has its configuration, affiliations and hats."""
        self.completed("give-hat", roomjid=self.ROOM, accountjid="adam@example.org", hat=HOST,
                       title="Host")
        data = self.exported()
        self.completed("destroy-room", roomjid=self.ROOM)
        command, _ = self.completed("import-room", json=json.dumps(data))
        self.assertEqual(["%s is imported, with 3 affiliations" % self.ROOM], notes(command))
        room = self.service.rooms.getRoom(JID(self.ROOM))
        self.assertFalse(room.locked)
        self.assertEqual(self.room.config.replace(persistent=True), room.config)
        self.assertEqual(self.room.salt, room.salt)
        self.assertEqual(dict(self.room.affiliations), dict(room.affiliations))
        self.assertEqual({JID("adam@example.org"): {HOST: {"title": "Host", "active": True}}},
                         room.hats)

    def test_importOverExisting(self):
        """A room is not imported over one that exists."""
        answer, _ = self.execute("import-room", submitted(json=json.dumps(self.exported())))
        self.assertRefused("conflict", answer)

    def test_importNoJSON(self):
        """What is no JSON, or no room, is bad-request, and no room is made."""
        for text in ("{", json.dumps({"jid": "not a room"}), json.dumps([1])):
            answer, _ = self.execute("import-room", submitted(json=text))
            self.assertRefused("bad-request", answer)
        self.assertEqual(1, len(self.service.rooms.rooms))

    def test_importTooLong(self):
        """A name longer than a kept text may be is refused as when an owner sets it."""
        data = {"jid": OTHER, "config": {"muc#roomconfig_roomname": "n" * 30000}}
        answer, _ = self.execute("import-room", submitted(json=json.dumps(data)))
        self.assertRefused("policy-violation", answer)
        self.assertIsNone(self.service.rooms.getRoom(JID(OTHER)))


class StoredTests(RestartTestCase):
    """
    What the commands change in persistent rooms is answered once it is
    stored: a write that fails is internal-server-error and changes
    nothing; what was answered survives a restart.
    """

    def setUp(self):
        self.path = temporaryDatabase(self)
        self.service = self.start(roomRunner=FailingRunner)
        self.runner = self.service.runners[0]
        self.room = self.makeRoom(persistentroom=1, roomname="Kept")

    def command(self, name, **fields):
        inner = ("<command xmlns='%s' node='%s'>%s</command>"
                 % (NS_COMMANDS, node(name), submitted(**fields)))
        return self.iq(BOSS, "set", inner, to=SERVICE)

    def failing(self, name, **fields):
        """
        Run a command while the room store fails: it is refused.
        """
        self.runner.failing = True
        try:
            answer = self.command(name, **fields)
        finally:
            self.runner.failing = False
        self.flushLoggedErrors(OSError)
        self.assertEqual("internal-server-error", errorCondition(answer), answer.toXml())

    def test_setOwner(self):
        """An owner that could not be stored is no owner; stored, it survives a restart."""
        before = snapshot(self.room)
        self.failing("set-owner", roomjid=ROOM, accountjid="gus@example.org", exclusive="1")
        self.assertEqual(before, snapshot(self.room))
        self.assertResult(self.command("set-owner", roomjid=ROOM, accountjid="gus@example.org"))
        again = self.assertSurvives()
        self.assertEqual("owner", again.rooms.getRoom(JID(ROOM)).affiliationOf(
            JID("gus@example.org")))

    def test_destroy(self):
        """A room whose removal could not be stored stays, live and stored."""
        self.failing("destroy-room", roomjid=ROOM)
        self.assertIs(self.room, self.service.rooms.getRoom(JID(ROOM)))
        self.assertSurvives()

    def test_import(self):
        """
        A room whose import could not be stored is not there; imported, it
        survives a restart with its hats.
        """
        data = {"jid": OTHER, "config": {"muc#roomconfig_roomname": "Imported"},
                "affiliations": {"olivia@example.org": {"affiliation": "owner", "data": {}}},
                "hats": {"olivia@example.org": {HOST: {"title": "Host", "active": True}}}}
        self.failing("import-room", json=json.dumps(data))
        self.assertIsNone(self.service.rooms.getRoom(JID(OTHER)))
        self.assertResult(self.command("import-room", json=json.dumps(data)))
        imported = self.service.rooms.getRoom(JID(OTHER))
        self.assertEqual(("Imported", True), (imported.config.name, imported.config.persistent))
        again = self.restarted()
        loaded = again.rooms.getRoom(JID(OTHER))
        self.assertEqual(snapshot(imported), snapshot(loaded))
        self.assertEqual({JID("olivia@example.org"): {HOST: {"title": "Host", "active": True}}},
                         loaded.hats)
