"""Model adapters by role (Embedder, LanguageModel, Generator); importing loads nothing.

Use ``models.catalog.get_embedder(config)`` and friends; see ``models/base.py`` for the protocols.
"""

from __future__ import annotations
