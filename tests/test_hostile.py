"""
A corpus of hostile stanzas (issue 10), each sent to a populated room
through the fake component stream: none may log an exception, leave a
request unanswered, answer an error with an error, send an address that
does not parse, or stop the service from answering (L{tests.hostile}).
"""

from tests.fakeservice import NS_MUC, NS_MUC_USER
from tests.hostile import HostileTestCase
from tests.test_hat_commands import DOFF, DON, FORM_TYPE, NS_COMMANDS, submitted

ROOM = "room@muc.example.org"
OLIVIA = "olivia@example.org/desk"  # owner
GUS = "gus@example.org/desk"  # occupant, no affiliation
STRANGER = "eve@example.org/e"  # not in the room
NS_ADMIN = NS_MUC + "#admin"
NS_OWNER = NS_MUC + "#owner"
NS_DATA = "jabber:x:data"
NS_PING = "urn:xmpp:ping"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_REGISTER = "jabber:iq:register"

#: Addresses that are not, or are too long.
BAD_ADDRESSES = [
    "", "@", "@example.org", "user@", "user@a..b", "user@.b", "user@\u3002", "a@b@c",
    "example.org/", "a b@example.org", "\U0001f600@example.org", "user@-x.org", "user@x_y.org",
    "user@[::1", "user@[nope]", "u" * 1100 + "@example.org", "a@example.org/" + "r" * 1100,
    ROOM + "/" + "n" * 1100, ROOM + "/  ", "a@xn--a.example.org",
]


def _iq(kind, sender, to, inner, id="h"):
    return "<iq type='%s' id='%s' from='%s' to='%s'>%s</iq>" % (kind, id, sender, to, inner)


def _configForm(fields, formType=NS_MUC + "#roomconfig", kind="submit"):
    inner = "".join("<field var='%s'><value>%s</value></field>" % field for field in fields)
    return _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><x xmlns='%s' type='%s'><field "
               "var='FORM_TYPE'><value>%s</value></field>%s</x></query>"
               % (NS_OWNER, NS_DATA, kind, formType, inner))


def _join(history="", extra="", sender=STRANGER, nick="eve"):
    return ("<presence from='%s' to='%s/%s'%s><x xmlns='%s'>%s</x></presence>"
            % (sender, ROOM, nick, extra, NS_MUC, history))


#: Stanzas with a place for an address, sent once with each bad address.
ADDRESSED = [
    "<presence from='%(jid)s' to='" + ROOM + "/x'><x xmlns='" + NS_MUC + "'/></presence>",
    "<presence from='" + STRANGER + "' to='%(jid)s'><x xmlns='" + NS_MUC + "'/></presence>",
    "<message from='%(jid)s' to='" + ROOM + "' type='groupchat'><body>x</body></message>",
    "<message from='" + GUS + "' to='%(jid)s' type='groupchat'><body>x</body></message>",
    _iq("get", GUS, "%(jid)s", "<ping xmlns='%s'/>" % NS_PING),
    _iq("get", "%(jid)s", ROOM, "<query xmlns='%s'/>" % NS_DISCO_INFO),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><item affiliation='member' jid='%%(jid)s'/>"
        "</query>" % NS_ADMIN),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><item role='visitor' jid='%%(jid)s'/></query>"
        % NS_ADMIN),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><destroy jid='%%(jid)s'/></query>" % NS_OWNER),
    _configForm([("muc#roomconfig_roomowners", "%(jid)s")]),
    _configForm([("muc#roomconfig_roomadmins", "%(jid)s")]),
    _iq("set", OLIVIA, ROOM, "<command xmlns='%s' node='%s' action='complete'>%s</command>"
        % (NS_COMMANDS, DON, submitted(accountjid="%(jid)s", hat="urn:x:h", title="T"))),
    "<message from='" + GUS + "' to='" + ROOM + "'><x xmlns='" + NS_MUC_USER
    + "'><invite to='%(jid)s'/></x></message>",
    "<message from='" + GUS + "' to='" + ROOM + "'><x xmlns='" + NS_MUC_USER
    + "'><decline to='%(jid)s'/></x></message>",
]

