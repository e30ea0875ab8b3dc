"""plaudit's call harness: runs inside the sandbox, next to the untrusted solution.

Input, on stdin, one JSON document (no expected values, ever):
    {"entry_point": "f", "setup": "<python, optional>",
     "tests": [{"args": [<typed>...], "kwargs": {"k": <typed>}, "iterate": false}, ...]}

Output, on a private duplicate of fd 1 (fd 1 itself is pointed at fd 2 before
the solution loads, so that its prints cannot mix with the results): one line
per test, {"i": k, "value": <typed>} or {"i": k, "error": "ExcType: message"},
written and flushed one at a time; or one {"load_error": "ExcType: message"}
line when solution.py (or the setup code) fails to load.

<typed> is plaudit's typed JSON (tuples, sets, dicts, big ints, floats and
bytes tagged). Only plain data is encoded: a value of any other type (a custom
class, whatever its __eq__) is an error line, never a value. "iterate" (set
when the test applies list()/tuple()/set()/sorted() to the result) lets an
iterator or generator result be read as a list first, as those builtins would.

None of this is a security boundary: the solution runs in this process and can
rewrite anything here. The Rust side treats every line as untrusted data.
"""

import json
import os
import sys

MAX_DEPTH = 40  # plaudit's pyvalue::MAX_DEPTH
MAX_VALUES = 1_000_000
MAX_INT_CHARS = 10_000
MAX_MESSAGE = 1_000
INT64 = 1 << 63

# Bound before the solution can rebind them.
_dumps = json.dumps
_loads = json.loads
_write = os.write
_isinstance = isinstance
_issubclass = issubclass
_type = type
_len = len
_str = str
_repr_float = float.__repr__
_index = int.__index__
_float = float.__float__
_str_copy = str.__str__


class UnsupportedResult(Exception):
    pass


def decode(v, depth=0):
    """A Python value from typed JSON."""
    if depth > MAX_DEPTH:
        raise ValueError("input nested too deeply")
    if _isinstance(v, list):
        return [decode(x, depth + 1) for x in v]
    if _isinstance(v, dict):
        if _len(v) == 1:
            ((tag, x),) = v.items()
            if tag.startswith("$"):
                if tag == "$int":
                    return int(x, 0) if x.lstrip("-").startswith("0x") else int(x)
                if tag == "$float":
                    return float(x)
                if tag == "$bytes":
                    return bytes.fromhex(x)
                if tag == "$tuple":
                    return tuple(decode(y, depth + 1) for y in x)
                if tag == "$set":
                    return {decode(y, depth + 1) for y in x}
                if tag == "$frozenset":
                    return frozenset(decode(y, depth + 1) for y in x)
                if tag == "$dict":
                    return {decode(k, depth + 1): decode(y, depth + 1) for k, y in x}
                raise ValueError("unknown tag " + tag)
        return {k: decode(x, depth + 1) for k, x in v.items()}
    return v


def encode(v, iterate, count, depth=0):
    """Typed JSON of a returned value; UnsupportedResult for anything else."""
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise UnsupportedResult("the result holds more than 1000000 values")
    t = _type(v)
    if v is None or t is bool:
        return v
    if _issubclass(t, int):
        n = _index(v)
        if -INT64 <= n < INT64:
            return n
        text = hex(n)
        if _len(text) > MAX_INT_CHARS:
            raise UnsupportedResult("the result is an int too large to report")
        return {"$int": text}
    if _issubclass(t, float):
        return {"$float": _repr_float(_float(v))}
    if _issubclass(t, str):
        s = _str_copy(v)
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            raise UnsupportedResult("the result is a str with a lone surrogate") from None
        return s
    if _issubclass(t, (bytes, bytearray)):
        return {"$bytes": memoryview(v).hex()}
    # Containers sit at depths 0 to MAX_DEPTH - 1, as the Rust side reads them.
    if depth >= MAX_DEPTH:
        raise UnsupportedResult("the result is nested more than 40 levels deep")
    if _issubclass(t, list):
        return [encode(x, False, count, depth + 1) for x in list.__iter__(v)]
    if _issubclass(t, tuple):
        return {"$tuple": [encode(x, False, count, depth + 1) for x in tuple.__iter__(v)]}
    if _issubclass(t, dict):
        return {
            "$dict": [
                [encode(k, False, count, depth + 1), encode(x, False, count, depth + 1)]
                for k, x in dict.items(v)
            ]
        }
    if _issubclass(t, frozenset):
        return {"$frozenset": [encode(x, False, count, depth + 1) for x in frozenset.__iter__(v)]}
    if _issubclass(t, set):
        return {"$set": [encode(x, False, count, depth + 1) for x in set.__iter__(v)]}
    if iterate:
        try:
            it = iter(v)
        except TypeError:
            it = None
        if it is not None:
            items = []
            for x in it:
                items.append(x)
                if _len(items) > MAX_VALUES:
                    raise UnsupportedResult("the result yields more than 1000000 values")
            return [encode(x, False, count, depth + 1) for x in items]
    try:
        name = _str_copy(t.__name__) if _isinstance(t.__name__, str) else "?"
    except BaseException:
        name = "?"
    raise UnsupportedResult(f"a result of type {name} cannot be compared")


def describe(exc):
    """'ExcType: message', whatever the exception does to resist."""
    try:
        name = _type(exc).__name__
        name = _str_copy(name) if _isinstance(name, str) else "Exception"
    except BaseException:
        name = "Exception"
    try:
        msg = _str(exc)
        msg = _str_copy(msg) if _isinstance(msg, str) else ""
    except BaseException:
        msg = "<unprintable message>"
    text = f"{name}: {msg}" if msg else name
    return text[:MAX_MESSAGE]


def main():
    spec = _loads(sys.stdin.buffer.read())
    out = os.dup(1)
    os.dup2(2, 1)

    def emit(obj):
        data = (_dumps(obj, ensure_ascii=True, allow_nan=False, separators=(",", ":")) + "\n").encode("ascii")
        while data:
            data = data[_write(out, data):]

    try:
        import importlib.util

        path = os.path.join(os.getcwd(), "solution.py")
        module_spec = importlib.util.spec_from_file_location("solution", path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules["solution"] = module
        module_spec.loader.exec_module(module)
        setup = spec.get("setup")
        if setup:
            exec(compile(setup, "<setup>", "exec"), module.__dict__)
        fn = getattr(module, spec["entry_point"])
    except BaseException as e:
        emit({"load_error": describe(e)})
        return

    for i, test in enumerate(spec["tests"]):
        try:
            args = [decode(a) for a in test.get("args", [])]
            kwargs = {k: decode(a) for k, a in test.get("kwargs", {}).items()}
            result = fn(*args, **kwargs)
            line = {"i": i, "value": encode(result, bool(test.get("iterate")), [0])}
        except BaseException as e:
            line = {"i": i, "error": describe(e)}
        emit(line)


if __name__ == "__main__":
    main()
