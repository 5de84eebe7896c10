package org.endowatch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the one-way arrows of ../shared/STYLE.md true as the code grows. */
class ArchitectureTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMain() {
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("org.endowatch");
  }

  @Test
  void contractAndConfigImportNothingOfOurs() {
    noClasses().that().resideInAnyPackage("..endowatch.contract..", "..endowatch.config..")
        .should().dependOnClassesThat().resideInAnyPackage("org.endowatch.ingest..", "org.endowatch.replay..",
            "org.endowatch.model..", "org.endowatch.score..", "org.endowatch.train..", "org.endowatch.console..",
            "org.endowatch.platform..", "org.endowatch.cli..")
        .check(main);
    noClasses().that().resideInAPackage("..endowatch.contract..")
        .should().dependOnClassesThat().resideInAPackage("org.endowatch.config..").check(main);
    noClasses().that().resideInAPackage("..endowatch.config..")
        .should().dependOnClassesThat().resideInAPackage("org.endowatch.contract..").check(main);
  }

  @Test
  void modelNeverImportsKafka() {
    noClasses().that().resideInAPackage("..endowatch.model..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "kafka..", "org.endowatch.platform..")
        .allowEmptyShould(true)
        .check(main);
  }

  @Test
  void ingestNeverImportsModelOrScore() {
    noClasses().that().resideInAPackage("..endowatch.ingest..")
        .should().dependOnClassesThat().resideInAnyPackage("org.endowatch.model..", "org.endowatch.score..", "ai.djl..")
        .allowEmptyShould(true)
        .check(main);
  }

  @Test
  void consoleNeverImportsModelOrScore() {
    noClasses().that().resideInAPackage("..endowatch.console..")
        .should().dependOnClassesThat().resideInAnyPackage("org.endowatch.model..", "org.endowatch.score..", "ai.djl..")
        .allowEmptyShould(true)
        .check(main);
  }

  @Test
  void onlyTheCliWiresStages() {
    noClasses().that().resideOutsideOfPackages("org.endowatch", "org.endowatch.cli..")
        .should().dependOnClassesThat().resideInAnyPackage("org.endowatch.cli..")
        .check(main);
  }

  @Test
  void everyPackageSaysWhichStageItIs() {
    for (String p : new String[] {"contract", "config", "ingest", "replay", "model", "score", "train", "console", "platform", "cli"}) {
      if (ArchitectureTest.class.getClassLoader().getResource("org/endowatch/" + p + "/package-info.class") == null) {
        throw new AssertionError("org.endowatch." + p + " has no package-info.java");
      }
    }
  }
}
