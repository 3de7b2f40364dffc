"""The declared public surface, and what answering a question loads."""

import json
import subprocess
import sys
from pathlib import Path

import rag

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves():
    assert set(rag.__all__) == {"__version__", *rag._PUBLIC}
    for name in rag.__all__:
        assert getattr(rag, name) is not None, name
    assert rag.Assistant.__module__ == "rag.assistant" and rag.build_index.__module__ == "rag.ingest.build"


def test_answering_loads_nothing_of_ingest_train_or_eval(seed_index_dir):
    code = (
        "import json, sys\n"
        "from rag import Assistant, Settings\n"
        f"a = Assistant(Settings(index_dir={str(seed_index_dir)!r}))\n"
        "ans = a.ask('What did Townsend say?')\n"
        "print(json.dumps({'refused': ans.refused, 'modules': sorted(m for m in sys.modules "
        "if m.startswith(('rag.ingest', 'rag.train', 'rag.eval')))}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"refused": False, "modules": []}
