"""
The plugin registry: providers of the swappable services, found as twisted
plugins.

A provider factory is any object in a module of the C{twisted.plugins}
package that provides L{IPlugin} and one of the factory interfaces of
L{mucservice.interfaces}. L{ProviderFactory} is a ready-made one that imports
its provider's module only when it is chosen. The command line's side is in
L{mucservice.provideroptions}.

Choices fail as Twisted's C{strcred} plugins fail: L{checkChoice} and
L{checkBeforeMaking} find, while the options are parsed, everything that can
be found before the service tree exists, and say it as a usage error of one
line. L{makeProvider} makes a provider later, with a context that holds only
the settings its factory declared, and verifies it.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from twisted.python import usage
from twisted.python.reflect import namedAny
from zope.interface import directlyProvides, implementer
from zope.interface.exceptions import (
    BrokenImplementation,
    BrokenMethodImplementation,
    DoesNotImplement,
    Invalid,
)
from zope.interface.verify import verifyClass, verifyObject

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


SECRET_SETTINGS = ("secret", "secret-file")


class UnknownProvider(usage.UsageError):
    """
    No installed provider has the name asked for.
    """


class ProviderFactory:
    """
    A provider factory that imports its provider's module on first use.

    The callables are given by fully qualified name, so that nothing of the
    provider is imported until it is chosen.

    @ivar maker: the name of a callable taking C{(argstring, context)} and
        returning the provider.
    @ivar takesArguments: whether C{NAME:ARGS} is accepted.
    @ivar longHelp: what C{--help-provider} prints; the description if not
        given.
    @ivar argumentsFormat: the form of ARGS, for C{--help-provider}.
    @ivar settings: the names of the options the provider reads.
    @ivar providerClass: the name of the class the maker returns, checked
        with C{verifyClass} while the options are parsed; or L{None}.
    @ivar parser: the name of a callable taking the argstring and raising
        L{ValueError} if it is wrong, called while the options are parsed
        (if C{takesArguments}); or L{None}: any ARGS are accepted.
    @ivar databaseChecker: the name of a callable taking the C{--db} URL and
        raising L{ValueError} if the provider cannot use it; or L{None}.
    """

    def __init__(self, factoryInterface, name, description, maker, takesArguments=False,
                 longHelp=None, argumentsFormat=None, settings=(), providerClass=None,
                 parser=None, databaseChecker=None):
        directlyProvides(self, plugin.IPlugin, factoryInterface)
        self.name = name
        self.description = description
        self.maker = maker
        self.takesArguments = takesArguments
        self.longHelp = longHelp or description
        if argumentsFormat is None:
            argumentsFormat = ("any text, given to the provider as it is" if takesArguments
                               else "none: the provider takes no arguments")
        self.argumentsFormat = argumentsFormat
        self.settings = tuple(settings)
        self.providerClass = providerClass
        self.parser = parser
        self.databaseChecker = databaseChecker
        self.provides = factoryInterface.getTaggedValue("provides")

    def parseArguments(self, argstring):
        if not self.takesArguments:
            if argstring:
                raise ValueError("provider %r takes no arguments" % (self.name,))
        elif self.parser is not None:
            namedAny(self.parser)(argstring)

    def checkDatabase(self, database):
        if self.databaseChecker is not None:
            namedAny(self.databaseChecker)(database)

    def makeProvider(self, argstring, context):
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


def describeInvalid(error):
    """
    @param error: what C{verifyObject} or C{verifyClass} raised.
    @return: one line saying what is wrong, e.g. C{"lacks getRoomHats,
        forgetRoom"}.
    """
    lacking, wrong, other = [], [], []
    for problem in getattr(error, "exceptions", None) or [error]:
        if isinstance(problem, DoesNotImplement):
            other.append("does not declare it (@implementer)")
        elif isinstance(problem, BrokenMethodImplementation):
            wrong.append("%s %s" % (_elementName(problem.method), problem.mess))
        elif isinstance(problem, BrokenImplementation):
            lacking.append(_elementName(problem.name))
        else:
            other.append(" ".join(str(problem).split()))
    if lacking:
        other.append("lacks " + ", ".join(lacking))
    return "; ".join(other + wrong)


def _elementName(element):
    return getattr(element, "__name__", element)


@contextmanager
def userErrors(service, choice):
    """
    Turn a L{ValueError}, the factories' way of refusing, into a usage error
    that names the option and the choice.
    """
    try:
        yield
    except ValueError as e:
        raise usage.UsageError("--%s %s: %s" % (service.option, choice, e)) from None


def checkFactory(service, choice, factory, settingNames=None):
    """
    Check that a factory can be used before anything is made with it: it
    provides the service's factory interface, and the settings it declares
    are options other than the component secret.

    @param settingNames: the names of the options, or L{None} not to check
        that the declared settings are options.
    @raise usage.UsageError: it cannot.
    """
    try:
        verifyObject(service.factoryInterface, factory)
    except Invalid as e:
        raise usage.UsageError("--%s %s: the plugin is no %s: %s"
                               % (service.option, choice, service.factoryInterface.__name__,
                                  describeInvalid(e)))
    secret = [name for name in factory.settings if name in SECRET_SETTINGS]
    if secret:
        raise usage.UsageError("--%s %s: the plugin asks for the setting %r; no provider may "
                               "read the component secret" % (service.option, choice, secret[0]))
    unknown = [name for name in factory.settings
               if settingNames is not None and name not in settingNames]
    if unknown:
        raise usage.UsageError("--%s %s: the plugin asks for settings that are no option: %s"
                               % (service.option, choice, ", ".join(unknown)))


def checkChoice(service, choice, settingNames=None, package=None):
    """
    Check C{choice} (C{NAME[:ARGS]}) as the option is parsed: the name is
    installed, its factory can be used (L{checkFactory}) and accepts the ARGS.

    @param settingNames: as for L{checkFactory}.
    @return: the factory.
    @raise usage.UsageError: it cannot be chosen; the message says why.
    """
    name, argstring = parseChoice(choice)
    factory = findFactory(service, name, package)
    checkFactory(service, choice, factory, settingNames)
    with userErrors(service, choice):
        factory.parseArguments(argstring)
    return factory


def checkBeforeMaking(service, choice, factory, database):
    """
    Check what is left once every option is parsed: the provider can use
    C{database}, and the class it declares provides the service's interface.

    @raise usage.UsageError: the provider could not be made or used.
    """
    with userErrors(service, choice):
        factory.checkDatabase(database)
    if factory.providerClass is None:
        return
    try:
        providerClass = namedAny(factory.providerClass)
    except (ImportError, AttributeError, ValueError) as e:
        raise usage.UsageError("--%s %s: cannot import %s: %s"
                               % (service.option, choice, factory.providerClass, e))
    try:
        verifyClass(service.interface, providerClass)
    except Invalid as e:
        raise usage.UsageError("--%s %s: %s does not implement %s: %s"
                               % (service.option, choice, factory.providerClass,
                                  service.interface.__name__, describeInvalid(e)))


def makeProvider(service, choice, context, package=None):
    """
    Make the provider chosen by C{choice} (C{NAME[:ARGS]}) with a context
    narrowed to the settings its factory declares, and check that it
    provides what the service needs.

    @raise UnknownProvider: no such provider is installed.
    @raise usage.UsageError: the factory cannot be used, or the provider
        refused its arguments or its context.
    @raise zope.interface.exceptions.Invalid: the provider does not fully
        provide the service's interface.
    """
    factory = checkChoice(service, choice, package=package)
    with userErrors(service, choice):
        provider = factory.makeProvider(parseChoice(choice)[1],
                                        narrowContext(context, factory.settings))
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


def narrowContext(context, names):
    """
    @return: a copy of C{context} whose settings hold only those of C{names}
        it has.
    """
    narrowed = ProviderContext(context.reactor, context.serviceJID, context.database,
                               {name: context.settings[name] for name in names
                                if name in context.settings})
    narrowed.joinTracker = context.joinTracker
    narrowed.rooms = context.rooms
    return narrowed


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
    lines.append("")
    lines.append("One provider's help and ARGS: --help-provider SERVICE:NAME")
    return "\n".join(lines) + "\n"
