package org.modelserver.server.fuzz;

import static org.modelserver.server.fuzz.Corpus.pick;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.modelserver.grpc.v2.InferParameter;
import org.modelserver.grpc.v2.InferTensorContents;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferRequest.InferInputTensor;
import org.modelserver.grpc.v2.ModelInferRequest.InferRequestedOutputTensor;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.server.codec.RawTensors;

/** Generators of gRPC ModelInfer messages. */
final class GrpcCases {
  private GrpcCases() {}

  static GrpcCase infer(Random random) {
    List<String> how = new ArrayList<>();
    if (random.nextInt(20) == 0) {
      byte[] noise = new byte[random.nextInt(512)];
      random.nextBytes(noise);
      return new GrpcCase(noise, "random bytes");
    }
    Seed seed = pick(random, FuzzTest.seeds);
    ModelInferRequest.Builder request = request(random, seed, how);
    int kind = random.nextInt(10);
    if (kind < 7) {
      for (int i = 1 + random.nextInt(2); i > 0; i--) {
        how.add(mutate(random, request));
      }
    }
    byte[] message = request.build().toByteArray();
    if (kind >= 5) {
      for (int i = 1 + random.nextInt(2); i > 0; i--) {
        message = wire(random, message, how);
      }
    }
    return new GrpcCase(message, String.join(", ", how));
  }

  /** Types that travel only as raw_input_contents. */
  private static final Set<DataType> HALF = Set.of(DataType.FP16, DataType.BF16);

  /** The seed as a ModelInferRequest, with typed contents or raw_input_contents. */
  private static ModelInferRequest.Builder request(Random random, Seed seed, List<String> how) {
    ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(seed.model());
    if (random.nextBoolean()) {
      request.setModelVersion(seed.version());
    }
    boolean raw =
        random.nextBoolean()
            || seed.inputs().values().stream().anyMatch(t -> HALF.contains(t.dataType()));
    how.add(seed.model() + (raw ? " raw" : " typed"));
    for (Map.Entry<String, Tensor> entry : seed.inputs().entrySet()) {
      Tensor tensor = entry.getValue();
      InferInputTensor.Builder input =
          InferInputTensor.newBuilder()
              .setName(entry.getKey())
              .setDatatype(tensor.dataType().protocolName());
      for (long dim : tensor.shape()) {
        input.addShape(dim);
      }
      if (raw) {
        request.addRawInputContents(RawTensors.encode(tensor));
      } else {
        input.setContents(contents(tensor));
      }
      request.addInputs(input);
    }
    return request;
  }

