"""
Providers fail as Twisted's strcred plugins fail: every wrong choice is a
usage error of one line while the options are parsed, or, found only when
the provider is made, one line and a non-zero exit; never a traceback.
Each provider sees only the settings it declares, never the secret.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import os
import subprocess
import sys

import pytest
from twisted.internet.testing import MemoryReactorClock
from twisted.python import usage

from mucservice import registry, tap
from mucservice.room.service import RoomService
from tests.thirdparty import installProject

SECRET = "s3cret-value"
BASE = ("--jid", "muc.example.org", "--secret", SECRET, "--room-store", "memory")

PROVIDER = '''
    from zope.interface import implementer

    from mucservice.interfaces import IHatStoreFactory
    from mucservice.providers.memory_hats import MemoryHatStore
    from twisted.plugin import IPlugin


    class SeeingHatStore(MemoryHatStore):
        """Keeps the context it was made with."""


    class NotAHatStore:
        pass


    def makeSeeing(argstring, context):
        store = SeeingHatStore(context.rooms)
        store.context = context
        return store


    def makeBroken(argstring, context):
        return object()


    def makeRefusing(argstring, context):
        raise ValueError("no hats today")


    def refuseBlue(argstring):
        if argstring == "blue":
            raise ValueError("blue is no colour for hats")


    @implementer(IPlugin, IHatStoreFactory)
    class HandMadeFactory:
        """A factory written before factories had help, settings and checks."""

        name = "handmade"
        description = "Made by hand, long ago"
        provides = None

        def makeProvider(self, argstring, context):
            return makeSeeing(argstring, context)
'''

DROPIN = '''
    from acme_failures import HandMadeFactory
    from mucservice.interfaces import IHatStoreFactory
    from mucservice.registry import ProviderFactory

    _M = "acme_failures."

    seeing = ProviderFactory(IHatStoreFactory, "seeing", "Keeps its context", _M + "makeSeeing")
    reading = ProviderFactory(IHatStoreFactory, "reading", "Reads two settings",
                              _M + "makeSeeing", settings=("ping-delay", "name"))
    picky = ProviderFactory(IHatStoreFactory, "picky", "Hats of any colour but blue",
                            _M + "makeSeeing", takesArguments=True, parser=_M + "refuseBlue",
                            argumentsFormat="a colour, not blue",
                            longHelp="Hats of any colour.\\nBut never blue.")
    sneaky = ProviderFactory(IHatStoreFactory, "sneaky", "Asks for the secret",
                             _M + "makeSeeing", settings=("ping-delay", "secret"))
    sneakyFile = ProviderFactory(IHatStoreFactory, "sneaky-file", "Asks for the secret's file",
                                 _M + "makeSeeing", settings=("secret-file",))
    typo = ProviderFactory(IHatStoreFactory, "typo", "Asks for no option",
                           _M + "makeSeeing", settings=("ping-dely",))
    misdeclared = ProviderFactory(IHatStoreFactory, "misdeclared", "Says it makes a non-store",
                                  _M + "makeSeeing", providerClass=_M + "NotAHatStore")
    unfound = ProviderFactory(IHatStoreFactory, "unfound", "Says it makes what is not there",
                              _M + "makeSeeing", providerClass=_M + "NoSuchClass")
    broken = ProviderFactory(IHatStoreFactory, "broken", "Makes a non-store",
                             _M + "makeBroken")
    refusing = ProviderFactory(IHatStoreFactory, "refusing", "Refuses to be made",
                               _M + "makeRefusing")
    handmade = HandMadeFactory()
'''


@pytest.fixture
def acme(tmp_path, monkeypatch):
    """
    A third-party project whose dropin holds a hat store factory for every
    way of failing.
    """
    return installProject(tmp_path / "acme", monkeypatch, {
        "acme_failures.py": PROVIDER, "twisted/plugins/acme_failures_mucservice.py": DROPIN})


def parse(*args):
    config = tap.Options()
    config.parseOptions(list(BASE + args))
    return config


def build(*args):
    return tap.makeService(parse(*args), MemoryReactorClock())


def hatStore(*args):
    root = build(*args)
    return next(s for s in root if isinstance(s, RoomService)).hatStore


@pytest.mark.parametrize("args, message", [
    (("--hat-store", "nope"), r"^unknown --hat-store provider 'nope'; installed: .*memory, .*sql"),
    (("--pinger", "none:x"), r"^--pinger none:x: provider 'none' takes no arguments$"),
    (("--hat-store", "seeing:x"), r"^--hat-store seeing:x: provider 'seeing' takes no arguments$"),
    (("--hat-store", "picky:blue"), r"^--hat-store picky:blue: blue is no colour for hats$"),
    (("--hat-store", "sneaky"),
     r"^--hat-store sneaky: the plugin asks for the setting 'secret'; no provider may read "
     r"the component secret$"),
    (("--hat-store", "sneaky-file"), r"^--hat-store sneaky-file: .* setting 'secret-file'"),
    (("--hat-store", "typo"),
     r"^--hat-store typo: the plugin asks for settings that are no option: ping-dely$"),
    (("--hat-store", "misdeclared"),
     r"^--hat-store misdeclared: acme_failures.NotAHatStore does not implement IHatStore: "
     r"does not declare it \(@implementer\); lacks .*getRoomHats"),
    (("--hat-store", "unfound"), r"^--hat-store unfound: cannot import acme_failures.NoSuchClass"),
    (("--hat-store", "handmade"),
     r"^--hat-store handmade: the plugin is no IHatStoreFactory: lacks .*parseArguments"),
])
def test_choiceUsageErrors(acme, args, message):
    """A wrong choice is a usage error of one line while the options are parsed."""
    with pytest.raises(usage.UsageError, match=message) as raised:
        parse(*args)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("args, message", [
    (("--db", "sqlite:/nonexistent/m.sqlite"), r"^--db sqlite:/nonexistent/m.sqlite: no folder "
                                               r"/nonexistent$"),
    (("--db", "mysql://x"), r"^--db must be sqlite:PATH or postgresql://\.\.\.$"),
    (("--db", "postgresql://u@h/db", "--hat-store", "sql"),
     r"^--hat-store sql: the sql hat store needs --db sqlite:PATH"),
    (("--db", "postgresql://u@h/db", "--room-store", "sqlite", "--hat-store", "memory"),
     r"^--room-store sqlite: the sqlite room store needs --db sqlite:PATH$"),
    (("--db", "sqlite::memory:"), r"^--hat-store sql: --db sqlite::memory: is not supported: "),
    (("--db", "sqlite:"), r"^--hat-store sql: --db sqlite: is not supported: "),
])
def test_databaseUsageErrors(args, message):
    """A --db that no provider can use, or that the chosen ones cannot, is refused at parsing."""
    with pytest.raises(usage.UsageError, match=message):
        parse(*args)


@pytest.mark.parametrize("database", ["sqlite::memory:", "sqlite:", "postgresql://u@h/db"])
def test_databaseNotNeeded(database):
    """Providers that need no file accept a --db without one."""
    config = parse("--hat-store", "memory", "--room-store", "memory", "--join-tracker", "memory",
                   "--db", database)
    assert config["db"] == database


def test_makeServiceFailureOneLine(acme):
    """A provider that does not provide its interface ends the build with one line."""
    config = parse("--hat-store", "broken")
    with pytest.raises(SystemExit) as exited:
        tap.makeService(config, MemoryReactorClock())
    message = exited.value.code
    assert message.startswith("mucservice: --hat-store broken: the provider made does not "
                              "provide IHatStore: does not declare it (@implementer); lacks ")
    assert "getRoomHats" in message and "\n" not in message


def test_makerRefusalOneLine(acme):
    """A maker's ValueError ends the build with one line naming the choice."""
    with pytest.raises(SystemExit) as exited:
        build("--hat-store", "refusing")
    assert exited.value.code == "mucservice: --hat-store refusing: no hats today"


