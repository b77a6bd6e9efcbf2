"""
C{mucservice-admin}: the administration of a running mucservice from a
shell, for scripts and cron.

It logs in to the XMPP server as one of the service's administrators
(C{--admin}) and runs the service's ad-hoc commands
(L{mucservice.xmpp.servicecommands}), one subcommand each, in one step;
lists and rooms are printed as JSON, other results as the service's note.
C{import-prosody} is the exception: it reads a Prosody data directory and
writes its rooms into the database of a stopped mucservice
(L{mucservice.admin.prosody}), without XMPP.

    mucservice-admin --jid admin@example.org --service muc.example.org list-rooms

The connection comes from options or the environment:
C{MUCSERVICE_ADMIN_JID}, C{MUCSERVICE_ADMIN_PASSWORD} (or
C{--password-file}), C{MUCSERVICE_ADMIN_SERVICE}, C{MUCSERVICE_ADMIN_HOST}
(the JID's domain by default), C{MUCSERVICE_ADMIN_PORT} (5222) and
C{MUCSERVICE_ADMIN_TLS} (C{required} by default; C{optional} uses TLS when
the server offers it). Exit status: 0 done, 1 refused or failed, 2 a
wrong command line.
"""

from mucservice import _compat  # noqa: F401  (before any wokkel import)

# isort: split

import argparse
import json
import os
import sys

from twisted.internet import defer, task
from twisted.python import usage

from mucservice import address, errors
from mucservice.admin.client import AdminSession, CommandFailed, formData, notes
from mucservice.admin.prosody import addImportCommand, runImport
from mucservice.xmpp.namespaces import ADMIN_FORM_TYPE
from mucservice.xmpp.servicecommands import COMMANDS

DESCRIPTION = ("Administer a running mucservice: log in to the XMPP server as one of the "
               "service's administrators (--admin) and run one of its administration "
               "commands. Lists and rooms are printed as JSON. import-prosody instead writes "
               "the rooms of a Prosody data directory into the database of a stopped "
               "mucservice.")
EPILOG = ("Exit status: 0 done, 1 refused or failed (the reason on standard error), 2 a "
          "wrong command line. 'mucservice-admin COMMAND --help' describes a command.")

#: Field name to the name of its positional argument, for required fields.
_POSITIONALS = {"roomjid": "room", "accountjid": "user", "hat": "hat", "json": "file",
                "body": "text"}

#: The commands whose result is data, printed as JSON.
_DATA_COMMANDS = ("list-rooms", "show-room", "export-room")


def _environ(name, default=None):
    return os.environ.get("MUCSERVICE_ADMIN_" + name, default)


def _commandName(node):
    return node[len(ADMIN_FORM_TYPE) + 1:]


def _addCommand(commands, node):
    """
    Add the subcommand of a service command: a positional argument for
    each required field of its form, an option for each other.
    """
    name, _, fields = COMMANDS[node]
    parser = commands.add_parser(_commandName(node), help=name, description=name + ".")
    parser.set_defaults(node=node)
    for kind, var, label, isRequired in fields or ():
        if isRequired:
            nargs = "+" if var == "body" else None
            parser.add_argument(_POSITIONALS[var], metavar=_POSITIONALS[var].upper(),
                                nargs=nargs, help=label + (" ('-': standard input)"
                                                           if var == "json" else ""))
        elif kind == "boolean":
            parser.add_argument("--" + var, action="store_true", help=label)
        else:
            parser.add_argument("--" + var, help=label)
    if node.endswith(":list-rooms"):
        parser.add_argument("--after", metavar="ROOM",
                            help="list one page, of the rooms after ROOM")


