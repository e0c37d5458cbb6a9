from __future__ import annotations

import json
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def corpus_user_agents() -> list[str]:
    """Every distinct User-Agent of the classifier's corpora: people, mail apps, proxies and bots."""
    agents = {json.loads(line).get("ua") for path in sorted(HERE.glob("*.jsonl"))
              for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    return sorted(agent for agent in agents if agent)
