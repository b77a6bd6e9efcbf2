"""
The registry on the command line: one C{--SERVICE NAME[:ARGS]} option per
service and C{--help-providers}, modelled on the C{--auth} options of
Twisted's C{strcred}.

Nothing here imports or needs the reactor: twistd installs the reactor it was
asked for after the options are parsed.
"""

import sys

from mucservice import registry


class ProviderOptions:
    """
    A mixin for L{usage.Options}: one C{--SERVICE NAME[:ARGS]} option per
    service and C{--help-providers}.

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

        @param database: the C{--db} URL.
        @raise usage.UsageError: a chosen provider could not be made or used.
        """
        for service in registry.SERVICES:
            choice = self["providers"][service.option]
            factory = self._factories.get(service.option)
            if factory is None:
                factory = registry.checkChoice(service, choice, self.settingNames())
            registry.checkBeforeMaking(service, choice, factory, database)

    def opt_help_providers(self):
        """
        List every installed provider of each service and exit.
        """
        sys.stdout.write(registry.describeProviders())
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
