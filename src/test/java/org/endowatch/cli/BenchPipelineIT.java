package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.endowatch.contract.JsonSerde;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench pipeline} through a real broker writes the keys issue 8 names, one outcome per frame,
 * and how many frames its backlog batches held. Only counts are asserted, never speed.
 */
@ExtendWith(RealKafka.class)
class BenchPipelineIT {
  @Test
  void aShortProcedureGivesOneOutcomePerFrameAndTheNamedKeys(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    JsonNode p = pipeline(kafka, dir, "--warmup-seconds", "5", "--backlog-batch", "2", "--frame-workers", "2");
    for (String key : new String[] {"streams", "scored_fps", "skipped_fraction", "capture_to_score_p50_ms",
        "capture_to_score_p99_ms", "time_to_first_alert_ms"}) {
      assertThat(p.has(key)).as(key).isTrue();
    }
    assertThat(p.get("streams").asInt()).isEqualTo(1);
    assertThat(p.get("frames").asLong()).isEqualTo(40);                 // 4 s at 10 fps
    assertThat(p.get("seed").asLong()).isEqualTo(13);                   // the default procedure
    assertThat(p.get("procedure_frames").asText()).isEqualTo("filmed");
    assertThat(p.get("outcome_records").asLong()).isEqualTo(40);
    assertThat(p.get("warmup_seconds").asInt()).isEqualTo(5);
    assertThat(p.get("outcomes_per_instance").get(0).asLong()).isEqualTo(50 + 40);   // 5 s of warm-up at 10 fps, then the 40
    assertThat(p.get("skipped_fraction").asDouble()).isEqualTo(0.0);
    assertThat(p.get("backlog_batch").asInt()).isEqualTo(2);
    assertThat(p.get("frame_workers").asInt()).isEqualTo(2);   // a backlog's two frames scored side by side
    assertThat(p.get("mean_backlog_batch").asDouble()).isBetween(1.0, 2.0);
    assertThat(p.get("inference_ms_mean").asDouble()).isPositive();
    assertThat(p.get("intra_op_threads").asInt()).isPositive();   // what the engine uses (set when it started)
    assertThat(p.get("capture_to_score_p50_ms").asDouble()).isLessThanOrEqualTo(p.get("capture_to_score_p99_ms").asDouble());
    // The generated procedure has one lesion and every frame is scored, so the shipped model alerts
    // it, and its time to first alert splits exactly into detection, the alert rule and the decision.
    assertThat(p.get("intervals").asInt()).isEqualTo(1);
    assertThat(p.get("intervals_alerted").asInt()).isEqualTo(1);
    assertThat(p.get("false_alerts").asInt()).isZero();
    // The one lesion, listed with what the scorer made of it: alerted at the median time, its frames
    // all scored, the rule's three or more of them over the threshold, the highest over it.
    JsonNode lesion = p.get("lesions").get(0);
    assertThat(p.get("lesions").size()).isEqualTo(1);
    assertThat(lesion.get("alerted").asBoolean()).isTrue();
    assertThat(lesion.get("first_alert_ms").asDouble()).isEqualTo(p.get("time_to_first_alert_ms").asDouble());
    assertThat(p.get("time_to_first_alert_p90_ms").asDouble()).isEqualTo(p.get("time_to_first_alert_ms").asDouble());
    assertThat(lesion.get("scored_frames").asInt()).isEqualTo(lesion.get("end_frame").asInt() - lesion.get("start_frame").asInt() + 1);
    assertThat(lesion.get("frames_over_threshold").asInt()).isGreaterThanOrEqualTo(3);
    assertThat(lesion.get("max_score").asDouble()).isGreaterThan(lesion.get("threshold").asDouble());
    assertThat(p.get("first_alert_detect_ms").asDouble() + p.get("first_alert_rule_ms").asDouble()
        + p.get("first_alert_decide_ms").asDouble()).isEqualTo(p.get("time_to_first_alert_ms").asDouble());
    // The rule needs 3 frames over the threshold: the raising frame is captured after the first one.
    assertThat(p.get("first_alert_rule_ms").asDouble()).isPositive();
    // Read as a console reads (committed only), the alert is seen after it was decided, by exactly
    // the publish part; and no outcome is readable before it was decided.
    assertThat(p.get("first_alert_publish_ms").asDouble()).isNotNegative();
    assertThat(p.get("time_to_first_alert_ms").asDouble() + p.get("first_alert_publish_ms").asDouble())
        .isEqualTo(p.get("time_to_first_alert_visible_ms").asDouble());
    assertThat(p.get("capture_to_visible_p50_ms").asDouble()).isGreaterThanOrEqualTo(p.get("capture_to_score_p50_ms").asDouble());
    assertThat(p.get("capture_to_visible_p99_ms").asDouble()).isGreaterThanOrEqualTo(p.get("capture_to_score_p99_ms").asDouble());
  }

