"""A seccomp filter for the candidate's program: the kernel interfaces no exercise needs.

Defence in depth on top of the namespaces: the program is already unprivileged, capability-less
and unable to create user namespaces, but these system calls are where kernel exploits and
cross-sandbox snooping live: tracing and reading other processes (ptrace, process_vm_*), the
kernel keyrings (not namespaced: the worker's uid owns them), eBPF, perf events,
userfaultfd, io_uring, and the mount/module/kexec families. They fail with EPERM; everything
else is allowed. Other architectures' system calls (i386 via int 0x80, the x32 ABI) are refused
outright, as they would bypass the numbers checked here.

Classic BPF assembled by hand (no libseccomp in the venv); bwrap loads it with `--seccomp FD`
right before it execs prlimit, so the program and everything it starts run under it.
"""

from __future__ import annotations

import errno
import platform
import struct

_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_NR_OFFSET = 0  # struct seccomp_data: int nr; __u32 arch; ...
_ARCH_OFFSET = 4
_RET_ALLOW = 0x7FFF0000
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_X32_SYSCALL_BIT = 0x40000000

# (name, x86_64 number, aarch64 number), from the kernel's unistd headers
_DENIED: tuple[tuple[str, int, int], ...] = (
    ("ptrace", 101, 117),
    ("process_vm_readv", 310, 270),
    ("process_vm_writev", 311, 271),
    ("keyctl", 250, 219),
    ("add_key", 248, 217),
    ("request_key", 249, 218),
    ("bpf", 321, 280),
    ("perf_event_open", 298, 241),
    ("userfaultfd", 323, 282),
    ("io_uring_setup", 425, 425),
    ("io_uring_enter", 426, 426),
    ("io_uring_register", 427, 427),
    ("mount", 165, 40),
    ("umount2", 166, 39),
    ("pivot_root", 155, 41),
    ("unshare", 272, 97),
    ("setns", 308, 268),
    ("kexec_load", 246, 104),
    ("kexec_file_load", 320, 294),
    ("init_module", 175, 105),
    ("finit_module", 313, 273),
    ("delete_module", 176, 106),
    ("open_by_handle_at", 304, 265),
    ("name_to_handle_at", 303, 264),
    ("move_mount", 429, 429),
    ("open_tree", 428, 428),
    ("fsopen", 430, 430),
    ("fsconfig", 431, 431),
    ("fsmount", 432, 432),
    ("fspick", 433, 433),
)
_AUDIT_ARCH_X86_64 = 0xC000003E
_AUDIT_ARCH_AARCH64 = 0xC00000B7
_ARCHES: dict[str, tuple[int, tuple[int, ...]]] = {
    "x86_64": (_AUDIT_ARCH_X86_64, tuple(x86 for _, x86, _ in _DENIED)),
    "aarch64": (_AUDIT_ARCH_AARCH64, tuple(arm for _, _, arm in _DENIED)),
}


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def seccomp_program(machine: str | None = None) -> bytes | None:
    """The filter for this machine's architecture, or None where no table exists."""
    arch = _ARCHES.get(machine or platform.machine())
    if arch is None:
        return None
    audit_arch, numbers = arch
    head = [
        _insn(_LD_W_ABS, _ARCH_OFFSET),
        _insn(_JEQ_K, audit_arch, jt=1, jf=0),
        _insn(_RET_K, _RET_KILL_PROCESS),
        _insn(_LD_W_ABS, _NR_OFFSET),
    ]
    checks = [(_JGE_K, _X32_SYSCALL_BIT)] if audit_arch == _AUDIT_ARCH_X86_64 else []
    checks += [(_JEQ_K, nr) for nr in numbers]
    body = []
    for i, (code, k) in enumerate(checks):
        # after the checks: RET ALLOW, then RET ERRNO; jump there when a check matches
        to_deny = len(checks) - i
        body.append(_insn(code, k, jt=to_deny, jf=0))
    tail = [_insn(_RET_K, _RET_ALLOW), _insn(_RET_K, _RET_ERRNO | errno.EPERM)]
    return b"".join(head + body + tail)
