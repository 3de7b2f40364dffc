"""Passage vectors in a collection of a Milvus server or of a Milvus Lite file.

Store specs: ``milvus://HOST:PORT`` (plain http), ``milvus+https://HOST:PORT`` (TLS, e.g.
Zilliz Cloud or a server behind a certificate), ``milvus:///path/file.db`` (Milvus Lite).
A server that requires authentication gets the token of ``Settings.milvus_token``
(``$RAG_MILVUS_TOKEN``: "USER:PASSWORD" or an API key); new collections go to the database
``Settings.milvus_db``, which the build's record keeps, so the index reads it from there later.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .faiss_store import FLAT_MAX, NPROBE, ivf_nlist
from .manifest import StoreUnreachable
from .vectors_base import PENDING_RECORD, StoreUnavailable

if TYPE_CHECKING:
    from ..settings import Settings

log = logging.getLogger(__name__)

_SCHEMES = {"milvus": "http", "milvus+http": "http", "milvus+https": "https"}


def milvus_uri(spec: str) -> str:
    """pymilvus' URI for a store spec: http(s)://HOST:PORT for a server, a file path for Milvus Lite."""
    from urllib.parse import urlparse

    u = urlparse(spec)
    if u.scheme not in _SCHEMES:
        raise ValueError(
            f"unknown Milvus store '{spec}' (use milvus://HOST:PORT, milvus+https://HOST:PORT "
            "or milvus:///path/to/file.db)"
        )
    if u.netloc:
        return f"{_SCHEMES[u.scheme]}://{u.netloc}"
    if u.scheme != "milvus":
        raise ValueError(
            f"'{spec}' names no server: use {u.scheme}://HOST:PORT (a Milvus Lite file is milvus:///path.db)"
        )
    if not u.path.endswith(".db"):
        raise ValueError(f"a Milvus Lite store is a .db file (milvus:///path/to/file.db), not '{spec}'")
    return u.path


