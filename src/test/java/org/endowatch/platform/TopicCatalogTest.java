package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.endowatch.contract.Topic;
import org.endowatch.contract.Topics;
import org.endowatch.platform.TopicCatalog.CatalogException;
import org.junit.jupiter.api.Test;

class TopicCatalogTest {
  private static TopicCatalog parse(String yaml) throws Exception {
    return TopicCatalog.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "cat.yaml");
  }

  @Test
  void theCatalogListsExactlyTheContractTopics() {
    TopicCatalog catalog = TopicCatalog.load(Path.of("topics/catalog.yaml"));
    assertThat(catalog.topics()).extracting(TopicCatalog.TopicSpec::name)
        .containsExactlyElementsOf(Topics.ALL.stream().map(Topic::name).toList());
    assertThat(catalog.topic("models").config()).containsEntry("cleanup.policy", "compact");
    assertThat(catalog.topic("frames").config()).containsEntry("max.message.bytes", "4194304");
  }

  @Test
  void configsKeepTheFilesOrderSoReportsReadTheSameEveryRun() {
    assertThat(TopicCatalog.load(Path.of("topics/catalog.yaml")).topic("frames").config().keySet()).containsExactly(
        "cleanup.policy", "retention.ms", "max.message.bytes", "compression.type", "message.timestamp.type");
  }

  @Test
  void theBuiltInCatalogIsTheRepositoryFile() {
    assertThat(TopicCatalog.builtIn().topics()).isEqualTo(TopicCatalog.load(Path.of("topics/catalog.yaml")).topics());
  }

  @Test
  void numbersAreReadAsConfigStrings() throws Exception {
    TopicCatalog c = parse("topics:\n  - name: a\n    partitions: 2\n    config:\n      retention.ms: 1000\n");
    assertThat(c.topic("a").config()).containsEntry("retention.ms", "1000");
    assertThat(c.topic("a").replicationFactor()).isNull();
  }

  @Test
  void yamlSyntaxErrorNamesFileAndLine() {
    assertThatThrownBy(() -> parse("topics:\n  - name: a\n    partitions: 1\n  - name: \"b\n"))
        .isInstanceOf(CatalogException.class)
        .hasMessageStartingWith("cat.yaml:4:9: while scanning a quoted scalar");
  }

  @Test
  void wrongValueTypeNamesFileLineAndColumn() {
    assertThatThrownBy(() -> parse("topics:\n  - name: a\n    partitions: [1]\n"))
        .isInstanceOf(CatalogException.class)
        .hasMessageStartingWith("cat.yaml:3:17: Cannot deserialize value of type `int`");
  }

  @Test
  void zeroPartitionsNamesTheTopicAndLine() {
    assertThatThrownBy(() -> parse("topics:\n  - name: a\n    partitions: 1\n  - name: b\n    partitions: 0\n"))
        .isInstanceOf(CatalogException.class)
        .hasMessageMatching("cat\\.yaml:[56]:\\d+: topic 'b': partitions must be >= 1, got 0");
  }

  @Test
  void unknownFieldAndUnknownConfigAreRefused() {
    assertThatThrownBy(() -> parse("topics:\n  - name: a\n    partitions: 3\n    partitons: 3\n"))
        .hasMessageStartingWith("cat.yaml:5:1: Unrecognized field \"partitons\"")
        .hasMessageContaining("partitons");
    assertThatThrownBy(() -> parse("topics:\n  - name: a\n    partitions: 3\n    config:\n      retention.msx: 1\n"))
        .hasMessageMatching("cat\\.yaml:\\d+:\\d+: topic 'a': unknown topic config 'retention.msx'");
  }

  @Test
  void missingPartitionsDuplicateNamesAndEmptyCatalogAreRefused() {
    assertThatThrownBy(() -> parse("topics:\n  - name: a\n")).hasMessageContaining("partitions");
    assertThatThrownBy(() -> parse("topics:\n  - {name: a, partitions: 1}\n  - {name: a, partitions: 2}\n"))
        .hasMessage("cat.yaml: topic 'a' is listed twice");
    assertThatThrownBy(() -> parse("topics: []\n"))
        .hasMessage("cat.yaml: no topics listed (expected 'topics:' with a list of topics)");
  }

  @Test
  void missingFileSaysWhatToDo() {
    assertThatThrownBy(() -> TopicCatalog.load(Path.of("no/such/catalog.yaml")))
        .hasMessage("topic catalog no/such/catalog.yaml does not exist (pass --catalog FILE, or omit it to use the built-in one)");
  }
}
