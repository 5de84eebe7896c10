package org.endowatch.platform;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The topics endowatch needs, as written in {@code topics/catalog.yaml}: names, partitions,
 * replication and topic configs. The file is the one source of truth for partitions, retention
 * and size limits; the jar carries a copy so {@code topics apply} works from anywhere.
 */
public record TopicCatalog(String origin, List<TopicSpec> topics) {
  /** Where the jar keeps its copy of {@code topics/catalog.yaml}. */
  public static final String BUILT_IN = "topics/catalog.yaml";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /**
   * One topic.
   *
   * @param name the topic name
   * @param partitions number of partitions (at least 1)
   * @param replicationFactor copies per partition; null for three, or every broker of a smaller cluster (see TopicAdmin)
   * @param description what flows on it, for people
   * @param config topic-level configs (retention.ms, cleanup.policy, max.message.bytes...)
   */
  public record TopicSpec(
      @JsonProperty(value = "name", required = true) String name,
      @JsonProperty(value = "partitions", required = true) int partitions,
      @JsonProperty("replicationFactor") Short replicationFactor,
      @JsonProperty("description") String description,
      @JsonProperty("config") Map<String, String> config) {
    public TopicSpec {
      if (name == null || !name.matches("[a-zA-Z0-9._-]{1,249}")) {
        throw new IllegalArgumentException("topic name '" + name + "' is not a valid Kafka topic name");
      }
      if (partitions < 1) {
        throw new IllegalArgumentException("topic '" + name + "': partitions must be >= 1, got " + partitions);
      }
      if (replicationFactor != null && replicationFactor < 1) {
        throw new IllegalArgumentException("topic '" + name + "': replicationFactor must be >= 1");
      }
      // In the file's order, so apply and check report a topic's configs the same way every run (Map.copyOf
      // iterates in an order that changes from one JVM to the next).
      config = config == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
      Set<String> known = KNOWN_CONFIGS;
      for (String key : config.keySet()) {
        if (!known.contains(key)) {
          throw new IllegalArgumentException("topic '" + name + "': unknown topic config '" + key + "'");
        }
        if (config.get(key) == null) {
          throw new IllegalArgumentException("topic '" + name + "': config '" + key + "' has no value");
        }
      }
    }
  }

  /** Every topic-level config name Kafka knows, read from the clients' own constants. */
  private static final Set<String> KNOWN_CONFIGS = knownConfigs();

  private static Set<String> knownConfigs() {
    Set<String> names = new HashSet<>();
    for (java.lang.reflect.Field f : TopicConfig.class.getFields()) {
      if (f.getName().endsWith("_CONFIG") && f.getType() == String.class) {
        try {
          names.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return Set.copyOf(names);
  }

  private record CatalogFile(@JsonProperty(value = "topics", required = true) List<TopicSpec> topics) {}

  public TopicCatalog {
    Objects.requireNonNull(origin, "origin");
    topics = List.copyOf(topics);
    Set<String> seen = new HashSet<>();
    for (TopicSpec t : topics) {
      if (!seen.add(t.name())) {
        throw new CatalogException(origin + ": topic '" + t.name() + "' is listed twice");
      }
    }
  }

  /** This catalog and {@code more} (topics the catalog cannot name in advance, as a scorer's state). */
  public TopicCatalog with(List<TopicSpec> more) {
    if (more.isEmpty()) {
      return this;
    }
    List<TopicSpec> all = new java.util.ArrayList<>(topics);
    all.addAll(more);
    return new TopicCatalog(origin, all);
  }

  public TopicSpec topic(String name) {
    return topics.stream().filter(t -> t.name().equals(name)).findFirst()
        .orElseThrow(() -> new CatalogException(origin + ": no topic '" + name + "' in the catalog"));
  }

  /** Reads a catalog file; errors name the file and line. */
  public static TopicCatalog load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    } catch (NoSuchFileException e) {
      throw new CatalogException("topic catalog " + file + " does not exist (pass --catalog FILE, or omit it to use the built-in one)");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read topic catalog " + file + ": " + e.getMessage(), e);
    }
  }

  /** The catalog packaged in the jar (a copy of the repository's {@code topics/catalog.yaml}). */
  public static TopicCatalog builtIn() {
    try (InputStream in = TopicCatalog.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
      if (in == null) {
        throw new CatalogException("the built-in topic catalog is missing from the classpath (" + BUILT_IN + ")");
      }
      return parse(in, "built-in " + BUILT_IN);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static TopicCatalog parse(InputStream in, String origin) throws IOException {
    try {
      CatalogFile f = YAML.readValue(in, CatalogFile.class);
      if (f == null || f.topics() == null || f.topics().isEmpty()) {
        throw new CatalogException(origin + ": no topics listed (expected 'topics:' with a list of topics)");
      }
      return new TopicCatalog(origin, f.topics());
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? origin : origin + ":" + at.getLineNr() + ":" + at.getColumnNr();
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String why = root instanceof IllegalArgumentException ? root.getMessage() : e.getOriginalMessage();
      throw new CatalogException(where + ": " + firstLine(why), e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "malformed";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** A catalog that cannot be used; the message names the file and line. */
  public static final class CatalogException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CatalogException(String message) {
      super(message);
    }

    public CatalogException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
