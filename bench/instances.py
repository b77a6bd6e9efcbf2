"""
Several instances behind ejabberd (C{--instance-id}, PostgreSQL): groupchat
messages/s through one, two and three instances of the real C{twistd
mucservice}, on loopback.

    .venv/bin/python bench/instances.py [--instances 1,2,3] [--rooms 30]
        [--occupants 4] [--messages 50] [--rounds 3] [--json PATH]

For each number of instances: a throwaway ejabberd whose component domain
is balanced by the bare destination over that many connections
(C{domain_balancing}; one connection needs none), a fresh database in a
throwaway PostgreSQL, and the instances, each with the PostgreSQL room
store, hat store and join tracker. Many rooms, so that the balancing
spreads them: each room gets its own clients (C{--occupants}, one of which
made it), and in each room one client sends C{--messages} messages back to
back, every room at once. Timed: from the first message sent until every
client has every copy. Reported, for the median round: messages/s (room
messages, each reflected to every occupant and stored), deliveries/s
(copies read by the clients), the processor time the instances (all of
them), ejabberd and the clients (this process) used meanwhile (100 %: one
core busy all along), and
how many rooms each instance served.

What must not decide the result, and how it is kept out: authentication and
joins (done before anything is timed), the service's rate limits (raised
out of the way), pings and offline copies (off), and the warm-up (a first
burst, not counted, loads the rooms' history and the instances' caches).
The clients, ejabberd, PostgreSQL and the instances share the machine's
cores: on a machine of few cores the instances compete with the rest, and
the figures say what one machine does, not what instances on machines of
their own would.
"""

import argparse
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from e2e import awaitCopies, joinAll  # noqa: E402

from mucservice.devserver.ejabberd import LocalEjabberd, ejabberdBinary  # noqa: E402
from mucservice.devserver.postgres import LocalPostgres, cannotStart  # noqa: E402
from mucservice.devserver.run import ServiceProcess  # noqa: E402
from tests.integration.xmppclient import XMPPClient  # noqa: E402

DOMAIN = "localhost"
SERVICE = "muc.localhost"
PASSWORD = "bench-password"
NS_MUC = "http://jabber.org/protocol/muc"

#: The instances' options besides their id: the shared stores, and the
#: limits out of the way (one client makes a room and says everything).
OPTIONS = ["--room-store", "postgresql", "--hat-store", "postgresql",
           "--join-tracker", "postgresql", "--pinger", "none", "--offline-delivery", "none",
           "--message-rate", "1000000000/1", "--presence-rate", "1000000000/1",
           "--join-rate", "1000000000/1", "--room-creation-rate", "1000000000/1"]


def missing():
    """
    @return: why the benchmark cannot run here, or L{None}.
    """
    if ejabberdBinary() is None:
        return "ejabberd is not installed (apt-get install ejabberd)"
    return cannotStart()


class Deployment:
    """
    ejabberd balancing one component domain over C{count} instances, all
    on one fresh database.
    """

    def __init__(self, folder, postgres, count):
        self.ejabberd = LocalEjabberd(os.path.join(folder, "ejabberd"), componentJID=SERVICE,
                                      componentNumber=count if count > 1 else None,
                                      logLevel="warning")
        self.database = postgres.createDatabase("bench_%d_%d" % (count, os.getpid()))
        self.instances = []
        self.clients = []
        self.ejabberd.start()
        try:
            secretFile = os.path.join(folder, "secret")
            with open(secretFile, "w") as f:
                f.write(self.ejabberd.componentSecret)
            for n in range(count):
                name = "i%d" % (n + 1,)
                instance = ServiceProcess(os.path.join(folder, name), SERVICE, secretFile,
                                          self.ejabberd.componentPort, self.database,
                                          extraArgs=OPTIONS + ["--instance-id", name])
                self.instances.append(instance)
                instance.start()
            for instance in self.instances:
                instance.waitConnected()
        except BaseException:
            self.stop()
            raise

    def connect(self, count):
        """
        Log in C{count} more clients, each an account of its own.
        """
        made = []
        for _ in range(count):
            user = "bench%d" % (len(self.clients),)
            self.ejabberd.registerUser(user, PASSWORD)
            client = XMPPClient.connect("127.0.0.1", self.ejabberd.c2sPort, DOMAIN, user,
                                        PASSWORD, resource="r")
            client.send("<presence/>")
            self.clients.append(client)
            made.append(client)
        return made

    def spread(self):
        """
        @return: how many rooms each instance serves, by instance id.
        """
        import psycopg

        with psycopg.connect(self.database, autocommit=True) as connection:
            return dict(connection.execute(
                "SELECT instance_id, count(*) FROM room_leases GROUP BY instance_id"
                " ORDER BY instance_id").fetchall())

    def stop(self):
        for client in self.clients:
            client.sock.close()
        for instance in self.instances:
            instance.stop()
        self.ejabberd.stop()


