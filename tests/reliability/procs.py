"""Finding processes by what they do: gunicorn's workers, and which one holds a connection."""

from __future__ import annotations

import os
import time
from pathlib import Path


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command may contain spaces and parentheses: the ppid follows the last ')'.
        fields = stat.rpartition(")")[2].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _socket_inodes(local_port: int, remote_port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if (
                int(local.rpartition(":")[2], 16) == local_port
                and int(remote.rpartition(":")[2], 16) == remote_port
            ):
                inodes.add(inode)
    return inodes


def holder_of_connection(
    pids: list[int], server_port: int, client_port: int, timeout: float = 5
) -> int | None:
    """The pid among ``pids`` whose open sockets include the server end of the connection
    from ``client_port`` (waits until a worker has accepted it); None if none holds it within
    ``timeout`` (e.g. the request was already answered and the connection closed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wanted = {f"socket:[{i}]" for i in _socket_inodes(server_port, client_port)}
        for pid in pids:
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                        return pid
                except OSError:
                    continue
        time.sleep(0.005)
    return None
