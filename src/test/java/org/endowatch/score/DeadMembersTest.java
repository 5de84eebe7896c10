package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeadMembersTest {
  @Test
  void aStreamThreadsMemberIsTheInstanceIdAndTheThreadsIndex() {
    assertThat(DeadMembers.memberOf("scorer-1b2c-StreamThread-1", "scorer-9f")).isEqualTo("scorer-9f-1");
    assertThat(DeadMembers.memberOf("a-b-StreamThread-12", "x")).isEqualTo("x-12");
  }

  @Test
  void otherThreadNamesAreRefused() {
    for (String name : new String[] {"main", "pool-1-thread-3", "scorer-StreamThread-", "scorer-StreamThread-1a",
        "StreamThread-2x-3"}) {
      assertThatThrownBy(() -> DeadMembers.memberOf(name, "x")).as(name).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("not a Kafka Streams stream thread: " + name);
    }
  }
}
