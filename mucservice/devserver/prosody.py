"""
A throwaway Prosody on loopback, for C{make run} and the integration tests.

A L{LocalProsody} keeps everything it writes (configuration, data, pid file,
logs) in its folder. It listens on loopback only, on free ports unless told
otherwise, allows plain-text authentication and in-band registration, and
declares one external component (XEP-0114) for mucservice.

Blocking code built on L{subprocess}: not for use inside the reactor.
"""

import os
import secrets
import subprocess

from mucservice.devserver.process import ServerProcess, freePorts, program, readFile

#: The modules loaded besides the ones Prosody always loads.
MODULES = ("roster", "saslauth", "disco", "register", "ping", "dialback", "offline")

#: What Prosody logs (as an error, and then runs on) when a port is taken.
PORT_IN_USE = "Failed to open server port"

CONFIG_TEMPLATE = """\
-- Written by mucservice.devserver.prosody: a throwaway Prosody on loopback.
-- Everything it writes stays in {folder}.

run_as_root = true -- Prosody 0.12 refuses to start as root without it
pidfile = {pidfile}
data_path = {dataPath}
certificates = {certsPath} -- empty: no TLS, but no error about a missing folder
log = {{
    {{ levels = {{ min = {logLevel} }}, to = "file", filename = {logPath} }};
    {{ levels = {{ min = "error" }}, to = "file", filename = {errorLogPath} }};
}}

interfaces = {{ {interface} }}
c2s_ports = {{ {c2sPort} }}
s2s_ports = {{ {s2sPort} }}
component_interface = {interface}
component_ports = {{ {componentPort} }}

c2s_require_encryption = false
allow_unencrypted_plain_auth = true
s2s_secure_auth = false
allow_registration = true
authentication = "internal_hashed"
storage = "internal"

modules_enabled = {{ {modules} }}
{extraConfig}
VirtualHost {domain}

Component {componentJID}
    component_secret = {componentSecret}
{moreComponents}{builtinMUC}"""

#: Another external component (L{LocalProsody.extraComponents}).
COMPONENT_TEMPLATE = """
Component {jid}
    component_secret = {secret}
"""

#: Prosody's own MUC, declared when asked for (L{LocalProsody.builtinMUC}):
#: the differential tests run the same conversations against it and
#: mucservice. Rooms are locked until configured, as mucservice's are.
BUILTIN_MUC_TEMPLATE = """
Component {jid} "muc"
    modules_enabled = {{ "muc_mam" }}
    muc_room_locking = true
"""


def prosodyBinary():
    """
    Find the C{prosody} program.

    @return: its path, or L{None} if Prosody is not installed.
    @rtype: L{str} or L{None}
    """
    return program("prosody")


def freePort(interface="127.0.0.1"):
    """
    @param interface: the address the port must be free on.
    @return: a TCP port that nothing uses at the moment.
    @rtype: L{int}
    """
    return freePorts(1, interface)[0]


def luaString(value):
    """
    @param value: any text.
    @return: C{value} as a double-quoted Lua string literal.
    @rtype: L{str}
    """
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\r", "\\r").replace("\0", "\\0"))
    return '"%s"' % (escaped,)


