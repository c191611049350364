"""Prints the notes of one batch for an annotator to read (note text stays out of git: read it here, never copy it).

usage: python3 tools/annotate/show.py BATCH [NOTE_ID]
"""
import sys

from corpus import batch_ids, note_texts

texts = note_texts()
ids = [sys.argv[2]] if len(sys.argv) > 2 else batch_ids(sys.argv[1])
for nid in ids:
    print(f'===== {nid} ({len(texts[nid])} chars) =====')
    print(texts[nid])
    print()
