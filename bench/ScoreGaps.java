import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.replay.ProcedureRecords;

/**
 * The longest time without a scored frame of one procedure after a moment (a scorer killed), from
 * the scores topic: docs/BENCHMARKS.md, "A scorer restarted in place". Run by bench/restart-in-place.sh.
 * Args: bootstrap procedure afterEpochMs
 */
public class ScoreGaps {
  public static void main(String[] a) throws Exception {
    Properties p = KafkaSettings.of(a[0]).clientProps();
    long after = Long.parseLong(a[2]);
    List<Score> all = new ArrayList<>();
    ProcedureRecords.forEach(p, Topics.SCORES.name(), a[1], Topics.SCORES.valueSerde().deserializer(), 0,
        r -> all.add(r.value()));
    List<Score> scored = all.stream().filter(Score::isScored).sorted(Comparator.comparingLong(Score::scoredTimestampMs))
        .toList();
    long gap = 0;
    long resumedAt = -1;
    for (int i = 1; i < scored.size(); i++) {
      long g = scored.get(i).scoredTimestampMs() - scored.get(i - 1).scoredTimestampMs();
      if (scored.get(i).scoredTimestampMs() > after && g > gap) {
        gap = g;
        resumedAt = scored.get(i).frameIndex();
      }
    }
    System.out.printf("outcomes %d, scored %d, skipped %d; longest gap without a scored frame after the kill: %d ms "
        + "(ended by frame %d)%n", all.size(), scored.size(), all.size() - scored.size(), gap, resumedAt);
  }
}
