"""The Hugging Face code paths, on tiny random models the test builds and saves itself (no downloads)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

CORPUS = [
    "联合国系统行政首长协调理事会审议了全系统协调一致问题。",
    "The Board reviewed system-wide coherence and agreed to strengthen cooperation.",
    "大会第 61/16 号决议要求加强经济及社会理事会。",
    "吁请会员国支持千年发展目标。",
] * 20
CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    root = tmp_path_factory.mktemp("tiny")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>")
    fast.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    lm_dir, enc_dir = root / "lm", root / "enc"
    fast.save_pretrained(lm_dir)
    Qwen2ForCausalLM(Qwen2Config(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                                 eos_token_id=fast.eos_token_id, bos_token_id=fast.bos_token_id),
                     ).save_pretrained(lm_dir)
    fast.save_pretrained(enc_dir)
    BertModel(BertConfig(vocab_size=len(fast), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=256)).save_pretrained(enc_dir)
    return lm_dir, enc_dir


def test_hf_causal_lm_scores_with_character_spans(tiny_dir):
    from models.hf_causal import TransformersCausalLM

    lm = TransformersCausalLM(str(tiny_dir[0]))
    text = "吁请会员国支持 UNDP 的工作。"
    scored = lm.score(text, context="联合国系统行政首长协调理事会。", top_k=3)
    assert "".join(t.text for t in scored.tokens) == text
    assert all(t.logprob < 0 and np.isfinite(t.logprob) for t in scored.tokens)
    assert all(len(t.alternatives) == 3 for t in scored.tokens)
    # the same text scored twice gives the same numbers (deterministic)
    again = lm.score(text, context="联合国系统行政首长协调理事会。", top_k=3)
    assert [t.logprob for t in again.tokens] == [t.logprob for t in scored.tokens]


def test_hf_causal_lm_context_changes_scores(tiny_dir):
    from models.hf_causal import TransformersCausalLM

    lm = TransformersCausalLM(str(tiny_dir[0]))
    plain = lm.score("会员国")
    with_context = lm.score("会员国", context="吁请")
    assert [t.text for t in plain.tokens] == [t.text for t in with_context.tokens]
    assert plain.total_logprob != with_context.total_logprob


def test_batched_totals_equal_one_by_one_scores(tiny_dir):
    """totals() pads a batch; padding must not change any text's log-probability."""
    from models.hf_causal import TransformersCausalLM

    lm = TransformersCausalLM(str(tiny_dir[0]))
    texts = ["会员国", "吁请会员国支持 UNDP 的工作。", "大会", "秘书长的报告载有建议"]
    batched = lm.totals(texts, batch_size=3)
    single = [lm.score(t).total_logprob for t in texts]
    assert np.allclose(batched, single, atol=1e-3)


def test_totals_take_a_shared_beginning_from_the_text_before(tiny_dir):
    """A window and its corrections begin alike: the vocabulary head runs only on what each text adds, the
    shared beginning's log-probabilities come from the text before, and every total still equals scoring the
    text alone (prefixes of each other and unrelated texts included, in small batches that split the groups)."""
    from models.hf_causal import TransformersCausalLM

    lm = TransformersCausalLM(str(tiny_dir[0]))
    window = "联合国系统行政首长协调理事会审议了全系统协调一致问题。"
    texts = ["大会", window, window[:20] + window[22:], window[:20] + "的" + window[22:], window + "吁请",
             window[:-3], window[:5], "吁请会员国支持千年发展目标。", "吁请会员国支持千年发展。", "吁请"]
    single = [lm.score(t).total_logprob for t in texts]
    for batch_size in (32, 3):
        assert np.allclose(lm.totals(texts, batch_size=batch_size), single, atol=1e-3)
    calls = []
    hook = lm.model.lm_head.register_forward_hook(lambda _m, args, _out: calls.append(args[0].shape[0]))
    try:
        lm.totals(texts)
    finally:
        hook.remove()
    encoded = [len(lm.tokenizer.encode(t, add_special_tokens=False)) for t in texts]
    assert sum(calls) < sum(encoded)  # the head skipped the shared beginnings


def test_hf_generator_is_deterministic(tiny_dir):
    from models.hf_causal import TransformersCausalLM

    gen = TransformersCausalLM(str(tiny_dir[0]))
    messages = [{"role": "user", "content": "概括：联合国系统。"}]
    first = gen.generate(messages, max_new_tokens=6)
    assert isinstance(first, str)
    assert gen.generate(messages, max_new_tokens=6) == first


def test_hf_embedder_mean_pools_to_unit_vectors(tiny_dir):
    from models.embedders import HFEmbedder

    emb = HFEmbedder(str(tiny_dir[1]))
    vectors = emb.encode(["联合国", "The Board reviewed system-wide coherence.", "会员国"], batch_size=2)
    assert vectors.shape == (3, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(emb.encode(["会员国"])[0], vectors[2], atol=1e-5)  # batch order restored


def test_unknown_hf_model_is_a_clear_error_without_network(monkeypatch, tmp_path):
    from models.embedders import HFEmbedder
    from models.hf_causal import TransformersCausalLM
    from pipeline.errors import ModelNotAvailableError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(ModelNotAvailableError, match="not available offline"):
        TransformersCausalLM("undoc-tests/no-such-model")
    with pytest.raises(ModelNotAvailableError, match="not available offline"):
        HFEmbedder(str(tmp_path / "missing-folder"))


def test_catalog_shares_one_instance_per_config(tiny_dir, monkeypatch):
    from models import catalog
    from pipeline.config import load_config

    catalog.clear()
    config = load_config(overrides={"models.lm.backend": "hf", "models.lm.name": str(tiny_dir[0]),
                                    "models.generator.backend": "hf", "models.generator.name": str(tiny_dir[0]),
                                    "run.device": "cpu"})
    assert catalog.get_language_model(config) is catalog.get_generator(config)
    catalog.clear()
