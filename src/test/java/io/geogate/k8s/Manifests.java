package io.geogate.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** One kustomization as {@code kubectl kustomize} renders it, read into fabric8's typed model (CRDs as generic resources). */
final class Manifests {

    /** The kubectl to render with: {@code $KUBECTL}, else the one on the PATH. */
    static final String KUBECTL = Optional.ofNullable(System.getenv("KUBECTL")).filter(s -> !s.isBlank()).orElse("kubectl");

    static final String GEOGATE = "geogate";

    private final Path dir;
    private final List<HasMetadata> resources;

    private Manifests(Path dir, List<HasMetadata> resources) {
        this.dir = dir;
        this.resources = resources;
    }

    /** What {@code kubectl kustomize dir} prints; fails the test with kubectl's own message when it cannot render. */
    static String kustomize(Path dir) {
        try {
            Path stderr = Files.createTempFile("kustomize", ".err");
            try {
                Process p;
                try {
                    p = new ProcessBuilder(KUBECTL, "kustomize", dir.toString()).redirectError(stderr.toFile()).start();
                } catch (IOException e) {
                    throw new AssertionError("cannot run '" + KUBECTL + "' (" + e.getMessage() + "): the manifest tests need kubectl;"
                            + " on Debian apt-get install kubernetes-client (.ci/run does), or set KUBECTL to its path", e);
                }
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(KUBECTL + " kustomize " + dir + " did not finish within 60 s");
                }
                if (p.exitValue() != 0) {
                    throw new AssertionError(KUBECTL + " kustomize " + dir + " failed (exit " + p.exitValue() + "): "
                            + Files.readString(stderr));
                }
                return out;
            } finally {
                Files.deleteIfExists(stderr);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Manifests render(Path dir) {
        return parse(dir, kustomize(dir));
    }

    /** Reads a multi-document YAML stream; kinds the model does not know (PodMonitor, PrometheusRule) become generic resources. */
    static Manifests parse(Path dir, String yaml) {
        Object parsed = new KubernetesSerialization().unmarshal(yaml);
        List<HasMetadata> resources = new ArrayList<>();
        if (parsed instanceof List<?> list) {
            for (Object o : list) {
                if (o != null) {
                    resources.add((HasMetadata) o);
                }
            }
        } else if (parsed != null) {
            resources.add((HasMetadata) parsed);
        }
        return new Manifests(dir, List.copyOf(resources));
    }

    Path dir() {
        return dir;
    }

    List<HasMetadata> resources() {
        return resources;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The one resource of this type; an AssertionError if there is none or more. */
    <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = all(type);
        if (found.size() != 1) {
            throw new AssertionError(dir + ": expected one " + type.getSimpleName() + ", found " + found.size());
        }
        return found.get(0);
    }

    /** The one custom resource of this kind. */
    GenericKubernetesResource one(String kind) {
        List<GenericKubernetesResource> found = all(GenericKubernetesResource.class).stream()
                .filter(r -> kind.equals(r.getKind())).toList();
        if (found.size() != 1) {
            throw new AssertionError(dir + ": expected one " + kind + ", found " + found.size());
        }
        return found.get(0);
    }

    Optional<ConfigMap> configMap(String name) {
        return all(ConfigMap.class).stream().filter(c -> name.equals(c.getMetadata().getName())).findFirst();
    }

    Deployment deployment() {
        return one(Deployment.class);
    }

    PodSpec pod() {
        return deployment().getSpec().getTemplate().getSpec();
    }

    Map<String, String> podLabels() {
        Map<String, String> labels = deployment().getSpec().getTemplate().getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
    }

    /** Init containers, then containers. */
    List<Container> allContainers() {
        List<Container> all = new ArrayList<>(pod().getInitContainers());
        all.addAll(pod().getContainers());
        return all;
    }

    Container container(String name) {
        return pod().getContainers().stream().filter(c -> name.equals(c.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(dir + ": no container named " + name));
    }

    Optional<Container> initContainerWithImage(String image) {
        return pod().getInitContainers().stream().filter(c -> image.equals(c.getImage())).findFirst();
    }

    Container geogate() {
        return container(GEOGATE);
    }

    Optional<Volume> volume(String name) {
        return pod().getVolumes().stream().filter(v -> name.equals(v.getName())).findFirst();
    }

    /** A container's literal environment; a value from a Secret or ConfigMap reads as {@code <valueFrom>}. */
    static Map<String, String> env(Container c) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : c.getEnv()) {
            env.put(e.getName(), e.getValue() != null ? e.getValue() : e.getValueFrom() != null ? "<valueFrom>" : "");
        }
        return env;
    }

    /** The mount of a container whose directory holds this absolute path (the deepest one). */
    static Optional<VolumeMount> mountHolding(Container c, String path) {
        Path p = Path.of(path).normalize();
        VolumeMount best = null;
        for (VolumeMount m : c.getVolumeMounts()) {
            Path dir = Path.of(m.getMountPath()).normalize();
            if (p.startsWith(dir) && !p.equals(dir)
                    && (best == null || dir.getNameCount() > Path.of(best.getMountPath()).getNameCount())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The container port a port reference names (a number, or a name of one of the container's ports). */
    static Optional<Integer> resolve(Container c, IntOrString port) {
        if (port == null) {
            return Optional.empty();
        }
        if (port.getIntVal() != null) {
            return Optional.of(port.getIntVal());
        }
        return c.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst();
    }

    /** The container (and its port) a Service or NetworkPolicy port name or number lands on in this pod. */
    Optional<String> landsOn(IntOrString port) {
        for (Container c : pod().getContainers()) {
            for (ContainerPort p : c.getPorts()) {
                boolean match = port.getIntVal() != null ? port.getIntVal().equals(p.getContainerPort()) : port.getStrVal().equals(p.getName());
                if (match) {
                    return Optional.of(c.getName() + ":" + p.getContainerPort());
                }
            }
        }
        return port.getIntVal() != null ? Optional.of("?:" + port.getIntVal()) : Optional.empty();
    }
}
