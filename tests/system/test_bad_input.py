# SPDX-License-Identifier: GPL-2.0
"""Machines Keel cannot run VM0 on: the hypervisor must say why on the
console ("keel: error: ...") and power the machine off, so QEMU exits."""
import os
import re
import shlex
import subprocess

import pytest

from conftest import ROOT, Vm, finish, free_port, spawn

pytestmark = pytest.mark.hyp

EXIT_TIMEOUT = 60


def run_cmd(*opts):
    """scripts/run's QEMU command line for these options."""
    out = subprocess.run([os.path.join(ROOT, "scripts", "run"), "--no-build", "--no-demo", "--dry-run",
                          "--ssh-port", str(free_port()), *opts],
                         check=True, capture_output=True, text=True).stdout
    return shlex.split(out)


def expect_error(child, pattern):
    child.expect(re.compile(pattern), timeout=EXIT_TIMEOUT)
    status = finish(child, timeout=EXIT_TIMEOUT)
    assert status == 0, f"QEMU did not power off (status {status})"


def test_no_vm0_kernel():
    # Drop both guest-loader devices: keel.bin alone.
    cmd, bare = run_cmd(), []
    for i, a in enumerate(cmd):
        if a.startswith("guest-loader,") or (a == "-device" and cmd[i + 1].startswith("guest-loader,")):
            continue
        bare.append(a)
    assert not any("guest-loader" in a for a in bare)
    child = spawn(bare, "bad-input-no-vm0-kernel")
    expect_error(child, r"keel: error: no VM0 kernel")


def test_too_little_memory():
    vm = Vm("bad-input-128M", mem="128M")
    expect_error(vm.child, r"keel: error: not enough memory for VM0")


def test_unsupported_gic(tmp_path):
    cmd = run_cmd("--gic", "3")
    dtb, dts = tmp_path / "qemu.dtb", tmp_path / "qemu.dts"
    # QEMU's own DT for this machine, guest-loader modules included.
    subprocess.run(cmd + ["-machine", f"dumpdtb={dtb}"], check=True, capture_output=True,
                   timeout=60, stdin=subprocess.DEVNULL)
    text = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(dtb)], check=True,
                          capture_output=True, text=True).stdout
    assert 'compatible = "arm,gic-v3";' in text
    assert "multiboot,kernel" in text and "multiboot,ramdisk" in text
    dts.write_text(text.replace('"arm,gic-v3"', '"arm,gic-v5"'))
    bad = tmp_path / "bad.dtb"
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(bad), str(dts)], check=True)

    # With -dtb QEMU drops guest-loader's /chosen nodes; the dumped DT still
    # has them, so load the same files as raw data where those nodes say.
    args, i = [], 0
    while i < len(cmd):
        if cmd[i] == "-device" and cmd[i + 1].startswith("guest-loader,"):
            props = dict(p.split("=", 1) for p in cmd[i + 1].split(",")[1:]
                         if "=" in p and not p.startswith("bootargs"))
            f = props.get("kernel") or props.get("initrd")
            args += ["-device", f"loader,file={f},addr={props['addr']},force-raw=on"]
            i += 2
            continue
        args.append(cmd[i])
        i += 1
    child = spawn(args + ["-dtb", str(bad)], "bad-input-unsupported-gic")
    expect_error(child, r"keel: error: unsupported interrupt controller 'arm,gic-v5'")
