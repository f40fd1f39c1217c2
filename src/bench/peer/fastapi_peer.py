#!/usr/bin/env python3
"""The FastAPI + TorchScript peer of src/bench/run.sh: the Python server a team would write.

It serves the same TorchScript files as the model server, with the same KServe v2 JSON
request and response, so that wrk can send both servers the same body:

    POST /v2/models/{name}/infer   {"inputs": [{"name", "shape", "datatype": "FP32", "data"}]}
    GET  /v2/health/ready

Run by run.sh as

    PEER_MODELS=name=path/model.pt[,name=...] PEER_TORCH_THREADS=1 \\
        python3 -m uvicorn fastapi_peer:app --app-dir src/bench/peer --workers N --port P

Each uvicorn worker is a process that loads every model with torch.jit.load and answers on
the shared port; PEER_TORCH_THREADS sets torch.set_num_threads in each (0: torch's default).
PEER_PARSE picks how the body is read:
- json (default): the fast path a careful team would take, the body read with the standard json
  module straight into a flat list;
- pydantic: the way FastAPI's tutorial writes it, a pydantic request model (InferRequest) that
  FastAPI validates, every float included.
Either way the inputs become one tensor each, run under torch.inference_mode, and the output is
written back with tolist() in a JSONResponse (skipping FastAPI's per-value encoder). Errors
answer 400 with a message, as the KServe protocol asks.
"""

import json
import os
from typing import List

import torch
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

DTYPES = {"FP32": torch.float32, "FP64": torch.float64, "INT64": torch.int64, "INT32": torch.int32}
NAMES = {v: k for k, v in DTYPES.items()}


def _load_models():
    threads = int(os.environ.get("PEER_TORCH_THREADS", "0"))
    if threads > 0:
        torch.set_num_threads(threads)
    models = {}
    for item in filter(None, os.environ.get("PEER_MODELS", "").split(",")):
        name, _, path = item.partition("=")
        module = torch.jit.load(path, map_location="cpu")
        module.eval()
        models[name] = module
    return models


MODELS = _load_models()
PARSE = os.environ.get("PEER_PARSE", "json")
app = FastAPI()


def _error(status, message):
    return JSONResponse({"error": message}, status_code=status)


@app.get("/v2/health/ready")
async def ready():
    return Response(status_code=200)


class InferInput(BaseModel):
    name: str
    shape: List[int]
    datatype: str
    data: List[float]


class InferRequest(BaseModel):
    inputs: List[InferInput]


def _tensors(inputs):
    return [
        torch.tensor(spec["data"], dtype=DTYPES[spec["datatype"]]).reshape(spec["shape"])
        for spec in inputs
    ]


if PARSE == "pydantic":

    @app.post("/v2/models/{name}/infer")
    async def infer(name: str, request: InferRequest):
        module = MODELS.get(name)
        if module is None:
            return _error(404, "unknown model '%s'" % name)
        try:
            tensors = _tensors([spec.dict() for spec in request.inputs])
        except (ValueError, KeyError, TypeError, RuntimeError) as e:
            return _error(400, "bad request: %s" % e)
        return _run(name, module, tensors)

else:

    @app.post("/v2/models/{name}/infer")
    async def infer(name: str, request: Request):
        module = MODELS.get(name)
        if module is None:
            return _error(404, "unknown model '%s'" % name)
        try:
            tensors = _tensors(json.loads(await request.body())["inputs"])
        except (ValueError, KeyError, TypeError, RuntimeError) as e:
            return _error(400, "bad request: %s" % e)
        return _run(name, module, tensors)


def _run(name, module, tensors):
    try:
        with torch.inference_mode():
            result = module(*tensors)
    except RuntimeError as e:
        return _error(400, "the model refused the inputs: %s" % str(e).splitlines()[0])
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    return JSONResponse(
        {
            "model_name": name,
            "outputs": [
                {
                    "name": "output__%d" % i,
                    "datatype": NAMES.get(t.dtype, "FP32"),
                    "shape": list(t.shape),
                    "data": t.flatten().tolist(),
                }
                for i, t in enumerate(outputs)
            ],
        }
    )
