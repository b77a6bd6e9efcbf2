"""
The plugin registry: built-in providers, third-party dropins, the options.
"""

import os
import subprocess
import sys

import pytest
from twisted.python import usage
from zope.interface.exceptions import Invalid
from zope.interface.verify import verifyClass, verifyObject

from mucservice import provideroptions, registry, tap
from mucservice.interfaces import IHatStore, IHatStoreFactory
from mucservice.providers.memory_hats import MemoryHatStore
from tests.thirdparty import installProject

HATS = registry.serviceFor("hat-store")

ACME_PROVIDER = '''
from mucservice.providers.memory_hats import MemoryHatStore

class AcmeHatStore(MemoryHatStore):
    pass

def makeAcme(argstring, context):
    store = AcmeHatStore(context.rooms)
    store.argstring = argstring
    return store

def makeBroken(argstring, context):
    return object()
'''

ACME_DROPIN = '''
from mucservice.interfaces import IHatStoreFactory
from mucservice.registry import ProviderFactory

acme = ProviderFactory(IHatStoreFactory, "acme", "ACME's hat store",
                       "acme_provider.makeAcme", takesArguments=True)
broken = ProviderFactory(IHatStoreFactory, "broken", "Provides nothing",
                         "acme_provider.makeBroken")
'''


@pytest.fixture
def acme(tmp_path, monkeypatch):
    """
    A throwaway third-party project: its provider module on sys.path and its
    dropin in a twisted/plugins folder on the plugin path.
    """
    return installProject(tmp_path, monkeypatch, {
        "acme_provider.py": ACME_PROVIDER, "twisted/plugins/acme_mucservice.py": ACME_DROPIN})


def context():
    return registry.ProviderContext(None, None, "sqlite:x", {})


def test_builtinsFound():
    """Every service has its default provider installed."""
    for service in registry.SERVICES:
        assert service.default in registry.findFactories(service), service.option


def test_everyBuiltinMadeAndVerified(tmp_path):
    """Every built-in provider is made through the registry, which verifies its interface."""
    context = registry.ProviderContext(None, None, "sqlite:%s" % (tmp_path / "x.sqlite"), {})
    context.rooms = object()
    for service in registry.SERVICES:
        for name in registry.findFactories(service):
            provider = registry.makeProvider(service, name, context)
            assert service.interface.providedBy(provider), (service.option, name)


def test_builtinMade():
    """A built-in provider is made by name and provides its interface."""
    store = registry.makeProvider(HATS, "memory", context())
    assert isinstance(store, MemoryHatStore)
    assert IHatStore.providedBy(store)


def test_unknownName():
    """An unknown name is a usage error that lists the installed names."""
    with pytest.raises(usage.UsageError, match=r"unknown --hat-store provider 'nope'.*memory"):
        registry.makeProvider(HATS, "nope", context())


def test_argumentsRefused():
    """A provider that takes no arguments refuses NAME:ARGS with a usage error."""
    with pytest.raises(usage.UsageError, match="takes no arguments"):
        registry.makeProvider(HATS, "memory:x", context())


def test_thirdPartyByName(acme):
    """A third-party dropin is selected by name, given its arguments, imported only then."""
    assert "acme" in registry.findFactories(HATS)
    assert "acme_provider" not in sys.modules
    store = registry.makeProvider(HATS, "acme:colour=red", context())
    assert type(store).__name__ == "AcmeHatStore"
    assert store.argstring == "colour=red"


def test_providerVerified(acme):
    """A provider that does not provide the service's interface is refused."""
    with pytest.raises(Invalid):
        registry.makeProvider(HATS, "broken", context())


def test_describe(acme):
    """--help-providers lists built-ins and third parties with descriptions, defaults marked."""
    text = registry.describeProviders()
    assert "--hat-store:" in text
    assert "ACME's hat store" in text
    assert "memory" in text and "(default)" in text


