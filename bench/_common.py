"""What the three benchmarks share: the machine, the servers, realistic mail, a timed daemon run.

The servers are the test suite's own (tests/servers): a real Dovecot and the recording aiosmtpd
server on loopback. The daemon always runs as an operator runs it: `python -m mailbot.cli run`
in a subprocess, so its peak RSS is its own (os.wait4 reports it for that one child).
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python3 bench/x.py` puts bench/, not the repo root, on the path
    sys.path.insert(0, str(ROOT))

from tests.harness import env, write_rules  # noqa: E402
from tests.servers.dovecot import DovecotServer, make_self_signed_cert  # noqa: E402
from tests.servers.smtp import RecordingSmtpServer  # noqa: E402

PARIS = timezone(timedelta(hours=1))
DOMAIN = "groupe-exemple.fr"
# The loop caps (10 automatic mails per recipient a day, 300 to all requesters a day) and the cap
# on new tickets per address ([flood], 3 an hour) are right for production, but a backlog of 25
# requests per sender within the hour would hit them: the benchmarks raise them (the global cap
# to its highest value, 5 000) so that every new ticket is acknowledged and
# "all acknowledged" can be checked. Likewise the backlog's pasted "Erreur 809" from many senders
# would make mass incidents (one notice for many): [mass] senders is raised so that every ticket
# still gets its team notice. And a sender's new mail on the subject of a ticket they opened
# minutes before is added to it ([tickets] merge_minutes): the generated backlog repeats subjects,
# so merging is off, and every new mail opens its ticket as in the versions compared with. The
# rules are evaluated and their events counted all the same.
CAP_LINE = "max_automatic_mails = 100000\nmax_automatic_total = 5000"
FLOOD_SECTION = ("\n[flood]\nmax_new_tickets = 100000\n\n[mass]\nsenders = 100000\n"
                 "\n[tickets]\nmerge_minutes = 0\n")

# --- the machine ----------------------------------------------------------------------------------


def machine() -> list[tuple[str, str]]:
    model = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        total_kb = int(info.readline().split()[1])
    return [("nproc", str(os.cpu_count())), ("CPU", model),
            ("RAM", f"{total_kb / 1024 / 1024:.1f} GiB"),
            ("Python", platform.python_version()), ("kernel", platform.release())]


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    print(f"\n{title}")
    print("-" * len(title))
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


# --- the servers ----------------------------------------------------------------------------------


@dataclass
class Servers:
    dovecot: DovecotServer
    smtp: RecordingSmtpServer
    work: Path  # a scratch directory: rules.toml, state/, logs

    def rules(self, *, extra: str = "", tickets: str = "") -> Path:
        """`tickets`: more keys of the one [tickets] section (TOML allows a section once)."""
        flood = FLOOD_SECTION.replace("[tickets]\n", f"[tickets]\n{tickets}\n" if tickets
                                      else "[tickets]\n")
        return write_rules(self.work, imap=self.dovecot, smtp=self.smtp,
                           extra=f"{CAP_LINE}\n{extra}\n{flood}")


@contextmanager
def servers() -> Iterator[Servers]:
    work = Path(tempfile.mkdtemp(prefix="mailbot-bench-"))
    dovecot = DovecotServer(tls=make_self_signed_cert(work / "tls"))
    dovecot.start()
    smtp = RecordingSmtpServer().start()
    try:
        yield Servers(dovecot, smtp, work)
    finally:
        smtp.stop()
        dovecot.cleanup()
        import shutil

        shutil.rmtree(work, ignore_errors=True)


# --- a daemon run ---------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    returncode: int
    log: str
    cpu_seconds: float = 0.0  # user + system of the daemon process(es), from their rusage
    # Per daemon (run_daemons): (CPU s from its rusage, s its main thread waited for a core, the
    # scheduler's run-queue delay in /proc/PID/task/PID/schedstat, wall s to its exit).
    each: list[tuple[float, float, float]] = field(default_factory=list)
    machine_idle: float = 0.0  # share of the machine's CPU time idle over the run (/proc/stat)
    logs: list[str] = field(default_factory=list)  # each daemon's own log (several daemons)


def run_daemons(box: Servers, rules: list[Path], *args: str,
                timeout: float = 3600.0, own_sessions: bool = False) -> Run:
    """Several daemons (`mailbot run --config R ARGS` for each R) at once, to the last exit:
    the wall time, the highest peak RSS, the first non-zero exit code, the logs, and for each
    daemon its CPU, its time waiting for a core and its wall time.

    `own_sessions`: each daemon in a session of its own (setsid), as a daemon started by
    systemd on its own machine is. Linux's autogroup scheduling (on when
    /proc/sys/kernel/sched_autogroup_enabled is 1) shares the cores fairly between sessions,
    not between processes: without it the daemons share one session's share with the bench
    and its servers, however many they are."""
    started = time.perf_counter()
    cpu = _children_cpu()
    idle_start = _machine_idle()
    logs = [box.work / f"daemon-{time.monotonic_ns()}-{i}.log" for i in range(len(rules))]
    procs = []
    for path, log_path in zip(rules, logs, strict=True):
        with open(log_path, "wb") as log:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "mailbot.cli", "run", "--config", str(path), *args],
                cwd=ROOT, env=env(box.dovecot), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=own_sessions))
    peak_kb, codes = 0, {}
    queued = {proc.pid: 0.0 for proc in procs}
    each: dict[int, tuple[float, float, float]] = {}
    while len(codes) < len(procs) and time.perf_counter() - started < timeout:
        for proc in procs:
            if proc.pid not in codes:
                peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid))
                queued[proc.pid] = max(queued[proc.pid], _run_delay(proc.pid))
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    proc.returncode = codes[pid] = os.waitstatus_to_exitcode(status)
                    each[pid] = (usage.ru_utime + usage.ru_stime, queued[pid],
                                 time.perf_counter() - started)
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    idle = _machine_idle()
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            codes[proc.pid] = proc.wait()
    code = next((c for c in codes.values() if c), 0)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in logs]
    text = "\n".join(texts)
    share = (idle[0] - idle_start[0]) / max(1, idle[1] - idle_start[1])
    return Run(seconds, peak_kb / 1024, code, text, _children_cpu() - cpu,
               [each[p.pid] for p in procs if p.pid in each], share, texts)


def _run_delay(pid: int) -> float:
    """Seconds the process's main thread (the one that runs the passes) has waited on a run
    queue for a core (/proc/PID/task/PID/schedstat, its second field)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[1]) / 1e9
    return 0.0


