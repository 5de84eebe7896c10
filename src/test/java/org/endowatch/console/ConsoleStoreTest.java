package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Score;
import org.junit.jupiter.api.Test;

class ConsoleStoreTest {
  static Frame frame(String id, long index, long ts) {
    return new Frame(id, index, ts, 8, 8, Frame.JPEG, "t", new byte[] {(byte) index});
  }

  @Test
  void summarisesATimelineAndTellsLiveFromEnded() {
    AtomicLong now = new AtomicLong(100_000);
    ConsoleStore store = new ConsoleStore(now::get);
    for (int i = 0; i < 5; i++) {
      store.frame(frame("room-1", i, 99_000 + 40L * i), 0, 10 + i);
      store.score(Score.scored("room-1", i, 99_000 + 40L * i, 99_100 + 40L * i, 0.1 * i, 0.3, "m-1"));
    }

    ConsoleStore.Summary s = store.summary("room-1");
    assertThat(s.live()).isTrue();
    assertThat(s.frames()).isEqualTo(5);
    assertThat(s.lastIndex()).isEqualTo(4);
    assertThat(s.fps()).isEqualTo(25.0);
    assertThat(s.lastScore()).isCloseTo(0.4, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(s.latencyMs()).isEqualTo(100);
    assertThat(store.timeline("room-1", 3).stream().map(ConsoleStore.Point::index)).containsExactly(3L, 4L);
    assertThat(store.location("room-1", 2)).containsExactly(0, 12);
    now.addAndGet(ConsoleStore.LIVE_MS);
    assertThat(store.summary("room-1").live()).isFalse();
  }

  @Test
  void remembersWhichModelAndThresholdJudgedWhichFrames() {
    ConsoleStore store = new ConsoleStore(() -> 100_000);
    store.score(Score.scored("room-1", 0, 99_000, 99_030, 0.1, 0.3, "m-1"));
    store.score(Score.skipped("room-1", 1, 99_040, 99_300, 0.3, "m-1", "stale"));
    store.score(Score.scored("room-1", 2, 99_080, 99_110, 0.2, 0.3, "m-1"));
    // Released mid-procedure: a recalibration of the same network, then another network.
    store.score(Score.scored("room-1", 3, 99_120, 99_150, 0.2, 0.35, "m-1+cal2"));
    store.score(Score.scored("room-1", 4, 99_160, 99_190, 0.2, 0.35, "m-1+cal2"));
    store.score(Score.skipped("room-1", 5, 99_200, 99_500, 0.4, "m-2", "stale"));

    assertThat(store.models("room-1")).containsExactly(new ConsoleStore.ModelSpan(0, "m-1", 0.3),
        new ConsoleStore.ModelSpan(3, "m-1+cal2", 0.35), new ConsoleStore.ModelSpan(5, "m-2", 0.4));
    assertThat(store.models("nobody")).isEmpty();
  }

  @Test
  void keepsOnlyRecentImagesButEveryLocationAndAlertPeaks() {
    ConsoleStore store = new ConsoleStore(() -> 0);
    store.frame(frame("p", 0, 1), 3, 500);
    store.alert(new AlertEvent(AlertEvent.START, "p/0", "p", 0, 0, 0, 0.9, null, 1, 1, "m", null));
    for (int i = 1; i <= ConsoleStore.RECENT + 10; i++) {
      store.frame(frame("p", i, 1 + i), 3, 500 + i);
    }

    assertThat(store.image("p", 0)).as("an alert's peak frame stays").containsExactly(0);
    assertThat(store.image("p", 5)).as("old frames leave memory").isNull();
    assertThat(store.location("p", 5)).as("but can be read back").containsExactly(3, 505);
    assertThat(store.image("p", ConsoleStore.RECENT + 10)).isNotNull();
  }

  @Test
  void forgetsWhatEachTopicNoLongerHoldsAndThenTheProcedure() {
    AtomicLong now = new AtomicLong(0);
    ConsoleStore store = new ConsoleStore(now::get, new ConsoleStore.Retention(1_000, 2_000, 5_000, 20_000));
    store.frame(frame("old", 0, 100), 1, 7);
    store.heatmap(new org.endowatch.contract.Heatmap("old", 0, 100, "m", 8, 8, 0.5f, 1, 1, new float[] {0.9f}));
    store.score(Score.scored("old", 0, 100, 120, 0.9, 0.3, "m"));
    store.rejected("old", "frame image is not a decodable JPEG", 100, 1);
    store.alert(new AlertEvent(AlertEvent.START, "old/0", "old", 0, 0, 0, 0.9, null, 100, 150, "m", null));
    store.frame(frame("new", 0, 20_000), 2, 8);

    now.set(1_150);
    assertThat(store.expire()).isZero();
    assertThat(store.image("old", 0)).containsExactly(0);
    now.set(1_151);
    store.expire();
    assertThat(store.image("old", 0)).as("a frame image goes with the frames topic's retention").isNull();
    assertThat(store.location("old", 0)).isNull();
    assertThat(store.heatmapOf("old", 0)).isNotNull();
    now.set(2_151);
    store.expire();
    assertThat(store.heatmapOf("old", 0)).isNull();
    assertThat(store.timeline("old", 0)).hasSize(1);
    assertThat(store.models("old")).hasSize(1);
    assertThat(store.rejections("old", 0)).hasSize(1);
    now.set(5_151);
    store.expire();
    assertThat(store.timeline("old", 0)).isEmpty();
    assertThat(store.rejections("old", 0)).as("rejection marks go with the timeline they are drawn on").isEmpty();
    assertThat(store.summary("old").rejected()).as("the count stays in the row").isEqualTo(1);
    assertThat(store.models("old")).as("which model judged the frames goes with their scores").isEmpty();
    assertThat(store.alerts("old")).hasSize(1);
    assertThat(store.summary("old").frames()).isEqualTo(1);
    now.set(20_150);
    assertThat(store.expire()).isZero();
    List<String> heard = new ArrayList<>();
    store.listen(new ConsoleStore.Listener() {
      @Override
      public void changed(ConsoleStore.Summary summary, AlertEvent alert) {
        heard.add("changed " + summary.id());
      }

      @Override
      public void forgotten(String id) {
        heard.add("forgotten " + id);
      }
    });
    now.set(20_151);
    assertThat(store.expire()).isEqualTo(1);
    assertThat(heard).as("open pages hear it").containsExactly("forgotten old");
    assertThat(store.ids()).containsExactly("new");
    assertThat(store.image("new", 0)).as("the newer procedure keeps everything").containsExactly(0);
    assertThat(store.location("new", 0)).containsExactly(2, 8);
  }

  @Test
  void aRetentionOfMinusOneIsForeverAndAStoreWithoutOneForgetsNothing() {
    assertThat(ConsoleStore.Retention.millis("-1")).isEqualTo(Long.MAX_VALUE);
    assertThat(ConsoleStore.Retention.millis(" 86400000 ")).isEqualTo(86_400_000L);
    AtomicLong now = new AtomicLong(0);
    ConsoleStore store = new ConsoleStore(now::get);
    store.frame(frame("p", 0, 1), 0, 0);
    now.set(Long.MAX_VALUE);
    assertThat(store.expire()).isZero();
    assertThat(store.image("p", 0)).containsExactly(0);
  }

  @Test
  void listenersHearOnceThatAProcedureEndedThoughNoRecordSaysSo() {
    AtomicLong now = new AtomicLong(100_000);
    ConsoleStore store = new ConsoleStore(now::get);
    List<String> heard = new ArrayList<>();
    store.listen((summary, alert) -> heard.add(summary.id() + (summary.live() ? ":live" : ":ended")));
    store.score(Score.scored("room-1", 0, 99_960, 100_000, 0.1, 0.3, "m"));
    store.score(Score.scored("old", 0, 1_000, 1_100, 0.1, 0.3, "m"));

    store.announceChanges();
    now.set(99_960 + ConsoleStore.LIVE_MS - 1);
    store.announceChanges();
    assertThat(heard).containsExactly("room-1:live", "old:ended");
    now.set(99_960 + ConsoleStore.LIVE_MS);
    store.announceChanges();
    store.announceChanges();
    assertThat(heard).containsExactly("room-1:live", "old:ended", "room-1:ended");
  }

  @Test
  void aRecordingIngestSaysEndedIsOverAtOnceAndOneWhoseFramesStoppedWithoutAnEndSaysSo() {
    AtomicLong now = new AtomicLong(100_000);
    ConsoleStore store = new ConsoleStore(now::get);
    List<String> heard = new ArrayList<>();
    store.listen((summary, alert) -> heard.add(summary.id() + ":" + (summary.live() ? "live" : summary.recording())
        + (summary.framesStopped() ? ":stopped" : "")));
    for (String id : List.of("ended", "cut", "failed", "old-ingest")) {
      if (!id.equals("old-ingest")) {
        store.recording(ProcedureEvent.started(id, 99_000, "file:/v.mp4", 0));
      }
      store.frame(frame(id, 0, 99_900), 0, 1);
      store.score(Score.scored(id, 0, 99_900, 99_950, 0.1, 0.3, "m"));
    }
    store.alert(new AlertEvent(AlertEvent.START, "ended/0", "ended", 0, 0, 0, 0.5, null, 99_900, 99_950, "m", null));
    assertThat(store.summary("ended").alerting()).isTrue();
    heard.clear();

    store.recording(ProcedureEvent.ended("ended", 100_000, "file:/v.mp4", 1, ProcedureEvent.SOURCE_ENDED));
    store.recording(ProcedureEvent.failed("failed", 100_000, "rtsp://cam", 1, "cannot open rtsp://cam: Connection refused"));

    // Over the moment ingest says so, not LIVE_MS later; an alert it left open is history then.
    assertThat(heard).containsExactly("ended:ended", "failed:failed");
    ConsoleStore.Summary ended = store.summary("ended");
    assertThat(ended.live()).isFalse();
    assertThat(ended.alerting()).isFalse();
    assertThat(ended.framesStopped()).isFalse();
    assertThat(ended.recordingReason()).isEqualTo("source ended");
    assertThat(ended.recordingAtMs()).isEqualTo(100_000);
    ConsoleStore.Summary failed = store.summary("failed");
    assertThat(failed.recording()).isEqualTo("failed");
    assertThat(failed.recordingReason()).isEqualTo("cannot open rtsp://cam: Connection refused");
    assertThat(store.summary("cut").live()).isTrue();
    // A frame of it read after the end (another topic, read in another order) does not revive it.
    store.frame(frame("ended", 1, 99_940), 0, 2);
    assertThat(store.summary("ended").live()).isFalse();

    now.set(99_900 + ConsoleStore.LIVE_MS);
    store.announceChanges();
    // The frames stopped with the recording still started: said as such; without any word from
    // ingest (an ingest from before the topic), ended as before.
    assertThat(heard).containsExactly("ended:ended", "failed:failed", "cut:started:stopped", "old-ingest:null");
    assertThat(store.summary("cut").recordingReason()).isNull();
    // Resumed under its id: started again, live again with its next frame.
    store.recording(ProcedureEvent.started("cut", now.get(), "file:/v.mp4", 1));
    store.frame(frame("cut", 1, now.get()), 0, 3);
    assertThat(store.summary("cut").live()).isTrue();
    assertThat(store.summary("cut").framesStopped()).isFalse();
  }

  @Test
  void framesThatKeepComingWithoutOutcomesShowTheProcedureAsNotScored() {
    AtomicLong now = new AtomicLong(100_000);
    ConsoleStore store = new ConsoleStore(now::get);
    List<String> heard = new ArrayList<>();
    store.listen((summary, alert) -> heard.add(summary.live() + "/" + summary.unscoredMs()));
    store.frame(frame("room-1", 0, 100_000), 0, 0);
    store.score(Score.scored("room-1", 0, 100_000, 100_030, 0.1, 0.3, "m"));
    assertThat(heard).containsExactly("true/0");

    // The scorer dies: frames keep coming for 3 s, no outcome does.
    for (int i = 1; i <= 75; i++) {
      now.set(100_000 + 40L * i);
      store.frame(frame("room-1", i, now.get()), 0, i);
      store.announceChanges();
    }
    assertThat(store.summary("room-1").live()).as("frames, not scores, say it is live").isTrue();
    assertThat(store.summary("room-1").unscoredMs()).isEqualTo(3_000);
    assertThat(store.summary("room-1").unscored()).isTrue();
    assertThat(heard).containsExactly("true/0", "true/3000");

    // Back: one outcome for the newest frame.
    store.score(Score.scored("room-1", 75, 103_000, 103_040, 0.1, 0.3, "m"));
    assertThat(store.summary("room-1").unscored()).isFalse();
    assertThat(heard).containsExactly("true/0", "true/3000", "true/0");
  }

  @Test
  void framesThatAreAllSkippedAsStaleAreNotScoredEither() {
    AtomicLong now = new AtomicLong(100_000);
    ConsoleStore store = new ConsoleStore(now::get);
    List<String> heard = new ArrayList<>();
    store.listen((summary, alert) -> heard.add(summary.unscoredMs() + "/" + summary.skipping()));
    store.frame(frame("room-1", 0, 100_000), 0, 0);
    store.score(Score.scored("room-1", 0, 100_000, 100_030, 0.1, 0.3, "m"));
    // From here every frame gets an outcome, a skip: a scorer that cannot catch up, or an ingest
    // host whose clock is behind the scorer's by more than the budget.
    for (int i = 1; i <= 75; i++) {
      now.set(100_000 + 40L * i);
      store.frame(frame("room-1", i, now.get()), 0, i);
      store.score(Score.skipped("room-1", i, now.get(), now.get() + 2_500, 0.3, "m", "stale"));
      store.announceChanges();
    }
    ConsoleStore.Summary s = store.summary("room-1");
    assertThat(s.live()).isTrue();
    assertThat(s.unscoredMs()).isEqualTo(3_000);
    assertThat(s.unscored()).isTrue();
    assertThat(s.skipping()).isTrue();
    assertThat(heard.get(0)).isEqualTo("0/false");
    assertThat(heard.get(heard.size() - 1)).as("with the skip of frame 75").isEqualTo("3000/true");

    // The skips stop too: the scorer is gone, and the page says so as for no outcome at all.
    for (int i = 76; i <= 150; i++) {
      now.set(100_000 + 40L * i);
      store.frame(frame("room-1", i, now.get()), 0, i);
    }
    assertThat(store.summary("room-1").unscoredMs()).isEqualTo(6_000);
    assertThat(store.summary("room-1").skipping()).isFalse();

    now.set(106_040);
    store.frame(frame("room-1", 151, 106_040), 0, 151);
    store.score(Score.scored("room-1", 151, 106_040, 106_070, 0.1, 0.3, "m"));
    assertThat(store.summary("room-1").unscored()).isFalse();
    assertThat(store.summary("room-1").skipping()).isFalse();
  }

  @Test
  void framesTheScorerRejectsAreNotScoredAndTheReasonSaysWhatToFix() {
    AtomicLong now = new AtomicLong(100_000);
    ConsoleStore store = new ConsoleStore(now::get);
    List<String> heard = new ArrayList<>();
    store.listen((summary, alert) -> heard.add(summary.unscoredMs() + "/" + summary.rejectReason()));
    // Its dead letters can be read before its frames (another partition): a row at once, not yet unscored.
    store.rejected("room-1", "too early", 99_000, -1);
    assertThat(store.summaries()).extracting(ConsoleStore.Summary::id).containsExactly("room-1");
    assertThat(store.summary("room-1").unscored()).isFalse();
    assertThat(heard).containsExactly("0/too early");
    store.frame(frame("room-1", 0, 100_000), 0, 0);
    store.score(Score.scored("room-1", 0, 100_000, 100_030, 0.1, 0.3, "m"));
    assertThat(store.summary("room-1").rejectReason()).isNull();   // older than its scored frame
    // From here the camera sends what the scorer cannot decode: each frame goes to the dead-letter topic.
    for (int i = 1; i <= 75; i++) {
      now.set(100_000 + 40L * i);
      store.frame(frame("room-1", i, now.get()), 0, i);
      store.rejected("room-1", "frame image is not a decodable JPEG", now.get(), i);
      store.announceChanges();
    }
    ConsoleStore.Summary s = store.summary("room-1");
    assertThat(s.live()).isTrue();
    assertThat(s.unscoredMs()).isEqualTo(3_000);
    assertThat(s.unscored()).isTrue();
    assertThat(s.skipping()).isFalse();
    assertThat(s.rejectReason()).isEqualTo("frame image is not a decodable JPEG");
    assertThat(s.rejected()).isEqualTo(76);   // the early one too
    // Each one with its frame's index is a mark on the timeline, and the summary says the newest.
    assertThat(s.lastRejectedIndex()).isEqualTo(75);
    assertThat(store.rejections("room-1", 0)).hasSize(75)
        .allMatch(r -> r.reason().equals("frame image is not a decodable JPEG"));
    assertThat(store.rejections("room-1", 74)).extracting(ConsoleStore.Rejection::index).containsExactly(74L, 75L);
    assertThat(store.timeline("room-1", 0)).extracting(ConsoleStore.Point::index).containsExactly(0L);
    assertThat(heard.get(heard.size() - 1)).isEqualTo("3000/frame image is not a decodable JPEG");
    assertThat(store.summaries()).extracting(ConsoleStore.Summary::id).containsExactly("room-1");

    // A dead letter read late (partitions are read apart) does not replace the newest reason.
    store.rejected("room-1", "an older reason", 100_500, -1);
    assertThat(store.summary("room-1").rejectReason()).isEqualTo("frame image is not a decodable JPEG");

    // The rejections stop too: the scorer is gone, said as for no outcome at all.
    for (int i = 76; i <= 150; i++) {
      now.set(100_000 + 40L * i);
      store.frame(frame("room-1", i, now.get()), 0, i);
    }
    assertThat(store.summary("room-1").unscored()).isTrue();
    assertThat(store.summary("room-1").rejectReason()).isNull();

    now.set(106_040);
    store.frame(frame("room-1", 151, 106_040), 0, 151);
    store.score(Score.scored("room-1", 151, 106_040, 106_070, 0.1, 0.3, "m"));
    assertThat(store.summary("room-1").unscored()).isFalse();
    assertThat(store.summary("room-1").rejectReason()).isNull();
  }

  @Test
  void rejectionMarksStayInFrameOrderAndAFrameRejectedAgainKeepsTheNewerReason() {
    ConsoleStore store = new ConsoleStore(() -> 0);
    store.rejected("p", "a", 10, 1);
    store.rejected("p", "b", 30, 3);
    store.rejected("p", "c", 20, 2);   // read late
    store.rejected("p", "d", 31, 3);   // the same frame again (a procedure replayed under its id)
    assertThat(store.rejections("p", 0)).containsExactly(new ConsoleStore.Rejection(1, "a"),
        new ConsoleStore.Rejection(2, "c"), new ConsoleStore.Rejection(3, "d"));
    assertThat(store.rejections("p", 2)).extracting(ConsoleStore.Rejection::index).containsExactly(2L, 3L);
    // A run of the same reason holds one string, however many copies the dead letters brought.
    store.rejected("p", new String("d"), 40, 4);
    store.rejected("p", new String("d"), 50, 5);
    List<ConsoleStore.Rejection> run = store.rejections("p", 3);
    assertThat(run).extracting(ConsoleStore.Rejection::reason).containsExactly("d", "d", "d");
    assertThat(run.get(2).reason()).isSameAs(run.get(1).reason()).isSameAs(run.get(0).reason());
    assertThat(store.summary("p").rejected()).isEqualTo(6);
    assertThat(store.summary("p").lastRejectedIndex()).isEqualTo(5);
    assertThat(store.rejections("other", 0)).isEmpty();
  }

  @Test
  void aProcedureWhoseEveryRecordIsBrokenShowsByItsDeadLettersAlone() {
    AtomicLong now = new AtomicLong(200_000);
    ConsoleStore store = new ConsoleStore(now::get);
    List<String> heard = new ArrayList<>();
    store.listen((summary, alert) -> heard.add(summary.id() + " " + summary.live() + " " + summary.unscoredMs() + "/" + summary.rejectReason()));
    // Records the console cannot read either (a broken ingest): only the scorer's dead letters, timed
    // by when each failed, tell that frames come and what is wrong with them.
    for (int i = 0; i <= 80; i++) {
      now.set(200_000 + 40L * i);
      store.rejected("room-9", "frame is missing header 'x'", now.get(), -1);
      store.announceChanges();
    }
    ConsoleStore.Summary s = store.summary("room-9");
    assertThat(store.summaries()).extracting(ConsoleStore.Summary::id).containsExactly("room-9");
    assertThat(s.live()).isTrue();
    assertThat(s.frames()).isZero();
    assertThat(s.lastIndex()).isEqualTo(-1);
    assertThat(s.lastScore()).isNull();
    assertThat(s.unscoredMs()).isEqualTo(3_200);
    assertThat(s.unscored()).isTrue();
    assertThat(s.rejectReason()).isEqualTo("frame is missing header 'x'");
    assertThat(s.rejected()).isEqualTo(81);
    // No index to mark them at: counted, not marked.
    assertThat(s.lastRejectedIndex()).isEqualTo(-1);
    assertThat(store.rejections("room-9", 0)).isEmpty();
    assertThat(heard.get(0)).isEqualTo("room-9 true 0/frame is missing header 'x'");
    assertThat(heard.get(heard.size() - 1)).isEqualTo("room-9 true 3200/frame is missing header 'x'");

    // They stop: ended as any procedure whose frames stop, heard without a record saying so; the count stays.
    now.set(203_200 + ConsoleStore.LIVE_MS);
    heard.clear();
    store.announceChanges();
    assertThat(heard).hasSize(1);
    assertThat(heard.get(0)).startsWith("room-9 false 0/");
    assertThat(store.summary("room-9").rejected()).isEqualTo(81);
  }

  @Test
  void aProcedureThatNeverGotAnOutcomeIsNotScoredFromItsFirstFrame() {
    AtomicLong now = new AtomicLong(50_000);
    ConsoleStore store = new ConsoleStore(now::get);
    store.frame(frame("room-2", 0, 50_000), 0, 0);
    now.set(52_999);
    store.frame(frame("room-2", 1, 52_999), 0, 1);
    assertThat(store.summary("room-2").unscored()).isFalse();
    now.set(53_000);
    store.frame(frame("room-2", 2, 53_000), 0, 2);
    assertThat(store.summary("room-2").unscoredMs()).isEqualTo(3_000);
    now.set(53_000 + ConsoleStore.LIVE_MS);
    assertThat(store.summary("room-2").live()).isFalse();
    assertThat(store.summary("room-2").unscoredMs()).as("an ended procedure is not 'not scored'").isZero();
  }

  @Test
  void listenersHearScoresAndAlertsAndOnlyALiveProcedureIsInAlert() {
    AtomicLong now = new AtomicLong(1_000);
    ConsoleStore store = new ConsoleStore(now::get);
    List<String> heard = new ArrayList<>();
    store.listen((summary, alert) -> heard.add(summary.id() + (alert == null ? "" : ":" + alert.type())));

    store.score(Score.scored("a", 0, 1_000, 1_000, 0.5, 0.3, "m"));
    store.alert(new AlertEvent(AlertEvent.START, "a/0", "a", 0, 0, 0, 0.5, null, 1_000, 1_000, "m", null));

    assertThat(heard).containsExactly("a", "a:alert-start");
    assertThat(store.summary("a").alerting()).isTrue();
    // Its scorer went away with it and never ended the alert: history, not an alarm.
    now.addAndGet(ConsoleStore.LIVE_MS);
    assertThat(store.summary("a").alerting()).isFalse();
    assertThat(store.alerts("a")).extracting(AlertEvent::type).containsExactly(AlertEvent.START);
  }

  @Test
  void aProcedureWhoseRecordsCannotBeReadStaysAsItWasInsteadOfEnding() {
    AtomicLong now = new AtomicLong(100_000);
    ConsoleStore store = new ConsoleStore(now::get);
    SourceHealth health = SourceHealthTest.upToDate(now);
    store.watchedBy(health);
    List<String> heard = new ArrayList<>();
    List<SourceHealth.Status> sources = new ArrayList<>();
    store.listen(new ConsoleStore.Listener() {
      @Override
      public void changed(ConsoleStore.Summary s, AlertEvent alert) {
        heard.add(s.live() + "/" + s.alerting() + "/" + s.staleSinceMs());
      }

      @Override
      public void source(SourceHealth.State state) {
        sources.add(state.status());
      }
    });
    store.frame(frame("room-1", 0, 100_000), 1, 0);
    store.score(Score.scored("room-1", 0, 100_000, 100_030, 0.9, 0.3, "m"));
    store.alert(new AlertEvent(AlertEvent.START, "room-1/0", "room-1", 0, 0, 0, 0.9, null, 100_000, 100_030, "m", null));
    store.announceChanges();
    assertThat(heard).containsExactly("true/false/0", "true/true/0");
    assertThat(sources).as("nothing to say while up to date").isEmpty();

    // The broker goes silent: nothing arrives, and nothing must read as the procedure's end.
    now.set(100_000 + SourceHealth.UNREACHABLE_AFTER_MS + 1);
    store.announceChanges();
    now.set(100_000 + ConsoleStore.LIVE_MS + 60_000);
    store.announceChanges();
    ConsoleStore.Summary s = store.summary("room-1");
    assertThat(s.live()).isTrue();
    assertThat(s.alerting()).as("its open alert stays shown").isTrue();
    assertThat(s.staleSinceMs()).isEqualTo(100_000);
    assertThat(heard).containsExactly("true/false/0", "true/true/0", "true/true/100000");
    assertThat(sources).containsExactly(SourceHealth.Status.UNREACHABLE);

    // Back, and read up to date: the procedure had ended meanwhile, and now says so.
    health.contact(SourceHealthTest.SIX, java.util.Set.of());
    store.announceChanges();
    assertThat(store.summary("room-1").live()).as("still as it was while catching up").isTrue();
    health.progress(0);
    store.announceChanges();
    assertThat(store.summary("room-1").live()).isFalse();
    assertThat(heard).containsExactly("true/false/0", "true/true/0", "true/true/100000", "false/false/0");
    assertThat(sources).containsExactly(SourceHealth.Status.UNREACHABLE, SourceHealth.Status.CATCHING_UP, SourceHealth.Status.OK);
    assertThat(store.source()).isEqualTo(SourceHealth.State.UP_TO_DATE);
  }
}
