"""
Operating the real C{twistd mucservice} beside a real Prosody: what a
wrong secret does.
"""

import subprocess

from mucservice.devserver.run import ServiceProcess
from mucservice.operations import EXIT_CONFIG
from tests.integration.conftest import SERVICE


def wronglyConfigured(prosody, tmp_path, *extraArgs):
    """
    @return: the service, not started, with a secret Prosody does not know.
    """
    secretFile = tmp_path / "wrong.secret"
    secretFile.write_text("not-" + prosody.componentSecret)
    return ServiceProcess(str(tmp_path / "service"), SERVICE, str(secretFile),
                          prosody.componentPort,
                          "sqlite:" + str(tmp_path / "service" / "muc.sqlite"),
                          extraArgs=extraArgs)


def test_wrongSecretSaysWhy(prosody, tmp_path):
    """
    With a wrong secret, the service logs Prosody's not-authorized with
    what to check, and keeps running (trying again later).
    """
    service = wronglyConfigured(prosody, tmp_path)
    service.start()
    try:
        line = service.waitFor("link to the XMPP server is down").string
        assert "refused the component muc.localhost with the stream error not-authorized" in line
        assert "--secret" in line
        assert service.running
    finally:
        service.stop()


def test_exitOnAuthFailure(prosody, tmp_path):
    """
    With --exit-on-auth-failure, a wrong secret ends the process with
    status EXIT_CONFIG, saying why.
    """
    service = wronglyConfigured(prosody, tmp_path, "--exit-on-auth-failure")
    service.start()
    try:
        status = service.process.wait(30)
    except subprocess.TimeoutExpired:
        service.stop()
        raise
    line = service.waitFor("mucservice cannot go on").string
    assert "not-authorized" in line
    assert status == EXIT_CONFIG, "".join(service.log)