  private static InferTensorContents contents(Tensor tensor) {
    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
    if (tensor.dataType() == DataType.BYTES) {
      for (byte[] element : tensor.bytesElements()) {
        contents.addBytesContents(ByteString.copyFrom(element));
      }
      return contents.build();
    }
    ByteBuffer data = tensor.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < tensor.elementCount(); i++) {
      switch (tensor.dataType()) {
        case BOOL -> contents.addBoolContents(data.get() != 0);
        case INT8 -> contents.addIntContents(data.get());
        case UINT8 -> contents.addUintContents(data.get() & 0xff);
        case INT16 -> contents.addIntContents(data.getShort());
        case UINT16 -> contents.addUintContents(data.getShort() & 0xffff);
        case INT32 -> contents.addIntContents(data.getInt());
        case UINT32 -> contents.addUintContents(data.getInt());
        case INT64 -> contents.addInt64Contents(data.getLong());
        case UINT64 -> contents.addUint64Contents(data.getLong());
        case FP32 -> contents.addFp32Contents(data.getFloat());
        case FP64 -> contents.addFp64Contents(data.getDouble());
        default -> throw new IllegalArgumentException("no typed contents for " + tensor.dataType());
      }
    }
    return contents.build();
  }

  private static String mutate(Random random, ModelInferRequest.Builder request) {
    if (request.getInputsCount() == 0) {
      request.addInputs(InferInputTensor.newBuilder());
    }
    int index = random.nextInt(request.getInputsCount());
    InferInputTensor.Builder input = request.getInputsBuilder(index);
    switch (random.nextInt(14)) {
      case 13 -> {
        Optional<DataType> type = DataType.fromProtocolName(input.getDatatype());
        if (type.isEmpty()) {
          return "no reshape of an unknown type";
        }
        long[] shape = pick(random, Corpus.FILLABLE_SHAPES);
        Tensor tensor = Corpus.filled(type.get(), shape);
        input.clearShape();
        Arrays.stream(shape).forEach(input::addShape);
        if (index < request.getRawInputContentsCount()) {
          request.setRawInputContents(index, RawTensors.encode(tensor));
        } else if (!HALF.contains(type.get())) {
          input.setContents(contents(tensor));
        }
        return "shape and data " + Arrays.toString(shape);
      }
      case 0 -> {
        String[] names = {
          "", "x".repeat(100_000), "nope", "classifier\u0000", "../classifier", "模型"
        };
        request.setModelName(pick(random, names));
        return "model_name of " + request.getModelName().length() + " characters";
      }
      case 1 -> {
        String[] versions = {
          "abc", "-1", "0", "99999999999999999999", "1.5", " 1", "v".repeat(10_000)
        };
        request.setModelVersion(pick(random, versions));
        return "model_version";
      }
      case 2 -> {
        String type = pick(random, Corpus.DATATYPES);
        input.setDatatype(type);
        return "datatype " + (type.length() > 20 ? type.length() + " characters" : type);
      }
      case 3 -> {
        long[] shape = pick(random, Corpus.SHAPES);
        input.clearShape();
        for (long dim : shape) {
          input.addShape(dim);
        }
        return "shape " + Arrays.toString(shape);
      }
      case 4 -> {
        if (request.getRawInputContentsCount() == 0) {
          request.addRawInputContents(ByteString.copyFrom(new byte[16]));
          return "raw_input_contents beside typed contents";
        }
        int at = random.nextInt(request.getRawInputContentsCount());
        int size = request.getRawInputContents(at).size();
        int[] sizes = {0, size - 1, size + 1, size * 2, 1 << 20, 3};
        int wrong = Math.max(0, sizes[random.nextInt(sizes.length)]);
        byte[] bytes = new byte[wrong];
        random.nextBytes(bytes);
        request.setRawInputContents(at, ByteString.copyFrom(bytes));
        return "raw_input_contents of " + wrong + " bytes for " + size;
      }
      case 5 -> {
        if (request.getRawInputContentsCount() > 0) {
          if (random.nextBoolean()) {
            request.addRawInputContents(ByteString.EMPTY);
            return "one raw_input_contents too many";
          }
          input.setContents(InferTensorContents.newBuilder().addFp32Contents(1));
          return "contents beside raw_input_contents";
        }
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        switch (random.nextInt(5)) {
          case 0 -> contents.addInt64Contents(1).addFp32Contents(1);
          case 1 -> contents.addAllFp64Contents(List.of(1.0, Double.NaN, -0.0, 1e308));
          case 2 -> {
            for (int i = 0; i < 10_000; i++) {
              contents.addBytesContents(ByteString.EMPTY);
            }
          }
          case 3 -> contents.addBytesContents(ByteString.copyFrom(new byte[100_000]));
          default -> {}
        }
        input.setContents(contents);
        return "contents of the wrong kind or count";
      }
      case 6 -> {
        String[] names = {"", "x".repeat(100_000), "nope", request.getInputs(0).getName()};
        input.setName(pick(random, names));
        return "input name of " + input.getName().length() + " characters";
      }
      case 7 -> {
        InferParameter[] values = {
          InferParameter.newBuilder().setInt64Param(-1).build(),
          InferParameter.newBuilder().setInt64Param(Long.MAX_VALUE).build(),
          InferParameter.newBuilder().setUint64Param(-1).build(),
          InferParameter.newBuilder().setStringParam("x".repeat(100_000)).build(),
          InferParameter.newBuilder().setDoubleParam(Double.NaN).build(),
          InferParameter.newBuilder().setBoolParam(true).build(),
          InferParameter.getDefaultInstance()
        };
        String[] keys = {
          "binary_data_size",
          "classification",
          "binary_data_output",
          "priority",
          "timeout",
          "sequence_id",
          "k".repeat(10_000)
        };
        String key = pick(random, keys);
        InferParameter value = pick(random, values);
        switch (random.nextInt(3)) {
          case 0 -> request.putParameters(key, value);
          case 1 -> input.putParameters(key, value);
          default ->
              request.addOutputs(
                  InferRequestedOutputTensor.newBuilder()
                      .setName(pick(random, Corpus.OUTPUT_NAMES))
                      .putParameters(key, value));
        }
        return "parameter " + (key.length() > 20 ? key.length() + " characters" : key);
      }
      case 8 -> {
        String[] names = {"nope", "", "probabilities", "o".repeat(100_000)};
        String name = pick(random, names);
        int count = random.nextBoolean() || name.length() > 100 ? 2 : 1000;
        for (int i = 0; i < count; i++) {
          request.addOutputs(InferRequestedOutputTensor.newBuilder().setName(name));
        }
        return count + " outputs named with " + name.length() + " characters";
      }
      case 9 -> {
        request.setId("i".repeat(100_000));
        return "a 100 KB id";
      }
      case 10 -> {
        request.clearInputs();
        return "no inputs";
      }
      case 11 -> {
        request.addInputs(input.build());
        return "an input twice";
      }
      default -> {
        input.clearContents();
        return "no contents";
      }
    }
  }

  /** Mutations of the encoded message. */
  private static byte[] wire(Random random, byte[] message, List<String> how) {
    switch (random.nextInt(4)) {
      case 0 -> {
        // a string field of bytes that are not UTF-8: the model name, or a new input's name
        byte[] invalid = pick(random, Corpus.NOT_UTF8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(message);
        if (random.nextBoolean()) {
          out.write(0x0a);
          out.write(invalid.length);
          out.writeBytes(invalid);
          how.add("model_name not UTF-8");
        } else {
          out.write(0x2a);
          out.write(invalid.length + 2);
          out.write(0x0a);
          out.write(invalid.length);
          out.writeBytes(invalid);
          how.add("input name not UTF-8");
        }
        return out.toByteArray();
      }
      case 1 -> {
        // a length-delimited field whose length runs far past the end
        byte[] lie = {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2};
        how.add("field length past the end");
        return ByteMutations.splice(message, 0, 0, lie);
      }
      default -> {
        return ByteMutations.apply(random, message, how);
      }
    }
  }
}
