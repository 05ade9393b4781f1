#!/usr/bin/env python3
"""spaCy baseline for Wasim's speed comparison (issue 14, README "Speed").

What `wasim tag --jobs 1 DIR` does, done the usual spaCy way: a blank Arabic pipeline
(`spacy.blank("ar")`, no model to download) with an EntityRuler holding the same PER, ORG and
LOC entries as Wasim's Gazetteers/*.tsv entity lists. It reads every *.txt file below the
folders given (sorted by path, as wasim walks them), tags them with `nlp.pipe`, and writes one
JSON Lines record per file to standard output. Measure it whole process against whole process:

    pip install spacy
    /usr/bin/time -f '%U %S' python3 Sources/WasimBench/spacy_baseline.py \
        --gazetteers Gazetteers ../shared/corpora/ant-news > /dev/null
    /usr/bin/time -f '%U %S' .build/release/wasim tag --jobs 1 --quiet ../shared/corpora/ant-news > /dev/null

The comparison favours spaCy: its ruler matches the exact surface only (no normalization, no
proclitic readings), and there are no rules, ranges or name propagation.
"""

import argparse
import json
import os
import sys

import spacy

ENTITY_TYPES = {"PER", "ORG", "LOC"}


def entries(folder):
    """(label, surface) for each PER/ORG/LOC line of the gazetteer files, without duplicates."""
    seen = set()
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".tsv"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                fields = line.rstrip("\n").split("\t")
                if len(fields) >= 2 and fields[1] in ENTITY_TYPES:
                    key = (fields[1], fields[0].strip())
                    if key[1] and key not in seen:
                        seen.add(key)
                        yield key


def files(paths):
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        found = []
        for root, dirs, names in os.walk(path):
            found += [os.path.join(root, n) for n in names if n.endswith(".txt")]
        yield from sorted(found, key=lambda p: p.encode("utf-8"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gazetteers", default="Gazetteers", help="folder of Wasim's *.tsv lists")
    parser.add_argument("paths", nargs="+", help="files or folders of *.txt articles")
    args = parser.parse_args()

    nlp = spacy.blank("ar")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": label, "pattern": surface} for label, surface in entries(args.gazetteers)])

    paths = list(files(args.paths))

    def texts():
        for p in paths:
            with open(p, encoding="utf-8", errors="replace") as f:
                yield f.read()

    out = sys.stdout
    for path, doc in zip(paths, nlp.pipe(texts(), batch_size=64)):
        record = {
            "path": path,
            "entities": [
                {"type": e.label_, "start": e.start_char, "end": e.end_char, "text": e.text}
                for e in doc.ents
            ],
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
