/**
 * Typed configuration for every stage and the one place it is loaded from: command-line options
 * first, then {@code ENDOWATCH_*} environment variables, then a properties file whose sections are
 * named like the stage that reads them. Imports nothing else of endowatch.
 */
package org.endowatch.config;