def test_thirdPartyFromTwistd(acme):
    """The real twistd command lists a dropin found on PYTHONPATH."""
    out = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "twistd"), "mucservice",
         "--help-providers"],
        env={"PYTHONPATH": str(acme), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, cwd=str(acme))
    assert out.returncode == 0, out.stderr
    assert "acme" in out.stdout and "ACME's hat store" in out.stdout


def test_minimalFactoryComplete(acme):
    """A ProviderFactory given only the four required arguments is a complete factory."""
    factory = registry.findFactories(HATS)["broken"]
    verifyObject(IHatStoreFactory, factory)
    assert factory.longHelp == "Provides nothing"
    assert factory.argumentsFormat == "none: the provider takes no arguments"
    assert (factory.settings, factory.providerClass) == ((), None)
    assert registry.findFactories(HATS)["acme"].argumentsFormat.startswith("any text")


def test_argumentsCheckedWithoutMaking(acme):
    """ARGS are refused by the check that runs at parsing, before any import of the provider."""
    with pytest.raises(usage.UsageError, match=r"^--hat-store broken:x: .*takes no arguments$"):
        registry.checkChoice(HATS, "broken:x")
    registry.checkChoice(HATS, "acme:anything")
    assert "acme_provider" not in sys.modules


def test_describeInvalidOneLine():
    """What verifyClass finds wrong is said in one line: undeclared, lacking, wrong signature."""
    class Wrong:
        def addUserHat(self):
            pass

    with pytest.raises(Invalid) as raised:
        verifyClass(IHatStore, Wrong)
    text = registry.describeInvalid(raised.value)
    assert text.startswith("does not declare it (@implementer); lacks removeUserHat, ")
    assert text.endswith("; addUserHat implementation doesn't allow enough arguments")
    assert "\n" not in text


def helpText(capsys, name):
    with pytest.raises(SystemExit) as exited:
        tap.Options().parseOptions(["--help-provider", name])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_helpProvider(capsys):
    """--help-provider SERVICE:NAME prints the choice, ARGS format, settings and long help."""
    text = helpText(capsys, "pinger:xmpp")
    assert text.splitlines()[:4] == [
        "--pinger xmpp (the default)", "ARGS: none: the provider takes no arguments",
        "Settings it reads: --ping-delay, --ping-timeout, --ping-idle, --ping-concurrency, "
        "--ping-service-unavailable",
        "Provides: IPinger"]
    assert "\n  Pings (XEP-0199, from the room)" in text


def test_helpProviderBareName(capsys):
    """A bare name that only one service has is enough."""
    assert helpText(capsys, "sqlite").startswith("--room-store sqlite (the default)\n")


def test_helpProviderThirdPartyDefaults(acme, capsys):
    """A minimal dropin's help is its description; its ARGS format says it takes none."""
    assert helpText(capsys, "broken") == (
        "--hat-store broken\nARGS: none: the provider takes no arguments\n"
        "Settings it reads: none\nProvides: IHatStore\n\n  Provides nothing\n")


@pytest.mark.parametrize("name, message", [
    ("memory", r"^--help-provider memory: several services have a provider 'memory'; name one: "
               r"join-tracker:memory, room-store:memory, hat-store:memory$"),
    ("nope", r"^--help-provider nope: no such provider; installed: join-tracker:memory, "),
    ("hat-store:nope", r"^--help-provider hat-store:nope: no such provider; installed: "
                       r"hat-store:memory, hat-store:postgresql, hat-store:sql$"),
    ("hats:memory", r"^--help-provider hats:memory: no service 'hats'; the services: "
                    r"join-tracker, room-store, hat-store, pinger, offline-delivery$"),
])
def test_helpProviderRefused(name, message):
    """A name that names no single provider is a usage error listing what to choose from."""
    with pytest.raises(usage.UsageError, match=message):
        provideroptions.describeProvider(name)
