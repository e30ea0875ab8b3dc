"""Regenerate the Parquet fixtures that plaudit-io's tests read.

Not run in CI: the generated files are committed. Run it by hand after
changing it, from the repository root:

    pip install pyarrow pandas
    python crates/plaudit-io/tests/data/make_fixtures.py

It writes two files next to itself:

gsm8k_verl.parquet
    The first 50 rows of GSM8K's test split in exactly the layout verl's
    `examples/data_preprocess/gsm8k.py` writes (through Hugging Face
    `datasets.Dataset.to_parquet`, i.e. pyarrow with its default options and
    the `huggingface` schema metadata), plus a `response` column holding a
    made-up model response per row so that the file can be scored: right,
    wrong and malformed answers in `<think>/<answer>` and `####` styles.

kitchen_sink.parquet
    Four rows exercising every kind of column plaudit-io converts to JSON:
    nulls, integers of several widths, floats with NaN and infinities,
    booleans, strings, binary (valid and invalid UTF-8), dates, times,
    timestamps in every unit with and without a time zone, decimals, lists,
    nested lists, lists of structs, maps, nested structs and a dictionary
    encoded column, written in row groups of two rows.

The values asserted in tests/parquet_read.rs come from this script; change
both together.
"""

import datetime
import decimal
import json
import pathlib
import re

import pyarrow as pa
import pyarrow.parquet as pq

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[3]
GSM8K = REPO.parent / "shared" / "data" / "math" / "gsm8k_test.jsonl"
ROWS = 50

# verl's prompt suffix for GSM8K (examples/data_preprocess/gsm8k.py).
INSTRUCTION = "Let's think step by step and output the final answer after \"####\"."


def extract_solution(solution_str):
    # Same regex and post-processing as verl's extract_solution.
    solution = re.search("#### (\\-?[0-9\\.\\,]+)", solution_str)
    assert solution is not None
    final_solution = solution.group(0)
    return final_solution.split("#### ")[1].replace(",", "")


def reasoning(answer_raw):
    """The worked solution without its calculator annotations and final line."""
    body = answer_raw.split("####")[0].strip()
    return re.sub(r"<<[^>]*>>", "", body)


def response(idx, answer_raw, truth):
    """A plausible policy response; the mix is fixed by the row index."""
    think = reasoning(answer_raw)
    wrong = str(int(float(truth)) + 1)
    kind = idx % 6
    if kind in (0, 1):
        return f"<think>\n{think}\n</think>\n<answer>{truth}</answer>"
    if kind == 2:
        return f"{think}\n#### {truth}"
    if kind == 3:
        return f"<think>\n{think}\n</think>\n<answer>{wrong}</answer>"
    if kind == 4:
        # Malformed: the think block never closes and no answer tag follows.
        return f"<think>\n{think}\nSo the answer is {truth}"
    return f"{think}\nThe answer is {wrong}."


def gsm8k_verl():
    with GSM8K.open(encoding="utf-8") as f:
        examples = [json.loads(line) for _, line in zip(range(ROWS), f)]

    rows = []
    for idx, example in enumerate(examples):
        question_raw = example["question"]
        answer_raw = example["answer"]
        solution = extract_solution(answer_raw)
        rows.append(
            {
                "data_source": "openai/gsm8k",
                "prompt": [{"role": "user", "content": question_raw + " " + INSTRUCTION}],
                "ability": "math",
                "reward_model": {"style": "rule", "ground_truth": solution},
                "extra_info": {
                    "split": "test",
                    "index": idx,
                    "answer": answer_raw,
                    "question": question_raw,
                },
                "response": response(idx, answer_raw, solution),
            }
        )

    # The arrow types `datasets` infers for verl's dicts, in insertion order.
    schema = pa.schema(
        [
            ("data_source", pa.string()),
            ("prompt", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
            ("ability", pa.string()),
            ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
            (
                "extra_info",
                pa.struct(
                    [
                        ("split", pa.string()),
                        ("index", pa.int64()),
                        ("answer", pa.string()),
                        ("question", pa.string()),
                    ]
                ),
            ),
            ("response", pa.string()),
        ]
    )
    features = {
        "data_source": {"dtype": "string", "_type": "Value"},
        "prompt": [{"role": {"dtype": "string", "_type": "Value"}, "content": {"dtype": "string", "_type": "Value"}}],
        "ability": {"dtype": "string", "_type": "Value"},
        "reward_model": {
            "style": {"dtype": "string", "_type": "Value"},
            "ground_truth": {"dtype": "string", "_type": "Value"},
        },
        "extra_info": {
            "split": {"dtype": "string", "_type": "Value"},
            "index": {"dtype": "int64", "_type": "Value"},
            "answer": {"dtype": "string", "_type": "Value"},
            "question": {"dtype": "string", "_type": "Value"},
        },
        "response": {"dtype": "string", "_type": "Value"},
    }
    schema = schema.with_metadata({"huggingface": json.dumps({"info": {"features": features}})})
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, HERE / "gsm8k_verl.parquet")


