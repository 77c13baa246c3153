package dev.zonestream.spec;

import dev.zonestream.model.Dataset;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Which dataset a message belongs to, told from where it came from: a folder under the files
 * source's input, a Kafka topic (by name, then by each dataset's topic pattern), with each
 * dataset's event-time field. Built from a lake spec's {@code sources}; a name that matches no
 * dataset routes to {@link Dataset#UNROUTED_FOLDER}.
 */
public final class DatasetRoutes implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Map<String, String> folders;
  private final Map<String, String> topics;
  private final Map<String, String> topicPatterns;
  private final Map<String, String> eventTimeFields;
  private transient @Nullable Map<Pattern, String> compiled;

  private DatasetRoutes(
      Map<String, String> folders,
      Map<String, String> topics,
      Map<String, String> topicPatterns,
      Map<String, String> eventTimeFields) {
    this.folders = folders;
    this.topics = topics;
    this.topicPatterns = topicPatterns;
    this.eventTimeFields = eventTimeFields;
  }

  /** The routes of every dataset of {@code spec}. */
  public static DatasetRoutes of(LakeSpec spec) {
    Map<String, String> folders = new LinkedHashMap<>();
    Map<String, String> topics = new LinkedHashMap<>();
    Map<String, String> patterns = new LinkedHashMap<>();
    Map<String, String> times = new LinkedHashMap<>();
    for (LakeSpec.DatasetSpec dataset : spec.datasets().values()) {
      LakeSpec.Sources sources = dataset.sources();
      if (sources.files() != null) {
        folders.put(sources.files(), dataset.name());
      }
      if (sources.kafka() != null) {
        topics.put(sources.kafka(), dataset.name());
      }
      if (sources.kafkaPattern() != null) {
        patterns.put(sources.kafkaPattern(), dataset.name());
      }
      times.put(dataset.name(), dataset.eventTime());
    }
    return new DatasetRoutes(folders, topics, patterns, times);
  }

  /** The routes of the STEDI datasets ({@link Dataset}), each under its own folder name. */
  public static DatasetRoutes stedi() {
    Map<String, String> folders = new LinkedHashMap<>();
    Map<String, String> times = new LinkedHashMap<>();
    for (Dataset dataset : Dataset.values()) {
      folders.put(dataset.folder(), dataset.folder());
      times.put(dataset.folder(), dataset.eventTimeField());
    }
    return new DatasetRoutes(folders, Map.of(), Map.of(), times);
  }

  /** The dataset of files in {@code folder} (the first folder under the input), if any. */
  public Optional<String> ofFolder(String folder) {
    String named = folders.get(folder);
    return Optional.ofNullable(
        named != null ? named : folders.get(folder.toLowerCase(java.util.Locale.ROOT)));
  }

  /** The dataset of {@code topic}: named, or matching a dataset's pattern (the first in order). */
  public Optional<String> ofTopic(String topic) {
    String named = topics.get(topic);
    if (named != null) {
      return Optional.of(named);
    }
    if (compiled == null) {
      Map<Pattern, String> patterns = new LinkedHashMap<>();
      topicPatterns.forEach((regex, dataset) -> patterns.put(Pattern.compile(regex), dataset));
      compiled = patterns;
    }
    return compiled.entrySet().stream()
        .filter(e -> e.getKey().matcher(topic).matches())
        .map(Map.Entry::getValue)
        .findFirst();
  }

  /** Topic name to dataset, as the spec's sources name them, in the spec's order. */
  public Map<String, String> topics() {
    return java.util.Collections.unmodifiableMap(topics);
  }

  /** Topic pattern to dataset, in the spec's order. */
  public Map<String, String> topicPatterns() {
    return java.util.Collections.unmodifiableMap(topicPatterns);
  }

  /** The field that holds {@code dataset}'s event time, if it is a known dataset. */
  public Optional<String> eventTimeField(String dataset) {
    return Optional.ofNullable(eventTimeFields.get(dataset));
  }
}
