#!/usr/bin/env python3
"""Export the example models and reference files of the model repository.

Run from the repository root:

    /usr/bin/python3 model-repo/export_models.py [OUTPUT_DIR]
    /usr/bin/python3 model-repo/export_models.py --bench-models DIR

OUTPUT_DIR defaults to the folder holding this script (model-repo/). The
script needs PyTorch, ONNX and NumPy (Debian: python3-torch, python3-onnx,
python3-numpy); it does not need onnxruntime.

It writes, for every model, ``<OUTPUT_DIR>/<model>/<version>/model.onnx``,
``<OUTPUT_DIR>/<model>/reference.json`` (KServe v2 request bodies with the
outputs PyTorch computed for them) and, for some models, a Triton-style
``<OUTPUT_DIR>/<model>/config.yaml``.

The PyTorch models (classifier, mixed_io, token_embed) are also written as
TorchScript, as separate models for the ``pytorch_libtorch`` platform (a
version folder holds one model file, never both): ``<model>_torch/<version>/
model.pt`` holds the same module with the same weights, compiled with
``torch.jit.script`` (which keeps control flow and dynamic shapes;
``torch.jit.trace`` with the example inputs is the fallback for a module
that cannot be scripted). A TorchScript file carries no tensor names or
shapes, so every ``<model>_torch/config.yaml`` declares ``platform``,
``max_batch_size`` and the inputs and outputs in ``forward``'s order.
``<model>_torch/reference.json`` holds the same requests as
``<model>/reference.json``, with the outputs of the saved TorchScript module
(loaded back from ``model.pt``). Before writing, the script checks that the
saved module's outputs equal the eager module's within 1e-6, on the
reference inputs and on inputs of other batch sizes and sequence lengths (so
a trace that froze a shape would be caught).

``--bench-models DIR`` exports only the benchmark models, which are too large
to commit: ``DIR/resnet18/1/model.onnx`` (a ResNet-18, written out by hand so
torchvision is not needed, random weights from a fixed seed; input ``image``
FP32 [batch, 3, 224, 224], output ``logits`` FP32 [batch, 1000]) and its
``DIR/resnet18/config.yaml``, and the same module with the same weights as
TorchScript: ``DIR/resnet18_torch/1/model.pt`` and
``DIR/resnet18_torch/config.yaml``, checked against the eager module like the
example models. ``src/bench/run.sh`` calls it.

The output is deterministic: weights come from fixed seeds and inputs are
fixed, so rerunning overwrites the same files with the same content. The
ONNX files and JSON files are byte-identical across runs. TorchScript writes
a module's constants in Python set order, which follows the string hash seed,
so the script re-runs itself with ``PYTHONHASHSEED=0`` when it is not set to
0; the ``model.pt`` files are then byte-identical across runs too, as long as
the PyTorch version and this script's path stay the same (the files embed the
source file names and lines of the compiled code as debug information).

Each PyTorch model has one ``build_*`` function returning the
``torch.nn.Module`` (in eval mode) and a tuple of example inputs, which both
the ONNX and the TorchScript export use.
"""

import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

OPSET = 13

# KServe v2 datatype names for the numpy dtypes used here.
KSERVE_DATATYPES = {
    np.dtype(np.bool_): "BOOL",
    np.dtype(np.uint8): "UINT8",
    np.dtype(np.int8): "INT8",
    np.dtype(np.int16): "INT16",
    np.dtype(np.int32): "INT32",
    np.dtype(np.int64): "INT64",
    np.dtype(np.float32): "FP32",
    np.dtype(np.float64): "FP64",
    np.dtype(np.object_): "BYTES",
}

CLASSIFIER_LABELS = "setosa\nversicolor\nvirginica\n"

CLASSIFIER_CONFIG = """\
# Triton-style model configuration (field names as in Triton's model_config.proto)
platform: onnxruntime_onnx
max_batch_size: 32
input:
  - name: features
    data_type: TYPE_FP32
    dims: [4]
output:
  - name: probabilities
    data_type: TYPE_FP32
    dims: [3]
    # Class names for the classification extension, one per line.
    label_filename: labels.txt
version_policy:
  all: {}
# Triton's dynamic batcher: concurrent requests are merged into batches of up to 32 rows.
dynamic_batching: {}
"""

TOKEN_EMBED_CONFIG = """\
max_batch_size: 16
input:
  - name: token_ids
    data_type: TYPE_INT64
    dims: [-1]
output:
  - name: embedding
    data_type: TYPE_FP32
    dims: [8]
# Requests are merged only with requests of the same sequence length.
dynamic_batching:
  max_queue_delay_microseconds: 100
"""

# Configurations of the TorchScript copies (<model>_torch). A model.pt has no
# signature to complete a configuration from, so they declare everything.
TORCHSCRIPT_CONFIG_HEADER = """\
# TorchScript carries no tensor names or shapes: they are declared here, in forward's order.
platform: pytorch_libtorch
"""

