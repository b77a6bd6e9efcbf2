"""
A throwaway PostgreSQL on loopback, for the tests of the PostgreSQL
providers and of several instances sharing one database.

A L{LocalPostgres} keeps its cluster (data, socket, log) in a folder of its
own, made with C{initdb} and run with C{pg_ctl} on a free loopback port,
with a socket directory of its own, so that it never meets the cluster of
the Debian package (which it neither starts nor needs). PostgreSQL refuses
to run as root: as root, the folder is given to the C{postgres} user and
the programs run as that user (C{runuser}). Its one role, a superuser, is
trusted on loopback without a password; it is for tests only.

Blocking code built on L{subprocess}: not for use inside the reactor.
"""

import glob
import os
import shutil
import subprocess
import tempfile

from mucservice.devserver.process import freePorts, program, tail

#: The role and database made in the cluster.
USER = DATABASE = "mucservice"

#: Settings for a cluster whose data does not matter: nothing waits for the
#: disk.
FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def postgresBinaries():
    """
    Find the folder of PostgreSQL's server programs: the C{PATH}'s, or the
    newest of C{/usr/lib/postgresql/*/bin}, where Debian installs them.

    @return: the folder, or L{None} if PostgreSQL is not installed.
    """
    found = program("pg_ctl")
    if found is not None and os.path.exists(os.path.join(os.path.dirname(found), "initdb")):
        return os.path.dirname(os.path.realpath(found))
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                     key=lambda path: [int(part) for part in path.split("/")[-2].split(".")
                                       if part.isdigit()])
    for folder in reversed(folders):
        if os.path.exists(os.path.join(folder, "pg_ctl")):
            return folder
    return None


def cannotStart():
    """
    @return: why no L{LocalPostgres} can start here, or L{None} if it can.
    """
    if postgresBinaries() is None:
        return ("PostgreSQL is not installed (.ci/run installs it with apt-get install "
                "postgresql)")
    if os.geteuid() == 0 and _postgresUser() is None:
        return "PostgreSQL refuses to run as root, and there is no postgres user"
    return None


def _postgresUser():
    import pwd

    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


class LocalPostgres:
    """
    A PostgreSQL cluster of its own on loopback, run as a child of
    C{pg_ctl}.

    @ivar folder: the folder that holds everything (absolute path).
    @ivar port: the TCP port it listens on, on C{interface}.
    @ivar interface: the loopback address.
    @ivar dataPath: C{folder/data}, the cluster.
    @ivar socketPath: C{folder/socket}, its Unix socket directory.
    @ivar logPath: C{folder/postgres.log}.
    """

    name = "PostgreSQL"

    def __init__(self, folder=None, port=None, interface="127.0.0.1"):
        """
        @param folder: where to keep the cluster; a new temporary folder when
            L{None}, removed by L{stop}. As root it must be a folder the
            C{postgres} user may reach.
        @param port: the port; a free one when L{None}.
        """
        self._ownFolder = folder is None
        self.folder = os.path.abspath(folder or tempfile.mkdtemp(prefix="mucservice-pg-"))
        self.port = port if port is not None else freePorts(1, interface)[0]
        self.interface = interface
        self.dataPath = os.path.join(self.folder, "data")
        self.socketPath = os.path.join(self.folder, "socket")
        self.logPath = os.path.join(self.folder, "postgres.log")
        self.started = False

    def __repr__(self):
        return "<LocalPostgres %s:%d %s>" % (self.interface, self.port, self.folder)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *excInfo):
        self.stop()

    def url(self, database=DATABASE):
        """
        @return: the C{postgresql://} URL of C{database} in this cluster.
        """
        return "postgresql://%s@%s:%d/%s" % (USER, self.interface, self.port, database)

    def _run(self, *args, timeout=60):
        """
        Run one of PostgreSQL's programs, as the C{postgres} user when root.

        @raise RuntimeError: it failed; the message holds its output and the
            end of the log.
        """
        command = [os.path.join(postgresBinaries(), args[0])] + list(args[1:])
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--"] + command
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout,
                              cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s\n--- %s\n%s" % (
                " ".join(args[:2]), done.returncode, done.stdout, self.logPath,
                tail(self.logPath)))
        return done.stdout

    def start(self, timeout=30):
        """
        Make the cluster if there is none, start it and make the database
        L{DATABASE}, owned by the role L{USER}.

        @raise RuntimeError: PostgreSQL is not installed, or did not start
            within C{timeout} seconds; the message says why.
        """
        why = cannotStart()
        if why is not None:
            raise RuntimeError(why)
        os.makedirs(self.socketPath, exist_ok=True)
        if os.geteuid() == 0:
            user = _postgresUser()
            for path in (self.folder, self.socketPath):
                os.chown(path, user.pw_uid, user.pw_gid)
        fresh = not os.path.exists(os.path.join(self.dataPath, "PG_VERSION"))
        if fresh:
            self._run("initdb", "-D", self.dataPath, "-U", USER, "-A", "trust", "-E", "UTF8",
                      "--no-sync")
        options = ["-c listen_addresses=%s" % (self.interface,), "-p %d" % (self.port,),
                   "-k %s" % (self.socketPath,)] + ["-c %s" % (setting,) for setting in FAST]
        self._run("pg_ctl", "-D", self.dataPath, "-l", self.logPath, "-w",
                  "-t", str(int(timeout)), "-o", " ".join(options), "start",
                  timeout=timeout + 10)
        self.started = True
        if fresh:
            self.createDatabase(DATABASE)

    def createDatabase(self, name):
        """
        Make another database in the cluster, owned by L{USER}.

        @return: its URL.
        """
        self._run("createdb", "-h", self.interface, "-p", str(self.port), "-U", USER, name)
        return self.url(name)

    def stop(self):
        """
        Stop the cluster at once (its data does not matter) and, if the
        folder was made for it, remove it.
        """
        if self.started:
            self.started = False
            try:
                self._run("pg_ctl", "-D", self.dataPath, "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass
        if self._ownFolder:
            shutil.rmtree(self.folder, ignore_errors=True)
