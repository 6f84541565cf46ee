# SPDX-License-Identifier: GPL-2.0
"""The harness itself, without QEMU: a command run in a machine (Vm.ssh,
through run_draining) keeps the machine's console read, so a console that
prints a lot meanwhile cannot block. QEMU's UART write sleeps, holding its
big lock, while our pty is full: the racing-hypercall stress test froze VM0
that way after ~100 create/destroy cycles (issue 8)."""
import os
import sys
import types

from conftest import drain, run_draining, spawn

# Far more than a pty holds (Linux buffers ~64 KiB between the two ends).
CONSOLE_BYTES = 4 << 20


def test_console_drained_while_a_command_runs(tmp_path):
    done = tmp_path / "done"
    # The console: blocking writes, as QEMU's, then a mark that they ended.
    writer = (f"import sys; sys.stdout.write('keel: vm5 created\\n' * {CONSOLE_BYTES // 18}); "
              f"sys.stdout.flush(); open({str(done)!r}, 'w').close()")
    v = types.SimpleNamespace(child=spawn([sys.executable, "-c", writer], "harness-drain"))
    try:
        # The command: succeeds once the console's writes all went through,
        # which they only do if something reads the pty while it runs.
        wait = f"for i in $(seq 100); do [ -e {done} ] && exit 0; sleep 0.1; done; exit 1"
        r = run_draining(v, ["sh", "-c", wait], timeout=60)
        assert r.returncode == 0, f"the console writer blocked: {len(drain(v))} bytes read"
        assert len(drain(v)) >= CONSOLE_BYTES // 18 * 18
    finally:
        v.child.terminate(force=True)
        v.child.close()
        v.child.keel_log.close()
    assert os.path.exists(done)
