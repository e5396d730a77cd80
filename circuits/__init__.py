"""Gate-level building blocks: oracles, block encodings, QSVT sequences, re-uploading layers."""
