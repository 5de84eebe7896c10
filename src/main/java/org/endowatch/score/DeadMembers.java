package org.endowatch.score;

import java.time.Duration;
import java.util.Properties;
import org.endowatch.config.KafkaSettings;
import org.endowatch.platform.TopicAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a replaced stream thread's consumer out of the scorer's group as soon as the thread is dead.
 * Kafka Streams closes that consumer without leaving the group, so the new thread's join waited for
 * the dead member's session to run out (5.7-5.9 s in which its procedures were not scored). Each
 * stream thread's consumer is a static member whose id is the instance's {@code group.instance.id}
 * and the thread's index, so the dead one can be named to the group coordinator.
 */
final class DeadMembers {
  private static final Logger LOG = LoggerFactory.getLogger(DeadMembers.class);
  /** How long a failed thread may take to close its tasks before the removal gives up on it. */
  static final Duration THREAD_EXIT_WAIT = Duration.ofSeconds(30);

  private DeadMembers() {}

  /**
   * The static member id of a stream thread's consumer: Kafka Streams gives the consumer of thread
   * {@code <client>-StreamThread-N} the id {@code <group.instance.id>-N}.
   *
   * @throws IllegalArgumentException for a name that is not a stream thread's
   */
  static String memberOf(String threadName, String instanceId) {
    int dash = threadName.lastIndexOf('-');
    String index = threadName.substring(dash + 1);
    if (!threadName.substring(0, Math.max(dash, 0)).endsWith("StreamThread") || index.isEmpty()
        || !index.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("not a Kafka Streams stream thread: " + threadName);
    }
    return instanceId + "-" + index;
  }

  /**
   * Once {@code failed} has exited, removes its consumer from {@code group}, on a thread of its own
   * (the caller is the failed thread, in Kafka Streams' uncaught-exception handler). If the removal
   * fails, the group drops the member when its session runs out, as before.
   */
  static void removeOnceDead(Thread failed, String instanceId, Properties clientProps, String group) {
    String member;
    try {
      member = memberOf(failed.getName(), instanceId);
    } catch (IllegalArgumentException e) {
      LOG.warn("cannot tell which group member the failed thread was ({}); its procedures move once its session "
          + "times out", e.getMessage());
      return;
    }
    Thread remover = new Thread(() -> {
      try {
        failed.join(THREAD_EXIT_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try (TopicAdmin admin = new TopicAdmin(new KafkaSettings(clientProps.getProperty("bootstrap.servers"), clientProps),
          Duration.ofSeconds(5))) {
        if (admin.removeStaticMember(group, member)) {
          LOG.info("removed the failed thread's consumer {} from group {}: its procedures move to the new thread now",
              member, group);
        } else {
          LOG.info("the failed thread's consumer {} had already left group {}", member, group);
        }
      } catch (RuntimeException e) {
        LOG.warn("could not remove the failed thread's consumer {} from group {} ({}); its procedures move once its "
            + "session times out", member, group, e.getMessage());
      }
    }, "endowatch-remove-" + member);
    remover.setDaemon(true);
    remover.start();
  }
}