CLASSIFIER_TORCH_CONFIG = TORCHSCRIPT_CONFIG_HEADER + """\
max_batch_size: 32
input:
  - name: features
    data_type: TYPE_FP32
    dims: [4]
output:
  - name: probabilities
    data_type: TYPE_FP32
    dims: [3]
version_policy:
  all: {}
dynamic_batching: {}
"""

# max_batch_size 4: what the server auto-configures for the ONNX mixed_io,
# which has no config.yaml.
MIXED_IO_TORCH_CONFIG = TORCHSCRIPT_CONFIG_HEADER + """\
max_batch_size: 4
input:
  - name: x
    data_type: TYPE_FP32
    dims: [4]
  - name: k
    data_type: TYPE_INT64
    dims: [4]
output:
  - name: scaled
    data_type: TYPE_FP32
    dims: [4]
  - name: index
    data_type: TYPE_INT64
    dims: [1]
dynamic_batching: {}
"""

TOKEN_EMBED_TORCH_CONFIG = TORCHSCRIPT_CONFIG_HEADER + TOKEN_EMBED_CONFIG


# ---------------------------------------------------------------------------
# PyTorch models: one builder per model, returning (module, example_inputs).
# ---------------------------------------------------------------------------

def build_classifier(seed):
    """MLP 4 -> 16 -> ReLU -> 3 -> softmax(dim=1); weights from ``seed``."""
    torch.manual_seed(seed)
    module = torch.nn.Sequential(
        torch.nn.Linear(4, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 3),
        torch.nn.Softmax(dim=1),
    ).eval()
    example_inputs = (torch.zeros(2, 4, dtype=torch.float32),)
    return module, example_inputs


class MixedIO(torch.nn.Module):
    """Two inputs and two outputs of different dtypes."""

    def forward(self, x, k):
        product = x * k.float()
        scaled = product + 0.5
        index = torch.argmax(product, dim=1, keepdim=True)
        return scaled, index


def build_mixed_io():
    torch.manual_seed(0)
    module = MixedIO().eval()
    example_inputs = (
        torch.ones(2, 4, dtype=torch.float32),
        torch.ones(2, 4, dtype=torch.int64),
    )
    return module, example_inputs


class TokenEmbed(torch.nn.Module):
    """Mean over the sequence axis of an embedding lookup."""

    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(100, 8)

    def forward(self, token_ids):
        return self.embedding(token_ids).mean(dim=1)


def build_token_embed():
    torch.manual_seed(0)
    module = TokenEmbed().eval()
    example_inputs = (torch.zeros(2, 3, dtype=torch.int64),)
    return module, example_inputs


# ---------------------------------------------------------------------------
# TorchScript-only models for the fine-tuning trainer (no ONNX twin):
# regressor_torch, one Linear(1, 1) at w = 0.5, b = -1 (far from the
# y = 10x + 3 the trainer's tests fit), and binary_classifier_torch, a ``body``
# (Linear(2, 8) + ReLU) and a ``head`` (Linear(8, 1)) under a sigmoid, whose
# parameters are body.0.weight, body.0.bias, head.weight and head.bias. Their
# reference.json holds the saved module's outputs on fixed inputs.
#
# This block stays below the other models' classes: model.pt embeds the line
# numbers of the compiled source, so code inserted above them would change the
# bytes of the committed model.pt files.
# ---------------------------------------------------------------------------

REGRESSOR_TORCH_CONFIG = TORCHSCRIPT_CONFIG_HEADER + """\
max_batch_size: 64
input:
  - name: x
    data_type: TYPE_FP32
    dims: [1]
output:
  - name: y
    data_type: TYPE_FP32
    dims: [1]
dynamic_batching: {}
"""

BINARY_CLASSIFIER_TORCH_CONFIG = TORCHSCRIPT_CONFIG_HEADER + """\
max_batch_size: 64
input:
  - name: features
    data_type: TYPE_FP32
    dims: [2]
output:
  - name: probability
    data_type: TYPE_FP32
    dims: [1]
dynamic_batching: {}
"""


def build_regressor():
    module = torch.nn.Linear(1, 1)
    with torch.no_grad():
        module.weight.fill_(0.5)
        module.bias.fill_(-1.0)
    example_inputs = (torch.zeros(2, 1, dtype=torch.float32),)
    return module.eval(), example_inputs


class BinaryClassifier(torch.nn.Module):
    """sigmoid(head(body(features))): a body to freeze and a head to fine-tune."""

    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU())
        self.head = torch.nn.Linear(8, 1)

    def forward(self, features):
        return torch.sigmoid(self.head(self.body(features)))


def build_binary_classifier():
    torch.manual_seed(0)
    module = BinaryClassifier().eval()
    example_inputs = (torch.zeros(2, 2, dtype=torch.float32),)
    return module, example_inputs


def regressor_cases(modules):
    x = f32([[0.0], [1.0], [-2.5]])
    return [torch_case(modules["1"], "1", "regressor-batch3", ["x"], ["y"], [x])]


