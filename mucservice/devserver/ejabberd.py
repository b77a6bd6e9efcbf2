"""
A throwaway ejabberd on loopback, for the integration tests that run the
service behind ejabberd instead of Prosody.

A L{LocalEjabberd} keeps everything it writes (configuration, Mnesia spool,
logs, pid file) in its folder. It runs ejabberd in the foreground as
C{/usr/sbin/ejabberdctl} would, but without ejabberdctl or epmd: one Erlang
VM, not distributed, C{erl -noinput -mnesia dir SPOOL -s ejabberd}, which
SIGTERM stops. It listens on loopback only, on free ports unless told
otherwise, allows plain-text authentication and in-band registration
(without ejabberd's pause between two registrations), makes accounts
through its HTTP API (C{register}), keeps messages for offline users
(C{mod_offline}), and declares one external component (XEP-0114,
C{ejabberd_service}) for mucservice.

Blocking code built on L{subprocess}: not for use inside the reactor.
"""

import glob
import json
import os
import re
import secrets
import time
import urllib.error
import urllib.request

from mucservice.devserver.process import ServerProcess, freePorts, program, readFile

#: The script of the Debian package that sets C{ERL_LIBS}, read by
#: L{erlLibs}.
EJABBERDCTL = "/usr/sbin/ejabberdctl"

#: The configuration, as JSON (which is YAML); C{{...}} are filled in.
CONFIG_TEMPLATE = """\
{{
  "hosts": [{domain}],
  "loglevel": {logLevel},
  "log_rotate_count": 0,
  "registration_timeout": "infinity",
  "auth_method": "internal",
  "auth_password_format": "plain",
  "listen": [
    {{"port": {c2sPort}, "ip": {interface}, "module": "ejabberd_c2s",
      "starttls_required": false}},
    {{"port": {componentPort}, "ip": {interface}, "module": "ejabberd_service",
      "hosts": {{{componentJID}: {{"password": {componentSecret}}}}}}},
    {{"port": {httpPort}, "ip": {interface}, "module": "ejabberd_http",
      "request_handlers": {{"/api": "mod_http_api"}}}}
  ],
  "api_permissions": {{"accounts from loopback": {{
    "from": ["mod_http_api"], "who": {{"ip": "127.0.0.0/8"}},
    "what": ["register", "change_password"]}}}},
  "acl": {{"local": {{"user_regexp": ""}}}},
  "access_rules": {{"register": {{"allow": "all"}}, "local": {{"allow": "local"}},
                    "c2s": {{"allow": "all"}}}},
  "shaper_rules": {{"max_user_offline_messages": 1000}},{balancing}
  "modules": {{
    "mod_admin_extra": {{}},
    "mod_disco": {{}},
    "mod_offline": {{"access_max_user_messages": "max_user_offline_messages"}},
    "mod_ping": {{}},
    "mod_register": {{"ip_access": "all", "access": "register"}},
    "mod_roster": {{}}{extraModules}
  }}
}}
"""


def erlLibs():
    """
    @return: the folder of ejabberd's Erlang applications, as
        C{ejabberdctl} sets it in C{ERL_LIBS} (C{/usr/lib/x86_64-linux-gnu}
        on amd64), or L{None} if ejabberd is not installed.
    """
    found = re.search(r"^ERL_LIBS=['\"]?([^'\"\n]+)", readFile(EJABBERDCTL), re.MULTILINE)
    if found is None:
        return None
    folder = found.group(1)
    if not glob.glob(os.path.join(folder, "ejabberd-*", "ebin")):
        return None
    return folder


def ejabberdBinary():
    """
    Find the Erlang VM that runs ejabberd.

    @return: the path of C{erl}, or L{None} if ejabberd is not installed.
    @rtype: L{str} or L{None}
    """
    erl = program("erl")
    if erl is None or erlLibs() is None:
        return None
    return erl


