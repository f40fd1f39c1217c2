#!/usr/bin/env python3
"""Export the example models and reference files of the model repository.

Run from the repository root:

    /usr/bin/python3 model-repo/export_models.py [OUTPUT_DIR]
    /usr/bin/python3 model-repo/export_models.py --bench-models DIR

OUTPUT_DIR defaults to the folder holding this script (model-repo/). The
script needs PyTorch, ONNX and NumPy (Debian: python3-torch, python3-onnx,
python3-numpy); it does not need onnxruntime.

``--bench-models DIR`` exports only the benchmark models, which are too large
to commit: ``DIR/resnet18/1/model.onnx`` (a ResNet-18, written out by hand so
torchvision is not needed, random weights from a fixed seed; input ``image``
FP32 [batch, 3, 224, 224], output ``logits`` FP32 [batch, 1000]) and its
``DIR/resnet18/config.yaml``. ``src/bench/run.sh`` calls it.

It writes, for every model, ``<OUTPUT_DIR>/<model>/<version>/model.onnx``,
``<OUTPUT_DIR>/<model>/reference.json`` (KServe v2 request bodies with the
outputs PyTorch computed for them) and, for some models, a Triton-style
``<OUTPUT_DIR>/<model>/config.yaml``.

The output is deterministic: weights come from fixed seeds and inputs are
fixed, so rerunning overwrites the same files with the same content.

Each PyTorch model has one ``build_*`` function returning the
``torch.nn.Module`` (in eval mode) and a tuple of example inputs, so the same
modules can also be saved in other formats (e.g. TorchScript ``model.pt`` via
``torch.jit.trace(module, example_inputs)``) later.
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


def build_identity_types():
    inputs, outputs, nodes = [], [], []
    for prefix, elem_type in IDENTITY_TYPES:
        in_name, out_name = prefix + "_in", prefix + "_out"
        inputs.append(helper.make_tensor_value_info(in_name, elem_type, ["batch", "n"]))
        outputs.append(helper.make_tensor_value_info(out_name, elem_type, ["batch", "n"]))
        nodes.append(helper.make_node("Identity", [in_name], [out_name],
                                      name="identity_" + prefix))
    graph = helper.make_graph(nodes, "identity_types", inputs, outputs)
    model = helper.make_model(
        graph,
        producer_name="export_models.py",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    model.ir_version = 8  # so older runtimes can read it
    return model


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


def export_all(out_dir):
    modules = {}  # model name -> {version: module}
    for name, version, builder, args, in_names, out_names, axes in TORCH_MODELS:
        module, example_inputs = builder(*args)
        modules.setdefault(name, {})[version] = module
        export_onnx(module, example_inputs,
                    os.path.join(out_dir, name, version, "model.onnx"),
                    in_names, out_names, axes)

    identity_dir = os.path.join(out_dir, "identity_types", "1")
    os.makedirs(identity_dir, exist_ok=True)
    onnx.save(build_identity_types(), os.path.join(identity_dir, "model.onnx"))

    write_text(os.path.join(out_dir, "classifier", "config.yaml"), CLASSIFIER_CONFIG)
    write_text(os.path.join(out_dir, "token_embed", "config.yaml"), TOKEN_EMBED_CONFIG)

    write_reference(out_dir, "classifier", classifier_cases(modules["classifier"]))
    write_reference(out_dir, "mixed_io", mixed_io_cases(modules["mixed_io"]))
    write_reference(out_dir, "token_embed", token_embed_cases(modules["token_embed"]))
    write_reference(out_dir, "identity_types", identity_types_cases())



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
            if not file_name.endswith(".onnx"):
                continue
            path = os.path.join(root, file_name)
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


def main(argv):
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