def binary_classifier_cases(modules):
    features = f32([[0.5, -1.0], [2.0, 3.0], [-1.5, 0.25]])
    return [torch_case(modules["1"], "1", "binary_classifier-batch3",
                       ["features"], ["probability"], [features])]


# (model name, builder, config.yaml, reference cases, input names, dynamic axes)
TORCHSCRIPT_ONLY_MODELS = [
    ("regressor_torch", build_regressor, REGRESSOR_TORCH_CONFIG, regressor_cases,
     ["x"], {"x": {0: "batch"}}),
    ("binary_classifier_torch", build_binary_classifier, BINARY_CLASSIFIER_TORCH_CONFIG,
     binary_classifier_cases, ["features"], {"features": {0: "batch"}}),
]


def export_torchscript_only(out_dir):
    """Writes each model.pt, config.yaml and reference.json (outputs of the saved module, checked
    against the eager module's)."""
    for name, builder, config, make_cases, in_names, axes in TORCHSCRIPT_ONLY_MODELS:
        module, example_inputs = builder()
        loaded = export_torchscript(module, example_inputs,
                                    os.path.join(out_dir, name, "1", "model.pt"), in_names, axes)
        write_text(os.path.join(out_dir, name, "config.yaml"), config)
        cases = make_cases({"1": loaded})
        check_same_cases(cases, make_cases({"1": module}), name + "/reference.json")
        write_reference(out_dir, name, cases)


# Exported PyTorch models: (model name, version, builder, builder args,
# input names, output names, dynamic axes).
TORCH_MODELS = [
    ("classifier", "1", build_classifier, (1,),
     ["features"], ["probabilities"],
     {"features": {0: "batch"}, "probabilities": {0: "batch"}}),
    ("classifier", "2", build_classifier, (2,),
     ["features"], ["probabilities"],
     {"features": {0: "batch"}, "probabilities": {0: "batch"}}),
    ("mixed_io", "1", build_mixed_io, (),
     ["x", "k"], ["scaled", "index"],
     {"x": {0: "batch"}, "k": {0: "batch"},
      "scaled": {0: "batch"}, "index": {0: "batch"}}),
    ("token_embed", "1", build_token_embed, (),
     ["token_ids"], ["embedding"],
     {"token_ids": {0: "batch", 1: "seq"}, "embedding": {0: "batch"}}),
]


# ---------------------------------------------------------------------------
# identity_types: built with onnx.helper because PyTorch has no string
# tensors (and no way to export a graph with a STRING input/output).
# ---------------------------------------------------------------------------

IDENTITY_TYPES = [
    ("bool", TensorProto.BOOL),
    ("uint8", TensorProto.UINT8),
    ("int8", TensorProto.INT8),
    ("int16", TensorProto.INT16),
    ("int32", TensorProto.INT32),
    ("int64", TensorProto.INT64),
    ("fp32", TensorProto.FLOAT),
    ("fp64", TensorProto.DOUBLE),
    ("bytes", TensorProto.STRING),
]


def build_identity(graph_name, types):
    """One Identity node per (prefix, element type): input <prefix>_in -> output <prefix>_out,
    both of shape [batch, n]."""
    inputs, outputs, nodes = [], [], []
    for prefix, elem_type in types:
        in_name, out_name = prefix + "_in", prefix + "_out"
        inputs.append(helper.make_tensor_value_info(in_name, elem_type, ["batch", "n"]))
        outputs.append(helper.make_tensor_value_info(out_name, elem_type, ["batch", "n"]))
        nodes.append(helper.make_node("Identity", [in_name], [out_name],
                                      name="identity_" + prefix))
    graph = helper.make_graph(nodes, graph_name, inputs, outputs)
    model = helper.make_model(
        graph,
        producer_name="export_models.py",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    model.ir_version = 8  # so older runtimes can read it
    return model


def build_identity_types():
    return build_identity("identity_types", IDENTITY_TYPES)


def build_identity_half():
    """FP16 and BF16 identities: these types travel only in binary (REST extension, gRPC raw),
    so the model has no JSON reference.json; the tests build binary requests themselves."""
    return build_identity(
        "identity_half", (("fp16", TensorProto.FLOAT16), ("bf16", TensorProto.BFLOAT16)))


# ---------------------------------------------------------------------------
# Reference cases
# ---------------------------------------------------------------------------

def _json_value(value, dtype):
    if dtype == np.dtype(np.bool_):
        return bool(value)
    if dtype == np.dtype(np.float32):
        return float(np.float32(value))  # exact float32 value, round-trips
    if dtype == np.dtype(np.float64):
        return float(value)
    if dtype == np.dtype(np.object_):
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)
    return int(value)


def tensor_json(name, array):
    array = np.asarray(array)
    return {
        "name": name,
        "shape": list(array.shape),
        "datatype": KSERVE_DATATYPES[array.dtype],
        "data": [_json_value(v, array.dtype) for v in array.reshape(-1)],
    }