def is_server(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


# The credentials for Milvus servers, set from the settings by whoever opens or writes an index
# (configure). Records of old builds are dropped where no settings are at hand (clean-up), and
# the token is a secret that no record may hold, so it is kept here for the process.
_CREDENTIALS: dict[str, str | None] = {"token": None, "db_name": None}
_CLIENTS: dict[tuple[str, str | None, str | None], object] = {}


def configure(settings: Settings) -> None:
    """Use ``settings``' Milvus token for every server, and its database for new collections."""
    _CREDENTIALS.update(token=settings.milvus_token, db_name=settings.milvus_db)


def _client(uri: str, db_name: str | None = None):
    """One client per URI, token and database in this process (Milvus Lite allows one opener of a file at a time)."""
    token = _CREDENTIALS["token"] if is_server(uri) else None
    db_name = db_name if is_server(uri) else None
    key = (uri, token, db_name)
    if key not in _CLIENTS:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException

        # pymilvus sets up its own loggers on import and logs a traceback (dozens of lines) for every call
        # to a server that is down; ``reaching`` logs each failure in one line instead
        for name in ("pymilvus", "pymilvus.milvus_client"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            _CLIENTS[key] = MilvusClient(uri, token=token or "", db_name=db_name or "")
        except MilvusException as exc:
            where = uri + (f", database {db_name}" if db_name else "")
            hint = "check the address, and the token in $RAG_MILVUS_TOKEN" if is_server(uri) else "check the file"
            raise StoreUnreachable(f"cannot use the Milvus store at {where} ({exc.message}); {hint}") from exc
    return _CLIENTS[key]


@contextmanager
def reaching(spec: str, doing: str) -> Iterator[None]:
    """pymilvus' errors (a server that stopped, a lost connection) as one StoreUnavailable naming the store.

    pymilvus reconnects by itself on the next call, so a later call works again once the
    server is back; nothing here remembers the failure.
    """
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as exc:
        why = getattr(exc, "message", None) or str(exc)
        log.warning("Milvus store %s: %s failed: %s", spec, doing, why)
        raise StoreUnavailable(f"the vector store {spec} (Milvus) cannot be reached while {doing} ({why})") from None


def _new_collection_client(uri: str, db_name: str | None):
    """A client for a new collection in ``db_name``, the database made when the server has none by that name."""
    if db_name and is_server(uri):
        admin = _client(uri)
        if db_name not in admin.list_databases():
            admin.create_database(db_name)
    return _client(uri, db_name)


def range_filter(among: Sequence[range]) -> str:
    """A Milvus boolean expression keeping the passage ids of ``among``."""
    return " or ".join(f"(pid >= {r.start} and pid < {r.stop})" for r in among if len(r)) or "pid < 0"


class MilvusStore:
    """Passage vectors in a collection of a Milvus server or of a Milvus Lite file."""

    def __init__(self, client, info: dict, dim: int, ntotal: int, batch: int = 2000):
        self.client, self.info, self.d, self.ntotal, self.batch = client, info, dim, ntotal, batch
        self.collection = info["collection"]
        self.params = {"metric_type": "IP", "params": {"nprobe": info["nprobe"]} if "nprobe" in info else {}}

    @classmethod
    def create(
        cls, spec: str, build: Path | None, name: str, vectors, *, flat_max: int | None = None, nprobe: int = NPROBE
    ) -> MilvusStore:
        """A new collection ``name`` (replacing one of that name), indexed as FAISS would be:
        exact (FLAT) up to ``flat_max`` vectors (FLAT_MAX), IVF_FLAT above."""
        from pymilvus import DataType

        n, dim = vectors.shape
        uri, db_name = milvus_uri(spec), _CREDENTIALS["db_name"]
        info: dict[str, Any] = {"type": "milvus", "store": spec, "collection": name}
        if db_name and is_server(uri):
            info["db_name"] = db_name
        if build is not None:
            (Path(build) / PENDING_RECORD).write_text(json.dumps(info), encoding="utf-8")
        with reaching(spec, "creating a collection"):
            client = _new_collection_client(uri, info.get("db_name"))
            if client.has_collection(name):
                client.drop_collection(name)
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("pid", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        params = client.prepare_index_params()
        info["metric"] = "inner_product"
        if n <= (FLAT_MAX if flat_max is None else flat_max):
            params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
            info["index"] = "FLAT"
        else:
            nlist = ivf_nlist(n)
            params.add_index(field_name="vector", index_type="IVF_FLAT", metric_type="IP", params={"nlist": nlist})
            info.update(index="IVF_FLAT", nlist=nlist, nprobe=min(nprobe, nlist))
        with reaching(spec, "creating a collection"):
            client.create_collection(name, schema=schema, index_params=params)
        return cls(client, info, dim, 0)

    @classmethod
    def open(cls, build: Path, manifest: dict) -> MilvusStore:
        info = manifest["dense_index"]
        with reaching(info["store"], "opening the index"):
            client = _client(milvus_uri(info["store"]), info.get("db_name"))
            if not client.has_collection(info["collection"]):
                where = info["store"] + (f", database {info['db_name']}" if info.get("db_name") else "")
                raise RuntimeError(f"collection '{info['collection']}' not found in {where}")
            client.load_collection(info["collection"])
        return cls(client, info, int(manifest["dim"]), int(manifest["passages"]))

    @classmethod
    def discard(cls, info: dict) -> bool:
        """Drop the collection; False when the store cannot be reached (the caller keeps the record to try again)."""
        try:
            client = _client(milvus_uri(info["store"]), info.get("db_name"))
            if client.has_collection(info["collection"]):
                client.drop_collection(info["collection"])
            return True
        except Exception:  # noqa: BLE001 - cleanup must never fail a build
            return False

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        for i in range(0, len(vectors), self.batch):
            rows = vectors[i : i + self.batch]
            with reaching(self.info["store"], "writing passage vectors"):
                self.client.insert(
                    self.collection, [{"pid": self.ntotal + j, "vector": v.tolist()} for j, v in enumerate(rows)]
                )
            self.ntotal += len(rows)

    def search(
        self, queries: np.ndarray, k: int, among: Sequence[range] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest ids and their inner products; ``among`` limits the search to those ranges of ids,
        filtered by the server while it searches (an IVF index then probes proportionally more cells)."""
        queries = np.asarray(queries, dtype=np.float32)
        options: dict = {"search_params": self.params}
        if among is not None:
            chosen = sum(len(r) for r in among)
            options["filter"] = range_filter(among)
            if "nprobe" in self.info:
                nprobe = min(self.info["nlist"], math.ceil(self.info["nprobe"] * max(1, self.ntotal) / max(1, chosen)))
                options["search_params"] = {**self.params, "params": {"nprobe": nprobe}}
        with reaching(self.info["store"], "searching passages"):
            res = self.client.search(
                self.collection, data=[q.tolist() for q in queries], limit=k, output_fields=["pid"], **options
            )
        sims = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for row, hits in enumerate(res):
            for j, h in enumerate(hits[:k]):
                ids[row, j] = h["id"] if "id" in h else h["entity"]["pid"]
                sims[row, j] = h["distance"]
        return sims, ids

    def vectors(self, batch: int = 1000) -> np.ndarray:
        out = np.zeros((self.ntotal, self.d), dtype=np.float32)
        for start in range(0, self.ntotal, batch):
            ids = list(range(start, min(start + batch, self.ntotal)))
            with reaching(self.info["store"], "reading passage vectors"):
                rows = self.client.get(self.collection, ids=ids, output_fields=["vector"])
            for r in rows:
                out[int(r["pid"])] = r["vector"]
        return out

    def save(self, build: Path | None) -> None:
        """Flush the inserts and load the collection for search (it stays on the Milvus side)."""
        with reaching(self.info["store"], "saving passage vectors"):
            self.client.flush(self.collection)
            self.client.load_collection(self.collection)

    def drop(self) -> None:
        self.discard(self.info)
