/** Ingest: video sources (JavaCV/FFmpeg) -> preprocessing -> frame records -> the frames topic. */
package org.endowatch.ingest;
