"""
No ghost occupants across federation: a user of a second Prosody joins a
room of the service, then that server dies (SIGKILL). The first Prosody
cannot reach it any more and bounces the room's next stanza to the user
with C{remote-server-not-found} from the user's full JID; the service then
pings every occupant of that domain and removes the silent ones with status
333.

The two servers federate on loopback with dialback and no TLS. Prosody
connects to a domain without SRV records on port 5269, so each server's s2s
port is 5269 on an address of its own: C{localhost} (the first server, which
serves the component C{muc.localhost}) on 127.0.0.1 and C{remote.test} on
127.0.0.2. Prosody's resolver (libunbound) answers C{localhost} and its
subdomains itself; it finds C{remote.test} in a hosts file of the test's own
(C{unbound = { hoststxt = "..." }}), so C{/etc/hosts} is left alone.
"""

import re
import socket

import pytest

from mucservice.devserver.prosody import LocalProsody, luaString
from tests.integration.conftest import PASSWORD, SERVICE
from tests.integration.muc import createRoom, join, mucItem, statuses
from tests.integration.xmppclient import XMPPClient, stanzaType

ROOM = "federated@" + SERVICE

#: The port Prosody connects to when a domain has no SRV records.
S2S_PORT = 5269

#: Where the first server (C{localhost}) and the second one listen.
LOCAL_ADDRESS, REMOTE_ADDRESS = "127.0.0.1", "127.0.0.2"
REMOTE_DOMAIN = "remote.test"

#: Seconds from a trigger to the ping, and for its answer.
DELAY, TIMEOUT = 1, 2

#: Seconds Prosody may spend on an outgoing s2s connection. A dead server
#: on loopback refuses at once; this bounds the case where it would not.
S2S_TIMEOUT = 10

#: Long enough for the bounce, the ping and its outcome, with room to spare.
WAIT = S2S_TIMEOUT + DELAY + TIMEOUT + 10


def portTaken(interface, port):
    """
    @return: why C{port} cannot be listened on at C{interface}, or L{None}
        if it can (connections in C{TIME_WAIT} from an earlier run do not
        count: Prosody binds with C{SO_REUSEADDR} too).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((interface, port))
            s.listen(1)
        except OSError as e:
            return "%s:%d: %s" % (interface, port, e.strerror)
    return None


@pytest.fixture
def federation(tmp_path):
    """
    The configuration both servers need to federate on loopback: no TLS
    (C{s2s_secure_auth = false} is in every configuration already, so
    dialback needs no certificate), C{remote.test} from a hosts file of the
    test's own, and a bound on outgoing connection attempts. Skips the test
    if port 5269 cannot be listened on at both addresses.
    """
    for interface in (LOCAL_ADDRESS, REMOTE_ADDRESS):
        taken = portTaken(interface, S2S_PORT)
        if taken is not None:
            pytest.skip("federation needs the default s2s port free (%s)" % (taken,))
    hosts = tmp_path / "hosts"
    hosts.write_text("%s %s\n" % (REMOTE_ADDRESS, REMOTE_DOMAIN))
    return "\n".join([
        "unbound = { hoststxt = %s }" % (luaString(str(hosts)),),
        "s2s_require_encryption = false",
        "s2s_timeout = %d" % (S2S_TIMEOUT,),
    ])


@pytest.fixture
def prosody(tmp_path, federation):
    """
    The first server, C{localhost} with the service's component, open to
    federation on 127.0.0.1:5269 (it replaces the fixture of the same name
    in conftest for this module, so C{startService} and C{clients} use it).
    """
    server = LocalProsody(str(tmp_path / "prosody"), domain="localhost", componentJID=SERVICE,
                          s2sPort=S2S_PORT, extraConfig=federation)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def remote(tmp_path, federation):
    """
    The second server, C{remote.test} on 127.0.0.2 (all its ports there).
    """
    server = LocalProsody(str(tmp_path / "remote"), domain=REMOTE_DOMAIN,
                          componentJID="muc." + REMOTE_DOMAIN, interface=REMOTE_ADDRESS,
                          s2sPort=S2S_PORT, extraConfig=federation)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def remoteClient(remote):
    """
    A factory of connected clients of the second server.
    """
    opened = []

    def connect(user):
        remote.registerUser(user, PASSWORD)
        client = XMPPClient.connect(REMOTE_ADDRESS, remote.c2sPort, REMOTE_DOMAIN, user,
                                    PASSWORD)
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()


@pytest.fixture
def pinging(startService):
    """
    The real service, with a short ping delay and timeout.
    """
    return startService("--ping-delay", str(DELAY), "--ping-timeout", str(TIMEOUT))


def test_deadServerOccupantsRemoved(pinging, clients, remote, remoteClient):
    """
    When a remote server dies, the room's next stanza to its user bounces
    with C{remote-server-not-found}; the service pings the occupants of that
    domain and removes them with status 333, which the local occupant sees.
    """
    alice = clients("alice")
    createRoom(alice, ROOM, "alice")
    rob = remoteClient("rob")
    joined = join(rob, ROOM + "/rob")
    assert statuses(joined.own) >= {110}
    assert joined.nicks() == ["alice"]
    entered = alice.expect(tag="presence", frm=ROOM + "/rob")
    assert stanzaType(entered) is None

    remote.kill()
    alice.send("<message to='%s' type='groupchat'><body>anyone there?</body></message>"
               % (ROOM,))
    alice.expect(tag="message", type="groupchat", frm=ROOM + "/alice")

    gone = alice.expect(tag="presence", type="unavailable", frm=ROOM + "/rob", timeout=WAIT)
    assert statuses(gone) == {333}
    assert mucItem(gone).get("role") == "none"
    pinging.waitFor(re.escape(rob.jid) + " is gone: the ping was answered with "
                    "remote-server-(not-found|timeout)", timeout=WAIT)
