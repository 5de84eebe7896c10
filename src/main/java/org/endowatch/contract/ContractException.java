package org.endowatch.contract;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record that does not meet its contract (missing header, bad magic, truncated body). The message
 * says what is wrong in one line, so it can go straight into a dead-letter record's reason.
 */
public class ContractException extends SerializationException {
  private static final long serialVersionUID = 1L;

  public ContractException(String message) {
    super(message);
  }

  public ContractException(String message, Throwable cause) {
    super(message, cause);
  }
}