def kitchen_sink():
    utc = datetime.timezone.utc
    ts = datetime.datetime(2024, 3, 1, 12, 34, 56, 789012)
    columns = {
        "id": pa.array([0, 1, 2, 3], pa.int32()),
        "i8": pa.array([-128, 127, None, 0], pa.int8()),
        "u16": pa.array([0, 65535, 7, None], pa.uint16()),
        "u64": pa.array([0, 2**64 - 1, None, 42], pa.uint64()),
        "i64": pa.array([-(2**63), 2**63 - 1, None, 5], pa.int64()),
        "f16": pa.array([1.5, None, float("inf"), -0.25], pa.float16()),
        "f32": pa.array([0.5, float("nan"), None, -1.25], pa.float32()),
        "f64": pa.array([0.1, float("inf"), float("-inf"), None], pa.float64()),
        "flag": pa.array([True, False, None, True], pa.bool_()),
        "text": pa.array(["plain", "ünïcødé ✓", None, ""], pa.string()),
        "bin": pa.array([b"hello", b"\xff\x00\x01", None, b""], pa.binary()),
        "day": pa.array([datetime.date(2024, 3, 1), datetime.date(1969, 12, 31), None, datetime.date(1970, 1, 1)], pa.date32()),
        "t_ms": pa.array([datetime.time(12, 34, 56, 789000), None, datetime.time(0, 0), datetime.time(23, 59, 59, 999000)], pa.time32("ms")),
        "t_us": pa.array([datetime.time(12, 34, 56, 789012), None, datetime.time(0, 0), datetime.time(23, 59, 59, 999999)], pa.time64("us")),
        "ts_ms_utc": pa.array([ts.replace(tzinfo=utc), None, datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=utc), datetime.datetime(1970, 1, 1, tzinfo=utc)], pa.timestamp("ms", tz="UTC")),
        "ts_us_naive": pa.array([ts, None, datetime.datetime(2000, 2, 29), datetime.datetime(1900, 1, 1, 0, 0, 0, 1)], pa.timestamp("us")),
        "ts_ns_utc": pa.array([1709296496789012345, None, 0, -1], pa.timestamp("ns", tz="UTC")),
        "price": pa.array([decimal.Decimal("12.34"), decimal.Decimal("-0.05"), None, decimal.Decimal("0.00")], pa.decimal128(9, 2)),
        "tags": pa.array([["a", "b"], [], None, ["c", None]], pa.list_(pa.string())),
        "matrix": pa.array([[[1, 2], [3]], [[]], None, [None, [4]]], pa.list_(pa.list_(pa.int64()))),
        "attrs": pa.array([[("x", 1), ("y", 2)], [], None, [("z", None)]], pa.map_(pa.string(), pa.int64())),
        "meta": pa.array(
            [
                {"a": 1, "b": {"c": "deep"}},
                {"a": None, "b": None},
                None,
                {"a": 4, "b": {"c": None}},
            ],
            pa.struct([("a", pa.int32()), ("b", pa.struct([("c", pa.string())]))]),
        ),
        "msgs": pa.array(
            [
                [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
                [],
                None,
                [{"role": "assistant", "content": None}],
            ],
            pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())])),
        ),
        "category": pa.array(["red", "blue", "red", None]).dictionary_encode(),
    }
    table = pa.table(columns)
    pq.write_table(table, HERE / "kitchen_sink.parquet", row_group_size=2, compression="snappy")


if __name__ == "__main__":
    gsm8k_verl()
    kitchen_sink()
