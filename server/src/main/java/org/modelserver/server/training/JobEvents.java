package org.modelserver.server.training;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.modelserver.runtime.concurrent.DaemonThreads;
import org.modelserver.runtime.train.job.JobJson;
import org.modelserver.runtime.train.job.JobListener;
import org.modelserver.runtime.train.job.JobRecord;
import org.modelserver.runtime.train.job.JobSubscription;
import org.modelserver.runtime.train.job.TrainingJobs;
import org.modelserver.runtime.train.torch.EpochMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job's progress as server-sent events: {@code state} with the whole job (first the job as it is,
 * then at each change of state), {@code epoch} after each epoch; the stream ends after the final
 * state. Events are written by a small pool of sender threads, never by the training thread, so a
 * slow client cannot slow training down; each stream sends in order through its own {@link
 * SerialSender}, so a client that stops reading holds up only its own stream (the container's write
 * timeout then ends it), and one that falls {@value #MAX_PENDING} events behind is closed.
 */
@Component
class JobEvents implements ApplicationListener<ContextClosedEvent> {
  private static final Logger log = LoggerFactory.getLogger(JobEvents.class);

  private final TrainingJobs jobs;
  private final JsonMapper json = JsonMapper.builder().build();

  /** Events one stream may have waiting before it is closed as too slow. */
  static final int MAX_PENDING = 1024;

  /** Streams that may be writing at once; more wait their turn. */
  private static final int SENDERS = 16;

  private final ThreadPoolExecutor sender = senders();
  private final Set<SseEmitter> open = ConcurrentHashMap.newKeySet();

  JobEvents(TrainingJobs jobs) {
    this.jobs = jobs;
  }

  /**
   * @throws org.modelserver.runtime.error.ServingException NOT_FOUND for an unknown job, before the
   *     stream starts
   */
  SseEmitter stream(String id) {
    // No timeout: a job may train for hours; the stream ends with the job.
    SseEmitter emitter = new SseEmitter(0L);
    Stream stream = new Stream(emitter);
    JobSubscription subscription = jobs.subscribe(id, stream);
    open.add(emitter);
    Runnable close =
        () -> {
          subscription.close();
          open.remove(emitter);
        };
    emitter.onCompletion(close);
    emitter.onTimeout(close);
    emitter.onError(error -> close.run());
    stream.start(subscription.snapshot());
    return emitter;
  }

  private static ThreadPoolExecutor senders() {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            SENDERS,
            SENDERS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            DaemonThreads.numbered("training-events"));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Ends every stream when the server stops, so that open streams do not hold up shutdown. */
  @Override
  public void onApplicationEvent(ContextClosedEvent event) {
    open.forEach(SseEmitter::complete);
    sender.shutdown();
  }

  /** One client's stream: events in the order the job produced them. */
  private final class Stream implements JobListener {
    private final SseEmitter emitter;
    private final SerialSender events;
    private List<Runnable> early = new ArrayList<>();

    Stream(SseEmitter emitter) {
      this.emitter = emitter;
      this.events =
          new SerialSender(
              sender,
              MAX_PENDING,
              () -> {
                log.debug("Training events stream closed: the client fell too far behind");
                emitter.completeWithError(new IOException("the client reads too slowly"));
              });
    }

    /** Sends the job as it was when the stream began, then whatever happened since. */
    synchronized void start(JobRecord snapshot) {
      submit(() -> send("state", JobJson.of(snapshot), snapshot.state().isFinished()));
      early.forEach(this::submit);
      early = null;
    }

    @Override
    public void onEpoch(JobRecord job, EpochMetrics metrics) {
      enqueue(() -> send("epoch", JobJson.epoch(job, metrics), false));
    }

    @Override
    public void onStateChange(JobRecord job) {
      enqueue(() -> send("state", JobJson.of(job), job.state().isFinished()));
    }

    private synchronized void enqueue(Runnable event) {
      if (early != null) {
        early.add(event);
      } else {
        submit(event);
      }
    }

    private void submit(Runnable event) {
      events.offer(event);
    }

    private void send(String name, JsonNode data, boolean last) {
      try {
        emitter.send(SseEmitter.event().name(name).data(json.writeValueAsString(data)));
        if (last) {
          emitter.complete();
        }
      } catch (IOException | IllegalStateException e) {
        // The client went away, or the stream was completed already.
        log.debug("Training events stream closed: {}", e.toString());
        emitter.completeWithError(e);
      }
    }
  }
}
