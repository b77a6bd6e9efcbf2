"""
Operating the real C{twistd mucservice} beside a real Prosody: what a
wrong secret does, its metrics endpoint and its JSON log.
"""

import json
import socket
import subprocess
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from mucservice.devserver.run import ServiceProcess
from mucservice.operations import EXIT_CONFIG
from tests.integration.conftest import SERVICE
from tests.integration.muc import createRoom


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


def freePort():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_metricsEndpoint(startService, clients):
    """
    With --metrics-port, the running service answers Prometheus over HTTP
    on 127.0.0.1: its link is up and counted rooms and stanzas are there.
    """
    port = freePort()
    startService("--metrics-port", str(port))
    createRoom(clients(), "lobby@" + SERVICE, "alice")
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % (port,), timeout=10) as reply:
        text = reply.read().decode("utf-8")
    found = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
             for family in text_string_to_metric_families(text) for sample in family.samples}
    assert found[("mucservice_link_up", ())] == 1
    assert found[("mucservice_rooms", (("kind", "temporary"),))] + found[
        ("mucservice_rooms", (("kind", "persistent"),))] == 1
    assert found[("mucservice_stanzas_received_total", (("kind", "presence"),))] >= 1
    assert found[("process_resident_memory_bytes", ())] > 0
    labels = (("le", "+Inf"), ("provider", "room-store"))
    assert found[("mucservice_store_transaction_seconds_bucket", labels)] >= 1


def test_jsonLog(startService):
    """
    With --log-format json, every line the service writes is a JSON object,
    twistd's own included; the link coming up is the event link.up.
    """
    service = startService("--log-format", "json")
    records = [json.loads(line) for line in service.log]
    (up,) = [r for r in records if r.get("event") == "link.up"]
    assert (up["level"], up["jid"]) == ("info", SERVICE)
    assert any(r["namespace"].startswith("twisted.") for r in records)
