"""A real Milvus standalone server for tests: the one the PyPI package ``milvus`` ships, on 127.0.0.1.

Every port is chosen free on 127.0.0.1 and every component advertises 127.0.0.1 (by
default Milvus advertises the machine's first network address), so no traffic leaves
the loopback interface. Data and logs go to the test's own folder. The server is
stopped by its own process when the test module ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from components import in_ci, missing_message

COMPONENTS = ("rootCoord", "proxy", "queryCoord", "queryNode", "indexNode", "dataCoord", "dataNode")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Milvus:
    port: int
    data_dir: Path
    server: object = field(default=None, repr=False)  # the package's MilvusServer

    def stop(self) -> None:
        """Stop the server as an outage would: SIGTERM, SIGKILL after a second (the package's own stop)."""
        self.server.stop()

    def restart(self) -> None:
        """Start the stopped server again on the same ports, with its data (collections come back).

        Not the package's start(): it checks each port with a bind that fails while the old
        server's connections linger in TIME_WAIT. Milvus itself binds with SO_REUSEADDR, so the
        same command with the configuration already written starts it on the same ports.
        """
        server = self.server
        base = server.config.base_data_dir
        env = {**os.environ, "DEPLOY_MODE": "STANDALONE", "METRICS_PORT": str(server.webservice_port),
               "MILVUS_RUN_DIR": os.path.join(base, "run")}
        if sys.platform.startswith("linux"):
            server.prepend_path_to_envs(env, "LD_LIBRARY_PATH", os.path.dirname(server.get_milvus_executable_path()))
        for name in ("stdout", "stderr"):
            server.proc_fds[name] = open(os.path.join(base, "logs", f"milvus-{name}-restart.log"), "a", encoding="utf-8")
        server.server_proc = subprocess.Popen([server.get_milvus_executable_path(), "run", "standalone"], cwd=base,
                                              env=env, stdout=server.proc_fds["stdout"], stderr=server.proc_fds["stderr"])
        server.wait_started()

    @property
    def store(self) -> str:
        """The ``--store`` value for this server."""
        return f"milvus://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 3000) -> str:
        logs = sorted((self.data_dir / "logs").glob("milvus-*.log"))
        return "\n".join(p.read_text(errors="replace")[-chars:] for p in logs)


def _unavailable(why: str):
    """Under CI a Milvus that cannot start fails the run; elsewhere its tests skip, loudly."""
    message = missing_message("a Milvus standalone server", f"it could not be started ({why})")
    if in_ci():
        pytest.fail(message + " (CI=true: a missing component fails the run)", pytrace=False)
    pytest.skip(message + " Tests SKIPPED.")


@dataclass
class Certificates:
    """A test CA and a server certificate it signed for localhost and 127.0.0.1 (PEM files)."""

    ca: Path
    cert: Path
    key: Path


def make_certificates(folder: Path) -> Certificates:
    """A throw-away CA and server certificate, made with the openssl command (valid for two days)."""
    if not shutil.which("openssl"):
        _unavailable("the openssl command is missing (it makes the TLS test certificates)")
    folder.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=rag-cited test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")


@contextmanager
def milvus_server(data_dir: Path, tls: Certificates | None = None, authorization: bool = False):
    """Start Milvus standalone (package ``milvus``) on a free port of 127.0.0.1; yields a Milvus, stops it afterwards.

    ``tls``: the proxy serves TLS with this certificate (one-way: clients need not present one);
    ``authorization``: clients must send a token (the server's default user is root:Milvus).
    """
    try:
        from milvus import MilvusServer
    except ImportError as exc:
        _unavailable(f"the milvus package is not installed: {exc}")
    port = free_port()
    server = MilvusServer(data_dir=str(data_dir), proxy_port=port)
    for component in COMPONENTS:
        server.config.set(f"{component}.ip", "127.0.0.1")
    server.config.set("authorization_enabled", authorization)
    if tls is not None:
        server.config.set("tls_mode", 1)
        for name, path in (("server_pem_path", tls.cert), ("server_key_path", tls.key), ("ca_pem_path", tls.ca)):
            server.config.set(name, str(path))
    cwd = os.getcwd()
    try:
        server.start()  # waits until the server answers its health check
    except Exception as exc:  # noqa: BLE001 - any failure to start means the component is unavailable
        server.stop()
        os.chdir(cwd)  # start() works from the data folder and may not have come back
        log = Milvus(port, data_dir).log_tail()
        _unavailable(f"{type(exc).__name__}: {exc}\n{log}")
    try:
        yield Milvus(port, data_dir, server)
    finally:
        server.stop()
