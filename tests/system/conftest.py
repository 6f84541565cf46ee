# SPDX-License-Identifier: GPL-2.0
"""QEMU system tests: boot Keel (or VM0 alone with --direct) through
scripts/run and drive VM0's serial console (pexpect) and ssh.

One QEMU at a time; each gets a free host port for ssh. Console logs go to
build/test-logs/. Tests marked `hyp` need a working hypervisor.
"""
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import uuid

import pexpect
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("KEEL_BUILD", os.path.join(ROOT, "build"))
LOGS = os.path.join(BUILD, "test-logs")
READY = "KEEL-VM0-READY"
HYP_BANNER = re.compile(r"keel: Keel hypervisor \d+\.\d+ \(ABI \d+\) starting")
# TCG on two host cores: the Debian kernel needs 5-20 s to reach the ready
# line; leave room for a loaded CI machine.
BOOT_TIMEOUT = int(os.environ.get("KEEL_BOOT_TIMEOUT", "120"))


def pytest_configure(config):
    config.addinivalue_line("markers", "hyp: needs a working hypervisor (build/hyp/keel.bin)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_path(name):
    os.makedirs(LOGS, exist_ok=True)
    return os.path.join(LOGS, re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".log")


def spawn(args, name, timeout=BOOT_TIMEOUT):
    """Starts a command with a pexpect console, logged to build/test-logs."""
    log = open(log_path(name), "w", encoding="utf-8", errors="replace")
    child = pexpect.spawn(args[0], args[1:], cwd=ROOT, encoding="utf-8",
                          codec_errors="replace", timeout=timeout, logfile=log,
                          dimensions=(50, 200))
    child.keel_log = log
    return child


def finish(child, timeout=60):
    """Waits for the child to exit; returns its exit status (None: killed)."""
    try:
        child.expect(pexpect.EOF, timeout=timeout)
    except pexpect.TIMEOUT:
        child.terminate(force=True)
        child.close()
        child.keel_log.close()
        return None
    child.close()
    child.keel_log.close()
    return child.exitstatus if child.signalstatus is None else None


class Vm:
    """Keel + VM0 (or VM0 alone) under QEMU, started by scripts/run."""

    def __init__(self, name, gic=3, smp=4, direct=False, mem=None, extra=(), demo=None):
        # Machines given back idle (shared_vm) stay up: an idle Keel
        # machine sleeps in WFI and costs the host next to nothing, while
        # booting one again costs half a minute.
        self.gic, self.smp, self.direct = gic, smp, direct
        self.port = free_port()
        args = [os.path.join(ROOT, "scripts", "run"), "--no-build", "--gic", str(gic),
                "--smp", str(smp), "--ssh-port", str(self.port)]
        # Tests start from no guests unless they ask for scripts/run's demo.
        args += ["--demo", demo] if demo else ["--no-demo"]
        if direct:
            args.append("--direct")
        if mem:
            args += ["--mem", mem]
        self.child = spawn(args + list(extra), name)
        self.exitstatus = None
        # One ssh connection for the machine's calls (scripts/ssh,
        # KEEL_SSH_CONTROL); a socket path of its own, short enough for one.
        self.ssh_control = os.path.join(tempfile.gettempdir(), f"keel-ssh-{uuid.uuid4().hex[:12]}")

    def wait_ready(self, timeout=BOOT_TIMEOUT):
        t0 = time.monotonic()
        self.child.expect_exact(READY, timeout=timeout)
        self.boot_seconds = time.monotonic() - t0
        # The console shell's prompt follows the ready line.
        self.child.expect(r"# ", timeout=30)

    def console(self, cmd, timeout=60):
        """Runs cmd on the serial console; returns (status, output)."""
        tag = uuid.uuid4().hex[:8]
        self.child.sendline(f"{cmd}; echo @{tag}-$?@")
        self.child.expect(rf"@{tag}-(\d+)@", timeout=timeout)
        out = self.child.before
        status = int(self.child.match.group(1))
        # Drop the echoed command line.
        out = out.split(f"@{tag}-$?@", 1)[-1]
        return status, out

    def ssh(self, cmd, timeout=60, check=True):
        env = dict(os.environ, KEEL_SSH_PORT=str(self.port), KEEL_SSH_CONTROL=self.ssh_control)
        args = [os.path.join(ROOT, "scripts", "ssh"), cmd]
        r = run_draining(self, args, timeout, env)
        if r.returncode == 255:
            # ssh's own failure: the shared connection may have gone with
            # VM0's sshd (a reboot) or its address. Once more, on a new one.
            self.ssh_reset()
            r = run_draining(self, args, timeout, env)
        if check:
            assert r.returncode == 0, f"ssh {cmd!r}: {r.returncode} {r.stderr}"
        return r

    def ssh_reset(self):
        """Ends the shared ssh connection (the next call makes a new one):
        before VM0's address or sshd goes away under it."""
        subprocess.run(["ssh", "-O", "exit", "-o", f"ControlPath={self.ssh_control}", "keel"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=False)

    def alive(self):
        return self.child.isalive()

    def stop(self):
        self.ssh_reset()
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()
        self.child.keel_log.close()


def drain(v):
    """Reads what QEMU's console printed so far into v.text (the pty must
    not fill up while tests talk ssh) and returns all of it."""
    if not hasattr(v, "text"):
        v.text = ""
    while True:
        try:
            v.text += v.child.read_nonblocking(65536, timeout=0)
        except (pexpect.TIMEOUT, pexpect.EOF):
            break
    return v.text


def run_draining(v, args, timeout, env=None):
    """Runs a command to its end (subprocess.run with output captured) while
    reading v's console. QEMU writes the UART to our pty holding its big
    lock, and sleeps while the pty is full: every vCPU then stops, so a long
    command that makes the hypervisor or VM0 print (the stress test's
    create/destroy lines fill the pty in ~100 cycles) would freeze the
    machine it waits for if nobody read the console meanwhile."""
    t_end = time.monotonic() + timeout
    with subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as p:
        while True:
            drain(v)
            try:
                out, err = p.communicate(timeout=min(0.5, max(0.0, t_end - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() >= t_end:
                    p.kill()
                    p.communicate()
                    raise
    drain(v)
    return subprocess.CompletedProcess(args, p.returncode, out, err)


# keeld runs under keeld-supervise in VM0, which starts it again whenever it
# exits. A test that needs VM0 without keeld (/dev/keel's event stream to
# itself, keel.ko unloaded, keeld's TAP let go) stops both with KEELD_STOP
# and gives VM0 back its supervised keeld with KEELD_START. ([s]: pkill must
# not match the shell running this very line.)
KEELD_STOP = ("mkdir -p /run/keel; touch /run/keel/supervise.stop; pkill -f 'keeld-[s]upervise'; "
              "kill $(pidof keeld) 2>/dev/null; "
              "for i in $(seq 40); do pidof keeld >/dev/null || break; sleep 0.25; done; "
              "! pidof keeld")
KEELD_START = ("rm -f /run/keel/supervise.stop; "
               "setsid keeld-supervise /etc/keel/mediated-cfg.json </dev/null >/dev/null 2>&1 & "
               "for i in $(seq 60); do keel vm list >/dev/null 2>&1 && break; sleep 0.5; done; "
               "keel vm list >/dev/null")


def wait_loop(cond, timeout, every=0.5, give_up=None):
    """Shell: looks until the shell condition `cond` holds (exit 0),
    `timeout` s passed (exit 3) or `give_up` holds (exit 4): after 0.1, 0.2
    and 0.4 s, then every `every` s. A quick answer is seen at once, and a
    long wait costs VM0 (whose vCPUs the waited-for guest competes with
    for the host's cores) little."""
    stop = f"if {give_up}; then exit 4; fi; " if give_up else ""
    return (f"end=$(( $(cut -d. -f1 /proc/uptime) + {int(timeout)} )); set -- 0.1 0.2 0.4; "
            f"until {cond}; do {stop}[ $(cut -d. -f1 /proc/uptime) -lt $end ] || exit 3; "
            f"sleep ${{1:-{every}}}; shift $(( $# > 0 )); done")


def wait_in_vm0(v, cond, timeout, every=0.5, give_up=None, first=None):
    """Waits, in VM0, until the shell condition `cond` holds (wait_loop);
    True if it did within `timeout` s, False on timeout or give_up. One ssh
    for the whole wait: polling from here cost an ssh connection (the
    better part of a second of TCG time) per look. `first`: a command run
    before, in the same ssh; it must succeed."""
    pre = f"{{ {first}; }} >&2 || exit 5; " if first else ""
    r = v.ssh(pre + wait_loop(cond, timeout, every, give_up), timeout=timeout + 60, check=False)
    assert r.returncode in (0, 3, 4), f"{first or ''} waiting for {cond!r}: {r.returncode} {r.stderr}"
    return r.returncode == 0


def ready_vm(name, gic=3, smp=4, demo=None):
    """Boots a machine and waits for VM0's ready line (stopping QEMU if it
    never comes); its console so far is drained."""
    v = Vm(name, gic=gic, smp=smp, demo=demo)
    try:
        v.wait_ready()
    except Exception:
        v.stop()
        raise
    drain(v)
    return v


# Machines modules gave back clean (shared_vm / give_back), at most one per
# kind (GIC version, pCPUs), kept for the next module that wants that kind:
# a VM0 boot saved each time. Stopped at the end of the session.
_idle = {}


def stop_idle():
    while _idle:
        _idle.popitem()[1].stop()


def is_clean(v):
    """No guest left, the guest pool whole, keeld answering: what a fresh
    machine offers a module."""
    if not v.alive():
        return False
    r = v.ssh("keel vm list --json && keel system info --json", timeout=60, check=False)
    if r.returncode != 0:
        return False
    dec, out = json.JSONDecoder(), r.stdout.strip()
    vms, end = dec.raw_decode(out)
    si, _ = dec.raw_decode(out[end:].lstrip())
    return vms.get("vms") == [] and si["pool_free_bytes"] == si["pool_bytes"] and si["vms"] == 1


def shared_vm(name, gic=3, smp=4):
    """A ready Keel machine for a module: the one a previous module gave
    back, if there is one of this kind and it is clean, else a new one."""
    v = _idle.pop((gic, smp), None)
    if v is not None:
        if is_clean(v):
            drain(v)
            return v
        v.stop()
    return ready_vm(name, gic=gic, smp=smp)


def give_back(v):
    """A module is done with its shared_vm machine: kept for the next
    module of its kind if clean, stopped if not."""
    old = _idle.pop((v.gic, v.smp), None)
    if old is not None:
        old.stop()
    if is_clean(v):
        drain(v)
        _idle[(v.gic, v.smp)] = v
    else:
        v.stop()


def pytest_sessionfinish(session, exitstatus):
    stop_idle()


def keel_bin_present():
    return os.path.exists(os.path.join(BUILD, "hyp", "keel.bin"))


CONFIGS = [
    pytest.param(dict(gic=3, smp=4, direct=False), id="keel-gicv3-smp4", marks=pytest.mark.hyp),
    pytest.param(dict(gic=3, smp=1, direct=False), id="keel-gicv3-smp1", marks=pytest.mark.hyp),
    pytest.param(dict(gic=2, smp=4, direct=False), id="keel-gicv2-smp4", marks=pytest.mark.hyp),
    pytest.param(dict(gic=2, smp=1, direct=False), id="keel-gicv2-smp1", marks=pytest.mark.hyp),
    pytest.param(dict(gic=3, smp=2, direct=True), id="direct-gicv3-smp2"),
]


@pytest.fixture(scope="module", params=CONFIGS)
def vm(request):
    """A booted VM0 shared by the tests of one configuration, in file order."""
    cfg = request.param
    mode = "direct" if cfg["direct"] else "keel"
    name = f"{request.module.__name__}-{mode}-gicv{cfg['gic']}-smp{cfg['smp']}"
    v = Vm(name, **cfg)
    try:
        v.wait_ready()
    except Exception:
        v.stop()
        raise
    yield v
    v.stop()
