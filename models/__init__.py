"""Model adapters (embedders, language models, generators). Filled by the model-layer work."""
