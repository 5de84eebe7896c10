package org.endowatch.contract;

/**
 * A model version announced on the compacted {@code models} topic; scorers that follow the model's
 * name load it from {@code uri} and switch to it once its checksum verifies.
 *
 * @param modelName the name scorers follow (also the record key)
 * @param version the version written on every output the model produces
 * @param uri where the model artifact lives (a directory path or file URI)
 * @param sha256 checksum of the artifact's parameters, verified before the swap
 * @param publishedTimestampMs when it was announced (epoch ms)
 */
public record ModelRelease(
    String modelName, String version, String uri, String sha256, long publishedTimestampMs) {}
