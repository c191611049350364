"""Writes the drug-name lexicon the NER engine learns from the annotated corpus: every medication name of the corpus's
train split, lower-cased, one per line, into <model dir>/drug-lexicon.txt.

  python3 tools/train/drug_lexicon.py --model-dir models/clinex-bert-ner

The engine keeps a predicted drug name only when it has a dose, frequency or route, or is in the project's drug table
(libs/clinical), or is in this lexicon (apps/extractor/src/engines/bert-ner/drug-name.filter.ts). Only the train split
is read: the tune split measures the rule and the held-out split is never looked at.
"""
import argparse
import json
import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CORPUS = os.path.join(REPO, 'data', 'corpus')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model-dir', required=True)
    a = ap.parse_args()
    split = json.load(open(os.path.join(CORPUS, 'manifest.json')))['split']
    names = set()
    for f in sorted(os.listdir(os.path.join(CORPUS, 'annotations'))):
        for line in open(os.path.join(CORPUS, 'annotations', f), encoding='utf-8'):
            ann = json.loads(line)
            if split.get(ann['id']) != 'train':
                continue
            for m in ann['medications']:
                name = ' '.join(m['name']['text'].lower().split())
                if name:
                    names.add(name)
    path = os.path.join(a.model_dir, 'drug-lexicon.txt')
    with open(path, 'w', encoding='utf-8') as out:
        out.write('# medication names of data/corpus train split (tools/train/drug_lexicon.py)\n')
        for n in sorted(names):
            out.write(n + '\n')
    print(f'{len(names)} names -> {path}')


if __name__ == '__main__':
    main()
