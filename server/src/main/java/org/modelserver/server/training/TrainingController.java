package org.modelserver.server.training;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.modelserver.runtime.train.job.JobJson;
import org.modelserver.runtime.train.job.JobPlan;
import org.modelserver.runtime.train.job.JobPlanner;
import org.modelserver.runtime.train.job.JobRecord;
import org.modelserver.runtime.train.job.JobState;
import org.modelserver.runtime.train.job.TrainingJobs;
import org.modelserver.server.Versions;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fine-tuning jobs over REST: start one on a model version, list and read jobs, follow one as
 * server-sent events, cancel one. Management endpoints (admin token, or loopback only). Everything
 * about a request is checked before its job is queued; errors go through the REST error map.
 */
@RestController
class TrainingController {
  private static final String JOBS = "/v2/training/jobs";

  private final JobPlanner planner;
  private final TrainingJobs jobs;
  private final TrainingRequests requests;
  private final JobEvents events;

  TrainingController(
      JobPlanner planner, TrainingJobs jobs, TrainingRequests requests, JobEvents events) {
    this.planner = planner;
    this.jobs = jobs;
    this.requests = requests;
    this.events = events;
  }

  /** Starts a job on the version named, or on the model's default version; 202 with its URLs. */
  @PostMapping({"/v2/models/{model}/finetune", "/v2/models/{model}/versions/{version}/finetune"})
  ResponseEntity<Map<String, String>> finetune(
      @PathVariable String model,
      @PathVariable(required = false) String version,
      HttpServletRequest request) {
    // A serve-only replica says so before it judges the model or reads the body.
    jobs.requireEnabled();
    JobPlanner.BaseVersion base = planner.base(model, Versions.parse(version));
    TrainingRequests.FineTuneBody body = requests.read(request);
    JobPlan plan = planner.plan(base, body.settings(), body.upload());
    JobRecord job = jobs.submit(plan);
    String statusUrl = JOBS + "/" + job.id();
    Map<String, String> answer = new LinkedHashMap<>();
    answer.put("job_id", job.id());
    answer.put("status_url", statusUrl);
    answer.put("events_url", statusUrl + "/events");
    answer.put("state", job.state().configName());
    return ResponseEntity.accepted().location(URI.create(statusUrl)).body(answer);
  }

  /** Every job, newest first. */
  @GetMapping(JOBS)
  JsonNode list() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ArrayNode array = body.putArray("jobs");
    jobs.list().forEach(job -> array.add(JobJson.of(job)));
    return body;
  }

  @GetMapping(JOBS + "/{id}")
  JsonNode job(@PathVariable String id) {
    return JobJson.of(jobs.get(id));
  }

  @GetMapping(path = JOBS + "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter events(@PathVariable String id) {
    return events.stream(id);
  }

  /**
   * 200 with the job when it is cancelled at once (it was queued); 202 when it was running and
   * stops at its next step; 409 when it has finished.
   */
  @PostMapping(JOBS + "/{id}/cancel")
  ResponseEntity<JsonNode> cancel(@PathVariable String id) {
    JobRecord job = jobs.cancel(id);
    HttpStatus status = job.state() == JobState.CANCELLED ? HttpStatus.OK : HttpStatus.ACCEPTED;
    return ResponseEntity.status(status).body(JobJson.of(job));
  }
}