def test_declaresNothingSeesNothing(acme):
    """A third-party provider that declares no setting sees none, and never the secret."""
    store = hatStore("--hat-store", "seeing", "--ping-delay", "5")
    assert store.context.settings == {}
    assert SECRET not in repr(vars(store.context))
    assert store.context.rooms is not None and store.context.reactor is not None


def test_declaredSettingsOnly(acme):
    """A provider sees the settings it declares, with their parsed values, and no others."""
    store = hatStore("--hat-store", "reading", "--ping-delay", "5")
    assert store.context.settings == {"ping-delay": 5.0, "name": "Chatrooms"}


def test_builtinPingerSettings():
    """The built-in pinger gets the ping settings of the command line."""
    root = build("--hat-store", "memory", "--ping-delay", "5", "--ping-timeout", "7",
                 "--ping-idle", "60", "--ping-concurrency", "3",
                 "--ping-service-unavailable", "alive")
    pinger = next(s for s in root if isinstance(s, RoomService)).pinger
    assert (pinger.delay, pinger.timeout, pinger.idle, pinger.concurrency,
            pinger.unavailableIsAlive) == (5.0, 7.0, 60.0, 3, True)


def test_makeProviderNarrows(acme):
    """makeProvider narrows any context to the declared settings; the secret is never among."""
    context = registry.ProviderContext(None, None, "sqlite:x", {
        "ping-delay": 5.0, "name": "Rooms", "secret": SECRET, "host": "h"})
    context.rooms = object()
    hats = registry.serviceFor("hat-store")
    assert registry.makeProvider(hats, "seeing", context).context.settings == {}
    assert registry.makeProvider(hats, "reading", context).context.settings == {
        "ping-delay": 5.0, "name": "Rooms"}
    with pytest.raises(usage.UsageError, match="component secret"):
        registry.makeProvider(hats, "sneaky", context)


