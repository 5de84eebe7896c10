/**
 * Infrastructure every stage runs on: the embedded KRaft broker, the topic catalog and its
 * application through AdminClient, the metrics registry and the HTTP endpoints.
 */
package org.endowatch.platform;
