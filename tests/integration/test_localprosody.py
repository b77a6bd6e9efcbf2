"""
The throwaway Prosody of L{mucservice.devserver.prosody} and the test client of
L{tests.integration.xmppclient}, against each other.
"""

import os
import socket

import pytest

from mucservice.devserver.prosody import LocalProsody, freePort, prosodyBinary
from tests.integration.xmppclient import XMPPClient, XMPPClientError

if prosodyBinary() is None:
    pytest.skip("Prosody is not installed (make test installs it)", allow_module_level=True)

PASSWORD = "secret-password"


@pytest.fixture
def prosody(tmp_path, request):
    """
    A Prosody of its own in the test's temporary folder, stopped at the end
    whatever happens.
    """
    server = LocalProsody(str(tmp_path / "prosody"))
    request.addfinalizer(server.stop)
    server.start()
    return server


def connect(prosody, user, resource="test"):
    return XMPPClient.connect("127.0.0.1", prosody.c2sPort, prosody.domain, user, PASSWORD,
                              resource=resource)


def register(prosody, user):
    return XMPPClient.register("127.0.0.1", prosody.c2sPort, prosody.domain, user, PASSWORD)


def test_freePort():
    """L{freePort} returns a port that can be bound on loopback."""
    port = freePort()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_configStaysInFolder(tmp_path):
    """
    The configuration names the given ports and secret, and every path in it
    is inside the folder.
    """
    server = LocalProsody(str(tmp_path / "p"), c2sPort=15222, componentSecret="s3cr\"t")
    with open(server.writeConfig()) as f:
        text = f.read()
    assert "c2s_ports = { 15222 }" in text
    assert 'component_secret = "s3cr\\"t"' in text
    assert 'Component "muc.localhost"' in text
    assert len({server.c2sPort, server.s2sPort, server.componentPort}) == 3
    for line in text.splitlines():
        if line.lstrip().startswith(("pidfile", "data_path", "certificates", "{ levels")):
            assert str(tmp_path / "p") + os.sep in line, line
    assert os.path.isdir(server.dataPath)


def test_moreComponents(tmp_path):
    """
    Prosody's own MUC, with its archive, and more external components are
    declared only when asked for, after mucservice's component.
    """
    plain = LocalProsody(str(tmp_path / "a")).configText()
    assert '"muc"' not in plain and "peer.localhost" not in plain
    text = LocalProsody(str(tmp_path / "b"), builtinMUC="conference.localhost",
                        extraComponents=[("peer.localhost", "pe\"er")]).configText()
    assert 'Component "conference.localhost" "muc"\n    modules_enabled = { "muc_mam" }' in text
    assert 'Component "peer.localhost"\n    component_secret = "pe\\"er"' in text
    assert text.index('Component "muc.localhost"') < text.index('Component "peer.localhost"')


def test_startsCleanly(prosody):
    """
    Prosody accepts the configuration: it runs, serves both ports and logs
    no warning or error while starting.
    """
    assert prosody.running
    with open(prosody.logPath) as log:
        problems = [line for line in log if "\twarn\t" in line or "\terror\t" in line]
    assert problems == []
    assert os.path.getsize(prosody.errorLogPath) == 0


def test_chatMessage(prosody):
    """
    A user made with prosodyctl and one made by in-band registration can both
    log in, and a chat message from one reaches the other with the sender's
    full JID and the body.
    """
    assert prosody.registerUser("alice", PASSWORD) == "alice@localhost"
    assert register(prosody, "bob") == "bob@localhost"
    with connect(prosody, "alice") as alice, connect(prosody, "bob", "phone") as bob:
        assert alice.jid == "alice@localhost/test"
        assert bob.jid == "bob@localhost/phone"
        alice.send("<message to='%s' type='chat' id='m1'><body>Hi &amp; hello</body></message>"
                   % (bob.jid,))
        message = bob.expect(tag="message", frm=alice.jid, type="chat")
        assert message.tag == "{jabber:client}message"
        assert message.findtext("{jabber:client}body") == "Hi & hello"
        assert bob.pending() == []


def test_iq(prosody):
    """L{XMPPClient.iq} returns the server's answer: a result for a ping."""
    prosody.registerUser("alice", PASSWORD)
    with connect(prosody, "alice") as alice:
        reply = alice.iq("<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
        assert reply.get("type") == "result"
        assert reply.get("from") == "localhost"


def test_registerTwice(prosody):
    """A second in-band registration of the same user fails with conflict."""
    register(prosody, "carol")
    with pytest.raises(XMPPClientError) as raised:
        register(prosody, "carol")
    assert raised.value.condition == "conflict"


def test_wrongPassword(prosody):
    """Logging in with a wrong password fails with not-authorized."""
    prosody.registerUser("alice", "another-password")
    with pytest.raises(XMPPClientError) as raised:
        connect(prosody, "alice")
    assert raised.value.condition == "not-authorized"


def test_killAndStart(prosody):
    """
    After Prosody is killed its clients lose their stream; started again on
    the same ports, it still has the accounts and clients can log in.
    """
    prosody.registerUser("alice", PASSWORD)
    ports = (prosody.c2sPort, prosody.componentPort)
    client = connect(prosody, "alice")
    prosody.kill()
    assert not prosody.running
    with pytest.raises(AssertionError, match="before the stream closed"):
        client.expect(tag="message", timeout=5)
    client.close()
    prosody.start()
    assert prosody.running
    assert (prosody.c2sPort, prosody.componentPort) == ports
    with connect(prosody, "alice") as again:
        assert again.jid == "alice@localhost/test"