def _machine_idle() -> tuple[int, int]:
    """(idle + iowait ticks, all ticks) of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields[:8])


def run_daemon(box: Servers, rules: Path, *args: str, timeout: float = 3600.0) -> Run:
    """`mailbot run --config rules ARGS` to completion: wall time and the child's peak RSS."""
    log_path = box.work / f"daemon-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        cpu = _children_cpu()
        command = [sys.executable, "-m", "mailbot.cli", "run", "--config", str(rules), *args]
        profile = os.environ.get("BENCH_PYSPY")  # collapsed stacks, idle (waiting) time included
        if os.environ.get("BENCH_CPROFILE"):  # the daemon's own calls, counted (cProfile's -o)
            command[1:1] = ["-m", "cProfile", "-o", os.environ["BENCH_CPROFILE"]]
        if profile:
            # BENCH_PYSPY_CPU=1: on-CPU samples only (without --idle), where the CPU goes
            # rather than where the wall time goes.
            idle = [] if os.environ.get("BENCH_PYSPY_CPU") else ["--idle"]
            # BENCH_PYSPY_GIL=1: only the thread holding the GIL, i.e. Python running, not a
            # thread blocked in a system call (a write, a rename, a socket) that py-spy's idle
            # heuristic may still count as active.
            idle += ["--gil"] if os.environ.get("BENCH_PYSPY_GIL") else []
            command = ["py-spy", "record", *idle, "--format", "raw", "--rate", "200",
                       "-o", profile, "--", *command]
        proc = subprocess.Popen(command,
            cwd=ROOT, env=env(box.dovecot), stdout=log, stderr=subprocess.STDOUT)
        # Peak RSS from the child's own VmHWM, polled while it runs. Not wait4's ru_maxrss: a
        # child started by (v)fork inherits the parent's high-water mark, so after seeding
        # 100,000 tickets in this process it reported this process's memory, not the daemon's.
        deadline = started + timeout
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid))
            pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, _usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, peak_kb / 1024, proc.returncode,
               log_path.read_text(encoding="utf-8", errors="replace"), _children_cpu() - cpu)