def make_case(version, request_id, inputs, outputs):
    """inputs/outputs: lists of (name, numpy array)."""
    return {
        "version": version,
        "request": {
            "id": request_id,
            "inputs": [tensor_json(n, a) for n, a in inputs],
        },
        "response": {
            "outputs": [tensor_json(n, a) for n, a in outputs],
        },
    }


def run_torch(module, arrays):
    with torch.no_grad():
        result = module(*[torch.from_numpy(np.ascontiguousarray(a)) for a in arrays])
    if isinstance(result, torch.Tensor):
        result = (result,)
    return [r.numpy() for r in result]


def torch_case(module, version, request_id, input_names, output_names, arrays):
    outputs = run_torch(module, arrays)
    return make_case(version, request_id,
                     list(zip(input_names, arrays)), list(zip(output_names, outputs)))


def f32(values):
    return np.array(values, dtype=np.float32)


def classifier_cases(modules):
    batch3 = f32([[0.1, -0.2, 0.3, 1.5],
                  [2.0, 0.25, -1.75, 0.0],
                  [-0.5, 3.3, 0.7, -2.2]])
    batch1 = f32([[1.0, 2.0, -3.0, 0.125]])
    names = (["features"], ["probabilities"])
    return [
        torch_case(modules["1"], "1", "classifier-v1-batch3", *names, [batch3]),
        torch_case(modules["2"], "2", "classifier-v2-batch3", *names, [batch3]),
        torch_case(modules["2"], "2", "classifier-v2-batch1", *names, [batch1]),
    ]


def mixed_io_cases(modules):
    x = f32([[0.1, 0.2, 0.3, 0.4],
             [1.5, -2.5, 3.25, -0.75],
             [-1.0, -2.0, 0.6, 0.9]])
    k = np.array([[1, 2, 3, 4],
                  [-2, 1, 0, 5],
                  [3, -1, 2, 1]], dtype=np.int64)
    return [torch_case(modules["1"], "1", "mixed_io-batch3",
                       ["x", "k"], ["scaled", "index"], [x, k])]


def token_embed_cases(modules):
    seq5 = np.array([[1, 5, 9, 42, 99],
                     [0, 0, 7, 7, 3],
                     [13, 64, 27, 81, 50]], dtype=np.int64)
    seq2 = np.array([[2, 98],
                     [11, 0],
                     [55, 56]], dtype=np.int64)
    names = (["token_ids"], ["embedding"])
    return [
        torch_case(modules["1"], "1", "token_embed-seq5", *names, [seq5]),
        torch_case(modules["1"], "1", "token_embed-seq2", *names, [seq2]),
    ]


def identity_types_cases():
    batch3 = [
        ("bool_in", np.array([[True, False], [False, True], [True, True]], dtype=np.bool_)),
        ("uint8_in", np.array([[0, 255], [1, 128], [7, 200]], dtype=np.uint8)),
        ("int8_in", np.array([[-128, 127], [0, -1], [5, 42]], dtype=np.int8)),
        ("int16_in", np.array([[-32768, 32767], [-300, 0], [1, 1234]], dtype=np.int16)),
        ("int32_in", np.array([[-2147483648, 2147483647], [-5, 0], [70000, 3]],
                              dtype=np.int32)),
        ("int64_in", np.array([[-9223372036854775808, 9223372036854775807],
                               [-1, 0], [4294967296, 12]], dtype=np.int64)),
        ("fp32_in", f32([[0.1, -1.5], [3.4028235e38, 1e-7], [0.0, 2.5]])),
        ("fp64_in", np.array([[0.1, 1e300], [-2.5, 0.0], [1e-300, 3.141592653589793]],
                             dtype=np.float64)),
        ("bytes_in", np.array([["héllo", ""], ["abc", "日本語"], ["a b", "x"]],
                              dtype=np.object_)),
    ]
    # A second case with a different non-batch size (n is dynamic too).
    batch1 = [
        ("bool_in", np.array([[False, True, False]], dtype=np.bool_)),
        ("uint8_in", np.array([[255, 0, 9]], dtype=np.uint8)),
        ("int8_in", np.array([[-7, 127, -128]], dtype=np.int8)),
        ("int16_in", np.array([[-2, 2, 0]], dtype=np.int16)),
        ("int32_in", np.array([[-123456, 0, 123456]], dtype=np.int32)),
        ("int64_in", np.array([[-42, 0, 42]], dtype=np.int64)),
        ("fp32_in", f32([[-0.1, 0.3, 1.0]])),
        ("fp64_in", np.array([[0.1, -1e300, 0.5]], dtype=np.float64)),
        ("bytes_in", np.array([["", "héllo", "z"]], dtype=np.object_)),
    ]

    def identity(request_id, inputs):
        outputs = [(n[: -len("_in")] + "_out", a) for n, a in inputs]
        return make_case("1", request_id, inputs, outputs)

    return [identity("identity_types-batch3", batch3),
            identity("identity_types-batch1", batch1)]


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_reference(out_dir, model_name, cases):
    text = json.dumps({"cases": cases}, indent=2, ensure_ascii=False) + "\n"
    write_text(os.path.join(out_dir, model_name, "reference.json"), text)


