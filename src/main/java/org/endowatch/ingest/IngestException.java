package org.endowatch.ingest;

/** A source that cannot be read or a frame that cannot be sent; the message says what, where and what to do. */
public final class IngestException extends Exception {
  public IngestException(String message) {
    super(message);
  }

  public IngestException(String message, Throwable cause) {
    super(message, cause);
  }
}