#: Everything else: types, shapes, forms, dates, numbers, namespaces.
OTHERS = [
    # Unknown, missing and misplaced types.
    "<presence type='bogus' from='%s' to='%s/gus'/>" % (GUS, ROOM),
    "<message type='bogus' from='%s' to='%s'><body>x</body></message>" % (GUS, ROOM),
    "<iq type='bogus' id='t' from='%s' to='%s'><ping xmlns='%s'/></iq>" % (GUS, ROOM, NS_PING),
    "<iq id='t' from='%s' to='%s'><ping xmlns='%s'/></iq>" % (GUS, ROOM, NS_PING),
    "<iq type='get' from='%s' to='%s'><ping xmlns='%s'/></iq>" % (GUS, ROOM, NS_PING),
    "<presence type='subscribe' from='%s' to='%s'/>" % (GUS, ROOM),
    "<presence type='probe' from='%s' to='%s/gus'/>" % (GUS, ROOM),
    "<message type='headline' from='%s' to='%s'><body>x</body></message>" % (GUS, ROOM),
    "<message type='groupchat' from='%s' to='%s/mia'><body>x</body></message>" % (GUS, ROOM),
    "<message type='chat' from='%s' to='%s/nobody'><body>x</body></message>" % (GUS, ROOM),
    "<message type='chat' from='%s' to='%s/mia'><body>x</body></message>" % (STRANGER, ROOM),
    "<message from='%s' to='%s'><body>not groupchat</body></message>" % (GUS, ROOM),
    "<message from='%s' to='muc.example.org'><body>x</body></message>" % (GUS,),
    # Errors and results: never answered with an error.
    "<message type='error' from='%s' to='%s'><error type='cancel'/></message>" % (GUS, ROOM),
    "<message type='error' from='gus@example.org' to='%s'/>" % (ROOM,),
    "<presence type='error' from='%s' to='%s/gus'><error type='cancel'><gone xmlns="
    "'urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>" % (GUS, ROOM),
    "<iq type='error' id='nothing' from='%s' to='%s/gus'/>" % (GUS, ROOM),
    "<iq type='result' id='nothing' from='%s' to='%s'/>" % (GUS, ROOM),
    "<iq type='result' id='nothing' from='%s' to='%s'><query xmlns='%s'/></iq>"
    % (GUS, ROOM, NS_ADMIN),
    # IQs with no child, two children, unknown namespaces.
    _iq("get", GUS, ROOM, ""), _iq("set", GUS, ROOM, ""), _iq("get", GUS, "muc.example.org", ""),
    _iq("get", GUS, ROOM + "/mia", ""), _iq("set", STRANGER, ROOM + "/mia", ""),
    _iq("get", GUS, ROOM, "<query xmlns='%s'/><query xmlns='%s'/>" % (NS_ADMIN, NS_OWNER)),
    _iq("get", GUS, ROOM, "<ping xmlns='%s'/><query xmlns='%s'/>" % (NS_PING, NS_DISCO_INFO)),
    _iq("get", GUS, ROOM, "<query xmlns='urn:example:unknown'/>"),
    _iq("set", GUS, "muc.example.org", "<query xmlns='urn:example:unknown'/>"),
    _iq("get", STRANGER, ROOM + "/gus", "<query xmlns='urn:example:unknown'/>"),
    _iq("get", GUS, ROOM, "<vCard xmlns='vcard-temp'/>"),
    _iq("get", GUS, ROOM, "<handled/><ping xmlns='%s'/>" % NS_PING),
    _iq("get", GUS, ROOM, "<query xmlns='%s' node='garbage\u2603'/>" % NS_DISCO_INFO),
    _iq("get", GUS, ROOM, "<query xmlns='http://jabber.org/protocol/disco#items' node='x'/>"),
    _iq("get", GUS, ROOM, "<ping xmlns='%s'><junk/></ping>" % NS_PING),
    # Huge attribute counts.
    "<presence from='%s' to='%s/many'%s><x xmlns='%s'/></presence>"
    % (STRANGER, ROOM, "".join(" a%d='v'" % n for n in range(2000)), NS_MUC),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><item affiliation='member' "
        "jid='x@example.org'%s/></query>" % (NS_ADMIN, "".join(" a%d='v'" % n
                                                                 for n in range(1000)))),
    "<message from='%s' to='%s' type='groupchat'%s><body>x</body></message>"
    % (GUS, ROOM, "".join(" a%d='v'" % n for n in range(1000))),
    # Admin queries with garbage.
    _iq("get", OLIVIA, ROOM, "<query xmlns='%s'><item affiliation='god'/></query>" % NS_ADMIN),
    _iq("get", OLIVIA, ROOM, "<query xmlns='%s'><item role='emperor'/></query>" % NS_ADMIN),
    _iq("get", OLIVIA, ROOM, "<query xmlns='%s'><item/></query>" % NS_ADMIN),
    _iq("get", OLIVIA, ROOM, "<query xmlns='%s'/>" % NS_ADMIN),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><item affiliation='owner'/></query>" % NS_ADMIN),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><item affiliation='pope' jid='a@b'/></query>"
        % NS_ADMIN),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><item role='pope' nick='gus'/></query>"
        % NS_ADMIN),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><item role='none' nick='nobody'/></query>"
        % NS_ADMIN),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><item role='none' nick='gus'/><item "
        "affiliation='member' jid='a@b'/></query>" % NS_ADMIN),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><item affiliation='member' jid='a@b' "
        "nick='   '/></query>" % NS_ADMIN),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><item affiliation='none' "
        "jid='olivia@example.org'/></query>" % NS_ADMIN),
    _iq("set", GUS, ROOM, "<query xmlns='%s'><item role='none' nick='olivia'/></query>"
        % NS_ADMIN),
    _iq("set", GUS, ROOM, "<query xmlns='%s'><item role='moderator' nick='gus'><reason>"
        "<reason/></reason></item></query>" % NS_ADMIN),
    # Owner queries and bad configuration forms.
    _iq("get", GUS, ROOM, "<query xmlns='%s'/>" % NS_OWNER),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><junk/></query>" % NS_OWNER),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'/>" % NS_OWNER),
    _configForm([], formType="urn:example:other"),
    _configForm([], kind="result"),
    *[_configForm([("muc#roomconfig_maxusers", v)]) for v in ("abc", "-1", "1e30", "9" * 400)],
    *[_configForm([("muc#roomconfig_historylength", v)]) for v in ("-5", "x", "99999999999")],
    _configForm([("muc#roomconfig_persistentroom", "maybe")]),
    _configForm([("muc#roomconfig_whois", "everyone")]),
    _configForm([("muc#roomconfig_allowpm", "\u2603")]),
    _configForm([("muc#roomconfig_presencebroadcast", "gods")]),
    _configForm([("urn:example:unknown", "x")]),
    _iq("set", OLIVIA, ROOM, "<query xmlns='%s'><x xmlns='%s' type='submit'><field><value>x"
        "</value><value>y</value></field></x></query>" % (NS_OWNER, NS_DATA)),
    # History requests with bad dates and numbers.
    _join("<history since='yesterday'/>"),
    _join("<history since='2020-13-45T00:00:00Z'/>"),
    _join("<history since='9999-12-31T23:59:59Z'/>", nick="eve2"),
    _join("<history since='0001-01-01T00:00:00-12:00'/>", nick="eve3"),
    _join("<history since=''/>", nick="eve4"),
    _join("<history maxstanzas='-1' maxchars='x' seconds='1e400'/>", nick="eve5"),
    _join("<history maxchars='99999999999999999999999999' seconds='-3'/>", nick="eve6"),
    _join("<history><history/></history><password><x/></password>", nick="eve7"),
    _join("<password>" + "p" * 10000 + "</password>", nick="eve8"),
    # Nicks.
    _join(nick="  "), _join(nick="OLIVIA"), _join(nick="\u043elivia"), _join(nick="n" * 1100),
    "<presence from='%s' to='%s/%s'/>" % (GUS, ROOM, "MIA"),
    "<presence from='%s' to='%s/  '/>" % (GUS, ROOM),
    "<presence type='unavailable' from='%s' to='nowhere@muc.example.org/x'/>" % (GUS,),
    # Registration.
    _iq("get", STRANGER, "muc.example.org", "<query xmlns='%s'/>" % NS_REGISTER),
    _iq("set", STRANGER, ROOM, "<query xmlns='%s'><remove/></query>" % NS_REGISTER),
    _iq("set", STRANGER, ROOM, "<query xmlns='%s'><junk/></query>" % NS_REGISTER),
    _iq("set", STRANGER, ROOM, "<query xmlns='%s'><x xmlns='%s' type='submit'><field var="
        "'muc#register_roomnick'><value>a</value><value>b</value></field></x></query>"
        % (NS_REGISTER, NS_DATA)),
    # Hat commands.
    _iq("set", OLIVIA, ROOM, "<command xmlns='%s' node='urn:example:nope'/>" % NS_COMMANDS),
    _iq("set", OLIVIA, ROOM, "<command xmlns='%s' node='%s' action='complete'/>"
        % (NS_COMMANDS, DON)),
    _iq("set", OLIVIA, ROOM, "<command xmlns='%s' node='%s' action='complete'>%s</command>"
        % (NS_COMMANDS, DOFF, submitted(accountjid="mia@example.org"))),
    _iq("set", OLIVIA, ROOM, "<command xmlns='%s' node='%s' sessionid='forged'>%s</command>"
        % (NS_COMMANDS, DON, submitted(accountjid="mia@example.org", hat="not a uri"))),
    _iq("set", GUS, ROOM, "<command xmlns='%s' node='%s'/>" % (NS_COMMANDS, DON)),
    _iq("set", OLIVIA, ROOM, "<command xmlns='%s' node='%s' action='complete'><x xmlns='%s' "
        "type='submit'><field var='FORM_TYPE'><value>%s-not</value></field></x></command>"
        % (NS_COMMANDS, DON, NS_DATA, FORM_TYPE)),
    # Voice requests, subjects, invitations.
    "<message from='%s' to='%s'><x xmlns='%s' type='submit'><field var='FORM_TYPE'><value>"
    "http://jabber.org/protocol/muc#request</value></field><field var='muc#role'><value>"
    "moderator</value></field></x></message>" % (GUS, ROOM, NS_DATA),
    "<message from='%s' to='%s'><x xmlns='%s' type='submit'><field var='FORM_TYPE'><value>"
    "http://jabber.org/protocol/muc#request</value></field><field var='muc#request_allow'>"
    "<value>maybe</value></field><field var='muc#roomnick'><value>nobody</value></field></x>"
    "</message>" % (OLIVIA, ROOM, NS_DATA),
    "<message from='%s' to='%s' type='groupchat'><subject><b/></subject></message>"
    % (STRANGER, ROOM),
    "<message from='%s' to='%s'><x xmlns='%s'><invite/><decline/></x></message>"
    % (GUS, ROOM, NS_MUC_USER),
    "<message from='%s' to='%s'><x xmlns='%s'><invite to='x@example.org'><reason><a><b/></a>"
    "</reason></invite></x></message>" % (STRANGER, ROOM, NS_MUC_USER),
    # Deep nesting.
    "<message from='%s' to='%s' type='groupchat'>%s</message>"
    % (GUS, ROOM, "<a>" * 1200 + "</a>" * 1200),
    _iq("set", GUS, ROOM + "/mia", "<q xmlns='urn:x'>" + "<a>" * 100 + "</a>" * 100 + "</q>"),
]

CORPUS = [stanza % {"jid": bad} for stanza in ADDRESSED for bad in BAD_ADDRESSES] + OTHERS


class HostileCorpusTests(HostileTestCase):
    def test_corpusSize(self):
        """The corpus holds at least 250 stanzas, all different."""
        self.assertGreaterEqual(len(CORPUS), 250)
        self.assertEqual(len(CORPUS), len(set(CORPUS)))

    def test_corpus(self):
        """Every hostile stanza is handled without harm, each in a fresh populated room."""
        wrong = []
        for stanza in CORPUS:
            self.setUp()
            complaints = self.check(stanza)
            if complaints:
                wrong.append((stanza[:300], complaints))
        self.assertEqual([], wrong)

    def test_roomAfterCorpus(self):
        """A room that takes the corpus (less destroys) keeps its owner and reflects messages."""
        for stanza in CORPUS:
            if "<destroy" not in stanza:
                self.service.send(stanza)
        self.flushLoggedErrors()
        self.assertIn("olivia", self.room.occupants)
        out = self.service.send("<message from='%s' to='%s' type='groupchat'><body>hi</body>"
                                "</message>" % (OLIVIA, ROOM))
        self.assertEqual(len(self.room.sessions), len(out))
