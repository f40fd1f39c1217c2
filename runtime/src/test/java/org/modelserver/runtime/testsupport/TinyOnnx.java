package org.modelserver.runtime.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Writes small ONNX models by hand (protobuf wire format), for graphs the example repository does
 * not have: fixed shapes, element types ONNX Runtime's Java API cannot exchange, non-tensor inputs.
 *
 * <p>Dims are given as {@code Long} (a fixed size) or {@code String} (a symbolic, variable size).
 */
public final class TinyOnnx {
  // ONNX TensorProto.DataType values.
  public static final int FLOAT = 1;
  public static final int UINT8 = 2;
  public static final int UINT16 = 4;
  public static final int INT64 = 7;
  public static final int FLOAT16 = 10;
  public static final int DOUBLE = 11;
  public static final int BFLOAT16 = 16;

  private static final int IR_VERSION = 8;
  private static final int OPSET = 13;

  private TinyOnnx() {}

  /** A model with one Identity node from {@code input} to {@code output}, both of one type. */
  public static byte[] identity(String input, String output, int elemType, Object... dims) {
    return model(
        List.of(node("Identity", List.of(input), List.of(output))),
        List.of(tensorInfo(input, elemType, dims)),
        List.of(tensorInfo(output, elemType, dims)));
  }

  /**
   * A model whose input {@code seq} is a sequence of float tensors and whose output {@code length}
   * is that sequence's length.
   */
  public static byte[] sequenceLength() {
    return model(
        List.of(node("SequenceLength", List.of("seq"), List.of("length"))),
        List.of(sequenceInfo("seq", FLOAT)),
        List.of(tensorInfo("length", INT64)));
  }

  /**
   * A model whose cost the caller chooses: input {@code size} (INT64 [2], say [n, n]) becomes an
   * n×n matrix of zeros that is multiplied by itself twice; output {@code sum} (FP32 [1, 1]) is 0.
   * A size too large to allocate makes ONNX Runtime fail inside the engine.
   */
  public static byte[] slowSum() {
    return model(
        List.of(
            node("ConstantOfShape", List.of("size"), List.of("zeros")),
            node("MatMul", List.of("zeros", "zeros"), List.of("square")),
            node("MatMul", "matmul2", List.of("square", "zeros"), List.of("cube")),
            node("ReduceSum", List.of("cube"), List.of("sum"))),
        List.of(tensorInfo("size", INT64, 2L)),
        List.of(tensorInfo("sum", FLOAT, 1L, 1L)));
  }

  public static byte[] model(List<byte[]> nodes, List<byte[]> inputs, List<byte[]> outputs) {
    Message graph = new Message();
    nodes.forEach(node -> graph.bytes(1, node));
    graph.string(2, "tiny");
    inputs.forEach(input -> graph.bytes(11, input));
    outputs.forEach(output -> graph.bytes(12, output));
    Message model = new Message();
    model.varint(1, IR_VERSION);
    model.string(2, "TinyOnnx");
    model.bytes(7, graph.toBytes());
    model.bytes(8, new Message().string(1, "").varint(2, OPSET).toBytes());
    return model.toBytes();
  }

  public static byte[] node(String opType, List<String> inputs, List<String> outputs) {
    return node(opType, opType.toLowerCase(Locale.ROOT), inputs, outputs);
  }

  /** A node with its own name, for graphs with two nodes of one type. */
  public static byte[] node(String opType, String name, List<String> inputs, List<String> outputs) {
    Message node = new Message();
    inputs.forEach(input -> node.string(1, input));
    outputs.forEach(output -> node.string(2, output));
    node.string(3, name);
    node.string(4, opType);
    return node.toBytes();
  }

  public static byte[] tensorInfo(String name, int elemType, Object... dims) {
    Message type = new Message().bytes(1, tensorType(elemType, dims));
    return new Message().string(1, name).bytes(2, type.toBytes()).toBytes();
  }

  public static byte[] sequenceInfo(String name, int elemType) {
    Message element = new Message().bytes(1, tensorType(elemType, "n"));
    Message sequence = new Message().bytes(1, element.toBytes());
    Message type = new Message().bytes(4, sequence.toBytes());
    return new Message().string(1, name).bytes(2, type.toBytes()).toBytes();
  }

  private static byte[] tensorType(int elemType, Object... dims) {
    Message shape = new Message();
    for (Object dim : dims) {
      Message dimension = new Message();
      if (dim instanceof String param) {
        dimension.string(2, param);
      } else {
        dimension.varint(1, ((Number) dim).longValue());
      }
      shape.bytes(1, dimension.toBytes());
    }
    return new Message().varint(1, elemType).bytes(2, shape.toBytes()).toBytes();
  }

  /** A protobuf message being written: varint and length-delimited fields only. */
  private static final class Message {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Message varint(int field, long value) {
      writeVarint((long) field << 3);
      writeVarint(value);
      return this;
    }

    Message bytes(int field, byte[] value) {
      writeVarint(((long) field << 3) | 2);
      writeVarint(value.length);
      out.writeBytes(value);
      return this;
    }

    Message string(int field, String value) {
      return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toBytes() {
      return out.toByteArray();
    }

    private void writeVarint(long value) {
      long rest = value;
      while ((rest & ~0x7FL) != 0) {
        out.write((int) ((rest & 0x7F) | 0x80));
        rest >>>= 7;
      }
      out.write((int) rest);
    }
  }
}
