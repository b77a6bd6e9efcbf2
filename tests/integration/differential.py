"""
A differential harness: the same scripted conversation, run once against
Prosody's own MUC and once against mucservice, both behind one Prosody,
and what each client received compared.

A L{Conversation} is a list of L{Step}s: a client sends a stanza, the
harness waits for what the step names, then makes sure every client has
received all the MUC will send it for that step (a barrier: each client
asks the room for its disco#info, which the MUC answers after what it
sent before), and collects what each client received from the MUC. Its
L{Conversation.setup} steps are run the same way, but not compared.

What is compared is normalised (L{normalise
<tests.integration.normalisation.normalise>}):

  - the MUC's domain becomes C{MUC}; the ids the MUCs make (of stanzas
    the clients did not send, XEP-0359 stanza ids, archive ids, delays'
    stamps) become C{*}; an occupant id becomes the nick it belongs to;
  - the C{xml:lang='en'} Prosody gives every stanza that has none is
    dropped (also from a message carried in such a stanza, which inherits
    it), and what a component receives is read as a client would;
  - what each MUC writes for people in its own words (the text of errors,
    the titles, instructions, labels and descriptions of forms) is
    dropped, booleans of forms are written one way, and a message's
    C{type='normal'} is left out, as it may be;
  - the order of attributes, of children and of the stanzas a client
    received in one step is not compared, nor whitespace between elements.

Known, deliberate differences (L{tests.integration.differences}) that a
step names are then applied, and the two accounts compared; a failure
shows them side by side as a unified diff.

A L{Stage} holds the servers: one Prosody with both MUCs, mucservice
connected to it, and an external component that stands in for another
server.
"""

import difflib
import itertools
import secrets
from dataclasses import dataclass, field
from xml.etree import ElementTree

from mucservice.devserver.prosody import LocalProsody
from mucservice.devserver.run import ServiceProcess
from tests.integration import differences
from tests.integration.componentclient import ComponentClient
from tests.integration.conftest import PASSWORD, SERVICE
from tests.integration.normalisation import normalise, sortChildren
from tests.integration.xmppclient import XMPPClient, localName, toXML

#: The component that runs Prosody's own MUC.
BUILTIN = "conference.localhost"

#: The external component that stands in for another server.
PEER = "peer.localhost"

NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"

#: Seconds a client waits for what a step names, and for a barrier.
TIMEOUT = 10

_barriers = itertools.count(1)


@dataclass
class Step:
    """
    One stanza a client sends, and what to wait for after it.

    @ivar client: the name of the client that sends it.
    @ivar send: the stanza as XML text, a template for C{str.format}:
        C{{room}} is the room's JID, C{{service}} the MUC's domain, and the
        name of a client its full JID (C{{alice}}), with C{_bare} its bare
        JID (C{{alice_bare}}).
    @ivar until: what to wait for before the barrier, C{(client, criteria)}
        pairs: keywords of L{XMPPClient.expect
        <tests.integration.xmppclient.XMPPClient.expect>} (C{tag}, C{type},
        C{ns}, ...); the stanza found counts as received.
    @ivar answered: whether the answer to an IQ request is waited for
        (an acknowledged change of mucservice is answered, and told, once
        stored); unless a MUC may not answer it at all.
    @ivar differences: the names of the known differences
        (L{differences.KNOWN}) that apply to what this step brings.
    """

    client: str
    send: str
    until: tuple = ()
    differences: tuple = ()
    answered: bool = True


@dataclass
class Conversation:
    """
    @ivar name: names the room (C{NAME@service}) and the accounts of the
        clients (C{CLIENT-NAME@localhost}), so that conversations never
        meet.
    @ivar clients: the names of the clients taking part, each connected
        and available before the setup.
    @ivar setup: L{Step}s that bring the room where the conversation
        starts; what they bring is not compared.
    @ivar steps: the L{Step}s compared.
    @ivar components: the names of stand-ins for other servers, external
        components that send from a user of their own domain what the
        server would refuse from its clients (L{ComponentClient
        <tests.integration.componentclient.ComponentClient>}); they take
        part as clients do, but are not made available.
    """

    name: str
    clients: tuple
    setup: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    components: tuple = ()


