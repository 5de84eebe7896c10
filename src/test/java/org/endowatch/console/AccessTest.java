package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AccessTest {
  static final String TOKEN = "0123456789abcdef-secret";

  @Test
  void loopbackNeedsNoTokenAnythingElseDoes() {
    Access.checkBind("127.0.0.1", null);
    Access.checkBind("::1", null);
    Access.checkBind("0.0.0.0", TOKEN);
    assertThatThrownBy(() -> Access.checkBind("0.0.0.0", null))
        .hasMessage("binding to 0.0.0.0 exposes patient video to the network: give --token (16+ characters; "
            + "or ENDOWATCH_CONSOLE_TOKEN), or bind to 127.0.0.1");
    assertThatThrownBy(() -> Access.checkBind("0.0.0.0", "short")).hasMessage("--token must be at least 16 characters");
  }

  @Test
  void withATokenEveryRequestMustCarryIt() {
    Access open = new Access(null, () -> 0);
    Access guarded = new Access(TOKEN, () -> 0);

    assertThat(open.check("10.0.0.9", null)).isEqualTo(Access.Verdict.ALLOW);
    assertThat(guarded.check("10.0.0.9", TOKEN)).isEqualTo(Access.Verdict.ALLOW);
    assertThat(guarded.check("10.0.0.9", null)).isEqualTo(Access.Verdict.DENY);
    assertThat(guarded.check("10.0.0.9", TOKEN + "x")).isEqualTo(Access.Verdict.DENY);
  }

  @Test
  void ofSeveralTokensARequestCarriesTheConsolesIsCheckedElseTheFirst() {
    Access guarded = new Access(TOKEN, () -> 0);
    assertThat(guarded.choose(List.of("other-console-token", TOKEN))).isEqualTo(TOKEN);
    assertThat(guarded.choose(List.of("other-console-token", "third"))).isEqualTo("other-console-token");
    assertThat(guarded.choose(List.of())).isNull();
    assertThat(new Access(null, () -> 0).choose(List.of("any", TOKEN))).isEqualTo("any");
  }

  @Test
  void fiveFailuresInAMinuteLockAnAddressOutForTheRestOfIt() {
    AtomicLong now = new AtomicLong(1_000);
    Access a = new Access(TOKEN, now::get);
    for (int i = 0; i < 5; i++) {
      assertThat(a.check("10.0.0.9", "wrong")).isEqualTo(Access.Verdict.DENY);
    }

    assertThat(a.check("10.0.0.9", TOKEN)).as("even the right token, while locked").isEqualTo(Access.Verdict.RATE_LIMITED);
    assertThat(a.check("10.0.0.7", TOKEN)).as("other addresses are not affected").isEqualTo(Access.Verdict.ALLOW);
    now.addAndGet(60_000);
    assertThat(a.check("10.0.0.9", TOKEN)).isEqualTo(Access.Verdict.ALLOW);
  }
}
