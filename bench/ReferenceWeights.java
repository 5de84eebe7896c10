import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.Masks;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;

/**
 * The bridge between endowatch's network and the PyTorch reference that bench/gpu_train.py trains
 * on a GPU: named float32 tensors in a small big-endian file ("EWTENSOR", count, then per tensor a
 * UTF name, rank, dims and values), named as endowatch's parameters without DJL's child-number
 * prefixes ({@code encoder0_attention_qkv_weight}).
 *
 * <ul>
 *   <li>{@code masks PRESET SCHEDULE OUT}: the schedule's masks as tensors {@code keep [K,V]} and
 *       {@code restore [K,L]}, so the reference scores frames under exactly endowatch's masks;
 *   <li>{@code forward PRESET WEIGHTS[,WEIGHTS...] INPUTS OUT}: the network with those weights run on
 *       {@code images}, {@code keep}, {@code restore} from INPUTS; writes {@code pred} (the check that
 *       both implementations compute the same function);
 *   <li>{@code import PRESET WEIGHTS MODEL_DIR COMMAND}: a model directory (manifest and
 *       parameters, not calibrated) for endowatch's own {@code calibrate} and {@code eval}; the
 *       manifest's training command records how the weights were made;
 *   <li>{@code export PRESET MODEL_DIR OUT}: the other way, a trained endowatch model's parameters as
 *       tensors, so the reference can run it (bench/feature_scores.py).
 * </ul>
 *
 * <p>Run: {@code java -cp target/endowatch.jar bench/ReferenceWeights.java MODE ...}
 */
public final class ReferenceWeights {
  public static void main(String[] args) throws Exception {
    MemMcMaeConfig config = MemMcMaeConfig.preset(args[1]);
    switch (args[0]) {
      case "masks" -> {
        Masks m = MaskSchedule.parse(args[2]).masks(config);
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("keep", Tensor.of(m.idsKeep()));
        out.put("restore", Tensor.of(m.idsRestore()));
        write(Path.of(args[3]), out);
      }
      case "forward", "import" -> {
        try (NDManager manager = NDManager.newBaseManager()) {
          Map<String, Tensor> weights = new LinkedHashMap<>();
          for (String file : args[2].split(",")) {   // an export may come in parts
            weights.putAll(read(Path.of(file)));
          }
          MemMcMae net = withWeights(config, weights, manager);
          if (args[0].equals("forward")) {
            Map<String, Tensor> in = read(Path.of(args[3]));
            NDArray images = manager.create(in.get("images").values(), new Shape(in.get("images").shape()));
            NDArray keep = manager.create(in.get("keep").values(), new Shape(in.get("keep").shape())).toType(DataType.INT64, false);
            NDArray restore = manager.create(in.get("restore").values(), new Shape(in.get("restore").shape())).toType(DataType.INT64, false);
            NDArray pred = net.forward(new ParameterStore(manager, false), new NDList(images, keep, restore), false).singletonOrThrow();
            write(Path.of(args[4]), Map.of("pred", new Tensor(pred.getShape().getShape(), pred.toFloatArray())));
          } else {
            Path dir = Path.of(args[3]);
            String name = dir.getFileName().toString();
            Map<String, Object> training = new LinkedHashMap<>();
            training.put("command", args[4]);
            training.put("note", "weights trained by the PyTorch reference (bench/gpu_train.py), imported by bench/ReferenceWeights.java");
            ModelManifest m = new ModelManifest(ModelArtifact.FORMAT, name, name + "-reference", config,
                MaskSchedule.PAPER.toString(), "mean", null, null, null, training, null, null, null, null, null);
            ModelArtifact.save(dir, net, m);
            System.out.println("wrote " + dir);
          }
        }
      }
      case "export" -> {
        try (ModelArtifact.Loaded model = ModelArtifact.load(Path.of(args[2]), "cpu")) {
          Map<String, Tensor> out = new LinkedHashMap<>();
          for (Pair<String, Parameter> p : model.network().getParameters()) {
            NDArray a = p.getValue().getArray();
            out.put(javaName(p.getKey()), new Tensor(a.getShape().getShape(), a.toFloatArray()));
          }
          write(Path.of(args[3]), out);
          System.out.println("wrote " + out.size() + " tensors to " + args[3]);
        }
      }
      default -> throw new IllegalArgumentException("mode must be masks, forward, import or export, got " + args[0]);
    }
  }

  /** A fresh network whose every parameter is set from {@code weights} (names and shapes must match, all of them). */
  static MemMcMae withWeights(MemMcMaeConfig config, Map<String, Tensor> weights, NDManager manager) {
    MemMcMae net = new MemMcMae(config);
    net.initialize(manager, DataType.FLOAT32, net.inputShapes(1));
    int set = 0;
    for (Pair<String, Parameter> p : net.getParameters()) {
      String name = javaName(p.getKey());
      Tensor t = weights.get(name);
      NDArray array = p.getValue().getArray();
      if (t == null || !new Shape(t.shape()).equals(array.getShape())) {
        throw new IllegalArgumentException("parameter " + name + " " + array.getShape() + ": "
            + (t == null ? "missing from the weights file" : "the file has " + new Shape(t.shape())));
      }
      array.set(t.values());
      set++;
    }
    if (set != weights.size()) {
      throw new IllegalArgumentException("the weights file has " + weights.size() + " tensors, the network " + set);
    }
    return net;
  }

  /** A DJL parameter name without its child-number prefixes: {@code 01encoder0_...} -> {@code encoder0_...}. */
  static String javaName(String djlName) {
    return djlName.replaceAll("(^|_)\\d{2}(?=[a-zA-Z])", "$1");
  }

  record Tensor(long[] shape, float[] values) {
    static Tensor of(long[][] rows) {
      float[] v = new float[rows.length * rows[0].length];
      for (int i = 0; i < rows.length; i++) {
        for (int j = 0; j < rows[i].length; j++) {
          v[i * rows[0].length + j] = rows[i][j];
        }
      }
      return new Tensor(new long[] {rows.length, rows[0].length}, v);
    }
  }

  static Map<String, Tensor> read(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      if (!new String(in.readNBytes(8), java.nio.charset.StandardCharsets.US_ASCII).equals("EWTENSOR")) {
        throw new IOException(file + " is not an EWTENSOR file");
      }
      int count = in.readInt();
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        long[] shape = new long[in.readInt()];
        long size = 1;
        for (int d = 0; d < shape.length; d++) {
          shape[d] = in.readLong();
          size *= shape[d];
        }
        float[] values = new float[Math.toIntExact(size)];
        ByteBuffer.wrap(in.readNBytes(values.length * 4)).asFloatBuffer().get(values);
        out.put(name, new Tensor(shape, values));
      }
      return out;
    }
  }

  static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
      out.writeBytes("EWTENSOR");
      out.writeInt(tensors.size());
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().shape().length);
        for (long d : e.getValue().shape()) {
          out.writeLong(d);
        }
        ByteBuffer b = ByteBuffer.allocate(e.getValue().values().length * 4);
        b.asFloatBuffer().put(e.getValue().values());
        out.write(b.array());
      }
    }
  }
}
