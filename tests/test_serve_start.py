"""How `rag serve` starts (rag/cli_commands.py cmd_serve, rag_ui.app.serve): the cyclic garbage collector is off while
the server loads, and on once it listens, with what the start made frozen. In-process, with Gradio's launch replaced:
no server (the real one: tests/test_ui_server.py)."""

from __future__ import annotations

import gc
from concurrent.futures import Future

import gradio as gr
import pytest

import rag_ui.app
from rag.cli import build_parser
from rag.settings import Settings
from rag.store.manifest import IndexError_


@pytest.fixture
def collector():
    """Puts the collector back as it was (on, nothing frozen) whatever the test did."""
    yield
    gc.unfreeze()
    gc.enable()


def test_the_server_loads_without_the_cyclic_collector(monkeypatch, tmp_path, collector):
    seen = {}

    def serve(settings, host, port, auth, loading):
        seen["collector on"] = gc.isenabled()
        loading.exception()  # the load ran (and failed: there is no index), in the thread it is given

    monkeypatch.setattr(rag_ui.app, "serve", serve)
    args = build_parser().parse_args(["serve", "--index-dir", str(tmp_path / "none"), "--data-dir", str(tmp_path)])
    assert args.func(args) == 0
    assert seen == {"collector on": False}


def test_once_listening_the_collector_is_on_and_leaves_the_start_frozen(monkeypatch, tmp_path, collector):
    launched = []
    monkeypatch.setattr(rag_ui.app, "launch", lambda app, **kwargs: launched.append(gc.isenabled()))
    monkeypatch.setattr(gr.Blocks, "block_thread", lambda self: None)
    failed: Future = Future()
    failed.set_exception(IndexError_("no index here"))  # the page that names the problem: quick to build
    gc.disable()
    rag_ui.app.serve(Settings(index_dir=tmp_path / "none", data_dir=tmp_path), loading=failed)
    assert launched == [False]
    assert gc.isenabled() and gc.get_freeze_count() > 0
