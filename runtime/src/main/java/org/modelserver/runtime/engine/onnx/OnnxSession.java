package org.modelserver.runtime.engine.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.modelserver.runtime.config.ModelSignature;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.RunStop;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;

/** One ONNX Runtime session. {@link OrtSession#run} is thread-safe, so this class is too. */
final class OnnxSession implements EngineSession {
  private final OrtEnvironment environment;
  private final OrtSession session;
  private final ModelSignature signature;
  private final AtomicBoolean closed = new AtomicBoolean();

  OnnxSession(OrtEnvironment environment, OrtSession session, ModelSignature signature) {
    this.environment = environment;
    this.session = session;
    this.signature = signature;
  }

  @Override
  public Optional<ModelSignature> signature() {
    return Optional.of(signature);
  }

  @Override
  public Map<String, Tensor> execute(Map<String, Tensor> inputs, Set<String> outputs) {
    return execute(inputs, outputs, null);
  }

  /** Runs with ONNX Runtime's terminate flag wired to {@code stop}, when there is one. */
  @Override
  public Map<String, Tensor> execute(
      Map<String, Tensor> inputs, Set<String> outputs, RunStop stop) {
    if (stop == null) {
      return run(inputs, outputs, null);
    }
    try (OrtSession.RunOptions options = new OrtSession.RunOptions()) {
      stop.onStop(() -> terminate(options));
      try {
        return run(inputs, outputs, options);
      } catch (ServingException e) {
        if (stop.requested()) {
          throw ServingException.cancelled("the run was stopped: its caller cancelled it");
        }
        throw e;
      } finally {
        stop.onStop(null); // the options are closed next; nothing may touch them after
      }
    } catch (OrtException e) {
      throw ServingException.internal("ONNX Runtime run options failed: " + e.getMessage(), e);
    }
  }

  private static void terminate(OrtSession.RunOptions options) {
    try {
      options.setTerminate(true);
    } catch (OrtException e) {
      // the run ends normally instead
    }
  }

  private Map<String, Tensor> run(
      Map<String, Tensor> inputs, Set<String> outputs, OrtSession.RunOptions options) {
    if (closed.get()) {
      throw ServingException.unavailable("the model session has been closed (unloaded)");
    }
    Map<String, OnnxTensor> onnxInputs = new HashMap<>();
    try {
      for (Map.Entry<String, Tensor> input : inputs.entrySet()) {
        onnxInputs.put(input.getKey(), toOnnx(input.getValue()));
      }
      try (OrtSession.Result result =
          options == null
              ? session.run(onnxInputs, outputs)
              : session.run(onnxInputs, outputs, options)) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> output : result) {
          tensors.put(output.getKey(), fromOnnx(output.getKey(), output.getValue()));
        }
        return tensors;
      }
    } catch (IllegalStateException e) {
      // ONNX Runtime's answer when the session was closed while this call was on its way.
      throw ServingException.unavailable("the model session has been closed (unloaded)");
    } catch (OrtException e) {
      if (e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT) {
        throw ServingException.invalidArgument("the model rejected the input: " + e.getMessage());
      }
      throw ServingException.internal("ONNX Runtime failed: " + e.getMessage(), e);
    } finally {
      onnxInputs.values().forEach(OnnxTensor::close);
    }
  }

  private OnnxTensor toOnnx(Tensor tensor) throws OrtException {
    long[] shape = tensor.shape();
    if (tensor.dataType() == DataType.BYTES) {
      return OnnxTensor.createTensor(environment, utf8Strings(tensor.bytesElements()), shape);
    }
    ByteBuffer data = tensor.data();
    if (!data.isDirect()) {
      // ONNX Runtime needs direct memory for multi-byte types; heap data is copied once.
      data =
          ByteBuffer.allocateDirect(data.remaining())
              .order(ByteOrder.LITTLE_ENDIAN)
              .put(data)
              .flip();
    }
    // A direct little-endian buffer is read in place on little-endian hosts.
    return OnnxTensor.createTensor(
        environment, data, shape, OnnxTypes.toJavaType(tensor.dataType()));
  }

  /** ONNX Runtime's Java API takes strings, so BYTES elements must be valid UTF-8. */
  private static String[] utf8Strings(byte[][] elements) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    String[] strings = new String[elements.length];
    for (int i = 0; i < elements.length; i++) {
      try {
        strings[i] = decoder.decode(ByteBuffer.wrap(elements[i])).toString();
      } catch (CharacterCodingException e) {
        throw ServingException.invalidArgument(
            "BYTES element "
                + i
                + " is not valid UTF-8; ONNX Runtime string tensors hold UTF-8 text only");
      }
    }
    return strings;
  }

  private static Tensor fromOnnx(String name, OnnxValue value) throws OrtException {
    if (!(value instanceof OnnxTensor tensor)) {
      throw ServingException.internal(
          "output '" + name + "' is not a tensor but " + value.getType(), null);
    }
    long[] shape = tensor.getInfo().getShape();
    DataType type = OnnxTypes.toDataType(tensor.getInfo().onnxType);
    if (type == DataType.BYTES) {
      String[] flat = flattenStrings(tensor.getValue(), tensor.getInfo().getNumElements());
      byte[][] elements = new byte[flat.length][];
      for (int i = 0; i < flat.length; i++) {
        elements[i] = flat[i].getBytes(StandardCharsets.UTF_8);
      }
      return Tensor.ofBytes(shape, elements);
    }
    // A copy in native order, which OnnxEngine has checked is little-endian.
    ByteBuffer copy = tensor.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    return Tensor.of(type, shape, copy);
  }

  private static String[] flattenStrings(Object value, long count) {
    String[] flat = new String[Math.toIntExact(count)];
    int[] next = {0};
    collect(value, flat, next);
    return flat;
  }

  private static void collect(Object value, String[] flat, int[] next) {
    if (value instanceof String text) {
      flat[next[0]++] = text;
    } else if (value instanceof Object[] array) {
      for (Object item : array) {
        collect(item, flat, next);
      }
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        session.close();
      } catch (OrtException e) {
        throw new IllegalStateException("closing an ONNX Runtime session failed", e);
      }
    }
  }
}