def export_onnx(module, example_inputs, path, input_names, output_names, dynamic_axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(
        module,
        example_inputs,
        path,
        opset_version=OPSET,
        do_constant_folding=True,
        input_names=input_names,
        output_names=output_names,
        dynamic_axes=dynamic_axes,
    )


# ---------------------------------------------------------------------------
# TorchScript (pytorch_libtorch): model.pt files of the same modules
# ---------------------------------------------------------------------------

# Largest difference allowed between the saved TorchScript module's outputs and
# the eager module's (FP32; integer outputs must be equal).
TORCHSCRIPT_TOLERANCE = 1e-6

# Sizes given to the dynamic axes (named as in TORCH_MODELS' dynamic axes) of
# the extra inputs the TorchScript modules are checked on: other batch sizes
# and sequence lengths than the example inputs and the reference cases.
TORCHSCRIPT_CHECK_SIZES = [{"batch": 1, "seq": 1}, {"batch": 5, "seq": 7}]


def to_torchscript(module, example_inputs):
    """Returns (TorchScript module, "script" or "trace").

    torch.jit.script keeps control flow and dynamic shapes; torch.jit.trace
    records the operations run on ``example_inputs`` and is used only for a
    module that cannot be scripted (the callers check that the trace did not
    freeze a shape).
    """
    try:
        return torch.jit.script(module), "script"
    except Exception as error:  # pylint: disable=broad-except
        print("torch.jit.script failed for %s (%s); tracing it"
              % (type(module).__name__, str(error).splitlines()[0]), file=sys.stderr)
    with torch.no_grad():
        return torch.jit.trace(module, example_inputs), "trace"


def check_inputs(example_inputs, input_names, dynamic_axes):
    """Inputs like ``example_inputs`` with the dynamic axes resized per TORCHSCRIPT_CHECK_SIZES.

    Values are random from a fixed seed: normal for floating point inputs,
    0..99 for integer inputs (valid token ids for token_embed).
    """
    generator = torch.Generator().manual_seed(1234)
    variants = []
    for sizes in TORCHSCRIPT_CHECK_SIZES:
        variant = []
        for name, example in zip(input_names, example_inputs):
            shape = list(example.shape)
            for axis, axis_name in dynamic_axes.get(name, {}).items():
                shape[axis] = sizes[axis_name]
            if example.dtype.is_floating_point:
                variant.append(torch.randn(shape, generator=generator, dtype=example.dtype))
            else:
                variant.append(torch.randint(0, 100, shape, generator=generator,
                                             dtype=example.dtype))
        variants.append(tuple(variant))
    return variants


def max_difference(expected, actual, what):
    """Largest |expected - actual| over lists of numpy arrays; fails beyond the tolerance."""
    if len(expected) != len(actual):
        sys.exit("%s: %d outputs, expected %d" % (what, len(actual), len(expected)))
    worst = 0.0
    for i, (want, got) in enumerate(zip(expected, actual)):
        if want.dtype != got.dtype or want.shape != got.shape:
            sys.exit("%s: output %d is %s %s, expected %s %s"
                     % (what, i, got.dtype, got.shape, want.dtype, want.shape))
        if want.size == 0:
            continue
        if np.issubdtype(want.dtype, np.floating):
            difference = float(np.max(np.abs(want.astype(np.float64) - got.astype(np.float64))))
            if not difference <= TORCHSCRIPT_TOLERANCE:
                sys.exit("%s: output %d differs by %g" % (what, i, difference))
            worst = max(worst, difference)
        elif not np.array_equal(want, got):
            sys.exit("%s: output %d differs" % (what, i))
    return worst


def export_torchscript(module, example_inputs, path, input_names, dynamic_axes):
    """Saves ``module`` as TorchScript at ``path``; returns the module loaded back from it.

    The loaded module's outputs must equal the eager module's on the example
    inputs and on inputs with other sizes of the dynamic axes.
    """
    compiled, how = to_torchscript(module, example_inputs)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.jit.save(compiled, path)
    loaded = torch.jit.load(path)
    inputs = [example_inputs] + check_inputs(example_inputs, input_names, dynamic_axes)
    worst = 0.0
    for args in inputs:
        arrays = [a.numpy() for a in args]
        shapes = " ".join("x".join(str(d) for d in a.shape) for a in arrays)
        worst = max(worst, max_difference(run_torch(module, arrays), run_torch(loaded, arrays),
                                          "%s, inputs %s" % (path, shapes)))
    print("%s: torch.jit.%s; outputs of the saved module equal the eager module's "
          "(max |difference| %g) on input shapes %s"
          % (path, how, worst,
             ", ".join("(%s)" % " ".join("x".join(str(d) for d in a.shape) for a in args)
                       for args in inputs)))
    return loaded


def check_same_cases(cases, expected_cases, what):
    """The TorchScript cases have the eager cases' requests and outputs within the tolerance."""
    if len(cases) != len(expected_cases):
        sys.exit("%s: %d cases, expected %d" % (what, len(cases), len(expected_cases)))
    for case, expected in zip(cases, expected_cases):
        where = "%s %s" % (what, expected["request"]["id"])
        if case["version"] != expected["version"] or case["request"] != expected["request"]:
            sys.exit("%s: request differs" % where)
        outputs, expected_outputs = case["response"]["outputs"], expected["response"]["outputs"]
        if len(outputs) != len(expected_outputs):
            sys.exit("%s: %d outputs, expected %d" % (where, len(outputs), len(expected_outputs)))
        for out, want in zip(outputs, expected_outputs):
            if any(out[k] != want[k] for k in ("name", "shape", "datatype")):
                sys.exit("%s: output %s differs in name, shape or datatype" % (where, want["name"]))
            if want["datatype"] in ("FP32", "FP64"):
                difference = max((abs(a - b) for a, b in zip(out["data"], want["data"])),
                                 default=0.0)
                if not difference <= TORCHSCRIPT_TOLERANCE:
                    sys.exit("%s: output %s differs by %g" % (where, want["name"], difference))
            elif out["data"] != want["data"]:
                sys.exit("%s: output %s differs" % (where, want["name"]))


# Reference cases of the PyTorch models: model name -> cases(modules by version).
TORCH_REFERENCE_CASES = {
    "classifier": classifier_cases,
    "mixed_io": mixed_io_cases,
    "token_embed": token_embed_cases,
}

# TorchScript copies: (PyTorch model name, TorchScript model name, config.yaml).
TORCHSCRIPT_MODELS = [
    ("classifier", "classifier_torch", CLASSIFIER_TORCH_CONFIG),
    ("mixed_io", "mixed_io_torch", MIXED_IO_TORCH_CONFIG),
    ("token_embed", "token_embed_torch", TOKEN_EMBED_TORCH_CONFIG),
]


def export_all(out_dir):
    exported = {}  # model name -> {version: (module, example_inputs, input names, axes)}
    for name, version, builder, args, in_names, out_names, axes in TORCH_MODELS:
        module, example_inputs = builder(*args)
        exported.setdefault(name, {})[version] = (module, example_inputs, in_names, axes)
        export_onnx(module, example_inputs,
                    os.path.join(out_dir, name, version, "model.onnx"),
                    in_names, out_names, axes)

    identity_dir = os.path.join(out_dir, "identity_types", "1")
    os.makedirs(identity_dir, exist_ok=True)
    onnx.save(build_identity_types(), os.path.join(identity_dir, "model.onnx"))
    half_dir = os.path.join(out_dir, "identity_half", "1")
    os.makedirs(half_dir, exist_ok=True)
    onnx.save(build_identity_half(), os.path.join(half_dir, "model.onnx"))

    write_text(os.path.join(out_dir, "classifier", "config.yaml"), CLASSIFIER_CONFIG)
    write_text(os.path.join(out_dir, "classifier", "labels.txt"), CLASSIFIER_LABELS)
    write_text(os.path.join(out_dir, "token_embed", "config.yaml"), TOKEN_EMBED_CONFIG)

    eager_cases = {}
    for name, make_cases in TORCH_REFERENCE_CASES.items():
        modules = {version: entry[0] for version, entry in exported[name].items()}
        eager_cases[name] = make_cases(modules)
        write_reference(out_dir, name, eager_cases[name])
    write_reference(out_dir, "identity_types", identity_types_cases())

    for name, torch_name, config in TORCHSCRIPT_MODELS:
        loaded = {}
        for version, (module, example_inputs, in_names, axes) in exported[name].items():
            loaded[version] = export_torchscript(
                module, example_inputs,
                os.path.join(out_dir, torch_name, version, "model.pt"), in_names, axes)
        write_text(os.path.join(out_dir, torch_name, "config.yaml"), config)
        cases = TORCH_REFERENCE_CASES[name](loaded)
        check_same_cases(cases, eager_cases[name], torch_name + "/reference.json")
        write_reference(out_dir, torch_name, cases)
        print("%s/reference.json: TorchScript outputs equal the eager outputs within %g"
              % (torch_name, TORCHSCRIPT_TOLERANCE))

    export_torchscript_only(out_dir)
    export_ensemble(out_dir)


# ---------------------------------------------------------------------------
# Benchmark models (--bench-models DIR): exported at benchmark time, never
# committed. ResNet-18 is written out here so torchvision is not needed.
# ---------------------------------------------------------------------------

RESNET18_CONFIG = """\
# Benchmark model written by export_models.py --bench-models (not committed)
platform: onnxruntime_onnx
max_batch_size: 16
input:
  - name: image
    data_type: TYPE_FP32
    dims: [3, 224, 224]
output:
  - name: logits
    data_type: TYPE_FP32
    dims: [1000]
"""

RESNET18_TORCH_CONFIG = """\
# Benchmark model written by export_models.py --bench-models (not committed)
""" + TORCHSCRIPT_CONFIG_HEADER + """\
max_batch_size: 16
input:
  - name: image
    data_type: TYPE_FP32
    dims: [3, 224, 224]
output:
  - name: logits
    data_type: TYPE_FP32
    dims: [1000]
"""


class BasicBlock(torch.nn.Module):
    """ResNet basic block: two 3x3 convolutions with a residual connection."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(out_channels)
        self.conv2 = torch.nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(out_channels)
        self.relu = torch.nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = torch.nn.Sequential(
                torch.nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                torch.nn.BatchNorm2d(out_channels),
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(torch.nn.Module):
    """torchvision's resnet18 architecture (11.7M parameters, ~1.8 GFLOPs at 224x224)."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(64)
        self.relu = torch.nn.ReLU(inplace=True)
        self.maxpool = torch.nn.MaxPool2d(3, 2, 1)
        layers = []
        in_channels = 64
        for out_channels, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers.append(torch.nn.Sequential(
                BasicBlock(in_channels, out_channels, stride),
                BasicBlock(out_channels, out_channels, 1),
            ))
            in_channels = out_channels
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = torch.nn.AdaptiveAvgPool2d((1, 1))
        self.fc = torch.nn.Linear(512, num_classes)

    def forward(self, image):
        x = self.maxpool(self.relu(self.bn1(self.conv1(image))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_resnet18():
    torch.manual_seed(0)
    module = ResNet18().eval()
    example_inputs = (torch.zeros(1, 3, 224, 224, dtype=torch.float32),)
    return module, example_inputs


def export_bench_models(out_dir):
    module, example_inputs = build_resnet18()
    export_onnx(module, example_inputs,
                os.path.join(out_dir, "resnet18", "1", "model.onnx"),
                ["image"], ["logits"],
                {"image": {0: "batch"}, "logits": {0: "batch"}})
    write_text(os.path.join(out_dir, "resnet18", "config.yaml"), RESNET18_CONFIG)
    # The same module (same weights) as TorchScript, checked against its eager outputs.
    export_torchscript(module, example_inputs,
                       os.path.join(out_dir, "resnet18_torch", "1", "model.pt"),
                       ["image"], {"image": {0: "batch"}})
    write_text(os.path.join(out_dir, "resnet18_torch", "config.yaml"), RESNET18_TORCH_CONFIG)


# ---------------------------------------------------------------------------
# Ensemble example: feature_extractor (ONNX) -> classifier_head (TorchScript),
# composed by feature_pipeline (platform: ensemble, config.pbtxt). The
# pipeline's reference.json holds PyTorch's outputs of the same composition:
# the extractor module, then the head module. Kept below every other model's
# classes so that the committed model.pt files keep their bytes.
# ---------------------------------------------------------------------------

FEATURE_EXTRACTOR_CONFIG = """\
# Step 1 of the feature_pipeline ensemble: 4 raw values -> 6 features.
platform: onnxruntime_onnx
max_batch_size: 32
input:
  - name: raw
    data_type: TYPE_FP32
    dims: [4]
output:
  - name: features
    data_type: TYPE_FP32
    dims: [6]
dynamic_batching:
  max_queue_delay_microseconds: 2000
"""

CLASSIFIER_HEAD_CONFIG = TORCHSCRIPT_CONFIG_HEADER + """\
# Step 2 of the feature_pipeline ensemble; fine-tunable like the other TorchScript models.
max_batch_size: 32
input:
  - name: features
    data_type: TYPE_FP32
    dims: [6]
output:
  - name: probabilities
    data_type: TYPE_FP32
    dims: [3]
dynamic_batching:
  max_queue_delay_microseconds: 2000
"""

FEATURE_PIPELINE_CONFIG = """\
# A Triton ensemble, written as Triton's documentation writes one: raw values go
# through feature_extractor (ONNX), its features through classifier_head
# (TorchScript). Each step runs on its model's own dynamic batcher.
name: "feature_pipeline"
platform: "ensemble"
max_batch_size: 32
input [
  {
    name: "RAW"
    data_type: TYPE_FP32
    dims: [ 4 ]
  }
]
output [
  {
    name: "PROBABILITIES"
    data_type: TYPE_FP32
    dims: [ 3 ]
  }
]
ensemble_scheduling {
  step [
    {
      model_name: "feature_extractor"
      model_version: -1
      input_map {
        key: "raw"
        value: "RAW"
      }
      output_map {
        key: "features"
        value: "extracted_features"
      }
    },
    {
      model_name: "classifier_head"
      model_version: -1
      input_map {
        key: "features"
        value: "extracted_features"
      }
      output_map {
        key: "probabilities"
        value: "PROBABILITIES"
      }
    }
  ]
}
"""


class FeatureExtractor(torch.nn.Module):
    """Linear(4, 8) + ReLU + Linear(8, 6) + tanh: a feature vector of 6."""

    def __init__(self):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 6), torch.nn.Tanh())

    def forward(self, raw):
        return self.layers(raw)


class ClassifierHead(torch.nn.Module):
    """softmax(head(body(features))): Linear(6, 8) + ReLU, then Linear(8, 3)."""

    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU())
        self.head = torch.nn.Linear(8, 3)

    def forward(self, features):
        return torch.softmax(self.head(self.body(features)), dim=1)