@dataclass
class MUC:
    """
    One MUC under test.

    @ivar label: how reports name it.
    @ivar domain: its domain, such as C{conference.localhost}.
    """

    label: str
    domain: str


class Run:
    """
    A conversation run against one MUC: the clients connected for it, and
    what each received in each step.

    @ivar received: per compared step, client name to the normalised
        stanzas it received, as text.
    """

    def __init__(self, conversation, muc, connect, connectComponent=None):
        """
        @param connect: a callable taking a client's account name and
            returning a connected L{XMPPClient
            <tests.integration.xmppclient.XMPPClient>}.
        @param connectComponent: a callable taking the user a component
            sends from and returning a connected L{ComponentClient
            <tests.integration.componentclient.ComponentClient>}.
        """
        self.conversation = conversation
        self.muc = muc
        self.room = "%s@%s" % (conversation.name, muc.domain)
        self.clients = {}
        for name in conversation.clients:
            client = connect("%s-%s" % (name, conversation.name))
            client.send("<presence/>")
            client.iq("<iq type='get'><query xmlns='jabber:iq:roster'/></iq>")
            self.clients[name] = client
        for name in conversation.components:
            self.clients[name] = connectComponent("%s-%s" % (name, conversation.name))
        self.sentIDs = set()
        self.received = []

    def close(self):
        """
        Close every client's stream: they leave the room.
        """
        for client in self.clients.values():
            client.close()

    def fill(self, template):
        """
        @return: C{template} with the room, the service and the clients'
            addresses in place.
        """
        values = {"room": self.room, "service": self.muc.domain}
        for name, client in self.clients.items():
            values[name] = client.jid
            values[name + "_bare"] = client.jid.partition("/")[0]
        return template.format(**values)

    def play(self, step):
        """
        Send a step's stanza, wait for what it names and for every client
        to have received all the MUC sends it meanwhile.

        @return: client name to the stanzas it received from the MUC.
        """
        sender = self.clients[step.client]
        stanza = self.fill(step.send)
        element = ElementTree.fromstring(stanza)
        if element.get("id"):
            self.sentIDs.add(element.get("id"))
        got = {name: [] for name in self.clients}
        sender.send(stanza)
        if (step.answered and localName(element.tag) == "iq"
                and element.get("type") in ("get", "set")):
            got[step.client].append(sender.expect(
                lambda s: s.get("type") in ("result", "error"), timeout=TIMEOUT, tag="iq",
                id=element.get("id")))
        for name, criteria in step.until:
            got[name].append(self.clients[name].expect(timeout=TIMEOUT, **criteria))
        for name in [step.client] + [n for n in self.clients if n != step.client]:
            self.barrier(self.clients[name])
        for name, client in self.clients.items():
            got[name].extend(s for s in client.pending() if self.fromMUC(s))
        return got

    def barrier(self, client):
        """
        Ask the room something it answers in turn, and wait for the answer:
        all the MUC sent this client before is received then.
        """
        client.iq("<iq type='get' to='%s' id='barrier-%d'><query xmlns='%s'/></iq>"
                  % (self.room, next(_barriers), NS_DISCO_INFO), timeout=TIMEOUT)

    def fromMUC(self, stanza):
        """
        @return: whether C{stanza} comes from the room (or an occupant of
            it) or the MUC itself, not from anything else of the server.
        """
        sender = stanza.get("from") or ""
        return sender.partition("/")[0] in (self.room, self.muc.domain)

    def playAll(self):
        """
        Play the setup, then the steps, keeping what each step brought each
        client, normalised and with its differences applied.
        """
        for step in self.conversation.setup:
            self.play(step)
        for step in self.conversation.steps:
            got = self.play(step)
            self.received.append({
                name: sorted(filter(None, (self.rewritten(step, normalise(s, self, name))
                                           for s in stanzas)))
                for name, stanzas in got.items()})

    def rewritten(self, step, stanza):
        """
        @return: a normalised stanza as text, once the differences C{step}
            names are applied to it; C{""} if they drop it.
        """
        stanza = differences.apply(step.differences, self.muc.label, stanza)
        if stanza is None:
            return ""
        sortChildren(stanza)
        return toXML(stanza)

    def report(self):
        """
        @return: what every client received in every compared step, one
            stanza a line, as text to compare.
        """
        lines = []
        for number, (step, received) in enumerate(zip(self.conversation.steps,
                                                      self.received), 1):
            lines.append("step %d: %s sends %s" % (number, step.client, step.send))
            for name in self.conversation.clients + self.conversation.components:
                lines.append("  %s received:" % (name,))
                lines.extend("    " + text for text in received[name])
        return "\n".join(lines) + "\n"


