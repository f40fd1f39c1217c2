#!/usr/bin/env python3
"""Write one KServe v2 JSON inference request body for src/bench/run.sh.

    make_body.py [--binary] OUT INPUT_NAME DATATYPE DIM [DIM ...]

With --binary the body uses the binary tensor data extension: a JSON header
(the input with parameters.binary_data_size, binary_data_output set) followed
by the raw little-endian tensor; the header's length is written to OUT.hlen,
for the Inference-Header-Content-Length header.

The shape is the given dims (batch dimension first). FP32/FP64 values are
pseudo-random in [0, 1) with three decimals (fixed seed); integer types get
small non-negative integers. Uses only the standard library.
"""

import json
import random
import struct
import sys


def main(argv):
    binary = len(argv) > 1 and argv[1] == "--binary"
    if binary:
        argv = argv[:1] + argv[2:]
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
    if binary:
        if datatype != "FP32":
            sys.exit("make_body.py: --binary supports FP32 only")
        raw = struct.pack("<%df" % count, *data)
        header = {"id": "bench",
                  "inputs": [{"name": name, "shape": shape, "datatype": datatype,
                              "parameters": {"binary_data_size": len(raw)}}],
                  "parameters": {"binary_data_output": True}}
        head = json.dumps(header, separators=(",", ":")).encode("utf-8")
        with open(out, "wb") as f:
            f.write(head + raw)
        with open(out + ".hlen", "w", encoding="utf-8") as f:
            f.write(str(len(head)))
        return
    body = {"id": "bench",
            "inputs": [{"name": name, "shape": shape, "datatype": datatype, "data": data}]}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(body, f, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv)
