"""
The registry on the command line: one C{--SERVICE NAME[:ARGS]} option per
service, C{--help-providers} and C{--help-provider}, modelled on the C{--auth}
options of Twisted's C{strcred}.

Nothing here imports or needs the reactor: twistd installs the reactor it was
asked for after the options are parsed.
"""

import sys

from twisted.python import usage

from mucservice import registry

#: The C{--db} scheme of PostgreSQL, and the name of the providers that use it.
POSTGRESQL = "postgresql://"
POSTGRESQL_PROVIDER = "postgresql"


def findByName(name, package=None):
    """
    @param name: C{SERVICE:NAME} (e.g. C{hat-store:memory}), or a bare
        C{NAME} that one service at most has.
    @return: the service and factory that C{name} names.
    @raise usage.UsageError: no installed provider has that name, or several
        services have one of that name; the message lists what to choose
        from.
    """
    serviceName, _, providerName = name.rpartition(":")
    services = registry.SERVICES
    if serviceName:
        services = [s for s in services if s.option == serviceName.lstrip("-")]
        if not services:
            raise usage.UsageError("--help-provider %s: no service %r; the services: %s"
                                   % (name, serviceName, ", ".join(
                                       s.option for s in registry.SERVICES)))
    installed = [(service, factory) for service in services
                 for _, factory in sorted(registry.findFactories(service, package).items())]
    found = [(service, factory) for service, factory in installed
             if factory.name == providerName]
    if len(found) == 1:
        return found[0]
    if found:
        raise usage.UsageError("--help-provider %s: several services have a provider %r; "
                               "name one: %s" % (name, providerName, _qualified(found)))
    raise usage.UsageError("--help-provider %s: no such provider; installed: %s"
                           % (name, _qualified(installed) or "none"))


def _qualified(found):
    return ", ".join("%s:%s" % (service.option, factory.name) for service, factory in found)


def describeProvider(name, package=None):
    """
    @param name: as for L{findByName}.
    @return: the text of C{--help-provider NAME}: how to choose the
        provider, the form of its ARGS, the settings it reads and its long
        help.
    @raise usage.UsageError: L{findByName} found no single provider, or it
        is not a usable factory.
    """
    service, factory = findByName(name, package)
    registry.checkFactory(service, factory.name, factory)
    default = " (the default)" if factory.name == service.default else ""
    lines = ["--%s %s%s" % (service.option, factory.name, default),
             "ARGS: %s" % (factory.argumentsFormat,),
             "Settings it reads: %s" % (", ".join("--" + s for s in factory.settings) or "none",),
             "Provides: %s" % (service.interface.__name__,),
             ""]
    lines.extend(("  " + line).rstrip() for line in factory.longHelp.strip().splitlines())
    return "\n".join(lines) + "\n"


class ProviderOptions:
    """
    A mixin for L{usage.Options}: one C{--SERVICE NAME[:ARGS]} option per
    service, C{--help-providers} and C{--help-provider}.

    A choice is checked as it is parsed (L{registry.checkChoice}): an unknown
    name is a usage error that lists the installed ones, and so are ARGS the
    provider refuses. L{checkProviders}, to be called from C{postOptions},
    checks what needs every option (L{registry.checkBeforeMaking}) for every
    service, the defaults included.

    @ivar _factories: the factory of each choice checked as it was parsed,
        by service option.
    """

    def __init__(self):
        self["providers"] = {service.option: service.default for service in registry.SERVICES}
        self._factories = {}

    def settingNames(self):
        """
        @return: the names of the options a provider may ask for: all of them
            but the component secret and the provider choices.
        """
        return [name for name in self
                if name != "providers" and name not in registry.SECRET_SETTINGS]

    def _chooseProvider(self, option, choice):
        service = registry.serviceFor(option)
        self._factories[option] = registry.checkChoice(service, choice, self.settingNames())
        self["providers"][option] = choice

    def checkProviders(self, database):
        """
        Check every service's choice against the whole command line.

        Services left at their default follow the database: with
        C{--db postgresql://...}, each service that has an installed
        provider named C{postgresql} uses it (the default ones, made for a
        SQLite file, could not use that URL); a provider chosen on the
        command line or in the configuration file stays as chosen.

        @param database: the C{--db} URL.
        @raise usage.UsageError: a chosen provider could not be made or used.
        """
        if database.startswith(POSTGRESQL):
            self._followDatabase(POSTGRESQL_PROVIDER)
        for service in registry.SERVICES:
            choice = self["providers"][service.option]
            factory = self._factories.get(service.option)
            if factory is None:
                factory = registry.checkChoice(service, choice, self.settingNames())
            registry.checkBeforeMaking(service, choice, factory, database)

    def _followDatabase(self, name):
        for service in registry.SERVICES:
            if service.option in self._factories:
                continue
            if name in registry.findFactories(service):
                self["providers"][service.option] = name

    def opt_help_providers(self):
        """
        List every installed provider of each service and exit.
        """
        sys.stdout.write(registry.describeProviders())
        sys.exit(0)

    def opt_help_provider(self, name):
        """
        Show a provider's help and ARGS format and exit (SERVICE:NAME or NAME).
        """
        sys.stdout.write(describeProvider(name))
        sys.exit(0)


def _addChoiceOption(option):
    service = registry.serviceFor(option)

    def opt(self, choice):
        self._chooseProvider(option, choice)

    opt.__doc__ = ("Provider of %s, as NAME[:ARGS] [default: %s]"
                   % (service.interface.__name__, service.default))
    setattr(ProviderOptions, "opt_" + option.replace("-", "_"), opt)


for _service in registry.SERVICES:
    _addChoiceOption(_service.option)