def export_ensemble(out_dir):
    torch.manual_seed(7)
    extractor = FeatureExtractor().eval()
    torch.manual_seed(8)
    head = ClassifierHead().eval()
    export_onnx(extractor, (torch.zeros(2, 4, dtype=torch.float32),),
                os.path.join(out_dir, "feature_extractor", "1", "model.onnx"),
                ["raw"], ["features"], {"raw": {0: "batch"}, "features": {0: "batch"}})
    write_text(os.path.join(out_dir, "feature_extractor", "config.yaml"), FEATURE_EXTRACTOR_CONFIG)
    loaded_head = export_torchscript(head, (torch.zeros(2, 6, dtype=torch.float32),),
                                     os.path.join(out_dir, "classifier_head", "1", "model.pt"),
                                     ["features"], {"features": {0: "batch"}})
    write_text(os.path.join(out_dir, "classifier_head", "config.yaml"), CLASSIFIER_HEAD_CONFIG)
    os.makedirs(os.path.join(out_dir, "feature_pipeline", "1"), exist_ok=True)
    write_text(os.path.join(out_dir, "feature_pipeline", "1", ".gitkeep"), "")
    write_text(os.path.join(out_dir, "feature_pipeline", "config.pbtxt"), FEATURE_PIPELINE_CONFIG)

    raw3 = f32([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.75, 3.0], [-2.0, 1.25, 0.5, -0.5]])
    raw1 = f32([[0.1, 0.2, 0.3, 0.4]])
    cases = []
    for request_id, raw in (("feature_pipeline-batch3", raw3), ("feature_pipeline-batch1", raw1)):
        features = run_torch(extractor, [raw])[0]
        probabilities = run_torch(head, [features])[0]
        if max_difference([probabilities], run_torch(loaded_head, [features]), request_id) > \
                TORCHSCRIPT_TOLERANCE:
            sys.exit("%s: the saved head differs from the eager one" % request_id)
        cases.append(make_case("1", request_id, [("RAW", raw)], [("PROBABILITIES", probabilities)]))
    write_reference(out_dir, "feature_pipeline", cases)


