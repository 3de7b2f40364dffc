"""A Milvus server that speaks TLS only and wants a token (a real Milvus standalone, the PyPI ``milvus``
package, with a throw-away CA): `rag ingest --store milvus+https://...` with $RAG_MILVUS_TOKEN and a database,
`rag ask` reading them back, and one clear line when the token is missing or wrong.

Its own module: two Milvus standalone servers at once would share embedded etcd's ports, so this one starts
after tests/test_milvus_server.py's has stopped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest
from components import require_module

require_module(all(importlib.util.find_spec(m) for m in ("pymilvus", "milvus")), "pymilvus or milvus (the server package)",
               "make test installs them (test extra)")

from conftest import SEEDS  # noqa: E402
from milvus_support import make_certificates, milvus_server  # noqa: E402
from test_milvus_server import QUESTIONS, ask_all, rag  # noqa: E402

from rag.store.manifest import read_manifest  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def secure_milvus(tmp_path_factory):
    """A Milvus server that speaks TLS only and wants a token; its CA certificate."""
    certs = make_certificates(tmp_path_factory.mktemp("tls"))
    with milvus_server(tmp_path_factory.mktemp("milvus-tls"), tls=certs, authorization=True) as server:
        yield server, certs


def test_a_server_over_tls_with_a_token_and_a_database(secure_milvus, assistant, tmp_path):
    server, certs = secure_milvus
    store = f"milvus+https://localhost:{server.port}"
    trust = {"GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(certs.ca)}  # gRPC's trusted roots: the test CA
    env = {**trust, "RAG_MILVUS_TOKEN": "root:Milvus", "RAG_MILVUS_DB": "papers"}
    index = tmp_path / "index"
    rag("ingest", "--quiet", "--index-dir", str(index), "--store", store, str(SEEDS), env=env)
    info = read_manifest(index)["dense_index"]
    assert (info["store"], info["db_name"]) == (store, "papers") and "token" not in json.dumps(info)
    answers = ask_all(index, QUESTIONS[:2], tmp_path, env={**trust, "RAG_MILVUS_TOKEN": "root:Milvus"})
    assert [a["answer"] for a in answers] == [assistant.ask(q).answer for q in QUESTIONS[:2]]
    listed = subprocess.run(
        [sys.executable, "-c", "import sys; from pymilvus import MilvusClient; "
         "print(MilvusClient(sys.argv[1], token='root:Milvus', db_name='papers').list_collections())",
         f"https://localhost:{server.port}"], env={**os.environ, **trust}, capture_output=True, text=True, timeout=120)
    assert info["collection"] in listed.stdout, listed.stderr  # the collection lives in the database "papers"
    for token in (None, "root:wrong"):  # no token, or a wrong one: one line saying what to check
        r = rag("ask", "--index-dir", str(index), QUESTIONS[0], check=False,
                env={**trust, **({"RAG_MILVUS_TOKEN": token} if token else {})})
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert r.stderr.startswith(f"rag: error: cannot use the Milvus store at https://localhost:{server.port}, "
                                   "database papers (")
        assert r.stderr.rstrip().endswith("check the address, and the token in $RAG_MILVUS_TOKEN")
