"""Text analysis shared by ingest and ranking: language, near-duplicate fingerprints
(SimHash, MinHash) and sentence embeddings.

Pure leaves: no models, no Django, nothing from another florilege app, so the pipeline can
use them in any direction without import cycles.
"""
