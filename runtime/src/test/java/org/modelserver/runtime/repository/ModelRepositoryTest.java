package org.modelserver.runtime.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.testsupport.TestRepos;

class ModelRepositoryTest {
  @TempDir Path root;

  private ModelRepository repository() {
    return new ModelRepository(root);
  }

  @Test
  void scansTheRealRepository() {
    ModelRepository repository = new ModelRepository(TestRepos.modelRepo());
    assertThat(repository.scan())
        .extracting(ModelSource::name)
        .containsExactly(
            "binary_classifier_torch",
            "classifier",
            "classifier_head",
            "classifier_torch",
            "feature_extractor",
            "feature_pipeline",
            "identity_half",
            "identity_types",
            "mixed_io",
            "mixed_io_torch",
            "regressor_torch",
            "token_embed",
            "token_embed_torch");
  }

  @Test
  void findsTheVersionsOfTheRealClassifier() {
    ModelSource classifier =
        new ModelRepository(TestRepos.modelRepo()).find("classifier").orElseThrow();
    assertThat(classifier.versions().keySet()).containsExactly(1L, 2L);
    assertThat(classifier.versions().get(2L)).isEqualTo(classifier.dir().resolve("2"));
    assertThat(classifier.dir()).isEqualTo(TestRepos.modelDir("classifier"));
  }

  @Test
  void rootIsAbsoluteAndNormalized() {
    ModelRepository repository = new ModelRepository(Path.of("../model-repo/./classifier/.."));
    assertThat(repository.root().isAbsolute()).isTrue();
    assertThat(repository.root()).isEqualTo(TestRepos.modelRepo());
  }

  @Test
  void modelsAreSortedByName() {
    TestRepos.mkdirs(root.resolve("zeta/1"));
    TestRepos.mkdirs(root.resolve("alpha/1"));
    TestRepos.mkdirs(root.resolve("Mid/1"));
    assertThat(repository().scan())
        .extracting(ModelSource::name)
        .containsExactly("Mid", "alpha", "zeta");
  }

  @Test
  void versionsAreNumericallyOrdered() {
    TestRepos.mkdirs(root.resolve("m/10"));
    TestRepos.mkdirs(root.resolve("m/9"));
    TestRepos.mkdirs(root.resolve("m/100"));
    assertThat(repository().find("m").orElseThrow().versions().keySet())
        .containsExactly(9L, 10L, 100L);
  }

  @Test
  void onlyPositiveIntegerFoldersAreVersions() {
    for (String name : new String[] {"1", "0", "01", "007", "-1", "v2", "latest", "2.0", "3"}) {
      TestRepos.mkdirs(root.resolve("m").resolve(name));
    }
    assertThat(repository().find("m").orElseThrow().versions().keySet()).containsExactly(1L, 3L);
  }

  @Test
  void filesNamedLikeVersionsAreIgnored() {
    TestRepos.write(root.resolve("m/1"), "not a folder");
    TestRepos.mkdirs(root.resolve("m/2"));
    assertThat(repository().find("m").orElseThrow().versions().keySet()).containsExactly(2L);
  }

  @Test
  void hiddenVersionFoldersAreIgnored() {
    TestRepos.mkdirs(root.resolve("m/.1"));
    TestRepos.mkdirs(root.resolve("m/1"));
    assertThat(repository().find("m").orElseThrow().versions().keySet()).containsExactly(1L);
  }

  @Test
  void versionNumbersTooLongForTheRepositoryAreIgnored() {
    TestRepos.mkdirs(root.resolve("m/123456789012345678"));
    TestRepos.mkdirs(root.resolve("m/1234567890123456789"));
    assertThat(repository().find("m").orElseThrow().versions().keySet())
        .containsExactly(123456789012345678L);
  }

  @Test
  void modelFolderWithoutVersionsIsStillAModel() {
    TestRepos.mkdirs(root.resolve("empty"));
    assertThat(repository().scan())
        .singleElement()
        .satisfies(
            source -> {
              assertThat(source.name()).isEqualTo("empty");
              assertThat(source.versions()).isEmpty();
            });
  }

  @Test
  void filesAndHiddenFoldersAtTheRootAreIgnored() {
    TestRepos.write(root.resolve("README.md"), "hello");
    TestRepos.mkdirs(root.resolve(".git/1"));
    TestRepos.mkdirs(root.resolve("m/1"));
    assertThat(repository().scan()).extracting(ModelSource::name).containsExactly("m");
  }

  @Test
  void foldersWithInvalidModelNamesAreIgnored() {
    TestRepos.mkdirs(root.resolve("has space/1"));
    TestRepos.mkdirs(root.resolve("-dash/1"));
    TestRepos.mkdirs(root.resolve("ok-name.v2/1"));
    assertThat(repository().scan()).extracting(ModelSource::name).containsExactly("ok-name.v2");
  }

  @Test
  void symlinkedModelFoldersAreIgnored() throws IOException {
    TestRepos.mkdirs(root.resolve("real/1"));
    Files.createSymbolicLink(root.resolve("link"), root.resolve("real"));
    assertThat(repository().scan()).extracting(ModelSource::name).containsExactly("real");
    assertThat(repository().find("link")).isEmpty();
  }

  @Test
  void findOfAnAbsentModelIsEmpty() {
    assertThat(repository().find("nope")).isEmpty();
  }

  @Test
  void findOfAFileIsEmpty() {
    TestRepos.write(root.resolve("file"), "x");
    assertThat(repository().find("file")).isEmpty();
  }

  @Test
  void findRejectsNamesThatLeaveTheRoot() {
    TestRepos.mkdirs(root.resolve("inner/m/1"));
    ModelRepository inner = new ModelRepository(root.resolve("inner/m"));
    assertThat(inner.find("..")).isEmpty();
    assertThat(inner.find("../m")).isEmpty();
    assertThat(inner.find(".")).isEmpty();
    assertThat(inner.find("")).isEmpty();
  }

  @Test
  void validModelNames() {
    assertThat(ModelRepository.isValidModelName("classifier")).isTrue();
    assertThat(ModelRepository.isValidModelName("_private")).isTrue();
    assertThat(ModelRepository.isValidModelName("a.b-c_1")).isTrue();
    assertThat(ModelRepository.isValidModelName("x".repeat(128))).isTrue();
  }

  @Test
  void invalidModelNames() {
    assertThat(ModelRepository.isValidModelName(null)).isFalse();
    assertThat(ModelRepository.isValidModelName("")).isFalse();
    assertThat(ModelRepository.isValidModelName(".hidden")).isFalse();
    assertThat(ModelRepository.isValidModelName("-x")).isFalse();
    assertThat(ModelRepository.isValidModelName("a/b")).isFalse();
    assertThat(ModelRepository.isValidModelName("a b")).isFalse();
    assertThat(ModelRepository.isValidModelName("x".repeat(129))).isFalse();
  }

  @Test
  void scanOfAMissingRootFails() {
    ModelRepository repository = new ModelRepository(root.resolve("missing"));
    assertThatThrownBy(repository::scan)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is not a folder");
  }

  @Test
  void sourceVersionsAreUnmodifiable() {
    TestRepos.mkdirs(root.resolve("m/1"));
    ModelSource source = repository().find("m").orElseThrow();
    assertThatThrownBy(() -> source.versions().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