  @Test
  void twoRoomsPlayTheirOwnProceduresAndAreCountedApart(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    // Rendered (no codec): the path a host without FFmpeg's natives takes; the other case films.
    JsonNode p = pipeline(kafka, dir, "--streams", "2", "--warmup-seconds", "1", "--seed", "21", "--procedure-frames", "rendered");
    assertThat(p.get("procedure_frames").asText()).isEqualTo("rendered");
    assertThat(p.get("streams").asInt()).isEqualTo(2);
    assertThat(p.get("seed").asLong()).isEqualTo(21);                   // the first room's; the second plays 22
    assertThat(p.get("frames").asLong()).isEqualTo(2 * 40);
    assertThat(p.get("outcome_records").asLong()).isEqualTo(2 * 40);
    assertThat(p.get("skipped_fraction").asDouble()).isEqualTo(0.0);
    // Each 4 s procedure has one lesion; both are listed, each under its own room, every frame scored.
    assertThat(p.get("intervals").asInt()).isEqualTo(2);
    JsonNode lesions = p.get("lesions");
    assertThat(lesions.size()).isEqualTo(2);
    assertThat(lesions.get(0).get("stream").asText()).isNotEqualTo(lesions.get(1).get("stream").asText());
    for (JsonNode lesion : lesions) {
      assertThat(lesion.get("scored_frames").asInt()).isEqualTo(lesion.get("end_frame").asInt() - lesion.get("start_frame").asInt() + 1);
    }
    // Two procedures, not one played twice: the same frames would score the same to the last digits.
    assertThat(Math.abs(lesions.get(0).get("max_score").asDouble() - lesions.get(1).get("max_score").asDouble()))
        .isGreaterThan(1e-3);
  }

