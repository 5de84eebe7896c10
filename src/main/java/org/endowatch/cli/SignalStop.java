package org.endowatch.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C or SIGTERM as a request a command's loop reads between frames, for commands that must say
 * how their work ended before the JVM exits (ingest and {@code replay topic} tell {@code procedures}
 * the recording ended, and print their summary): the shutdown hook asks the loop to stop, then holds
 * the JVM until {@link #close()} says the command is done.
 */
final class SignalStop implements AutoCloseable {
  private final AtomicBoolean requested = new AtomicBoolean();
  private final CountDownLatch done = new CountDownLatch(1);
  private final Thread hook;

  /** @param name the hook thread's name, as a thread dump shows it */
  SignalStop(String name) {
    hook = new Thread(() -> {
      requested.set(true);
      try {
        done.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Whether a signal asked the command to stop. */
  boolean requested() {
    return requested.get();
  }

  /** The command is done: a signalled JVM may exit now; otherwise the hook goes. */
  @Override
  public void close() {
    done.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is already exiting (a signal); the hook is running and was waiting on done.
    }
  }
}
