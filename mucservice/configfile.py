"""
C{--config FILE}: the options of C{twistd mucservice} in a TOML file.

Each key is the name of a long option without its dashes, with the value
it takes (text, a number, C{true} for a flag); C{admins} is the list of
C{--admin}. Provider choices are keys too (C{hat-store = "sql"}). Options
on the command line win over the file: a value given there replaces the
file's, C{--admin} replaces the file's whole list, and either of
C{--secret} and C{--secret-file} replaces both of the file's.

The file is read before the command line is parsed, through the same
parser, so that a value is checked as it would be on the command line; a
wrong one, or a key that is no option, is a usage error of one line that
names the file, the line and the key.

TOML is read with C{tomllib} (Python 3.11), or its backport C{tomli} on
older Pythons: the project supports Python 3.9, which operators find on the
stable distributions they run for years.
"""

import os
import re

from twisted.logger import Logger
from twisted.python import usage

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

log = Logger()

#: Options that are not settings: they act at once, or name the file.
NOT_SETTINGS = frozenset(["config", "help", "version", "help-providers", "help-provider"])

#: The key of the list of C{--admin}.
ADMINS = "admins"

#: Keys that the command line replaces together.
SECRETS = ("secret", "secret-file")


def configPath(argv):
    """
    @return: the FILE of C{--config FILE} or C{--config=FILE} in the
        command line C{argv}, or L{None}.
    """
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--config":
            return argv[index + 1] if index + 1 < len(argv) else None
        if arg.startswith("--config="):
            return arg[len("--config="):]
    return None


def givenOn(argv):
    """
    @return: the names of the long options given in C{argv}.
    """
    names = set()
    for arg in argv:
        if arg == "--":
            break
        if arg.startswith("--"):
            names.add(arg[2:].partition("=")[0])
    return names


def lineOf(text, key):
    """
    @return: the number of the line of C{text} where C{key} is set (or a
        table of that name begins), or L{None}.
    """
    name = re.escape(key)
    pattern = re.compile(r"""^\s*\[*\s*(?:"%s"|'%s'|%s)\s*[=.\]]""" % (name, name, name))
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None


class ConfigFile:
    """
    A configuration file, read.

    @ivar path: where it is.
    @ivar settings: key to value, in the file's order.
    """

    def __init__(self, path):
        """
        @raise usage.UsageError: it cannot be read, or is not TOML.
        """
        self.path = path
        try:
            with open(path, "rb") as f:
                data = f.read()
            self._mode = os.stat(path).st_mode
        except OSError as e:
            raise usage.UsageError("--config %s: cannot read it (%s)" % (path, e.strerror))
        try:
            self._text = data.decode("utf-8")
            self.settings = tomllib.loads(self._text)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise usage.UsageError("--config %s: not valid TOML: %s" % (path, e))

    def error(self, key, message):
        """
        @return: the usage error of C{message} about C{key}, naming the
            file and the line.
        """
        line = lineOf(self._text, key)
        where = " line %d" % (line,) if line is not None else ""
        return usage.UsageError("--config %s%s: %s: %s" % (self.path, where, key, message))

    def warnIfReadable(self):
        """
        Warn when the file holds the component secret and others may read
        it.
        """
        if "secret" in self.settings and self._mode & 0o004:
            log.warn("--config {path} holds the component secret and anybody on this machine "
                     "can read it (mode {mode:o}): chmod 600 {path}", event="config.readable",
                     path=self.path, mode=self._mode & 0o777)

    def arguments(self, options, commandLine):
        """
        The file's settings as command-line arguments, each checked by
        C{options}' own parser.

        @param options: the L{usage.Options} that will parse them.
        @param commandLine: the arguments of the command line: what they
            give is left out.
        @return: a list of arguments, to be parsed before C{commandLine}.
        @raise usage.UsageError: a key is no option, or its value is wrong.
        """
        given = givenOn(commandLine)
        known = {name.rstrip("=") for name in options.longOpt} - NOT_SETTINGS
        arguments = []
        for key, value in self.settings.items():
            if key == ADMINS:
                if not isinstance(value, list):
                    raise self.error(key, "must be a list of JIDs, e.g. [\"boss@example.org\"]")
                tokens = [token for jid in value for token in ("--admin", str(jid))]
                skip = "admin" in given
            elif key not in known:
                raise self.error(key, "no such setting; the settings are the long options "
                                 "of --help, without their dashes, and admins")
            else:
                tokens = self._tokens(key, value, options)
                skip = key in given or (key in SECRETS and given.intersection(SECRETS))
            self._check(options, key, tokens)
            if not skip:
                arguments.extend(tokens)
        self.warnIfReadable()
        return arguments

    def _tokens(self, key, value, options):
        # Options that take a value are listed with a trailing "=".
        if key in options.longOpt:
            if not isinstance(value, bool):
                raise self.error(key, "is a flag: true or false")
            return ["--" + key] if value else []
        if isinstance(value, bool):
            value = "on" if value else "off"
        if not isinstance(value, (str, int, float)):
            raise self.error(key, "must be text, a number or true/false, not %s"
                             % (type(value).__name__,))
        return ["--" + key, str(value)]

    def _check(self, options, key, tokens):
        """
        Parse C{tokens} alone with a parser like C{options}', that checks
        nothing else.
        """
        class Probe(type(options)):
            def postOptions(self):
                pass

        try:
            Probe().parseOptions(tokens)
        except usage.UsageError as e:
            raise self.error(key, str(e))