def twistd(cwd, *args, pythonPath=None):
    """
    Run the real C{twistd -n mucservice} with C{args} in C{cwd}.
    """
    env = {"PATH": "/usr/bin:/bin"}
    if pythonPath:
        env["PYTHONPATH"] = str(pythonPath)
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "twistd"), "-n", "mucservice"]
        + list(args), env=env, capture_output=True, text=True, timeout=60, cwd=str(cwd))


@pytest.mark.parametrize("args, message", [
    (("--pinger", "none:x"), "--pinger none:x: provider 'none' takes no arguments"),
    (("--hat-store", "picky:blue"), "--hat-store picky:blue: blue is no colour for hats"),
    (("--hat-store", "sneaky"), "--hat-store sneaky: the plugin asks for the setting 'secret'"),
    (("--hat-store", "misdeclared"), "acme_failures.NotAHatStore does not implement IHatStore"),
    (("--db", "sqlite:/nonexistent/m.sqlite"), "no folder /nonexistent"),
    (("--db", "postgresql://u@h/db", "--hat-store", "memory", "--room-store", "sqlite"),
     "--room-store sqlite: the sqlite room store needs --db sqlite:PATH"),
    (("--hat-store", "broken"), "mucservice: --hat-store broken: the provider made does not "
                                "provide IHatStore"),
])
def test_twistdOneLine(acme, tmp_path, args, message):
    """The real command says what is wrong in one line and exits non-zero, without traceback."""
    out = twistd(tmp_path, "--jid", "muc.example.org", "--secret", SECRET, *args,
                 pythonPath=acme)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert len([line for line in (out.stdout + out.stderr).splitlines()
                if message in line]) == 1
    assert os.listdir(tmp_path) == ["acme"]


def test_twistdHelpProvider(acme, tmp_path):
    """twistd mucservice --help-provider prints a third party's help and ARGS format, exit 0."""
    out = twistd(tmp_path, "--help-provider", "hat-store:picky", pythonPath=acme)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:2] == ["--hat-store picky", "ARGS: a colour, not blue"]
    assert "  Hats of any colour.\n  But never blue.\n" in out.stdout


def test_noReactorWhileChecking():
    """The registry's checks and help, as option parsing runs them, import no reactor."""
    script = (
        "import sys\n"
        "from twisted.python import usage\n"
        "from mucservice import provideroptions, registry\n"
        "for service in registry.SERVICES:\n"
        "    for name in registry.findFactories(service):\n"
        "        factory = registry.checkChoice(service, name)\n"
        "        try:\n"
        "            registry.checkBeforeMaking(service, name, factory, 'sqlite:m.sqlite')\n"
        "        except usage.UsageError as e:\n"
        "            assert 'needs --db postgresql://' in str(e), e\n"
        "        provideroptions.describeProvider(service.option + ':' + name)\n"
        "assert 'twisted.internet.reactor' not in sys.modules, 'reactor imported'\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
