package org.endowatch.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * bench/djl-jni-min/djl_torch_min.cc implements DJL's native methods by their JNI names. The JVM binds
 * a native by name alone, so a function whose parameters drift from the Java declaration (a DJL upgrade)
 * would be called with the wrong arguments and crash the process, not fail a check. This keeps every
 * function the file builds equal, name, parameters and return type, to a native method of the
 * PyTorchLibrary on this classpath; it needs no compiler and no libtorch.
 */
class DjlJniMinTest {
  private static final Path SOURCE = Path.of("bench/djl-jni-min/djl_torch_min.cc");
  private static final Pattern FN = Pattern.compile("^FN\\((\\w+), (\\w+)\\)\\(([^)]*)\\)", Pattern.MULTILINE);

  /** JNI C types to the Java types they carry; jobject stands for any class (ByteBuffer, Set...). */
  private static final Map<String, Class<?>> TYPES = Map.of("jlong", long.class, "jint", int.class,
      "jboolean", boolean.class, "jdouble", double.class, "jfloat", float.class, "jlongArray", long[].class,
      "jintArray", int[].class, "jbyteArray", byte[].class, "void", void.class, "jobject", Object.class);

  /** Type codes of JNI's overload-mangled names (torchSum__J_3JZ = torchSum(long, long[], boolean)). */
  private static final Map<Character, Class<?>> CODES = Map.of('J', long.class, 'I', int.class, 'Z', boolean.class,
      'D', double.class, 'F', float.class);

  record Native(String name, String returns, List<String> params) {}

  static List<Native> built(String source) {
    List<Native> out = new ArrayList<>();
    Matcher m = FN.matcher(source);
    while (m.find()) {
      List<String> params = Arrays.stream(m.group(3).split(","))
          .map(p -> p.trim().split("\\s+")[0].replace("*", "")).toList();
      out.add(new Native(m.group(2), m.group(1), params.subList(2, params.size())));   // drop JNIEnv*, jobject
    }
    return out;
  }

  static boolean carries(String jniType, Class<?> javaType) {
    Class<?> expected = TYPES.get(jniType);
    if (expected == Object.class) {
      return !javaType.isPrimitive() && !javaType.isArray();
    }
    return javaType.equals(expected);
  }

  /** The Java parameter types a mangled name spells, or null for a short name (no overload). */
  static List<Class<?>> mangled(String name) {
    int at = name.indexOf("__");
    if (at < 0) {
      return null;
    }
    List<Class<?>> types = new ArrayList<>();
    String sig = name.substring(at + 2);
    for (int i = 0; i < sig.length(); i++) {
      boolean array = sig.startsWith("_3", i);
      if (array) {
        i += 2;
      }
      Class<?> t = CODES.get(sig.charAt(i));
      types.add(array ? t.arrayType() : t);
    }
    return types;
  }

  @Test
  void everyBuiltFunctionMatchesANativeMethodOfDjlsPyTorchLibrary() throws Exception {
    List<Native> natives = built(Files.readString(SOURCE));
    // the 69 of the fourteenth session; a change here is a change to what the GPU check covers
    assertThat(natives).hasSize(69);
    Class<?> lib = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary", false, getClass().getClassLoader());
    for (Native n : natives) {
      List<Class<?>> spelled = mangled(n.name());
      String javaName = spelled == null ? n.name() : n.name().substring(0, n.name().indexOf("__"));
      List<Method> candidates = Arrays.stream(lib.getDeclaredMethods())
          .filter(m -> m.getName().equals(javaName) && Modifier.isNative(m.getModifiers()))
          .filter(m -> spelled == null || Arrays.asList(m.getParameterTypes()).equals(spelled))
          .toList();
      assertThat(candidates).as("%s: one native method of that name (and mangled signature)", n.name()).hasSize(1);
      Method m = candidates.get(0);
      assertThat(carries(n.returns(), m.getReturnType())).as("%s returns %s, Java %s", n.name(), n.returns(),
          m.getReturnType()).isTrue();
      assertThat(n.params()).as("%s parameter count", n.name()).hasSize(m.getParameterCount());
      for (int i = 0; i < n.params().size(); i++) {
        assertThat(carries(n.params().get(i), m.getParameterTypes()[i])).as("%s parameter %d: %s vs Java %s", n.name(),
            i, n.params().get(i), m.getParameterTypes()[i]).isTrue();
      }
    }
  }

  @Test
  void aDriftedParameterListIsCaught() {
    // torchAdd(long, long) written with a third parameter, and an overload spelled with a wrong signature
    List<Native> drifted = built("FN(jlong, torchAdd)(JNIEnv* env, jobject, jlong a, jlong b, jint c) {\n"
        + "FN(jlong, torchSum__J_3JZ)(JNIEnv* env, jobject, jlong h, jlongArray dims, jboolean keep) {\n");
    assertThat(drifted.get(0).params()).containsExactly("jlong", "jlong", "jint");
    assertThat(mangled("torchSum__J_3JZ")).containsExactly(long.class, long[].class, boolean.class);
    assertThat(mangled("torchSplit__JJJ")).containsExactly(long.class, long.class, long.class);
    assertThat(mangled("torchAdd")).isNull();
    assertThat(carries("jlongArray", long.class)).isFalse();
    assertThat(carries("jobject", java.nio.ByteBuffer.class)).isTrue();
    assertThat(carries("jobject", long[].class)).isFalse();
  }
}
