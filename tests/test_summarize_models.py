"""The summarize stage with the packaged models (marked ``models``): embedding centrality with a real
alignment, and the abstractive method with the real Generator, whose output must pass the grounding check."""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks.summarize import fixture_pair, load_fixtures
from pipeline.config import SummarizeConfig, load_config
from pipeline.runner import process_pair
from pipeline.summarize import source_document, to_summary, verify
from pipeline.summary_methods import Abstractive, Budget, DocText, Extractive, scopes
from tests.conftest import SEGMENT_DATA

pytestmark = pytest.mark.models


def with_summarize(**settings):
    base = load_config(overrides={"run.device": "cpu"})
    return dataclasses.replace(base, stages=dataclasses.replace(base.stages, summarize=SummarizeConfig(**settings)))


def test_embedding_centrality_with_a_real_alignment():
    config = with_summarize(similarity="embedding")
    pair = process_pair(SEGMENT_DATA / "zh_report.txt", config, SEGMENT_DATA / "en_report.txt",
                        stages=["ingest", "segment", "align", "summarize"])
    keys = {(s.section, s.language) for s in pair.zh.summaries}
    for section in [None, *(s.id for s in pair.zh.sections)]:
        assert (section, "zh") in keys and (section, "en") in keys
    for summary in pair.zh.summaries:
        assert all(verify(summary, source_document(pair, summary)))


def test_abstractive_with_the_real_generator_only_keeps_grounded_sentences():
    from models.catalog import get_generator

    config = with_summarize(method="abstractive")
    fx = next(f for f in load_fixtures() if f["id"] == "roads")
    pair = fixture_pair(fx, english=False)
    dt = DocText(pair.zh)
    dt.embed(None, [])
    scope = next(sc for sc in scopes(pair.zh) if sc.section is not None)
    method = Abstractive(get_generator(config), config.stages.summarize, Extractive(config.stages.summarize), 160,
                         config.models.generator.context_tokens)
    draft = method.summarize(dt, scope, Budget(3, 320, 320))
    assert draft.method in ("abstractive", "extractive-fallback")
    assert draft.sentences and draft.generated >= len(draft.sentences)
    summary = to_summary(draft, scope, pair.zh, "zh", 0.0)
    assert all(verify(summary, pair.zh))
