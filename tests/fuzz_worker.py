"""Runs reelscore.analyze over every file in a folder (argv[1]) in one process and prints one JSON line
per file: outcome ok / refused (InputError, OptionError) / crash (anything else), and seconds."""
import json
import sys
import time
import traceback
from pathlib import Path

import reelscore
from reelscore.config import AnalysisConfig
from reelscore.errors import InputError, OptionError

cfg = AnalysisConfig(use_cache=False, max_decode_seconds=30,
                     analyzers=tuple(sys.argv[2].split(",")) if len(sys.argv) > 2 else None)
for f in sorted(Path(sys.argv[1]).iterdir()):
    t0 = time.time()
    try:
        a = reelscore.analyze(f, caption="fuzz #test", config=cfg)
        a.model_dump_json()
        out = {"file": f.name, "outcome": "ok"}
    except (InputError, OptionError) as e:
        msg = str(e)
        out = {"file": f.name, "outcome": "refused", "message": msg, "one_line": "\n" not in msg,
               "names_file": f.name in msg}
    except Exception as e:  # noqa: BLE001 - what the fuzz test is looking for
        out = {"file": f.name, "outcome": "crash", "message": f"{type(e).__name__}: {e}",
               "trace": traceback.format_exc()[-1500:]}
    out["seconds"] = round(time.time() - t0, 2)
    print(json.dumps(out), flush=True)