def compare(conversation, prosody, ours):
    """
    Run C{conversation} against both MUCs and compare what the clients
    received.

    @param prosody: a callable making the L{Run} of Prosody's MUC.
    @param ours: a callable making the L{Run} of mucservice.
    @raise AssertionError: they differ; the message is a unified diff.
    """
    reports = []
    for makeRun in (prosody, ours):
        run = makeRun(conversation)
        try:
            run.playAll()
        finally:
            run.close()
        reports.append((run.muc.label, run.report()))
    (prosodyLabel, expected), (ourLabel, got) = reports
    if expected != got:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True),
                                            prosodyLabel, ourLabel))
        raise AssertionError("%s: the MUCs differ\n%s" % (conversation.name, diff))
    return got


class Stage:
    """
    One Prosody with both MUCs (Prosody's own as L{BUILTIN}, mucservice as
    L{SERVICE}) and a stand-in for another server (L{PEER}), and
    mucservice connected to it, for the conversations of a test module.
    """

    def __init__(self, folder):
        self.peerSecret = secrets.token_urlsafe(16)
        self.prosody = LocalProsody(str(folder / "prosody"), componentJID=SERVICE,
                                    builtinMUC=BUILTIN,
                                    extraComponents=[(PEER, self.peerSecret)])
        self.prosody.start()
        self.accounts = set()
        secret = folder / "component.secret"
        secret.write_text(self.prosody.componentSecret)
        self.service = ServiceProcess(str(folder / "service"), SERVICE, str(secret),
                                      self.prosody.componentPort,
                                      "sqlite:" + str(folder / "service" / "muc.sqlite"))
        try:
            self.service.start()
            self.service.waitConnected()
        except Exception:
            self.prosody.stop()
            raise

    def stop(self):
        """
        Stop mucservice (printing its log if it did not stop cleanly) and
        Prosody.
        """
        if self.service.stop() not in (0, None):
            print("".join(self.service.log))
        self.prosody.stop()

    def connect(self, account):
        """
        @return: a client connected as C{account}, made the first time.
        """
        if account not in self.accounts:
            self.prosody.registerUser(account, PASSWORD)
            self.accounts.add(account)
        return XMPPClient.connect("127.0.0.1", self.prosody.c2sPort, "localhost", account,
                                  PASSWORD)

    def connectComponent(self, user):
        """
        @return: the stand-in for another server, sending as C{user} of its
            domain.
        """
        return ComponentClient.connect("127.0.0.1", self.prosody.componentPort, PEER,
                                       self.peerSecret, user)

    def compare(self, conversation):
        """
        Run C{conversation} against both MUCs and compare (L{compare}).
        """
        def run(label, domain):
            return lambda c: Run(c, MUC(label, domain), self.connect, self.connectComponent)

        return compare(conversation, run(differences.PROSODY, BUILTIN),
                       run(differences.OURS, SERVICE))
