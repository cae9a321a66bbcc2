"""Run the services as child processes (demo and tests) and always stop them.

Stopping is SIGTERM, then SIGKILL of the whole process group after a grace period: a faust
worker can hang on shutdown (see README), and nothing here may hang with it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


def http_get(url: str, timeout: float = 2.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return bytes(response.read())


def http_json(url: str, timeout: float = 2.0) -> Any:
    return json.loads(http_get(url, timeout))


READY_MARKER = b"Ready"  # faust's worker logs "[^Worker]: Ready" after the first rebalance


class ServiceProcess:
    """``python -m <module>`` with its environment, its log file and its web port."""

    def __init__(
        self,
        module: str,
        env: dict[str, str],
        web_port: int,
        log_file: Path,
        web_host: str = "127.0.0.1",
    ) -> None:
        self.module = module
        self.env = env
        self.web_port = web_port
        self.web_host = web_host
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def base_url(self) -> str:
        return f"http://{self.web_host}:{self.web_port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Wait until the worker has joined its group and serves /healthz; returns seconds."""
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.module} exited early; see {self.log_file}")
            try:
                http_get(self.base_url + "/healthz", timeout=1.0)
                if self._assigned():
                    return time.monotonic() - started
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.module} not ready after {timeout} s; see {self.log_file}")

    def _assigned(self) -> bool:
        # faust logs the assignment table once the first rebalance has finished.
        with open(self.log_file, "rb") as log:
            log.seek(self._log_offset)
            return READY_MARKER in log.read()

    def stop(self, grace: float = 10.0) -> int | None:
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
            except ProcessLookupError:
                pass
        return process.returncode

    def kill(self) -> None:
        """SIGKILL, as in a crash."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