def _children_cpu() -> float:
    """User + system seconds of this process's children waited for so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_tree_cpu(pid: int) -> float:
    """User + system seconds of a server's main process and of its children that have exited
    (a PostgreSQL backend's, once its daemon's connection is closed), from /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _vm_hwm_kb(pid: int) -> int:
    """The process's peak resident set (VmHWM), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return 0  # the process is gone
    return 0


def acks(smtp: RecordingSmtpServer) -> int:
    return sum(1 for m in smtp.messages if m.message["Auto-Submitted"] == "auto-replied")


# --- realistic French helpdesk mail ---------------------------------------------------------------

_FIRST = ("Claire", "Julien", "Sophie", "Nicolas", "Isabelle", "Thomas", "Nathalie", "Pierre",
          "Camille", "Laurent", "Émilie", "François", "Sandrine", "Olivier", "Céline", "Hélène",
          "Mathieu", "Aurélie", "Stéphane", "Valérie")
_LAST = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
         "Leroy", "Moreau")
_SITES = (DOMAIN, "lyon.groupe-exemple.fr", "nantes.groupe-exemple.fr")

_ISSUES = (
    ("Imprimante HS", "L'imprimante du {floor}e étage affiche « bourrage papier » alors qu'il "
     "n'y a plus de papier coincé. J'ai éteint et rallumé, sans effet."),
    ("Mot de passe expiré GX-ERP", "Mon mot de passe GX-ERP a expiré ce matin et la page de "
     "changement me renvoie « Erreur 0x80070005 : accès refusé ». Pouvez-vous le réinitialiser ?"),
    ("Sage 100 bloqué", "Sage 100 Comptabilité reste figé sur « Mise à jour des journaux » depuis "
     "{minutes} minutes. Les collègues du service paie ont le même souci."),
    ("Pas de réseau en salle {room}", "Le poste de la salle {room} n'a plus de réseau : l'icône "
     "indique « Aucun accès Internet ». Le câble a l'air bien branché."),
    ("Outlook ne synchronise plus", "Depuis la mise à jour d'hier, Outlook reste « Déconnecté » et "
     "je ne reçois plus de mails. Le webmail fonctionne."),
    ("Demande d'accès au dossier Partage/RH", "Bonjour, pourriez-vous me donner un accès en "
     "lecture au dossier \\\\srv-fichiers\\Partage\\RH ? Mon responsable est en copie."),
    ("Écran noir au démarrage", "Mon PC portable démarre mais l'écran reste noir après le logo. "
     "Avec un écran externe, c'est pareil."),
    ("VPN : erreur 809", "Impossible de me connecter au VPN depuis chez moi : « Erreur 809 ». "
     "Je suis en télétravail {day}."),
    ("Nouvel arrivant lundi", "Nous accueillons {name} lundi au service achats : il lui faut un "
     "poste, une adresse mail et un accès à GX-ERP."),
    ("Téléphone IP sans tonalité", "Le téléphone du poste {room} n'a plus de tonalité depuis le "
     "déménagement du bureau."),
)
_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")


def senders(count: int = 200, seed: int = 7) -> list[tuple[str, str]]:
    """`count` distinct (display name, address) pairs."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(out) < count:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        plain = first.lower().translate(str.maketrans("éèçô", "eeco"))
        address = f"{plain}.{last.lower()}{len(out) % 7 or ''}@{rng.choice(_SITES)}"
        if address not in seen:
            seen.add(address)
            out.append((f"{first} {last}", address))
    return out


def issue(rng: random.Random) -> tuple[str, str]:
    subject, text = rng.choice(_ISSUES)
    values = {"floor": rng.randint(1, 5), "minutes": rng.randint(10, 90),
              "room": rng.choice("ABCD") + str(rng.randint(101, 420)), "day": rng.choice(_DAYS),
              "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"}
    return subject.format(**values), text.format(**values)


def request(rng: random.Random, sender: tuple[str, str], *, subject: str, text: str,
            in_reply_to: str | None = None, references: str | None = None,
            quoted: str = "", attachment: bool = False,
            date: datetime | None = None) -> tuple[bytes, str]:
    """A mail as Outlook or Thunderbird would send it; returns (raw bytes, Message-ID)."""
    name, address = sender
    msg = EmailMessage()
    msg["From"] = f'"{name}" <{address}>'
    msg["To"] = "support@groupe-exemple.fr"
    if rng.random() < 0.2:
        msg["Cc"] = f"{rng.choice(_FIRST).lower()}.{rng.choice(_LAST).lower()}@{DOMAIN}"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime.now(PARIS))
    message_id = make_msgid(domain=address.rpartition("@")[2])
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = references or in_reply_to
    msg["X-Mailer"] = rng.choice(("Microsoft Outlook 16.0", "Mozilla Thunderbird 115.3"))
    body = (f"Bonjour,\n\n{text}\n\nMerci d'avance,\n\n{name}\nService "
            f"{rng.choice(('comptabilité', 'achats', 'RH', 'logistique'))} - Poste "
            f"{rng.randint(2000, 2999)}\n")
    if quoted:
        body += "\n-----Message d'origine-----\n" + "".join(f"> {line}\n"
                                                           for line in quoted.splitlines())
    msg.set_content(body)
    if rng.random() < 0.5:
        msg.add_alternative(f"<html><body><p>{body.replace(chr(10), '<br>')}</p></body></html>",
                            subtype="html")
    if attachment:
        if rng.random() < 0.6:
            msg.add_attachment(rng.randbytes(rng.randint(15_000, 60_000)), maintype="image",
                               subtype="png", filename=f"capture_{rng.randint(1, 999)}.png")
        else:
            msg.add_attachment(rng.randbytes(rng.randint(20_000, 80_000)),
                               maintype="application", subtype="pdf",
                               filename="facture fournisseur.pdf")
    return msg.as_bytes(), message_id