def makeParser():
    """
    @return: the L{argparse.ArgumentParser} of C{mucservice-admin}.
    """
    parser = argparse.ArgumentParser(prog="mucservice-admin", description=DESCRIPTION,
                                     epilog=EPILOG)
    connection = parser.add_argument_group("the connection (or MUCSERVICE_ADMIN_...)")
    connection.add_argument("--jid", default=_environ("JID"),
                            help="an administrator's JID (--admin of the service)")
    connection.add_argument("--password", default=_environ("PASSWORD"))
    connection.add_argument("--password-file", help="read the password from this file")
    connection.add_argument("--service", default=_environ("SERVICE"),
                            help="the MUC service's JID, e.g. muc.example.org")
    connection.add_argument("--host", default=_environ("HOST"),
                            help="the XMPP server [default: the JID's domain]")
    connection.add_argument("--port", type=int, default=int(_environ("PORT", "5222")))
    connection.add_argument("--tls", choices=("required", "optional"),
                            default=_environ("TLS", "required"))
    connection.add_argument("--timeout", type=float, default=30.0,
                            help="seconds to wait for each step [default: 30]")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for node in COMMANDS:
        _addCommand(commands, node)
    addImportCommand(commands)
    return parser


def _jid(parser, text, what):
    try:
        return address.parseJID(text)
    except errors.JIDMalformed as e:
        parser.error("%s is not a JID: %r (%s)" % (what, text, e.text))


def _fields(options):
    """
    @return: the submitted fields of the command the options ask for, or
        L{None} for a command without a form.
    """
    fields = COMMANDS[options.node][2]
    if fields is None:
        return {"after": options.after} if options.after else None
    values = {}
    for kind, var, _, isRequired in fields:
        value = getattr(options, _POSITIONALS[var] if isRequired else var)
        if var == "json":
            with (sys.stdin if value == "-" else open(value, encoding="utf-8")) as f:
                value = f.read()
        elif var == "body":
            value = " ".join(value)
        elif kind == "boolean":
            value = "1" if value else "0"
        if value is not None:
            values[var] = value
    return values


@defer.inlineCallbacks
def runCommand(reactor, options, out):
    """
    Log in, run the command, print what it gave, log out.
    """
    session = AdminSession(reactor, options.jid, options.password, options.service,
                           options.tls == "required", options.timeout)
    yield session.connect(options.host or options.jid.host, options.port)
    try:
        fields = _fields(options)
        command = yield session.execute(options.node, fields)
        name = _commandName(options.node)
        if name == "list-rooms" and not options.after:
            rooms = formData(command)
            while any(kind == "warn" for kind, _ in notes(command)) and rooms:
                command = yield session.execute(options.node, {"after": rooms[-1]["roomjid"]})
                rooms.extend(formData(command))
            _printJSON(rooms, out)
        elif name in _DATA_COMMANDS:
            data = formData(command)
            _printJSON(json.loads("\n".join(data["json"])) if name == "export-room" else data,
                       out)
            for kind, text in notes(command):
                print("%s: %s" % (kind, text), file=sys.stderr)
        else:
            for _, text in notes(command):
                print(text, file=out)
    finally:
        session.close()


def _printJSON(data, out):
    for row in data if isinstance(data, list) else [data]:
        if "occupants" in row and row["occupants"].isdigit():
            row["occupants"] = int(row["occupants"])
    json.dump(data, out, indent=2, sort_keys=True, ensure_ascii=False)
    out.write("\n")


def _connectionOptions(parser, options):
    """
    Check and complete the connection options.
    """
    if options.password_file:
        with open(options.password_file, encoding="utf-8") as f:
            options.password = f.read().strip()
    for name in ("jid", "password", "service"):
        if not getattr(options, name):
            parser.error("--%s (or MUCSERVICE_ADMIN_%s) is required" % (name, name.upper()))
    options.jid = _jid(parser, options.jid, "--jid")
    options.service = _jid(parser, options.service, "--service")


def main(argv=None, reactor=None, out=None):
    """
    The console script: parse C{argv} (C{sys.argv[1:]} by default), run,
    and exit with the status.
    """
    parser = makeParser()
    options = parser.parse_args(argv)
    out = out or sys.stdout
    if options.command == "import-prosody":
        work = runImport
    else:
        _connectionOptions(parser, options)
        work = runCommand

    def run(reactor):
        d = work(reactor, options, out)

        def failed(failure):
            failure.trap(CommandFailed, errors.Error, OSError, ValueError, usage.UsageError)
            message = getattr(failure.value, "text", None) or str(failure.value)
            print("mucservice-admin: %s" % (message,), file=sys.stderr)
            raise SystemExit(1)

        return d.addErrback(failed)

    if reactor is None:
        task.react(run)
    return run(reactor)