class LocalProsody(ServerProcess):
    """
    A Prosody of its own on loopback, run as a child process.

    @ivar folder: the folder that holds everything (absolute path).
    @ivar domain: the client domain (the C{VirtualHost}).
    @ivar componentJID: the external component's JID.
    @ivar componentSecret: the secret the component authenticates with.
    @ivar interface: the address all the ports listen on.
    @ivar c2sPort: the client port (plain text allowed).
    @ivar s2sPort: the server-to-server port.
    @ivar componentPort: the external component port (XEP-0114).
    @ivar logLevel: the lowest level written to L{logPath}.
    @ivar extraModules: modules loaded besides L{MODULES}.
    @ivar extraConfig: Lua text added to the global section; it must not
        set an option that the template sets (Prosody refuses duplicates).
    @ivar builtinMUC: the JID of a component running Prosody's own MUC
        (with its archive, C{muc_mam}), or L{None} for none.
    @ivar extraComponents: C{(jid, secret)} of more external components.
    @ivar configPath: C{folder/prosody.cfg.lua}.
    @ivar logPath: C{folder/prosody.log}, everything from L{logLevel} up.
    @ivar errorLogPath: C{folder/prosody.err}, errors only.
    @ivar outputPath: C{folder/prosody.out}, Prosody's stdout and stderr.
    @ivar pidPath: C{folder/prosody.pid}.
    @ivar dataPath: C{folder/data}, accounts and other stored data.
    @ivar certsPath: C{folder/certs}, empty: Prosody offers no TLS.
    @ivar process: the running L{subprocess.Popen}, or L{None}.
    """

    name = "Prosody"

    def __init__(self, folder, domain="localhost", componentJID="muc.localhost",
                 componentSecret=None, interface="127.0.0.1", c2sPort=None, s2sPort=None,
                 componentPort=None, logLevel="info", extraModules=(), extraConfig="",
                 builtinMUC=None, extraComponents=()):
        """
        @param folder: where to keep everything; made when needed.
        @param componentSecret: the component secret; a random one when
            L{None}.
        @param c2sPort: the client port; a free one when L{None}, and so for
            C{s2sPort} and C{componentPort}.
        @param extraModules: names of more Prosody modules to load.
        @param extraConfig: Lua text for the global section, such as
            C{'s2s_timeout = 5'}; nothing when empty.
        @param builtinMUC: the JID of a component to run Prosody's own MUC
            on, such as C{conference.localhost}; none when L{None}.
        @param extraComponents: C{(jid, secret)} pairs: more external
            components to declare, such as a stand-in for a server that
            passes on what Prosody's own client code refuses.
        """
        self.folder = os.path.abspath(folder)
        self.domain = domain
        self.componentJID = componentJID
        if componentSecret is None:
            componentSecret = secrets.token_urlsafe(24)
        self.componentSecret = componentSecret
        self.interface = interface
        free = iter(freePorts(3, interface))
        self.c2sPort = c2sPort if c2sPort is not None else next(free)
        self.s2sPort = s2sPort if s2sPort is not None else next(free)
        self.componentPort = componentPort if componentPort is not None else next(free)
        self.logLevel = logLevel
        self.extraModules = tuple(extraModules)
        self.extraConfig = extraConfig
        self.builtinMUC = builtinMUC
        self.extraComponents = tuple(extraComponents)
        self.configPath = os.path.join(self.folder, "prosody.cfg.lua")
        self.logPath = os.path.join(self.folder, "prosody.log")
        self.errorLogPath = os.path.join(self.folder, "prosody.err")
        self.outputPath = os.path.join(self.folder, "prosody.out")
        self.pidPath = os.path.join(self.folder, "prosody.pid")
        self.dataPath = os.path.join(self.folder, "data")
        self.certsPath = os.path.join(self.folder, "certs")
        self.process = None
        self._output = None

    def configText(self):
        """
        @return: the Lua configuration for the current attributes.
        @rtype: L{str}
        """
        modules = list(MODULES) + [m for m in self.extraModules if m not in MODULES]
        return CONFIG_TEMPLATE.format(
            folder=self.folder,
            pidfile=luaString(self.pidPath),
            dataPath=luaString(self.dataPath),
            certsPath=luaString(self.certsPath),
            logLevel=luaString(self.logLevel),
            logPath=luaString(self.logPath),
            errorLogPath=luaString(self.errorLogPath),
            interface=luaString(self.interface),
            c2sPort=int(self.c2sPort),
            s2sPort=int(self.s2sPort),
            componentPort=int(self.componentPort),
            modules=", ".join(luaString(m) for m in modules),
            extraConfig="\n" + self.extraConfig.strip() + "\n" if self.extraConfig.strip() else "",
            domain=luaString(self.domain),
            componentJID=luaString(self.componentJID),
            componentSecret=luaString(self.componentSecret),
            moreComponents="".join(
                COMPONENT_TEMPLATE.format(jid=luaString(jid), secret=luaString(secret))
                for jid, secret in self.extraComponents),
            builtinMUC=BUILTIN_MUC_TEMPLATE.format(jid=luaString(self.builtinMUC))
            if self.builtinMUC else "")

    def writeConfig(self):
        """
        Write the configuration file, making the folder and its C{data}
        and C{certs} folders.

        @return: the path of the configuration file.
        @rtype: L{str}
        """
        os.makedirs(self.dataPath, mode=0o750, exist_ok=True)
        os.makedirs(self.certsPath, mode=0o750, exist_ok=True)
        with open(os.open(self.configPath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                  "w") as f:
            f.write(self.configText())
        return self.configPath

    def _configIsCurrent(self):
        try:
            with open(self.configPath) as f:
                return f.read() == self.configText()
        except OSError:
            return False

    def start(self, timeout=20):
        """
        Start Prosody in the foreground as a child process and wait until its
        client and component ports accept connections.

        The configuration is (re)written first unless the file already says
        what the attributes say.

        @param timeout: how many seconds to wait for the ports.
        @raise RuntimeError: Prosody is not installed, is already running,
            exited, could not open one of its ports (Prosody itself would
            run on without it), or did not serve within C{timeout} seconds;
            the message holds the end of its log. Prosody is not left
            running then.
        """
        binary = prosodyBinary()
        if binary is None:
            raise RuntimeError("Prosody is not installed")
        if not self.running and not self._configIsCurrent():
            self.writeConfig()
        errorsFrom = os.path.getsize(self.errorLogPath) if os.path.exists(self.errorLogPath) else 0

        def refusal():
            if PORT_IN_USE in readFile(self.errorLogPath, errorsFrom):
                return "Prosody could not listen on all its ports"
            return None

        # Once Prosody answers on the client port it has opened all its
        # ports or logged why not: the log is checked before the other
        # ports, in case another program listens on them.
        self.spawn([binary, "-F", "--config", self.configPath], timeout,
                   [(self.componentPort, None), (self.c2sPort, self.domain)], refusal,
                   cwd=self.folder)

    def registerUser(self, user, password):
        """
        Make an account with C{prosodyctl register}, whether or not Prosody
        runs (accounts are files in L{dataPath}). If the account exists,
        its password is changed: that is what C{prosodyctl register} does.

        @param user: the local part of the JID.
        @param password: its password.
        @return: the bare JID made.
        @rtype: L{str}
        @raise RuntimeError: C{prosodyctl} failed (an invalid user name,
            for example); the message holds its output.
        """
        prosodyctl = program("prosodyctl")
        if prosodyctl is None:
            raise RuntimeError("prosodyctl is not installed")
        if not self._configIsCurrent():
            self.writeConfig()
        result = subprocess.run(
            [prosodyctl, "--config", self.configPath, "register", user, self.domain, password],
            cwd=self.folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=30)
        if result.returncode != 0:
            raise RuntimeError("prosodyctl register %s %s failed (%d):\n%s" % (
                user, self.domain, result.returncode,
                result.stdout.decode("utf-8", "replace")))
        return "%s@%s" % (user, self.domain)
