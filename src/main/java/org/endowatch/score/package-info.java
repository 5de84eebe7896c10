/** Score: anomaly maps, pooling, thresholds, the Kafka Streams scoring topology and alert rules. */
package org.endowatch.score;
