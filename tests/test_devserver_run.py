"""
What C{make run} starts (L{mucservice.devserver.run}): mucservice with
options that fit the Prosody beside it.
"""

from mucservice import tap
from mucservice.devserver import run
from mucservice.devserver.prosody import LocalProsody


def test_offlineCopiesForwarded(tmp_path):
    """
    make run starts mucservice with --offline-delivery forward (Prosody
    bounces groupchat messages to bare JIDs, so tigase copies would all be
    lost), and twistd mucservice accepts its command line as it is.
    """
    secretFile = tmp_path / "secret"
    secretFile.write_text("s")
    prosody = LocalProsody(str(tmp_path / "prosody"), componentSecret="s")
    service = run.serviceBeside(prosody, str(tmp_path), str(secretFile))
    args = service.args[service.args.index("mucservice") + 1:]
    config = tap.Options()
    config.parseOptions(args)
    assert config["providers"]["offline-delivery"] == "forward"
    assert (config["jid"].full(), config["port"]) == ("muc.localhost", prosody.componentPort)
