"""
The hat commands (XEP-0317 through XEP-0050 ad-hoc commands) and their
service discovery, through the fake component stream.
"""

from twisted.words.protocols.jabber.jid import JID

from mucservice.xmpp.adhoc import SESSION_TIMEOUT
from tests.fakeservice import PopulatedRoomTestCase, errorCondition

NS_COMMANDS = "http://jabber.org/protocol/commands"
NS_DATA = "jabber:x:data"
NS_VALIDATE = "http://jabber.org/protocol/xdata-validate"
NS_INFO = "http://jabber.org/protocol/disco#info"
NS_ITEMS = "http://jabber.org/protocol/disco#items"
NS_HATS = "urn:xmpp:hats:0"
FORM_TYPE = "urn:xmpp:hats:commands"
DON = "urn:xmpp:hats:commands:don"
DOFF = "urn:xmpp:hats:commands:doff"
LIST = "urn:xmpp:hats:commands:list"

ROOM = "room@muc.example.org"
OLIVIA = "olivia@example.org/desk"  # owner
ADAM = "adam@example.org/desk"  # admin
MIA = "mia@example.org/desk"  # member
GUS = "gus@example.org/desk"  # no affiliation
BOSS = "boss@example.org/x"  # service admin

TEACHER = "http://schools.example/hats/teacher"
HOST = "urn:example:hats:host"
MIA_BARE = JID("mia@example.org")


def submitted(**fields):
    """
    @return: a submitted hat command form with the given fields.
    """
    inner = "".join("<field var='%s'><value>%s</value></field>" % (var, value)
                    for var, value in fields.items())
    return ("<x xmlns='%s' type='submit'><field var='FORM_TYPE' type='hidden'>"
            "<value>%s</value></field>%s</x>" % (NS_DATA, FORM_TYPE, inner))


def fieldsOf(form):
    """
    @return: var to (type, values, option values) of each field of a form.
    """
    result = {}
    for field in form.elements(NS_DATA, "field"):
        options = [str(v) for o in field.elements(NS_DATA, "option")
                   for v in o.elements(NS_DATA, "value")]
        result[field["var"]] = (field.getAttribute("type"),
                                [str(v) for v in field.elements(NS_DATA, "value")], options)
    return result


class CommandTestCase(PopulatedRoomTestCase):
    def setUp(self):
        PopulatedRoomTestCase.setUp(self)
        self.store = self.service.rooms.hatStore
        self.service.stream.sent()

    def execute(self, sender, node, inner="", action=None, sessionID=None, to=ROOM):
        """
        Send a command IQ.

        @return: the answer, and what else the service wrote once the
            reactor turned.
        """
        attrs = " node='%s'" % node
        if action:
            attrs += " action='%s'" % action
        if sessionID:
            attrs += " sessionid='%s'" % sessionID
        out = self.service.send("<iq type='set' id='c1' from='%s' to='%s'><command xmlns='%s'%s>"
                                "%s</command></iq>" % (sender, to, NS_COMMANDS, attrs, inner))
        self.service.reactor.advance(0)
        out += self.service.stream.sent()
        (answer,) = [s for s in out if s.name == "iq"]
        self.assertEqual(("c1", sender), (answer["id"], answer["to"]))
        return answer, [s for s in out if s.name != "iq"]

    def command(self, answer):
        self.assertEqual("result", answer["type"], answer.toXml())
        return next(answer.elements(NS_COMMANDS, "command"))

    def hats(self, user=MIA_BARE):
        return self.successResultOf(self.store.getUserHats(user, JID(ROOM)))

    def assertRefused(self, condition, answer):
        self.assertEqual(("error", condition), (answer["type"], errorCondition(answer)),
                         answer.toXml())


