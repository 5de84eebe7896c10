package org.endowatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.IngestException;

/**
 * What a recording about to start under a procedure id must know of that id: whether another
 * ingest is recording under it now, and whether it names a recording already. Two ingests under one
 * id interleave their frames into one procedure: two patients' images in one console row, one
 * training source and one alert window that restarts at every other frame. That happens when two
 * rooms are set up with the same id, and nothing downstream can take the frames apart again, so it
 * is refused before a frame is sent.
 *
 * <p>The {@code procedures} topic tells a recording that ended; one still "started" is either live
 * or one whose ingest was killed (the case {@code --resume} is for, often restarted within seconds).
 * Only the frames tell these apart: the check listens to the id's frames partition for
 * {@link #LISTEN}, and a frame of the id arriving meanwhile is another ingest at work. A killed one
 * sends nothing. The frames' own times are not used: they are the other host's clock.
 */
final class ProcedureIdCheck {
  /** How long a started recording's frames partition is listened to (a camera sends 50 frames in it). */
  static final Duration LISTEN = Duration.ofSeconds(2);

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  /** @param latest the id's latest word on {@code procedures} (null: none); {@code framesMeanwhile} its frames while listening */
  record Finding(ProcedureEvent latest, long framesMeanwhile) {}

  private ProcedureIdCheck() {}

  /**
   * Reads the id's latest event from {@code procedures} (its partition, compacted: one record per
   * procedure of the last 30 days), and, when that says the recording is still started, listens to
   * the id's partition of {@code framesTopic} for {@link #LISTEN}.
   */
  static Finding look(Properties client, String framesTopic, String procedure, Duration listen) {
    Properties p = new Properties();
    p.putAll(client);
    p.put("enable.auto.commit", "false");
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      int eventPartitions = consumer.partitionsFor(Topics.PROCEDURES.name(), Duration.ofSeconds(15)).size();
      ProcedureEvent[] latest = {null};
      TopicTail.read(consumer, List.of(new TopicPartition(Topics.PROCEDURES.name(), Topics.partitionFor(procedure, eventPartitions))),
          TopicTail.ALL, r -> {
            if (procedure.equals(r.key())) {
              try {
                latest[0] = r.value() == null ? null : Topics.PROCEDURES.valueSerde().deserializer().deserialize(r.topic(), r.value());
              } catch (RuntimeException bad) {
                // a record ingest did not write says nothing of this id's recordings
              }
            }
          });
      if (latest[0] == null || latest[0].over()) {
        return new Finding(latest[0], 0);
      }
      int framePartitions = consumer.partitionsFor(framesTopic, Duration.ofSeconds(15)).size();
      TopicPartition tp = new TopicPartition(framesTopic, Topics.partitionFor(procedure, framePartitions));
      consumer.assign(List.of(tp));
      consumer.seekToEnd(List.of(tp));
      consumer.position(tp);   // seekToEnd is lazy: the end now, so that frames sent from here on are seen
      long meanwhile = 0;
      long until = System.nanoTime() + listen.toNanos();
      while (meanwhile == 0 && System.nanoTime() - until < 0) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          if (procedure.equals(r.key())) {
            meanwhile++;
          }
        }
      }
      return new Finding(latest[0], meanwhile);
    }
  }

  /**
   * {@link #look} and {@link #verdict}: throws when another ingest records under the id now, else
   * prints the note there is on {@code err}. A check that cannot be made (a principal allowed to
   * write the topics but not read them, a slow cluster) does not keep a recording from starting: it
   * says so.
   */
  static void check(Properties client, String framesTopic, String procedure, String idOption, boolean resume, PrintWriter err)
      throws IngestException {
    String note;
    try {
      note = verdict(look(client, framesTopic, procedure, LISTEN), procedure, idOption, resume, ZoneId.systemDefault());
    } catch (org.apache.kafka.common.KafkaException e) {
      note = "note: cannot check whether another ingest records under procedure " + procedure + " now (reading "
          + Topics.PROCEDURES.name() + " and " + framesTopic + ": " + e.getMessage() + "); going on";
    }
    if (note != null) {
      err.println(note);
      err.flush();
    }
  }

  /**
   * What to do with {@code f}: throws when another ingest records under the id now; else the note
   * to print (null: none). A recording under an id that ended is allowed (the scorer starts its
   * alert window afresh at frame 0), with a note that it joins the earlier one. {@code idOption}:
   * the option that gave the id ({@code --procedure}, {@code --as}), which the messages name.
   */
  static String verdict(Finding f, String procedure, String idOption, boolean resume, ZoneId zone) throws IngestException {
    ProcedureEvent e = f.latest();
    if (e == null) {
      return null;
    }
    String when = CLOCK.withZone(zone).format(Instant.ofEpochMilli(e.atMs()));
    if (!e.over() && f.framesMeanwhile() > 0) {
      throw new IngestException("procedure " + procedure + " is being recorded now by another ingest (started " + when
          + " from " + e.source() + "; its frames still arrive): two recordings under one id mix their frames; give this one "
          + "another " + idOption + ", or stop that ingest first");
    }
    if (resume) {
      return null;
    }
    if (!e.over()) {
      return "note: procedure " + procedure + "'s recording (started " + when + " from " + e.source() + ") never ended and "
          + "sends nothing now (its ingest killed?): --resume continues it after its last frame; this recording starts "
          + "again at frame 0 under the same id";
    }
    return "note: procedure " + procedure + " was recorded before (" + e.type() + " " + when + ": " + e.reason()
        + "): this recording's frames join it under the same id (consoles, replay and training see one procedure); "
        + "another " + idOption + " keeps them apart";
  }
}
