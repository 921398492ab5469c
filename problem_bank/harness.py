"""Turn candidate code into a runnable program: the code plus a generated test harness.

Only the arguments go into the program, never the expected values: the harness calls the
function on each case and prints what it returned, one marked JSON line per case, and the judge
compares on the host. So candidate code that reads its own stdin or source learns nothing about
hidden answers.

Each result line starts with a per-run random marker, so anything the candidate prints (debug
output, even a line that looks like JSON) is told apart from the harness's lines and handed back
as the candidate's own output. The marker is not a security boundary (the code runs in the same
process and could forge lines); it keeps honest programs' prints from being misread.

Python and JavaScript read the arguments as JSON on stdin. C++ gets them as literals (no JSON
parser in the standard library), and a small printer for the type vocabulary writes results back.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sandbox import Language

from .model import Signature, ValueType


@dataclass(frozen=True, slots=True)
class HarnessProgram:
    """A complete program for the sandbox, and how to recognise its result lines."""

    source: str
    stdin: str
    marker: str


def new_marker() -> str:
    """A marker no honest program prints by accident."""
    return f"@@judge-{secrets.token_hex(8)}@@"


def build_program(
    signature: Signature,
    language: Language,
    code: str,
    cases: Sequence[Sequence[Any]],
    *,
    marker: str,
) -> HarnessProgram:
    """The candidate's code followed by a harness that calls `signature.name` on every case."""
    if language == "python":
        return HarnessProgram(_python(signature, code, marker), json.dumps(cases), marker)
    if language == "javascript":
        return HarnessProgram(_javascript(signature, code, marker), json.dumps(cases), marker)
    return HarnessProgram(_cpp(signature, code, cases, marker), "", marker)


# --- Python -----------------------------------------------------------------------------------

_PYTHON_HARNESS = """

# ---- judge harness (generated) ----
def __judge_main():
    import json as _json
    import sys as _sys
    import traceback as _traceback

    _sys.setrecursionlimit(10000)
    _cases = _json.loads(_sys.stdin.read())
    _fn = globals().get(%(name)r)
    if not callable(_fn):
        raise SystemExit("the code does not define a function named %(name)s")
    for _i, _args in enumerate(_cases):
        try:
            _line = _json.dumps({"i": _i, "got": _fn(*_args)})
        except Exception as _e:
            _lines = [
                _frame.lineno
                for _frame in _traceback.extract_tb(_e.__traceback__)
                if _frame.filename == __file__ and (_frame.lineno or 0) <= %(last_line)d
            ]
            _where = " (line %%d)" %% _lines[-1] if _lines else ""
            _error = type(_e).__name__ + ": " + str(_e) + _where
            _line = _json.dumps({"i": _i, "error": _error})
        _sys.stdout.write(%(marker)r + _line + "\\n")
        _sys.stdout.flush()


__judge_main()
"""


def _python(signature: Signature, code: str, marker: str) -> str:
    code = code.rstrip()
    values = {"name": signature.name, "marker": marker, "last_line": _line_count(code)}
    return code + "\n" + _PYTHON_HARNESS % values


def _line_count(code: str) -> int:
    """Lines of candidate code: an error on a later line is in the harness, not theirs."""
    return code.count("\n") + 1


# --- JavaScript -------------------------------------------------------------------------------

_JS_HARNESS = """
;// ---- judge harness (generated) ----
(() => {
  const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
  let fn;
  try { fn = %(name)s; } catch (e) { fn = undefined; }
  if (typeof fn !== "function") {
    process.stderr.write("the code does not define a function named %(name)s\\n");
    process.exit(1);
  }
  const where = (e) => {
    for (const frame of String((e && e.stack) || "").split("\\n")) {
      if (!frame.includes(__filename)) continue;
      const m = /:(\\d+):\\d+\\)?\\s*$/.exec(frame);
      if (m && Number(m[1]) <= %(last_line)d) return " (line " + m[1] + ")";
    }
    return "";
  };
  const plain = (v) => {
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return Array.from(v);
    return v === undefined ? null : v;
  };
  for (let i = 0; i < cases.length; i++) {
    let line;
    try {
      line = JSON.stringify({ i, got: plain(fn(...cases[i])) });
    } catch (e) {
      const error = (e instanceof Error ? e.name + ": " + e.message : String(e)) + where(e);
      line = JSON.stringify({ i, error });
    }
    process.stdout.write(%(marker)s + line + "\\n");
  }
})();
"""


def _javascript(signature: Signature, code: str, marker: str) -> str:
    code = code.rstrip()
    values = {"name": signature.name, "marker": json.dumps(marker), "last_line": _line_count(code)}
    return code + "\n" + _JS_HARNESS % values


# --- C++ --------------------------------------------------------------------------------------

_CPP_PRELUDE = """\
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <numeric>
#include <queue>
#include <set>
#include <sstream>
#include <stack>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>
#line 1 "solution.cpp"
"""

