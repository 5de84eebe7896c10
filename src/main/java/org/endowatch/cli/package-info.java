/**
 * The command line: one picocli subcommand per job. The only package that wires stages together;
 * each command parses its options, calls a stage's {@code run} and prints the result.
 */
package org.endowatch.cli;
