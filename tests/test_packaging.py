"""The package as a user installs it: the wheel built from this checkout, installed into a fresh virtual
environment (torch first, from the machine's local CPU wheel as the Makefile does; everything else from the
package index), answers a question about a small text with the installed `rag` command. Also what the wheel
holds: its licence files, its metadata, no top-level `ui` package, one version."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import HARBOUR_QUESTION, HARBOUR_TEXT, ROOT

import rag

pytestmark = pytest.mark.slow

TORCH = "torch==2.13.0"  # as the Makefile installs it: pip would otherwise pull CUDA wheels


def _run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = 1200) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


# what a build never needs, at the checkout's top: environments, indexes, uploads, artefacts, the rag_ui link
TOP_LEVEL_LEFT_OUT = {".venv", ".git", "index", "data", "build", "dist", "rag_cited.egg-info", ".pytest_cache",
                      "test-artifacts", "rag_ui"}


def _not_sources(folder: str, names: list[str]) -> set[str]:
    left_out = {n for n in names if n == "__pycache__"}
    return left_out | (TOP_LEVEL_LEFT_OUT & set(names) if Path(folder) == ROOT else set())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built by pip (in an isolated build environment) from a copy of the checkout's sources, so the
    build leaves nothing in the checkout."""
    source = tmp_path_factory.mktemp("source") / "rag-cited"
    shutil.copytree(ROOT, source, ignore=_not_sources)
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)], source)
    [built] = dist.glob("rag_cited-*.whl")
    return built


def test_the_wheel_holds_the_packages_licences_and_metadata(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = email.message_from_string(z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    assert {n.split("/")[0] for n in names} == {"rag", "rag_ui", f"rag_cited-{rag.__version__}.dist-info"}
    assert meta["Version"] == rag.__version__ and wheel.name.startswith(f"rag_cited-{rag.__version__}-")
    assert meta["License-Expression"] == "Apache-2.0 AND CC-BY-SA-4.0 AND MIT"
    assert {f"rag_cited-{rag.__version__}.dist-info/licenses/{f}" for f in ("LICENSE", "NOTICE")} <= set(names)
    packages = {p.parent.relative_to(ROOT).as_posix() for p in ROOT.glob("rag/**/__init__.py")} | {"rag_ui"}
    assert {f"{p}/__init__.py" for p in packages} <= set(names)  # every package of the checkout is in the wheel
    assert {"rag/py.typed", "rag_ui/py.typed", "rag/reader_model/model.onnx", "rag/reader_model/LICENSE.md",
            "rag/decision_model/decision.onnx", "rag/decision_model/ranker.onnx", "rag/decision_model/decision.json",
            "rag/decision_model/MODEL_CARD.md", "rag/eval/data/swap_pools.json", "rag_ui/app.js", "rag_ui/app.css"} <= set(names)
    required = {r.split(";")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower()
                for r in meta.get_all("Requires-Dist") if "extra ==" not in r}
    assert {"markdown-it-py", "pandas", "fastapi", "starlette", "tokenizers", "transformers", "sse-starlette"} <= required
    assert "nltk" not in required  # our own Punkt port splits sentences (rag/text/punkt.py)
    assert "Typing :: Typed" in meta.get_all("Classifier") and meta.get_all("Project-URL")


def test_a_fresh_environment_installs_the_wheel_and_answers(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    # nothing of this checkout may leak in: no PYTHONPATH, another working directory
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HF_HUB_OFFLINE="1", RAG_CACHE_DIR=str(tmp_path / "cache"), PATH=f"{bin_dir}:{env.get('PATH', '')}")
    _run([str(bin_dir / "pip"), "install", "-q", "--no-compile", TORCH], tmp_path, env)  # no .pyc: faster
    _run([str(bin_dir / "pip"), "install", "-q", "--no-compile", str(wheel)], tmp_path, env)
    where = _run([str(bin_dir / "python"), "-c", "import rag, rag_ui, importlib.util as u; print(rag.__file__); "
                  "print(u.find_spec('ui'))"], tmp_path, env).stdout.split()
    assert where[0].startswith(str(env_dir)) and where[1] == "None"  # the installed package; no top-level "ui"
    assert _run([str(bin_dir / "rag"), "--version"], tmp_path, env).stdout.strip() == f"rag {rag.__version__}"
    (tmp_path / "harbour-log.txt").write_text(HARBOUR_TEXT, encoding="utf-8")
    out = _run([str(bin_dir / "rag"), "ingest", "-q", "--index-dir", "index", "harbour-log.txt"], tmp_path, env)
    assert out.stdout.startswith("indexed 1 document(s)")
    answer = _run([str(bin_dir / "rag"), "ask", "--index-dir", "index", HARBOUR_QUESTION], tmp_path, env).stdout
    assert answer.startswith("Answer: 913:") and f"[1] Harbour log ({tmp_path / 'harbour-log.txt'}, chars" in answer
    _run([str(bin_dir / "pip"), "check"], tmp_path, env)


def test_every_folder_of_the_package_is_listed_so_the_build_does_not_warn():
    # setuptools takes a folder of data inside a package (models, rounds, documents) for an importable package
    # and prints a page of BuildBackendWarning for each one pyproject.toml's packages does not list
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {d.relative_to(ROOT).as_posix().replace("/", ".") for d in (ROOT / "rag").rglob("*")
               if d.is_dir() and d.name != "__pycache__" and any(f.is_file() for f in d.iterdir())}
    assert folders - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