class DonTests(CommandTestCase):
    def test_form(self):
        """Executing don answers with a form and a session: accountjid, an open hat list, title."""
        self.successResultOf(self.store.addUserHat(JID(ADAM), JID(ROOM), HOST, {"title": "Host"}))
        answer, _ = self.execute(OLIVIA, DON)
        command = self.command(answer)
        self.assertEqual((DON, "executing"), (command["node"], command["status"]))
        self.assertTrue(command.getAttribute("sessionid"))
        self.assertIsNotNone(command.actions)
        form = next(command.elements(NS_DATA, "x"))
        self.assertEqual("form", form["type"])
        fields = fieldsOf(form)
        self.assertEqual(("hidden", [FORM_TYPE], []), fields["FORM_TYPE"])
        self.assertEqual("jid-single", fields["accountjid"][0])
        self.assertEqual(("list-single", [HOST]), (fields["hat"][0], fields["hat"][2]))
        (hat,) = [f for f in form.elements(NS_DATA, "field") if f["var"] == "hat"]
        validate = next(hat.elements(NS_VALIDATE, "validate"))
        self.assertEqual("xs:anyURI", validate["datatype"])
        self.assertIsNotNone(validate.open)
        self.assertEqual("text-single", fields["title"][0])

    def test_twoSteps(self):
        """The submitted form completes the session: the hat is worn, active, and shown."""
        answer, _ = self.execute(OLIVIA, DON)
        sessionID = self.command(answer)["sessionid"]
        answer, sent = self.execute(OLIVIA, DON, submitted(accountjid="mia@example.org",
                                                           hat=TEACHER, title="Teacher"),
                                    sessionID=sessionID)
        command = self.command(answer)
        self.assertEqual((DON, sessionID, "completed"),
                         (command["node"], command["sessionid"], command["status"]))
        self.assertEqual({TEACHER: {"active": True, "title": "Teacher"}}, self.hats())
        self.assertEqual(4, len(sent))
        for presence in sent:
            hat = next(next(presence.elements(NS_HATS, "hats")).elements(NS_HATS, "hat"))
            self.assertEqual((TEACHER, "Teacher"), (hat["uri"], hat["title"]))
        answer, _ = self.execute(OLIVIA, DON, submitted(accountjid="mia@example.org", hat=HOST),
                                 sessionID=sessionID)
        self.assertRefused("bad-request", answer)

    def test_oneStep(self):
        """An execute that carries the submitted form completes at once."""
        answer, _ = self.execute(ADAM, DON, submitted(accountjid="mia@example.org/any", hat=HOST))
        command = self.command(answer)
        self.assertEqual("completed", command["status"])
        self.assertIsNotNone(command.note)
        self.assertEqual({HOST: {"active": True}}, self.hats())

    def test_knownTitleAndFlagsKept(self):
        """A known hat takes the room's title; what else the user's attachment said stays."""
        self.successResultOf(self.store.addUserHat(JID(ADAM), JID(ROOM), HOST, {"title": "Host"}))
        self.successResultOf(self.store.addUserHat(MIA_BARE, JID(ROOM), HOST, {"required": True}))
        form = submitted(accountjid="mia@example.org", hat=HOST)
        self.command(self.execute(OLIVIA, DON, form)[0])
        self.assertEqual({HOST: {"active": True, "required": True, "title": "Host"}},
                         self.hats())

    def test_serviceAdmin(self):
        """A service administrator, owner of every room, may give hats from outside it."""
        self.command(self.execute(BOSS, DON, submitted(accountjid="mia@example.org", hat=HOST))[0])
        self.assertEqual({HOST: {"active": True}}, self.hats())

    def test_badValues(self):
        """No URI, no user, a bad JID, an unaffiliated user or another form type are refused."""
        for fields, condition in [({"accountjid": "mia@example.org", "hat": "teacher"},
                                   "bad-request"),
                                  ({"hat": HOST}, "bad-request"),
                                  ({"accountjid": "mia@example.org"}, "bad-request"),
                                  ({"accountjid": "a@@b", "hat": HOST}, "jid-malformed"),
                                  ({"accountjid": "gus@example.org", "hat": HOST},
                                   "item-not-found")]:
            answer, sent = self.execute(OLIVIA, DON, submitted(**fields))
            self.assertRefused(condition, answer)
            self.assertEqual([], sent)
        answer, _ = self.execute(OLIVIA, DON, submitted(accountjid="mia@example.org", hat=HOST)
                             .replace(FORM_TYPE, "urn:other"))
        self.assertRefused("bad-request", answer)
        self.assertEqual({}, self.hats())


