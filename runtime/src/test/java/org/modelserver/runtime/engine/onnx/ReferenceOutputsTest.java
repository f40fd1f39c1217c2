package org.modelserver.runtime.engine.onnx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.testsupport.ReferenceCase;
import org.modelserver.runtime.testsupport.TensorAssertions;
import org.modelserver.runtime.testsupport.TestRepos;

/**
 * Every case of every {@code reference.json}, run on a real ONNX Runtime session: FP32 outputs
 * within 1e-5 of PyTorch's, integers, booleans and strings exactly equal.
 */
class ReferenceOutputsTest {
  private static final OnnxEngine ENGINE = new OnnxEngine();
  private static final Map<String, EngineSession> SESSIONS = new HashMap<>();

  static List<ReferenceCase> cases() {
    return ReferenceCase.loadAll();
  }

  private static synchronized EngineSession session(String model, long version) {
    return SESSIONS.computeIfAbsent(
        model + "/" + version,
        key ->
            ENGINE.load(
                new LoadSpec(
                    model,
                    version,
                    TestRepos.modelFile(model, version),
                    ModelConfig.builder(model).build(),
                    Device.CPU,
                    0)));
  }

  @AfterAll
  static void closeSessions() {
    SESSIONS.values().forEach(EngineSession::close);
    SESSIONS.clear();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void outputsMatchPyTorch(ReferenceCase reference) {
    EngineSession session = session(reference.model(), reference.version());
    TensorAssertions.assertSameTensors(
        session.execute(reference.inputs(), reference.outputs().keySet()), reference.outputs());
  }
}
