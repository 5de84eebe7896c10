import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;

/**
 * What the scorer adds per frame outcome while an alert is open and it reads procedures: one read of
 * the recording's latest word (docs/BENCHMARKS.md, "An alert open when the recording ends").
 * Usage: java -cp target/endowatch.jar bench/RecordingRead.java [ROUNDS]
 */
public class RecordingRead {
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    byte[] word = Topics.PROCEDURES.valueSerde().serializer().serialize("procedures",
        ProcedureEvent.ended("room-1-2026-11-29-0930", 1_795_687_203_120L, "rtsp://10.0.0.21:554/stream1", 123_456,
            ProcedureEvent.SOURCE_ENDED));
    var reader = Topics.PROCEDURES.valueSerde().deserializer();
    int n = 200_000;
    long sink = 0;
    for (int i = 0; i < n; i++) {   // warm-up
      sink += reader.deserialize("procedures", word).nextIndex();
    }
    System.out.printf("record %d bytes%n", word.length);
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink += reader.deserialize("procedures", word).nextIndex();
      }
      System.out.printf("round %d: %.2f us per read%n", r + 1, (System.nanoTime() - t0) / 1e3 / n);
    }
    System.out.println(sink == 0 ? "" : "done");
  }
}