class DoffTests(CommandTestCase):
    def setUp(self):
        CommandTestCase.setUp(self)
        self.successResultOf(self.store.addUserHat(MIA_BARE, JID(ROOM), TEACHER,
                                                   {"active": True, "title": "Teacher"}))
        self.service.reactor.advance(0)
        self.service.stream.sent()

    def test_twoSteps(self):
        """doff offers the room's hats, and the submitted form takes the hat off."""
        answer, _ = self.execute(ADAM, DOFF)
        command = self.command(answer)
        fields = fieldsOf(next(command.elements(NS_DATA, "x")))
        self.assertEqual(["FORM_TYPE", "accountjid", "hat"], sorted(fields))
        self.assertEqual([TEACHER], fields["hat"][2])
        form = submitted(accountjid="mia@example.org", hat=TEACHER)
        answer, sent = self.execute(ADAM, DOFF, form, sessionID=command["sessionid"])
        self.assertEqual("completed", self.command(answer)["status"])
        self.assertEqual({}, self.hats())
        self.assertEqual(4, len(sent))
        self.assertEqual([[]] * 4, [list(p.elements(NS_HATS, "hats")) for p in sent])

    def test_oneStepWithOption(self):
        """A one-step doff whose hat is given as an option, as in XEP-0317's example, works."""
        form = submitted(accountjid="mia@example.org").replace(
            "</x>", "<field var='hat'><option label='Teacher'><value>%s</value></option>"
                    "</field></x>" % TEACHER)
        self.assertEqual("completed", self.command(self.execute(OLIVIA, DOFF, form)[0])["status"])
        self.assertEqual({}, self.hats())

    def test_notWorn(self):
        """Taking off a hat the user does not wear is item-not-found."""
        answer, sent = self.execute(OLIVIA, DOFF, submitted(accountjid="mia@example.org", hat=HOST))
        self.assertRefused("item-not-found", answer)
        self.assertEqual([], sent)


class ListTests(CommandTestCase):
    def test_list(self):
        """list completes at once with one item per hat worn, active or not."""
        self.successResultOf(self.store.addUserHat(MIA_BARE, JID(ROOM), TEACHER,
                                                   {"active": True, "title": "Teacher"}))
        self.successResultOf(self.store.addUserHat(JID(ADAM), JID(ROOM), HOST))
        command = self.command(self.execute(ADAM, LIST)[0])
        self.assertEqual((LIST, "completed"), (command["node"], command["status"]))
        form = next(command.elements(NS_DATA, "x"))
        self.assertEqual("result", form["type"])
        self.assertEqual(["accountjid", "hat", "title", "active"],
                         [f["var"] for f in form.reported.elements(NS_DATA, "field")])
        rows = [[str(f.value) for f in i.elements(NS_DATA, "field")]
                for i in form.elements(NS_DATA, "item")]
        self.assertEqual([["adam@example.org", HOST, "", "0"],
                          ["mia@example.org", TEACHER, "Teacher", "1"]], rows)


