/** Model: MemMC-MAE as DJL blocks, masking, presets and the model artifact; never imports Kafka. */
package org.endowatch.model;