  @Test
  void aStandInForTheNetworkGivesEveryFrameAnOutcomeAndTheCpuIsAccounted(KafkaCluster kafka, @TempDir Path dir)
      throws Exception {
    // --keep-topics: left on the cluster, for a look (the helper checks, then removes them).
    JsonNode p = pipeline(kafka, dir, "--streams", "2", "--threads", "2", "--warmup-seconds", "1", "--procedure-frames",
        "rendered", "--scoring", "simulated:2+0.5", "--keep-topics");
    assertThat(p.get("scoring").asText()).isEqualTo("simulated:2+0.5");
    assertThat(p.get("outcome_records").asLong()).isEqualTo(2 * 40);
    assertThat(p.get("skipped_fraction").asDouble()).isEqualTo(0.0);
    // Every frame scored 0: the lesions are there but nothing alerts.
    assertThat(p.get("intervals").asInt()).isEqualTo(2);
    assertThat(p.get("intervals_alerted").asInt()).isZero();
    for (JsonNode lesion : p.get("lesions")) {
      assertThat(lesion.get("max_score").asDouble()).isEqualTo(0.0);
      assertThat(lesion.get("frames_over_threshold").asInt()).isZero();
    }
    // Two stream threads share the stand-in through the batcher: the measured part's 80 frames went
    // through its passes, at most 2 threads x backlog batch 2 = 4 frames in a pass.
    assertThat(p.get("stream_threads").asInt()).isEqualTo(2);
    long passes = p.get("model_passes").asLong();
    assertThat(passes).isBetween(20L, 80L);
    assertThat(passes * p.get("mean_model_pass_frames").asDouble()).isCloseTo(80.0, org.assertj.core.data.Offset.offset(1e-9));
    // The CPU account: the whole process first, then its threads by kind, adding up to it.
    JsonNode cpu = p.get("cpu_ms_per_frame");
    assertThat(fieldNames(cpu)).containsExactly("process", "scorer_stream_threads", "model_batcher_and_frame_workers",
        "producer_network_threads", "bench_cameras", "broker_and_other_java_threads", "jvm_and_native_threads");
    double parts = 0;
    for (String k : fieldNames(cpu).subList(1, 7)) {
      assertThat(cpu.get(k).asDouble()).as(k).isNotNegative();
      parts += cpu.get(k).asDouble();
    }
    assertThat(parts).isCloseTo(cpu.get("process").asDouble(), org.assertj.core.data.Offset.offset(1e-9));
    // The stream thread decoded the frames and the cameras sent them: both took CPU time.
    assertThat(cpu.get("scorer_stream_threads").asDouble()).isPositive();
    assertThat(cpu.get("bench_cameras").asDouble()).isPositive();
    assertThat(p.get("cpu_cores_busy").asDouble()).isPositive();
  }

  private static java.util.List<String> fieldNames(JsonNode n) {
    java.util.List<String> names = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /**
   * {@code bench pipeline} of 4 s at 10 fps per stream with {@code options}, its JSON's pipeline part.
   * Budget 0: nothing is skipped as stale, so every frame is scored whatever this machine's speed.
   */
  private static JsonNode pipeline(KafkaCluster kafka, Path dir, String... options) throws Exception {
    Path out = dir.resolve("pipeline.json");
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("bench", "pipeline", "--bootstrap",
        kafka.bootstrapServers(), "--seconds", "4", "--fps", "10", "--budget-ms", "0", "--out", out.toString()));
    args.addAll(java.util.List.of(options));
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.err()).isZero();
    // On a cluster it did not start, the bench leaves nothing (its topics, its scorer's offsets and
    // changelogs) unless asked to keep them, for a look.
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafka.settings().clientProps())) {
      if (args.contains("--keep-topics")) {
        java.util.regex.Matcher kept = java.util.regex.Pattern.compile("keeping the bench's topics \\(frames(\\.bench-\\d+), "
            + "scores\\1, heatmaps\\1, alerts\\1, frames-dlq\\1\\) and its scorer's state \\(group bench\\1\\) on "
            + java.util.regex.Pattern.quote(kafka.bootstrapServers()) + " \\(--keep-topics\\)").matcher(r.err());
        assertThat(kept.find()).as(r.err()).isTrue();
        String suffix = kept.group(1);
        java.util.List<String> topics = java.util.List.of("frames" + suffix, "scores" + suffix, "heatmaps" + suffix,
            "alerts" + suffix, "frames-dlq" + suffix, "bench" + suffix + "-alert-state-changelog");
        assertThat(admin.listTopics().names().get()).containsAll(topics);
        admin.deleteTopics(admin.listTopics().names().get().stream().filter(n -> n.contains(suffix)).toList()).all().get();
        admin.deleteConsumerGroups(java.util.List.of("bench" + suffix)).all().get();
      } else {
        assertThat(r.err()).containsPattern("removed the bench's topics \\(frames\\.bench-\\d+, \\.\\.\\.\\) and its scorer's "
            + "state from " + java.util.regex.Pattern.quote(kafka.bootstrapServers()));
        assertThat(admin.listTopics().names().get()).noneMatch(n -> n.contains(".bench-"));
        assertThat(admin.listGroups().all().get()).noneMatch(g -> g.groupId().startsWith("bench.bench-"));
      }
    }
    return JsonSerde.MAPPER.readTree(out.toFile()).get("pipeline");
  }
}
