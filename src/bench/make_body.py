#!/usr/bin/env python3
"""Write one KServe v2 JSON inference request body for src/bench/run.sh.

    make_body.py OUT.json INPUT_NAME DATATYPE DIM [DIM ...]

The shape is the given dims (batch dimension first). FP32/FP64 values are
pseudo-random in [0, 1) with three decimals (fixed seed); integer types get
small non-negative integers. Uses only the standard library.
"""

import json
import random
import sys


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    out, name, datatype = argv[1], argv[2], argv[3]
    shape = [int(d) for d in argv[4:]]
    count = 1
    for d in shape:
        count *= d
    rng = random.Random(42)
    if datatype in ("FP32", "FP64"):
        data = [round(rng.random(), 3) for _ in range(count)]
    elif datatype in ("INT8", "INT16", "INT32", "INT64", "UINT8"):
        data = [rng.randrange(0, 10) for _ in range(count)]
    else:
        sys.exit("make_body.py: datatype %s is not supported" % datatype)
    body = {"id": "bench",
            "inputs": [{"name": name, "shape": shape, "datatype": datatype, "data": data}]}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(body, f, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv)