class SessionAndAccessTests(CommandTestCase):
    def test_othersForbidden(self):
        """Members and users without affiliation get forbidden for every command and step."""
        answer, _ = self.execute(OLIVIA, DON)
        sessionID = self.command(answer)["sessionid"]
        for sender in (MIA, GUS):
            for node in (DON, DOFF, LIST):
                self.assertRefused("forbidden", self.execute(sender, node)[0])
            self.assertRefused("forbidden", self.execute(sender, DON, submitted(
                accountjid="mia@example.org", hat=HOST), sessionID=sessionID)[0])
        self.assertEqual({}, self.hats())

    def test_demotedMidway(self):
        """An admin who loses the affiliation between the steps cannot complete."""
        sessionID = self.command(self.execute(ADAM, DON)[0])["sessionid"]
        self.room.setAffiliationEntry(JID(ADAM), "member")
        answer, _ = self.execute(ADAM, DON, submitted(accountjid="mia@example.org", hat=HOST),
                                 sessionID=sessionID)
        self.assertRefused("forbidden", answer)

    def test_unknownCommand(self):
        """Unknown nodes, and commands to the service or an unknown room, are item-not-found."""
        self.assertRefused("item-not-found", self.execute(OLIVIA, "urn:x:nope")[0])
        self.assertRefused("item-not-found", self.execute(OLIVIA, DON, to="muc.example.org")[0])
        self.assertRefused("item-not-found",
                           self.execute(OLIVIA, DON, to="nowhere@muc.example.org")[0])

    def test_badSession(self):
        """An unknown session, or another's, or one of another command, is bad-request."""
        sessionID = self.command(self.execute(OLIVIA, DON)[0])["sessionid"]
        form = submitted(accountjid="mia@example.org", hat=HOST)
        for sender, node, sid in ((OLIVIA, DON, "nope"), (ADAM, DON, sessionID),
                                  (OLIVIA, DOFF, sessionID)):
            self.assertRefused("bad-request", self.execute(sender, node, form, sessionID=sid)[0])
        self.assertEqual("completed", self.command(
            self.execute(OLIVIA, DON, form, sessionID=sessionID)[0])["status"])

    def test_expired(self):
        """A session nobody completes is forgotten after SESSION_TIMEOUT seconds."""
        sessionID = self.command(self.execute(OLIVIA, DON)[0])["sessionid"]
        self.service.reactor.advance(SESSION_TIMEOUT)
        answer, _ = self.execute(OLIVIA, DON, submitted(accountjid="mia@example.org", hat=HOST),
                                 sessionID=sessionID)
        self.assertRefused("bad-request", answer)

    def test_cancel(self):
        """Cancelling ends the session: status canceled, and it cannot be completed."""
        sessionID = self.command(self.execute(OLIVIA, DON)[0])["sessionid"]
        command = self.command(self.execute(OLIVIA, DON, action="cancel", sessionID=sessionID)[0])
        self.assertEqual(("canceled", sessionID), (command["status"], command["sessionid"]))
        answer, _ = self.execute(OLIVIA, DON, submitted(accountjid="mia@example.org", hat=HOST),
                                 sessionID=sessionID)
        self.assertRefused("bad-request", answer)

    def test_otherActions(self):
        """next and prev make no sense in a one-page command: bad-request."""
        sessionID = self.command(self.execute(OLIVIA, DON)[0])["sessionid"]
        self.assertRefused("bad-request", self.execute(OLIVIA, DON, action="next",
                                                       sessionID=sessionID)[0])

    def test_resubmitWithoutForm(self):
        """Going on with a session without the form is bad-request."""
        sessionID = self.command(self.execute(OLIVIA, DON)[0])["sessionid"]
        self.assertRefused("bad-request", self.execute(OLIVIA, DON, action="complete",
                                                       sessionID=sessionID)[0])


class DiscoTests(CommandTestCase):
    def disco(self, sender, namespace, node=None):
        node = " node='%s'" % (node,) if node else ""
        out = self.service.send("<iq type='get' id='d1' from='%s' to='%s'><query xmlns='%s'%s/>"
                                "</iq>" % (sender, ROOM, namespace, node))
        (answer,) = out
        return answer

    def test_feature(self):
        """Rooms advertise hats and ad-hoc commands in disco#info."""
        features = {f["var"] for f in self.disco(GUS, NS_INFO).query.elements(NS_INFO, "feature")}
        self.assertIn(NS_HATS, features)
        self.assertIn(NS_COMMANDS, features)

    def test_commandsListed(self):
        """Owners, admins and service admins find the three hat commands in the commands node."""
        for sender in (OLIVIA, ADAM, BOSS):
            answer = self.disco(sender, NS_ITEMS, NS_COMMANDS)
            self.assertEqual(("result", NS_COMMANDS), (answer["type"], answer.query["node"]))
            self.assertEqual([(ROOM, DON), (ROOM, DOFF), (ROOM, LIST)],
                             [(i["jid"], i["node"]) for i in answer.query.elements(NS_ITEMS,
                                                                                     "item")])

    def test_commandsHidden(self):
        """Members and others get an empty commands node."""
        for sender in (MIA, GUS):
            answer = self.disco(sender, NS_ITEMS, NS_COMMANDS)
            self.assertEqual("result", answer["type"])
            self.assertEqual([], list(answer.query.elements()))

    def test_commandInfo(self):
        """A command node is an automation/command-node for those who may run it."""
        answer = self.disco(OLIVIA, NS_INFO, DON)
        identity = next(answer.query.elements(NS_INFO, "identity"))
        self.assertEqual(("automation", "command-node"), (identity["category"], identity["type"]))
        self.assertEqual({NS_COMMANDS, NS_DATA},
                         {f["var"] for f in answer.query.elements(NS_INFO, "feature")})
        self.assertEqual("item-not-found", errorCondition(self.disco(GUS, NS_INFO, DON)))
