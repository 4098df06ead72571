from __future__ import annotations

import pytest

from pipeline import registry
from pipeline.config import load_config
from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.runner import Pipeline


def test_stage_order_is_checked_when_the_pipeline_is_built():
    with pytest.raises(PipelineError, match=r"stage 'segment' requires text.*add ingest before it"):
        Pipeline.build(load_config(), ["segment"])


def test_unknown_stage_lists_valid_ones():
    with pytest.raises(PipelineError, match="valid stages: ingest, segment"):
        registry.get("translate")


def test_runner_rejects_a_stage_that_replaces_the_document():
    pipeline = Pipeline(load_config(), ["bad"], [lambda doc: Document(id="other", language="zh", text="")])
    with pytest.raises(PipelineError, match="enrich"):
        pipeline(Document(id="d", language="zh", text="x"))


def test_runner_records_stages_run(example_doc):
    assert example_doc.stages == ["ingest", "segment"]
