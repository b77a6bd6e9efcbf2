"""
The plugin registry: providers of the swappable services, found as twisted
plugins.

A provider factory is any object in a module of the C{twisted.plugins}
package that provides L{IPlugin} and one of the factory interfaces of
L{mucservice.interfaces}. L{ProviderFactory} is a ready-made one that imports
its provider's module only when it is chosen. The options mixin
L{ProviderOptions} turns C{--hat-store=NAME[:ARGS]} into a choice and
C{--help-providers} into a listing.
"""

import sys
from dataclasses import dataclass

from twisted.python import usage
from twisted.python.reflect import namedAny
from zope.interface import directlyProvides, implementer
from zope.interface.verify import verifyObject

from mucservice import interfaces
from twisted import plugin


@dataclass(frozen=True)
class Service:
    """
    One swappable service.

    @ivar option: the command-line option that chooses its provider.
    @ivar factoryInterface: what its provider factories provide.
    @ivar interface: what its providers provide.
    @ivar default: the provider name used when the option is not given.
    """

    option: str
    factoryInterface: object
    interface: object
    default: str


SERVICES = (
    Service("join-tracker", interfaces.IJoinTrackerFactory, interfaces.IJoinTracker, "memory"),
    Service("room-store", interfaces.IRoomStoreFactory, interfaces.IRoomStore, "sqlite"),
    Service("hat-store", interfaces.IHatStoreFactory, interfaces.IHatStore, "sql"),
    Service("pinger", interfaces.IPingerFactory, interfaces.IPinger, "xmpp"),
    Service("offline-delivery", interfaces.IOfflineDeliveryFactory,
            interfaces.IOfflineDelivery, "tigase"),
)


class UnknownProvider(usage.UsageError):
    """
    No installed provider has the name asked for.
    """


class ProviderFactory:
    """
    A provider factory that imports its provider's module on first use.

    @ivar maker: the fully qualified name of a callable taking
        C{(argstring, context)} and returning the provider.
    @ivar takesArguments: whether C{NAME:ARGS} is accepted.
    """

    def __init__(self, factoryInterface, name, description, maker, takesArguments=False):
        directlyProvides(self, plugin.IPlugin, factoryInterface)
        self.name = name
        self.description = description
        self.maker = maker
        self.takesArguments = takesArguments
        self.provides = factoryInterface.getTaggedValue("provides")

    def makeProvider(self, argstring, context):
        if argstring and not self.takesArguments:
            raise ValueError("provider %r takes no arguments" % (self.name,))
        return namedAny(self.maker)(argstring, context)

    def __repr__(self):
        return "<ProviderFactory %s for %s>" % (self.name, self.provides.__name__)


for _service in SERVICES:
    _service.factoryInterface.setTaggedValue("provides", _service.interface)


def serviceFor(option):
    """
    @return: the L{Service} chosen by C{option} (e.g. C{"hat-store"}).
    """
    for service in SERVICES:
        if service.option == option:
            return service
    raise KeyError(option)


def findFactories(service, package=None):
    """
    @param package: where to look; the C{twisted.plugins} package if L{None}.
    @return: the installed factories of C{service}, by name.
    """
    return {factory.name: factory
            for factory in plugin.getPlugins(service.factoryInterface, package)}


def findFactory(service, name, package=None):
    """
    @raise UnknownProvider: nothing by that name is installed; the message
        lists what is.
    """
    factories = findFactories(service, package)
    try:
        return factories[name]
    except KeyError:
        raise UnknownProvider("unknown --%s provider %r; installed: %s"
                              % (service.option, name, ", ".join(sorted(factories)) or "none"))


def parseChoice(choice):
    """
    Split C{NAME[:ARGS]}.
    """
    name, _, argstring = choice.partition(":")
    return name, argstring


def makeProvider(service, choice, context, package=None):
    """
    Make the provider chosen by C{choice} (C{NAME[:ARGS]}) and check that it
    provides what the service needs.

    @raise UnknownProvider: no such provider is installed.
    @raise usage.UsageError: the provider refused its arguments.
    @raise zope.interface.exceptions.Invalid: the provider does not fully
        provide the service's interface.
    """
    name, argstring = parseChoice(choice)
    factory = findFactory(service, name, package)
    try:
        provider = factory.makeProvider(argstring, context)
    except ValueError as e:
        raise usage.UsageError("--%s %s: %s" % (service.option, choice, e))
    verifyObject(service.interface, provider)
    return provider


@implementer(interfaces.IProviderContext)
class ProviderContext:
    """
    What provider factories get to make their providers.
    """

    def __init__(self, reactor, serviceJID, database, settings):
        self.reactor = reactor
        self.serviceJID = serviceJID
        self.database = database
        self.settings = settings
        self.joinTracker = None
        self.rooms = None


def describeProviders(package=None):
    """
    @return: the text of C{--help-providers}: every installed provider of
        every service with its description, defaults marked.
    """
    lines = []
    for service in SERVICES:
        lines.append("--%s:" % (service.option,))
        factories = findFactories(service, package)
        for name in sorted(factories):
            mark = " (default)" if name == service.default else ""
            lines.append("  %-12s %s%s" % (name, factories[name].description, mark))
        if not factories:
            lines.append("  (none installed)")
    return "\n".join(lines) + "\n"


class ProviderOptions:
    """
    A mixin for L{usage.Options}: one C{--SERVICE NAME[:ARGS]} option per
    service and C{--help-providers}.

    Choices are checked against the installed plugins as they are parsed, so
    an unknown name is a usage error that lists the installed ones.
    """

    def __init__(self):
        self["providers"] = {service.option: service.default for service in SERVICES}

    def _chooseProvider(self, option, choice):
        service = serviceFor(option)
        findFactory(service, parseChoice(choice)[0])
        self["providers"][option] = choice

    def opt_help_providers(self):
        """
        List every installed provider of each service and exit.
        """
        sys.stdout.write(describeProviders())
        sys.exit(0)


def _addChoiceOption(option):
    service = serviceFor(option)

    def opt(self, choice):
        self._chooseProvider(option, choice)

    opt.__doc__ = ("Provider of %s, as NAME[:ARGS] [default: %s]"
                   % (service.interface.__name__, service.default))
    setattr(ProviderOptions, "opt_" + option.replace("-", "_"), opt)


for _service in SERVICES:
    _addChoiceOption(_service.option)