# ---------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------

def _describe_value_info(value_info):
    tensor_type = value_info.type.tensor_type
    dtype = TensorProto.DataType.Name(tensor_type.elem_type)
    dims = []
    for d in tensor_type.shape.dim:
        if d.HasField("dim_value"):
            dims.append(str(d.dim_value))
        elif d.HasField("dim_param"):
            dims.append(d.dim_param)
        else:
            dims.append("?")
    return "%s %s [%s]" % (value_info.name, dtype, ", ".join(dims))


def check_all(out_dir):
    for root, _, files in sorted(os.walk(out_dir)):
        for file_name in sorted(files):
            path = os.path.join(root, file_name)
            if file_name.endswith(".pt"):
                module = torch.jit.load(path)
                print("%s  (TorchScript)" % os.path.relpath(path, out_dir))
                print("  " + str(module.forward.schema))
                continue
            if not file_name.endswith(".onnx"):
                continue
            model = onnx.load(path)
            onnx.checker.check_model(model)
            opsets = ", ".join("%s:%d" % (o.domain or "ai.onnx", o.version)
                               for o in model.opset_import)
            print("%s  (ir_version %d, opset %s)"
                  % (os.path.relpath(path, out_dir), model.ir_version, opsets))
            for vi in model.graph.input:
                print("  input  " + _describe_value_info(vi))
            for vi in model.graph.output:
                print("  output " + _describe_value_info(vi))


