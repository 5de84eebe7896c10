package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.PrimitiveIterator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The controller's port is never the client's, even when the OS hands the client's port out again. */
class EmbeddedKafkaBrokerPortTest {
  @Test
  void aFreePortEqualToTheTakenOneIsPassedOver() {
    PrimitiveIterator.OfInt offered = IntStream.of(33729, 33729, 40001).iterator();

    assertThat(EmbeddedKafkaBroker.otherThan(java.util.Set.of(33729), offered::nextInt)).isEqualTo(40001);
    assertThat(offered.hasNext()).isFalse();
  }

  @Test
  void aDifferentPortIsTakenAtOnce() {
    PrimitiveIterator.OfInt offered = IntStream.of(40001, 33729).iterator();

    assertThat(EmbeddedKafkaBroker.otherThan(java.util.Set.of(33729), offered::nextInt)).isEqualTo(40001);
    assertThat(offered.nextInt()).isEqualTo(33729);
  }

  @Test
  void anOsThatOnlyOffersTheTakenPortIsAClearError() {
    assertThatThrownBy(() -> EmbeddedKafkaBroker.otherThan(java.util.Set.of(33729), () -> 33729))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no free port other than 33729 on 127.0.0.1 in 100 tries");
  }
}