class LocalEjabberd(ServerProcess):
    """
    An ejabberd of its own on loopback, run as a child process.

    @ivar folder: the folder that holds everything (absolute path).
    @ivar domain: the client domain (its one host).
    @ivar componentJID: the external component's JID.
    @ivar componentSecret: the password the component authenticates with.
    @ivar interface: the address all the ports listen on.
    @ivar c2sPort: the client port (plain text allowed).
    @ivar componentPort: the external component port (XEP-0114).
    @ivar httpPort: the port of ejabberd's HTTP API (C{mod_http_api}), which
        makes accounts for L{registerUser}.
    @ivar logLevel: ejabberd's C{loglevel}.
    @ivar extraModules: module name to its options (a L{dict}), loaded
        besides those of the template.
    @ivar configPath: C{folder/ejabberd.yml}.
    @ivar logPath: C{folder/logs/ejabberd.log}; errors also go to
        C{folder/logs/error.log}.
    @ivar outputPath: C{folder/ejabberd.out}, the VM's stdout and stderr.
    @ivar spoolPath: C{folder/spool}, the Mnesia database: accounts,
        offline messages.
    @ivar process: the running L{subprocess.Popen}, or L{None}.
    """

    name = "ejabberd"

    def __init__(self, folder, domain="localhost", componentJID="muc.localhost",
                 componentSecret=None, interface="127.0.0.1", c2sPort=None,
                 componentPort=None, httpPort=None, logLevel="info", extraModules=None,
                 componentNumber=None):
        """
        @param folder: where to keep everything; made when needed.
        @param componentSecret: the component password; a random one when
            L{None}.
        @param c2sPort: the client port; a free one when L{None}, and so for
            C{componentPort} and C{httpPort}.
        @param componentNumber: how many connections share the component
            (C{domain_balancing} by the bare destination: one room always
            reaches one of them), or L{None} for one.
        """
        self.folder = os.path.abspath(folder)
        self.domain = domain
        self.componentJID = componentJID
        self.componentSecret = componentSecret or secrets.token_urlsafe(24)
        self.interface = interface
        free = iter(freePorts(3, interface))
        self.c2sPort = c2sPort if c2sPort is not None else next(free)
        self.componentPort = componentPort if componentPort is not None else next(free)
        self.httpPort = httpPort if httpPort is not None else next(free)
        self.logLevel = logLevel
        self.extraModules = dict(extraModules or {})
        self.componentNumber = componentNumber
        self.configPath = os.path.join(self.folder, "ejabberd.yml")
        self.logPath = os.path.join(self.folder, "logs", "ejabberd.log")
        self.outputPath = os.path.join(self.folder, "ejabberd.out")
        self.spoolPath = os.path.join(self.folder, "spool")
        self.process = None
        self._output = None

    def configText(self):
        """
        @return: the configuration for the current attributes (JSON, which
            ejabberd reads as the YAML it is).
        @rtype: L{str}
        """
        extra = "".join(",\n    %s: %s" % (json.dumps(name), json.dumps(options))
                        for name, options in sorted(self.extraModules.items()))
        balancing = ""
        if self.componentNumber:
            balancing = '\n  "domain_balancing": %s,' % (json.dumps({self.componentJID: {
                "type": "bare_destination", "component_number": self.componentNumber}}),)
        text = CONFIG_TEMPLATE.format(
            domain=json.dumps(self.domain), logLevel=json.dumps(self.logLevel),
            c2sPort=int(self.c2sPort), componentPort=int(self.componentPort),
            httpPort=int(self.httpPort),
            interface=json.dumps(self.interface), componentJID=json.dumps(self.componentJID),
            componentSecret=json.dumps(self.componentSecret), extraModules=extra,
            balancing=balancing)
        json.loads(text)  # a template or an option that breaks it fails here, not in ejabberd
        return text

    def writeConfig(self):
        """
        Write the configuration file, making the folder, its spool and its
        log folder.

        @return: the path of the configuration file.
        """
        for path in (self.spoolPath, os.path.dirname(self.logPath)):
            os.makedirs(path, mode=0o750, exist_ok=True)
        with open(os.open(self.configPath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                  "w") as f:
            f.write(self.configText())
        return self.configPath

    def environment(self):
        """
        @return: the environment ejabberd runs in: what C{ejabberdctl} sets,
            pointed at the folder.
        """
        env = dict(os.environ)
        env.update(EJABBERD_CONFIG_PATH=self.configPath, EJABBERD_LOG_PATH=self.logPath,
                   EJABBERD_PID_PATH=os.path.join(self.folder, "ejabberd.pid"),
                   ERL_CRASH_DUMP=os.path.join(self.folder, "erl_crash.dump"),
                   HOME=self.folder, ERL_LIBS=erlLibs())
        return env

    def start(self, timeout=30):
        """
        Start ejabberd in the foreground as a child process and wait until
        its HTTP and component ports accept connections and its client port
        serves streams. The configuration is written first.

        @param timeout: how many seconds to wait for the ports.
        @raise RuntimeError: ejabberd is not installed, is already running,
            exited, could not open one of its ports, or did not serve within
            C{timeout} seconds; the message holds the end of its log.
            ejabberd is not left running then.
        """
        erl = ejabberdBinary()
        if erl is None:
            raise RuntimeError("ejabberd is not installed")
        if not self.running:
            self.writeConfig()
        # ejabberd exits when it cannot open a port.
        self.spawn([erl, "-noinput", "-mnesia", "dir", '"%s"' % (self.spoolPath,),
                    "-s", "ejabberd"], timeout,
                   [(self.httpPort, None), (self.componentPort, None),
                    (self.c2sPort, self.domain)],
                   cwd=self.folder, env=self.environment())

    def restart(self, timeout=30):
        """
        Stop ejabberd and start it again on the same ports, with the same
        spool (accounts and offline messages are kept).
        """
        ServerProcess.restart(self, timeout)

    def waitForLog(self, text, timeout=10):
        """
        Wait until ejabberd's log holds C{text} (its log is the only place
        where it says, for example, that it closed a client's session).

        @raise RuntimeError: it did not within C{timeout} seconds.
        """
        deadline = time.monotonic() + timeout
        while text not in readFile(self.logPath):
            if time.monotonic() > deadline:
                raise RuntimeError(self._failure("ejabberd did not log %r in %ss"
                                                 % (text, timeout)))
            time.sleep(0.05)

    def registerUser(self, user, password):
        """
        Make an account through ejabberd's HTTP API (C{register}); if it
        exists, change its password instead, as C{prosodyctl register}
        does. ejabberd must be running.

        @param user: the local part of the JID.
        @return: the bare JID made.
        @rtype: L{str}
        @raise RuntimeError: ejabberd refused; the message holds its answer.
        """
        status, answer = self._api("register", user=user, host=self.domain,
                                   password=password)
        if status == 409:
            status, answer = self._api("change_password", user=user, host=self.domain,
                                       newpass=password)
        if status != 200:
            raise RuntimeError("ejabberd did not register %s@%s (%d): %s"
                               % (user, self.domain, status, answer))
        return "%s@%s" % (user, self.domain)

    def _api(self, command, **arguments):
        """
        Call a command of ejabberd's HTTP API.

        @return: the HTTP status and the answer's text.
        """
        request = urllib.request.Request(
            "http://%s:%d/api/%s" % (self.interface, self.httpPort, command),
            data=json.dumps(arguments).encode("utf-8"),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")
