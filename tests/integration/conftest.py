"""
Fixtures of the integration tests: a throwaway Prosody on free loopback ports
with the component declared, the real C{twistd mucservice} connected to it,
and real client connections.
"""

import itertools

import pytest

from mucservice.devserver.prosody import LocalProsody, prosodyBinary
from mucservice.devserver.run import ServiceProcess
from tests.integration.xmppclient import XMPPClient

if prosodyBinary() is None:
    pytest.skip("Prosody is not installed (make test installs it)", allow_module_level=True)

SERVICE = "muc.localhost"
PASSWORD = "secret-password"


@pytest.fixture
def prosody(tmp_path):
    server = LocalProsody(str(tmp_path / "prosody"), domain="localhost", componentJID=SERVICE)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(prosody):
    """
    The XMPP server the service and the clients use: Prosody, unless a
    folder's conftest overrides it (C{tests/integration/ejabberd}).
    """
    return prosody


@pytest.fixture
def startService(server, tmp_path):
    """
    A factory of the real service, started with twistd with the given extra
    options and authenticated as a component (through C{port} if given, else
    the server's component port); stopped after the test (its log is
    printed if it did not stop cleanly).
    """
    started = []

    def start(*extraArgs, port=None):
        secretFile = tmp_path / "component.secret"
        secretFile.write_text(server.componentSecret)
        service = ServiceProcess(str(tmp_path / "service"), SERVICE, str(secretFile),
                                 port or server.componentPort,
                                 "sqlite:" + str(tmp_path / "service" / "muc.sqlite"),
                                 extraArgs=extraArgs)
        started.append(service)
        service.start()
        service.waitConnected()
        return service

    yield start
    for service in started:
        if service.stop() not in (0, None):
            print("".join(service.log))


@pytest.fixture
def mucservice(startService):
    """
    The real service with its default options.
    """
    return startService()


@pytest.fixture
def clients(server):
    """
    A factory of connected clients, each with an account of its own.
    """
    opened = []
    registered = set()
    names = itertools.count(1)

    def connect(user=None, resource="test"):
        user = user or "user%d" % next(names)
        if user not in registered:
            server.registerUser(user, PASSWORD)
            registered.add(user)
        client = XMPPClient.connect("127.0.0.1", server.c2sPort, "localhost", user, PASSWORD,
                                    resource=resource)
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()


@pytest.fixture
def slixClients(prosody):
    """
    A factory of slixmpp clients (L{tests.integration.slix}), each with an
    account of its own and any more slixmpp plugins asked for; every one is
    disconnected and its thread stopped after the test.
    """
    from tests.integration.slix import SlixClient

    opened = []

    def connect(user, plugins=()):
        prosody.registerUser(user, PASSWORD)
        client = SlixClient("%s@localhost/slix" % (user,), PASSWORD, "127.0.0.1",
                            prosody.c2sPort, plugins)
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()