def burstAll(rooms, messages, tag):
    """
    The first client of every room sends C{messages} messages to its room,
    all rooms at once; @return: the seconds until every client of every
    room has every copy.
    """
    texts = [(clients[0].sock, "".join(
        "<message to='%s' type='groupchat' id='%s-%d'><body>Message %d, of an ordinary "
        "length for a chat in a room.</body></message>" % (room, tag, k, k)
        for k in range(messages)).encode("utf-8")) for room, clients in rooms.items()]
    start = time.perf_counter()
    for sock, text in texts:
        sock.sendall(text)
    awaitCopies([client.sock for clients in rooms.values() for client in clients], messages,
                start + 600)
    return time.perf_counter() - start


def cpuSeconds(pid):
    """
    @return: the processor time process C{pid} has used (user and system),
        in seconds, or L{None} where C{/proc} cannot tell.
    """
    try:
        with open("/proc/%d/stat" % (pid,)) as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(folder, postgres, count, options):
    """
    @return: the figures of C{count} instances: the median messages/s and
        deliveries/s over the rounds, the processor time the instances and
        ejabberd used in the median round (1.0: one core), and the rooms
        each instance served.
    """
    deployment = Deployment(os.path.join(folder, "n%d" % (count,)), postgres, count)
    try:
        rooms = {}
        for r in range(options.rooms):
            room = "bench%d@%s" % (r, SERVICE)
            rooms[room] = deployment.connect(options.occupants)
            joinAll(rooms[room], room)
        burstAll(rooms, min(options.messages, 5), "warm")
        groups = {"instances": [i.process.pid for i in deployment.instances],
                  "ejabberd": [deployment.ejabberd.process.pid], "clients": [os.getpid()]}
        rounds = []
        for n in range(options.rounds):
            before = {name: [cpuSeconds(pid) for pid in pids] for name, pids in groups.items()}
            seconds = burstAll(rooms, options.messages, "r%d" % (n,))
            rounds.append((seconds, {
                name: _share(before[name], [cpuSeconds(pid) for pid in pids], seconds)
                for name, pids in groups.items()}))
        spread = deployment.spread()
    finally:
        deployment.stop()
    seconds, cpu = sorted(rounds, key=lambda r: r[0])[len(rounds) // 2]
    sent = options.rooms * options.messages
    return {"messages_per_second": sent / seconds,
            "deliveries_per_second": sent * options.occupants / seconds,
            "seconds": [r[0] for r in rounds], "cpu": cpu, "rooms_per_instance": spread}


def _share(before, after, seconds):
    """
    @return: the processor time used between two readings of
        L{cpuSeconds}, as a share of C{seconds} (1.0: one core), or L{None}.
    """
    if None in before or None in after:
        return None
    return (sum(after) - sum(before)) / seconds


def _percent(share):
    return "?" if share is None else "%.0f %%" % (100 * share,)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--instances", default="1,2,3")
    parser.add_argument("--rooms", type=int, default=30)
    parser.add_argument("--occupants", type=int, default=4)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the figures there")
    options = parser.parse_args(argv)
    why = missing()
    if why is not None:
        parser.exit(2, "bench/instances.py cannot run here: %s\n" % (why,))
    counts = [int(n) for n in options.instances.split(",") if n]
    figures = {}
    with tempfile.TemporaryDirectory(prefix="mucservice-instances-") as folder:
        with LocalPostgres() as postgres:
            for count in counts:
                figures[count] = measure(folder, postgres, count, options)
    print("%d rooms of %d occupants, %d messages per room and round, %d rounds"
          % (options.rooms, options.occupants, options.messages, options.rounds))
    print("%-10s %12s %14s %10s %10s %10s  %s" % (
        "instances", "messages/s", "deliveries/s", "CPU inst.", "CPU ejab.", "CPU clients",
        "rooms per instance"))
    for count in counts:
        row = figures[count]
        print("%-10d %12.0f %14.0f %10s %10s %10s  %s" % (
            count, row["messages_per_second"], row["deliveries_per_second"],
            _percent(row["cpu"]["instances"]), _percent(row["cpu"]["ejabberd"]),
            _percent(row["cpu"]["clients"]),
            " ".join("%s:%d" % item for item in sorted(row["rooms_per_instance"].items()))))
    if options.json:
        with open(options.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "machine": {"cpus": os.cpu_count()},
                       "options": vars(options), "figures": figures}, f, indent=2)
    return figures


if __name__ == "__main__":
    main()
