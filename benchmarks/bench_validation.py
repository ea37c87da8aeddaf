"""Validation speed: load_config vs python-jsonschema, and a cold `sat-config validate`.

Figures are printed, not asserted (timed tests flake on shared machines). Targets from the
foundation issue: load_config <= 40 us per call, >= 20x faster than python-jsonschema alone,
cold validate well under 0.5 s; since the schema facts are generated (generated/facts), a cold
validate of a valid config <= 130 ms. Compare cold figures taken in the same minute: they
follow the machine's load.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UPSTREAM = REPO / "tests" / "corpus" / "upstream"


def per_call(fn, repeat: int = 7) -> float:
    """Best-of-``repeat`` seconds per call (timeit's autorange picks the loop count)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


COLD_RUNS = 11


def cold_runs(command: list[str], exit_code: int) -> list[float]:
    """Wall-clock seconds of ``COLD_RUNS`` fresh processes running ``command`` (each must exit
    with ``exit_code``)."""
    times = []
    for _ in range(COLD_RUNS):
        start = time.perf_counter()
        run = subprocess.run(command, capture_output=True)
        times.append(time.perf_counter() - start)
        if run.returncode != exit_code:
            raise RuntimeError(f"{command} exited {run.returncode}: {run.stderr.decode()[-2000:]}")
    return times


def main() -> None:
    import sat_config
    from sat_config.schema.engine import _py_validator

    models = sorted(UPSTREAM.glob("model_configs__*.json"), key=lambda p: p.stat().st_size)
    largest = models[-1]
    data = json.loads(largest.read_text())
    text = largest.read_text()
    sat_config.load_config(data)  # warm: schemas, validators, pydantic adapter

    t_load = per_call(lambda: sat_config.load_config(data))
    t_load_text = per_call(lambda: sat_config.load_config(text))
    # where the time goes: the value scan, jsonschema-rs, the semantic checks, pydantic
    from sat_config import models
    from sat_config.parsing.document import parse
    from sat_config.checks import semantic_issues
    from sat_config.schema.engine import is_valid

    parsed = parse(data).data  # as load_config's later steps see it (2.0 read as 2)
    adapter, checked = models.training_config_adapter(), {models.SCHEMA_CHECKED: True}
    parts = {
        "value scan (parse of a dict)": lambda: parse(data),
        "jsonschema-rs is_valid": lambda: is_valid(parsed),
        "semantic checks": lambda: semantic_issues(parsed, schema_valid=True, normalized=True),
        "pydantic typed config": lambda: adapter.validate_python(parsed, context=checked),
    }
    t_parts = {name: per_call(fn) for name, fn in parts.items()}
    reference = _py_validator("config")
    t_ref = per_call(lambda: reference.is_valid(data), repeat=5)

    with tempfile.TemporaryDirectory() as tmp:
        invalid = Path(tmp, "invalid.json")  # an unknown key (its hint) and a wrong type
        invalid.write_text(json.dumps({**data, "sample_rat": 1, "sample_size": "65536"}))
        cold = cold_runs([sys.executable, "-m", "sat_config", "validate", str(largest)], 0)
        cold_invalid = cold_runs([sys.executable, "-m", "sat_config", "validate", str(invalid)], 1)
    bare = cold_runs([sys.executable, "-c", "pass"], 0)

    print(f"config: {largest.name} ({largest.stat().st_size} bytes)")
    print(f"load_config(dict)                 {t_load * 1e6:9.1f} us/call   (target <= 40 us)")
    for name, seconds in t_parts.items():
        print(f"  {name:32s}{seconds * 1e6:9.1f} us")
    print(f"  {'(sum of the parts)':32s}{sum(t_parts.values()) * 1e6:9.1f} us")
    print(f"load_config(JSON text)            {t_load_text * 1e6:9.1f} us/call")
    print(f"python-jsonschema is_valid        {t_ref * 1e6:9.1f} us/call")
    print(f"ratio python-jsonschema/load_config {t_ref / t_load:7.1f}x      (target >= 20x)")
    print(f"cold `sat-config validate`, valid   (median of {COLD_RUNS}) "
          f"{statistics.median(cold) * 1e3:6.0f} ms (target <= 130 ms)")
    print(f"cold `sat-config validate`, invalid (median of {COLD_RUNS}) "
          f"{statistics.median(cold_invalid) * 1e3:6.0f} ms "
          f"(bare interpreter {statistics.median(bare) * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()