_CPP_PRINTER = """
#line 1 "judge_harness.cpp"
namespace judge_harness {
template <class T, class = void> struct is_map_like : std::false_type {};
template <class T>
struct is_map_like<T, std::void_t<typename T::key_type, typename T::mapped_type>>
    : std::true_type {};
template <class T, class = void> struct is_sequence : std::false_type {};
template <class T>
struct is_sequence<T, std::void_t<typename T::value_type, decltype(std::declval<T>().begin())>>
    : std::true_type {};

inline void emit_string(std::ostream& out, std::string_view text) {
  out << '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\\\') {
      out << '\\\\' << c;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\\\u%%04x", c);
      out << buf;
    } else {
      out << c;
    }
  }
  out << '"';
}

template <class T> void emit(std::ostream& out, const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    out << (value ? "true" : "false");
  } else if constexpr (std::is_integral_v<T>) {
    out << static_cast<long long>(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (std::isfinite(value)) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%%.17g", static_cast<double>(value));
      out << buf;
    } else {
      out << "null";
    }
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    emit_string(out, std::string_view(value));
  } else if constexpr (is_map_like<T>::value) {
    out << '{';
    bool first = true;
    for (const auto& entry : value) {
      if (!first) out << ',';
      first = false;
      emit_string(out, std::string_view(entry.first));
      out << ':';
      emit(out, entry.second);
    }
    out << '}';
  } else if constexpr (is_sequence<T>::value) {
    out << '[';
    bool first = true;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!first) out << ',';
      first = false;
      emit(out, static_cast<typename T::value_type>(*it));
    }
    out << ']';
  } else {
    static_assert(sizeof(T) == 0, "the judge cannot print this return type");
  }
}

inline void result(int index, const std::string& got_json) {
  std::cout << %(marker)s << "{\\"i\\": " << index << ", \\"got\\": " << got_json << "}"
            << std::endl;
}

inline void failure(int index, const std::string& message) {
  std::ostringstream text;
  emit_string(text, message);
  std::cout << %(marker)s << "{\\"i\\": " << index << ", \\"error\\": " << text.str() << "}"
            << std::endl;
}
}  // namespace judge_harness

int main() {
%(cases)s
  return 0;
}
"""

_CPP_CASE = """\
  try {
%(args)s
    auto got = %(name)s(%(call)s);
    std::ostringstream text;
    judge_harness::emit(text, got);
    judge_harness::result(%(index)d, text.str());
  } catch (const std::exception& e) {
    judge_harness::failure(%(index)d, std::string("exception: ") + e.what());
  } catch (...) {
    judge_harness::failure(%(index)d, "exception of unknown type");
  }
"""

CPP_TYPES: dict[ValueType, str] = {
    ValueType.INT: "long long",
    ValueType.FLOAT: "double",
    ValueType.BOOL: "bool",
    ValueType.STR: "std::string",
    ValueType.LIST_INT: "std::vector<long long>",
    ValueType.LIST_FLOAT: "std::vector<double>",
    ValueType.LIST_BOOL: "std::vector<bool>",
    ValueType.LIST_STR: "std::vector<std::string>",
    ValueType.LIST_LIST_INT: "std::vector<std::vector<long long>>",
    ValueType.LIST_LIST_STR: "std::vector<std::vector<std::string>>",
    ValueType.DICT_STR_INT: "std::map<std::string, long long>",
}
"""How each vocabulary type is spelled in C++ (starter code uses the same spellings)."""


def cpp_literal(value: Any, value_type: ValueType) -> str:
    """A C++ expression of type `CPP_TYPES[value_type]` equal to the JSON value."""
    if value_type is ValueType.INT:
        return f"{int(value)}LL" if value >= 0 else f"({int(value)}LL)"
    if value_type is ValueType.FLOAT:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"cannot write {number} as a C++ literal")
        return f"({number!r})"
    if value_type is ValueType.BOOL:
        return "true" if value else "false"
    if value_type is ValueType.STR:
        return _cpp_string(str(value))
    if value_type is ValueType.DICT_STR_INT:
        entries = ", ".join(
            f"{{{_cpp_string(k)}, {cpp_literal(v, ValueType.INT)}}}" for k, v in value.items()
        )
        return f"{CPP_TYPES[value_type]}{{{entries}}}"
    element = value_type.element
    assert element is not None
    items = ", ".join(cpp_literal(item, element) for item in value)
    return f"{CPP_TYPES[value_type]}{{{items}}}"


def _cpp_string(text: str) -> str:
    """A std::string literal; octal escapes (at most 3 digits) so no escape swallows the next
    character, and an explicit length so embedded NULs survive."""
    data = text.encode("utf-8")
    body = []
    for byte in data:
        char = chr(byte)
        if char in '"\\?':
            body.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            body.append(char)
        else:
            body.append(f"\\{byte:03o}")
    return f'std::string("{"".join(body)}", {len(data)})'


def _cpp(signature: Signature, code: str, cases: Sequence[Sequence[Any]], marker: str) -> str:
    rendered = []
    for index, args in enumerate(cases):
        lines = [
            f"    auto arg{n} = {cpp_literal(arg, param.type)};"
            for n, (param, arg) in enumerate(zip(signature.params, args, strict=True))
        ]
        rendered.append(
            _CPP_CASE
            % {
                "args": "\n".join(lines),
                "name": signature.name,
                "call": ", ".join(f"arg{n}" for n in range(len(signature.params))),
                "index": index,
            }
        )
    marker_literal = json.dumps(marker)
    printer = _CPP_PRINTER % {"marker": marker_literal, "cases": "".join(rendered)}
    return _CPP_PRELUDE + code.rstrip() + "\n" + printer