def list_files(out_dir):
    print("Files:")
    for root, _, files in sorted(os.walk(out_dir)):
        for file_name in sorted(files):
            path = os.path.join(root, file_name)
            print("  %8d  %s" % (os.path.getsize(path), os.path.relpath(path, out_dir)))


def rerun_with_fixed_hash_seed(argv):
    """Re-executes this script with PYTHONHASHSEED=0 unless it is set so already.

    torch.jit.script collects a module's constants (``__constants__``) in a
    Python set, so their order in model.pt follows the string hash seed; a
    fixed seed makes the TorchScript files byte-identical across runs.
    """
    if os.environ.get("PYTHONHASHSEED") == "0" or not sys.executable:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + argv[1:],
              dict(os.environ, PYTHONHASHSEED="0"))


def main(argv):
    rerun_with_fixed_hash_seed(argv)
    if len(argv) > 1 and argv[1] == "--bench-models":
        if len(argv) != 3:
            sys.exit("usage: export_models.py --bench-models DIR")
        out_dir = argv[2]
        export_bench_models(out_dir)
    else:
        if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
            sys.exit("usage: export_models.py [OUTPUT_DIR] | --bench-models DIR")
        out_dir = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
        export_all(out_dir)
    check_all(out_dir)
    list_files(out_dir)


if __name__ == "__main__":
    main(sys.argv)
